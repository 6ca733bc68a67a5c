"""The CLI as a user runs it: a real process, real exit codes, no tracebacks."""

import json
import os
import subprocess
import sys

import pytest

from bidgeo import __version__
from conftest import CASES_OSM, DEMO_OSM, REPO


def bidgeo(*args, env=None):
    result = subprocess.run(
        [sys.executable, "-m", "bidgeo", *map(str, args)],
        capture_output=True, text=True, timeout=120, env={**os.environ, **(env or {})}, cwd=REPO,
    )
    assert "Traceback" not in result.stderr
    return result


def test_version():
    result = bidgeo("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"bidgeo {__version__}"


def test_demo_then_projects(database_url):
    env = {"BIDGEO_DATABASE_URL": database_url}
    first = bidgeo("demo", env=env)
    assert first.returncode == 0, first.stderr
    project_id = int(first.stdout.strip())
    assert bidgeo("demo", env=env).stdout.strip() == str(project_id)  # refresh, same project
    listing = bidgeo("projects", "--json", env=env)
    assert listing.returncode == 0
    projects = json.loads(listing.stdout)
    assert [(p["id"], p["name"], p["locality"], p["services"]) for p in projects] == [
        (project_id, "Karhula (demo)", "Karhula", 43)
    ]
    assert bidgeo("projects", env=env).stdout.splitlines() == [f"{project_id}\tKarhula (demo)\tKarhula"]


def test_services_geojson_per_spec():
    result = bidgeo("services", CASES_OSM)
    assert result.returncode == 0, result.stderr
    collection = json.loads(result.stdout)
    assert collection["type"] == "FeatureCollection"
    features = collection["features"]
    assert len(features) == 17
    assert set(features[0]["properties"]) == {"category", "name", "osm_type", "osm_id", "source"}
    bank = [f for f in features if f["properties"]["osm_id"] == 3]
    assert sorted(f["properties"]["category"] for f in bank) == ["atm", "bank"]
    library = next(f for f in features if f["properties"]["osm_type"] == "relation")
    assert library["geometry"]["type"] == "Point" and library["properties"]["source"] == "osm"


def test_services_csv_to_file_inside_an_area(tmp_path):
    area = tmp_path / "centrum.geojson"
    # A square around nodes 1-4 of the fixture (lon 15.5999-15.6010, lat 60.5999-60.6007).
    area.write_text(json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {"namn": "Centrum"},
        "geometry": {"type": "Polygon", "coordinates": [[
            [15.5999, 60.5999], [15.6010, 60.5999], [15.6010, 60.6007], [15.5999, 60.6007], [15.5999, 60.5999]
        ]]}}]}))
    out = tmp_path / "services.csv"
    result = bidgeo("services", CASES_OSM, "--area", area, "--format", "csv", "--out", out)
    assert result.returncode == 0, result.stderr
    lines = out.read_text("utf-8").splitlines()
    assert lines[0] == "category,name,osm_type,osm_id,source,lon,lat"
    assert sorted(line.split(",")[0] for line in lines[1:]) == ["atm", "atm", "bank", "grocery_full", "grocery_partial"]


def test_services_on_the_demo_extract():
    result = bidgeo("services", DEMO_OSM, "--format", "csv")
    assert result.returncode == 0
    assert len(result.stdout.splitlines()) == 1 + 43


@pytest.mark.parametrize(
    "args, code, words",
    [
        (["services", "missing.osm.pbf"], 2, "finns inte"),
        (["services", "pyproject.toml"], 2, "inte en OSM-fil"),
        (["services", "tests/conftest.py"], 2, "inte en OSM-fil"),
        (["--lang", "en", "services", "missing.osm"], 2, "does not exist"),
        (["services", "tests/data/taxonomy_cases.osm", "--area", "missing.geojson"], 2, "finns inte"),
        (["services", "tests/data/taxonomy_cases.osm", "--area", "project:99"], 2, "Hittar inget projekt"),
        (["services", "tests/data/taxonomy_cases.osm", "--format", "shp"], 2,
         "--format kan inte vara ”shp”. Välj en av: geojson, csv."),
        (["nonsense"], 2, "bidgeo har inget kommando ”nonsense”"),
    ],
)
def test_failures_are_one_clear_line(args, code, words):
    result = bidgeo(*args)
    assert result.returncode == code
    assert words in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert result.stdout == ""


def test_unreadable_osm_and_area_files(tmp_path):
    broken = tmp_path / "broken.osm.pbf"
    broken.write_bytes(b"\x00\x01garbage" * 100)
    result = bidgeo("services", broken)
    assert result.returncode == 2 and "kunde inte läsas" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    points = tmp_path / "points.geojson"
    points.write_text(json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [15.6, 60.6]}}]}))
    result = bidgeo("services", CASES_OSM, "--area", points)
    assert result.returncode == 1 and "ingen yta" in result.stderr


def test_project_area_reference_without_an_area(tmp_path):
    from bidgeo.db import open_store
    from bidgeo.projects import create_project

    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    project_id = create_project(open_store(url), "Utan område").id
    result = bidgeo("services", CASES_OSM, "--area", f"project:{project_id}", env={"BIDGEO_DATABASE_URL": url})
    assert result.returncode == 1 and "inget avgränsat område" in result.stderr


def test_database_unavailable_exits_3():
    result = bidgeo("--db", "postgresql+psycopg://x:y@127.0.0.1:1/none", "projects")
    assert result.returncode == 3 and "BIDGEO_DATABASE_URL" in result.stderr
