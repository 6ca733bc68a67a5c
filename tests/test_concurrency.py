"""Many tablets at once, through the storage API: 20 tablets each save 50 observations to the
same walk at the same moment, some twice in a row and some twice at the same instant (a
double tap racing itself). Every run must end with exactly 1,000 observations, none lost and
none duplicated, and no tablet may see an error; on SQLite and PostgreSQL, with one shared
engine and threads (one app process serving many sessions) and with 20 processes (an engine
each). ``pytest -s`` prints the figures."""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections import Counter
from datetime import date

import pytest
from sqlalchemy import func, select

from bidgeo import walks
from bidgeo.db import Observation, ObservationHistory, make_engine, open_store
from bidgeo.projects import create_project
from conftest import backend_of

TABLETS, PER_TABLET = 20, 50


def _values(tablet: int, i: int) -> dict:
    return {"focus_area": ("place_brand", "offering", "place", "accessibility", "clean_safe")[i % 5],
            "kind": ("strength", "challenge", "idea")[i % 3], "rating": i % 5 + 1,
            "comment": f"Surfplatta {tablet}, observation {i}", "lon": 26.94 + tablet / 1000,
            "lat": 60.52 + i / 10000, "position_source": "gps", "accuracy_m": 5.0, "author": f"Surfplatta {tablet}"}


def _tablet(url_or_engine, project_id: int, walk_id: int, tablet: int, start) -> tuple[Counter, list[str], float]:
    """One tablet: 50 saves; every 5th saved again at once (a double tap after the page came
    back), every 10th (from the 4th) also saved by a second thread at the same instant."""
    engine = make_engine(url_or_engine) if isinstance(url_or_engine, str) else url_or_engine
    results, errors = Counter(), []

    def save(uuid, values, pair=None):
        try:
            if pair is not None:
                pair.wait()
            results[walks.save_observation(engine, project_id, walk_id, uuid, values)] += 1
        except Exception as exc:  # noqa: BLE001 - every error is a failure of the test, reported
            errors.append(f"{type(exc).__name__}: {exc}"[:300])

    start.wait()
    began = time.perf_counter()
    for i in range(PER_TABLET):
        uuid, values = walks.new_uuid(), _values(tablet, i)
        if i % 10 == 3:  # two taps that race each other
            pair = threading.Barrier(2)
            twin = threading.Thread(target=save, args=(uuid, values, pair))
            twin.start()
            save(uuid, values, pair)
            twin.join()
        else:
            save(uuid, values)
        if i % 5 == 0:
            save(uuid, values)
    elapsed = time.perf_counter() - began
    if isinstance(url_or_engine, str):
        engine.dispose()
    return results, errors, elapsed


def _in_process(url, project_id, walk_id, tablet, start, queue) -> None:
    queue.put((*_tablet(url, project_id, walk_id, tablet, start), dict(RETRIES)))


RESAVES = sum(1 for i in range(PER_TABLET) if i % 5 == 0) + sum(1 for i in range(PER_TABLET) if i % 10 == 3)


def _setup(database_url):
    engine = open_store(database_url)
    project = create_project(engine, "Samtidigt", locality="Karhula")
    walk = walks.create_walk(engine, project.id, date(2026, 6, 1), "Alla på en gång")
    return engine, project.id, walk


def _check(engine, walk_id, results: Counter, errors: list[str], label: str, seconds: float, retries: Counter):
    with engine.connect() as conn:
        rows = conn.scalar(select(func.count()).select_from(Observation).where(Observation.walk_id == walk_id))
        distinct = conn.scalar(select(func.count(func.distinct(Observation.uuid)))
                               .where(Observation.walk_id == walk_id))
        created = conn.scalar(select(func.count()).select_from(ObservationHistory)
                              .where(ObservationHistory.action == "create"))
        updates = conn.scalar(select(func.count()).select_from(ObservationHistory)
                              .where(ObservationHistory.action != "create"))
    print(f"\n{label}: {rows} rows ({distinct} distinct) from {TABLETS} tablets x {PER_TABLET} "
          f"(+{TABLETS * RESAVES} re-saves) in {seconds:.2f} s; results {dict(results)}; "
          f"errors {len(errors)}; retried saves {dict(retries) or 0}")
    assert not errors, errors[:5]
    assert rows == distinct == created == TABLETS * PER_TABLET
    assert updates == 0
    assert results == Counter({"created": TABLETS * PER_TABLET, "unchanged": TABLETS * RESAVES})


RETRIES: Counter = Counter()
"""Saves that lost a race and were run again, by the kind of race (in this process)."""


@pytest.fixture
def retries(monkeypatch):
    original, lock = walks._save, threading.Lock()
    RETRIES.clear()

    def counting(*args, **kwargs):
        try:
            return original(*args, **kwargs)
        except Exception as exc:
            with lock:
                RETRIES[type(exc).__name__] += 1
            raise

    monkeypatch.setattr(walks, "_save", counting)
    return RETRIES


def test_twenty_tablets_share_one_engine(database_url, retries):
    engine, project_id, walk_id = _setup(database_url)
    start = threading.Barrier(TABLETS)
    outcomes = [None] * TABLETS

    def run(tablet):
        outcomes[tablet] = _tablet(engine, project_id, walk_id, tablet, start)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(TABLETS)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - began
    results = sum((o[0] for o in outcomes), Counter())
    errors = [e for o in outcomes for e in o[1]]
    try:
        _check(engine, walk_id, results, errors, f"{backend_of(database_url)}, 20 threads, one engine", seconds,
               retries)
        assert walks.get_walk(engine, walk_id).observations == TABLETS * PER_TABLET
    finally:
        engine.dispose()


def test_twenty_tablets_in_twenty_processes(database_url, retries):
    engine, project_id, walk_id = _setup(database_url)
    engine.dispose()  # the children open their own
    context = multiprocessing.get_context("fork")
    start, queue = context.Barrier(TABLETS), context.Queue()
    processes = [context.Process(target=_in_process, args=(database_url, project_id, walk_id, n, start, queue))
                 for n in range(TABLETS)]
    began = time.perf_counter()
    for process in processes:
        process.start()
    outcomes = [queue.get(timeout=300) for _ in processes]
    for process in processes:
        process.join(timeout=60)
    seconds = time.perf_counter() - began
    assert all(p.exitcode == 0 for p in processes)
    results = sum((o[0] for o in outcomes), Counter())
    errors = [e for o in outcomes for e in o[1]]
    try:
        _check(engine, walk_id, results, errors, f"{backend_of(database_url)}, 20 processes", seconds,
               sum((Counter(o[3]) for o in outcomes), Counter()))
    finally:
        engine.dispose()


# --- two people editing the same observation ------------------------------------------------------
def test_an_edit_of_a_changed_observation_is_a_conflict_never_an_overwrite(engine):
    from bidgeo.errors import ConflictError

    project = create_project(engine, "Konflikt", locality="Karhula")
    walk = walks.create_walk(engine, project.id, date(2026, 6, 1))
    uuid = walks.new_uuid()
    walks.save_observation(engine, project.id, walk, uuid, _values(1, 1))
    loaded = walks.observation(engine, uuid)  # both open it for editing
    base = loaded["updated_at"]
    assert base.tzinfo is not None

    assert walks.save_observation(engine, project.id, walk, uuid, {**loaded, "comment": "Annas text"},
                                  by="Anna", base=base) == "updated"
    with pytest.raises(ConflictError) as caught:
        walks.save_observation(engine, project.id, walk, uuid, {**loaded, "comment": "Bos text"}, by="Bo", base=base)
    assert caught.value.exit_code == 1 and caught.value.key == "obs_conflict"
    assert caught.value.params["author"] == "Anna"
    assert caught.value.message().startswith("Någon annan ändrade observationen ")
    assert "(Anna)" in caught.value.message() and "sparades inte" in caught.value.message()
    assert "Someone else changed" in caught.value.message("en")
    assert walks.observation(engine, uuid)["comment"] == "Annas text"
    assert walks.history(engine, uuid)["action"].tolist() == ["create", "update"]

    # Saving what is already saved is no conflict (a double tap of the winning save); the
    # base may come back as text (from a draft); the newest base saves.
    assert walks.save_observation(engine, project.id, walk, uuid, {**loaded, "comment": "Annas text"},
                                  base=base.isoformat()) == "unchanged"
    fresh = walks.observation(engine, uuid)["updated_at"]
    assert walks.save_observation(engine, project.id, walk, uuid, {**loaded, "comment": "Bos text"}, by="Bo",
                                  base=fresh.isoformat()) == "updated"

    # A deletion is a change too; someone without a name is said so.
    stale = walks.observation(engine, uuid)["updated_at"]
    walks.delete_observation(engine, uuid)
    with pytest.raises(ConflictError) as caught:
        walks.save_observation(engine, project.id, walk, uuid, {**loaded, "comment": "Efter"}, base=stale)
    assert caught.value.key == "obs_conflict_anonymous"
    assert walks.observation(engine, uuid)["deleted"]

    # Without a base (a new form, a field kit) the save wins, as before.
    assert walks.save_observation(engine, project.id, walk, uuid, {**loaded, "comment": "Kitet"}) == "updated"

    # Deleting what someone else changed since it was opened is refused too, and deletes nothing.
    seen = walks.observation(engine, uuid)["updated_at"]
    walks.save_observation(engine, project.id, walk, uuid, {**loaded, "comment": "Annas nya text"}, by="Anna")
    with pytest.raises(ConflictError) as caught:
        walks.delete_observation(engine, uuid, by="Bo", base=seen)
    assert caught.value.params["author"] == "Anna" and not walks.observation(engine, uuid)["deleted"]
    walks.delete_observation(engine, uuid, by="Bo", base=walks.observation(engine, uuid)["updated_at"])
    assert walks.observation(engine, uuid)["deleted"]
    walks.restore_observation(engine, uuid)

    # An edit's draft keeps its base across a reload.
    walks.save_draft(engine, project.id, walk, uuid, {"comment": "halvfärdig", "base": stale})
    assert walks.draft(engine, uuid)["base"] == stale.isoformat()


def test_ten_people_save_the_same_edit_at_once_one_wins(engine):
    """Ten sessions loaded the same version and save different texts at the same instant:
    exactly one is saved, nine are told of the conflict (the row is only updated as it was
    read)."""
    from bidgeo.errors import ConflictError

    project = create_project(engine, "Samtidig ändring", locality="Karhula")
    walk = walks.create_walk(engine, project.id, date(2026, 6, 1))
    uuid = walks.new_uuid()
    walks.save_observation(engine, project.id, walk, uuid, _values(1, 1))
    loaded = walks.observation(engine, uuid)
    start, outcomes = threading.Barrier(10), {}

    def edit(n):
        start.wait()
        try:
            outcomes[n] = walks.save_observation(engine, project.id, walk, uuid, {**loaded, "comment": f"Text {n}"},
                                                 by=f"Person {n}", base=loaded["updated_at"])
        except ConflictError:
            outcomes[n] = "conflict"
        except Exception as exc:  # noqa: BLE001 - reported
            outcomes[n] = f"{type(exc).__name__}: {exc}"

    threads = [threading.Thread(target=edit, args=(n,)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(f"\n{backend_of(str(engine.url))}, 10 simultaneous edits: {Counter(outcomes.values())}")
    assert Counter(outcomes.values()) == Counter({"updated": 1, "conflict": 9})
    [winner] = [n for n, result in outcomes.items() if result == "updated"]
    assert walks.observation(engine, uuid)["comment"] == f"Text {winner}"
    assert walks.history(engine, uuid)["action"].tolist() == ["create", "update"]
