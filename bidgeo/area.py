"""BID boundaries: read a boundary file or a drawn polygon, validate it with the rules and
codes of ``docs/spec/cli.md`` (``area check``), measure it in SWEREF 99 TM, and repair it.

Files are read defensively: a size limit before anything is parsed, zip archives checked for
member paths and real uncompressed size while extracting, XML parsed with DTDs and entities
refused, GeoPackages inspected and read by GDAL in a worker with limits (``bidgeo.untrusted``),
boundaries with too many rings or vertices refused, and huge polygons simplified (with a
warning) before the expensive checks. Rings are checked as written in the file, before any
library closes or fixes them. Every message is the catalogue's: an unreadable file's
``reason`` is a catalogue key.
"""

from __future__ import annotations

import io
import json
import math
import struct
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

import numpy as np
import shapely
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError, ProjError
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, mapping
from shapely.geometry.base import BaseGeometry

from bidgeo.errors import ValidationError, say
from bidgeo.geo import SWEREF99TM, WGS84
from bidgeo.untrusted import UnreadableError, horizontal, in_worker, inspect_gpkg, read_raw

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ZIP_BYTES = 100 * 1024 * 1024
MAX_ZIP_MEMBERS = 200
MAX_VERTICES = 20_000
MAX_RINGS = 1_000
"""Rings (outer and holes) a boundary may have: more is no BID area, and no simplification
could bring it under MAX_VERTICES."""
MAX_READ_VERTICES = 2_000_000
MAX_DEPTH = 32
"""How deep GeoJSON geometry collections may nest."""
MAX_SIMPLIFY_STEPS = 40
TOO_LARGE_M2 = 100e6
LARGE_M2 = 5e6
SMALL_M2 = 5_000
MAX_REPORTED_CROSSINGS = 50
FORMATS = {
    ".geojson": "geojson", ".json": "geojson", ".kml": "kml", ".kmz": "kmz",
    ".gpkg": "gpkg", ".zip": "shapefile_zip",
}
# A coarse outline of Sweden (lon, lat), drawn a little outside the coast and borders: it
# only decides the `outside_sweden` warning.
SWEDEN = Polygon([
    (11.0, 58.9), (11.4, 59.5), (11.8, 59.9), (12.5, 60.6), (12.4, 61.6), (12.1, 62.6),
    (12.0, 63.4), (13.8, 64.6), (14.3, 65.3), (15.6, 66.3), (16.6, 67.6), (18.0, 68.6),
    (20.0, 69.2), (21.2, 69.1), (23.0, 68.4), (23.8, 67.4), (23.6, 66.6), (24.3, 65.9),
    (22.6, 65.2), (21.7, 64.2), (20.9, 63.6), (19.0, 62.9), (17.9, 62.1), (17.6, 61.0),
    (19.2, 60.3), (19.3, 59.6), (18.9, 58.8), (19.4, 57.9), (18.9, 56.9), (17.2, 56.1),
    (16.2, 55.9), (14.4, 55.3), (13.0, 55.2), (12.7, 55.6), (12.5, 56.1), (12.2, 56.9),
    (11.5, 57.6), (11.0, 58.9),
])


@dataclass(frozen=True)
class Issue:
    """One finding: a code from the spec and the parameters of its message."""

    code: str
    params: dict = field(default_factory=dict)
    key: str = ""
    """The catalogue entry of the message, when it is not ``area_<code>``."""

    def message(self, lang: str = "sv") -> str:
        return say(self.key or f"area_{self.code}", lang, self.params)

    def to_json(self, lang: str) -> dict:
        return {"code": self.code, "message": self.message(lang)}


@dataclass
class AreaCheck:
    """The outcome of checking a boundary. ``geometry`` is the boundary in WGS 84 (2D) once
    it could be built, also when it is invalid (so that a repair can start from it)."""

    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    geometry: BaseGeometry | None = None
    area_m2: float | None = None
    perimeter_m: float | None = None
    vertices: int | None = None
    crossings: list[tuple[float, float]] = field(default_factory=list)
    """Where the boundary crosses itself (lon, lat)."""

    @property
    def valid(self) -> bool:
        return not self.errors

    @property
    def repairable(self) -> bool:
        return [e.code for e in self.errors] == ["self_intersection"]

    def codes(self) -> list[str]:
        return [i.code for i in self.errors + self.warnings]

    def to_json(self, lang: str = "sv") -> dict:
        return {
            "valid": self.valid,
            "area_m2": None if self.area_m2 is None else round(self.area_m2, 1),
            "perimeter_m": None if self.perimeter_m is None else round(self.perimeter_m, 1),
            "vertices": self.vertices,
            "errors": [e.to_json(lang) for e in self.errors],
            "warnings": [w.to_json(lang) for w in self.warnings],
        }


class _Fail(Exception):
    """Stops a check at the first error that makes further checks meaningless. An
    ``unreadable`` one gives its ``reason`` as a catalogue key."""

    def __init__(self, code: str, key: str = "", **params) -> None:
        super().__init__(code)
        self.issue = Issue(code, params, key)


@dataclass
class _Raw:
    """A geometry part as written in the file: kind and coordinate rings."""

    kind: str  # point | line | polygon
    rings: list[list[tuple[float, ...]]]


# --- reading -----------------------------------------------------------------------------


def _format(name: str) -> str:
    suffix = PurePosixPath(name.lower()).suffix
    if suffix not in FORMATS:
        raise _Fail("unsupported_format", name=name, formats="GeoJSON, KML, KMZ, GeoPackage, zip (Shapefile)")
    return FORMATS[suffix]


def _shown(value) -> str:
    """A value from the file, short enough for a message."""
    text = value if isinstance(value, str) else {list: "[…]", dict: "{…}"}.get(type(value)) or repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _number(value) -> float:
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 1e300:
        raise _Fail("unreadable", reason="reason_not_a_number", value=f"{str(value)[:20]}…")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise _Fail("unreadable", reason="reason_not_a_number", value=_shown(value))
    return float(value)


def _position(value) -> tuple[float, ...]:
    if not isinstance(value, (list, tuple)) or len(value) < 2:
        raise _Fail("unreadable", reason="reason_position")
    return tuple(_number(v) for v in value)


def _geojson_geometry(geom, out: list[_Raw], depth: int = 0) -> None:
    if geom is None:
        return
    if not isinstance(geom, dict):
        raise _Fail("unreadable", reason="reason_not_geometry")
    if depth > MAX_DEPTH:
        raise _Fail("unreadable", reason="reason_too_deep", limit=MAX_DEPTH)
    kind, coords = geom.get("type"), geom.get("coordinates")
    try:
        if kind == "Point":
            out.append(_Raw("point", [[_position(coords)]]))
        elif kind == "MultiPoint":
            out.extend(_Raw("point", [[_position(c)]]) for c in coords)
        elif kind == "LineString":
            out.append(_Raw("line", [[_position(c) for c in coords]]))
        elif kind == "MultiLineString":
            out.extend(_Raw("line", [[_position(c) for c in line]]) for line in coords)
        elif kind == "Polygon":
            out.append(_Raw("polygon", [[_position(c) for c in ring] for ring in coords]))
        elif kind == "MultiPolygon":
            out.extend(_Raw("polygon", [[_position(c) for c in ring] for ring in poly]) for poly in coords)
        elif kind == "GeometryCollection":
            for part in geom.get("geometries") or []:
                _geojson_geometry(part, out, depth + 1)
        else:
            raise _Fail("unreadable", reason="reason_geometry_type", value=_shown(kind))
    except TypeError as exc:
        raise _Fail("unreadable", reason="reason_nesting") from exc


def _geojson_crs(doc: dict) -> CRS | None:
    """The old-style (pre RFC 7946) ``crs`` member, if any."""
    member = doc.get("crs")
    if not member:
        return None
    properties = member.get("properties") if isinstance(member, dict) else None
    name = properties.get("name") if isinstance(properties, dict) else None
    if not isinstance(name, str):
        raise _Fail("unreadable", reason="reason_crs_unknown", value=_shown(name))
    return _crs(name)


def _crs(text: str) -> CRS:
    """The horizontal CRS a file gives: a compound one's horizontal part; a vertical,
    geocentric or engineering one is no CRS of a boundary."""
    try:
        crs = CRS.from_user_input(text)
    except (CRSError, TypeError, ValueError) as exc:
        raise _Fail("unreadable", reason="reason_crs_unknown", value=_shown(text)) from exc
    if horizontal(crs) is None:
        raise _Fail("unreadable", reason="reason_crs_not_horizontal", value=_shown(crs.name))
    return horizontal(crs)


def read_geojson(doc) -> tuple[list[_Raw], CRS | None]:
    if not isinstance(doc, dict):
        raise _Fail("unreadable", reason="reason_not_geojson")
    out: list[_Raw] = []
    kind = doc.get("type")
    if kind == "FeatureCollection":
        features = doc.get("features")
        if not isinstance(features, list):
            raise _Fail("unreadable", reason="reason_features")
        for feature in features:
            _geojson_geometry(feature.get("geometry") if isinstance(feature, dict) else None, out)
    elif kind == "Feature":
        _geojson_geometry(doc.get("geometry"), out)
    elif kind in ("Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon",
                  "GeometryCollection"):
        _geojson_geometry(doc, out)
    else:
        raise _Fail("unreadable", reason="reason_not_geojson")
    return out, _geojson_crs(doc)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _kml_coordinates(element) -> list[tuple[float, ...]]:
    text = next((e.text or "" for e in element.iter() if _local(e.tag) == "coordinates"), "")
    try:
        coords = [tuple(float(v) for v in tuple_.split(",")) for tuple_ in text.split()]
    except ValueError as exc:
        raise _Fail("unreadable", reason="reason_kml_coordinates") from exc
    if any(len(c) not in (2, 3) or not all(map(math.isfinite, c)) for c in coords):
        raise _Fail("unreadable", reason="reason_kml_coordinates")
    return coords


def read_kml(data: bytes) -> list[_Raw]:
    try:
        root = SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise _Fail("unreadable", reason="reason_xml_entities") from exc
    except (SafeET.ParseError, ValueError, RecursionError) as exc:
        raise _Fail("unreadable", reason="reason_xml") from exc
    out: list[_Raw] = []
    for element in root.iter():
        name = _local(element.tag)
        if name == "Polygon":
            boundaries = [(_local(b.tag), b) for b in element]
            outer = [_kml_coordinates(b) for tag, b in boundaries if tag == "outerBoundaryIs"]
            inner = [_kml_coordinates(b) for tag, b in boundaries if tag == "innerBoundaryIs"]
            out.append(_Raw("polygon", outer[:1] + inner))
        elif name == "LineString":
            out.append(_Raw("line", [_kml_coordinates(element)]))
        elif name == "Point":
            out.append(_Raw("point", [_kml_coordinates(element)]))
    return out


def _safe_members(archive: zipfile.ZipFile, limit: int) -> list[zipfile.ZipInfo]:
    members = [m for m in archive.infolist() if not m.filename.endswith("/")]  # is_dir() fails on a name ""
    if len(members) > MAX_ZIP_MEMBERS:
        raise _Fail("unreadable", reason="reason_zip_members", count=len(members), limit=MAX_ZIP_MEMBERS)
    declared = 0
    for member in members:
        path = PurePosixPath(member.filename.replace("\\", "/"))
        if not member.filename or path.is_absolute() or ".." in path.parts or ":" in member.filename:
            raise _Fail("unreadable", reason="reason_zip_path", member=_shown(member.filename))
        declared += member.file_size
    if declared > limit:
        raise _Fail("too_big_file", size_mb=round(declared / 1e6), limit_mb=limit // 1_000_000)
    return members


def _extract(archive: zipfile.ZipFile, member: zipfile.ZipInfo, budget: list[int], limit: int) -> bytes:
    """A member's bytes, counting what is really inflated against the budget (declared
    sizes can lie)."""
    chunks = []
    with archive.open(member) as stream:
        while chunk := stream.read(1 << 20):
            budget[0] -= len(chunk)
            if budget[0] < 0:
                raise _Fail("too_big_file", size_mb=">" + str(limit // 1_000_000), limit_mb=limit // 1_000_000)
            chunks.append(chunk)
    return b"".join(chunks)


def _read_zip(data: bytes, wanted: tuple[str, ...], limit: int = MAX_ZIP_BYTES) -> dict[str, bytes]:
    """The members whose names end with ``wanted``, at most ``limit`` bytes in all."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise _Fail("unreadable", reason="reason_not_zip") from exc
    with archive:
        budget = [limit]
        try:
            return {
                m.filename: _extract(archive, m, budget, limit)
                for m in _safe_members(archive, limit)
                if m.filename.lower().endswith(wanted)
            }
        # corrupt, encrypted or compressed in a way zipfile cannot read
        except (zipfile.BadZipFile, RuntimeError, EOFError, OSError, NotImplementedError, zlib.error) as exc:
            raise _Fail("unreadable", reason="reason_zip_damaged") from exc


def _wkb_rings(buf: bytes) -> list[_Raw]:
    """The parts of a WKB geometry with their rings as written (ISO or EWKB, any dims)."""
    out: list[_Raw] = []

    def read(offset: int) -> int:
        order = "<" if buf[offset] == 1 else ">"
        (code,) = struct.unpack_from(order + "I", buf, offset + 1)
        offset += 5
        dims = 2
        if code & 0x20000000:  # EWKB SRID
            offset += 4
        if code & 0x80000000:
            dims += 1
        if code & 0x40000000:
            dims += 1
        code &= 0x0FFFFFFF
        base, iso = code % 1000, code // 1000
        dims += {1: 1, 2: 1, 3: 2}.get(iso, 0)
        point = struct.Struct(order + "d" * dims)

        def points(offset: int) -> tuple[list[tuple[float, ...]], int]:
            (n,) = struct.unpack_from(order + "I", buf, offset)
            offset += 4
            coords = [point.unpack_from(buf, offset + i * point.size) for i in range(n)]
            return coords, offset + n * point.size

        if base == 1:
            out.append(_Raw("point", [[point.unpack_from(buf, offset)]]))
            return offset + point.size
        if base == 2:
            coords, offset = points(offset)
            out.append(_Raw("line", [coords]))
            return offset
        if base == 3:
            (n,) = struct.unpack_from(order + "I", buf, offset)
            offset += 4
            rings = []
            for _ in range(n):
                ring, offset = points(offset)
                rings.append(ring)
            out.append(_Raw("polygon", rings))
            return offset
        if base in (4, 5, 6, 7):
            (n,) = struct.unpack_from(order + "I", buf, offset)
            offset += 4
            for _ in range(n):
                offset = read(offset)
            return offset
        raise _Fail("unreadable", reason="reason_geometry_type", value=str(code))

    try:
        read(0)
    except (struct.error, IndexError, RecursionError) as exc:
        raise _Fail("unreadable", reason="reason_damaged") from exc
    return out


def _read_ogr(path: Path, name: str) -> tuple[list[_Raw], CRS | None]:
    """A GeoPackage or shapefile, read by GDAL in a worker (a GeoPackage inspected first)."""
    try:
        if path.suffix == ".gpkg":
            inspect_gpkg(path, "area_unreadable", name)
        crs, geometries = in_worker("area_unreadable", name, read_raw, str(path))
    except UnreadableError as exc:
        raise _Fail("unreadable", **exc.params) from exc
    out: list[_Raw] = []
    for wkb in geometries:
        out.extend(_wkb_rings(wkb))
    return out, _crs(crs) if crs else None


def _read(data: bytes, name: str) -> tuple[list[_Raw], CRS | None]:
    kind = _format(name)
    if kind == "geojson":
        try:
            doc = json.loads(data.decode("utf-8-sig"))
        except UnicodeDecodeError as exc:
            raise _Fail("unreadable", reason="reason_not_utf8") from exc
        except RecursionError as exc:
            raise _Fail("unreadable", reason="reason_too_deep", limit=MAX_DEPTH) from exc
        except ValueError as exc:  # not JSON, or an integer of more digits than Python reads
            raise _Fail("unreadable", reason="reason_json") from exc
        return read_geojson(doc)
    if kind == "kml":
        return read_kml(data), None
    if kind == "kmz":
        kml = _read_zip(data, (".kml",), limit=MAX_FILE_BYTES)
        if not kml:
            raise _Fail("unreadable", reason="reason_kmz_no_kml")
        return read_kml(next(iter(kml.values()))), None
    with tempfile.TemporaryDirectory() as tmp:
        if kind == "gpkg":
            path = Path(tmp) / "area.gpkg"
            path.write_bytes(data)
            return _read_ogr(path, name)
        files = _read_zip(data, (".shp", ".shx", ".dbf", ".prj", ".cpg"))
        shapes = [n for n in files if n.lower().endswith(".shp")]
        if not shapes:
            raise _Fail("unreadable", reason="reason_zip_no_shp")
        wanted = PurePosixPath(shapes[0]).with_suffix("")
        for member, content in files.items():  # only the first shapefile's own files
            if PurePosixPath(member).with_suffix("") == wanted:
                (Path(tmp) / f"area{PurePosixPath(member).suffix.lower()}").write_bytes(content)
        return _read_ogr(Path(tmp) / "area.shp", name)


# --- checking ----------------------------------------------------------------------------


def _ring_problem(ring: list[tuple[float, ...]]) -> str | None:
    corners = [c[:2] for i, c in enumerate(ring) if i == 0 or c[:2] != ring[i - 1][:2]]
    if len(set(corners)) < 3:
        return "too_few_points"
    if ring[0][:2] != ring[-1][:2]:
        return "unclosed_ring"
    return None


def _in_range(x: np.ndarray, y: np.ndarray) -> bool:
    return bool(np.all(np.abs(x) <= 180) and np.all(np.abs(y) <= 90))


def _to_wgs84(parts: list[list[np.ndarray]], crs: CRS | None) -> list[list[np.ndarray]]:
    if crs is not None and not crs.equals(WGS84):
        try:
            transformer = Transformer.from_crs(crs, WGS84, always_xy=True)
            parts = [[np.column_stack(transformer.transform(r[:, 0], r[:, 1])) for r in p] for p in parts]
        except ProjError as exc:
            raise _Fail("unreadable", reason="reason_crs_not_horizontal", value=_shown(crs.name)) from exc
    xs = np.concatenate([r[:, 0] for p in parts for r in p])
    ys = np.concatenate([r[:, 1] for p in parts for r in p])
    if crs is not None and not crs.is_geographic:  # a projected CRS said what its numbers are
        if not (np.all(np.isfinite(xs)) and _in_range(xs, ys)):
            raise _Fail("out_of_range", crs=crs.name)
        return parts
    if not np.all(np.isfinite(xs) & np.isfinite(ys)):
        raise _Fail("out_of_range", crs="WGS 84")
    centre = (float(np.median(xs)), float(np.median(ys)))  # a mean of numbers near 1e308 overflows
    if not _in_range(xs, ys):
        if _in_range(ys, xs):
            raise _Fail("swapped_axes", x=round(centre[0], 4), y=round(centre[1], 4))
        if crs is None and np.all(np.abs(xs) > 1000) and np.all(np.abs(ys) > 1000):
            raise _Fail("projected_without_crs", x=round(centre[0]), y=round(centre[1]))
        raise _Fail("out_of_range", crs="WGS 84")
    if not SWEDEN.contains(Point(centre)) and SWEDEN.contains(Point(centre[::-1])):
        raise _Fail("swapped_axes", x=round(centre[0], 4), y=round(centre[1], 4))
    return parts


def _vertex_count(geom: BaseGeometry) -> int:
    polygons = getattr(geom, "geoms", [geom])
    return int(sum(len(r.coords) - 1 for p in polygons for r in [p.exterior, *p.interiors]))


def _project(geom: BaseGeometry, source: CRS, target: CRS) -> BaseGeometry:
    transformer = Transformer.from_crs(source, target, always_xy=True)
    return shapely.transform(geom, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1])))


def _simplify(geom: BaseGeometry, check: AreaCheck) -> BaseGeometry:
    """Topology-preserving simplification with the smallest tolerance (1 cm, growing by half)
    that brings the boundary under MAX_VERTICES, in at most MAX_SIMPLIFY_STEPS steps. A
    boundary of at most MAX_RINGS rings always ends under the limit (a ring keeps at least
    four corners), and one that does not is refused."""
    before = _vertex_count(geom)
    if before <= MAX_VERTICES:
        return geom
    metric = _project(geom, WGS84, SWEREF99TM)
    tolerance = 0.01
    for _ in range(MAX_SIMPLIFY_STEPS):
        # Plain Douglas-Peucker (fast) finds the tolerance, the topology-preserving
        # simplification (slow on a huge boundary) then runs once or twice.
        if _vertex_count(shapely.simplify(metric, tolerance, preserve_topology=False)) <= MAX_VERTICES:
            simplified = shapely.simplify(metric, tolerance, preserve_topology=True)
            if _vertex_count(simplified) <= MAX_VERTICES:
                break
        tolerance *= 1.5
    else:
        raise _Fail("too_complex", vertices=before, limit=MAX_VERTICES)
    check.warnings.append(Issue("simplified", {"before": before, "after": _vertex_count(simplified),
                                               "tolerance_m": round(tolerance, 2)}))
    return _project(simplified, SWEREF99TM, WGS84)


def _crossings(geom: BaseGeometry) -> list[tuple[float, float]]:
    """Points where the boundary's edges cross or touch each other, other than at shared
    corners of neighbouring edges."""
    found: list[tuple[float, float]] = []
    polygons = getattr(geom, "geoms", [geom])
    for polygon in polygons:
        segments = []
        for ring in [polygon.exterior, *polygon.interiors]:
            coords = np.asarray(ring.coords)
            segments.extend(LineString(coords[i:i + 2]) for i in range(len(coords) - 1))
        tree = shapely.STRtree(segments)
        left, right = tree.query(segments, predicate="intersects")
        n = len(segments)
        for i, j in zip(left, right):
            if j <= i or j - i == 1 or (i == 0 and j == n - 1):
                continue
            point = segments[i].intersection(segments[j])
            if not point.is_empty:
                p = point.representative_point()
                found.append((round(p.x, 6), round(p.y, 6)))
                if len(found) >= MAX_REPORTED_CROSSINGS:
                    return found
    if not found:  # e.g. a hole outside its shell: GEOS says where
        reason = shapely.is_valid_reason(geom)
        if "[" in reason:
            x, y = reason.split("[", 1)[1].rstrip("]").split()[:2]
            found.append((round(float(x), 6), round(float(y), 6)))
    return sorted(set(found), key=found.index)


def measure(geom: BaseGeometry) -> tuple[float, float, int]:
    """(area m², perimeter m, vertices) in SWEREF 99 TM (EPSG:3006)."""
    metric = _project(geom, WGS84, SWEREF99TM)
    return float(metric.area), float(metric.length), _vertex_count(geom)


def _check_parts(raws: list[_Raw], crs: CRS | None) -> AreaCheck:
    check = AreaCheck()
    try:
        if not raws:
            raise _Fail("empty")
        polygons = [r for r in raws if r.kind == "polygon"]
        if not polygons:
            raise _Fail("not_polygon")
        if len(polygons) < len(raws):
            check.warnings.append(Issue("ignored_non_polygons", {"count": len(raws) - len(polygons)}))
        rings = sum(len(raw.rings) for raw in polygons)
        if rings > MAX_RINGS:
            raise _Fail("too_complex", key="area_too_many_rings", rings=rings, limit=MAX_RINGS)
        vertices = sum(len(ring) for raw in polygons for ring in raw.rings)
        if vertices > MAX_READ_VERTICES:
            raise _Fail("too_complex", vertices=vertices, limit=MAX_READ_VERTICES)
        for raw in polygons:
            if not raw.rings:
                raise _Fail("too_few_points")
            for ring in raw.rings:
                problem = _ring_problem(ring) if ring else "too_few_points"
                if problem:
                    raise _Fail(problem)
        if any(len(c) > 2 for raw in polygons for ring in raw.rings for c in ring):
            check.warnings.append(Issue("has_z"))
        parts = [[np.array([c[:2] for c in ring], dtype=float) for ring in raw.rings] for raw in polygons]
        parts = _to_wgs84(parts, crs)
    except _Fail as fail:
        check.errors.append(fail.issue)
        return check

    shapes = [Polygon(p[0], p[1:]) for p in parts]
    geom = shapes[0] if len(shapes) == 1 else MultiPolygon(shapes)
    try:
        geom = _simplify(geom, check)
    except _Fail as fail:
        check.errors.append(fail.issue)
        return check
    if not geom.is_valid:
        if len(shapes) > 1 and all(s.is_valid for s in getattr(geom, "geoms", [geom])):
            geom = shapely.union_all(list(geom.geoms))  # overlapping parts: one area
        else:
            check.crossings = _crossings(geom)
            first = check.crossings[0] if check.crossings else (float("nan"), float("nan"))
            check.errors.append(Issue("self_intersection", {
                "lat": f"{first[1]:.5f}", "lon": f"{first[0]:.5f}", "count": len(check.crossings)}))
    check.geometry = geom
    if check.errors:  # the size of a boundary that crosses itself means nothing
        check.vertices = _vertex_count(geom)
        return check
    check.area_m2, check.perimeter_m, check.vertices = measure(geom)
    if isinstance(geom, MultiPolygon) and len(geom.geoms) > 1:
        check.warnings.append(Issue("multipart", {"parts": len(geom.geoms)}))
    if check.area_m2 > TOO_LARGE_M2:
        check.errors.append(Issue("too_large", {"km2": round(check.area_m2 / 1e6, 1)}))
    elif check.area_m2 > LARGE_M2:
        check.warnings.append(Issue("large_area", {"km2": round(check.area_m2 / 1e6, 1)}))
    elif check.area_m2 < SMALL_M2:
        check.warnings.append(Issue("small_area", {"m2": round(check.area_m2)}))
    if not SWEDEN.intersects(geom):
        check.warnings.append(Issue("outside_sweden"))
    return check


def check_bytes(data: bytes, name: str) -> AreaCheck:
    """Validate and measure a boundary file given as bytes (an upload) named ``name``."""
    try:
        if len(data) > MAX_FILE_BYTES:
            raise _Fail("too_big_file", size_mb=round(len(data) / 1e6, 1), limit_mb=MAX_FILE_BYTES // (1024 * 1024))
        _format(name)
        if not data.strip():
            raise _Fail("empty")
        raws, crs = _read(data, name)
    except _Fail as fail:
        return AreaCheck(errors=[replace(fail.issue, params={**fail.issue.params, "name": name})])
    return _check_parts(raws, crs)


def check_file(path: str | Path) -> AreaCheck:
    """Validate and measure a boundary file (GeoJSON, KML, KMZ, GeoPackage, zipped
    Shapefile)."""
    path = Path(path)
    if not path.is_file():
        return AreaCheck(errors=[Issue("unreadable", {"path": str(path)}, key="area_missing")])
    if path.stat().st_size > MAX_FILE_BYTES:
        size = path.stat().st_size
        return AreaCheck(errors=[Issue("too_big_file", {"size_mb": round(size / 1e6, 1),
                                                        "limit_mb": MAX_FILE_BYTES // (1024 * 1024)})])
    return check_bytes(path.read_bytes(), path.name)


def check_geojson(doc: dict) -> AreaCheck:
    """Validate and measure GeoJSON already in memory, such as polygons drawn on the map."""
    try:
        raws, crs = read_geojson(doc)
    except _Fail as fail:
        return AreaCheck(errors=[replace(fail.issue, params={**fail.issue.params, "name": "GeoJSON"})])
    return _check_parts(raws, crs)


def check_geometry(geom: BaseGeometry) -> AreaCheck:
    """Validate and measure a WGS 84 geometry (a stored version or a repair result)."""
    return check_geojson(mapping(geom) if not geom.is_empty else {"type": "GeometryCollection", "geometries": []})


def repair(geom: BaseGeometry) -> AreaCheck:
    """make_valid, keeping only the polygonal result, and check that."""
    fixed = shapely.make_valid(geom, method="structure", keep_collapsed=False)
    polygons = [g for g in getattr(fixed, "geoms", [fixed]) if g.geom_type in ("Polygon", "MultiPolygon")]
    return check_geometry(shapely.union_all(polygons) if polygons else Polygon())


UNREADABLE_CODES = frozenset({"unreadable", "unsupported_format", "too_big_file"})


def read_area(path: str | Path) -> BaseGeometry:
    """A valid boundary from a file. Raises :class:`InputError` when the file cannot be
    read (exit 2) and :class:`ValidationError` with the first error when the boundary is
    invalid (exit 1)."""
    check = check_file(path)
    if not check.valid:
        error = check.errors[0]
        if error.code in UNREADABLE_CODES:
            raise UnreadableError(error.key or f"area_{error.code}", **{"reason": "", **error.params})
        raise ValidationError(error.key or f"area_{error.code}", **error.params)
    return check.geometry
