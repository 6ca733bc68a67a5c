"""Every page of the app in Chromium, in Swedish, at both tablet sizes (1024x768 and
768x1024): no English or raw leftovers in what the page shows (Streamlit's own widget texts,
"None", stored codes such as ``osm_file``, OSM tags), no button, label or tab whose text is
cut, and no page wider than the screen. One browser, one app, the pages visited in a loop.

Screenshots of every page at both sizes go to ``test-artifacts/screens/`` for a person to
look at."""

from __future__ import annotations

import ast
import os
import re
import time
from datetime import date

import pytest

from bidgeo import audit, process, review, stakeholders, walks
from bidgeo.db import open_store
from bidgeo.demo import ensure_demo
from bidgeo.projects import create_project
from conftest import REPO, serve_app
from test_browser import ARTIFACTS, _browsing, _settle, browser  # noqa: F401 (the fixture)

pytestmark = pytest.mark.browser

SCREENS = ARTIFACTS / "screens"
# app.py's PAGES (read, not imported: importing it would run the app)
PAGES = next(ast.literal_eval(node.value) for node in ast.parse((REPO / "app.py").read_text()).body
             if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "PAGES")
SIZES = [(1024, 768), (768, 1024)]
WALK_VIEWS = ["Observationer och karta", "Bedömning av fokusområden", "Fältkit (offline)"]

# Streamlit's own English texts (its widgets, menus and messages) and raw stored values.
ENGLISH = ["Drag and drop", "Browse files", "Upload", "Limit 200MB", "per file", "Choose options",
           "Choose an option", "Select all", "No results", "Take Photo", "Clear photo", "Add files",
           "Remove", "Press Enter", "Running...", "Show password", "Clear all", "Select...",
           "No options to select", "View less", "more"]
RAW = [r"\bNone\b", r"\bnan\b", r"\bNaN\b", r"\bosm_file\b", r"\b[a-z]+_[a-z_]*id\b", r"\b\w+_\w+\b(?=:)",
       r"\baddr:", r"\b[a-z_]+(:[a-z_]+)*=[a-z_0-9]+", r"<geometry>", r"\b\d+ ft\b", r"\bft\b", r"\bmi\b"]

# The visible text of the page, with the placeholders of its inputs and its tables' cells.
VISIBLE_TEXT = """() => {
  const icons = document.createElement('style');  // an icon's name is a ligature: the reader sees a symbol
  icons.textContent = '[data-testid="stIconMaterial"] {display: none !important}';
  document.head.appendChild(icons);
  const own = document.body.innerText;
  icons.remove();
  const placeholders = Array.from(document.querySelectorAll('input[placeholder], textarea[placeholder]'))
    .filter(e => e.offsetParent !== null).map(e => e.placeholder);
  // A table is drawn on a canvas; its cells are also in an accessible grid, one by one.
  const cells = Array.from(document.querySelectorAll('[data-testid="stDataFrame"] table [role="gridcell"],' +
    ' [data-testid="stDataFrame"] table [role="columnheader"], [data-testid="stDataFrame"] table td,' +
    ' [data-testid="stDataFrame"] table th')).map(c => c.textContent);
  return [own, ...placeholders, ...cells].join('\\n');
}"""

# Buttons, labels, tabs and options whose text does not fit in them.
CUT_TEXT = """() => {
  const cut = [];
  const selector = 'button, [role="tab"], [role="radio"], [role="option"], label, [data-testid="stWidgetLabel"],' +
    ' [data-testid="stSidebarNav"] a, [data-testid="stExpander"] summary';
  for (const el of document.querySelectorAll(selector)) {
    const box = el.getBoundingClientRect();
    if (!el.innerText.trim() || box.width === 0 || box.height === 0) continue;
    if (el.closest('[data-testid="stSidebar"][data-collapsed="true"]')) continue;  // off screen
    const style = getComputedStyle(el);
    if (style.visibility !== 'visible') continue;
    const parts = [el, ...el.querySelectorAll('p, span, div')];
    for (const part of parts) {
      if (!part.innerText || !part.innerText.trim()) continue;
      const s = getComputedStyle(part);
      const hides = s.overflow !== 'visible' || s.textOverflow === 'ellipsis';
      if (hides && part.scrollWidth > part.clientWidth + 1) { cut.push(el.innerText.trim() + ' (cut)'); break; }
      const range = document.createRange();
      range.selectNodeContents(part);
      const text = range.getBoundingClientRect();
      if (text.width && (text.left < box.left - 1 || text.right > box.right + 1)) {
        cut.push(el.innerText.trim() + ' (overflows)'); break;
      }
    }
  }
  return cut;
}"""

OVERFLOW = """() => {
  const wide = [document.documentElement, document.querySelector('[data-testid="stMain"]')]
    .filter(e => e && e.scrollWidth > window.innerWidth + 1).map(e => e.tagName + ' ' + e.scrollWidth);
  return wide;
}"""


def half_way(home) -> int:
    """A store at ``home`` with the demo project as a BID manager has it half-way: a walk
    with observations, one accepted and a comment, the process started, a stakeholder, a
    second locality to compare with and entries in the change log. Returns the demo's id."""
    engine = audit.acting(open_store(f"sqlite:///{home / 'bidgeo.sqlite'}"), "anna")
    demo = ensure_demo(engine)
    create_project(engine, "Byn", locality="Byn", osm_path=REPO / "tests" / "data" / "taxonomy_cases.osm")
    walk = walks.create_walk(engine, demo.id, date(2026, 5, 20), "Handlarna", "Anna, Bertil", "Soligt")
    uuids = []
    for area, kind, rating, comment in [("place_brand", "strength", 4, "Skylten vid infarten syns bra"),
                                        ("offering", "challenge", 2, "Ingen bankomat i centrum"),
                                        ("clean_safe", "idea", 3, "Belysning i gångtunneln")]:
        uuid = walks.new_uuid()
        walks.save_observation(engine, demo.id, walk, uuid, {
            "focus_area": area, "kind": kind, "rating": rating, "comment": comment, "lon": 26.9485,
            "lat": 60.5228, "position_source": "gps", "accuracy_m": 8, "author": "Anna"})
        uuids.append(uuid)
    walks.save_assessment(engine, walk, "Handlarna", {"place_brand": (5, "Bra"), "offering": (3, ""),
                                                      "place": (4, ""), "accessibility": (2, ""),
                                                      "clean_safe": (3, "")})
    review.set_state(engine, demo.id, uuids[0], "accepted", by="Styrgruppen")
    review.add_comment(engine, demo.id, uuids[1], "Styrgruppen", "Kontakta banken")
    process.start_process(engine, demo.id, date(2026, 4, 1))
    stakeholders.add(engine, demo.id, name="Karhulan kirjasto", notes="Positiv")
    engine.dispose()
    return demo.id


@pytest.fixture(scope="module")
def full_app(tmp_path_factory):
    home = tmp_path_factory.mktemp("pages-home")
    demo = half_way(home)
    env = {**os.environ, "BIDGEO_HOME": str(home)}
    env.pop("BIDGEO_DATABASE_URL", None)
    with serve_app(home, env) as url:
        yield url, demo


def _idle(page) -> None:
    """Until the page's run has ended and its maps stand still."""
    page.locator('[data-testid="stMain"] h1').first.wait_for(timeout=90_000)
    page.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"] [data-testid=\"stSpinner\"],"
                           " [data-testid=\"stStatusWidget\"] img')", timeout=90_000)
    page.wait_for_timeout(500)
    _settle(page, timeout=60)


def _maps_text(page) -> str:
    texts = []
    for frame in page.frames:
        if "streamlit_folium" in frame.url and not frame.is_detached():
            try:
                texts.append(frame.evaluate("document.body ? document.body.innerText : ''"))
            except Exception:  # a frame going away under us
                pass
    return "\n".join(texts)


def _leftovers(text: str) -> list[str]:
    found = [word for word in ENGLISH if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text)]
    for pattern in RAW:
        found += [m.group(0) for m in re.finditer(pattern, text)]
    return found


def _screenshot(page, name: str) -> None:
    """The whole page, however long (Streamlit scrolls inside its main area, so the window is
    made as tall as the page for the picture; its width stays)."""
    width, height = page.viewport_size["width"], page.viewport_size["height"]
    tall = page.evaluate("Math.max(...Array.from(document.querySelectorAll('[data-testid=\"stMain\"],"
                         " [data-testid=\"stMainBlockContainer\"]')).map(e => e.scrollHeight))")
    page.set_viewport_size({"width": width, "height": max(height, min(int(tall) + 40, 12_000))})
    page.wait_for_timeout(800)
    page.screenshot(path=str(SCREENS / f"{name}-{width}x{height}.png"))
    page.set_viewport_size({"width": width, "height": height})
    page.wait_for_timeout(300)


def _check(page, name: str) -> list[str]:
    problems = [f"{name}: {word!r}" for word in _leftovers(page.evaluate(VISIBLE_TEXT) + "\n" + _maps_text(page))]
    problems += [f"{name}: cut text {text!r}" for text in page.evaluate(CUT_TEXT)]
    problems += [f"{name}: wider than the screen: {wide}" for wide in page.evaluate(OVERFLOW)]
    problems += [f"{name}: smaller than a finger: {target}" for target in page.evaluate(SMALL_TARGETS)]
    return problems


# Touch targets smaller than a finger (44 x 44 px): the sidebar's links and its open and close
# buttons, and the open button says what it opens.
SMALL_TARGETS = """() => {
  const small = [];
  const open = document.querySelector('[data-testid="stSidebar"]').getAttribute('data-collapsed') === 'false';
  const targets = [...document.querySelectorAll(open ? '[data-testid="stSidebarNavLink"]' : '[data-testid="stExpandSidebarButton"]')];
  for (const el of targets) {
    const box = el.getBoundingClientRect();
    if (box.height < 44 || box.width < 44) small.push((el.innerText || el.getAttribute('aria-label')) + ` ${box.width}x${box.height}`);
  }
  const expand = document.querySelector('[data-testid="stExpandSidebarButton"]');
  if (!open && getComputedStyle(expand, '::after').content !== '"Meny"') small.push('the menu button has no label');
  return small;
}"""
DRAW_TOOLS = ("Array.from(document.querySelectorAll('.leaflet-draw-toolbar a')).filter(a => a.offsetParent)"
              ".map(a => a.getBoundingClientRect()).filter(b => b.width < 44 || b.height < 44).length")


def _small_draw_tools(page, timeout: float = 30) -> int | None:
    """How many draw tools on the page's editor map are smaller than 44 x 44 px (None: no
    editor appeared; a map below the fold loads once scrolled to)."""
    maps = page.locator('iframe[title="streamlit_folium.st_folium"]')
    deadline = time.time() + timeout
    while time.time() < deadline:
        for i in range(maps.count()):
            maps.nth(i).scroll_into_view_if_needed()
        for frame in page.frames:
            try:
                if "streamlit_folium" in frame.url and not frame.is_detached() and \
                        frame.evaluate("!!document.querySelector('.leaflet-draw-toolbar a')"):
                    return frame.evaluate(DRAW_TOOLS)
            except Exception:  # a frame going away under us
                pass
        page.wait_for_timeout(500)
    return None


def _toggle_sidebar(page) -> None:
    """Close the sidebar if it is open, else open it; until it is."""
    sidebar = page.locator('[data-testid="stSidebar"]')
    was = sidebar.get_attribute("data-collapsed")
    if was == "false":
        page.locator('[data-testid="stSidebarCollapseButton"] button').evaluate("button => button.click()")  # shown on hover
    else:
        page.locator('[data-testid="stExpandSidebarButton"]').click()
    page.wait_for_function("was => document.querySelector('[data-testid=stSidebar]')"
                           ".getAttribute('data-collapsed') !== was", arg=was, timeout=10_000)
    page.wait_for_timeout(800)  # it slides


@pytest.mark.parametrize("width, height", SIZES)
def test_every_page_in_swedish_fits_a_tablet(browser, full_app, width, height):  # noqa: F811
    url, demo = full_app
    SCREENS.mkdir(parents=True, exist_ok=True)
    problems = []
    with _browsing(browser, url, width, height) as (page, seen):
        for path, *_ in PAGES:
            name = path.removeprefix("app_pages/").removesuffix(".py")
            page.goto(f"{url}/{'' if name == 'start' else name}?project={demo}")
            _idle(page)
            problems += _check(page, name)
            if name == "area":
                assert _small_draw_tools(page) == 0, "draw tools smaller than 44 x 44 px"
            _screenshot(page, name)
            if name == "walk":  # the focus areas with the sidebar the other way, and the other views
                _toggle_sidebar(page)
                problems += _check(page, name + " (sidebar toggled)")
                _screenshot(page, "walk-sidebar-toggled")
                _toggle_sidebar(page)
                for view in WALK_VIEWS:
                    page.get_by_role("radio", name=view).click()
                    _idle(page)
                    problems += _check(page, f"walk: {view}")
                    _screenshot(page, "walk-" + view.split()[0].lower())
        assert seen["errors"] == [], seen["errors"]
    assert problems == [], "\n".join(problems)
