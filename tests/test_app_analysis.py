"""AppTest of the status analysis: per focus area the observations by type with their
comments, the radar chart, services and coverage, and every export made from the page."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import pyogrio

import ui
from bidgeo import review, walks
from bidgeo.demo import ensure_demo
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
    at.segmented_control(key="an_focus").set_value("accessibility").run()  # i = 3: one strength
    assert [m.value for m in at.metric][3:6] == ["1", "0", "0"]
    assert "accessibility strength <script>alert(1)</script>" in [x.value for x in at.text]  # as written
    [(key, m, _)] = [s for s in fake_map.shown if s[0].startswith("anmap-")][-1:]
    assert "accessibility" in key and "<script>alert(1)</script>" not in m.get_root().render()
    assert at.dataframe[0].value["Antal"].sum() == 43  # the demo's service inventory
    assert "Inom 400 m" in at.dataframe[1].value.columns and len(at.dataframe[1].value) == 6  # coverage

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
