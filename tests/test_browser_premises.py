"""The premises page in Chromium at both tablet sizes (issue 17): the vacancy map drawn with its
legend, the figures and the chart, nothing wider than the screen, nothing fetched from outside."""

from __future__ import annotations

from datetime import date

import pytest

from bidgeo import premises
from bidgeo.db import open_store
from bidgeo.demo import ensure_demo
from test_browser import ARTIFACTS, _browsing, _goto, _settle, app_home, app_url, browser, fake_overpass  # noqa: F401

pytestmark = pytest.mark.browser

ROWS = [premises.PremiseRow(f"P{i}", f"Tapiontie {i}", status, "", 60.0 + i, day, 26.9470 + i * 0.0003, 60.5232)
        for i, (status, day) in enumerate([("in_use", date(2024, 5, 2)), ("vacant", date(2024, 5, 2)),
                                            ("let", date(2024, 5, 2)), ("vacant", date(2025, 5, 8)),
                                            ("refurbishing", date(2025, 5, 8))], start=1)]


@pytest.mark.parametrize("width, height", [(1024, 768), (768, 1024)])
def test_the_vacancy_map_on_a_tablet(browser, app_url, app_home, width, height):  # noqa: F811
    engine = open_store(f"sqlite:///{app_home / 'bidgeo.sqlite'}")
    premises.save_rows(engine, ensure_demo(engine).id, ROWS)
    engine.dispose()
    with _browsing(browser, app_url, width, height) as (page, seen):
        _goto(page, app_url, "Lokaler", "Lokaler och vakans")
        page.locator('iframe[title="streamlit_folium.st_folium"]').first.wait_for(timeout=60_000)
        _settle(page)
        frame = next(f for f in page.frames if "streamlit_folium" in f.url)
        frame.locator(".bidgeo-legend").wait_for(timeout=30_000)
        assert frame.locator(".bidgeo-legend").inner_text().split("\n") == [
            "I bruk (1)", "Tom (2)", "Uthyrd (1)", "Renoveras (1)", "Okänd (0)"]
        circles = frame.evaluate("""() => { const seen = new Set();
            for (const name of Object.keys(window)) {
                const value = window[name];
                if (value instanceof L.Map) { value.eachLayer(l => { if (l instanceof L.CircleMarker) { seen.add(l); } }); }
            }
            return seen.size; }""")
        assert circles == 5  # a circle per premise (drawn on the canvas)
        metrics = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
        assert metrics[:3] == ["5", "2", "40,0\u00a0%"]
        assert page.get_by_role("img").count() >= 1  # the chart over time
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(ARTIFACTS / f"premises-{width}x{height}.png"), full_page=True)
        assert seen["errors"] == [] and seen["failed"] == [], seen
        assert seen["hosts"] <= {app_url.split("/")[2]}, seen["hosts"]
