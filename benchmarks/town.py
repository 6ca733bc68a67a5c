"""A synthetic town for benchmarks: a perturbed street grid with intermediate way nodes,
diagonal footways, a motorway and private roads (not walkable), small buildings along every
block, and service points of ten categories. Written as .osm.pbf or .osm with pyosmium.

    python benchmarks/town.py 242 town.osm.pbf    # just over 400,000 network nodes
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import osmium
from osmium.osm.mutable import Node, Way

BLOCK_M = 100.0
SEGMENT_NODES = 3  # intermediate nodes on each street between two crossings
BUILDINGS_PER_BLOCK = 2.65
SERVICE_TAGS = [  # (tags, one per this many buildings)
    ({"shop": "supermarket"}, 2500), ({"shop": "convenience"}, 1500), ({"amenity": "pharmacy"}, 4000),
    ({"amenity": "fuel"}, 5000), ({"amenity": "atm"}, 3000), ({"amenity": "post_office"}, 5000),
    ({"highway": "bus_stop"}, 150), ({"amenity": "school"}, 3000), ({"amenity": "kindergarten"}, 1500),
    ({"amenity": "cafe"}, 800),
]
ORIGIN_LON, ORIGIN_LAT = 15.0, 60.0


@dataclass
class TownSize:
    grid: int
    network_nodes: int
    buildings: int


def expected_size(grid: int) -> TownSize:
    streets = 2 * grid * (grid - 1)
    diagonals = len(range(0, grid - 1, 4)) ** 2
    blocks = (grid - 1) ** 2
    return TownSize(grid, grid * grid + streets * SEGMENT_NODES + diagonals, int(blocks * BUILDINGS_PER_BLOCK))


def write_town(grid: int, path: str | Path, seed: int = 7, services=SERVICE_TAGS) -> TownSize:
    """Write a town of ``grid`` × ``grid`` crossings to ``path`` (.osm.pbf or .osm), with one
    node of each ``(tags, per)`` in ``services`` per ``per`` buildings (named "Tjänst N" unless
    the tags name it)."""
    rng = np.random.default_rng(seed)
    metres_per_lon = 111_320 * math.cos(math.radians(ORIGIN_LAT))

    def lonlat(x: float, y: float) -> tuple[float, float]:
        return ORIGIN_LON + x / metres_per_lon, ORIGIN_LAT + y / 110_540

    path = Path(path)
    path.unlink(missing_ok=True)
    writer = osmium.SimpleWriter(str(path))
    next_node = [1]
    ways: list[Way] = []

    def node(x: float, y: float, tags: dict | None = None) -> int:
        nid = next_node[0]
        next_node[0] += 1
        writer.add_node(Node(id=nid, location=lonlat(x, y), tags=tags or {}))
        return nid

    jitter = rng.uniform(-15, 15, size=(grid, grid, 2))
    crossing_xy = np.empty((grid, grid, 2))
    crossing = np.empty((grid, grid), np.int64)
    for i in range(grid):
        for j in range(grid):
            crossing_xy[i, j] = (i * BLOCK_M + jitter[i, j, 0], j * BLOCK_M + jitter[i, j, 1])
            crossing[i, j] = node(*crossing_xy[i, j])

    def street(a: tuple[int, int], b: tuple[int, int], tags: dict) -> None:
        (ax, ay), (bx, by) = crossing_xy[a], crossing_xy[b]
        inner = [node(ax + (bx - ax) * k / (SEGMENT_NODES + 1), ay + (by - ay) * k / (SEGMENT_NODES + 1))
                 for k in range(1, SEGMENT_NODES + 1)]
        ways.append(Way(id=len(ways) + 1, nodes=[int(crossing[a]), *inner, int(crossing[b])], tags=tags))

    for i in range(grid):
        for j in range(grid):
            for di, dj in ((1, 0), (0, 1)):
                if i + di < grid and j + dj < grid:
                    tags = {"highway": "residential", "name": f"Gata {i}-{j}"}
                    if j == grid // 2 and dj == 0:
                        tags = {"highway": "motorway"}  # not walkable: the town's bypass
                    elif rng.random() < 0.02:
                        tags = {"highway": "service", "access": "private"}
                    street((i, j), (i + di, j + dj), tags)
    for i in range(0, grid - 1, 4):  # footways across every fourth block, diagonally
        for j in range(0, grid - 1, 4):
            middle = node(*(crossing_xy[i, j] + crossing_xy[i + 1, j + 1]) / 2)
            ways.append(Way(id=len(ways) + 1, nodes=[int(crossing[i, j]), middle, int(crossing[i + 1, j + 1])],
                            tags={"highway": "footway"}))

    building_ways = []
    blocks = (grid - 1) ** 2
    n_buildings = int(blocks * BUILDINGS_PER_BLOCK)
    block = rng.integers(0, grid - 1, size=(n_buildings, 2))
    offset = rng.uniform(15, 85, size=(n_buildings, 2))
    kinds = rng.choice(["house", "apartments", "yes", "garage", "shed"], size=n_buildings, p=[.5, .2, .2, .05, .05])
    for (bi, bj), (ox, oy), kind in zip(block, offset, kinds):
        x, y = crossing_xy[bi, bj] + (ox, oy)
        corners = [node(x, y), node(x + 8, y), node(x + 8, y + 10), node(x, y + 10)]
        building_ways.append((corners + corners[:1], {"building": str(kind)}))
    for tags, per in services:
        for _ in range(max(1, n_buildings // per)):
            bi, bj = rng.integers(0, grid - 1, size=2)
            ox, oy = rng.uniform(10, 90, size=2)
            node(*(crossing_xy[bi, bj] + (ox, oy)), tags={"name": f"Tjänst {next_node[0]}", **tags})

    for way in ways:
        writer.add_way(way)
    for k, (nodes, tags) in enumerate(building_ways):
        writer.add_way(Way(id=len(ways) + 1 + k, nodes=nodes, tags=tags))
    writer.close()
    return expected_size(grid)


if __name__ == "__main__":
    size = write_town(int(sys.argv[1]), sys.argv[2])
    print(size)
