"""The running app in Debian's Chromium, driven by Playwright, at tablet sizes.

Screenshots go to ``test-artifacts/`` for a person to look at."""

from __future__ import annotations

import json
import os
from contextlib import contextmanager
import re
import sqlite3
import time
from pathlib import Path

import pytest

from bidgeo.db import open_store
from bidgeo.demo import ensure_demo
from bidgeo.projects import create_project
from conftest import REPO, require, serve_app

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
    # A fake camera (a test pattern) that needs no permission prompt, for the place walk.
    "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
]
ARTIFACTS = REPO / "test-artifacts"


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require("playwright is not installed")
    if not Path(CHROMIUM).exists():
        require(f"{CHROMIUM} is missing (apt-get install chromium)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def app_home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("browser-home")


@pytest.fixture(scope="module")
def fake_overpass():
    from fake_overpass import FakeOverpass

    with FakeOverpass(REPO / "data" / "demo" / "karhula_kotka_fi.osm.pbf") as server:
        yield server


@pytest.fixture(scope="module")
def app_url(app_home, fake_overpass):
    """The app as the README starts it, on its own port and store, with the demo project
    and one empty project."""
    home = app_home
    env = {**os.environ, "BIDGEO_HOME": str(home), "BIDGEO_OVERPASS_URL": fake_overpass.url}
    env.pop("BIDGEO_DATABASE_URL", None)
    engine = open_store(f"sqlite:///{home / 'bidgeo.sqlite'}")
    ensure_demo(engine)
    create_project(engine, "Tomt projekt", locality="Leksand", municipality="Leksand")
    create_project(engine, "Byn", locality="Byn", osm_path=REPO / "tests" / "data" / "taxonomy_cases.osm")
    engine.dispose()
    with serve_app(home, env) as url:
        yield url


def _watch(page, app_url: str):
    """Collect console errors, failed requests and hosts contacted by ``page``."""
    seen = {"errors": [], "failed": [], "hosts": set()}

    def probe(url: str) -> bool:
        # Opened at a page's address (/walk), Streamlit first looks for its server under that
        # path (/walk/_stcore/health, 404) and then at the root: not a missing resource.
        return url.split("?")[0].endswith(("/_stcore/health", "/_stcore/host-config")) and \
            url.split("/_stcore/")[0].rstrip("/") != app_url

    page.on("console", lambda msg: seen["errors"].append(msg.text)
            if msg.type == "error" and not probe(msg.location.get("url", "")) else None)
    page.on("pageerror", lambda exc: seen["errors"].append(str(exc)))
    # A map iframe replaced while it loads aborts its requests (net::ERR_ABORTED); that is
    # not a missing asset.
    page.on("requestfailed", lambda req: seen["failed"].append(f"{req.url} {req.failure}")
            if req.failure != "net::ERR_ABORTED" else None)
    page.on("response", lambda res: seen["failed"].append(f"{res.url} {res.status}")
            if res.status >= 400 and not probe(res.url) else None)
    page.on("request", lambda req: seen["hosts"].add(req.url.split("/")[2]) if req.url.startswith("http") else None)
    return seen


@contextmanager
def _browsing(browser, app_url: str, width: int, height: int, **options):
    """A fresh browser context at a tablet size (``options`` as for ``new_context``): yields
    the page and what :func:`_watch` sees on it, and closes the context even when the test
    fails."""
    context = browser.new_context(viewport={"width": width, "height": height}, **options)
    try:
        page = context.new_page()
        yield page, _watch(page, app_url)
    finally:
        context.close()


def _settle(page, quiet_ms: int = 1000, timeout: float = 30) -> None:
    """Wait until the page's maps stop changing (Streamlit replaces a map's iframe when its
    key changes, and the old one lingers until the run ends): a mouse event on a map that is
    being torn down makes Leaflet fail on a zero-size container."""
    script = ("Array.from(document.querySelectorAll('iframe[title=\"streamlit_folium.st_folium\"]'))"
              ".map(f => f.getAttribute('width') + 'x' + f.getBoundingClientRect().top).join(',')")
    deadline, last, since = time.time() + timeout, None, time.time()
    while time.time() < deadline:
        now = page.evaluate(script)
        if now != last:
            last, since = now, time.time()
        elif (time.time() - since) * 1000 >= quiet_ms and "-1x" not in now:
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"maps did not settle: {last}")


def _until(page, check, what: str, timeout: float = 30):
    """Poll ``check()`` (e.g. what the database holds) until it is truthy and return it;
    fail saying ``what`` was awaited."""
    deadline = time.time() + timeout
    while not (found := check()):
        if time.time() > deadline:
            page.screenshot(path=str(ARTIFACTS / "waited-in-vain.png"), full_page=True)
            raise AssertionError(f"waited {timeout:.0f} s for {what} (screenshot: waited-in-vain.png)")
        page.wait_for_timeout(200)
    return found


def _editor(page, editing: bool, timeout: float = 30):
    """The frame of the boundary editor map (it has the draw toolbar): with ``editing`` the
    one for moving the current boundary's corners (no polygon tool, the boundary loaded),
    without it the one for drawing a new boundary (polygon tool, nothing drawn yet)."""
    script = ("document.querySelector('.leaflet-draw-toolbar') !== null && window.drawnItems && "
              + ("!document.querySelector('.leaflet-draw-draw-polygon') && drawnItems.getLayers().length > 0"
                 if editing else
                 "!!document.querySelector('.leaflet-draw-draw-polygon') && drawnItems.getLayers().length === 0"))
    deadline = time.time() + timeout
    while time.time() < deadline:
        for frame in page.frames:
            if "streamlit_folium" in frame.url and not frame.is_detached():
                try:
                    if frame.evaluate(script):
                        _settle(page)
                        return frame
                except Exception:  # a frame going away under us
                    pass
        page.wait_for_timeout(250)
    raise AssertionError("no editor map appeared")


def _open_sidebar(page) -> None:
    expand = page.locator('[data-testid="stExpandSidebarButton"], [data-testid="stSidebarCollapsedControl"] button')
    if expand.count() and expand.first.is_visible():
        expand.first.click()
    page.locator('[data-testid="stSidebar"]').wait_for(state="visible")


def _goto(page, app_url: str, link: str, heading: str) -> None:
    page.goto(app_url)
    page.get_by_role("heading", name="Projekt och översikt").wait_for(timeout=60_000)
    _open_sidebar(page)
    _choose(page, "Projekt", "Karhula (demo)")
    page.get_by_role("link", name=link).click()
    page.get_by_role("heading", name=heading).wait_for(timeout=60_000)


def _choose(page, label: str, option: str) -> None:
    """Choose ``option`` in the sidebar's selectbox ``label``."""
    box = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').filter(has_text=label)
    _pick(page, box.get_by_role("combobox"), option)


def _pick(page, opener, option: str, timeout: float = 30) -> None:
    """Open a list with ``opener`` and click its ``option``. A rerun that redraws the page
    (the first run after it loads, a page switch) closes an open list, so the list is
    opened again until the option shows."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    wanted = page.get_by_role("option", name=option, exact=True)
    deadline = time.time() + timeout
    while True:
        opener.click()
        try:
            wanted.click(timeout=3_000)
            return
        except PlaywrightTimeout:
            if time.time() > deadline:
                page.screenshot(path=str(ARTIFACTS / "pick-in-vain.png"), full_page=True)
                raise AssertionError(f"the list never offered {option!r} (screenshot: pick-in-vain.png)")
            page.keyboard.press("Escape")


@pytest.mark.parametrize("width, height", [(1024, 768), (768, 1024)])
def test_demo_project_map_renders_offline(browser, app_url, width, height):
    ARTIFACTS.mkdir(exist_ok=True)
    with _browsing(browser, app_url, width, height) as (page, seen):
        page.goto(app_url)
        page.get_by_role("heading", name="Projekt och översikt").wait_for(timeout=60_000)
        _open_sidebar(page)
        _choose(page, "Projekt", "Tomt projekt")
        page.get_by_text("Projektet har inga OSM-data ännu").wait_for(timeout=30_000)
        _open_sidebar(page)
        _choose(page, "Projekt", "Karhula (demo)")
        page.get_by_role("heading", name="Översiktskarta: Karhula (demo)").wait_for(timeout=30_000)
        page.get_by_role("heading", name="Service per kategori").wait_for(timeout=30_000)

        maps = 'iframe[title="streamlit_folium.st_folium"]'
        page.wait_for_function(f"document.querySelectorAll('{maps}').length === 1")  # the old one has gone
        frame = page.frame_locator(maps)
        frame.locator(".leaflet-container").wait_for(timeout=30_000)
        frame.locator(".leaflet-overlay-pane canvas").first.wait_for(timeout=30_000)
        map_frame = next(f for f in page.frames if "streamlit_folium" in f.url and not f.is_detached())
        assert map_frame.evaluate("typeof L.version === 'string' && typeof jQuery === 'function'")
        layers = frame.locator(".leaflet-control-layers")
        layers.hover()
        assert "Kollektivtrafik (36)" in layers.inner_text()
        assert "Drivmedel (2)" in layers.inner_text()
        assert "OpenStreetMap contributors" in frame.locator(".leaflet-control-attribution").inner_text()
        map_box = frame.locator(".leaflet-container").bounding_box()
        assert map_box["width"] > 300 and map_box["height"] > 300
        page.mouse.move(0, 0)
        page.wait_for_timeout(500)
        page.screenshot(path=str(ARTIFACTS / f"start-{width}x{height}.png"), full_page=True)

        assert seen["errors"] == []
        assert seen["failed"] == []
        assert seen["hosts"] == {app_url.split("/")[2]}, "every request goes to the app itself"


KARHULA_BOWTIE = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": {
    "type": "Polygon", "coordinates": [[[26.944, 60.5195], [26.953, 60.5265], [26.953, 60.5195],
                                        [26.944, 60.5265], [26.944, 60.5195]]]}}]}


@pytest.mark.parametrize("width, height", [(1024, 768), (768, 1024)])
def test_area_drawn_edited_uploaded_repaired_saved_and_reopened(browser, app_url, app_home, tmp_path, width,
                                                                height):
    ARTIFACTS.mkdir(exist_ok=True)
    with _browsing(browser, app_url, width, height) as (page, seen):
        _goto(page, app_url, "Steg 1: Området", "BID-området")

        def save(comment: str) -> int:
            page.get_by_text("Gränsen är giltig och kan sparas.").wait_for(timeout=30_000)
            page.get_by_label("Ditt namn").fill("Anna BID-manager")
            page.get_by_label("Kommentar (vad ändrades och varför)").fill(comment)
            page.get_by_role("button", name="Spara version").click()
            message = page.get_by_text(re.compile(r"Version \d+ är sparad och är nu aktuell."))
            message.wait_for(timeout=30_000)
            return int(re.search(r"Version (\d+)", message.inner_text()).group(1))

        # Draw a new polygon with the polygon tool.
        frame = _editor(page, editing=False)
        frame.locator(".leaflet-draw-draw-polygon").click()
        box = frame.frame_element().bounding_box()
        cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        corners = [(cx - 90, cy - 70), (cx + 60, cy - 80), (cx + 90, cy + 40), (cx - 60, cy + 80)]
        for x, y in corners + corners[:1]:
            page.mouse.click(x, y)
            page.wait_for_timeout(250)
        page.screenshot(path=str(ARTIFACTS / f"area-drawn-{width}x{height}.png"))
        drawn = save("Ritad på plattan")

        # Edit the current one: drag a vertex, then save the edit in the toolbar.
        page.get_by_text("Redigera nuvarande").click()
        frame = _editor(page, editing=True)
        frame.locator(".leaflet-draw-edit-edit").click()
        corners = frame.locator(".leaflet-editing-icon:not(.leaflet-middle-icon)")
        corners.first.wait_for(timeout=30_000)
        map_box = frame.frame_element().bounding_box()
        centre = (map_box["x"] + map_box["width"] / 2, map_box["y"] + map_box["height"] / 2)
        boxes = [corners.nth(i).bounding_box() for i in range(corners.count())]
        hb = min(boxes, key=lambda b: (b["x"] - centre[0]) ** 2 + (b["y"] - centre[1]) ** 2)
        x, y = hb["x"] + hb["width"] / 2, hb["y"] + hb["height"] / 2
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(x + (centre[0] - x) / 3, y + (centre[1] - y) / 3, steps=10)
        page.mouse.up()
        frame.get_by_text("Spara", exact=True).click()
        edited = save("Flyttade ett hörn")
        assert edited == drawn + 1

        # Upload a boundary that crosses itself, see where, repair and save it.
        page.get_by_text("Ladda upp fil").click()
        bowtie = tmp_path / "korsar.geojson"
        bowtie.write_text(json.dumps(KARHULA_BOWTIE))
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(bowtie))
        page.get_by_text("Gränsen korsar sig själv vid 60.52300 N, 26.94850 E").wait_for(timeout=30_000)
        page.get_by_text("Reparera gränsen").click()
        page.get_by_text("Reparerad gräns: före").wait_for(timeout=30_000)
        page.screenshot(path=str(ARTIFACTS / f"area-repaired-{width}x{height}.png"))
        repaired = save("Reparerad fil")
        assert repaired == edited + 1

        # Re-open: a fresh page load shows the saved versions, the newest current.
        page.reload()
        page.get_by_role("heading", name="Versioner", exact=True).wait_for(timeout=60_000)
        table = page.locator('[data-testid="stDataFrame"]').last
        table.scroll_into_view_if_needed()
        page.wait_for_timeout(800)
        page.screenshot(path=str(ARTIFACTS / f"area-versions-{width}x{height}.png"))
        from bidgeo.area_versions import list_versions
        from bidgeo.db import open_store
        from bidgeo.projects import get_project

        engine = open_store(f"sqlite:///{app_home / 'bidgeo.sqlite'}")
        versions = list_versions(engine, get_project(engine, "Karhula (demo)").id)
        by_number = {v.number: v for v in versions}
        assert by_number[repaired].current and by_number[repaired].comment == "Reparerad fil"
        assert by_number[edited].comment == "Flyttade ett hörn"
        assert not by_number[edited].geometry.equals(by_number[drawn].geometry)
        engine.dispose()
        assert seen["errors"] == [] and seen["failed"] == [], seen  # _watch leaves out the deep-link probes
        assert seen["hosts"] == {app_url.split("/")[2]}


def test_stakeholder_register_in_the_browser(browser, app_url):
    with _browsing(browser, app_url, 1024, 768) as (page, seen):
        _goto(page, app_url, "Intressenter", "Intressentregistret")
        page.get_by_role("button", name="Lägg till nya förslag i intressentregistret").click()
        page.get_by_text(re.compile(r"\d+ intressenter lades till i registret.")).wait_for(timeout=30_000)
        page.get_by_role("button", name="Ladda ned CSV").wait_for(timeout=30_000)
        with page.expect_download() as download:
            page.get_by_role("button", name="Ladda ned CSV").click()
        text = Path(download.value.path()).read_text("utf-8-sig")
        assert "Neste Huttunen" in text and "Kontaktperson" not in text
        page.screenshot(path=str(ARTIFACTS / "stakeholders-1024x768.png"))
        assert seen["errors"] == [] and seen["failed"] == [], seen  # the URLs, if any failed


@pytest.mark.parametrize("width, height", [(1024, 768), (768, 1024)])
def test_coverage_what_if_in_the_browser(browser, app_url, width, height):
    with _browsing(browser, app_url, width, height) as (page, seen):
        _goto(page, app_url, "Gångavstånd", "Gångavstånd till service")
        frame = page.frame_locator('iframe[title="streamlit_folium.st_folium"]').last
        frame.locator(".leaflet-overlay-pane canvas").first.wait_for(timeout=60_000)
        _settle(page)
        iframe = page.locator('iframe[title="streamlit_folium.st_folium"]').last
        iframe.scroll_into_view_if_needed()
        page.wait_for_timeout(500)
        box = iframe.bounding_box()
        page.mouse.click(box["x"] + box["width"] * 0.3, box["y"] + min(box["height"] * 0.6, height - box["y"] - 20))
        page.get_by_role("button", name=re.compile("Lägg till tänkt service vid")).click(timeout=30_000)
        page.get_by_text(re.compile("Om förändringen genomförs får")).first.wait_for(timeout=30_000)
        page.get_by_text(re.compile("Om förändringen genomförs får")).first.scroll_into_view_if_needed()
        page.wait_for_timeout(800)
        page.screenshot(path=str(ARTIFACTS / f"coverage-{width}x{height}.png"))
        assert seen["errors"] == [] and seen["failed"] == [], seen  # the URLs, if any failed
        assert seen["hosts"] == {app_url.split("/")[2]}


def test_compare_in_the_browser(browser, app_url):
    with _browsing(browser, app_url, 1024, 768) as (page, seen):
        _goto(page, app_url, "Jämför orter", "Jämför orter")
        page.get_by_role("img").first.wait_for(timeout=60_000)
        with page.expect_download() as download:
            page.get_by_role("button", name="Ladda ned diagram (PNG)").click()
        assert Path(download.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        page.frame_locator('iframe[title="streamlit_folium.st_folium"]').last.locator(
            ".leaflet-overlay-pane canvas").first.wait_for(timeout=60_000)
        page.screenshot(path=str(ARTIFACTS / "compare-1024x768.png"))
        assert seen["errors"] == [] and seen["failed"] == [], seen  # the URLs, if any failed


@pytest.mark.parametrize("width, height", [(1024, 768), (768, 1024)])
def test_change_log_in_the_browser(browser, app_url, app_home, width, height):
    from datetime import date

    from bidgeo import audit, walks

    engine = open_store(f"sqlite:///{app_home / 'bidgeo.sqlite'}")
    demo = ensure_demo(engine)
    walks.create_walk(audit.acting(engine, f"logg{width}"), demo.id, date(2026, 5, 22), f"Logg {width}")
    engine.dispose()
    with _browsing(browser, app_url, width, height) as (page, seen):
        _goto(page, app_url, "Ändringslogg", "Ändringslogg")
        page.locator('[data-testid="stDataFrame"]').wait_for(timeout=60_000)
        with page.expect_download() as download:
            page.get_by_role("button", name="Ladda ned loggen (CSV)").click()
        rows = Path(download.value.path()).read_text("utf-8-sig").splitlines()
        assert rows[0] == "Tid,Vem,Vad,Slag,Referens,Ändringar"
        assert any(f",logg{width},lade till,vandring," in row and f"Fokusgrupp: Logg {width}" in row for row in rows)
        page.screenshot(path=str(ARTIFACTS / f"audit-{width}x{height}.png"))
        assert seen["errors"] == [] and seen["failed"] == [], seen  # the URLs, if any failed


def test_services_page_in_the_browser(browser, app_url):
    with _browsing(browser, app_url, 768, 1024) as (page, seen):
        _goto(page, app_url, "Service", "Service på orten")
        page.frame_locator('iframe[title="streamlit_folium.st_folium"]').last.locator(
            ".leaflet-overlay-pane canvas").first.wait_for(timeout=60_000)
        page.get_by_label("Sök på namn").fill("Teboil")
        page.get_by_label("Sök på namn").press("Enter")
        page.wait_for_function("document.querySelector('a[href=\"https://www.openstreetmap.org/node/960200411\"]')",
                               timeout=30_000)
        assert page.get_by_role("link", name="Öppna objektet i OpenStreetMap").get_attribute("href") == \
            "https://www.openstreetmap.org/node/960200411"
        page.screenshot(path=str(ARTIFACTS / "services-768x1024.png"))
        assert seen["errors"] == [] and seen["failed"] == [], seen  # the URLs, if any failed
        assert seen["hosts"] == {app_url.split("/")[2]}


def test_register_import_in_the_browser(browser, app_url, tmp_path):
    from pyproj import Transformer

    x, y = Transformer.from_crs(4326, 3006, always_xy=True).transform([26.950, 26.952], [60.523, 60.524])
    good = tmp_path / "kommunens_service.csv"
    good.write_text(f"Namn;Typ;E;N\nKarhulan apteekki;Apotek;{x[0]:.1f};{y[0]:.1f}\n"
                    f"Karhulan kirjasto;Bibliotek;{x[1]:.1f};{y[1]:.1f}\n", "utf-8")
    bad = tmp_path / "trasig.csv"
    bad.write_text(f"Namn;Typ;E;N\n;Apotek;{x[0]:.1f};{y[0]:.1f}\nKirjasto;Bibliotek;;\n", "utf-8")
    with _browsing(browser, app_url, 1024, 768) as (page, seen):
        _goto(page, app_url, "Service", "Service på orten")
        page.get_by_text("Importera ett register (CSV, XLSX eller GeoPackage)").click()
        uploader = page.locator('[data-testid="stFileUploaderDropzoneInput"]').nth(1)
        uploader.set_input_files(str(bad))
        page.get_by_role("button", name="Importera registret").click()
        page.get_by_text("2 rader har fel. Inget importerades").wait_for(timeout=30_000)
        uploader.set_input_files(str(good))  # its own run clears the old errors; then the button reads it
        page.get_by_text("2 rader har fel. Inget importerades").wait_for(state="detached", timeout=60_000)
        page.get_by_role("button", name="Importera registret").click()
        page.get_by_text("2 servicepunkter importerades.").wait_for(timeout=30_000)
        page.screenshot(path=str(ARTIFACTS / "services-register-1024x768.png"))
        assert seen["errors"] == [] and seen["failed"] == [], seen  # the URLs, if any failed


WALKER = {"latitude": 60.52318, "longitude": 26.94805, "accuracy": 8}


@pytest.mark.parametrize("width, height", [(768, 1024), (1024, 768)])
def test_place_walk_on_a_tablet_loses_nothing(browser, app_url, app_home, width, height):
    """All five focus areas recorded with fake GPS, a tap on the map and the fake camera;
    one saved with a double tap; a reload mid-form: exactly the saved observations, and the
    draft intact."""
    from urllib.parse import parse_qs, urlparse

    from bidgeo import photos, walks

    engine = open_store(f"sqlite:///{app_home / 'bidgeo.sqlite'}")
    demo = ensure_demo(engine)
    group = f"Handlarna {width}x{height}"
    with _browsing(browser, app_url, width, height, geolocation=WALKER,
                   permissions=["geolocation", "camera"]) as (page, seen):
        page.goto(f"{app_url}/walk?project={demo.id}")  # the project in the address, as after a reload
        page.get_by_role("heading", name="Platsvandring").wait_for(timeout=60_000)
        create = page.get_by_role("button", name="Skapa vandringen")
        if not create.is_visible():
            page.get_by_text("Ny vandring").click()
        page.get_by_label("Fokusgrupp").fill(group)
        create.click()
        [walk] = _until(page, lambda: [w for w in walks.walks(engine, demo.id) if w.focus_group == group],
                        "the new walk in the database")
        page.get_by_role("radio", name="Registrera").wait_for(timeout=30_000)
        page.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=30_000)
        _settle(page)

        def form_uuid() -> str:
            return parse_qs(urlparse(page.url).query)["obs"][0]

        def fill(area: str, kind: str, rating: str, comment: str) -> str:
            uuid = form_uuid()
            page.get_by_role("button", name=area).click()
            _settle(page)
            page.get_by_role("radio", name=kind, exact=True).click()
            page.get_by_role("radio", name=rating, exact=True).click()
            page.get_by_label("Kommentar").fill(comment)
            page.get_by_label("Kommentar").press("Tab")  # a text area commits when it loses focus
            return uuid

        def use_gps() -> None:
            page.frame_locator('iframe[title="ui.geolocation"]').get_by_role("button").click()
            page.get_by_text("noggrannhet ±8 m").wait_for(timeout=30_000)

        def saved(count: int, double: bool = False) -> None:
            button = page.get_by_role("button", name="Spara observationen")
            button.dblclick() if double else button.click()
            page.get_by_text(f"Sparad ✓ – {count} observationer i vandringen.").wait_for(timeout=30_000)
            _settle(page)

        recorded = {}
        uuid = fill("Platsvarumärke", "Styrka", "5", "Skylten vid infarten syns <b>bra</b>")
        use_gps()
        page.screenshot(path=str(ARTIFACTS / f"walk-form-{width}x{height}.png"), full_page=True)
        saved(1)
        recorded[uuid] = "Skylten vid infarten syns <b>bra</b>"

        uuid = fill("Utbud", "Utmaning", "2", "Ingen bankomat i centrum")
        use_gps()
        saved(2, double=True)  # a double tap stores one observation
        recorded[uuid] = "Ingen bankomat i centrum"

        uuid = fill("Tillgänglighet", "Utmaning", "1", "Hög trottoarkant vid busshållplatsen")
        frame = page.frame_locator('iframe[title="streamlit_folium.st_folium"]').last
        frame.locator(".leaflet-overlay-pane canvas").first.wait_for(timeout=30_000)
        page.locator('iframe[title="streamlit_folium.st_folium"]').last.scroll_into_view_if_needed()
        box = page.locator('iframe[title="streamlit_folium.st_folium"]').last.bounding_box()
        page.mouse.click(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.6)
        page.get_by_text("(vald på kartan)").wait_for(timeout=30_000)
        saved(3)
        recorded[uuid] = "Hög trottoarkant vid busshållplatsen"

        uuid = fill("Rent, tryggt och säkert", "Idé", "3", "'; DROP TABLE observations; --")
        page.get_by_text("Ta foto med kameran").click()
        page.wait_for_function("Array.from(document.querySelectorAll('video')).some(v => v.readyState >= 2)",
                               timeout=30_000)  # the fake camera is streaming
        page.get_by_role("button", name="Ta fotot").click()  # Streamlit's camera, in Swedish (ui.chrome)
        page.get_by_role("button", name="Ta om fotot").wait_for(timeout=30_000)  # taken
        _until(page, lambda: photos.photos(engine, demo.id, [uuid]), "the camera's photo in the database")
        use_gps()
        saved(4)
        recorded[uuid] = "'; DROP TABLE observations; --"

        uuid = fill("Platsen", "Styrka", "4", "Torget har fina träd")
        use_gps()
        saved(5)
        recorded[uuid] = "Torget har fina träd"

        # Mid-form: a reload (or a dropped connection) keeps what was typed.
        draft = fill("Platsvarumärke", "Idé", "3", "Halvfärdig tanke om en ortsfest")
        use_gps()
        # (a new form takes the GPS position at once: wait for what was typed, too)
        _until(page, lambda: (walks.draft(engine, draft) or {}).get("lat") is not None and
               walks.draft(engine, draft).get("comment") == "Halvfärdig tanke om en ortsfest",
               "the draft's comment and GPS position in the database")
        page.reload()
        page.get_by_role("heading", name="Platsvandring").wait_for(timeout=60_000)
        page.get_by_label("Kommentar").wait_for(timeout=30_000)
        assert page.get_by_label("Kommentar").input_value() == "Halvfärdig tanke om en ortsfest"
        assert form_uuid() == draft
        page.get_by_text("(GPS) · noggrannhet ±8 m").wait_for(timeout=30_000)
        _settle(page)
        page.screenshot(path=str(ARTIFACTS / f"walk-reloaded-{width}x{height}.png"), full_page=True)

        observations = walks.observations(engine, demo.id, walk.id)
        assert dict(zip(observations["uuid"], observations["comment"])) == recorded
        assert sorted(observations["focus_area"]) == sorted(walks.FOCUS_AREAS)
        assert observations.set_index("uuid").loc[list(recorded)[3], "photos"] == 1
        assert walks.draft(engine, draft) == {
            "walk_id": walk.id, "focus_area": "place_brand", "kind": "idea", "rating": 3,
            "comment": "Halvfärdig tanke om en ortsfest", "lon": pytest.approx(WALKER["longitude"]),
            "lat": pytest.approx(WALKER["latitude"]), "position_source": "gps", "accuracy_m": 8}

        page.get_by_role("radio", name="Observationer och karta").click()
        page.frame_locator('iframe[title="streamlit_folium.st_folium"]').last.locator(
            ".bidgeo-marker").first.wait_for(timeout=30_000)
        _settle(page)
        page.screenshot(path=str(ARTIFACTS / f"walk-map-{width}x{height}.png"), full_page=True)
        assert seen["errors"] == [] and seen["failed"] == [], seen  # the URLs, if any failed
        assert seen["hosts"] == {app_url.split("/")[2]}
    engine.dispose()


@pytest.mark.parametrize("width, height", [(1024, 768), (768, 1024)])
def test_steering_group_review_on_a_projector_and_a_tablet(browser, app_url, app_home, width, height):
    from datetime import date

    from bidgeo import review, walks

    engine = open_store(f"sqlite:///{app_home / 'bidgeo.sqlite'}")
    demo = ensure_demo(engine)
    walk = walks.create_walk(engine, demo.id, date(2026, 5, 20), f"Granskning {width}")
    tunnel = walks.new_uuid()
    walks.save_observation(engine, demo.id, walk, tunnel, {
        "focus_area": "clean_safe", "kind": "challenge", "rating": 1, "comment": f"Mörk gångtunnel <i>kväll</i> {width}",
        "lon": 26.9562 + (width - 768) / 256_000, "lat": 60.5201, "position_source": "map"})  # apart per size
    with _browsing(browser, app_url, width, height) as (page, seen):
        page.goto(f"{app_url}/review?project={demo.id}")
        page.get_by_role("heading", name="Styrgruppens granskning").wait_for(timeout=60_000)
        # Only this walk (other tests' walks are in the demo too), then tap its one marker.
        _pick(page, page.locator('[data-testid="stMultiSelect"]').first, f"2026-05-20 Granskning {width}")
        page.keyboard.press("Escape")
        frame = page.frame_locator('iframe[title="streamlit_folium.st_folium"]').last
        frame.locator(".bidgeo-marker").first.wait_for(timeout=30_000)
        _settle(page)
        assert frame.locator(".bidgeo-marker").count() == 1
        page.locator('iframe[title="streamlit_folium.st_folium"]').last.scroll_into_view_if_needed()
        frame.locator(".bidgeo-marker").first.click()
        page.get_by_role("heading", name="Rent, tryggt och säkert – Utmaning").wait_for(timeout=30_000)
        page.get_by_test_id("stText").get_by_text(f"Mörk gångtunnel <i>kväll</i> {width}", exact=True).wait_for(
            timeout=30_000)  # the walker's text, as plain text
        page.get_by_text("· Bedömning av observationen (1–5): 1").first.wait_for(timeout=30_000)

        def state() -> str | None:
            states = review.states(engine, demo.id).set_index("uuid")
            return states.loc[tunnel, "state"] if tunnel in states.index else None

        def comments() -> list[tuple[str, str]]:
            return [(c["author"], c["text"]) for c in review.comments(engine, demo.id).to_dict("records")
                    if c["uuid"] == tunnel]

        # A loaded machine: the page is rerunning (the large-text switch) while the reviewer
        # types and taps at once, and the server's save has to wait for another writer.
        busy = sqlite3.connect(app_home / "bidgeo.sqlite", isolation_level=None, timeout=30)
        busy.execute("BEGIN IMMEDIATE")
        try:
            page.get_by_text("Stor text (projektor)").click()
            page.get_by_label("Ditt namn (granskare)").fill("Styrgruppen")
            page.get_by_role("radio", name="Godtagen").click()
            page.get_by_label("Ny kommentar från styrgruppen").fill("Kommunen ser över belysningen")
            page.get_by_role("button", name="Spara granskningen").click()
            page.wait_for_timeout(2000)
            assert state() == "new" and comments() == []  # held up by the other writer, not saved yet
        finally:
            busy.execute("ROLLBACK")
            busy.close()
        _until(page, lambda: state() == "accepted", "the accepted state in the database")
        assert _until(page, comments, "the reviewer's comment in the database") == [
            ("Styrgruppen", "Kommunen ser över belysningen")]
        box = page.get_by_label("Ny kommentar från styrgruppen")
        _until(page, lambda: box.input_value() == "", "an empty comment box once the comment is saved")
        page.get_by_text("Kommunen ser över belysningen", exact=True).wait_for(timeout=30_000)  # shown with the review
        page.get_by_text("Gör till en åtgärd").wait_for(timeout=30_000)
        if not page.get_by_label("Ansvarig").is_visible():
            page.get_by_text("Gör till en åtgärd").click()
        page.get_by_label("Ansvarig").fill("Kommunen")
        page.get_by_role("button", name="Lägg till i handlingsplanen").click()
        _until(page, lambda: tunnel in set(review.actions(engine, demo.id)["uuid"]), "the action in the database")
        _settle(page)
        page.screenshot(path=str(ARTIFACTS / f"review-{width}x{height}.png"), full_page=True)
        assert _until(page, lambda: state() == "to_action", "the state to_action in the database")
        plan = review.actions(engine, demo.id)
        assert plan[plan["uuid"] == tunnel][["title", "owner"]].values.tolist() == [
            [f"Mörk gångtunnel <i>kväll</i> {width}", "Kommunen"]]
        assert seen["errors"] == [] and seen["failed"] == [], seen  # the URLs, if any failed
        assert seen["hosts"] == {app_url.split("/")[2]}
    engine.dispose()


@pytest.mark.parametrize("width, height", [(1024, 768), (768, 1024)])
def test_status_analysis_and_its_exports_in_the_browser(browser, app_url, app_home, tmp_path, width, height):
    from datetime import date

    from bidgeo import walks

    engine = open_store(f"sqlite:///{app_home / 'bidgeo.sqlite'}")
    demo = ensure_demo(engine)
    walk = walks.create_walk(engine, demo.id, date(2026, 5, 21), f"Analys {width}")
    for area, kind in [("place", "strength"), ("place", "challenge"), ("offering", "idea")]:
        walks.save_observation(engine, demo.id, walk, walks.new_uuid(), {
            "focus_area": area, "kind": kind, "rating": 3, "comment": f"{kind} <script>alert(1)</script>",
            "lon": 26.9485, "lat": 60.5228, "position_source": "map", "author": "Anna Andersson"})
    engine.dispose()
    with _browsing(browser, app_url, width, height) as (page, seen):
        page.goto(f"{app_url}/analysis?project={demo.id}")
        page.get_by_role("heading", name="Nulägesanalys").wait_for(timeout=60_000)
        page.get_by_role("radio", name="Platsen").click()
        page.frame_locator('iframe[title="streamlit_folium.st_folium"]').last.locator(
            ".bidgeo-marker").first.wait_for(timeout=30_000)
        page.get_by_text("challenge <script>alert(1)</script>").first.wait_for(timeout=30_000)  # text, not markup
        _settle(page)
        page.screenshot(path=str(ARTIFACTS / f"analysis-{width}x{height}.png"))
        sizes = {}
        for label, suffix in [("PDF-rapport", "pdf"), ("HTML-rapport med karta", "html"),
                              ("GeoPackage (QGIS)", "gpkg"), ("CSV-tabeller (zip)", "zip"), ("Excel", "xlsx")]:
            page.get_by_role("radio", name=label).click()
            page.get_by_role("button", name="Skapa filen").click()
            button = page.get_by_role("button", name=re.compile(rf"Ladda ned .*\.{suffix}$"))
            button.wait_for(timeout=60_000)
            with page.expect_download() as download:
                button.click()
            path = tmp_path / download.value.suggested_filename
            download.value.save_as(path)
            sizes[suffix] = path.stat().st_size
            if suffix == "pdf":
                assert path.read_bytes().startswith(b"%PDF")
            if suffix == "html":
                assert "<script>alert(1)</script>" not in path.read_text("utf-8")
        assert all(size > 1000 for size in sizes.values()), sizes
        assert seen["errors"] == [] and seen["failed"] == [], seen  # the URLs, if any failed
        assert seen["hosts"] == {app_url.split("/")[2]}


@pytest.mark.parametrize("width, height", [(1024, 768), (768, 1024)])
def test_the_seven_steps_in_the_browser(browser, app_url, app_home, width, height, tmp_path):
    import zipfile

    with _browsing(browser, app_url, width, height) as (page, seen):
        name = f"Processby {width}"
        engine = open_store(f"sqlite:///{app_home / 'bidgeo.sqlite'}")
        project = create_project(engine, name, locality="Processby")
        engine.dispose()
        page.goto(f"{app_url}/process?project={project.id}")
        page.get_by_role("heading", name="BID-processen, 18 månader").wait_for(timeout=60_000)
        for part, value in (("year", "2026"), ("month", "01"), ("day", "12")):  # the date field's segments
            page.get_by_role("spinbutton", name=f"{part}, Processen startar").click()
            page.keyboard.type(value)
        page.keyboard.press("Tab")
        page.get_by_role("button", name="Spara startdatum").click()
        page.get_by_text("Processens 18 månader är slut.").or_(page.get_by_text("Nu: steg")).first.wait_for(
            timeout=30_000)
        page.locator('[data-testid="stImage"] img').first.wait_for(timeout=30_000)  # the timeline
        page.screenshot(path=str(ARTIFACTS / f"process-timeline-{width}x{height}.png"))
        steps = page.locator('[data-testid="stExpander"] summary')
        labels = [steps.nth(i).inner_text() for i in range(7)]
        assert [re.search(r"Steg (\d)", label).group(1) for label in labels] == list("1234567")
        assert "2026-01-12 – 2026-03-08, 8 veckor" in labels[0]
        for i in range(7):  # open each step and see its checklist and deliverables
            summary = steps.nth(i)
            details = page.locator('[data-testid="stExpander"]').nth(i)
            if details.locator("details").get_attribute("open") is None:
                summary.click()
            details.get_by_role("button", name="Spara checklistan").wait_for(timeout=30_000)
        page.get_by_label("Organisation som tar över").fill("Processby företagarförening")
        page.get_by_label("Organisation som tar över").press("Tab")
        page.get_by_role("button", name="Spara överenskommelsen").click()
        page.get_by_role("button", name="Skapa överlämningspaketet").click()
        download_button = page.get_by_role("button", name=re.compile(r"Ladda ned overlamning-.*\.zip"))
        download_button.wait_for(timeout=60_000)
        with page.expect_download() as download:
            download_button.click()
        path = tmp_path / "handover.zip"
        download.value.save_as(path)
        assert "rapport.pdf" in zipfile.ZipFile(path).namelist()
        page.screenshot(path=str(ARTIFACTS / f"process-{width}x{height}.png"))
        assert seen["errors"] == [] and seen["failed"] == [], seen  # the URLs, if any failed
        assert seen["hosts"] == {app_url.split("/")[2]}


def test_overpass_and_file_reimports_in_the_browser(browser, app_url, fake_overpass, monkeypatch):
    """Last in the module: it changes the demo project's inventory."""
    from bidgeo import overpass
    from bidgeo.area import read_area

    monkeypatch.setenv("BIDGEO_OVERPASS_URL", fake_overpass.url)  # what the app fetches, fetched here too
    expected = len(overpass.services(read_area(REPO / "data" / "demo" / "karhula_centrum.geojson")))
    with _browsing(browser, app_url, 768, 1024) as (page, seen):
        _goto(page, app_url, "Service", "Service på orten")
        page.get_by_role("button", name="Hämta från OpenStreetMap (området + 2 km)").click()
        page.get_by_text(f"{expected} servicepunkter importerades.").wait_for(timeout=30_000)
        assert len(fake_overpass.requests) >= 1
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(
            str(REPO / "tests" / "data" / "taxonomy_cases.osm"))
        page.get_by_role("button", name="Importera filen").click()
        page.get_by_text("17 servicepunkter importerades.").wait_for(timeout=30_000)
        page.get_by_text(f"Nya: 17 · Borta: {expected}").wait_for(timeout=30_000)
        _settle(page)
        page.screenshot(path=str(ARTIFACTS / "services-reimported-768x1024.png"), full_page=True)
        assert seen["errors"] == [] and seen["failed"] == [], seen  # the URLs, if any failed
        assert seen["hosts"] == {app_url.split("/")[2]}


# --- accounts on (BIDGEO_AUTH=1): a second app of its own ---------------------------------------------

ACCOUNT_PASSWORD = "styrgruppen-2025!"


@pytest.fixture(scope="module")
def auth_app(tmp_path_factory):
    """The app with accounts on, on its own port and store: the demo project, a viewer and
    an editor in it. Yields (url, demo project id)."""
    from bidgeo import accounts

    home = tmp_path_factory.mktemp("browser-auth-home")
    env = {**os.environ, "BIDGEO_HOME": str(home), "BIDGEO_AUTH": "1"}
    env.pop("BIDGEO_DATABASE_URL", None)
    engine = open_store(f"sqlite:///{home / 'bidgeo.sqlite'}")
    demo = ensure_demo(engine)
    for username, role in (("vera", "viewer"), ("erik", "editor")):
        accounts.create_user(engine, username, ACCOUNT_PASSWORD, username.title())
        accounts.grant(engine, username, demo.id, role)
    engine.dispose()
    with serve_app(home, env) as url:
        yield url, demo.id


def _log_in(page, username: str, password: str = ACCOUNT_PASSWORD) -> None:
    page.get_by_role("heading", name="Logga in").wait_for(timeout=60_000)
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(password)
    page.get_by_label("Lösenord").press("Enter")


EDITING_LINKS = ("Processen (7 steg)", "Steg 1: Området", "Steg 2: Platsvandring", "Styrgruppen: granskning",
                 "Service", "Intressenter")


def test_a_viewer_cannot_open_the_editing_pages_in_the_browser(browser, auth_app):
    """Accounts on: a wrong password is refused without saying what was wrong; a viewer sees
    only the pages for looking, and the place walk's address opened directly shows no form."""
    url, demo_id = auth_app
    ARTIFACTS.mkdir(exist_ok=True)
    with _browsing(browser, url, 1024, 768) as (page, seen):
        page.goto(url)
        _log_in(page, "vera", "inte rätt lösenord")
        page.get_by_text("Fel användarnamn eller lösenord.").wait_for(timeout=30_000)
        page.screenshot(path=str(ARTIFACTS / "login-failed-1024x768.png"), full_page=True)
        _log_in(page, "vera")
        page.get_by_role("heading", name="Projekt och översikt").wait_for(timeout=60_000)
        _open_sidebar(page)
        sidebar = page.locator('[data-testid="stSidebar"]')
        sidebar.get_by_text("Inloggad som Vera · läsare").wait_for(timeout=30_000)
        for link in ("Start", "Steg 2–3: Nulägesanalys", "Gångavstånd", "Jämför orter"):
            assert sidebar.get_by_role("link", name=link, exact=True).count() == 1, link
        for link in EDITING_LINKS:
            assert sidebar.get_by_role("link", name=link, exact=True).count() == 0, link
        assert page.get_by_text("Skapa ett nytt projekt").count() == 0  # only administrators create projects
        page.screenshot(path=str(ARTIFACTS / "viewer-start-1024x768.png"), full_page=True)

        page.goto(f"{url}/walk?project={demo_id}")  # typed into the address bar: a new session
        _log_in(page, "vera")
        page.get_by_role("heading", name="Projekt och översikt").wait_for(timeout=60_000)
        page.wait_for_timeout(1500)
        page.screenshot(path=str(ARTIFACTS / "viewer-walk-address-1024x768.png"), full_page=True)
        assert page.get_by_role("heading", name="Platsvandring").count() == 0
        assert page.get_by_role("button", name="Spara observationen").count() == 0
        assert page.get_by_role("button", name="Skapa vandringen").count() == 0
        assert seen["errors"] == [] and seen["failed"] == [], seen  # the URLs, if any failed


def test_an_editor_opens_the_place_walk_in_the_browser(browser, auth_app):
    url, demo_id = auth_app
    with _browsing(browser, url, 1024, 768) as (page, seen):
        page.goto(f"{url}/walk?project={demo_id}")
        _log_in(page, "erik")
        page.get_by_role("heading", name="Platsvandring").wait_for(timeout=60_000)
        _open_sidebar(page)
        sidebar = page.locator('[data-testid="stSidebar"]')
        sidebar.get_by_text("Inloggad som Erik · redigerare").wait_for(timeout=30_000)
        assert sidebar.get_by_role("link", name="Steg 2: Platsvandring", exact=True).count() == 1
        assert sidebar.get_by_role("link", name="Styrgruppen: granskning", exact=True).count() == 0
        page.get_by_text("Ny vandring").first.wait_for(timeout=30_000)
        page.screenshot(path=str(ARTIFACTS / "editor-walk-1024x768.png"), full_page=True)
        sidebar.get_by_role("button", name="Logga ut").click()
        page.get_by_role("heading", name="Logga in").wait_for(timeout=30_000)
        assert seen["errors"] == []


@pytest.fixture(scope="module")
def oidc_app(tmp_path_factory):
    """The app with accounts on and sign-in through an OIDC provider (a fake one on
    127.0.0.1), on its own port and store: the demo project and an editor with an e-mail
    address. Yields (url, provider)."""
    from bidgeo import accounts
    from conftest import free_port
    from fake_oidc import CLIENT_ID, CLIENT_SECRET, FakeOidc

    home = tmp_path_factory.mktemp("browser-oidc-home")
    engine = open_store(f"sqlite:///{home / 'bidgeo.sqlite'}")
    demo = ensure_demo(engine)
    accounts.create_user(engine, "anna", ACCOUNT_PASSWORD, "Anna Andersson", email="Anna@Kommun.example")
    accounts.grant(engine, "anna", demo.id, "editor")
    engine.dispose()
    port = free_port()
    with FakeOidc("anna@kommun.example") as provider:
        secrets = home / "secrets.toml"
        secrets.write_text(f"""[auth]
redirect_uri = "http://127.0.0.1:{port}/oauth2callback"
cookie_secret = "en-lång-slumpmässig-hemlighet-för-kakan-0123456789"
client_id = "{CLIENT_ID}"
client_secret = "{CLIENT_SECRET}"
server_metadata_url = "{provider.url}/.well-known/openid-configuration"
""")
        env = {**os.environ, "BIDGEO_HOME": str(home), "BIDGEO_AUTH": "1"}
        env.pop("BIDGEO_DATABASE_URL", None)
        with serve_app(home, env, port=port, args=("--secrets.files", str(secrets))) as url:
            yield url, provider


def test_sign_in_through_the_organisations_oidc_provider(browser, oidc_app):
    """OIDC configured: "Logga in med organisationens konto" goes to the provider and back, the
    verified address is the account (its role, its pages), a reload keeps the login, logging
    out ends it; an address no account has is told so."""
    url, provider = oidc_app
    with _browsing(browser, url, 768, 1024) as (page, seen):
        page.goto(url)
        page.get_by_role("heading", name="Logga in").wait_for(timeout=60_000)
        page.get_by_role("button", name="Logga in med organisationens konto").click()
        page.get_by_role("heading", name="Projekt och översikt").wait_for(timeout=60_000)
        _open_sidebar(page)
        sidebar = page.locator('[data-testid="stSidebar"]')
        sidebar.get_by_text("Inloggad som Anna Andersson · redigerare").wait_for(timeout=30_000)
        assert sidebar.get_by_role("link", name="Steg 2: Platsvandring", exact=True).count() == 1
        assert sidebar.get_by_role("link", name="Styrgruppen: granskning", exact=True).count() == 0
        page.wait_for_timeout(1000)  # the sidebar slides in
        page.screenshot(path=str(ARTIFACTS / "oidc-signed-in-768x1024.png"), full_page=True)

        page.reload()  # the identity cookie keeps the login
        _open_sidebar(page)
        sidebar.get_by_text("Inloggad som Anna Andersson · redigerare").wait_for(timeout=60_000)
        sidebar.get_by_role("button", name="Logga ut").click()
        page.get_by_role("button", name="Logga in med organisationens konto").wait_for(timeout=60_000)

        provider.email = "okand@annan.example"
        page.get_by_role("button", name="Logga in med organisationens konto").click()
        # (the address as written; ui.literal keeps it from becoming a link with an invisible word joiner)
        page.get_by_text(re.compile("Du är inloggad som okand@\u2060?annan.example, men inget bidgeo-konto har den "
                                    "adressen.")).wait_for(
            timeout=60_000)
        page.screenshot(path=str(ARTIFACTS / "oidc-unknown-768x1024.png"), full_page=True)
        assert page.get_by_role("heading", name="Projekt och översikt").count() == 0
        assert seen["errors"] == [] and seen["failed"] == [], seen
        assert seen["hosts"] <= {url.split("/")[2], provider.url.split("/")[2]}

