"""The business-plan pages in Debian's Chromium at both tablet sizes: a bad workbook uploaded
(its bad rows listed, nothing saved), a good one read in, the balance and its warning, the plan
sent to the steering group, and no page wider than the screen."""

from __future__ import annotations

import pandas as pd
import pytest

from bidgeo import plan
from bidgeo.db import open_store
from plan_data import BUDGET, FINANCING, make_plan
from test_browser import ARTIFACTS, _browsing, app_home, app_url, browser, fake_overpass  # noqa: F401 (fixtures)
from test_cli_plan import workbook

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def project(app_url, app_home):  # noqa: F811 (the fixtures imported above)
    engine = open_store(f"sqlite:///{app_home / 'bidgeo.sqlite'}")
    project = make_plan(engine)
    engine.dispose()
    return project


def _fits(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # nothing to scroll sideways


@pytest.mark.parametrize("width, height", [(768, 1024), (1024, 768)])
def test_the_budget_and_the_plan_on_a_tablet(browser, app_url, app_home, project, tmp_path, width,  # noqa: F811
                                             height):
    engine = open_store(f"sqlite:///{app_home / 'bidgeo.sqlite'}")
    bad = workbook(tmp_path / "fel.xlsx", BUDGET.assign(cost_sek=[-45000, 60000, 80000, 50000]),
                   FINANCING.assign(kind=["kommun", *FINANCING["kind"][1:]]))
    more = pd.concat([FINANCING, pd.DataFrame({"party": ["Kotka stad"], "kind": ["municipality"], "year": [2028],
                                               "amount_sek": [50000], "hours": [0], "status": ["pledged"]})])
    good = workbook(tmp_path / "bra.xlsx", BUDGET, more)
    with _browsing(browser, app_url, width, height) as (page, seen):
        page.goto(f"{app_url}/budget?project={project}")
        page.get_by_role("heading", name="Budget och gemensam finansiering").first.wait_for(timeout=60_000)
        page.get_by_text("2026 är inte finansierat: det saknas 9 000 kr.").wait_for(timeout=30_000)
        _fits(page, width)
        page.get_by_text("Arbetsboken (Excel)").click()
        uploader = page.locator('[data-testid="stFileUploaderDropzoneInput"]').first
        uploader.set_input_files(str(bad))
        page.get_by_role("button", name="Läs in arbetsboken").click()
        page.get_by_text("2 rader är felaktiga, så inget sparades.").wait_for(timeout=30_000)
        page.get_by_text("Blad budget, rad 2, kolumn cost_sek").wait_for()  # (a word joiner follows each colon)
        page.get_by_text("kan inte vara negativt (-45000)").wait_for()
        page.get_by_text("Blad financing, rad 2, kolumn kind").wait_for()
        page.screenshot(path=str(ARTIFACTS / f"plan-budget-errors-{width}x{height}.png"), full_page=True)
        assert plan.figures(engine, project)["years"]["2028"]["financing_sek"] in (0, 50000)  # (the other size's)
        uploader.set_input_files(str(good))
        # The new file's own run (no button pressed) clears the old errors: only then does the
        # button read the new file, not the one the browser is still sending.
        page.get_by_text("2 rader är felaktiga, så inget sparades.").wait_for(state="detached", timeout=60_000)
        page.get_by_role("button", name="Läs in arbetsboken").click()
        page.get_by_text("4 budgetrader och 7 finansieringsrader är inlästa").wait_for(timeout=60_000)
        assert plan.figures(engine, project)["years"]["2028"]["balance_sek"] == 0
        page.get_by_text("2028 är inte finansierat").wait_for(state="detached", timeout=30_000)
        _fits(page, width)
        page.screenshot(path=str(ARTIFACTS / f"plan-budget-{width}x{height}.png"), full_page=True)

        page.goto(f"{app_url}/plan?project={project}")
        page.get_by_role("heading", name="Affärsplan").first.wait_for(timeout=60_000)
        page.get_by_label("Vision").wait_for(timeout=30_000)
        assert page.get_by_label("Vision").input_value() == "Karhula är en levande by med service nära."
        send = page.get_by_role("button", name="Skicka till styrgruppen för synpunkter")
        sent = page.get_by_text("Version 1: ute hos styrgruppen för synpunkter.")
        send.or_(sent).first.wait_for(timeout=30_000)
        if send.count():  # the first size sends it; the second finds it with the steering group
            send.click()
        sent.wait_for(timeout=30_000)
        _fits(page, width)
        page.screenshot(path=str(ARTIFACTS / f"plan-{width}x{height}.png"), full_page=True)
        assert seen["errors"] == [] and seen["failed"] == [], seen
        assert seen["hosts"] == {app_url.split("/")[2]}
    engine.dispose()
