"""The service inventory: map and table per category, search and details, corrections that
survive re-imports, and new imports from a file or live OpenStreetMap with what changed."""

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st
from shapely.geometry import Point

import ui
from bidgeo import categories, config, i18n, inventory, maps, overpass, registers
from bidgeo.area_versions import current_version
from bidgeo.errors import BidgeoError
from bidgeo.i18n import local_time
from bidgeo.projects import STAGES, replace_osm
from bidgeo.services import inventory as counts

project = ui.project_page("sv_title", "sv_intro")
ui.require("manage")
engine, lang = ui.store(), ui.lang()
if "sv_message" in st.session_state:
    st.success(st.session_state.pop("sv_message"))
points = ui.service_points(project)
osm = ui.project_osm(project)

if len(points):
    st.markdown(maps.legend_html(points, lang), unsafe_allow_html=True)
clicked = ui.show_map(ui.cached_map(maps.overview_map, osm, points, lang), key=f"services-{project.id}-{len(points)}",
                      returned_objects=["last_clicked"])
tap = (clicked or {}).get("last_clicked")
table = counts(points, lang)
if len(table):
    st.dataframe(table[["label", "count"]].rename(columns={"label": ui.t("col_category"), "count": ui.t("col_count")}),
                 hide_index=True)


def correct(kind: str, **values) -> None:
    try:
        inventory.correct(engine, project.id, kind, **values)
    except BidgeoError as exc:
        ui.show_error(exc)
    else:
        st.session_state["sv_message"] = ui.t("sv_corrected")
        st.rerun()


# --- search, details and corrections of one point ----------------------------------------------
query = st.text_input(ui.t("sv_search"), key="sv_query").strip().lower()
found = points[points["name"].fillna("").str.lower().str.contains(query, regex=False)] if query else points
if found.empty:
    st.info(ui.t("sv_no_match"))
else:
    choices = dict(zip(found.index, [f"{name if isinstance(name, str) else ui.t('unnamed')} – {categories.label(key, lang)}"
                                     for name, key in zip(found["name"], found["category"])]))
    index = st.selectbox(ui.t("sv_choose"), list(choices), key="sv_point", format_func=choices.get)
    chosen = found.loc[index]
    if isinstance(chosen["osm_type"], str):  # an OSM object (not a manual addition or a register's point)
        st.markdown(f"**{ui.t('sv_details')}** · [{ui.t('sv_osm_link')}]"
                    f"({inventory.osm_url(chosen['osm_type'], chosen['osm_id'])})")
        st.dataframe(pd.DataFrame(inventory.details(chosen["tags"] or {}, chosen["category"], lang),
                                  columns=[ui.t("col_detail"), ui.t("col_value")]), hide_index=True)
        st.markdown(f"**{ui.t('sv_correct_heading')}**")
        target = {"osm_type": chosen["osm_type"], "osm_id": int(chosen["osm_id"])}
        left, middle, right = st.columns(3)
        if left.button(ui.t("sv_close"), key="sv_close"):
            correct("close", **target)
        new_category = middle.selectbox(ui.t("sv_change_category"), [c.key for c in categories.categories()],
                                        key="sv_new_category", format_func=lambda k: categories.label(k, lang))
        if middle.button(ui.t("sv_change_button"), key="sv_change"):
            correct("category", category=new_category, **target)
        if tap and right.button(ui.t("sv_move_here", lat=i18n.number(tap["lat"], lang, 5),
                                     lon=i18n.number(tap["lng"], lang, 5)), key="sv_move"):
            correct("move", point=Point(tap["lng"], tap["lat"]), **target)

with st.expander(ui.t("sv_add_heading")):
    st.caption(ui.t("sv_add_help"))
    left, right = st.columns(2)
    add_category = left.selectbox(ui.t("col_category"), [c.key for c in categories.categories()], key="sv_add_category",
                                  format_func=lambda k: categories.label(k, lang))
    add_name = right.text_input(ui.t("col_name"), key="sv_add_name", max_chars=300)
    if tap and st.button(ui.t("sv_add_button", lat=i18n.number(tap["lat"], lang, 5), lon=i18n.number(tap["lng"], lang, 5)),
                         key="sv_add"):
        correct("add", category=add_category, name=add_name, point=Point(tap["lng"], tap["lat"]))

# --- imports and what changed ------------------------------------------------------------------
st.subheader(ui.t("sv_import_heading"))
new, gone = ui.service_changes(project)
history = inventory.snapshots(engine, project.id)
if len(history) >= 2:
    st.markdown(f"**{ui.t('sv_changes_heading')}** · {ui.t('sv_new', count=len(new))} · {ui.t('sv_gone', count=len(gone))}")
    for frame in (new, gone):
        if len(frame):
            st.dataframe(frame.assign(label=[categories.label(c, lang) for c in frame["category"]])[["name", "label"]]
                         .rename(columns={"name": ui.t("col_name"), "label": ui.t("col_category")}), hide_index=True)
upload = st.file_uploader(ui.t("sv_import_file"), type=["osm", "pbf"], key="sv_upload",
                          max_upload_size=config.MAX_OSM_UPLOAD_MB,
                          help=ui.t("osm_file_limit", limit_mb=config.MAX_OSM_UPLOAD_MB))
if upload is not None and st.button(ui.t("sv_import_file_button"), key="sv_import_file"):
    stages = ui.Stages(STAGES, {**{s: ui.t(f"create_stage_{s}") for s in STAGES}, "saving": ui.t("stage_import_saving")})
    try:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / Path(upload.name).name
            path.write_bytes(upload.getvalue())
            info = replace_osm(engine, project.id, path, progress=stages)
    except BidgeoError as exc:
        stages.done()
        ui.show_error(exc)
    else:
        st.session_state["sv_message"] = ui.t("sv_imported", count=info.service_count)
        st.rerun()
with st.expander(ui.t("sv_register_heading")):
    register = st.file_uploader(ui.t("sv_register_file"), type=["csv", "xlsx", "gpkg"], key="sv_register")
    try:
        with ui.busy(ui.t("busy_reading_register")):
            table = ui.read_register(register.getvalue(), register.name) if register is not None else None
    except BidgeoError as exc:
        ui.show_error(exc)
        table = None
    if table is not None:
        columns = list(table.columns)
        geometry = registers.GEOMETRY_LON in columns
        left, right = st.columns(2)
        name_column = left.selectbox(ui.t("sv_register_name"), columns, key="sv_reg_name")
        type_column = right.selectbox(ui.t("sv_register_type"), columns, key="sv_reg_type",
                                      index=min(1, len(columns) - 1))
        x_column = left.selectbox(ui.t("sv_register_x"), columns, key="sv_reg_x",
                                  index=columns.index(registers.GEOMETRY_LON) if geometry else min(2, len(columns) - 1))
        y_column = right.selectbox(ui.t("sv_register_y"), columns, key="sv_reg_y",
                                   index=columns.index(registers.GEOMETRY_LAT) if geometry else min(3, len(columns) - 1))
        crs = st.text_input(ui.t("sv_register_crs"), "EPSG:4326" if geometry else "EPSG:3006", key="sv_reg_crs")
        labels = {c.label(lang): c.key for c in categories.categories()} | {ui.t("sv_register_skip"): ""}
        kinds = registers.types_of(table, type_column)
        guesses = [registers.guess_category(k) for k in kinds]
        chosen = st.data_editor(
            pd.DataFrame({ui.t("col_type"): kinds, ui.t("col_category"): [
                categories.label(g, lang) if g else ui.t("sv_register_skip") for g in guesses]}),
            column_config={ui.t("col_category"): st.column_config.SelectboxColumn(
                ui.t("col_category"), options=list(labels), required=True)},
            disabled=[ui.t("col_type")], hide_index=True, key=f"sv_reg_types_{type_column}")
        if st.button(ui.t("sv_register_button"), key="sv_reg_import"):
            mapping = registers.RegisterMapping(name_column, type_column, x_column, y_column, crs, dict(zip(
                chosen[ui.t("col_type")], [labels[v] for v in chosen[ui.t("col_category")]])))
            stages = ui.Stages(("checking", "saving"), {"checking": ui.t("stage_register_checking"),
                                                        "saving": ui.t("stage_import_saving")})
            try:
                imported, problems = registers.to_services(table, mapping, lang)
            except BidgeoError as exc:
                ui.show_error(exc)
                problems, imported = None, None
            if problems or imported is None:
                stages.done()
            if problems:
                st.error(ui.t("sv_register_errors", count=len(problems)))
                st.dataframe(pd.DataFrame(problems).rename(columns={"row": ui.t("col_row"),
                                                                    "message": ui.t("col_message")}), hide_index=True)
            elif imported is not None:
                stages("saving")
                inventory.import_services(engine, project.id, "register", register.name, imported)
                st.session_state["sv_message"] = ui.t("sv_imported", count=len(imported))
                st.rerun()

area = current_version(engine, project.id)
if area is None:
    st.caption(ui.t("sv_need_area_for_overpass"))
elif st.button(ui.t("sv_import_overpass", km=overpass.DEFAULT_BUFFER_M // 1000), key="sv_overpass"):
    try:
        with ui.busy(ui.t("sv_importing")):
            fetched = overpass.services(area.geometry)
        inventory.import_services(engine, project.id, "overpass", overpass.url(), fetched)
    except BidgeoError as exc:
        ui.show_error(exc)
    else:
        st.session_state["sv_message"] = ui.t("sv_imported", count=len(fetched))
        st.rerun()
st.dataframe(history.assign(created_at=[local_time(t) for t in history["created_at"]],
                             source=[ui.t("audit_source_" + s) for s in history["source"]])[
    ["created_at", "source", "source_name", "count"]].rename(columns={
        "created_at": ui.t("col_created"), "source": ui.t("col_source"), "source_name": ui.t("col_source_name"),
        "count": ui.t("col_count")}), hide_index=True)
