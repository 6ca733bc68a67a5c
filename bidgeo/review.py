"""The steering group's review of the walk's observations (steps 2-5): a review state per
observation, reviewers' comments kept apart from the walkers' text, and the action plan
(handlingsplan) made of accepted observations."""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bidgeo.db import Action, Observation, Review, ReviewComment, utcnow
from bidgeo.errors import NotFoundError, ValidationError
from bidgeo.focus import FOCUS_AREAS
from bidgeo.walks import check_uuid

STATES = ("new", "accepted", "to_action", "rejected")
ACCEPTED = ("accepted", "to_action")
"""The states of an observation the steering group has accepted: "to action" is accepted
and made an action of. :func:`accepted_count` is the one definition every page and report uses."""
PRIORITIES = ("high", "medium", "low")
ACTION_STATUSES = ("planned", "in_progress", "done")
MAX_TEXT = 5000


def _observation(session: Session, project_id: int, uuid: str) -> Observation:
    obs = session.scalar(select(Observation).where(Observation.uuid == check_uuid(uuid),
                                                   Observation.project_id == project_id))
    if obs is None:
        raise NotFoundError("obs_not_found", ref=uuid)
    return obs


def set_state(engine: Engine, project_id: int, uuid: str, state: str, by: str = "") -> None:
    if state not in STATES:
        raise ValidationError("bad_choice", field="state", value=state, choices=", ".join(STATES))
    with Session(engine) as session:
        obs = _observation(session, project_id, uuid)
        review = session.get(Review, obs.id) or Review(observation_id=obs.id)
        review.state, review.by, review.updated_at = state, by.strip(), utcnow()
        session.add(review)
        session.commit()


def add_comment(engine: Engine, project_id: int, uuid: str, author: str, text: str) -> None:
    author, text = author.strip(), text.strip()
    if not author:
        raise ValidationError("review_no_author")
    if not text or len(text) > MAX_TEXT:
        raise ValidationError("review_bad_comment", limit=MAX_TEXT)
    with Session(engine) as session:
        obs = _observation(session, project_id, uuid)
        session.add(ReviewComment(observation_id=obs.id, author=author, text=text))
        session.commit()


def save_review(engine: Engine, project_id: int, uuid: str, *, state: str | None = None, by: str = "",
                comment: str = "") -> None:
    """What a reviewer sends at once: observation ``uuid``'s new ``state`` (None: unchanged)
    and a ``comment`` (empty: none), both checked first and written in one transaction, so
    that either both are kept or neither is (and the reviewer's text can be sent again)."""
    if state is not None and state not in STATES:
        raise ValidationError("bad_choice", field="state", value=state, choices=", ".join(STATES))
    by, comment = by.strip(), comment.strip()
    if comment and not by:
        raise ValidationError("review_no_author")
    if len(comment) > MAX_TEXT:
        raise ValidationError("review_bad_comment", limit=MAX_TEXT)
    with Session(engine) as session:
        obs = _observation(session, project_id, uuid)
        review = session.get(Review, obs.id)
        if state is not None and (review is None or review.state != state):
            review = review or Review(observation_id=obs.id)
            review.state, review.by, review.updated_at = state, by, utcnow()
            session.add(review)
        if comment:
            session.add(ReviewComment(observation_id=obs.id, author=by, text=comment))
        session.commit()


def states(engine: Engine, project_id: int) -> pd.DataFrame:
    """Every (not deleted) observation's review state: uuid, state, by, updated_at."""
    with Session(engine) as session:
        rows = session.execute(
            select(Observation.uuid, Review.state, Review.by, Review.updated_at)
            .outerjoin(Review, Review.observation_id == Observation.id)
            .where(Observation.project_id == project_id, Observation.deleted_at.is_(None))
            .order_by(Observation.id)).all()
    frame = pd.DataFrame(rows, columns=["uuid", "state", "by", "updated_at"])
    frame["state"] = frame["state"].fillna("new")
    return frame


def state_counts(engine: Engine, project_id: int) -> dict[str, int]:
    """How many (not deleted) observations are in each of :data:`STATES` (each state present)."""
    found = states(engine, project_id)["state"].value_counts()
    return {state: int(found.get(state, 0)) for state in STATES}


def accepted_count(counts: dict[str, int]) -> int:
    """How many observations the steering group has accepted (:data:`ACCEPTED`), from
    :func:`state_counts`."""
    return sum(counts[state] for state in ACCEPTED)


def comments(engine: Engine, project_id: int) -> pd.DataFrame:
    """Reviewers' comments, oldest first: uuid, author, text, created_at."""
    with Session(engine) as session:
        rows = session.execute(
            select(Observation.uuid, ReviewComment.author, ReviewComment.text, ReviewComment.created_at)
            .join(Observation, Observation.id == ReviewComment.observation_id)
            .where(Observation.project_id == project_id).order_by(ReviewComment.id)).all()
    return pd.DataFrame(rows, columns=["uuid", "author", "text", "created_at"])


def _check_action(title: str, focus_area: str, priority: str, cost_sek: float | None, status: str) -> None:
    if not title.strip():
        raise ValidationError("action_no_title")
    if focus_area not in FOCUS_AREAS:
        raise ValidationError("bad_choice", field="focus_area", value=focus_area, choices=", ".join(FOCUS_AREAS))
    if priority not in PRIORITIES:
        raise ValidationError("bad_choice", field="priority", value=priority, choices=", ".join(PRIORITIES))
    if status not in ACTION_STATUSES:
        raise ValidationError("bad_choice", field="status", value=status, choices=", ".join(ACTION_STATUSES))
    if cost_sek is not None and not (0 <= cost_sek < 1e10):
        raise ValidationError("action_bad_cost", value=cost_sek)


def create_action(engine: Engine, project_id: int, title: str, focus_area: str, *, uuid: str | None = None,
                  owner: str = "", priority: str = "medium", cost_sek: float | None = None,
                  due_on: date | None = None, status: str = "planned") -> int:
    """A row of the action plan. Made from observation ``uuid``, that observation must be
    accepted (or already to action), and it becomes "to action"."""
    _check_action(title, focus_area, priority, cost_sek, status)
    with Session(engine) as session:
        obs_id = None
        if uuid is not None:
            obs = _observation(session, project_id, uuid)
            review = session.get(Review, obs.id)
            if review is None or review.state not in ("accepted", "to_action"):
                raise ValidationError("action_needs_accepted")
            review.state, review.updated_at, obs_id = "to_action", utcnow(), obs.id
        action = Action(project_id=project_id, observation_id=obs_id, title=title.strip()[:300],
                        focus_area=focus_area, owner=owner.strip(), priority=priority, cost_sek=cost_sek,
                        due_on=due_on, status=status, done_at=utcnow() if status == "done" else None)
        session.add(action)
        session.commit()
        return action.id


EDITABLE = ("title", "focus_area", "owner", "priority", "cost_sek", "due_on", "status")


def update_action(engine: Engine, project_id: int, action_id: int, **changes) -> None:
    """Change an action's title, focus_area, owner, priority, cost_sek, due_on or status."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationError("bad_choice", field="field", value=", ".join(sorted(unknown)), choices=", ".join(EDITABLE))
    with Session(engine) as session:
        action = session.get(Action, action_id)
        if action is None or action.project_id != project_id:
            raise NotFoundError("action_not_found", ref=str(action_id))
        merged = {k: getattr(action, k) for k in ("title", "focus_area", "priority", "cost_sek", "status")}
        merged.update({k: v for k, v in changes.items() if k in merged})
        _check_action(merged["title"], merged["focus_area"], merged["priority"], merged["cost_sek"], merged["status"])
        if "status" in changes and (changes["status"] == "done") != (action.status == "done"):
            action.done_at = utcnow() if changes["status"] == "done" else None
        for key, value in changes.items():
            setattr(action, key, value.strip() if isinstance(value, str) else value)
        action.updated_at = utcnow()
        session.commit()


ACTION_COLUMNS = ["id", "uuid", "title", "focus_area", "owner", "priority", "cost_sek", "due_on", "status",
                  "created_at", "done_at"]


def actions(engine: Engine, project_id: int) -> pd.DataFrame:
    """The action plan, by priority then due date: id, uuid (of its observation, if any),
    title, focus_area, owner, priority, cost_sek, due_on, status, created_at, done_at (when it
    became done)."""
    with Session(engine) as session:
        rows = session.execute(
            select(Action.id, Observation.uuid, Action.title, Action.focus_area, Action.owner, Action.priority,
                   Action.cost_sek, Action.due_on, Action.status, Action.created_at, Action.done_at)
            .outerjoin(Observation, Observation.id == Action.observation_id)
            .where(Action.project_id == project_id).order_by(Action.id)).all()
    frame = pd.DataFrame(rows, columns=ACTION_COLUMNS, dtype=object)
    frame["order"] = frame["priority"].map({p: i for i, p in enumerate(PRIORITIES)})
    return frame.sort_values(["order", "due_on"], na_position="last", kind="stable").drop(columns="order") \
        .reset_index(drop=True)
