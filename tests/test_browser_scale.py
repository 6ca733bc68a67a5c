"""Every map at the size of a real town, in Debian's Chromium (issue 19).

First each map builder, as its page calls it, from 1 to 10,000 service points (1,000+ in one
category, which is clustered) with and without base tiles, opened as a page of its own: the
map has a size, every point is drawn as a marker or inside a cluster, and the console stays
clean. Then the running app on the dense town of ``dense.py``: each page's maps, counted the
same way, and the HTML report's map."""

from __future__ import annotations

import http.server
import os
import threading
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest

import dense
from bidgeo import categories, coverage, maps, walks
from bidgeo.db import open_store
from bidgeo.focus import FOCUS_AREAS, KINDS
from bidgeo.osm import read_osm
from conftest import REPO, serve_app
from test_browser import ARTIFACTS, _browsing, _settle, browser  # noqa: F401 (a fixture)

pytestmark = pytest.mark.browser

VENDOR = (REPO / "static" / "vendor").as_uri()
# Each Leaflet map on the page: its size, the markers drawn one by one, the clusters drawn and
# how many points those hold (a cluster's own icon is a marker too, counted once as a cluster).
COUNT_SCRIPT = """() => Object.values(window).filter(v => v instanceof L.Map).map(map => {
    const out = {width: map.getSize().x, height: map.getSize().y, markers: 0, clusters: 0, in_clusters: 0,
                 max_zoom: map.getMaxZoom()};
    map.eachLayer(layer => {
        if (L.MarkerCluster && layer instanceof L.MarkerCluster) {
            out.clusters += 1; out.in_clusters += layer.getChildCount();
        } else if (layer instanceof L.Marker) {
            out.markers += 1;
        }
    });
    return out;
})"""
PNG_1PX = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                        "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a5e0cb6e0000000049454e44ae426082")


@pytest.fixture(scope="module")
def cache(request) -> Path:
    return Path(request.config.cache.mkdir("bidgeo-dense-town"))


@pytest.fixture(scope="module")
def town(cache):
    return read_osm(dense.town_pbf(cache))


@pytest.fixture(scope="module")
def tile_server():
    """Base tiles from this machine (one grey pixel for every tile): tests never go online."""

    class Tiles(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the standard library's name)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            self.wfile.write(PNG_1PX)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Tiles)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/{{z}}/{{x}}/{{y}}.png"
    server.shutdown()


def _services(town, count: int) -> gpd.GeoDataFrame:
    """``count`` service points spread over the town, a fifth of them (or all, up to 150) in
    food and drink, the rest over every category."""
    rng = np.random.default_rng(count)
    keys = [c.key for c in categories.categories()]
    dense_part = min(count, max(150, count // 5))
    chosen = ["food_drink"] * dense_part + list(rng.choice(keys, count - dense_part))
    minx, miny, maxx, maxy = town.bounds
    return gpd.GeoDataFrame(
        {"category": chosen, "name": [f"Ställe <{i}>" for i in range(count)]},
        geometry=gpd.points_from_xy(rng.uniform(minx, maxx, count), rng.uniform(miny, maxy, count)), crs=4326)


def _observations(area, count: int) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(count)
    x0, y0, x1, y1 = area.bounds
    return gpd.GeoDataFrame(
        {"uuid": [walks.new_uuid() for _ in range(count)], "focus_area": [FOCUS_AREAS[i % 5] for i in range(count)],
         "kind": [KINDS[i % 3] for i in range(count)], "rating": [1 + i % 5 for i in range(count)],
         "comment": [f"Kommentar {i}" for i in range(count)]},
        geometry=gpd.points_from_xy(rng.uniform(x0, x1, count), rng.uniform(y0, y1, count)), crs=4326)


def _open(page, m, tmp_path: Path, name: str) -> list[dict]:
    """Open map ``m`` as a page of its own (the app's Leaflet copies, from disk) and count."""
    maps.use_local_assets(m, VENDOR)
    path = tmp_path / f"{name}.html"
    m.save(str(path))
    page.goto(path.as_uri())
    page.wait_for_function("typeof L !== 'undefined' && document.querySelector('.leaflet-container') !== null")
    page.wait_for_timeout(300)
    return page.evaluate(COUNT_SCRIPT)


def _drawn(counted: dict) -> int:
    return counted["markers"] + counted["in_clusters"]


@pytest.mark.parametrize("tiles", [False, True], ids=["no-tiles", "tiles"])
@pytest.mark.parametrize("count", [1, 150, 10_000])
def test_every_map_builder_draws_every_point(browser, town, tile_server, tmp_path, monkeypatch, count, tiles):  # noqa: F811
    if tiles:
        monkeypatch.setenv("BIDGEO_TILES_URL", tile_server)
    services = _services(town, count)
    area = dense.centre_area()
    net = coverage.build_network(town)
    distances = np.linspace(0, 2000, len(net.origin_lonlat))
    observations = _observations(area, min(count, 200))
    built = {  # the map each page shows, built as the page builds it, and the markers it must draw
        "overview": (maps.overview_map(town, services, "sv"), count),  # start, services
        "area": (maps.area_map(town, "sv", area=area, services=services), count),
        "area-editor": (maps.area_editor(town, area, "sv", edit=True), 0),
        "route-editor": (maps.route_editor(town, area, "sv"), 0),
        "walk": (maps.walk_map(town, "sv", area, observations, position=(area.centroid.x, area.centroid.y)),
                 len(observations) + 1),  # the walk page: observations and the pin being placed
        "review": (maps.walk_map(town, "sv", area, observations, by_kind=True), len(observations)),  # analysis too
        "coverage": (maps.coverage_map(town, net.origin_lonlat, distances, (400, 800, 1200), services, "sv",
                                       added=[(area.centroid.x, area.centroid.y)]), count),  # coverage, compare
    }
    with _browsing(browser, "file://", 1024, 768) as (page, seen):
        for name, (m, expected) in built.items():
            [counted] = _open(page, m, tmp_path, name)
            assert counted["width"] > 300 and counted["height"] > 300, (name, counted)
            assert counted["max_zoom"] == maps.MAX_ZOOM, (name, counted)
            assert _drawn(counted) == expected, (name, counted)
            if count > maps.CLUSTER_FROM and name in ("overview", "area", "coverage"):  # food and drink
                assert counted["clusters"] > 0, (name, counted)
            assert seen["errors"] == [], (name, seen["errors"])
            assert seen["failed"] == [], (name, seen["failed"])
        if count == 10_000 and not tiles:
            page.screenshot(path=str(ARTIFACTS / "scale-overview-10000.png"))


# --- the running app on the dense town ------------------------------------------------------------

@pytest.fixture(scope="module")
def dense_app(tmp_path_factory, cache):
    """The app on its own port with the dense town's store (and the demo): (url, home, project id)."""
    home = tmp_path_factory.mktemp("dense-home")
    project_id = dense.install(home, cache)
    env = {**os.environ, "BIDGEO_HOME": str(home)}
    env.pop("BIDGEO_DATABASE_URL", None)
    env.pop("BIDGEO_TILES_URL", None)
    with serve_app(home, env) as url:
        yield url, home, project_id


def _maps_now(page) -> list[dict]:
    counted = []
    for frame in page.frames:
        if "streamlit_folium" in frame.url and not frame.is_detached():
            try:
                counted += frame.evaluate("() => typeof L === 'undefined' ? [] : (" + COUNT_SCRIPT + ")()")
            except Exception:  # a frame replaced under us
                return []
    return counted


def _idle_maps(page, markers: int, timeout: float = 120) -> list[dict]:
    """Wait until the app is idle and its maps are drawn (one of them with at least
    ``markers`` markers, one by one or in clusters) and settled; count each map's markers."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if page.locator('[data-testid="stStatusWidget"]').count() == 0:
            counted = _maps_now(page)
            if counted and all(c["width"] > 300 and c["height"] > 300 for c in counted) \
                    and max(_drawn(c) for c in counted) >= markers:
                _settle(page)
                return _maps_now(page)
        page.wait_for_timeout(250)
    page.screenshot(path=str(ARTIFACTS / "dense-waited-in-vain.png"), full_page=True)
    raise AssertionError(f"the maps were not drawn in time: {_maps_now(page)} (screenshot: dense-waited-in-vain.png)")


# Each map page and how many markers its maps draw at least (None: as many as services).
DENSE_PAGES = [("", None), ("services", None), ("review", dense.OBSERVATIONS), ("analysis", dense.OBSERVATIONS // 5),
               ("walk", dense.OBSERVATIONS), ("area", 0), ("coverage", 1), ("compare", 1)]


@pytest.mark.parametrize("path, markers", DENSE_PAGES, ids=[p or "start" for p, _ in DENSE_PAGES])
def test_every_page_map_on_the_dense_town(browser, dense_app, path, markers):  # noqa: F811
    from bidgeo.projects import service_points

    url, home, project_id = dense_app
    if markers is None:
        engine = open_store(f"sqlite:///{home / 'bidgeo.sqlite'}")
        markers = len(service_points(engine, project_id))
        engine.dispose()
    ARTIFACTS.mkdir(exist_ok=True)
    with _browsing(browser, url, 768, 1024) as (page, seen):
        page.goto(f"{url}/{path}?project={project_id}")
        counted = _idle_maps(page, markers)
        drawn = max(_drawn(c) for c in counted)
        if path in ("", "services"):
            assert drawn == markers, counted  # every service point: one by one or inside a cluster
            assert any(c["clusters"] for c in counted), counted
        else:
            assert drawn >= markers, counted
        assert all(c["max_zoom"] == maps.MAX_ZOOM for c in counted)
        page.screenshot(path=str(ARTIFACTS / f"dense-{path or 'start'}-768x1024.png"))
        assert seen["errors"] == [], seen["errors"]
        assert seen["failed"] == [], seen["failed"]


def test_the_html_reports_map_on_the_dense_town(browser, dense_app, tmp_path):  # noqa: F811
    from bidgeo import report

    url, home, project_id = dense_app
    engine = open_store(f"sqlite:///{home / 'bidgeo.sqlite'}")
    try:
        path = tmp_path / "rapport.html"
        path.write_bytes(report.html_report(engine, project_id))
    finally:
        engine.dispose()
    with _browsing(browser, "file://", 1024, 768) as (page, seen):
        page.goto(path.as_uri())
        page.wait_for_timeout(2000)
        counted = [c for f in page.frames for c in f.evaluate(
            "() => typeof L === 'undefined' ? [] : (" + COUNT_SCRIPT + ")()")]
        assert len(counted) == 1 and counted[0]["height"] > 300, counted
        assert _drawn(counted[0]) == dense.OBSERVATIONS
        assert seen["errors"] == [], seen["errors"]


def test_a_project_from_a_big_extract_shows_its_progress(browser, dense_app, cache):  # noqa: F811
    url, home, _ = dense_app
    with _browsing(browser, url, 768, 1024) as (page, seen):
        page.goto(url)
        page.get_by_role("heading", name="Projekt och översikt").wait_for(timeout=60_000)
        page.get_by_text("Skapa ett nytt projekt").click()
        page.get_by_label("Projektets namn").fill("Tätby igen")
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(dense.town_pbf(cache)))
        page.get_by_role("button", name="Skapa projekt").click()
        bar = page.locator('[data-testid="stProgress"]')
        bar.first.wait_for(timeout=60_000)  # reading, buildings, services, network, saving
        page.screenshot(path=str(ARTIFACTS / "dense-create-progress-768x1024.png"))
        page.get_by_text("Projektet ”Tätby igen” är skapat.").wait_for(state="attached", timeout=120_000)
        page.get_by_role("heading", name="Översiktskarta: Tätby igen").wait_for(timeout=60_000)
        assert seen["errors"] == [], seen["errors"]
