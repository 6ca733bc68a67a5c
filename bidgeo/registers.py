"""Service registers (a municipality's or region's list of service points) from CSV, XLSX
or GeoPackage: read the table, map its columns and its types to the taxonomy, and report
every bad row; a register with any bad row imports nothing. Files are read within the limits
of ``bidgeo.untrusted`` (XLSX and GeoPackage by a worker process)."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from bidgeo import categories
from bidgeo.errors import InputError
from bidgeo.geo import WGS84
from bidgeo.i18n import t
from bidgeo.osm import SERVICE_COLUMNS
from bidgeo.untrusted import MAX_FEATURES, UnreadableError, horizontal, in_worker, inspect_gpkg, read_csv, read_excel, read_frame

MAX_BYTES = 20 * 1024 * 1024
MAX_NAME_CHARS = 300
GEOMETRY_LON, GEOMETRY_LAT = "(geometri: lon)", "(geometri: lat)"


def read_table(data: bytes, name: str, what: str = "register") -> pd.DataFrame:
    """The register as a table. A GeoPackage's geometry becomes two columns of WGS 84
    coordinates (its point, or a point on its surface). ``what`` names the catalogue keys a
    refusal is said with (``{what}_too_big``, ``{what}_unreadable``, ``{what}_unsupported``), so
    another kind of table (``premises``) is read the same way in its own words."""
    if len(data) > MAX_BYTES:
        raise InputError(f"{what}_too_big", size_mb=round(len(data) / 1e6), limit_mb=MAX_BYTES // 1_000_000)
    suffix, unreadable = Path(name.lower()).suffix, f"{what}_unreadable"
    if suffix == ".csv":
        return read_csv(data, unreadable, name, MAX_FEATURES, dtype=str, keep_default_na=False)
    if suffix == ".xlsx":
        return in_worker(unreadable, name, read_excel, data, failed="reason_xlsx")
    if suffix == ".gpkg":
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "register.gpkg"
            path.write_bytes(data)
            inspect_gpkg(path, unreadable, name)
            _, frame = in_worker(unreadable, name, read_frame, str(path))
        try:
            points = frame.to_crs(WGS84).geometry.representative_point() if frame.crs else frame.geometry
        except (ValueError, CRSError) as exc:  # geometries and CRS of a GeoPackage that GDAL read
            raise UnreadableError(unreadable, "reason_damaged", name=name) from exc
        table = pd.DataFrame(frame.drop(columns=frame.geometry.name)).astype(str)
        table[GEOMETRY_LON], table[GEOMETRY_LAT] = points.x.to_numpy(), points.y.to_numpy()
        return table
    raise InputError(f"{what}_unsupported", name=name)


@dataclass
class RegisterMapping:
    """Which columns hold the name, the type and the coordinates, their CRS, and which
    taxonomy category each type value is ("" leaves that type out)."""

    name: str
    type: str
    x: str
    y: str
    crs: str = "EPSG:4326"
    types: dict[str, str] = field(default_factory=dict)


def types_of(table: pd.DataFrame, column: str) -> list[str]:
    return sorted({str(v).strip() for v in table[column] if str(v).strip()})


def guess_category(kind: str) -> str:
    """The category whose key or Swedish/English label is the type's text, else ""."""
    text = kind.strip().lower()
    return next((c.key for c in categories.categories() if text in (c.key, c.sv.lower(), c.en.lower())), "")


def to_services(table: pd.DataFrame, mapping: RegisterMapping, lang: str
                ) -> tuple[gpd.GeoDataFrame, list[dict]]:
    """The register's services (source ``import``) and the errors of its rows, numbered as
    in a spreadsheet (header = row 1)."""
    errors: list[dict] = []
    x = pd.to_numeric(table[mapping.x].astype(str).str.replace(",", ".").str.strip(), errors="coerce").to_numpy()
    y = pd.to_numeric(table[mapping.y].astype(str).str.replace(",", ".").str.strip(), errors="coerce").to_numpy()
    try:
        crs = CRS.from_user_input(mapping.crs)
    except CRSError as exc:
        raise InputError("crs_unknown", crs=mapping.crs) from exc
    if horizontal(crs) is None:
        raise InputError("crs_not_horizontal", crs=mapping.crs)
    crs = horizontal(crs)
    if not crs.equals(WGS84):
        x, y = Transformer.from_crs(crs, WGS84, always_xy=True).transform(x, y)
    rows = []
    for i, (name, kind, lon, lat) in enumerate(zip(table[mapping.name], table[mapping.type], x, y)):
        row, name, kind = i + 2, str(name).strip(), str(kind).strip()
        if not name:
            errors.append({"row": row, "message": t("register_no_name", lang)})
        elif len(name) > MAX_NAME_CHARS:
            errors.append({"row": row, "message": t("register_name_too_long", lang, limit=MAX_NAME_CHARS)})
        elif kind not in mapping.types:
            errors.append({"row": row, "message": t("register_unknown_type", lang, type=kind)})
        elif not (np.isfinite(lon) and np.isfinite(lat) and abs(lon) <= 180 and abs(lat) <= 90):
            errors.append({"row": row, "message": t("register_bad_coordinates", lang)})
        elif mapping.types[kind]:
            if mapping.types[kind] not in categories.by_key():
                errors.append({"row": row, "message": t("register_unknown_type", lang, type=kind)})
            else:
                rows.append((mapping.types[kind], name, None, None, "import", {"type": kind}, (lon, lat)))
    frame = pd.DataFrame([r[:-1] for r in rows], columns=SERVICE_COLUMNS[:-1])
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy([r[-1][0] for r in rows], [r[-1][1] for r in rows]),
                            crs=WGS84), errors
