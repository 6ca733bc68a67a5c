"""Projects: create, list, find, and give them their locality's OSM extract."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable

import geopandas as gpd
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bidgeo import config
from bidgeo.db import OsmExtract, Project, ServicePoint, ServiceSnapshot
from bidgeo.errors import InputError, NotFoundError, ValidationError
from bidgeo.inventory import OSM_SOURCES, add_snapshot, current
from bidgeo.osm import OSM_SUFFIXES, read_osm

BID_TYPES = ("service", "centre", "residential", "business_park")
STAGES = ("reading", "buildings", "services", "network", "saving")
"""The stages of creating a project from an extract, in order, as ``progress`` is told them."""


@dataclass(frozen=True)
class ProjectInfo:
    """A project as the pages and the CLI see it (detached from any session)."""

    id: int
    name: str
    locality: str
    municipality: str
    bid_type: str
    created_at: datetime
    osm_file: str | None
    """The name the OSM extract was given as; None when the project has none."""
    osm_sha256: str | None
    service_count: int


def _info(project: Project, service_count: int) -> ProjectInfo:
    return ProjectInfo(
        id=project.id,
        name=project.name,
        locality=project.locality,
        municipality=project.municipality,
        bid_type=project.bid_type,
        created_at=project.created_at,
        osm_file=project.osm_file,
        osm_sha256=project.osm_sha256,
        service_count=service_count,
    )


def list_projects(engine: Engine) -> list[ProjectInfo]:
    """All projects, oldest first, with the number of service points of their newest OSM
    import."""
    latest = (
        select(func.max(ServiceSnapshot.id).label("id")).where(ServiceSnapshot.source.in_(OSM_SOURCES))
        .group_by(ServiceSnapshot.project_id).subquery()
    )
    counts = (
        select(ServicePoint.project_id, func.count().label("n"))
        .join(latest, latest.c.id == ServicePoint.snapshot_id)
        .group_by(ServicePoint.project_id)
        .subquery()
    )
    query = (
        select(Project, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.project_id == Project.id)
        .order_by(Project.id)
    )
    with Session(engine) as session:
        return [_info(p, n) for p, n in session.execute(query)]


def get_project(engine: Engine, ref: int | str) -> ProjectInfo:
    """The project with id ``ref`` or, failing that, the exact name ``ref``."""
    ref_text = str(ref).strip()
    for project in list_projects(engine):
        if str(project.id) == ref_text:
            return project
    for project in list_projects(engine):
        if project.name == ref_text:
            return project
    raise NotFoundError("project_not_found", ref=ref_text)


def _suffix(name: str) -> str:
    return next(s for s in OSM_SUFFIXES if name.lower().endswith(s))


def _check_size(size_bytes: int) -> None:
    """Refuse an extract over the limit before anything reads it."""
    size_mb = size_bytes / 1e6
    if size_mb > config.MAX_OSM_UPLOAD_MB:
        raise InputError("osm_too_big", size_mb=round(size_mb), limit_mb=config.MAX_OSM_UPLOAD_MB)


def _store_osm(session: Session, source: Path, sha: str) -> None:
    """Keep the extract's bytes in the database, once per content hash."""
    if session.get(OsmExtract, sha) is None:
        data = source.read_bytes()
        session.add(OsmExtract(sha256=sha, suffix=_suffix(source.name), size=len(data), data=data))


def osm_file(engine: Engine, project: ProjectInfo) -> Path | None:
    """A local file of the project's OSM extract, written from the database to the cache in
    ``BIDGEO_HOME`` when it is not there yet; None when the project has no extract."""
    if not project.osm_sha256:
        return None
    folder = config.home() / "cache" / "osm"
    with Session(engine) as session:
        suffix = session.scalar(select(OsmExtract.suffix).where(OsmExtract.sha256 == project.osm_sha256))
        if suffix is None:
            raise NotFoundError("osm_extract_missing", name=project.name)
        path = folder / f"{project.osm_sha256}{suffix}"
        if not path.is_file():
            folder.mkdir(parents=True, exist_ok=True)
            data = session.scalar(select(OsmExtract.data).where(OsmExtract.sha256 == project.osm_sha256))
            partial = path.with_name(path.name + ".part")
            partial.write_bytes(data)
            partial.replace(path)
    return path


def create_project(
    engine: Engine,
    name: str,
    locality: str = "",
    municipality: str = "",
    bid_type: str = "service",
    osm_path: str | Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> ProjectInfo:
    """Create a project, optionally with the OSM extract of its locality. The extract is
    read before anything is saved, so a bad file leaves the store unchanged. ``progress`` is
    told each of :data:`STAGES` as it begins."""
    name = (name or "").strip()
    if not name:
        raise ValidationError("name_required")
    if bid_type not in BID_TYPES:
        raise ValidationError("bad_bid_type", bid_type=bid_type, choices=", ".join(BID_TYPES))
    data = None
    if osm_path is not None:
        _check_size(Path(osm_path).stat().st_size)
        data = read_osm(osm_path, progress)
    if progress is not None:
        progress("saving")
    project = Project(
        name=name,
        locality=locality.strip(),
        municipality=municipality.strip(),
        bid_type=bid_type,
        osm_file=Path(osm_path).name if data is not None else None,
        osm_sha256=data.sha256 if data is not None else None,
    )
    with Session(engine) as session:
        session.add(project)
        try:
            session.flush()
        except IntegrityError as exc:
            raise ValidationError("name_taken", name=name) from exc
        if data is not None:
            _store_osm(session, Path(osm_path), data.sha256)
            add_snapshot(session, project.id, "osm_file", project.osm_file, data.services)
        session.commit()
        return _info(project, 0 if data is None else len(data.services))


def create_project_from_upload(engine: Engine, data: bytes, filename: str, **fields) -> ProjectInfo:
    """:func:`create_project` with the OSM extract given as uploaded bytes."""
    if not filename.lower().endswith(OSM_SUFFIXES):
        raise InputError("osm_unsupported", path=filename)
    _check_size(len(data))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / Path(filename).name
        path.write_bytes(data)
        return create_project(engine, osm_path=path, **fields)


def replace_osm(engine: Engine, project_id: int, osm_path: str | Path,
                progress: Callable[[str], None] | None = None) -> ProjectInfo:
    """Give a project a (new) OSM extract: its services become a new snapshot (earlier ones
    and the corrections are kept). ``progress`` is told each of :data:`STAGES` as it begins."""
    _check_size(Path(osm_path).stat().st_size)
    data = read_osm(osm_path, progress)
    if progress is not None:
        progress("saving")
    with Session(engine) as session:
        project = session.get(Project, project_id)
        if project is None:
            raise NotFoundError("project_not_found", ref=str(project_id))
        _store_osm(session, Path(osm_path), data.sha256)
        project.osm_file, project.osm_sha256 = Path(osm_path).name, data.sha256
        add_snapshot(session, project.id, "osm_file", project.osm_file, data.services)
        session.commit()
        return _info(project, len(data.services))


def service_points(engine: Engine, project_id: int) -> gpd.GeoDataFrame:
    """The project's service inventory: category, name, osm_type, osm_id, source, geometry
    (the newest import with the corrections applied; see :mod:`bidgeo.inventory`)."""
    return current(engine, project_id)
