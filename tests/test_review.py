"""The steering group's review and the action plan, on both databases: states, comments
apart from the walkers' text, actions only from accepted observations; all survive a new
connection (a restart)."""

from __future__ import annotations

from datetime import date

import pytest

from bidgeo import review, walks
from bidgeo.db import open_store
from bidgeo.demo import ensure_demo
from bidgeo.errors import ValidationError
from test_walks import obs


def test_review_states_comments_and_actions_survive_a_restart(database_url):
    engine = open_store(database_url)
    demo = ensure_demo(engine)
    walk = walks.create_walk(engine, demo.id, date(2026, 5, 12))
    bench, tunnel, idea = walks.new_uuid(), walks.new_uuid(), walks.new_uuid()
    walks.save_observation(engine, demo.id, walk, bench, obs(comment="Inga bänkar"))
    walks.save_observation(engine, demo.id, walk, tunnel, obs(focus_area="clean_safe", kind="challenge",
                                                             comment="Mörk tunnel"))
    walks.save_observation(engine, demo.id, walk, idea, obs(kind="idea", comment="<script>alert(1)</script>"))
    assert review.states(engine, demo.id)["state"].tolist() == ["new"] * 3

    review.set_state(engine, demo.id, bench, "accepted", by="Styrgruppen")
    review.set_state(engine, demo.id, idea, "rejected", by="Styrgruppen")
    review.add_comment(engine, demo.id, bench, "Kommunen", "Vi har bänkar i förråd <b>")
    with pytest.raises(ValidationError) as error:  # only an accepted observation becomes an action
        review.create_action(engine, demo.id, "Belysning i tunneln", "clean_safe", uuid=tunnel)
    assert error.value.key == "action_needs_accepted"
    first = review.create_action(engine, demo.id, "Ställ ut bänkar på torget", "place", uuid=bench, owner="Kommunen",
                                 priority="high", cost_sek=12000, due_on=date(2026, 9, 1))
    second = review.create_action(engine, demo.id, "Ortsfest i augusti", "place_brand", priority="low")
    with pytest.raises(ValidationError):
        review.create_action(engine, demo.id, " ", "place")
    with pytest.raises(ValidationError):
        review.update_action(engine, demo.id, first, priority="urgent")
    review.update_action(engine, demo.id, second, status="in_progress", owner="Företagarföreningen")
    engine.dispose()

    engine = open_store(database_url)  # a restart
    states = dict(zip(*review.states(engine, demo.id)[["uuid", "state"]].T.values))
    assert states == {bench: "to_action", tunnel: "new", idea: "rejected"}
    notes = review.comments(engine, demo.id)
    assert notes[["uuid", "author", "text"]].values.tolist() == [[bench, "Kommunen", "Vi har bänkar i förråd <b>"]]
    assert walks.observation(engine, bench)["comment"] == "Inga bänkar"  # the walkers' text is untouched
    plan = review.actions(engine, demo.id)
    assert plan[["id", "uuid", "title", "owner", "priority", "status"]].values.tolist() == [
        [first, bench, "Ställ ut bänkar på torget", "Kommunen", "high", "planned"],
        [second, None, "Ortsfest i augusti", "Företagarföreningen", "low", "in_progress"]]
    assert plan["cost_sek"].iloc[0] == 12000 and plan["due_on"].iloc[0] == date(2026, 9, 1)
    engine.dispose()
