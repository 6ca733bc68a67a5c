"""The walk's quick "lokal" action: a premise's status with a photo, in two taps (the photo,
then the status). The premise nearest the walker's position comes first; the status is stored
in the premise's history (``bidgeo.premises``), the photo under the status's own uuid. A
premise the register lacks is added at the walker's position, with its address if typed."""

from __future__ import annotations

import streamlit as st
import ui
from bidgeo import photos, premises, walks
from bidgeo.errors import BidgeoError
from ui.walk import Walking


def _position() -> dict | None:
    """Where the walker is: the position of the observation form on screen, if it has one."""
    return st.session_state.get(f"pos_{st.query_params.get('obs')}")


NEW = 0
"""The choice of a premise the register lacks: added at the walker's position."""


def _record(walking: Walking, premise_id: int, status: str, round_: int) -> None:
    """Store the photo taken (if any) and the status (of a new premise: the premise too); a
    second tap of the same round does nothing."""
    if round_ != st.session_state.get("wp_round", 0):
        return
    here = _position()
    if premise_id == NEW and here is None:
        st.session_state["wp_message"] = ("error", ui.t("walk_premise_no_position"))
        return
    shot = st.session_state.get(f"wp_cam_{round_}")
    uuid = walks.new_uuid() if shot is not None else None
    author = st.session_state.get("obs_author", "")
    try:
        if shot is not None:
            photos.add_photo(walking.engine, walking.project.id, uuid, shot.getvalue(), shot.name, shot.type or "")
        if premise_id == NEW:
            premises.add_from_walk(walking.engine, walking.project.id, here["lon"], here["lat"], status,
                                   st.session_state.get(f"wp_address_{round_}", ""), author, uuid)
        else:
            premises.record_status(walking.engine, walking.project.id, premise_id, status, source="walk",
                                   author=author, photo_uuid=uuid)
    except BidgeoError as exc:
        st.session_state["wp_message"] = ("error", ui.message(exc))
        return
    st.session_state["wp_round"] = round_ + 1  # a fresh camera (and address) for the next premise
    said = "walk_premise_added" if premise_id == NEW else "walk_premise_saved"
    st.session_state["wp_message"] = ("success", ui.t(said, status=premises.status_label(status, walking.lang)))


def quick_status(walking: Walking) -> None:
    """The "lokal" switch and, when on, the premise, the camera and a big button per status."""
    if "wp_message" in st.session_state:
        kind, text = st.session_state.pop("wp_message")
        (st.success if kind == "success" else st.error)(text)
    if not st.toggle(ui.t("walk_premise_toggle"), key="wp_on", help=ui.t("walk_premise_help")):
        return
    st.html('<style>[class*="st-key-wp_status_"] button {min-height:72px; font-size:1.1rem;}</style>')
    register = premises.register(walking.engine, walking.project.id)
    if register.empty:
        st.info(ui.t("walk_premise_none"))
    here = _position()
    if here is not None and not register.empty:
        register = premises.nearest_first(register, here["lon"], here["lat"])
        nearest = int(register["id"].iloc[0])
        if st.session_state.get("wp_nearest") != nearest:  # the walker moved on: the premise now nearest
            st.session_state["wp_nearest"] = st.session_state["wp_premise"] = nearest
    names = {int(i): f"{a or k} · {premises.status_label(s, walking.lang)}"
             for i, a, k, s in zip(register["id"], register["address"], register["key"], register["status"])}
    names[NEW] = ui.t("walk_premise_new")
    chosen = st.selectbox(ui.t("walk_premise_choose"), list(names), key="wp_premise", format_func=names.get)
    round_ = st.session_state.setdefault("wp_round", 0)
    if chosen == NEW:
        st.text_input(ui.t("walk_premise_address"), key=f"wp_address_{round_}", max_chars=premises.LIMITS["address"])
    st.camera_input(ui.t("walk_premise_photo"), key=f"wp_cam_{round_}")
    for column, status in zip(st.columns(len(premises.STATUSES)), premises.STATUSES):
        column.button(premises.status_label(status, walking.lang), key=f"wp_status_{status}", use_container_width=True,
                      type="primary" if status == "vacant" else "secondary", on_click=_record,
                      args=(walking, chosen, status, round_))
