"""AppTest of the process page: start date, timeline, each step's checklist and deliverables,
own tasks, the takeover agreement, meetings, and the handover package."""

from __future__ import annotations

import io
import zipfile
from datetime import date, timedelta

import ui
from bidgeo import process, review, walks
from bidgeo.demo import ensure_demo
from conftest import open_page
from test_walks import obs


def test_the_process_from_start_to_handover(fake_map):
    engine = ui.store()
    demo = ensure_demo(engine)
    at = open_page("app_pages/process.py")
    assert not at.exception
    assert at.info[0].value.startswith("Ange när processen startar")
    start = date.today() - timedelta(weeks=10)  # now in step 2, step 1's tasks overdue
    at.date_input(key="pr_start_on").set_value(start)
    at.button(key="pr_set_start").click().run()
    assert not at.exception
    assert process.plan(engine, demo.id).start_on == start
    assert any(m.value.startswith("**Nu: steg 2 av 7") for m in at.markdown)
    assert at.warning[0].value == "6 uppgifter är försenade."
    titles = [e.label for e in at.expander]
    assert len(titles) >= 7 and titles[0].startswith("⚠ Steg 1: Introduktion, inspiration och förankring (")
    assert titles[2].startswith("⚠ Steg 3: Studiebesök") and "15 veckor" in titles[2]
    assert any(w.value.startswith("Saknas: godkänd områdesversion") for w in at.warning)

    # An own task in step 2.
    at.text_input(key="pr_new_2").input("Boka lokal för kick-off")
    at.button(key="pr_add_2").click().run()
    assert "Boka lokal för kick-off" in set(process.tasks(engine, demo.id, "sv")["title"])

    # A meeting that decides on a reviewed observation.
    walk = walks.create_walk(engine, demo.id, date.today())
    uuid = walks.new_uuid()
    walks.save_observation(engine, demo.id, walk, uuid, obs(comment="Inga bänkar"))
    review.set_state(engine, demo.id, uuid, "accepted")
    at.run()
    at.text_input(key="mt_people").input("Kommunen, regionen")
    at.text_area(key="mt_decisions").input("Bänkar på torget <b>godtas</b>")
    at.multiselect(key="mt_obs").set_value([uuid])
    at.button(key="mt_add").click().run()
    assert not at.exception
    assert "Bänkar på torget <b>godtas</b>" in [t.value for t in at.text]
    assert process.meetings(engine, demo.id)["observation_uuids"].iloc[0] == [uuid]

    # Step 6 and 7: who takes over, and the handover package.
    at.text_input(key="pr_org").input("Karhula företagarförening")
    at.date_input(key="pr_agreed").set_value(date.today())
    at.button(key="pr_save_org").click().run()
    assert process.deliverables(engine, demo.id)["takeover_agreement"]
    at.button(key="pr_make_handover").click().run()
    assert not at.exception
    archive = zipfile.ZipFile(io.BytesIO(at.session_state["pr_zip"][1]))
    assert archive.namelist() == ["LASMIG.txt", "rapport.pdf", "bid.gpkg", "handlingsplan.xlsx",
                                  "handlingsplan.csv", "intressenter.csv"]
