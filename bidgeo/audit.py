"""The audit log: who changed, deleted or restored what, and when.

The store writes it (``bidgeo.db``): every ORM flush that touches a table in :data:`AUDITED`
writes one ``audit_log`` row per changed object, in the same transaction as the change. Who
acted comes from the engine the session runs on: :func:`acting` returns the store engine
labelled with a user name, and the app and the CLI use that engine for everything a person
does. This module labels engines and reads the log (:func:`entries`, :func:`summary`).
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bidgeo.db import ACTOR_OPTION, AUDITED, AuditEntry  # noqa: F401 (AUDITED: the tables it covers)

ACTIONS = ("insert", "update", "delete", "restore")
COLUMNS = ["at", "actor", "action", "entity", "ref", "changes"]
MAX_LIMIT = 1_000_000  # entries one listing may ask for


def acting(engine: Engine, actor: str) -> Engine:
    """``engine`` (sharing its connections) with every change made through it logged as
    done by ``actor`` (a user name, or e.g. ``cli:anna``)."""
    return engine.execution_options(**{ACTOR_OPTION: actor[:200]})


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
