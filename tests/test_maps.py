import json
import re

import folium
import pytest
from folium.plugins import Draw

from bidgeo import maps
from bidgeo.osm import read_osm
from conftest import CASES_OSM, DEMO_OSM


def rendered(m):
    return m.get_root().render()


@pytest.fixture(scope="module")
def cases():
    return read_osm(CASES_OSM)


def test_every_asset_is_served_locally():
    m = maps.overview_map(read_osm(DEMO_OSM), read_osm(DEMO_OSM).services, "sv")
    Draw().add_to(m)
    maps.use_local_assets(m, "/app/static/vendor")
    page = rendered(m)
    urls = set(re.findall(r'(?:src|href)="([^"]+)"', page))
    assert urls == {
        "/app/static/vendor/leaflet/leaflet.js",
        "/app/static/vendor/leaflet/leaflet.css",
        "/app/static/vendor/jquery/jquery.min.js",
        "/app/static/vendor/leaflet-draw/leaflet.draw.js",
        "/app/static/vendor/leaflet-draw/leaflet.draw.css",
    }
    for url in urls:  # and the files are there to serve
        assert (maps.config.REPO_ROOT / "static" / "vendor" / url.split("/vendor/")[1]).is_file()
    assert "https://" not in "".join(urls)
    # Leaflet's default marker images come from the served copy, set before any marker is made
    # (Leaflet's own guess, when leaflet.css is not applied yet, drops a slash).
    set_path = page.index('L.Icon.Default.imagePath = "/app/static/vendor/leaflet/images/";')
    assert set_path < min(page.index("L.geoJson("), page.index("new L.Marker("))


def test_an_asset_without_a_local_copy_is_refused():
    m = folium.Map(tiles=None)
    folium.plugins.MiniMap().add_to(m)
    with pytest.raises(ValueError, match="no local copy"):
        maps.use_local_assets(m, "/static")


def test_no_tiles_by_default_and_osm_attribution(cases, monkeypatch):
    page = rendered(maps.overview_map(cases, cases.services, "sv"))
    assert "L.tileLayer" not in page
    assert "OpenStreetMap contributors, ODbL 1.0" in page
    monkeypatch.setenv("BIDGEO_TILES_URL", "http://127.0.0.1:8080/{z}/{x}/{y}.png")
    page = rendered(maps.overview_map(cases, cases.services, "sv"))
    assert "http://127.0.0.1:8080/{z}/{x}/{y}.png" in page


def test_layers_per_category_in_the_users_language(cases):
    page = rendered(maps.overview_map(cases, cases.services, "en"))
    assert "Grocery, full range (2)" in page and "Cash withdrawal (2)" in page
    assert "Roads and buildings (OSM)" in page
    page = rendered(maps.overview_map(cases, cases.services, "sv"))
    assert "Dagligvaror, fullsortiment (2)" in page
    assert "Systembolag (1)" in page and "\\u00d6vrig handel (1)" in page  # JSON-encoded


def test_names_are_escaped_and_travel_as_data(cases):
    page = rendered(maps.overview_map(cases, cases.services, "sv"))
    assert "<script>alert(1)</script>" not in page
    # html.escape'd, then JSON-encoded with < > & as \u003c \u003e \u0026.
    assert "\\u0026lt;script\\u0026gt;alert(1)\\u0026lt;/script\\u0026gt; Kl\\u00e4der" in page


def test_legend_lists_only_present_categories(cases):
    legend = maps.legend_html(cases.services, "sv")
    assert legend.count("<svg") == 13  # each with its category's icon
    assert "Apotek (1)" in legend and "Drivmedel" not in legend


def test_each_category_has_its_icon_and_dense_ones_cluster_from_local_assets(cases):
    import geopandas as gpd
    import numpy as np

    from bidgeo import categories, icons

    for category in categories.categories():  # every icon the table names is bundled
        assert icons.svg(category.icon).startswith("<svg")
    page = rendered(maps.overview_map(cases, cases.services, "sv"))
    badges = {json.loads(f'"{h}"') for h in re.findall(r'"html": "((?:[^"\\]|\\.)*)"', page)}
    assert icons.badge("cart", "#2e7d32") in badges  # the DivIcon of full-range groceries
    assert icons.badge("pill", "#00897b") in badges and len(badges) == 13
    assert "markerClusterGroup" not in page  # a handful of points stays unclustered
    rng = np.random.default_rng(1)
    many = gpd.GeoDataFrame({"category": ["food_drink"] * 5000 + ["pharmacy"] * 3,
                             "name": [f"Kafé {i}" for i in range(5003)]},
                            geometry=gpd.points_from_xy(26.9 + rng.random(5003) / 20, 60.5 + rng.random(5003) / 40),
                            crs=4326)
    m = maps.overview_map(None, many, "sv")
    maps.use_local_assets(m, "/app/static/vendor")
    page = rendered(m)
    assert page.count("L.markerClusterGroup(") == 1  # only the dense category
    assert "/app/static/vendor/leaflet-markercluster/leaflet.markercluster.js" in page
    assert (maps.config.REPO_ROOT / "static/vendor/leaflet-markercluster/leaflet.markercluster.js").is_file()


def test_map_without_data_centres_on_sweden():
    import geopandas as gpd

    empty = gpd.GeoDataFrame({"category": [], "name": []}, geometry=[], crs=4326)
    m = maps.overview_map(None, empty, "sv")
    assert m.location == list(maps.SWEDEN_CENTRE)


def test_zoom_fits_the_bounds_without_leaflet():
    # Karhula's extract (about 2.4 x 1.5 km) fits a 520 x 400 px map at zoom 13.75-14.
    import math

    bounds = read_osm(DEMO_OSM).bounds
    zoom = maps.fit_zoom(bounds)
    assert zoom == int(zoom * 4) / 4

    def pixels(z):
        y = [math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) for lat in (bounds[1], bounds[3])]
        return ((bounds[2] - bounds[0]) / 360 * 256 * 2 ** z, (y[1] - y[0]) / (2 * math.pi) * 256 * 2 ** z)

    width, height = pixels(zoom)
    assert width <= 520 and height <= 400
    wider, taller = pixels(zoom + 0.25)
    assert wider > 520 or taller > 400  # the closest quarter step that fits
    m = maps.overview_map(read_osm(DEMO_OSM), read_osm(DEMO_OSM).services, "sv")
    assert "fitBounds" not in m.get_root().render()
    assert maps.fit_zoom((15.0, 60.0, 15.0, 60.0)) == 18.0  # a single point: closest zoom
