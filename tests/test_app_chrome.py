"""AppTest of ``ui.chrome``, Streamlit's own parts of every page: its English widget texts
replaced in the user's language by one script, the menu button labelled, and every table saying
a missing value as "–" (the browser test ``test_browser_pages`` sees them on every page)."""

from __future__ import annotations

import json
import re

import ui
from bidgeo.i18n import t
from conftest import open_page


def _chrome(at) -> str:
    [html] = [h.proto.body for h in at.html if "bidgeo-chrome" in h.proto.body and "<script>" in h.proto.body]
    return html


def _texts(html: str) -> dict:
    return json.loads(re.search(r"window\.bidgeoTexts = (\{.*?\});\n", html, re.S).group(1))


def test_streamlits_texts_are_said_in_the_users_language_on_every_page(fake_map):
    at = open_page("app_pages/start.py")
    assert not at.exception
    swedish = _texts(_chrome(at))
    assert swedish["exact"]["Upload"] == "Välj fil"
    assert swedish["exact"]["Choose options"] == "Välj" and swedish["exact"]["No results"] == "Inga träffar"
    assert swedish["exact"]["Take Photo"] == "Ta fotot" and swedish["exact"]["Expand sidebar"] == "Öppna menyn"
    [limit] = [replacement for pattern, replacement in swedish["patterns"] if "per file" in pattern]
    assert limit == "Högst {value} per fil"
    assert all(text and not re.search(r"\b(the|file|files|option)\b", text) for text in swedish["exact"].values())
    assert 'content:"Meny"' in _chrome(at)  # the menu button in portrait says what it opens

    at.selectbox(key="lang").set_value("en").run()  # English: Streamlit's own texts stay as they are
    english = _texts(_chrome(at))
    assert {source: said for source, said in english["exact"].items() if source != said} == {
        "Upload directories": "Upload", "Drag and drop file here": "Drag and drop a file here",
        "Browse files": "Upload", "Delete": "Remove", "Select...": "Choose an option", "Clear value": "Clear all",
        "Clear selection": "Clear all", "Stopping...": "Running...", "Please wait...": "Connecting"}
    assert 'content:"Menu"' in _chrome(at)


def test_a_table_says_a_missing_value_as_a_dash(fake_map):
    """The demo has no bank: its median walking distance is missing, and the table says "–",
    not Streamlit's "None"."""
    at = open_page("app_pages/coverage.py")
    assert not at.exception
    table = at.dataframe[0].value
    without = table[table["Antal"] == 0]  # e.g. no bank
    assert len(without) and (without[t("col_median")] == "–").all()  # said in the page's own numbers
    assert {frame.proto.placeholder for frame in at.dataframe} == {"–"}
    assert ui.chrome.MISSING == "–"
