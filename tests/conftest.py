"""Shared fixtures.

Tests that need PostgreSQL/PostGIS (``BIDGEO_TEST_POSTGRES_URL``) or Debian's Chromium skip
when those are missing on a developer's machine. With ``BIDGEO_REQUIRE_ALL_TESTS=1`` (set by
``.ci/run``) such a skip is a failure instead, so CI cannot pass without them.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from bidgeo.db import open_store

REPO = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
SPEC = REPO / "docs" / "spec"
SHARED = REPO.parent / "shared"
"""The project's shared folder beside the checkout (where it is): docs/spec/ is a copy of its spec/."""
DEMO_OSM = REPO / "data" / "demo" / "karhula_kotka_fi.osm.pbf"
CASES_OSM = DATA / "taxonomy_cases.osm"


def require(reason: str) -> None:
    """Skip, or fail when CI requires every test to run."""
    if os.environ.get("BIDGEO_REQUIRE_ALL_TESTS") == "1":
        pytest.fail(f"required test cannot run: {reason}")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def bidgeo_home(tmp_path, monkeypatch) -> Path:
    """Every test gets its own BIDGEO_HOME (an existing folder, as a database URL's folder must
    be) and, unless it asks for PostgreSQL, SQLite."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("BIDGEO_HOME", str(home))
    monkeypatch.delenv("BIDGEO_DATABASE_URL", raising=False)
    monkeypatch.delenv("BIDGEO_TILES_URL", raising=False)
    monkeypatch.delenv("BIDGEO_TEMPLATES", raising=False)
    return home


@pytest.fixture
def postgres_url():
    """A PostgreSQL URL whose search path starts at a fresh schema (PostGIS stays in
    public), dropped afterwards."""
    base = os.environ.get("BIDGEO_TEST_POSTGRES_URL")
    if not base:
        require("BIDGEO_TEST_POSTGRES_URL is not set")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base)
    with admin.begin() as conn:
        conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS postgis"))
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in base else "?"
    yield f"{base}{separator}options=-csearch_path%3D{schema},public"
    with admin.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture
def new_database(bidgeo_home):
    """Makes further empty databases in one test: ``new_database("sqlite")`` is the URL of a
    new SQLite file, ``new_database("postgres")`` one whose search path starts at a new
    schema (dropped afterwards, as with ``postgres_url``)."""
    base, schemas, made = os.environ.get("BIDGEO_TEST_POSTGRES_URL"), [], []

    def make(backend: str) -> str:
        if backend == "sqlite":
            made.append(bidgeo_home / f"new-{len(made)}.sqlite")
            return f"sqlite:///{made[-1]}"
        if not base:
            require("BIDGEO_TEST_POSTGRES_URL is not set")
        schemas.append(f"t_{uuid.uuid4().hex[:12]}")
        admin = sa.create_engine(base)
        with admin.begin() as conn:
            conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS postgis"))
            conn.execute(sa.text(f"CREATE SCHEMA {schemas[-1]}"))
        admin.dispose()
        separator = "&" if "?" in base else "?"
        return f"{base}{separator}options=-csearch_path%3D{schemas[-1]},public"

    yield make
    if schemas:
        admin = sa.create_engine(base)
        with admin.begin() as conn:
            for schema in schemas:
                conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def backend_of(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgres"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request, bidgeo_home) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{bidgeo_home / 'test.sqlite'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def engine(database_url):
    engine = open_store(database_url)
    yield engine
    engine.dispose()


class FakeMap:
    """Stands in for ``ui.show_map`` under AppTest (where st_folium renders nothing): records
    each map shown and returns ``answers[prefix]`` for maps whose key starts with prefix, as
    the widget would after a user drew or tapped."""

    def __init__(self):
        self.shown: list[tuple] = []
        self.answers: dict[str, dict] = {}

    def __call__(self, m, key, **kwargs):
        self.shown.append((key, m, kwargs))
        return next((answer for prefix, answer in self.answers.items() if key.startswith(prefix)), None)


@pytest.fixture
def fake_map(monkeypatch):
    import ui

    fake = FakeMap()
    monkeypatch.setattr(ui, "show_map", fake)
    return fake


def open_page(page: str, project_id: int | None = None):
    """Run the app on ``page`` (a path under app_pages/) in AppTest."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    if project_id is not None:
        at.session_state["project_id"] = project_id
    at.switch_page(page)
    return at.run()


def shown(markdown: str) -> str:
    """What a reader sees of a Markdown source whose user values ``ui.literal`` made literal:
    the escapes and word joiners taken out."""
    import re

    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve_app(home: Path, env: dict, port: int | None = None, args: tuple[str, ...] = ()):
    """The app as the README starts it (``streamlit run app.py [args]``) with ``env``, on
    ``port`` (default: a free one); yields its URL once it answers, and stops it afterwards.
    Its log is ``home/streamlit.log``."""
    port = port or free_port()
    with open(home / "streamlit.log", "w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), *args],
            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=1)
                break
            except OSError:
                time.sleep(0.3)
        else:
            server.kill()
            pytest.fail("the app did not start: " + (home / "streamlit.log").read_text())
        try:
            yield url
        finally:
            server.terminate()
            server.wait(10)
