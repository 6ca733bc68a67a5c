"""The offline field kit for place walks without coverage (``bidgeo walk-kit``).

:func:`export_kit` writes a GeoPackage for QField or Mergin Maps with three layers in
EPSG:4326: ``area`` (the project's current BID area; left out, with a warning, when the
project has none), ``services`` (the service points) and an empty ``observations`` layer
(uuid, focus area, type, rating, comment, two photo attachments, time, author). The focus-area
and type fields carry their value lists in the GeoPackage itself (the ``gpkg_schema``
extension: ``gpkg_data_columns`` and enum rows in ``gpkg_data_column_constraints``, the key as
value and the Swedish label as description; rating has a 1-5 range). A QGIS project file with
the same stem beside it shows them as drop-downs, gives each new point a uuid and the photo
fields a camera.

:func:`import_kit` reads a filled kit back, idempotent by observation uuid: importing the same
kit again changes nothing, an edited row updates its observation. Rows with a problem are
reported (1-based feature order in the layer) and the other rows are still imported; a photo
that cannot be read is reported against its row while the observation itself is imported.
The kit is data, so its labels are Swedish (``KIT_LANG``) whatever the command's language.
"""

from __future__ import annotations

import io
import math
import os
import sqlite3
import tempfile
import uuid as uuidlib
import xml.etree.ElementTree as ET
import zipfile
import zlib
from dataclasses import dataclass, field
from collections.abc import Callable
from datetime import datetime
from pathlib import Path, PurePosixPath

import geopandas as gpd
import pandas as pd
import pyogrio
from sqlalchemy.engine import Engine

from bidgeo import photos as photo_store
from bidgeo import untrusted, walks
from bidgeo.area_versions import current_version
from bidgeo.categories import label as category_label
from bidgeo.errors import BidgeoError, InputError, NotFoundError, ValidationError
from bidgeo.focus import FOCUS_AREAS, FOCUS_COLOURS, KINDS, RATINGS
from bidgeo.geo import WGS84
from bidgeo.i18n import TIMEZONE, t
from bidgeo.projects import get_project, service_points

KIT_LANG = "sv"
"""The language of the labels inside a kit (drop-down texts, field aliases, layer names)."""

AREA, SERVICES, OBSERVATIONS = "area", "services", "observations"
OBSERVATION_SCHEMA = {
    "uuid": "object", "focus_area": "object", "kind": "object", "rating": "Int64", "comment": "object",
    "photo": "object", "photo_2": "object", "observed_at": "datetime64[ms]", "author": "object",
}
"""The observations layer's fields and their pandas types (object: TEXT, Int64: INTEGER)."""
PHOTO_FIELDS = ("photo", "photo_2")
REQUIRED_FIELDS = ("uuid", "focus_area", "kind")
UUID_DEFAULT = "uuid(format:='WithoutBraces')"
"""QGIS >= 3.30 (QField, Mergin Maps); the importer also accepts uuids with braces."""

SCHEMA_EXTENSION = "http://www.geopackage.org/spec/#extension_schema"
CONSTRAINTS = {"focus_area": "bidgeo_focus_area", "kind": "bidgeo_kind", "rating": "bidgeo_rating"}
SWEDEN = (10.5, 55.0, 24.5, 69.5)
Progress = Callable[..., None]
"""Told the stage an import has begun, and optionally how far it has come in it (0-1)."""


# --- labels -----------------------------------------------------------------------------------
def focus_label(key: str, lang: str = KIT_LANG) -> str:
    return t(f"focus_{key}", lang)


def kind_label(key: str, lang: str = KIT_LANG) -> str:
    return t(f"kind_{key}", lang)


# --- export -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class KitExport:
    gpkg: Path
    qgs: Path
    services: int
    area_version: int | None
    """The number of the area version in the kit; None when the project has no area."""


def _empty_observations() -> gpd.GeoDataFrame:
    columns = {name: pd.Series([], dtype=dtype) for name, dtype in OBSERVATION_SCHEMA.items()}
    return gpd.GeoDataFrame(columns, geometry=gpd.GeoSeries([], crs=WGS84), crs=WGS84)


def _services_frame(points: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    names = [None if n is None or (isinstance(n, float) and math.isnan(n)) else str(n) for n in points["name"]]
    frame = pd.DataFrame({
        "category": pd.Series([str(k) for k in points["category"]], dtype="object"),
        "category_label": pd.Series([category_label(k, KIT_LANG) for k in points["category"]], dtype="object"),
        "name": pd.Series(names, dtype="object"),
    })
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(list(points.geometry), crs=points.crs or WGS84)) \
        .to_crs(WGS84)


def _add_value_lists(path: Path) -> None:
    """The focus-area and type value lists (and the rating range) as GeoPackage data-column
    constraints (the ``gpkg_schema`` extension)."""
    con = sqlite3.connect(path)
    try:
        with con:
            con.execute("""CREATE TABLE IF NOT EXISTS gpkg_data_columns (
                table_name TEXT NOT NULL, column_name TEXT NOT NULL, name TEXT, title TEXT, description TEXT,
                mime_type TEXT, constraint_name TEXT,
                CONSTRAINT pk_gdc PRIMARY KEY (table_name, column_name),
                CONSTRAINT gdc_tn UNIQUE (table_name, name))""")
            con.execute("""CREATE TABLE IF NOT EXISTS gpkg_data_column_constraints (
                constraint_name TEXT NOT NULL, constraint_type TEXT NOT NULL, value TEXT, min NUMERIC,
                min_is_inclusive BOOLEAN, max NUMERIC, max_is_inclusive BOOLEAN, description TEXT,
                CONSTRAINT gdcc_ntv UNIQUE (constraint_name, constraint_type, value))""")
            con.execute("""CREATE TABLE IF NOT EXISTS gpkg_extensions (
                table_name TEXT, column_name TEXT, extension_name TEXT NOT NULL, definition TEXT NOT NULL,
                scope TEXT NOT NULL, CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name))""")
            con.executemany(
                "INSERT OR IGNORE INTO gpkg_extensions (table_name, column_name, extension_name, definition, scope)"
                " VALUES (?, NULL, 'gpkg_schema', ?, 'read-write')",
                [("gpkg_data_columns", SCHEMA_EXTENSION), ("gpkg_data_column_constraints", SCHEMA_EXTENSION)])
            con.executemany(
                "INSERT INTO gpkg_data_columns (table_name, column_name, name, title, description, constraint_name)"
                " VALUES (?, ?, ?, ?, NULL, ?)",
                [(OBSERVATIONS, column, column, t(f"kit_field_{column}", KIT_LANG), constraint)
                 for column, constraint in CONSTRAINTS.items()])
            enums = [(CONSTRAINTS["focus_area"], key, focus_label(key)) for key in FOCUS_AREAS] + \
                    [(CONSTRAINTS["kind"], key, kind_label(key)) for key in KINDS]
            con.executemany(
                "INSERT INTO gpkg_data_column_constraints (constraint_name, constraint_type, value, description)"
                " VALUES (?, 'enum', ?, ?)", enums)
            con.execute(
                "INSERT INTO gpkg_data_column_constraints (constraint_name, constraint_type, value, min,"
                " min_is_inclusive, max, max_is_inclusive, description) VALUES (?, 'range', NULL, ?, 1, ?, 1, ?)",
                (CONSTRAINTS["rating"], min(RATINGS), max(RATINGS), t("kit_rating_range", KIT_LANG)))
    finally:
        con.close()


def export_kit(engine: Engine, project_ref: int | str, out: str | Path, overwrite: bool = False) -> KitExport:
    """Write the kit ``out`` (a ``.gpkg``) and its QGIS project (same stem, ``.qgs``). An
    existing kit is only replaced with ``overwrite`` (it may hold a walk's observations)."""
    out = Path(out)
    if out.suffix.lower() != ".gpkg":
        raise InputError("kit_needs_gpkg", name=out.name)
    qgs = out.with_suffix(".qgs")
    for path in (out, qgs):
        if path.exists() and not overwrite:
            raise InputError("kit_exists", name=str(path))
    project = get_project(engine, project_ref)
    version = current_version(engine, project.id)
    points = _services_frame(service_points(engine, project.id))
    out.parent.mkdir(parents=True, exist_ok=True)
    # Written beside the target and moved into place, so a failure never leaves half a kit.
    temporary = out.parent / f".{out.stem}.{uuidlib.uuid4().hex[:8]}.gpkg"
    try:
        if version is not None:
            area = gpd.GeoDataFrame(
                {"project": [project.name], "version": pd.Series([version.number], dtype="Int64"),
                 "area_ha": [round(version.area_m2 / 1e4, 2)]}, geometry=[version.geometry], crs=WGS84)
            pyogrio.write_dataframe(area, temporary, layer=AREA, driver="GPKG", promote_to_multi=True)
        pyogrio.write_dataframe(points, temporary, layer=SERVICES, driver="GPKG", geometry_type="Point")
        pyogrio.write_dataframe(_empty_observations(), temporary, layer=OBSERVATIONS, driver="GPKG",
                                geometry_type="Point")
        _add_value_lists(temporary)
        extent = _extent(version.geometry.bounds if version is not None else None, points)
        text = project_xml(out.name, project.name, extent, with_area=version is not None)
        temporary_qgs = temporary.with_suffix(".qgs")
        temporary_qgs.write_text(text, encoding="utf-8")
        os.replace(temporary, out)
        os.replace(temporary_qgs, qgs)
    finally:
        for leftover in (temporary, temporary.with_suffix(".qgs")):
            leftover.unlink(missing_ok=True)
    return KitExport(out, qgs, len(points), None if version is None else version.number)


def _extent(area_bounds, points: gpd.GeoDataFrame) -> tuple[float, float, float, float]:
    if area_bounds is not None:
        xmin, ymin, xmax, ymax = area_bounds
    elif len(points):
        xmin, ymin, xmax, ymax = points.total_bounds
    else:
        return SWEDEN
    dx, dy = max((xmax - xmin) * 0.1, 0.002), max((ymax - ymin) * 0.1, 0.001)
    return (float(xmin - dx), float(ymin - dy), float(xmax + dx), float(ymax + dy))


# --- the QGIS project -------------------------------------------------------------------------
def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k.rstrip("_"): str(v) for k, v in attrs.items()})
    if text is not None:
        element.text = text
    return element


def _option(parent: ET.Element, name: str | None, kind: str, value: object = None) -> ET.Element:
    attrs = {"type": kind}
    if name is not None:
        attrs["name"] = name
    if value is not None:
        attrs["value"] = str(value).lower() if isinstance(value, bool) else str(value)
    return ET.SubElement(parent, "Option", attrs)


def _srs(parent: ET.Element) -> None:
    srs = _sub(parent, "spatialrefsys", nativeFormat="Wkt")
    _sub(srs, "wkt", WGS84.to_wkt())
    _sub(srs, "proj4", "+proj=longlat +datum=WGS84 +no_defs")
    _sub(srs, "srsid", "3452")
    _sub(srs, "srid", "4326")
    _sub(srs, "authid", "EPSG:4326")
    _sub(srs, "description", "WGS 84")
    _sub(srs, "projectionacronym", "longlat")
    _sub(srs, "ellipsoidacronym", "EPSG:7030")
    _sub(srs, "geographicflag", "true")


def _marker(parent: ET.Element, name: str, colour: str, size: float = 3.0) -> None:
    symbol = _sub(parent, "symbol", type="marker", name=name, alpha="1", clip_to_extent="1", force_rhr="0")
    layer = _sub(symbol, "layer", class_="SimpleMarker", enabled="1", locked="0", **{"pass": "0"})
    options = _option(layer, None, "Map")
    rgb = ",".join(str(int(colour.lstrip("#")[i:i + 2], 16)) for i in (0, 2, 4))
    for key, value in (("name", "circle"), ("color", f"{rgb},255"), ("outline_color", "255,255,255,255"),
                       ("outline_style", "solid"), ("outline_width", "0.4"), ("outline_width_unit", "MM"),
                       ("size", str(size)), ("size_unit", "MM")):
        _option(options, key, "QString", value)


def _renderer(maplayer: ET.Element, layer: str) -> None:
    if layer == OBSERVATIONS:
        renderer = _sub(maplayer, "renderer-v2", type="categorizedSymbol", attr="focus_area", symbollevels="0",
                        enableorderby="0", forceraster="0")
        categories, symbols = _sub(renderer, "categories"), _sub(renderer, "symbols")
        for i, key in enumerate(FOCUS_AREAS):
            _sub(categories, "category", value=key, label=focus_label(key), symbol=str(i), render="true")
            _marker(symbols, str(i), FOCUS_COLOURS[key], 4.0)
        _sub(categories, "category", value="", label="", symbol=str(len(FOCUS_AREAS)), render="true")
        _marker(symbols, str(len(FOCUS_AREAS)), "#757575", 4.0)
        return
    renderer = _sub(maplayer, "renderer-v2", type="singleSymbol", symbollevels="0", enableorderby="0",
                    forceraster="0")
    symbols = _sub(renderer, "symbols")
    if layer == SERVICES:
        _marker(symbols, "0", "#455a64", 2.4)
        return
    symbol = _sub(symbols, "symbol", type="fill", name="0", alpha="1", clip_to_extent="1", force_rhr="0")
    fill = _sub(symbol, "layer", class_="SimpleFill", enabled="1", locked="0", **{"pass": "0"})
    options = _option(fill, None, "Map")
    for key, value in (("color", "0,0,0,0"), ("style", "no"), ("outline_color", "21,101,192,255"),
                       ("outline_style", "solid"), ("outline_width", "0.8"), ("outline_width_unit", "MM")):
        _option(options, key, "QString", value)


def _widget(field_config: ET.Element, name: str, kind: str) -> ET.Element:
    element = _sub(field_config, "field", name=name, configurationFlags="None")
    widget = _sub(element, "editWidget", type=kind)
    return _option(_sub(widget, "config"), None, "Map")


def _value_map(field_config: ET.Element, name: str, items: list[tuple[str, str]]) -> None:
    values = _option(_widget(field_config, name, "ValueMap"), "map", "List")
    for label_text, key in items:
        _option(_option(values, None, "Map"), label_text, "QString", key)


def _photo_widget(field_config: ET.Element, name: str) -> None:
    config = _widget(field_config, name, "ExternalResource")
    _option(config, "DocumentViewer", "int", 1)  # show the image
    _option(config, "DocumentViewerHeight", "int", 0)
    _option(config, "DocumentViewerWidth", "int", 0)
    _option(config, "FileWidget", "bool", True)
    _option(config, "FileWidgetButton", "bool", True)
    _option(config, "FileWidgetFilter", "QString", "")
    collection = _option(config, "PropertyCollection", "Map")
    _option(collection, "name", "QString", "")
    _option(collection, "properties", "invalid")
    _option(collection, "type", "QString", "collection")
    _option(config, "RelativeStorage", "int", 1)  # relative to the project file: DCIM/… beside the kit
    _option(config, "StorageMode", "int", 0)  # files
    _option(config, "StorageType", "QString", "")


def _observation_form(maplayer: ET.Element) -> None:
    fields = ["fid", *OBSERVATION_SCHEMA]
    config = _sub(maplayer, "fieldConfiguration")
    _widget(config, "fid", "Hidden")
    _option(_widget(config, "uuid", "TextEdit"), "IsMultiline", "bool", False)
    _value_map(config, "focus_area", [(focus_label(k), k) for k in FOCUS_AREAS])
    _value_map(config, "kind", [(kind_label(k), k) for k in KINDS])
    rating = _widget(config, "rating", "Range")
    for key, kind, value in (("AllowNull", "bool", True), ("Min", "int", min(RATINGS)), ("Max", "int", max(RATINGS)),
                             ("Step", "int", 1), ("Style", "QString", "SpinBox")):
        _option(rating, key, kind, value)
    comment = _widget(config, "comment", "TextEdit")
    _option(comment, "IsMultiline", "bool", True)
    _option(comment, "UseHtml", "bool", False)
    for name in PHOTO_FIELDS:
        _photo_widget(config, name)
    when = _widget(config, "observed_at", "DateTime")
    for key, kind, value in (("allow_null", "bool", True), ("calendar_popup", "bool", True),
                             ("display_format", "QString", "yyyy-MM-dd HH:mm"),
                             ("field_format", "QString", "yyyy-MM-dd HH:mm:ss"),
                             ("field_iso_format", "bool", False)):
        _option(when, key, kind, value)
    _option(_widget(config, "author", "TextEdit"), "IsMultiline", "bool", False)

    aliases = _sub(maplayer, "aliases")
    for index, name in enumerate(fields):
        _sub(aliases, "alias", field=name, index=str(index), name="" if name == "fid" else t(f"kit_field_{name}", KIT_LANG))
    defaults = _sub(maplayer, "defaults")
    for name in fields:
        expression = {"uuid": UUID_DEFAULT, "observed_at": "now()"}.get(name, "")
        _sub(defaults, "default", field=name, expression=expression, applyOnUpdate="0")
    constraints = _sub(maplayer, "constraints")
    for name in fields:
        flags = {"uuid": 3, "focus_area": 1, "kind": 1}.get(name, 0)  # 1 not null, 2 unique
        _sub(constraints, "constraint", field=name, constraints=str(flags), notnull_strength="1" if flags & 1 else "0",
             unique_strength="1" if flags & 2 else "0", exp_strength="0")
    editable = _sub(maplayer, "editable")
    for name in fields:
        _sub(editable, "field", name=name, editable="0" if name in ("fid", "uuid") else "1")
    _sub(maplayer, "editform", tolerant="1")
    _sub(maplayer, "editforminit")
    _sub(maplayer, "editorlayout", "generatedlayout")


def project_xml(gpkg_name: str, title: str, extent: tuple[float, float, float, float], with_area: bool = True) -> str:
    """A QGIS 3 project that opens the kit's layers from ``./gpkg_name`` (relative paths)."""
    layers = [(OBSERVATIONS, "Point"), (SERVICES, "Point")] + ([(AREA, "MultiPolygon")] if with_area else [])
    root = ET.Element("qgis", projectname=title, version="3.34.0-Prizren")
    _sub(root, "homePath", path="")
    _sub(root, "title", title)
    _srs(_sub(root, "projectCrs"))
    tree = _sub(root, "layer-tree-group")
    _sub(tree, "customproperties")
    for layer, _ in layers:
        _sub(tree, "layer-tree-layer", id=f"bidgeo_{layer}", name=t(f"kit_layer_{layer}", KIT_LANG),
             source=f"./{gpkg_name}|layername={layer}", providerKey="ogr", checked="Qt::Checked", expanded="1")
    canvas = _sub(root, "mapcanvas", name="theMapCanvas", annotationsVisible="1")
    _sub(canvas, "units", "degrees")
    box = _sub(canvas, "extent")
    for key, value in zip(("xmin", "ymin", "xmax", "ymax"), extent):
        _sub(box, key, repr(float(value)))
    _sub(canvas, "rotation", "0")
    _srs(_sub(canvas, "destinationsrs"))
    project_layers = _sub(root, "projectlayers")
    for layer, geometry in layers:
        maplayer = _sub(project_layers, "maplayer", type="vector", geometry="Point" if geometry == "Point" else "Polygon",
                        wkbType=geometry, readOnly="0" if layer == OBSERVATIONS else "1",
                        styleCategories="AllStyleCategories", hasScaleBasedVisibilityFlag="0",
                        minScale="100000000", maxScale="0", labelsEnabled="0")
        _sub(maplayer, "id", f"bidgeo_{layer}")
        _sub(maplayer, "datasource", f"./{gpkg_name}|layername={layer}")
        _sub(maplayer, "layername", t(f"kit_layer_{layer}", KIT_LANG))
        _srs(_sub(maplayer, "srs"))
        _sub(maplayer, "provider", "ogr", encoding="UTF-8")
        _renderer(maplayer, layer)
        if layer == OBSERVATIONS:
            _observation_form(maplayer)
        elif layer == SERVICES:
            aliases = _sub(maplayer, "aliases")
            for index, name in enumerate(("fid", "category", "category_label", "name")):
                _sub(aliases, "alias", field=name, index=str(index),
                     name="" if name == "fid" else t(f"kit_field_{name}", KIT_LANG))
    properties = _sub(root, "properties")
    paths = _sub(properties, "Paths")
    _sub(paths, "Absolute", "false", type="bool")
    ET.indent(root)
    return "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + ET.tostring(root, encoding="unicode") + "\n"


# --- import -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class RowError:
    """A problem with one row of the kit: a catalogue key and its parameters."""

    row: int
    key: str
    params: dict

    def message(self, lang: str = "sv") -> str:
        return t(self.key, lang, **self.params)


@dataclass
class KitImport:
    walk_id: int
    walk_created: bool
    imported: int = 0
    updated: int = 0
    skipped: int = 0
    deleted: int = 0
    """Rows of observations deleted in bidgeo: counted as skipped, and not restored."""
    photos_added: int = 0
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)

    def to_json(self, lang: str = "sv") -> dict:
        return {"imported": self.imported, "updated": self.updated, "skipped": self.skipped,
                "errors": [{"row": e.row, "message": e.message(lang)} for e in self.errors],
                "rows": self.rows, "deleted": self.deleted, "photos_added": self.photos_added,
                "walk_id": self.walk_id, "walk_created": self.walk_created}


def read_kit(path: str | Path) -> gpd.GeoDataFrame:
    """The observations layer of a kit in WGS 84, in feature order. :class:`InputError` if
    the file is not a GeoPackage or has no observations layer."""
    path = Path(path)
    if not path.is_file():
        raise NotFoundError("kit_not_found", name=str(path))
    untrusted.inspect_gpkg(path, "kit_not_gpkg", path.name)
    layers, frame = untrusted.in_worker("kit_not_gpkg", path.name, untrusted.read_frame, str(path), OBSERVATIONS)
    if frame is None:
        raise InputError("kit_no_layer", name=path.name, layer=OBSERVATIONS, layers=", ".join(layers) or "–")
    missing = [c for c in REQUIRED_FIELDS if c not in frame.columns]
    if missing:
        raise InputError("kit_no_column", name=path.name, layer=OBSERVATIONS, columns=", ".join(missing))
    if frame.crs is not None and not frame.crs.equals(WGS84):
        frame = frame.to_crs(WGS84)
    return frame


def _missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _text(value: object) -> str:
    return "" if _missing(value) else str(value)


def _rating(value: object) -> object:
    """An integer rating, None when empty; anything else as it was, for validation to refuse."""
    if _missing(value) or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return value
    return int(number) if number.is_integer() else value


def _point(geometry) -> tuple[float, float]:
    if geometry is None or geometry.is_empty:
        raise ValidationError("kit_no_position")
    if geometry.geom_type == "MultiPoint" and len(geometry.geoms) == 1:
        geometry = geometry.geoms[0]
    if geometry.geom_type != "Point":
        raise ValidationError("kit_not_point", kind=geometry.geom_type)
    return float(geometry.x), float(geometry.y)


def photo_path(folder: Path, value: str) -> Path:
    """The file a kit's photo field names, relative to the kit's folder (QField stores e.g.
    ``DCIM/2026…jpg``). An absolute path or one that leaves the folder is refused."""
    text = value.strip().replace("\\", "/")
    relative = PurePosixPath(text)
    if (not relative.parts or relative.is_absolute() or ":" in relative.parts[0] or ".." in relative.parts):
        raise ValidationError("kit_photo_outside", path=value[:200])
    base = folder.resolve()
    path = (base / relative).resolve()
    if not path.is_relative_to(base):  # e.g. a symbolic link out of the folder
        raise ValidationError("kit_photo_outside", path=value[:200])
    if not path.is_file():
        raise ValidationError("kit_photo_missing", path=value[:200])
    return path


def _add_photo(engine: Engine, project_id: int, uuid: str, path: Path) -> bool:
    """Store the photo (once per observation); True when it was new."""
    size = path.stat().st_size
    if size > photo_store.MAX_BYTES:
        raise InputError("photo_too_big", name=path.name, size_mb=round(size / 1e6),
                         limit_mb=photo_store.MAX_BYTES // 1_000_000)
    before = {p.id for p in photo_store.photos(engine, project_id, [uuid])}
    info = photo_store.add_photo(engine, project_id, uuid, path.read_bytes(), path.name)
    return info.id not in before


def _walk(engine: Engine, project_id: int, walk_id: int | None, kit_name: str, lang: str) -> tuple[int, bool]:
    project_walks = walks.walks(engine, project_id)
    if walk_id is not None:
        if walk_id not in {w.id for w in project_walks}:
            raise NotFoundError("walk_not_found", ref=str(walk_id))
        return walk_id, False
    if project_walks:
        return project_walks[-1].id, False
    today = datetime.now(TIMEZONE).date()
    return walks.create_walk(engine, project_id, today, focus_group=t("kit_focus_group", lang, name=kit_name)), True


def _time(value) -> datetime | None:
    """A GeoPackage DATETIME (UTC by the standard) as an aware time; None when empty."""
    if value is None or _missing(value):
        return None
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError):
        return None
    return (stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp).to_pydatetime()


def import_kit(engine: Engine, project_ref: int | str, path: str | Path, walk_id: int | None = None,
               lang: str = "sv", by: str = "", progress: Progress | None = None) -> KitImport:
    """Save the kit's observations in the project, idempotent by uuid.

    New observations go to ``walk_id`` or else the project's newest walk (one is created when
    the project has none); an observation already in the project keeps its walk unless
    ``walk_id`` is given. An observation deleted in bidgeo is not restored by a re-import.
    Photos are read relative to the kit's folder and stored once per observation. ``progress``
    is told each of :data:`IMPORT_STAGES` as it begins, and how far the rows have come."""
    progress = progress or (lambda stage, fraction=0.0: None)
    path = Path(path)
    progress("reading")
    frame = read_kit(path)
    project = get_project(engine, project_ref)
    target, created = _walk(engine, project.id, walk_id, path.name, lang)
    known = walks.observations(engine, project.id, include_deleted=True)
    existing = {u: (int(w), d is not None and not _missing(d))
                for u, w, d in zip(known["uuid"], known["walk_id"], known["deleted_at"])}
    report = KitImport(walk_id=target, walk_created=created, rows=len(frame))
    seen: dict[str, int] = {}
    folder = path.parent
    for row, record in enumerate(frame.to_dict("records"), start=1):
        progress("saving", (row - 1) / max(len(frame), 1))
        try:
            raw = _text(record.get("uuid")).strip()
            if not raw:
                raise ValidationError("kit_no_uuid")
            uuid = walks.check_uuid(raw)
            if uuid in seen:
                raise ValidationError("kit_uuid_repeats", uuid=uuid, first=seen[uuid])
            seen[uuid] = row
            lon, lat = _point(record.get("geometry"))
            if uuid in existing and existing[uuid][1]:
                report.skipped += 1
                report.deleted += 1
                continue
            values = {"focus_area": _text(record.get("focus_area")).strip() or None,
                      "kind": _text(record.get("kind")).strip() or None,
                      "rating": _rating(record.get("rating")), "comment": _text(record.get("comment")),
                      "lon": lon, "lat": lat, "position_source": "kit", "author": _text(record.get("author")),
                      "observed_at": _time(record.get("observed_at"))}
            walk = existing[uuid][0] if walk_id is None and uuid in existing else target
            result = walks.save_observation(engine, project.id, walk, uuid, values, by=by)
        except (ValidationError, NotFoundError) as exc:
            report.errors.append(RowError(row, exc.key, dict(exc.params)))
            continue
        if result == "created":
            report.imported += 1
        elif result == "updated":
            report.updated += 1
        else:
            report.skipped += 1
        for name in PHOTO_FIELDS:
            value = _text(record.get(name)).strip()
            if not value:
                continue
            try:
                try:
                    report.photos_added += _add_photo(engine, project.id, uuid, photo_path(folder, value))
                except OSError as exc:
                    raise ValidationError("kit_photo_missing", path=value[:200]) from exc
            except BidgeoError as exc:
                report.errors.append(RowError(row, exc.key, dict(exc.params)))
    return report


# --- the kit as one file, for the app's download and upload ------------------------------------
IMPORT_STAGES = ("unpacking", "reading", "saving")
"""The stages of importing an uploaded kit, in order, as ``progress`` is told them."""
MAX_UPLOAD_BYTES = 1024 * 1024 * 1024
MAX_MEMBERS = 5000


def kit_zip(engine: Engine, project_ref: int | str) -> bytes:
    """The kit (GeoPackage and QGIS project) as one ZIP, ready to copy to a tablet."""
    with tempfile.TemporaryDirectory() as tmp:
        kit = export_kit(engine, project_ref, Path(tmp) / "faltkit.gpkg")
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.write(kit.gpkg, kit.gpkg.name)
            archive.write(kit.qgs, kit.qgs.name)
        return out.getvalue()


def import_upload(engine: Engine, project_ref: int | str, data: bytes, name: str, walk_id: int | None = None,
                  lang: str = "sv", by: str = "", progress: Progress | None = None) -> KitImport:
    """Import a filled kit uploaded as its ``.gpkg`` or as a ``.zip`` of the kit folder (the
    GeoPackage and its photos, e.g. ``DCIM/``); ``progress`` as for :func:`import_kit`."""
    suffix = Path(name.lower()).suffix
    if suffix not in (".gpkg", ".zip"):
        raise InputError("kit_upload_format", name=name)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if suffix == ".gpkg":
            (folder / "kit.gpkg").write_bytes(data)
            return import_kit(engine, project_ref, folder / "kit.gpkg", walk_id=walk_id, lang=lang, by=by,
                              progress=progress)
        if progress is not None:
            progress("unpacking")
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
            members = [m for m in archive.infolist() if not m.filename.endswith("/")]  # is_dir() fails on ""
            if len(members) > MAX_MEMBERS or sum(m.file_size for m in members) > MAX_UPLOAD_BYTES:
                raise InputError("kit_zip_too_big", name=name)
            for member in members:
                target = PurePosixPath(member.filename.replace("\\", "/"))
                if target.is_absolute() or ".." in target.parts or ":" in member.filename:
                    raise InputError("kit_zip_unsafe", name=name, member=member.filename[:200])
                try:
                    (folder / target).parent.mkdir(parents=True, exist_ok=True)
                    (folder / target).write_bytes(archive.read(member))
                except OSError as exc:  # a name such as "." or "a" beside "a/b": not a folder of files
                    raise InputError("kit_zip_unpack", name=name, member=member.filename[:200]) from exc
        # A corrupt or encrypted zip, or one compressed in a way zipfile cannot read.
        except (zipfile.BadZipFile, RuntimeError, EOFError, NotImplementedError, zlib.error) as exc:
            raise InputError("kit_not_gpkg", name=name) from exc
        kits = sorted(folder.rglob("*.gpkg"))
        if len(kits) != 1:
            raise InputError("kit_zip_gpkgs", name=name, count=len(kits))
        return import_kit(engine, project_ref, kits[0], walk_id=walk_id, lang=lang, by=by, progress=progress)
