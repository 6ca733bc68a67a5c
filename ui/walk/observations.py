"""The walk's observations on a map and in a list, filtered by focus area and type; one chosen
shows its photos and history and can be edited in the form."""

from __future__ import annotations

import html

import pandas as pd
import streamlit as st

import ui
from bidgeo import focus, icons, maps, photos, walks
from bidgeo.i18n import local_time
from ui.walk import Walking
from ui.walk.form import edit


def observation_list(walking: Walking) -> None:
    engine, project, walk_id = walking.engine, walking.project, walking.walk.id
    saved = walks.observations(engine, project.id, walk_id)
    areas = st.pills(ui.t("obs_filter_focus"), focus.FOCUS_AREAS, selection_mode="multi", key="flt_focus",
                     format_func=lambda k: ui.t("focus_" + k)) or list(focus.FOCUS_AREAS)
    kinds = st.pills(ui.t("obs_filter_kind"), focus.KINDS, selection_mode="multi", key="flt_kind",
                     format_func=lambda k: ui.t("kind_" + k)) or list(focus.KINDS)
    shown = saved[saved["focus_area"].isin(areas) & saved["kind"].isin(kinds)]
    pictures: dict[str, list[bytes]] = {}
    for photo in photos.photos(engine, project.id, list(shown["uuid"])):
        pictures.setdefault(photo.observation_uuid, []).append(photo.thumbnail)
    st.markdown(" &nbsp; ".join(f"{icons.badge(focus.FOCUS_ICONS[k], focus.FOCUS_COLOURS[k], 22)} "
                                f"{html.escape(ui.t('focus_' + k))} ({int((saved['focus_area'] == k).sum())})"
                                for k in focus.FOCUS_AREAS), unsafe_allow_html=True)
    ui.show_map(maps.walk_map(walking.osm, walking.lang, walking.area_geometry, shown, pictures,
                              route=walking.walk.route),
                key=f"obsmap-{walk_id}-{len(saved)}-{','.join(areas)}-{','.join(kinds)}", height=480)
    if shown.empty:
        st.info(ui.t("obs_none"))
        return
    table = pd.DataFrame({
        ui.t("col_time"): [local_time(t) for t in shown["created_at"]],
        ui.t("obs_focus"): [ui.t("focus_" + k) for k in shown["focus_area"]],
        ui.t("obs_kind"): [ui.t("kind_" + k) for k in shown["kind"]],
        ui.t("obs_rating"): shown["rating"], ui.t("obs_comment"): shown["comment"],
        ui.t("obs_photos"): shown["photos"], ui.t("obs_author"): shown["author"]})
    st.dataframe(table, hide_index=True)
    chosen = st.selectbox(ui.t("obs_choose"), list(shown["uuid"]), key="obs_chosen", format_func=lambda u: (
        f"{ui.t('focus_' + shown.set_index('uuid').loc[u, 'focus_area'])} – "
        f"{(shown.set_index('uuid').loc[u, 'comment'] or '')[:60]}"))
    for photo in photos.photos(engine, project.id, [chosen]):
        st.image(photos.photo_bytes(engine, project.id, photo.id), caption=ui.literal(photo.filename))
    st.button(ui.t("obs_edit"), key="obs_edit", icon=":material/edit:", on_click=edit, args=(chosen,))
    with st.expander(ui.t("obs_history")):
        changes = walks.history(engine, chosen)
        st.dataframe(pd.DataFrame({ui.t("col_time"): [local_time(t) for t in changes["created_at"]],
                                   ui.t("col_change"): [ui.t("change_" + a) for a in changes["action"]],
                                   ui.t("obs_author"): changes["author"],
                                   ui.t("obs_comment"): [d.get("comment", "") for d in changes["data"]]}),
                     hide_index=True)
