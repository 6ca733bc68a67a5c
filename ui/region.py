"""Streamlit glue for the regional comparison (app_pages/compare.py): uploaded files kept
under the bidgeo home by content, and each step's result cached by content."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pandas as pd
import streamlit as st

import ui
from bidgeo import config, region


PLACES = (".gpkg", ".geojson", ".json", ".zip")
GRIDS = (".gpkg", ".geojson", ".json", ".csv")


def choose_files() -> tuple[Path | None, tuple[str, bytes] | None, tuple[str, bytes] | None]:
    """The region's extract (a file), locality boundaries and population grid (name, bytes):
    uploaded, or chosen among the files the server keeps in the bidgeo home's ``regions``
    folder (a county's extract is often too big to upload)."""
    folder = config.home() / "regions"
    served = sorted(p.name for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []
    source = st.radio(ui.t("reg_source"), ["upload", "server"] if served else ["upload"], horizontal=True,
                      key="reg_source", format_func=lambda s: ui.t(f"reg_source_{s}"))
    left, middle, right = st.columns(3)
    if source == "upload":
        osm = left.file_uploader(ui.t("reg_osm"), type=["pbf"], key="reg_osm", max_upload_size=config.MAX_OSM_UPLOAD_MB)
        places = middle.file_uploader(ui.t("reg_localities"), type=[s[1:] for s in PLACES], key="reg_places")
        grid = right.file_uploader(ui.t("reg_population"), type=[s[1:] for s in GRIDS], key="reg_grid")
        return (None if osm is None else kept_upload(osm), None if places is None else (places.name, places.getvalue()),
                None if grid is None else (grid.name, grid.getvalue()))

    def pick(column, label: str, suffixes: tuple[str, ...], key: str):
        return column.selectbox(label, [n for n in served if n.lower().endswith(suffixes)], index=None, key=key)

    osm = pick(left, ui.t("reg_osm"), (".pbf",), "reg_osm_file")
    places = pick(middle, ui.t("reg_localities"), PLACES, "reg_places_file")
    grid = pick(right, ui.t("reg_population"), GRIDS, "reg_grid_file")
    return (None if osm is None else folder / osm, None if places is None else (places, (folder / places).read_bytes()),
            None if grid is None else (grid, (folder / grid).read_bytes()))


def kept_upload(upload) -> Path:
    """An uploaded extract as a file named by its content (the region's compile is cached by
    it; making a project clips it again)."""
    data = upload.getvalue()
    folder = config.home() / "cache" / "region-uploads"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{hashlib.sha256(data).hexdigest()}.osm.pbf"
    if not path.is_file():
        partial = path.with_name(path.name + ".part")
        partial.write_bytes(data)
        partial.replace(path)
    return path


@st.cache_resource(show_spinner=False, max_entries=4)
def _compiled(path: str) -> region.Region:
    return region.compile_region(path)


def fields(data: bytes, name: str) -> list[str]:
    return ui.cached(region.locality_fields, data, name)


def localities(data: bytes, name: str, field: str) -> region.Localities:
    return ui.cached(region.read_localities, data, name, field)


@st.cache_resource(show_spinner=False, max_entries=16)
def result(path: str, places: bytes, places_name: str, field: str, grid: bytes | None, grid_name: str,
           column: str | None, ages: tuple[str, ...], mode: str, bands: tuple[int, ...], speed: float,
           lang: str) -> region.RegionResult:
    """The regional comparison of these files and choices, once per content."""
    people = None if grid is None else ui.cached(region.read_population, grid, grid_name, column, list(ages))
    return region.analyse(_compiled(path), localities(places, places_name, field), mode, bands, None, people,
                          speed, region.AGE_SPEED, lang)


@st.cache_resource(show_spinner=False, max_entries=16)
def gpkg(_result: region.RegionResult, *content) -> bytes:
    """The GeoPackage of a result (``content``: the arguments it was made of)."""
    return _result.gpkg()


def ranked(result: region.RegionResult, key: str, band: int, lang: str) -> pd.DataFrame:
    """One row per locality for ``key``, the best covered first (then the hinterland)."""
    rows = []
    summary = result.summary()
    groups = summary["localities"] + ([summary["hinterland"]] if summary["hinterland"] else [])
    for group in groups:
        entry = group["categories"][key]
        people = entry["population_share_within"]
        rows.append({ui.t("col_locality"): group["name"], ui.t("col_origins"): group["origins"],
                     ui.t("col_population"): group["population"], ui.t("col_services"): entry["services"],
                     ui.t("col_median"): entry["median_m"],
                     ui.t("col_within", band=band): entry["share_within"][str(band)],
                     ui.t("col_people_within", band=band): None if people is None else people[str(band)],
                     ui.t("col_note"): ui.t("region_no_buildings") if group.get("note") else ""})
    frame = pd.DataFrame(rows)
    top = frame.iloc[:len(summary["localities"])].sort_values(ui.t("col_within", band=band), ascending=False)
    return pd.concat([top, frame.iloc[len(summary["localities"]):]], ignore_index=True)


def xlsx(table: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    table.to_excel(buffer, index=False, sheet_name="Regionjämförelse")
    return buffer.getvalue()
