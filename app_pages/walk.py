"""Step 2, the place walk on a tablet: record observations for the five focus areas with a
position and photos, see them on a map, and score the focus areas after the walk.

Nothing typed is lost: the form's uuid is in the page address (``?obs=``), its draft is
written to the database at every change, and saving is idempotent by that uuid."""

from __future__ import annotations

import html
from datetime import date

import pandas as pd
import streamlit as st
from shapely.geometry import LineString

import ui
from bidgeo import charts, focus, icons, maps, photos, walk_kit, walks
from bidgeo.area_versions import current_version
from bidgeo.errors import BidgeoError, ConflictError
from bidgeo.i18n import local_time

project = ui.project_page("walk_title", "walk_intro")
ui.require("record")
ui.prefill_name("obs_author")
engine, lang = ui.store(), ui.lang()
osm = ui.project_osm(project)
area = current_version(engine, project.id)

# Big touch targets, the focus areas in their colours.
st.html("<style>"
        + "".join(f'[class*="st-key-fa_{key}__"] button {{border:3px solid {colour}; min-height:84px;}}'
                  f'[class*="st-key-fa_{key}__"] button[kind="primary"] {{background:{colour}; color:#fff;}}'
                  for key, colour in focus.FOCUS_COLOURS.items())
        + '[class*="st-key-fa_"] button {padding:0.3rem 0.25rem;}'
          '[class*="st-key-fa_"] button > div {flex-direction:column; gap:0.2rem;}'
          '[class*="st-key-fa_"] button p {white-space:normal; overflow-wrap:normal; word-break:normal;'
          ' font-size:1rem; line-height:1.2;}'
          '[class*="st-key-fa_"] button div {overflow:visible;}'
        + '[class*="st-key-kind_"] button, [class*="st-key-rating_"] button, [class*="st-key-score_"] button '
          '{min-height:56px; min-width:64px; font-size:1.15rem;}'
        + '[class*="st-key-save_"] button {min-height:72px; font-size:1.3rem;}'
        + '[class*="st-key-walk_view"] button {min-height:52px; font-size:1.05rem;}'
        + "</style>")


def walk_label(walk: walks.WalkInfo) -> str:
    role = ui.t("walk_baseline") if walk.baseline else ui.t("walk_followup")
    group = f" · {walk.focus_group}" if walk.focus_group else ""
    return f"{walk.walked_on.isoformat()}{group} ({role}, {ui.t('walk_count', count=walk.observations)})"


# --- walks ---------------------------------------------------------------------------------------
all_walks = walks.walks(engine, project.id)
new_walk = st.expander(ui.t("walk_new_heading")) if all_walks else st.container(border=True)
with new_walk:
    if not all_walks:
        st.subheader(ui.t("walk_new_heading"))
    left, right = st.columns(2)
    walked_on = left.date_input(ui.t("walk_date"), value=date.today(), key="nw_date", format="YYYY-MM-DD")
    group = right.text_input(ui.t("walk_focus_group"), key="nw_group", max_chars=200)
    participants = st.text_input(ui.t("walk_participants"), key="nw_participants")
    notes = st.text_area(ui.t("walk_notes"), key="nw_notes", height=80)
    lines = []
    if st.toggle(ui.t("walk_route"), key="nw_route"):
        st.caption(ui.t("walk_route_help"))
        drawn = ui.show_map(maps.route_editor(osm, area.geometry if area else None, lang),
                            key=f"route-{project.id}", height=380, returned_objects=["all_drawings"])
        lines = [d["geometry"]["coordinates"] for d in (drawn or {}).get("all_drawings") or []
                 if d.get("geometry", {}).get("type") == "LineString"]
    if st.button(ui.t("walk_create"), key="nw_create", type="primary"):
        try:
            walk_id = walks.create_walk(engine, project.id, walked_on, group, participants, notes,
                                        LineString(lines[-1]) if lines else None)
        except BidgeoError as exc:
            ui.show_error(exc)
        else:
            st.session_state["walk_id"] = walk_id
            st.rerun()
if not all_walks:
    st.stop()

ids = [w.id for w in all_walks]
if st.session_state.get("walk_id") not in ids:
    requested = st.query_params.get("walk")
    st.session_state["walk_id"] = int(requested) if requested and requested.isdigit() and int(requested) in ids \
        else ids[-1]
walk_id = st.selectbox(ui.t("walk_choose"), ids, key="walk_id",
                       format_func=lambda i: walk_label(next(w for w in all_walks if w.id == i)))
walk = next(w for w in all_walks if w.id == walk_id)
st.query_params["walk"] = str(walk_id)
view = st.segmented_control(ui.t("walk_view"), ["record", "list", "assess", "kit"], key="walk_view", default="record",
                            format_func=lambda v: ui.t(f"walk_view_{v}"), label_visibility="collapsed") or "record"


# --- the observation form -------------------------------------------------------------------------
def form_uuid() -> str:
    """The uuid of the form on screen: from the address (so a reload finds its draft), or new."""
    current = st.query_params.get("obs")
    try:
        return walks.check_uuid(current) if current else _new_form()
    except BidgeoError:
        return _new_form()


def _new_form() -> str:
    uuid = walks.new_uuid()
    st.query_params["obs"] = uuid
    return uuid


def load_form(uuid: str) -> None:
    """Fill the widgets of form ``uuid`` from its draft or, when editing, the saved observation."""
    saved, drafted = walks.observation(engine, uuid), walks.draft(engine, uuid)
    values = drafted or saved or {}
    st.session_state[f"focus_{uuid}"] = values.get("focus_area")
    st.session_state[f"kind_{uuid}"] = values.get("kind")
    st.session_state[f"rating_{uuid}"] = values.get("rating")
    st.session_state[f"comment_{uuid}"] = values.get("comment", "")
    if values.get("author"):
        st.session_state["obs_author"] = values["author"]
    st.session_state[f"pos_{uuid}"] = ({k: values.get(k) for k in ("lon", "lat", "position_source", "accuracy_m")}
                                       if values.get("lon") is not None else None)
    st.session_state[f"editing_{uuid}"] = saved is not None
    # The version an edit starts from (kept in its draft, so a reload still knows it): saving
    # over someone else's later change is a conflict, never a silent overwrite.
    st.session_state[f"base_{uuid}"] = ((drafted or {}).get("base") or saved["updated_at"].isoformat()) \
        if saved else None
    st.session_state["form_loaded"] = uuid


def form_values(uuid: str) -> dict:
    position = st.session_state.get(f"pos_{uuid}") or {}
    return {"focus_area": st.session_state.get(f"focus_{uuid}"), "kind": st.session_state.get(f"kind_{uuid}"),
            "rating": st.session_state.get(f"rating_{uuid}"), "comment": st.session_state.get(f"comment_{uuid}", ""),
            "author": st.session_state.get("obs_author", ""), **position,
            "base": st.session_state.get(f"base_{uuid}")}  # an edit's version, kept in its draft


def choose_focus(uuid: str, key: str) -> None:
    st.session_state[f"focus_{uuid}"] = key


def save(uuid: str) -> None:
    """Save form ``uuid`` (a second tap on the same form finds it saved and changes nothing)."""
    try:
        result = walks.save_observation(engine, project.id, walk_id, uuid, form_values(uuid),
                                        base=st.session_state.get(f"base_{uuid}"))
    except BidgeoError as exc:
        refused(uuid, exc)
        return
    count = walks.get_walk(engine, walk_id).observations
    st.session_state["obs_saved"] = ui.t("obs_saved_updated" if result == "updated" else "obs_saved", count=count)
    _new_form()


def refused(uuid: str, exc: BidgeoError) -> None:
    """Say why form ``uuid`` was not saved or deleted; after a conflict, offer the saved version."""
    st.session_state["obs_error"] = exc.message(lang)
    st.session_state[f"conflict_{uuid}"] = isinstance(exc, ConflictError)


def reload_saved(uuid: str) -> None:
    """After a conflict: drop this form's changes and show the saved observation anew."""
    walks.discard_draft(engine, uuid)
    for key in ("form_loaded", f"draft_{uuid}", f"conflict_{uuid}"):
        st.session_state.pop(key, None)


def edit(uuid: str) -> None:
    """Show observation ``uuid`` (saved, or a draft) in the form."""
    st.query_params["obs"] = uuid
    st.session_state["walk_view"] = "record"


def clear(uuid: str, editing: bool) -> None:
    """An empty form; a draft that was never saved goes with its photos."""
    if not editing:
        walks.discard_draft(engine, uuid)
    _new_form()


def remove(uuid: str) -> None:
    try:
        walks.delete_observation(engine, uuid, by=st.session_state.get("obs_author", ""),
                                 base=st.session_state.get(f"base_{uuid}"))
    except BidgeoError as exc:  # e.g. changed by someone else since it was opened: nothing is deleted
        refused(uuid, exc)
        return
    st.session_state["obs_saved"] = ui.t("obs_deleted")
    _new_form()


def record() -> None:
    uuid = form_uuid()
    if st.session_state.get("form_loaded") != uuid:
        load_form(uuid)
    if "obs_saved" in st.session_state:
        st.success(st.session_state.pop("obs_saved"), icon=":material/check_circle:")
    if "obs_error" in st.session_state:
        st.error(st.session_state.pop("obs_error"))
    if st.session_state.get(f"conflict_{uuid}"):
        st.button(ui.t("obs_reload"), key=f"reload_{uuid}", icon=":material/refresh:", on_click=reload_saved,
                  args=(uuid,))
    if st.session_state.get(f"editing_{uuid}"):
        st.info(ui.t("obs_editing"))
    else:
        st.caption(ui.t("walk_count", count=walk.observations))
    for other, when, fields in walks.drafts(engine, walk_id)[:3]:  # e.g. the app was opened anew on the tablet
        if other != uuid and any(fields.get(k) for k in DRAFTED):
            left, right = st.columns([3, 1])
            left.warning(ui.t("obs_other_draft", when=local_time(when), text=(fields.get("comment") or "")[:60]))
            right.button(ui.t("obs_resume"), key=f"resume_{other}", on_click=edit, args=(other,),
                         use_container_width=True)

    st.markdown(f"**{ui.t('obs_focus')}**")
    chosen = st.session_state.get(f"focus_{uuid}")
    for column, key in zip(st.columns(5), focus.FOCUS_AREAS):
        column.button(ui.t("focus_" + key), key=f"fa_{key}__{uuid}", type="primary" if key == chosen else "secondary",
                      icon=f":material/{FOCUS_SYMBOLS[key]}:", use_container_width=True,
                      on_click=choose_focus, args=(uuid, key))
    st.segmented_control(ui.t("obs_kind"), focus.KINDS, key=f"kind_{uuid}",
                         format_func=lambda k: ui.t("kind_" + k))
    st.segmented_control(ui.t("obs_rating"), focus.RATINGS, key=f"rating_{uuid}", help=ui.t("obs_rating_help"))
    st.text_area(ui.t("obs_comment"), key=f"comment_{uuid}", height=110, max_chars=walks.MAX_COMMENT)
    st.text_input(ui.t("obs_author"), key="obs_author", max_chars=200)

    # Photos, stored at once under the form's uuid (a reload keeps them).
    uploads = st.file_uploader(ui.t("obs_photos"), type=["jpg", "jpeg", "png"], accept_multiple_files=True,
                               key=f"upl_{uuid}")
    shots = [st.camera_input(ui.t("obs_camera"), key=f"cam_{uuid}")] \
        if st.toggle(ui.t("obs_camera_on"), key=f"camon_{uuid}") else []
    for file in [*(uploads or []), *[s for s in shots if s is not None]]:
        if file.file_id not in st.session_state.setdefault("stored_files", set()):
            try:
                photos.add_photo(engine, project.id, uuid, file.getvalue(), file.name, file.type or "")
            except BidgeoError as exc:
                ui.show_error(exc)
            st.session_state["stored_files"].add(file.file_id)
    attached = photos.photos(engine, project.id, [uuid])
    if attached:
        for column, photo in zip(st.columns(min(len(attached), 4) or 1), attached):
            column.image(photo.thumbnail, caption=photo.filename)
            if column.button(ui.t("obs_photo_remove"), key=f"rm_{photo.id}"):
                photos.remove_photo(engine, project.id, photo.id)
                st.rerun()

    # Position: GPS, a tap on the map, or a photo's EXIF position.
    st.markdown(f"**{ui.t('obs_position')}**")
    gps = ui.geolocation(key=f"gps_{uuid}")
    if gps and gps.get("at") != st.session_state.get("gps_seen"):
        st.session_state["gps_seen"] = gps["at"]
        if "error" in gps:
            st.warning(ui.t(f"geo_{gps['error']}"))
        else:
            st.session_state[f"pos_{uuid}"] = {"lon": gps["lon"], "lat": gps["lat"], "position_source": "gps",
                                               "accuracy_m": gps["accuracy"]}
    located = [p for p in attached if p.lon is not None]
    if located and st.button(ui.t("obs_use_photo_position"), key=f"exif_{uuid}"):
        st.session_state[f"pos_{uuid}"] = {"lon": located[0].lon, "lat": located[0].lat,
                                           "position_source": "photo", "accuracy_m": None}
    position = st.session_state.get(f"pos_{uuid}")
    point = (position["lon"], position["lat"]) if position else None
    saved = walks.observations(engine, project.id, walk_id)
    tapped = ui.show_map(maps.walk_map(osm, lang, area.geometry if area else None, saved, route=walk.route,
                                       position=point, follow=True),
                         key=f"walkmap-{walk_id}-{uuid}-{point}-{len(saved)}", height=420,
                         returned_objects=["last_clicked"])
    click = (tapped or {}).get("last_clicked")
    if click and (click["lng"], click["lat"]) != point and click != st.session_state.get("tap_seen"):
        st.session_state["tap_seen"] = click
        st.session_state[f"pos_{uuid}"] = {"lon": click["lng"], "lat": click["lat"], "position_source": "map",
                                           "accuracy_m": None}
        st.rerun()
    if position:
        accuracy = "" if position.get("accuracy_m") is None else ui.t("obs_accuracy", m=round(position["accuracy_m"]))
        st.markdown(ui.t("obs_position_is", lat=f"{position['lat']:.5f}", lon=f"{position['lon']:.5f}",
                         source=ui.t("source_" + position["position_source"])) + accuracy)
    else:
        st.caption(ui.t("obs_position_none"))

    # The draft: written whenever the form changes, so a reload or a lost connection keeps it.
    values, before = form_values(uuid), st.session_state.get(f"draft_{uuid}")
    if values != before and (before is not None or any(values.get(k) for k in DRAFTED)):
        walks.save_draft(engine, project.id, walk_id, uuid, values)
        st.session_state[f"draft_{uuid}"] = values

    st.button(ui.t("obs_save"), key=f"save_{uuid}", type="primary", use_container_width=True,
              icon=":material/save:", on_click=save, args=(uuid,))
    editing = bool(st.session_state.get(f"editing_{uuid}"))
    left, right = st.columns(2)
    left.button(ui.t("obs_stop_editing" if editing else "obs_new"), key=f"clear_{uuid}", use_container_width=True,
                on_click=clear, args=(uuid, editing))
    if editing:
        right.button(ui.t("obs_delete"), key=f"del_{uuid}", use_container_width=True, on_click=remove, args=(uuid,))


DRAFTED = ("focus_area", "kind", "rating", "comment", "lon")  # a form without any of these needs no draft
FOCUS_SYMBOLS = {"place_brand": "loyalty", "offering": "storefront", "place": "park",
                 "accessibility": "accessible", "clean_safe": "verified_user"}


# --- the walk's observations ---------------------------------------------------------------------
def observation_list() -> None:
    saved = walks.observations(engine, project.id, walk_id)
    areas = st.pills(ui.t("obs_filter_focus"), focus.FOCUS_AREAS, selection_mode="multi", key="flt_focus",
                     format_func=lambda k: ui.t("focus_" + k)) or list(focus.FOCUS_AREAS)
    kinds = st.pills(ui.t("obs_filter_kind"), focus.KINDS, selection_mode="multi", key="flt_kind",
                     format_func=lambda k: ui.t("kind_" + k)) or list(focus.KINDS)
    shown = saved[saved["focus_area"].isin(areas) & saved["kind"].isin(kinds)]
    pictures: dict[str, list[bytes]] = {}
    for photo in photos.photos(engine, project.id, list(shown["uuid"])):
        pictures.setdefault(photo.observation_uuid, []).append(photo.thumbnail)
    st.markdown(" &nbsp; ".join(f"{icons.badge(focus.FOCUS_ICONS[k], focus.FOCUS_COLOURS[k], 22)} "
                                f"{html.escape(ui.t('focus_' + k))} ({int((saved['focus_area'] == k).sum())})"
                                for k in focus.FOCUS_AREAS), unsafe_allow_html=True)
    ui.show_map(maps.walk_map(osm, lang, area.geometry if area else None, shown, pictures, route=walk.route),
                key=f"obsmap-{walk_id}-{len(saved)}-{','.join(areas)}-{','.join(kinds)}", height=480)
    if shown.empty:
        st.info(ui.t("obs_none"))
        return
    table = pd.DataFrame({
        ui.t("col_time"): [local_time(t) for t in shown["created_at"]],
        ui.t("obs_focus"): [ui.t("focus_" + k) for k in shown["focus_area"]],
        ui.t("obs_kind"): [ui.t("kind_" + k) for k in shown["kind"]],
        ui.t("obs_rating"): shown["rating"], ui.t("obs_comment"): shown["comment"],
        ui.t("obs_photos"): shown["photos"], ui.t("obs_author"): shown["author"]})
    st.dataframe(table, hide_index=True)
    chosen = st.selectbox(ui.t("obs_choose"), list(shown["uuid"]), key="obs_chosen", format_func=lambda u: (
        f"{ui.t('focus_' + shown.set_index('uuid').loc[u, 'focus_area'])} – "
        f"{(shown.set_index('uuid').loc[u, 'comment'] or '')[:60]}"))
    for photo in photos.photos(engine, project.id, [chosen]):
        st.image(photos.photo_bytes(engine, project.id, photo.id), caption=photo.filename)
    st.button(ui.t("obs_edit"), key="obs_edit", icon=":material/edit:", on_click=edit, args=(chosen,))
    with st.expander(ui.t("obs_history")):
        changes = walks.history(engine, chosen)
        st.dataframe(pd.DataFrame({ui.t("col_time"): [local_time(t) for t in changes["created_at"]],
                                   ui.t("col_change"): [ui.t("change_" + a) for a in changes["action"]],
                                   ui.t("obs_author"): changes["author"],
                                   ui.t("obs_comment"): [d.get("comment", "") for d in changes["data"]]}),
                     hide_index=True)


# --- the focus-area assessment after the walk ----------------------------------------------------
def assessment() -> None:
    st.caption(ui.t("assess_help"))
    respondent = st.text_input(ui.t("assess_respondent"), key="as_respondent", max_chars=200)
    scores = {}
    for key in focus.FOCUS_AREAS:
        st.markdown(f"{icons.badge(focus.FOCUS_ICONS[key], focus.FOCUS_COLOURS[key], 24)} "
                    f"**{html.escape(ui.t('focus_' + key))}**", unsafe_allow_html=True)
        left, right = st.columns([3, 2])
        score = left.segmented_control(ui.t("assess_score"), focus.SCORES, key=f"score_{key}",
                                       label_visibility="collapsed")
        comment = right.text_input(ui.t("assess_comment"), key=f"ascomment_{key}", label_visibility="collapsed",
                                   placeholder=ui.t("assess_comment"))
        scores[key] = (score, comment)
    if st.button(ui.t("assess_save"), key="as_save", type="primary"):
        try:
            walks.save_assessment(engine, walk_id, respondent, scores)
        except BidgeoError as exc:
            ui.show_error(exc)
        else:
            st.success(ui.t("assess_saved", respondent=respondent))
    table = walks.assessments(engine, [w.id for w in all_walks])
    if table.empty:
        st.info(ui.t("assess_none"))
        return
    names = {w.id: f"{w.walked_on.isoformat()} ({ui.t('walk_baseline') if w.baseline else ui.t('walk_followup')})"
             for w in all_walks}
    st.image(charts.radar_png(walks.mean_scores(table), names, lang))
    mine = table[table["walk_id"] == walk_id]
    st.dataframe(pd.DataFrame({ui.t("assess_respondent"): mine["respondent"],
                               ui.t("obs_focus"): [ui.t("focus_" + k) for k in mine["focus_area"]],
                               ui.t("assess_score"): mine["score"], ui.t("assess_comment"): mine["comment"]}),
                 hide_index=True)


# --- the offline field kit (QField, Mergin Maps) ----------------------------------------------------
def field_kit() -> None:
    st.caption(ui.t("kit_help"))
    if st.button(ui.t("kit_make"), key="kit_make", icon=":material/inventory_2:"):
        st.session_state["kit_zip"] = (project.id, walk_kit.kit_zip(engine, project.id))
    made = st.session_state.get("kit_zip")
    if made and made[0] == project.id:
        st.download_button(ui.t("kit_download"), made[1], file_name=f"faltkit-{project.name}.zip",
                           mime="application/zip", key="kit_download", icon=":material/download:")
    st.markdown(f"**{ui.t('kit_import_heading', walk=walk_label(walk))}**")
    upload = st.file_uploader(ui.t("kit_upload"), type=["gpkg", "zip"], key="kit_upload")
    if upload is not None and st.button(ui.t("kit_import"), key="kit_import", type="primary"):
        try:
            result = walk_kit.import_upload(engine, project.id, upload.getvalue(), upload.name, walk_id=walk_id,
                                            lang=lang)
        except BidgeoError as exc:
            ui.show_error(exc)
            return
        (st.warning if result.errors else st.success)(ui.t("kit_import_summary", imported=result.imported,
                                                            updated=result.updated, skipped=result.skipped,
                                                            errors=len(result.errors)))
        if result.errors:
            st.dataframe(pd.DataFrame({ui.t("col_row"): [e.row for e in result.errors],
                                       ui.t("col_message"): [e.message(lang) for e in result.errors]}),
                         hide_index=True)


{"record": record, "list": observation_list, "assess": assessment, "kit": field_kit}[view]()
