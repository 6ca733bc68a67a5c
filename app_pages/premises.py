"""Ground-floor premises and vacancy: the vacancy map in status colours, the vacancy rate by
count and by floor area now or on a chosen date, and over time, vacancies per street and the
register; an admin imports a file, accepts OSM suggestions or changes a status. The parts are
in :mod:`ui.premises`."""

from datetime import date

import streamlit as st

import ui
import ui.premises as parts
from bidgeo import charts, maps, premises
from bidgeo.area_versions import current_version

project = ui.project_page("premises_title", "premises_intro")
ui.require("view")
engine, lang = ui.store(), ui.lang()
if "pm_message" in st.session_state:
    st.success(st.session_state.pop("pm_message"))
area = current_version(engine, project.id)
at = st.date_input(ui.t("premises_at"), value=date.today(), max_value=date.today(), key="pm_at", format="YYYY-MM-DD")
register = premises.register(engine, project.id, at)

parts.figures(premises.summary(register))
ui.show_map(ui.cached_map(maps.vacancy_map, ui.project_osm(project), register, lang,
                          area.geometry if area else None),
            key=f"pm_map-{project.id}-{at}-{len(register)}", height=480)
timeline = premises.timeline(engine, project.id)
if len(timeline) > 1:
    st.subheader(ui.t("premises_over_time"))
    st.image(ui.cached(charts.vacancy_png, timeline, lang))
if len(register):
    st.subheader(ui.t("premises_per_street"))
    parts.streets_table(register)
    st.subheader(ui.t("premises_register"))
    parts.register_table(register, with_owners=ui.can("personal_data"))
else:
    st.info(ui.t("premises_none"))

if ui.can("manage"):
    with st.expander(ui.t("premises_import_heading"), icon=":material/upload_file:"):
        parts.import_file(project, area.geometry if area else None)
    with st.expander(ui.t("premises_suggest_heading"), icon=":material/storefront:"):
        parts.osm_suggestions(project, area.geometry if area else None)
    with st.expander(ui.t("premises_status_heading"), icon=":material/edit:"):
        parts.change_status(project, premises.register(engine, project.id))
