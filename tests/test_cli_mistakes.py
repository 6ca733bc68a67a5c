"""The command line against a careless user: files are never overwritten without --force,
places that cannot be written and database addresses that are wrong are said in one line of
the user's language with their own exit code, and so are argparse's mistakes. The database
and its backups are private files."""

from __future__ import annotations

import json
import os
import stat

import pytest

from bidgeo.db import open_store
from conftest import CASES_OSM
from test_cli import bidgeo

BOUNDARY = {"type": "Polygon", "coordinates": [[[26.93, 60.52], [26.95, 60.52], [26.95, 60.53], [26.93, 60.52]]]}
BOWTIE = {"type": "Polygon", "coordinates": [[[26.93, 60.52], [26.95, 60.53], [26.95, 60.52], [26.93, 60.53],
                                              [26.93, 60.52]]]}


def one_line(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("bidgeo: "), result.stderr
    for leftover in ("Traceback", "internt fel", "internal error", "usage:", "error:", "Errno"):
        assert leftover not in result.stderr
    return lines[0]


def test_no_command_overwrites_a_file_without_force(tmp_path):
    area = tmp_path / "area.geojson"
    area.write_text(json.dumps(BOUNDARY))
    bowtie = tmp_path / "bowtie.geojson"
    bowtie.write_text(json.dumps(BOWTIE))
    db = {"BIDGEO_DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite'}"}
    project = bidgeo("demo", env=db).stdout.strip()
    writers = {
        "services": ("services", CASES_OSM, "--out", "{out}"),
        "repair": ("area", "check", bowtie, "--repair", "{out}"),
        "coverage": ("coverage", CASES_OSM, "--per-origin", "{out}"),
        "export": ("export", project, "--format", "csv", "--public", "--out", "{out}"),
        "walk-kit": ("walk-kit", "export", project, "{out}"),
        "backup": ("backup", "{out}"),
    }
    for name, command in writers.items():
        out = tmp_path / f"{name}.gpkg"
        out.write_text("the user's own file")
        argv = [str(out) if part == "{out}" else part for part in command]
        refused = bidgeo(*argv, env=db)
        assert refused.returncode == 2, (name, refused.stderr)
        assert "finns redan" in one_line(refused) and "--force" in refused.stderr, name
        assert out.read_text() == "the user's own file", name
        forced = bidgeo(*argv, "--force", env=db)
        assert forced.returncode in (0, 1), (name, forced.stderr)  # 1: the bowtie is invalid, the repair written
        assert out.read_bytes() != b"the user's own file", name


def test_a_place_that_cannot_be_written_is_said_plainly(tmp_path, monkeypatch, capsys):
    import errno
    from pathlib import Path

    from bidgeo import cli

    locked = tmp_path / "locked"
    locked.mkdir()
    result = bidgeo("services", CASES_OSM, "--out", tmp_path / "no-such-folder" / "s.geojson")
    assert result.returncode == 2 and "mappen finns inte" in one_line(result)
    result = bidgeo("services", CASES_OSM, "--out", locked)
    assert result.returncode == 2 and "det är en mapp" in one_line(result)
    result = bidgeo("services", CASES_OSM, "--out", "/dev/null", "--force")  # not a file to replace
    assert result.returncode == 2 and "ingen vanlig fil" in one_line(result)
    result = bidgeo("backup", "/dev/null", "--force")
    assert result.returncode == 2 and "ingen vanlig fil" in one_line(result)
    assert Path("/dev/null").is_char_device()
    for error, said in ((PermissionError(errno.EACCES, "Permission denied"), "du får inte skriva där"),
                        (OSError(errno.ENOSPC, "No space left on device"), "disken är full"),
                        (OSError(errno.EIO, "Input/output error"), "filen gick inte att skriva")):
        def fail(self, data, error=error):
            raise error

        monkeypatch.setattr(Path, "write_bytes", fail)  # as the disk or the folder would
        out = tmp_path / "s.geojson"
        assert cli.main(["services", str(CASES_OSM), "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert err.strip() == f"bidgeo: Kan inte skriva ”{out}”: {said}. Välj en fil i en mapp som finns och där " \
            "du får skriva."
        assert not out.exists() and not list(tmp_path.glob(".*.part"))
        monkeypatch.undo()


@pytest.mark.parametrize("url, code, said", [
    ("sqlite:///{tmp}/no-such-folder/bidgeo.sqlite", 2, "finns inte"),
    ("sqlite:///{tmp}", 2, "är en mapp"),
    ("sqlite:///{tmp}/text.sqlite", 2, "går inte att öppna som en bidgeo-databas"),
    ("nonsense", 2, "går inte att tolka"),
    ("mysql://user:hemligt@127.0.0.1/db", 2, "går inte att tolka"),
    ("postgresql+psycopg://user:hemligt@127.0.0.1:1/none", 3, "svarar inte"),
])
def test_a_wrong_database_address_gets_its_own_message(tmp_path, url, code, said):
    (tmp_path / "text.sqlite").write_text("these are someone's notes, not a database\n" * 20)
    url = url.format(tmp=tmp_path)
    for command in (("projects",), ("demo",)):
        result = bidgeo("--db", url, *command)
        assert result.returncode == code and said in one_line(result), result.stderr
        assert "hemligt" not in result.stderr
    assert not (tmp_path / "no-such-folder").exists()  # nothing made where the user did not say
    assert (tmp_path / "text.sqlite").read_text().startswith("these are someone's notes")


@pytest.mark.parametrize("argv, said", [
    ((), "ett kommando saknas"),
    (("area",), "ett kommando saknas"),
    (("area", "check"), "behöver också FILE"),
    (("frobnicate",), "har inget kommando ”frobnicate”"),
    (("export", "1", "--out", "x.pdf", "--format", "docx"), "--format kan inte vara ”docx”. Välj en av: gpkg"),
    (("services", "--buffer", "mycket"), "--buffer ska vara ett tal, inte ”mycket”"),
    (("coverage", "f.osm", "--bands"), "--bands behöver ett värde"),
    (("projects", "--everything"), "känner inte till --everything"),
    (("services", "--fo", "csv"), "kan betyda flera flaggor"),
    (("user", "add", "anna", "--password", "hemligt"), "känner inte till --password hemligt"),
])
def test_argument_mistakes_are_one_line_in_the_users_language(argv, said):
    result = bidgeo(*argv)
    assert result.returncode == 2 and said in one_line(result)
    assert result.stdout == ""
    english = bidgeo(*argv, "--lang", "en")
    assert english.returncode == 2 and one_line(english) != one_line(result)


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_database_its_wal_and_backups_are_private(tmp_path, monkeypatch):
    home = tmp_path / "fresh" / "bidgeo"
    monkeypatch.setenv("BIDGEO_HOME", str(home))
    engine = open_store()  # the embedded default: BIDGEO_HOME/bidgeo.sqlite
    from bidgeo.projects import create_project

    create_project(engine, "Privat")
    db = home / "bidgeo.sqlite"
    assert _mode(home) == 0o700
    for each in (db, home / "bidgeo.sqlite-wal", home / "bidgeo.sqlite-shm"):
        assert each.exists() and _mode(each) == 0o600, each
    engine.dispose()
    result = bidgeo("backup", tmp_path / "backup.sqlite", env={"BIDGEO_HOME": str(home)})
    assert result.returncode == 0, result.stderr
    assert _mode(tmp_path / "backup.sqlite") == 0o600
    # A database made world-readable by an earlier version is made private when opened.
    db.chmod(0o644)
    open_store().dispose()
    assert _mode(db) == 0o600


@pytest.mark.postgres
def test_backups_of_postgresql_are_private(postgres_url, tmp_path):
    env = {"BIDGEO_DATABASE_URL": postgres_url}
    assert bidgeo("demo", env=env).returncode == 0
    for fmt in ("sqlite", "pg_dump"):
        out = tmp_path / f"backup-{fmt}"
        result = bidgeo("backup", out, "--format", fmt, env=env)
        assert result.returncode == 0, result.stderr
        assert _mode(out) == 0o600, fmt
