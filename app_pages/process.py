"""The BID process itself: seven steps over 18 months from a start date, each step's checklist
and deliverables (linked to what the tool holds), the steering group's meetings, and the
handover package for the organisation that takes over."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

import ui
from bidgeo import charts, process, report, review, walks
from bidgeo.errors import BidgeoError

project = ui.project_page("pr_title", "pr_intro")
ui.require("manage")
engine, lang = ui.store(), ui.lang()
today = date.today()
current = process.plan(engine, project.id)

left, right = st.columns([2, 1])
start = left.date_input(ui.t("pr_start"), value=current.start_on if current else today, key="pr_start_on",
                        format="YYYY-MM-DD", min_value=date(2000, 1, 1))
if right.button(ui.t("pr_set_start"), key="pr_set_start", type="primary" if current is None else "secondary"):
    with ui.busy(ui.t("busy_saving")):
        process.start_process(engine, project.id, start)
    st.rerun()
if current is None:
    st.info(ui.t("pr_not_started"))
    st.stop()

phases = process.timeline(current.start_on)
table = process.tasks(engine, project.id, lang)
late = process.overdue(table, today)
now = process.current_step(current.start_on, today)
if now is not None:
    st.markdown(f"**{ui.t('pr_now', step=now, label=phases[now - 1].step.label(lang))}**")
else:
    st.markdown(ui.t("pr_before" if today < current.start_on else "pr_after"))
if late.any():
    st.warning(ui.t("pr_overdue", count=int(late.sum())))
st.image(charts.timeline_png(phases, today, table[late], lang))

# --- each step: deliverables and checklist ----------------------------------------------------------
missing = process.missing(engine, project.id)
STATUS = {s: ui.t("task_status_" + s) for s in process.TASK_STATUSES}
for phase in phases:
    number = phase.step.number
    title = ui.t("pr_step", step=number, label=phase.step.label(lang), start=phase.start.isoformat(),
                 end=phase.end.isoformat(), weeks=phase.step.weeks)
    lacking = missing.get(number, [])
    with st.expander(("⚠ " if lacking or late[table["step"] == number].any() else "") + title,
                     expanded=number == now):
        if number in process.DELIVERABLES:
            if lacking:
                st.warning(ui.t("pr_missing", what=", ".join(ui.t("deliverable_" + d) for d in lacking)))
            else:
                st.success(ui.t("pr_all_there"))
        mine = table[table["step"] == number]
        # The columns that fit a tablet's width beside the sidebar: a late task is marked in its name.
        shown = pd.DataFrame({ui.t("pr_task"): [("⚠ " if overdue else "") + title
                                                for title, overdue in zip(mine["title"], late[mine.index])],
                              ui.t("pr_status"): [STATUS[s] for s in mine["status"]],
                              ui.t("pr_owner"): mine["owner"], ui.t("pr_due"): pd.to_datetime(mine["due_on"]).dt.date})
        edited = st.data_editor(shown, hide_index=True, key=f"pr_tasks_{number}",
                                disabled=[ui.t("pr_task")], column_config={
                                    ui.t("pr_task"): st.column_config.TextColumn(width=130),
                                    ui.t("pr_status"): st.column_config.SelectboxColumn(options=list(STATUS.values()),
                                                                                        required=True, width=80),
                                    ui.t("pr_owner"): st.column_config.TextColumn(width=90),
                                    ui.t("pr_due"): st.column_config.DateColumn(ui.t("col_due_short"), width=86,
                                                                                format="YYYY-MM-DD")})
        if st.button(ui.t("pr_save_tasks"), key=f"pr_save_{number}"):
            status_of = {v: k for k, v in STATUS.items()}
            for i, task_id in enumerate(mine["id"]):
                before, after = shown.iloc[i], edited.iloc[i]
                changes = {}
                if before[ui.t("pr_status")] != after[ui.t("pr_status")]:
                    changes["status"] = status_of[after[ui.t("pr_status")]]
                if before[ui.t("pr_owner")] != after[ui.t("pr_owner")]:
                    changes["owner"] = after[ui.t("pr_owner")] or ""
                if before[ui.t("pr_due")] != after[ui.t("pr_due")]:
                    changes["due_on"] = None if pd.isna(after[ui.t("pr_due")]) else after[ui.t("pr_due")]
                if changes:
                    process.update_task(engine, project.id, int(task_id), **changes)
            st.rerun()
        with st.popover(ui.t("pr_add_task"), icon=":material/add:"):
            text = st.text_input(ui.t("pr_task"), key=f"pr_new_{number}")
            owner = st.text_input(ui.t("pr_owner"), key=f"pr_new_owner_{number}")
            due = st.date_input(ui.t("pr_due"), value=phase.end, key=f"pr_new_due_{number}", format="YYYY-MM-DD")
            if st.button(ui.t("pr_add_task"), key=f"pr_add_{number}"):
                try:
                    process.add_task(engine, project.id, number, text, owner, due)
                except BidgeoError as exc:
                    ui.show_error(exc)
                else:
                    st.rerun()
        if number == 6:
            left, right = st.columns(2)
            org = left.text_input(ui.t("pr_handover_org"), value=current.handover_org, key="pr_org")
            agreed = right.date_input(ui.t("pr_handover_on"), value=current.handover_agreed_on, key="pr_agreed",
                                      format="YYYY-MM-DD")
            if st.button(ui.t("pr_save_handover"), key="pr_save_org"):
                process.set_handover(engine, project.id, org, agreed)
                st.rerun()
        if number == 7:
            final = st.date_input(ui.t("pr_final_on"), value=current.final_report_on, key="pr_final",
                                  format="YYYY-MM-DD")
            if st.button(ui.t("pr_save_final"), key="pr_save_final"):
                process.set_final_report(engine, project.id, final)
                st.rerun()
            st.markdown(f"**{ui.t('pr_handover')}**")
            st.caption(ui.t("pr_handover_help"))
            contacts = st.checkbox(ui.t("pr_with_contacts"), key="pr_contacts")
            if st.button(ui.t("pr_make_handover"), key="pr_make_handover"):
                with ui.busy(ui.t("an_making")):
                    st.session_state["pr_zip"] = (project.id, report.handover_zip(engine, project.id, lang, contacts))
            made = st.session_state.get("pr_zip")
            if made and made[0] == project.id:
                name = f"overlamning-{project.name}.zip"
                st.download_button(ui.say("pr_download_handover", name=name), made[1], file_name=name,
                                   mime="application/zip", key="pr_download", icon=":material/download:")

# --- steering-group meetings -----------------------------------------------------------------------
st.subheader(ui.t("pr_meetings"))
reviewed = review.states(engine, project.id)
reviewed = reviewed[reviewed["state"] != "new"]
observations = walks.observations(engine, project.id).set_index("uuid")
with st.expander(ui.t("pr_meeting_new")):
    held = st.date_input(ui.t("pr_meeting_date"), value=today, key="mt_date", format="YYYY-MM-DD")
    people = st.text_input(ui.t("pr_meeting_participants"), key="mt_people")
    decisions = st.text_area(ui.t("pr_meeting_decisions"), key="mt_decisions")
    linked = st.multiselect(ui.t("pr_meeting_observations"), list(reviewed["uuid"]), key="mt_obs",
                            format_func=lambda u: f"{ui.t('focus_' + observations.loc[u, 'focus_area'])}: "
                                                  f"{(observations.loc[u, 'comment'] or '')[:60]}")
    if st.button(ui.t("pr_meeting_add"), key="mt_add", type="primary"):
        try:
            process.add_meeting(engine, project.id, held, people, decisions, linked)
        except BidgeoError as exc:
            ui.show_error(exc)
        else:
            st.rerun()
held_meetings = process.meetings(engine, project.id)
if held_meetings.empty:
    st.caption(ui.t("pr_no_meetings"))
for meeting in held_meetings.itertuples():
    with st.container(border=True):
        st.markdown(f"**{meeting.held_on.isoformat()}**")
        st.text(meeting.participants)
        st.text(meeting.decisions)
        for uuid in meeting.observation_uuids:
            if uuid in observations.index:
                st.text(f"↳ {ui.t('focus_' + observations.loc[uuid, 'focus_area'])}: {observations.loc[uuid, 'comment']}")
