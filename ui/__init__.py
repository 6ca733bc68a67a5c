"""Streamlit glue that the pages share: the cached store and OSM loaders, session-state
accessors, the translation shortcut and the one map widget wrapper. The domain logic lives in
``bidgeo``; nothing here decides anything."""

from __future__ import annotations

from pathlib import Path

import folium
import streamlit as st
import streamlit.components.v1 as components
from streamlit_folium import st_folium

from bidgeo import config, i18n
from bidgeo.area import AreaCheck, check_bytes
from bidgeo.coverage import Network, network_for
from bidgeo.db import open_store
from bidgeo.demo import ensure_demo_if_empty
from bidgeo.errors import BidgeoError
from bidgeo.maps import use_local_assets
from bidgeo.osm import OsmData, read_osm
from bidgeo.projects import ProjectInfo, list_projects, osm_file

STATIC_VENDOR_URL = "/app/static/vendor"


def store():
    """The migrated database engine of the configured database; on first start the demo
    project is created. An unreachable database is said on the page, which stops there."""
    try:
        return _store(config.database_url())
    except BidgeoError as exc:
        show_error(exc)
        st.stop()


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


def lang() -> str:
    return st.session_state.get("lang", i18n.DEFAULT_LANGUAGE)


def t(key: str, **params) -> str:
    return i18n.t(key, lang(), **params)


def show_error(error: BidgeoError) -> None:
    st.error(error.message(lang()))


def projects() -> list[ProjectInfo]:
    return list_projects(store())


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
        st.info(t("no_projects"))
        st.stop()
    return project


def select_project(project_id: int) -> None:
    st.session_state["project_id"] = project_id


def show_map(m: folium.Map, key: str, height: int = 560, returned_objects: list[str] | None = None):
    """Render a folium map with the app's own Leaflet copies. Returns what st_folium
    returns. Tests patch this one function (st_folium renders nothing under AppTest)."""
    use_local_assets(m, STATIC_VENDOR_URL)
    return st_folium(
        m,
        key=key,
        height=height,
        use_container_width=True,
        returned_objects=returned_objects if returned_objects is not None else [],
    )


_geolocation = components.declare_component("geolocation", path=str(Path(__file__).parent / "geolocation"))


def geolocation(key: str) -> dict | None:
    """A big "use my position" button: the device's GPS position as ``{lon, lat, accuracy,
    at}`` (or ``{error, at}``) once tapped, else None. Tests patch this one function (custom
    components render nothing under AppTest)."""
    texts = {name: t(f"geo_{name}") for name in ("button", "waiting", "found", "denied", "timeout", "unavailable")}
    return _geolocation(texts=texts, key=key, default=None)
