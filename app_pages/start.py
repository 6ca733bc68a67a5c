"""Start page: choose or create a project, and see its locality's services on a map."""

import streamlit as st

import ui
from bidgeo import config, maps
from bidgeo.errors import BidgeoError
from bidgeo.i18n import local_time
from bidgeo.projects import BID_TYPES, STAGES, create_project, create_project_from_upload
from bidgeo.services import inventory


def _create() -> None:
    """Create the project the form describes, with a progress bar of the extract's stages right
    under the form, and make it the current one."""
    state = st.session_state
    fields = dict(
        name=state["new_name"],
        locality=state["new_locality"],
        municipality=state["new_municipality"],
        bid_type=state["new_bid_type"],
    )
    upload = state.get("new_osm")
    try:
        if upload is None:
            with ui.busy(ui.t("busy_creating")):
                project = create_project(ui.store(), **fields)
        else:
            stages = ui.Stages(STAGES, {stage: ui.t(f"create_stage_{stage}") for stage in STAGES})
            project = create_project_from_upload(ui.store(), upload.getvalue(), upload.name, progress=stages,
                                                 **fields)
    except BidgeoError as exc:
        ui.show_error(exc)
        return
    ui.project_created(project)
    state["created_name"] = project.name
    ui.select_project(project.id)


st.title(ui.t("start_heading"))
st.caption(ui.t("start_intro"))

project = ui.current_project()
may_create = ui.can_anywhere("manage")  # in single-user mode always; with accounts, administrators
if project is None:
    st.info(ui.t("no_projects") if may_create else ui.t("auth_no_projects"))
    if not may_create:
        st.stop()
else:
    st.subheader(ui.say("overview_heading", name=project.name))
    st.caption(ui.say("project_facts", locality=project.locality or "–",
                    municipality=project.municipality or "–",
                    bid_type=ui.t(f"bid_type_{project.bid_type}"),
                    created=local_time(project.created_at, with_time=False)))
    with ui.busy(ui.t("busy_reading_osm")):
        services = ui.service_points(project)
        osm = ui.project_osm(project)
    if osm is None:
        st.info(ui.t("no_osm_data"))
    if len(services):
        st.markdown(maps.legend_html(services, ui.lang()), unsafe_allow_html=True)
    ui.show_map(ui.cached_map(maps.overview_map, osm, services, ui.lang()), key=f"overview-{project.id}")
    if len(services):
        st.subheader(ui.t("inventory_heading"))
        table = inventory(services, ui.lang())
        names = services.dropna(subset=["name"]).groupby("category")["name"].apply(
            lambda s: ", ".join(sorted(set(s))[:6]) + (" …" if s.nunique() > 6 else "")
        )
        table["names"] = table["category"].map(names).fillna("")
        st.dataframe(
            table[["label", "count", "names"]].rename(columns={
                "label": ui.t("col_category"), "count": ui.t("col_count"), "names": ui.t("col_names"),
            }),
            hide_index=True,
            width="stretch",
        )

if not may_create:
    st.stop()
if st.session_state.get("created_name"):
    st.success(ui.say("created", name=st.session_state.pop("created_name")))
with st.expander(ui.t("create_heading"), expanded=project is None):
    with st.form("create_project", clear_on_submit=False):
        st.text_input(ui.t("field_name"), key="new_name", max_chars=200)
        st.text_input(ui.t("field_locality"), key="new_locality", max_chars=200)
        st.text_input(ui.t("field_municipality"), key="new_municipality", max_chars=200)
        st.selectbox(ui.t("field_bid_type"), BID_TYPES, key="new_bid_type",
                     format_func=lambda key: ui.t(f"bid_type_{key}"))
        st.file_uploader(ui.t("field_osm_file"), key="new_osm", type=["osm", "pbf"],
                         max_upload_size=config.MAX_OSM_UPLOAD_MB,
                         help=ui.t("osm_file_limit", limit_mb=config.MAX_OSM_UPLOAD_MB))
        submitted = st.form_submit_button(ui.t("create_button"), type="primary")
    if submitted:
        _create()
