"""A dense synthetic town for the page and browser tests (issue 19): 88 x 88 street crossings,
over 20,000 buildings and over 5,000 service points (1,000+ in one category), written with
pyosmium by ``benchmarks/town.py``; and a store holding it as a project with an area, several
service snapshots and a walk of 200 observations, beside the demo.

Both are made once and kept in pytest's cache folder (``.pytest_cache``, ignored by git),
keyed by the source of this file and of the generator, so a change to either makes them anew.
A test gets its own copy of the store (:func:`install`)."""

from __future__ import annotations

import hashlib
import shutil
import sys
from datetime import date
from pathlib import Path

import geopandas as gpd
import pandas as pd
import numpy as np
import shapely

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))
from town import ORIGIN_LAT, ORIGIN_LON, write_town  # noqa: E402

GRID = 88
NAME = "Tätby (stor testort)"
OBSERVATIONS = 200
# (tags, one per this many buildings): with 20,000 buildings 1,300 places to eat and drink, 2,000
# shops, 1,000 stops; and things that are services of no one (statues, benches), which no
# stakeholder list should name.
SERVICES = [
    ({"amenity": "restaurant"}, 20), ({"amenity": "cafe"}, 30), ({"shop": "clothes"}, 15),
    ({"shop": "hairdresser"}, 30), ({"highway": "bus_stop"}, 20), ({"shop": "supermarket"}, 400),
    ({"shop": "convenience"}, 200), ({"amenity": "pharmacy"}, 1000), ({"amenity": "atm"}, 500),
    ({"amenity": "bank"}, 800), ({"amenity": "post_office"}, 800), ({"amenity": "school"}, 1000),
    ({"amenity": "kindergarten"}, 400), ({"amenity": "library"}, 4000), ({"amenity": "clinic"}, 500),
    ({"tourism": "hotel"}, 500), ({"amenity": "toilets"}, 400), ({"amenity": "charging_station"}, 400),
    ({"amenity": "fuel"}, 1000), ({"shop": "alcohol"}, 4000),
    ({"office": "company"}, 200), ({"craft": "carpenter"}, 500),
    ({"tourism": "artwork", "name": "Skulpturen"}, 500), ({"historic": "memorial", "name": "Minnesstenen"}, 1000),
    ({"amenity": "bench", "name": "Bänken"}, 300), ({"amenity": "bicycle_parking", "name": "Cykelstället"}, 300),
]


def _key() -> str:
    sources = [Path(__file__), REPO / "benchmarks" / "town.py"]
    return hashlib.sha256(b"".join(p.read_bytes() for p in sources)).hexdigest()[:12]


def town_pbf(cache: Path) -> Path:
    """The dense town's extract, written once into ``cache``."""
    path = cache / f"dense-town-{_key()}.osm.pbf"
    if not path.is_file():
        cache.mkdir(parents=True, exist_ok=True)
        partial = cache / f"partial-{path.name}"
        write_town(GRID, partial, services=SERVICES)
        partial.replace(path)
    return path


def centre_area() -> shapely.Polygon:
    """A BID area over the town's centre, about 1.6 km across (WGS 84)."""
    metres_per_lon = 111_320 * np.cos(np.radians(ORIGIN_LAT))
    middle = GRID * 100 / 2
    return shapely.box(ORIGIN_LON + (middle - 800) / metres_per_lon, ORIGIN_LAT + (middle - 800) / 110_540,
                       ORIGIN_LON + (middle + 800) / metres_per_lon, ORIGIN_LAT + (middle + 800) / 110_540)


def _build(path: Path, pbf: Path) -> None:
    from bidgeo import inventory, review, walks
    from bidgeo.area import check_geometry
    from bidgeo.area_versions import save_version
    from bidgeo.db import open_store
    from bidgeo.demo import ensure_demo
    from bidgeo.focus import FOCUS_AREAS, KINDS
    from bidgeo.projects import create_project, service_points

    engine = open_store(f"sqlite:///{path}")
    try:
        ensure_demo(engine)
        project = create_project(engine, NAME, locality="Tätby", municipality="Tätby kommun", osm_path=pbf)
        area = centre_area()
        save_version(engine, project.id, check_geometry(area), author="Test", comment="Centrum")
        # A second OSM import (a twentieth gone, 50 new) and a register: three snapshots.
        first = service_points(engine, project.id)
        rng = np.random.default_rng(11)
        minx, miny, maxx, maxy = first.total_bounds
        added = gpd.GeoDataFrame(
            {"category": "food_drink", "name": [f"Nytt café {i}" for i in range(50)], "osm_type": "node",
             "osm_id": np.arange(10**9, 10**9 + 50), "source": "osm", "tags": [{"amenity": "cafe"}] * 50},
            geometry=gpd.points_from_xy(rng.uniform(minx, maxx, 50), rng.uniform(miny, maxy, 50)), crs=4326)
        second = gpd.GeoDataFrame(
            pd.concat([first[np.arange(len(first)) % 20 != 0], added], ignore_index=True),
            geometry="geometry", crs=4326)
        inventory.import_services(engine, project.id, "overpass", "https://overpass.example/api", second)
        register = first.iloc[:300].assign(source="register", osm_type=None, osm_id=None, tags=[{}] * 300)
        inventory.import_services(engine, project.id, "register", "kommunens_register.csv", register)
        # A walk of 200 observations inside the area, a few reviewed.
        walk = walks.create_walk(engine, project.id, date(2026, 5, 12), "Handlarna", "Anna, Bo")
        ax0, ay0, ax1, ay1 = area.bounds
        uuids = []
        for i in range(OBSERVATIONS):
            uuid = walks.new_uuid()
            walks.save_observation(engine, project.id, walk, uuid, {
                "focus_area": FOCUS_AREAS[i % 5], "kind": KINDS[i % 3], "rating": 1 + i % 5,
                "comment": f"Observation {i}: " + "en mening om platsen " * (1 + i % 4),
                "lon": rng.uniform(ax0, ax1), "lat": rng.uniform(ay0, ay1), "position_source": "gps",
                "author": "Anna"})
            uuids.append(uuid)
        for i, state in enumerate(["accepted", "to_action", "rejected"] * 10):
            review.set_state(engine, project.id, uuids[i], state, by="Styrgruppen")
        review.add_comment(engine, project.id, uuids[0], "Kommunen", "Vi tar det.")
        review.create_action(engine, project.id, "Bänkar på torget", "place", uuid=uuids[0], priority="high")
    finally:
        engine.dispose()


def store_file(cache: Path) -> Path:
    """A SQLite store with the demo and the dense town's project, built once into ``cache``."""
    path = cache / f"dense-store-{_key()}.sqlite"
    if not path.is_file():
        partial = cache / f"partial-{path.name}"
        partial.unlink(missing_ok=True)
        _build(partial, town_pbf(cache))
        partial.replace(path)
    return path


def install(home: Path, cache: Path) -> int:
    """Copy the dense store into ``home`` (as the app's ``bidgeo.sqlite``); the dense project's id."""
    from bidgeo.db import open_store
    from bidgeo.projects import list_projects

    home.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(store_file(cache), home / "bidgeo.sqlite")
    engine = open_store(f"sqlite:///{home / 'bidgeo.sqlite'}")
    try:
        return next(p.id for p in list_projects(engine) if p.name == NAME)
    finally:
        engine.dispose()
