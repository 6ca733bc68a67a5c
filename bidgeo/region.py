"""Every locality of a region at once, on foot and by car (issue 18): coverage per locality
and category as ``docs/spec/walking-distance.md`` and ``driving-distance.md`` define it, from
one regional extract, locality boundaries and optionally a population grid.

The extract is read once for both networks (:func:`compile_region`): the multipolygon
relations that are buildings or services first (a pass over relations only), then nodes and
ways with libosmium's location store and key filters in C++, so that only services, highways
and buildings reach Python, their geometry as WKB built in C++ and decoded in bulk. Each
network is compiled (largest connected component, symmetric CSR, every building snapped), and
the distance from every network node to the nearest service of every category is computed
once, one multi-source Dijkstra per category (:meth:`bidgeo.coverage.Network.node_distances`).
All of it is cached under the bidgeo home keyed by the extract's SHA-256, so a second run
reads arrays only: localities, bands and population grids are applied afterwards.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import geopandas as gpd
import numpy as np
import osmium
import pandas as pd
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from bidgeo import categories, config
from bidgeo.coverage import Network
from bidgeo.errors import InputError, ValidationError
from bidgeo.geo import WGS84, project_lonlat, utm_crs
from bidgeo.i18n import t
from bidgeo.osm import (NOT_ORIGIN_BUILDING, file_sha256, is_drivable, is_origin_building, is_walkable,
                        polygons_from_coordinates, source)
from bidgeo.untrusted import (ReadBudget, UnreadableError, horizontal, in_worker, inspect_gpkg, inspect_osm,
                              read_frame)

MODES = ("walk", "drive")
DEFAULT_BANDS = {"walk": (400, 800, 1200), "drive": (2000, 5000, 10000, 20000)}
WALK_SPEED = 80.0
"""Metres a minute on foot (the spec's 80 m/min); 60 for the elderly (:data:`AGE_SPEED`)."""
AGE_SPEED = 60.0
CACHE_VERSION = 2  # 2: buildings cut by the extract's edge kept, as the project reader keeps them
MAX_LOCALITY_BYTES = 50 * 1024 * 1024
NET_KEYS = ("highway", "foot", "access", "motorroad", "area", "motor_vehicle", "motorcar", "service")


# --- reading the extract ------------------------------------------------------------------


def decode_lines(hex_wkb: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The coordinates of WKB line strings (as libosmium writes them: hex, little-endian, 2D)
    decoded all at once, and for each coordinate the number of its line."""
    if not hex_wkb:
        return np.zeros((0, 2)), np.zeros(0, np.int64)
    raw = np.frombuffer(bytes.fromhex("".join(hex_wkb)), np.uint8)
    sizes = np.fromiter(map(len, hex_wkb), np.int64, count=len(hex_wkb)) // 2
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    body = np.ones(len(raw), bool)
    body[(starts[:, None] + np.arange(9)).ravel()] = False  # byte order, type and point count
    coords = raw[body].view("<f8").reshape(-1, 2)
    return coords, np.repeat(np.arange(len(hex_wkb)), (sizes - 9) // 16)


def _line(factory, way, with_refs: bool = False) -> tuple[list[int], str | None]:
    """A way's node ids (if asked for) and its line as hex WKB; a way cut by the extract's
    edge keeps its located nodes only."""
    try:
        line = factory.create_linestring(way, osmium.geom.use_nodes.ALL)
    except (osmium.InvalidLocationError, RuntimeError):
        located = [(n.ref, (n.lon, n.lat)) for n in way.nodes if n.location.valid()]
        if len(located) < 2:
            return [], None
        return [r for r, _ in located], shapely.to_wkb(shapely.LineString([c for _, c in located]), hex=True,
                                                       byte_order=1)
    if not with_refs:
        return [], line
    parent = way._pyosmium_data  # the node list's own accessor: iterating it costs a wrapper per node
    refs = parent.nodes()
    return [refs.get(parent, i).ref for i in range(refs.size(parent))], line


def _member_lines(members: set[int], path: Path) -> dict[int, str]:
    """The lines (hex WKB) of the member ways of multipolygons, which are mostly untagged:
    a pass over ways and one over nodes, each letting only the wanted ids into Python."""
    if not members:
        return {}
    refs, budget = {}, ReadBudget(path, path.name)
    for way in osmium.FileProcessor(source(path), osmium.osm.WAY).with_filter(
            osmium.filter.IdFilter(members).enable_for(osmium.osm.WAY)):
        budget.keep(len(way.nodes))
        refs[way.id] = [n.ref for n in way.nodes]
    wanted = {r for way_refs in refs.values() for r in way_refs}
    where = {node.id: (node.location.lon, node.location.lat)
             for node in osmium.FileProcessor(source(path), osmium.osm.NODE)
             .with_filter(osmium.filter.IdFilter(wanted).enable_for(osmium.osm.NODE)) if node.location.valid()}
    lines = {}
    for way_id, way_refs in refs.items():
        located = [where[r] for r in way_refs if r in where]
        if len(located) >= 2:
            lines[way_id] = shapely.to_wkb(shapely.LineString(located), hex=True, byte_order=1)
    return lines


def _read(path: Path, name: str, progress: Callable[[str], None]) -> dict:
    """Services (category, name, lon, lat), origin buildings (lon, lat) and the node lists
    and lines of walkable and drivable ways, in one pass over nodes and ways (after one over
    relations only). Key filters in libosmium keep every other object out of Python."""
    keys = sorted(categories.tag_keys())
    budget = ReadBudget(path, name)  # the nodes and members of what comes into Python
    keep = budget.keep
    relations = []
    for rel in osmium.FileProcessor(source(path), osmium.osm.RELATION).with_filter(
            osmium.filter.KeyFilter("building", *keys)):
        keep(len(rel.members))
        tags = {tag.k: tag.v for tag in rel.tags}
        if tags.get("type") == "multipolygon":
            ways = list(dict.fromkeys(m.ref for m in rel.members if m.type == "w"))  # each way once
            budget.multipolygon(rel.id, len(ways))
            relations.append((tags, ways))
    member_wkb = _member_lines({w for _, ways in relations for w in ways}, path)

    progress("reading")
    factory = osmium.geom.WKBFactory()
    refs = {"walk": [], "drive": []}
    lines = {"walk": [], "drive": []}
    services: list[tuple[str, str | None, float, float]] = []
    plain: list[str] = []  # buildings with no other tag: their lines, their building= values
    plain_kind: list[str] = []
    tagged: list[tuple[dict, str]] = []  # other closed features: tags and line
    processor = (osmium.FileProcessor(source(path), osmium.osm.NODE | osmium.osm.WAY).with_locations()
                 .with_filter(osmium.filter.KeyFilter(*keys).enable_for(osmium.osm.NODE))
                 .with_filter(osmium.filter.KeyFilter("highway", "building", *keys).enable_for(osmium.osm.WAY)))
    create, every = factory.create_linestring, osmium.geom.use_nodes.ALL
    for obj in processor:
        if obj.is_node():
            if obj.location.valid():
                tags = {tag.k: tag.v for tag in obj.tags}
                for key in categories.classify(tags):
                    services.append((key, tags.get("name"), obj.location.lon, obj.location.lat))
            continue
        keep(len(obj.nodes))
        # The C++ object's own accessors (osmium pinned in constraints.txt): the Python
        # wrappers around them cost as much again on every one of a county's ways.
        c = obj._pyosmium_data
        size = c.tags_size()
        value = c.tags_get_value_by_key
        kind = value("building", None)
        if kind is not None and size == 1:  # most ways of a county: a plain building
            if c.is_closed():
                try:
                    plain.append(create(obj, every))
                    plain_kind.append(kind)
                except (osmium.InvalidLocationError, RuntimeError):  # cut by the extract's edge:
                    line = _line(factory, obj)[1]  # its located nodes, as the project reader keeps it
                    if line is not None:
                        plain.append(line)
                        plain_kind.append(kind)
            continue
        highway = value("highway", None)
        if highway is not None:
            if size == 1 or (size == 2 and c.tags_has_key("name")):
                net = {"highway": highway}
            else:
                net = {k: v for k in NET_KEYS if (v := value(k, None)) is not None}
            on_foot, by_car = is_walkable(net), is_drivable(net)
            if on_foot or by_car:
                ids, line = _line(factory, obj, with_refs=True)
                if line is not None:
                    for mode, used in (("walk", on_foot), ("drive", by_car)):
                        if used:
                            refs[mode].append(ids)
                            lines[mode].append(line)
        if c.is_closed() and (kind is not None or any(c.tags_has_key(k) for k in keys)):
            line = _line(factory, obj)[1]
            if line is not None:
                tagged.append(({tag.k: tag.v for tag in obj.tags}, line))
    progress("buildings")
    coords, index = decode_lines(plain + [line for _, line in tagged])
    polygons, points = polygons_from_coordinates(coords, index, len(plain) + len(tagged))
    has_area = np.array([p is not None for p in polygons], bool)
    origin = has_area.copy()
    origin[:len(plain)] &= ~np.isin(np.array(plain_kind, dtype=object), list(NOT_ORIGIN_BUILDING))
    for i, (tags, _) in enumerate(tagged, start=len(plain)):
        origin[i] &= is_origin_building(tags)
        for key in categories.classify(tags):
            services.append((key, tags.get("name"), points[i].x, points[i].y))
    origin_points = list(points[origin])
    for tags, ways in relations:
        parts = [shapely.from_wkb(member_wkb[w]) for w in ways if member_wkb.get(w)]
        if not parts:
            continue
        area = shapely.build_area(shapely.MultiLineString(parts))
        point = (area.representative_point() if not area.is_empty
                 else shapely.Point(np.mean(shapely.get_coordinates(parts), axis=0)))
        if is_origin_building(tags) and not area.is_empty:
            origin_points.append(point)
        for key in categories.classify(tags):
            services.append((key, tags.get("name"), point.x, point.y))
    frame = pd.DataFrame(services, columns=["category", "name", "lon", "lat"])
    return {
        "origins": shapely.get_coordinates(np.array(origin_points, dtype=object)) if origin_points
        else np.zeros((0, 2)),
        "services": frame, "refs": refs, "lines": lines,
    }


def _compile(refs: list[list[int]], lines: list[str], origins: np.ndarray, services: pd.DataFrame) -> Network | None:
    """Rules 2 and 4: the network of the ways (largest component, shortest of parallel
    edges), every origin snapped to it; None when the extract has no such ways."""
    if not lines:
        return None
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    coords, way = decode_lines(lines)
    ids = np.fromiter(itertools.chain.from_iterable(refs), np.int64, count=len(coords))
    node_ids, first, index = np.unique(ids, return_index=True, return_inverse=True)
    lonlat = coords[first]
    crs = utm_crs(float(np.median(lonlat[:, 0])), float(np.median(lonlat[:, 1])))
    x, y = project_lonlat(lonlat[:, 0], lonlat[:, 1], crs)
    consecutive = (way[1:] == way[:-1]) & (index[1:] != index[:-1])
    u, v = index[:-1][consecutive], index[1:][consecutive]
    w = np.hypot(x[u] - x[v], y[u] - y[v])
    n = len(node_ids)
    _, labels = connected_components(csr_matrix((np.ones(len(u)), (u, v)), shape=(n, n)), directed=False)
    keep = labels == np.bincount(labels).argmax()
    new = np.cumsum(keep) - 1
    inside = keep[u] & keep[v]
    indptr, indices, lengths = _symmetric(new[u[inside]], new[v[inside]], w[inside], int(keep.sum()))
    net = Network(epsg=crs.to_epsg(), xy=np.column_stack([x[keep], y[keep]]), indptr=indptr,
                  indices=indices, lengths=lengths, origin_osm=np.zeros(0, str), origin_lonlat=origins,
                  origin_node=np.zeros(0, np.int64), origin_snap=np.zeros(0), services=services, sha256="")
    if len(origins):
        net.origin_node, net.origin_snap = net.snap(origins[:, 0], origins[:, 1])
    return net


def _symmetric(u: np.ndarray, v: np.ndarray, w: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A symmetric CSR graph of ``n`` nodes from edges (u, v, w), the shortest of parallel edges."""
    rows, cols, lengths = np.concatenate([u, v]), np.concatenate([v, u]), np.concatenate([w, w])
    key = rows.astype(np.int64) * n + cols
    order = np.argsort(key, kind="stable")
    key, lengths = key[order], lengths[order]
    first = np.flatnonzero(np.concatenate([[True], key[1:] != key[:-1]])) if len(key) else np.zeros(0, np.int64)
    lengths = np.minimum.reduceat(lengths, first) if len(key) else lengths
    key = key[first]
    rows, cols = key // n, key % n
    indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n))]).astype(np.int64)
    return indptr, cols.astype(np.int32), lengths


@dataclass
class _Chains:
    """The network with its chains of degree-2 nodes contracted: ``kept`` nodes (crossings,
    dead ends, service nodes) joined by edges as long as the chains between them; each other
    node lies on one chain, ``end_a`` and ``end_b`` its ends (kept-node numbers) and
    ``to_a``, ``to_b`` its distances along the chain to them."""

    kept: np.ndarray
    indptr: np.ndarray
    indices: np.ndarray
    lengths: np.ndarray
    inner: np.ndarray
    end_a: np.ndarray
    end_b: np.ndarray
    to_a: np.ndarray
    to_b: np.ndarray


def _chains(net: Network, protected: np.ndarray) -> _Chains:
    """Contract ``net``'s chains, keeping the ``protected`` nodes. A shortest path from a
    kept node to a node on a chain enters it at one of its two ends, so the distances on the
    contracted graph give every node's distance exactly (:func:`_node_distances`)."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components, dijkstra

    n = net.n_nodes
    degree = np.diff(net.indptr)
    removable = degree == 2
    removable[protected] = False
    if removable.all():  # one single ring: keep one node of it
        removable[0] = False
    rows = np.repeat(np.arange(n), degree)
    cols, weights = net.indices.astype(np.int64), net.lengths
    upper = rows < cols
    u, v, w = rows[upper], cols[upper], weights[upper]
    kept = np.flatnonzero(~removable)
    number = np.full(n, -1, np.int64)
    number[kept] = np.arange(len(kept))
    inner = np.flatnonzero(removable)
    direct = ~removable[u] & ~removable[v]
    chain_edge = ~direct
    cu, cv, cw = u[chain_edge], v[chain_edge], w[chain_edge]
    # Which chain each inner node is on, and each chain's length.
    both = removable[cu] & removable[cv]
    _, label = connected_components(csr_matrix((np.ones(both.sum()), (cu[both], cv[both])), shape=(n, n)),
                                    directed=False)
    chain_of_edge = np.where(removable[cu], label[cu], label[cv])
    chain_length = np.bincount(chain_of_edge, weights=cw, minlength=n)
    # Along-chain distance of each inner node to its nearer end, and which end that is.
    graph = csr_matrix((np.concatenate([cw, cw]), (np.concatenate([cu, cv]), np.concatenate([cv, cu]))), shape=(n, n))
    ends = np.unique(np.concatenate([cu[~removable[cu]], cv[~removable[cv]]]))
    near, _, source = dijkstra(graph, indices=ends, min_only=True, return_predecessors=True)
    # Each chain's two ends: the kept nodes of its edges (a loop's twice the same).
    boundary = ~removable[cu] | ~removable[cv]
    end_node = np.where(removable[cu[boundary]], cv[boundary], cu[boundary])
    end_chain = chain_of_edge[boundary]
    order = np.lexsort((end_node, end_chain))
    end_chain, end_node = end_chain[order], end_node[order]
    first_of = np.full(n, -1, np.int64)
    last_of = np.full(n, -1, np.int64)
    first_of[end_chain[::-1]] = end_node[::-1]
    last_of[end_chain] = end_node
    chain = label[inner]
    a, b = first_of[chain], last_of[chain]
    near_end = source[inner]
    length = chain_length[chain]
    to_a = np.where(near_end == a, near[inner], length - near[inner])
    to_b = length - to_a
    # The contracted graph: direct edges between kept nodes, and one edge per chain.
    chains = np.flatnonzero(first_of >= 0)
    ca, cb, cl = first_of[chains], last_of[chains], chain_length[chains]
    real = ca != cb
    eu = np.concatenate([number[u[direct]], number[ca[real]]])
    ev = np.concatenate([number[v[direct]], number[cb[real]]])
    ew = np.concatenate([w[direct], cl[real]])
    indptr, indices, lengths = _symmetric(eu, ev, ew, len(kept))
    return _Chains(kept, indptr, indices, lengths, inner, number[a], number[b], to_a, to_b)


def _node_distances(net: Network, chains: _Chains, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Rule 5 for every node: the distance to the nearest of the services at (lon, lat),
    their snap distances included: one multi-source Dijkstra on the contracted graph (a
    virtual source joined to each service's node), then each chain's nodes from its ends."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    result = np.full(net.n_nodes, np.nan)
    if len(lon) == 0:
        return result
    nodes, snaps = net.snap(lon, lat)
    best = pd.Series(snaps).groupby(nodes).min()
    k = len(chains.kept)
    position = np.searchsorted(chains.kept, best.index.to_numpy())  # service nodes are all kept
    graph = csr_matrix(
        (np.concatenate([chains.lengths, best.to_numpy()]), np.concatenate([chains.indices, position]),
         np.append(chains.indptr, len(chains.indices) + len(best))), shape=(k + 1, k + 1))
    reached = dijkstra(graph, directed=True, indices=k)[:k]
    result[chains.kept] = reached
    result[chains.inner] = np.minimum(reached[chains.end_a] + chains.to_a, reached[chains.end_b] + chains.to_b)
    result[~np.isfinite(result)] = np.nan
    return result


@dataclass
class Region:
    """A compiled regional extract: per mode the network with every building snapped to it,
    and the distance from each network node to the nearest service of each category that
    the extract has (NaN where none is reachable)."""

    sha256: str
    networks: dict[str, Network]
    node_distances: dict[str, dict[str, np.ndarray]]
    services: pd.DataFrame
    origins: np.ndarray
    """Origin buildings' points (lon, lat)."""
    bounds: tuple[float, float, float, float]


def _cache_path(sha256: str) -> Path:
    return config.home() / "cache" / "region" / f"{sha256}-v{CACHE_VERSION}.npz"


def compile_region(path: str | Path, progress: Callable[[str], None] | None = None) -> Region:
    """The compiled region of an extract, from the cache when the same content was compiled
    before. Raises :class:`InputError` for a missing or unreadable file and
    :class:`ValidationError` when the extract has no walkable and no drivable network."""
    path = Path(path)
    progress = progress or (lambda stage: None)
    if not path.is_file():
        raise InputError("osm_missing", path=str(path))
    if not path.name.lower().endswith((".osm.pbf", ".pbf", ".osm")):
        raise InputError("osm_unsupported", path=path.name)
    sha = file_sha256(path)
    cached = _cache_path(sha)
    if cached.is_file():
        return _load(cached, sha)
    inspect_osm(path, path.name)
    try:
        data = _read(path, path.name, progress)
    except (RuntimeError, ValueError, OSError, osmium.InvalidLocationError) as exc:
        raise UnreadableError("osm_unreadable", "reason_osm", path=path.name) from exc
    progress("network")
    networks = {mode: net for mode in MODES
                if (net := _compile(data["refs"][mode], data["lines"][mode], data["origins"],
                                    data["services"])) is not None}
    if not networks:
        raise ValidationError("no_walkable_network")
    progress("distances")
    services = data["services"]
    present = sorted(set(services["category"]))
    distances = {}
    for mode, net in networks.items():
        chains = _chains(net, net.snap(services["lon"].to_numpy(float), services["lat"].to_numpy(float))[0]
                         if len(services) else np.zeros(0, np.int64))
        distances[mode] = {key: _node_distances(net, chains, *_points(services, key)) for key in present}
    nodes = [_lonlat(net) for net in networks.values()]
    lon = np.concatenate([data["origins"][:, 0], services["lon"]] + [x for x, _ in nodes])
    lat = np.concatenate([data["origins"][:, 1], services["lat"]] + [y for _, y in nodes])
    region = Region(sha, networks, distances, services, data["origins"],
                    (float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max())))
    _save(region, cached)
    return region


def _lonlat(net: Network) -> tuple[np.ndarray, np.ndarray]:
    from pyproj import Transformer

    return Transformer.from_crs(net.crs, WGS84, always_xy=True).transform(net.xy[:, 0], net.xy[:, 1])


def _points(services: pd.DataFrame, key: str) -> tuple[np.ndarray, np.ndarray]:
    chosen = services[services["category"] == key]
    return chosen["lon"].to_numpy(float), chosen["lat"].to_numpy(float)


NETWORK_ARRAYS = ("xy", "indptr", "indices", "lengths", "origin_node", "origin_snap")


def _save(region: Region, path: Path) -> None:
    """One uncompressed .npz of plain arrays (no pickles), written whole or not at all."""
    arrays = {"origins": region.origins, "bounds": np.array(region.bounds),
              "service_category": region.services["category"].to_numpy(str),
              "service_name": region.services["name"].fillna("").to_numpy(str),
              "service_lon": region.services["lon"].to_numpy(float),
              "service_lat": region.services["lat"].to_numpy(float)}
    for mode, net in region.networks.items():
        arrays[f"{mode}.epsg"] = np.array(net.epsg)
        arrays.update({f"{mode}.{name}": getattr(net, name) for name in NETWORK_ARRAYS})
        arrays.update({f"{mode}:{key}": values for key, values in region.node_distances[mode].items()})
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part.npz")
    np.savez(partial, **arrays)
    partial.replace(path)


def _load(path: Path, sha: str) -> Region:
    with np.load(path, allow_pickle=False) as z:
        arrays = {name: z[name] for name in z.files}
    services = pd.DataFrame({"category": arrays["service_category"],
                             "name": pd.Series(arrays["service_name"], dtype=object).replace("", None),
                             "lon": arrays["service_lon"], "lat": arrays["service_lat"]})
    networks, distances = {}, {}
    for mode in MODES:
        if f"{mode}.epsg" in arrays:
            networks[mode] = Network(
                epsg=int(arrays[f"{mode}.epsg"]), origin_osm=np.zeros(0, str), origin_lonlat=arrays["origins"],
                services=services, sha256=sha, **{name: arrays[f"{mode}.{name}"] for name in NETWORK_ARRAYS})
            distances[mode] = {name.split(":", 1)[1]: values for name, values in arrays.items()
                               if name.startswith(f"{mode}:")}
    return Region(sha, networks, distances, services, arrays["origins"], tuple(map(float, arrays["bounds"])))


# --- localities ---------------------------------------------------------------------------


@dataclass
class Localities:
    """Locality boundaries in WGS 84 (columns ``name`` and ``geometry``, in the file's
    order) and the warnings reading them gave (repairs, overlaps, reprojection)."""

    frame: gpd.GeoDataFrame
    warnings: list[tuple[str, dict]] = field(default_factory=list)

    def messages(self, lang: str) -> list[str]:
        return [t(key, lang, **params) for key, params in self.warnings]


def locality_fields(data: bytes, name: str) -> list[str]:
    """The attribute fields of a locality file (for choosing the name field)."""
    frame = _read_frame(data, name)
    return [str(c) for c in frame.columns if c != frame.geometry.name]


def _read_frame(data: bytes, name: str) -> gpd.GeoDataFrame:
    from bidgeo.area import _read_zip

    if len(data) > MAX_LOCALITY_BYTES:
        raise InputError("localities_too_big", name=name, limit_mb=MAX_LOCALITY_BYTES // 1_000_000)
    suffix = "".join(Path(name.lower()).suffixes[-1:])
    if suffix not in (".gpkg", ".geojson", ".json", ".zip"):
        raise InputError("localities_unsupported", name=name)
    with tempfile.TemporaryDirectory() as tmp:
        if suffix == ".zip":
            try:
                files = _read_zip(data, (".shp", ".shx", ".dbf", ".prj", ".cpg"))
            except Exception as exc:  # area's own refusals (_Fail) and a damaged archive
                raise UnreadableError("localities_unreadable", "reason_damaged", name=name) from exc
            shapes = sorted(n for n in files if n.lower().endswith(".shp"))
            if not shapes:
                raise UnreadableError("localities_unreadable", "reason_zip_no_shp", name=name)
            stem = shapes[0][:-4]
            for member, content in files.items():
                if member[:-4] == stem:
                    (Path(tmp) / f"localities{member[-4:].lower()}").write_bytes(content)
            path = Path(tmp) / "localities.shp"
        else:
            path = Path(tmp) / f"localities{suffix}"
            path.write_bytes(data)
            if suffix == ".gpkg":
                inspect_gpkg(path, "localities_unreadable", name)
        _, frame = in_worker("localities_unreadable", name, read_frame, str(path))
    if frame is None or not isinstance(frame, gpd.GeoDataFrame) or frame.empty:
        raise ValidationError("localities_empty", name=name)
    return frame


def _input_path(kind: str, data: bytes, *choices) -> Path:
    """Where the parsed input file ``data`` (with these choices) is kept: a second run with
    the same files needs no reader process."""
    digest = hashlib.sha256(data)
    digest.update(json.dumps([kind, CACHE_VERSION, *choices]).encode())
    return config.home() / "cache" / "region-inputs" / f"{digest.hexdigest()}.npz"


def _keep(path: Path, **arrays) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part.npz")
    np.savez(partial, **arrays)
    partial.replace(path)


def read_localities(data: bytes, name: str, name_field: str | None = None) -> Localities:
    """:func:`parse_localities`, kept by content (see :func:`_input_path`)."""
    kept = _input_path("localities", data, name, name_field)
    if kept.is_file():
        with np.load(kept, allow_pickle=False) as z:
            return Localities(gpd.GeoDataFrame({"name": list(z["names"])}, geometry=shapely.from_wkb(z["wkb"]),
                                               crs=WGS84), [tuple(w) for w in json.loads(str(z["warnings"]))])
    localities = parse_localities(data, name, name_field)
    _keep(kept, names=np.array(localities.frame["name"], dtype=str),
          wkb=np.array(shapely.to_wkb(localities.frame.geometry.values, hex=True), dtype=str),
          warnings=np.array(json.dumps(localities.warnings, ensure_ascii=False)))
    return localities


def parse_localities(data: bytes, name: str, name_field: str | None = None) -> Localities:
    """Locality polygons with their names from a GeoPackage, GeoJSON or zipped Shapefile.
    Reprojects to WGS 84 (a file without a CRS must be in degrees), repairs invalid polygons
    and clips overlaps (the earlier locality keeps the shared part), with a warning for each.
    Raises :class:`ValidationError` for a name field that does not exist (listing the
    fields), or no polygons."""
    frame = _read_frame(data, name)
    fields = [str(c) for c in frame.columns if c != frame.geometry.name]
    if name_field is None:
        name_field = next((f for f in fields if f.lower() in ("name", "namn", "tatort", "tätort")), None)
    if name_field not in fields:
        raise ValidationError("localities_no_field", field=name_field or "–", fields=", ".join(fields) or "–")
    warnings: list[tuple[str, dict]] = []
    geometry = frame.geometry
    if frame.crs is None:
        b = geometry.total_bounds
        if not (abs(b[0]) <= 180 and abs(b[2]) <= 180 and abs(b[1]) <= 90 and abs(b[3]) <= 90):
            raise ValidationError("localities_no_crs", name=name)
        geometry = geometry.set_crs(WGS84)
    else:
        try:
            crs = horizontal(CRS.from_user_input(frame.crs))
        except CRSError as exc:
            raise InputError("crs_unknown", crs=str(frame.crs)) from exc
        if crs is None:
            raise InputError("crs_not_horizontal", crs=str(frame.crs))
        if not crs.equals(WGS84):
            warnings.append(("localities_reprojected", {"crs": crs.name}))
            geometry = geometry.set_crs(crs, allow_override=True).to_crs(WGS84)
    names = frame[name_field].astype(str).fillna("").to_list()
    polygons = []
    for label, geom in zip(names, geometry):
        if geom is None or geom.is_empty:
            polygons.append(None)
            continue
        if not geom.is_valid:
            geom = shapely.make_valid(geom)
            warnings.append(("localities_repaired", {"name": label}))
        geom = shapely.union_all([g for g in shapely.get_parts(geom) if shapely.get_type_id(g) in (3, 6)]) \
            if shapely.get_type_id(geom) == 7 else geom
        polygons.append(geom if shapely.get_type_id(geom) in (3, 6) and geom.area > 0 else None)
    keep = [i for i, p in enumerate(polygons) if p is not None]
    dropped = [names[i] for i, p in enumerate(polygons) if p is None]
    if dropped:
        warnings.append(("localities_not_polygons", {"names": ", ".join(dropped)}))
    if not keep:
        raise ValidationError("localities_empty", name=name)
    names, polygons = [names[i] for i in keep], [polygons[i] for i in keep]
    tree = shapely.STRtree(polygons)
    for i, j in zip(*tree.query(polygons, predicate="intersects")):
        if i < j and shapely.area(shapely.intersection(polygons[i], polygons[j])) > 0:
            polygons[j] = shapely.difference(polygons[j], polygons[i])
            warnings.append(("localities_overlap", {"first": names[i], "second": names[j]}))
    return Localities(gpd.GeoDataFrame({"name": names}, geometry=polygons, crs=WGS84), warnings)


# --- analysis -----------------------------------------------------------------------------


@dataclass
class Population:
    """Population grid cells (lon, lat, population and the chosen age columns)."""

    cells: pd.DataFrame
    ages: list[str]


@dataclass
class Group:
    """One locality (or the hinterland): its origins' distances per category and the people
    of its grid cells with theirs."""

    name: str
    geometry: object
    distances: dict[str, np.ndarray]
    services: dict[str, int]
    cell_distances: dict[str, np.ndarray] | None
    people: pd.DataFrame | None

    @property
    def origins(self) -> int:
        return len(next(iter(self.distances.values()), ()))


def _share(distances: np.ndarray, band: float, weights: np.ndarray | None = None) -> float:
    w = np.ones(len(distances)) if weights is None else weights
    total = w.sum()
    return round(float(w[distances <= band].sum() / total), 4) if total else 0.0


@dataclass
class RegionResult:
    mode: str
    bands: tuple[int, ...]
    keys: list[str]
    localities: list[Group]
    hinterland: Group | None
    speed: float
    age_speed: float
    ages: list[str]
    warnings: list[tuple[str, dict]]

    def _group(self, group: Group) -> dict:
        out = {"name": group.name, "origins": group.origins,
               "population": None if group.people is None else round(float(group.people["population"].sum()), 1),
               "categories": {}}
        if group.origins == 0:
            out["note"] = "no_buildings"
        for key in self.keys:
            d = group.distances[key]
            reached = d[~np.isnan(d)]
            median = round(float(np.median(reached)), 1) if len(reached) else None
            entry = {"services": group.services[key], "median_m": median,
                     "share_within": {str(b): _share(d, b) for b in self.bands},
                     "population_share_within": None}
            if self.mode == "walk":
                entry["median_min"] = None if median is None else round(median / self.speed, 1)
            if group.people is not None:
                cd = group.cell_distances[key]
                entry["population_share_within"] = {
                    str(b): _share(cd, b, group.people["population"].to_numpy()) for b in self.bands}
                entry["age_share_within"] = {
                    age: {str(b): _share(cd, b, group.people[age].to_numpy()) for b in self.bands}
                    for age in self.ages}
            out["categories"][key] = entry
        return out

    def summary(self) -> dict:
        """The ``region --format json`` shape of ``docs/spec/cli.md`` (with the hinterland,
        by car, and the bands told in minutes on foot)."""
        out = {"mode": self.mode, "bands": list(self.bands),
               "localities": [self._group(g) for g in self.localities],
               "hinterland": None if self.hinterland is None else self._group(self.hinterland)}
        if self.mode == "walk":
            out["speed_m_per_min"] = self.speed
            out["age_speed_m_per_min"] = self.age_speed
            out["band_minutes"] = {str(b): round(b / self.speed, 1) for b in self.bands}
            out["age_band_minutes"] = {str(b): round(b / self.age_speed, 1) for b in self.bands}
        return out

    def table(self, lang: str) -> pd.DataFrame:
        """One row per locality (then the hinterland) and category (``--format csv``)."""
        rows = []
        summary = self.summary()
        groups = summary["localities"] + ([summary["hinterland"]] if summary["hinterland"] else [])
        for number, group in enumerate(groups):
            for key, entry in group["categories"].items():
                row = {"locality": group["name"], "hinterland": number == len(summary["localities"]),
                       "mode": self.mode, "origins": group["origins"], "population": group["population"],
                       "note": t("region_no_buildings", lang) if group.get("note") else "",
                       "category": key, "label": categories.label(key, lang), "services": entry["services"],
                       "median_m": entry["median_m"]}
                if self.mode == "walk":
                    row["median_min"] = entry["median_min"]
                for b in self.bands:
                    row[f"within_{b}"] = entry["share_within"][str(b)]
                    if entry["population_share_within"] is not None:
                        row[f"population_within_{b}"] = entry["population_share_within"][str(b)]
                        for age in self.ages:
                            row[f"{age}_within_{b}"] = entry["age_share_within"][age][str(b)]
                rows.append(row)
        return pd.DataFrame(rows)

    def frame(self) -> gpd.GeoDataFrame:
        """The localities as polygons with one column per category and band (share of origins
        and of people within it), for maps and the GeoPackage export."""
        summary = self.summary()
        records = []
        for group, entry in zip(self.localities, summary["localities"]):
            row = {"name": entry["name"], "origins": entry["origins"], "population": entry["population"]}
            for key, values in entry["categories"].items():
                row[f"{key}_services"] = values["services"]
                row[f"{key}_median_m"] = values["median_m"]
                for b in self.bands:
                    row[f"{key}_within_{b}"] = values["share_within"][str(b)]
                    if values["population_share_within"] is not None:
                        row[f"{key}_population_within_{b}"] = values["population_share_within"][str(b)]
            records.append(row)
        return gpd.GeoDataFrame(records, geometry=[g.geometry for g in self.localities], crs=WGS84)

    def gpkg(self) -> bytes:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "region.gpkg"
            self.frame().to_file(path, layer="localities", driver="GPKG")
            return path.read_bytes()


def _inside(lon: np.ndarray, lat: np.ndarray, polygons: list) -> np.ndarray:
    """For each point the index of the (first) polygon holding it, -1 for none."""
    owner = np.full(len(lon), -1, np.int64)
    for number in range(len(polygons) - 1, -1, -1):  # the first polygon wins: written last
        polygon = polygons[number]
        shapely.prepare(polygon)
        x0, y0, x1, y1 = polygon.bounds
        near = np.flatnonzero((lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1))
        owner[near[shapely.intersects_xy(polygon, lon[near], lat[near])]] = number
    return owner


def analyse(region: Region, localities: Localities, mode: str = "walk", bands: tuple[int, ...] | None = None,
            keys: list[str] | None = None, population: Population | None = None,
            speed: float = WALK_SPEED, age_speed: float = AGE_SPEED, lang: str = "sv") -> RegionResult:
    """Coverage of every locality (and by car of the hinterland) in ``mode``. Raises
    :class:`ValidationError` when the extract covers none of a locality (naming them)."""
    if mode not in region.networks:
        raise ValidationError("region_no_network", mode=t(f"region_mode_{mode}", lang))
    bands = bands or DEFAULT_BANDS[mode]
    keys = keys or [c.key for c in categories.categories()]
    net = region.networks[mode]
    node_distances = region.node_distances[mode]
    warnings = list(localities.warnings)
    x0, y0, x1, y1 = region.bounds
    extent = shapely.box(x0, y0, x1, y1)
    polygons = list(localities.frame.geometry)
    names = list(localities.frame["name"])
    outside = [n for n, p in zip(names, polygons) if not p.intersects(extent)]
    if outside:
        raise ValidationError("region_not_covered", names=", ".join(outside))
    partly = [n for n, p in zip(names, polygons) if not extent.buffer(1e-4).contains(p)]
    if partly:
        warnings.append(("region_partly_covered", {"names": ", ".join(partly)}))

    def at(nodes: np.ndarray, snaps: np.ndarray, key: str) -> np.ndarray:
        if key not in node_distances:
            return np.full(len(nodes), np.nan)
        return node_distances[key][nodes] + snaps

    origin_owner = _inside(region.origins[:, 0], region.origins[:, 1], polygons)
    distances = {key: at(net.origin_node, net.origin_snap, key) for key in keys}
    service_owner = _inside(region.services["lon"].to_numpy(float), region.services["lat"].to_numpy(float), polygons)
    cells = cell_owner = cell_distances = None
    if population is not None:
        cells = population.cells.reset_index(drop=True)
        node, snap = net.snap(cells["lon"].to_numpy(), cells["lat"].to_numpy())
        cell_owner = _inside(cells["lon"].to_numpy(float), cells["lat"].to_numpy(float), polygons)
        cell_distances = {key: at(node, snap, key) for key in keys}

    def group(name: str, geometry, number: int) -> Group:
        mask = origin_owner == number
        counts = {key: int(((region.services["category"] == key).to_numpy() & (service_owner == number)).sum())
                  for key in keys}
        people = cd = None
        if cells is not None:
            chosen = cell_owner == number
            people = cells[chosen].reset_index(drop=True)
            cd = {key: values[chosen] for key, values in cell_distances.items()}
        return Group(name, geometry, {key: d[mask] for key, d in distances.items()}, counts, cd, people)

    groups = [group(name, polygon, i) for i, (name, polygon) in enumerate(zip(names, polygons))]
    empty = [g.name for g in groups if g.origins == 0]
    if empty:
        warnings.append(("region_empty_localities", {"names": ", ".join(empty)}))
    hinterland = group(t("region_hinterland", lang), None, -1) if mode == "drive" else None
    return RegionResult(mode, tuple(bands), keys, groups, hinterland, speed, age_speed,
                        [] if population is None else population.ages, warnings)


def read_population(data: bytes, name: str, column: str | None = None, ages: list[str] | None = None) -> Population:
    """A population grid (``bidgeo.population.read_grid``) with the chosen age columns."""
    from bidgeo.population import read_grid

    ages = list(ages or [])
    kept = _input_path("population", data, name, column, ages)
    if kept.is_file():
        with np.load(kept, allow_pickle=False) as z:
            return Population(pd.DataFrame({c: z[c] for c in ["lon", "lat", "population", *ages]}), ages)
    cells = read_grid(data, name, column, extra=ages)
    _keep(kept, **{c: cells[c].to_numpy(float) for c in cells.columns})
    return Population(cells, ages)


# --- a project of one locality ------------------------------------------------------------

CLIP_MARGIN_M = 2000.0
"""How far around a locality its clipped extract reaches, so that services just outside it
still count for distances."""


def clip_extract(path: str | Path, boundary, out: str | Path) -> Path:
    """Write the part of the regional extract ``path`` around ``boundary`` (WGS 84) to
    ``out`` (.osm.pbf): every way with a node within :data:`CLIP_MARGIN_M` of the boundary's
    bounding box, the multipolygons (buildings, services) with a member way there, the nodes
    and member ways they use and the tagged nodes in it (osmium's back-reference writer
    completes the ways and relations)."""
    path = Path(path)
    x0, y0, x1, y1 = boundary.bounds
    dy = CLIP_MARGIN_M / 110_540
    dx = CLIP_MARGIN_M / (111_320 * max(np.cos(np.radians((y0 + y1) / 2)), 0.1))
    x0, y0, x1, y1 = x0 - dx, y0 - dy, x1 + dx, y1 + dy
    factory = osmium.geom.WKBFactory()
    ids, lines, budget = [], [], ReadBudget(path, path.name)
    for way in osmium.FileProcessor(source(path), osmium.osm.NODE | osmium.osm.WAY).with_locations().with_filter(
            osmium.filter.EmptyTagFilter()).with_filter(osmium.filter.EntityFilter(osmium.osm.WAY)):
        budget.keep(len(way.nodes))
        line = _line(factory, way)[1]
        if line is not None:
            ids.append(way.id)
            lines.append(line)

    def near(wkb: list[str]) -> np.ndarray:  # which of the lines have a node in the box
        coords, index = decode_lines(wkb)
        inside = (coords[:, 0] >= x0) & (coords[:, 0] <= x1) & (coords[:, 1] >= y0) & (coords[:, 1] <= y1)
        return np.unique(index[inside])

    chosen = set(np.array(ids, np.int64)[near(lines)].tolist()) if ids else set()
    polygons = {rel.id: list(dict.fromkeys(m.ref for m in rel.members if m.type == "w"))
                for rel in osmium.FileProcessor(source(path), osmium.osm.RELATION).with_filter(
                    osmium.filter.KeyFilter("building", *sorted(categories.tag_keys())))
                if rel.tags.get("type") == "multipolygon"}
    member_wkb = _member_lines({w for ways in polygons.values() for w in ways}, path)
    owners = [(rel, w) for rel, ways in polygons.items() for w in ways if w in member_wkb]
    wanted = {owners[i][0] for i in near([member_wkb[w] for _, w in owners])} if owners else set()
    out = Path(out)
    out.unlink(missing_ok=True)
    with osmium.BackReferenceWriter(str(out), ref_src=source(path)) as writer:
        for obj in osmium.FileProcessor(source(path), osmium.osm.NODE | osmium.osm.WAY | osmium.osm.RELATION).with_filter(
                osmium.filter.EmptyTagFilter()).with_filter(
                osmium.filter.IdFilter(chosen).enable_for(osmium.osm.WAY)).with_filter(
                osmium.filter.IdFilter(wanted).enable_for(osmium.osm.RELATION)):
            if obj.is_relation():
                writer.add_relation(obj)
            elif obj.is_way():
                writer.add_way(obj)
            elif x0 <= obj.location.lon <= x1 and y0 <= obj.location.lat <= y1:
                writer.add_node(obj)
    return out


def make_project(engine, path: str | Path, name: str, boundary, author: str = ""):
    """A project of one locality: its extract clipped from the region's, its area the
    locality's boundary. Raises :class:`ValidationError` when the boundary is no valid BID
    area (e.g. over 100 km²: nothing is saved) or the name is taken."""
    from bidgeo.area import check_geometry
    from bidgeo.area_versions import save_version
    from bidgeo.projects import create_project

    check = check_geometry(boundary)
    if not check.valid:
        error = check.errors[0]
        raise ValidationError(error.key or f"area_{error.code}", **error.params)
    with tempfile.TemporaryDirectory() as tmp:
        clipped = clip_extract(path, boundary, Path(tmp) / f"{Path(path).name.split('.')[0]}-ort.osm.pbf")
        project = create_project(engine, name, locality=name, osm_path=clipped)
    save_version(engine, project.id, check, author=author, comment=t("region_project_comment", "sv"))
    return project
