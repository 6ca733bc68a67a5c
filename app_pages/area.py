"""Step 1: draw, edit or upload the BID boundary; check, repair and save it as a new version;
see what lies inside it; propose, approve and compare versions."""

import pandas as pd
import streamlit as st

import ui
from ui import tables
from bidgeo import area, i18n, maps, stakeholders
from bidgeo.area_versions import change, list_versions, make_current, save_version, set_status
from bidgeo.errors import BidgeoError
from bidgeo.i18n import local_time
from bidgeo.inside import inside

UPLOAD_TYPES = ["geojson", "json", "kml", "kmz", "gpkg", "zip"]

project = ui.project_page("area_title", "area_intro")
ui.require("edit_area")

engine, lang = ui.store(), ui.lang()
osm = ui.project_osm(project)
versions = list_versions(engine, project.id)
current = next((v for v in versions if v.current), None)
generation = st.session_state.setdefault("area_generation", 0)  # new widgets after a save

if "area_saved" in st.session_state:
    st.success(ui.t("saved_version", number=st.session_state.pop("area_saved")))
if current is None:
    st.info(ui.t("no_area_yet"))

# --- the boundary: drawn, edited or uploaded ----------------------------------------------
modes = ["draw", "edit", "upload"] if current else ["draw", "upload"]
mode = st.radio(ui.t("area_mode"), modes, format_func=lambda m: ui.t(f"mode_{m}"), horizontal=True,
                key="area_mode")
check = None
if mode == "upload":
    upload = st.file_uploader(ui.t("area_upload"), type=UPLOAD_TYPES, key=f"area_upload_{generation}")
    if upload is not None:
        with ui.busy(ui.t("busy_checking_file")):
            check = ui.check_upload(upload.getvalue(), upload.name)
else:
    st.caption(ui.t("area_draw_help" if mode == "draw" else "area_edit_help"))
    editor = ui.cached_map(maps.area_editor, osm, current.geometry if current else None, lang, edit=mode == "edit")
    drawn = ui.show_map(editor, key=f"area-editor-{project.id}-{mode}-{generation}-{current.id if current else 0}",
                        returned_objects=["all_drawings"])
    drawings = (drawn or {}).get("all_drawings")
    if drawings:
        check = area.check_geojson({"type": "FeatureCollection", "features": drawings})

# --- its check, repair and saving ---------------------------------------------------------
final = check
if check is not None:
    st.subheader(ui.t("check_heading"))
    repaired = check.repairable and st.toggle(ui.t("repair_button"), key=f"area_repair_{generation}")
    if repaired:
        final = area.repair(check.geometry)
        st.info(ui.t("repair_result"))
    for issue in final.errors:
        st.error(ui.message(issue))
    for issue in final.warnings:
        st.warning(ui.message(issue))
    if final.valid:
        st.success(ui.t("check_ok"))
        top, bottom = st.columns(2), st.columns(2)
        top[0].metric(ui.t("metric_area_ha"), i18n.number(final.area_m2 / 1e4, lang, 2))
        top[1].metric(ui.t("metric_area_m2"), i18n.number(final.area_m2, lang))
        bottom[0].metric(ui.t("metric_perimeter"), i18n.number(final.perimeter_m, lang))
        bottom[1].metric(ui.t("metric_vertices"), i18n.number(final.vertices, lang))
        st.caption(ui.t("measured_in"))
    if final.geometry is not None and (mode == "upload" or repaired or check.crossings):
        ui.show_map(ui.cached_map(maps.area_map, osm, lang, area=final.geometry,
                                  before=check.geometry if repaired else None,
                                  crossings=[] if repaired else check.crossings),
                    key=f"area-preview-{project.id}-{generation}")
    if final.valid:
        with st.form(f"save_area_{generation}"):
            st.markdown(f"**{ui.t('save_heading')}**")
            author = st.text_input(ui.t("field_author"), key="area_author", max_chars=200)
            comment = st.text_area(ui.t("field_comment"), key=f"area_comment_{generation}", max_chars=2000)
            if st.form_submit_button(ui.t("save_button"), type="primary"):
                try:
                    with ui.busy(ui.t("busy_saving_area")):
                        version = save_version(engine, project.id, final, author=author, comment=comment)
                except BidgeoError as exc:
                    ui.show_error(exc)
                else:
                    st.session_state["area_saved"] = version.number
                    st.session_state["area_generation"] = generation + 1
                    st.rerun()

# --- what lies inside ---------------------------------------------------------------------
candidate = final is not None and final.valid
target = final.geometry if candidate else (current.geometry if current else None)
if target is not None:
    st.subheader(ui.t("inside_heading"))
    if candidate:
        st.caption(ui.t("inside_candidate_note"))
    with ui.busy(ui.t("busy_inside")):
        found = inside(target, ui.service_points(project), osm, lang)
    columns = st.columns(3)
    columns[0].metric(ui.t("inside_services"), i18n.number(len(found.services), lang))
    columns[1].metric(ui.t("inside_buildings"), i18n.number(found.buildings, lang))
    columns[2].metric(ui.t("inside_candidates"), i18n.number(len(found.candidates), lang))
    if len(found.inventory):
        st.dataframe(found.inventory[["label", "count"]].rename(
            columns={"label": ui.t("col_category"), "count": ui.t("col_count")}), hide_index=True)
    if len(found.candidates):
        st.dataframe(found.candidates[["name", "category", "address"]].rename(columns={
            "name": ui.t("col_name"), "category": ui.t("col_category"), "address": ui.t("col_address")}),
            hide_index=True)
        if not candidate and st.button(ui.t("add_candidates_button"), key="add_candidates"):
            with ui.busy(ui.t("busy_saving")):
                added = stakeholders.add_candidates(engine, project.id, found.candidates)
            st.success(ui.t("candidates_added", count=added))

# --- versions -----------------------------------------------------------------------------
if versions:
    st.subheader(ui.t("versions_heading"))
    # The columns that fit a tablet's width beside the sidebar; the chosen version's comment and
    # who set its status are shown under the choice.
    with st.container(key="area_versions"):
        st.dataframe(pd.DataFrame({
            ui.t("col_version"): [f"{v.number} ✓" if v.current else str(v.number) for v in versions],
            ui.t("col_status"): [ui.t(f"area_status_{v.status}") for v in versions],
            ui.t("col_area_ha"): [i18n.number(v.area_m2 / 1e4, lang, 2) for v in versions],
            ui.t("col_created"): [local_time(v.created_at) for v in versions],
            ui.t("col_author"): [v.author for v in versions],
        }), hide_index=True, column_config=tables.widths({ui.t("col_version"): 64, ui.t("col_status"): 95,
                                                          ui.t("col_area_ha"): 75, ui.t("col_created"): 125,
                                                          ui.t("col_author"): 60}))
    st.caption(ui.t("version_current_mark"))
    if "area_message" in st.session_state:
        st.success(st.session_state.pop("area_message"))
    number = st.selectbox(ui.t("version_choose"), [v.number for v in versions], key="area_version")
    picked = next(v for v in versions if v.number == number)
    ui.plain(picked.comment)
    if picked.status_by:
        st.caption(ui.say("version_status_by", status=ui.t(f"area_status_{picked.status}"), name=picked.status_by))
    left, middle, right = st.columns(3)
    approver = middle.text_input(ui.t("approve_by"), key="area_approver", max_chars=200)
    action = None
    if left.button(ui.t("propose_button"), key="area_propose"):
        action = (lambda: set_status(engine, project.id, number, "proposed", by=approver),
                  ui.t("status_changed", number=number, status=ui.t("area_status_proposed")))
    if middle.button(ui.t("approve_button"), key="area_approve"):
        action = (lambda: set_status(engine, project.id, number, "approved", by=approver),
                  ui.t("status_changed", number=number, status=ui.t("area_status_approved")))
    if right.button(ui.t("make_current_button"), key="area_make_current"):
        action = (lambda: make_current(engine, project.id, number), ui.t("made_current", number=number))
    if action is not None:
        try:
            with ui.busy(ui.t("busy_saving")):
                action[0]()
        except BidgeoError as exc:
            ui.show_error(exc)
        else:
            st.session_state["area_message"] = action[1]
            st.rerun()

    if len(versions) >= 2:
        st.subheader(ui.t("compare_heading"))
        numbers = [v.number for v in versions]
        left, right = st.columns(2)
        old_number = left.selectbox(ui.t("compare_from"), numbers, index=1, key="compare_from")
        new_number = right.selectbox(ui.t("compare_to"), numbers, index=0, key="compare_to")
        by_number = {v.number: v for v in versions}
        old, new = by_number[old_number].geometry, by_number[new_number].geometry
        diff = change(old, new)
        columns = st.columns(3)
        columns[0].metric(ui.t("change_added"), i18n.number(diff.added_m2 / 1e4, lang, 2))
        columns[1].metric(ui.t("change_removed"), i18n.number(diff.removed_m2 / 1e4, lang, 2))
        columns[2].metric(ui.t("change_net"), ("+" if diff.net_m2 >= 0 else "") + i18n.number(diff.net_m2 / 1e4, lang, 2))
        ui.show_map(ui.cached_map(maps.area_map, osm, lang, area=new, before=old, added=diff.added,
                                  removed=diff.removed),
                    key=f"area-compare-{project.id}-{old_number}-{new_number}-{versions[0].number}")
