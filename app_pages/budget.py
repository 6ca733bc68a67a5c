"""The business plan's budget and joint financing (steps 4-5): costs per action and year in
money and hours, financing per party and year in money or in kind, entered in tables or read
from the workbook (the same check as ``bidgeo plan import``: every bad row named, nothing
saved), the balance per year with a warning where a year is unfunded, the members' contribution
model and the plan's support."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import ui
from bidgeo import charts, focus, plan, stakeholders
from bidgeo.errors import BidgeoError
from bidgeo.i18n import number, percent

project = ui.project_page("bg_title", "bg_intro")
ui.require("review")
engine, lang = ui.store(), ui.lang()
try:
    years = plan.years(engine, project.id)
except BidgeoError as exc:
    ui.show_error(exc)
    st.stop()
info = plan.get_plan(engine, project.id)


def show_problems(checked: plan.Checked) -> None:
    st.error(ui.t("plan_rows_failed", count=len({(p.sheet, p.row) for p in checked.problems})))
    for problem in checked.problems:
        st.markdown("- " + ui.literal(problem.message(lang)))


# --- the balance, the warnings and the support ---------------------------------------------------------
figures = plan.figures(engine, project.id)
for year in figures["unfunded_years"]:
    st.warning(ui.t("plan_unfunded", year=year, gap=number(-figures["years"][str(year)]["balance_sek"], lang)),
               icon=":material/warning:")
keys = ("cost_sek", "hours_cost_sek", "financing_sek", "in_kind_sek", "balance_sek")
rows = [*figures["years"].items(), (ui.t("report_total"), figures["total"])]
st.dataframe(pd.DataFrame([[year, *(number(row[k], lang) for k in keys)] for year, row in rows],
                          columns=[ui.t(f"pd_col_{k}") for k in ("year", "cost", "hours_cost", "financing",
                                                                  "in_kind", "balance")]),
             hide_index=True, key="bg_balance")
st.image(ui.cached(charts.balance_png, figures, lang))
support = figures["support"]
left, middle, right = st.columns(3)
left.metric(ui.t("bg_signed"), f"{support['signed']} / {support['members']}")
middle.metric(ui.t("bg_by_number"), percent(support["share_by_number"], lang))
right.metric(ui.t("bg_by_value"), percent(support["share_by_value"], lang))
st.caption(ui.t("bg_support_help"))

# --- the hour rate and the plan's duration --------------------------------------------------------------
with st.form("bg_settings", border=True):
    left, right = st.columns(2)
    rate = left.number_input(ui.t("pd_hour_rate"), min_value=0.0, step=50.0, value=float(info.hour_rate_sek),
                             format="%.0f", key="bg_rate")
    duration = right.number_input(ui.t("bg_duration"), min_value=1, max_value=10, step=1,
                                  value=int(info.duration_years), key="bg_duration")
    if st.form_submit_button(ui.t("bg_save_settings"), key="bg_save_settings"):
        try:
            plan.save_settings(engine, project.id, hour_rate_sek=rate, duration_years=int(duration))
        except BidgeoError as exc:
            ui.show_error(exc)
        else:
            st.rerun()

# --- the tables ------------------------------------------------------------------------------------------
st.subheader(ui.t("pd_budget"))
st.caption(ui.t("bg_years", first=years[0], last=years[-1]))
budget = plan.budget(engine, project.id)[list(plan.BUDGET_COLUMNS)]
money = plan.financing(engine, project.id)[list(plan.FINANCING_COLUMNS)]
year_column = st.column_config.NumberColumn(ui.t("bg_col", label=ui.t("pd_col_year"), column="year"),
                                            min_value=years[0], max_value=years[-1], step=1, format="%d",
                                            required=True, width=55)


def amount(label: str, key: str, width: int):
    # Whole kronor without a thousands separator: the browser's own would be English ("60,000").
    return st.column_config.NumberColumn(ui.t("bg_col", label=ui.t(label), column=key), min_value=0,
                                         format="%d" if key.endswith("_sek") else None, width=width)


edited_budget = st.data_editor(budget, num_rows="dynamic", hide_index=True, key="bg_budget", column_config={
    "action": st.column_config.TextColumn(ui.t("bg_col", label=ui.t("pd_col_action"), column="action"), required=True,
                                          width=100),
    "focus_area": st.column_config.SelectboxColumn(ui.t("bg_col", label=ui.t("pd_col_focus"), column="focus_area"),
                                                   options=list(focus.FOCUS_AREAS),
                                                   format_func=lambda k: ui.t(f"focus_{k}"), width=90),
    "year": year_column, "cost_sek": amount("pd_col_cost", "cost_sek", 75), "hours": amount("pd_col_hours", "hours", 60)})
st.subheader(ui.t("pd_financing"))
parties = stakeholders.register(engine, project.id)["name"].tolist()
edited_money = st.data_editor(money, num_rows="dynamic", hide_index=True, key="bg_money", column_config={
    "party": st.column_config.SelectboxColumn(ui.t("bg_col", label=ui.t("pd_col_party"), column="party"),
                                              options=parties, required=True, width=80),
    "kind": st.column_config.SelectboxColumn(ui.t("bg_col", label=ui.t("pd_col_kind"), column="kind"),
                                             options=list(plan.KINDS), required=True,
                                             format_func=lambda k: ui.t(f"plan_kind_{k}"), width=70),
    "year": year_column, "amount_sek": amount("pd_col_amount", "amount_sek", 70),
    "hours": amount("bg_col_hours_in_kind", "hours", 55),
    "status": st.column_config.SelectboxColumn(ui.t("bg_col", label=ui.t("pd_col_status"), column="status"),
                                               options=list(plan.FUNDING_STATUSES), required=True,
                                               format_func=lambda k: ui.t(f"plan_funding_{k}"), width=65)})
st.caption(ui.t("bg_parties_help"))
if st.button(ui.t("bg_save_tables"), key="bg_save", type="primary", icon=":material/save:"):
    checked = plan.check_tables(engine, project.id, edited_budget, edited_money, first_row=1)
    if checked.problems:
        show_problems(checked)
    else:
        plan.save_checked(engine, project.id, checked)
        st.success(ui.t("plan_imported", budget=len(checked.budget), financing=len(checked.financing),
                        name=project.name))
        st.rerun()

# --- the workbook ------------------------------------------------------------------------------------------
if st.session_state.get("bg_imported"):  # said where it is seen: the expander is closed after the rerun
    st.success(ui.literal(st.session_state.pop("bg_imported")))
with st.expander(ui.t("bg_workbook"), icon=":material/table_view:"):
    st.caption(ui.t("bg_workbook_help"))
    left, right = st.columns(2)
    left.download_button(ui.t("bg_template"), plan.template_workbook(), file_name="affarsplan-mall.xlsx",
                         key="bg_template", icon=":material/download:")
    right.download_button(ui.t("bg_current"), plan.export_workbook(engine, project.id), file_name="affarsplan.xlsx",
                          key="bg_current", icon=":material/download:")
    upload = st.file_uploader(ui.t("bg_upload"), type=["xlsx"], key="bg_upload")
    add_parties = st.checkbox(ui.t("bg_add_parties"), key="bg_add_parties")
    if upload is not None and st.button(ui.t("bg_import"), key="bg_import", type="primary"):
        try:
            checked = plan.import_workbook(engine, project.id, upload.getvalue(), upload.name,
                                           add_parties=add_parties)
        except BidgeoError as exc:
            ui.show_error(exc)
        else:
            if checked.problems:
                show_problems(checked)
            else:
                st.session_state["bg_imported"] = ui.t("plan_imported", budget=len(checked.budget),
                                                       financing=len(checked.financing), name=project.name)
                st.rerun()

# --- the members' contributions ------------------------------------------------------------------------------
st.subheader(ui.t("pd_members_heading"))
model = info.model
kind = st.segmented_control(ui.t("bg_model"), plan.MODELS, default=model["kind"], key="bg_model",
                            format_func=lambda k: ui.t(f"bg_model_{k}")) or model["kind"]
left, middle, right = st.columns(3)
if kind == "flat":
    chosen = {"kind": kind, "fee_sek": left.number_input(ui.t("bg_fee"), min_value=0.0, step=500.0,
                                                         value=float(model.get("fee_sek", 0)), format="%.0f",
                                                         key="bg_fee")}
elif kind == "band":
    basis = left.selectbox(ui.t("bg_basis"), plan.BAND_BASES, key="bg_basis",
                           index=plan.BAND_BASES.index(model.get("basis", "floor_area_m2")),
                           format_func=lambda k: ui.t(f"col_{k}"))
    bands = middle.text_input(ui.t("bg_bands"), value=plan.format_bands(model.get("bands") or [[None, 0]]),
                              key="bg_bands", help=ui.t("plan_bad_bands"))
    chosen = {"kind": kind, "basis": basis, "bands": bands}
else:
    chosen = {"kind": kind,
              "percent": left.number_input(ui.t("bg_percent"), min_value=0.0, max_value=100.0, step=0.05,
                                           value=float(model.get("percent", 0.1)), format="%.2f", key="bg_percent"),
              "threshold_sek": middle.number_input(ui.t("bg_threshold"), min_value=0.0, step=100000.0,
                                                   value=float(model.get("threshold_sek", 0)), format="%.0f",
                                                   key="bg_threshold"),
              "cap_sek": right.number_input(ui.t("bg_cap"), min_value=0.0, step=1000.0, value=model.get("cap_sek"),
                                            format="%.0f", key="bg_cap")}
try:
    if kind == "band":
        chosen["bands"] = plan.parse_bands(chosen["bands"])
    fees = plan.contributions(engine, project.id, chosen)
except BidgeoError as exc:
    ui.show_error(exc)
    st.stop()
known = fees["contribution_sek"].notna()
st.markdown(ui.t("bg_contributions", total=number(fees.loc[known, "contribution_sek"].sum(), lang),
                   known=int(known.sum()), members=len(fees)))
st.dataframe(pd.DataFrame({
    ui.t("pd_col_party"): fees["name"], ui.t("pd_col_role"): [stakeholders.choice_label("role", r, lang)
                                                             for r in fees["role"]],
    ui.t("bg_col_basis"): [number(v, lang) for v in fees["basis"]],
    ui.t("bg_col_fee"): [number(v, lang) for v in fees["contribution_sek"]]}), hide_index=True, key="bg_fees")
if st.button(ui.t("bg_save_model"), key="bg_save_model"):
    plan.save_settings(engine, project.id, model=chosen)
    st.success(ui.t("bg_model_saved"))
