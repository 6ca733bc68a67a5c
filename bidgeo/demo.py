"""The demo project: Karhula (Kotka) from the bundled OSM extract, fully offline."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from bidgeo import config
from bidgeo.errors import InputError
from bidgeo.projects import ProjectInfo, create_project, list_projects, replace_osm

DEMO_NAME = "Karhula (demo)"


def ensure_demo(engine: Engine) -> ProjectInfo:
    """Create the demo project, or refresh its OSM data if it exists."""
    if not config.DEMO_OSM.is_file():
        raise InputError("demo_data_missing", path=str(config.DEMO_OSM))
    existing = [p for p in list_projects(engine) if p.name == DEMO_NAME]
    if existing:
        return replace_osm(engine, existing[0].id, config.DEMO_OSM)
    return create_project(
        engine,
        DEMO_NAME,
        locality="Karhula",
        municipality="Kotka",
        bid_type="service",
        osm_path=config.DEMO_OSM,
    )


def ensure_demo_if_empty(engine: Engine) -> None:
    """Create the demo project when the store has no project at all (first start)."""
    if not list_projects(engine):
        ensure_demo(engine)
