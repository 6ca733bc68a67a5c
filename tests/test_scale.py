"""The app at the size of a real town (issue 19): every page on the dense town of ``dense.py``
(5,000+ service points, 20,000 buildings, three snapshots, a walk of 200 observations), its
maps holding every point; and who counts as a candidate stakeholder. How fast the pages are is
measured by ``benchmarks/run.py --scale``, not here."""

from __future__ import annotations

from pathlib import Path

import folium
from folium.plugins import MarkerCluster
import pytest

import dense
from bidgeo import config, inventory, maps, projects, stakeholders
from bidgeo.errors import InputError
from bidgeo.db import open_store
from bidgeo.osm import read_osm, stakeholder_key
from bidgeo.projects import service_points
from bidgeo.walks import observations
from conftest import open_page


@pytest.fixture(scope="module")
def cache(request) -> Path:
    return Path(request.config.cache.mkdir("bidgeo-dense-town"))


@pytest.fixture
def town(cache, bidgeo_home):
    """The dense town's store as this test's own; yields (engine, project id)."""
    project_id = dense.install(bidgeo_home, cache)
    engine = open_store(f"sqlite:///{bidgeo_home / 'bidgeo.sqlite'}")
    yield engine, project_id
    engine.dispose()


def points_on(m: folium.Map) -> int:
    """How many point features the map's GeoJSON layers hold (markers and circles)."""
    total = 0
    for element in maps._walk(m):
        if isinstance(element, folium.GeoJson):
            for feature in element.data.get("features", []):
                geometry = feature["geometry"]
                total += len(geometry["coordinates"]) if geometry["type"] == "MultiPoint" else geometry["type"] == "Point"
    return total


def the_map(fake_map, prefix: str) -> folium.Map:
    [m] = [m for key, m, _ in fake_map.shown if key.startswith(prefix)]
    return m


def test_the_dense_town_is_the_size_of_a_real_one(town, cache):
    engine, project_id = town
    osm = read_osm(dense.town_pbf(cache))
    points = service_points(engine, project_id)
    assert len(points) >= 5000 and len(osm.buildings) >= 20_000
    assert points["category"].value_counts().max() >= 1000  # a category that is clustered
    assert len(observations(engine, project_id)) == dense.OBSERVATIONS


@pytest.mark.parametrize("page, prefix", [("app_pages/start.py", "overview-"), ("app_pages/services.py", "services-")])
def test_start_and_services_map_every_point(fake_map, town, page, prefix):
    engine, project_id = town
    at = open_page(page, project_id)
    assert not at.exception, at.exception
    m = the_map(fake_map, prefix)
    assert points_on(m) == len(service_points(engine, project_id))
    assert m.options["maxZoom"] == maps.MAX_ZOOM
    assert any(isinstance(e, MarkerCluster) for e in maps._walk(m))


def test_services_page_shows_what_changed_between_imports(fake_map, town):
    engine, project_id = town
    at = open_page("app_pages/services.py", project_id)
    assert not at.exception, at.exception
    changes = next(m.value for m in at.markdown if "Nya:" in m.value)
    # The second OSM import dropped every twentieth point of the first and added 50 cafés.
    history = inventory.snapshots(engine, project_id).set_index("source")["count"]
    assert "Nya: 50" in changes and f"Borta: {history['osm_file'] - (history['overpass'] - 50)}" in changes
    assert len(at.selectbox(key="sv_point").options) == len(service_points(engine, project_id))


@pytest.mark.parametrize("page, prefix, expected", [
    ("app_pages/review.py", "revmap-", dense.OBSERVATIONS),
    ("app_pages/analysis.py", "anmap-", dense.OBSERVATIONS // 5),  # the first focus area
    ("app_pages/walk.py", "walkmap-", dense.OBSERVATIONS),  # the walk being recorded
])
def test_walk_maps_show_every_observation(fake_map, town, page, prefix, expected):
    engine, project_id = town
    at = open_page(page, project_id)
    assert not at.exception, at.exception
    shown = [m for key, m, _ in fake_map.shown if key.startswith(prefix)]
    if expected is not None:
        assert points_on(shown[0]) == expected


def test_coverage_and_compare_pages(fake_map, town):
    engine, project_id = town
    for page in ("app_pages/coverage.py", "app_pages/compare.py", "app_pages/area.py"):
        fake_map.shown.clear()
        at = open_page(page, project_id)
        assert not at.exception, (page, at.exception)
        assert fake_map.shown, page


def test_every_other_page_runs(town):
    _, project_id = town
    for page in ("app_pages/stakeholders.py", "app_pages/process.py", "app_pages/audit.py"):
        at = open_page(page, project_id)
        assert not at.exception, (page, at.exception)


@pytest.mark.parametrize("tags, key", [
    ({"shop": "bakery"}, "shop"), ({"office": "company"}, "office"), ({"craft": "carpenter"}, "craft"),
    ({"amenity": "restaurant", "name": "Krogen"}, "amenity"), ({"amenity": "place_of_worship", "name": "Kyrkan"}, "amenity"),
    ({"tourism": "hotel", "name": "Hotellet"}, "tourism"), ({"shop": "vacant", "amenity": "cafe", "name": "Kaffe"}, "amenity"),
    ({"tourism": "artwork", "name": "Skulpturen"}, None), ({"historic": "memorial", "name": "Stenen"}, None),
    ({"amenity": "bench", "name": "Bänken"}, None), ({"amenity": "bicycle_parking", "name": "Stället"}, None),
    ({"amenity": "parking", "name": "P-platsen"}, None), ({"shop": "vacant"}, None),
    ({"amenity": "restaurant"}, None),  # no name: no one to write to
])
def test_who_is_a_candidate_stakeholder(tags, key):
    assert stakeholder_key(tags) == key


def test_candidates_are_businesses_named_in_swedish(cache):
    osm = read_osm(dense.town_pbf(cache))
    found = stakeholders.candidates(osm.businesses, dense.centre_area(), "sv")
    assert len(found) > 100
    assert not found["name"].isin(["Skulpturen", "Minnesstenen", "Bänken", "Cykelstället"]).any()
    assert not found["category"].str.contains("=").any()  # never a raw tag
    assert {"Företag", "Snickare", "Restaurang och café", "Övrig handel"} <= set(found["category"])
    english = stakeholders.candidates(osm.businesses, dense.centre_area(), "en")
    assert {"Company", "Carpenter"} <= set(english["category"])
    assert stakeholders.kind_label("office=tax_advisor", "sv") == "Kontor"  # a value without a name of its own


def test_creating_a_project_from_a_big_extract_tells_its_stages(cache, bidgeo_home):
    engine = open_store(f"sqlite:///{bidgeo_home / 'stages.sqlite'}")
    told: list[str] = []
    project = projects.create_project_from_upload(engine, dense.town_pbf(cache).read_bytes(), "tatby.osm.pbf",
                                                  name="Tätby", progress=told.append)
    assert told == list(projects.STAGES)
    assert project.service_count == len(service_points(engine, project.id)) > 5000
    engine.dispose()


def test_an_extract_over_the_limit_is_refused_before_it_is_read(bidgeo_home, monkeypatch):
    engine = open_store(f"sqlite:///{bidgeo_home / 'limit.sqlite'}")
    monkeypatch.setattr(config, "MAX_OSM_UPLOAD_MB", 1)
    monkeypatch.setattr(projects, "read_osm", lambda *a, **k: pytest.fail("a file over the limit was read"))
    with pytest.raises(InputError) as refused:
        projects.create_project_from_upload(engine, b"\0" * 2_400_000, "kommunen.osm.pbf", name="Kommunen")
    assert refused.value.message("sv") == ("OSM-filen är 2 MB, mer än gränsen 1 MB. Använd ett mindre utdrag "
                                           "runt orten.")
    assert projects.list_projects(engine) == []
    engine.dispose()
