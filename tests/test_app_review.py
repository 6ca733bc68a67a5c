"""AppTest of the steering group's review: choose an observation on the map or in the list,
set its state, comment apart from the walkers' text, make it an action and edit the plan."""

from __future__ import annotations

from datetime import date

import ui
from bidgeo import review, walks
from bidgeo.demo import ensure_demo
from conftest import open_page
from test_walks import obs


def walk_with_observations():
    engine = ui.store()
    demo = ensure_demo(engine)
    walk = walks.create_walk(engine, demo.id, date(2026, 5, 12), "Handlarna")
    uuids = [walks.new_uuid() for _ in range(3)]
    walks.save_observation(engine, demo.id, walk, uuids[0], obs(comment="Inga bänkar på torget", lon=26.9480))
    walks.save_observation(engine, demo.id, walk, uuids[1], obs(focus_area="clean_safe", kind="challenge",
                                                               comment="<script>alert(1)</script>", lon=26.9550))
    walks.save_observation(engine, demo.id, walk, uuids[2], obs(focus_area="offering", kind="idea",
                                                               comment="Torghandel på lördagar", lon=26.9600))
    return engine, demo, uuids


def test_review_a_tapped_observation_and_make_an_action(fake_map):
    engine, demo, uuids = walk_with_observations()
    at = open_page("app_pages/review.py")
    assert not at.exception
    assert at.title[0].value == "Styrgruppens granskning"
    [(_, m, _)] = [s for s in fake_map.shown if s[0].startswith("revmap-")]
    assert "<script>alert(1)</script>" not in m.get_root().render()

    # A tap on the tunnel's marker on the map chooses it.
    fake_map.answers["revmap-"] = {"last_object_clicked": {"lat": 60.523, "lng": 26.9551}}
    at.run()
    assert at.subheader[0].value == "Rent, tryggt och säkert – Utmaning"
    assert [x.value for x in at.text][:1] == ["<script>alert(1)</script>"]  # as written, as plain text
    assert any(c.value.endswith(" · Bedömning av observationen (1–5): 4") for c in at.caption)
    # The state and the comment are one form: choosing the state saves nothing by itself...
    at.text_area(key=f"rev_text_{uuids[1]}_0").input("Kommunen ser över belysningen")
    at.segmented_control(key=f"rev_state_{uuids[1]}").set_value("accepted")
    at.button(key=f"rev_add_{uuids[1]}").click().run()  # ...without a name, nothing is saved
    assert "Skriv ditt namn som granskare." in [e.value for e in at.error]
    assert review.states(engine, demo.id).set_index("uuid").loc[uuids[1], "state"] == "new"
    assert review.comments(engine, demo.id).empty
    assert at.text_area(key=f"rev_text_{uuids[1]}_0").value == "Kommunen ser över belysningen"  # still there
    at.text_input(key="rev_reviewer").input("Styrgruppen")
    at.button(key=f"rev_add_{uuids[1]}").click().run()  # the name, the state and the text sent together
    assert review.states(engine, demo.id).set_index("uuid").loc[uuids[1], "state"] == "accepted"
    notes = review.comments(engine, demo.id)
    assert notes[["uuid", "author", "text"]].values.tolist() == [
        [uuids[1], "Styrgruppen", "Kommunen ser över belysningen"]]
    assert at.text_area(key=f"rev_text_{uuids[1]}_1").value == ""  # a new, empty box once saved
    assert walks.observation(engine, uuids[1])["comment"] == "<script>alert(1)</script>"  # walkers' text untouched
    assert any(c.value.startswith("Granskarens kommentar · Styrgruppen") for c in at.caption)

    at.text_input(key=f"act_title_{uuids[1]}").input("Belysning i gångtunneln")
    at.text_input(key=f"act_owner_{uuids[1]}").input("Kommunen")
    at.segmented_control(key=f"act_priority_{uuids[1]}").set_value("high")
    at.number_input(key=f"act_cost_{uuids[1]}").set_value(45000)
    at.button(key=f"act_create_{uuids[1]}").click().run()
    assert not at.exception
    plan = review.actions(engine, demo.id)
    assert plan[["uuid", "title", "owner", "priority", "cost_sek"]].values.tolist() == [
        [uuids[1], "Belysning i gångtunneln", "Kommunen", "high", 45000.0]]
    assert review.states(engine, demo.id).set_index("uuid").loc[uuids[1], "state"] == "to_action"


def test_filters_and_the_action_plan_table(fake_map):
    engine, demo, uuids = walk_with_observations()
    review.set_state(engine, demo.id, uuids[0], "accepted")
    action = review.create_action(engine, demo.id, "Bänkar på torget", "place", uuid=uuids[0])
    at = open_page("app_pages/review.py")
    at.pills(key="rev_states").set_value(["to_action"]).run()
    assert not at.exception
    assert at.dataframe[0].value["Kommentar"].tolist() == ["Inga bänkar på torget"]
    plan = at.dataframe[1].value  # the action plan, in the reader's language
    assert plan[["Åtgärd", "Fokusområde", "Prioritet", "Status"]].values.tolist() == [
        ["Bänkar på torget", "Platsen", "Medel", "Planerad"]]
    review.update_action(engine, demo.id, action, status="done")
    at.run()
    assert at.dataframe[1].value["Status"].tolist() == ["Klar"]


def test_the_review_and_the_status_analysis_count_accepted_alike(fake_map):
    """One truth: "accepted by the steering group" is accepted or to action
    (bidgeo.review.accepted_count), on both pages, for the same walk."""
    engine, demo, uuids = walk_with_observations()
    review.set_state(engine, demo.id, uuids[0], "accepted")
    review.create_action(engine, demo.id, "Bänkar på torget", "place", uuid=uuids[0])  # to action
    review.set_state(engine, demo.id, uuids[1], "accepted")
    review.set_state(engine, demo.id, uuids[2], "rejected")
    walks.delete_observation(engine, uuids[1])  # a deleted observation counts nowhere
    assert review.state_counts(engine, demo.id) == {"new": 0, "accepted": 0, "to_action": 1, "rejected": 1}
    assert review.accepted_count(review.state_counts(engine, demo.id)) == 1

    at = open_page("app_pages/review.py")
    assert not at.exception
    [line] = [m.value for m in at.markdown if m.value.startswith("**Godtagna av styrgruppen**")]
    assert line == "**Godtagna av styrgruppen**: 1 (varav till åtgärd: 1) · **Ny**: 0 · **Avvisad**: 1"
    analysis = open_page("app_pages/analysis.py")
    assert not analysis.exception
    assert {m.label: m.value for m in analysis.metric}["Godtagna av styrgruppen"] == "1"
