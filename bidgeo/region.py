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
from bidgeo.coverage import Network, load, save
from bidgeo.errors import InputError, ValidationError
from bidgeo.geo import WGS84, project_lonlat, utm_crs
from bidgeo.i18n import t
from bidgeo.osm import NOT_ORIGIN_BUILDING, _polygons, file_sha256, is_drivable, is_origin_building, is_walkable
from bidgeo.untrusted import UnreadableError, horizontal, in_worker, inspect_gpkg, read_frame

MODES = ("walk", "drive")
DEFAULT_BANDS = {"walk": (400, 800, 1200), "drive": (2000, 5000, 10000, 20000)}
WALK_SPEED = 80.0
"""Metres a minute on foot (the spec's 80 m/min); 60 for the elderly (:data:`AGE_SPEED`)."""
AGE_SPEED = 60.0
CACHE_VERSION = 1
MAX_LOCALITY_BYTES = 50 * 1024 * 1024
NET_KEYS = ("highway", "foot", "access", "motorroad", "area", "motor_vehicle", "motorcar", "service")


# --- reading the extract ------------------------------------------------------------------


@dataclass
class _Ways:
    refs: list = field(default_factory=list)
    wkb: list = field(default_factory=list)


def _read(path: Path, progress: Callable[[str], None]) -> dict:
    """Services (category, name, lon, lat), origin buildings (lon, lat) and the node lists of
    walkable and drivable ways, in one pass over nodes and ways (and one over relations)."""
    keys = sorted(categories.tag_keys())
    relations = []
    for rel in osmium.FileProcessor(str(path), osmium.osm.RELATION).with_filter(
            osmium.filter.KeyFilter("building", *keys)):
        tags = {tag.k: tag.v for tag in rel.tags}
        if tags.get("type") == "multipolygon":
            relations.append((tags, [m.ref for m in rel.members if m.type == "w"]))
    members = {w for _, ways in relations for w in ways}
    member_wkb: dict[int, bytes] = {}

    progress("reading")
    wkb = osmium.geom.WKBFactory()
    walk, drive = _Ways(), _Ways()
    services: list[tuple[str, str | None, object]] = []  # category, name, a point or WKB to decode
    areas: list[tuple[dict | None, bytes]] = []  # closed ways: tags (None: a plain building), WKB
    processor = (osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY).with_locations()
                 .with_filter(osmium.filter.KeyFilter(*keys).enable_for(osmium.osm.NODE)))
    if not members:  # member ways are untagged: without relations, only tagged ways matter
        processor = processor.with_filter(osmium.filter.KeyFilter("highway", "building", *keys)
                                          .enable_for(osmium.osm.WAY))
    for obj in processor:
        if obj.is_node():
            tags = {tag.k: tag.v for tag in obj.tags}
            if obj.location.valid():
                for key in categories.classify(tags):
                    services.append((key, tags.get("name"), (obj.location.lon, obj.location.lat)))
            continue
        tags = obj.tags
        if obj.id in members:
            member_wkb[obj.id] = _line(wkb, obj)[1]
        if "highway" in tags:
            net = {k: tags[k] for k in NET_KEYS if k in tags}
            on_foot, by_car = is_walkable(net), is_drivable(net)
            if on_foot or by_car:
                refs, line = _line(wkb, obj, with_refs=True)
                for ways, used in ((walk, on_foot), (drive, by_car)):
                    if used:
                        ways.refs.append(refs)
                        ways.wkb.append(line)
        if obj.is_closed() and ("building" in tags or any(k in tags for k in keys)):
            plain = len(tags) == 1 and "building" in tags
            areas.append((None if plain else {tag.k: tag.v for tag in tags}, _line(wkb, obj)[1],
                          tags["building"] if plain else None))
    progress("buildings")
    lines = shapely.from_wkb([a[1] for a in areas])
    polygons, points = _polygons(lines)
    origin = np.zeros(len(areas), bool)
    for i, (tags, _, building) in enumerate(areas):
        if tags is None:
            origin[i] = building not in NOT_ORIGIN_BUILDING
            continue
        origin[i] = is_origin_building(tags) and polygons[i] is not None
        for key in categories.classify(tags):
            services.append((key, tags.get("name"), points[i]))
    origin &= np.array([p is not None for p in polygons], bool)
    origin_points = list(points[origin])
    for tags, ways in relations:
        parts = [shapely.from_wkb(member_wkb[w]) for w in ways if member_wkb.get(w)]
        parts = [p for p in parts if p is not None and shapely.get_type_id(p) == 1]
        if not parts:
            continue
        area = shapely.build_area(shapely.MultiLineString(parts))
        point = (area.representative_point() if not area.is_empty
                 else shapely.Point(np.mean(shapely.get_coordinates(parts), axis=0)))
        if is_origin_building(tags) and not area.is_empty:
            origin_points.append(point)
        for key in categories.classify(tags):
            services.append((key, tags.get("name"), point))
    xy = shapely.get_coordinates(np.array(origin_points, dtype=object)) if origin_points else np.zeros((0, 2))
    service_xy = np.array([s[2] if isinstance(s[2], tuple) else (s[2].x, s[2].y) for s in services]).reshape(-1, 2)
    return {
        "origins": xy,
        "services": pd.DataFrame({"category": [s[0] for s in services], "name": [s[1] for s in services],
                                  "osm_type": "", "osm_id": 0, "lon": service_xy[:, 0], "lat": service_xy[:, 1]}),
        "walk": walk, "drive": drive,
    }


def _line(factory, way, with_refs: bool = False) -> tuple[list[int], bytes | None]:
    """A way's node ids (if asked for) and its line as WKB; a way cut by the extract's edge
    keeps its located nodes only."""
    try:
        line = factory.create_linestring(way, osmium.geom.use_nodes.ALL)
        return ([n.ref for n in way.nodes] if with_refs else []), line
    except (osmium.InvalidLocationError, RuntimeError):
        located = [(n.ref, (n.lon, n.lat)) for n in way.nodes if n.location.valid()]
        if len(located) < 2:
            return [], None
        return [r for r, _ in located], shapely.to_wkb(shapely.LineString([c for _, c in located]))


def _compile(ways: _Ways, origins: np.ndarray, services: pd.DataFrame, sha256: str) -> Network | None:
    """Rule 2 and 4: the network of ``ways`` (largest component, shortest of parallel edges),
    every origin snapped to it; None when the extract has no such ways."""
    keep_way = np.array([w is not None for w in ways.wkb], bool)
    if not keep_way.any():
        return None
    lines = shapely.from_wkb([w for w, k in zip(ways.wkb, keep_way) if k])
    coords, way = shapely.get_coordinates(lines, return_index=True)
    ids = np.fromiter((r for refs, k in zip(ways.refs, keep_way) if k for r in refs), np.int64, count=len(coords))
    node_ids, first, index = np.unique(ids, return_index=True, return_inverse=True)
    lonlat = coords[first]
    crs = utm_crs(float(np.median(lonlat[:, 0])), float(np.median(lonlat[:, 1])))
    x, y = project_lonlat(lonlat[:, 0], lonlat[:, 1], crs)
    consecutive = (way[1:] == way[:-1]) & (index[1:] != index[:-1])
    u, v = index[:-1][consecutive], index[1:][consecutive]
    w = np.hypot(x[u] - x[v], y[u] - y[v])
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    n = len(node_ids)
    _, labels = connected_components(csr_matrix((np.ones(len(u)), (u, v)), shape=(n, n)), directed=False)
    keep = labels == np.bincount(labels).argmax()
    new = np.cumsum(keep) - 1
    inside = keep[u] & keep[v]
    rows = np.concatenate([new[u[inside]], new[v[inside]]])
    cols = np.concatenate([new[v[inside]], new[u[inside]]])
    lengths = np.concatenate([w[inside], w[inside]])
    order = np.lexsort((lengths, cols, rows))
    rows, cols, lengths = rows[order], cols[order], lengths[order]
    single = np.ones(len(rows), bool)
    single[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
    rows, cols, lengths = rows[single], cols[single], lengths[single]
    m = int(keep.sum())
    indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=m))]).astype(np.int64)
    net = Network(epsg=crs.to_epsg(), xy=np.column_stack([x[keep], y[keep]]), indptr=indptr,
                  indices=cols.astype(np.int32), lengths=lengths,
                  origin_osm=np.arange(len(origins)).astype(str), origin_lonlat=origins,
                  origin_node=np.zeros(0, np.int64), origin_snap=np.zeros(0), services=services, sha256=sha256)
    if len(origins):
        net.origin_node, net.origin_snap = net.snap(origins[:, 0], origins[:, 1])
    return net


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

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        lon, lat = np.concatenate([self.origins[:, 0], self.services["lon"]]), \
            np.concatenate([self.origins[:, 1], self.services["lat"]])
        for net in self.networks.values():
            nlon, nlat = _lonlat(net)
            lon, lat = np.concatenate([lon, nlon]), np.concatenate([lat, nlat])
        return float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max())


def _lonlat(net: Network) -> tuple[np.ndarray, np.ndarray]:
    from pyproj import Transformer

    return Transformer.from_crs(net.crs, WGS84, always_xy=True).transform(net.xy[:, 0], net.xy[:, 1])


def _cache_dir(sha256: str) -> Path:
    return config.home() / "cache" / "region" / f"{sha256}-v{CACHE_VERSION}"


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
    folder = _cache_dir(sha)
    if (folder / "done").is_file():
        return _load(folder, sha)
    try:
        data = _read(path, progress)
    except (RuntimeError, ValueError, OSError, osmium.InvalidLocationError) as exc:
        raise UnreadableError("osm_unreadable", "reason_osm", path=path.name) from exc
    progress("network")
    networks = {mode: net for mode in MODES
                if (net := _compile(data[mode], data["origins"], data["services"], sha)) is not None}
    if not networks:
        raise ValidationError("no_walkable_network")
    progress("distances")
    present = sorted(set(data["services"]["category"]))
    distances = {mode: {key: net.node_distances(*_points(data["services"], key)) for key in present}
                 for mode, net in networks.items()}
    region = Region(sha, networks, distances, data["services"], data["origins"])
    _save(region, folder)
    return region


def _points(services: pd.DataFrame, key: str) -> tuple[np.ndarray, np.ndarray]:
    chosen = services[services["category"] == key]
    return chosen["lon"].to_numpy(float), chosen["lat"].to_numpy(float)


def _save(region: Region, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for mode, net in region.networks.items():
        save(net, folder / f"{mode}.npz")
        partial = folder / f"{mode}-distances.part.npz"
        np.savez(partial, **region.node_distances[mode])
        partial.replace(folder / f"{mode}-distances.npz")
    (folder / "done").write_text("")


def _load(folder: Path, sha: str) -> Region:
    networks, distances = {}, {}
    for mode in MODES:
        if (folder / f"{mode}.npz").is_file():
            networks[mode] = load(folder / f"{mode}.npz")
            with np.load(folder / f"{mode}-distances.npz") as z:
                distances[mode] = {key: z[key] for key in z.files}
    first = next(iter(networks.values()))
    return Region(sha, networks, distances, first.services, first.origin_lonlat)


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


def read_localities(data: bytes, name: str, name_field: str | None = None) -> Localities:
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
    if not len(lon):
        return owner
    points = shapely.points(lon, lat)
    tree = shapely.STRtree(polygons)
    point_index, polygon_index = tree.query(points, predicate="intersects")
    order = np.lexsort((polygon_index, point_index))[::-1]  # the first polygon wins: written last
    owner[point_index[order]] = polygon_index[order]
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
    return Population(read_grid(data, name, column, extra=ages), ages)
