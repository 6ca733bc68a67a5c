"""Area versions and the stakeholder register in the store; each runs on SQLite and PostGIS."""

import pytest
from shapely.geometry import box

from bidgeo import area, stakeholders
from bidgeo.area_versions import change, current_version, list_versions, make_current, save_version, set_status
from bidgeo.demo import ensure_demo
from bidgeo.errors import NotFoundError, ValidationError
from bidgeo.inside import inside
from bidgeo.osm import read_osm
from bidgeo.projects import create_project, service_points
from conftest import DEMO_OSM

# The part of Karhula with the two fuel stations, the convenience store and a bus stop.
KARHULA_CENTRE = box(26.9440, 60.5195, 26.9530, 60.5265)


@pytest.fixture
def demo(engine):
    """A project on the demo extract with no area yet."""
    return create_project(engine, "Karhula", osm_path=DEMO_OSM)


def test_the_demo_project_comes_with_a_first_area(engine):
    project = ensure_demo(engine)
    versions = list_versions(engine, project.id)
    assert [(v.number, v.current, v.status) for v in versions] == [(1, True, "draft")]
    assert 40 < versions[0].area_m2 / 1e4 < 46  # about 43 ha
    ensure_demo(engine)  # a refresh adds no version
    assert len(list_versions(engine, project.id)) == 1


def test_versions_are_added_never_overwritten(engine, demo):
    first = save_version(engine, demo.id, area.check_geometry(KARHULA_CENTRE), author="Anna", comment="Förslag 1")
    bigger = KARHULA_CENTRE.buffer(0.002, join_style="mitre")
    second = save_version(engine, demo.id, area.check_geometry(bigger), author="Anna", comment="Större")
    versions = list_versions(engine, demo.id)
    assert [(v.number, v.current, v.comment) for v in versions] == [(2, True, "Större"), (1, False, "Förslag 1")]
    assert versions[1].geometry.equals(KARHULA_CENTRE)
    assert versions[1].area_m2 == pytest.approx(first.area_m2) and second.area_m2 > first.area_m2
    make_current(engine, demo.id, 1)
    assert current_version(engine, demo.id).number == 1
    assert len(list_versions(engine, demo.id)) == 2  # making current adds and removes nothing


def test_status_proposed_then_approved_by_someone(engine, demo):
    save_version(engine, demo.id, area.check_geometry(KARHULA_CENTRE), author="Anna")
    set_status(engine, demo.id, 1, "proposed", by="Anna")
    with pytest.raises(ValidationError) as err:
        set_status(engine, demo.id, 1, "approved", by="  ")
    assert err.value.key == "approver_required"
    set_status(engine, demo.id, 1, "approved", by="Styrgruppen, möte 2026-11-20")
    version = current_version(engine, demo.id)
    assert (version.status, version.status_by) == ("approved", "Styrgruppen, möte 2026-11-20")
    assert version.status_at is not None
    with pytest.raises(NotFoundError):
        set_status(engine, demo.id, 7, "proposed")
    with pytest.raises(ValidationError):
        set_status(engine, demo.id, 1, "rejected")


def test_an_invalid_boundary_is_never_saved(engine, demo):
    bowtie = area.check_geojson({"type": "Polygon", "coordinates": [
        [[26.94, 60.52], [26.95, 60.53], [26.95, 60.52], [26.94, 60.53], [26.94, 60.52]]]})
    with pytest.raises(ValidationError) as err:
        save_version(engine, demo.id, bowtie)
    assert err.value.key == "area_self_intersection"
    assert list_versions(engine, demo.id) == []


def test_change_between_versions():
    old = box(15.0, 60.0, 15.01, 60.01)
    new = box(15.005, 60.0, 15.015, 60.01)
    diff = change(old, new)
    half = area.check_geometry(box(15.0, 60.0, 15.005, 60.01)).area_m2
    assert diff.added_m2 == pytest.approx(half, rel=1e-3)
    assert diff.removed_m2 == pytest.approx(half, rel=1e-3)
    assert diff.net_m2 == pytest.approx(0, abs=half * 1e-3)


def test_what_lies_inside_the_demo_centre(engine, demo):
    osm = read_osm(DEMO_OSM)
    found = inside(KARHULA_CENTRE, service_points(engine, demo.id), osm, "sv")
    assert dict(zip(found.inventory["category"], found.inventory["count"])) == {"fuel": 2, "public_transport": 6}
    assert sorted(found.candidates["name"]) == ["Neste Huttunen", "Teboil Karhula Tikankatu"]
    assert list(found.candidates["category"]) == ["Drivmedel", "Drivmedel"]
    assert found.candidates["address"].tolist() == ["Suurniitynkatu 1, 48600 Kotka", "Tikankatu 11, 48600 Kotka"]
    assert 20 < found.buildings < 200


def test_stakeholders_from_candidates_are_added_once(engine, demo):
    found = stakeholders.candidates(read_osm(DEMO_OSM).businesses, KARHULA_CENTRE, "sv")
    assert stakeholders.add_candidates(engine, demo.id, found) == 2
    assert stakeholders.add_candidates(engine, demo.id, found) == 0
    table = stakeholders.register(engine, demo.id)
    assert set(table["source"]) == {"osm"} and set(table["status"]) == {"identified"}


def test_manual_stakeholders_edits_filters_and_exports(engine):
    project = create_project(engine, "Rättvik")
    owner = stakeholders.add(engine, project.id, name="Fastighets AB Storgatan", role="property_owner",
                             contact_name="Eva Ek", contact_email="eva@example.se", contact_phone="070-123")
    association = stakeholders.add(engine, project.id, name="=HYPERLINK(\"http://x\")", role="association",
                                   steering_group=True, focus_group="place_brand")
    with pytest.raises(ValidationError):
        stakeholders.add(engine, project.id, name=" ")
    with pytest.raises(ValidationError):
        stakeholders.add(engine, project.id, name="X", contact_email="inte en adress")
    with pytest.raises(ValidationError):
        stakeholders.add(engine, project.id, name="X", status="kanske")
    # A bad value among good ones saves nothing.
    with pytest.raises(ValidationError):
        stakeholders.update(engine, project.id, {owner: {"status": "contacted"}, association: {"role": "king"}})
    assert set(stakeholders.register(engine, project.id)["status"]) == {"identified"}
    stakeholders.update(engine, project.id, {owner: {"status": "loi_sent"}, association: {"status": "signed"}})

    assert stakeholders.register(engine, project.id, status="signed")["id"].tolist() == [association]
    assert stakeholders.register(engine, project.id, role="property_owner")["id"].tolist() == [owner]
    assert stakeholders.register(engine, project.id, steering_group=True)["id"].tolist() == [association]

    table = stakeholders.register(engine, project.id)
    public = stakeholders.export_table(table, "sv")
    assert "Kontaktperson" not in public.columns and "E-post" not in public.columns
    assert "eva@example.se" not in stakeholders.to_csv(public).decode("utf-8-sig")
    internal = stakeholders.export_table(table, "sv", include_contacts=True)
    text = stakeholders.to_csv(internal).decode("utf-8-sig")
    assert "eva@example.se" in text and "Avsiktsförklaring skickad" in text and "Platsvarumärke" in text
    assert "'=HYPERLINK" in text  # not a formula in a spreadsheet
    import io

    import pandas as pd

    sheet = pd.read_excel(io.BytesIO(stakeholders.to_xlsx(internal)))
    assert sheet["Namn"].tolist() == ["'=HYPERLINK(\"http://x\")", "Fastighets AB Storgatan"]


def test_editable_table_round_trip(engine):
    project = create_project(engine, "Leksand")
    sid = stakeholders.add(engine, project.id, name="Leksands handel", role="business")
    table = stakeholders.register(engine, project.id)
    shown = stakeholders.editable(table, "sv")
    assert shown.loc[sid, "role"] == "Företag" and shown.loc[sid, "focus_group"] == "–"
    assert stakeholders.edits(table, shown, "sv") == {}
    shown.loc[sid, "status"] = "Kontaktad"
    shown.loc[sid, "focus_group"] = "Utbud"
    shown.loc[sid, "notes"] = "Ringde 12/11"
    changes = stakeholders.edits(table, shown, "sv")
    assert changes == {sid: {"status": "contacted", "focus_group": "offering", "notes": "Ringde 12/11"}}
    stakeholders.update(engine, project.id, changes)
    row = stakeholders.register(engine, project.id).iloc[0]
    assert (row["status"], row["focus_group"], row["notes"]) == ("contacted", "offering", "Ringde 12/11")
