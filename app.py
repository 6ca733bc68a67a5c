"""bidgeo's Streamlit entry point: navigation and the shared sidebar, nothing else.

Run with ``streamlit run app.py`` (see README.md). With accounts on (``BIDGEO_AUTH=1``) the
login comes first, and the navigation holds only the pages the user's role in the current
project may use (``bidgeo.accounts.ACTIONS``); each page checks the role again itself."""

from pathlib import Path

import streamlit as st

import ui
from ui.chrome import chrome
from bidgeo.i18n import LANGUAGES

st.set_page_config(page_title="bidgeo", page_icon="🗺️", layout="wide")

LANGUAGE_NAMES = {"sv": "Svenska", "en": "English"}

# (page, title, icon, the action it needs); the start page is always there.
PAGES = [
    ("app_pages/start.py", "page_start", ":material/home:", None),
    ("app_pages/process.py", "page_process", ":material/timeline:", "manage"),
    ("app_pages/area.py", "page_area", ":material/map:", "edit_area"),
    ("app_pages/walk.py", "page_walk", ":material/hiking:", "record"),
    ("app_pages/analysis.py", "page_analysis", ":material/analytics:", "view"),
    ("app_pages/review.py", "page_review", ":material/fact_check:", "review"),
    ("app_pages/plan.py", "page_plan", ":material/request_quote:", "review"),
    ("app_pages/budget.py", "page_budget", ":material/account_balance:", "review"),
    ("app_pages/services.py", "page_services", ":material/storefront:", "manage"),
    ("app_pages/stakeholders.py", "page_stakeholders", ":material/groups:", "manage"),
    ("app_pages/premises.py", "page_premises", ":material/store:", "view"),
    ("app_pages/coverage.py", "page_coverage", ":material/directions_walk:", "view"),
    ("app_pages/compare.py", "page_compare", ":material/compare_arrows:", "view"),
    ("app_pages/followup.py", "page_followup", ":material/monitoring:", "view"),
    ("app_pages/audit.py", "page_audit", ":material/history:", "manage"),
]


def pages(allowed) -> dict:
    """The pages the user may open, by name (the file's stem)."""
    return {Path(path).stem: st.Page(path, title=ui.t(title), icon=icon, default=action is None)
            for path, title, icon, action in PAGES if action is None or allowed(action)}


ui.check_served_safely()
chrome()  # Streamlit's own texts in the user's language, its controls for a finger
user = ui.current_user()  # None in single-user mode
if ui.login_needed():
    # Every page known but hidden, and none run: the address asked for (a page, its project and
    # observation) is still there after the login.
    st.navigation(list(pages(lambda action: True).values()), position="hidden")
    ui.login()  # the form, then stop

available = {p.id: p.name for p in ui.projects()}
if available and st.session_state.get("project_id") not in available:  # a reload keeps the project in the address
    asked = st.query_params.get("project", "")
    st.session_state["project_id"] = int(asked) if asked.isdigit() and int(asked) in available \
        else next(iter(available))

allowed = pages(ui.can)
page = st.navigation(list(allowed.values()), expanded=True)  # every page in sight, none behind "View more"

with st.sidebar:
    st.selectbox(ui.t("language"), LANGUAGES, format_func=LANGUAGE_NAMES.get, key="lang")
    if available:
        st.selectbox(ui.t("project"), list(available), format_func=available.get, key="project_id")
        st.query_params["project"] = str(st.session_state["project_id"])
    if user is not None:
        mine = ui.role()
        st.caption(ui.say("logged_in_as", name=user.name) + (" · " + ui.t(f"role_{mine}") if mine else ""))
        st.button(ui.t("logout"), key="logout", on_click=ui.logout, icon=":material/logout:")

ui.run_page(page, allowed)
