"""Starting a walk (date, focus group, participants, notes, an optional planned route) and
choosing the walk and what to do on it."""

from __future__ import annotations

from datetime import date

import streamlit as st
from shapely.geometry import LineString

import ui
from bidgeo import maps, walks
from bidgeo.area_versions import current_version
from bidgeo.errors import BidgeoError
from bidgeo.projects import ProjectInfo
from ui.walk import Walking, touch_targets, walk_label

VIEWS = ("record", "list", "assess", "kit")


def new_walk(project: ProjectInfo, all_walks: list[walks.WalkInfo], osm, area) -> None:
    """The form for a new walk: open when the project has none, else in an expander."""
    engine, lang = ui.store(), ui.lang()
    box = st.expander(ui.t("walk_new_heading")) if all_walks else st.container(border=True)
    with box:
        if not all_walks:
            st.subheader(ui.t("walk_new_heading"))
        left, right = st.columns(2)
        walked_on = left.date_input(ui.t("walk_date"), value=date.today(), key="nw_date", format="YYYY-MM-DD")
        group = right.text_input(ui.t("walk_focus_group"), key="nw_group", max_chars=200)
        participants = st.text_input(ui.t("walk_participants"), key="nw_participants")
        notes = st.text_area(ui.t("walk_notes"), key="nw_notes", height=80)
        lines = []
        if st.toggle(ui.t("walk_route"), key="nw_route"):
            st.caption(ui.t("walk_route_help"))
            drawn = ui.show_map(maps.route_editor(osm, area.geometry if area else None, lang),
                                key=f"route-{project.id}", height=380, returned_objects=["all_drawings"])
            lines = [d["geometry"]["coordinates"] for d in (drawn or {}).get("all_drawings") or []
                     if d.get("geometry", {}).get("type") == "LineString"]
        if st.button(ui.t("walk_create"), key="nw_create", type="primary"):
            try:
                walk_id = walks.create_walk(engine, project.id, walked_on, group, participants, notes,
                                            LineString(lines[-1]) if lines else None)
            except BidgeoError as exc:
                ui.show_error(exc)
            else:
                st.session_state["walk_id"] = walk_id
                st.rerun()


def chosen_walk(project: ProjectInfo) -> Walking:
    """The new-walk form and the walk chooser (the walk is kept in the address, ``?walk=``);
    the page stops here while the project has no walk."""
    engine = ui.store()
    osm = ui.project_osm(project)
    area = current_version(engine, project.id)
    touch_targets()
    all_walks = walks.walks(engine, project.id)
    new_walk(project, all_walks, osm, area)
    if not all_walks:
        st.stop()
    ids = [w.id for w in all_walks]
    if st.session_state.get("walk_id") not in ids:
        requested = st.query_params.get("walk")
        st.session_state["walk_id"] = int(requested) if requested and requested.isdigit() and int(requested) in ids \
            else ids[-1]
    walk_id = st.selectbox(ui.t("walk_choose"), ids, key="walk_id",
                           format_func=lambda i: walk_label(next(w for w in all_walks if w.id == i)))
    st.query_params["walk"] = str(walk_id)
    return Walking(engine=engine, project=project, lang=ui.lang(), osm=osm, area=area, walks=all_walks,
                   walk=next(w for w in all_walks if w.id == walk_id))


def chosen_view() -> str:
    """What the walker does now: record, see the list, score the focus areas, or the field kit."""
    return st.segmented_control(ui.t("walk_view"), list(VIEWS), key="walk_view", default="record",
                                format_func=lambda v: ui.t(f"walk_view_{v}"),
                                label_visibility="collapsed") or "record"
