"""The audit log: who changed, deleted or restored what, and when.

Every ORM flush that touches a table in :data:`AUDITED` writes one ``audit_log`` row per
changed object, in the same transaction as the change (so a change that rolls back leaves
no entry, and none is missed). Who acted comes from the engine the session runs on:
:func:`acting` returns the store engine labelled with a user name, and the app and the CLI
use that engine for everything a person does. Bulk data (service points of an OSM import,
population cells, drafts being typed) is left out; its import is logged through the row
that holds it (the snapshot, the extract).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pandas as pd
from sqlalchemy import LargeBinary, event, inspect, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bidgeo.db import AuditEntry, Geometry, Observation, Project, User, Walk

ACTOR_OPTION = "bidgeo_actor"
AUDITED = frozenset(
    "projects area_versions service_snapshots service_corrections stakeholders osm_extracts walks observations "
    "photos assessments reviews review_comments actions process_plans process_tasks meetings users memberships"
    .split()
)
ACTIONS = ("insert", "update", "delete", "restore")
HIDDEN = frozenset({"password_hash"})  # "changed", never the value
NOT_CHANGES = frozenset({"id", "created_at", "updated_at"})
MAX_TEXT = 500
COLUMNS = ["at", "actor", "action", "entity", "ref", "changes"]


def acting(engine: Engine, actor: str) -> Engine:
    """``engine`` (sharing its connections) with every change made through it logged as
    done by ``actor`` (a user name, or e.g. ``cli:anna``)."""
    return engine.execution_options(**{ACTOR_OPTION: actor[:200]})


def _plain(value):
    """A JSON-safe, short form of a column value."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (list, dict)):
        value = str(value)
    text = str(value)
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + "…"


def _shown(column, value):
    if column.key in HIDDEN:
        return "***"
    if isinstance(column.type, (Geometry, LargeBinary)):
        return None if value is None else f"<{type(column.type).__name__.lower()}>"
    return _plain(value)


def _entry(session: Session, obj, action: str) -> dict | None:
    state = inspect(obj)
    table = state.mapper.local_table
    if table.name not in AUDITED:
        return None
    changes = {}
    for column in state.mapper.columns:
        attr = state.attrs[column.key]
        if action == "update":
            history = attr.history
            if not history.has_changes() or column.key in NOT_CHANGES:
                continue
            old = history.deleted[0] if history.deleted else None
            new = history.added[0] if history.added else None
            if column.key == "deleted_at" and (old is None) != (new is None):
                action = "delete" if new is not None else "restore"
            changes[column.key] = [_shown(column, old), _shown(column, new)]
        elif column.key not in NOT_CHANGES:
            changes[column.key] = _shown(column, attr.value if action == "insert" else attr.loaded_value)
    if action == "update" and not changes:
        return None
    project_id = obj.id if isinstance(obj, Project) else getattr(obj, "project_id", None)
    ref = getattr(obj, "uuid", None) or getattr(obj, "observation_uuid", None)
    if getattr(obj, "observation_id", None) is not None:
        project_id, ref = session.execute(select(Observation.project_id, Observation.uuid)
                                          .where(Observation.id == obj.observation_id)).one()
    elif project_id is None and getattr(obj, "walk_id", None) is not None:
        project_id = session.scalar(select(Walk.project_id).where(Walk.id == obj.walk_id))
    elif getattr(obj, "user_id", None) is not None:
        ref = session.scalar(select(User.username).where(User.id == obj.user_id))
    elif isinstance(obj, User):
        ref = obj.username
    if ref is None:
        ref = ",".join(str(key) for key in state.mapper.primary_key_from_instance(obj))
    return {"project_id": project_id, "action": action, "entity": table.name, "ref": str(ref)[:100],
            "changes": changes}


def listen() -> None:
    """Log the changes of every ORM session from now on (``db.make_engine`` calls this)."""
    if not event.contains(Session, "after_flush", _log):
        event.listen(Session, "after_flush", _log)


def _log(session: Session, _context) -> None:
    changed = [(obj, "insert") for obj in session.new] + [(obj, "update") for obj in session.dirty] + \
        [(obj, "delete") for obj in session.deleted]
    rows = [row for obj, action in changed if (row := _entry(session, obj, action)) is not None]
    if rows:
        connection = session.connection()
        actor = connection.get_execution_options().get(ACTOR_OPTION, "")
        connection.execute(insert(AuditEntry), [{**row, "actor": actor} for row in rows])


def summary(changes: dict, limit: int = 6) -> str:
    """The changes of an entry in one line: ``rating: 4 → 2; comment: … → …`` for an
    update, ``focus_area=place; rating=4`` for what was added or deleted."""
    parts = []
    for key, value in changes.items():
        if isinstance(value, list) and len(value) == 2:
            parts.append(f"{key}: {_brief(value[0])} → {_brief(value[1])}")
        elif value not in (None, "") and key != "uuid" and not key.endswith("_id"):  # those are in ref
            parts.append(f"{key}={_brief(value)}")
    return "; ".join(parts[:limit]) + ("; …" if len(parts) > limit else "")


def _brief(value) -> str:
    text = "–" if value in (None, "") else str(value)
    return text if len(text) <= 60 else text[:60] + "…"


def entries(engine: Engine, project_id: int | None = None, limit: int = 500) -> pd.DataFrame:
    """The newest ``limit`` entries, newest first (of one project, or of all when
    ``project_id`` is None): at, actor, action, entity, ref, changes."""
    query = select(AuditEntry.at, AuditEntry.actor, AuditEntry.action, AuditEntry.entity, AuditEntry.ref,
                   AuditEntry.changes).order_by(AuditEntry.id.desc()).limit(limit)
    if project_id is not None:
        query = query.where(AuditEntry.project_id == project_id)
    with Session(engine) as session:
        return pd.DataFrame(session.execute(query).all(), columns=COLUMNS)
