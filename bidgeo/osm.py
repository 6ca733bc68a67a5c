"""Read a local ``.osm`` / ``.osm.pbf`` file into service points, the walkable network and
buildings, as ``docs/spec/service-categories.md`` and ``walking-distance.md`` define them.

The file is read with pyosmium in two passes: multipolygon relations first (they come last
in a sorted file, and their member ways are needed in the second pass), then nodes and ways
with their locations. A compressed XML file is unpacked first, within a bound on how much it
may inflate (a compression bomb would keep libosmium busy for minutes).
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import tempfile
import zlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Callable, Mapping

import geopandas as gpd
import numpy as np
import osmium
import pandas as pd
import shapely
from shapely.geometry import LineString, Point

from bidgeo import categories
from bidgeo.errors import InputError
from bidgeo.geo import WGS84, project_lonlat, utm_crs
from bidgeo.untrusted import ReadBudget, UnreadableError, inspect_osm

OSM_SUFFIXES = (".osm", ".osm.pbf", ".pbf", ".osm.bz2", ".osm.gz")
MAX_INFLATION = 40
"""How many times its size (at least 1 MB) a .osm.gz or .osm.bz2 may inflate: OSM XML packs
about 10 to 20 times, a compression bomb thousands of times."""

NOT_WALKABLE_HIGHWAY = frozenset(
    "motorway motorway_link construction proposed planned abandoned razed raceway "
    "bus_guideway escape".split()
)
FOOT_ALLOWED = frozenset({"yes", "designated", "permissive"})
NOT_ORIGIN_BUILDING = frozenset(
    "garage garages shed carport roof hut barn cowshed stable greenhouse industrial "
    "warehouse service transformer_tower construction ruins".split()
)
ATTRIBUTION = "© OpenStreetMap contributors, ODbL 1.0"

SERVICE_COLUMNS = ["category", "name", "osm_type", "osm_id", "source", "tags", "geometry"]
BUSINESS_COLUMNS = ["osm_type", "osm_id", "name", "kind", "category", "address", "geometry"]
# Keys whose features are candidate stakeholders (step 1: "identify the stakeholders").
STAKEHOLDER_KEYS = ("shop", "office", "craft", "amenity", "tourism")


# Amenities and tourism features that someone runs (a business, an association, the
# municipality): a bench, a statue, a bicycle stand or a parking lot is nobody to write to.
RUN_BY_SOMEONE = {
    "amenity": frozenset(
        "restaurant cafe fast_food pub bar biergarten ice_cream food_court nightclub bank bureau_de_change "
        "money_transfer pharmacy clinic doctors dentist hospital veterinary post_office library school "
        "kindergarten childcare college university language_school music_school driving_school "
        "community_centre arts_centre theatre cinema events_venue conference_centre social_centre "
        "social_facility place_of_worship townhall police fire_station courthouse marketplace fuel "
        "charging_station car_wash car_rental car_sharing bicycle_rental internet_cafe coworking_space "
        "studio casino".split()),
    "tourism": frozenset("hotel hostel guest_house motel camp_site caravan_site chalet apartment museum "
                         "gallery zoo aquarium theme_park".split()),
}
NOT_RUN = frozenset({"vacant", "no", "disused", "abandoned"})


def stakeholder_key(tags: Mapping[str, str]) -> str | None:
    """The key that makes ``tags`` a candidate stakeholder, a business or an organisation: a
    shop, office or craft (not a vacant one), or a named amenity or tourism feature of a kind
    that someone runs (:data:`RUN_BY_SOMEONE`); None for anything else."""
    for key in ("shop", "office", "craft"):
        if key in tags and tags[key] not in NOT_RUN:
            return key
    if "name" in tags:
        return next((key for key, kinds in RUN_BY_SOMEONE.items() if tags.get(key) in kinds), None)
    return None



def address(tags: Mapping[str, str]) -> str:
    street = " ".join(filter(None, [tags.get("addr:street"), tags.get("addr:housenumber")]))
    town = " ".join(filter(None, [tags.get("addr:postcode"), tags.get("addr:city")]))
    return ", ".join(filter(None, [street, town]))


def is_walkable(tags: Mapping[str, str]) -> bool:
    """Rule 1 of the walking-distance definition."""
    highway = tags.get("highway")
    if highway is None or highway in NOT_WALKABLE_HIGHWAY:
        return False
    if tags.get("foot") == "no" or tags.get("motorroad") == "yes" or tags.get("area") == "yes":
        return False
    if tags.get("access") in ("private", "no") and tags.get("foot") not in FOOT_ALLOWED:
        return False
    return True


DRIVABLE_HIGHWAY = frozenset(
    "motorway motorway_link trunk trunk_link primary primary_link secondary secondary_link tertiary "
    "tertiary_link unclassified residential living_street service road".split()
)
MOTOR_ALLOWED = FOOT_ALLOWED


def is_drivable(tags: Mapping[str, str]) -> bool:
    """Rule 1 of the driving-distance definition."""
    if tags.get("highway") not in DRIVABLE_HIGHWAY or tags.get("area") == "yes":
        return False
    if tags.get("motor_vehicle") == "no" or tags.get("motorcar") == "no":
        return False
    if tags.get("access") in ("private", "no") and not (
            tags.get("motor_vehicle") in MOTOR_ALLOWED or tags.get("motorcar") in MOTOR_ALLOWED):
        return False
    return tags.get("service") not in ("parking_aisle", "drive-through")


def is_origin_building(tags: Mapping[str, str]) -> bool:
    """Rule 3 of the walking-distance definition: which buildings are origins."""
    building = tags.get("building")
    return building is not None and building not in NOT_ORIGIN_BUILDING


@dataclass
class OsmData:
    """What one OSM file holds for bidgeo. Geometries are in WGS 84 (EPSG:4326)."""

    services: gpd.GeoDataFrame
    """One row per OSM element and category: category, name, osm_type, osm_id,
    source ("osm"), tags (dict)."""
    businesses: gpd.GeoDataFrame
    """Candidate stakeholders (:func:`stakeholder_key`): osm_type, osm_id, name, kind (the
    tag, e.g. ``shop=bakery``), category (taxonomy key or None), address."""
    buildings: gpd.GeoDataFrame
    """Every building (osm_type, osm_id, building, origin, geometry): origin says whether it
    is a walking-distance origin."""
    roads: gpd.GeoDataFrame
    """Every ``highway=*`` way as a line (osm_id, highway, walkable), for maps."""
    nodes: pd.DataFrame
    """Walkable-network nodes, indexed by OSM node id: lon, lat."""
    edges: pd.DataFrame
    """Walkable-network edges between consecutive way nodes: u, v, length_m."""
    sha256: str

    @property
    def bounds(self) -> tuple[float, float, float, float] | None:
        frames = [f for f in (self.buildings, self.roads, self.services) if len(f)]
        if not frames:
            return None
        b = np.array([f.total_bounds for f in frames])
        return (b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max())


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@cache
def _feature_keys() -> frozenset[str]:
    return categories.tag_keys() | set(STAKEHOLDER_KEYS)


def _is_feature(tags: Mapping[str, str]) -> bool:
    return "building" in tags or not _feature_keys().isdisjoint(tags)


def _area_point(geom: shapely.Geometry, coords: list[tuple[float, float]]) -> Point:
    """The point used for distances: on the surface of an area; the centre of the
    coordinates where the area could not be built (incomplete or degenerate)."""
    if geom is not None and not geom.is_empty:
        return geom.representative_point()
    return Point(np.mean(coords, axis=0))


def _lines(lines: list) -> np.ndarray:
    """Each way's line (from :func:`_way_line`) as a shapely geometry, decoded in bulk:
    a LineString, or None for a way with fewer than two located nodes."""
    out = np.full(len(lines), None, dtype=object)
    encoded = np.array([isinstance(line, str) for line in lines], dtype=bool)
    if encoded.any():
        out[encoded] = shapely.from_wkb([line for line, e in zip(lines, encoded) if e])
    for i in np.flatnonzero(~encoded):
        if len(lines[i]) >= 2:
            out[i] = LineString(lines[i])
        elif lines[i]:
            out[i] = Point(lines[i][0])
    return out


def _polygons(lines: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Polygons of closed ways built all at once from their lines (None where degenerate),
    and the point each is measured from: on its surface, or the centre of its coordinates."""
    coords, index = shapely.get_coordinates(lines, return_index=True)
    return polygons_from_coordinates(coords, index, len(lines))


def polygons_from_coordinates(coords: np.ndarray, index: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_polygons` of ``count`` closed ways given as their coordinates and, for each
    coordinate, the number of its way."""
    counts = np.bincount(index, minlength=count)
    polygons = np.full(count, None, dtype=object)
    built = counts >= 4
    if built.any():
        keep = built[index]
        rings = shapely.linearrings(coords[keep], indices=np.cumsum(built)[index[keep]] - 1)
        made = shapely.polygons(rings)
        invalid = ~shapely.is_valid(made)
        if invalid.any():
            made[invalid] = shapely.make_valid(made[invalid])
        made[shapely.area(made) <= 0] = None
        polygons[built] = made
    points = np.full(count, None, dtype=object)
    has = np.array([p is not None for p in polygons], dtype=bool)
    if has.any():
        points[has] = shapely.point_on_surface(polygons[has])
    if (~has).any():
        sums = np.zeros((count, 2))
        np.add.at(sums, index, coords)
        centres = sums / np.maximum(counts, 1)[:, None]
        points[~has] = shapely.points(centres[~has])
    return polygons, points


class _Collector:
    def __init__(self) -> None:
        self.services: list[tuple] = []
        self.businesses: list[tuple] = []
        self.buildings: list[tuple] = []
        self.roads: list[tuple] = []

    def add_feature(self, osm_type: str, osm_id: int, tags: dict, point: Point, area) -> None:
        matched = categories.classify(tags)
        for key in matched:
            self.services.append(
                (key, tags.get("name"), osm_type, osm_id, "osm", tags, point)
            )
        key = stakeholder_key(tags)
        if key is not None:
            # The category its main tag names (a bank with an ATM is a bank), else any match.
            named = [c for c in matched if ((key, tags[key]),) in categories.by_key()[c].rules]
            category = (named or matched or [None])[0]
            self.businesses.append((osm_type, osm_id, tags.get("name"), f"{key}={tags[key]}",
                                    category, address(tags), point))
        if "building" in tags and area is not None:
            self.buildings.append(
                (osm_type, osm_id, tags["building"], is_origin_building(tags), area)
            )


def _tags(obj) -> dict[str, str]:
    return {t.k: t.v for t in obj.tags}


WALK_KEYS = ("highway", "foot", "access", "motorroad", "area")


def _way_tags(way, shared: dict[tuple, dict[str, str]]) -> dict[str, str]:
    """The tags of a way that the reader looks at. Iterating a tag list is the slowest part
    of reading (most ways are streets and plain buildings), so those two get direct look-ups:
    an open street needs only the walkability keys, a building with no other tag only that.
    Those ways share one dict per set of tags (``shared``, one read's), which nothing changes."""
    tags = way.tags
    if "highway" in tags and not way.is_closed():
        found = tuple((k, tags[k]) for k in WALK_KEYS if k in tags)
    elif len(tags) == 1 and "building" in tags:
        found = (("building", tags["building"]),)
    else:
        return _tags(way)
    tags = shared.get(found)
    if tags is None:
        tags = shared[found] = dict(found)
    return tags


_WKB = osmium.geom.WKBFactory()


def _way_line(way, with_ids: bool) -> tuple[list[int], object]:
    """A way's node ids (if asked for) and its coordinates: as WKB built in C++ when every
    node has a location, else (a way cut by the extract's edge) the located nodes, read one
    by one."""
    try:
        line = _WKB.create_linestring(way, osmium.geom.use_nodes.ALL)
    except (osmium.InvalidLocationError, RuntimeError):
        located = [(n.ref, (n.lon, n.lat)) for n in way.nodes if n.location.valid()]
        return [i for i, _ in located], [c for _, c in located]
    return ([n.ref for n in way.nodes] if with_ids else []), line


def read_osm(path: str | Path, progress: Callable[[str], None] | None = None) -> OsmData:
    """Read services, the walkable network and buildings from a local OSM file. ``progress``
    is told each stage as it begins: "reading", "buildings", "services", "network".

    Raises :class:`InputError` (``osm_unreadable``) when the file is missing or is not OSM,
    and when it holds more than an extract may (:func:`bidgeo.untrusted.inspect_osm`).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("osm_missing", path=str(path))
    if not path.name.lower().endswith(OSM_SUFFIXES):
        raise InputError("osm_unsupported", path=path.name)
    try:
        if not path.name.lower().endswith((".gz", ".bz2")):
            inspect_osm(path, path.name)
            return _read(path, path.name, file_sha256(path), progress or (lambda stage: None))
        with tempfile.TemporaryDirectory() as tmp:
            plain = Path(tmp) / "extract.osm"
            _inflate(path, plain)
            inspect_osm(plain, path.name)
            return _read(plain, path.name, file_sha256(path), progress or (lambda stage: None))
    # libosmium, gzip and bz2 report bad data so
    except (RuntimeError, ValueError, OSError, EOFError, zlib.error, osmium.InvalidLocationError) as exc:
        raise UnreadableError("osm_unreadable", "reason_osm", path=path.name) from exc


def source(path: str | Path) -> osmium.io.File:
    """``path`` for libosmium with its format named, since libosmium tells a .pbf from XML by a
    lower-case suffix only (``KARHULA.OSM.PBF`` would be no OSM file to it)."""
    return osmium.io.File(str(path), "pbf" if str(path).lower().endswith(".pbf") else "osm")


def _inflate(packed: Path, target: Path) -> None:
    """Unpack a .osm.gz or .osm.bz2 into ``target``, refusing one that inflates more than
    :data:`MAX_INFLATION` times."""
    limit = MAX_INFLATION * max(packed.stat().st_size, 1 << 20)
    opener = gzip.open if packed.name.lower().endswith(".gz") else bz2.open
    written = 0
    with opener(packed, "rb") as stream, open(target, "wb") as out:
        while chunk := stream.read(1 << 20):
            written += len(chunk)
            if written > limit:
                raise UnreadableError("osm_unreadable", "reason_osm_inflates", path=packed.name, ratio=MAX_INFLATION)
            out.write(chunk)


def _read(path: Path, name: str, sha256: str, progress: Callable[[str], None]) -> OsmData:
    progress("reading")
    budget = ReadBudget(path, name)
    # Pass 1: multipolygon relations that are services or buildings, and their ways.
    relations: list[tuple[int, dict, list[int]]] = []
    for rel in osmium.FileProcessor(source(path), osmium.osm.RELATION):
        tags = _tags(rel)
        if tags.get("type") == "multipolygon" and _is_feature(tags):
            budget.keep(len(rel.members))
            members = list(dict.fromkeys(m.ref for m in rel.members if m.type == "w"))  # each way once
            budget.multipolygon(rel.id, len(members))
            relations.append((rel.id, tags, members))
    member_ways = {w for _, _, members in relations for w in members}

    # Pass 2: nodes and ways. Untagged objects never reach Python (their locations are
    # still stored for the ways); geometries are built in bulk afterwards.
    out = _Collector()
    ways: list[tuple[int, dict, bool, list[int]]] = []  # every way that matters
    raw_lines: list[object] = []  # and its line, decoded in bulk below
    shared: dict[tuple, dict[str, str]] = {}
    processor = (osmium.FileProcessor(source(path), osmium.osm.NODE | osmium.osm.WAY)
                 .with_locations().with_filter(osmium.filter.EmptyTagFilter().enable_for(osmium.osm.NODE)))
    for obj in processor:
        if obj.is_node():
            if not _feature_keys().isdisjoint(k.k for k in obj.tags) and obj.location.valid():
                out.add_feature("node", obj.id, _tags(obj), Point(obj.lon, obj.lat), None)
            continue
        tags = _way_tags(obj, shared)
        closed_feature = obj.is_closed() and _is_feature(tags)
        if "highway" in tags or obj.id in member_ways or closed_feature:
            budget.keep(len(obj.nodes))
            ids, line = _way_line(obj, with_ids="highway" in tags)
            ways.append((obj.id, tags, closed_feature, ids))
            raw_lines.append(line)

    lines = _lines(raw_lines)
    del raw_lines
    is_line = shapely.get_type_id(lines) == 1
    member_coords = {way_id: shapely.get_coordinates(line) for (way_id, *_), line in zip(ways, lines)
                     if way_id in member_ways and line is not None}
    highway = np.array(["highway" in w[1] for w in ways], dtype=bool) & is_line
    walkable = np.zeros(len(ways), dtype=bool)
    for i in np.flatnonzero(highway):
        way_id, tags = ways[i][:2]
        walkable[i] = is_walkable(tags)
        out.roads.append((way_id, tags["highway"], bool(walkable[i])))

    progress("buildings")
    closed = np.array([w[2] for w in ways], dtype=bool) & (shapely.get_type_id(lines) >= 0)
    polygons, points = _polygons(lines[closed])
    for i, area, point in zip(np.flatnonzero(closed), polygons, points):
        out.add_feature("way", ways[i][0], ways[i][1], point, area)
    del polygons, points
    lines[closed & ~highway] = None  # a building's line: its polygon is all that is kept

    progress("services")
    for rel_id, tags, members in relations:
        parts = [LineString(member_coords[w]) for w in members if len(member_coords.get(w, ())) >= 2]
        coords = [c for w in members for c in member_coords.get(w, ())]
        if not len(coords):
            continue
        area = shapely.build_area(shapely.MultiLineString(parts)) if parts else None
        if area is not None and area.is_empty:
            area = None
        out.add_feature("relation", rel_id, tags, _area_point(area, coords), area)

    progress("network")
    return OsmData(
        services=gpd.GeoDataFrame(out.services, columns=SERVICE_COLUMNS, geometry="geometry", crs=WGS84),
        businesses=gpd.GeoDataFrame(out.businesses, columns=BUSINESS_COLUMNS, geometry="geometry", crs=WGS84),
        buildings=gpd.GeoDataFrame(
            out.buildings, columns=["osm_type", "osm_id", "building", "origin", "geometry"],
            geometry="geometry", crs=WGS84,
        ),
        roads=gpd.GeoDataFrame(pd.DataFrame(out.roads, columns=["osm_id", "highway", "walkable"]),
                               geometry=list(lines[highway]), crs=WGS84),
        **_network([w[3] for w, ok in zip(ways, walkable) if ok], lines[walkable]),
        sha256=sha256,
    )


def _network(way_ids: list[list[int]], lines: np.ndarray) -> dict:
    """Rule 2: nodes of walkable ways; an edge per pair of consecutive nodes, with its
    length in a local metric CRS."""
    ids = np.array([i for ids in way_ids for i in ids], dtype=np.int64)
    xy, way = shapely.get_coordinates(lines, return_index=True)
    nodes = pd.DataFrame({"lon": xy[:, 0], "lat": xy[:, 1]}, index=pd.Index(ids, name="node_id"))
    nodes = nodes[~nodes.index.duplicated()]
    consecutive = (way[1:] == way[:-1]) & (ids[1:] != ids[:-1])
    edges = pd.DataFrame({"u": ids[:-1][consecutive], "v": ids[1:][consecutive]}, dtype="int64")
    if len(nodes):
        crs = utm_crs(nodes["lon"].median(), nodes["lat"].median())
        x, y = project_lonlat(nodes["lon"].to_numpy(), nodes["lat"].to_numpy(), crs)
        position = pd.Series(np.arange(len(nodes)), index=nodes.index)
        iu = position.loc[edges["u"]].to_numpy()
        iv = position.loc[edges["v"]].to_numpy()
        edges["length_m"] = np.hypot(x[iu] - x[iv], y[iu] - y[iv])
    else:
        edges["length_m"] = pd.Series(dtype=float)
    return {"nodes": nodes, "edges": edges}
