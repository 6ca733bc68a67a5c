"""Settings from the environment, with embedded defaults that need nothing configured.

- ``BIDGEO_HOME``: where the SQLite file and stored OSM extracts live
  (default ``$XDG_DATA_HOME/bidgeo``, i.e. ``~/.local/share/bidgeo``).
- ``BIDGEO_DATABASE_URL``: a SQLAlchemy URL; ``postgresql+psycopg://…`` for PostGIS.
- ``BIDGEO_TILES_URL`` / ``BIDGEO_TILES_ATTRIBUTION``: optional base tiles for maps. Without
  them maps draw the locality's own OSM roads and buildings as background.
- ``BIDGEO_TEMPLATES``: a folder of report templates and stylesheets searched before the
  built-in ones in ``bidgeo/templates`` (a municipality's logo, colours and fonts).
- ``BIDGEO_AUTH``: ``1`` turns accounts on (a login, roles per project; ``bidgeo user``).
  Without it the app is single-user: no login, everything allowed, for this computer only.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEMO_OSM = REPO_ROOT / "data" / "demo" / "karhula_kotka_fi.osm.pbf"
MAX_OSM_UPLOAD_MB = 200


def home() -> Path:
    """bidgeo's folder; made private to its owner (0700) when bidgeo creates it. (An existing
    folder keeps its mode: the database file in it is private anyway.)"""
    if os.environ.get("BIDGEO_HOME"):
        path = Path(os.environ["BIDGEO_HOME"])
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
        path = base / "bidgeo"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def database_url() -> str:
    return os.environ.get("BIDGEO_DATABASE_URL") or f"sqlite:///{home() / 'bidgeo.sqlite'}"


def tiles() -> tuple[str, str] | None:
    """(URL template, attribution) of the configured base tiles, or None."""
    url = os.environ.get("BIDGEO_TILES_URL")
    if not url:
        return None
    return url, os.environ.get("BIDGEO_TILES_ATTRIBUTION", "© OpenStreetMap contributors")


def templates_dir() -> Path | None:
    """The folder of a municipality's own report templates (``BIDGEO_TEMPLATES``), or None."""
    value = os.environ.get("BIDGEO_TEMPLATES", "").strip()
    return Path(value).expanduser() if value else None


def auth_enabled() -> bool:
    """Whether accounts are on (``BIDGEO_AUTH=1``)."""
    return os.environ.get("BIDGEO_AUTH", "").strip().lower() in ("1", "true", "yes", "on")
