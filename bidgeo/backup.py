"""Backup and restore of the whole database (``bidgeo backup OUT``, ``bidgeo restore IN``).

A backup is one SQLite database file with bidgeo's schema and its Alembic revision, whichever
database it was made from. Photos and OSM extracts live in the database (``photos``,
``osm_extracts``), so they are in it.

- From SQLite it is made with SQLite's online backup API, which copies one consistent
  snapshot while the app keeps running (WAL mode: the app's readers and writer carry on).
- From PostgreSQL every table is read in one ``REPEATABLE READ, READ ONLY`` transaction (one
  snapshot of all tables, so just as consistent while the app runs) and written into a fresh
  SQLite file, geometries as WKB, times in UTC.

From PostgreSQL, ``--format pg_dump`` writes a ``pg_dump`` custom archive of bidgeo's tables
instead (the schema the URL's ``search_path`` names), from the same snapshot that the row
counts it reports are read from (``pg_export_snapshot``); ``bidgeo restore`` recognises such
an archive and reads it back with ``pg_restore --clean --single-transaction`` into the same
schema. It needs the client tools of the server's major version. bidgeo's own SQLite file
(the default) needs none of that: it restores into either backend and into whatever schema
the URL names (the tests use a schema per test), it moves a database from the embedded
SQLite to PostgreSQL and back, and the app itself can open it to look inside
(``BIDGEO_DATABASE_URL=sqlite:///backup.sqlite``).

Restore first checks the file (an SQLite file whose ``alembic_version`` is a revision this
bidgeo knows, ``PRAGMA quick_check``) on a private copy, which it brings to the newest
revision, and refuses a database that holds data unless forced. Into SQLite the backup API
writes the copy over the database as one transaction; into PostgreSQL the rows are copied in
one transaction (all or nothing) and the id sequences are set after the highest ids.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import DateTime, Integer, LargeBinary, func, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DataError, IntegrityError

from bidgeo.db import SQLITE_BUSY_TIMEOUT_MS, Base, fresh_file, make_engine, migrate
from bidgeo.errors import InputError, ValidationError, os_reason
from bidgeo.untrusted import SQLITE_HEADER

PG_DUMP_HEADER = b"PGDMP"
FORMATS = ("sqlite", "pg_dump")


@dataclass(frozen=True)
class BackupInfo:
    """What a backup holds: its file, schema revision and the rows of each table."""

    path: Path
    revision: str
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return self.path.stat().st_size if self.path.exists() else 0

    def count(self, table: str) -> int:
        return self.rows.get(table, 0)

    @property
    def total(self) -> int:
        return sum(self.rows.values())


# --- backup ------------------------------------------------------------------------------------
def backup(engine: Engine, out: str | Path, overwrite: bool = False, fmt: str = "sqlite") -> BackupInfo:
    """Write a consistent backup of the database to ``out`` (an SQLite file, or with ``fmt``
    ``pg_dump`` a pg_dump archive of a PostgreSQL database), safely while the app runs. The
    file appears only when complete."""
    out = Path(out)
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {FORMATS}, not {fmt!r}")
    if fmt == "pg_dump" and engine.dialect.name != "postgresql":
        raise InputError("backup_pg_dump_postgres_only")
    source = _sqlite_file(engine)
    if out.is_dir() or not out.parent.is_dir():
        raise InputError("backup_is_folder" if out.is_dir() else "backup_no_folder", path=str(out))
    if source is not None and out.exists() and out.resolve() == source.resolve():
        raise InputError("backup_is_database", path=str(out))
    if out.exists() and not out.is_file():  # a device is never replaced by a file
        raise InputError("backup_not_a_file", path=str(out))
    if out.exists() and not overwrite:
        raise InputError("backup_exists", path=str(out))
    try:
        partial = fresh_file(out, 0o600)  # a backup holds everyone's data: its owner's only
    except OSError as exc:
        raise InputError("backup_cannot_write", path=str(out), reason=os_reason(exc)) from exc
    try:
        if fmt == "pg_dump":
            revision, rows = _pg_dump(engine, partial)
            partial.replace(out)
            return BackupInfo(out, revision, rows)
        if source is not None:
            _sqlite_backup(source, partial)
        else:
            _copy_to_sqlite(engine, partial)
        with closing(_open(partial)) as db:
            db.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
            _quick_check(db, out)
        partial.replace(out)
    except (OSError, sqlite3.Error) as exc:
        partial.unlink(missing_ok=True)
        reason = os_reason(exc) if isinstance(exc, OSError) else "reason_backup_copy"
        raise InputError("backup_cannot_write", path=str(out), reason=reason) from exc
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return inspect_backup(out)


def _pg_dump(engine: Engine, target: Path) -> tuple[str, dict[str, int]]:
    """bidgeo's tables as a pg_dump custom archive, dumped from the snapshot the revision and
    row counts are read from."""
    tool = _pg_tool("pg_dump")
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        with conn.begin():
            snapshot = conn.scalar(text("SELECT pg_export_snapshot()"))
            schema = conn.scalar(text("SELECT current_schema()"))
            revision = conn.scalar(text("SELECT version_num FROM alembic_version"))
            rows = {table.name: conn.scalar(select(func.count()).select_from(table))
                    for table in Base.metadata.sorted_tables}
            tables = [f"--table={schema}.{name}" for name in ["alembic_version", *rows]]
            _run(engine, [tool, "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
                          f"--file={target}", *tables])
    return revision, rows


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise InputError("backup_no_pg_tool", tool=name)
    return found


def _run(engine: Engine | None, args: list[str]) -> str:
    """Run a PostgreSQL client tool (connected to ``engine``'s database, its password in the
    environment rather than on the command line); its output, or :class:`InputError`."""
    env = dict(os.environ)
    if engine is not None:
        url = engine.url
        if url.password:
            env["PGPASSWORD"] = str(url.password)
        args = [*args, f"--dbname={url.set(drivername='postgresql', password=None).render_as_string(False)}"]
    result = subprocess.run(args, env=env, capture_output=True, text=True, timeout=6 * 3600)
    if result.returncode != 0:
        detail = (result.stderr.strip().splitlines() or [f"exit {result.returncode}"])[-1][:300]
        raise InputError("backup_pg_failed", tool=Path(args[0]).name, detail=detail)
    return result.stdout


def _sqlite_file(engine: Engine) -> Path | None:
    """The SQLite database file of ``engine``, or None for PostgreSQL."""
    if engine.dialect.name != "sqlite":
        return None
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise InputError("backup_memory")
    return Path(database)


def _open(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)


def _sqlite_backup(source: Path, target: Path) -> None:
    """SQLite's online backup API, all pages in one step: one read snapshot of the source."""
    src = _open(source)
    try:
        dst = _open(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()


def _copy_to_sqlite(engine: Engine, target: Path) -> None:
    """Every table of ``engine`` read in one snapshot, written into a new SQLite file."""
    copy = make_engine(f"sqlite:///{target}")
    try:
        migrate(copy)
        with engine.execution_options(isolation_level="REPEATABLE READ").connect() as src:
            with src.begin():
                src.execute(text("SET TRANSACTION READ ONLY"))
                with copy.begin() as dst:
                    _copy_rows(src, dst)
    finally:
        copy.dispose()


def _copy_rows(src: Connection, dst: Connection) -> dict[str, int]:
    """Copy every table of bidgeo's schema, parents first, in batches (photos a few at a time)."""
    counts = {}
    for table in Base.metadata.sorted_tables:
        large = any(isinstance(column.type, LargeBinary) for column in table.columns)
        times = [column.name for column in table.columns if isinstance(column.type, DateTime)]
        query = select(table).order_by(*table.primary_key.columns).execution_options(yield_per=20 if large else 2000)
        counts[table.name] = 0
        for rows in src.execute(query).partitions():
            batch = [dict(row._mapping) for row in rows]
            for row in batch:
                for name in times:
                    row[name] = _utc(row[name])
            dst.execute(table.insert(), batch)
            counts[table.name] += len(batch)
    return counts


def _utc(value: datetime | None) -> datetime | None:
    """Times are stored in UTC; SQLite gives them back without their zone, PostgreSQL in the
    session's zone. Aware UTC reads the same in both."""
    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


# --- inspecting a backup -----------------------------------------------------------------------
def _revisions() -> set[str]:
    cfg = Config()
    cfg.set_main_option("script_location", "bidgeo:migrations")
    return {script.revision for script in ScriptDirectory.from_config(cfg).walk_revisions()}


def _quick_check(db: sqlite3.Connection, path: Path) -> None:
    result = db.execute("PRAGMA quick_check").fetchone()
    if not result or result[0] != "ok":
        raise InputError("restore_damaged", path=str(path))


def inspect_backup(path: str | Path, check: bool = True) -> BackupInfo:
    """The revision and row counts of a backup file; :class:`InputError` if it is none (or,
    with ``check``, if SQLite finds it damaged)."""
    path = Path(path)
    if not path.is_file():
        raise InputError("restore_missing", path=str(path))
    try:
        with path.open("rb") as file:
            head = file.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise InputError("restore_unreadable", path=str(path), reason=os_reason(exc)) from exc
    if head.startswith(PG_DUMP_HEADER):
        raise InputError("restore_pg_dump", path=str(path))
    if head != SQLITE_HEADER:
        raise InputError("restore_not_backup", path=str(path))
    try:
        db = _open(path)  # only read (a backup is one file; a copied live database may have a -wal)
        try:
            if check:
                _quick_check(db, path)
            tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if "alembic_version" not in tables or "projects" not in tables:
                raise InputError("restore_not_backup", path=str(path))
            revision = db.execute("SELECT version_num FROM alembic_version").fetchone()
            rows = {table.name: db.execute(f'SELECT count(*) FROM "{table.name}"').fetchone()[0]
                    for table in Base.metadata.sorted_tables if table.name in tables}
        finally:
            db.close()
    except sqlite3.DatabaseError as exc:
        raise InputError("restore_damaged", path=str(path)) from exc
    if revision is None:
        raise InputError("restore_not_backup", path=str(path))
    if revision[0] not in _revisions():
        raise InputError("restore_too_new", path=str(path), revision=revision[0])
    return BackupInfo(path, revision[0], rows)


# --- restore -----------------------------------------------------------------------------------
def rows_in(engine: Engine) -> dict[str, int]:
    """The number of rows of every table of bidgeo's schema."""
    with engine.connect() as conn:
        return {table.name: conn.scalar(select(func.count()).select_from(table))
                for table in Base.metadata.sorted_tables}


def restore(engine: Engine, path: str | Path, force: bool = False) -> BackupInfo:
    """Replace the database of ``engine`` (migrated) with the backup ``path``. A database
    that holds any row is only replaced with ``force``. Returns what was restored (the
    backup's own revision; the rows as brought to the newest one)."""
    path = Path(path)
    target = _sqlite_file(engine)
    if target is not None and path.exists() and target.exists() and path.resolve() == target.resolve():
        raise InputError("restore_is_database", path=str(path))
    if _is_pg_dump(path):
        return _pg_restore(engine, path, force)
    original = inspect_backup(path)
    with tempfile.TemporaryDirectory(prefix="bidgeo-restore-") as tmp:
        copy = Path(tmp) / "restore.sqlite"
        _sqlite_backup(path, copy)  # the user's file stays as it is; the copy is migrated
        staged = make_engine(f"sqlite:///{copy}")
        try:
            try:
                migrate(staged)
            except Exception as exc:  # a foreign database that happens to have alembic_version
                raise InputError("restore_not_backup", path=str(path)) from exc
            staged.dispose()
            info = inspect_backup(copy, check=False)
            _refuse_data(engine, force)
            if target is not None:
                engine.dispose()
                _sqlite_backup(copy, target)
                engine.dispose()
                migrate(engine)
            else:
                _copy_into(engine, staged)
        finally:
            staged.dispose()
    return BackupInfo(path, original.revision, info.rows)


def _refuse_data(engine: Engine, force: bool) -> None:
    """A database that holds any row is only replaced with ``force``."""
    present = rows_in(engine)
    if sum(present.values()) and not force:
        raise InputError("restore_not_empty", url=engine.url.render_as_string(hide_password=True),
                         rows=sum(present.values()), projects=present.get("projects", 0))


def _is_pg_dump(path: Path) -> bool:
    try:
        with path.open("rb") as file:
            return file.read(len(PG_DUMP_HEADER)) == PG_DUMP_HEADER
    except OSError:
        return False  # said by inspect_backup


def _pg_restore(engine: Engine, path: Path, force: bool) -> BackupInfo:
    """A ``bidgeo backup --format pg_dump`` archive back into the PostgreSQL schema it was
    dumped from, replacing bidgeo's tables there in one transaction."""
    if engine.dialect.name != "postgresql":
        raise InputError("restore_pg_dump", path=str(path))
    tool = _pg_tool("pg_restore")
    try:
        listing = _run(None, [tool, "--list", str(path)])
    except InputError as exc:
        raise InputError("restore_damaged", path=str(path)) from exc
    data = {tuple(line.split()[5:7]) for line in listing.splitlines()
            if not line.startswith(";") and line.split()[3:5] == ["TABLE", "DATA"]}
    if not {"alembic_version", "projects"} <= {name for _, name in data}:
        raise InputError("restore_not_backup", path=str(path))
    with engine.connect() as conn:
        schema = conn.scalar(text("SELECT current_schema()"))
    dumped = {s for s, _ in data}
    if dumped != {schema}:
        raise InputError("restore_pg_dump_schema", path=str(path), dumped=", ".join(sorted(dumped)), schema=schema)
    copied = _run(None, [tool, "--data-only", "--table=alembic_version", "--file=-", str(path)])
    lines = copied.splitlines()
    start = next((i for i, line in enumerate(lines[:-1]) if line.startswith("COPY ")), None)
    if start is None:
        raise InputError("restore_not_backup", path=str(path))
    revision = lines[start + 1].strip()
    if revision not in _revisions():
        raise InputError("restore_too_new", path=str(path), revision=revision)
    _refuse_data(engine, force)
    engine.dispose()
    try:
        _run(engine, [tool, "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
                      "--exit-on-error", str(path)])
    except InputError as exc:  # one transaction: nothing changed
        raise ValidationError("restore_failed") from exc
    migrate(engine)
    return BackupInfo(path, revision, rows_in(engine))


def _copy_into(engine: Engine, staged: Engine) -> None:
    """The staged copy's rows into PostgreSQL, replacing every row there, in one transaction."""
    try:
        with staged.connect() as src, engine.begin() as dst:
            for table in reversed(Base.metadata.sorted_tables):
                dst.execute(table.delete())
            _copy_rows(src, dst)
            _reset_sequences(dst)
    except (IntegrityError, DataError) as exc:
        raise ValidationError("restore_failed") from exc


def _reset_sequences(conn: Connection) -> None:
    """Let new rows get ids after the restored ones."""
    quote = conn.dialect.identifier_preparer.quote
    for table in Base.metadata.sorted_tables:
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or not isinstance(keys[0].type, Integer):
            continue
        sequence = conn.scalar(text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": keys[0].name})
        if sequence:
            conn.execute(text(f"SELECT setval(:s, COALESCE((SELECT MAX({quote(keys[0].name)}) FROM "
                              f"{quote(table.name)}), 0) + 1, false)"), {"s": sequence})
