"""The conclusions of the status analysis (nulägesanalys, steps 2-3), in the BID manager's own
words: a summary and, per focus area, its strengths, challenges and opportunities. The method's
status analysis builds on local knowledge, so these are written by a person, kept with the
project, edited on the status-analysis page or with ``bidgeo conclusions``, and printed in the
report (as plain text)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bidgeo.db import Conclusion, utcnow
from bidgeo.errors import InputError, ValidationError
from bidgeo.focus import FOCUS_AREAS
from bidgeo.projects import get_project

PARTS = ("strengths", "challenges", "opportunities")
"""What is written per focus area, in this order."""
MAX_TEXT = 10_000
"""Characters in one text (a summary of a few pages at most)."""
MAX_FILE_BYTES = 500_000
"""A file of conclusions (``bidgeo conclusions --file``) is at most this big."""
SUMMARY = ("", "summary")
"""The summary's (focus_area, part) in the table."""


@dataclass(frozen=True)
class Conclusions:
    """A project's conclusions: ``summary`` and ``areas[focus_area][part]`` for every focus
    area and part ("" where nothing is written), who wrote last and when (None: nothing yet)."""

    summary: str
    areas: dict[str, dict[str, str]]
    updated_by: str = ""
    updated_at: datetime | None = None

    def written(self, focus_area: str) -> bool:
        """Whether anything is written for ``focus_area``."""
        return any(self.areas[focus_area].values())

    def to_json(self) -> dict:
        """The shape ``bidgeo conclusions --json`` prints and ``--file`` reads."""
        return {"summary": self.summary, "focus_areas": self.areas, "updated_by": self.updated_by,
                "updated_at": self.updated_at.isoformat() if self.updated_at else None}


def conclusions(engine: Engine, project_id: int) -> Conclusions:
    """Project ``project_id``'s conclusions (empty texts where none are written)."""
    with Session(engine) as session:
        rows = session.scalars(select(Conclusion).where(Conclusion.project_id == project_id)).all()
    texts = {(row.focus_area, row.part): row.text for row in rows}
    newest = max(rows, key=lambda row: row.updated_at, default=None)
    return Conclusions(summary=texts.get(SUMMARY, ""),
                       areas={key: {part: texts.get((key, part), "") for part in PARTS} for key in FOCUS_AREAS},
                       updated_by=newest.updated_by if newest else "",
                       updated_at=newest.updated_at if newest else None)


def _checked(text, what: str) -> str:
    if not isinstance(text, str):
        raise ValidationError("conclusions_not_text", what=what)
    text = text.strip()
    if len(text) > MAX_TEXT:
        raise ValidationError("conclusions_too_long", what=what, limit=MAX_TEXT, length=len(text))
    return text


def save_conclusions(engine: Engine, project_id: int, *, summary: str | None = None,
                     areas: dict[str, dict[str, str]] | None = None, by: str = "") -> Conclusions:
    """Write the texts given (``summary``; ``areas[focus_area][part]``) and leave the others
    as they are; an empty text clears one. Everything is checked before anything is written,
    and all is written in one transaction. Returns the project's conclusions afterwards."""
    get_project(engine, project_id)  # NotFoundError for a project that does not exist
    changes: dict[tuple[str, str], str] = {}
    if summary is not None:
        changes[SUMMARY] = _checked(summary, "summary")
    for key, parts in (areas or {}).items():
        if key not in FOCUS_AREAS:
            raise ValidationError("bad_choice", field="focus_area", value=str(key)[:40], choices=", ".join(FOCUS_AREAS))
        if not isinstance(parts, dict):
            raise ValidationError("conclusions_not_text", what=key)
        for part, text in parts.items():
            if part not in PARTS:
                raise ValidationError("bad_choice", field="part", value=str(part)[:40], choices=", ".join(PARTS))
            changes[(key, part)] = _checked(text, f"{key}.{part}")
    with Session(engine) as session:
        for (key, part), text in changes.items():
            row = session.get(Conclusion, (project_id, key, part))
            if row is None:
                if text:
                    session.add(Conclusion(project_id=project_id, focus_area=key, part=part, text=text,
                                           updated_by=by.strip()[:200], updated_at=utcnow()))
            elif row.text != text:
                row.text, row.updated_by, row.updated_at = text, by.strip()[:200], utcnow()
        session.commit()
    return conclusions(engine, project_id)


def read_file(data: bytes) -> tuple[str | None, dict[str, dict[str, str]]]:
    """The summary and the focus areas' texts from a JSON file shaped as
    :meth:`Conclusions.to_json` (``updated_*`` are ignored; a key left out is left as it is)."""
    try:
        found = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise InputError("conclusions_not_utf8") from exc
    except json.JSONDecodeError as exc:
        raise InputError("conclusions_bad_json", line=exc.lineno, column=exc.colno) from exc
    if not isinstance(found, dict) or not isinstance(found.get("focus_areas", {}), dict):
        raise InputError("conclusions_bad_shape")
    return found.get("summary"), found.get("focus_areas", {})
