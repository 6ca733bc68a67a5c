"""Imports into a project from the command line: a local extract, live Overpass (a fake
server on 127.0.0.1) and a register, each a snapshot beside the corrections."""

from __future__ import annotations

import json

import geopandas as gpd
from shapely.geometry import Point

from bidgeo import inventory
from bidgeo.db import open_store
from bidgeo.demo import ensure_demo
from bidgeo.projects import service_points
from conftest import CASES_OSM, DEMO_OSM, REPO
from fake_overpass import FakeOverpass
from test_cli import bidgeo

AREA = REPO / "data" / "demo" / "karhula_centrum.geojson"


def test_file_and_overpass_imports_are_saved_and_keep_corrections(database_url, bidgeo_home):
    engine = open_store(database_url)
    demo = ensure_demo(engine)
    inventory.correct(engine, demo.id, "add", category="library", name="Bokbussen", point=Point(26.95, 60.52))
    env = {"BIDGEO_DATABASE_URL": database_url, "BIDGEO_HOME": str(bidgeo_home)}

    result = bidgeo("services", CASES_OSM, "--project", demo.id, "--format", "csv", env=env)
    assert result.returncode == 0, result.stderr
    assert "17 servicepunkter sparades som den senaste importen i ”Karhula (demo)”" in result.stderr
    points = service_points(engine, demo.id)
    assert len(points) == 17 + 1 and "Bokbussen" in set(points["name"])

    with FakeOverpass(DEMO_OSM) as fake:
        result = bidgeo("services", "--overpass", "--area", f"project:{demo.id}", "--buffer", "500",
                        "--project", str(demo.id), env={**env, "BIDGEO_OVERPASS_URL": fake.url})
    assert result.returncode == 0, result.stderr
    fetched = json.loads(result.stdout)["features"]
    assert len(fetched) == 18
    snapshots = inventory.snapshots(engine, demo.id)
    assert snapshots["source"].tolist()[:2] == ["overpass", "osm_file"]
    assert snapshots["count"].iloc[0] == 18
    points = service_points(engine, demo.id)
    assert len(points) == 18 + 1 and "Bokbussen" in set(points["name"])
    engine.dispose()


def test_register_import_with_type_mapping_and_row_errors(database_url, tmp_path):
    engine = open_store(database_url)
    demo = ensure_demo(engine)
    before = len(service_points(engine, demo.id))
    env = {"BIDGEO_DATABASE_URL": database_url}
    good = tmp_path / "kommunens_service.csv"
    good.write_text("Namn;Typ;lon;lat\nKarhulan apteekki;Apotek;26,950;60,523\n"
                    "Kotkan kirjasto;Lånestation;26.952;60.524\nÅVS Karhula;ÅVS;26.953;60.525\n", "utf-8")
    result = bidgeo("register", demo.id, good, "--name", "Namn", "--type", "Typ", "--x", "lon", "--y", "lat",
                    "--map", "Lånestation=library", "--map", "ÅVS=", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "2"  # the pharmacy guessed from its label, ÅVS left out
    points = service_points(engine, demo.id)
    added = points[points["source"] == "import"].sort_values("name")
    assert added["category"].tolist() == ["pharmacy", "library"] and len(points) == before + 2

    bad = tmp_path / "trasig.csv"
    bad.write_text("Namn;Typ;lon;lat\n;Apotek;26.95;60.52\nSalongen;Frisör;26.95;60.52\nKiosk;Apotek;x;60.5\n", "utf-8")
    result = bidgeo("register", demo.id, bad, "--name", "Namn", "--type", "Typ", "--x", "lon", "--y", "lat", env=env)
    assert result.returncode == 1
    assert "Rad 2: Namn saknas." in result.stderr and "Rad 3: Typen ”Frisör” har ingen kategori" in result.stderr
    assert "Rad 4: Koordinaterna saknas eller är ogiltiga." in result.stderr
    assert result.stderr.strip().endswith("Inget importerades; rätta raderna och försök igen.")
    assert len(service_points(engine, demo.id)) == before + 2  # nothing half-imported

    result = bidgeo("register", demo.id, good, "--name", "Namnet", "--type", "Typ", "--x", "lon", "--y", "lat",
                    env=env)
    assert result.returncode == 2 and "Kolumnen ”Namnet” finns inte i registret" in result.stderr
    result = bidgeo("--lang", "en", "register", demo.id, good, "--name", "Namn", "--type", "Typ", "--x", "lon",
                    "--y", "lat", "--crs", "EPSG:99999", env=env)
    assert result.returncode == 2 and "The coordinate system “EPSG:99999” is unknown" in result.stderr

    gpkg = tmp_path / "lista.gpkg"
    gpd.GeoDataFrame({"namn": ["Macken"], "typ": ["Drivmedel"]}, geometry=[Point(26.95, 60.52)], crs=4326) \
        .to_file(gpkg)
    result = bidgeo("register", demo.id, gpkg, "--name", "namn", "--type", "typ", env=env)
    assert result.returncode == 0, result.stderr
    assert "fuel" in set(service_points(engine, demo.id)["category"])
    engine.dispose()
