"""A project's service inventory: snapshots of imports, and manual corrections applied on
top of the newest one (``docs/spec/service-categories.md``: corrections are stored apart
from the OSM snapshot, so a fresh import never loses them)."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bidgeo import categories
from bidgeo.db import ServiceCorrection, ServicePoint, ServiceSnapshot
from bidgeo.errors import ValidationError
from bidgeo.geo import WGS84

KINDS = ("add", "close", "category", "move")
OSM_SOURCES = ("osm_file", "overpass")
"""Imports of OpenStreetMap: the newest replaces the ones before. Registers (source
``register``) sit beside it, the newest of each register name."""
COLUMNS = ["category", "name", "osm_type", "osm_id", "source", "tags"]


def add_snapshot(session: Session, project_id: int, source: str, source_name: str,
                 services: gpd.GeoDataFrame) -> ServiceSnapshot:
    """Store an import (rows as in :attr:`bidgeo.osm.OsmData.services`) as a new snapshot."""
    snapshot = ServiceSnapshot(project_id=project_id, source=source, source_name=source_name)
    session.add(snapshot)
    session.flush()
    session.add_all(
        ServicePoint(project_id=project_id, snapshot_id=snapshot.id, category=row.category, name=row.name,
                     osm_type=row.osm_type, osm_id=None if pd.isna(row.osm_id) else int(row.osm_id),
                     source=row.source, tags=row.tags if isinstance(row.tags, dict) else {}, geom=geom)
        for row, geom in zip(services.itertuples(), services.geometry)
    )
    return snapshot


def _latest_osm(session: Session, project_id: int, count: int) -> list[int]:
    return list(session.scalars(select(ServiceSnapshot.id)
                                .where(ServiceSnapshot.project_id == project_id,
                                       ServiceSnapshot.source.in_(OSM_SOURCES))
                                .order_by(ServiceSnapshot.id.desc()).limit(count)))


def _utc(moment: datetime) -> datetime:
    """A stored time as an aware UTC datetime (SQLite gives them back without their zone)."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def _inventory_snapshots(session: Session, project_id: int, at: datetime | None = None) -> list[int]:
    """The newest OSM snapshot and the newest snapshot of each register (made by ``at``)."""
    rows = session.execute(select(ServiceSnapshot.id, ServiceSnapshot.source, ServiceSnapshot.source_name,
                                  ServiceSnapshot.created_at)
                           .where(ServiceSnapshot.project_id == project_id)
                           .order_by(ServiceSnapshot.id.desc())).all()
    chosen, registers, osm = [], set(), False
    for snapshot_id, source, name, created_at in rows:
        if at is not None and _utc(created_at) > at:
            continue
        if source in OSM_SOURCES and not osm:
            osm = True
            chosen.insert(0, snapshot_id)
        elif source == "register" and name not in registers:
            registers.add(name)
            chosen.append(snapshot_id)
    return chosen


def _points(session: Session, snapshot_ids: list[int]) -> gpd.GeoDataFrame:
    rows = session.execute(
        select(ServicePoint.category, ServicePoint.name, ServicePoint.osm_type, ServicePoint.osm_id,
               ServicePoint.source, ServicePoint.tags, ServicePoint.geom)
        .where(ServicePoint.snapshot_id.in_(snapshot_ids)).order_by(ServicePoint.id)).all()
    return gpd.GeoDataFrame([r[:6] for r in rows], columns=COLUMNS, geometry=[r[6] for r in rows], crs=WGS84)


def revision(engine: Engine, project_id: int) -> tuple:
    """What the inventory is made of, cheaply: its newest snapshot and correction (ids only
    grow) and how many corrections there are. The same revision, the same :func:`current`."""
    with Session(engine) as session:
        snapshot = session.scalar(select(func.max(ServiceSnapshot.id)).where(ServiceSnapshot.project_id == project_id))
        fixes = session.execute(select(func.max(ServiceCorrection.id), func.count(ServiceCorrection.id))
                                .where(ServiceCorrection.project_id == project_id)).one()
    return snapshot, *fixes


def current(engine: Engine, project_id: int, at: datetime | None = None) -> gpd.GeoDataFrame:
    """The inventory: the newest OSM snapshot and registers, with every correction applied
    in order. With ``at`` (aware), the inventory as it stood then: the imports and corrections
    made by that moment."""
    at = None if at is None else _utc(at)
    with Session(engine) as session:
        points = _points(session, _inventory_snapshots(session, project_id, at))
        fixes = session.scalars(select(ServiceCorrection).where(ServiceCorrection.project_id == project_id)
                                .order_by(ServiceCorrection.id)).all()
        for fix in fixes:
            if at is not None and _utc(fix.created_at) > at:
                continue
            same = (points["osm_type"] == fix.osm_type) & (points["osm_id"] == fix.osm_id)
            if fix.kind == "add":
                added = gpd.GeoDataFrame([[fix.category, fix.name, None, None, "manual", {}]], columns=COLUMNS,
                                         geometry=[fix.geom], crs=WGS84)
                points = pd.concat([points, added], ignore_index=True)
            elif fix.kind == "close":
                points = points[~same]
            elif fix.kind == "category" and same.any():
                first = points[same].iloc[[0]].assign(category=fix.category)
                points = pd.concat([points[~same], first])
            elif fix.kind == "move":
                points.loc[same, "geometry"] = fix.geom
    return gpd.GeoDataFrame(points.reset_index(drop=True), geometry="geometry", crs=WGS84)


def change_times(engine: Engine, project_id: int) -> list[datetime]:
    """When the inventory changed (every import and correction), oldest first, in UTC."""
    with Session(engine) as session:
        times = [*session.scalars(select(ServiceSnapshot.created_at).where(ServiceSnapshot.project_id == project_id)),
                 *session.scalars(select(ServiceCorrection.created_at)
                                  .where(ServiceCorrection.project_id == project_id))]
    return sorted(_utc(moment) for moment in times)


def correct(engine: Engine, project_id: int, kind: str, *, osm_type: str | None = None,
            osm_id: int | None = None, category: str | None = None, name: str | None = None,
            point: Point | None = None, author: str = "", note: str = "") -> int:
    """Record a correction: ``add`` (category, name, point), ``close`` (osm_type, osm_id),
    ``category`` (osm_type, osm_id, category) or ``move`` (osm_type, osm_id, point)."""
    if kind not in KINDS:
        raise ValidationError("bad_choice", field="kind", value=kind, choices=", ".join(KINDS))
    if kind in ("add", "category") and category not in categories.by_key():
        raise ValidationError("bad_choice", field="category", value=category,
                              choices=", ".join(categories.by_key()))
    if kind in ("add", "move") and point is None:
        raise ValidationError("correction_needs_point")
    if kind != "add" and (osm_type is None or osm_id is None):
        raise ValidationError("correction_needs_service")
    with Session(engine) as session:
        fix = ServiceCorrection(project_id=project_id, kind=kind, osm_type=osm_type, osm_id=osm_id,
                                category=category, name=(name or "").strip() or None, geom=point,
                                author=author.strip(), note=note.strip())
        session.add(fix)
        session.commit()
        return fix.id


CORRECTION_COLUMNS = ["id", "kind", "osm_type", "osm_id", "category", "name", "author", "note", "created_at"]


def corrections(engine: Engine, project_id: int) -> gpd.GeoDataFrame:
    """Every correction, oldest first (:data:`CORRECTION_COLUMNS`). The point is where an
    ``add`` or ``move`` puts the service; for ``close`` and ``category`` it is the corrected
    service's position in the newest import that has it (None if none has)."""
    with Session(engine) as session:
        fixes = session.scalars(select(ServiceCorrection).where(ServiceCorrection.project_id == project_id)
                                .order_by(ServiceCorrection.id)).all()
        rows, points = [], []
        for fix in fixes:
            point = fix.geom
            if point is None and fix.osm_type is not None:
                point = session.scalar(select(ServicePoint.geom).where(
                    ServicePoint.project_id == project_id, ServicePoint.osm_type == fix.osm_type,
                    ServicePoint.osm_id == fix.osm_id).order_by(ServicePoint.id.desc()).limit(1))
            rows.append([fix.id, fix.kind, fix.osm_type, fix.osm_id, fix.category, fix.name, fix.author, fix.note,
                         fix.created_at])
            points.append(point)
    return gpd.GeoDataFrame(pd.DataFrame(rows, columns=CORRECTION_COLUMNS, dtype=object), geometry=points, crs=WGS84)


def snapshots(engine: Engine, project_id: int) -> pd.DataFrame:
    """Every import of the project, newest first: id, source, source_name, created_at, count."""
    with Session(engine) as session:
        rows = session.execute(
            select(ServiceSnapshot.id, ServiceSnapshot.source, ServiceSnapshot.source_name,
                   ServiceSnapshot.created_at, func.count(ServicePoint.id))
            .outerjoin(ServicePoint, ServicePoint.snapshot_id == ServiceSnapshot.id)
            .where(ServiceSnapshot.project_id == project_id)
            .group_by(ServiceSnapshot.id).order_by(ServiceSnapshot.id.desc())).all()
    return pd.DataFrame(rows, columns=["id", "source", "source_name", "created_at", "count"])


def changes(engine: Engine, project_id: int) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """What the newest OSM import changed against the one before: (new services, gone
    ones), matched by OSM element and category."""
    with Session(engine) as session:
        latest = _latest_osm(session, project_id, 2)
        if len(latest) < 2:
            empty = _points(session, [])
            return empty, empty
        new, old = _points(session, latest[:1]), _points(session, latest[1:])

    def keys(frame):
        return list(zip(frame["osm_type"], frame["osm_id"], frame["category"]))

    new_keys, old_keys = set(keys(new)), set(keys(old))  # once, not per row: 5,000 rows took seconds
    return new[[k not in old_keys for k in keys(new)]], old[[k not in new_keys for k in keys(old)]]


def import_services(engine: Engine, project_id: int, source: str, source_name: str,
                    services: gpd.GeoDataFrame) -> int:
    """Store fetched or read services (e.g. from Overpass) as the project's newest snapshot."""
    with Session(engine) as session:
        snapshot = add_snapshot(session, project_id, source, source_name, services)
        session.commit()
        return snapshot.id


def osm_url(osm_type: str, osm_id: int) -> str:
    """The OSM object's page, for a details panel."""
    return f"https://www.openstreetmap.org/{osm_type}/{int(osm_id)}"


# --- a service point's details in words ---------------------------------------------------------
DETAIL_TAGS = ("opening_hours", "phone", "website", "email", "operator", "brand", "wheelchair", "description")
"""The OSM tags a person asks about, in this order; the others are behind the link to OSM."""
_DAYS = {"Mo": "må", "Tu": "ti", "We": "on", "Th": "to", "Fr": "fr", "Sa": "lö", "Su": "sö", "PH": "helgdag",
         "off": "stängt"}


def details(tags: dict, category: str, lang: str) -> list[tuple[str, str]]:
    """What a service point's OSM tags say, in words (label, value): its category, name,
    address and the :data:`DETAIL_TAGS` it has. Raw keys and values (``addr:street``,
    ``amenity=artwork``) are not shown; opening hours are written with Swedish day names."""
    from bidgeo.i18n import t
    from bidgeo.osm import address

    rows = [(t("detail_category", lang), categories.label(category, lang))]
    if tags.get("name"):
        rows.append((t("detail_name", lang), tags["name"]))
    if address(tags):
        rows.append((t("detail_address", lang), address(tags)))
    for key in DETAIL_TAGS:
        value = tags.get(key) or tags.get("contact:" + key)
        if not value:
            continue
        if key == "wheelchair":
            value = t(f"detail_wheelchair_{value}", lang) if value in ("yes", "no", "limited") else value
        elif key == "opening_hours" and lang == "sv":
            value = re.sub(r"\b(Mo|Tu|We|Th|Fr|Sa|Su|PH|off)\b", lambda m: _DAYS[m.group(1)], value)
        rows.append((t("detail_" + key, lang), value))
    return rows
