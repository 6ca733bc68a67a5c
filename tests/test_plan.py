"""The business plan's domain on both databases: the balance per year (worked out by hand),
the contribution models and the support from the register, every class of bad row (each named
by sheet, row and column, and nothing saved), versions with the steering group's comments, and
what the process page reads from the plan."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from bidgeo import photos, plan, process, review, stakeholders
from bidgeo.errors import ValidationError
from plan_data import BUDGET, FINANCING, make_plan
from test_walks import jpeg


def test_balance_per_year_support_and_storage(engine):
    project = make_plan(engine)
    figures = plan.figures(engine, project)
    # 2026: costs 45 000 + 60 000, 60 hours × 400; money 60 000 + 40 000, 50 hours in kind × 400.
    assert figures["years"]["2026"] == {"cost_sek": 105000, "financing_sek": 100000, "in_kind_sek": 20000,
                                        "hours_cost_sek": 24000, "balance_sek": -9000}
    assert figures["years"]["2027"] == {"cost_sek": 80000, "financing_sek": 100000, "in_kind_sek": 40000,
                                        "hours_cost_sek": 40000, "balance_sek": 20000}
    assert figures["years"]["2028"]["balance_sek"] == -50000
    assert figures["total"] == {"cost_sek": 235000, "financing_sek": 200000, "in_kind_sek": 60000,
                                "hours_cost_sek": 64000, "balance_sek": -39000}
    assert figures["unfunded_years"] == [2026, 2028]
    assert figures["by_kind"] == {"municipality": 130000, "region": 40000, "property_owner": 30000,
                                  "business": 60000}
    assert figures["by_status"] == {"intent": 60000, "pledged": 70000, "signed": 130000}
    # Members: the two businesses and the two property owners; two of them signed, and the signed
    # owner holds 4.2 of the 5.3 million of known taxable value.
    assert figures["support"] == {"members": 4, "signed": 2, "share_by_number": 0.5,
                                  "share_by_value": pytest.approx(4.2 / 5.3)}

    # The budget line named as an action of the action plan is linked to it.
    lines = plan.budget(engine, project)
    bench = review.actions(engine, project)["id"].iloc[0]
    assert lines.loc[lines["action"] == "Bänkar på torget", "action_id"].tolist() == [bench]
    assert lines.loc[lines["action"] == "Torgdagar", "focus_area"].tolist() == [None]
    assert plan.actions_in_plan(engine, project)[["title", "budget_sek", "budget_hours"]].values.tolist() == [
        ["Bänkar på torget", 45000.0, 40.0]]
    # The milestone is where it was put and reaches the observation through its action.
    stones = plan.milestones(engine, project)
    assert stones["title"].tolist() == ["Sex nya bänkar på torget", "Julbelysning i hela området"]
    assert (stones["lon"].iloc[0], stones["lat"].iloc[0]) == (26.9455, 60.5235)
    assert pd.isna(stones["lon"].iloc[1]) and len(stones["observations"].iloc[0]) == 1

    # A higher hour rate values both sides' hours higher.
    plan.save_settings(engine, project, hour_rate_sek=500)
    assert plan.figures(engine, project)["years"]["2026"]["balance_sek"] == 100000 + 25000 - 105000 - 30000


def test_contribution_models_from_the_register(engine):
    project = make_plan(engine)
    flat = plan.contributions(engine, project, {"kind": "flat", "fee_sek": 2500})
    assert flat["contribution_sek"].sum() == 4 * 2500
    band = plan.contributions(engine, project, {"kind": "band", "basis": "floor_area_m2",
                                                "bands": plan.parse_bands("100:1500; 500:4000; :8000")})
    fees = dict(zip(band["name"], band["contribution_sek"]))
    assert fees["Karhulan Kauppa"] == 4000 and fees["Karhulan Leipomo"] == 1500
    assert pd.isna(fees["Fastighets AB Torget"])  # no floor area in the register
    by_staff = plan.contributions(engine, project, {"kind": "band", "basis": "employees",
                                                    "bands": [[5, 1000], [None, 3000]]})
    assert dict(zip(by_staff["name"], by_staff["contribution_sek"]))["Karhulan Kauppa"] == 3000
    levy = plan.contributions(engine, project, {"kind": "levy", "percent": 0.2, "threshold_sek": 2_000_000,
                                                "cap_sek": 6000})
    fees = dict(zip(levy["name"], levy["contribution_sek"]))
    assert fees["Fastighets AB Torget"] == 6000  # 0.2 % of 4.2 million is 8 400, capped
    assert fees["Villa Koivula"] == 0  # under the threshold
    assert pd.isna(fees["Karhulan Kauppa"])  # no property value
    plan.save_settings(engine, project, model={"kind": "levy", "percent": 0.2, "threshold_sek": 0, "cap_sek": None})
    assert dict(zip(*plan.contributions(engine, project)[["name", "contribution_sek"]].T.values))[
        "Fastighets AB Torget"] == pytest.approx(8400)
    with pytest.raises(ValidationError) as caught:
        plan.save_settings(engine, project, model={"kind": "levy", "percent": 120})
    assert caught.value.key == "plan_share_over_100" and "120" in caught.value.message()
    with pytest.raises(ValidationError) as caught:
        plan.check_model({"kind": "band", "basis": "floor_area_m2", "bands": [[500, 4000], [100, 1500], [None, 1]]})
    assert caught.value.key == "plan_bad_bands"
    with pytest.raises(ValidationError):
        stakeholders.add(engine, project, name="Minus AB", property_value_sek=-1)


def test_every_bad_row_is_named_and_nothing_is_saved(engine):
    project = make_plan(engine)
    before = plan.figures(engine, project)
    budget = pd.DataFrame({"action": ["Skyltar", "", "Blomlådor"], "focus_area": ["place", "place", "weather"],
                           "year": [2026, "tjugosex", 2031], "cost_sek": [-100, 5000, "tio tusen"],
                           "hours": [0, 0, 0]})
    financing = pd.DataFrame({"party": ["Kotka stad", "Okänd Förening", "Kotka stad"],
                              "kind": ["kommun", "association", "municipality"], "year": [2026, 2026, 2027],
                              "amount_sek": [1000, 2000, 3000], "hours": [0, 0, -2],
                              "status": ["signed", "signed", "promised"]})
    settings = pd.DataFrame({"hour_rate_sek": [400], "model": ["levy"], "levy_percent": ["150"]})
    checked = plan.check_tables(engine, project, budget, financing, settings)
    found = {(p.sheet, p.row, p.column): p.key for p in checked.problems}
    assert found == {
        ("budget", 2, "cost_sek"): "plan_negative",
        ("budget", 3, "action"): "plan_required",
        ("budget", 3, "year"): "plan_bad_year",
        ("budget", 4, "focus_area"): "plan_bad_choice",
        ("budget", 4, "year"): "plan_year_outside",
        ("budget", 4, "cost_sek"): "plan_not_a_number",
        ("financing", 2, "kind"): "plan_bad_choice",
        ("financing", 3, "party"): "plan_unknown_party",
        ("financing", 4, "hours"): "plan_negative",
        ("financing", 4, "status"): "plan_bad_choice",
        ("settings", 2, "levy_percent"): "plan_share_over_100",
    }
    messages = {(p.sheet, p.row, p.column): p.message("sv") for p in checked.problems}
    assert messages[("budget", 4, "year")] == \
        "Blad budget, rad 4, kolumn year: 2031 ligger utanför processen och planen (2026–2028)."
    assert "Okänd Förening" in messages[("financing", 3, "party")] and "--add-parties" in \
        messages[("financing", 3, "party")]
    assert "tio tusen" in messages[("budget", 4, "cost_sek")]
    with pytest.raises(ValidationError):
        plan.save_checked(engine, project, checked)
    assert plan.figures(engine, project) == before

    # The unknown party is offered to be added: with add_parties it joins the register.
    good = plan.check_tables(engine, project, BUDGET, pd.concat([FINANCING, pd.DataFrame({
        "party": ["Okänd Förening"], "kind": ["association"], "year": [2028], "amount_sek": [50000], "hours": [0],
        "status": ["intent"]})]), add_parties=True)
    assert good.new_parties == ["Okänd Förening"] and not good.problems
    plan.save_checked(engine, project, good)
    added = stakeholders.register(engine, project)
    assert added.loc[added["name"] == "Okänd Förening", "role"].tolist() == ["association"]
    assert plan.figures(engine, project)["years"]["2028"]["balance_sek"] == 0


def test_versions_comments_and_the_process_page(engine):
    project = make_plan(engine)
    assert plan.current_version(engine, project) is None
    with pytest.raises(ValidationError):
        plan.add_comment(engine, project, "Anna Virtanen", "Bra plan")  # nothing is out for comments
    sent = plan.advance(engine, project, by="BID-managern")
    assert (sent.number, sent.status) == (1, "consultation")
    assert sent.content["figures"]["total"]["balance_sek"] == -39000  # what was sent is kept
    plan.add_comment(engine, project, "Anna Virtanen", "Finansieringen för 2028 saknas.")
    assert plan.comments(engine, project)[["number", "author", "text"]].values.tolist() == [
        [1, "Anna Virtanen", "Finansieringen för 2028 saknas."]]
    assert plan.advance(engine, project, by="Styrgruppen").status == "approved"
    assert plan.advance(engine, project, by="Kommunstyrelsen").status == "anchored"
    with pytest.raises(ValidationError) as caught:
        plan.advance(engine, project)
    assert caught.value.key == "plan_version_final"
    second = plan.new_version(engine, project)
    assert (second.number, second.status) == (2, "draft")
    with pytest.raises(ValidationError):
        plan.new_version(engine, project)  # the draft is not sent yet
    assert [v.status for v in plan.versions(engine, project)] == ["draft", "anchored"]

    have = process.deliverables(engine, project)
    assert all(have[d] for d in ("business_plan", "cases", "plan_approved", "plan_anchored"))
    tasks = process.tasks(engine, project, "sv").set_index("key")
    assert (tasks.loc[["business_plan", "cases", "compile_plan", "anchor_plan"], "status"] == "done").all()
    assert tasks.loc["agreement", "status"] == "todo"


def test_case_photos_before_and_after(engine):
    project = make_plan(engine)
    case = plan.cases(engine, project)[0]
    assert (case.title, case.cost_sek) == ("Pop-up-café på torget", 3500)
    plan.add_case_photo(engine, project, case.id, "before", jpeg(), "fore.jpg")
    plan.add_case_photo(engine, project, case.id, "after", jpeg((300, 400)), "efter.jpg")
    assert [p.filename for p in photos.photos(engine, project, [case.before_uuid])] == ["fore.jpg"]
    assert [p.filename for p in photos.photos(engine, project, [case.after_uuid])] == ["efter.jpg"]
    with pytest.raises(ValidationError):
        plan.save_case(engine, project, "  ")
    with pytest.raises(ValidationError):
        plan.save_case(engine, project, "Negativ", cost_sek=-5)


def test_workbook_round_trip(engine):
    project = make_plan(engine)
    plan.save_settings(engine, project, model={"kind": "band", "basis": "employees",
                                               "bands": [[5, 1000], [None, 3000]]})
    data = plan.export_workbook(engine, project)
    before = plan.figures(engine, project)
    checked = plan.import_workbook(engine, project, data, "plan.xlsx")
    assert not checked.problems and len(checked.budget) == 4 and len(checked.financing) == 6
    assert plan.figures(engine, project) == before
    assert plan.get_plan(engine, project).model == {"kind": "band", "basis": "employees",
                                                   "bands": [[5.0, 1000.0], [None, 3000.0]]}
    empty = plan.read_workbook(plan.template_workbook(), "mall.xlsx")
    assert list(empty["budget"].columns) == list(plan.BUDGET_COLUMNS)
    assert list(empty["financing"].columns) == list(plan.FINANCING_COLUMNS)
    assert empty["settings"]["hour_rate_sek"].tolist() == ["400"]


def test_the_plan_needs_a_started_process(engine):
    from bidgeo.demo import ensure_demo

    demo = ensure_demo(engine)
    with pytest.raises(ValidationError) as caught:
        plan.check_tables(engine, demo.id, BUDGET, FINANCING)
    assert caught.value.key == "plan_no_process"
    assert plan.figures(engine, demo.id)["years"] == {}
    process.start_process(engine, demo.id, date(2026, 1, 12))
    plan.save_settings(engine, demo.id, duration_years=5)
    assert plan.years(engine, demo.id) == [2026, 2027, 2028, 2029, 2030]
