"""AppTest for every page. st_folium renders nothing under AppTest, so ``ui.show_map`` is
patched to record the folium maps the page builds.

Under AppTest the sidebar of an ``st.navigation`` app comes back empty after a rerun (the
real app keeps it; the browser test checks it there), so sidebar state is read from
session state after the first run."""

from __future__ import annotations

import folium
import pytest
from streamlit.testing.v1 import AppTest

import ui
from conftest import REPO, shown


@pytest.fixture
def maps_shown(monkeypatch):
    shown = []
    monkeypatch.setattr(ui, "show_map", lambda m, key, **kw: shown.append((key, m)))
    return shown


def run_app(**state) -> AppTest:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    for key, value in state.items():
        at.session_state[key] = value
    return at.run()


def test_first_start_shows_the_demo_project_on_a_map(maps_shown):
    at = run_app()
    assert not at.exception
    assert at.title[0].value == "Projekt och översikt"
    assert at.selectbox(key="project_id").value is not None
    assert "Karhula (demo)" in at.subheader[0].value
    assert len(maps_shown) == 1
    key, m = maps_shown[0]
    assert isinstance(m, folium.Map) and key.startswith("overview-")
    html = m.get_root().render()
    assert "Kollektivtrafik (36)" in html and "Drivmedel (2)" in html
    table = at.dataframe[0].value
    assert dict(zip(table["Kategori"], table["Antal"])) == {
        "Dagligvaror, begränsat sortiment": 1, "Drivmedel": 2, "Kollektivtrafik": 36,
        "Skola": 1, "Förskola": 1, "Övrig handel": 2,
    }


def test_english(maps_shown):
    at = run_app(lang="en")
    assert not at.exception
    assert at.title[0].value == "Projects and overview"
    assert "Public transport stop" in list(at.dataframe[0].value["Category"])
    assert "Public transport stop (36)" in maps_shown[0][1].get_root().render()


def test_language_switch_in_the_sidebar(maps_shown):
    at = run_app()
    assert at.selectbox(key="lang").label == "Språk"
    at.selectbox(key="lang").set_value("en").run()
    assert at.title[0].value == "Projects and overview"


def test_create_a_project_and_it_becomes_current(maps_shown):
    at = run_app()
    at.text_input(key="new_name").input("Rättvik centrum")
    at.text_input(key="new_locality").input("Rättvik")
    at.text_input(key="new_municipality").input("Rättvik")
    at.selectbox(key="new_bid_type").set_value("centre")
    at.button[0].click().run()
    assert not at.exception
    assert at.success[0].value == "Projektet ”Rättvik centrum” är skapat."
    assert at.subheader[0].value == "Översiktskarta: Rättvik centrum"
    assert "Centrum-BID" in at.caption[1].value
    assert at.info[0].value.startswith("Projektet har inga OSM-data")
    created = [p for p in ui.projects() if p.name == "Rättvik centrum"]
    assert len(created) == 1 and at.session_state["project_id"] == created[0].id
    # Durable: a new session (as after a restart) lists it in the sidebar.
    assert "Rättvik centrum" in run_app().selectbox(key="project_id").options


def test_creating_a_duplicate_shows_a_swedish_error_and_keeps_data(maps_shown):
    at = run_app()
    at.text_input(key="new_name").input("Karhula (demo)")
    at.button[0].click().run()
    assert not at.exception
    assert at.error[0].value.startswith("Det finns redan ett projekt som heter")
    assert [p.name for p in ui.projects()] == ["Karhula (demo)"]
    assert "Karhula (demo)" in at.subheader[0].value


def test_empty_name_is_refused(maps_shown):
    at = run_app()
    at.button[0].click().run()
    assert at.error[0].value == "Ange ett namn för projektet."


def test_unreachable_database_is_a_clear_message(maps_shown, monkeypatch):
    monkeypatch.setenv("BIDGEO_DATABASE_URL", "postgresql+psycopg://nobody:x@127.0.0.1:1/none")
    at = run_app()
    assert not at.exception
    assert shown(at.error[0].value).startswith("Databasen postgresql+psycopg://nobody:***@127.0.0.1:1/none svarar "
                                               "inte. Kontrollera att databasservern är igång")
