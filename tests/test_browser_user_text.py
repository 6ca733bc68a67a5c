"""User text in Chromium: comments, names, notes and decisions that hold Markdown images and
links, HTML, $LaTeX$ and :shortcodes: are shown as written on every page that shows them, and
the browser fetches nothing they name (a tracking pixel on a server of our own counts the
requests)."""

from __future__ import annotations

import os
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bidgeo import process, review, stakeholders, walks
from bidgeo.db import open_store
from bidgeo.demo import ensure_demo
from conftest import serve_app
from test_browser import ARTIFACTS, _browsing, browser  # noqa: F401 (the fixture)

pytestmark = pytest.mark.browser


class _Pixel(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        _Pixel.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/gif")
        self.end_headers()
        self.wfile.write(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;")

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def pixel():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Pixel)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def hostile_app(tmp_path_factory, pixel):
    home = tmp_path_factory.mktemp("user-text-home")
    text = (f"![pixel]({pixel}/pixel.png) [länk]({pixel}/link) <img src=\"{pixel}/html.png\"> $x^2$ :smile: "
            f":red[röd] **fet**")
    engine = open_store(f"sqlite:///{home / 'bidgeo.sqlite'}")
    demo = ensure_demo(engine)
    walk = walks.create_walk(engine, demo.id, date(2026, 5, 12), text, participants=text)
    uuid = walks.new_uuid()
    walks.save_observation(engine, demo.id, walk, uuid, {
        "focus_area": "place_brand", "kind": "challenge", "rating": 2, "comment": text, "lon": 26.948,
        "lat": 60.523, "position_source": "gps", "author": text})
    review.set_state(engine, demo.id, uuid, "accepted", by=text)
    review.add_comment(engine, demo.id, uuid, text, text)
    process.start_process(engine, demo.id, date(2026, 4, 1))
    process.add_meeting(engine, demo.id, date(2026, 5, 20), text, text, [uuid])
    stakeholders.add(engine, demo.id, name=text, notes=text)
    engine.dispose()
    env = {**os.environ, "BIDGEO_HOME": str(home)}
    env.pop("BIDGEO_DATABASE_URL", None)
    with serve_app(home, env) as url:
        yield url, demo.id, text


@pytest.mark.parametrize("path, heading, in_text", [
    ("review", "Styrgruppens granskning", True),
    ("analysis", "Nulägesanalys", True),
    ("walk", "Platsvandring", True),
    ("process", "Processen", True),
    ("stakeholders", "Intressentregistret", False),  # the register is a table (drawn on a canvas)
])
def test_user_text_is_shown_as_written_and_fetches_nothing(browser, hostile_app, pixel, path, heading,  # noqa: F811
                                                           in_text):
    url, project, text = hostile_app
    ARTIFACTS.mkdir(exist_ok=True)
    _Pixel.hits.clear()
    with _browsing(browser, url, 1024, 768) as (page, seen):
        page.goto(f"{url}/{path}?project={project}")
        page.get_by_role("heading", name=heading).first.wait_for(timeout=60_000)
        if path == "walk":  # the observations are in the list view
            page.get_by_role("radio", name="Observationer och karta").click()
            page.get_by_text("Välj en observation").first.wait_for(timeout=30_000)
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(1500)
        page.screenshot(path=str(ARTIFACTS / f"user-text-{path}.png"), full_page=True)
        visible = page.locator('[data-testid="stMain"]').inner_text() + "\n".join(page.evaluate(
            "Array.from(document.querySelectorAll('[data-testid=stMain] input')).map(i => i.value)"))
        images = page.evaluate("Array.from(document.querySelectorAll('img')).map(i => i.src)")
        links = page.evaluate("Array.from(document.querySelectorAll('a')).map(a => a.href)")
    assert _Pixel.hits == [], f"the browser fetched {_Pixel.hits} from the user's text on {path}"
    assert not [src for src in images if src.startswith(pixel)] and not [h for h in links if h.startswith(pixel)]
    if in_text:
        visible = visible.replace("\u2060", "")
        assert f"![pixel]({pixel}/pixel.png)" in visible, visible[:2000]
        assert ":smile:" in visible and "**fet**" in visible and "$x^2$" in visible
