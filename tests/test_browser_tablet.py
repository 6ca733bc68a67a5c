"""Every page on a tablet (768x1024 and 1024x768, the sidebar open and closed) in Debian's
Chromium: the tables fit the page's width without scrolling sideways (in the large-text mode
too), nothing widens the page, and every page ends with the link to the next step of the
method. Screenshots of every page go to ``test-artifacts/screens-tablet/``."""

from __future__ import annotations

import os
from datetime import date, timedelta

import pytest

from bidgeo import process, review, walks
from bidgeo.area_versions import list_versions, save_version
from bidgeo.db import open_store
from bidgeo.demo import ensure_demo
from bidgeo.i18n import t
from conftest import REPO, serve_app
from test_browser import ARTIFACTS, _browsing, _settle, browser, fake_overpass  # noqa: F401 (fixtures)
from test_walks import obs
from ui import steps, tables

pytestmark = pytest.mark.browser

SCREENS = ARTIFACTS / "screens-tablet"
SIZES = [(768, 1024), (1024, 768)]

# (page, the key of its heading, the tables that must fit: their Streamlit keys)
PAGES = [
    ("start", "start_heading", []),
    ("process", "pr_title", ["pr_tasks_2"]),
    ("area", "area_title", ["area_versions"]),
    ("walk", "walk_title", []),
    ("analysis", "an_title", []),
    ("review", "rev_title", ["rev_table", "act_editor"]),
    ("plan", "bp_title", []),
    ("budget", "bg_title", []),
    ("services", "sv_title", []),
    ("stakeholders", "sh_title", []),
    ("coverage", "cov_title", []),
    ("compare", "cmp_title", []),
    ("audit", "audit_title", []),
    ("premises", "premises_title", []),
    ("followup", "fu_title", []),
]


@pytest.fixture(scope="module")
def app_url(tmp_path_factory, fake_overpass):  # noqa: F811 (the fixture imported above)
    """The app with the demo project as a steering group has it in step 2: a process started
    ten weeks ago, a walk whose observations are reviewed, an action plan with long titles and
    owners, and a second area version with a long comment."""
    home = tmp_path_factory.mktemp("tablet-home")
    env = {**os.environ, "BIDGEO_HOME": str(home), "BIDGEO_OVERPASS_URL": fake_overpass.url}
    env.pop("BIDGEO_DATABASE_URL", None)
    engine = open_store(f"sqlite:///{home / 'bidgeo.sqlite'}")
    demo = ensure_demo(engine)
    process.start_process(engine, demo.id, date.today() - timedelta(weeks=10))
    walk = walks.create_walk(engine, demo.id, date.today() - timedelta(days=3), "Handlarna och föreningarna")
    comments = ["Inga bänkar på torget där äldre kan vila under sin handel",
                "Mörk gångtunnel under järnvägen, känns otrygg på kvällen",
                "Torghandel på lördagar med lokala odlare och hantverkare"]
    areas = ["place", "clean_safe", "offering"]
    kinds = ["challenge", "challenge", "idea"]
    uuids = []
    for i, (comment, focus_area, kind) in enumerate(zip(comments, areas, kinds)):
        uuid = walks.new_uuid()
        walks.save_observation(engine, demo.id, walk, uuid, obs(comment=comment, focus_area=focus_area, kind=kind,
                                                                lon=26.948 + i * 0.004))
        uuids.append(uuid)
    review.set_state(engine, demo.id, uuids[0], "accepted", by="Styrgruppen")
    review.set_state(engine, demo.id, uuids[1], "to_action", by="Styrgruppen")
    review.create_action(engine, demo.id, "Sätt upp bänkar och blomlådor längs hela torget", "place",
                         uuid=uuids[0], owner="Kommunens gatukontor", priority="medium", cost_sek=45000,
                         due_on=date.today() + timedelta(weeks=20))
    review.create_action(engine, demo.id, "Belysning i gångtunneln under järnvägen", "clean_safe",
                         owner="Fastighetsägarföreningen", priority="high", due_on=date.today() + timedelta(weeks=8))
    first = list_versions(engine, demo.id)[0]
    save_version(engine, demo.id, _checked(first.geometry), author="Anna Andersson",
                 comment="Utvidgat till stationen efter styrgruppens möte; hela kvarteret vid torget ingår nu")
    engine.dispose()
    with serve_app(home, env) as url:
        yield url


def _checked(geometry):
    from bidgeo import area

    return area.check_geojson(geometry.buffer(0.0005).__geo_interface__)


def _open(page, app_url: str, name: str, heading: str) -> None:
    page.goto(f"{app_url}/{'' if name == 'start' else name}?project=1")
    page.get_by_role("heading", name=t(heading)).first.wait_for(timeout=90_000)
    _finished(page)


def _finished(page) -> None:
    """Wait until the page's script has run to its end and its maps have settled."""
    page.wait_for_function("document.querySelector('[data-testid=\"stApp\"]')"
                           ".getAttribute('data-test-script-state') === 'notRunning'", timeout=90_000)
    page.locator('[data-testid="stMain"] [data-testid="stPageLink"]').first.wait_for(timeout=60_000)
    _settle(page)


def _screenshot(page, name: str) -> None:
    """The whole page (its main column scrolls inside the window, so the window is made as tall
    as the page for the picture, at the same width)."""
    size = page.viewport_size
    tall = page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], min(tall, 12_000))})
    page.wait_for_timeout(600)
    page.screenshot(path=str(SCREENS / name))
    page.set_viewport_size(size)
    page.wait_for_timeout(600)


def _sidebar_open(page) -> bool:
    return page.evaluate("(document.querySelector('[data-testid=\"stSidebar\"]')"
                         "?.getBoundingClientRect().right || 0) > 10")


def _toggle_sidebar(page) -> None:
    """Open the sidebar if it is closed, close it if it is open."""
    before = _sidebar_open(page)
    if before:
        page.locator('[data-testid="stSidebar"]').hover()
        page.locator('[data-testid="stSidebarCollapseButton"] button').click()
    else:
        page.locator('[data-testid="stExpandSidebarButton"]').click()
    page.wait_for_function(f"((document.querySelector('[data-testid=\"stSidebar\"]')"
                           f"?.getBoundingClientRect().right || 0) > 10) === {str(not before).lower()}")
    page.wait_for_timeout(800)  # the grids are sized again as the main column changes width


OVERFLOW = """keys => {
    const page = document.documentElement;
    const tables = keys.map(key => {
        const box = document.querySelector('.st-key-' + key);
        const grid = box && box.querySelector('.dvn-scroller');
        return {key, found: !!grid, scroll: grid ? grid.scrollWidth : 0, client: grid ? grid.clientWidth : 0,
                right: box ? box.getBoundingClientRect().right : 0};
    });
    return {page: page.scrollWidth, viewport: window.innerWidth, tables};
}"""


def _assert_fits(page, keys: list[str], where: str) -> None:
    found = page.evaluate(OVERFLOW, keys)
    assert found["page"] <= found["viewport"], f"{where}: the page is {found['page']} px wide"
    for table in found["tables"]:
        assert table["found"], f"{where}: no table {table['key']}"
        assert table["scroll"] <= table["client"] + 1, f"{where}: {table['key']} scrolls sideways {table}"
        assert table["right"] <= found["viewport"], f"{where}: {table['key']} reaches past the screen {table}"


def _expected_next(name: str) -> str:
    step = None
    if name == "process":  # ten weeks in: step 2
        step = 2
    return steps.link_target(name, {n for n, _, _ in PAGES}, step)


@pytest.mark.parametrize("width, height", SIZES)
def test_every_page_on_a_tablet_fits_and_ends_with_its_next_step(browser, app_url, width, height):  # noqa: F811
    SCREENS.mkdir(parents=True, exist_ok=True)
    with _browsing(browser, app_url, width, height) as (page, seen):
        for name, heading, keys in PAGES:
            _open(page, app_url, name, heading)
            if name == "process":  # the current step's checklist is open
                page.locator(".st-key-pr_tasks_2 .dvn-scroller").wait_for(timeout=30_000)
            for _ in range(2):  # the sidebar as it opens at this size, then the other way
                state = "sidebar" if _sidebar_open(page) else "nosidebar"
                _screenshot(page, f"{name}-{width}x{height}-{state}.png")
                _assert_fits(page, keys, f"{name} at {width}x{height}, {state}")
                _toggle_sidebar(page)

            # The page ends with the link to the next step, which leads there.
            links = page.locator('[data-testid="stMain"] [data-testid="stPageLink"]')
            assert links.count() == 1, name
            target = _expected_next(name)
            assert links.inner_text().strip().endswith(t(f"next_{target}")), (name, links.inner_text())
            cut = links.evaluate("link => [...link.querySelectorAll('a *')].filter(e => e.scrollWidth > e.clientWidth + 1)"
                                 ".map(e => e.innerText)")
            assert cut == [], f"{name}: the next-step link's text is cut"
            href = links.locator("a").get_attribute("href")
            assert href.strip("/").split("/")[-1] == ("" if target == "start" else target), (name, href)
            below = page.evaluate("""() => {
                const link = document.querySelector('[data-testid="stMain"] [data-testid="stPageLink"]');
                const bottom = link.getBoundingClientRect().bottom;
                return [...document.querySelectorAll('[data-testid="stMain"] [data-testid="stElementContainer"]')]
                    .filter(e => e.checkVisibility({visibilityProperty: true, opacityProperty: true})
                            && e.getBoundingClientRect().height > 0 && e.getBoundingClientRect().top >= bottom)
                    .map(e => e.className + ': ' + e.innerText.slice(0, 80));
            }""")
            assert below == [], f"{name}: something stands below the next-step link"
        assert seen["errors"] == [] and seen["failed"] == []


@pytest.mark.parametrize("width, height", SIZES)
def test_the_large_text_mode_enlarges_the_tables_and_they_still_fit(browser, app_url, width, height):  # noqa: F811
    SCREENS.mkdir(parents=True, exist_ok=True)
    with _browsing(browser, app_url, width, height) as (page, seen):
        _open(page, app_url, "review", "rev_title")
        page.locator(".st-key-rev_big").get_by_text("Stor text (projektor)").click()
        page.wait_for_function("getComputedStyle(document.querySelector('[data-testid=\"stMain\"] p'))"
                               ".fontSize === '23.2px'", timeout=30_000)
        page.wait_for_timeout(800)
        for _ in range(2):
            state = "sidebar" if _sidebar_open(page) else "nosidebar"
            _screenshot(page, f"review-large-text-{width}x{height}-{state}.png")
            _assert_fits(page, ["rev_table", "act_editor"], f"large text at {width}x{height}, {state}")
            column, zoom = page.evaluate("""() => [
                (b => b.clientWidth - parseFloat(getComputedStyle(b).paddingLeft)
                      - parseFloat(getComputedStyle(b).paddingRight))(
                    document.querySelector('[data-testid="stMainBlockContainer"]')),
                getComputedStyle(document.querySelector('.st-key-rev_table')
                    .closest('[data-testid="stElementContainer"]')).zoom]""")
            # As large as the page's width leaves room for (none beside the sidebar at 768 px).
            expected = next((z for z in tables.ZOOMS if column >= tables.TABLE_WIDTH * z), 1)
            assert float(zoom) == pytest.approx(expected), (state, column, zoom)
            assert width == 768 and state == "sidebar" or float(zoom) >= 1.2
            _toggle_sidebar(page)
        assert seen["errors"] == [] and seen["failed"] == []
