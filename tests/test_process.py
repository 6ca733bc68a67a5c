"""The BID process: the seven steps' timeline (18 months, across years), checklists with
overdue tasks, deliverables the tool holds, and meetings; on both databases."""

from __future__ import annotations

from datetime import date

import pytest

from bidgeo import plan, process, review, stakeholders, walks
from bidgeo.area_versions import list_versions, set_status
from bidgeo.demo import ensure_demo
from bidgeo.errors import ValidationError
from test_walks import obs


def test_seven_steps_over_18_months_across_years():
    assert [s.weeks for s in process.steps()] == [8, 8, 15, 12, 12, 12, 12]
    phases = process.timeline(date(2026, 11, 2))
    assert [(p.start, p.end) for p in phases] == [
        (date(2026, 11, 2), date(2026, 12, 27)),   # 8 weeks, into the new year next
        (date(2026, 12, 28), date(2027, 2, 21)),   # crosses New Year
        (date(2027, 2, 22), date(2027, 6, 6)),     # 15 weeks
        (date(2027, 6, 7), date(2027, 8, 29)),
        (date(2027, 8, 30), date(2027, 11, 21)),
        (date(2027, 11, 22), date(2028, 2, 13)),   # crosses New Year, 2028 is a leap year
        (date(2028, 2, 14), date(2028, 5, 7)),     # over 29 February
    ]
    assert (phases[-1].end - phases[0].start).days + 1 == 79 * 7  # 79 weeks: about 18 months
    assert process.current_step(date(2026, 11, 2), date(2027, 1, 1)) == 2
    assert process.current_step(date(2026, 11, 2), date(2026, 11, 1)) is None
    assert process.current_step(date(2026, 11, 2), date(2028, 5, 7)) == 7


def test_checklists_deliverables_and_meetings(engine):
    demo = ensure_demo(engine)
    assert process.plan(engine, demo.id) is None
    process.start_process(engine, demo.id, date(2026, 1, 12))
    table = process.tasks(engine, demo.id, "sv")
    assert len(table) == len(process.method_tasks()) == 21
    assert table["title"].iloc[0].startswith("Definiera ett avgränsat geografiskt område")
    assert table["due_on"].iloc[0] == date(2026, 3, 8)  # the end of step 1
    own = process.add_task(engine, demo.id, 2, "Boka lokal för kick-off", owner="Anna", due_on=date(2026, 3, 20))
    process.update_task(engine, demo.id, int(table["id"].iloc[0]), status="done", owner="BID-managern")
    table = process.tasks(engine, demo.id, "en")
    late = table[process.overdue(table, date(2026, 4, 1))]
    assert table["title"].iloc[0].startswith("Define a delimited geographical area")
    assert int(table["id"].iloc[0]) not in set(late["id"])  # done is never overdue
    assert len(late) == 5 + 1 and own in set(late["id"])  # the rest of step 1 and the own task
    with pytest.raises(ValidationError):
        process.update_task(engine, demo.id, own, status="maybe")
    with pytest.raises(ValidationError):
        process.add_task(engine, demo.id, 8, "Steg 8 finns inte")

    # Moving the start moves the due dates nobody changed.
    process.start_process(engine, demo.id, date(2026, 2, 2))
    moved = process.tasks(engine, demo.id, "sv").set_index("id")
    assert moved.loc[int(table["id"].iloc[1]), "due_on"] == date(2026, 3, 29)
    assert moved.loc[own, "due_on"] == date(2026, 3, 20)

    assert process.missing(engine, demo.id) == {
        1: ["approved_area", "letters_of_intent"], 2: ["place_walk"], 3: ["status_analysis"],
        4: ["action_plan", "business_plan", "cases"], 5: ["plan_approved", "plan_anchored"],
        6: ["takeover_agreement"], 7: ["final_report"]}
    set_status(engine, demo.id, list_versions(engine, demo.id)[0].number, "approved", by="Styrgruppen")
    stakeholders.add(engine, demo.id, name="Karhulan Kauppa", status="signed")
    walk = walks.create_walk(engine, demo.id, date(2026, 5, 12))
    uuid = walks.new_uuid()
    walks.save_observation(engine, demo.id, walk, uuid, obs())
    walks.save_assessment(engine, walk, "Grupp A", {a: (4, "") for a in process_focus()})
    review.set_state(engine, demo.id, uuid, "accepted")
    review.create_action(engine, demo.id, "Bänkar", "place", uuid=uuid)
    process.set_handover(engine, demo.id, "Karhula företagarförening", date(2027, 5, 1))
    assert process.missing(engine, demo.id) == {1: [], 2: [], 3: [], 4: ["business_plan", "cases"],
                                                5: ["plan_approved", "plan_anchored"], 6: [], 7: ["final_report"]}
    plan.save_text(engine, demo.id, "En levande by", "Ett torg att mötas på", {"place": "Fler bänkar"})
    plan.save_milestone(engine, demo.id, "Bänkar på plats", action_ids=review.actions(engine, demo.id)["id"])
    plan.save_case(engine, demo.id, "Pop-up-café", result="120 besökare")
    plan.advance(engine, demo.id)
    plan.advance(engine, demo.id)
    assert process.missing(engine, demo.id) == {1: [], 2: [], 3: [], 4: [], 5: ["plan_anchored"], 6: [],
                                                7: ["final_report"]}
    plan.advance(engine, demo.id)
    assert process.missing(engine, demo.id) == {1: [], 2: [], 3: [], 4: [], 5: [], 6: [], 7: ["final_report"]}
    process.set_final_report(engine, demo.id, date(2027, 8, 1))
    assert all(not m for m in process.missing(engine, demo.id).values())

    process.add_meeting(engine, demo.id, date(2026, 6, 2), "Kommunen, regionen", "Bänkar på torget godtas", [uuid])
    with pytest.raises(ValidationError):
        process.add_meeting(engine, demo.id, date(2026, 6, 2), "", " ")
    held = process.meetings(engine, demo.id)
    assert held[["held_on", "decisions"]].values.tolist() == [[date(2026, 6, 2), "Bänkar på torget godtas"]]
    assert held["observation_uuids"].iloc[0] == [uuid]


def process_focus():
    from bidgeo.focus import FOCUS_AREAS

    return FOCUS_AREAS


def test_handover_package_from_the_cli(database_url, tmp_path):
    import io
    import zipfile

    import pyogrio
    from pypdf import PdfReader

    from bidgeo.db import open_store
    from test_cli import bidgeo

    engine = open_store(database_url)
    demo = ensure_demo(engine)
    stakeholders.add(engine, demo.id, name="Karhulan Kauppa", status="signed", contact_email="kauppa@example.fi")
    walk = walks.create_walk(engine, demo.id, date(2026, 5, 12))
    uuid = walks.new_uuid()
    walks.save_observation(engine, demo.id, walk, uuid, obs(comment="=HYPERLINK(\"x\")"))
    review.set_state(engine, demo.id, uuid, "accepted")
    review.create_action(engine, demo.id, "Bänkar på torget", "place", uuid=uuid, owner="Kommunen")
    engine.dispose()
    env = {"BIDGEO_DATABASE_URL": database_url}
    out = tmp_path / "overlamning.zip"
    result = bidgeo("export", demo.id, "--format", "handover", "--out", out, env=env)
    assert result.returncode == 0, result.stderr
    archive = zipfile.ZipFile(out)
    assert archive.namelist() == ["LASMIG.txt", "rapport.pdf", "bid.gpkg", "handlingsplan.xlsx",
                                  "handlingsplan.csv", "intressenter.csv"]
    readme = archive.read("LASMIG.txt").decode("utf-8")
    assert readme.startswith("Överlämningspaket för Karhula (demo)") and "utan kontaktuppgifter" in readme
    pdf = PdfReader(io.BytesIO(archive.read("rapport.pdf")))  # a PDF viewer opens it
    assert len(pdf.pages) >= 3 and "Bänkar på torget" in "".join(p.extract_text() for p in pdf.pages)
    (tmp_path / "bid.gpkg").write_bytes(archive.read("bid.gpkg"))  # QGIS opens it
    assert {"area_versions", "services", "observations", "actions"} <= {
        name for name, _ in pyogrio.list_layers(tmp_path / "bid.gpkg")}
    people = archive.read("intressenter.csv").decode("utf-8-sig")
    assert "Karhulan Kauppa" in people and "kauppa@example.fi" not in people
    assert "Bänkar på torget" in archive.read("handlingsplan.csv").decode("utf-8-sig")

    refused = bidgeo("export", demo.id, "--format", "handover", "--with-contacts", "--out", out, env=env)
    assert refused.returncode == 2 and "--force" in refused.stderr  # the package already there is kept
    result = bidgeo("export", demo.id, "--format", "handover", "--with-contacts", "--out", out, "--force", env=env)
    assert result.returncode == 0, result.stderr
    assert "kauppa@example.fi" in zipfile.ZipFile(out).read("intressenter.csv").decode("utf-8-sig")
