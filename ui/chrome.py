"""Streamlit's own parts of every page, made right for a tablet in the user's language, in
one place: its widgets' built-in English texts ("Upload", "Choose options", "Take Photo", ...,
which Streamlit has no option for) said in the user's language, and its controls (the sidebar's
links and its open and close buttons) big enough for a finger, the open button labelled.

``app.py`` calls :func:`chrome` once per run. One style and one script go into the page; the
script rewrites Streamlit's texts wherever they appear (also in a drop-down list opened later)
and puts back the English ones when the user switches to English. User text is never touched:
only Streamlit's own texts, matched whole, outside Markdown and plain text.

Every table (``st.dataframe``, ``st.data_editor``) shows a missing value as "–", never as
Streamlit's "None": importing ``ui`` sets that default once, for every page."""

from __future__ import annotations

import functools
import json

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

import ui

# Streamlit's texts (as its 1.67 front end writes them, whole) and the catalogue key of each.
TEXTS = {
    "Upload": "st_upload", "Upload directories": "st_upload", "Add files": "st_add_files",
    "Drag and drop files here": "st_drop_files", "Drag and drop a file here": "st_drop_file",
    "Drag and drop file here": "st_drop_file", "Browse files": "st_upload",
    "File type not allowed.": "st_file_type", "Remove": "st_remove", "Delete": "st_remove",
    "Choose options": "st_choose_options", "Choose an option": "st_choose_option", "Select...": "st_choose_option",
    "Select all": "st_select_all", "No results": "st_no_results", "No options to select": "st_no_options",
    "Clear all": "st_clear_all", "View less": "st_view_less",
    "Clear value": "st_clear_all", "Clear selection": "st_clear_all",
    "Take Photo": "st_take_photo", "Clear photo": "st_clear_photo", "Switch camera": "st_switch_camera",
    "This app would like to use your camera.": "st_camera_ask", "Learn how to allow access.": "st_camera_help",
    "Running...": "st_running", "Stop": "st_stop", "Stopping...": "st_running", "Rerun": "st_rerun",
    "Connecting": "st_connecting", "Please wait...": "st_connecting", "Connection error": "st_connection_error",
    "Skip to main content": "st_skip", "Expand sidebar": "st_open_menu", "Collapse sidebar": "st_close_menu",
    "Download as CSV": "st_download_csv", "Search": "st_search", "Fullscreen": "st_fullscreen",
    "Close fullscreen": "st_close_fullscreen", "Show/hide columns": "st_columns",
    "Increment": "st_increment", "Decrement": "st_decrement", "Choose date": "st_choose_date",
}
# Streamlit's texts with a value in them: a pattern (JavaScript) and the catalogue key of what
# replaces it, whose {value} is the pattern's first group.
PATTERNS = [
    (r"^(?:Limit )?(\d+(?:\.\d+)?\s?[KMG]B) per file", "st_limit"),
    (r"^Press (.+) to apply$", "st_press_to_apply"),
    (r"^Press (.+) to submit form$", "st_press_to_submit"),
    (r"^View (\d+) more$", "st_view_more"),
]

STYLE = """
[data-testid="stSidebarNavLink"] {min-height:44px; align-items:center;}
[data-testid="stSidebarCollapseButton"] button, [data-testid="stExpandSidebarButton"] {min-width:44px; min-height:44px;}
[data-testid="stExpandSidebarButton"] {width:auto; padding:0 0.6rem; gap:0.3rem; border:1px solid rgba(49,51,63,0.3);
  border-radius:0.5rem; background:#fff;}
[data-testid="stExpandSidebarButton"]::after {content:MENU; font-size:1rem; color:rgb(49,51,63);}
[data-testid="stSidebarUserContent"] .stElementContainer:has(.bidgeo-chrome) {display:none;}
@media (max-width: 1100px) {
  [data-testid="stMainBlockContainer"] {padding-left:1.25rem; padding-right:1.25rem;}
}
"""

SCRIPT = r"""
(() => {
  window.bidgeoTexts = TEXTS;
  if (window.bidgeoChrome) { window.bidgeoChrome(document.body); return; }
  const done = new WeakMap();  // node -> {attribute or "": [Streamlit's text, what it says now]}
  // User text is in Markdown, plain text and inputs; Streamlit's own texts are too, in its
  // uploader's and camera's buttons.
  const user = '[data-testid="stMarkdownContainer"], [data-testid="stText"], [data-testid="stCode"], ' +
    'textarea, [contenteditable="true"]';
  const own = '[data-testid="stFileUploader"] button, [data-testid="stCameraInput"] button';
  const skipped = (element) => element.closest(user) && !element.closest(own);
  const say = (text) => {
    const {exact, patterns} = window.bidgeoTexts;
    const whole = text.trim();
    if (!whole) return text;
    if (Object.hasOwn(exact, whole)) return text.replace(whole, exact[whole]);
    for (const [pattern, replacement] of patterns) {
      const found = whole.match(new RegExp(pattern));
      if (found) return text.replace(found[0], replacement.replace('{value}', found[1].replace(/(\d)([KMG]B)$/, '$1 $2')));
    }
    return text;
  };
  const rewrite = (node, name, now, set) => {
    const mine = done.get(node) || {};
    const source = mine[name] && mine[name][1] === now ? mine[name][0] : now;
    const said = say(source);
    if (said !== now) set(said);
    mine[name] = [source, said];
    done.set(node, mine);
  };
  const visit = (root) => {
    if (!root) return;
    if (root.nodeType === Node.TEXT_NODE) {
      if (!root.parentElement || skipped(root.parentElement)) return;
      rewrite(root, '', root.data, (text) => { root.data = text; });
      return;
    }
    if (root.nodeType !== Node.ELEMENT_NODE || skipped(root)) return;
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT | NodeFilter.SHOW_ELEMENT);
    for (let node = root; node; node = walker.nextNode()) {
      if (node.nodeType === Node.TEXT_NODE) { visit(node); continue; }
      for (const name of ['placeholder', 'aria-label', 'title']) {
        if (node.hasAttribute(name)) rewrite(node, name, node.getAttribute(name), (t) => node.setAttribute(name, t));
      }
    }
  };
  window.bidgeoChrome = visit;
  new MutationObserver((changes) => {
    for (const change of changes) {
      if (change.type === 'childList') change.addedNodes.forEach(visit);
      else visit(change.target);
    }
  }).observe(document.body, {childList: true, subtree: true, characterData: true, attributes: true,
                             attributeFilter: ['placeholder', 'aria-label', 'title']});
  visit(document.body);
})();
"""


def chrome() -> None:
    """The style and the script, in the user's language (see the module's description)."""
    texts = {"exact": {source: ui.t(key) for source, key in TEXTS.items()},
             "patterns": [[pattern, ui.t(key, value="{value}")] for pattern, key in PATTERNS]}
    style = STYLE.replace("MENU", json.dumps(ui.t("st_menu")))
    script = SCRIPT.replace("TEXTS", json.dumps(texts, ensure_ascii=False), 1)
    with st.sidebar:
        st.html(f'<style>{style}</style><span class="bidgeo-chrome"></span><script>{script}</script>',
                unsafe_allow_javascript=True)


MISSING = "–"


def _missing_as_dash(show):
    @functools.wraps(show)
    def table(self, *args, **kwargs):
        kwargs.setdefault("placeholder", MISSING)
        return show(self, *args, **kwargs)
    table.bidgeo_missing = MISSING
    return table


if not hasattr(DeltaGenerator.dataframe, "bidgeo_missing"):  # once, however often this is imported
    DeltaGenerator.dataframe = _missing_as_dash(DeltaGenerator.dataframe)
    DeltaGenerator.data_editor = _missing_as_dash(DeltaGenerator.data_editor)
st.dataframe, st.data_editor = st._main.dataframe, st._main.data_editor
