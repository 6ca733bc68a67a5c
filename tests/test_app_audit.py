"""AppTest of the change log page: an administrator sees who changed what (escaped, in
Swedish), filters it and downloads it; the page is for administrators only."""

from __future__ import annotations

import re
from datetime import date

import ui
from bidgeo import accounts, audit, walks
from bidgeo.demo import ensure_demo
from conftest import REPO, open_page
from test_walks import obs


def test_the_log_shows_who_changed_what(fake_map):
    engine = ui.store()
    demo = ensure_demo(engine)
    anna = audit.acting(engine, "anna")
    walk = walks.create_walk(anna, demo.id, date(2026, 5, 12), "Handlarna")
    uuid = walks.new_uuid()
    walks.save_observation(anna, demo.id, walk, uuid, obs(comment="<script>alert(1)</script>"))
    walks.delete_observation(audit.acting(engine, "bo"), uuid)

    at = open_page("app_pages/audit.py")
    assert not at.exception
    assert at.title[0].value == "Ändringslogg"
    table = at.dataframe[0].value
    assert table.columns.tolist() == ["Tid", "Vem", "Vad", "Slag", "Referens", "Ändringar"]
    assert table[["Vem", "Vad", "Slag", "Referens"]].head(3).values.tolist() == [
        ["bo", "tog bort", "observation", uuid], ["anna", "lade till", "observation", uuid],
        ["anna", "lade till", "vandring", str(walk)]]
    assert "Kommentar: <script>alert(1)</script>" in table["Ändringar"].iloc[1]  # a table cell: text, never markup
    assert "Fokusområde: Platsen" in table["Ändringar"].iloc[1]  # fields and values in words
    assert "Borttagen: – → 20" in table["Ändringar"].iloc[0]
    raw = re.compile(r"(^|; )[a-z]+_[a-z_]+:|=|<geometry>")  # a field's code, or code=value
    assert [cell for cell in table["Ändringar"] if raw.search(cell)] == []

    at.multiselect(key="audit_actors").set_value(["anna"]).run()
    assert set(at.dataframe[0].value["Vem"]) == {"anna"}
    assert at.get("download_button")[0].proto.label == "Ladda ned loggen (CSV)"


def test_only_administrators_see_the_log(monkeypatch, fake_map):
    monkeypatch.setenv("BIDGEO_AUTH", "1")
    engine = ui.store()
    demo = ensure_demo(engine)
    user = accounts.create_user(engine, "granskare", "ett långt lösenord")
    accounts.grant(engine, "granskare", demo.id, "reviewer")
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    at.session_state["user_id"], at.session_state["username"] = user.id, user.username
    at.session_state["project_id"] = demo.id
    at.switch_page("app_pages/audit.py").run()
    assert not at.exception and "Ändringslogg" not in [t.value for t in at.title]
