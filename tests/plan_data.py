"""A realistic business plan for the Karhula demo, shared by the plan's tests: a process from
12 January 2026 (so the plan's years are 2026-2028), the register's members with the numbers
the contribution models read, a milestone linked to an action from an accepted observation, a
case, and a budget with its financing (figures worked out by hand in test_plan.py)."""

from __future__ import annotations

from datetime import date

import pandas as pd

from bidgeo import plan, process, review, stakeholders, walks
from bidgeo.demo import ensure_demo
from test_walks import obs

BUDGET = pd.DataFrame({
    "action": ["Bänkar på torget", "Julbelysning längs Kauppakatu", "Gemensam marknadsföring", "Torgdagar"],
    "focus_area": ["place", "place_brand", "place_brand", ""],
    "year": [2026, 2026, 2027, 2028],
    "cost_sek": [45000, "60 000", 80000, 50000],
    "hours": [40, 20, 100, ""],
})
FINANCING = pd.DataFrame({
    "party": ["Kotka stad", "Region Kymenlaakso", "Karhulan Kauppa", "Kotka stad", "Fastighets AB Torget",
              "Karhulan Kauppa"],
    "kind": ["municipality", "region", "business", "municipality", "property_owner", "business"],
    "year": [2026, 2026, 2026, 2027, 2027, 2027],
    "amount_sek": [60000, 40000, 0, 70000, 30000, ""],
    "hours": [0, 0, 50, 0, 0, 100],
    "status": ["signed", "pledged", "intent", "signed", "pledged", "intent"],
})


def register(engine, project_id: int) -> None:
    add = stakeholders.add
    add(engine, project_id, name="Kotka stad", role="municipality", status="signed", steering_group=True,
        contact_name="Anna Virtanen", contact_email="anna.virtanen@kotka.fi")
    add(engine, project_id, name="Region Kymenlaakso", role="region", status="contacted")
    add(engine, project_id, name="Karhulan Kauppa", role="business", status="signed", floor_area_m2=320, employees=6)
    add(engine, project_id, name="Fastighets AB Torget", role="property_owner", status="signed",
        property_value_sek=4_200_000)
    add(engine, project_id, name="Karhulan Leipomo", role="business", status="contacted", floor_area_m2=90,
        employees=2)
    add(engine, project_id, name="Villa Koivula", role="property_owner", status="declined",
        property_value_sek=1_100_000)


def make_plan(engine) -> int:
    """The demo project with the whole plan; returns its id."""
    demo = ensure_demo(engine)
    process.start_process(engine, demo.id, date(2026, 1, 12))
    register(engine, demo.id)
    walk = walks.create_walk(engine, demo.id, date(2026, 3, 10))
    uuid = walks.new_uuid()
    walks.save_observation(engine, demo.id, walk, uuid, obs(comment="Inga bänkar vid torget"))
    review.set_state(engine, demo.id, uuid, "accepted")
    action = review.create_action(engine, demo.id, "Bänkar på torget", "place", uuid=uuid, owner="Mikko Laine",
                                  cost_sek=45000)
    plan.save_text(engine, demo.id, "Karhula är en levande by med service nära.",
                   "2028 har centrum ett torg där man möts, året runt.",
                   {"place": "Ett torg som inbjuder till att stanna.", "place_brand": "Karhula syns i regionen."})
    plan.save_milestone(engine, demo.id, "Sex nya bänkar på torget", due_on=date(2026, 6, 1), focus_area="place",
                        how="Kommunen köper in, föreningen målar", lon=26.9455, lat=60.5235, action_ids=[action])
    plan.save_milestone(engine, demo.id, "Julbelysning i hela området", due_on=date(2026, 11, 30),
                        focus_area="place_brand", how="Fastighetsägarna sätter upp belysningen")
    plan.save_case(engine, demo.id, "Pop-up-café på torget", done_on=date(2026, 5, 16), cost_sek=3500,
                   result="120 besökare på en lördag; tre butiker hade öppet längre.")
    checked = plan.check_tables(engine, demo.id, BUDGET, FINANCING)
    assert not checked.problems, [p.message() for p in checked.problems]
    plan.save_checked(engine, demo.id, checked)
    return demo.id
