"""A synthetic county for the regional comparison (issue 18): towns of street grids (as
``town.py`` draws them: intermediate way nodes, diagonal footways, private service roads),
joined by rural roads with farms along them (the hinterland), a motorway between the two
largest towns (driving only), a forest of large untagged-area polygons (nodes and ways a
reader must skip), services in the towns and fuel along the roads; and beside it the
localities' boundaries (GeoPackage in SWEREF 99 TM, name field ``tatort``) and a 1 km
population grid (total and ages 65+ and 80+).

    python benchmarks/county.py OUT_DIR            # the full county: about 1.4 M nodes
    python benchmarks/county.py OUT_DIR --small    # the small region the tests use
    python benchmarks/county.py OUT_DIR --medium   # a region osmnx + networkx can do in minutes

:func:`county` makes the files once and keeps them in a cache folder keyed by this file's
source, so the benchmarks and tests share one copy.
"""

from __future__ import annotations

import hashlib
import math
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import osmium
from osmium.osm.mutable import Node, Relation, Way

ORIGIN_LON, ORIGIN_LAT = 15.0, 60.0
METRES_PER_LON = 111_320 * math.cos(math.radians(ORIGIN_LAT))
METRES_PER_LAT = 110_540
BLOCK_M = 100.0
SEGMENT_NODES = 3
BUILDINGS_PER_BLOCK = 2.65
SERVICE_TAGS = [  # (tags, one per this many town buildings)
    ({"shop": "supermarket"}, 2500), ({"shop": "convenience"}, 1500), ({"amenity": "pharmacy"}, 4000),
    ({"amenity": "fuel"}, 5000), ({"amenity": "atm"}, 3000), ({"amenity": "post_office"}, 5000),
    ({"highway": "bus_stop"}, 150), ({"amenity": "school"}, 3000), ({"amenity": "kindergarten"}, 1500),
    ({"amenity": "cafe"}, 800),
]


@dataclass(frozen=True)
class Town:
    name: str
    grid: int
    x_km: float
    y_km: float


FULL = (Town("Storstad", 160, 0, 0), Town("Mellanby", 120, 40, 5), Town("Åby", 90, -30, 25),
        Town("Norrby", 70, 10, 45), Town("Sjöby", 60, -35, -20), Town("Västerlund", 50, 45, -30),
        Town("Bruket", 40, -10, -45), Town("Kyrkbyn", 30, 25, 30))
SMALL = (Town("Centrum", 14, 0, 0), Town("Östby", 9, 4, 1), Town("Västby", 7, -3.5, 1.5),
         Town("Tomby", 5, 1, -4))
MEDIUM = (Town("Centrum", 40, 0, 0), Town("Östby", 30, 8, 2), Town("Västby", 25, -7, 3), Town("Tomby", 20, 2, -8))
RURAL = {"full": 40_000, "medium": 1500, "small": 120}
FOREST_NODES = {"full": 170_000, "medium": 5_000, "small": 0}


def lonlat(x, y):
    return ORIGIN_LON + np.asarray(x) / METRES_PER_LON, ORIGIN_LAT + np.asarray(y) / METRES_PER_LAT


class _Writer:
    def __init__(self, path: Path) -> None:
        path.unlink(missing_ok=True)
        self.out = osmium.SimpleWriter(str(path))
        self.next_node = 1
        self.ways: list[tuple[list[int], dict]] = []
        self.relations: list[Relation] = []

    def node(self, x: float, y: float, tags: dict | None = None) -> int:
        nid = self.next_node
        self.next_node += 1
        lon, lat = lonlat(x, y)
        self.out.add_node(Node(id=nid, location=(float(lon), float(lat)), tags=tags or {}))
        return nid

    def way(self, nodes: list[int], tags: dict) -> int:
        self.ways.append((nodes, tags))
        return len(self.ways)

    def close(self) -> None:
        for i, (nodes, tags) in enumerate(self.ways):
            self.out.add_way(Way(id=i + 1, nodes=nodes, tags=tags))
        for relation in self.relations:
            self.out.add_relation(relation)
        self.out.close()


def _town(w: _Writer, town: Town, rng, buildings: list) -> dict:
    """One town's streets, buildings and services; its crossings' ids and positions."""
    g = town.grid
    jitter = rng.uniform(-15, 15, size=(g, g, 2))
    xy = np.empty((g, g, 2))
    ids = np.empty((g, g), np.int64)
    for i in range(g):
        for j in range(g):
            xy[i, j] = (town.x_km * 1000 + i * BLOCK_M + jitter[i, j, 0], town.y_km * 1000 + j * BLOCK_M + jitter[i, j, 1])
            ids[i, j] = w.node(*xy[i, j])

    def street(a, b, tags):
        (ax, ay), (bx, by) = xy[a], xy[b]
        inner = [w.node(ax + (bx - ax) * k / (SEGMENT_NODES + 1), ay + (by - ay) * k / (SEGMENT_NODES + 1))
                 for k in range(1, SEGMENT_NODES + 1)]
        w.way([int(ids[a]), *inner, int(ids[b])], tags)

    for i in range(g):
        for j in range(g):
            for di, dj in ((1, 0), (0, 1)):
                if i + di < g and j + dj < g:
                    tags = {"highway": "residential", "name": f"{town.name}gatan {i}-{j}"}
                    roll = rng.random()
                    if roll < 0.02:
                        tags = {"highway": "service", "access": "private"}  # neither walk nor drive
                    elif roll < 0.03:
                        tags = {"highway": "pedestrian"}  # walking only
                    elif roll < 0.035:
                        tags = {"highway": "tertiary", "motorroad": "yes"}  # driving only
                    street((i, j), (i + di, j + dj), tags)
    for i in range(0, g - 1, 4):
        for j in range(0, g - 1, 4):
            middle = w.node(*(xy[i, j] + xy[i + 1, j + 1]) / 2)
            w.way([int(ids[i, j]), middle, int(ids[i + 1, j + 1])], {"highway": "footway"})
    n = int((g - 1) ** 2 * BUILDINGS_PER_BLOCK)
    block = rng.integers(0, g - 1, size=(n, 2))
    offset = rng.uniform(15, 85, size=(n, 2))
    kinds = rng.choice(["house", "apartments", "yes", "garage", "shed"], size=n, p=[.5, .2, .2, .05, .05])
    for (bi, bj), (ox, oy), kind in zip(block, offset, kinds):
        buildings.append((*(xy[bi, bj] + (ox, oy)), str(kind)))
    for tags, per in SERVICE_TAGS:
        for _ in range(max(1, n // per)):
            bi, bj = rng.integers(0, g - 1, size=2)
            ox, oy = rng.uniform(10, 90, size=2)
            w.node(*(xy[bi, bj] + (ox, oy)), tags={"name": f"Tjänst {w.next_node}", **tags})
    return {"ids": ids, "xy": xy}


def _road(w: _Writer, a: tuple[int, np.ndarray], b: tuple[int, np.ndarray], tags: dict, step: float = 30) -> np.ndarray:
    """A road from crossing a to crossing b with a node every ``step`` metres and a gentle
    curve; the positions of its inner nodes."""
    (aid, axy), (bid, bxy) = a, b
    length = float(np.hypot(*(bxy - axy)))
    k = max(1, int(length / step))
    t = np.arange(1, k) / k
    normal = np.array([-(bxy - axy)[1], (bxy - axy)[0]]) / max(length, 1)
    points = axy + np.outer(t, bxy - axy) + np.outer(np.sin(t * math.pi) * length * 0.05, normal)
    inner = [w.node(x, y) for x, y in points]
    w.way([aid, *inner, bid], tags)
    return points


def write_county(out_dir: str | Path, size: str = "full", seed: int = 11) -> dict[str, Path]:
    """Write ``county.osm.pbf``, ``localities.gpkg`` and ``population.gpkg`` into ``out_dir``."""
    import geopandas as gpd
    import shapely

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    towns = {"full": FULL, "medium": MEDIUM, "small": SMALL}[size]
    w = _Writer(out_dir / "county.osm.pbf")
    buildings: list[tuple[float, float, str]] = []
    made = [_town(w, town, rng, buildings) for town in towns]

    def corner(m, i, j):
        return int(m["ids"][i, j]), m["xy"][i, j]

    rural_points = []
    main = made[0]
    for town, m in zip(towns[1:], made[1:]):  # a rural road from the main town to each other one
        rural_points.append(_road(w, corner(main, main["ids"].shape[0] - 1, 0), corner(m, 0, 0),
                                  {"highway": "tertiary", "name": f"Vägen till {town.name}"}))
    if len(made) > 1:  # the motorway between the two largest, driving only
        _road(w, corner(made[0], made[0]["ids"].shape[0] - 1, made[0]["ids"].shape[1] - 1),
              corner(made[1], 0, made[1]["ids"].shape[1] - 1), {"highway": "motorway", "ref": "E4"}, step=60)
    along = np.concatenate(rural_points)
    picks = rng.integers(0, len(along), size=RURAL[size])
    farm_xy = along[picks] + rng.uniform(-80, 80, size=(len(picks), 2))
    for (x, y) in farm_xy:
        buildings.append((x, y, str(rng.choice(["house", "farm", "barn"], p=[.6, .25, .15]))))
    for k in range(max(2, len(towns))):  # fuel and a shop in the countryside
        x, y = along[rng.integers(0, len(along))] + 20
        w.node(x, y, {"amenity": "fuel", "name": f"Macken {k}"})
    x, y = along[len(along) // 3]
    w.node(x + 15, y, {"shop": "convenience", "name": "Lanthandeln"})

    for x, y, kind in buildings:
        corners = [w.node(x, y), w.node(x + 8, y), w.node(x + 8, y + 10), w.node(x, y + 10)]
        w.way(corners + corners[:1], {"building": kind})
    # A supermarket mapped as a building outline, and a multipolygon building with a courtyard.
    cx, cy = made[0]["xy"][2, 2] + (40, 40)
    shop = [w.node(cx, cy), w.node(cx + 30, cy), w.node(cx + 30, cy + 20), w.node(cx, cy + 20)]
    w.way(shop + shop[:1], {"building": "retail", "shop": "supermarket", "name": "Stormarknaden"})
    cx, cy = made[0]["xy"][4, 4] + (30, 30)
    outer = [w.node(cx, cy), w.node(cx + 40, cy), w.node(cx + 40, cy + 40), w.node(cx, cy + 40)]
    inner = [w.node(cx + 15, cy + 15), w.node(cx + 25, cy + 15), w.node(cx + 25, cy + 25), w.node(cx + 15, cy + 25)]
    o, i = w.way(outer + outer[:1], {}), w.way(inner + inner[:1], {})
    w.relations.append(Relation(id=1, members=[("w", o, "outer"), ("w", i, "inner")],
                                tags={"type": "multipolygon", "building": "apartments"}))
    forest_left = FOREST_NODES[size]
    while forest_left > 0:  # large areas that are neither network nor building
        x, y = rng.uniform(-50_000, 50_000), rng.uniform(-50_000, 50_000)
        angles = np.linspace(0, 2 * math.pi, 400, endpoint=False)
        ring = [w.node(x + 900 * math.cos(a), y + 700 * math.sin(a)) for a in angles]
        w.way(ring + ring[:1], {"landuse": "forest"})
        forest_left -= len(ring)
    w.close()

    boundaries = []
    for town in towns:
        x0, y0 = town.x_km * 1000 - 60, town.y_km * 1000 - 60
        x1, y1 = x0 + (town.grid - 1) * BLOCK_M + 120, y0 + (town.grid - 1) * BLOCK_M + 120
        xs, ys = lonlat([x0, x1, x1, (x0 + x1) / 2, x0], [y0, y0, y1, y1 + 40, y1])
        boundaries.append(shapely.Polygon(np.column_stack([xs, ys])))
    localities = gpd.GeoDataFrame({"tatort": [t.name for t in towns], "kommun": "Länskommun"},
                                  geometry=boundaries, crs=4326).to_crs(3006)
    localities.to_file(out_dir / "localities.gpkg", driver="GPKG")

    xy = np.array([(x, y) for x, y, kind in buildings if kind not in ("garage", "shed", "barn")])
    cell = 1000.0
    keys, counts = np.unique(np.floor(xy / cell).astype(np.int64), axis=0, return_counts=True)
    people = np.round(counts * rng.uniform(1.6, 2.8, size=len(counts)))
    old = np.round(people * rng.uniform(0.12, 0.35, size=len(counts)))
    centres = lonlat(keys[:, 0] * cell + cell / 2, keys[:, 1] * cell + cell / 2)
    grid = gpd.GeoDataFrame({"beftotalt": people, "bef_65plus": old, "bef_80plus": np.round(old * 0.3)},
                            geometry=gpd.points_from_xy(*centres), crs=4326).to_crs(3006)
    grid.to_file(out_dir / "population.gpkg", driver="GPKG")
    return {"osm": out_dir / "county.osm.pbf", "localities": out_dir / "localities.gpkg",
            "population": out_dir / "population.gpkg"}


def county(cache: Path, size: str = "full") -> dict[str, Path]:
    """The county's files, made once under ``cache`` (keyed by this file's source)."""
    key = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12]
    folder = Path(cache) / f"county-{size}-{key}"
    files = {"osm": folder / "county.osm.pbf", "localities": folder / "localities.gpkg",
             "population": folder / "population.gpkg"}
    if not all(f.is_file() for f in files.values()):
        partial = folder.with_name(folder.name + ".part")
        write_county(partial, size)
        partial.replace(folder) if not folder.exists() else None
    return files


if __name__ == "__main__":
    print(write_county(sys.argv[1], next((a[2:] for a in sys.argv if a in ("--small", "--medium")), "full")))
