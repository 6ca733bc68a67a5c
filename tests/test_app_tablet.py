"""AppTest of what makes the pages work on a tablet: every page ends with the next step of
the method, the tables show the columns that fit, the coverage map has a legend and the BID
area's boundary, numbers are written the Swedish way, and the imports report their stages."""

from __future__ import annotations

import ast
from datetime import date, timedelta
from pathlib import Path

import pytest

import ui
from bidgeo import coverage, maps, process, review, walk_kit, walks
from bidgeo.area_versions import current_version
from bidgeo.demo import ensure_demo
from bidgeo.i18n import t
from bidgeo.projects import STAGES, create_project, replace_osm
from conftest import DEMO_OSM, REPO, open_page
from test_walk_kit import fill, observation
from test_walks import obs
from ui import steps

# every page of app.py's PAGES (read, not imported: importing it would run the app)
PAGES = [Path(path).stem for path, *_ in next(
    ast.literal_eval(node.value) for node in ast.parse((REPO / "app.py").read_text()).body
    if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "PAGES")]
METHOD = {"start": "area", "area": "stakeholders", "stakeholders": "services", "services": "coverage",
          "coverage": "walk", "walk": "premises", "premises": "analysis", "analysis": "review", "review": "plan",
          "plan": "budget", "budget": "process", "process": "area", "followup": "process", "compare": "analysis",
          "audit": "process"}
"""Each page's next step in the method (the process's: the area, as the demo has no process yet)."""


def next_link(at):
    [link] = at.get("page_link")
    return link.proto.page, link.proto.label


@pytest.mark.parametrize("name", PAGES)
def test_every_page_ends_with_the_next_step_of_the_method(fake_map, name):
    at = open_page(f"app_pages/{name}.py")
    assert not at.exception
    page, label = next_link(at)
    target = METHOD[name]
    while target not in PAGES:  # a page of the method the app does not have (yet) is passed over
        target = METHOD[target]
    assert (page, label) == (target, t(f"next_{target}"))
    assert label.startswith("Nästa steg: ")


def test_the_pages_are_the_methods():
    assert {"premises", "followup"} <= set(PAGES) and set(PAGES) <= set(METHOD)
    assert set(METHOD) == {*steps.ORDER, *steps.ASIDE}


def test_the_process_page_leads_to_the_page_of_its_current_step(fake_map):
    engine, demo = ui.store(), ensure_demo(ui.store())
    for weeks_ago, target in [(1, "area"), (10, "walk"), (20, "analysis"), (36, "review"), (75, "followup"),
                              (-4, "area")]:  # -4: starts in four weeks, so step 1 comes first
        process.start_process(engine, demo.id, date.today() - timedelta(weeks=weeks_ago))
        assert next_link(open_page("app_pages/process.py"))[0] == target, weeks_ago


def test_a_page_that_stops_early_still_ends_with_its_next_step(fake_map):
    at = open_page("app_pages/review.py")  # the demo has no observations: the page says so and stops
    assert at.info[0].value == t("rev_nothing")
    assert next_link(at)[0] == "plan"  # step 4 follows the review: the business plan


def test_the_next_step_skips_pages_the_role_may_not_open():
    pages = {"start": object(), "analysis": object(), "coverage": object(), "compare": object()}  # a viewer's
    assert steps.next_page("coverage") == "walk"
    shown = []

    class Fake:
        @staticmethod
        def divider():
            pass

        @staticmethod
        def html(style):
            pass

        @staticmethod
        def page_link(page, label, icon):
            shown.append((page, label))

    original = steps.st
    steps.st = Fake
    try:
        steps.next_step("coverage", pages, None, lambda key: key)  # walk, premises: not here, analysis is next
        steps.next_step("analysis", pages, None, lambda key: key)  # review … follow-up: not here, round to start
    finally:
        steps.st = original
    assert shown == [(pages["analysis"], "next_analysis"), (pages["start"], "next_start")]
    assert steps.link_target("analysis", {"start", "analysis", "followup"}) == "followup"
    assert steps.link_target("followup", {"start", "analysis", "followup"}) == "start"  # the process: not a viewer's
    assert steps.link_target("process", {"start", "process", "budget", "followup"}, step=5) == "budget"  # no plan page
    assert steps.link_target("start", {"start"}) is None


def test_every_page_of_the_order_has_its_text():
    for name in (*steps.ORDER, *steps.ASIDE.values(), *steps.STEP_PAGES.values()):
        assert t(f"next_{name}", "sv").startswith("Nästa steg") and t(f"next_{name}", "en").startswith("Next step")


def reviewed_walk():
    engine = ui.store()
    demo = ensure_demo(engine)
    walk = walks.create_walk(engine, demo.id, date(2026, 5, 12), "Handlarna")
    uuid = walks.new_uuid()
    walks.save_observation(engine, demo.id, walk, uuid, obs(comment="Inga bänkar på torget"))
    review.set_state(engine, demo.id, uuid, "accepted")
    review.create_action(engine, demo.id, "Bänkar på torget", "place", uuid=uuid, owner="Gatukontoret",
                         priority="high", cost_sek=45000, due_on=date(2026, 9, 1))
    return engine, demo


def test_the_review_tables_show_the_columns_that_fit_a_tablet(fake_map):
    reviewed_walk()
    at = open_page("app_pages/review.py")
    assert not at.exception
    observations, plan = at.dataframe[0].value, at.dataframe[1]
    assert list(observations.columns) == ["Granskning", "Fokusområde", "Typ", "Kommentar"]
    assert observations["Granskning"].tolist() == ["Till åtgärd"]
    order = list(plan.proto.column_order)
    assert order == ["Åtgärd", "Ansvarig", "Prioritet", "Klart senast", "Status"]
    at.toggle(key="act_all_columns").set_value(True).run()
    assert list(at.dataframe[1].proto.column_order) == []  # every column, the cost too
    assert "Kostnad (kr, uppskattad)" in at.dataframe[1].value.columns


def test_the_versions_table_fits_and_the_chosen_versions_comment_is_shown(fake_map):
    at = open_page("app_pages/area.py")
    table = at.dataframe[-1].value
    assert list(table.columns) == ["Version", "Status", "Yta (ha)", "Skapad", "Av"]
    area = current_version(ui.store(), ui.current_project().id)
    assert table["Yta (ha)"].tolist() == [f"{area.area_m2 / 1e4:.2f}".replace(".", ",")]
    assert [x.value for x in at.caption if "✓" in x.value] == ["✓ = den gällande versionen"]


def test_coverage_inside_the_area_draws_its_boundary_with_a_legend(fake_map):
    at = open_page("app_pages/coverage.py")
    legend = [m.value for m in at.markdown if "Inom 400 m" in m.value]
    assert len(legend) == 1 and "Mer än 1\u00a0200 m" in legend[0] and "Når ingen" in legend[0]
    assert "BID-områdets gräns" not in legend[0]
    _, whole, _ = [s for s in fake_map.shown if s[0].startswith("coverage-")][-1]
    assert "BID-områdets gräns" not in whole.get_root().render()

    at.radio(key="cov_scope").set_value("area").run()
    assert not at.exception
    legend = [m.value for m in at.markdown if "Inom 400 m" in m.value]
    assert "BID-områdets gräns" in legend[0]
    _, inside, _ = [s for s in fake_map.shown if s[0].startswith("coverage-")][-1]
    html = inside.get_root().render()
    assert "BID-omr\\u00e5dets gr\\u00e4ns" in html and '"dashArray": "8 5"' in html


def test_the_coverage_map_draws_the_boundary_as_a_line_that_taps_pass_through():
    net = coverage.network_for(DEMO_OSM)
    engine = ui.store()
    demo = ensure_demo(engine)
    area = current_version(engine, demo.id).geometry
    result = coverage.coverage(net, ui.service_points(demo), (400, 800, 1200))
    m = maps.coverage_map(None, net.origin_lonlat, result.distances["fuel"].to_numpy(), (400, 800, 1200),
                          ui.service_points(demo).iloc[:0], "sv", area=area)
    html = m.get_root().render()
    assert '"interactive": false' in html and '"fill": false' in html
    assert maps.band_labels((400, 1200), "sv") == ["Inom 400 m", "Inom 1\u00a0200 m", "Mer än 1\u00a0200 m"]
    assert maps.band_labels((400, 1200), "en") == ["Within 400 m", "Within 1,200 m", "More than 1,200 m"]


def test_a_reimport_reports_its_stages_in_order(tmp_path):
    engine = ui.store()
    project = create_project(engine, "Karhula igen", osm_path=DEMO_OSM)
    told = []
    replace_osm(engine, project.id, DEMO_OSM, progress=told.append)
    assert told == list(STAGES)


def test_a_kit_import_reports_its_stages_and_how_far_the_rows_have_come(tmp_path):
    engine = ui.store()
    demo = ensure_demo(engine)
    kit = walk_kit.export_kit(engine, demo.id, tmp_path / "kit.gpkg")
    fill(kit.gpkg, [observation(walks.new_uuid(), "place", "strength", 4, f"Rad {i}") for i in range(4)])
    told = []
    result = walk_kit.import_upload(engine, demo.id, kit.gpkg.read_bytes(), "kit.gpkg",
                                    progress=lambda stage, fraction=0.0: told.append((stage, fraction)))
    assert result.imported == 4
    assert told == [("reading", 0.0), ("saving", 0.0), ("saving", 0.25), ("saving", 0.5), ("saving", 0.75)]
