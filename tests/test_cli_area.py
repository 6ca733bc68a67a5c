"""`bidgeo area check` and `bidgeo area set` as a user runs them (docs/spec/cli.md)."""

import json
import time

import pytest

from test_area import RATTVIK, RATTVIK_SWEREF, geojson, kml, kml_polygon, zipped
from test_cli import bidgeo

KARHULA = [(26.9440, 60.5195), (26.9530, 60.5195), (26.9530, 60.5265), (26.9440, 60.5265), (26.9440, 60.5195)]


@pytest.fixture
def files(tmp_path):
    def write(name: str, data: bytes):
        path = tmp_path / name
        path.write_bytes(data)
        return path
    return write


def test_check_json_shape_for_a_valid_file(files):
    result = bidgeo("area", "check", files("bid.geojson", geojson([RATTVIK])), "--json")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert set(out) == {"valid", "area_m2", "perimeter_m", "vertices", "errors", "warnings"}
    assert out["valid"] is True and out["vertices"] == 5 and out["errors"] == [] and out["warnings"] == []
    assert 150_000 < out["area_m2"] < 250_000 and out["perimeter_m"] > 1000


@pytest.mark.parametrize("name, data, code, exit_code", [
    ("bid.geojson", geojson([RATTVIK[:-1]]), "unclosed_ring", 1),
    ("bid.geojson", geojson([RATTVIK_SWEREF]), "projected_without_crs", 1),
    ("bid.kml", kml(kml_polygon([(y, x) for x, y in RATTVIK])), "swapped_axes", 1),
    ("bid.geojson", b"{", "unreadable", 2),
    ("bid.docx", b"PK", "unsupported_format", 2),
    ("bid.zip", zipped({"../x.shp": b"1"}), "unreadable", 2),
])
def test_check_codes_and_exit_codes(files, name, data, code, exit_code):
    result = bidgeo("area", "check", files(name, data), "--json")
    assert result.returncode == exit_code
    out = json.loads(result.stdout)
    assert out["valid"] is False and out["errors"][0]["code"] == code
    assert out["area_m2"] is None


def test_check_in_english_and_as_text(files):
    path = files("bid.geojson", geojson([RATTVIK[:-1]]))
    result = bidgeo("--lang", "en", "area", "check", path)
    assert result.returncode == 1
    assert "[unclosed_ring]: The boundary is not closed" in result.stdout
    assert "inte sluten" in bidgeo("area", "check", path).stdout


def test_missing_file_exits_2(tmp_path):
    result = bidgeo("area", "check", tmp_path / "nope.geojson", "--json")
    assert result.returncode == 2 and json.loads(result.stdout)["errors"][0]["code"] == "unreadable"


def test_repair_writes_a_valid_polygon(files, tmp_path):
    bowtie = [[15.0, 60.0], [15.01, 60.01], [15.01, 60.0], [15.0, 60.01], [15.0, 60.0]]
    out = tmp_path / "fixed.geojson"
    result = bidgeo("area", "check", files("bowtie.geojson", geojson([bowtie])), "--json", "--repair", out)
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["errors"][0]["code"] == "self_intersection"
    assert "60.00500 N, 15.00500 E" in report["errors"][0]["message"]
    assert report["repaired"]["valid"] is True
    again = bidgeo("area", "check", out, "--json")
    assert again.returncode == 0 and json.loads(again.stdout)["valid"] is True


def test_hostile_files_answer_quickly(files):
    billion = b"""<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY a "aaaaaaaaaa">
    <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><kml>&c;</kml>"""
    for name, data in [("laughs.kml", billion), ("deep.geojson", b"[" * 100_000 + b"]" * 100_000),
                       ("random.gpkg", bytes(range(256)) * 4000), ("half.zip", zipped({"a.shp": b"x" * 100})[:60])]:
        start = time.perf_counter()
        result = bidgeo("area", "check", files(name, data), "--json")
        assert time.perf_counter() - start < 20
        assert result.returncode in (1, 2), name
        assert json.loads(result.stdout)["valid"] is False


def test_area_set_saves_versions_and_services_use_them(files, tmp_path):
    env = {"BIDGEO_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite'}"}
    project = bidgeo("demo", env=env).stdout.strip()  # comes with area version 1
    bad = bidgeo("area", "set", project, files("bad.geojson", geojson([KARHULA[:-1]])), env=env)
    assert bad.returncode == 1 and "unclosed_ring" in bad.stdout

    good = bidgeo("area", "set", "Karhula (demo)", files("centre.geojson", geojson([KARHULA])),
                  "--comment", "Centrum runt Tikankatu", "--author", "Anna", env=env)
    assert good.returncode == 0, good.stderr
    assert good.stdout.strip() == "2"
    assert "Version 2" in good.stderr and "outside_sweden" in good.stderr
    second = bidgeo("area", "set", project, files("centre2.geojson", geojson([KARHULA])), env=env)
    assert second.stdout.strip() == "3"

    inside = bidgeo("services", "data/demo/karhula_kotka_fi.osm.pbf", "--area", f"project:{project}",
                    "--format", "csv", env=env)
    assert inside.returncode == 0, inside.stderr
    categories = sorted(line.split(",")[0] for line in inside.stdout.splitlines()[1:])
    assert categories == ["fuel", "fuel"] + ["public_transport"] * 6


def test_area_set_unknown_project(files):
    result = bidgeo("area", "set", "Ingenstans", files("bid.geojson", geojson([RATTVIK])))
    assert result.returncode == 2 and "Hittar inget projekt" in result.stderr
