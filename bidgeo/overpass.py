"""Service points from live OpenStreetMap through the Overpass API (osmnx): the one place
where bidgeo goes on the network.

A quick TCP check with a short timeout comes first, so an offline machine or an unreachable
server fails within seconds with a clear message instead of osmnx's long waits; osmnx runs
with its rate-limit pause off and a short request timeout. Raw responses are cached by osmnx
in ``BIDGEO_HOME/cache/overpass`` (the file time is the response's timestamp).
"""

from __future__ import annotations

import math
import os
import socket
from functools import partial
from urllib.parse import urlparse

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from bidgeo import categories, config
from bidgeo.errors import ServiceUnavailableError, ValidationError, os_reason
from bidgeo.geo import WGS84, utm_crs
from bidgeo.osm import SERVICE_COLUMNS

DEFAULT_URL = "https://overpass-api.de/api"
CONNECT_TIMEOUT_S = 3
REQUEST_TIMEOUT_S = 10
DEFAULT_BUFFER_M = 2000
MAX_BUFFER_M = 50_000
NOT_TAGS = {"geometry", "nodes", "ways", "members", "element", "id"}


def url() -> str:
    return os.environ.get("BIDGEO_OVERPASS_URL") or DEFAULT_URL


def _reachable(endpoint: str) -> None:
    parsed = urlparse(endpoint)
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        with socket.create_connection((parsed.hostname, port), timeout=CONNECT_TIMEOUT_S):
            pass
    except OSError as exc:
        raise ServiceUnavailableError("overpass_unavailable", url=endpoint, reason=os_reason(exc)) from exc


def query_tags() -> dict:
    """The OSM tags the taxonomy looks at, as an osmnx query (bus stops and stations rather
    than every highway and railway)."""
    tags: dict = {key: True for key in categories.tag_keys()}
    tags["highway"] = "bus_stop"
    tags["railway"] = ["station", "halt"]
    return tags


def buffered(area: BaseGeometry, metres: float = DEFAULT_BUFFER_M) -> BaseGeometry:
    """The area with a surrounding buffer (for coverage context), in WGS 84."""
    centre = area.centroid
    metric = utm_crs(centre.x, centre.y)
    series = gpd.GeoSeries([area], crs=WGS84).to_crs(metric).buffer(metres)
    return series.to_crs(WGS84).iloc[0]


def services(area: BaseGeometry, buffer_m: float = DEFAULT_BUFFER_M) -> gpd.GeoDataFrame:
    """Service points (the columns of :attr:`bidgeo.osm.OsmData.services`) from Overpass
    for ``area`` plus ``buffer_m`` (0 to :data:`MAX_BUFFER_M` metres). Raises
    :class:`ServiceUnavailableError` (exit 3) when Overpass cannot be reached or does not
    answer in time."""
    import osmnx as ox
    import requests

    if not (isinstance(buffer_m, (int, float)) and math.isfinite(buffer_m) and 0 <= buffer_m <= MAX_BUFFER_M):
        raise ValidationError("overpass_bad_buffer", value=str(buffer_m)[:40], max=MAX_BUFFER_M)
    endpoint = url()
    _reachable(endpoint)
    ox.settings.overpass_url = endpoint
    ox.settings.overpass_rate_limit = False
    ox.settings.requests_timeout = REQUEST_TIMEOUT_S
    ox.settings.use_cache = True
    ox.settings.cache_folder = str(config.home() / "cache" / "overpass")
    ox.settings.log_console = False
    # An error status ends the request at once: osmnx would sleep 55 s and ask again, without
    # end, while Overpass is overloaded (429, 504).
    ox.settings.requests_kwargs = {"hooks": {"response": [partial(_refuse_error_status, endpoint)]}}
    try:
        features = ox.features_from_polygon(buffered(area, buffer_m), query_tags())
    except ox._errors.InsufficientResponseError:
        features = gpd.GeoDataFrame(geometry=[], crs=WGS84)
    except requests.exceptions.Timeout as exc:
        raise ServiceUnavailableError("overpass_unavailable", url=endpoint, reason="reason_os_timeout") from exc
    except requests.exceptions.ConnectionError as exc:  # (reached just before, in _reachable)
        raise ServiceUnavailableError("overpass_unavailable", url=endpoint, reason="reason_overpass_dropped") from exc
    except (requests.exceptions.RequestException, ValueError) as exc:
        raise ServiceUnavailableError("overpass_unavailable", url=endpoint, reason="reason_overpass_answer") from exc
    return _classify(features)


def _refuse_error_status(endpoint: str, response, *args, **kwargs) -> None:
    """A requests response hook: an error status from Overpass is :class:`ServiceUnavailableError`."""
    if not response.ok:
        raise ServiceUnavailableError("overpass_unavailable", url=endpoint, reason="reason_overpass_status",
                                      code=response.status_code)


def _classify(features: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One row per element and category, as the taxonomy says: nodes, closed ways and
    multipolygon relations, each at a point on its surface."""
    rows = []
    records = features.drop(columns=[features.geometry.name]).to_dict("records") if len(features) else []
    for (element, osm_id), values, geometry in zip(features.index, records, features.geometry):
        if element == "way" and not (geometry.geom_type == "Polygon" or
                                     (geometry.geom_type == "LineString" and geometry.is_closed)):
            continue
        tags = {k: v for k, v in values.items() if k not in NOT_TAGS and isinstance(v, str)}
        point = geometry if geometry.geom_type == "Point" else shapely.point_on_surface(
            shapely.Polygon(geometry.coords) if geometry.geom_type == "LineString" else geometry)
        for key in categories.classify(tags):
            rows.append((key, tags.get("name"), element, int(osm_id), "osm", tags, point))
    return gpd.GeoDataFrame(pd.DataFrame(rows, columns=SERVICE_COLUMNS), geometry="geometry", crs=WGS84)
