"""User text is shown as plain text everywhere: comments, names, notes and decisions that hold
Markdown, HTML, $LaTeX$ or :shortcodes: are shown as written and never interpreted (no image
fetched, no link, no emphasis). Under AppTest every element that Streamlit renders as Markdown
is read as its Markdown source; the browser test (test_browser.py) checks the same in Chromium."""

from __future__ import annotations

import re
from datetime import date

import pytest

import ui
from bidgeo import process, review, stakeholders, walks
from bidgeo.demo import ensure_demo
from bidgeo.projects import create_project
from conftest import open_page
from test_walks import obs

# What a careless or hostile user may type: each would be an image, a link, HTML, maths, an
# emoji, coloured text, an icon or bold if it reached Markdown.
PAYLOADS = {
    "image": "![pixel](http://127.0.0.1:9/pixel.png)",
    "link": "[klicka här](http://127.0.0.1:9/)",
    "html": "<img src=x onerror=alert(1)>",
    "latex": "$x^2$",
    "emoji": ":smile:",
    "colour": ":red[röd text]",
    "icon": ":material/home:",
    "bold": "**fet**",
    "autolink": "www.example.com",
}
HOSTILE = " ".join(PAYLOADS.values())


def markdown_sources(at) -> list[str]:
    """The Markdown source of every element AppTest sees that Streamlit renders as Markdown."""
    sources = []
    for kind in ("markdown", "caption", "success", "info", "warning", "error", "title", "header", "subheader"):
        sources += [element.value for element in getattr(at, kind)]
    sources += [button.label for button in at.button]
    return sources


def assert_shown_as_written(at, where: str) -> None:
    assert not at.exception, where
    for source in markdown_sources(at):
        for name, payload in PAYLOADS.items():
            assert payload not in source, (where, name, source)
        assert not re.search(r"(?<!\\)\]\(http|(?<!\\)<img", source), (where, source)


@pytest.fixture
def hostile_project(fake_map):
    engine = ui.store()
    demo = ensure_demo(engine)
    walk = walks.create_walk(engine, demo.id, date(2026, 5, 12), HOSTILE, participants=HOSTILE)
    uuid = walks.new_uuid()
    walks.save_observation(engine, demo.id, walk, uuid, obs(comment=HOSTILE, author=HOSTILE))
    review.set_state(engine, demo.id, uuid, "accepted", by=HOSTILE)
    review.add_comment(engine, demo.id, uuid, HOSTILE, HOSTILE)
    review.create_action(engine, demo.id, HOSTILE, "place", uuid=uuid, owner=HOSTILE)
    process.start_process(engine, demo.id, date(2026, 4, 1))
    process.add_meeting(engine, demo.id, date(2026, 5, 20), HOSTILE, HOSTILE, [uuid])
    stakeholders.add(engine, demo.id, name=HOSTILE, notes=HOSTILE)
    named = create_project(engine, HOSTILE, locality=HOSTILE, municipality=HOSTILE)
    return engine, demo, named, uuid


def test_the_review_shows_comments_and_names_as_written(hostile_project):
    _, demo, _, _ = hostile_project
    at = open_page("app_pages/review.py", demo.id)
    assert_shown_as_written(at, "review")
    shown = [x.value for x in at.text]
    assert shown.count(HOSTILE) >= 2  # the walker's comment and the reviewer's, as plain text
    assert any(ui.literal(HOSTILE) in c.value for c in at.caption)  # the walker's name, made literal


def test_the_analysis_shows_comments_as_written(hostile_project):
    _, demo, _, _ = hostile_project
    at = open_page("app_pages/analysis.py", demo.id)
    at.segmented_control(key="an_focus").set_value("place").run()  # the observation's focus area
    assert_shown_as_written(at, "analysis")
    assert HOSTILE in [x.value for x in at.text]


def test_a_project_named_with_markdown_is_named_as_written(hostile_project):
    _, _, named, _ = hostile_project
    at = open_page("app_pages/start.py", named.id)
    assert_shown_as_written(at, "start")
    heading = at.subheader[0].value
    assert heading.startswith("Översiktskarta: !\\[pixel\\](http\\:\u2060//127.0.0.1\\:\u20609/pixel.png)")
    at = open_page("app_pages/compare.py", named.id)
    assert_shown_as_written(at, "compare")


def test_meetings_and_stakeholders_are_shown_as_written(hostile_project):
    _, demo, _, _ = hostile_project
    at = open_page("app_pages/process.py", demo.id)
    assert_shown_as_written(at, "process")
    assert [x.value for x in at.text].count(HOSTILE) >= 2  # participants and decisions
    at = open_page("app_pages/stakeholders.py", demo.id)
    assert_shown_as_written(at, "stakeholders")


def test_literal_keeps_every_character_and_stops_every_markdown_construct():
    for payload in [*PAYLOADS.values(), "a_b_c *x* `code` # rubrik\n- lista\n> citat", "<- -> >= ~= 1.5 kr"]:
        made = ui.literal(payload)
        unescaped = re.sub(r"\\(.)", r"\1", made).replace("\u2060", "")
        assert unescaped == " ".join(payload.split())  # the same text, on one line
        assert not re.search(r"(?<!\\)[\[\]*_`#<>$:~&]", made.replace("\u2060", ""))  # no bare mark
        assert not re.search(r":[\w/-]+:", made)  # no shortcode for Streamlit to find after the escapes
    assert ui.literal("6\u00a0000 kr,\n 4,8\u00a0%") == "6\u00a0000 kr, 4,8\u00a0%"  # numbers keep their no-break spaces


def test_the_walk_shows_names_and_comments_as_written(hostile_project):
    engine, demo, _, _ = hostile_project
    walk = walks.walks(engine, demo.id)[0]
    from bidgeo import focus

    walks.save_assessment(engine, walk.id, HOSTILE, {key: (5, HOSTILE) for key in focus.FOCUS_AREAS})
    at = open_page("app_pages/walk.py", demo.id)
    assert_shown_as_written(at, "walk")
    from ui.walk.choose import VIEWS

    for view in VIEWS:
        at.segmented_control(key="walk_view").set_value(view).run()
        assert_shown_as_written(at, f"walk {view}")
