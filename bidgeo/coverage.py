"""Walking-distance coverage, exactly as ``docs/spec/walking-distance.md`` defines it.

The walkable network of a locality is compiled once into a :class:`Network`: the largest
connected component as a symmetric sparse graph (scipy.sparse.csgraph), node positions in a
local metric CRS (UTM), and every origin snapped to its nearest node. It is cached on disk,
keyed by the OSM extract's content, together with the extract's service points, so a second
run needs no parsing.

Coverage of a category is one multi-source Dijkstra run: a virtual source joined to each
service's snapped node with the service's snap distance as edge weight, so the distance
found at an origin's node is ``min over services (service snap + network distance)``; the
origin's own snap distance is then added.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

from bidgeo import categories, config
from bidgeo.errors import InputError, ValidationError
from bidgeo.geo import WGS84, project_lonlat, utm_crs
from bidgeo.osm import OsmData, file_sha256, read_osm

DEFAULT_BANDS = (400, 800, 1200)
CACHE_VERSION = 1


@dataclass
class Network:
    """A locality's walkable network (largest connected component), its origins and its
    OSM service points, ready for coverage runs."""

    epsg: int
    xy: np.ndarray
    """Node positions (n, 2) in metres in ``epsg``."""
    indptr: np.ndarray
    indices: np.ndarray
    lengths: np.ndarray
    """The symmetric graph in CSR form (both directions of every edge, length in metres)."""
    origin_osm: np.ndarray
    """Origins as ``way/123`` or ``relation/45`` (buildings)."""
    origin_lonlat: np.ndarray
    origin_node: np.ndarray
    origin_snap: np.ndarray
    services: pd.DataFrame
    """The extract's service points: category, name, osm_type, osm_id, lon, lat."""
    sha256: str
    _tree: cKDTree | None = None

    @property
    def n_nodes(self) -> int:
        return len(self.xy)

    @property
    def crs(self) -> CRS:
        return CRS.from_epsg(self.epsg)

    def snap(self, lon, lat) -> tuple[np.ndarray, np.ndarray]:
        """The nearest network node of each (lon, lat), and the straight-line distance to it."""
        if self._tree is None:
            self._tree = cKDTree(self.xy, balanced_tree=False, compact_nodes=False)  # the same nearest, built faster
        x, y = project_lonlat(np.atleast_1d(lon), np.atleast_1d(lat), self.crs)
        dist, node = self._tree.query(np.column_stack([x, y]))
        return node.astype(np.int64), dist

    def distances(self, lon, lat) -> np.ndarray:
        """Walking distance from every origin to the nearest of the given service points
        (NaN where none can be reached, or where there are none)."""
        return self.node_distances(lon, lat)[self.origin_node] + self.origin_snap

    def node_distances(self, lon, lat) -> np.ndarray:
        """Network distance from every node to the nearest of the given service points, their
        snap distances included (NaN where none can be reached, or where there are none):
        one multi-source Dijkstra run."""
        lon, lat = np.atleast_1d(lon), np.atleast_1d(lat)
        if len(lon) == 0:
            return np.full(self.n_nodes, np.nan)
        nodes, snaps = self.snap(lon, lat)
        best = pd.Series(snaps).groupby(nodes).min()  # one start per node, the shortest snap
        n = self.n_nodes
        graph = csr_matrix(
            (np.concatenate([self.lengths, best.to_numpy()]),
             np.concatenate([self.indices, best.index.to_numpy()]),
             np.append(self.indptr, len(self.indices) + len(best))),
            shape=(n + 1, n + 1),
        )
        reached = dijkstra(graph, directed=True, indices=n)[:n]
        reached[~np.isfinite(reached)] = np.nan
        return reached


def build_network(osm: OsmData) -> Network:
    """Compile the walkable network of ``osm`` (rules 1-4 of the definition)."""
    if len(osm.edges) == 0:
        raise ValidationError("no_walkable_network")
    node_ids = osm.nodes.index
    u = node_ids.get_indexer(osm.edges["u"])
    v = node_ids.get_indexer(osm.edges["v"])
    w = osm.edges["length_m"].to_numpy()
    n = len(node_ids)
    adjacency = csr_matrix((np.ones(len(u)), (u, v)), shape=(n, n))
    _, labels = connected_components(adjacency, directed=False)
    largest = np.bincount(labels).argmax()
    keep = labels == largest
    new_index = np.cumsum(keep) - 1
    inside = keep[u] & keep[v]
    rows = np.concatenate([new_index[u[inside]], new_index[v[inside]]])
    cols = np.concatenate([new_index[v[inside]], new_index[u[inside]]])
    lengths = np.concatenate([w[inside], w[inside]])
    # Parallel edges (two ways between the same nodes): keep the shortest.
    order = np.lexsort((lengths, cols, rows))
    rows, cols, lengths = rows[order], cols[order], lengths[order]
    first = np.ones(len(rows), bool)
    first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
    rows, cols, lengths = rows[first], cols[first], lengths[first]
    m = int(keep.sum())
    indptr = np.zeros(m + 1, np.int64)
    np.add.at(indptr, rows + 1, 1)
    indptr = np.cumsum(indptr)

    lon = osm.nodes["lon"].to_numpy()[keep]
    lat = osm.nodes["lat"].to_numpy()[keep]
    crs = utm_crs(float(np.median(lon)), float(np.median(lat)))
    x, y = project_lonlat(lon, lat, crs)

    origins = osm.buildings[osm.buildings["origin"]]
    points = origins.geometry.representative_point()
    services = pd.DataFrame({
        "category": osm.services["category"].to_numpy(),
        "name": osm.services["name"].to_numpy(),
        "osm_type": osm.services["osm_type"].to_numpy(),
        "osm_id": osm.services["osm_id"].to_numpy(),
        "lon": osm.services.geometry.x.to_numpy(),
        "lat": osm.services.geometry.y.to_numpy(),
    })
    net = Network(
        epsg=crs.to_epsg(), xy=np.column_stack([x, y]), indptr=indptr, indices=cols.astype(np.int32),
        lengths=lengths, origin_osm=(origins["osm_type"] + "/" + origins["osm_id"].astype(str)).to_numpy(),
        origin_lonlat=np.column_stack([points.x.to_numpy(), points.y.to_numpy()]),
        origin_node=np.zeros(0, np.int64), origin_snap=np.zeros(0), services=services, sha256=osm.sha256,
    )
    if len(points):
        net.origin_node, net.origin_snap = net.snap(net.origin_lonlat[:, 0], net.origin_lonlat[:, 1])
    return net


def _cache_path(sha256: str) -> Path:
    return config.home() / "cache" / "network" / f"{sha256}-v{CACHE_VERSION}.npz"


def save(net: Network, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part.npz")
    np.savez(
        partial, epsg=net.epsg, xy=net.xy, indptr=net.indptr, indices=net.indices, lengths=net.lengths,
        origin_osm=net.origin_osm.astype(str), origin_lonlat=net.origin_lonlat, origin_node=net.origin_node,
        origin_snap=net.origin_snap, sha256=net.sha256,
        service_category=net.services["category"].to_numpy(str),
        service_name=net.services["name"].fillna("").to_numpy(str),
        service_osm_type=net.services["osm_type"].to_numpy(str),
        service_osm_id=net.services["osm_id"].to_numpy(np.int64),
        service_lon=net.services["lon"].to_numpy(float), service_lat=net.services["lat"].to_numpy(float),
    )
    partial.replace(path)


def load(path: Path) -> Network:
    with np.load(path, allow_pickle=False) as z:
        services = pd.DataFrame({
            "category": z["service_category"], "name": pd.Series(z["service_name"]).replace("", None),
            "osm_type": z["service_osm_type"],
            "osm_id": z["service_osm_id"], "lon": z["service_lon"], "lat": z["service_lat"],
        })
        return Network(
            epsg=int(z["epsg"]), xy=z["xy"], indptr=z["indptr"], indices=z["indices"], lengths=z["lengths"],
            origin_osm=z["origin_osm"], origin_lonlat=z["origin_lonlat"], origin_node=z["origin_node"],
            origin_snap=z["origin_snap"], services=services, sha256=str(z["sha256"]),
        )


def network_for(path: str | Path) -> Network:
    """The compiled network of an OSM file, from the disk cache when the same content was
    compiled before (keyed by its SHA-256)."""
    path = Path(path)
    if not path.is_file():
        raise InputError("osm_missing", path=str(path))
    cached = _cache_path(file_sha256(path))
    if cached.is_file():
        return load(cached)
    net = build_network(read_osm(path))
    save(net, cached)
    return net


@dataclass
class Coverage:
    """Distances per origin and category, and the bands they are summarised in."""

    distances: pd.DataFrame
    """One row per origin (index: ``way/123``), one column per category, metres or NaN."""
    services: dict[str, int]
    bands: tuple[int, ...]
    weights: np.ndarray | None = None
    """People per origin when a population grid was given; shares are then of people."""

    def share_within(self, key: str, band: float) -> float:
        d = self.distances[key].to_numpy()
        w = np.ones(len(d)) if self.weights is None else self.weights
        total = w.sum()
        return float(w[d <= band].sum() / total) if total else 0.0

    def median(self, key: str) -> float | None:
        d = self.distances[key].dropna()
        return None if d.empty else float(np.median(d))

    def summary(self) -> dict:
        """The ``coverage --format json`` shape of ``docs/spec/cli.md``."""
        return {
            "origins": int(len(self.distances)),
            "bands": list(self.bands),
            "categories": {
                key: {
                    "services": self.services[key],
                    "median_m": None if self.median(key) is None else round(self.median(key), 1),
                    "share_within": {str(b): round(self.share_within(key, b), 4) for b in self.bands},
                }
                for key in self.distances.columns
            },
        }

    def table(self, lang: str) -> pd.DataFrame:
        """One row per category: label, services, median and a share per band."""
        rows = []
        for key, values in self.summary()["categories"].items():
            row = {"category": key, "label": categories.label(key, lang), "services": values["services"],
                   "median_m": values["median_m"]}
            row.update({f"within_{b}": values["share_within"][str(b)] for b in self.bands})
            rows.append(row)
        return pd.DataFrame(rows)


def parse_bands(text: str | None) -> tuple[int, ...]:
    if not text:
        return DEFAULT_BANDS
    try:
        bands = tuple(sorted({int(b) for b in text.split(",") if b.strip()}))
    except ValueError as exc:
        raise ValidationError("bad_bands", bands=text) from exc
    if not bands or bands[0] <= 0:
        raise ValidationError("bad_bands", bands=text)
    return bands


def parse_categories(text: str | None) -> list[str]:
    keys = [c.key for c in categories.categories()]
    if not text:
        return keys
    chosen = [k.strip() for k in text.split(",") if k.strip()]
    unknown = [k for k in chosen if k not in keys]
    if unknown:
        raise ValidationError("bad_categories", unknown=", ".join(unknown), choices=", ".join(keys))
    return chosen


def as_points(services: pd.DataFrame | gpd.GeoDataFrame) -> pd.DataFrame:
    """Service points as a plain table with lon and lat (from a point geometry if needed)."""
    if isinstance(services, gpd.GeoDataFrame):
        table = pd.DataFrame(services.drop(columns=services.geometry.name))
        table["lon"], table["lat"] = services.geometry.x.to_numpy(), services.geometry.y.to_numpy()
        return table
    return services


def coverage(net: Network, services: pd.DataFrame | gpd.GeoDataFrame | None = None,
             bands: tuple[int, ...] = DEFAULT_BANDS, keys: list[str] | None = None,
             origins: np.ndarray | None = None, weights: np.ndarray | None = None) -> Coverage:
    """Coverage of each category. ``services`` (category, lon/lat or point geometry)
    defaults to the extract's own; ``origins`` is an optional boolean mask (e.g. the
    buildings inside a BID area); ``weights`` are people per origin (see
    :func:`with_population`)."""
    services = as_points(net.services if services is None else services)
    keys = keys or [c.key for c in categories.categories()]
    mask = np.ones(len(net.origin_node), bool) if origins is None else origins
    columns, counts = {}, {}
    for key in keys:
        chosen = services[services["category"] == key]
        counts[key] = int(len(chosen))
        columns[key] = net.distances(chosen["lon"].to_numpy(), chosen["lat"].to_numpy())[mask]
    return Coverage(pd.DataFrame(columns, index=pd.Index(net.origin_osm[mask], name="origin")), counts, bands,
                    None if weights is None else np.asarray(weights, float)[mask])


def with_population(net: Network, cells: pd.DataFrame) -> tuple[Network, np.ndarray]:
    """The network with population grid cells (lon, lat, population) as origins instead of
    buildings, and the people per cell as weights."""
    cells = cells.reset_index(drop=True)
    node, snap = net.snap(cells["lon"].to_numpy(), cells["lat"].to_numpy())
    replaced = replace(net, origin_osm=np.array([f"cell/{i}" for i in range(len(cells))]),
                       origin_lonlat=cells[["lon", "lat"]].to_numpy(float), origin_node=node, origin_snap=snap)
    return replaced, cells["population"].to_numpy(float)


@dataclass
class WhatIf:
    """Coverage of one category before and after closing, adding or moving services."""

    key: str
    before: np.ndarray
    after: np.ndarray
    bands: tuple[int, ...]
    weights: np.ndarray | None = None

    def _weigh(self, mask: np.ndarray) -> float:
        return float(mask.sum() if self.weights is None else self.weights[mask].sum())

    def share(self, distances: np.ndarray, band: int) -> float:
        total = self._weigh(np.ones(len(distances), bool))
        return self._weigh(distances <= band) / total if total else 0.0

    def worse(self, band: int) -> float:
        """Origins (or people) that were within ``band`` and are not any more."""
        return self._weigh((self.before <= band) & ~(self.after <= band))

    def better(self, band: int) -> float:
        return self._weigh(~(self.before <= band) & (self.after <= band))


def what_if(net: Network, services: pd.DataFrame | gpd.GeoDataFrame, key: str, closed=(), added=(),
            bands: tuple[int, ...] = DEFAULT_BANDS, origins: np.ndarray | None = None,
            weights: np.ndarray | None = None) -> WhatIf:
    """Close the services with the given index labels and add services at (lon, lat): the
    category's distances for every origin before and after. Moving is closing plus adding."""
    table = as_points(services)
    current = table[table["category"] == key]
    kept = current.drop(index=[c for c in closed if c in current.index])
    added = np.asarray(added, float).reshape(-1, 2)
    mask = np.ones(len(net.origin_node), bool) if origins is None else origins
    before = net.distances(current["lon"].to_numpy(), current["lat"].to_numpy())[mask]
    after = net.distances(np.concatenate([kept["lon"].to_numpy(), added[:, 0]]),
                          np.concatenate([kept["lat"].to_numpy(), added[:, 1]]))[mask]
    return WhatIf(key, before, after, bands, None if weights is None else np.asarray(weights, float)[mask])


def origins_within(net: Network, area) -> np.ndarray:
    """A mask of the origins whose point lies inside ``area`` (WGS 84)."""
    points = gpd.GeoSeries(gpd.points_from_xy(net.origin_lonlat[:, 0], net.origin_lonlat[:, 1]), crs=WGS84)
    return points.intersects(area).to_numpy()


def project_network(engine, project) -> Network:
    """The compiled network of a project's OSM extract."""
    from bidgeo.projects import osm_file

    path = osm_file(engine, project)
    if path is None:
        raise ValidationError("project_has_no_osm", name=project.name)
    return network_for(path)


def project_coverage(engine, project, bands: tuple[int, ...] = DEFAULT_BANDS,
                     keys: list[str] | None = None) -> Coverage:
    """Coverage of a whole locality with the project's own service points (the store's,
    so later corrections count), over every origin of its extract."""
    from bidgeo.projects import service_points

    return coverage(project_network(engine, project), service_points(engine, project.id), bands, keys)


def comparison_table(results: list[tuple[object, Coverage]], lang: str) -> pd.DataFrame:
    """One row per locality and category (``compare --format csv``)."""
    frames = []
    for project, result in results:
        table = result.table(lang)
        table.insert(0, "project", project.id)
        table.insert(1, "name", project.name)
        table.insert(2, "origins", len(result.distances))
        frames.append(table)
    return pd.concat(frames, ignore_index=True)
