"""The walking-distance definition done the common way, with osmnx + networkx, as the
baseline the benchmark compares bidgeo against on the same .osm file in the same run.

Same rules: walkable ways (highway, foot, access, motorroad, area), largest connected
component, origins = buildings except the listed types at their representative point,
services classified by the same taxonomy, nearest-node snapping in a metric CRS, one
multi-source Dijkstra per category from a virtual source whose edges carry the snap
distances.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import osmnx as ox

from bidgeo import categories
from bidgeo.osm import is_origin_building, is_walkable

ox.settings.useful_tags_way = list(dict.fromkeys([*ox.settings.useful_tags_way, "foot", "motorroad", "access", "area"]))


def coverage(path: str, bands=(400, 800, 1200)) -> dict[str, dict]:
    graph = ox.graph_from_xml(path, simplify=False, retain_all=True, bidirectional=True)
    walkable = [(u, v, k) for u, v, k, data in graph.edges(keys=True, data=True)
                if not is_walkable({key: value for key, value in data.items() if isinstance(value, str)})]
    graph.remove_edges_from(walkable)
    graph.remove_nodes_from([n for n, degree in dict(graph.degree()).items() if degree == 0])
    graph = ox.project_graph(graph)
    undirected = ox.convert.to_undirected(graph)
    largest = max(nx.connected_components(undirected), key=len)
    undirected = undirected.subgraph(largest).copy()
    simple = nx.Graph()
    for u, v, data in undirected.edges(data=True):
        if not simple.has_edge(u, v) or simple[u][v]["length"] > data["length"]:
            simple.add_edge(u, v, length=data["length"])
    crs = graph.graph["crs"]

    features = ox.features_from_xml(path)
    features = features.to_crs(crs)
    tags = features.drop(columns="geometry")
    origins = features[[is_origin_building({k: v for k, v in row.items() if isinstance(v, str)})
                        and row.name[0] in ("way", "relation") for _, row in tags.iterrows()]]
    points = origins.geometry.representative_point()
    origin_nodes, origin_snap = ox.distance.nearest_nodes(undirected, points.x.to_numpy(), points.y.to_numpy(),
                                                          return_dist=True)
    matched = [categories.classify({k: v for k, v in row.items() if isinstance(v, str)}) for _, row in tags.iterrows()]
    service_points = features.geometry.representative_point()

    result = {}
    for category in categories.categories():
        chosen = [i for i, keys in enumerate(matched) if category.key in keys]
        if not chosen:
            continue
        xs, ys = service_points.iloc[chosen].x.to_numpy(), service_points.iloc[chosen].y.to_numpy()
        nodes, snaps = ox.distance.nearest_nodes(undirected, xs, ys, return_dist=True)
        graph_with_source = simple.copy()
        for node, snap in zip(nodes, snaps):
            if not graph_with_source.has_edge("source", node) or graph_with_source["source"][node]["length"] > snap:
                graph_with_source.add_edge("source", node, length=snap)
        reached = nx.single_source_dijkstra_path_length(graph_with_source, "source", weight="length")
        distances = np.array([reached.get(n, np.inf) + s for n, s in zip(origin_nodes, origin_snap)])
        result[category.key] = {"services": len(chosen), "median_m": float(np.median(distances)),
                                "share_within": {str(b): float((distances <= b).mean()) for b in bands}}
    return result


def _drivable_tags() -> None:
    ox.settings.useful_tags_way = list(dict.fromkeys([*ox.settings.useful_tags_way, "motor_vehicle", "motorcar",
                                                      "service"]))


def region(path: str, localities, bands: dict[str, tuple]) -> dict:
    """The regional comparison (``bidgeo.region``) the osmnx + networkx way on an .osm file:
    per mode, locality and category the median and the shares of buildings within bands."""
    from bidgeo.osm import is_drivable

    _drivable_tags()
    full = ox.graph_from_xml(path, simplify=False, retain_all=True, bidirectional=True)
    features = ox.features_from_xml(path)
    tags = features.drop(columns="geometry")
    plain = [{k: v for k, v in row.items() if isinstance(v, str)} for _, row in tags.iterrows()]
    is_area = [name[0] in ("way", "relation") for name in tags.index]
    points = features.geometry.representative_point()
    origin = np.array([is_origin_building(t) and a for t, a in zip(plain, is_area)])
    matched = [categories.classify(t) for t in plain]
    owner = np.full(int(origin.sum()), -1)
    ox_points = points[origin]
    for i in range(len(localities) - 1, -1, -1):
        owner[ox_points.within(localities.geometry.iloc[i]).to_numpy()] = i
    out = {}
    for mode, rule in (("walk", is_walkable), ("drive", is_drivable)):
        graph = full.copy()
        graph.remove_edges_from([(u, v, k) for u, v, k, data in graph.edges(keys=True, data=True)
                                 if not rule({key: value for key, value in data.items() if isinstance(value, str)})])
        graph.remove_nodes_from([n for n, degree in dict(graph.degree()).items() if degree == 0])
        graph = ox.project_graph(graph)
        undirected = ox.convert.to_undirected(graph)
        undirected = undirected.subgraph(max(nx.connected_components(undirected), key=len)).copy()
        simple = nx.Graph()
        for u, v, data in undirected.edges(data=True):
            if not simple.has_edge(u, v) or simple[u][v]["length"] > data["length"]:
                simple.add_edge(u, v, length=data["length"])
        projected = ox_points.to_crs(graph.graph["crs"])
        nodes, snaps = ox.distance.nearest_nodes(undirected, projected.x.to_numpy(), projected.y.to_numpy(),
                                                 return_dist=True)
        service_points = points.to_crs(graph.graph["crs"])
        result = {}
        for category in categories.categories():
            chosen = [i for i, keys in enumerate(matched) if category.key in keys]
            if not chosen:
                continue
            s_nodes, s_snaps = ox.distance.nearest_nodes(undirected, service_points.iloc[chosen].x.to_numpy(),
                                                         service_points.iloc[chosen].y.to_numpy(), return_dist=True)
            with_source = simple.copy()
            for node, snap in zip(s_nodes, s_snaps):
                if not with_source.has_edge("source", node) or with_source["source"][node]["length"] > snap:
                    with_source.add_edge("source", node, length=snap)
            reached = nx.single_source_dijkstra_path_length(with_source, "source", weight="length")
            distance = np.array([reached.get(n, np.inf) + s for n, s in zip(nodes, snaps)])
            for i, name in enumerate(localities["name"]):
                mine = distance[owner == i]
                finite = mine[np.isfinite(mine)]
                result.setdefault(name, {})[category.key] = {
                    "median_m": round(float(np.median(finite)), 1) if len(finite) else None,
                    "share_within": {str(b): round(float((mine <= b).mean()), 4) if len(mine) else 0.0
                                     for b in bands[mode]}}
        out[mode] = result
    return out
