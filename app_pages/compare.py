"""Service coverage of several localities side by side, the way regional service analysts
compare them: every locality of a region at once from one extract, on foot or by car (ranked,
a map, a bar chart, CSV/XLSX/GeoPackage, a project of a locality in one tap), or the
projects' own coverage side by side (CSV, XLSX and PNG)."""

import io

import streamlit as st

import ui
import ui.region as region_ui
from bidgeo import categories, charts, coverage, i18n, maps, region
from bidgeo.errors import BidgeoError

st.title(ui.t("cmp_title"))
st.caption(ui.t("cmp_intro"))
ui.require("view")
lang = ui.lang()


def projects() -> None:
    """The projects' coverage side by side (each project's own extract, on foot)."""
    candidates = [p for p in ui.projects() if p.osm_sha256]
    chosen_ids = st.multiselect(ui.t("cmp_projects"), [p.id for p in candidates], default=[p.id for p in candidates[:4]],
                                format_func={p.id: p.name for p in candidates}.get, key="cmp_projects")
    try:
        bands = coverage.parse_bands(st.text_input(ui.t("cov_bands"), "400,800,1200", key="cmp_bands"))
    except BidgeoError as exc:
        ui.show_error(exc)
        bands = coverage.DEFAULT_BANDS
    chosen = [p for p in candidates if p.id in chosen_ids]
    if len(chosen) < 2:
        st.info(ui.t("cmp_need_two"))
        return

    results = []
    with ui.busy(ui.t("busy_coverage")):
        for project in chosen:
            net = ui.project_network(project)
            if net is not None:
                results.append((project, net, ui.cached(coverage.coverage, net, ui.service_points(project), bands)))
    table = coverage.comparison_table([(p, r) for p, _, r in results], lang)

    values = ["services", "median_m", *[f"within_{b}" for b in bands]]
    names = {"services": ui.t("col_services"), "median_m": ui.t("col_median"),
             **{f"within_{b}": ui.t("col_within", band=b) for b in bands}}
    side_by_side = table.pivot_table(index="label", columns="name", values=values, sort=False)
    side_by_side = side_by_side.reindex(columns=[(v, p.name) for v in values for p, _, _ in results])
    shown = {"services": lambda x: i18n.number(x, lang), "median_m": lambda x: i18n.number(x, lang)}
    side_by_side = side_by_side.apply(lambda column: column.map(shown.get(column.name[0],
                                                                          lambda x: i18n.percent(x, lang))))
    side_by_side.columns = [f"{p} · {names[v]}" for v, p in side_by_side.columns]
    st.dataframe(side_by_side.rename_axis(ui.t("col_category")), width="stretch")

    band = st.selectbox(ui.t("cmp_band"), bands, index=len(bands) - 1, key="cmp_band")
    png = ui.cached(charts.comparison_png, table, band, lang)
    st.image(png)

    left, middle, right = st.columns(3)
    export = table.rename(columns={"label": ui.t("col_category"), **names})
    left.download_button(ui.t("download_csv"), export.to_csv(index=False).encode("utf-8-sig"),
                         "jamforelse.csv", "text/csv")
    buffer = io.BytesIO()
    export.to_excel(buffer, index=False, sheet_name="Jämförelse")
    middle.download_button(ui.t("download_xlsx"), buffer.getvalue(), "jamforelse.xlsx",
                           "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    right.download_button(ui.t("download_png"), png, "jamforelse.png", "image/png")

    key = st.selectbox(ui.t("cov_category"), [c.key for c in categories.categories()],
                       format_func=lambda k: categories.label(k, lang), key="cmp_category")
    st.subheader(ui.t("cmp_maps_heading", label=categories.label(key, lang)))
    for project, net, result in results:
        st.text(project.name)  # the project's name as written, above its map
        points = ui.service_points(project)
        ui.show_map(ui.cached_map(maps.coverage_map, ui.project_osm(project), net.origin_lonlat,
                                  result.distances[key].to_numpy(), bands, points[points["category"] == key], lang),
                    key=f"compare-{project.id}-{key}", height=420)


def regional() -> None:
    """Every locality of a region at once from one extract, on foot or by car."""
    path, places, grid = region_ui.choose_files()
    if path is None or places is None:
        st.info(ui.t("reg_need_files"))
        return
    try:
        names = region_ui.fields(places[1], places[0])
        field = st.selectbox(ui.t("reg_name_field"), names, key="reg_field",
                             index=next((i for i, f in enumerate(names) if f.lower() in ("name", "namn", "tatort")), 0))
        chosen = region_ui.localities(places[1], places[0], field)
        column, ages = None, ()
        if grid is not None:
            column = st.text_input(ui.t("reg_population_field"), key="reg_pop_field").strip() or None
            ages = tuple(a.strip() for a in st.text_input(ui.t("reg_age_fields"), key="reg_ages").split(",") if a.strip())
        mode = st.radio(ui.t("reg_mode"), region.MODES, horizontal=True, key="reg_mode",
                        format_func=lambda m: ui.t(f"region_mode_{m}"))
        default = ",".join(map(str, region.DEFAULT_BANDS[mode]))
        bands = coverage.parse_bands(st.text_input(ui.t("cov_bands"), default, key=f"reg_bands_{mode}"))
        speed = float(st.number_input(ui.t("reg_speed"), 20, 200, 80, key="reg_speed") if mode == "walk" else 80)
        content = (str(path), places[1], places[0], field, None if grid is None else grid[1],
                   "" if grid is None else grid[0], column, ages, mode, bands, speed, lang)
        with st.spinner(ui.t("reg_compiling")):
            result = region_ui.result(*content)
    except BidgeoError as exc:
        ui.show_error(exc)
        return
    for key, params in result.warnings:
        st.warning(ui.say(key, **params))
    keys = [k for k in result.keys if result.summary()["localities"] and any(
        g["categories"][k]["median_m"] is not None for g in result.summary()["localities"])] or result.keys
    key = st.selectbox(ui.t("cov_category"), keys, format_func=lambda k: categories.label(k, lang), key="reg_key")
    band = st.selectbox(ui.t("cmp_band"), bands, index=len(bands) - 1, key="reg_band",
                        format_func=lambda b: ui.t("reg_band_minutes", band=b, minutes=i18n.number(b / speed, lang, 0))
                        if mode == "walk" else ui.t("col_within", band=b))
    table = region_ui.ranked(result, key, band, lang)
    share = ui.t("col_within", band=band)
    st.dataframe(table, hide_index=True, column_config={share: st.column_config.ProgressColumn(
        share, format="percent", min_value=0, max_value=1)})
    st.bar_chart(table.set_index(ui.t("col_locality"))[share], horizontal=True)
    frame = result.frame()
    ui.show_map(ui.cached_map(maps.region_map, frame, f"{key}_within_{band}", lang), key=f"reg-map-{key}-{band}",
                height=480)
    full = result.table(lang)
    a, b, c = st.columns(3)
    a.download_button(ui.t("download_csv"), full.to_csv(index=False).encode("utf-8-sig"), "regionjamforelse.csv",
                      "text/csv", key="reg_csv")
    b.download_button(ui.t("download_xlsx"), region_ui.xlsx(full), "regionjamforelse.xlsx",
                      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="reg_xlsx")
    c.download_button(ui.t("download_gpkg"), region_ui.gpkg(result, *content), "regionjamforelse.gpkg",
                      "application/geopackage+sqlite3", key="reg_gpkg")
    if ui.can_anywhere("manage"):
        st.subheader(ui.t("reg_make_heading"))
        name = st.selectbox(ui.t("reg_make_locality"), list(chosen.frame["name"]), key="reg_make_name")
        if st.button(ui.t("reg_make_button"), key="reg_make"):
            boundary = chosen.frame.geometry[list(chosen.frame["name"]).index(name)]
            try:
                with st.spinner(ui.t("reg_making")):
                    made = region.make_project(ui.store(), path, name, boundary)
            except BidgeoError as exc:
                ui.show_error(exc)
            else:
                ui.project_created(made)
                st.success(ui.say("created", name=made.name))


view = st.radio(ui.t("reg_view"), ["projects", "region"], horizontal=True, key="cmp_view",
                format_func=lambda v: ui.t(f"reg_view_{v}"))
if view == "projects":
    projects()
else:
    regional()
