"""AppTest of the coverage and comparison pages (map widget patched)."""

from __future__ import annotations

import numpy as np
import pytest

import ui
from bidgeo import coverage, population
from bidgeo.i18n import number, percent
from bidgeo.projects import create_project, service_points
from conftest import CASES_OSM, DEMO_OSM, open_page


def test_coverage_table_and_map(fake_map):
    at = open_page("app_pages/coverage.py")
    assert not at.exception
    table = at.dataframe[0].value
    demo = ui.current_project()
    expected = coverage.coverage(coverage.network_for(DEMO_OSM), service_points(ui.store(), demo.id)).summary()
    row = table[table["Kategori"] == "Kollektivtrafik"].iloc[0]
    assert row["Antal"] == 36
    assert row["Median (m)"] == number(expected["categories"]["public_transport"]["median_m"], "sv")  # "1 374"
    assert row["Inom 400 m"] == pytest.approx(expected["categories"]["public_transport"]["share_within"]["400"] * 100)
    key, m, kwargs = fake_map.shown[-1]
    assert kwargs["returned_objects"] == ["last_clicked"]
    html = m.get_root().render()
    assert "Inom 400 m" in html and "Mer \\u00e4n 1\\u00a0200 m" in html  # layer names, JSON-encoded


def test_what_if_closing_and_adding(fake_map):
    at = open_page("app_pages/coverage.py")
    at.selectbox(key="cov_category").set_value("fuel").run()
    neste = [o for o in at.multiselect(key="cov_closed_fuel").options if "Neste" in o][0]
    at.multiselect(key="cov_closed_fuel").select(neste).run()
    assert not at.exception
    assert at.warning[0].value.startswith("Om förändringen genomförs får ")
    assert "byggnader mer än" in at.warning[0].value and "drivmedel" in at.warning[0].value
    # Tap the map at the worst-served building and add an imagined station there.
    net = coverage.network_for(DEMO_OSM)
    lon, lat = net.origin_lonlat[0]
    fake_map.answers["coverage-"] = {"last_clicked": {"lat": lat, "lng": lon}}
    at.run()
    at.button(key="cov_add").click().run()
    assert at.success and at.success[0].value.startswith("Om förändringen genomförs får ")
    services = service_points(ui.store(), ui.current_project().id)
    closed = list(services.index[services["name"] == "Neste Huttunen"])
    expected = coverage.what_if(net, services, "fuel", closed=closed, added=[(lon, lat)])
    assert at.metric[0].value == percent(expected.share(expected.after, 400), "sv")  # "48 %"
    assert at.metric[2].value == percent(expected.share(expected.after, 1200), "sv")


def test_population_grid_import_and_people(fake_map, tmp_path):
    net = coverage.network_for(DEMO_OSM)
    rows = "".join(f"{x:.6f},{y:.6f},{p}\n" for (x, y), p in zip(net.origin_lonlat[:50], range(1, 51)))
    grid = population.read_grid(("lon,lat,befolkning\n" + rows).encode(), "rutor.csv")
    population.set_grid(ui.store(), ui.current_project().id, grid)
    at = open_page("app_pages/coverage.py")
    at.toggle(key="cov_people").set_value(True).run()
    assert not at.exception
    assert [c.value for c in at.caption if "personer" in c.value] == ["1\u00a0275 personer i 50 rutor"]


def test_compare_two_localities(fake_map):
    ui.store()
    create_project(ui.store(), "Byn", osm_path=CASES_OSM)
    at = open_page("app_pages/compare.py")
    assert not at.exception
    assert len(at.multiselect(key="cmp_projects").value) == 2
    table = at.dataframe[0].value
    assert "Karhula (demo) · Antal" in table.columns and "Byn · Antal" in table.columns
    assert table.loc["Kollektivtrafik", "Karhula (demo) · Antal"] == "36"  # as Swedish readers write numbers
    assert table.loc["Skola", "Byn · Antal"] == "1"
    medians = table[[c for c in table.columns if c.endswith("Median (m)")]].stack()
    assert medians.str.fullmatch(r"\d{1,3}(\u00a0\d{3})*|–").all()  # whole metres, no decimal point
    shares = table[[c for c in table.columns if "inom" in c.lower()]].stack()
    assert len(shares) and shares.str.fullmatch(r"\d{1,3}\u00a0%").all()
    images = at.get("image")
    assert len(images) == 1
    assert len(at.get("download_button")) == 3
    maps_shown = [key for key, _, _ in fake_map.shown if key.startswith("compare-")]
    assert len(maps_shown) == 2


def test_compare_needs_two(fake_map):
    at = open_page("app_pages/compare.py")
    assert at.info[0].value == "Välj minst två projekt med OSM-data."


def test_comparison_png_is_a_real_chart():
    from PIL import Image
    import io

    from bidgeo import charts

    net = coverage.network_for(DEMO_OSM)
    result = coverage.coverage(net, keys=["fuel", "public_transport"])

    class P:
        def __init__(self, i, n):
            self.id, self.name = i, n

    table = coverage.comparison_table([(P(1, "Karhula"), result), (P(2, "Karhula igen"), result)], "sv")
    png = charts.comparison_png(table, 800, "sv")
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size[0] >= 1000
    pixels = np.asarray(image.convert("RGB"))
    assert (pixels != 255).any(axis=2).mean() > 0.02  # bars and text, not a blank page
