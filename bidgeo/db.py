"""The store: SQLAlchemy 2 models, the geometry column type, the audit log's writer, and opening
a migrated engine.

SQLite (the embedded default) runs in WAL mode with a busy timeout and keeps geometries as
WKB. PostgreSQL keeps them as PostGIS ``geometry`` (sent and read as hex EWKB, so no extra
driver support is needed). Alembic migrations in ``bidgeo/migrations`` create the schema.
"""

from __future__ import annotations

import os
import secrets
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Optional

import shapely
from alembic import command
from alembic.config import Config
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    insert,
    inspect,
    select,
)
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship
from sqlalchemy.types import TypeDecorator, UserDefinedType

from bidgeo import config
from bidgeo.errors import InputError, ServiceUnavailableError

SRID = 4326
SQLITE_BUSY_TIMEOUT_MS = 10_000


class _PostGISGeometry(UserDefinedType):
    cache_ok = True

    def __init__(self, geometry_type: str, srid: int) -> None:
        self.geometry_type = geometry_type
        self.srid = srid

    def get_col_spec(self, **kw) -> str:
        return f"geometry({self.geometry_type},{self.srid})"


class Geometry(TypeDecorator):
    """A shapely geometry in WGS 84: PostGIS ``geometry`` on PostgreSQL, WKB elsewhere."""

    impl = LargeBinary
    cache_ok = True

    def __init__(self, geometry_type: str = "GEOMETRY") -> None:
        super().__init__()
        self.geometry_type = geometry_type

    def load_dialect_impl(self, dialect):
        if dialect.name == "postgresql":
            return dialect.type_descriptor(_PostGISGeometry(self.geometry_type, SRID))
        return dialect.type_descriptor(LargeBinary())

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if dialect.name == "postgresql":
            return shapely.to_wkb(shapely.set_srid(value, SRID), hex=True, include_srid=True)
        return shapely.to_wkb(value)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return shapely.from_wkb(value)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    pass


class Project(Base):
    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    locality: Mapped[str] = mapped_column(String(200), default="")
    municipality: Mapped[str] = mapped_column(String(200), default="")
    bid_type: Mapped[str] = mapped_column(String(40), default="service")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    osm_file: Mapped[Optional[str]] = mapped_column(String(500), nullable=True)
    """The file name the project's OSM extract was given as (its bytes are in osm_extracts)."""
    osm_sha256: Mapped[Optional[str]] = mapped_column(String(64), nullable=True)
    current_area_id: Mapped[Optional[int]] = mapped_column(Integer, nullable=True)
    """The area version the other pages use (an ``area_versions.id`` of this project)."""

    service_points: Mapped[list["ServicePoint"]] = relationship(
        back_populates="project", cascade="all, delete-orphan"
    )


class ServiceSnapshot(Base):
    """One import of service points (an OSM file, Overpass, a register) with its source and
    time. Snapshots are kept; the newest is the project's inventory, corrections on top."""

    __tablename__ = "service_snapshots"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(20))
    source_name: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ServiceCorrection(Base):
    """A user's correction of the inventory, kept apart from snapshots and applied on top of
    the newest one, so no re-import loses it: add a service, close one, change its category,
    move it."""

    __tablename__ = "service_corrections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    osm_type: Mapped[Optional[str]] = mapped_column(String(10), nullable=True)
    osm_id: Mapped[Optional[int]] = mapped_column(BigInteger, nullable=True)
    category: Mapped[Optional[str]] = mapped_column(String(40), nullable=True)
    name: Mapped[Optional[str]] = mapped_column(Text, nullable=True)
    geom = mapped_column(Geometry("POINT"), nullable=True)
    author: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ServicePoint(Base):
    __tablename__ = "service_points"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    snapshot_id: Mapped[Optional[int]] = mapped_column(Integer, nullable=True, index=True)
    category: Mapped[str] = mapped_column(String(40))
    name: Mapped[Optional[str]] = mapped_column(Text, nullable=True)
    osm_type: Mapped[Optional[str]] = mapped_column(String(10), nullable=True)
    osm_id: Mapped[Optional[int]] = mapped_column(BigInteger, nullable=True)
    source: Mapped[str] = mapped_column(String(20), default="osm")
    tags: Mapped[dict] = mapped_column(JSON, default=dict)
    geom = mapped_column(Geometry("POINT"))

    project: Mapped[Project] = relationship(back_populates="service_points")


class OsmExtract(Base):
    """An OSM file's bytes, stored once per content hash, so the database alone holds
    everything a project needs (BIDGEO_HOME only caches a copy to read from)."""

    __tablename__ = "osm_extracts"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    suffix: Mapped[str] = mapped_column(String(20))
    size: Mapped[int] = mapped_column(BigInteger)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AreaVersion(Base):
    """One saved BID boundary. Versions are only ever added; status may change."""

    __tablename__ = "area_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    geom = mapped_column(Geometry("GEOMETRY"))
    area_m2: Mapped[float] = mapped_column(Float)
    perimeter_m: Mapped[float] = mapped_column(Float)
    vertices: Mapped[int] = mapped_column(Integer)
    author: Mapped[str] = mapped_column(String(200), default="")
    comment: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="draft")
    status_by: Mapped[Optional[str]] = mapped_column(String(200), nullable=True)
    status_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PopulationCell(Base):
    """One cell of a project's population grid: its centre and the people living there."""

    __tablename__ = "population_cells"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    population: Mapped[float] = mapped_column(Float)
    geom = mapped_column(Geometry("POINT"))


class Stakeholder(Base):
    __tablename__ = "stakeholders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(40), default="business")
    category: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(20), default="identified")
    steering_group: Mapped[bool] = mapped_column(Boolean, default=False)
    focus_group: Mapped[Optional[str]] = mapped_column(String(40), nullable=True)
    address: Mapped[str] = mapped_column(String(300), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    contact_email: Mapped[str] = mapped_column(String(200), default="")
    contact_phone: Mapped[str] = mapped_column(String(50), default="")
    property_value_sek: Mapped[Optional[float]] = mapped_column(Float, nullable=True)
    """The taxable property value (taxeringsvärde) of a property owner, for the levy model."""
    floor_area_m2: Mapped[Optional[float]] = mapped_column(Float, nullable=True)
    employees: Mapped[Optional[int]] = mapped_column(Integer, nullable=True)
    osm_type: Mapped[Optional[str]] = mapped_column(String(10), nullable=True)
    osm_id: Mapped[Optional[int]] = mapped_column(BigInteger, nullable=True)
    source: Mapped[str] = mapped_column(String(20), default="manual")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class Walk(Base):
    """A place walk (platsvandring) of a focus group: the first is the baseline, later ones
    follow-ups. The planned route is optional."""

    __tablename__ = "walks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    walked_on: Mapped[date] = mapped_column(Date)
    focus_group: Mapped[str] = mapped_column(String(200), default="")
    participants: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    route = mapped_column(Geometry("LINESTRING"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Observation(Base):
    """One observation of a walk, identified by the uuid its form was opened with (so saving
    it again never duplicates it). Deleting only sets ``deleted_at``; every change is in
    ``observation_history``."""

    __tablename__ = "observations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    walk_id: Mapped[int] = mapped_column(ForeignKey("walks.id", ondelete="CASCADE"), index=True)
    focus_area: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20))
    rating: Mapped[Optional[int]] = mapped_column(Integer, nullable=True)
    comment: Mapped[str] = mapped_column(Text, default="")
    geom = mapped_column(Geometry("POINT"), nullable=True)
    position_source: Mapped[Optional[str]] = mapped_column(String(10), nullable=True)
    accuracy_m: Mapped[Optional[float]] = mapped_column(Float, nullable=True)
    author: Mapped[str] = mapped_column(String(200), default="")
    observed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    """When it was seen: saving time in the app, the field kit's own time when imported."""
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    deleted_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True), nullable=True)

    # An update is written only over the row as it was read (UPDATE ... WHERE updated_at = the
    # value read); a save that slipped in between makes it fail with StaleDataError.
    __mapper_args__ = {"version_id_col": updated_at, "version_id_generator": False}


class ObservationHistory(Base):
    """Every change of an observation: what it was after the change, who and when."""

    __tablename__ = "observation_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    observation_id: Mapped[int] = mapped_column(ForeignKey("observations.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(10))
    data: Mapped[dict] = mapped_column(JSON)
    author: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ObservationDraft(Base):
    """A half-filled observation form, kept server-side under the form's uuid, so a reload
    or a dropped connection loses nothing."""

    __tablename__ = "observation_drafts"

    uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    walk_id: Mapped[int] = mapped_column(ForeignKey("walks.id", ondelete="CASCADE"), index=True)
    data: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Photo(Base):
    """A photo of an observation (or of its draft, by the same uuid): the original as
    taken, a display copy and a thumbnail (JPEG, EXIF orientation applied), and the EXIF GPS
    position if it had one."""

    __tablename__ = "photos"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    observation_uuid: Mapped[str] = mapped_column(String(36), index=True)
    filename: Mapped[str] = mapped_column(String(300), default="")
    content_type: Mapped[str] = mapped_column(String(100), default="")
    sha256: Mapped[str] = mapped_column(String(64))
    original: Mapped[bytes] = mapped_column(LargeBinary)
    display: Mapped[bytes] = mapped_column(LargeBinary)
    thumbnail: Mapped[bytes] = mapped_column(LargeBinary)
    lon: Mapped[Optional[float]] = mapped_column(Float, nullable=True)
    lat: Mapped[Optional[float]] = mapped_column(Float, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Assessment(Base):
    """A participant's or group's score (1-7) of one focus area after a walk, with a comment
    (the Place Standard way)."""

    __tablename__ = "assessments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    walk_id: Mapped[int] = mapped_column(ForeignKey("walks.id", ondelete="CASCADE"), index=True)
    respondent: Mapped[str] = mapped_column(String(200))
    focus_area: Mapped[str] = mapped_column(String(20))
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Review(Base):
    """The steering group's review state of an observation (new, accepted, to_action,
    rejected), who set it and when. An observation without a row is new."""

    __tablename__ = "reviews"

    observation_id: Mapped[int] = mapped_column(ForeignKey("observations.id", ondelete="CASCADE"), primary_key=True)
    state: Mapped[str] = mapped_column(String(20), default="new")
    by: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ReviewComment(Base):
    """A reviewer's comment on an observation, kept apart from the walkers' text."""

    __tablename__ = "review_comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    observation_id: Mapped[int] = mapped_column(ForeignKey("observations.id", ondelete="CASCADE"), index=True)
    author: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Action(Base):
    """A row of the action plan (handlingsplan, steps 4-5), usually from an accepted
    observation: what, who owns it, priority, estimated cost (SEK) and due date."""

    __tablename__ = "actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    observation_id: Mapped[Optional[int]] = mapped_column(ForeignKey("observations.id", ondelete="SET NULL"),
                                                          nullable=True, index=True)
    title: Mapped[str] = mapped_column(String(300))
    focus_area: Mapped[str] = mapped_column(String(20))
    owner: Mapped[str] = mapped_column(String(200), default="")
    priority: Mapped[str] = mapped_column(String(10), default="medium")
    cost_sek: Mapped[Optional[float]] = mapped_column(Float, nullable=True)
    due_on: Mapped[Optional[date]] = mapped_column(Date, nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="planned")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    done_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True), nullable=True)
    """When its status became done (None while it is not): the follow-up counts actions by it."""


class ProcessPlan(Base):
    """A project's BID process: when it starts, and the step 6 and 7 deliverables that live
    outside the other tables (who takes over, the final report)."""

    __tablename__ = "process_plans"

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    start_on: Mapped[date] = mapped_column(Date)
    handover_org: Mapped[str] = mapped_column(String(300), default="")
    handover_agreed_on: Mapped[Optional[date]] = mapped_column(Date, nullable=True)
    final_report_on: Mapped[Optional[date]] = mapped_column(Date, nullable=True)


class ProcessTask(Base):
    """A task of a step's checklist: one of the method's (``task_key``) or the users' own."""

    __tablename__ = "process_tasks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    step: Mapped[int] = mapped_column(Integer)
    task_key: Mapped[Optional[str]] = mapped_column(String(40), nullable=True)
    title: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="todo")
    owner: Mapped[str] = mapped_column(String(200), default="")
    due_on: Mapped[Optional[date]] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Meeting(Base):
    """A steering-group meeting: date, participants, decisions and the observations it
    reviewed."""

    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    participants: Mapped[str] = mapped_column(Text, default="")
    decisions: Mapped[str] = mapped_column(Text, default="")
    observation_uuids: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class User(Base):
    """A local account (``bidgeo user add``); the password only as its argon2 hash."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    email: Mapped[Optional[str]] = mapped_column(String(254), unique=True, nullable=True)
    """Lower-case; an OIDC sign-in with this (verified) address is this account."""


class Membership(Base):
    """A user's role in one project (``bidgeo.accounts.ROLES``)."""

    __tablename__ = "memberships"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20))


class LoginFailure(Base):
    """A failed login for a username (known or not); too many in a while lock the name out."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AuditEntry(Base):
    """Who changed, deleted or restored what, written with the change (``bidgeo.audit``)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    project_id: Mapped[Optional[int]] = mapped_column(Integer, nullable=True, index=True)  # kept after a project goes
    actor: Mapped[str] = mapped_column(String(200), default="")
    action: Mapped[str] = mapped_column(String(20))
    entity: Mapped[str] = mapped_column(String(40))
    ref: Mapped[str] = mapped_column(String(100), default="")
    changes: Mapped[dict] = mapped_column(JSON, default=dict)


# --- the audit log's writer -----------------------------------------------------------------------
# Every ORM flush that touches a table in AUDITED writes one ``audit_log`` row per changed object,
# in the same transaction as the change (so a change that rolls back leaves no entry, and none is
# missed). Who acted is the engine's ACTOR_OPTION (``bidgeo.audit.acting``). Bulk data (service
# points of an OSM import, population cells, drafts being typed) is left out; its import is logged
# through the row that holds it (the snapshot, the extract). ``bidgeo.audit`` reads the log.
ACTOR_OPTION = "bidgeo_actor"
AUDITED = frozenset(
    "projects area_versions service_snapshots service_corrections stakeholders osm_extracts walks observations "
    "photos assessments reviews review_comments actions process_plans process_tasks meetings users memberships conclusions"
    .split()
)
HIDDEN = frozenset({"password_hash"})  # "changed", never the value
NOT_CHANGES = frozenset({"id", "created_at", "updated_at"})
MAX_TEXT = 500


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


def _listen() -> None:
    """Log the changes of every ORM session from now on (:func:`make_engine` calls this)."""
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


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(url: str | None = None) -> Engine:
    """An engine for ``url`` (default: ``config.database_url()``), with no migration run. An
    SQLite file is private to its owner (0600, and so are its -wal and -shm, which SQLite
    creates with the file's mode); its folder must exist. A URL that is no database address
    raises :class:`InputError`."""
    _listen()
    try:
        url = make_url(url or config.database_url())
        dialect = url.get_dialect()
    except (ArgumentError, NoSuchModuleError, ValueError) as exc:
        raise InputError("database_url_invalid") from exc
    if dialect.name == "sqlite":
        if url.database and url.database != ":memory:" and not url.database.startswith("file:"):
            private_file(Path(url.database))
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _sqlite_pragmas)
    elif dialect.name == "postgresql":
        engine = create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 10})
    else:
        raise InputError("database_url_invalid")
    return engine


def private_file(path: Path) -> None:
    """Make ``path`` (a database or a backup) readable by its owner only: a new file is created
    empty with mode 0600, an existing one (with its -wal and -shm) set to 0600. Its folder must
    exist (:class:`InputError` names it)."""
    if not path.parent.is_dir():
        raise InputError("database_folder_missing", folder=str(path.parent))
    if path.is_dir():
        raise InputError("database_is_folder", path=str(path))
    try:
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        for each in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            if each.exists() and each.stat().st_mode & 0o077:
                each.chmod(0o600)
    except PermissionError as exc:
        raise InputError("database_no_permission", path=str(path)) from exc


def fresh_file(target: Path, mode: int = 0o666) -> Path:
    """A new empty file beside ``target`` (a hidden name of its own ending ``.part``) for
    writing it whole before it is moved into place. It is created exclusively, so never
    through a file or a symbolic link someone else put in the folder; ``mode`` is subject to
    the umask (0600 for a file that must stay private)."""
    path = target.with_name(f".{target.name}.{secrets.token_hex(6)}.part")
    os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0), mode))
    return path


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to the newest Alembic revision (or to ``revision``, as an older
    release left it)."""
    cfg = Config()
    cfg.set_main_option("script_location", "bidgeo:migrations")
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)


def open_store(url: str | None = None) -> Engine:
    """A migrated engine for ``url``. Raises :class:`ServiceUnavailableError` when the
    database cannot be reached and :class:`InputError` when the URL is no database address."""
    engine = make_engine(url)
    try:
        migrate(engine)
    except DatabaseError as exc:
        engine.dispose()
        if engine.dialect.name == "sqlite":  # not an SQLite file, or one that cannot be opened
            raise InputError("database_unreadable", path=engine.url.database) from exc
        if not isinstance(exc, OperationalError):
            raise
        raise ServiceUnavailableError("database_unavailable",
                                      url=engine.url.render_as_string(hide_password=True)) from exc
    return engine


# --- the business plan (steps 4-6, bidgeo.plan) ------------------------------------------------------
class BusinessPlan(Base):
    """A project's business plan (affärsplan): vision, target picture, a goal per focus area,
    the hour rate at which time in kind is valued, its duration and the members' contribution
    model (``bidgeo.plan.MODELS``)."""

    __tablename__ = "business_plans"

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    vision: Mapped[str] = mapped_column(Text, default="")
    target_picture: Mapped[str] = mapped_column(Text, default="")
    goals: Mapped[dict] = mapped_column(JSON, default=dict)
    hour_rate_sek: Mapped[float] = mapped_column(Float, default=400.0)
    duration_years: Mapped[int] = mapped_column(Integer, default=3)
    model: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PlanVersion(Base):
    """A version of the business plan and how far it has come (draft, consultation, approved,
    anchored); what it said when it left the draft is kept in ``content``."""

    __tablename__ = "plan_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    content: Mapped[Optional[dict]] = mapped_column(JSON, nullable=True)
    status_by: Mapped[str] = mapped_column(String(200), default="")
    status_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PlanComment(Base):
    """A steering-group member's comment on a version of the plan."""

    __tablename__ = "plan_comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("plan_versions.id", ondelete="CASCADE"), index=True)
    author: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PlanMilestone(Base):
    """A milestone (delmål): what is done, when, where (a point, or the whole area when none)
    and how, linked to actions of the action plan."""

    __tablename__ = "plan_milestones"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    focus_area: Mapped[Optional[str]] = mapped_column(String(20), nullable=True)
    due_on: Mapped[Optional[date]] = mapped_column(Date, nullable=True)
    how: Mapped[str] = mapped_column(Text, default="")
    geom = mapped_column(Geometry("POINT"), nullable=True)
    action_ids: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PlanCase(Base):
    """A case (step 4): a small effort tested for real, its cost and result; its photos are
    stored as photos of ``before_uuid`` and ``after_uuid`` (``bidgeo.photos``)."""

    __tablename__ = "plan_cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    done_on: Mapped[Optional[date]] = mapped_column(Date, nullable=True)
    cost_sek: Mapped[Optional[float]] = mapped_column(Float, nullable=True)
    result: Mapped[str] = mapped_column(Text, default="")
    before_uuid: Mapped[str] = mapped_column(String(36))
    after_uuid: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PlanCost(Base):
    """A budget line: an action's cost in a year, in money and in hours."""

    __tablename__ = "plan_costs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    action_id: Mapped[Optional[int]] = mapped_column(ForeignKey("actions.id", ondelete="SET NULL"), nullable=True)
    action: Mapped[str] = mapped_column(String(300))
    focus_area: Mapped[Optional[str]] = mapped_column(String(20), nullable=True)
    year: Mapped[int] = mapped_column(Integer)
    cost_sek: Mapped[float] = mapped_column(Float, default=0.0)
    hours: Mapped[float] = mapped_column(Float, default=0.0)


class PlanFinancing(Base):
    """A party's financing in a year: money and hours in kind, with its kind and status."""

    __tablename__ = "plan_financing"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    stakeholder_id: Mapped[int] = mapped_column(ForeignKey("stakeholders.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    year: Mapped[int] = mapped_column(Integer)
    amount_sek: Mapped[float] = mapped_column(Float, default=0.0)
    hours: Mapped[float] = mapped_column(Float, default=0.0)
    status: Mapped[str] = mapped_column(String(20))


AUDITED = AUDITED | {"business_plans", "plan_versions", "plan_comments", "plan_milestones", "plan_cases",
                     "plan_costs", "plan_financing"}


# --- ground-floor premises and their status over time (issue 17) ---------------------------------


class Premise(Base):
    """A ground-floor premise of the BID area (a shop, a café, an office on the street): its
    stable key (an import's ``id``, ``osm:way/123`` for an accepted OSM suggestion), address,
    position (or the OSM building it is in), floor area, use (free text or a service category
    key) and owner (a stakeholder). Its status is in ``premise_statuses``, every change kept."""

    __tablename__ = "premises"
    __table_args__ = (UniqueConstraint("project_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(300), default="")
    geom = mapped_column(Geometry("POINT"), nullable=True)
    building: Mapped[Optional[str]] = mapped_column(String(40), nullable=True)
    """The OSM building it is in, as ``way/123``."""
    floor_area_m2: Mapped[Optional[float]] = mapped_column(Float, nullable=True)
    use: Mapped[str] = mapped_column(String(200), default="")
    owner_id: Mapped[Optional[int]] = mapped_column(ForeignKey("stakeholders.id", ondelete="SET NULL"), nullable=True)
    source: Mapped[str] = mapped_column(String(20), default="import")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class PremiseStatus(Base):
    """One observed status of a premise (in use, vacant, let, being refurbished, unknown) on a
    date; the status on any date is the one observed last before or on it. Only ever added."""

    __tablename__ = "premise_statuses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    premise_id: Mapped[int] = mapped_column(ForeignKey("premises.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    observed: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(20), default="import")
    author: Mapped[str] = mapped_column(String(200), default="")
    photo_uuid: Mapped[Optional[str]] = mapped_column(String(36), nullable=True)
    """The uuid the photo taken with it is stored under (``photos.observation_uuid``)."""
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


AUDITED = AUDITED | {"premises", "premise_statuses"}


# --- the status analysis's conclusions (issue 15) ---------------------------------------------------
class Conclusion(Base):
    """The BID manager's conclusions of the status analysis, in their own words: the summary
    (``focus_area`` "", ``part`` "summary") and, per focus area, its strengths, challenges and
    opportunities (``bidgeo.conclusions``)."""

    __tablename__ = "conclusions"

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    focus_area: Mapped[str] = mapped_column(String(40), primary_key=True)
    part: Mapped[str] = mapped_column(String(20), primary_key=True)
    text: Mapped[str] = mapped_column(Text, default="")
    updated_by: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
