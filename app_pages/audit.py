"""The change log: who added, changed, deleted or restored what in the project (for its
administrators; ``bidgeo audit`` prints the same)."""

import pandas as pd
import streamlit as st

import ui
from bidgeo import audit, spreadsheet
from bidgeo.i18n import local_time

project = ui.project_page("audit_title", "audit_intro")
ui.require("manage")
log = audit.entries(ui.store(), project.id, limit=st.select_slider(ui.t("audit_limit"), [100, 500, 2000, 10000],
                                                                    value=500, key="audit_limit"))
if log.empty:
    st.info(ui.t("audit_empty"))
    st.stop()

left, right = st.columns(2)
actors = left.multiselect(ui.t("audit_filter_actor"), sorted(log["actor"].unique()), key="audit_actors",
                          placeholder=ui.t("audit_everyone"), format_func=lambda a: a or ui.t("audit_single_user"))
entities = right.multiselect(ui.t("audit_filter_entity"), sorted(log["entity"].unique()), key="audit_entities",
                             placeholder=ui.t("audit_every_kind"), format_func=lambda e: ui.t("audit_entity_" + e))
shown = log[log["actor"].isin(actors or log["actor"]) & log["entity"].isin(entities or log["entity"])]
table = pd.DataFrame({
    ui.t("audit_when"): [local_time(at) for at in shown["at"]],
    ui.t("audit_actor"): [a or ui.t("audit_single_user") for a in shown["actor"]],
    ui.t("audit_action"): [ui.t("audit_action_" + a) for a in shown["action"]],
    ui.t("audit_entity"): [ui.t("audit_entity_" + e) for e in shown["entity"]],
    ui.t("audit_ref"): shown["ref"],
    ui.t("audit_changes"): [audit.described(e, c, ui.lang()) for e, c in zip(shown["entity"], shown["changes"])],
})
st.dataframe(table, hide_index=True, use_container_width=True)
st.download_button(ui.t("audit_download"), spreadsheet.csv_bytes(table), f"andringslogg-{project.id}.csv",
                   mime="text/csv", key="audit_csv")
