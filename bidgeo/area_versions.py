"""Saved BID boundaries: versions that are only ever added, their status (draft, proposed,
approved by the steering group), and which one is current (what the other pages use)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bidgeo.area import AreaCheck, measure
from bidgeo.db import AreaVersion, Project, utcnow
from bidgeo.errors import NotFoundError, ValidationError

STATUSES = ("draft", "proposed", "approved")


@dataclass(frozen=True)
class VersionInfo:
    id: int
    project_id: int
    number: int
    geometry: BaseGeometry
    area_m2: float
    perimeter_m: float
    vertices: int
    author: str
    comment: str
    status: str
    status_by: str | None
    status_at: datetime | None
    created_at: datetime
    current: bool


def _info(v: AreaVersion, current_id: int | None) -> VersionInfo:
    return VersionInfo(
        id=v.id, project_id=v.project_id, number=v.number, geometry=v.geom, area_m2=v.area_m2,
        perimeter_m=v.perimeter_m, vertices=v.vertices, author=v.author, comment=v.comment,
        status=v.status, status_by=v.status_by, status_at=v.status_at, created_at=v.created_at,
        current=v.id == current_id,
    )


def save_version(engine: Engine, project_id: int, check: AreaCheck, author: str = "",
                 comment: str = "") -> VersionInfo:
    """Save a checked boundary as the project's next version and make it current. Refuses
    a boundary with errors (nothing is saved)."""
    if not check.valid:
        error = check.errors[0]
        raise ValidationError(error.key or f"area_{error.code}", **error.params)
    with Session(engine) as session:
        project = session.get(Project, project_id, with_for_update=True)
        if project is None:
            raise NotFoundError("project_not_found", ref=str(project_id))
        number = (session.scalar(select(func.max(AreaVersion.number))
                                 .where(AreaVersion.project_id == project_id)) or 0) + 1
        version = AreaVersion(
            project_id=project_id, number=number, geom=check.geometry, area_m2=check.area_m2,
            perimeter_m=check.perimeter_m, vertices=check.vertices, author=author.strip(),
            comment=comment.strip(),
        )
        session.add(version)
        session.flush()
        project.current_area_id = version.id
        session.commit()
        return _info(version, version.id)


def list_versions(engine: Engine, project_id: int) -> list[VersionInfo]:
    """All versions of a project, newest first."""
    with Session(engine) as session:
        current = session.scalar(select(Project.current_area_id).where(Project.id == project_id))
        rows = session.scalars(select(AreaVersion).where(AreaVersion.project_id == project_id)
                               .order_by(AreaVersion.number.desc()))
        return [_info(v, current) for v in rows]


def current_version(engine: Engine, project_id: int) -> VersionInfo | None:
    return next((v for v in list_versions(engine, project_id) if v.current), None)


def _version(session: Session, project_id: int, number: int) -> AreaVersion:
    version = session.scalar(select(AreaVersion).where(AreaVersion.project_id == project_id,
                                                       AreaVersion.number == number))
    if version is None:
        raise NotFoundError("area_version_not_found", number=number)
    return version


def set_status(engine: Engine, project_id: int, number: int, status: str, by: str = "") -> None:
    """Mark a version proposed or approved (or back to draft), noting who and when."""
    if status not in STATUSES:
        raise ValidationError("bad_area_status", status=status, choices=", ".join(STATUSES))
    if status == "approved" and not by.strip():
        raise ValidationError("approver_required")
    with Session(engine) as session:
        version = _version(session, project_id, number)
        version.status, version.status_by, version.status_at = status, by.strip() or None, utcnow()
        session.commit()


def make_current(engine: Engine, project_id: int, number: int) -> None:
    """Make an earlier (or later) version the current one; nothing is deleted."""
    with Session(engine) as session:
        version = _version(session, project_id, number)
        session.get(Project, project_id).current_area_id = version.id
        session.commit()


@dataclass(frozen=True)
class Change:
    """What changed between two versions: the parts added and removed (WGS 84) and the
    areas in m² (SWEREF 99 TM)."""

    added: BaseGeometry
    removed: BaseGeometry
    added_m2: float
    removed_m2: float

    @property
    def net_m2(self) -> float:
        return self.added_m2 - self.removed_m2


def change(old: BaseGeometry, new: BaseGeometry) -> Change:
    added, removed = shapely.difference(new, old), shapely.difference(old, new)
    return Change(added, removed,
                  measure(added)[0] if not added.is_empty else 0.0,
                  measure(removed)[0] if not removed.is_empty else 0.0)
