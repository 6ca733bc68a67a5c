"""Walking-distance coverage of the project's locality: per category, on a map by band, and
what happens if services close, open or move."""

import streamlit as st

import ui
from ui import tables
from bidgeo import categories, coverage, maps, population
from bidgeo.i18n import number, percent
from bidgeo.area_versions import current_version
from bidgeo.errors import BidgeoError

project = ui.project_page("cov_title", "cov_intro")
ui.require("view")
engine, lang = ui.store(), ui.lang()
with ui.busy(ui.t("busy_network")):
    net = ui.project_network(project)
if net is None:
    st.info(ui.t("cov_need_osm"))
    st.stop()
osm = ui.project_osm(project)
services = ui.service_points(project)
area = current_version(engine, project.id)
grid = population.grid(engine, project.id)

left, right = st.columns(2)
try:
    bands = coverage.parse_bands(left.text_input(ui.t("cov_bands"), "400,800,1200", key="cov_bands"))
except BidgeoError as exc:
    ui.show_error(exc)
    bands = coverage.DEFAULT_BANDS
scopes = ["locality", "area"] if area is not None else ["locality"]
scope = right.radio(ui.t("cov_scope"), scopes, format_func=lambda s: ui.t(f"cov_scope_{s}"), key="cov_scope")
people = st.toggle(ui.t("cov_use_population"), key="cov_people", disabled=grid is None)
if grid is None:
    st.caption(ui.t("cov_no_population"))

with ui.busy(ui.t("busy_coverage")):
    used, weights = coverage.with_population(net, grid) if people and grid is not None else (net, None)
    mask = coverage.origins_within(used, area.geometry) if scope == "area" else None
    result = coverage.coverage(used, services, bands, origins=mask, weights=weights)
unit = ui.t("unit_people" if weights is not None else "unit_buildings")
st.caption(ui.t("cov_people", count=number(result.weights.sum(), lang), cells=number(len(result.distances), lang))
           if weights is not None else ui.t("cov_origins", count=number(len(result.distances), lang)))

table = result.table(lang)
tables.coverage_table(table, bands, lang, ui.t)

# --- one category on the map, and what if -------------------------------------------------
keys = list(table["category"])
first = next((i for i, n in enumerate(table["services"]) if n > 0), 0)
key = st.selectbox(ui.t("cov_category"), keys, index=first, format_func=lambda k: categories.label(k, lang),
                   key="cov_category")
st.subheader(ui.t("cov_whatif_heading"))
mine = services[services["category"] == key]
closed = st.multiselect(ui.t("cov_close"), list(mine.index), key=f"cov_closed_{key}",
                        format_func=lambda i: mine.loc[i, "name"] or ui.t("unnamed"))
added_key = f"cov_added_{project.id}_{key}"
added = st.session_state.setdefault(added_key, [])
with ui.busy(ui.t("busy_coverage")):
    change = coverage.what_if(used, services, key, closed=closed, added=added, bands=bands, origins=mask,
                              weights=weights)

origins = used.origin_lonlat if mask is None else used.origin_lonlat[mask]
st.markdown(maps.coverage_legend_html(bands, lang, area=scope == "area"), unsafe_allow_html=True)
clicked = ui.show_map(ui.cached_map(maps.coverage_map, osm, origins, change.after, bands, mine.drop(index=closed), lang,
                                   added, area=area.geometry if scope == "area" else None),
                      key=f"coverage-{project.id}-{key}", returned_objects=["last_clicked"])
st.caption(ui.t("cov_click_to_add"))
point = (clicked or {}).get("last_clicked")
columns = st.columns(2)
if point and columns[0].button(ui.t("cov_add_here", lat=number(point["lat"], lang, 5), lon=number(point["lng"], lang, 5)),
                               key="cov_add"):
    added.append((point["lng"], point["lat"]))
    st.rerun()
if added and columns[1].button(ui.t("cov_clear_added"), key="cov_clear"):
    added.clear()
    st.rerun()

if closed or added:
    metrics = st.columns(len(bands))
    for column, band in zip(metrics, bands):
        before, after = change.share(change.before, band), change.share(change.after, band)
        column.metric(ui.t("col_within", band=number(band, lang)), percent(after, lang),
                      ("+" if after >= before else "") + percent(after - before, lang, 1))
    label = categories.label(key, lang).lower()
    worse = [(b, change.worse(b)) for b in bands if change.worse(b)]
    better = [(b, change.better(b)) for b in bands if change.better(b)]
    for band, count in worse[-1:]:
        st.warning(ui.t("cov_worse", count=number(count, lang), unit=unit, band=number(band, lang), label=label))
    for band, count in better[:1]:
        st.success(ui.t("cov_better", count=number(count, lang), unit=unit, band=number(band, lang), label=label))
    if not worse and not better:
        st.info(ui.t("cov_no_change"))

# --- population grid (an import, replacing the project's: for who manages it) ------------------
if not ui.can("manage"):
    st.stop()
with st.expander(ui.t("cov_population_heading"), expanded=False):
    upload = st.file_uploader(ui.t("cov_population_file"), type=["gpkg", "geojson", "json", "csv"], key="cov_grid")
    left, right = st.columns(2)
    crs = left.text_input(ui.t("cov_population_crs"), "EPSG:3006", key="cov_grid_crs")
    column = right.text_input(ui.t("cov_population_column"), "", key="cov_grid_column")
    if upload is not None and st.button(ui.t("cov_population_import"), key="cov_grid_import"):
        stages = ui.Stages(("reading", "saving"), {"reading": ui.t("stage_grid_reading"),
                                                   "saving": ui.t("stage_import_saving")})
        try:
            cells = population.read_grid(upload.getvalue(), upload.name, column=column or None, crs=crs or None)
            stages("saving")
            count = population.set_grid(engine, project.id, cells)
        except BidgeoError as exc:
            ui.show_error(exc)
        else:
            st.success(ui.t("cov_population_done", count=number(count, lang)))
        stages.done()
