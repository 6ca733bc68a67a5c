"""Step 7, the follow-up: the indicators from the baseline on, each over time as a chart with
its baseline, latest value and change, and the final report (slutrapport) to download."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import ui
from bidgeo import charts, final_report, indicators
from bidgeo.errors import BidgeoError

project = ui.project_page("fu_title", "fu_intro")
ui.require("view")
engine, lang = ui.store(), ui.lang()
data = final_report.final_data(engine, project.id, lang)
if not data.followed_up:
    st.info(ui.t("final_not_followed_up"))

# --- the key figures, then one indicator at a time --------------------------------------------------
figures = final_report.key_figures(data)
for column, (label, then, now) in zip(st.columns(max(1, len(figures))), figures):
    column.metric(label, now if now != "–" else then, help=f"{ui.t('final_baseline')}: {then}")

measured = [i for i in indicators.INDICATORS if (data.table["indicator"] == i.key).any()]
if not measured:
    st.info(ui.t("final_no_indicators"))
else:
    chosen = indicators.by_key(st.selectbox(ui.t("fu_indicator"), [i.key for i in measured], key="fu_indicator",
                                            format_func=lambda key: indicators.by_key(key).title(lang)))
    rows = indicators.labelled(data.table[data.table["indicator"] == chosen.key], lang)
    st.image(charts.indicator_png(rows, chosen.unit, lang, chosen.stepwise, data.found.process), width="stretch")
    summary = indicators.labelled(indicators.summary(rows), lang)
    st.dataframe(pd.DataFrame({
        ui.t("final_series"): summary["series_label"],
        ui.t("final_baseline"): [f"{indicators.value_text(r.baseline, chosen.unit, lang)} ({r.baseline_date})"
                                 for r in summary.itertuples()],
        ui.t("final_latest"): [f"{indicators.value_text(r.latest, chosen.unit, lang)} ({r.latest_date})"
                               for r in summary.itertuples()],
        ui.t("final_change"): [indicators.value_text(r.change, chosen.unit, lang, change=True)
                               for r in summary.itertuples()],
    }), hide_index=True, width="stretch")

# --- the final report -------------------------------------------------------------------------------
st.subheader(ui.t("fu_report"))
st.caption(ui.t("fu_report_help"))
if st.button(ui.t("fu_make"), key="fu_make", type="primary", icon=":material/picture_as_pdf:"):
    try:
        with st.spinner(ui.t("fu_making")):
            st.session_state["fu_file"] = (project.id, lang, final_report.pdf(data))
    except BidgeoError as exc:
        ui.show_error(exc)
made = st.session_state.get("fu_file")
if made and made[0] == project.id:
    name = f"slutrapport-{project.name}.pdf"
    st.download_button(ui.say("fu_download", name=name), made[2], file_name=name, mime="application/pdf",
                       key="fu_download", icon=":material/download:")
