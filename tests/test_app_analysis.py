"""AppTest of the status analysis: per focus area the observations by type with their
comments, the radar chart, services and coverage, and every export made from the page."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import pyogrio

import ui
from bidgeo import conclusions, review, services, walks
from bidgeo.area_versions import current_version
from bidgeo.demo import ensure_demo
from bidgeo.overpass import buffered
from bidgeo.projects import service_points
from conftest import open_page
from test_walks import obs


def test_status_analysis_per_focus_area_and_exports(fake_map, tmp_path):
    from bidgeo.focus import FOCUS_AREAS

    engine = ui.store()
    demo = ensure_demo(engine)
    walk = walks.create_walk(engine, demo.id, date(2026, 5, 12), "Handlarna")
    kinds = ["strength", "challenge", "idea"]
    for i, area in enumerate(FOCUS_AREAS):
        for j, kind in enumerate(kinds[: 1 + i % 3]):
            walks.save_observation(engine, demo.id, walk, walks.new_uuid(), obs(
                focus_area=area, kind=kind, comment=f"{area} {kind} <script>alert(1)</script>", author="Anna Andersson",
                lon=26.946 + j / 1000))
    walks.save_assessment(engine, walk, "Grupp A", {a: (4, "") for a in FOCUS_AREAS})
    accessible = walks.observations(engine, demo.id)
    review.set_state(engine, demo.id, accessible["uuid"].iloc[0], "accepted")

    at = open_page("app_pages/analysis.py")
    assert not at.exception
    assert at.title[0].value == "Nulägesanalys"
    assert [m.value for m in at.metric][:3] == ["1", "9", "1"]
    assert any(c.value.endswith("· Bedömning av observationen (1–5): 4 · Godtagen") for c in at.caption)
    at.segmented_control(key="an_focus").set_value("accessibility").run()  # i = 3: one strength
    assert [m.value for m in at.metric][3:6] == ["1", "0", "0"]
    assert "accessibility strength <script>alert(1)</script>" in [x.value for x in at.text]  # as written
    [(key, m, _)] = [s for s in fake_map.shown if s[0].startswith("anmap-")][-1:]
    assert "accessibility" in key and "<script>alert(1)</script>" not in m.get_root().render()
    # Services and walking distance for the BID area and 500 m around it, or the whole locality.
    area = current_version(engine, demo.id).geometry
    near = services.within(service_points(engine, demo.id), buffered(area, 500))
    assert 0 < len(near) < 43
    assert at.dataframe[0].value["Antal"].sum() == len(near)
    assert f"{len(near)} servicepunkter i BID-området och 500 m runt det" in " ".join(c.value for c in at.caption)
    assert "Inom 400 m" in at.dataframe[1].value.columns
    assert len(at.dataframe[1].value) == near["category"].nunique()  # coverage of the categories near
    at.number_input(key="an_buffer").set_value(0).run()
    assert at.dataframe[0].value["Antal"].sum() == len(services.within(service_points(engine, demo.id), area))
    at.toggle(key="an_whole").set_value(True).run()
    assert at.dataframe[0].value["Antal"].sum() == 43  # the demo's whole service inventory
    assert "Inom 400 m" in at.dataframe[1].value.columns and len(at.dataframe[1].value) == 6  # coverage
    at.toggle(key="an_whole").set_value(False).run()
    at.number_input(key="an_buffer").set_value(500).run()

    made = {}
    for kind in ("pdf", "html", "gpkg", "csv", "xlsx"):
        at.segmented_control(key="an_format").set_value(kind).run()
        at.button(key="an_make").click().run()
        assert not at.exception
        made[kind] = at.session_state["an_file"][3]
    assert made["pdf"].startswith(b"%PDF") and b"<html" in made["html"][:200].lower()
    (tmp_path / "r.gpkg").write_bytes(made["gpkg"])
    assert {"observations", "actions", "services"} <= {name for name, _ in pyogrio.list_layers(tmp_path / "r.gpkg")}
    assert "observations.csv" in zipfile.ZipFile(io.BytesIO(made["csv"])).namelist()
    assert made["xlsx"][:2] == b"PK"
    at.toggle(key="an_public").set_value(True).run()
    at.segmented_control(key="an_format").set_value("html").run()
    at.button(key="an_make").click().run()
    assert b"Anna Andersson" in made["html"] and b"Anna Andersson" not in at.session_state["an_file"][3]


def test_the_bid_manager_writes_the_conclusions_on_the_page(fake_map):
    engine = ui.store()
    demo = ensure_demo(engine)
    at = open_page("app_pages/analysis.py")
    assert not at.exception
    at.text_input(key="an_author").input("Bo BID-ledare")
    at.text_area(key="an_summary_summary").input("Torget lever, <b>lokalerna</b> står tomma.\nNästa steg: bänkar.")
    at.button(key="an_save_summary").click().run()
    assert not at.exception and "Slutsatserna är sparade och kommer med i rapporten." in [s.value for s in at.success]
    at.segmented_control(key="an_focus").set_value("place").run()
    at.text_area(key="an_place_strengths").input("Torget är öppet och soligt.")
    at.text_area(key="an_place_opportunities").input("Marknader på lördagar.")
    at.button(key="an_save_place").click().run()
    found = conclusions.conclusions(engine, demo.id)
    assert found.summary == "Torget lever, <b>lokalerna</b> står tomma.\nNästa steg: bänkar."
    assert found.areas["place"] == {"strengths": "Torget är öppet och soligt.", "challenges": "",
                                    "opportunities": "Marknader på lördagar."}
    assert found.updated_by == "Bo BID-ledare"
    again = open_page("app_pages/analysis.py")  # a new visit shows what is saved
    again.segmented_control(key="an_focus").set_value("place").run()
    assert again.text_area(key="an_summary_summary").value == found.summary
    assert again.text_area(key="an_place_strengths").value == "Torget är öppet och soligt."
