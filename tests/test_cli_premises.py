"""``bidgeo premises import`` and ``premises list`` (docs/spec/cli.md): good and bad files of
each format (CSV, XLSX, GeoPackage), every bad row named and nothing saved, the JSON shape, and
the register as it was on a date."""

from __future__ import annotations

import json
from datetime import date, timedelta

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from bidgeo import premises
from bidgeo.db import open_store
from bidgeo.demo import ensure_demo
from test_cli import bidgeo

# Along Tapiontie and Tikankatu in the demo's BID area (Karhula).
GOOD = pd.DataFrame({
    "id": ["T1", "T2", "T3", "K1"],
    "address": ["Tapiontie 2, 48600 Kotka", "Tapiontie 4, 48600 Kotka", "Tapiontie 6", "Tikankatu 11"],
    "status": ["in_use", "vacant", "refurbishing", "vacant"],
    "use": ["grocery_full", "", "frisör", "food_drink"],
    "floor_area_m2": ["420", "85", "60", "140"],
    "observed": ["2025-03-01", "2025-03-01", "2025-04-10", "2025-04-10"],
    "lon": [26.9480, 26.9484, 26.9488, 26.9466],
    "lat": [60.5232, 60.5234, 60.5236, 60.5228],
})
LATER = pd.DataFrame({"id": ["T2"], "address": ["Tapiontie 4, 48600 Kotka"], "status": ["in_use"],
                      "use": ["Kahvila"], "floor_area_m2": ["85"], "observed": ["2025-09-01"],
                      "lon": [26.9484], "lat": [60.5234]})
FUTURE = (date.today() + timedelta(days=10)).isoformat()
BAD = pd.DataFrame({
    "id": ["B1", "B2", "B3", "B1", "B5"],
    "address": ["Tapiontie 8", "Tapiontie 10", "Tapiontie 12", "Tapiontie 14", "Helsinki"],
    "status": ["stängd", "vacant", "vacant", "vacant", "vacant"],
    "use": ["", "", "", "", ""],
    "floor_area_m2": ["50", "-20", "70", "80", "90"],
    "observed": ["2025-03-01", "2025-03-01", FUTURE, "2025-03-01", "2025-03-01"],
    "lon": [26.9490, 26.9491, 26.9492, 26.9493, 24.94],
    "lat": [60.5237, 60.5238, 60.5239, 60.5240, 60.17],
})
BAD_ROWS = [(2, "status"), (3, "floor_area_m2"), (4, "observed"), (5, "id")]


def write(table: pd.DataFrame, path):
    if path.suffix == ".csv":
        table.to_csv(path, index=False)
    elif path.suffix == ".xlsx":
        table.to_excel(path, index=False)
    else:
        frame = gpd.GeoDataFrame(table.drop(columns=["lon", "lat"]),
                                 geometry=[Point(x, y) for x, y in zip(table["lon"], table["lat"])], crs="EPSG:4326")
        frame.to_crs("EPSG:3006").to_file(path, driver="GPKG")  # SWEREF 99 TM: read back as WGS 84
    return path


@pytest.fixture
def demo(bidgeo_home):
    url = f"sqlite:///{bidgeo_home / 'cli.sqlite'}"
    engine = open_store(url)
    project = ensure_demo(engine)
    yield engine, project.id, {"BIDGEO_DATABASE_URL": url, "BIDGEO_HOME": str(bidgeo_home)}
    engine.dispose()


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".gpkg"])
def test_a_good_file_is_imported_and_listed(demo, tmp_path, suffix):
    engine, project_id, env = demo
    result = bidgeo("premises", "import", project_id, write(GOOD, tmp_path / f"lokaler{suffix}"), "--json", env=env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"imported": 4, "updated": 0, "statuses": 4, "unchanged": 0,
                                         "owners_added": 0, "errors": [], "warnings": []}
    register = premises.register(engine, project_id).set_index("key")
    assert register.loc["T1", ["address", "use", "floor_area_m2", "status"]].tolist() == \
        ["Tapiontie 2, 48600 Kotka", "grocery_full", 420.0, "in_use"]
    assert register.loc["K1"].geometry.distance(Point(26.9466, 60.5228)) < 1e-6

    result = bidgeo("premises", "list", str(project_id), "--json", env=env)
    assert result.returncode == 0, result.stderr
    listed = json.loads(result.stdout)
    assert {k: listed[k] for k in ("premises", "vacant", "vacancy_rate", "vacant_floor_area_m2", "by_status")} == {
        "premises": 4, "vacant": 2, "vacancy_rate": 0.5, "vacant_floor_area_m2": 225.0,
        "by_status": {"in_use": 1, "vacant": 2, "let": 0, "refurbishing": 1, "unknown": 0}}
    assert listed["by_street"]["Tapiontie"]["vacant"] == 1 and listed["by_street"]["Tikankatu"]["vacant"] == 1


def test_a_new_import_adds_to_the_history_and_list_tells_any_date(demo, tmp_path):
    engine, project_id, env = demo
    assert bidgeo("premises", "import", project_id, write(GOOD, tmp_path / "a.csv"), env=env).returncode == 0
    result = bidgeo("premises", "import", "Karhula (demo)", write(LATER, tmp_path / "b.csv"), env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ("0 nya lokaler, 1 ändrade, 1 nya statusobservationer, 0 oförändrade, "
                                     "0 nya fastighetsägare i intressentregistret.")

    def listed(*at):
        result = bidgeo("premises", "list", project_id, "--json", *at, env=env)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    assert (listed("--at", "2025-02-28")["premises"], listed("--at", "2025-02-28")["vacant"]) == (0, 0)
    march = listed("--at", "2025-03-15")
    assert (march["premises"], march["vacant"], march["vacancy_rate"], march["at"]) == (2, 1, 0.5, "2025-03-15")
    summer = listed("--at", "2025-06-30")
    assert (summer["premises"], summer["vacant"], summer["vacant_floor_area_m2"]) == (4, 2, 225.0)
    now = listed()
    assert (now["premises"], now["vacant"], now["vacant_floor_area_m2"], now["at"]) == \
        (4, 1, 140.0, date.today().isoformat())
    text = bidgeo("premises", "list", project_id, "--at", "2025-03-15", env=env)
    assert text.stdout.splitlines() == ["T1\tTapiontie 2, 48600 Kotka\tin_use\t2025-03-01\t420",
                                        "T2\tTapiontie 4, 48600 Kotka\tvacant\t2025-03-01\t85"]
    assert "2 lokaler den 2025-03-15, 1 tomma (50,0\u00a0% av dem med känd status)." in text.stderr

    bad = bidgeo("premises", "list", project_id, "--json", "--at", "15/3/2025", env=env)
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.strip() == "bidgeo: --at ska vara ett datum som ÅÅÅÅ-MM-DD, inte ”15/3/2025”."


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".gpkg"])
def test_a_bad_file_names_every_bad_row_and_saves_nothing(demo, tmp_path, suffix):
    engine, project_id, env = demo
    result = bidgeo("premises", "import", project_id, write(BAD, tmp_path / f"fel{suffix}"), "--json",
                    "--lang", "en", env=env)
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert [(e["row"], e["column"]) for e in report["errors"]] == BAD_ROWS
    assert report["imported"] == 0
    assert [(w["row"], w["column"]) for w in report["warnings"]] == [(6, "lon/lat")]
    lines = result.stderr.strip().splitlines()
    assert lines[0] == ("bidgeo: Error: Row 2, status: “stängd” is no status. Choose one of: in_use, vacant, let, "
                        "refurbishing, unknown.")
    assert lines[1] == "bidgeo: Error: Row 3, floor_area_m2: The floor area must be a number, 0 or more, not “-20”."
    assert lines[2].startswith(f"bidgeo: Error: Row 4, observed: {FUTURE} is after today")
    assert lines[3] == ("bidgeo: Error: Row 5, id: Id “B1” is already on row 2; each premise may appear once in "
                        "the file.")
    assert lines[4] == ("bidgeo: Warning: Row 6, lon/lat: Premise “B5” (Helsinki) lies outside the BID area. It is "
                        "saved anyway; check its position.")
    assert lines[-1] == "bidgeo: 4 rows have errors (see above). Nothing was saved; fix the rows and try again."
    assert premises.register(engine, project_id).empty


def test_unreadable_and_unsupported_files(demo, tmp_path):
    _, project_id, env = demo
    missing = bidgeo("premises", "import", project_id, tmp_path / "saknas.csv", env=env)
    assert missing.returncode == 2
    assert missing.stderr.strip().startswith("bidgeo: Lokalfilen ”") and "kunde inte läsas" in missing.stderr
    (tmp_path / "lokaler.txt").write_text("id,status\n")
    other = bidgeo("premises", "import", project_id, tmp_path / "lokaler.txt", env=env)
    assert other.returncode == 2
    assert other.stderr.strip() == "bidgeo: ”lokaler.txt” stöds inte. Använd CSV, XLSX eller GeoPackage."
    (tmp_path / "trasig.gpkg").write_bytes(b"not a geopackage")
    broken = bidgeo("premises", "import", project_id, tmp_path / "trasig.gpkg", env=env)
    assert broken.returncode == 2 and broken.stderr.startswith("bidgeo: Lokalfilen ”trasig.gpkg” kunde inte läsas: ")
    columns = tmp_path / "kolumner.csv"
    columns.write_text("id,adress,status\nA,Torget 1,vacant\n")
    result = bidgeo("premises", "import", project_id, columns, env=env)
    assert result.returncode == 1
    assert "bidgeo: Fel: Rad 1, observed: Kolumnen ”observed” saknas i filen." in result.stderr


def test_hostile_files_are_refused_within_the_registers_limits(demo, tmp_path):
    """A premises file is read as a register is (``bidgeo.untrusted``): a GeoPackage with a view,
    a CSV of too many rows or not in UTF-8 is refused in the project's words, and nothing saved."""
    import sqlite3

    engine, project_id, env = demo
    gpkg = write(GOOD, tmp_path / "vy.gpkg")
    with sqlite3.connect(gpkg) as db:
        db.execute("CREATE VIEW lokaler_vy AS SELECT * FROM vy")
    many = tmp_path / "manga.csv"
    many.write_bytes(b"id,address,status,use,floor_area_m2,observed,lon,lat\n"
                     + b"".join(b"L%d,Tapiontie 1,vacant,,10,2025-01-01,26.948,60.523\n" % i for i in range(100_001)))
    latin = tmp_path / "latin1.csv"
    latin.write_bytes("id,address,status,observed,lon,lat\nA,Växjövägen 1,vacant,2025-01-01,26.948,60.523\n"
                      .encode("latin-1"))
    said = {gpkg: "den innehåller vyn ”lokaler_vy”, och vyer läses inte av säkerhetsskäl",
            many: "den har fler än 100 000 rader", latin: "texten är inte UTF-8"}
    for path, reason in said.items():
        result = bidgeo("premises", "import", project_id, path, env=env)
        assert result.returncode == 2
        assert result.stderr.strip() == f"bidgeo: Lokalfilen ”{path.name}” kunde inte läsas: {reason}."
    assert premises.register(engine, project_id).empty
