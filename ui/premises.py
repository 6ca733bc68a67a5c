"""The premises page's parts (``app_pages/premises.py``): the figures of vacancy, the register
as a table, and the three ways premises come in for an admin: a file, OSM suggestions and a
status changed by hand. The domain is :mod:`bidgeo.premises`."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

import ui
from bidgeo import i18n, premises
from bidgeo.errors import BidgeoError
from bidgeo.projects import ProjectInfo, osm_file


def figures(figures: dict) -> None:
    """Premises, vacant ones and the vacancy rate by count and by floor area, two by two (so
    they stay readable on a tablet in portrait)."""
    lang = ui.lang()
    top, bottom = st.columns(2), st.columns(2)
    top[0].metric(ui.t("premises_count"), i18n.number(figures["premises"], lang))
    top[1].metric(ui.t("premises_vacant"), i18n.number(figures["vacant"], lang))
    rate = figures["vacancy_rate"] if figures["known"] else None  # no premise of known status: no rate
    bottom[0].metric(ui.t("premises_rate_count"), i18n.percent(rate, lang, 1),
                     help=ui.t("premises_rate_help"))
    bottom[1].metric(ui.t("premises_rate_area"), i18n.percent(figures["vacancy_rate_floor_area"], lang, 1),
                     help=ui.t("premises_rate_area_help", m2=i18n.number(figures["vacant_floor_area_m2"], lang)))


def streets_table(register: pd.DataFrame) -> None:
    lang = ui.lang()
    streets = premises.per_street(register)
    st.dataframe(pd.DataFrame({
        ui.t("premises_col_street"): streets["street"], ui.t("premises_count"): streets["premises"],
        ui.t("premises_vacant"): streets["vacant"],
        ui.t("premises_col_vacant_area"): [i18n.number(v, lang) for v in streets["vacant_floor_area_m2"]]}),
        hide_index=True)


def register_table(register: pd.DataFrame, with_owners: bool) -> None:
    """The register; owners (personal data) only for those who may see it."""
    lang = ui.lang()
    table = pd.DataFrame({
        ui.t("col_address"): register["address"], ui.t("premises_col_use"): [premises.use_label(u, lang)
                                                                             for u in register["use"]],
        ui.t("premises_col_area"): [i18n.number(a, lang) for a in register["floor_area_m2"]],
        ui.t("col_status"): [premises.status_label(s, lang) for s in register["status"]],
        ui.t("premises_col_observed"): [d.isoformat() for d in register["observed"]],
        ui.t("col_source"): [ui.t(f"premises_source_{s}") for s in register["source"]]})
    if with_owners:
        table[ui.t("premises_col_owner")] = register["owner"]
    st.dataframe(table, hide_index=True)


def _problems(problems: list[dict]) -> pd.DataFrame:
    return pd.DataFrame({ui.t("col_row"): [p["row"] for p in problems],
                         ui.t("premises_col_column"): [p["column"] for p in problems],
                         ui.t("col_message"): [p["message"] for p in problems]})


def import_file(project: ProjectInfo, area) -> None:
    """Upload a file; a file with a bad row saves nothing and lists every bad row."""
    st.caption(ui.t("premises_import_help"))
    upload = st.file_uploader(ui.t("premises_upload"), type=["csv", "xlsx", "gpkg"], key="pm_upload")
    if upload is None or not st.button(ui.t("premises_import_button"), key="pm_import", type="primary"):
        return
    try:
        check, result = premises.import_file(ui.store(), project.id, upload.getvalue(), upload.name, ui.lang(),
                                             area, author=st.session_state.get("username", ""))
    except BidgeoError as exc:
        ui.show_error(exc)
        return
    if result is None:
        st.error(ui.t("premises_rows_failed", count=len({e["row"] for e in check.errors})))
        st.dataframe(_problems(check.errors), hide_index=True)
    else:
        st.success(ui.t("premises_import_summary", **vars(result)))
    if check.warnings:
        st.warning(ui.t("premises_warnings", count=len(check.warnings)))
        st.dataframe(_problems(check.warnings), hide_index=True)


def osm_suggestions(project: ProjectInfo, area) -> None:
    """The OSM extract's shops and shop fronts inside the area not yet in the register; the
    ticked ones are added."""
    engine = ui.store()
    path = osm_file(engine, project)
    if path is None or area is None:
        st.info(ui.t("premises_suggest_needs"))
        return
    found = ui.cached(premises.suggestions, str(path), area, sorted(premises.known_keys(engine, project.id)))
    if found.empty:
        st.info(ui.t("premises_suggest_none"))
        return
    lang = ui.lang()
    shown = pd.DataFrame({"add": True, "name": found["name"], "address": found["address"],
                          "status": [premises.status_label(s, lang) for s in found["status"]],
                          "use": [premises.use_label(u, lang) for u in found["use"]]})
    edited = st.data_editor(shown, hide_index=True, key="pm_suggestions", disabled=["name", "address", "status", "use"],
                            column_config={"add": st.column_config.CheckboxColumn(ui.t("premises_col_add")),
                                           "name": ui.t("col_name"), "address": ui.t("col_address"),
                                           "status": ui.t("col_status"), "use": ui.t("premises_col_use")})
    if st.button(ui.t("premises_accept"), key="pm_accept", type="primary"):
        result = premises.accept(engine, project.id, found[edited["add"].to_numpy(dtype=bool)],
                                 author=st.session_state.get("username", ""))
        st.session_state["pm_message"] = ui.t("premises_accepted", count=result.imported)
        st.rerun()


def change_status(project: ProjectInfo, register: pd.DataFrame) -> None:
    """A premise's new status on a day, and its history."""
    if register.empty:
        st.info(ui.t("premises_none"))
        return
    names = dict(zip(register["id"], register["address"].where(register["address"] != "", register["key"])))
    chosen = st.selectbox(ui.t("premises_choose"), list(names), key="pm_chosen", format_func=names.get)
    left, right = st.columns(2)
    status = left.selectbox(ui.t("col_status"), premises.STATUSES, key="pm_status",
                            format_func=lambda s: premises.status_label(s, ui.lang()))
    observed = right.date_input(ui.t("premises_col_observed"), value=date.today(), max_value=date.today(),
                                key="pm_observed", format="YYYY-MM-DD")
    if st.button(ui.t("premises_save_status"), key="pm_save_status", type="primary"):
        try:
            premises.record_status(ui.store(), project.id, int(chosen), status, observed, source="manual",
                                   author=st.session_state.get("username", ""))
        except BidgeoError as exc:
            ui.show_error(exc)
        else:
            st.session_state["pm_message"] = ui.t("premises_status_saved")
            st.rerun()
    history = premises.status_history(ui.store(), project.id, int(chosen))
    st.dataframe(pd.DataFrame({
        ui.t("premises_col_observed"): [d.isoformat() for d in history["observed"]],
        ui.t("col_status"): [premises.status_label(s, ui.lang()) for s in history["status"]],
        ui.t("col_source"): [ui.t(f"premises_source_{s}") for s in history["source"]]}), hide_index=True)
