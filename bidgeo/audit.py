"""The audit log: who changed, deleted or restored what, and when.

The store writes it (``bidgeo.db``): every ORM flush that touches a table in :data:`AUDITED`
writes one ``audit_log`` row per changed object, in the same transaction as the change. Who
acted comes from the engine the session runs on: :func:`acting` returns the store engine
labelled with a user name, and the app and the CLI use that engine for everything a person
does. This module labels engines and reads the log (:func:`entries`, :func:`summary`).
"""

from __future__ import annotations

import re
from datetime import datetime

import pandas as pd
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bidgeo import categories
from bidgeo.db import ACTOR_OPTION, AUDITED, HIDDEN, AuditEntry  # noqa: F401 (AUDITED: the tables it covers)
from bidgeo.i18n import has, local_time, number, t
from bidgeo.process import method_tasks

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


# The words for a column's stored values: a catalogue family (``prefix + value``), per column
# or, where a column's values differ by table, per (table, column).
VALUE_WORDS = {"focus_area": "focus_", "kind": "kind_", "position_source": "source_", "state": "review_state_",
               "priority": "priority_", "bid_type": "bid_type_", "role": "role_", "source": "audit_source_",
               ("actions", "status"): "action_status_", ("area_versions", "status"): "area_status_",
               ("process_tasks", "status"): "task_status_", ("stakeholders", "status"): "status_",
               ("service_corrections", "kind"): "correction_kind_"}
REFERENCES = frozenset({"uuid", "observation_uuid", "observation_uuids", "sha256", "osm_sha256", "osm_type"})
"""Columns whose values are references to other rows or files, not words: said to have
changed, never shown (as ``*_id`` columns)."""


def described(entity: str, changes: dict, lang: str, limit: int = 6) -> str:
    """The changes of an entry in words, in ``lang``: ``Bedömning (1–5): 4 → 2; Kommentar: …``
    for an update, ``Fokusområde: Platsen; Bedömning (1–5): 4`` for what was added or deleted.
    A reference (an id, a uuid) or a hidden value is only said to have changed; a geometry or
    a file is named, not shown."""
    parts = []
    for key, value in changes.items():
        label = t("audit_field_" + key, lang)
        reference = key in REFERENCES or key.endswith("_id") or key in HIDDEN
        if isinstance(value, list) and len(value) == 2:
            if reference or any(_stored(v) for v in value):
                parts.append(t("audit_changed", lang, field=label))
            else:
                parts.append(f"{label}: {_word(entity, key, value[0], lang)} → {_word(entity, key, value[1], lang)}")
        elif value not in (None, "") and not reference:
            parts.append(f"{label}: {_word(entity, key, value, lang)}")
    return "; ".join(parts[:limit]) + ("; …" if len(parts) > limit else "")


def _word(entity: str, key: str, value, lang: str) -> str:
    """One stored value as a person reads it."""
    family = VALUE_WORDS.get((entity, key)) or VALUE_WORDS.get(key)
    if value in (None, ""):
        return "–"
    if isinstance(value, bool):
        return t("yes" if value else "no", lang)
    if _stored(value):
        return t("audit_value_" + value.strip("<>"), lang)
    if family and has(family + str(value)):
        return t(family + str(value), lang)
    if key == "category" and str(value) in categories.by_key():
        return categories.label(str(value), lang)
    if key == "task_key":
        titles = {task["key"]: task[lang if lang in ("sv", "en") else "sv"] for task in method_tasks()}
        return _brief(titles.get(value, value))
    if isinstance(value, float):
        return number(value, lang, 0 if value.is_integer() else 1)
    if isinstance(value, str) and _MOMENT.match(value):
        moment = datetime.fromisoformat(value)
        return local_time(moment) if len(value) > 10 else value
    return _brief(value)


def _stored(value) -> bool:
    """Whether ``value`` stands for a geometry or a file (``bidgeo.db`` logs those so)."""
    return isinstance(value, str) and value in ("<geometry>", "<largebinary>")


_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}.*)?$")


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
