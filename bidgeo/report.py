"""Exports of the status analysis (nulägesanalys, steps 2-3) for the steering group, the
municipality and the public: a PDF report (A4, WeasyPrint), a self-contained HTML report with
an interactive map, a GeoPackage for QGIS, and the tables as zipped CSV files or one XLSX.

:func:`report_data` gathers everything once; the writers turn it into bytes. All user text is
escaped (Jinja2 autoescape) in the HTML and PDF, whose templates and stylesheets are files in
``bidgeo/templates`` (``base.html`` is the frame every report extends); a ``BIDGEO_TEMPLATES``
folder is searched first, so a municipality restyles its reports without touching code. With ``public=True`` no person's name is
left (observation authors, walk participants, respondents, reviewers, who set a review state or
an area's status, who corrected a service, the action plan's owners, photos' file names) and
neither is the stakeholder register; photos never carry metadata (``bidgeo.photos``). The
internal exports include the register without contact details.

The HTML report needs no network: Leaflet and the other map libraries are inlined from
``static/vendor``, photos travel as ``data:`` URIs, and no tile layer is added.
"""

from __future__ import annotations

import base64
import io
import re
import tempfile
import zipfile
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone
from functools import lru_cache
from pathlib import Path

import folium
import geopandas as gpd
import pandas as pd
import pyogrio
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, TemplateSyntaxError, select_autoescape
from sqlalchemy.engine import Engine

from bidgeo import config, focus, maps, photos, review, spreadsheet, walks
from bidgeo import conclusions as conclusion_store
from bidgeo import scope as scope_mod
from bidgeo import inventory as inventory_store
from bidgeo import services as service_tables
from bidgeo import stakeholders as stakeholder_store
from bidgeo.area_versions import VersionInfo, list_versions
from bidgeo.categories import label as category_label
from bidgeo.errors import BidgeoError, InputError, ValidationError
from bidgeo.geo import WGS84
from bidgeo.i18n import local_time, number, percent, t
from bidgeo.osm import ATTRIBUTION, OsmData, read_osm
from bidgeo.photos import PhotoInfo
from bidgeo.projects import ProjectInfo, get_project, osm_file, service_points
from bidgeo.walks import WalkInfo

EXPORT_FORMATS = ("pdf", "html", "gpkg", "csv", "xlsx")
"""What :func:`export_bytes` makes; ``--format handover`` of ``docs/spec/cli.md`` is
:func:`handover_zip`."""
GPKG_LAYERS = ("area_versions", "services", "service_corrections", "observations", "actions", "walks", "premises")
TABLES = ("observations", "actions", "services", "assessments", "coverage", "review_comments", "area_versions",
          "stakeholders", "premises", "premise_statuses")
"""The CSV files (``<name>.csv``) and XLSX sheets, in this order; coverage only when the
project has an OSM extract, stakeholders only in internal exports."""
VENDOR = config.REPO_ROOT / "static" / "vendor"
REPORT_PHOTO_PX = 1000
"""A photo's longer side in the reports (about 200 dpi across the column of an A4 page)."""


# --- gathering ------------------------------------------------------------------------------------
@dataclass
class ReportData:
    """Everything the exports show, read once. With ``public`` the names are already gone."""

    project: ProjectInfo
    lang: str
    public: bool
    made_at: datetime
    area: VersionInfo | None
    versions: list[VersionInfo]
    walks: list[WalkInfo]
    observations: gpd.GeoDataFrame
    """As :func:`bidgeo.walks.observations` (not deleted), in report order (focus area, walk,
    then as recorded) with: number (1.., how the report refers to it), walked_on, state, state_by,
    state_at, photo_ids, photo_files. ``author`` is empty when public."""
    photos: dict[str, list[PhotoInfo]]
    """Thumbnails per observation uuid."""
    images: dict[int, bytes]
    """Each photo (by id) at :data:`REPORT_PHOTO_PX` for the reports' pages (empty unless read
    ``with_images``)."""
    comments: pd.DataFrame
    """Reviewers' comments: uuid, author (a role word when public), text, created_at."""
    actions: pd.DataFrame
    """The action plan (:func:`bidgeo.review.actions`) with the observation's number."""
    assessments: pd.DataFrame
    services: gpd.GeoDataFrame
    """The service points of :attr:`scope`."""
    corrections: gpd.GeoDataFrame
    coverage: pd.DataFrame | None
    """:meth:`bidgeo.coverage.Coverage.table` of :attr:`scope`, or None."""
    coverage_problem: str | None
    """Why there is no coverage (a sentence in ``lang``)."""
    stakeholders: pd.DataFrame | None
    """The register for export without contact details (labels in ``lang``); None when public."""
    scope: scope_mod.Scope
    """What services and walking distance are counted for (:mod:`bidgeo.scope`)."""
    conclusions: conclusion_store.Conclusions
    """The BID manager's own summary and conclusions per focus area."""
    review_counts: dict[str, int]
    """:func:`bidgeo.review.state_counts`."""
    osm: OsmData | None = field(default=None, repr=False)
    premises: PremisesData | None = None
    """The premises register and its vacancy (issue 17); owners left out when public."""


def _utc(value) -> datetime | None:
    if value is None or (not isinstance(value, datetime) and pd.isna(value)):
        return None
    value = pd.Timestamp(value).to_pydatetime()
    return value.replace(tzinfo=value.tzinfo or timezone.utc)


def report_data(engine: Engine, project_id: int, lang: str = "sv", public: bool = False, *,
                buffer_m: float | None = scope_mod.DEFAULT_BUFFER_M, with_osm: bool = True,
                with_coverage: bool = True, with_images: bool = True) -> ReportData:
    """Read what the exports of project ``project_id`` show. Services and walking distance are
    for the current area grown by ``buffer_m`` metres (None: the whole locality; see
    :mod:`bidgeo.scope`). ``with_osm`` reads the locality's extract (the static maps'
    background); ``with_coverage`` computes walking distances; ``with_images`` reads the
    photos at a size for the reports' pages."""
    from bidgeo import coverage as coverage_mod

    project = get_project(engine, project_id)
    versions = list_versions(engine, project.id)
    current = next((v for v in versions if v.current), None)
    counted = scope_mod.scope(current.geometry if current else None, buffer_m)
    walk_list = walks.walks(engine, project.id)
    obs = walks.observations(engine, project.id)
    states = review.states(engine, project.id).rename(columns={"by": "state_by", "updated_at": "state_at"})
    obs = obs.merge(states, on="uuid", how="left")
    obs["state"] = obs["state"].fillna("new")
    walked_on = {w.id: w.walked_on for w in walk_list}
    obs["walked_on"] = obs["walk_id"].map(walked_on)
    obs["_focus"] = obs["focus_area"].map({k: i for i, k in enumerate(focus.FOCUS_AREAS)})
    obs = obs.sort_values(["_focus", "walked_on"], kind="stable").drop(columns="_focus").reset_index(drop=True)
    obs["number"] = range(1, len(obs) + 1)
    pictures: dict[str, list[PhotoInfo]] = {}
    for photo in photos.photos(engine, project.id, list(obs["uuid"])):
        pictures.setdefault(photo.observation_uuid, []).append(photo)
    images = {p.id: photos.resized(photos.photo_bytes(engine, project.id, p.id), REPORT_PHOTO_PX)
              for found in pictures.values() for p in found} if with_images else {}
    obs["photo_ids"] = [",".join(str(p.id) for p in pictures.get(u, [])) for u in obs["uuid"]]
    obs["photo_files"] = [", ".join(p.filename for p in pictures.get(u, [])) for u in obs["uuid"]]
    obs = gpd.GeoDataFrame(obs, geometry="geometry", crs=WGS84)

    comments = review.comments(engine, project.id)
    comments = comments[comments["uuid"].isin(set(obs["uuid"]))].reset_index(drop=True)
    numbers = dict(zip(obs["uuid"], obs["number"]))
    plan = review.actions(engine, project.id)
    plan["number"] = [numbers.get(u) for u in plan["uuid"]]
    scores = walks.assessments(engine, [w.id for w in walk_list])
    all_points = service_points(engine, project.id)
    points = counted.services(all_points)
    fixes = inventory_store.corrections(engine, project.id)

    osm = None
    if with_osm and project.osm_sha256:
        try:
            path = osm_file(engine, project)
            osm = read_osm(path) if path is not None else None
        except BidgeoError:
            osm = None
    cover, problem = None, None
    if with_coverage:
        try:
            cover = counted.coverage(coverage_mod.project_network(engine, project), all_points).table(lang)
        except BidgeoError as exc:
            problem = exc.message(lang)
    register = None
    if not public:
        register = stakeholder_store.export_table(stakeholder_store.register(engine, project.id), lang,
                                                  include_contacts=False)
    if public:
        obs["author"] = ""
        obs["state_by"] = ""
        comments["author"] = t("report_reviewer", lang)
        walk_list = [replace(w, participants="") for w in walk_list]
        respondents = {r: t("report_respondent", lang, number=i)
                       for i, r in enumerate(dict.fromkeys(scores["respondent"]), start=1)}
        scores["respondent"] = scores["respondent"].map(respondents)
        versions = [replace(v, author="", status_by=None) for v in versions]
        fixes["author"] = ""
        plan["owner"] = ""  # an action's owner is often a person
        obs["photo_files"] = ""  # a photo's file name may carry the photographer's
    return ReportData(
        project=project, lang=lang, public=public, made_at=datetime.now(timezone.utc),
        area=next((v for v in versions if v.current), None), versions=versions, walks=walk_list,
        scope=counted, conclusions=conclusion_store.conclusions(engine, project.id),
        review_counts=review.state_counts(engine, project.id),
        observations=obs, photos=pictures, images=images, comments=comments, actions=plan, assessments=scores,
        services=points, corrections=fixes, coverage=cover, coverage_problem=problem,
        stakeholders=register, osm=osm, premises=premises_data(engine, project.id, public))


# --- labels ---------------------------------------------------------------------------------------
def _focus(key: str, lang: str) -> str:
    return t("focus_" + key, lang)


def _kind(key: str, lang: str) -> str:
    return t("kind_" + key, lang)


def _state(key: str, lang: str) -> str:
    return t("review_state_" + key, lang)


def _priority(key: str, lang: str) -> str:
    return t("priority_" + key, lang)


def _action_status(key: str, lang: str) -> str:
    return t("action_status_" + key, lang)


def _area_status(key: str, lang: str) -> str:
    return {"draft": t("area_status_draft", lang), "proposed": t("area_status_proposed", lang),
            "approved": t("area_status_approved", lang)}.get(key, key)


def _correction_kind(key: str, lang: str) -> str:
    return {"add": t("report_fix_add", lang), "close": t("report_fix_close", lang),
            "category": t("report_fix_category", lang), "move": t("report_fix_move", lang)}.get(key, key)


def _when(value, with_time: bool = True) -> str:
    moment = _utc(value)
    return "" if moment is None else local_time(moment, with_time)


def _day(value) -> str:
    return value.isoformat() if isinstance(value, date) else ""


def _walk_name(walk: WalkInfo, lang: str) -> str:
    return f"{walk.walked_on.isoformat()} ({t('walk_baseline' if walk.baseline else 'walk_followup', lang)})"


def _rating(value) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def _cost(value, lang: str) -> str:
    return "" if value is None or pd.isna(value) else number(value, lang)


# --- the tables (CSV, XLSX, and the reports' tables) ----------------------------------------------
def table_names(lang: str) -> dict[str, str]:
    """Each table's name in ``lang`` (the XLSX sheet names)."""
    return {"observations": t("report_table_observations", lang), "actions": t("report_table_actions", lang),
            "services": t("report_table_services", lang), "assessments": t("report_table_assessments", lang),
            "coverage": t("report_table_coverage", lang), "review_comments": t("report_table_comments", lang),
            "area_versions": t("report_table_area_versions", lang),
            "stakeholders": t("report_table_stakeholders", lang),
            "premises": t("report_table_premises", lang), "premise_statuses": t("report_table_premise_statuses", lang)}


def tables(data: ReportData) -> dict[str, pd.DataFrame]:
    """The exported tables by name (:data:`TABLES`), labels and headers in ``data.lang``."""
    lang, obs = data.lang, data.observations
    out: dict[str, pd.DataFrame] = {}
    observations = pd.DataFrame({
        t("report_col_number", lang): obs["number"].astype(int),
        t("report_col_walk", lang): [_day(d) for d in obs["walked_on"]],
        t("report_col_focus_area", lang): [_focus(k, lang) for k in obs["focus_area"]],
        t("report_col_kind", lang): [_kind(k, lang) for k in obs["kind"]],
        t("report_col_rating", lang): pd.array([_rating(r) for r in obs["rating"]], dtype="Int64"),
        t("report_col_comment", lang): obs["comment"].fillna(""),
        t("report_col_state", lang): [_state(s, lang) for s in obs["state"]],
        t("report_col_author", lang): obs["author"].fillna(""),
        t("report_col_observed_at", lang): [_when(v) for v in obs["observed_at"]],
        t("report_col_photos", lang): obs["photo_files"],
        t("report_col_lon", lang): obs.geometry.x.round(7),
        t("report_col_lat", lang): obs.geometry.y.round(7),
        t("report_col_uuid", lang): obs["uuid"],
    })
    if data.public:
        observations = observations.drop(columns=t("report_col_author", lang))
    out["observations"] = observations
    plan = data.actions
    out["actions"] = pd.DataFrame({
        t("report_col_title", lang): plan["title"],
        t("report_col_focus_area", lang): [_focus(k, lang) for k in plan["focus_area"]],
        t("report_col_owner", lang): plan["owner"].fillna(""),
        t("report_col_priority", lang): [_priority(p, lang) for p in plan["priority"]],
        t("report_col_cost", lang): pd.array([None if pd.isna(c) else float(c) for c in plan["cost_sek"]],
                                             dtype="Float64"),
        t("report_col_due", lang): [_day(d) for d in plan["due_on"]],
        t("report_col_status", lang): [_action_status(s, lang) for s in plan["status"]],
        t("report_col_number", lang): pd.array(list(plan["number"]), dtype="Int64"),
        t("report_col_uuid", lang): plan["uuid"].fillna(""),
    })
    if data.public:
        out["actions"] = out["actions"].drop(columns=t("report_col_owner", lang))
        out["observations"] = out["observations"].drop(columns=t("report_col_photos", lang))
    points = data.services
    out["services"] = pd.DataFrame({
        t("report_col_category", lang): [category_label(k, lang) for k in points["category"]],
        t("report_col_name", lang): points["name"].fillna(""),
        t("report_col_source", lang): points["source"].fillna(""),
        t("report_col_osm_type", lang): points["osm_type"].fillna(""),
        t("report_col_osm_id", lang): pd.array([None if pd.isna(i) else int(i) for i in points["osm_id"]],
                                               dtype="Int64"),
        t("report_col_lon", lang): points.geometry.x.round(7),
        t("report_col_lat", lang): points.geometry.y.round(7),
    })
    walk_names = {w.id: _walk_name(w, lang) for w in data.walks}
    scores = data.assessments
    out["assessments"] = pd.DataFrame({
        t("report_col_walk", lang): [walk_names.get(w, "") for w in scores["walk_id"]],
        t("report_col_respondent", lang): scores["respondent"],
        t("report_col_focus_area", lang): [_focus(k, lang) for k in scores["focus_area"]],
        t("report_col_score", lang): scores["score"].astype(int),
        t("report_col_comment", lang): scores["comment"].fillna(""),
    })
    if data.coverage is not None:
        cover = data.coverage
        bands = [c for c in cover.columns if c.startswith("within_")]
        out["coverage"] = cover.drop(columns="category").rename(columns={
            "label": t("report_col_category", lang), "services": t("report_col_services", lang),
            "median_m": t("report_col_median", lang),
            **{c: t("report_col_within", lang, band=c.removeprefix("within_")) for c in bands}})
    numbers = dict(zip(obs["uuid"], obs["number"]))
    notes = data.comments
    out["review_comments"] = pd.DataFrame({
        t("report_col_number", lang): pd.array([numbers.get(u) for u in notes["uuid"]], dtype="Int64"),
        t("report_col_reviewer", lang): notes["author"],
        t("report_col_comment", lang): notes["text"],
        t("report_col_time", lang): [_when(v) for v in notes["created_at"]],
        t("report_col_uuid", lang): notes["uuid"],
    })
    out["area_versions"] = pd.DataFrame({
        t("report_col_version", lang): [v.number for v in data.versions],
        t("report_col_status", lang): [_area_status(v.status, lang) for v in data.versions],
        t("report_col_current", lang): [t("yes" if v.current else "no", lang) for v in data.versions],
        t("report_col_area_ha", lang): [round(v.area_m2 / 1e4, 2) for v in data.versions],
        t("report_col_comment", lang): [v.comment for v in data.versions],
        t("report_col_author", lang): [v.author for v in data.versions],
        t("report_col_time", lang): [_when(v.created_at) for v in data.versions],
    })
    if data.public:
        out["area_versions"] = out["area_versions"].drop(columns=t("report_col_author", lang))
    if data.stakeholders is not None:
        out["stakeholders"] = data.stakeholders
    out.update(premises_tables(data))
    return {name: out[name] for name in TABLES if name in out}


def csv_zip(engine: Engine, project_id: int, lang: str = "sv", public: bool = False, *,
            buffer_m: float | None = scope_mod.DEFAULT_BUFFER_M) -> bytes:
    """A ZIP of the tables as ``<name>.csv`` (UTF-8 with a BOM, formulas defused)."""
    data = report_data(engine, project_id, lang, public, buffer_m=buffer_m, with_osm=False, with_images=False)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, table in tables(data).items():
            archive.writestr(f"{name}.csv", spreadsheet.csv_bytes(table))
    return buffer.getvalue()


def xlsx(engine: Engine, project_id: int, lang: str = "sv", public: bool = False, *,
         buffer_m: float | None = scope_mod.DEFAULT_BUFFER_M) -> bytes:
    """The tables as sheets of one workbook (sheet names in ``lang``, formulas defused)."""
    data = report_data(engine, project_id, lang, public, buffer_m=buffer_m, with_osm=False, with_images=False)
    names = table_names(lang)
    return spreadsheet.xlsx_bytes({names[name]: table for name, table in tables(data).items()})


# --- GeoPackage -----------------------------------------------------------------------------------
def _utc_column(values) -> pd.Series:
    return pd.Series(pd.to_datetime([_utc(v) for v in values], utc=True), dtype="datetime64[ms, UTC]")


def _layer(frame: pd.DataFrame, geometry, geometry_type: str) -> tuple[gpd.GeoDataFrame, str]:
    return gpd.GeoDataFrame(frame.reset_index(drop=True), geometry=gpd.GeoSeries(list(geometry), crs=WGS84),
                            crs=WGS84), geometry_type


def gpkg_layers(data: ReportData) -> dict[str, tuple[gpd.GeoDataFrame, str]]:
    """The GeoPackage's layers (:data:`GPKG_LAYERS`) and their geometry types, EPSG:4326."""
    lang, obs = data.lang, data.observations
    versions = data.versions
    layers = {"area_versions": _layer(pd.DataFrame({
        "number": pd.array([v.number for v in versions], dtype="Int64"),
        "status": [v.status for v in versions],
        "status_label": [_area_status(v.status, lang) for v in versions],
        "current": pd.array([v.current for v in versions], dtype="boolean"),
        "area_ha": pd.array([round(v.area_m2 / 1e4, 4) for v in versions], dtype="Float64"),
        "perimeter_m": pd.array([round(v.perimeter_m, 1) for v in versions], dtype="Float64"),
        "comment": [v.comment for v in versions],
        **({} if data.public else {"author": [v.author for v in versions],
                                   "status_by": [v.status_by or "" for v in versions]}),
        "created_at": _utc_column(v.created_at for v in versions),
    }), [v.geometry for v in versions], "MultiPolygon")}
    points = data.services
    layers["services"] = _layer(pd.DataFrame({
        "category": points["category"],
        "category_label": [category_label(k, lang) for k in points["category"]],
        "name": points["name"],
        "osm_type": points["osm_type"],
        "osm_id": pd.array([None if pd.isna(i) else int(i) for i in points["osm_id"]], dtype="Int64"),
        "source": points["source"],
    }), points.geometry, "Point")
    fixes = data.corrections
    layers["service_corrections"] = _layer(pd.DataFrame({
        "kind": fixes["kind"],
        "kind_label": [_correction_kind(k, lang) for k in fixes["kind"]],
        "osm_type": fixes["osm_type"],
        "osm_id": pd.array([None if pd.isna(i) else int(i) for i in fixes["osm_id"]], dtype="Int64"),
        "category": fixes["category"],
        "category_label": [category_label(k, lang) if isinstance(k, str) else None for k in fixes["category"]],
        "name": fixes["name"],
        "note": fixes["note"],
        **({} if data.public else {"author": fixes["author"]}),
        "created_at": _utc_column(fixes["created_at"]),
    }), fixes.geometry, "Point")
    layers["observations"] = _layer(pd.DataFrame({
        "number": obs["number"].astype("int64"),
        "uuid": obs["uuid"],
        "walk_id": obs["walk_id"].astype("int64"),
        "walk_date": [_day(d) for d in obs["walked_on"]],
        "focus_area": obs["focus_area"],
        "focus_label": [_focus(k, lang) for k in obs["focus_area"]],
        "kind": obs["kind"],
        "kind_label": [_kind(k, lang) for k in obs["kind"]],
        "rating": pd.array([_rating(r) for r in obs["rating"]], dtype="Int64"),
        "comment": obs["comment"].fillna(""),
        "review_state": obs["state"],
        "review_label": [_state(s, lang) for s in obs["state"]],
        **({} if data.public else {"author": obs["author"].fillna("")}),
        "observed_at": _utc_column(obs["observed_at"]),
        "photo_ids": obs["photo_ids"],
        **({} if data.public else {"photo_files": obs["photo_files"]}),
    }), obs.geometry, "Point")
    where = dict(zip(obs["uuid"], obs.geometry))
    plan = data.actions
    layers["actions"] = _layer(pd.DataFrame({
        "action_id": plan["id"].astype("int64"),
        "title": plan["title"],
        "focus_area": plan["focus_area"],
        "focus_label": [_focus(k, lang) for k in plan["focus_area"]],
        **({} if data.public else {"owner": plan["owner"].fillna("")}),
        "priority": plan["priority"],
        "priority_label": [_priority(p, lang) for p in plan["priority"]],
        "cost_sek": pd.array([None if pd.isna(c) else float(c) for c in plan["cost_sek"]], dtype="Float64"),
        "due_on": [_day(d) for d in plan["due_on"]],
        "status": plan["status"],
        "status_label": [_action_status(s, lang) for s in plan["status"]],
        "observation_uuid": plan["uuid"],
        "observation_number": pd.array(list(plan["number"]), dtype="Int64"),
    }), [where.get(u) for u in plan["uuid"]], "Point")
    layers["walks"] = _layer(pd.DataFrame({
        "walk_id": pd.array([w.id for w in data.walks], dtype="Int64"),
        "walk_date": [w.walked_on.isoformat() for w in data.walks],
        "baseline": pd.array([w.baseline for w in data.walks], dtype="boolean"),
        "focus_group": [w.focus_group for w in data.walks],
        **({} if data.public else {"participants": [w.participants for w in data.walks]}),
        "notes": [w.notes for w in data.walks],
        "observations": pd.array([w.observations for w in data.walks], dtype="Int64"),
    }), [w.route for w in data.walks], "LineString")
    layers["premises"] = premises_layer(data)
    return layers


def geopackage(engine: Engine, project_id: int, path: str | Path, public: bool = False, lang: str = "sv", *,
               buffer_m: float | None = scope_mod.DEFAULT_BUFFER_M) -> list[str]:
    """Write the GeoPackage (a new file at ``path``; one there is replaced) and return the
    names of its layers (:data:`GPKG_LAYERS`, each written even when empty)."""
    data = report_data(engine, project_id, lang, public, buffer_m=buffer_m, with_osm=False, with_coverage=False,
                       with_images=False)
    path = Path(path)
    partial = path.with_name(f".{path.stem}.part.gpkg")  # GDAL wants the .gpkg suffix
    partial.unlink(missing_ok=True)
    written = []
    for name, (layer, geometry_type) in gpkg_layers(data).items():
        pyogrio.write_dataframe(layer, partial, layer=name, driver="GPKG", geometry_type=geometry_type,
                                promote_to_multi=geometry_type.startswith("Multi"), append=bool(written))
        written.append(name)
    partial.replace(path)
    return written


# --- the map for the HTML report ------------------------------------------------------------------
def _asset(path: Path) -> str:
    return path.read_text("utf-8")


def _data_uri(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def _inline_css(relative: str) -> str:
    path = VENDOR / relative

    def image(match: re.Match) -> str:
        target = (path.parent / match.group(1).strip("'\"")).resolve()
        if not target.is_file() or VENDOR.resolve() not in target.parents:
            return match.group(0)
        mime = "image/svg+xml" if target.suffix == ".svg" else f"image/{target.suffix.lstrip('.')}"
        return f"url({_data_uri(target.read_bytes(), mime)})"

    css = re.sub(r"url\(((?!data:|#)[^)]+)\)", image, _asset(path))
    return re.sub(r"</(style)", r"<\\/\1", css, flags=re.IGNORECASE)


def _inline_js(relative: str) -> str:
    return re.sub(r"</(script)", r"<\\/\1", _asset(VENDOR / relative), flags=re.IGNORECASE)


def _elements(element):
    yield element
    for child in element._children.values():
        yield from _elements(child)


def self_contained(m: folium.Map) -> str:
    """``m`` as one HTML document that loads nothing: the map libraries inline (from
    ``static/vendor``), and no tile layer (tiles would come from a server)."""
    for name, child in list(m._children.items()):
        if isinstance(child, folium.TileLayer):
            del m._children[name]
    scripts, styles = {}, {}
    for element in _elements(m):
        for attr, found in (("default_js", scripts), ("default_css", styles)):
            for name, url in getattr(element, attr, None) or []:
                if name in maps.ASSET_FILES:
                    found.setdefault(name, maps.ASSET_FILES[name])
                elif name not in maps.UNUSED_ASSETS:
                    raise ValueError(f"map asset {name!r} ({url}) has no local copy")
            if getattr(element, attr, None):
                setattr(element, attr, [])
    inline = "".join(f"<style>{_inline_css(p)}</style>" for p in styles.values()) + \
        "".join(f"<script>{_inline_js(p)}</script>" for p in scripts.values())
    root = m.get_root()
    root.header.add_child(folium.Element(inline), name="bidgeo_inline_assets", index=0)
    return root.render()


def interactive_map(data: ReportData) -> str:
    """The walk map (area, observations by focus area, popups with thumbnails) as a
    self-contained HTML document."""
    obs = data.observations
    thumbs = {u: [p.thumbnail for p in found] for u, found in data.photos.items()}
    m = maps.walk_map(data.osm, data.lang, area=data.area.geometry if data.area else None,
                      observations=obs if len(obs) else None, thumbnails=thumbs)
    return self_contained(m)


# --- the HTML and PDF reports ---------------------------------------------------------------------
TEMPLATES = Path(__file__).resolve().parent / "templates"
"""The reports' templates and stylesheets (``base.html`` and what extends it)."""
LOGO_FILES = {"logo.svg": "image/svg+xml", "logo.png": "image/png", "logo.jpg": "image/jpeg"}


@lru_cache(maxsize=4)
def _environment(own: str | None) -> Environment:
    folders = [own] if own else []
    return Environment(loader=ChoiceLoader([FileSystemLoader(folders), FileSystemLoader(TEMPLATES)]),
                       autoescape=select_autoescape(("html",)), trim_blocks=True, lstrip_blocks=True)


def _own_templates() -> Path | None:
    """The ``BIDGEO_TEMPLATES`` folder, searched before :data:`TEMPLATES`, or None."""
    own = config.templates_dir()
    if own is not None and not own.is_dir():
        raise InputError("report_templates_missing")
    return own


def render(name: str, **context) -> str:
    """Render the report template ``name`` (a file in ``BIDGEO_TEMPLATES`` first, else in
    :data:`TEMPLATES`) with the municipality's logo, if that folder has one."""
    own = _own_templates()
    logo = next(((own / f, mime) for f, mime in LOGO_FILES.items() if own and (own / f).is_file()), None)
    try:
        return _environment(str(own) if own else None).get_template(name).render(
            logo=_data_uri(logo[0].read_bytes(), logo[1]) if logo else None, **context)
    except TemplateSyntaxError as exc:
        raise InputError("report_template_broken", name=exc.name or name, line=exc.lineno) from exc


def _css_string(text: str) -> str:
    """``text`` as a quoted CSS string (catalogue text only; user text never goes into CSS)."""
    return '"' + "".join(c if c.isalnum() or c in " .,·–-()©" else f"\\{ord(c):x} " for c in text) + '"'


def _png(data: bytes) -> str:
    return _data_uri(data, "image/png")


def _means(data: ReportData) -> pd.DataFrame | None:
    """Mean score per walk (in the order walked) and focus area; None without scores."""
    if data.assessments.empty:
        return None
    means = walks.mean_scores(data.assessments)
    return means.reindex([w.id for w in data.walks if w.id in means.index])


def _radar(data: ReportData) -> tuple[str | None, list[str], list[list[str]]]:
    from bidgeo import charts

    lang = data.lang
    header = [t("report_col_walk", lang), *[_focus(k, lang) for k in focus.FOCUS_AREAS]]
    means = _means(data)
    if means is None:
        return None, header, []
    names = {w.id: _walk_name(w, lang) for w in data.walks}
    rows = [[names.get(walk_id, str(walk_id)), *["" if pd.isna(v) else number(v, lang, 1) for v in row]]
            for walk_id, row in means.iterrows()]
    return _png(charts.radar_png(means, names, lang)), header, rows


def document(data: ReportData, pdf: bool) -> str:
    """The report as HTML: for WeasyPrint (``pdf``: A4 pages, static maps, footers) or for a
    browser (the interactive map, no page furniture). Every user text is escaped."""
    from bidgeo import static_maps

    lang, obs, project = data.lang, data.observations, data.project
    made = local_time(data.made_at, with_time=False)
    area = data.area
    facts = [(t("report_locality", lang), project.locality or "–"),
             (t("report_municipality", lang), project.municipality or "–"),
             (t("report_bid_type", lang), t(f"bid_type_{project.bid_type}", lang)),
             (t("report_area", lang), t("report_area_value", lang, ha=number(area.area_m2 / 1e4, lang, 1),
                                        number=area.number, status=_area_status(area.status, lang))
              if area else t("report_no_area", lang)),
             (t("report_walks", lang), number(len(data.walks), lang)),
             (t("report_observations", lang), number(len(obs), lang)),
             (t("an_accepted", lang), number(review.accepted_count(data.review_counts), lang)),
             (t("scope_heading", lang), data.scope.describe(lang)),
             (t("report_date", lang), made)]
    reviews: dict[str, list[dict]] = {}
    for row in data.comments.itertuples():
        reviews.setdefault(row.uuid, []).append({"author": row.author, "when": _when(row.created_at),
                                                 "text": row.text})
    actions_by_uuid: dict[str, list[str]] = {}
    for row in data.actions.itertuples():
        if isinstance(row.uuid, str):
            actions_by_uuid.setdefault(row.uuid, []).append(row.title)
    means = _means(data)
    latest = means.iloc[-1] if means is not None else None  # the newest walk with scores
    walk_dates = {w.id: w.walked_on for w in data.walks}

    counts, areas = [], []
    for key in focus.FOCUS_AREAS:
        chosen = obs[obs["focus_area"] == key]
        per_kind = [int((chosen["kind"] == k).sum()) for k in focus.KINDS]
        ratings = chosen["rating"].dropna()
        mean_rating = number(ratings.astype(float).mean(), lang, 1) if len(ratings) else ""
        score = latest[key] if latest is not None else None
        mean_score = "" if score is None or pd.isna(score) else number(score, lang, 1)
        counts.append({"label": _focus(key, lang), "colour": focus.FOCUS_COLOURS[key],
                       "cells": [*[number(n, lang) for n in per_kind], number(len(chosen), lang), mean_rating or "–",
                                 mean_score or "–"]})
        items = []
        for row in chosen.itertuples():
            items.append({
                "number": row.number, "kind": _kind(row.kind, lang), "colour": focus.KIND_COLOURS[row.kind],
                "number_colour": "#212121" if row.kind == "idea" else "#ffffff",
                "rating": "" if _rating(row.rating) is None
                else t("report_rating_value", lang, rating=_rating(row.rating)),
                "walk": _day(row.walked_on), "author": row.author or "", "state_key": row.state,
                "state": _state(row.state, lang), "comment": row.comment or "",
                "photos": [_data_uri(data.images.get(p.id, p.thumbnail), "image/jpeg")
                           for p in data.photos.get(row.uuid, [])],
                "reviews": reviews.get(row.uuid, []), "actions": actions_by_uuid.get(row.uuid, []),
            })
        written = data.conclusions.areas[key]
        map_png = None
        if pdf and items:
            map_png = _png(static_maps.observation_map_png(data.osm, area.geometry if area else None, chosen,
                                                           list(chosen["number"]), lang, size=(7.2, 3.9)))
        areas.append({"key": key, "title": t("report_focus_heading", lang, label=_focus(key, lang)),
                      "colour": focus.FOCUS_COLOURS[key],
                      "counts": [(_kind(k, lang), n, focus.KIND_COLOURS[k]) for k, n in zip(focus.KINDS, per_kind)],
                      "mean_rating": mean_rating, "mean_score": mean_score, "map_png": map_png, "observations": items,
                      "conclusions": [(t("conclusions_" + part, lang), written[part])
                                      for part in conclusion_store.PARTS if written[part]]})

    radar_png, score_header, scores = _radar(data)
    inventory = service_tables.inventory(data.services, lang) if len(data.services) else pd.DataFrame()
    coverage_rows, coverage_header, coverage_missing = [], [], ""
    if data.coverage is not None:
        cover = data.coverage
        bands = [c.removeprefix("within_") for c in cover.columns if c.startswith("within_")]
        coverage_header = [t("report_col_category", lang), t("report_col_services", lang),
                           t("report_col_median", lang), *[t("report_col_within", lang, band=b) for b in bands]]
        present = cover[cover["services"] > 0]
        coverage_rows = [[r["label"], number(r["services"], lang), number(r["median_m"], lang),
                          *[percent(r["within_" + b], lang) for b in bands]] for _, r in present.iterrows()]
        absent = [r["label"] for _, r in cover.iterrows() if r["services"] == 0]
        if absent:
            coverage_missing = t("report_coverage_missing", lang, scope=data.scope.describe(lang),
                                 categories=", ".join(absent))
    fixes = data.corrections
    plan_rows = [[("#" + str(int(r.number))) if r.number is not None and not pd.isna(r.number) else "–", r.title,
                  _focus(r.focus_area, lang), *([] if data.public else [r.owner or ""]), _priority(r.priority, lang),
                  _cost(r.cost_sek, lang), _day(r.due_on), _action_status(r.status, lang)] for r in data.actions.itertuples()]
    overview = None
    if pdf:
        overview = _png(static_maps.observation_map_png(data.osm, area.geometry if area else None, obs,
                                                        list(obs["number"]), lang, size=(7.2, 4.6)))
    written = data.conclusions
    conclusions_by = ""
    if written.updated_at is not None:
        conclusions_by = t("conclusions_written_by", lang, by=written.updated_by, when=_when(written.updated_at, False)) \
            if written.updated_by and not data.public else t("conclusions_written", lang, when=_when(written.updated_at, False))
    text = {
        "title": t("report_title", lang), "kicker": t("report_kicker", lang),
        "edition": t("report_public" if data.public else "report_internal", lang),
        "overview_map": t("report_overview_map", lang), "map_heading": t("report_map_heading", lang),
        "map_help": t("report_map_help", lang), "summary_heading": t("report_summary", lang),
        "walks_heading": t("report_walks", lang), "no_walks": t("report_no_walks", lang),
        "counts_heading": t("report_counts", lang), "radar_heading": t("report_radar", lang),
        "no_scores": t("report_no_scores", lang), "mean_rating": t("report_mean_rating", lang),
        "mean_score_of": t("report_mean_score_of", lang, walk=_day(walk_dates.get(means.index[-1])))
        if means is not None else "", "no_comment": t("report_no_comment", lang),
        "photo": t("report_photo", lang), "action": t("report_action", lang),
        "no_observations": t("report_no_observations", lang),
        "services_heading": t("report_services" if data.scope.whole_locality else "report_services_area", lang),
        "services_total": t("report_services_scope", lang, count=number(len(data.services), lang),
                            scope=data.scope.describe(lang)),
        "no_services": t("report_no_services", lang), "col_category": t("report_col_category", lang),
        "col_count": t("report_col_count", lang), "coverage_heading": t("report_coverage", lang),
        "coverage_intro": t("report_coverage_scope", lang, origins=data.scope.origins(lang),
                            scope=data.scope.describe(lang)), "plan_heading": t("report_plan", lang),
        "conclusions_heading": t("conclusions_heading", lang), "conclusions_by": conclusions_by,
        "no_summary": t("conclusions_no_summary", lang),
        "no_actions": t("report_no_actions", lang),
        "footer": f"{project.name} · {t('report_title', lang)} · {made} · {ATTRIBUTION}",
    }
    page = {"date": _css_string(made), "attribution": _css_string(ATTRIBUTION),
            "page": _css_string(t("report_page", lang)), "of": _css_string(t("report_of", lang))}
    return render(
        "status_analysis.html", lang=lang, pdf=pdf, page=page, text=text, project=project, facts=facts, overview_png=overview,
        map_html=None if pdf else interactive_map(data),
        walk_header=[t("report_col_walk", lang), t("report_col_focus_group", lang),
                     *([] if data.public else [t("report_col_participants", lang)]), t("report_observations", lang)],
        walks=[[_walk_name(w, lang), w.focus_group, *([] if data.public else [w.participants]), number(w.observations, lang)]
               for w in data.walks],
        count_header=[t("report_col_focus_area", lang), *[_kind(k, lang) for k in focus.KINDS],
                      t("report_total", lang), t("report_mean_rating", lang),
                      t("report_mean_score_of", lang, walk=_day(walk_dates.get(means.index[-1]))) if means is not None
                      else t("report_mean_score", lang)],
        summary=written.summary, counts=counts, radar_png=radar_png, score_header=score_header, scores=scores, focus_areas=areas,
        inventory=list(zip(inventory["label"], inventory["count"])) if len(inventory) else [],
        corrections_note=t("report_corrections", lang, count=len(fixes)) if len(fixes) else "",
        coverage=coverage_rows, coverage_header=coverage_header, coverage_missing=coverage_missing,
        coverage_problem=data.coverage_problem or t("report_no_coverage", lang),
        plan_header=[t("report_col_observation", lang), t("report_col_title", lang), t("report_col_focus_area", lang),
                     *([] if data.public else [t("report_col_owner", lang)]), t("report_col_priority", lang),
                     t("report_col_cost", lang),
                     t("report_col_due", lang), t("report_col_status", lang)],
        plan=plan_rows, premises=premises_section(data),
    )


def html_report(engine: Engine, project_id: int, lang: str = "sv", public: bool = False, *,
                buffer_m: float | None = scope_mod.DEFAULT_BUFFER_M) -> bytes:
    """A self-contained HTML report (UTF-8) with an interactive map; it loads nothing."""
    return document(report_data(engine, project_id, lang, public, buffer_m=buffer_m), pdf=False).encode("utf-8")


def pdf_document(source: str):
    """WeasyPrint's rendered document of the report's HTML; it may load only ``data:`` URIs."""
    try:
        import weasyprint
    except OSError as exc:  # WeasyPrint loads Pango when imported
        raise InputError("report_no_pango", detail=str(exc).splitlines()[0][:200]) from exc
    fetcher = weasyprint.URLFetcher(allowed_protocols={"data"})
    return weasyprint.HTML(string=source, url_fetcher=fetcher).render()


def pdf_report(engine: Engine, project_id: int, lang: str = "sv", public: bool = False, *,
               buffer_m: float | None = scope_mod.DEFAULT_BUFFER_M) -> bytes:
    """The report as an A4 PDF (WeasyPrint), Swedish by default."""
    return pdf_document(document(report_data(engine, project_id, lang, public, buffer_m=buffer_m),
                                 pdf=True)).write_pdf()


def export_bytes(engine: Engine, project_id: int, kind: str, lang: str = "sv", public: bool = False, *,
                 buffer_m: float | None = scope_mod.DEFAULT_BUFFER_M) -> bytes:
    """Any of :data:`EXPORT_FORMATS` as bytes (for a download button or a file), services and
    walking distance for the area grown by ``buffer_m`` (None: the whole locality)."""
    if kind == "pdf":
        return pdf_report(engine, project_id, lang, public, buffer_m=buffer_m)
    if kind == "html":
        return html_report(engine, project_id, lang, public, buffer_m=buffer_m)
    if kind == "csv":
        return csv_zip(engine, project_id, lang, public, buffer_m=buffer_m)
    if kind == "xlsx":
        return xlsx(engine, project_id, lang, public, buffer_m=buffer_m)
    if kind == "gpkg":
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "export.gpkg"
            geopackage(engine, project_id, path, public, lang, buffer_m=buffer_m)
            return path.read_bytes()
    raise ValidationError("bad_choice", field="format", value=kind, choices=", ".join(EXPORT_FORMATS))


# --- the handover package (step 6-7) ----------------------------------------------------------------
def handover_zip(engine: Engine, project_id: int, lang: str = "sv", include_contacts: bool = False, *,
                 buffer_m: float | None = scope_mod.DEFAULT_BUFFER_M) -> bytes:
    """One ZIP for the organisation that takes over: the GeoPackage, the PDF report, the
    stakeholder list (contact details only with ``include_contacts``), the action plan and
    a README saying what each file is."""
    project = get_project(engine, project_id)
    data = report_data(engine, project_id, lang, buffer_m=buffer_m, with_osm=False, with_coverage=False,
                       with_images=False)
    plan = tables(data)["actions"]
    register = stakeholder_store.export_table(stakeholder_store.register(engine, project_id), lang, include_contacts)
    files = {
        "rapport.pdf": pdf_report(engine, project_id, lang, buffer_m=buffer_m),
        "handlingsplan.xlsx": spreadsheet.xlsx_bytes({t("report_table_actions", lang): plan}),
        "handlingsplan.csv": spreadsheet.csv_bytes(plan),
        "intressenter.csv": spreadsheet.csv_bytes(register),
    }
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bid.gpkg"
        geopackage(engine, project_id, path, public=False, lang=lang, buffer_m=buffer_m)
        files["bid.gpkg"] = path.read_bytes()
    files["LASMIG.txt"] = t("handover_readme", lang, name=project.name, locality=project.locality,
                            date=date.today().isoformat(),
                            contacts=t("handover_with_contacts" if include_contacts else "handover_without_contacts",
                                       lang), attribution=ATTRIBUTION).encode("utf-8")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in HANDOVER_FILES:
            archive.writestr(name, files[name])
    return out.getvalue()


HANDOVER_FILES = ("LASMIG.txt", "rapport.pdf", "bid.gpkg", "handlingsplan.xlsx", "handlingsplan.csv",
                  "intressenter.csv")


# --- premises and vacancy (issue 17) ---------------------------------------------------------------
@dataclass
class PremisesData:
    register: gpd.GeoDataFrame
    """``bidgeo.premises.register`` today, without ``owner`` when public."""
    history: pd.DataFrame
    timeline: pd.DataFrame
    figures: dict


def premises_data(engine: Engine, project_id: int, public: bool) -> PremisesData | None:
    """The project's premises for the exports, or None when it has none. Owners may be
    people: a public export leaves them out."""
    from bidgeo import premises

    register = premises.register(engine, project_id)
    if register.empty:
        return None
    figures = premises.summary(register)
    if public:
        register = register.drop(columns="owner")
    return PremisesData(register, premises.history_table(engine, project_id), premises.timeline(engine, project_id),
                        figures)


def premises_tables(data: ReportData) -> dict[str, pd.DataFrame]:
    """The register today and every status observed, for the CSV and XLSX exports."""
    from bidgeo import premises

    if data.premises is None:
        return {}
    lang, register = data.lang, data.premises.register
    table = pd.DataFrame({
        t("report_col_premise_id", lang): register["key"], t("report_col_address", lang): register["address"],
        t("report_col_street", lang): register["street"],
        t("report_col_use", lang): [premises.use_label(u, lang) for u in register["use"]],
        t("report_col_floor_area", lang): pd.array(list(register["floor_area_m2"]), dtype="Float64"),
        t("report_col_status", lang): [premises.status_label(s, lang) for s in register["status"]],
        t("report_col_observed", lang): [_day(d) for d in register["observed"]],
        **({} if data.public else {t("report_col_owner", lang): register["owner"]}),
        t("report_col_lon", lang): register.geometry.x.round(7), t("report_col_lat", lang): register.geometry.y.round(7),
    })
    history = data.premises.history
    return {"premises": table, "premise_statuses": pd.DataFrame({
        t("report_col_premise_id", lang): history["key"], t("report_col_address", lang): history["address"],
        t("report_col_status", lang): [premises.status_label(s, lang) for s in history["status"]],
        t("report_col_observed", lang): [_day(d) for d in history["observed"]],
        t("report_col_source", lang): history["source"]})}


def premises_layer(data: ReportData) -> tuple[gpd.GeoDataFrame, str]:
    """The premises as points (an empty layer when there are none)."""
    from bidgeo import premises

    register = data.premises.register if data.premises is not None else \
        gpd.GeoDataFrame(columns=[*premises.REGISTER_COLUMNS, "geometry"], geometry="geometry", crs=WGS84)
    return _layer(pd.DataFrame({
        "premise_id": register["key"].astype(str), "address": register["address"].astype(str),
        "street": register["street"].astype(str), "use": register["use"].astype(str),
        "use_label": [premises.use_label(u, data.lang) for u in register["use"]],
        "floor_area_m2": pd.array(list(register["floor_area_m2"]), dtype="Float64"),
        "status": register["status"].astype(str),
        "status_label": [premises.status_label(s, data.lang) for s in register["status"]],
        "observed": [_day(d) for d in register["observed"]],
        **({} if data.public else {"owner": register["owner"].astype(str)}),
        "source": register["source"].astype(str),
    }), register.geometry, "Point")


def premises_section(data: ReportData) -> dict | None:
    """The report's section on premises: the vacancy now, by status, per street, over time."""
    from bidgeo import charts, premises
    from bidgeo.i18n import number, percent

    if data.premises is None:
        return None
    lang, figures = data.lang, data.premises.figures
    streets = premises.per_street(data.premises.register)
    return {
        "heading": t("report_premises", lang),
        "summary": t("report_premises_summary", lang, premises=figures["premises"], vacant=figures["vacant"],
                     rate=percent(figures["vacancy_rate"], lang, 1),
                     area_rate=percent(figures["vacancy_rate_floor_area"], lang, 1),
                     m2=number(figures["vacant_floor_area_m2"], lang)),
        "status_header": [t("report_col_status", lang), t("report_col_count", lang)],
        "statuses": [(premises.status_label(s, lang), n, premises.STATUS_COLOURS[s])
                     for s, n in figures["by_status"].items()],
        "street_header": [t("report_col_street", lang), t("report_premises_count", lang),
                          t("report_premises_vacant", lang), t("report_premises_vacant_area", lang)],
        "streets": [[r.street, str(r.premises), str(r.vacant), number(r.vacant_floor_area_m2, lang)]
                    for r in streets.itertuples()],
        "chart_png": _png(charts.vacancy_png(data.premises.timeline, lang)) if len(data.premises.timeline) > 1
        else None,
    }
