"""The observation form: a focus area, a type, a judgement, a comment, photos and a position.

Nothing typed is lost: the form's uuid is in the page address (``?obs=``), its draft is written
to the database at every change, and saving is idempotent by that uuid."""

from __future__ import annotations

import streamlit as st

import ui
from bidgeo import focus, walks
from bidgeo.errors import BidgeoError, ConflictError
from bidgeo.i18n import local_time
from ui.walk import Walking
from ui.walk.position import photos_and_position

DRAFTED = ("focus_area", "kind", "rating", "comment", "lon")  # a form without any of these needs no draft
FOCUS_SYMBOLS = {"place_brand": "loyalty", "offering": "storefront", "place": "park",
                 "accessibility": "accessible", "clean_safe": "verified_user"}


def form_uuid(walking: Walking) -> str:
    """The uuid of the form on screen: from the address (so a reload finds its draft), or new
    (also for a uuid of another project's observation)."""
    current = st.query_params.get("obs")
    try:
        if current and walks.project_of(walking.engine, current) in (None, walking.project.id):
            return walks.check_uuid(current)
    except BidgeoError:
        pass
    return _new_form()


def _new_form() -> str:
    uuid = walks.new_uuid()
    st.query_params["obs"] = uuid
    return uuid


def load_form(walking: Walking, uuid: str) -> None:
    """Fill the widgets of form ``uuid`` from its draft or, when editing, the saved observation."""
    saved, drafted = walks.observation(walking.engine, uuid), walks.draft(walking.engine, uuid)
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


def save(walking: Walking, uuid: str) -> None:
    """Save form ``uuid`` (a second tap on the same form finds it saved and changes nothing)."""
    try:
        result = walks.save_observation(walking.engine, walking.project.id, walking.walk.id, uuid,
                                        form_values(uuid), base=st.session_state.get(f"base_{uuid}"))
    except BidgeoError as exc:
        refused(walking, uuid, exc)
        return
    count = walks.get_walk(walking.engine, walking.walk.id).observations
    st.session_state["obs_saved"] = ui.t("obs_saved_updated" if result == "updated" else "obs_saved", count=count)
    _new_form()


def refused(walking: Walking, uuid: str, exc: BidgeoError) -> None:
    """Say why form ``uuid`` was not saved or deleted; after a conflict, offer the saved version."""
    st.session_state["obs_error"] = ui.message(exc)
    st.session_state[f"conflict_{uuid}"] = isinstance(exc, ConflictError)


def reload_saved(walking: Walking, uuid: str) -> None:
    """After a conflict: drop this form's changes and show the saved observation anew."""
    walks.discard_draft(walking.engine, uuid)
    for key in ("form_loaded", f"draft_{uuid}", f"conflict_{uuid}"):
        st.session_state.pop(key, None)


def edit(uuid: str) -> None:
    """Show observation ``uuid`` (saved, or a draft) in the form."""
    st.query_params["obs"] = uuid
    st.session_state["walk_view"] = "record"


def clear(walking: Walking, uuid: str, editing: bool) -> None:
    """An empty form; a draft that was never saved goes with its photos."""
    if not editing:
        walks.discard_draft(walking.engine, uuid)
    _new_form()


def remove(walking: Walking, uuid: str) -> None:
    try:
        walks.delete_observation(walking.engine, uuid, by=st.session_state.get("obs_author", ""),
                                 base=st.session_state.get(f"base_{uuid}"))
    except BidgeoError as exc:  # e.g. changed by someone else since it was opened: nothing is deleted
        refused(walking, uuid, exc)
        return
    st.session_state["obs_saved"] = ui.t("obs_deleted")
    _new_form()


def to_the_top(uuid: str) -> None:
    """Scroll the page to its top (once: the script runs when form ``uuid`` first shows it)."""
    st.html(f'<span class="bidgeo-to-top" data-form="{uuid}"></span><script>'
            "for (const part of [document.scrollingElement, document.querySelector('[data-testid=stMain]')])"
            " { if (part) part.scrollTo({top: 0, behavior: 'smooth'}); }</script>", unsafe_allow_javascript=True)


def record(walking: Walking) -> None:
    """The form on screen, with what happened to the last one and the other drafts of the walk."""
    engine, walk_id = walking.engine, walking.walk.id
    uuid = form_uuid(walking)
    if st.session_state.get("form_loaded") != uuid:
        load_form(walking, uuid)
    if "obs_saved" in st.session_state:  # said where the finger is, and the new form starts at the top
        st.toast(st.session_state.pop("obs_saved"), icon=":material/check_circle:")
        to_the_top(uuid)
    if st.session_state.get(f"editing_{uuid}"):
        st.info(ui.t("obs_editing"))
    else:
        st.caption(ui.t("walk_count", count=walking.walk.observations))
    for other, when, fields in walks.drafts(engine, walk_id)[:3]:  # e.g. the app was opened anew on the tablet
        if other != uuid and any(fields.get(k) for k in DRAFTED):
            left, right = st.columns([3, 1])
            left.warning(ui.say("obs_other_draft", when=local_time(when), text=(fields.get("comment") or "")[:60]))
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
    photos_and_position(walking, uuid)

    # The draft: written whenever the form changes, so a reload or a lost connection keeps it.
    values, before = form_values(uuid), st.session_state.get(f"draft_{uuid}")
    if values != before and (before is not None or any(values.get(k) for k in DRAFTED)):
        walks.save_draft(engine, walking.project.id, walk_id, uuid, values)
        st.session_state[f"draft_{uuid}"] = values

    if "obs_error" in st.session_state:  # what is missing, next to the button that was tapped
        st.error(st.session_state.pop("obs_error"))
    if st.session_state.get(f"conflict_{uuid}"):
        st.button(ui.t("obs_reload"), key=f"reload_{uuid}", icon=":material/refresh:", on_click=reload_saved,
                  args=(walking, uuid))
    st.button(ui.t("obs_save"), key=f"save_{uuid}", type="primary", use_container_width=True,
              icon=":material/save:", on_click=save, args=(walking, uuid))
    editing = bool(st.session_state.get(f"editing_{uuid}"))
    left, right = st.columns(2)
    left.button(ui.t("obs_stop_editing" if editing else "obs_new"), key=f"clear_{uuid}", use_container_width=True,
                on_click=clear, args=(walking, uuid, editing))
    if editing:
        right.button(ui.t("obs_delete"), key=f"del_{uuid}", use_container_width=True, on_click=remove,
                     args=(walking, uuid))
