"""AppTest of the place-walk page: a walk, observations from the form (GPS, a map tap, a
photo's EXIF position), a double save, a reload that finds the draft, edits, deletes and the
focus-area assessment."""

from __future__ import annotations

from datetime import date

import pytest

import ui
from bidgeo import photos, walks
from bidgeo.focus import FOCUS_AREAS
from conftest import open_page
from test_walks import jpeg


@pytest.fixture
def gps(monkeypatch):
    """Stands in for the geolocation component (custom components render nothing under
    AppTest): ``gps.fix`` is what the device reports once the button is tapped."""
    class Gps:
        fix = None

        def __call__(self, key):
            return self.fix

    fake = Gps()
    monkeypatch.setattr(ui, "geolocation", fake)
    return fake


def button(at, prefix):
    return next(b for b in at.button if b.key and b.key.startswith(prefix))


def test_a_walk_is_created_and_observations_recorded(fake_map, gps):
    at = open_page("app_pages/walk.py")
    assert not at.exception
    assert at.title[0].value == "Platsvandring"
    at.text_input(key="nw_group").input("Handlarna")
    at.text_input(key="nw_participants").input("Anna, Bo <b>")
    at.button(key="nw_create").click().run()
    assert not at.exception
    engine, project = ui.store(), ui.current_project()
    [walk] = walks.walks(engine, project.id)
    assert (walk.focus_group, walk.participants, walk.baseline) == ("Handlarna", "Anna, Bo <b>", True)

    # Saving without a focus area says what is missing, and keeps what was typed.
    uuid = at.query_params["obs"][0] if isinstance(at.query_params["obs"], list) else at.query_params["obs"]
    at.text_area(key=f"comment_{uuid}").input("Torget saknar bänkar").run()
    button(at, "save_").click().run()
    assert at.error[0].value == "Välj ett fokusområde."
    assert walks.draft(engine, uuid)["comment"] == "Torget saknar bänkar"

    at.button(key=f"fa_place__{uuid}").click().run()
    at.segmented_control(key=f"kind_{uuid}").set_value("challenge").run()
    at.segmented_control(key=f"rating_{uuid}").set_value(2).run()
    gps.fix = {"lon": 26.9481, "lat": 60.5232, "accuracy": 7.4, "at": 1}
    at.run()
    assert any("noggrannhet ±7 m" in m.value for m in at.markdown)
    button(at, "save_").click().run()
    assert [t.value for t in at.toast] == ["Sparad ✓ – 1 observationer i vandringen."]  # where the finger is
    assert not at.success
    saved = walks.observations(engine, project.id, walk.id)
    assert saved[["uuid", "focus_area", "kind", "rating", "comment", "position_source", "accuracy_m"]].values.tolist() \
        == [[uuid, "place", "challenge", 2, "Torget saknar bänkar", "gps", 7.4]]
    assert walks.draft(engine, uuid) is None

    # The next form is new and empty; a tap on the map places it.
    new_uuid = at.query_params["obs"][0] if isinstance(at.query_params["obs"], list) else at.query_params["obs"]
    assert new_uuid != uuid and at.text_area(key=f"comment_{new_uuid}").value == ""
    fake_map.answers["walkmap-"] = {"last_clicked": {"lat": 60.5240, "lng": 26.9500}}
    at.button(key=f"fa_offering__{new_uuid}").click().run()
    fake_map.answers.clear()
    at.segmented_control(key=f"kind_{new_uuid}").set_value("idea").run()
    assert any("(vald på kartan)" in m.value for m in at.markdown)
    button(at, "save_").click().run()
    assert len(walks.observations(engine, project.id, walk.id)) == 2
    assert walks.observations(engine, project.id, walk.id)["position_source"].tolist() == ["gps", "map"]


def test_a_reload_finds_the_draft_and_a_double_save_stores_once(fake_map, gps):
    from bidgeo.demo import ensure_demo

    engine = ui.store()
    project = ensure_demo(engine)
    walk_id = walks.create_walk(engine, project.id, date(2026, 6, 1), "Föreningarna")
    uuid = walks.new_uuid()
    walks.save_draft(engine, project.id, walk_id, uuid, {"focus_area": "clean_safe", "kind": "challenge",
                                                         "comment": "Mörk gångtunnel", "lon": 26.95, "lat": 60.52,
                                                         "position_source": "map"})
    photos.add_photo(engine, project.id, uuid, jpeg(gps=(26.9512, 60.5234)), "tunnel.jpg")
    at = open_page("app_pages/walk.py")  # a new session, as after a reload, with the form's address
    at.query_params["walk"], at.query_params["obs"] = str(walk_id), uuid
    at.run()
    assert not at.exception
    assert at.text_area(key=f"comment_{uuid}").value == "Mörk gångtunnel"
    assert at.segmented_control(key=f"kind_{uuid}").value == "challenge"
    at.button(key=f"exif_{uuid}").click().run()  # offered because the draft's photo has an EXIF position
    assert not any(b.key == f"resume_{uuid}" for b in at.button)  # the draft on screen is not offered again
    assert any("(från fotot)" in m.value for m in at.markdown)
    at.button(key=f"save_{uuid}").click().run()
    # A second tap sent before the page came back names a button that is gone (its key holds
    # the saved form's uuid), so it cannot save the fresh form; a resubmission finds it saved.
    assert f"save_{uuid}" not in [b.key for b in at.button] and button(at, "save_").key != f"save_{uuid}"
    assert len(walks.observations(engine, project.id, walk_id)) == 1
    walks.save_observation(engine, project.id, walk_id, uuid, {**walks.observation(engine, uuid)})  # resubmitted
    assert len(walks.observations(engine, project.id, walk_id)) == 1


def test_edit_delete_and_assessment(fake_map, gps):
    from bidgeo.demo import ensure_demo

    engine = ui.store()
    project = ensure_demo(engine)
    walk_id = walks.create_walk(engine, project.id, date(2026, 6, 1))
    uuid = walks.new_uuid()
    walks.save_observation(engine, project.id, walk_id, uuid, {
        "focus_area": "place_brand", "kind": "strength", "comment": "<script>alert(1)</script>", "lon": 26.95,
        "lat": 60.52, "position_source": "map"})
    at = open_page("app_pages/walk.py")
    at.segmented_control(key="walk_view").set_value("list").run()
    assert not at.exception
    [(key, m, _)] = [s for s in fake_map.shown if s[0].startswith("obsmap-")][-1:]
    page = m.get_root().render()
    assert "<script>alert(1)</script>" not in page
    assert "\\u0026lt;script\\u0026gt;alert(1)" in page  # escaped, then JSON-encoded
    at.button(key="obs_edit").click().run()
    assert at.text_area(key=f"comment_{uuid}").value == "<script>alert(1)</script>"
    at.text_area(key=f"comment_{uuid}").input("Fin skylt vid infarten").run()
    button(at, "save_").click().run()
    assert at.toast[0].value.startswith("Ändringen är sparad")
    at.query_params["obs"] = uuid
    at.run()
    walks.save_observation(engine, project.id, walk_id, uuid, {  # meanwhile, on another tablet
        "focus_area": "place_brand", "kind": "strength", "comment": "Skylten är ny", "lon": 26.95, "lat": 60.52,
        "position_source": "map", "author": "Anna"})
    button(at, "del_").click().run()
    assert at.error[0].value.startswith("Någon annan ändrade observationen") and "(Anna)" in at.error[0].value
    assert len(walks.observations(engine, project.id, walk_id)) == 1  # nothing deleted
    button(at, "reload_").click().run()  # see what Anna saved, then delete
    assert at.text_area(key=f"comment_{uuid}").value == "Skylten är ny"
    button(at, "del_").click().run()
    assert len(walks.observations(engine, project.id, walk_id)) == 0
    assert walks.history(engine, uuid)["action"].tolist() == ["create", "update", "update", "delete"]

    at.segmented_control(key="walk_view").set_value("assess").run()
    at.text_input(key="as_respondent").input("Grupp A")
    for i, key in enumerate(FOCUS_AREAS):
        at.segmented_control(key=f"score_{key}").set_value(i + 3)
    at.button(key="as_save").click().run()
    assert at.success[0].value == "Bedömningen från Grupp A är sparad."
    assert walks.mean_scores(walks.assessments(engine, [walk_id])).loc[walk_id].tolist() == [3, 4, 5, 6, 7]


def test_the_field_kit_view_makes_a_kit_to_download(fake_map, gps):
    import io
    import zipfile

    from bidgeo.demo import ensure_demo

    engine = ui.store()
    project = ensure_demo(engine)
    walks.create_walk(engine, project.id, date(2026, 6, 1), "Fältgruppen")
    at = open_page("app_pages/walk.py")
    at.segmented_control(key="walk_view").set_value("kit").run()
    assert not at.exception
    assert at.markdown[-1].value.startswith("**Läs in ett ifyllt kit till vandringen 2026-06-01 · Fältgruppen")
    at.button(key="kit_make").click().run()
    assert not at.exception
    _, data = at.session_state["kit_zip"]
    assert sorted(zipfile.ZipFile(io.BytesIO(data)).namelist()) == ["faltkit.gpkg", "faltkit.qgs"]


def test_a_draft_left_behind_is_offered_when_the_app_is_opened_anew(fake_map, gps):
    from bidgeo.demo import ensure_demo

    engine = ui.store()
    project = ensure_demo(engine)
    walk_id = walks.create_walk(engine, project.id, date(2026, 6, 1))
    left_behind = walks.new_uuid()
    walks.save_draft(engine, project.id, walk_id, left_behind, {"focus_area": "offering", "comment": "Kiosken"})
    at = open_page("app_pages/walk.py")  # no form in the address: a new one
    assert at.warning[0].value.startswith("Ett osparat utkast från")
    at.button(key=f"resume_{left_behind}").click().run()
    assert at.text_area(key=f"comment_{left_behind}").value == "Kiosken"


def test_a_walk_with_a_planned_route_drawn_on_the_map(fake_map, gps):
    from bidgeo.demo import ensure_demo

    engine = ui.store()
    project = ensure_demo(engine)
    at = open_page("app_pages/walk.py")
    at.toggle(key="nw_route").set_value(True).run()
    route = [[26.9450, 60.5210], [26.9480, 60.5225], [26.9510, 60.5240]]
    fake_map.answers["route-"] = {"all_drawings": [{"type": "Feature", "properties": {},
                                                    "geometry": {"type": "LineString", "coordinates": route}}]}
    at.text_input(key="nw_group").input("Ruttgruppen")
    at.button(key="nw_create").click().run()
    assert not at.exception
    [walk] = [w for w in walks.walks(engine, project.id) if w.focus_group == "Ruttgruppen"]
    assert [list(c) for c in walk.route.coords] == route
    shown = [m for key, m, _ in fake_map.shown if key.startswith("walkmap-")][-1].get_root().render()
    assert "Planerad rutt" in shown and "26.948" in shown


def test_two_people_changing_the_same_observation_get_a_conflict_not_an_overwrite(fake_map, gps):
    from bidgeo.demo import ensure_demo

    engine = ui.store()
    project = ensure_demo(engine)
    walk_id = walks.create_walk(engine, project.id, date(2026, 6, 1))
    uuid = walks.new_uuid()
    walks.save_observation(engine, project.id, walk_id, uuid, {
        "focus_area": "place", "kind": "challenge", "comment": "Trasig bänk", "lon": 26.95, "lat": 60.52,
        "position_source": "map", "author": "Anna"})

    def editing():
        """A session (a tablet) with the observation open in its form."""
        at = open_page("app_pages/walk.py")
        at.query_params["walk"], at.query_params["obs"] = str(walk_id), uuid
        at.run()
        assert not at.exception
        assert at.text_area(key=f"comment_{uuid}").value == "Trasig bänk"
        assert at.info[0].value == "Du ändrar en sparad observation."
        return at

    first, second = editing(), editing()
    first.text_area(key=f"comment_{uuid}").input("Trasig bänk vid busshållplatsen").run()
    first.button(key=f"save_{uuid}").click().run()
    assert first.toast[0].value.startswith("Ändringen är sparad")

    second.text_area(key=f"comment_{uuid}").input("Bänken är lagad").run()
    second.button(key=f"save_{uuid}").click().run()
    assert not second.exception
    [error] = second.error
    assert error.value.startswith("Någon annan ändrade observationen ") and "(Anna)" in error.value
    assert "Dina ändringar sparades inte" in error.value
    assert walks.observation(engine, uuid)["comment"] == "Trasig bänk vid busshållplatsen"  # the first kept
    assert second.text_area(key=f"comment_{uuid}").value == "Bänken är lagad"  # nothing typed vanishes
    assert walks.history(engine, uuid)["action"].tolist() == ["create", "update"]

    # A reload (a new session at the same address) keeps the edit's draft and its base, so the
    # conflict is still seen.
    reloaded = open_page("app_pages/walk.py")
    reloaded.query_params["walk"], reloaded.query_params["obs"] = str(walk_id), uuid
    reloaded.run()
    assert reloaded.text_area(key=f"comment_{uuid}").value == "Bänken är lagad"
    reloaded.button(key=f"save_{uuid}").click().run()
    assert reloaded.error[0].value.startswith("Någon annan ändrade observationen ")
    assert walks.observation(engine, uuid)["comment"] == "Trasig bänk vid busshållplatsen"

    # Loading the saved version shows the first person's text; the change made on it saves.
    second.button(key=f"reload_{uuid}").click().run()
    assert second.text_area(key=f"comment_{uuid}").value == "Trasig bänk vid busshållplatsen"
    assert not any(b.key == f"reload_{uuid}" for b in second.button)
    second.text_area(key=f"comment_{uuid}").input("Trasig bänk vid busshållplatsen, nu lagad").run()
    second.button(key=f"save_{uuid}").click().run()
    assert second.toast[0].value.startswith("Ändringen är sparad")
    assert walks.observation(engine, uuid)["comment"] == "Trasig bänk vid busshållplatsen, nu lagad"


TO_THE_TOP = 'class="bidgeo-to-top"'


def _in_order(node):
    """The keys of the widgets under ``node`` as the page shows them, an error as "error"."""
    if isinstance(getattr(node, "children", None), dict):
        for child in node.children.values():
            yield from _in_order(child)
    elif type(node).__name__ == "Error":
        yield "error"
    else:
        yield getattr(node, "key", None)


def _form(at) -> str:
    return at.query_params["obs"][0] if isinstance(at.query_params["obs"], list) else at.query_params["obs"]


def test_saving_says_what_is_missing_next_to_the_button_and_the_next_form_starts_at_the_top(fake_map, gps):
    """A tablet user taps "Spara" at the bottom of the form: what is missing is said right above
    that button; once saved, a toast says so and the new form is scrolled to its top."""
    from bidgeo.demo import ensure_demo

    engine = ui.store()
    project = ensure_demo(engine)
    walks.create_walk(engine, project.id, date(2026, 6, 1), "Knappgruppen")
    at = open_page("app_pages/walk.py")
    uuid = _form(at)
    at.button(key=f"fa_place__{uuid}").click().run()
    at.segmented_control(key=f"kind_{uuid}").set_value("idea").run()
    button(at, "save_").click().run()
    [error] = at.error
    assert error.value == "Positionen saknas. Använd GPS, tryck på kartan eller lägg till ett foto med position."
    keys = [key for key in _in_order(at.main) if key]
    assert keys.index("error") == keys.index(f"save_{uuid}") - 1  # right above "Spara"
    assert not at.toast and not [h for h in at.html if TO_THE_TOP in h.proto.body]

    fake_map.answers["walkmap-"] = {"last_clicked": {"lat": 60.5240, "lng": 26.9500}}
    at.run()
    fake_map.answers.clear()
    button(at, "save_").click().run()
    assert [t.value for t in at.toast] == ["Sparad ✓ – 1 observationer i vandringen."]
    assert not at.error and not at.success
    new = _form(at)
    [top] = [h for h in at.html if TO_THE_TOP in h.proto.body]
    assert f'data-form="{new}"' in top.proto.body and "scrollTo({top: 0" in top.proto.body
    at.run()  # the next run of the same form: no toast, no scrolling again
    assert not at.toast and not [h for h in at.html if TO_THE_TOP in h.proto.body]


def test_the_position_the_map_shows_is_the_forms_and_a_tap_on_the_map_stays(fake_map, gps):
    """The GPS component reports the device's position unasked when a form appears (the map's
    blue dot shows it too): an empty form takes it, so it never says "Ingen position ännu"
    beside the dot; a form placed by a tap on the map keeps its place."""
    from bidgeo.demo import ensure_demo

    engine = ui.store()
    project = ensure_demo(engine)
    walks.create_walk(engine, project.id, date(2026, 6, 1), "Prickgruppen")
    at = open_page("app_pages/walk.py")
    uuid = _form(at)
    assert [c.value for c in at.caption if c.value.startswith("Ingen position ännu")]  # no GPS yet: nothing on the map
    gps.fix = {"lon": 26.9481, "lat": 60.5232, "accuracy": 6.2, "auto": True, "at": 1}
    at.run()
    assert any("(GPS) · noggrannhet ±6 m" in m.value for m in at.markdown)
    assert not [c.value for c in at.caption if c.value.startswith("Ingen position ännu")]
    assert walks.draft(engine, uuid)["lat"] == 60.5232

    fake_map.answers["walkmap-"] = {"last_clicked": {"lat": 60.5240, "lng": 26.9500}}
    at.run()
    fake_map.answers.clear()
    assert any("(vald på kartan)" in m.value for m in at.markdown)
    gps.fix = {"lon": 26.9400, "lat": 60.5200, "accuracy": 9, "auto": True, "at": 2}  # the dot moved on
    at.run()
    assert any("(vald på kartan)" in m.value for m in at.markdown)
    assert walks.draft(engine, uuid)["lat"] == 60.5240
    gps.fix = {"lon": 26.9400, "lat": 60.5200, "accuracy": 9, "auto": False, "at": 3}  # a tap on the GPS button
    at.run()
    assert walks.draft(engine, uuid)["lat"] == 60.52 and walks.draft(engine, uuid)["position_source"] == "gps"


def test_a_photo_is_listed_once_and_gone_once_removed(fake_map, gps):
    """An uploaded photo is stored and shown as a thumbnail with its remove button; the uploader
    is empty again, so after "Ta bort fotot" nothing lists the photo any more."""
    from bidgeo.demo import ensure_demo

    engine = ui.store()
    project = ensure_demo(engine)
    walks.create_walk(engine, project.id, date(2026, 6, 1), "Fotogruppen")
    at = open_page("app_pages/walk.py")
    uuid = _form(at)
    [uploader] = at.file_uploader
    uploader.upload("torget.jpg", jpeg(), "image/jpeg").run()
    assert not at.exception
    [attached] = photos.photos(engine, project.id, [uuid])
    assert attached.filename == "torget.jpg"
    [uploader] = at.file_uploader
    assert uploader.key != f"upl_{uuid}_0" and not uploader.value  # a fresh, empty uploader
    assert [caption for image in at.image for caption in image.captions] == ["torget.jpg"]
    at.button(key=f"rm_{attached.id}").click().run()
    assert photos.photos(engine, project.id, [uuid]) == []
    assert not at.image and not at.file_uploader[0].value
