"""The premises register (issue 17): the history of each premise's status, vacancy on any date
by count and by floor area, per street, on SQLite and PostgreSQL; files checked row by row; OSM
suggestions; and a realistic register of some 300 premises along Karhula's real streets,
imported year by year."""

from __future__ import annotations

import random
from datetime import date, timedelta

import osmium
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point, box

from bidgeo import premises, stakeholders
from bidgeo.area import read_area
from bidgeo.demo import ensure_demo
from bidgeo.osm import read_osm
from bidgeo.projects import create_project
from conftest import DATA, DEMO_OSM, REPO

AREA = REPO / "data" / "demo" / "karhula_centrum.geojson"
TODAY = date.today()


def rows_of(records: list[dict]) -> pd.DataFrame:
    """An import file's table as read (text, empty cells "")."""
    return pd.DataFrame(records).fillna("").astype(str)


def row(key, status, observed, area="", address="Kauppakatu 1", lon=26.948, lat=60.523, use="", owner=""):
    return {"id": key, "address": address, "status": status, "use": use, "floor_area_m2": area,
            "observed": observed, "lon": lon, "lat": lat, "owner": owner}


def save(engine, project_id, records, lang="sv"):
    check = premises.check_table(rows_of(records), lang)
    assert check.errors == []
    return premises.save_rows(engine, project_id, check.rows)


def test_street_of_an_address():
    assert premises.street_of("Kauppakatu 12 B, 48600 Kotka") == "Kauppakatu"
    assert premises.street_of("Storgatan 3-5") == "Storgatan"
    assert premises.street_of("Torget") == "Torget"
    assert premises.street_of("") == ""


def test_history_is_kept_and_vacancy_told_as_it_was_on_any_date(engine):
    project = create_project(engine, name="Storby", locality="Storby")
    first = save(engine, project.id, [
        row("A", "in_use", "2024-01-10", "100", "Storgatan 1", owner="Fastighets AB Torget"),
        row("B", "vacant", "2024-01-10", "50", "Storgatan 3"),
        row("C", "in_use", "2024-01-10", "200", "Kyrkogatan 2"),
        row("D", "unknown", "2024-01-10", "30", "Kyrkogatan 4"),
    ])
    assert (first.imported, first.statuses, first.owners_added) == (4, 4, 1)
    # A year later: A closed, B let, C the same (no new history), E observed for the first time.
    second = save(engine, project.id, [
        row("A", "vacant", "2025-01-15", "100", "Storgatan 1"),
        row("B", "let", "2025-01-15", "50", "Storgatan 3"),
        row("C", "in_use", "2025-01-15", "200", "Kyrkogatan 2"),
        row("E", "vacant", "2025-01-15", "", "Kyrkogatan 6"),
    ])
    assert (second.imported, second.statuses, second.unchanged) == (1, 3, 1)
    again = save(engine, project.id, [row("A", "vacant", "2025-01-15", "100", "Storgatan 1")])
    assert (again.imported, again.updated, again.statuses, again.unchanged) == (0, 0, 0, 1)

    before = premises.vacancy(engine, project.id, date(2023, 12, 31))
    assert (before["premises"], before["vacant"], before["vacancy_rate"]) == (0, 0, 0.0)
    then = premises.vacancy(engine, project.id, date(2024, 6, 1))
    assert then["premises"] == 4 and then["known"] == 3 and then["vacant"] == 1
    assert then["vacancy_rate"] == round(1 / 3, 4)  # D's status is unknown: not in the rate
    assert then["vacant_floor_area_m2"] == 50.0 and then["vacancy_rate_floor_area"] == round(50 / 350, 4)
    assert then["by_status"] == {"in_use": 2, "vacant": 1, "let": 0, "refurbishing": 0, "unknown": 1}
    assert then["by_street"]["Storgatan"] == {"premises": 2, "vacant": 1, "vacant_floor_area_m2": 50.0}

    now = premises.vacancy(engine, project.id)
    assert now["premises"] == 5 and now["vacant"] == 2  # A and E; E has no floor area
    assert now["by_status"] == {"in_use": 1, "vacant": 2, "let": 1, "refurbishing": 0, "unknown": 1}
    assert now["vacancy_rate"] == 0.5 and now["vacant_floor_area_m2"] == 100.0
    assert now["vacancy_rate_floor_area"] == round(100 / 350, 4)
    streets = premises.per_street(premises.register(engine, project.id))
    assert streets.to_dict("records") == [
        {"street": "Kyrkogatan", "premises": 3, "vacant": 1, "vacant_floor_area_m2": 0.0},
        {"street": "Storgatan", "premises": 2, "vacant": 1, "vacant_floor_area_m2": 100.0}]

    a = premises.register(engine, project.id).set_index("key").loc["A"]
    assert a["owner"] == "Fastighets AB Torget"  # the second file named no owner: it is kept
    history = premises.status_history(engine, project.id, int(a["id"]))
    assert history[["status", "observed"]].values.tolist() == [["in_use", date(2024, 1, 10)],
                                                               ["vacant", date(2025, 1, 15)]]
    owners = stakeholders.register(engine, project.id)
    assert owners[["name", "role"]].values.tolist() == [["Fastighets AB Torget", "property_owner"]]

    line = premises.timeline(engine, project.id)
    assert line["date"].tolist() == [date(2024, 1, 10), date(2025, 1, 15), TODAY]
    assert line["vacant"].tolist() == [1, 2, 2] and line["vacancy_rate"].tolist() == [round(1 / 3, 4), 0.5, 0.5]

    # The walk's quick action: a status on a day, with a photo's uuid.
    premise_id = int(premises.register(engine, project.id).set_index("key").loc["E", "id"])
    premises.record_status(engine, project.id, premise_id, "in_use", photo_uuid="0" * 8 + "-0000-4000-8000-" + "0" * 12)
    assert premises.vacancy(engine, project.id)["vacant"] == 1
    assert premises.status_history(engine, project.id, premise_id)["source"].tolist() == ["import", "walk"]


def test_a_status_given_for_an_earlier_date_goes_into_the_past(engine):
    project = create_project(engine, name="Lillby", locality="Lillby")
    save(engine, project.id, [row("A", "vacant", "2025-01-01", "80")])
    save(engine, project.id, [row("A", "in_use", "2023-01-01", "80")])  # found in an old inventory
    assert premises.vacancy(engine, project.id, date(2024, 1, 1))["vacant"] == 0
    assert premises.vacancy(engine, project.id)["vacant"] == 1


def test_every_bad_row_is_named_by_row_and_column():
    future = (TODAY + timedelta(days=3)).isoformat()
    table = rows_of([
        row("A", "in_use", "2025-01-01", "120,5"),
        row("B", "closed", "2025-01-01", "-4"),
        row("C", "vacant", future, "abc"),
        row("A", "vacant", "2025-13-01"),
        row("", "", "", lon="", lat=""),
        row("F", "vacant", "2025-01-01", lon=30.5, lat=61.0),
    ])
    check = premises.check_table(table, "en", area=box(26.9, 60.5, 27.0, 60.6))
    assert [(e["row"], e["column"]) for e in check.errors] == [
        (3, "status"), (3, "floor_area_m2"), (4, "floor_area_m2"), (4, "observed"), (5, "id"), (5, "observed"),
        (6, "id"), (6, "status"), (6, "observed"), (6, "lon/lat")]
    messages = {(e["row"], e["column"]): e["message"] for e in check.errors}
    assert messages[(3, "status")] == "“closed” is no status. Choose one of: in_use, vacant, let, refurbishing, unknown."
    assert messages[(4, "observed")] == f"{future} is after today ({TODAY.isoformat()}). Give the day the premise was seen."
    assert messages[(5, "id")] == "Id “A” is already on row 2; each premise may appear once in the file."
    assert [(w["row"], w["column"]) for w in check.warnings] == [(7, "lon/lat")]
    assert [r.key for r in check.rows] == ["A", "F"] and check.rows[0].floor_area_m2 == 120.5


def test_a_file_without_a_needed_column_is_named():
    check = premises.check_table(pd.DataFrame({"id": ["A"], "status": ["vacant"], "lon": ["1"], "lat": ["2"]}), "sv")
    assert check.errors == [{"row": 1, "column": "observed", "message": (
        "Kolumnen ”observed” saknas i filen. Filen ska ha kolumnerna id, address, status, use, floor_area_m2, "
        "observed, lon, lat.")}]


def test_an_unknown_premise_or_status_is_refused(engine):
    project = create_project(engine, name="Byn", locality="Byn")
    save(engine, project.id, [row("A", "vacant", "2025-01-01")])
    premise_id = int(premises.register(engine, project.id)["id"][0])
    other = create_project(engine, name="Annan", locality="Annan")
    from bidgeo.errors import NotFoundError, ValidationError
    with pytest.raises(NotFoundError):
        premises.record_status(engine, other.id, premise_id, "in_use")
    with pytest.raises(ValidationError):
        premises.record_status(engine, project.id, premise_id, "closed")
    with pytest.raises(ValidationError):
        premises.record_status(engine, project.id, premise_id, "in_use", TODAY + timedelta(days=1))
    assert len(premises.status_history(engine, project.id, premise_id)) == 1


def test_osm_suggests_shops_vacant_shops_and_empty_shop_fronts(tmp_path):
    path = tmp_path / "town.osm"
    path.write_text("""<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6">
  <node id="1" lat="60.5230" lon="26.9480"><tag k="shop" v="bakery"/><tag k="name" v="Bageriet"/>
    <tag k="addr:street" v="Kauppakatu"/><tag k="addr:housenumber" v="3"/></node>
  <node id="2" lat="60.5231" lon="26.9482"><tag k="disused:shop" v="clothes"/>
    <tag k="addr:street" v="Kauppakatu"/><tag k="addr:housenumber" v="5"/></node>
  <node id="3" lat="60.5232" lon="26.9484"><tag k="shop" v="vacant"/></node>
  <node id="4" lat="60.6000" lon="26.9900"><tag k="shop" v="kiosk"/></node>
  <node id="5" lat="60.5233" lon="26.9486"><tag k="amenity" v="bench"/></node>
  <node id="10" lat="60.5240" lon="26.9470"/><node id="11" lat="60.5240" lon="26.9474"/>
  <node id="12" lat="60.5242" lon="26.9474"/><node id="13" lat="60.5242" lon="26.9470"/>
  <node id="14" lat="60.5241" lon="26.9472"><tag k="amenity" v="cafe"/><tag k="name" v="Kahvila"/></node>
  <node id="20" lat="60.5250" lon="26.9470"/><node id="21" lat="60.5250" lon="26.9474"/>
  <node id="22" lat="60.5252" lon="26.9474"/><node id="23" lat="60.5252" lon="26.9470"/>
  <way id="100"><nd ref="10"/><nd ref="11"/><nd ref="12"/><nd ref="13"/><nd ref="10"/>
    <tag k="building" v="retail"/></way>
  <way id="101"><nd ref="20"/><nd ref="21"/><nd ref="22"/><nd ref="23"/><nd ref="20"/>
    <tag k="building" v="commercial"/><tag k="addr:street" v="Torikatu"/><tag k="addr:housenumber" v="1"/></way>
</osm>""")
    area = box(26.94, 60.52, 26.95, 60.53)
    found = premises.suggestions(path, area).set_index("key")
    assert found.loc["osm:node/1", ["address", "status", "use"]].tolist() == ["Kauppakatu 3", "in_use", "retail"]
    assert found.loc["osm:node/2", ["status", "use"]].tolist() == ["vacant", "clothes"]
    assert found.loc["osm:node/3", "status"] == "vacant"
    assert found.loc["osm:node/14", ["status", "use"]].tolist() == ["in_use", "food_drink"]
    # The retail building holds the café: the café is the premise. The empty shop front is unknown.
    assert found.loc["osm:way/101", ["address", "status", "building"]].tolist() == ["Torikatu 1", "unknown", "way/101"]
    assert sorted(found.index) == ["osm:node/1", "osm:node/14", "osm:node/2", "osm:node/3", "osm:way/101"]
    assert "osm:node/1" not in set(premises.suggestions(path, area, known={"osm:node/1"})["key"])


def test_accepted_suggestions_join_the_register(engine, tmp_path):
    project = ensure_demo(engine)
    found = premises.suggestions(DEMO_OSM, read_area(AREA))
    # The demo's centre maps no shop, but a retail building: an empty shop front to check.
    assert found[["status", "building"]].values.tolist() == [["unknown", found["key"][0].removeprefix("osm:")]]
    assert read_area(AREA).contains(Point(found["lon"][0], found["lat"][0]))
    result = premises.accept(engine, project.id, found, observed=date(2025, 5, 1))
    assert result.imported == len(found)
    register = premises.register(engine, project.id)
    assert set(register["source"]) == {"osm"} and set(register["key"]) == set(found["key"])
    assert premises.suggestions(DEMO_OSM, read_area(AREA), premises.known_keys(engine, project.id)).empty


# --- a realistic register: some 300 premises along Karhula's real streets --------------------------

YEARS = [date(2023, 5, 4), date(2024, 5, 2), date(2025, 5, 8)]


def karhula_premises(seed: int = 17) -> tuple[list[dict], dict]:
    """Premises in the buildings of the demo's BID area, each on the nearest named street with a
    house number, and the status each had at each of three yearly inventories (vacancies come
    and go); returns the rows of the three import files and each premise's truth."""
    area = read_area(AREA)
    osm = read_osm(DEMO_OSM)
    streets = []
    for way in osmium.FileProcessor(str(DEMO_OSM), osmium.osm.NODE | osmium.osm.WAY).with_locations():
        if way.is_way() and "highway" in way.tags and "name" in way.tags:
            coords = [(n.lon, n.lat) for n in way.nodes if n.location.valid()]
            if len(coords) > 1:
                streets.append((way.tags["name"], shapely.LineString(coords)))
    points = osm.buildings.representative_point()
    inside = points[points.intersects(area)]
    rng = random.Random(seed)
    files, truth, numbers = [[], [], []], {}, {}
    for index, point in enumerate(inside):
        name = min(streets, key=lambda s: s[1].distance(point))[0]
        for unit in range(rng.choice([2, 2, 3])):
            numbers[name] = numbers.get(name, 0) + 1
            key = f"K{index:03d}-{unit}"
            address = f"{name} {numbers[name]}{'' if unit == 0 else ' ' + 'ABC'[unit - 1]}, 48600 Kotka"
            floor = rng.choice([45, 60, 85, 120, 240, 400])
            status = rng.choices(premises.STATUSES, [70, 15, 5, 5, 5])[0]
            history = []
            for year, day in enumerate(YEARS):
                if year and rng.random() < 0.2:
                    status = rng.choices(premises.STATUSES, [60, 25, 5, 10, 0])[0]
                history.append((day, status))
                files[year].append(row(key, status, day.isoformat(), str(floor), address,
                                       round(point.x, 7), round(point.y, 7)))
            truth[key] = {"street": name, "floor": floor, "history": history}
    return files, truth


def expected(truth: dict, at: date) -> dict:
    """Vacancy on ``at`` counted straight from the truth."""
    seen = {k: [s for d, s in v["history"] if d <= at] for k, v in truth.items()}
    now = {k: s[-1] for k, s in seen.items() if s}
    known = [k for k, s in now.items() if s != "unknown"]
    vacant = [k for k in known if now[k] == "vacant"]
    streets = {}
    for k in vacant:
        streets[truth[k]["street"]] = streets.get(truth[k]["street"], 0) + 1
    return {"premises": len(now), "vacant": len(vacant),
            "vacancy_rate": round(len(vacant) / len(known), 4) if known else 0.0,
            "vacant_floor_area_m2": float(sum(truth[k]["floor"] for k in vacant)),
            "vacancy_rate_floor_area": round(sum(truth[k]["floor"] for k in vacant)
                                             / sum(truth[k]["floor"] for k in known), 4) if known else None,
            "streets": streets}


def test_a_realistic_register_along_karhulas_streets(engine):
    project = ensure_demo(engine)
    files, truth = karhula_premises()
    assert 250 <= len(truth) <= 400
    area = read_area(AREA)
    for rows in files:
        check = premises.check_table(rows_of(rows), "sv", area)
        assert check.errors == [] and check.warnings == []
        premises.save_rows(engine, project.id, check.rows)
    changes = sum(len({s for _, s in v["history"]}) > 1 for v in truth.values())
    assert changes > 20  # statuses do change between the inventories
    for at in [YEARS[0] - timedelta(days=1), YEARS[0], date(2024, 1, 1), YEARS[1], YEARS[2], TODAY]:
        figures, want = premises.vacancy(engine, project.id, at), expected(truth, at)
        assert {k: figures[k] for k in want if k != "streets"} == {k: v for k, v in want.items() if k != "streets"}
        assert {s: v["vacant"] for s, v in figures["by_street"].items() if v["vacant"]} == want["streets"]
    line = premises.timeline(engine, project.id)
    assert line["date"].tolist() == [*YEARS, TODAY]
    assert line["vacant"].tolist() == [expected(truth, d)["vacant"] for d in [*YEARS, TODAY]]
    # Each premise's history holds only its changes.
    with_history = premises.history_table(engine, project.id)
    assert len(with_history) == sum(1 + sum(a[1] != b[1] for a, b in zip(v["history"], v["history"][1:]))
                                    for v in truth.values())
    register = premises.register(engine, project.id).set_index("key")
    assert {k: register.loc[k, "street"] for k in truth} == {k: v["street"] for k, v in truth.items()}
    assert {"Tapiontie", "Tikankatu", "Suurniitynkatu"} <= set(register["street"])
