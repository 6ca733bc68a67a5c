"""The running app in Debian's Chromium, driven by Playwright, at tablet sizes.

Screenshots go to ``test-artifacts/`` for a person to look at."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from bidgeo.db import open_store
from bidgeo.demo import ensure_demo
from bidgeo.projects import create_project
from conftest import REPO, require

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]
ARTIFACTS = REPO / "test-artifacts"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
def app_url(tmp_path_factory):
    """The app as the README starts it, on its own port and store, with the demo project
    and one empty project."""
    home = tmp_path_factory.mktemp("browser-home")
    env = {**os.environ, "BIDGEO_HOME": str(home)}
    env.pop("BIDGEO_DATABASE_URL", None)
    os.environ["BIDGEO_HOME"] = str(home)
    engine = open_store(f"sqlite:///{home / 'bidgeo.sqlite'}")
    ensure_demo(engine)
    create_project(engine, "Tomt projekt", locality="Leksand", municipality="Leksand")
    engine.dispose()
    port = _free_port()
    log = open(home / "streamlit.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port)],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=1)
            break
        except OSError:
            time.sleep(0.3)
    else:
        server.kill()
        pytest.fail("the app did not start: " + (home / "streamlit.log").read_text())
    yield url
    server.terminate()
    server.wait(10)
    log.close()


def _open_sidebar(page) -> None:
    expand = page.locator('[data-testid="stExpandSidebarButton"], [data-testid="stSidebarCollapsedControl"] button')
    if expand.count() and expand.first.is_visible():
        expand.first.click()
    page.locator('[data-testid="stSidebar"]').wait_for(state="visible")


def _choose(page, label: str, option: str) -> None:
    box = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').filter(has_text=label)
    box.get_by_role("combobox").click()
    page.get_by_role("option", name=option, exact=True).click()


@pytest.mark.parametrize("width, height", [(1024, 768), (768, 1024)])
def test_demo_project_map_renders_offline(browser, app_url, width, height):
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    errors, failed, hosts = [], [], set()
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # A map iframe replaced while it loads aborts its requests (net::ERR_ABORTED); that is
    # not a missing asset. The map that stays must have loaded everything (checked below).
    page.on("requestfailed", lambda req: failed.append(f"{req.url} {req.failure}")
            if req.failure != "net::ERR_ABORTED" else None)
    page.on("response", lambda res: failed.append(f"{res.url} {res.status}") if res.status >= 400 else None)
    page.on("request", lambda req: hosts.add(req.url.split("/")[2]) if req.url.startswith("http") else None)

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

    assert errors == []
    assert failed == []
    assert hosts == {app_url.split("/")[2]}, "every request goes to the app itself"
    context.close()
