"""Read a local ``.osm`` / ``.osm.pbf`` file into service points, the walkable network and
buildings, as ``shared/spec/service-categories.md`` and ``walking-distance.md`` define them.

The file is read with pyosmium in two passes: multipolygon relations first (they come last
in a sorted file, and their member ways are needed in the second pass), then nodes and ways
with their locations.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Mapping

import geopandas as gpd
import numpy as np
import osmium
import pandas as pd
import shapely
from shapely.geometry import LineString, Point

from bidgeo import categories
from bidgeo.errors import InputError
from bidgeo.geo import WGS84, project_lonlat, utm_crs

OSM_SUFFIXES = (".osm", ".osm.pbf", ".pbf", ".osm.bz2", ".osm.gz")

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


def is_business(tags: Mapping[str, str]) -> bool:
    """A candidate stakeholder: any shop, office or craft; a named amenity or tourism
    feature (an unnamed bench or parking lot is nobody to write to)."""
    if any(k in tags for k in ("shop", "office", "craft")):
        return True
    return "name" in tags and any(k in tags for k in ("amenity", "tourism"))


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
    """Candidate stakeholders (:func:`is_business`): osm_type, osm_id, name, kind (the
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


def _ragged(coord_lists: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    lengths = np.array([len(c) for c in coord_lists], dtype=np.int64)
    flat = np.concatenate(coord_lists) if coord_lists else np.zeros((0, 2))
    return flat, np.repeat(np.arange(len(coord_lists)), lengths)


def _polygons(coord_lists: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Polygons of closed ways, built all at once (None where degenerate), and the point
    each is measured from: on its surface, or the centre of its coordinates."""
    polygons = np.full(len(coord_lists), None, dtype=object)
    built = np.array([len(c) >= 4 for c in coord_lists], dtype=bool)
    if built.any():
        flat, index = _ragged([c for c, ok in zip(coord_lists, built) if ok])
        made = shapely.polygons(shapely.linearrings(flat, indices=index))
        invalid = ~shapely.is_valid(made)
        if invalid.any():
            made[invalid] = shapely.make_valid(made[invalid])
        made[shapely.area(made) <= 0] = None
        polygons[built] = made
    points = np.array([
        shapely.point_on_surface(p) if p is not None else Point(np.mean(c, axis=0))
        for p, c in zip(polygons, coord_lists)
    ], dtype=object)
    return polygons, points


class _Collector:
    def __init__(self) -> None:
        self.services: list[tuple] = []
        self.businesses: list[tuple] = []
        self.buildings: list[tuple] = []
        self.roads: list[tuple] = []
        self.walk_ways: list[tuple[list[int], np.ndarray]] = []

    def add_feature(self, osm_type: str, osm_id: int, tags: dict, point: Point, area) -> None:
        matched = categories.classify(tags)
        for key in matched:
            self.services.append(
                (key, tags.get("name"), osm_type, osm_id, "osm", tags, point)
            )
        if is_business(tags):
            key = next(k for k in STAKEHOLDER_KEYS if k in tags)
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


def _coordinates(lines: list) -> list[np.ndarray]:
    """The (n, 2) coordinate array of each way from :func:`_way_line`, decoded in bulk."""
    is_wkb = [isinstance(line, str) for line in lines]
    out: list[np.ndarray] = [np.asarray(line, float).reshape(-1, 2) if not wkb else None
                             for line, wkb in zip(lines, is_wkb)]
    encoded = [line for line, wkb in zip(lines, is_wkb) if wkb]
    if encoded:
        geoms = shapely.from_wkb(encoded)
        flat = shapely.get_coordinates(geoms)
        counts = shapely.get_num_coordinates(geoms)
        parts = iter(np.split(flat, np.cumsum(counts)[:-1]))
        out = [next(parts) if wkb else arr for arr, wkb in zip(out, is_wkb)]
    return out


def read_osm(path: str | Path) -> OsmData:
    """Read services, the walkable network and buildings from a local OSM file.

    Raises :class:`InputError` (``osm_unreadable``) when the file is missing or is not OSM.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("osm_missing", path=str(path))
    if not path.name.lower().endswith(OSM_SUFFIXES):
        raise InputError("osm_unsupported", path=path.name)
    try:
        return _read(path)
    except (RuntimeError, ValueError, OSError) as exc:  # libosmium reports bad data so
        raise InputError("osm_unreadable", path=path.name, detail=str(exc)) from exc


def _read(path: Path) -> OsmData:
    # Pass 1: multipolygon relations that are services or buildings, and their ways.
    relations: list[tuple[int, dict, list[int]]] = []
    for rel in osmium.FileProcessor(str(path), osmium.osm.RELATION):
        tags = _tags(rel)
        if tags.get("type") == "multipolygon" and _is_feature(tags):
            members = [m.ref for m in rel.members if m.type == "w"]
            relations.append((rel.id, tags, members))
    member_ways = {w for _, _, members in relations for w in members}

    # Pass 2: nodes and ways. Untagged objects never reach Python (their locations are
    # still stored for the ways); geometries are built in bulk afterwards.
    out = _Collector()
    ways: list[tuple[int, dict, bool, list[int], object]] = []  # every way that matters
    processor = (osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
                 .with_locations().with_filter(osmium.filter.EmptyTagFilter().enable_for(osmium.osm.NODE)))
    for obj in processor:
        if obj.is_node():
            if not _feature_keys().isdisjoint(k.k for k in obj.tags) and obj.location.valid():
                out.add_feature("node", obj.id, _tags(obj), Point(obj.lon, obj.lat), None)
            continue
        tags = _tags(obj)
        closed_feature = obj.is_closed() and _is_feature(tags)
        if "highway" in tags or obj.id in member_ways or closed_feature:
            ids, line = _way_line(obj, with_ids="highway" in tags)
            ways.append((obj.id, tags, closed_feature, ids, line))

    coords = _coordinates([line for *_, line in ways])
    member_coords: dict[int, np.ndarray] = {}
    closed: list[tuple[int, dict, np.ndarray]] = []
    for (way_id, tags, closed_feature, ids, _), xy in zip(ways, coords):
        if way_id in member_ways:
            member_coords[way_id] = xy
        if len(xy) == 0:
            continue
        if "highway" in tags and len(xy) >= 2:
            walkable = is_walkable(tags)
            out.roads.append((way_id, tags["highway"], walkable, xy))
            if walkable:
                out.walk_ways.append((ids, xy))
        if closed_feature:
            closed.append((way_id, tags, xy))

    polygons, points = _polygons([c for _, _, c in closed])
    for (way_id, tags, _), area, point in zip(closed, polygons, points):
        out.add_feature("way", way_id, tags, point, area)

    for rel_id, tags, members in relations:
        lines = [LineString(member_coords[w]) for w in members if len(member_coords.get(w, ())) >= 2]
        coords = [c for w in members for c in member_coords.get(w, ())]
        if not len(coords):
            continue
        area = shapely.build_area(shapely.MultiLineString(lines)) if lines else None
        if area is not None and area.is_empty:
            area = None
        out.add_feature("relation", rel_id, tags, _area_point(area, coords), area)

    return OsmData(
        services=gpd.GeoDataFrame(out.services, columns=SERVICE_COLUMNS, geometry="geometry", crs=WGS84),
        businesses=gpd.GeoDataFrame(out.businesses, columns=BUSINESS_COLUMNS, geometry="geometry", crs=WGS84),
        buildings=gpd.GeoDataFrame(
            out.buildings, columns=["osm_type", "osm_id", "building", "origin", "geometry"],
            geometry="geometry", crs=WGS84,
        ),
        roads=_roads(out.roads),
        **_network(out.walk_ways),
        sha256=file_sha256(path),
    )


def _roads(roads: list[tuple]) -> gpd.GeoDataFrame:
    frame = pd.DataFrame([r[:3] for r in roads], columns=["osm_id", "highway", "walkable"])
    if roads:
        flat, index = _ragged([r[3] for r in roads])
        lines = shapely.linestrings(flat, indices=index)
    else:
        lines = []
    return gpd.GeoDataFrame(frame, geometry=lines, crs=WGS84)


def _network(ways: list[tuple[list[int], np.ndarray]]) -> dict:
    """Rule 2: nodes of walkable ways; an edge per pair of consecutive nodes, with its
    length in a local metric CRS."""
    ids = np.array([i for way_ids, _ in ways for i in way_ids], dtype=np.int64)
    xy = np.concatenate([c for _, c in ways]) if ways else np.zeros((0, 2))
    way = np.repeat(np.arange(len(ways)), [len(w) for w, _ in ways])
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
