"""Service points: from an OSM file or a project, clipped to an area, written as GeoJSON
or CSV (the ``bidgeo services`` contract in ``docs/spec/cli.md``)."""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
from shapely.geometry.base import BaseGeometry

from bidgeo import categories

OUTPUT_COLUMNS = ["category", "name", "osm_type", "osm_id", "source"]


def within(services: gpd.GeoDataFrame, area: BaseGeometry) -> gpd.GeoDataFrame:
    """The services whose point lies in ``area`` (boundary included)."""
    return services[services.geometry.intersects(area)]


def inventory(services: gpd.GeoDataFrame, lang: str) -> pd.DataFrame:
    """Counts per category in taxonomy order, with the label in ``lang``; categories
    without services are left out."""
    counts = services["category"].value_counts()
    rows = [
        (c.key, c.label(lang), int(counts[c.key]))
        for c in categories.categories()
        if c.key in counts
    ]
    return pd.DataFrame(rows, columns=["category", "label", "count"])


def to_geojson(services: gpd.GeoDataFrame) -> str:
    """A FeatureCollection, one feature per OSM element and category."""
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [round(p.x, 7), round(p.y, 7)]},
            "properties": {
                "category": row.category,
                "name": None if pd.isna(row.name) else row.name,  # JSON has no NaN
                "osm_type": row.osm_type,
                "osm_id": None if pd.isna(row.osm_id) else int(row.osm_id),
                "source": row.source,
            },
        }
        for row, p in zip(services.itertuples(), services.geometry)
    ]
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)


def to_csv(services: gpd.GeoDataFrame) -> str:
    table = pd.DataFrame(services[OUTPUT_COLUMNS])
    table["osm_id"] = table["osm_id"].astype("Int64")
    table["lon"] = services.geometry.x.round(7)
    table["lat"] = services.geometry.y.round(7)
    return table.to_csv(index=False)
