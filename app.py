"""bidgeo's Streamlit entry point: navigation and the shared sidebar, nothing else.

Run with ``streamlit run app.py`` (see README.md)."""

import streamlit as st

import ui
from bidgeo.i18n import LANGUAGES

st.set_page_config(page_title="bidgeo", page_icon="🗺️", layout="wide")

LANGUAGE_NAMES = {"sv": "Svenska", "en": "English"}

page = st.navigation([
    st.Page("app_pages/start.py", title=ui.t("page_start"), icon=":material/home:", default=True),
    st.Page("app_pages/process.py", title=ui.t("page_process"), icon=":material/timeline:"),
    st.Page("app_pages/area.py", title=ui.t("page_area"), icon=":material/map:"),
    st.Page("app_pages/walk.py", title=ui.t("page_walk"), icon=":material/hiking:"),
    st.Page("app_pages/analysis.py", title=ui.t("page_analysis"), icon=":material/analytics:"),
    st.Page("app_pages/review.py", title=ui.t("page_review"), icon=":material/fact_check:"),
    st.Page("app_pages/services.py", title=ui.t("page_services"), icon=":material/storefront:"),
    st.Page("app_pages/stakeholders.py", title=ui.t("page_stakeholders"), icon=":material/groups:"),
    st.Page("app_pages/coverage.py", title=ui.t("page_coverage"), icon=":material/directions_walk:"),
    st.Page("app_pages/compare.py", title=ui.t("page_compare"), icon=":material/compare_arrows:"),
])

with st.sidebar:
    st.selectbox(ui.t("language"), LANGUAGES, format_func=LANGUAGE_NAMES.get, key="lang")
    available = {p.id: p.name for p in ui.projects()}
    if available:
        if st.session_state.get("project_id") not in available:  # a reload keeps the project in the address
            asked = st.query_params.get("project", "")
            st.session_state["project_id"] = int(asked) if asked.isdigit() and int(asked) in available \
                else next(iter(available))
        st.selectbox(ui.t("project"), list(available), format_func=available.get, key="project_id")
        st.query_params["project"] = str(st.session_state["project_id"])

page.run()
