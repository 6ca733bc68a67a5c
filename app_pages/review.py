"""The steering group's review of the walk (steps 2-5), made for a projector and a tablet:
pick an observation on the map or in the list, give it a review state and comments (apart
from the walkers' text), and turn accepted ones into the action plan."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

import ui
from ui import tables
from bidgeo import focus, maps, photos, review, walks
from bidgeo.area_versions import current_version
from bidgeo.errors import BidgeoError
from bidgeo.i18n import local_time

project = ui.project_page("rev_title", "rev_intro")
ui.require("review")
ui.prefill_name("rev_reviewer")
engine, lang = ui.store(), ui.lang()
osm = ui.project_osm(project)
area = current_version(engine, project.id)

tables.big_text(ui.t("rev_big_text"), key="rev_big")
st.html('<style>[class*="st-key-rev_state"] button {min-height:56px; font-size:1.1rem;}</style>')

all_walks = walks.walks(engine, project.id)
observations = walks.observations(engine, project.id)
if observations.empty:
    st.info(ui.t("rev_nothing"))
    st.stop()
states = review.states(engine, project.id).set_index("uuid")
observations["state"] = observations["uuid"].map(states["state"]).fillna("new")
notes = review.comments(engine, project.id)

# --- filters, map and list -----------------------------------------------------------------------
walk_names = {w.id: f"{w.walked_on.isoformat()} {w.focus_group}".strip() for w in all_walks}
chosen_walks = st.multiselect(ui.t("rev_walks"), list(walk_names), format_func=walk_names.get, key="rev_walks",
                                placeholder=ui.t("rev_all"))
chosen_states = st.pills(ui.t("rev_states"), review.STATES, selection_mode="multi", key="rev_states",
                            format_func=lambda s: ui.t("review_state_" + s)) or list(review.STATES)
chosen_areas = st.pills(ui.t("obs_filter_focus"), focus.FOCUS_AREAS, selection_mode="multi", key="rev_areas",
                        format_func=lambda k: ui.t("focus_" + k)) or list(focus.FOCUS_AREAS)
shown = observations[observations["state"].isin(chosen_states) & observations["focus_area"].isin(chosen_areas)
                     & (observations["walk_id"].isin(chosen_walks) if chosen_walks else True)].reset_index(drop=True)
counts = review.state_counts(engine, project.id)  # the same count as the status analysis shows
st.markdown(f"**{ui.t('an_accepted')}**: {review.accepted_count(counts)} "
            f"({ui.t('rev_of_which', state=ui.t('review_state_to_action').lower(), count=counts['to_action'])}) · "
            + " · ".join(f"**{ui.t('review_state_' + s)}**: {counts[s]}" for s in ("new", "rejected")))
if shown.empty:
    st.info(ui.t("rev_no_match"))
    st.stop()

clicked = ui.show_map(ui.cached_map(maps.walk_map, osm, lang, area.geometry if area else None, shown),
                      key=f"revmap-{project.id}-{len(shown)}-{hash(tuple(shown['uuid']))}", height=460,
                      returned_objects=["last_object_clicked"])
hit = (clicked or {}).get("last_object_clicked")
if hit and hit != st.session_state.get("rev_hit"):  # a marker tapped on the map chooses it in the list
    st.session_state["rev_hit"] = hit
    distance = (shown.geometry.x - hit["lng"]) ** 2 + (shown.geometry.y - hit["lat"]) ** 2
    st.session_state["rev_uuid"] = shown.loc[distance.idxmin(), "uuid"]

# The columns that fit a tablet's width beside the sidebar; the judgement and the reviewers'
# comments are shown with the chosen observation.
table = pd.DataFrame({
    ui.t("rev_state"): [ui.t("review_state_" + s) for s in shown["state"]],
    ui.t("obs_focus"): [ui.t("focus_" + k) for k in shown["focus_area"]],
    ui.t("obs_kind"): [ui.t("kind_" + k) for k in shown["kind"]],
    ui.t("obs_comment"): shown["comment"]})
picked = st.dataframe(table, hide_index=True, on_select="rerun", selection_mode="single-row", key="rev_table",
                      column_config=tables.widths({ui.t("rev_state"): 88, ui.t("obs_focus"): 155,
                                                   ui.t("obs_kind"): 78, ui.t("obs_comment"): 74}))
rows = picked.selection.rows if picked else []
if rows:
    st.session_state["rev_uuid"] = shown.loc[rows[0], "uuid"]
uuid = st.session_state.get("rev_uuid")
if uuid not in set(shown["uuid"]):
    uuid = shown["uuid"].iloc[0]
current = shown.set_index("uuid").loc[uuid]

# --- one observation: the walkers' text, then the review ------------------------------------------
st.subheader(f"{ui.t('focus_' + current['focus_area'])} – {ui.t('kind_' + current['kind'])}")
with st.container(border=True):
    st.caption(ui.say("rev_from_walk", when=local_time(current["observed_at"]), author=current["author"] or "–")
               + ("" if pd.isna(current["rating"]) else f" · {ui.t('obs_rating')}: {int(current['rating'])}"))
    ui.plain(current["comment"])
    pictures = photos.photos(engine, project.id, [uuid])
    for column, photo in zip(st.columns(max(1, min(len(pictures), 3))), pictures):
        column.image(photos.photo_bytes(engine, project.id, photo.id), caption=ui.literal(photo.filename))

for note in notes[notes["uuid"] == uuid].itertuples():
    with st.container(border=True):
        st.caption(ui.say("rev_comment_by", author=note.author, when=local_time(note.created_at)))
        ui.plain(note.text)
# One form sends the name, the state and the comment together with the tap on its button: no
# widget reruns the page while the reviewer writes, and the text is cleared only once it is
# saved (a new key), so a slow or refused save never loses what was typed.
sent = st.session_state.setdefault(f"rev_sent_{uuid}", 0)
with st.form(f"rev_form_{uuid}", border=False):
    st.text_input(ui.t("rev_reviewer"), key="rev_reviewer", max_chars=200)
    state = st.segmented_control(ui.t("rev_state"), review.STATES, default=current["state"],
                                 key=f"rev_state_{uuid}", format_func=lambda s: ui.t("review_state_" + s))
    text = st.text_area(ui.t("rev_comment_new"), key=f"rev_text_{uuid}_{sent}", height=90)
    if st.form_submit_button(ui.t("rev_save"), key=f"rev_add_{uuid}", type="primary"):
        try:
            review.save_review(engine, project.id, uuid, state=state, by=st.session_state.get("rev_reviewer", ""),
                               comment=text)
        except BidgeoError as exc:
            ui.show_error(exc)
        else:
            st.session_state[f"rev_sent_{uuid}"] = sent + 1
            st.rerun()

if current["state"] in ("accepted", "to_action"):
    with st.expander(ui.t("rev_make_action"), expanded=current["state"] == "accepted"):
        title = st.text_input(ui.t("act_title"), value=(current["comment"] or "")[:120], key=f"act_title_{uuid}")
        left, right = st.columns(2)
        owner = left.text_input(ui.t("act_owner"), key=f"act_owner_{uuid}")
        priority = right.segmented_control(ui.t("act_priority"), review.PRIORITIES, default="medium",
                                           key=f"act_priority_{uuid}", format_func=lambda p: ui.t("priority_" + p))
        cost = left.number_input(ui.t("act_cost"), min_value=0, step=1000, value=None, key=f"act_cost_{uuid}")
        due = right.date_input(ui.t("act_due"), value=None, min_value=date(2000, 1, 1), key=f"act_due_{uuid}",
                               format="YYYY-MM-DD")
        if st.button(ui.t("act_create"), key=f"act_create_{uuid}", type="primary"):
            try:
                review.create_action(engine, project.id, title, current["focus_area"], uuid=uuid, owner=owner,
                                     priority=priority or "medium", cost_sek=None if cost is None else float(cost),
                                     due_on=due)
            except BidgeoError as exc:
                ui.show_error(exc)
            else:
                st.session_state.pop(f"rev_state_{uuid}", None)
                st.rerun()

# --- the action plan ---------------------------------------------------------------------------------
st.subheader(ui.t("act_plan"))
plan = review.actions(engine, project.id)
if plan.empty:
    st.info(ui.t("act_none"))
    st.stop()
columns = {"title": ui.t("act_title"), "focus": ui.t("obs_focus"), "owner": ui.t("act_owner"),
           "priority": ui.t("act_priority"), "cost_sek": ui.t("act_cost"), "due_on": ui.t("act_due"),
           "status": ui.t("act_status")}
labels = {"priority": {ui.t("priority_" + p): p for p in review.PRIORITIES},
          "status": {ui.t("action_status_" + s): s for s in review.ACTION_STATUSES}}
shown_plan = pd.DataFrame({
    columns["title"]: plan["title"], columns["focus"]: [ui.t("focus_" + k) for k in plan["focus_area"]],
    columns["owner"]: plan["owner"], columns["priority"]: [ui.t("priority_" + p) for p in plan["priority"]],
    columns["cost_sek"]: pd.to_numeric(plan["cost_sek"]), columns["due_on"]: pd.to_datetime(plan["due_on"]).dt.date,
    columns["status"]: [ui.t("action_status_" + s) for s in plan["status"]]})
# The columns that fit a tablet's width beside the sidebar; the focus area and the cost on asking.
every = st.toggle(ui.t("tbl_all_columns"), key="act_all_columns")
edited = st.data_editor(shown_plan, hide_index=True, key="act_editor", disabled=[columns["focus"]], column_config={
    columns["title"]: st.column_config.TextColumn(width=82),
    columns["owner"]: st.column_config.TextColumn(width=84),
    columns["priority"]: st.column_config.SelectboxColumn(options=list(labels["priority"]), required=True, width=92),
    columns["status"]: st.column_config.SelectboxColumn(options=list(labels["status"]), required=True, width=78),
    columns["cost_sek"]: st.column_config.NumberColumn(min_value=0, step=1000, format="%d kr"),
    columns["due_on"]: st.column_config.DateColumn(ui.t("col_due_short"), format="YYYY-MM-DD", width=86)},
    column_order=None if every else [columns[c] for c in ("title", "owner", "priority", "due_on", "status")])
if st.button(ui.t("act_save"), key="act_save"):
    try:
        for i in range(len(plan)):
            before, after = shown_plan.iloc[i], edited.iloc[i]
            changes = {}
            for key in ("title", "owner", "cost_sek", "due_on"):
                if not (pd.isna(before[columns[key]]) and pd.isna(after[columns[key]])) and \
                        before[columns[key]] != after[columns[key]]:
                    value = after[columns[key]]
                    changes[key] = None if pd.isna(value) else (float(value) if key == "cost_sek" else value)
            for key in ("priority", "status"):
                if before[columns[key]] != after[columns[key]]:
                    changes[key] = labels[key][after[columns[key]]]
            if changes:
                review.update_action(engine, project.id, int(plan["id"].iloc[i]), **changes)
    except BidgeoError as exc:
        ui.show_error(exc)
    else:
        st.success(ui.t("act_saved"))
