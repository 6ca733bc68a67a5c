"""Probing issue 13: a command that writes a file beside its target first (whole or not at
all) never writes through a symbolic link someone else put in that folder."""

from __future__ import annotations

import json
import stat

from conftest import CASES_OSM
from test_cli import bidgeo
from test_cli_mistakes import BOWTIE


def test_writing_commands_never_follow_a_planted_link(tmp_path):
    """In a folder others may write (a shared /tmp), a link placed under the name a command
    writes to before moving its file into place must not make it overwrite the link's target."""
    bowtie = tmp_path / "bowtie.geojson"
    bowtie.write_text(json.dumps(BOWTIE))
    db = {"BIDGEO_DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite'}"}
    project = bidgeo("demo", env=db).stdout.strip()
    shared = tmp_path / "shared"
    shared.mkdir()
    victim = tmp_path / "victim.txt"
    writers = {
        "services.geojson": ("services", CASES_OSM, "--out", "{out}"),
        "repair.geojson": ("area", "check", bowtie, "--repair", "{out}"),
        "coverage.csv": ("coverage", CASES_OSM, "--per-origin", "{out}"),
        "export.zip": ("export", project, "--format", "csv", "--public", "--out", "{out}"),
        "backup.sqlite": ("backup", "{out}"),
    }
    for name, command in writers.items():
        victim.write_text("precious")
        out = shared / name
        (shared / f".{name}.part").symlink_to(victim)
        argv = [str(out) if part == "{out}" else part for part in command]
        result = bidgeo(*argv, env=db)
        assert result.returncode in (0, 1), (name, result.stderr)  # 1: the bowtie is invalid, the repair written
        assert victim.read_text() == "precious", name
        assert out.is_file() and not out.is_symlink(), name
        assert out.read_bytes() != b"precious", name
    assert stat.S_IMODE((shared / "backup.sqlite").stat().st_mode) == 0o600
    assert not [p for p in shared.iterdir() if p.name.endswith(".part") and not p.is_symlink()]  # none left behind


def test_no_command_writes_over_the_database_even_with_force(tmp_path):
    """A slip of the hand (the database's name for --out) must not replace the database: as
    ``backup`` already refused, so do the other writing commands."""
    database = tmp_path / "bidgeo.sqlite"
    db = {"BIDGEO_DATABASE_URL": f"sqlite:///{database}"}
    project = bidgeo("demo", env=db).stdout.strip()
    bowtie = tmp_path / "bowtie.geojson"
    bowtie.write_text(json.dumps(BOWTIE))
    before = database.read_bytes()[:100]
    for command in (("services", CASES_OSM, "--out", database),
                    ("area", "check", bowtie, "--repair", database),
                    ("coverage", CASES_OSM, "--per-origin", database),
                    ("export", project, "--format", "csv", "--public", "--out", database)):
        result = bidgeo(*command, "--force", env=db)
        assert result.returncode == 2 and "är själva databasen" in result.stderr, (command, result.stderr)
        assert database.read_bytes()[:100] == before
    assert bidgeo("projects", env=db).stdout.startswith(f"{project}\t")
