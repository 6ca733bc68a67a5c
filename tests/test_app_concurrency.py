"""Many tablets at once through the running app (``streamlit run app.py`` on 127.0.0.1, its
own websocket protocol, see ``tablet.py``), on SQLite and on PostGIS: 20 tablets in four
focus groups each save 50 observations, with double taps and dropped connections along
the way, and the store ends with exactly 1,000 rows; two people editing one observation
get a conflict, never a silent overwrite."""

from __future__ import annotations

import asyncio
import os
import time
from datetime import date

import pytest

from bidgeo import audit, walks
from bidgeo.projects import create_project
from conftest import REPO, backend_of, open_store, serve_app
from tablet import POSITION, Tablet, fill, form_uuid

TABLETS, EACH, GROUPS = 20, 50, 4


@pytest.fixture
def served(database_url, bidgeo_home):
    """The app on its own port and store, with a project and one walk per focus group."""
    bidgeo_home.mkdir(parents=True, exist_ok=True)
    engine = open_store(database_url)
    project = create_project(engine, "Samtidigt", locality="Karhula", municipality="Kotka")
    walk_ids = [walks.create_walk(engine, project.id, date(2026, 5, 12), f"Grupp {g + 1}") for g in range(GROUPS)]
    env = {**os.environ, "BIDGEO_HOME": str(bidgeo_home), "BIDGEO_DATABASE_URL": database_url}
    with serve_app(bidgeo_home, env) as url:
        yield url, engine, project, walk_ids
    engine.dispose()


async def walk(url: str, project_id: int, walk_id: int, number: int, saved: dict) -> None:
    async with Tablet(url, "walk", f"project={project_id}&walk={walk_id}") as tablet:
        await tablet.run()
        for n in range(EACH):
            uuid, comment = form_uuid(tablet), f"Surfplatta {number}, observation {n + 1} <b>mörkt</b>"
            await fill(tablet, uuid, comment, at=f"{number}-{n}")
            if n % 10 == 7:  # the connection drops mid-form: the app is opened anew at the same address
                await tablet.connect()
                await tablet.run()
                assert form_uuid(tablet) == uuid
            await tablet.run(tap=f"save_{uuid}", taps=2 if n % 10 == 3 else 1)  # sometimes a double tap
            assert any(text.startswith("Sparad ✓") for text in tablet.texts), tablet.texts
            saved[uuid] = (walk_id, comment)


def test_twenty_tablets_save_fifty_observations_each_through_the_app(served, database_url):
    url, engine, project, walk_ids = served
    saved: dict[str, tuple[int, str]] = {}

    async def all_at_once():
        await asyncio.gather(*[walk(url, project.id, walk_ids[number % GROUPS], number, saved)
                               for number in range(TABLETS)])

    started = time.perf_counter()
    asyncio.run(all_at_once())
    seconds = time.perf_counter() - started

    rows = walks.observations(engine, project.id)
    assert len(saved) == TABLETS * EACH and len(rows) == TABLETS * EACH  # none lost, none duplicated
    assert {uuid: (w, c) for uuid, w, c in zip(rows["uuid"], rows["walk_id"], rows["comment"])} == saved
    assert [w.observations for w in walks.walks(engine, project.id)] == [TABLETS // GROUPS * EACH] * GROUPS
    assert (rows["position_source"] == "gps").all() and (rows["rating"] == 2).all()
    log = audit.entries(engine, project.id, limit=10_000)
    assert (log[log["entity"] == "observations"]["action"] == "insert").sum() == TABLETS * EACH
    figures = (f"{backend_of(database_url)}: {TABLETS} tablets x {EACH} observations through the app: "
               f"{len(rows)} rows in {seconds:.1f} s, 0 conflicts\n")
    (REPO / "test-artifacts").mkdir(exist_ok=True)
    (REPO / "test-artifacts" / f"app-concurrency-{backend_of(database_url)}.txt").write_text(figures)


def test_two_people_editing_one_observation_through_the_app_get_a_conflict(served):
    url, engine, project, walk_ids = served
    uuid = walks.new_uuid()
    walks.save_observation(engine, project.id, walk_ids[0], uuid, {
        "focus_area": "place", "kind": "strength", "rating": 4, "comment": "Fina bänkar", **POSITION,
        "accuracy_m": 8, "position_source": "gps", "author": "Anna"})

    async def both_edit():
        address = f"project={project.id}&walk={walk_ids[0]}&obs={uuid}"  # "Ändra" on the list opens this
        async with Tablet(url, "walk", address) as anna, Tablet(url, "walk", address) as bo:
            await asyncio.gather(anna.run(), bo.run())
            assert anna.values[f"comment_{uuid}"] == bo.values[f"comment_{uuid}"] == "Fina bänkar"
            await anna.run({f"comment_{uuid}": "Fina bänkar, men en är trasig", "obs_author": "Anna"})
            await bo.run({f"comment_{uuid}": "Bänkarna behöver målas", "obs_author": "Bo"})
            await anna.run(tap=f"save_{uuid}")
            await bo.run(tap=f"save_{uuid}")
            return anna.texts, bo.texts

    first, second = asyncio.run(both_edit())
    assert any(text.startswith("Ändringen är sparad ✓") for text in first), first
    conflicts = [text for text in second if text.startswith("Någon annan ändrade observationen")]
    assert len(conflicts) == 1 and "(Anna)" in conflicts[0] and "Dina ändringar sparades inte" in conflicts[0]
    assert walks.observation(engine, uuid)["comment"] == "Fina bänkar, men en är trasig"  # not overwritten
    assert walks.history(engine, uuid)["action"].tolist() == ["create", "update"]
