"""Place walks (step 2): walks, their observations, drafts and the focus-area assessment.

An observation is identified by the uuid its form was opened with: saving it again (a double
tap, a reconnect, a resubmitted form, an imported field kit) updates the same row and never
adds one. Deleting is soft, and every change is kept in ``observation_history``. A form's
draft is stored server-side under the same uuid until the observation is saved.

Many tablets save at once: a save that loses a race (two first saves of one uuid, SQLite's
single writer busy) is simply run again, and an update only lands on the row it read (its
``updated_at`` unchanged), so none is lost and none duplicated. An edit names the version it
started from (``base``, the ``updated_at`` that :func:`observation` gave); if someone else
changed the observation since, :class:`ConflictError` says who and when, and nothing is saved.
"""

from __future__ import annotations

import random
import time
import uuid as uuidlib
from dataclasses import dataclass
from datetime import date, datetime, timezone

import geopandas as gpd
import pandas as pd
from shapely.geometry import LineString, Point
from sqlalchemy import delete, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from bidgeo.db import Assessment, Observation, ObservationDraft, ObservationHistory, Photo, Walk, utcnow
from bidgeo.errors import ConflictError, NotFoundError, ValidationError
from bidgeo.focus import FOCUS_AREAS, KINDS, RATINGS, SCORES
from bidgeo.geo import WGS84
from bidgeo.i18n import local_time

MAX_COMMENT = 5000
FIELDS = ("focus_area", "kind", "rating", "comment", "lon", "lat", "position_source", "accuracy_m", "author")
POSITION_SOURCES = ("gps", "map", "photo", "kit")
SAVE_ATTEMPTS = 6
"""How often a save that lost a race with another one is run again before its error is raised."""


@dataclass(frozen=True)
class WalkInfo:
    id: int
    project_id: int
    walked_on: date
    focus_group: str
    participants: str
    notes: str
    route: LineString | None
    baseline: bool
    observations: int


def new_uuid() -> str:
    return str(uuidlib.uuid4())


def clean_text(value: object) -> str:
    """A text as it is stored: without NUL characters (PostgreSQL cannot store them; no
    keyboard types them) and without surrounding white space."""
    return str(value or "").replace("\x00", "").strip()


def check_uuid(value: str) -> str:
    """``value`` as a canonical uuid string; :class:`ValidationError` if it is not one."""
    try:
        return str(uuidlib.UUID(str(value).strip()))
    except ValueError as exc:
        raise ValidationError("obs_bad_uuid", value=str(value)[:60]) from exc


def project_of(engine: Engine, uuid: str) -> int | None:
    """The project whose observation (or draft) ``uuid`` is, or None: a form of another
    project's uuid is not that project's to open."""
    uuid = check_uuid(uuid)
    with Session(engine) as session:
        return session.scalar(select(Observation.project_id).where(Observation.uuid == uuid)) \
            or session.scalar(select(ObservationDraft.project_id).where(ObservationDraft.uuid == uuid))


def create_walk(engine: Engine, project_id: int, walked_on: date, focus_group: str = "", participants: str = "",
                notes: str = "", route: LineString | None = None) -> int:
    if route is not None and (route.geom_type != "LineString" or route.is_empty):
        raise ValidationError("walk_bad_route")
    with Session(engine) as session:
        walk = Walk(project_id=project_id, walked_on=walked_on, focus_group=clean_text(focus_group),
                    participants=clean_text(participants), notes=clean_text(notes), route=route)
        session.add(walk)
        session.commit()
        return walk.id


def walks(engine: Engine, project_id: int) -> list[WalkInfo]:
    """The project's walks in the order they were walked; the first is the baseline."""
    with Session(engine) as session:
        counts = dict(session.execute(
            select(Observation.walk_id, func.count()).where(Observation.project_id == project_id,
                                                           Observation.deleted_at.is_(None))
            .group_by(Observation.walk_id)).all())
        rows = session.scalars(select(Walk).where(Walk.project_id == project_id)
                               .order_by(Walk.walked_on, Walk.id)).all()
        return [WalkInfo(w.id, w.project_id, w.walked_on, w.focus_group, w.participants, w.notes, w.route,
                         i == 0, counts.get(w.id, 0)) for i, w in enumerate(rows)]


def get_walk(engine: Engine, walk_id: int) -> WalkInfo:
    with Session(engine) as session:
        walk = session.get(Walk, walk_id)
        if walk is None:
            raise NotFoundError("walk_not_found", ref=str(walk_id))
        project_id = walk.project_id
    return next(w for w in walks(engine, project_id) if w.id == walk_id)


def _clean(values: dict) -> dict:
    """The observation's fields, validated; a message per problem that names the field."""
    focus_area, kind, rating = values.get("focus_area"), values.get("kind"), values.get("rating")
    if focus_area not in FOCUS_AREAS:
        raise ValidationError("obs_focus_missing" if not focus_area else "bad_choice", field="focus_area",
                              value=focus_area, choices=", ".join(FOCUS_AREAS))
    if kind not in KINDS:
        raise ValidationError("obs_kind_missing" if not kind else "bad_choice", field="kind", value=kind,
                              choices=", ".join(KINDS))
    if rating is not None and rating not in RATINGS:
        raise ValidationError("obs_bad_rating", value=rating)
    lon, lat = values.get("lon"), values.get("lat")
    if lon is None or lat is None:
        raise ValidationError("obs_position_missing")
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise ValidationError("obs_bad_position", lon=lon, lat=lat)
    comment = clean_text(values.get("comment"))
    if len(comment) > MAX_COMMENT:
        raise ValidationError("obs_comment_too_long", limit=MAX_COMMENT)
    source = values.get("position_source")
    if source not in POSITION_SOURCES:
        raise ValidationError("bad_choice", field="position_source", value=source,
                              choices=", ".join(POSITION_SOURCES))
    accuracy, observed = values.get("accuracy_m"), values.get("observed_at")
    if observed is not None and (not isinstance(observed, datetime) or observed.tzinfo is None):
        raise ValidationError("obs_bad_time", value=str(observed)[:40])
    return {"observed_at": observed, "focus_area": focus_area, "kind": kind, "rating": None if rating is None else int(rating),
            "comment": comment, "lon": float(lon), "lat": float(lat), "position_source": source,
            "accuracy_m": None if accuracy is None else round(float(accuracy), 1),
            "author": clean_text(values.get("author"))}


def _data(obs: Observation) -> dict:
    return {"focus_area": obs.focus_area, "kind": obs.kind, "rating": obs.rating, "comment": obs.comment,
            "lon": None if obs.geom is None else round(obs.geom.x, 7),
            "lat": None if obs.geom is None else round(obs.geom.y, 7),
            "position_source": obs.position_source, "accuracy_m": obs.accuracy_m, "author": obs.author}


def save_observation(engine: Engine, project_id: int, walk_id: int, uuid: str, values: dict,
                     by: str = "", base: datetime | str | None = None) -> str:
    """Create the observation ``uuid`` or update it. Returns ``"created"``, ``"updated"`` or
    ``"unchanged"`` (saving the same thing twice changes nothing). The uuid's draft goes.

    ``base`` is the ``updated_at`` of the saved observation an edit started from (see
    :func:`observation`). When the observation has changed since, :class:`ConflictError`
    names who changed it and when, and nothing is saved; saving what is already saved stays
    ``"unchanged"``. Without ``base`` (a new form, a field kit) the save wins."""
    uuid, clean = check_uuid(uuid), _clean(values)
    clean["lon"], clean["lat"] = round(clean["lon"], 7), round(clean["lat"], 7)
    observed, base = clean.pop("observed_at"), _moment(base)
    attempt = 0
    while True:
        try:
            return _save(engine, project_id, walk_id, uuid, clean, observed, by, base)
        except (IntegrityError, OperationalError, _Raced) as exc:
            # IntegrityError: another save created this uuid first; OperationalError: SQLite
            # stayed busy ("database is locked") past its timeout; _Raced: the row changed
            # between reading and writing it. Run again: it then reads what won.
            attempt += 1
            if attempt == SAVE_ATTEMPTS or (isinstance(exc, OperationalError) and not _busy(exc)):
                raise
            time.sleep(random.uniform(0.01, 0.05) * 2 ** attempt)


class _Raced(Exception):
    """The observation changed between reading and updating it."""


def _busy(exc: OperationalError) -> bool:
    text = str(exc.orig).lower()
    return any(word in text for word in ("locked", "busy", "deadlock", "could not serialize"))


def _moment(value: datetime | str | None) -> datetime | None:
    """A stored time or an ISO text of one as an aware UTC datetime (SQLite gives them back
    without their zone; they are stored in UTC)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError as exc:
            raise ValidationError("obs_bad_time", value=value[:40]) from exc
    if not isinstance(value, datetime):
        raise ValidationError("obs_bad_time", value=str(value)[:40])
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def _save(engine: Engine, project_id: int, walk_id: int, uuid: str, clean: dict, observed: datetime | None,
          by: str, base: datetime | None) -> str:
    with Session(engine) as session:
        walk = session.get(Walk, walk_id)
        if walk is None or walk.project_id != project_id:
            raise NotFoundError("walk_not_found", ref=str(walk_id))
        obs = session.scalar(select(Observation).where(Observation.uuid == uuid))
        if obs is not None and obs.project_id != project_id:
            raise ValidationError("obs_uuid_taken", uuid=uuid)
        if obs is None:
            obs = Observation(uuid=uuid, project_id=project_id, walk_id=walk_id, geom=Point(clean["lon"], clean["lat"]),
                              observed_at=observed or utcnow(), updated_at=utcnow(),
                              **{key: clean[key] for key in _COLUMNS})
            session.add(obs)
            session.flush()  # a uuid saved at the same moment elsewhere: IntegrityError, and again
            result = "created"
        elif (_data(obs) == clean and obs.walk_id == walk_id and obs.deleted_at is None
              and (observed is None or _same_time(obs.observed_at, observed))):
            result = "unchanged"
        else:
            if base is not None and _moment(obs.updated_at) != base:
                raise _conflict(session, obs)
            changes = {"walk_id": walk_id, "geom": Point(clean["lon"], clean["lat"]), "updated_at": utcnow(),
                       "deleted_at": None, **{key: clean[key] for key in _COLUMNS}}
            if observed is not None:
                changes["observed_at"] = observed
            for key, value in changes.items():
                setattr(obs, key, value)
            try:  # only over the row as it was read: a save that slipped in between makes this one run again
                session.flush()
            except StaleDataError:
                raise _Raced() from None
            result = "updated"
        if result != "unchanged":
            session.add(ObservationHistory(observation_id=obs.id, action="create" if result == "created" else "update",
                                           data={**clean, "observed_at": obs.observed_at.isoformat()},
                                           author=by or clean["author"]))
        session.execute(delete(ObservationDraft).where(ObservationDraft.uuid == uuid))
        session.commit()
        return result


_COLUMNS = ("focus_area", "kind", "rating", "comment", "position_source", "accuracy_m", "author")


def _conflict(session: Session, obs: Observation) -> ConflictError:
    """Who changed the observation last, and when (from its history)."""
    author, when = session.execute(
        select(ObservationHistory.author, ObservationHistory.created_at)
        .where(ObservationHistory.observation_id == obs.id).order_by(ObservationHistory.id.desc()).limit(1)
    ).one_or_none() or ("", obs.updated_at)
    author = (author or "").strip()
    if author:
        return ConflictError("obs_conflict", when=local_time(when), author=author)
    return ConflictError("obs_conflict_anonymous", when=local_time(when))


def _same_time(stored: datetime, given: datetime) -> bool:
    """The same moment to the second (see :func:`_moment` for the zones)."""
    return abs((_moment(stored) - given).total_seconds()) < 1


def delete_observation(engine: Engine, uuid: str, by: str = "", base: datetime | str | None = None) -> None:
    """Mark the observation deleted (it stays, with its history, and can be restored). With
    ``base`` (the ``updated_at`` the person deleting saw, as for an edit), an observation
    someone else has changed since is not deleted: :class:`ConflictError` says who and when."""
    _set_deleted(engine, uuid, True, by, _moment(base))


def restore_observation(engine: Engine, uuid: str, by: str = "") -> None:
    _set_deleted(engine, uuid, False, by, None)


def _set_deleted(engine: Engine, uuid: str, deleted: bool, by: str, base: datetime | None) -> None:
    with Session(engine) as session:
        obs = session.scalar(select(Observation).where(Observation.uuid == check_uuid(uuid)))
        if obs is None:
            raise NotFoundError("obs_not_found", ref=uuid)
        if base is not None and _moment(obs.updated_at) != base:
            raise _conflict(session, obs)
        obs.deleted_at, obs.updated_at = (utcnow() if deleted else None), utcnow()
        session.add(ObservationHistory(observation_id=obs.id, action="delete" if deleted else "restore",
                                       data=_data(obs), author=by))
        try:  # only over the row as it was read
            session.commit()
        except StaleDataError:
            session.rollback()
            raise _conflict(session, session.scalar(select(Observation).where(Observation.uuid == uuid))) from None


OBSERVATION_COLUMNS = ["uuid", "walk_id", "focus_area", "kind", "rating", "comment", "position_source", "accuracy_m",
                       "author", "observed_at", "created_at", "updated_at", "deleted_at", "photos"]


def observations(engine: Engine, project_id: int, walk_id: int | None = None,
                 include_deleted: bool = False) -> gpd.GeoDataFrame:
    """The observations (oldest first) with the number of photos each has."""
    with Session(engine) as session:
        photo_counts = (select(Photo.observation_uuid, func.count().label("n"))
                        .where(Photo.project_id == project_id).group_by(Photo.observation_uuid).subquery())
        query = (select(Observation, func.coalesce(photo_counts.c.n, 0))
                 .outerjoin(photo_counts, photo_counts.c.observation_uuid == Observation.uuid)
                 .where(Observation.project_id == project_id).order_by(Observation.created_at, Observation.id))
        if walk_id is not None:
            query = query.where(Observation.walk_id == walk_id)
        if not include_deleted:
            query = query.where(Observation.deleted_at.is_(None))
        rows = session.execute(query).all()
        frame = pd.DataFrame([[o.uuid, o.walk_id, o.focus_area, o.kind, o.rating, o.comment, o.position_source,
                               o.accuracy_m, o.author, o.observed_at, o.created_at, o.updated_at, o.deleted_at, int(n)]
                              for o, n in rows], columns=OBSERVATION_COLUMNS)
        return gpd.GeoDataFrame(frame, geometry=[o.geom for o, _ in rows], crs=WGS84)


def observation(engine: Engine, uuid: str) -> dict | None:
    """The saved fields of an observation (as a form holds them), or None. ``updated_at`` (UTC)
    is the version: an edit passes it to :func:`save_observation` as ``base``."""
    with Session(engine) as session:
        obs = session.scalar(select(Observation).where(Observation.uuid == check_uuid(uuid)))
        return None if obs is None else {**_data(obs), "walk_id": obs.walk_id, "deleted": obs.deleted_at is not None,
                                         "updated_at": _moment(obs.updated_at)}


def history(engine: Engine, uuid: str) -> pd.DataFrame:
    """Every change of the observation, oldest first: action, author, created_at, data."""
    with Session(engine) as session:
        rows = session.execute(
            select(ObservationHistory.action, ObservationHistory.author, ObservationHistory.created_at,
                   ObservationHistory.data)
            .join(Observation, Observation.id == ObservationHistory.observation_id)
            .where(Observation.uuid == check_uuid(uuid)).order_by(ObservationHistory.id)).all()
    return pd.DataFrame(rows, columns=["action", "author", "created_at", "data"])


# --- drafts -----------------------------------------------------------------------------------
def save_draft(engine: Engine, project_id: int, walk_id: int, uuid: str, data: dict) -> None:
    """Keep the form ``uuid`` as it is now (any of :data:`FIELDS`, unvalidated). An edit's
    ``base`` (the version it started from) is kept too, so a reload still knows it."""
    uuid = check_uuid(uuid)
    base = _moment(data.get("base"))
    data = {k: data.get(k) for k in FIELDS if data.get(k) not in (None, "")}
    if base is not None:
        data["base"] = base.isoformat()
    with Session(engine) as session:
        draft = session.get(ObservationDraft, uuid)
        if draft is not None and draft.project_id != project_id:
            raise ValidationError("obs_uuid_taken", uuid=uuid)
        if draft is None:
            session.add(ObservationDraft(uuid=uuid, project_id=project_id, walk_id=walk_id, data=data))
        elif draft.data != data or draft.walk_id != walk_id:
            draft.data, draft.walk_id, draft.updated_at = data, walk_id, utcnow()
        session.commit()


def draft(engine: Engine, uuid: str) -> dict | None:
    """The draft kept under ``uuid``: its walk_id and fields (and an edit's ``base``), or None."""
    with Session(engine) as session:
        row = session.get(ObservationDraft, check_uuid(uuid))
        return None if row is None else {"walk_id": row.walk_id, **row.data}


def drafts(engine: Engine, walk_id: int) -> list[tuple[str, datetime, dict]]:
    """The walk's unsaved drafts, newest first: (uuid, updated_at, fields)."""
    with Session(engine) as session:
        rows = session.execute(select(ObservationDraft.uuid, ObservationDraft.updated_at, ObservationDraft.data)
                               .where(ObservationDraft.walk_id == walk_id)
                               .order_by(ObservationDraft.updated_at.desc())).all()
    return [tuple(row) for row in rows]


def discard_draft(engine: Engine, uuid: str) -> None:
    """Forget a draft and the photos added to it."""
    uuid = check_uuid(uuid)
    with Session(engine) as session:
        session.execute(delete(ObservationDraft).where(ObservationDraft.uuid == uuid))
        if session.scalar(select(Observation.id).where(Observation.uuid == uuid)) is None:
            session.execute(delete(Photo).where(Photo.observation_uuid == uuid))
        session.commit()


# --- the focus-area assessment after a walk ---------------------------------------------------
def save_assessment(engine: Engine, walk_id: int, respondent: str, scores: dict[str, tuple[int, str]]) -> None:
    """A participant's or group's scores (1-7) and comments for the five focus areas. A
    respondent's new scores for a walk replace their earlier ones."""
    respondent = respondent.strip()
    if not respondent:
        raise ValidationError("assessment_no_respondent")
    if set(scores) != set(FOCUS_AREAS):
        raise ValidationError("assessment_incomplete")
    for area, (score, _) in scores.items():
        if score not in SCORES:
            raise ValidationError("assessment_bad_score", value=score)
    with Session(engine) as session:
        if session.get(Walk, walk_id) is None:
            raise NotFoundError("walk_not_found", ref=str(walk_id))
        for earlier in session.scalars(select(Assessment).where(Assessment.walk_id == walk_id,
                                                                 Assessment.respondent == respondent)):
            session.delete(earlier)
        session.flush()
        session.add_all(Assessment(walk_id=walk_id, respondent=respondent, focus_area=area, score=int(score),
                                   comment=(comment or "").strip()) for area, (score, comment) in scores.items())
        session.commit()


def assessments(engine: Engine, walk_ids: list[int]) -> pd.DataFrame:
    """Every score of the walks: walk_id, respondent, focus_area, score, comment."""
    with Session(engine) as session:
        rows = session.execute(
            select(Assessment.walk_id, Assessment.respondent, Assessment.focus_area, Assessment.score,
                   Assessment.comment).where(Assessment.walk_id.in_(walk_ids))
            .order_by(Assessment.walk_id, Assessment.respondent, Assessment.id)).all()
    return pd.DataFrame(rows, columns=["walk_id", "respondent", "focus_area", "score", "comment"])


def mean_scores(table: pd.DataFrame) -> pd.DataFrame:
    """Mean score per walk (rows) and focus area (columns, in method order)."""
    return table.pivot_table(index="walk_id", columns="focus_area", values="score", aggfunc="mean") \
        .reindex(columns=list(FOCUS_AREAS))
