"""AppTest of the business-plan pages: the plan written, a milestone placed by a tap on the map
and linked to an action, a case, the version sent, commented on, approved and anchored (the
process page then shows the deliverables there), the documents made; the budget page's balance,
warnings, support and contribution models, and a viewer kept out."""

from __future__ import annotations

from datetime import date

import ui
from bidgeo import plan, process
from bidgeo.demo import ensure_demo
from conftest import open_page
from plan_data import make_plan


def test_the_plan_page_from_text_to_documents(fake_map):
    engine = ui.store()
    project = make_plan(engine)
    at = open_page("app_pages/plan.py", project)
    assert not at.exception
    assert at.text_area(key="bp_vision").value == "Karhula är en levande by med service nära."
    at.text_area(key="bp_vision").input("Karhula – en by där service finns nära <b>alla</b>.")
    at.text_input(key="bp_goal_offering").input("Ett dagligvaruutbud som är öppet sju dagar i veckan.")
    at.button(key="bp_save_text").click().run()
    assert not at.exception
    saved = plan.get_plan(engine, project)
    assert saved.vision == "Karhula – en by där service finns nära <b>alla</b>."
    assert saved.goals["offering"].startswith("Ett dagligvaruutbud") and saved.goals["place"]

    # A tap on the map is the new milestone's place; it is linked to the action.
    fake_map.answers["bpmap"] = {"last_clicked": {"lng": 26.9470, "lat": 60.5241}}
    at.run()
    assert at.session_state["bp_pin"] == (26.9470, 60.5241)
    at.text_input(key="bp_stone_title").input("Cykelparkering vid busshållplatsen")
    at.multiselect(key="bp_stone_actions").set_value([int(plan.actions_in_plan(engine, project)["id"].iloc[0])])
    at.button(key="bp_stone_add").click().run()
    assert not at.exception
    stones = plan.milestones(engine, project).set_index("title")
    assert (stones.loc["Cykelparkering vid busshållplatsen", "lon"],
            stones.loc["Cykelparkering vid busshållplatsen", "lat"]) == (26.9470, 60.5241)
    assert len(stones.loc["Cykelparkering vid busshållplatsen", "observations"]) == 1
    placed = [m for key, m, _ in fake_map.shown if key.startswith("bpmap")]
    assert placed  # the milestone map was shown

    at.text_input(key="bp_case_title").input("Blomlådor längs Kauppakatu")
    at.number_input(key="bp_case_cost").set_value(4800)
    at.text_area(key="bp_case_result").input("Handlarna vattnar själva; fler stannar utanför butikerna.")
    at.button(key="bp_case_add").click().run()
    assert [c.title for c in plan.cases(engine, project)] == ["Pop-up-café på torget", "Blomlådor längs Kauppakatu"]

    # A milestone changed: its form holds what it says; a new tap moves it, its action stays.
    stone = int(stones.loc["Cykelparkering vid busshållplatsen", "id"])
    at.selectbox(key="bp_stone_pick").set_value(stone).run()
    assert at.text_input(key=f"bp_stone_title_{stone}").value == "Cykelparkering vid busshållplatsen"
    assert at.radio(key=f"bp_stone_where_{stone}").value == "point"
    fake_map.answers["bpmap"] = {"last_clicked": {"lng": 26.9480, "lat": 60.5245}}
    at.run()
    at.text_input(key=f"bp_stone_title_{stone}").input("Cykelparkering med tak vid busshållplatsen")
    at.date_input(key=f"bp_stone_due_{stone}").set_value(date(2027, 6, 1))
    at.button(key=f"bp_stone_add_{stone}").click().run()
    assert not at.exception
    changed = plan.milestones(engine, project).set_index("id").loc[stone]
    assert (changed["title"], changed["due_on"], changed["lon"], changed["lat"]) == (
        "Cykelparkering med tak vid busshållplatsen", date(2027, 6, 1), 26.9480, 60.5245)
    assert len(changed["action_ids"]) == 1 and len(plan.milestones(engine, project)) == len(stones)
    # A case changed in its own form.
    flowers = next(c for c in plan.cases(engine, project) if c.title == "Blomlådor längs Kauppakatu")
    assert at.number_input(key=f"bp_case_cost_{flowers.id}").value == 4800
    at.number_input(key=f"bp_case_cost_{flowers.id}").set_value(5200)
    at.text_area(key=f"bp_case_result_{flowers.id}").input("Handlarna vattnar själva.")
    at.button(key=f"bp_case_add_{flowers.id}").click().run()
    assert not at.exception
    flowers = next(c for c in plan.cases(engine, project) if c.id == flowers.id)
    assert (flowers.cost_sek, flowers.result) == (5200, "Handlarna vattnar själva.")

    # The version goes to the steering group, gets a comment, is approved and anchored.
    at.text_input(key="bp_author").input("Styrgruppen")
    at.button(key="bp_advance").click().run()
    assert plan.current_version(engine, project).status == "consultation"
    at.text_area(key="bp_comment_text").input("Lägg till **finansiering** för 2028.")
    at.button(key="bp_comment_add").click().run()
    assert not at.exception
    assert "Lägg till **finansiering** för 2028." in [t.value for t in at.text]  # as written, not Markdown
    at.button(key="bp_advance").click().run()
    at.button(key="bp_advance").click().run()
    assert plan.current_version(engine, project).status == "anchored"
    assert all(b.key != "bp_advance" for b in at.button)  # the last step is taken
    assert process.missing(engine, project)[5] == []

    at.button(key="bp_make_plan_pdf").click().run()
    at.button(key="bp_make_agreement_docx").click().run()
    assert not at.exception
    assert at.session_state["bp_doc_plan_pdf"][1].startswith(b"%PDF")
    assert at.session_state["bp_doc_agreement_docx"][1].startswith(b"PK")
    assert {b.proto.label for b in at.get("download_button")} >= {"Ladda ned affarsplan.pdf",
                                                                  "Ladda ned samverkansavtal.docx"}


def test_the_budget_page(fake_map):
    engine = ui.store()
    demo = ensure_demo(engine)
    at = open_page("app_pages/budget.py", demo.id)
    assert not at.exception
    assert at.error[0].value.startswith("Processen har inget startdatum")

    project = make_plan(engine)
    at.run()
    assert not at.exception
    warnings = [w.value for w in at.warning]
    assert warnings == ["2026 är inte finansierat: det saknas 9\u00a0000 kr.",
                        "2028 är inte finansierat: det saknas 50\u00a0000 kr."]
    assert [m.value for m in at.metric] == ["2 / 4", "50\u00a0%", "79\u00a0%"]
    balance = at.dataframe[0].value  # the balance table comes first
    assert balance.iloc[-1].tolist() == ["Totalt", "235\u00a0000", "64\u00a0000", "200\u00a0000", "60\u00a0000",
                                         "-39\u00a0000"]

    # Saving the tables as they are changes nothing; a higher hour rate moves the balance.
    at.button(key="bg_save").click().run()
    assert not at.exception and plan.figures(engine, project)["total"]["balance_sek"] == -39000
    at.number_input(key="bg_rate").set_value(500.0)
    at.button(key="bg_save_settings").click().run()
    assert plan.get_plan(engine, project).hour_rate_sek == 500
    assert at.warning[0].value == "2026 är inte finansierat: det saknas 10\u00a0000 kr."

    # The levy model from the register: 0.2 % over 2 million, capped at 6 000.
    at.segmented_control(key="bg_model").set_value("levy").run()
    at.number_input(key="bg_percent").set_value(0.2)
    at.number_input(key="bg_threshold").set_value(2_000_000.0)
    at.number_input(key="bg_cap").set_value(6000.0).run()
    assert not at.exception
    fees = at.dataframe[-1].value  # the members' contributions come last
    assert dict(zip(fees.iloc[:, 0], fees.iloc[:, 3]))["Fastighets AB Torget"] == "6\u00a0000"
    assert any("**6\u00a0000 kr** per år (2 av 4 medlemmar" in m.value for m in at.markdown)
    at.button(key="bg_save_model").click().run()
    assert plan.get_plan(engine, project).model == {"kind": "levy", "percent": 0.2, "threshold_sek": 2_000_000,
                                                   "cap_sek": 6000}
    at.segmented_control(key="bg_model").set_value("band").run()
    at.text_input(key="bg_bands").input("500:4000; 100:1500").run()
    assert "gräns:avgift" in at.error[0].value  # the bands said wrong, not an internal error


def test_a_viewer_may_not_edit_the_plan(monkeypatch, fake_map):
    from streamlit.testing.v1 import AppTest

    from bidgeo import accounts
    from conftest import REPO

    monkeypatch.setenv("BIDGEO_AUTH", "1")
    engine = ui.store()
    project = make_plan(engine)
    user = accounts.create_user(engine, "tittare", "ett långt lösenord")
    accounts.grant(engine, "tittare", project, "viewer")
    for page in ("app_pages/plan.py", "app_pages/budget.py"):
        at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
        at.session_state["user_id"], at.session_state["username"] = user.id, user.username
        at.session_state["project_id"] = project
        at.switch_page(page).run()
        assert not at.exception
        assert not {"Affärsplan", "Budget och gemensam finansiering"} & {t.value for t in at.title}  # not shown
        assert not [b for b in at.button if b.key in ("bp_advance", "bg_save")]
