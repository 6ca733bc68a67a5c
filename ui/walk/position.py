"""The observation form's photos (upload or the tablet's camera, stored at once under the
form's uuid) and its position: the device's GPS, a tap on the map, or a photo's EXIF position."""

from __future__ import annotations

import streamlit as st

import ui
from bidgeo import maps, photos, walks
from bidgeo.errors import BidgeoError
from ui.walk import Walking


def photos_and_position(walking: Walking, uuid: str) -> None:
    engine, project = walking.engine, walking.project
    # Photos, stored at once under the form's uuid (a reload keeps them), then shown below as
    # thumbnails with a remove button each: the uploader starts empty again, so that it never
    # lists a photo that is no longer attached.
    fresh = st.session_state.get(f"upl_n_{uuid}", 0)
    uploads = st.file_uploader(ui.t("obs_photos"), type=["jpg", "jpeg", "png"], accept_multiple_files=True,
                               key=f"upl_{uuid}_{fresh}")
    shots = [st.camera_input(ui.t("obs_camera"), key=f"cam_{uuid}")] \
        if st.toggle(ui.t("obs_camera_on"), key=f"camon_{uuid}") else []
    for file in [*(uploads or []), *[s for s in shots if s is not None]]:
        if file.file_id not in st.session_state.setdefault("stored_files", set()):
            try:
                photos.add_photo(engine, project.id, uuid, file.getvalue(), file.name, file.type or "")
            except BidgeoError as exc:
                st.session_state.setdefault(f"upl_refused_{uuid}", []).append(ui.message(exc))
            st.session_state["stored_files"].add(file.file_id)
    if uploads:  # stored, or refused and said below
        st.session_state[f"upl_n_{uuid}"] = fresh + 1
        st.rerun()
    for refused in st.session_state.pop(f"upl_refused_{uuid}", []):
        st.error(refused)
    attached = photos.photos(engine, project.id, [uuid])
    if attached:
        for column, photo in zip(st.columns(min(len(attached), 4) or 1), attached):
            column.image(photo.thumbnail, caption=ui.literal(photo.filename))
            if column.button(ui.t("obs_photo_remove"), key=f"rm_{photo.id}"):
                photos.remove_photo(engine, project.id, photo.id)
                st.rerun()

    # Position: GPS, a tap on the map, or a photo's EXIF position.
    st.markdown(f"**{ui.t('obs_position')}**")
    gps = ui.geolocation(key=f"gps_{uuid}")
    if gps and gps.get("at") != st.session_state.get("gps_seen"):
        st.session_state["gps_seen"] = gps["at"]
        if gps.get("auto") and st.session_state.get(f"pos_{uuid}") is not None:
            pass  # the form's own position (a tap on the map, a draft's) stays
        elif "error" in gps:
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
    walk_id = walking.walk.id
    saved = walks.observations(engine, project.id, walk_id)
    tapped = ui.show_map(maps.walk_map(walking.osm, walking.lang, walking.area_geometry, saved,
                                       route=walking.walk.route, position=point, follow=True),
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
