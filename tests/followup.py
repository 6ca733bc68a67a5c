"""A BID followed up for fourteen months, made through bidgeo's own functions on Karhula's OSM
extract and BID area: the process starts on 2 March 2026 with the first import, the baseline
walk is on 12 May 2026, the action plan is drawn up on 1 June and carried out over the year, a
new import on 10 March 2027 finds services opened and closed, a service is added by hand on
20 April 2027, and the follow-up walk is on 18 May 2027. The premises register is imported on
the first day and its premises change status over 2026 (a pop-up shop fills an empty one, a
hairdresser closes), observed on walks and on the premises page.

Things happen on their days through :func:`clock`, which sets the store's clock
(``bidgeo.db.utcnow``, behind every ``created_at``) to that moment. The figures the tests
expect are worked out by hand from the scenario below (``EXPECTED``)."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime, timezone

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point

from bidgeo import db, inventory, premises, process, review, walks
from bidgeo.area import check_file
from bidgeo.area_versions import save_version
from bidgeo.demo import DEMO_AREA
from bidgeo.focus import FOCUS_AREAS
from bidgeo.projects import create_project
from conftest import DEMO_OSM

NAME = "Karhula uppföljning"
PERSON = "Anna Andersson"
"""A walker, a respondent and an action's owner: the final report is public and names no one."""
OWNER = "Eva Ek"
SCRIPT_TITLE = "Pop-up-butik i <i>tom</i> lokal"
START = date(2026, 3, 2)
BASELINE_WALK, FOLLOW_UP_WALK = date(2026, 5, 12), date(2027, 5, 18)
BASELINE_SCORES = {"Grupp A": (3, 2, 4, 3, 2), PERSON: (4, 2, 3, 3, 3)}  # in FOCUS_AREAS order
FOLLOW_UP_SCORES = {"Grupp A": (5, 4, 5, 4, 4), PERSON: (5, 5, 4, 4, 5)}
CLOSED = [("node", 894396069), ("node", 1324225782)]  # Neste Huttunen (in the area), Erkinkulma (outside)
OPENED = [  # category, name, osm id, (lon, lat); the library lies outside the area
    ("pharmacy", "Karhulan Apteekki", 11_000_000_001, (26.9478, 60.5236), {"amenity": "pharmacy"}),
    ("food_drink", "Kahvila Tikka", 11_000_000_002, (26.9488, 60.5222), {"amenity": "cafe"}),
    ("grocery_full", "K-Market Karhula", 11_000_000_003, (26.9500, 60.5245), {"shop": "supermarket"}),
    ("library", "Karhulan kirjasto", 11_000_000_004, (26.9560, 60.5300), {"amenity": "library"}),
]
ADDED = ("charging", "Laddstation Tikankatu", (26.9492, 60.5208))
PREMISES = [  # id, address, status, use, floor area (m²), owner, (lon, lat): the register on 2 March 2026
    ("L1", "Kauppakatu 1", "in_use", "grocery_full", 120, "", (26.9465, 60.5230)),
    ("L2", "Kauppakatu 3", "vacant", "", 80, OWNER, (26.9468, 60.5233)),
    ("L3", "Kauppakatu 5", "vacant", "", 200, "", (26.9471, 60.5236)),
    ("L4", "Tikankatu 2", "in_use", "Frisör", 60, "", (26.9480, 60.5222)),
    ("L5", "Tikankatu 4", "unknown", "", 40, "", (26.9484, 60.5220)),
    ("L6", "Tikankatu 6", "let", "Kontor", 150, "", (26.9488, 60.5218)),
]
PREMISE_CHANGES = [  # day, premise, status observed
    (date(2026, 5, 12), "L5", "vacant"),  # seen on the baseline walk
    (date(2026, 6, 15), "L2", "let"),
    (date(2026, 8, 5), "L1", "in_use"),  # seen again as it was: no change
    (date(2026, 9, 1), "L2", "in_use"),  # the pop-up shop opened
    (date(2026, 9, 1), "L3", "refurbishing"),
    (date(2026, 10, 20), "L4", "vacant"),  # the hairdresser closed
    (date(2026, 11, 16), "L3", "in_use"),
]

EXPECTED = {
    # services inside the BID area per day: 6 stops and 2 fuel stations at first; then a fuel
    # station closed and a pharmacy, a café and a supermarket opened; then a charger was added
    "services_days": [date(2026, 3, 2), date(2027, 3, 10), date(2027, 4, 20)],
    "services_total": [8, 10, 11],
    "services": {"public_transport": [6, 6, 6], "fuel": [2, 1, 1], "pharmacy": [0, 1, 1], "food_drink": [0, 1, 1],
                 "grocery_full": [0, 1, 1], "charging": [0, 0, 1]},
    "baseline_scores": {k: (a + b) / 2 for k, a, b in zip(FOCUS_AREAS, *BASELINE_SCORES.values())},
    "follow_up_scores": {k: (a + b) / 2 for k, a, b in zip(FOCUS_AREAS, *FOLLOW_UP_SCORES.values())},
    # actions: four on 1 June 2026, one more on 1 October; done on 20 Aug, 15 Sep 2026, 20 May 2027
    "actions_days": [date(2026, 6, 1), date(2026, 8, 20), date(2026, 9, 15), date(2026, 10, 1), date(2027, 5, 20)],
    "actions_done": [0, 1, 2, 2, 3],
    "actions_planned": [4, 4, 4, 5, 5],
    # vacancy of the premises whose status is known, by count and by floor area: at first L2 and
    # L3 of five known (L5 unknown, 80 + 200 of 610 m²); then L5 is vacant too (+40 m² known);
    # L2 let; L2 in use and L3 refurbished (only L5); L4 vacant; L3 in use (still L4 and L5).
    # 5 August is no change.
    "vacancy_days": [date(2026, 3, 2), date(2026, 5, 12), date(2026, 6, 15), date(2026, 9, 1), date(2026, 10, 20),
                     date(2026, 11, 16)],
    "vacancy_count": [2 / 5, 3 / 6, 2 / 6, 1 / 6, 2 / 6, 2 / 6],
    "vacancy_floor_area": [280 / 610, 320 / 650, 240 / 650, 40 / 650, 100 / 650, 100 / 650],
}


@contextmanager
def clock(moment: datetime):
    """The store's clock (``bidgeo.db.utcnow``) standing at ``moment`` (UTC)."""

    class Frozen(datetime):
        @classmethod
        def now(cls, tz=None):
            return moment.astimezone(tz) if tz else moment.replace(tzinfo=None)

    real = db.datetime
    db.datetime = Frozen
    try:
        yield
    finally:
        db.datetime = real


def on(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=timezone.utc)


def _assess(engine, walk_id: int, table: dict) -> None:
    for respondent, values in table.items():
        walks.save_assessment(engine, walk_id, respondent, {a: (v, "") for a, v in zip(FOCUS_AREAS, values)})


def make_followed_up(engine, name: str = NAME) -> int:
    """The project of the module's scenario; returns its id."""
    with clock(on(START)):
        project = create_project(engine, name, locality="Karhula", municipality="Kotka", osm_path=DEMO_OSM)
        save_version(engine, project.id, check_file(DEMO_AREA), author=PERSON, comment="Centrum")
        process.start_process(engine, project.id, START)
        lines = ["id,address,status,use,floor_area_m2,owner,observed,lon,lat"]
        lines += [f"{key},{address},{status},{use},{area},{owner},{START.isoformat()},{lon},{lat}"
                  for key, address, status, use, area, owner, (lon, lat) in PREMISES]
        check, stored = premises.import_file(engine, project.id, "\n".join(lines).encode(), "lokaler.csv", "sv",
                                             area=check_file(DEMO_AREA).geometry, author=PERSON)
        assert not check.errors and not check.warnings and stored.imported == len(PREMISES), check.errors
    register = premises.register(engine, project.id, at=START).set_index("key")["id"]
    for day, key, status in PREMISE_CHANGES:
        with clock(on(day)):
            premises.record_status(engine, project.id, int(register[key]), status, observed=day, author=PERSON)
    with clock(on(BASELINE_WALK)):
        walk = walks.create_walk(engine, project.id, BASELINE_WALK, "Handlarna", f"{PERSON}, Bo Berg")
        uuids = []
        for area, kind, comment, lon, lat in [("place", "challenge", "Inga bänkar längs Tikankatu.", 26.9462, 60.5221),
                                              ("clean_safe", "challenge", "Mörk gångtunnel.", 26.9447, 60.5254),
                                              ("offering", "idea", "Pop-up-butik i tomma lokalen.", 26.9471, 60.5241)]:
            uuids.append(walks.new_uuid())
            walks.save_observation(engine, project.id, walk, uuids[-1], {
                "focus_area": area, "kind": kind, "rating": 2, "comment": comment, "lon": lon, "lat": lat,
                "position_source": "gps", "accuracy_m": 5.0, "author": PERSON})
        _assess(engine, walk, BASELINE_SCORES)
    with clock(on(date(2026, 6, 1))):
        for uuid in uuids[:2]:
            review.set_state(engine, project.id, uuid, "accepted", by="Styrgruppen")
        benches = review.create_action(engine, project.id, "Ställ ut bänkar längs Tikankatu", "place", uuid=uuids[0],
                                       owner=OWNER, priority="high", cost_sek=12000, due_on=date(2026, 9, 1))
        light = review.create_action(engine, project.id, "Ny belysning i gångtunneln", "clean_safe", uuid=uuids[1],
                                     owner="Kommunen", cost_sek=85000)
        party = review.create_action(engine, project.id, "Ortsfest i augusti", "place_brand", owner=OWNER,
                                     priority="low", cost_sek=30000)
        signs = review.create_action(engine, project.id, "Skyltar om brukets historia", "place_brand", cost_sek=20000)
    with clock(on(date(2026, 8, 20))):
        review.update_action(engine, project.id, party, status="done")
    with clock(on(date(2026, 9, 15))):
        review.update_action(engine, project.id, benches, status="done")
        review.update_action(engine, project.id, light, status="in_progress")
    with clock(on(date(2026, 10, 1))):
        review.create_action(engine, project.id, SCRIPT_TITLE, "offering", cost_sek=5000)
    with clock(on(date(2027, 3, 10))):
        before = inventory.current(engine, project.id)
        kept = before[~pd.Series(list(zip(before["osm_type"], before["osm_id"]))).isin(CLOSED).to_numpy()]
        opened = gpd.GeoDataFrame(
            [[c, n, "node", i, "osm", tags] for c, n, i, _, tags in OPENED], columns=inventory.COLUMNS,
            geometry=[Point(*p) for *_, p, _ in OPENED], crs=before.crs)
        inventory.import_services(engine, project.id, "overpass", "Overpass", pd.concat([kept, opened], ignore_index=True))
    with clock(on(date(2027, 4, 20))):
        category, label, (lon, lat) = ADDED
        inventory.correct(engine, project.id, "add", category=category, name=label, point=Point(lon, lat), author=PERSON)
    with clock(on(FOLLOW_UP_WALK)):
        later = walks.create_walk(engine, project.id, FOLLOW_UP_WALK, "Handlarna", PERSON)
        _assess(engine, later, FOLLOW_UP_SCORES)
    with clock(on(date(2027, 5, 20))):
        review.update_action(engine, project.id, signs, status="done")
    return project.id
