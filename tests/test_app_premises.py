"""AppTest of the premises page (issue 17): a file imported (and a bad one refused with every
row named), the vacancy figures, the map in status colours, the chart, vacancies per street, a
date in the past, OSM suggestions accepted, a status changed; and the place walk's quick
"lokal" action: a photo and a status in two taps."""

from __future__ import annotations

from datetime import date

import pandas as pd

import ui
from bidgeo import photos, premises, walks
from conftest import open_page
from test_accounts import accounts_on  # noqa: F401 (a fixture)
from test_cli_premises import BAD, GOOD, LATER
from test_walks import jpeg


def csv(table) -> bytes:
    return table.to_csv(index=False).encode()


def test_import_figures_map_streets_and_a_day_in_the_past(fake_map):
    at = open_page("app_pages/premises.py")
    assert not at.exception
    assert at.title[0].value == "Lokaler och vakans"
    assert at.info[0].value.startswith("Inga lokaler är registrerade ännu")

    at.file_uploader(key="pm_upload").set_value(("fel.csv", csv(BAD), "text/csv")).run()
    at.button(key="pm_import").click().run()
    assert at.error[0].value == "4 rader har fel (se ovan). Inget sparades; rätta raderna och försök igen."
    errors = at.dataframe[0].value
    assert errors[["Rad", "Kolumn"]].values.tolist() == [[2, "status"], [3, "floor_area_m2"], [4, "observed"], [5, "id"]]
    assert premises.register(ui.store(), ui.current_project().id).empty

    at.file_uploader(key="pm_upload").set_value(("lokaler.csv", csv(GOOD), "text/csv")).run()
    at.button(key="pm_import").click().run()
    assert not at.exception
    assert at.success[0].value.startswith("4 nya lokaler, 0 ändrade, 4 nya statusobservationer")
    at.file_uploader(key="pm_upload").set_value(("senare.csv", csv(LATER), "text/csv")).run()
    at.button(key="pm_import").click().run()
    at.run()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"Lokaler": "4", "Tomma": "1", "Vakans (antal)": "25,0\u00a0%", "Vakans (yta)": "19,9\u00a0%"}  # 140 of 705 m²
    key, m, _ = fake_map.shown[-1]
    assert key.startswith("pm_map-")
    html = m.get_root().render()
    assert html.count('"fillColor": "#c62828"') == 1  # one vacant premise, in red
    assert "Tikankatu 11 \\u2013 Tom" in html or "Tikankatu 11 – Tom" in html
    assert '"label": "Tom (1)"' in html and '"label": "I bruk (2)"' in html  # the legend
    assert len(at.image) == 1  # the chart over time
    streets = at.dataframe[0].value
    assert streets.values.tolist()[0] == ["Tikankatu", 1, 1, "140"]
    register = at.dataframe[1].value
    assert "Ägare" in register.columns and sorted(register["Status"]) == ["I bruk", "I bruk", "Renoveras", "Tom"]

    at.date_input(key="pm_at").set_value(date(2025, 3, 15)).run()
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Lokaler"], metrics["Tomma"], metrics["Vakans (antal)"]) == ("2", "1", "50,0\u00a0%")


def test_osm_suggestions_are_accepted_and_a_status_changed(fake_map):
    at = open_page("app_pages/premises.py")
    assert not at.exception
    project = ui.current_project()
    found = premises.suggestions(*_osm_and_area(project))
    assert len(found) >= 1
    at.button(key="pm_accept").click().run()
    assert at.success[0].value == f"{len(found)} lokaler lades till från OSM."
    assert set(premises.register(ui.store(), project.id)["key"]) == set(found["key"])
    assert at.info[-1].value == "OSM har inga fler butiker eller skyltfönster inom området."

    at.selectbox(key="pm_status").set_value("vacant")
    at.button(key="pm_save_status").click().run()
    assert at.success[0].value == "Statusen är sparad."
    premise_id = int(at.selectbox(key="pm_chosen").value)
    history = premises.status_history(ui.store(), project.id, premise_id)
    assert history[["status", "source"]].values.tolist()[-1] == ["vacant", "manual"]


def _osm_and_area(project):
    from bidgeo.area_versions import current_version
    from bidgeo.projects import osm_file

    return osm_file(ui.store(), project), current_version(ui.store(), project.id).geometry


def test_the_walks_lokal_action_records_a_status_with_a_photo_in_two_taps(fake_map, monkeypatch):
    monkeypatch.setattr(ui, "geolocation", lambda key: None)
    engine = ui.store()
    project = ui.current_project()
    check = premises.check_table(GOOD.astype(str), "sv")
    premises.save_rows(engine, project.id, check.rows)
    walks.create_walk(engine, project.id, date.today(), "Handlarna", "", "")
    at = open_page("app_pages/walk.py")
    assert not at.exception
    at.text_input(key="obs_author").input("Anna")
    at.toggle(key="wp_on").set_value(True).run()
    # The walker stands at Tikankatu 11 (the form's position): that premise comes first.
    uuid = at.query_params["obs"][0] if isinstance(at.query_params["obs"], list) else at.query_params["obs"]
    at.session_state[f"pos_{uuid}"] = {"lon": 26.9467, "lat": 60.5228, "position_source": "gps", "accuracy_m": 5}
    at.run()
    choose = at.selectbox(key="wp_premise")
    assert choose.options[0] == "Tikankatu 11 · Tom"
    at.camera_input(key="wp_cam_0").set_value(("shot.jpg", jpeg(), "image/jpeg")).run()  # tap 1
    at.button(key="wp_status_in_use").click().run()  # tap 2
    assert not at.exception
    assert at.success[0].value == "Lokalen är noterad: I bruk."
    k1 = int(premises.register(engine, project.id).set_index("key").loc["K1", "id"])
    history = premises.status_history(engine, project.id, k1)
    assert history[["status", "source"]].values.tolist() == [["vacant", "import"], ["in_use", "walk"]]
    assert history["author"].iloc[-1] == "Anna"
    [photo] = photos.photos(engine, project.id, [history["photo_uuid"].iloc[-1]])
    assert photo.filename == "shot.jpg"
    assert premises.vacancy(engine, project.id)["vacant"] == 1  # T2 only
    # A fresh camera for the next premise.
    assert [c.key for c in at.camera_input] == ["wp_cam_1"]
    at.button(key="wp_status_vacant").click().run()  # a status without a photo is fine too
    history = premises.status_history(engine, project.id, k1)
    assert history["status"].tolist() == ["vacant", "in_use", "vacant"] and pd.isna(history["photo_uuid"].iloc[-1])


def test_a_premise_the_register_lacks_is_added_from_the_walk(fake_map, monkeypatch):
    monkeypatch.setattr(ui, "geolocation", lambda key: None)
    engine = ui.store()
    project = ui.current_project()
    walks.create_walk(engine, project.id, date.today(), "Handlarna", "", "")
    at = open_page("app_pages/walk.py")
    at.text_input(key="obs_author").input("Anna")
    at.toggle(key="wp_on").set_value(True).run()
    assert at.info[-1].value == "Projektet har inga lokaler ännu. Den du noterar här läggs in där du står."
    assert at.selectbox(key="wp_premise").options == ["En ny lokal här (inte i registret)"]  # chosen: the only choice
    at.text_input(key="wp_address_0").input("Kauppakatu  5 ").run()
    at.button(key="wp_status_vacant").click().run()  # no position yet: nothing is added
    assert at.error[0].value.startswith("En ny lokal läggs in där du står, och din position saknas.")
    assert premises.register(engine, project.id).empty
    uuid = at.query_params["obs"][0] if isinstance(at.query_params["obs"], list) else at.query_params["obs"]
    at.session_state[f"pos_{uuid}"] = {"lon": 26.9481, "lat": 60.5231, "position_source": "map"}
    at.camera_input(key="wp_cam_0").set_value(("front.jpg", jpeg(), "image/jpeg")).run()
    at.button(key="wp_status_vacant").click().run()
    assert not at.exception
    assert at.success[0].value == "Lokalen är inlagd och noterad: Tom."
    [added] = premises.register(engine, project.id).itertuples()
    assert (added.address, added.source, added.status) == ("Kauppakatu 5", "walk", "vacant")
    assert added.key.startswith("walk:")
    assert (round(added.geometry.x, 4), round(added.geometry.y, 4)) == (26.9481, 60.5231)
    history = premises.status_history(engine, project.id, int(added.id))
    assert history[["status", "source", "author"]].values.tolist() == [["vacant", "walk", "Anna"]]
    assert photos.photos(engine, project.id, [history["photo_uuid"].iloc[0]])[0].filename == "front.jpg"
    # Now the register has it, nearest first; a new premise is still offered, last.
    assert at.selectbox(key="wp_premise").options == ["Kauppakatu 5 · Tom", "En ny lokal här (inte i registret)"]
    assert [c.key for c in at.text_input if c.key.startswith("wp_address")] == []


def test_a_viewer_sees_vacancy_but_no_owners_and_changes_nothing(accounts_on, bidgeo_home):
    from bidgeo.db import open_store
    from test_accounts import PASSWORD, _logged_in
    from test_cli import bidgeo

    engine = open_store()
    premises.save_rows(engine, accounts_on.id, [premises.PremiseRow(
        "T4", "Tapiontie 4", "vacant", "", 85.0, date(2025, 3, 1), 26.9484, 60.5234, owner="Anna Andersson")])
    engine.dispose()
    at = _logged_in("viewer1")
    at.switch_page("app_pages/premises.py").run()
    assert not at.exception and at.title[0].value == "Lokaler och vakans"
    register = at.dataframe[-1].value
    assert register["Adress"].tolist() == ["Tapiontie 4"] and "Ägare" not in register.columns
    assert not [b for b in at.button if (b.key or "").startswith("pm_")] and not at.file_uploader
    env = {"BIDGEO_AUTH": "1", "BIDGEO_USER": "viewer1", "BIDGEO_PASSWORD": PASSWORD}
    assert bidgeo("premises", "list", accounts_on.id, "--json", env=env).returncode == 0
    refused = bidgeo("premises", "import", accounts_on.id, bidgeo_home / "x.csv", env=env)
    assert refused.returncode == 1 and "får inte administrera" in refused.stderr
