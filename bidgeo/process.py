"""The Levande orter process itself: seven steps over 18 months (``data/process.csv``), each
with the method's checklist (``data/process_tasks.csv``) and the users' own tasks, the
deliverables the tool holds, and the steering group's meetings."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from importlib import resources

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bidgeo import review, walks
from bidgeo.area_versions import list_versions
from bidgeo.db import (BusinessPlan, Meeting, PlanCase, PlanMilestone, PlanVersion, ProcessPlan, ProcessTask,
                       Stakeholder)
from bidgeo.errors import NotFoundError, ValidationError

TASK_STATUSES = ("todo", "doing", "done")


@dataclass(frozen=True)
class Step:
    number: int
    weeks: int
    phase: str
    sv: str
    en: str

    def label(self, lang: str) -> str:
        return self.sv if lang == "sv" else self.en


@cache
def steps() -> tuple[Step, ...]:
    text = resources.files("bidgeo").joinpath("data/process.csv").read_text("utf-8")
    return tuple(Step(int(r["step"]), int(r["weeks"]), r["phase"], r["sv"], r["en"])
                 for r in csv.DictReader(text.splitlines()))


@cache
def method_tasks() -> tuple[dict, ...]:
    """The method's tasks: step, key, sv, en."""
    text = resources.files("bidgeo").joinpath("data/process_tasks.csv").read_text("utf-8")
    return tuple({**r, "step": int(r["step"])} for r in csv.DictReader(text.splitlines()))


@dataclass(frozen=True)
class Phase:
    step: Step
    start: date
    end: date
    """The last day of the step."""


def timeline(start: date) -> list[Phase]:
    """The steps one after another from ``start``, each as long as the method says."""
    phases, begin = [], start
    for step in steps():
        end = begin + timedelta(weeks=step.weeks) - timedelta(days=1)
        phases.append(Phase(step, begin, end))
        begin = end + timedelta(days=1)
    return phases


def current_step(start: date, today: date) -> int | None:
    """The number of the step ``today`` falls in (None before the start or after the end)."""
    return next((p.step.number for p in timeline(start) if p.start <= today <= p.end), None)


# --- the plan and its checklists ----------------------------------------------------------------------
def plan(engine: Engine, project_id: int) -> ProcessPlan | None:
    with Session(engine) as session:
        row = session.get(ProcessPlan, project_id)
        if row is not None:
            session.expunge(row)
        return row


def start_process(engine: Engine, project_id: int, start: date) -> None:
    """Set (or move) the start; the method's tasks are added once, due at their step's end.
    Moving the start moves the due dates of tasks that nobody has changed."""
    with Session(engine) as session:
        row = session.get(ProcessPlan, project_id)
        old = timeline(row.start_on) if row is not None else None
        if row is None:
            session.add(ProcessPlan(project_id=project_id, start_on=start))
        else:
            row.start_on = start
        new = timeline(start)
        existing = {t.task_key: t for t in session.scalars(select(ProcessTask).where(
            ProcessTask.project_id == project_id, ProcessTask.task_key.is_not(None)))}
        for task in method_tasks():
            due = new[task["step"] - 1].end
            if task["key"] not in existing:
                session.add(ProcessTask(project_id=project_id, step=task["step"], task_key=task["key"], due_on=due))
            elif old is not None and existing[task["key"]].due_on == old[task["step"] - 1].end:
                existing[task["key"]].due_on = due
        session.commit()


def set_handover(engine: Engine, project_id: int, organisation: str, agreed_on: date | None) -> None:
    _update_plan(engine, project_id, handover_org=organisation.strip()[:300], handover_agreed_on=agreed_on)


def set_final_report(engine: Engine, project_id: int, done_on: date | None) -> None:
    _update_plan(engine, project_id, final_report_on=done_on)


def _update_plan(engine: Engine, project_id: int, **values) -> None:
    with Session(engine) as session:
        row = session.get(ProcessPlan, project_id)
        if row is None:
            raise ValidationError("process_not_started")
        for key, value in values.items():
            setattr(row, key, value)
        session.commit()


def add_task(engine: Engine, project_id: int, step: int, title: str, owner: str = "",
             due_on: date | None = None) -> int:
    if step not in {s.number for s in steps()}:
        raise ValidationError("bad_choice", field="step", value=step, choices="1–7")
    if not title.strip():
        raise ValidationError("task_no_title")
    with Session(engine) as session:
        task = ProcessTask(project_id=project_id, step=step, title=title.strip(), owner=owner.strip(), due_on=due_on)
        session.add(task)
        session.commit()
        return task.id


def update_task(engine: Engine, project_id: int, task_id: int, **changes) -> None:
    """Change a task's status, owner, due_on or (an own task's) title."""
    if "status" in changes and changes["status"] not in TASK_STATUSES:
        raise ValidationError("bad_choice", field="status", value=changes["status"], choices=", ".join(TASK_STATUSES))
    unknown = set(changes) - {"status", "owner", "due_on", "title"}
    if unknown:
        raise ValidationError("bad_choice", field="field", value=", ".join(sorted(unknown)),
                              choices="status, owner, due_on, title")
    with Session(engine) as session:
        task = session.get(ProcessTask, task_id)
        if task is None or task.project_id != project_id:
            raise NotFoundError("task_not_found", ref=str(task_id))
        for key, value in changes.items():
            setattr(task, key, value.strip() if isinstance(value, str) else value)
        session.commit()


def tasks(engine: Engine, project_id: int, lang: str) -> pd.DataFrame:
    """Every task in step order: id, step, key, title (the method's in ``lang``), status,
    owner, due_on. A method's task that the business plan shows done (:data:`PLAN_TASKS`)
    is done."""
    have = plan_status(engine, project_id)
    done = {task for task, needs in PLAN_TASKS.items() if have[needs]}
    titles = {t["key"]: t[lang if lang in ("sv", "en") else "sv"] for t in method_tasks()}
    order = {t["key"]: i for i, t in enumerate(method_tasks())}
    with Session(engine) as session:
        rows = session.execute(select(ProcessTask.id, ProcessTask.step, ProcessTask.task_key, ProcessTask.title,
                                      ProcessTask.status, ProcessTask.owner, ProcessTask.due_on)
                               .where(ProcessTask.project_id == project_id)).all()
    frame = pd.DataFrame(rows, columns=["id", "step", "key", "title", "status", "owner", "due_on"], dtype=object)
    frame["title"] = [titles.get(k, t) if k else t for k, t in zip(frame["key"], frame["title"])]
    frame["status"] = ["done" if k in done else s for k, s in zip(frame["key"], frame["status"])]
    frame["order"] = [order.get(k, len(order) + i) for i, k in zip(frame["id"], frame["key"])]
    return frame.sort_values(["step", "order"]).drop(columns="order").reset_index(drop=True)


def overdue(table: pd.DataFrame, today: date) -> pd.Series:
    """Which tasks are past their due date and not done (aligned to ``table``)."""
    return pd.Series([s != "done" and d is not None and not pd.isna(d) and d < today
                      for s, d in zip(table["status"], table["due_on"])], index=table.index, dtype=bool)


# --- deliverables -------------------------------------------------------------------------------------
DELIVERABLES = {1: ("approved_area", "letters_of_intent"), 2: ("place_walk",), 3: ("status_analysis",),
                4: ("action_plan", "business_plan", "cases"), 5: ("plan_approved", "plan_anchored"),
                6: ("takeover_agreement",), 7: ("final_report",)}
"""What each step leaves behind, as the tool holds it (steps 4-5 read the business plan,
:func:`plan_status`)."""
PLAN_TASKS = {"business_plan": "business_plan", "cases": "cases", "compile_plan": "plan_sent",
              "anchor_plan": "plan_anchored"}
"""The method's tasks that the business plan shows done: task key → what it needs."""


def plan_status(engine: Engine, project_id: int) -> dict[str, bool]:
    """What the business plan (``bidgeo.plan``) has: ``business_plan`` (a vision, a goal and a
    milestone), ``cases`` (a case with a result), ``plan_sent`` (a version out for comments or
    further), ``plan_approved`` (approved by the steering group or anchored), ``plan_anchored``."""
    with Session(engine) as session:
        written = session.get(BusinessPlan, project_id)
        has_milestone = bool(session.scalar(select(func.count()).select_from(PlanMilestone)
                                            .where(PlanMilestone.project_id == project_id)))
        has_case = bool(session.scalar(select(func.count()).select_from(PlanCase)
                                       .where(PlanCase.project_id == project_id, PlanCase.result != "")))
        reached = set(session.scalars(select(PlanVersion.status).where(PlanVersion.project_id == project_id)))
    return {"business_plan": bool(written is not None and written.vision and written.goals and has_milestone),
            "cases": has_case, "plan_sent": bool(reached - {"draft"}),
            "plan_approved": bool(reached & {"approved", "anchored"}), "plan_anchored": "anchored" in reached}


def deliverables(engine: Engine, project_id: int) -> dict[str, bool]:
    """Which deliverables the project has: an approved area version, signed letters of
    intent, a walk with observations, a status analysis (focus-area scores and reviewed
    observations), an action plan, the business plan and its cases, the plan approved by the
    steering group and anchored with the municipality (:func:`plan_status`), an agreement on
    who takes over, the final report."""
    have_plan = plan_status(engine, project_id)
    project_walks = walks.walks(engine, project_id)
    states = review.states(engine, project_id)
    with Session(engine) as session:
        signed = session.scalar(select(func.count()).select_from(Stakeholder).where(
            Stakeholder.project_id == project_id, Stakeholder.status == "signed"))
        row = session.get(ProcessPlan, project_id)
    return {
        "approved_area": any(v.status == "approved" for v in list_versions(engine, project_id)),
        "letters_of_intent": bool(signed),
        "place_walk": any(w.observations for w in project_walks),
        "status_analysis": not walks.assessments(engine, [w.id for w in project_walks]).empty
        and bool((states["state"] != "new").any()),
        "action_plan": not review.actions(engine, project_id).empty,
        **{key: have_plan[key] for key in ("business_plan", "cases", "plan_approved", "plan_anchored")},
        "takeover_agreement": row is not None and bool(row.handover_org) and row.handover_agreed_on is not None,
        "final_report": row is not None and row.final_report_on is not None,
    }


def missing(engine: Engine, project_id: int) -> dict[int, list[str]]:
    """Per step, the deliverables it still lacks."""
    have = deliverables(engine, project_id)
    return {step: [d for d in keys if not have[d]] for step, keys in DELIVERABLES.items()}


# --- steering-group meetings --------------------------------------------------------------------------
def add_meeting(engine: Engine, project_id: int, held_on: date, participants: str, decisions: str,
                observation_uuids: list[str] = ()) -> int:
    if not decisions.strip():
        raise ValidationError("meeting_no_decisions")
    uuids = [walks.check_uuid(u) for u in observation_uuids]
    known = set(walks.observations(engine, project_id)["uuid"])
    unknown = [u for u in uuids if u not in known]
    if unknown:
        raise NotFoundError("obs_not_found", ref=unknown[0])
    with Session(engine) as session:
        meeting = Meeting(project_id=project_id, held_on=held_on, participants=participants.strip(),
                          decisions=decisions.strip(), observation_uuids=uuids)
        session.add(meeting)
        session.commit()
        return meeting.id


def meetings(engine: Engine, project_id: int) -> pd.DataFrame:
    """The meetings, newest first: id, held_on, participants, decisions, observation_uuids."""
    with Session(engine) as session:
        rows = session.execute(select(Meeting.id, Meeting.held_on, Meeting.participants, Meeting.decisions,
                                      Meeting.observation_uuids).where(Meeting.project_id == project_id)
                               .order_by(Meeting.held_on.desc(), Meeting.id.desc())).all()
    return pd.DataFrame(rows, columns=["id", "held_on", "participants", "decisions", "observation_uuids"])
