"""Coordinate reference systems and metric helpers."""

from __future__ import annotations

import numpy as np
from pyproj import CRS, Transformer

WGS84 = CRS.from_epsg(4326)
SWEREF99TM = CRS.from_epsg(3006)


def utm_crs(lon: float, lat: float) -> CRS:
    """The WGS 84 / UTM zone containing (lon, lat): a metric CRS that is accurate locally,
    also outside Sweden, where SWEREF 99 TM (UTM zone 33) distorts distances."""
    zone = int((lon + 180) // 6) % 60 + 1
    return CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


def project_lonlat(lon: np.ndarray, lat: np.ndarray, crs: CRS) -> tuple[np.ndarray, np.ndarray]:
    """Project WGS 84 longitudes and latitudes to ``crs`` (x, y in metres)."""
    transformer = Transformer.from_crs(WGS84, crs, always_xy=True)
    return transformer.transform(np.asarray(lon, float), np.asarray(lat, float))
