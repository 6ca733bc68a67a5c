"""What the status analysis counts services and walking distance for: the BID area and a buffer
around it (500 m unless the user sets another), or the whole locality. One definition for the
status-analysis page, its reports and ``bidgeo export --buffer/--whole-locality``:

- the services are those inside the area grown by the buffer (a shop across the boundary
  serves the area too);
- the walking distance is from every building inside the BID area itself to the nearest of
  those services (``walking-distance.md``).

A project without a current area is counted for the whole locality, and says so."""

from __future__ import annotations

import math
from dataclasses import dataclass

import geopandas as gpd
from shapely.geometry.base import BaseGeometry

from bidgeo import coverage as coverage_mod
from bidgeo.errors import ValidationError
from bidgeo.i18n import number, t
from bidgeo.overpass import buffered
from bidgeo.services import within

DEFAULT_BUFFER_M = 500
MAX_BUFFER_M = 5000


@dataclass(frozen=True)
class Scope:
    """The BID area grown by ``buffer_m`` metres into ``region``, or (``area`` None) the whole
    locality."""

    area: BaseGeometry | None
    buffer_m: int
    region: BaseGeometry | None

    @property
    def whole_locality(self) -> bool:
        return self.area is None

    def describe(self, lang: str) -> str:
        """What is counted, in a sentence's words: "BID-området och 500 m runt det"."""
        if self.whole_locality:
            return t("scope_locality", lang)
        if self.buffer_m == 0:
            return t("scope_area", lang)
        return t("scope_area_buffer", lang, metres=number(self.buffer_m, lang))

    def origins(self, lang: str) -> str:
        """Whose walking distance is measured: "byggnaderna i BID-området"."""
        return t("scope_origins_locality" if self.whole_locality else "scope_origins_area", lang)

    def services(self, points: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        """The service points counted."""
        return points if self.region is None else within(points, self.region)

    def coverage(self, net: coverage_mod.Network, points: gpd.GeoDataFrame,
                 bands: tuple[int, ...] = coverage_mod.DEFAULT_BANDS) -> coverage_mod.Coverage:
        """Walking distance from the buildings of the BID area (all of the locality's when
        whole) to the services counted."""
        origins = None if self.area is None else coverage_mod.origins_within(net, self.area)
        return coverage_mod.coverage(net, self.services(points), bands, origins=origins)


def scope(area: BaseGeometry | None, buffer_m: float | None = DEFAULT_BUFFER_M) -> Scope:
    """The scope for the current ``area`` grown by ``buffer_m`` (0 to :data:`MAX_BUFFER_M`
    metres); ``buffer_m`` None, or no area (the project has none yet), is the whole locality."""
    if buffer_m is None or area is None:
        return Scope(None, 0, None)
    if not (isinstance(buffer_m, (int, float)) and math.isfinite(buffer_m) and 0 <= buffer_m <= MAX_BUFFER_M):
        raise ValidationError("scope_bad_buffer", value=str(buffer_m)[:40], max=MAX_BUFFER_M)
    buffer_m = int(round(buffer_m))
    return Scope(area, buffer_m, buffered(area, buffer_m) if buffer_m else area)
