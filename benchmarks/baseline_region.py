"""The regional comparison done as a careful pyosmium + scipy script would do it, as the
baseline ``run.py --region`` measures ``bidgeo region`` against in the same run.

Careful, the usual way: one ``osmium.SimpleHandler`` pass with node locations and areas
(libosmium assembles buildings from closed ways and multipolygons; the handler takes each
one's WKB and its representative point), the walkable and drivable ways' node lists, numpy
for the graph (unique node ids, UTM edge lengths, the largest component as a scipy CSR),
a KD-tree for snapping, and one multi-source Dijkstra per category and network on the
whole graph from a virtual source whose edges carry the services' snap distances. The same
definitions as ``walking-distance.md`` / ``driving-distance.md``, so the results agree.

    python benchmarks/baseline_region.py county.osm.pbf localities.gpkg tatort
"""

from __future__ import annotations

import json
import sys

import geopandas as gpd
import numpy as np
import osmium
import shapely
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

from bidgeo import categories
from bidgeo.geo import project_lonlat, utm_crs
from bidgeo.osm import is_drivable, is_origin_building, is_walkable


class _Handler(osmium.SimpleHandler):
    def __init__(self) -> None:
        super().__init__()
        self.keys = categories.tag_keys()
        self.ways = {"walk": [], "drive": []}
        self.origins: list[tuple[float, float]] = []
        self.services: list[tuple[str, float, float]] = []
        self.wkb = osmium.geom.WKBFactory()

    def node(self, n) -> None:
        if any(k in n.tags for k in self.keys):
            for key in categories.classify(dict(n.tags)):
                self.services.append((key, n.location.lon, n.location.lat))

    def way(self, w) -> None:
        if "highway" not in w.tags:
            return
        tags = dict(w.tags)
        nodes = [(n.ref, n.lon, n.lat) for n in w.nodes if n.location.valid()]
        for mode, rule in (("walk", is_walkable), ("drive", is_drivable)):
            if rule(tags):
                self.ways[mode].append(nodes)

    def area(self, a) -> None:
        tags = dict(a.tags)
        origin = is_origin_building(tags)
        found = categories.classify(tags)
        if not origin and not found:
            return
        try:
            point = shapely.from_wkb(self.wkb.create_multipolygon(a)).representative_point()
        except (RuntimeError, shapely.errors.GEOSException):
            return
        if origin:
            self.origins.append((point.x, point.y))
        for key in found:
            self.services.append((key, point.x, point.y))


def _network(ways: list[list[tuple[int, float, float]]]):
    ids = np.array([r for way in ways for r, _, _ in way], np.int64)
    coords = np.array([(x, y) for way in ways for _, x, y in way])
    way_of = np.repeat(np.arange(len(ways)), [len(w) for w in ways])
    node_ids, first, index = np.unique(ids, return_index=True, return_inverse=True)
    lonlat = coords[first]
    crs = utm_crs(float(np.median(lonlat[:, 0])), float(np.median(lonlat[:, 1])))
    x, y = project_lonlat(lonlat[:, 0], lonlat[:, 1], crs)
    same = (way_of[1:] == way_of[:-1]) & (index[1:] != index[:-1])
    u, v = index[:-1][same], index[1:][same]
    w = np.hypot(x[u] - x[v], y[u] - y[v])
    n = len(node_ids)
    r, c, d = np.r_[u, v], np.r_[v, u], np.r_[w, w]
    order = np.lexsort((d, c, r))  # parallel edges: keep the shortest (a CSR would sum them)
    r, c, d = r[order], c[order], d[order]
    first_of = np.r_[True, (r[1:] != r[:-1]) | (c[1:] != c[:-1])]
    graph = csr_matrix((d[first_of], (r[first_of], c[first_of])), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    keep = np.flatnonzero(labels == np.bincount(labels).argmax())
    graph = graph[keep][:, keep]
    return graph, np.column_stack([x[keep], y[keep]]), crs


def region(path: str, localities: gpd.GeoDataFrame, keys: list[str], bands: dict[str, tuple]) -> dict:
    """Per mode, locality and category: services inside, median and shares within bands."""
    handler = _Handler()
    handler.apply_file(path, locations=True)
    origins = np.array(handler.origins)
    polygons = list(localities.geometry)
    owner = np.full(len(origins), -1)
    for i in range(len(polygons) - 1, -1, -1):
        owner[shapely.contains_xy(polygons[i], origins[:, 0], origins[:, 1])] = i
    out = {}
    for mode in ("walk", "drive"):
        graph, xy, crs = _network(handler.ways[mode])
        tree = cKDTree(xy)
        ox, oy = project_lonlat(origins[:, 0], origins[:, 1], crs)
        snap, node = tree.query(np.column_stack([ox, oy]))
        n = graph.shape[0]
        result = {}
        for key in keys:
            chosen = [(x, y) for k, x, y in handler.services if k == key]
            if not chosen:
                continue
            sx, sy = project_lonlat(*np.array(chosen).T, crs)
            s_snap, s_node = tree.query(np.column_stack([sx, sy]))
            # Services snapped to the same node: the nearest one's edge (a CSR would sum them).
            order = np.lexsort((s_snap, s_node))
            s_node, s_snap = s_node[order], s_snap[order]
            first = np.r_[True, s_node[1:] != s_node[:-1]]
            s_node, s_snap = s_node[first], s_snap[first]
            coo = graph.tocoo()
            with_source = csr_matrix((np.r_[coo.data, s_snap], (np.r_[coo.row, np.full(len(s_node), n)],
                                                                  np.r_[coo.col, s_node])), shape=(n + 1, n + 1))
            reached = dijkstra(with_source, directed=True, indices=n, min_only=True)
            distance = reached[node] + snap
            for i, name in enumerate(localities["name"]):
                mine = distance[owner == i]
                finite = mine[np.isfinite(mine)]
                result.setdefault(name, {})[key] = {
                    "median_m": round(float(np.median(finite)), 1) if len(finite) else None,
                    "share_within": {str(b): round(float((mine <= b).mean()), 4) if len(mine) else 0.0
                                     for b in bands[mode]}}
        out[mode] = result
    return out


if __name__ == "__main__":
    frame = gpd.read_file(sys.argv[2]).to_crs(4326).rename(columns={sys.argv[3]: "name"})
    print(json.dumps(region(sys.argv[1], frame, [c.key for c in categories.categories()],
                            {"walk": (400, 800, 1200), "drive": (2000, 5000, 10000, 20000)}), ensure_ascii=False))
