"""After the walk: participants or groups score the five focus areas 1-7 with comments; the
radar chart overlays the walks."""

from __future__ import annotations

import html

import pandas as pd
import streamlit as st

import ui
from bidgeo import charts, focus, icons, walks
from bidgeo.errors import BidgeoError
from ui.walk import Walking


def assessment(walking: Walking) -> None:
    engine, lang, walk_id = walking.engine, walking.lang, walking.walk.id
    st.caption(ui.t("assess_help"))
    respondent = st.text_input(ui.t("assess_respondent"), key="as_respondent", max_chars=200)
    scores = {}
    for key in focus.FOCUS_AREAS:
        st.markdown(f"{icons.badge(focus.FOCUS_ICONS[key], focus.FOCUS_COLOURS[key], 24)} "
                    f"**{html.escape(ui.t('focus_' + key))}**", unsafe_allow_html=True)
        left, right = st.columns([3, 2])
        score = left.segmented_control(ui.t("assess_score"), focus.SCORES, key=f"score_{key}",
                                       label_visibility="collapsed")
        comment = right.text_input(ui.t("assess_comment"), key=f"ascomment_{key}", label_visibility="collapsed",
                                   placeholder=ui.t("assess_comment"))
        scores[key] = (score, comment)
    if st.button(ui.t("assess_save"), key="as_save", type="primary"):
        try:
            walks.save_assessment(engine, walk_id, respondent, scores)
        except BidgeoError as exc:
            ui.show_error(exc)
        else:
            st.success(ui.say("assess_saved", respondent=respondent))
    table = walks.assessments(engine, [w.id for w in walking.walks])
    if table.empty:
        st.info(ui.t("assess_none"))
        return
    names = {w.id: f"{w.walked_on.isoformat()} ({ui.t('walk_baseline') if w.baseline else ui.t('walk_followup')})"
             for w in walking.walks}
    st.image(charts.radar_png(walks.mean_scores(table), names, lang))
    mine = table[table["walk_id"] == walk_id]
    st.dataframe(pd.DataFrame({ui.t("assess_respondent"): mine["respondent"],
                               ui.t("obs_focus"): [ui.t("focus_" + k) for k in mine["focus_area"]],
                               ui.t("assess_score"): mine["score"], ui.t("assess_comment"): mine["comment"]}),
                 hide_index=True)
