"""Backup and restore (``bidgeo backup OUT`` / ``bidgeo restore IN``) as a user runs them: a
project with a walk, photos, reviews, actions, stakeholders and area versions goes into a
backup and comes back into a fresh database row for row, photo bytes included, on SQLite and
PostgreSQL and from one to the other; a backup taken while tablets save is consistent; and a
restore refuses what it must."""

from __future__ import annotations

import shutil
import sqlite3
import threading
import time
from datetime import date, datetime, timezone

import pandas as pd
import pytest
import shapely
from alembic import command
from alembic.config import Config
from shapely.geometry import LineString
from sqlalchemy import select

from bidgeo import area, area_versions, backup, inventory, photos, population, process, review, stakeholders, walks
from bidgeo.db import Base, make_engine, open_store
from bidgeo.demo import ensure_demo
from bidgeo.errors import InputError
from conftest import backend_of
from test_cli import bidgeo
from test_walks import jpeg, obs


def fill(engine) -> dict:
    """The demo project and a row in every table: a walk with observations (one changed, one
    deleted), photos, a draft, an assessment, review states and comments, an action, a
    stakeholder, a second area version, a correction, a population grid, the process plan and
    a meeting."""
    project = ensure_demo(engine)
    first = area_versions.current_version(engine, project.id)
    area_versions.save_version(engine, project.id, area.check_geometry(first.geometry.buffer(0.0004)),
                               author="Styrgruppen", comment="Torget med")
    walk = walks.create_walk(engine, project.id, date(2026, 6, 1), "Handlarna", "Anna, Bo", "Soligt",
                             LineString([(26.946, 60.522), (26.950, 60.524)]))
    uuids = [walks.new_uuid() for _ in range(3)]
    walks.save_observation(engine, project.id, walk, uuids[0], obs(comment="Fin torgyta <b>åäö</b>"))
    walks.save_observation(engine, project.id, walk, uuids[1], obs(kind="challenge", rating=2, comment="Mörkt"))
    walks.save_observation(engine, project.id, walk, uuids[1], obs(kind="challenge", rating=1, comment="Mörkt!"))
    walks.save_observation(engine, project.id, walk, uuids[2], obs(kind="idea", rating=None, accuracy_m=None))
    walks.delete_observation(engine, uuids[2], by="Anna")
    photos.add_photo(engine, project.id, uuids[0], jpeg(gps=(26.9512, 60.5234)), "torget.jpg", "image/jpeg")
    photos.add_photo(engine, project.id, uuids[1], jpeg(orientation=6), "tunnel.jpg", "image/jpeg")
    walks.save_draft(engine, project.id, walk, walks.new_uuid(), {"focus_area": "offering", "comment": "Kiosken"})
    walks.save_assessment(engine, walk, "Grupp A", {k: (i + 3, f"Kommentar {i}") for i, k in
                                                     enumerate(["place_brand", "offering", "place", "accessibility",
                                                                "clean_safe"])})
    review.set_state(engine, project.id, uuids[0], "accepted", by="Styrgruppen")
    review.add_comment(engine, project.id, uuids[0], "Eva", "Bra, gör det")
    review.create_action(engine, project.id, "Fler bänkar", "place", uuid=uuids[0], owner="Kommunen",
                         priority="high", cost_sek=25000.5, due_on=date(2026, 9, 30))
    stakeholders.add(engine, project.id, name="Karhula Fastigheter AB", role="property_owner",
                     contact_email="info@example.se", notes="Äger torget")
    inventory.correct(engine, project.id, "add", category="grocery_full", name="Lanthandeln",
                      point=shapely.Point(26.949, 60.523), author="Bo")
    population.set_grid(engine, project.id, pd.DataFrame({"lon": [26.948, 26.949], "lat": [60.523, 60.524],
                                                         "population": [12.0, 7.5]}))
    process.start_process(engine, project.id, date(2026, 3, 1))
    process.add_task(engine, project.id, 2, "Boka lokal", owner="Anna", due_on=date(2026, 5, 1))
    process.add_meeting(engine, project.id, date(2026, 6, 10), "Styrgruppen", "Bänkar prioriteras", [uuids[0]])
    return {"project": project.id, "walk": walk, "uuids": uuids}


FILLED = {"projects", "osm_extracts", "service_snapshots", "service_points", "service_corrections", "area_versions",
          "population_cells", "stakeholders", "walks", "observations", "observation_history", "observation_drafts",
          "photos", "assessments", "reviews", "review_comments", "actions", "process_plans", "process_tasks",
          "meetings"}
"""The tables :func:`fill` puts rows in (the comparison covers every table of the schema)."""


def _value(value):
    if isinstance(value, datetime):  # SQLite gives UTC back without its zone, PostgreSQL in the session's
        return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)
    if isinstance(value, shapely.Geometry):
        return shapely.to_wkb(value, hex=True)
    return value


def dump(url: str) -> dict[str, list[tuple]]:
    """Every row of every table of bidgeo's schema, in primary-key order."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return {table.name: [tuple(_value(v) for v in row)
                                 for row in conn.execute(select(table).order_by(*table.primary_key.columns))]
                    for table in Base.metadata.sorted_tables}
    finally:
        engine.dispose()


def test_round_trip_through_the_cli(database_url, new_database, tmp_path):
    engine = open_store(database_url)
    made = fill(engine)
    engine.dispose()
    before = dump(database_url)
    assert FILLED <= {name for name, rows in before.items() if rows}, FILLED - {n for n, r in before.items() if r}
    assert len(before["photos"]) == 2 and before["osm_extracts"]

    out = tmp_path / "bidgeo-backup.sqlite"
    result = bidgeo("backup", out, env={"BIDGEO_DATABASE_URL": database_url})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(out)
    assert "Säkerhetskopian är skriven" in result.stderr and "1 projekt, 3 observationer, 2 foton" in result.stderr
    assert out.read_bytes()[:16] == b"SQLite format 3\x00"
    assert not out.with_name(out.name + "-wal").exists()  # one self-contained file

    target = new_database(backend_of(database_url))
    result = bidgeo("restore", out, env={"BIDGEO_DATABASE_URL": target})
    assert result.returncode == 0, result.stderr
    assert "Återställt från" in result.stderr
    after = dump(target)
    assert after == before  # every table, row for row, photo and OSM bytes included

    # The restored database works on: new rows get new ids, the photos read back.
    restored = open_store(target)
    try:
        uuid = walks.new_uuid()
        assert walks.save_observation(restored, made["project"], made["walk"], uuid, obs()) == "created"
        assert walks.observation(restored, uuid)["comment"] == "Fin torgyta"
        [photo] = photos.photos(restored, made["project"], [made["uuids"][0]])
        assert photos.photo_bytes(restored, made["project"], photo.id, "original") == before["photos"][0][6]
        assert area_versions.current_version(restored, made["project"]).number == 2
    finally:
        restored.dispose()

    # A database that holds data is only replaced when asked to.
    refused = bidgeo("restore", out, env={"BIDGEO_DATABASE_URL": target})
    assert refused.returncode == 2
    assert "innehåller redan data" in refused.stderr and "--force" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    assert len(dump(target)["observations"]) == 4  # untouched
    forced = bidgeo("restore", out, "--force", env={"BIDGEO_DATABASE_URL": target})
    assert forced.returncode == 0, forced.stderr
    assert dump(target) == before


@pytest.mark.postgres
def test_from_sqlite_to_postgresql_and_back(new_database, tmp_path):
    sqlite_url, postgres_url = new_database("sqlite"), new_database("postgres")
    engine = open_store(sqlite_url)
    fill(engine)
    engine.dispose()
    before = dump(sqlite_url)
    assert bidgeo("backup", tmp_path / "a.sqlite", env={"BIDGEO_DATABASE_URL": sqlite_url}).returncode == 0
    result = bidgeo("restore", tmp_path / "a.sqlite", env={"BIDGEO_DATABASE_URL": postgres_url})
    assert result.returncode == 0, result.stderr
    assert dump(postgres_url) == before
    assert bidgeo("backup", tmp_path / "b.sqlite", "--db", postgres_url).returncode == 0
    back = new_database("sqlite")
    assert bidgeo("restore", tmp_path / "b.sqlite", "--db", back).returncode == 0
    assert dump(back) == before


@pytest.mark.postgres
def test_pg_dump_round_trip(postgres_url, new_database, tmp_path):
    """``--format pg_dump``: a pg_dump archive of bidgeo's schema (photos in it), read back with
    pg_restore into the same schema, row for row; refused into another schema or SQLite."""
    url = postgres_url
    engine = open_store(url)
    made = fill(engine)
    engine.dispose()
    before = dump(url)
    out = tmp_path / "bidgeo.dump"
    result = bidgeo("backup", out, "--format", "pg_dump", "--db", url)
    assert result.returncode == 0, result.stderr
    assert out.read_bytes()[:5] == b"PGDMP" and "1 projekt, 3 observationer, 2 foton" in result.stderr

    engine = open_store(url)  # the database changes after the backup
    walks.delete_observation(engine, made["uuids"][0])
    photos.remove_photo(engine, made["project"], photos.photos(engine, made["project"], [made["uuids"][1]])[0].id)
    engine.dispose()
    refused = bidgeo("restore", out, "--db", url)
    assert refused.returncode == 2 and "innehåller redan data" in refused.stderr
    result = bidgeo("restore", out, "--force", "--db", url)
    assert result.returncode == 0, result.stderr
    assert dump(url) == before  # every table, row for row, photo and OSM bytes included
    restored = open_store(url)
    uuid = walks.new_uuid()
    assert walks.save_observation(restored, made["project"], made["walk"], uuid, obs()) == "created"  # ids go on
    restored.dispose()

    other = bidgeo("restore", out, "--db", new_database("postgres"))
    assert other.returncode == 2 and "pg_restore läser bara tillbaka i samma schema" in other.stderr
    into_sqlite = bidgeo("restore", out, "--db", new_database("sqlite"))
    assert into_sqlite.returncode == 2 and "kan bara läsas tillbaka i PostgreSQL" in into_sqlite.stderr


def test_a_backup_taken_while_tablets_save_is_consistent(database_url, tmp_path):
    """Observations are saved (each with its history row, in one transaction) while backups
    are taken: every backup holds whole saves, never an observation without its history."""
    engine = open_store(database_url)
    project = ensure_demo(engine)
    walk = walks.create_walk(engine, project.id, date(2026, 6, 1))
    stop, errors = threading.Event(), []

    def tablet():
        try:
            while not stop.is_set():
                walks.save_observation(engine, project.id, walk, walks.new_uuid(), obs())
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=tablet) for _ in range(4)]
    for thread in threads:
        thread.start()
    counts = []
    try:
        time.sleep(0.2)
        for i in range(3):
            info = backup.backup(engine, tmp_path / f"b{i}.sqlite")
            counts.append(info.count("observations"))
            with sqlite3.connect(info.path) as db:
                saved = db.execute("SELECT count(*) FROM observations").fetchone()[0]
                created = db.execute("SELECT count(*) FROM observation_history WHERE action = 'create'").fetchone()[0]
            assert saved == created == info.count("observations")
    finally:
        stop.set()
        for thread in threads:
            thread.join()
        engine.dispose()
    assert not errors, errors
    assert counts[-1] > 0
    print(f"\nbackups while saving ({backend_of(database_url)}): observations in each backup {counts}")


def test_restore_refuses_what_is_not_a_backup(tmp_path, bidgeo_home):
    db = f"sqlite:///{bidgeo_home / 'target.sqlite'}"
    missing = bidgeo("restore", tmp_path / "nothing.sqlite", "--db", db)
    assert missing.returncode == 2 and "finns inte" in missing.stderr

    text = tmp_path / "notes.txt"
    text.write_text("inte en databas")
    result = bidgeo("restore", text, "--db", db)
    assert result.returncode == 2 and "ingen säkerhetskopia från bidgeo" in result.stderr

    dumped = tmp_path / "dump.pgdump"
    dumped.write_bytes(b"PGDMP\x01\x0e\x00" + bytes(100))
    result = bidgeo("restore", dumped, "--db", db, "--lang", "en")
    assert result.returncode == 2 and "pg_dump archive" in result.stderr and "only be read back into PostgreSQL" \
        in result.stderr
    not_postgres = bidgeo("backup", tmp_path / "x.dump", "--format", "pg_dump", "--db", db)
    assert not_postgres.returncode == 2 and "--format pg_dump går bara med en PostgreSQL-databas" in not_postgres.stderr

    foreign = tmp_path / "foreign.sqlite"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE things (id INTEGER PRIMARY KEY)")
    result = bidgeo("restore", foreign, "--db", db)
    assert result.returncode == 2 and "ingen säkerhetskopia från bidgeo" in result.stderr

    engine = open_store(f"sqlite:///{tmp_path / 'source.sqlite'}")
    engine.dispose()
    good = tmp_path / "good.sqlite"
    assert bidgeo("backup", good, "--db", f"sqlite:///{tmp_path / 'source.sqlite'}").returncode == 0
    newer = tmp_path / "newer.sqlite"
    shutil.copy(good, newer)
    with sqlite3.connect(newer) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999_future'")
    result = bidgeo("restore", newer, "--db", db)
    assert result.returncode == 2 and "nyare bidgeo" in result.stderr

    damaged = tmp_path / "damaged.sqlite"
    data = bytearray(good.read_bytes())
    damaged.write_bytes(bytes(data[:len(data) // 2]))
    result = bidgeo("restore", damaged, "--db", db)
    assert result.returncode == 2
    assert result.stderr == f"bidgeo: Säkerhetskopian {damaged} är skadad och återställdes inte. Ta en annan säkerhetskopia.\n"
    garbled = tmp_path / "garbled.sqlite"  # whole, but pages in the middle overwritten
    data[len(data) // 3:len(data) // 3 + 8192] = b"\xff" * 8192
    garbled.write_bytes(bytes(data))
    result = bidgeo("restore", garbled, "--db", db)
    assert result.returncode == 2 and "är skadad och återställdes inte" in result.stderr
    assert "malformed" not in result.stderr and "database" not in result.stderr

    # Backup refuses to overwrite a file unless asked to.
    again = bidgeo("backup", good, "--db", f"sqlite:///{tmp_path / 'source.sqlite'}")
    assert again.returncode == 2 and "finns redan" in again.stderr
    assert bidgeo("backup", good, "--force", "--db", f"sqlite:///{tmp_path / 'source.sqlite'}").returncode == 0
    into_itself = bidgeo("backup", tmp_path / "source.sqlite", "--force", "--db",
                         f"sqlite:///{tmp_path / 'source.sqlite'}")
    assert into_itself.returncode == 2 and "själva databasen" in into_itself.stderr
    no_folder = bidgeo("backup", tmp_path / "no" / "such" / "folder.sqlite", "--db", db)
    assert no_folder.returncode == 2 and "Mappen för" in no_folder.stderr
    folder = bidgeo("backup", tmp_path, "--db", db)
    assert folder.returncode == 2 and "är en mapp" in folder.stderr


def test_an_older_backup_is_brought_up_to_date(tmp_path, database_url):
    """A backup from an older bidgeo (schema 0006: walks but no reviews) restores and is
    migrated to the newest schema."""
    old = tmp_path / "old.sqlite"
    engine = make_engine(f"sqlite:///{old}")
    cfg = Config()
    cfg.set_main_option("script_location", "bidgeo:migrations")
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "0006")
        connection.exec_driver_sql("INSERT INTO projects (name, locality, municipality, bid_type, created_at) "
                                   "VALUES ('Gamla', 'Ort', 'Kommun', 'service', '2025-01-01 10:00:00.000000')")
    engine.dispose()
    assert backup.inspect_backup(old).revision == "0006"
    target = open_store(database_url)
    try:
        info = backup.restore(target, old)
        assert info.revision == "0006" and info.count("projects") == 1
        from bidgeo.projects import list_projects

        [project] = list_projects(target)
        assert project.name == "Gamla"
        walk = walks.create_walk(target, project.id, date(2026, 6, 1))
        uuid = walks.new_uuid()
        walks.save_observation(target, project.id, walk, uuid, obs())
        review.set_state(target, project.id, uuid, "accepted")  # a table the old schema did not have
    finally:
        target.dispose()
    assert old.read_bytes()[:16] == b"SQLite format 3\x00"
    assert backup.inspect_backup(old).revision == "0006"  # the user's file is left as it was


def test_restore_into_a_database_in_memory_is_refused():
    engine = make_engine("sqlite://")
    with pytest.raises(InputError) as caught:
        backup.restore(engine, "whatever.sqlite")
    assert caught.value.key == "backup_memory"
