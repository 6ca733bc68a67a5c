"""The business plan (affärsplan, steps 4-6): the vision and target picture with a goal per
focus area, milestones on the map linked to the action plan, cases tried for real with photos
before and after, the versions the steering group comments on, approves and the municipality
anchors, and the documents: the plan as PDF and DOCX and the draft cooperation agreement."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

import ui
from bidgeo import focus, maps, photos, plan, plan_report, review
from bidgeo.area_versions import current_version
from bidgeo.errors import BidgeoError
from bidgeo.i18n import local_time, number

project = ui.project_page("bp_title", "bp_intro")
ui.require("review")
ui.prefill_name("bp_author")
engine, lang = ui.store(), ui.lang()
info = plan.get_plan(engine, project.id)
st.html('<style>[class*="st-key-bp_"] button {min-height:48px;}</style>')  # fingers on a tablet

# --- vision, target picture and goals ------------------------------------------------------------------
with st.form("bp_text"):
    vision = st.text_area(ui.t("pd_vision"), value=info.vision, key="bp_vision", height=90)
    target = st.text_area(ui.t("pd_target_picture"), value=info.target_picture, key="bp_target", height=90)
    st.markdown(f"**{ui.t('pd_goals')}**")
    goals = {k: st.text_input(ui.t(f"focus_{k}"), value=info.goals.get(k, ""), key=f"bp_goal_{k}")
             for k in focus.FOCUS_AREAS}
    if st.form_submit_button(ui.t("bp_save_text"), type="primary", key="bp_save_text"):
        try:
            plan.save_text(engine, project.id, vision, target, goals)
        except BidgeoError as exc:
            ui.show_error(exc)
        else:
            st.success(ui.t("bp_saved"))

# --- milestones ----------------------------------------------------------------------------------------
st.subheader(ui.t("pd_milestones"))
stones = plan.milestones(engine, project.id)
actions = review.actions(engine, project.id)
titles = dict(zip(actions["id"], actions["title"]))
placed = [(i, r.title, r.lon, r.lat) for i, r in enumerate(stones.itertuples(), start=1) if pd.notna(r.lon)]
area = current_version(engine, project.id)
pin = st.session_state.get("bp_pin")
st.caption(ui.t("bp_map_help"))
clicked = ui.show_map(ui.cached_map(maps.milestone_map, ui.project_osm(project), lang,
                                    area.geometry if area else None, placed, pin),
                      key=f"bpmap-{project.id}-{len(placed)}-{pin}", height=420, returned_objects=["last_clicked"])
tap = (clicked or {}).get("last_clicked")
if tap and (tap["lng"], tap["lat"]) != st.session_state.get("bp_tap"):  # a new tap on the map is the place
    st.session_state["bp_tap"] = st.session_state["bp_pin"] = (tap["lng"], tap["lat"])
    editing = st.session_state.get("bp_stone_pick")
    st.session_state["bp_stone_where" if editing is None else f"bp_stone_where_{editing}"] = "point"
    st.rerun()
if len(stones):
    st.dataframe(pd.DataFrame({
        ui.t("pd_col_number"): range(1, len(stones) + 1), ui.t("pd_col_milestone"): stones["title"],
        ui.t("pd_col_focus"): [ui.t(f"focus_{k}") if k else "–" for k in stones["focus_area"]],
        ui.t("pd_col_when"): [d.isoformat() if d else "–" for d in stones["due_on"]],
        ui.t("pd_col_where"): [ui.t("pd_where_point", number=i + 1) if pd.notna(x) else ui.t("pd_where_area")
                               for i, x in enumerate(stones["lon"])],
        ui.t("pd_col_how"): stones["how"],
        ui.t("pd_col_actions"): [", ".join(titles.get(a, "") for a in ids) for ids in stones["action_ids"]],
        ui.t("pd_col_observations"): [len(o) for o in stones["observations"]]}), hide_index=True, key="bp_stones")
else:
    st.info(ui.t("pd_no_milestones"))
def _stone_form(stone) -> None:
    """The form of a new milestone (``stone`` None) or of one to change (a row of the table)."""
    suffix = "" if stone is None else f"_{stone.id}"
    own = None if stone is None or pd.isna(stone.lon) else (float(stone.lon), float(stone.lat))
    areas = [None, *focus.FOCUS_AREAS]
    with st.form(f"bp_stone_form{suffix}", clear_on_submit=stone is None):
        title = st.text_input(ui.t("bp_stone_what"), value=stone.title if stone else "", key=f"bp_stone_title{suffix}")
        left, right = st.columns(2)
        due = left.date_input(ui.t("bp_stone_when"), value=stone.due_on if stone else None, min_value=date(2000, 1, 1),
                              format="YYYY-MM-DD", key=f"bp_stone_due{suffix}")
        area_key = right.selectbox(ui.t("pd_col_focus"), areas, index=areas.index(stone.focus_area) if stone else 0,
                                   key=f"bp_stone_focus{suffix}",
                                   format_func=lambda k: ui.t(f"focus_{k}") if k else ui.t("none"))
        st.session_state.setdefault(f"bp_stone_where{suffix}", "area" if own is None else "point")
        where = st.radio(ui.t("bp_stone_where"), ["point", "area"], horizontal=True, key=f"bp_stone_where{suffix}",
                         format_func=lambda w: ui.t(f"bp_where_{w}"))
        how = st.text_area(ui.t("bp_stone_how"), value=stone.how if stone else "", key=f"bp_stone_how{suffix}",
                           height=70)
        linked = st.multiselect(ui.t("pd_col_actions"), list(titles), default=[a for a in (stone.action_ids if stone
                                else []) if a in titles], format_func=titles.get, key=f"bp_stone_actions{suffix}")
        if not st.form_submit_button(ui.t("bp_stone_add" if stone is None else "bp_save_changes"), type="primary",
                                     key=f"bp_stone_add{suffix}"):
            return
    at = (pin or own) if where == "point" else None
    if where == "point" and at is None:
        st.error(ui.t("bp_tap_first"))
        return
    try:
        plan.save_milestone(engine, project.id, title, milestone_id=None if stone is None else int(stone.id),
                            due_on=due, focus_area=area_key, how=how, lon=at[0] if at else None,
                            lat=at[1] if at else None, action_ids=linked)
    except BidgeoError as exc:
        ui.show_error(exc)
    else:
        st.session_state.pop("bp_pin", None)
        st.rerun()


choices = {None: ui.t("bp_stone_new"), **dict(zip(stones["id"], stones["title"]))}
if st.session_state.get("bp_stone_pick") not in choices:  # removed meanwhile
    st.session_state.pop("bp_stone_pick", None)
editing = st.selectbox(ui.t("bp_stone_pick"), list(choices), format_func=choices.get, key="bp_stone_pick")
if st.session_state.get("bp_stone_was") != editing:  # another milestone: no tap of the last one's place
    st.session_state["bp_stone_was"] = editing
    st.session_state.pop("bp_pin", None)
    pin = None
_stone_form(None if editing is None else next(r for r in stones.itertuples() if r.id == editing))
if len(stones):
    left, right = st.columns([3, 1])
    gone = left.selectbox(ui.t("bp_stone_remove"), stones["id"], key="bp_stone_gone",
                          format_func=dict(zip(stones["id"], stones["title"])).get)
    if right.button(ui.t("bp_remove"), key="bp_remove", icon=":material/delete:"):
        plan.delete_milestone(engine, project.id, int(gone))
        st.rerun()

# --- cases ---------------------------------------------------------------------------------------------


def _case_form(case) -> None:
    """The form of a new case (``case`` None) or of one to change."""
    suffix = "" if case is None else f"_{case.id}"
    with st.form(f"bp_case_form{suffix}", clear_on_submit=case is None):
        what = st.text_input(ui.t("bp_case_what"), value=case.title if case else "", key=f"bp_case_title{suffix}")
        left, right = st.columns(2)
        done = left.date_input(ui.t("pd_when"), value=case.done_on if case else None, min_value=date(2000, 1, 1),
                               format="YYYY-MM-DD", key=f"bp_case_done{suffix}")
        cost = right.number_input(ui.t("pd_col_cost"), min_value=0.0, step=500.0,
                                  value=case.cost_sek if case else None, key=f"bp_case_cost{suffix}")
        result = st.text_area(ui.t("pd_result"), value=case.result if case else "", key=f"bp_case_result{suffix}",
                              height=70)
        if st.form_submit_button(ui.t("bp_case_add" if case is None else "bp_save_changes"), type="primary",
                                 key=f"bp_case_add{suffix}"):
            try:
                plan.save_case(engine, project.id, what, case_id=None if case is None else case.id, done_on=done,
                               cost_sek=cost, result=result)
            except BidgeoError as exc:
                ui.show_error(exc)
            else:
                st.rerun()


st.subheader(ui.t("pd_cases"))
for case in plan.cases(engine, project.id):
    cost = number(case.cost_sek, lang) if case.cost_sek is not None else "–"
    with st.expander(f"{case.title} · {case.done_on or '–'} · {cost} kr"):
        ui.plain(case.result)
        _case_form(case)
        for column, (when, uuid) in zip(st.columns(2), (("before", case.before_uuid), ("after", case.after_uuid))):
            column.markdown(f"**{ui.t('pd_' + when)}**")
            for photo in photos.photos(engine, project.id, [uuid]):
                column.image(photo.thumbnail)
            upload = column.file_uploader(ui.t("bp_photo"), type=["jpg", "jpeg", "png", "heic", "webp"],
                                          key=f"bp_photo_{when}_{case.id}")
            if upload is not None and column.button(ui.t("bp_photo_add"), key=f"bp_photo_add_{when}_{case.id}"):
                try:
                    plan.add_case_photo(engine, project.id, case.id, when, upload.getvalue(), upload.name)
                except BidgeoError as exc:
                    ui.show_error(exc)
                else:
                    st.rerun()
_case_form(None)

# --- versions and the steering group's comments ------------------------------------------------------------
st.subheader(ui.t("pd_versions"))
version = plan.current_version(engine, project.id)
if version is None:
    st.info(ui.t("pd_no_versions"))
else:
    st.markdown(ui.say("bp_version_now", number=version.number, status=ui.t(f"plan_status_{version.status}")))
author = st.text_input(ui.t("bp_author"), key="bp_author", max_chars=200)
status = version.status if version else "draft"
left, right = st.columns(2)
if status in plan.NEXT_STATUS and left.button(ui.t(f"bp_advance_{status}"), key="bp_advance", type="primary"):
    plan.advance(engine, project.id, by=author)
    st.rerun()
if version is not None and status != "draft" and right.button(ui.t("bp_new_version"), key="bp_new_version"):
    plan.new_version(engine, project.id)
    st.rerun()
notes = plan.comments(engine, project.id)
for note in notes.itertuples():
    with st.container(border=True):
        st.caption(ui.say("bp_comment_by", number=note.number, author=note.author, when=local_time(note.created_at)))
        ui.plain(note.text)
if status == "consultation":
    with st.form("bp_comment", clear_on_submit=True, border=False):
        text = st.text_area(ui.t("bp_comment_new"), key="bp_comment_text", height=80)
        if st.form_submit_button(ui.t("bp_comment_add"), key="bp_comment_add"):
            try:
                plan.add_comment(engine, project.id, author, text)
            except BidgeoError as exc:
                ui.show_error(exc)
            else:
                st.rerun()

# --- the documents ----------------------------------------------------------------------------------------
st.subheader(ui.t("bp_documents"))
st.caption(ui.t("pd_edition"))
DOCUMENTS = {"plan_pdf": (plan_report.plan_pdf, "affarsplan.pdf", "application/pdf"),
             "plan_docx": (plan_report.plan_docx, "affarsplan.docx",
                           "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
             "agreement_docx": (plan_report.agreement_docx, "samverkansavtal.docx",
                                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
             "agreement_pdf": (plan_report.agreement_pdf, "samverkansavtal.pdf", "application/pdf")}
cells = [cell for _ in range(2) for cell in st.columns(2)]  # two a row: whole labels on a tablet
for column, (name, (make, file_name, mime)) in zip(cells, DOCUMENTS.items()):
    if column.button(ui.t(f"bp_make_{name}"), key=f"bp_make_{name}"):
        with st.spinner(ui.t("an_making")):
            try:
                st.session_state[f"bp_doc_{name}"] = (project.id, make(engine, project.id, lang))
            except BidgeoError as exc:
                ui.show_error(exc)
    made = st.session_state.get(f"bp_doc_{name}")
    if made and made[0] == project.id:
        column.download_button(ui.say("pr_download_handover", name=file_name), made[1], file_name=file_name,
                               mime=mime, key=f"bp_download_{name}", icon=":material/download:")
