"""The follow-up indicators on a BID followed up for fourteen months (``followup.py``), on both
databases: each indicator's baseline and every later value, against figures worked out by hand
from the scenario and, for walking distances, against networkx's shortest paths."""

from __future__ import annotations

import types
from datetime import date, datetime, timezone

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point

from bidgeo import indicators, inventory, premises, review, walks
from bidgeo.area import check_file
from bidgeo.demo import DEMO_AREA
from bidgeo.focus import FOCUS_AREAS
from bidgeo.osm import read_osm
from conftest import DEMO_OSM
from followup import CLOSED, EXPECTED, OPENED, clock, make_followed_up, on
from test_coverage import brute_force


@pytest.fixture
def measured(engine):
    project_id = make_followed_up(engine)
    found = indicators.sources(engine, project_id)
    return project_id, found, indicators.measure(found)


def series(table, indicator: str, name: str) -> list[tuple[date, float]]:
    rows = table[(table["indicator"] == indicator) & (table["series"] == name)]
    return list(zip(rows["date"], rows["value"]))


def test_services_in_the_area_at_each_day_the_inventory_changed(measured):
    _, found, table = measured
    days = EXPECTED["services_days"]
    assert [day for day, _ in found.inventories] == days  # the first import, the new one, the hand-made addition
    assert series(table, "services", indicators.TOTAL) == list(zip(days, EXPECTED["services_total"]))
    for key, counts in EXPECTED["services"].items():
        assert series(table, "services", key) == list(zip(days, counts)), key
    assert set(table.loc[table["indicator"] == "services", "series"]) == {*EXPECTED["services"], indicators.TOTAL}


def test_the_inventory_as_it_stood_on_a_day(measured, engine):
    project_id, found, _ = measured
    between = inventory.current(engine, project_id, at=on(date(2026, 12, 24)))
    assert len(between) == 43  # the first import: no correction, no new import yet
    assert {("node", 894396069), ("node", 1324225782)} <= set(zip(between["osm_type"], between["osm_id"]))
    now = inventory.current(engine, project_id)
    assert len(now) == 43 - len(CLOSED) + len(OPENED) + 1
    assert len(found.inventories[-1][1]) == len(now)
    before_any = inventory.current(engine, project_id, at=datetime(2026, 1, 1, tzinfo=timezone.utc))
    assert before_any.empty


def _brute_force_in_area(osm, net, services: gpd.GeoDataFrame, key: str) -> np.ndarray:
    """The walking distances of the buildings inside the BID area, the slow, obvious way."""
    chosen = types.SimpleNamespace(edges=osm.edges, nodes=osm.nodes, buildings=osm.buildings, services=services)
    area = check_file(DEMO_AREA).geometry
    inside = osm.buildings[osm.buildings["origin"]].geometry.representative_point().intersects(area).to_numpy()
    return brute_force(chosen, net, key)[inside]


def test_walking_distance_shares_against_networkx(measured):
    _, found, table = measured
    osm = read_osm(DEMO_OSM)
    first_day, last_day = EXPECTED["services_days"][0], EXPECTED["services_days"][1]
    pharmacy = next(o for o in OPENED if o[0] == "pharmacy")
    opened = gpd.GeoDataFrame({"category": ["pharmacy"]}, geometry=[Point(*pharmacy[3])], crs="EPSG:4326")
    fuel_now = osm.services[(osm.services["category"] == "fuel") & (osm.services["osm_id"] != CLOSED[0][1])]
    to_pharmacy = _brute_force_in_area(osm, found.network, opened, "pharmacy")
    to_fuel = {first_day: _brute_force_in_area(osm, found.network, osm.services, "fuel"),
               last_day: _brute_force_in_area(osm, found.network, fuel_now, "fuel")}
    assert len(to_pharmacy) == 117  # the buildings in the area
    for band in (400, 800):
        shares = dict(series(table, f"within_{band}", "pharmacy"))
        assert shares[first_day] == 0  # Karhula had no pharmacy
        assert shares[last_day] == pytest.approx((to_pharmacy <= band).mean())
        assert 0 < shares[last_day] < 1
        fuel = dict(series(table, f"within_{band}", "fuel"))
        for day in (first_day, last_day):
            assert fuel[day] == pytest.approx((to_fuel[day] <= band).mean())
        assert fuel[last_day] < fuel[first_day]  # Neste Huttunen, in the area, closed
    assert dict(series(table, "within_400", "fuel"))[first_day] == pytest.approx(0.5641, abs=1e-4)
    # a category nobody in the area ever had within 400 m is left out of that band
    assert "library" not in set(table.loc[table["indicator"] == "within_400", "series"])
    assert "library" in set(table.loc[table["indicator"] == "within_1200", "series"])


def test_focus_area_scores_of_each_assessed_walk(measured):
    _, _, table = measured
    for key in FOCUS_AREAS:
        assert series(table, "scores", key) == [(date(2026, 5, 12), EXPECTED["baseline_scores"][key]),
                                                (date(2027, 5, 18), EXPECTED["follow_up_scores"][key])]
    assert EXPECTED["baseline_scores"]["place_brand"] == 3.5 and EXPECTED["follow_up_scores"]["offering"] == 4.5


def test_actions_done_against_planned(measured):
    _, _, table = measured
    days = EXPECTED["actions_days"]
    assert series(table, "actions", "done") == list(zip(days, EXPECTED["actions_done"]))
    assert series(table, "actions", "planned") == list(zip(days, EXPECTED["actions_planned"]))


def test_an_action_reopened_is_no_longer_counted_as_done(engine):
    project = make_followed_up(engine)
    party = review.actions(engine, project).set_index("title").loc["Ortsfest i augusti", "id"]
    with clock(on(date(2027, 6, 2))):
        review.update_action(engine, project, int(party), status="in_progress")
    done = indicators.actions_done(review.actions(engine, project))
    assert series(done, "actions", "done") == [(date(2026, 6, 1), 0), (date(2026, 9, 15), 1), (date(2026, 10, 1), 1),
                                               (date(2027, 5, 20), 2)]
    with clock(on(date(2027, 6, 9))):
        review.update_action(engine, project, int(party), status="done")
    assert series(indicators.actions_done(review.actions(engine, project)), "actions", "done")[-1] == \
        (date(2027, 6, 9), 3)


def test_vacancy_by_count_and_floor_area_on_each_day_a_premise_changed(measured, engine):
    project_id, found, table = measured
    days = EXPECTED["vacancy_days"]
    assert [day for day, _ in found.vacancies] == days  # 5 August saw L1 as it was: no new value
    for name, expected in (("count", EXPECTED["vacancy_count"]), ("floor_area", EXPECTED["vacancy_floor_area"])):
        measured_days, values = zip(*series(table, "vacancy", name))
        assert list(measured_days) == days, name
        assert list(values) == pytest.approx(expected, abs=1e-4), name
    assert set(table.loc[table["indicator"] == "vacancy", "series"]) == {"count", "floor_area"}
    summary = indicators.labelled(indicators.summary(table), "sv").set_index(["indicator", "series"])
    by_area = summary.loc[("vacancy", "floor_area")]
    assert (by_area["indicator_label"], by_area["series_label"]) == ("Vakanta lokaler", "Vakans (yta)")
    assert indicators.value_text(by_area["change"], "share", "sv", change=True) == "−31 procentenheter"
    # a premise vacant today, seen on the walk: one more day, measured like the others
    register = premises.register(engine, project_id).set_index("key")["id"]
    premises.record_status(engine, project_id, int(register["L1"]), "vacant", observed=date(2026, 11, 30))
    later = indicators.vacancies(engine, project_id)
    assert later[-1][0] == date(2026, 11, 30) and later[-1][1]["vacancy_rate"] == pytest.approx(3 / 6, abs=1e-4)
    assert later[-1][1]["vacancy_rate_floor_area"] == pytest.approx(220 / 650, abs=1e-4)


def test_summary_and_labels(measured):
    _, _, table = measured
    summary = indicators.labelled(indicators.summary(table), "sv").set_index(["indicator", "series"])
    total = summary.loc[("services", indicators.TOTAL)]
    assert (total["baseline_date"], total["baseline"], total["latest_date"], total["latest"], total["change"]) == \
        (date(2026, 3, 2), 8, date(2027, 4, 20), 11, 3)
    assert total["indicator_label"] == "Service i BID-området" and total["series_label"] == "All service"
    assert summary.loc[("scores", "offering"), "change"] == 2.5
    assert summary.loc[("actions", "done"), "series_label"] == "Genomförda"
    assert summary.loc[("within_800", "pharmacy"), "indicator_label"] == "Andel byggnader inom 800 m"
    english = indicators.labelled(indicators.summary(table), "en")
    assert "Share of buildings within 400 m" in set(english["indicator_label"])


def test_values_as_readers_write_them():
    assert indicators.value_text(0.2564, "share", "sv") == "26\u00a0%"
    assert indicators.value_text(0.2564, "share", "en") == "26%"
    assert indicators.value_text(-0.52, "share", "sv", change=True) == "−52 procentenheter"
    assert indicators.value_text(0.09, "share", "en", change=True) == "+9 percentage points"
    assert indicators.value_text(2.5, "score", "sv", change=True) == "+2,5"
    assert indicators.value_text(1374, "count", "sv") == "1\u00a0374"
    assert indicators.value_text(0, "count", "sv", change=True) == "±0"
    assert indicators.value_text(float("nan"), "count", "sv") == "–"


def test_a_project_with_only_its_baseline(engine):
    from bidgeo.projects import create_project

    project = create_project(engine, "Bara början", osm_path=DEMO_OSM)
    walk = walks.create_walk(engine, project.id, date(2026, 5, 12))
    walks.save_assessment(engine, walk, "Grupp A", {a: (4, "") for a in FOCUS_AREAS})
    found = indicators.sources(engine, project.id)
    table = indicators.measure(found)
    assert found.area is None and found.process is None
    assert (table.groupby("indicator")["date"].nunique() == 1).all()  # one value each: the baseline
    assert series(table, "services", indicators.TOTAL)[0][1] == 43  # no area: the whole locality
    assert set(table["indicator"]) == {"services", "within_400", "within_800", "within_1200", "scores"}


def test_a_project_without_anything_measures_nothing(engine):
    from bidgeo.projects import create_project

    project = create_project(engine, "Tomt")
    found = indicators.sources(engine, project.id)
    assert found.network is None and found.network_problem is not None
    assert indicators.measure(found).empty


def test_actions_done_before_the_upgrade_count_from_their_last_change(database_url):
    import sqlalchemy as sa

    from bidgeo.db import make_engine, migrate

    engine = make_engine(database_url)
    migrate(engine, "0013")  # as the release before this one left it
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO projects (name, locality, municipality, bid_type, created_at) "
                             "VALUES ('Före', '', '', 'service', '2026-01-01 00:00:00+00:00')"))
        project = conn.execute(sa.text("SELECT id FROM projects")).scalar()
        for status in ("done", "planned"):
            conn.execute(sa.text("INSERT INTO actions (project_id, title, focus_area, owner, priority, status, "
                                 "created_at, updated_at) VALUES (:p, :s, 'place', '', 'medium', :s, "
                                 "'2026-02-01 10:00:00+00:00', '2026-03-05 10:00:00+00:00')"),
                         {"p": project, "s": status})
    migrate(engine)
    done = indicators.actions_done(review.actions(engine, project))
    assert series(done, "actions", "done") == [(date(2026, 2, 1), 0), (date(2026, 3, 5), 1)]
    assert series(done, "actions", "planned") == [(date(2026, 2, 1), 2), (date(2026, 3, 5), 2)]
    engine.dispose()
