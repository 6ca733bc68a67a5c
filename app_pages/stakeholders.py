"""Step 1: the stakeholder register. Candidates from OSM inside the current area, manual
additions, status towards a letter of intent, filters and exports."""

import streamlit as st

import ui
from bidgeo import stakeholders
from bidgeo.area_versions import current_version
from bidgeo.errors import BidgeoError
from bidgeo.focus import FOCUS_AREAS


def label(column: str, key) -> str:
    return stakeholders.choice_label(column, key, ui.lang())


project = ui.project_page("sh_title", "sh_intro")
ui.require("manage")
engine, lang = ui.store(), ui.lang()
if "sh_message" in st.session_state:
    st.success(st.session_state.pop("sh_message"))

# --- candidates from OSM ------------------------------------------------------------------
st.subheader(ui.t("sh_candidates_heading"))
area = current_version(engine, project.id)
osm = ui.project_osm(project)
if area is None or osm is None:
    st.info(ui.t("sh_need_area"))
else:
    found = stakeholders.candidates(osm.businesses, area.geometry, lang)
    known = set(stakeholders.register(engine, project.id)[["osm_type", "osm_id"]].itertuples(index=False))
    new = found[[(t, i) not in known for t, i in zip(found["osm_type"], found["osm_id"])]]
    if new.empty:
        st.info(ui.t("sh_candidates_none"))
    else:
        st.dataframe(new[["name", "category", "address"]].rename(columns={
            "name": ui.t("col_name"), "category": ui.t("col_category"), "address": ui.t("col_address")}),
            hide_index=True)
        if st.button(ui.t("add_candidates_button"), key="sh_add_candidates", type="primary"):
            with ui.busy(ui.t("busy_saving")):
                added = stakeholders.add_candidates(engine, project.id, new)
            st.session_state["sh_message"] = ui.t("candidates_added", count=added)
            st.rerun()

# --- the register -------------------------------------------------------------------------
st.subheader(ui.t("sh_register_heading"))
left, middle, right = st.columns(3)
status = left.selectbox(ui.t("sh_filter_status"), [None, *stakeholders.STATUSES], key="sh_status",
                        format_func=lambda s: label("status", s) if s else ui.t("all"))
role = middle.selectbox(ui.t("sh_filter_role"), [None, *stakeholders.ROLES], key="sh_role",
                        format_func=lambda r: label("role", r) if r else ui.t("all"))
steering_only = right.checkbox(ui.t("sh_filter_steering"), key="sh_steering")
table = stakeholders.register(engine, project.id, status=status, role=role,
                              steering_group=True if steering_only else None)
if table.empty:
    st.info(ui.t("sh_empty"))
else:
    config = {c: st.column_config.TextColumn(ui.t(f"col_{c}")) for c in stakeholders.EDITABLE}
    for column in stakeholders.CHOICES:
        config[column] = st.column_config.SelectboxColumn(
            ui.t(f"col_{column}"), options=stakeholders.choice_labels(column, lang), required=True)
    config["steering_group"] = st.column_config.CheckboxColumn(ui.t("col_steering_group"))
    for column in stakeholders.NUMBERS:  # what the business plan's contribution models read
        config[column] = st.column_config.NumberColumn(ui.t(f"col_{column}"), min_value=0, format="%d")
    edited = st.data_editor(stakeholders.editable(table, lang), column_config=config,
                            key=f"sh_editor_{project.id}", width="stretch", num_rows="fixed")
    if st.button(ui.t("sh_save_changes"), key="sh_save"):
        try:
            with ui.busy(ui.t("busy_saving")):
                stakeholders.update(engine, project.id, stakeholders.edits(table, edited, lang))
        except BidgeoError as exc:
            ui.show_error(exc)
        else:
            st.session_state["sh_message"] = ui.t("sh_saved")
            st.rerun()

    st.markdown(f"**{ui.t('sh_export_heading')}**")
    contacts = st.checkbox(ui.t("sh_include_contacts"), key="sh_contacts")
    export = stakeholders.export_table(table, lang, include_contacts=contacts)
    left, right = st.columns(2)
    name = f"intressenter-{project.id}{'-kontakter' if contacts else ''}"
    left.download_button(ui.t("download_csv"), stakeholders.to_csv(export), f"{name}.csv", "text/csv")
    right.download_button(ui.t("download_xlsx"), stakeholders.to_xlsx(export), f"{name}.xlsx",
                          "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

# --- add by hand --------------------------------------------------------------------------
with st.expander(ui.t("sh_add_heading"), expanded=table.empty):
    with st.form("sh_add", clear_on_submit=True):
        values = {"name": st.text_input(ui.t("col_name"), max_chars=300, key="sh_new_name")}
        left, right = st.columns(2)
        values["role"] = left.selectbox(ui.t("col_role"), stakeholders.ROLES, index=1, key="sh_new_role",
                                        format_func=lambda r: label("role", r))
        values["status"] = right.selectbox(ui.t("col_status"), stakeholders.STATUSES,
                                           format_func=lambda s: label("status", s))
        values["category"] = left.text_input(ui.t("col_category"), max_chars=200)
        values["address"] = right.text_input(ui.t("col_address"), max_chars=300)
        values["focus_group"] = left.selectbox(ui.t("col_focus_group"), [None, *FOCUS_AREAS],
                                               format_func=lambda f: label("focus_group", f))
        values["steering_group"] = right.checkbox(ui.t("col_steering_group"))
        values["contact_name"] = left.text_input(ui.t("col_contact_name"), max_chars=200)
        values["contact_email"] = right.text_input(ui.t("col_contact_email"), max_chars=200,
                                                   key="sh_new_contact_email")
        values["contact_phone"] = left.text_input(ui.t("col_contact_phone"), max_chars=50)
        values["notes"] = st.text_area(ui.t("col_notes"), max_chars=2000)
        if st.form_submit_button(ui.t("add_button"), type="primary", key="sh_new_add"):
            try:
                stakeholders.add(engine, project.id, **values)
            except BidgeoError as exc:
                ui.show_error(exc)
            else:
                st.session_state["sh_message"] = ui.say("sh_added", name=values["name"].strip())
                st.rerun()
