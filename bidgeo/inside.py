"""What lies inside a BID area: services per category, buildings and candidate
stakeholders (step 1: "identify the stakeholders in the BID area")."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import pandas as pd
from shapely.geometry.base import BaseGeometry

from bidgeo import services as services_
from bidgeo import stakeholders
from bidgeo.osm import OsmData


@dataclass
class Inside:
    services: gpd.GeoDataFrame
    """The service points inside the area."""
    inventory: pd.DataFrame
    """Counts per category (category, label, count)."""
    buildings: int
    """Buildings whose representative point lies inside."""
    candidates: pd.DataFrame
    """Candidate stakeholders (see :func:`bidgeo.stakeholders.candidates`)."""


def inside(area: BaseGeometry, services: gpd.GeoDataFrame, osm: OsmData | None, lang: str) -> Inside:
    points = services_.within(services, area)
    if osm is None:
        return Inside(points, services_.inventory(points, lang), 0,
                      pd.DataFrame(columns=["name", "category", "address", "osm_type", "osm_id"]))
    return Inside(
        services=points,
        inventory=services_.inventory(points, lang),
        buildings=int(osm.buildings.representative_point().intersects(area).sum()),
        candidates=stakeholders.candidates(osm.businesses, area, lang),
    )
