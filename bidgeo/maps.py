"""Folium map builders. The maps need no CDN: :func:`use_local_assets` points every
JavaScript and CSS file at copies the app serves itself (``static/vendor``), and without
configured base tiles the locality's own OSM roads and buildings are the background.

All user or OSM text shown on a map is HTML-escaped and travels as JSON data, never inside
JavaScript source.
"""

from __future__ import annotations

import base64
import html
import json
import math

import folium
import geopandas as gpd
import numpy as np
import shapely
import shapely.geometry
from branca.element import MacroElement
from folium.map import Layer
from folium.plugins import Draw, MarkerCluster
from jinja2 import Template
from shapely.geometry.base import BaseGeometry

from bidgeo import categories, config, focus, icons, premises
from bidgeo.i18n import number, percent, t
from bidgeo.osm import ATTRIBUTION, OsmData

# Where each folium asset (by folium's own name for it) lives under static/vendor.
ASSET_FILES = {
    "leaflet": "leaflet/leaflet.js",
    "jquery": "jquery/jquery.min.js",
    "leaflet_css": "leaflet/leaflet.css",
    "leaflet_draw_js": "leaflet-draw/leaflet.draw.js",
    "leaflet_draw_css": "leaflet-draw/leaflet.draw.css",
    "markerclusterjs": "leaflet-markercluster/leaflet.markercluster.js",
    "markerclustercss": "leaflet-markercluster/MarkerCluster.css",
    "markerclusterdefaultcss": "leaflet-markercluster/MarkerCluster.Default.css",
}
# Assets folium loads by default that bidgeo's maps never use (awesome-marker icons).
UNUSED_ASSETS = frozenset(
    "bootstrap awesome_markers bootstrap_css glyphicons_css awesome_markers_font_css "
    "awesome_markers_css awesome_rotate_css".split()
)
SWEDEN_CENTRE = (62.0, 15.5)
ROAD_WEIGHT = {"primary": 3, "secondary": 3, "tertiary": 2.5, "trunk": 3.5, "residential": 2}
PRECISION = 1e-6
MAX_ZOOM = 19
"""The deepest zoom of every map, tiles or not: Leaflet.markercluster needs the map to have one
(a map without a tile layer has none and the cluster layer throws), and tiles go no deeper."""


def _walk(element):
    yield element
    for child in element._children.values():
        yield from _walk(child)


def use_local_assets(m: folium.Map, base_url: str) -> folium.Map:
    """Make ``m`` and every element in it load JS/CSS from ``base_url`` (e.g.
    ``/app/static/vendor``) instead of a CDN. Raises ``ValueError`` for an asset that has
    no local copy, so a new plugin cannot silently reach for the internet."""
    base = base_url.rstrip("/")
    for element in _walk(m):
        for attr in ("default_js", "default_css"):
            assets = getattr(element, attr, None)
            if not assets:
                continue
            local = []
            for name, url in assets:
                if name in ASSET_FILES:
                    local.append((name, f"{base}/{ASSET_FILES[name]}"))
                elif name not in UNUSED_ASSETS:
                    raise ValueError(
                        f"map asset {name!r} ({url}) has no local copy: add it to "
                        "assets/package.json, scripts/vendor-assets.sh and ASSET_FILES"
                    )
            setattr(element, attr, local)
    # Leaflet finds its default marker images through leaflet.css, which streamlit-folium
    # may not have applied yet; it then guesses a wrong path (".../leafletmarker-icon.png").
    m.add_child(_DefaultIconPath(f"{base}/leaflet/images/"), name="bidgeo_icon_path", index=0)
    return m


class _DefaultIconPath(MacroElement):
    _template = Template(
        """{% macro script(this, kwargs) %}
        L.Icon.Default.imagePath = {{ this.path|tojson }};
        {% endmacro %}"""
    )

    def __init__(self, path: str) -> None:
        super().__init__()
        self._name = "DefaultIconPath"
        self.path = path


class _Attribution(MacroElement):
    _template = Template(
        """{% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.text|tojson }});
        {% endmacro %}"""
    )

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "Attribution"
        self.text = text


class _MetricScale(MacroElement):
    """The scale bar in metres and kilometres only (Leaflet's default adds feet and miles)."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        L.control.scale({imperial: false}).addTo({{ this._parent.get_name() }});
        {% endmacro %}"""
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "MetricScale"


class _TouchDraw(MacroElement):
    """The draw toolbar's buttons at least 44 by 44 pixels, big enough for a finger."""

    _template = Template(
        """{% macro header(this, kwargs) %}
        <style>
        /* 26 px buttons (30 px on a touch screen) and their sprites, drawn 1.7 times as big */
        .leaflet-draw {transform: scale(1.7); transform-origin: top left;}
        </style>
        {% endmacro %}"""
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "TouchDraw"


# The smallest map a page shows (a tablet in portrait with the sidebar open), in pixels.
FIT_SIZE = (520, 400)


def fit_zoom(bounds: tuple[float, float, float, float], size: tuple[int, int] = FIT_SIZE) -> float:
    """The Web Mercator zoom (in quarter steps) at which ``bounds`` fits a map of ``size``
    pixels. Computed here rather than by Leaflet's fitBounds, which yields NaN when a map
    is laid out in a container that has no size yet (as when Streamlit swaps a map)."""
    minx, miny, maxx, maxy = bounds
    mercator = lambda lat: math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))  # noqa: E731
    width = max(maxx - minx, 1e-6) / 360
    height = max(mercator(maxy) - mercator(miny), 1e-9) / (2 * math.pi)
    zoom = min(math.log2(size[0] / (256 * width)), math.log2(size[1] / (256 * height)))
    return max(2.0, min(18.0, math.floor(zoom * 4) / 4))


def base_map(bounds: tuple[float, float, float, float] | None, lang: str) -> folium.Map:
    """An empty map showing ``bounds`` (minx, miny, maxx, maxy in WGS 84), with the
    configured base tiles if any and the OSM attribution."""
    m = folium.Map(
        location=SWEDEN_CENTRE if bounds is None else ((bounds[1] + bounds[3]) / 2, (bounds[0] + bounds[2]) / 2),
        zoom_start=5 if bounds is None else fit_zoom(bounds),
        tiles=None,
        control_scale=False,  # _MetricScale instead
        prefer_canvas=True,
        zoom_snap=0.25,  # fit a locality tightly; whole zoom steps can leave half the map empty
        maxZoom=MAX_ZOOM,  # folium's max_zoom would only reach a tile layer
    )
    tiles = config.tiles()
    if tiles is not None:
        folium.TileLayer(tiles[0], attr=tiles[1], name=t("layer_tiles", lang), max_zoom=MAX_ZOOM).add_to(m)
    _Attribution(ATTRIBUTION).add_to(m)
    _MetricScale().add_to(m)
    return m


def _geojson(frame: gpd.GeoDataFrame, columns: list[str]) -> dict:
    frame = frame[columns + ["geometry"]].copy()
    frame["geometry"] = shapely.set_precision(frame.geometry.values, PRECISION)
    return frame.to_geo_dict(drop_id=True)  # no bounding box or id per feature: a third of the bytes


BACKGROUND_STEP = 1e-5
"""The background's coordinates are sent in steps of 1e-5 degrees (about a metre)."""


def _delta_coded(geoms: np.ndarray, closed: bool) -> dict:
    """Lines (or the outer rings of polygons, ``closed``) in few bytes: their lengths, and all
    coordinates as integer steps of :data:`BACKGROUND_STEP`, each the change from the one before
    (lon, lat, lon, lat, ...). The map adds them up again (see :class:`_Background`)."""
    parts = shapely.get_parts(geoms[~shapely.is_empty(geoms)])
    if closed:
        parts = shapely.get_exterior_ring(parts)
    coords, index = shapely.get_coordinates(parts, return_index=True)
    if closed and len(coords):  # a ring's last point repeats its first; Leaflet closes polygons itself
        last = np.r_[index[1:] != index[:-1], True]
        coords, index = coords[~last], index[~last]
    steps = np.round(coords / BACKGROUND_STEP).astype(np.int64)
    deltas = np.diff(steps, axis=0, prepend=np.zeros((1, 2), np.int64))
    return {"lengths": np.bincount(index, minlength=len(parts)).tolist() if len(parts) else [],
            "coords": deltas.ravel().tolist()}


class _Background(Layer):
    """The locality's buildings as one multipolygon and its roads as one polyline per width,
    drawn on the map's canvas and sent delta-coded (:func:`_delta_coded`): a town of 20,000
    buildings is a megabyte, not a GeoJSON feature per building."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function (data) {
            function decode(coded) {
                var out = [], x = 0, y = 0, k = 0, step = {{ this.step }};
                coded.lengths.forEach(function (n) {
                    var line = new Array(n);
                    for (var j = 0; j < n; j++) { x += coded.coords[k++]; y += coded.coords[k++]; line[j] = [y * step, x * step]; }
                    out.push(line);
                });
                return out;
            }
            var group = L.layerGroup();
            var style = {interactive: false};
            L.polygon(decode(data.buildings).map(function (ring) { return [ring]; }),
                      Object.assign({color: "#bcaaa4", weight: 0.5, fillColor: "#d7ccc8", fillOpacity: 0.6}, style))
                .addTo(group);
            data.roads.forEach(function (roads) {
                L.polyline(decode(roads), Object.assign({color: "#9e9e9e", weight: roads.weight, opacity: 0.9}, style))
                    .addTo(group);
            });
            return group;
        })({{ this.data }});
        {% endmacro %}"""
    )

    def __init__(self, osm: OsmData, name: str) -> None:
        super().__init__(name=name, overlay=True, control=True)
        self._name = "Background"
        self.step = BACKGROUND_STEP
        self.data = _background_data(osm)


_BACKGROUNDS: dict[str, str] = {}
"""The coded background of the last few extracts, by their SHA-256 (every map of a page, and
every rerun, draws the same one)."""


def _background_data(osm: OsmData) -> str:
    if osm.sha256 not in _BACKGROUNDS:
        weights = osm.roads["highway"].map(ROAD_WEIGHT).fillna(1.2).to_numpy()
        roads = [{"weight": float(w), **_delta_coded(osm.roads.geometry.values[weights == w], closed=False)}
                 for w in sorted(set(weights))]
        data = {"buildings": _delta_coded(osm.buildings.geometry.values, closed=True), "roads": roads}
        while len(_BACKGROUNDS) >= 4:
            del _BACKGROUNDS[next(iter(_BACKGROUNDS))]
        _BACKGROUNDS[osm.sha256] = json.dumps(data, separators=(",", ":"))  # numbers only: safe in a script
    return _BACKGROUNDS[osm.sha256]


def add_background(m: folium.Map, osm: OsmData, lang: str) -> None:
    """The locality's OSM buildings and roads as a light, non-interactive background."""
    _Background(osm, t("layer_background", lang)).add_to(m)


def legend_html(services: gpd.GeoDataFrame, lang: str) -> str:
    """A one-line legend: a colour swatch, label and count per category present."""
    counts = services["category"].value_counts()
    return " &nbsp; ".join(_swatch(c, int(counts[c.key]), lang) for c in categories.categories() if c.key in counts)


def _swatch(category: categories.Category, count: int, lang: str) -> str:
    return f'{icons.badge(category.icon, category.color, 20)} {html.escape(category.label(lang))} ({number(count, lang)})'


CLUSTER_FROM = 100
"""A category with more points than this is clustered (until street level), so a map of
thousands of services stays quick on a tablet."""
_CLUSTER_ICON = """function (cluster) {
    return L.divIcon({html: '<div style="background:%s;color:#fff;border:2px solid #fff;border-radius:50%%;'
        + 'width:34px;height:34px;line-height:30px;text-align:center;font:bold 13px sans-serif;'
        + 'box-shadow:0 1px 3px rgba(0,0,0,.45)">' + cluster.getChildCount() + '</div>',
        className: 'bidgeo-cluster', iconSize: L.point(34, 34)});
}"""


def add_services(m: folium.Map, services: gpd.GeoDataFrame, lang: str) -> None:
    """One layer per category, named with its colour swatch; each service a round marker in
    the category's colour with its icon, clustered where a category is dense. Tooltips show
    the escaped name."""
    for category in categories.categories():
        points = services[services["category"] == category.key]
        if points.empty:
            continue
        label = category.label(lang)
        names = points["name"].fillna(t("unnamed", lang))
        layer = gpd.GeoDataFrame(
            {"tip": [html.escape(f"{n} – {label}") for n in names]},
            geometry=points.geometry.values,
            crs=points.crs,
        )
        group = folium.FeatureGroup(name=_swatch(category, len(points), lang))
        holder = group
        if len(points) > CLUSTER_FROM:
            holder = MarkerCluster(options={"disableClusteringAtZoom": 17, "showCoverageOnHover": False},
                                   icon_create_function=_CLUSTER_ICON % category.color)
            holder.add_to(group)
        folium.GeoJson(
            _geojson(layer, ["tip"]),
            marker=folium.Marker(icon=folium.DivIcon(html=icons.badge(category.icon, category.color),
                                                     icon_size=(26, 26), icon_anchor=(13, 13),
                                                     class_name="bidgeo-marker")),
            tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False),
        ).add_to(holder)
        group.add_to(m)


def overview_map(osm: OsmData | None, services: gpd.GeoDataFrame, lang: str) -> folium.Map:
    """The start page's map: background and services by category, with a layer control
    (collapsed, so it leaves a tablet's map free) whose entries carry the colours."""
    bounds = osm.bounds if osm is not None else (tuple(services.total_bounds) if len(services) else None)
    m = base_map(bounds, lang)
    if osm is not None:
        add_background(m, osm, lang)
    add_services(m, services, lang)
    folium.LayerControl(collapsed=True).add_to(m)
    return m


AREA_STYLE = {"color": "#1565c0", "weight": 3, "fillColor": "#1565c0", "fillOpacity": 0.12}
BEFORE_STYLE = {"color": "#c62828", "weight": 2, "dashArray": "6 6", "fill": False}
ADDED_STYLE = {"color": "#2e7d32", "weight": 1, "fillColor": "#43a047", "fillOpacity": 0.45}
REMOVED_STYLE = {"color": "#c62828", "weight": 1, "fillColor": "#e53935", "fillOpacity": 0.45}


class _DrawLocale(MacroElement):
    """Swedish (or English) texts for the Leaflet.draw toolbar, from the i18n catalogue."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        (function (texts) {
            var d = L.drawLocal;
            d.draw.toolbar.buttons.polygon = texts.draw_polygon;
            d.draw.toolbar.buttons.rectangle = texts.draw_rectangle;
            d.draw.toolbar.actions.text = texts.draw_cancel;
            d.draw.toolbar.actions.title = texts.draw_cancel;
            d.draw.toolbar.finish.text = texts.draw_finish;
            d.draw.toolbar.finish.title = texts.draw_finish;
            d.draw.toolbar.undo.text = texts.draw_undo;
            d.draw.toolbar.undo.title = texts.draw_undo;
            d.draw.handlers.polygon.tooltip.start = texts.draw_start;
            d.draw.handlers.polygon.tooltip.cont = texts.draw_continue;
            d.draw.handlers.polygon.tooltip.end = texts.draw_end;
            d.draw.handlers.polyline.error = texts.draw_error;
            d.draw.toolbar.buttons.polyline = texts.draw_polyline;
            d.draw.handlers.polyline.tooltip.start = texts.draw_line_start;
            d.draw.handlers.polyline.tooltip.cont = texts.draw_line_continue;
            d.draw.handlers.polyline.tooltip.end = texts.draw_line_end;
            d.draw.handlers.rectangle.tooltip.start = texts.draw_rectangle_start;
            d.draw.handlers.simpleshape.tooltip.end = texts.draw_rectangle_end;
            d.edit.toolbar.buttons.edit = texts.edit_edit;
            d.edit.toolbar.buttons.remove = texts.edit_remove;
            d.edit.toolbar.actions.save.text = texts.edit_save;
            d.edit.toolbar.actions.save.title = texts.edit_save;
            d.edit.toolbar.actions.cancel.text = texts.draw_cancel;
            d.edit.toolbar.actions.cancel.title = texts.draw_cancel;
            d.edit.toolbar.actions.clearAll.text = texts.edit_clear;
            d.edit.toolbar.actions.clearAll.title = texts.edit_clear;
            d.edit.handlers.edit.tooltip.text = texts.edit_tooltip;
            d.edit.handlers.edit.tooltip.subtext = texts.edit_subtext;
            d.edit.handlers.remove.tooltip.text = texts.edit_remove_tooltip;
        })({{ this.texts|tojson }});
        {% endmacro %}"""
    )
    KEYS = ("draw_polygon", "draw_rectangle", "draw_cancel", "draw_finish", "draw_undo", "draw_start",
            "draw_continue", "draw_end", "draw_error", "draw_rectangle_start", "draw_rectangle_end",
            "edit_edit", "edit_remove", "edit_save", "edit_clear", "edit_tooltip", "edit_subtext",
            "edit_remove_tooltip", "draw_polyline", "draw_line_start", "draw_line_continue", "draw_line_end")

    def __init__(self, lang: str) -> None:
        super().__init__()
        self._name = "DrawLocale"
        self.texts = {key: t(key, lang) for key in self.KEYS}


def _polygons(geom: BaseGeometry) -> list:
    return [g for g in getattr(geom, "geoms", [geom]) if g.geom_type == "Polygon" and not g.is_empty]


def _latlon_rings(polygon) -> list[list[tuple[float, float]]]:
    return [[(y, x) for x, y in ring.coords] for ring in [polygon.exterior, *polygon.interiors]]


def _add_shape(m, geom: BaseGeometry | None, name: str, style: dict) -> None:
    """A (multi)polygon as its own named layer, its name as tooltip."""
    if geom is None or geom.is_empty:
        return
    group = folium.FeatureGroup(name=html.escape(name))
    folium.GeoJson(
        {"type": "Feature", "properties": {"tip": html.escape(name)},
         "geometry": shapely.geometry.mapping(geom)},
        style_function=lambda _, s=style: s,
        tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False),
    ).add_to(group)
    group.add_to(m)


def _area_bounds(osm: OsmData | None, *geoms: BaseGeometry | None) -> tuple | None:
    shapes = [g for g in geoms if g is not None and not g.is_empty]
    if shapes:  # bounds of each, not of their union: an invalid boundary has no union
        b = np.array([g.bounds for g in shapes])
        return (b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max())
    return osm.bounds if osm is not None else None


def area_editor(osm: OsmData | None, current: BaseGeometry | None, lang: str, edit: bool) -> folium.Map:
    """A map to draw a new boundary (``edit=False``, the current one shown as context) or to
    move the vertices of the current one (``edit=True``). What is drawn or edited comes
    back from the map widget as ``all_drawings``."""
    m = base_map(_area_bounds(osm, current), lang)
    if osm is not None:
        add_background(m, osm, lang)
    editable = folium.FeatureGroup(name=t("layer_area_edit", lang))
    if current is not None and edit:
        for polygon in _polygons(current):
            folium.Polygon(_latlon_rings(polygon), **AREA_STYLE).add_to(editable)
    elif current is not None:
        _add_shape(m, current, t("layer_area_current", lang), BEFORE_STYLE)
    editable.add_to(m)
    Draw(
        feature_group=editable,
        show_geometry_on_click=False,
        draw_options={
            "polygon": False if edit else {"allowIntersection": False, "showArea": True,
                                           "shapeOptions": AREA_STYLE},
            "rectangle": False if edit else {"shapeOptions": AREA_STYLE},
            "polyline": False, "circle": False, "marker": False, "circlemarker": False,
        },
        edit_options={"edit": True, "remove": True},
    ).add_to(m)
    _DrawLocale(lang).add_to(m)
    _TouchDraw().add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    return m


def route_editor(osm: OsmData | None, area: BaseGeometry | None, lang: str) -> folium.Map:
    """A map to draw a walk's planned route as a line (it comes back as ``all_drawings``)."""
    m = base_map(_area_bounds(osm, area), lang)
    if osm is not None:
        add_background(m, osm, lang)
    _add_shape(m, area, t("layer_area", lang), {**AREA_STYLE, "fillOpacity": 0.05})
    Draw(
        show_geometry_on_click=False,
        draw_options={"polyline": {"shapeOptions": {"color": "#6a1b9a", "weight": 5}}, "polygon": False,
                      "rectangle": False, "circle": False, "marker": False, "circlemarker": False},
        edit_options={"edit": True, "remove": True},
    ).add_to(m)
    _DrawLocale(lang).add_to(m)
    _TouchDraw().add_to(m)
    return m


def area_map(
    osm: OsmData | None,
    lang: str,
    area: BaseGeometry | None = None,
    before: BaseGeometry | None = None,
    crossings: list[tuple[float, float]] = (),
    added: BaseGeometry | None = None,
    removed: BaseGeometry | None = None,
    services: gpd.GeoDataFrame | None = None,
) -> folium.Map:
    """A boundary on the locality: the area (blue), an earlier shape (red dashes), where it
    crosses itself (red rings), and what a new version adds (green) or removes (red)."""
    m = base_map(_area_bounds(osm, area, before, added, removed), lang)
    if osm is not None:
        add_background(m, osm, lang)
    _add_shape(m, before, t("layer_area_before", lang), BEFORE_STYLE)
    _add_shape(m, area, t("layer_area", lang), AREA_STYLE)
    _add_shape(m, added, t("layer_area_added", lang), ADDED_STYLE)
    _add_shape(m, removed, t("layer_area_removed", lang), REMOVED_STYLE)
    if crossings:
        group = folium.FeatureGroup(name=t("layer_crossings", lang))
        folium.GeoJson(
            {"type": "FeatureCollection", "features": [
                {"type": "Feature", "properties": {"tip": t("crossing_tip", lang)},
                 "geometry": {"type": "Point", "coordinates": list(c)}} for c in crossings]},
            marker=folium.CircleMarker(radius=10, weight=3, color="#c62828", fill=False),
            tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False),
        ).add_to(group)
        group.add_to(m)
    if services is not None and len(services):
        add_services(m, services, lang)
    folium.LayerControl(collapsed=True).add_to(m)
    return m


BAND_COLOURS = ["#1a9850", "#91cf60", "#d9ef8b", "#fee08b", "#fc8d59"]
BEYOND_COLOUR = "#d73027"
UNREACHED_COLOUR = "#9e9e9e"


def band_colours(bands) -> list[str]:
    """A colour per band (nearest green), then one for beyond the last band."""
    return [BAND_COLOURS[min(i, len(BAND_COLOURS) - 1)] for i in range(len(bands))] + [BEYOND_COLOUR]


def _band_of(distances: np.ndarray, bands) -> np.ndarray:
    """Index of the first band each distance is within; len(bands) beyond; -1 unreached."""
    index = np.searchsorted(np.asarray(bands, float), distances, side="left")
    return np.where(np.isnan(distances), -1, index)


def band_labels(bands, lang: str) -> list[str]:
    """The name of each band (as :func:`band_colours`), e.g. "Inom 1 200 m", then beyond."""
    return [t("band_within", lang, band=number(b, lang)) for b in bands] + \
        [t("band_beyond", lang, band=number(bands[-1], lang))]


def coverage_legend_html(bands, lang: str, area: bool = False) -> str:
    """A one-line legend of :func:`coverage_map`: a dot per band in its colour, the buildings
    that reach none, and (with ``area``) the BID area's boundary."""
    dot = '<span style="color:{}; font-size:1.3em">&#9679;</span> {}'
    items = [dot.format(colour, html.escape(label))
             for colour, label in zip(band_colours(bands), band_labels(bands, lang))]
    items.append(dot.format(UNREACHED_COLOUR, html.escape(t("band_unreached", lang))))
    if area:
        items.append(f'<span style="color:{AREA_BOUNDARY_STYLE["color"]}; font-weight:bold">&#9473;&#9473;</span> '
                     f'{html.escape(t("cov_area_boundary", lang))}')
    return " &nbsp; ".join(items)


AREA_BOUNDARY_STYLE = {"color": "#1565c0", "weight": 3, "dashArray": "8 5", "fill": False}
"""The BID area drawn over a coverage map: a line only, so taps reach the map."""


def coverage_map(osm: OsmData | None, origins_lonlat: np.ndarray, distances: np.ndarray, bands,
                 services: gpd.GeoDataFrame, lang: str, added=(), area: BaseGeometry | None = None) -> folium.Map:
    """Origins coloured by distance band for one category, with that category's services
    (and any added in a what-if as stars) on the locality's background; with ``area``, the
    BID area's boundary over them."""
    bounds = (origins_lonlat[:, 0].min(), origins_lonlat[:, 1].min(), origins_lonlat[:, 0].max(),
              origins_lonlat[:, 1].max()) if len(origins_lonlat) else (osm.bounds if osm else None)
    m = base_map(bounds, lang)
    if osm is not None:
        add_background(m, osm, lang)
    which = _band_of(distances, bands)
    colours = band_colours(bands)
    labels = band_labels(bands, lang)
    for index, (colour, label) in enumerate([(UNREACHED_COLOUR, t("band_unreached", lang))] + list(zip(colours, labels))):
        chosen = which == index - 1
        if not chosen.any():
            continue
        group = folium.FeatureGroup(name=f'<span style="color:{colour}">&#9679;</span> {html.escape(label)} ({number(int(chosen.sum()), lang)})')
        folium.GeoJson(
            {"type": "FeatureCollection", "features": [
                {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [round(x, 6), round(y, 6)]}}
                for x, y in origins_lonlat[chosen]]},
            marker=folium.CircleMarker(radius=3, weight=0, fill=True, fill_opacity=0.85),
            style_function=lambda _, c=colour: {"fillColor": c, "color": c},
            interactive=False,
        ).add_to(group)
        group.add_to(m)
    if area is not None and not area.is_empty:
        group = folium.FeatureGroup(name=html.escape(t("cov_area_boundary", lang)))
        folium.GeoJson(shapely.geometry.mapping(area), style_function=lambda _: AREA_BOUNDARY_STYLE,
                       interactive=False).add_to(group)
        group.add_to(m)
    add_services(m, services, lang)
    if len(added):
        group = folium.FeatureGroup(name=html.escape(t("layer_added_services", lang)))
        folium.GeoJson(
            {"type": "FeatureCollection", "features": [
                {"type": "Feature", "properties": {"tip": html.escape(t("layer_added_services", lang))},
                 "geometry": {"type": "Point", "coordinates": [float(x), float(y)]}} for x, y in added]},
            marker=folium.CircleMarker(radius=9, weight=3, color="#000000", fill=True, fill_color="#ffeb3b",
                                       fill_opacity=1),
            tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False),
        ).add_to(group)
        group.add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    return m


class _FollowWalker(MacroElement):
    """The device's position on the map (a blue dot in its accuracy circle), followed as the
    walker moves: the map pans when the dot nears the edge, so one can still look around."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        (function (map) {
            if (!navigator.geolocation) { return; }
            var dot = null, ring = null;
            map.on('locationfound', function (e) {
                if (dot === null) {
                    ring = L.circle(e.latlng, {radius: e.accuracy, color: '#1e88e5', weight: 1,
                                               fillOpacity: 0.12, interactive: false}).addTo(map);
                    dot = L.circleMarker(e.latlng, {radius: 8, color: '#ffffff', weight: 3, fillColor: '#1e88e5',
                                                    fillOpacity: 1, interactive: false}).addTo(map);
                } else {
                    dot.setLatLng(e.latlng);
                    ring.setLatLng(e.latlng).setRadius(e.accuracy);
                }
                if (!map.getBounds().pad(-0.2).contains(e.latlng)) { map.panTo(e.latlng); }
            });
            map.locate({watch: true, setView: false, enableHighAccuracy: true, maximumAge: 5000});
        })({{ this._parent.get_name() }});
        {% endmacro %}"""
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "FollowWalker"


def observation_popup(row, thumbnails: list[bytes], lang: str) -> str:
    """A popup's HTML for one observation: focus area, type, judgement, the escaped comment
    and photo thumbnails (JPEG bytes, sent as ``data:`` URIs, so the map needs no photo URL
    that someone outside the project could open)."""
    rating = "" if row["rating"] is None or row["rating"] != row["rating"] else f" · {int(row['rating'])}/5"
    pictures = "".join(f'<img src="data:image/jpeg;base64,{base64.b64encode(jpeg).decode()}" '
                       f'style="max-width:110px;max-height:110px;margin:2px">' for jpeg in thumbnails)
    return (f'<div style="max-width:240px"><b>{html.escape(t("focus_" + row["focus_area"], lang))}</b><br>'
            f'{html.escape(t("kind_" + row["kind"], lang))}{rating}<br>'
            f'<span style="white-space:pre-wrap">{html.escape(row["comment"] or "")}</span><br>{pictures}</div>')


def walk_map(osm: OsmData | None, lang: str, area: BaseGeometry | None = None,
             observations: gpd.GeoDataFrame | None = None, thumbnails: dict[str, list[bytes]] | None = None,
             route: BaseGeometry | None = None, position: tuple[float, float] | None = None,
             follow: bool = False, by_kind: bool = False) -> folium.Map:
    """A walk on the locality: the area, the planned route, the observations (a layer per
    focus area, the ring coloured by type, popups with photo thumbnails; with ``by_kind`` a
    layer per type in its colour and icon instead), the position of the observation being
    recorded (a pin), and with ``follow`` the device's live position."""
    shown = [g for g in (area, route) if g is not None and not g.is_empty]
    if observations is not None and len(observations):
        shown.append(shapely.geometry.MultiPoint(list(observations.geometry)))
    if position is not None:
        shown.append(shapely.geometry.Point(position))
    m = base_map(_area_bounds(osm, *shown) if shown else (osm.bounds if osm else None), lang)
    if osm is not None:
        add_background(m, osm, lang)
    _add_shape(m, area, t("layer_area", lang), {**AREA_STYLE, "fillOpacity": 0.05})
    if route is not None and not route.is_empty:
        group = folium.FeatureGroup(name=html.escape(t("layer_route", lang)))
        folium.PolyLine([(y, x) for x, y in route.coords], color="#6a1b9a", weight=5, opacity=0.8,
                        dash_array="10 8").add_to(group)
        group.add_to(m)
    thumbnails = thumbnails or {}
    if observations is not None and len(observations):
        groups = focus.KINDS if by_kind else focus.FOCUS_AREAS
        by_group = dict(tuple(observations.groupby("kind" if by_kind else "focus_area", sort=False)))
        for group_key in groups:
            chosen = by_group.get(group_key)
            if chosen is None:
                continue
            label = t(("kind_" if by_kind else "focus_") + group_key, lang)
            colour = (focus.KIND_COLOURS if by_kind else focus.FOCUS_COLOURS)[group_key]
            icon = (focus.KIND_ICONS if by_kind else focus.FOCUS_ICONS)[group_key]
            group = folium.FeatureGroup(name=f'{icons.badge(icon, colour, 20)} {html.escape(label)} ({number(len(chosen), lang)})')
            by_kind_here = dict(tuple(chosen.groupby("kind", sort=False)))
            for kind in focus.KINDS:
                rows = by_kind_here.get(kind)
                if rows is None:
                    continue
                features = [{"type": "Feature", "geometry": shapely.geometry.mapping(geom), "properties": {
                    "popup": observation_popup(row, thumbnails.get(row["uuid"], []), lang),
                    "tip": html.escape(f"{t('focus_' + row['focus_area'], lang)} – {t('kind_' + kind, lang)}")}}
                    for (_, row), geom in zip(rows.iterrows(), rows.geometry)]
                folium.GeoJson(
                    {"type": "FeatureCollection", "features": features},
                    marker=folium.Marker(icon=folium.DivIcon(
                        html=icons.badge(icon, colour, 32, ring="#fff" if by_kind else focus.KIND_COLOURS[kind]),
                        icon_size=(32, 32), icon_anchor=(16, 16), class_name="bidgeo-marker")),
                    tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False),
                    popup=folium.GeoJsonPopup(fields=["popup"], labels=False, max_width=260),
                ).add_to(group)
            group.add_to(m)
    if position is not None:
        folium.Marker((position[1], position[0]), tooltip=html.escape(t("layer_new_observation", lang)),
                      icon=folium.DivIcon(html=icons.badge("map-marker", "#212121", 34), icon_size=(34, 34),
                                          icon_anchor=(17, 17))).add_to(m)
    if follow:
        _FollowWalker().add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    return m


# --- the vacancy map of ground-floor premises (issue 17) ------------------------------------------


class _Legend(MacroElement):
    """A legend in the map's lower left corner: a colour swatch and a label per entry. The
    labels travel as JSON data and are set as text, never as HTML."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        (function (map, entries) {
            var legend = L.control({position: 'bottomleft'});
            legend.onAdd = function () {
                var box = L.DomUtil.create('div', 'bidgeo-legend');
                box.style.cssText = 'background:#fff;padding:6px 8px;border-radius:4px;font:13px sans-serif;'
                    + 'box-shadow:0 1px 4px rgba(0,0,0,.35);line-height:1.5';
                entries.forEach(function (entry) {
                    var line = L.DomUtil.create('div', '', box);
                    var dot = L.DomUtil.create('span', '', line);
                    dot.style.cssText = 'display:inline-block;width:12px;height:12px;border-radius:50%;'
                        + 'margin-right:6px;vertical-align:-1px;border:1px solid #fff;background:' + entry.colour;
                    line.appendChild(document.createTextNode(entry.label));
                });
                return box;
            };
            legend.addTo(map);
        })({{ this._parent.get_name() }}, {{ this.entries|tojson }});
        {% endmacro %}"""
    )

    def __init__(self, entries: list[dict]) -> None:
        super().__init__()
        self._name = "Legend"
        self.entries = entries


def vacancy_map(osm: OsmData | None, register: gpd.GeoDataFrame, lang: str,
                area: BaseGeometry | None = None) -> folium.Map:
    """The premises of the register (``bidgeo.premises.register``) in their status colours, a
    layer and a legend entry per status (with its count), on the locality and the BID area;
    tooltips give the escaped address and status."""
    located = register[register.geometry.notna()]
    shown = [g for g in (area,) if g is not None and not g.is_empty]
    if len(located):
        shown.append(shapely.geometry.MultiPoint(list(located.geometry)))
    m = base_map(_area_bounds(osm, *shown) if shown else (osm.bounds if osm else None), lang)
    if osm is not None:
        add_background(m, osm, lang)
    _add_shape(m, area, t("layer_area", lang), {**AREA_STYLE, "fillOpacity": 0.05})
    entries = []
    for status in premises.STATUSES:
        chosen = located[located["status"] == status]
        colour, label = premises.STATUS_COLOURS[status], premises.status_label(status, lang)
        entries.append({"colour": colour, "label": f"{label} ({len(chosen)})"})
        if chosen.empty:
            continue
        group = folium.FeatureGroup(name=f'<span style="color:{colour}">&#9679;</span> {html.escape(label)} '
                                         f'({len(chosen)})')
        folium.GeoJson(
            {"type": "FeatureCollection", "features": [
                {"type": "Feature", "geometry": shapely.geometry.mapping(geom),
                 "properties": {"tip": html.escape(f"{address or key} – {label}")}}
                for key, address, geom in zip(chosen["key"], chosen["address"], chosen.geometry)]},
            marker=folium.CircleMarker(radius=8, weight=2, color="#ffffff", fill=True, fill_opacity=0.95),
            style_function=lambda _, c=colour: {"fillColor": c},
            tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False),
        ).add_to(group)
        group.add_to(m)
    _Legend(entries).add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    return m


SHARE_COLOURS = ("#b71c1c", "#ef6c00", "#fbc02d", "#7cb342", "#2e7d32")
"""Share within a band, from under 20 % (red) to 80 % and more (green)."""


def region_map(frame: gpd.GeoDataFrame, column: str, lang: str) -> folium.Map:
    """The localities of a regional comparison, each coloured by its share (0-1) in
    ``column``; the name and share in a tooltip (escaped, as data)."""
    m = base_map(tuple(frame.total_bounds) if len(frame) else None, lang)
    shares = frame[column].fillna(0).to_numpy(float)
    data = gpd.GeoDataFrame({"name": [html.escape(str(n)) for n in frame["name"]],
                             "share": [percent(s, lang) for s in shares],
                             "colour": [SHARE_COLOURS[min(int(s * 5), 4)] for s in shares]},
                            geometry=frame.geometry.simplify(PRECISION * 10), crs=frame.crs)
    folium.GeoJson(
        json.loads(data.to_json()), name=t("layer_localities", lang),
        style_function=lambda f: {"color": "#333333", "weight": 1, "fillColor": f["properties"]["colour"],
                                  "fillOpacity": 0.6},
        tooltip=folium.GeoJsonTooltip(fields=["name", "share"], labels=False),
    ).add_to(m)
    return m


def milestone_map(osm: OsmData | None, lang: str, area: BaseGeometry | None,
                  milestones: list[tuple[int, str, float, float]], position: tuple[float, float] | None = None
                  ) -> folium.Map:
    """The business plan's milestones on the locality: the area, each milestone that has a
    place as a numbered dot (``(number, title, lon, lat)``, the title escaped in its tip), and
    the place being chosen for a new one (a pin)."""
    points = [shapely.geometry.Point(lon, lat) for _, _, lon, lat in milestones]
    shown = [g for g in (area, *points) if g is not None and not g.is_empty]
    if position is not None:
        shown.append(shapely.geometry.Point(position))
    m = base_map(_area_bounds(osm, *shown) if shown else (osm.bounds if osm else None), lang)
    if osm is not None:
        add_background(m, osm, lang)
    _add_shape(m, area, t("layer_area", lang), {**AREA_STYLE, "fillOpacity": 0.05})
    group = folium.FeatureGroup(name=html.escape(t("layer_milestones", lang)))
    for number, title, lon, lat in milestones:
        folium.Marker((lat, lon), tooltip=html.escape(f"{number}. {title}"), icon=folium.DivIcon(
            html=f'<div style="background:#6a1b9a;color:#fff;border:2px solid #fff;border-radius:50%;width:26px;'
                 f'height:26px;line-height:22px;text-align:center;font-weight:bold">{number}</div>',
            icon_size=(26, 26), icon_anchor=(13, 13))).add_to(group)
    group.add_to(m)
    if position is not None:
        folium.Marker((position[1], position[0]), tooltip=html.escape(t("layer_new_milestone", lang)),
                      icon=folium.DivIcon(html=icons.badge("map-marker", "#212121", 34), icon_size=(34, 34),
                                          icon_anchor=(17, 17))).add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    return m
