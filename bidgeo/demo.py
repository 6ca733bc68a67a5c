"""The demo project: Karhula (Kotka) from the bundled OSM extract, fully offline."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from bidgeo import config
from bidgeo.area import check_file
from bidgeo.area_versions import list_versions, save_version
from bidgeo.errors import InputError
from bidgeo.projects import ProjectInfo, create_project, list_projects, replace_osm

DEMO_NAME = "Karhula (demo)"
DEMO_AREA = config.DEMO_OSM.parent / "karhula_centrum.geojson"


def ensure_demo(engine: Engine) -> ProjectInfo:
    """Create the demo project with its OSM data and a first BID area, or refresh its OSM
    data if it exists (its area versions are kept; one is added only if it has none)."""
    for path in (config.DEMO_OSM, DEMO_AREA):
        if not path.is_file():
            raise InputError("demo_data_missing", path=str(path))
    existing = [p for p in list_projects(engine) if p.name == DEMO_NAME]
    if existing:
        project = replace_osm(engine, existing[0].id, config.DEMO_OSM)
    else:
        project = create_project(engine, DEMO_NAME, locality="Karhula", municipality="Kotka",
                                 bid_type="service", osm_path=config.DEMO_OSM)
    if not list_versions(engine, project.id):
        save_version(engine, project.id, check_file(DEMO_AREA), author="bidgeo",
                     comment="Demo: Karhula centrum runt Tikankatu")
    return project


def ensure_demo_if_empty(engine: Engine) -> None:
    """Create the demo project when the store has no project at all (first start)."""
    if not list_projects(engine):
        ensure_demo(engine)
