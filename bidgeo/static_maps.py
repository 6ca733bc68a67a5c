"""Static maps (PNG) for printed reports, drawn with matplotlib from the vector data: the
locality's OSM roads and buildings as a light background, the BID area's outline and the
observations as numbered dots coloured by type. No tile server is asked for anything."""

from __future__ import annotations

import io
import math

import matplotlib

matplotlib.use("Agg")
import geopandas as gpd  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import shapely  # noqa: E402
from matplotlib.collections import LineCollection, PolyCollection  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from shapely.geometry.base import BaseGeometry  # noqa: E402

from bidgeo import focus  # noqa: E402
from bidgeo.i18n import t  # noqa: E402
from bidgeo.osm import ATTRIBUTION, OsmData  # noqa: E402

ROAD_WIDTH = {"motorway": 2.2, "trunk": 2.2, "primary": 2.0, "secondary": 1.8, "tertiary": 1.5,
              "residential": 1.1, "unclassified": 1.1, "living_street": 1.0, "service": 0.6}
"""Line widths (points) per highway type; paths, cycleways and the rest are thinner."""
AREA_COLOUR = "#1565c0"
METRES_PER_DEGREE = 111_320.0
MIN_SPAN_M = 350.0
"""The smallest width or height a map shows, so a single observation is seen in its street."""


def _bounds(shapes: list[BaseGeometry], aspect: float) -> tuple[float, float, float, float]:
    """The bounds of ``shapes`` with a margin, widened to the map's width/height ``aspect``
    (in metres) so the figure is filled without distortion."""
    b = np.array([s.bounds for s in shapes])
    minx, miny, maxx, maxy = b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()
    lat = (miny + maxy) / 2
    kx = METRES_PER_DEGREE * math.cos(math.radians(lat))
    width = max((maxx - minx) * kx, MIN_SPAN_M) * 1.15
    height = max((maxy - miny) * METRES_PER_DEGREE, MIN_SPAN_M) * 1.15
    if width / height < aspect:
        width = height * aspect
    else:
        height = width / aspect
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    dx, dy = width / kx / 2, height / METRES_PER_DEGREE / 2
    return cx - dx, cy - dy, cx + dx, cy + dy


def _rings(geoms) -> list[np.ndarray]:
    polygons = shapely.get_parts(np.asarray(geoms))
    polygons = polygons[shapely.get_type_id(polygons) == 3]
    return [shapely.get_coordinates(ring) for ring in shapely.get_exterior_ring(polygons)]


def _lines(geoms) -> list[np.ndarray]:
    parts = shapely.get_parts(np.asarray(geoms))
    return [shapely.get_coordinates(line) for line in parts if line.geom_type == "LineString"]


def _background(ax, osm: OsmData, bounds) -> None:
    minx, miny, maxx, maxy = bounds
    buildings = osm.buildings.cx[minx:maxx, miny:maxy]
    if len(buildings):
        ax.add_collection(PolyCollection(_rings(buildings.geometry.values), facecolors="#e0d6d2",
                                         edgecolors="#bcaaa4", linewidths=0.3, zorder=1))
    roads = osm.roads.cx[minx:maxx, miny:maxy]
    if len(roads):
        widths = roads["highway"].map(ROAD_WIDTH).fillna(0.5).to_numpy()
        order = np.argsort(widths)  # main roads drawn last, on top
        segments, lw = [], []
        for geom, width in zip(roads.geometry.values[order], widths[order]):
            for line in _lines([geom]):
                segments.append(line)
                lw.append(width)
        ax.add_collection(LineCollection(segments, colors="#a8a8a8", linewidths=lw, capstyle="round", zorder=2))


def _scale_bar(ax, bounds) -> None:
    minx, miny, maxx, maxy = bounds
    kx = METRES_PER_DEGREE * math.cos(math.radians((miny + maxy) / 2))
    width_m = (maxx - minx) * kx
    length = next(n for n in (2000, 1000, 500, 250, 200, 100, 50, 20, 10) if n <= width_m / 5)
    x0, y0 = minx + (maxx - minx) * 0.03, miny + (maxy - miny) * 0.04
    ax.plot([x0, x0 + length / kx], [y0, y0], color="#212121", linewidth=3, solid_capstyle="butt", zorder=6)
    ax.text(x0 + length / kx / 2, y0 + (maxy - miny) * 0.015, f"{length} m", ha="center", va="bottom",
            fontsize=7, color="#212121", zorder=6)


def observation_map_png(osm: OsmData | None, area: BaseGeometry | None, observations: gpd.GeoDataFrame,
                        numbers: list[int] | None, lang: str, size: tuple[float, float] = (7.2, 4.3),
                        dpi: int = 160) -> bytes:
    """A map of ``observations`` (each a dot in its type's colour with its number from
    ``numbers``) in the BID ``area`` on the locality's roads and buildings (none when ``osm``
    is None), with a legend, a scale bar and the OSM attribution."""
    shapes = [g for g in [area, *observations.geometry] if g is not None and not g.is_empty]
    if not shapes and osm is not None and osm.bounds is not None:
        shapes = [shapely.box(*osm.bounds)]
    if not shapes:
        shapes = [shapely.Point(15.5, 62.0)]
    bounds = _bounds(shapes, size[0] / size[1])
    lat = (bounds[1] + bounds[3]) / 2
    fig = plt.figure(figsize=size, dpi=dpi)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(bounds[0], bounds[2])
    ax.set_ylim(bounds[1], bounds[3])
    ax.set_aspect(1 / math.cos(math.radians(lat)))
    ax.set_axis_off()
    fig.patch.set_facecolor("#fafafa")
    if osm is not None:
        _background(ax, osm, bounds)
    handles = []
    if area is not None and not area.is_empty:
        rings = _rings([area])
        ax.add_collection(PolyCollection(rings, facecolors=AREA_COLOUR, alpha=0.07, zorder=3))
        ax.add_collection(PolyCollection(rings, facecolors="none", edgecolors=AREA_COLOUR, linewidths=2.2, zorder=3))
        handles.append(Line2D([], [], color=AREA_COLOUR, linewidth=2.2, label=t("report_map_area", lang)))
    numbers = list(numbers) if numbers is not None else [None] * len(observations)
    for kind in focus.KINDS:
        chosen = (observations["kind"] == kind).to_numpy()
        if not chosen.any():
            continue
        xs, ys = observations.geometry.x.to_numpy()[chosen], observations.geometry.y.to_numpy()[chosen]
        ax.scatter(xs, ys, s=150, c=focus.KIND_COLOURS[kind], edgecolors="white", linewidths=1.4, zorder=5)
        for x, y, number in zip(xs, ys, np.asarray(numbers, dtype=object)[chosen]):
            if number is not None:
                ax.text(x, y, str(number), ha="center", va="center", fontsize=6.5, fontweight="bold",
                        color="#212121" if kind == "idea" else "white", zorder=6)
        handles.append(Line2D([], [], marker="o", linestyle="", markersize=8, markerfacecolor=focus.KIND_COLOURS[kind],
                              markeredgecolor="white", label=f"{t('kind_' + kind, lang)} ({int(chosen.sum())})"))
    if handles:
        ax.legend(handles=handles, loc="upper right", fontsize=7.5, framealpha=0.9)
    _scale_bar(ax, bounds)
    ax.text(0.995, 0.005, ATTRIBUTION, transform=ax.transAxes, ha="right", va="bottom",
            fontsize=6, color="#555555", zorder=7,
            bbox={"facecolor": "white", "alpha": 0.7, "edgecolor": "none", "pad": 1.5})
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", facecolor=fig.get_facecolor())
    plt.close(fig)
    return buffer.getvalue()


MILESTONE_COLOUR = "#6a1b9a"


def milestone_map_png(osm: OsmData | None, area: BaseGeometry | None, points: list[tuple[float, float]],
                      numbers: list[int], lang: str, size: tuple[float, float] = (7.2, 4.3), dpi: int = 160) -> bytes:
    """A map of the business plan's milestones that have a place (numbered dots) in the BID
    ``area`` on the locality's roads and buildings, with a legend, a scale bar and the OSM
    attribution (as :func:`observation_map_png`)."""
    dots = [shapely.Point(lon, lat) for lon, lat in points]
    shapes = [g for g in [area, *dots] if g is not None and not g.is_empty]
    if not shapes and osm is not None and osm.bounds is not None:
        shapes = [shapely.box(*osm.bounds)]
    bounds = _bounds(shapes or [shapely.Point(15.5, 62.0)], size[0] / size[1])
    fig = plt.figure(figsize=size, dpi=dpi)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(bounds[0], bounds[2])
    ax.set_ylim(bounds[1], bounds[3])
    ax.set_aspect(1 / math.cos(math.radians((bounds[1] + bounds[3]) / 2)))
    ax.set_axis_off()
    fig.patch.set_facecolor("#fafafa")
    if osm is not None:
        _background(ax, osm, bounds)
    handles = []
    if area is not None and not area.is_empty:
        rings = _rings([area])
        ax.add_collection(PolyCollection(rings, facecolors=AREA_COLOUR, alpha=0.07, zorder=3))
        ax.add_collection(PolyCollection(rings, facecolors="none", edgecolors=AREA_COLOUR, linewidths=2.2, zorder=3))
        handles.append(Line2D([], [], color=AREA_COLOUR, linewidth=2.2, label=t("report_map_area", lang)))
    if dots:
        ax.scatter([d.x for d in dots], [d.y for d in dots], s=190, c=MILESTONE_COLOUR, edgecolors="white",
                   linewidths=1.4, zorder=5)
        for dot, number in zip(dots, numbers):
            ax.text(dot.x, dot.y, str(number), ha="center", va="center", fontsize=7, fontweight="bold",
                    color="white", zorder=6)
        handles.append(Line2D([], [], marker="o", linestyle="", markersize=9, markerfacecolor=MILESTONE_COLOUR,
                              markeredgecolor="white", label=t("pd_map_milestones", lang, count=len(dots))))
    if handles:
        ax.legend(handles=handles, loc="upper right", fontsize=7.5, framealpha=0.9)
    _scale_bar(ax, bounds)
    ax.text(0.995, 0.005, ATTRIBUTION, transform=ax.transAxes, ha="right", va="bottom", fontsize=6, color="#555555",
            zorder=7, bbox={"facecolor": "white", "alpha": 0.7, "edgecolor": "none", "pad": 1.5})
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", facecolor=fig.get_facecolor())
    plt.close(fig)
    return buffer.getvalue()
