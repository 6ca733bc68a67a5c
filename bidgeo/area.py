"""Reading a BID boundary file into one (multi)polygon in WGS 84."""

from __future__ import annotations

from pathlib import Path

import pyogrio
import shapely
from shapely.geometry.base import BaseGeometry

from bidgeo.errors import InputError, ValidationError
from bidgeo.geo import WGS84


def read_area(path: str | Path) -> BaseGeometry:
    """The union of the polygons in a boundary file (GeoJSON, KML, GeoPackage, zipped
    Shapefile), in WGS 84."""
    path = Path(path)
    if not path.is_file():
        raise InputError("area_missing", path=str(path))
    source = f"/vsizip/{path}" if path.suffix.lower() == ".zip" else str(path)
    try:
        frame = pyogrio.read_dataframe(source)
    except Exception as exc:  # pyogrio raises several types for unreadable data
        raise InputError("area_unreadable", path=path.name, detail=str(exc).splitlines()[0]) from exc
    if frame.crs is not None and not frame.crs.equals(WGS84):
        frame = frame.to_crs(WGS84)
    polygons = [g for g in frame.geometry if g is not None and g.geom_type in ("Polygon", "MultiPolygon")]
    if not polygons:
        raise ValidationError("area_not_polygon", path=path.name)
    return shapely.union_all(polygons)
