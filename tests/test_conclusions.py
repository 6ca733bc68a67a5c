"""The status analysis's conclusions in the BID manager's own words: kept with the project on
SQLite and PostgreSQL, set and read with ``bidgeo conclusions``, printed in the report."""

from __future__ import annotations

import json

import pytest

from bidgeo import audit, conclusions
from bidgeo.db import open_store
from bidgeo.errors import NotFoundError, ValidationError
from bidgeo.focus import FOCUS_AREAS
from bidgeo.projects import create_project
from test_cli import bidgeo

SUMMARY = "Torget lever, men <b>lokalerna</b> står tomma.\n\nNästa steg: bänkar & belysning."


def test_conclusions_are_kept_with_the_project(engine):
    mine = create_project(engine, "Bruket", locality="Bruket")
    other = create_project(engine, "Byn", locality="Byn")
    empty = conclusions.conclusions(engine, mine.id)
    assert empty.summary == "" and empty.updated_at is None
    assert set(empty.areas) == set(FOCUS_AREAS) and not any(empty.written(k) for k in FOCUS_AREAS)

    acting = audit.acting(engine, "anna")
    saved = conclusions.save_conclusions(acting, mine.id, summary=f"  {SUMMARY}  ", areas={
        "place": {"strengths": "Torget är soligt.", "challenges": "Inga bänkar."}}, by="Anna BID-ledare")
    assert saved.summary == SUMMARY  # as written, trimmed
    assert saved.areas["place"] == {"strengths": "Torget är soligt.", "challenges": "Inga bänkar.", "opportunities": ""}
    assert saved.written("place") and not saved.written("offering")
    assert saved.updated_by == "Anna BID-ledare" and saved.updated_at is not None
    # Only what is given changes; an empty text clears one.
    again = conclusions.save_conclusions(engine, mine.id, areas={"place": {"challenges": "", "opportunities": "Marknad"}},
                                         by="Bo")
    assert again.summary == SUMMARY
    assert again.areas["place"] == {"strengths": "Torget är soligt.", "challenges": "", "opportunities": "Marknad"}
    assert conclusions.conclusions(engine, other.id).summary == ""  # another project's are its own
    log = audit.entries(engine, mine.id)
    assert "conclusions" in set(log["entity"]) and "anna" in set(log["actor"])

    with pytest.raises(ValidationError):
        conclusions.save_conclusions(engine, mine.id, summary="x" * (conclusions.MAX_TEXT + 1))
    with pytest.raises(ValidationError):
        conclusions.save_conclusions(engine, mine.id, summary="ny", areas={"nowhere": {"strengths": "x"}})
    with pytest.raises(ValidationError):
        conclusions.save_conclusions(engine, mine.id, areas={"place": {"weaknesses": "x"}})
    assert conclusions.conclusions(engine, mine.id).summary == SUMMARY  # a refused save wrote nothing
    with pytest.raises(NotFoundError):
        conclusions.save_conclusions(engine, 99_999, summary="x")


def test_conclusions_from_the_command_line(database_url, tmp_path):
    env = {"BIDGEO_DATABASE_URL": database_url}
    engine = open_store(database_url)
    project = create_project(engine, "Bruket", locality="Bruket")
    engine.dispose()
    done = bidgeo("conclusions", project.id, "--summary", SUMMARY, "--focus", "place", "--strengths",
                  "Torget är soligt.", "--author", "Anna BID-ledare", "--json", env=env)
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == "Slutsatserna för Bruket är sparade."
    shown = json.loads(done.stdout)
    assert shown["summary"] == SUMMARY and shown["focus_areas"]["place"]["strengths"] == "Torget är soligt."
    assert shown["updated_by"] == "Anna BID-ledare"

    # A file shaped as --json prints (what it leaves out stays as it is).
    own = tmp_path / "slutsatser.json"
    own.write_text(json.dumps({"focus_areas": {"offering": {"challenges": "Tomma lokaler."}}}, ensure_ascii=False),
                   "utf-8")
    assert bidgeo("conclusions", "Bruket", "--file", own, env=env).returncode == 0
    printed = bidgeo("conclusions", "Bruket", env=env)
    assert printed.returncode == 0
    lines = printed.stdout.splitlines()
    assert lines[0] == "Sammanfattning: " + SUMMARY.splitlines()[0]
    assert "Platsen, styrkor: Torget är soligt." in lines and "Utbud, utmaningar: Tomma lokaler." in lines

    # Mistakes say what to do, in one line, and change nothing.
    bad = tmp_path / "fel.json"
    bad.write_text('{"summary": "x",', "utf-8")
    cases = [(("--strengths", "x"), 2, "--focus"),
             (("--file", bad), 2, "rad 1"),
             (("--file", tmp_path / "saknas.json"), 2, "saknas.json"),
             (("--focus", "nowhere", "--strengths", "x"), 2, "nowhere"),
             (("--summary", "x" * (conclusions.MAX_TEXT + 1)), 1, str(conclusions.MAX_TEXT))]
    for extra, code, said in cases:
        result = bidgeo("conclusions", "Bruket", *extra, env=env)
        assert result.returncode == code, (extra, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1 and said in result.stderr, result.stderr
    assert json.loads(bidgeo("conclusions", "Bruket", "--json", env=env).stdout)["summary"] == SUMMARY
