"""Streamlit glue that the pages share: the cached store and OSM loaders, session-state
accessors, the translation shortcut and the one map widget wrapper. The domain logic lives in
``bidgeo``; nothing here decides anything."""

from __future__ import annotations

import hashlib
from datetime import date
import re
import threading
from types import SimpleNamespace
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import streamlit as st
import streamlit.components.v1 as components
import streamlit_folium
from shapely.geometry.base import BaseGeometry
from streamlit_folium import st_folium

from bidgeo import accounts, audit, config, i18n, process, registers
from bidgeo.area import AreaCheck, check_bytes
from bidgeo.coverage import Network, network_for
from bidgeo.db import open_store
from bidgeo.demo import ensure_demo_if_empty
from bidgeo.errors import BidgeoError
from bidgeo.maps import use_local_assets
from bidgeo.osm import OsmData, read_osm
from bidgeo.inventory import changes as inventory_changes
from bidgeo.inventory import revision as inventory_revision
from bidgeo.projects import ProjectInfo, list_projects, osm_file
from bidgeo.projects import service_points as projects_service_points
from ui import steps
from ui.busy import Stages, busy  # noqa: F401 (the pages' ui.busy and ui.Stages)

STATIC_VENDOR_URL = "/app/static/vendor"


def store():
    """The migrated database engine of the configured database, acting as the logged-in
    user (``bidgeo.audit``); on first start the demo project is created. An unreachable
    database is said on the page, which stops there."""
    try:
        engine = _store(config.database_url())
    except BidgeoError as exc:
        show_error(exc)
        st.stop()
    return audit.acting(engine, st.session_state.get("username", ""))


@st.cache_resource(show_spinner=False)
def _store(url: str):
    engine = open_store(url)
    ensure_demo_if_empty(engine)
    return engine


@st.cache_resource(show_spinner=False, max_entries=8)
def _osm_data(path: str) -> OsmData:
    return read_osm(path)


def project_osm(project: ProjectInfo) -> OsmData | None:
    """The project's parsed OSM extract (cached per content hash), if it has one. A missing
    or broken extract is said on the page, and the page goes on without it."""
    try:
        path = osm_file(store(), project)
        return _osm_data(str(path)) if path is not None else None
    except BidgeoError as exc:
        show_error(exc)
        return None


@st.cache_resource(show_spinner=False, max_entries=8)
def _network(sha256: str, path: str) -> Network:
    return network_for(path)


def project_network(project: ProjectInfo) -> Network | None:
    """The compiled walking network of the project's extract (cached per content), if any."""
    try:
        path = osm_file(store(), project)
        return _network(project.osm_sha256, str(path)) if path is not None else None
    except BidgeoError as exc:
        show_error(exc)
        return None


@st.cache_data(show_spinner=False, max_entries=4)
def check_upload(data: bytes, name: str) -> AreaCheck:
    """The boundary check of an uploaded file, kept while the same file stays uploaded."""
    return check_bytes(data, name)


@st.cache_data(show_spinner=False, max_entries=4)
def read_register(data: bytes, name: str):
    """An uploaded register's table, kept while the same file stays uploaded (a GeoPackage
    or a workbook is read in a worker process, which takes a second or two)."""
    return registers.read_table(data, name)


def lang() -> str:
    return st.session_state.get("lang", i18n.DEFAULT_LANGUAGE)


def t(key: str, **params) -> str:
    return i18n.t(key, lang(), **params)


# User text (comments, names, file names, OSM names) is shown as plain text: in a body with
# ``plain``, never through Markdown. Where it must stand inside Markdown (a caption, a heading,
# a message, a label), ``literal`` makes it so: the marks that start a construct are
# backslash-escaped (no link or image without brackets, no emphasis, code, HTML, heading, list
# or $LaTeX$), and a word joiner (U+2060) goes after each colon, "www" and "@" and inside
# arrows, so that Streamlit's :emoji: / :material/...: shortcodes, :colour[...] directives, its
# "<-" / "->" symbols and autolinked addresses, which are found after the escapes, are not.
_MARKS = re.compile(r"([\\`*_\[\]<>$~#&])")
_BREAKS = re.compile(r"(?<=[<>\-~])(?=[\-=>])|(?<=www)(?=\.)|(?<=@)")
_LINE_START = re.compile(r"^([-+=])")
_SPACES = re.compile(r"[^\S\u00a0\u202f]+")  # white space but the no-break spaces of "6 000" and "4,8 %"


def literal(text: object) -> str:
    """User text to be shown as written inside Markdown, on one line."""
    text = _BREAKS.sub("\u2060", _SPACES.sub(" ", str(text)).strip(" "))
    text = _LINE_START.sub(r"\\\1", _MARKS.sub(r"\\\1", text))
    return text.replace(":", "\\:\u2060")


def say(key: str, **params) -> str:
    """A catalogue message for Markdown (captions, headings, messages, labels), with the
    user's values in it made :func:`literal`."""
    return t(key, **{k: literal(v) if isinstance(v, str) else v for k, v in params.items()})


def plain(text: object, placeholder: str = "–") -> None:
    """User text as written, as a paragraph: no Markdown, no HTML."""
    st.text(str(text) if text not in (None, "") else placeholder)


def run_page(page, pages: dict | None = None) -> None:
    """Run the chosen page, and end it with the link to the next step of the method
    (:mod:`ui.steps`; ``pages`` are the navigation's pages by name). The link is made first,
    in a container below the page's, so that it is there however the page ends (a page may
    stop early). An error bidgeo did not foresee is said in the user's language (nothing is
    lost: what was saved stays saved) and then left to Streamlit, which logs it and, as
    configured, shows no details."""
    body, footer = st.container(), st.container()
    name = next((n for n, p in (pages or {}).items() if p.url_path == page.url_path), None)
    if name is not None:
        with footer:
            steps.next_step(name, pages, process_step() if name == "process" else None, t)
    try:
        with body:
            page.run()
    except Exception:
        st.error(t("page_failed"))
        raise


def process_step() -> int | None:
    """The step of the method the current project's process is in today: the first before it
    has started, the last after it; None without a project or a start date."""
    project = current_project()
    plan = process.plan(store(), project.id) if project is not None else None
    if plan is None:
        return None
    today = date.today()
    return process.current_step(plan.start_on, today) or (1 if today < plan.start_on else 7)


def message(error) -> str:
    """A typed error's (or an area check issue's) message for Markdown, said as the error says
    it, with the user's values in it (a file's or a project's name) as written. (A ``reason``
    is a catalogue key, not the user's.)"""
    values = {k: literal(v) if isinstance(v, str) and k != "reason" else v for k, v in error.params.items()}
    return type(error).message(SimpleNamespace(**{**vars(error), "params": values}), lang())


def show_error(error: BidgeoError) -> None:
    st.error(message(error))


def projects() -> list[ProjectInfo]:
    """The projects this user may see: all of them in single-user mode, else those in which
    the logged-in user has a role."""
    available = list_projects(store())
    if not config.auth_enabled():
        return available
    user = current_user()
    mine = set(accounts.projects_of(store(), user.id)) if user is not None else set()
    return [p for p in available if p.id in mine]


def current_project() -> ProjectInfo | None:
    """The project chosen in the sidebar (its id is in session state), or the first one."""
    available = projects()
    chosen = st.session_state.get("project_id")
    for project in available:
        if project.id == chosen:
            return project
    return available[0] if available else None


def project_page(title_key: str, intro_key: str) -> ProjectInfo:
    """Title and introduction of a page about the current project; a page without a project
    says so and stops."""
    st.title(t(title_key))
    st.caption(t(intro_key))
    project = current_project()
    if project is None:
        st.info(t("auth_no_projects") if config.auth_enabled() else t("no_projects"))
        st.stop()
    return project


# --- accounts (BIDGEO_AUTH=1; see bidgeo.accounts for the roles and what they may do) -------------

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def check_served_safely() -> None:
    """Refuse to run on a network address (anything but loopback) without accounts: anyone on
    the network could otherwise see and change everything."""
    address = (st.get_option("server.address") or "").strip()
    if config.auth_enabled() or address.startswith("127.") or address in LOOPBACK:
        return
    st.error(t("auth_needed_for_network", address=address or "0.0.0.0"))
    st.stop()


def oidc_configured() -> bool:
    """Whether sign-in through an OIDC provider is set up (an ``[auth]`` section in
    ``.streamlit/secrets.toml``, Streamlit's built-in login)."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def _oidc_email() -> str | None:
    """The e-mail address of the user signed in at the OIDC provider, if the provider says it
    has verified it (``email_verified``): an address anyone could have typed there is no one's
    account."""
    if not oidc_configured() or not st.user.is_logged_in or st.user.get("email_verified") is not True:
        return None
    return st.user.get("email") or None


def current_user() -> accounts.UserInfo | None:
    """The logged-in user; None in single-user mode or before the login. Someone signed in
    at the OIDC provider is the account with their e-mail address (and stays logged in
    across reloads, by Streamlit's identity cookie)."""
    if not config.auth_enabled():
        return None
    user_id = st.session_state.get("user_id")
    if user_id is not None:
        user = accounts.get_user(store(), user_id)
    else:
        email = _oidc_email()
        user = accounts.user_by_email(store(), email) if email else None
    if user is None or user.disabled:  # not logged in, or removed or disabled while logged in
        _remember(None)
        return None
    _remember(user)
    return user


def _remember(user: accounts.UserInfo | None) -> None:
    """Keep who is logged in (their name labels their changes, see :func:`store`), or forget it."""
    if user is None:
        st.session_state.pop("user_id", None)
        st.session_state.pop("username", None)
    else:
        st.session_state["user_id"], st.session_state["username"] = user.id, user.username


def _login() -> None:
    """Form callback: a wrong name and a wrong password are said the same way; so is a name
    locked out after too many failures, known or not."""
    state = st.session_state
    try:
        user = accounts.authenticate(store(), state.get("login_username", ""), state.get("login_password", ""))
    except BidgeoError as exc:
        user, state["login_error"] = None, message(exc)
    else:
        state["login_error"] = None if user else t("login_failed")
    state["login_password"] = ""
    if user is None:
        return
    _remember(user)
    state.pop("project_id", None)  # the first of the user's projects, or the one in the address


def login_needed() -> bool:
    """Accounts are on and no one has logged in in this session."""
    return config.auth_enabled() and current_user() is None


def login() -> None:
    """The login form, then a stop (see :func:`login_needed`)."""
    st.title(t("login_title"))
    st.caption(t("login_intro"))
    if oidc_configured():
        if email := _oidc_email():  # signed in at the provider, but no account has the address
            st.warning(say("login_oidc_unknown", email=email))
            st.button(t("logout"), key="oidc_logout", on_click=st.logout)
        else:
            st.button(t("login_oidc"), key="oidc_login", on_click=st.login, type="primary",
                      icon=":material/badge:")
        st.caption(t("login_oidc_or"))
    with st.form("login"):
        st.text_input(t("login_username"), key="login_username", max_chars=64, autocomplete="username")
        st.text_input(t("login_password"), key="login_password", type="password", max_chars=1024,
                      autocomplete="current-password")
        st.form_submit_button(t("login_button"), on_click=_login, type="primary")
    if st.session_state.get("login_error"):
        st.error(st.session_state["login_error"])
    st.stop()


def logout() -> None:
    """Forget everything of this session (the user, their drafts' choices, made exports) but
    the language."""
    language = lang()
    st.session_state.clear()
    st.session_state["lang"] = language
    if oidc_configured() and st.user.is_logged_in:
        st.logout()  # and at the provider, so the next one at this tablet is asked who they are


def role(project: ProjectInfo | None = None) -> str | None:
    """The user's role in the project (default: the current one); "admin" in single-user mode."""
    if not config.auth_enabled():
        return "admin"
    user, project = current_user(), project or current_project()
    if user is None or project is None:
        return None
    return accounts.role_of(store(), user.id, project.id)


def can(action: str, project: ProjectInfo | None = None) -> bool:
    """Whether the user may do ``action`` (``bidgeo.accounts.ACTIONS``) in the project."""
    return accounts.allowed(role(project), action)


def can_anywhere(action: str) -> bool:
    """Whether the user may do ``action`` in some project (always in single-user mode)."""
    if not config.auth_enabled():
        return True
    user = current_user()
    return user is not None and accounts.allowed_anywhere(store(), user.id, action)


def require(action: str) -> None:
    """Pages call this right after :func:`project_page`: a role that may not do ``action``
    in the current project gets a plain message, and the page stops there."""
    if can(action):
        return
    mine = role()
    st.warning(t("auth_forbidden", role=t(f"role_{mine}")) if mine else t("auth_no_projects"))
    st.stop()


def prefill_name(key: str) -> None:
    """The name field ``key`` starts with the logged-in user's name (it stays editable: a
    group sharing a tablet may write the group's name; the audit log keeps the account)."""
    user = current_user()
    if user is not None:
        st.session_state.setdefault(key, user.name)


def project_created(project: ProjectInfo) -> None:
    """Whoever creates a project becomes its administrator."""
    user = current_user()
    if user is not None:
        accounts.grant(store(), user.username, project.id, "admin")


def select_project(project_id: int) -> None:
    """Make ``project_id`` the current project and run the page again: the sidebar's chooser
    already stands in this run, so the choice goes through the address (see app.py)."""
    st.session_state.pop("project_id", None)
    st.query_params["project"] = str(project_id)
    st.rerun()


def fingerprint(*parts) -> str:
    """A digest of what a map or table is made of (frames, arrays, geometries, OSM data, plain
    values), for caching it by content: the same content, the same digest."""
    digest = hashlib.sha256()

    def feed(part) -> None:
        if isinstance(part, (OsmData, Network)):  # both made from one extract, named by its hash
            digest.update(part.sha256.encode())
        elif isinstance(part, bytes):
            digest.update(part)
        elif isinstance(part, pd.DataFrame):
            plain = part.drop(columns=[c for c in part.columns if c == "geometry" or part[c].dtype.name == "geometry"])
            digest.update(pd.util.hash_pandas_object(plain.astype(str), index=True).to_numpy().tobytes())
            if isinstance(part, gpd.GeoDataFrame) and part.geometry.name in part:
                digest.update(b"".join(shapely.to_wkb(part.geometry.values, hex=False) if len(part) else []))
        elif isinstance(part, np.ndarray):
            digest.update(np.ascontiguousarray(part).tobytes())
        elif isinstance(part, BaseGeometry):
            digest.update(part.wkb)
        elif isinstance(part, dict):
            for key in sorted(part):
                feed(key)
                feed(part[key])
        elif isinstance(part, (list, tuple)):
            digest.update(f"[{len(part)}".encode())
            for item in part:
                feed(item)
        elif part is None or isinstance(part, (str, int, float, np.generic)):
            digest.update(repr(part).encode())
        else:  # a repr need not show all of an object: never a key
            raise TypeError(f"no fingerprint for {type(part).__name__}")
        digest.update(b"|")

    feed(parts)
    return digest.hexdigest()


def cached_map(build, *args, **kwargs) -> folium.Map:
    """``build(*args, **kwargs)`` (a map builder of ``bidgeo.maps``), made once per content
    (:func:`fingerprint`, the base tiles included) and kept: a rerun that shows the same map
    neither builds nor renders it again (:func:`show_map` replays what it sent)."""
    content = (build.__module__, build.__qualname__, fingerprint(args, kwargs, config.tiles()))
    return _cached_map(content, lambda: build(*args, **kwargs))


@st.cache_resource(show_spinner=False, max_entries=24)
def _cached_map(content: tuple, _build) -> folium.Map:
    m = use_local_assets(_build(), STATIC_VENDOR_URL)
    m._bidgeo_sent = {}  # what st_folium sent for it, per (key, height, returned objects)
    m._bidgeo_build = _build  # st_folium changes a map as it renders it: a second key needs a new one
    return m


def cached(compute, *args, **kwargs):
    """``compute(*args, **kwargs)`` (a pure function of ``bidgeo``: a coverage run, a chart)
    once per content (:func:`fingerprint`); the result is shared, so callers do not change it."""
    return _cached((compute.__module__, compute.__qualname__, fingerprint(args, kwargs)),
                   lambda: compute(*args, **kwargs))


@st.cache_resource(show_spinner=False, max_entries=64)
def _cached(content: tuple, _compute):
    return _compute()


def service_points(project: ProjectInfo) -> gpd.GeoDataFrame:
    """The project's service inventory (``bidgeo.projects.service_points``), read again only
    when an import or a correction has changed it. Callers do not change the frame."""
    engine = store()
    return _service_points(config.database_url(), project.id, inventory_revision(engine, project.id),
                           _engine=engine)


@st.cache_resource(show_spinner=False, max_entries=16)
def _service_points(url: str, project_id: int, revision: tuple, _engine) -> gpd.GeoDataFrame:
    return projects_service_points(_engine, project_id)


def service_changes(project: ProjectInfo) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """What the newest OSM import changed (``bidgeo.inventory.changes``), read again only when
    the inventory has changed. Callers do not change the frames."""
    engine = store()
    return _service_changes(config.database_url(), project.id, inventory_revision(engine, project.id),
                            _engine=engine)


@st.cache_resource(show_spinner=False, max_entries=16)
def _service_changes(url: str, project_id: int, revision: tuple, _engine):
    return inventory_changes(_engine, project_id)


_recording = threading.Lock()


def show_map(m: folium.Map, key: str, height: int = 560, returned_objects: list[str] | None = None):
    """Render a folium map with the app's own Leaflet copies. Returns what st_folium
    returns. A map from :func:`cached_map` is rendered by st_folium once; afterwards the
    component gets the same arguments again without rendering (seconds on a town of 20,000
    buildings). Tests patch this one function (st_folium renders nothing under AppTest)."""
    returned = returned_objects if returned_objects is not None else []
    sent = getattr(m, "_bidgeo_sent", None)
    if sent is None:
        use_local_assets(m, STATIC_VENDOR_URL)
        return st_folium(m, key=key, height=height, use_container_width=True, returned_objects=returned)
    which = (key, height, tuple(returned))
    if which not in sent:
        with _recording:  # st_folium changes the map as it renders it: one session at a time
            if which not in sent:
                fresh = use_local_assets(m._bidgeo_build(), STATIC_VENDOR_URL) if sent else m
                return _record(fresh, sent, which, key, height, returned)
    return streamlit_folium._component_func(**sent[which])


def _record(m: folium.Map, sent: dict, which: tuple, key: str, height: int, returned: list[str]):
    """st_folium on ``m``, keeping the arguments it gives the component (in this thread only)."""
    component, thread = streamlit_folium._component_func, threading.get_ident()

    def keep(**arguments):
        if threading.get_ident() == thread:
            sent[which] = arguments
        return component(**arguments)

    streamlit_folium._component_func = keep
    try:
        return st_folium(m, key=key, height=height, use_container_width=True, returned_objects=returned)
    finally:
        streamlit_folium._component_func = component


_geolocation = components.declare_component("geolocation", path=str(Path(__file__).parent / "geolocation"))


def geolocation(key: str) -> dict | None:
    """A big "use my position" button: the device's GPS position as ``{lon, lat, accuracy,
    auto, at}`` once tapped (``auto`` false) and, unasked (``auto`` true), as soon as the
    component appears, as the map's blue dot shows it; ``{error, at}`` after a tap that found
    none; else None. Tests patch this one function (custom components render nothing under
    AppTest)."""
    texts = {name: t(f"geo_{name}") for name in ("button", "waiting", "found", "denied", "timeout", "unavailable")}
    return _geolocation(texts=texts, key=key, default=None)


from ui import chrome as _chrome  # noqa: E402,F401 (every table says a missing value as "–")
