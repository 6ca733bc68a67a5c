"""`bidgeo coverage` and `bidgeo compare` as a user runs them (docs/spec/cli.md)."""

import csv
import io
import json

from bidgeo import coverage
from conftest import CASES_OSM, DEMO_OSM
from test_cli import bidgeo
from test_cli_area import KARHULA
from test_area import geojson


def test_coverage_json_matches_the_library():
    result = bidgeo("coverage", DEMO_OSM, "--categories", "fuel,public_transport,bank")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["origins"] == 2159 and out["bands"] == [400, 800, 1200]
    expected = coverage.coverage(coverage.build_network(__import__("bidgeo.osm").osm.read_osm(DEMO_OSM)),
                                 keys=["fuel", "public_transport", "bank"]).summary()
    assert out == expected
    assert set(out["categories"]["fuel"]) == {"services", "median_m", "share_within"}
    assert out["categories"]["bank"]["median_m"] is None


def test_coverage_csv_bands_area_and_per_origin(tmp_path):
    area = tmp_path / "centre.geojson"
    area.write_bytes(geojson([KARHULA]))
    per_origin = tmp_path / "origins.csv"
    result = bidgeo("coverage", DEMO_OSM, "--area", area, "--bands", "300,600", "--categories", "fuel",
                    "--format", "csv", "--per-origin", per_origin)
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["category"] for r in rows] == ["fuel"] and "within_300" in rows[0] and "within_600" in rows[0]
    origins = list(csv.DictReader(per_origin.open()))
    assert 20 < len(origins) < 300
    assert set(origins[0]) == {"origin", "lon", "lat", "fuel"}
    assert all(26.94 <= float(o["lon"]) <= 26.96 for o in origins)
    share = sum(float(o["fuel"]) <= 300 for o in origins) / len(origins)
    assert float(rows[0]["within_300"]) == round(share, 4)


def test_coverage_bad_input():
    assert bidgeo("coverage", DEMO_OSM, "--bands", "0,x").returncode == 1
    wrong = bidgeo("coverage", DEMO_OSM, "--categories", "glass")
    assert wrong.returncode == 1 and "glass" in wrong.stderr
    assert bidgeo("coverage", "missing.osm").returncode == 2


def test_compare_projects(tmp_path):
    from bidgeo.db import open_store
    from bidgeo.projects import create_project

    url = f"sqlite:///{tmp_path / 'cmp.sqlite'}"
    engine = open_store(url)
    other = create_project(engine, "Byn", locality="Byn", osm_path=CASES_OSM)
    env = {"BIDGEO_DATABASE_URL": url}
    demo = bidgeo("demo", env=env).stdout.strip()
    result = bidgeo("compare", demo, "Byn", "--categories", "school,fuel", env=env)
    assert result.returncode == 0, result.stderr
    localities = json.loads(result.stdout)["localities"]
    assert [(loc["project"], loc["name"]) for loc in localities] == [(int(demo), "Karhula (demo)"), (other.id, "Byn")]
    assert localities[0]["coverage"]["categories"]["fuel"]["services"] == 2
    assert localities[1]["coverage"]["categories"]["school"]["services"] == 1
    table = bidgeo("compare", demo, "Byn", "--format", "csv", "--categories", "fuel", env=env)
    rows = list(csv.DictReader(io.StringIO(table.stdout)))
    assert [(r["name"], r["category"]) for r in rows] == [("Karhula (demo)", "fuel"), ("Byn", "fuel")]
    missing = bidgeo("compare", demo, "Ingen", env=env)
    assert missing.returncode == 2 and "Hittar inget projekt" in missing.stderr
