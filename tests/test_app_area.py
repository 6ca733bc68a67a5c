"""AppTest of the area page and the stakeholder page, with the map widget patched to return
what a user drew."""

from __future__ import annotations

import pytest

import ui
from bidgeo import area, stakeholders
from bidgeo.area_versions import list_versions, save_version
from bidgeo.projects import create_project
from conftest import DEMO_OSM, open_page

KARHULA = [[26.9440, 60.5195], [26.9530, 60.5195], [26.9530, 60.5265], [26.9440, 60.5265], [26.9440, 60.5195]]
BOWTIE = [[26.944, 60.5195], [26.953, 60.5265], [26.953, 60.5195], [26.944, 60.5265], [26.944, 60.5195]]


def drawing(ring) -> dict:
    return {"all_drawings": [{"type": "Feature", "properties": {},
                              "geometry": {"type": "Polygon", "coordinates": [ring]}}]}


@pytest.fixture
def karhula():
    """A project on the demo extract without any area yet."""
    ui.store()  # the demo project first, as on a first start
    return create_project(ui.store(), "Karhula utan område", osm_path=DEMO_OSM)


def test_draw_check_and_save_a_boundary(fake_map, karhula):
    at = open_page("app_pages/area.py", karhula.id)
    assert not at.exception
    assert at.title[0].value == "BID-området"
    assert at.info[0].value.startswith("Projektet har inget område ännu")
    key, editor, kwargs = fake_map.shown[0]
    assert kwargs["returned_objects"] == ["all_drawings"]
    assert "L.Control.Draw" in editor.get_root().render()

    fake_map.answers["area-editor"] = drawing(KARHULA)
    at.run()
    assert at.success[0].value == "Gränsen är giltig och kan sparas."
    assert [w.value for w in at.warning] == ["Området ligger utanför Sverige. Stämmer det?"]
    expected = area.check_geojson({"type": "Polygon", "coordinates": [KARHULA]})
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Yta (ha)"] == f"{expected.area_m2 / 1e4:.2f}".replace(".", ",")  # Swedish: a decimal comma
    assert metrics["Hörn"] == "4"
    assert metrics["Servicepunkter"] == "8" and metrics["Möjliga intressenter"] == "2"
    assert at.caption[-1].value == "Gäller gränsen ovan, som inte är sparad ännu."
    at.text_input(key="area_author").input("Anna")
    at.text_area(key="area_comment_0").input("Första förslaget")
    at.button[0].click().run()
    assert not at.exception
    assert at.success[0].value == "Version 1 är sparad och är nu aktuell."
    versions = list_versions(ui.store(), karhula.id)
    assert [(v.number, v.author, v.comment, v.current) for v in versions] == [(1, "Anna", "Första förslaget", True)]
    table = at.dataframe[-1].value
    assert table["Version"].tolist() == ["1 ✓"] and table["Status"].tolist() == ["Utkast"]  # ✓ the current one
    assert [t.value for t in at.text] == ["Första förslaget"]  # the chosen version's comment


def test_self_intersection_is_shown_and_repaired_before_saving(fake_map, karhula):
    fake_map.answers["area-editor"] = drawing(BOWTIE)
    at = open_page("app_pages/area.py", karhula.id)
    assert at.error[0].value.startswith("Gränsen korsar sig själv vid 60.52300 N, 26.94850 E")
    preview = [m for key, m, _ in fake_map.shown if key.startswith("area-preview")]
    assert preview and "Korsningar" in preview[-1].get_root().render()
    assert len(at.button) == 0  # nothing to save yet
    at.toggle(key="area_repair_0").set_value(True).run()
    assert not at.error
    assert at.info[-1].value.startswith("Reparerad gräns")
    at.text_input(key="area_author").input("Anna")
    at.button[0].click().run()
    versions = list_versions(ui.store(), karhula.id)
    assert len(versions) == 1 and versions[0].geometry.geom_type == "MultiPolygon"


def test_propose_approve_and_compare(fake_map, karhula):
    engine, project = ui.store(), karhula
    first = area.check_geojson({"type": "Polygon", "coordinates": [KARHULA]})
    save_version(engine, project.id, first, author="Anna")
    bigger = [[x + (0.002 if x > 26.95 else 0), y] for x, y in KARHULA]
    save_version(engine, project.id, area.check_geojson({"type": "Polygon", "coordinates": [bigger]}), author="Anna")
    at = open_page("app_pages/area.py", project.id)
    assert at.subheader[-1].value == "Jämför versioner"
    added = [m for m in at.metric if m.label == "Tillkommit (ha)"][0]
    assert float(added.value.replace(",", ".")) > 0 and "," in added.value  # hectares with a decimal comma
    assert any(key.startswith("area-compare") for key, _, _ in fake_map.shown)

    at.selectbox(key="area_version").set_value(1)
    at.button(key="area_approve").click().run()
    assert at.error[0].value == "Ange vem i styrgruppen som godkänner versionen."
    at.text_input(key="area_approver").input("Styrgruppen 20/11")
    at.button(key="area_approve").click().run()
    assert at.success[0].value == "Version 1 har nu status ”Godkänd av styrgruppen”."
    at.button(key="area_make_current").click().run()
    versions = {v.number: v for v in list_versions(engine, project.id)}
    assert versions[1].status == "approved" and versions[1].current and not versions[2].current


def test_inside_summary_and_candidates_to_the_register(fake_map, karhula):
    engine, project = ui.store(), karhula
    save_version(engine, project.id, area.check_geojson({"type": "Polygon", "coordinates": [KARHULA]}))
    at = open_page("app_pages/area.py", project.id)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Servicepunkter"] == "8" and metrics["Möjliga intressenter"] == "2"
    at.button(key="add_candidates").click().run()
    assert at.success[0].value == "2 intressenter lades till i registret."

    at = open_page("app_pages/stakeholders.py", project.id)
    assert not at.exception
    assert at.info[0].value.startswith("Inga nya förslag")
    register = stakeholders.register(engine, project.id)
    assert sorted(register["name"]) == ["Neste Huttunen", "Teboil Karhula Tikankatu"]
    assert len(at.get("download_button")) == 2


def test_demo_project_opens_with_its_area(fake_map):
    at = open_page("app_pages/area.py")
    assert not at.exception and not at.info
    assert at.dataframe[-1].value["Version"].tolist() == ["1 ✓"]
    assert [t.value for t in at.text] == ["Demo: Karhula centrum runt Tikankatu"]  # the chosen version's comment
    at = open_page("app_pages/stakeholders.py")
    assert "Neste Huttunen" in at.dataframe[0].value["Namn"].tolist()


def test_stakeholder_page_add_and_filter(fake_map, karhula):
    at = open_page("app_pages/stakeholders.py", karhula.id)
    assert at.info[0].value.startswith("Spara områdets gräns först")
    at.text_input(key="sh_new_name").input("Karhulan Kiinteistöt Oy")
    at.selectbox(key="sh_new_role").set_value("property_owner")
    at.button(key="sh_new_add").click().run()
    assert not at.exception
    assert at.success[0].value == "”Karhulan Kiinteistöt Oy” lades till."
    register = stakeholders.register(ui.store(), karhula.id)
    assert register[["name", "role", "source"]].values.tolist() == [["Karhulan Kiinteistöt Oy", "property_owner", "manual"]]
    at.selectbox(key="sh_status").set_value("signed").run()
    assert at.info[-1].value.startswith("Registret är tomt")


def test_stakeholder_with_bad_email_is_refused(fake_map, karhula):
    at = open_page("app_pages/stakeholders.py", karhula.id)
    at.text_input(key="sh_new_name").input("Föreningen")
    at.text_input(key="sh_new_contact_email").input("inte-en-adress")
    at.button(key="sh_new_add").click().run()
    assert at.error[0].value == "”inte-en-adress” ser inte ut som en e-postadress."
    assert stakeholders.register(ui.store(), karhula.id).empty
