"""The follow-up page in Debian's Chromium at tablet sizes: the key figures, an indicator's
chart and table fit the screen, and the final report is made and offered for download.
Screenshots go to ``test-artifacts/``."""

from __future__ import annotations

import os

import pytest

from bidgeo.db import open_store
from conftest import serve_app
from followup import make_followed_up
from test_browser import ARTIFACTS, _browsing, browser  # noqa: F401 (browser: the fixture)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def followed_up_app(tmp_path_factory):
    home = tmp_path_factory.mktemp("followup-home")
    env = {**os.environ, "BIDGEO_HOME": str(home)}
    env.pop("BIDGEO_DATABASE_URL", None)
    engine = open_store(f"sqlite:///{home / 'bidgeo.sqlite'}")
    project = make_followed_up(engine)
    engine.dispose()
    with serve_app(home, env) as url:
        yield url, project


@pytest.mark.parametrize("width, height", [(768, 1024), (1024, 768)])
def test_follow_up_page_at_tablet_sizes(browser, followed_up_app, width, height):  # noqa: F811
    url, project = followed_up_app
    ARTIFACTS.mkdir(exist_ok=True)
    with _browsing(browser, url, width, height) as (page, seen):
        page.goto(f"{url}/followup?project={project}")
        page.get_by_role("heading", name="Uppföljning och slutrapport").wait_for(timeout=60_000)
        page.get_by_text("Genomförda åtgärder").wait_for(timeout=30_000)
        chart = page.locator('[data-testid="stImage"] img').first
        chart.wait_for(timeout=30_000)
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=chart.element_handle())
        box = chart.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width  # the chart fits the screen
        assert page.evaluate("document.documentElement.scrollWidth") <= width  # nothing sideways
        page.get_by_role("button", name="Skapa slutrapporten (PDF)").click()
        download = page.get_by_role("button", name="Ladda ned slutrapport-Karhula uppföljning.pdf")
        download.wait_for(timeout=120_000)
        page.screenshot(path=str(ARTIFACTS / f"followup-{width}x{height}.png"), full_page=True)
        with page.expect_download() as got:
            download.click()
        assert got.value.suggested_filename == "slutrapport-Karhula uppföljning.pdf"
        with open(got.value.path(), "rb") as pdf:
            assert pdf.read(5) == b"%PDF-"
        assert not seen["errors"] and not seen["failed"], seen
