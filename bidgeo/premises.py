"""The register of ground-floor premises in the BID area and their status over time (issue 17):
address, position (or the OSM building it is in), floor area, use (free text or a service
category key), owner (a stakeholder of the register), status and the date it was observed.

Every observed status is kept (``premise_statuses``), so the register can be told as it was on
any date: a premise's status on a date is the one observed last on or before it, and a premise
not yet observed then is not counted. Vacancy is by count and by floor area, of the premises
whose status is known (``unknown`` ones are counted apart), and per street.

Premises come from a file (CSV, XLSX or GeoPackage, read as ``bidgeo.registers`` reads a
register: ``docs/spec/cli.md`` gives the columns), from OSM suggestions the user accepts (shops
and buildings with shop fronts inside the area, ``disused:shop=*`` as likely vacant) and from
the place walk's quick "lokal" action (a status with a photo; a premise the register lacks is
added where the walker stands).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import geopandas as gpd
import numpy as np
import osmium
import pandas as pd
import shapely
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bidgeo import categories, registers
from bidgeo.db import Premise, PremiseStatus, Stakeholder
from bidgeo.errors import NotFoundError, ValidationError
from bidgeo.geo import WGS84, project_lonlat, utm_crs
from bidgeo.i18n import t
from bidgeo.osm import address as osm_address, source

STATUSES = ("in_use", "vacant", "let", "refurbishing", "unknown")
STATUS_COLOURS = {"in_use": "#2e7d32", "vacant": "#c62828", "let": "#1565c0", "refurbishing": "#ef6c00",
                  "unknown": "#9e9e9e"}
SOURCES = ("import", "osm", "walk", "manual")
FILE_COLUMNS = ("id", "address", "status", "use", "floor_area_m2", "observed")
"""The columns of an import file (``docs/spec/cli.md``); a position is ``lon``/``lat`` or a
GeoPackage layer's geometry, and an optional ``owner`` names a stakeholder."""
REQUIRED = ("id", "status", "observed")
LIMITS = {"id": 100, "address": 300, "use": 200, "owner": 300}
_EMPTY = ("", "nan", "None", "NaT")  # what an empty cell of a GeoPackage layer reads as
_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[ T]00:00:00)?")
_HOUSE_NUMBER = re.compile(r"\s+\d[\w\-/ ]*$")
# Shops, and amenities that have a shop front on the street.
SHOP_FRONT_AMENITIES = frozenset("cafe restaurant fast_food pub bar ice_cream bank pharmacy post_office "
                                 "dentist doctors veterinary".split())
SHOP_FRONT_BUILDINGS = frozenset({"retail", "commercial", "kiosk", "shop"})
NOT_IN_USE = frozenset({"vacant", "no", "disused"})


def street_of(address: str) -> str:
    """The street of an address ("Kauppakatu 12 B, 48600 Kotka" is on "Kauppakatu")."""
    first = (address or "").split(",")[0].strip()
    return _HOUSE_NUMBER.sub("", first).strip() or first


def status_label(status: str, lang: str) -> str:
    return t(f"premise_status_{status}", lang)


def use_label(use: str, lang: str) -> str:
    """A use that is a category key in words ("Livsmedelsbutik"), free text as written."""
    return categories.label(use, lang) if use in categories.by_key() else use


# --- reading and checking a file ------------------------------------------------------------------


@dataclass
class PremiseRow:
    """One premise of an import or a suggestion, checked."""

    key: str
    address: str
    status: str
    use: str
    floor_area_m2: float | None
    observed: date
    lon: float
    lat: float
    owner: str = ""
    building: str | None = None


@dataclass
class ImportCheck:
    """A file's premises, and its rows' errors and warnings: ``{"row", "column", "message"}``,
    rows numbered as in a spreadsheet (the header is row 1)."""

    rows: list[PremiseRow] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)


def read_file(data: bytes, name: str) -> pd.DataFrame:
    """The file as a table of text, within ``bidgeo.registers``' limits (XLSX and GeoPackage
    read in a worker process); a GeoPackage's geometry becomes ``lon``/``lat``."""
    table = registers.read_table(data, name, what="premises")
    if registers.GEOMETRY_LON in table.columns:
        table = table.drop(columns=[c for c in ("lon", "lat") if c in table.columns]).rename(
            columns={registers.GEOMETRY_LON: "lon", registers.GEOMETRY_LAT: "lat"})
    return table.rename(columns=lambda c: str(c).strip().lower())


def _text(value) -> str:
    text = "" if value is None else str(value).strip()
    return "" if text in _EMPTY else text


def _number(text: str) -> float | None:
    try:
        value = float(text.replace(",", ".").replace("\u00a0", "").replace(" ", ""))
    except ValueError:
        return None
    return value if np.isfinite(value) else None


def check_table(table: pd.DataFrame, lang: str, area: BaseGeometry | None = None,
                today: date | None = None) -> ImportCheck:
    """Every row of an import file checked: a missing column is an error of the whole file
    (row 1); a row's unknown status, negative or unreadable floor area, date that is no date or
    lies in the future, missing or impossible position, too long text or an id given on an
    earlier row is an error naming its row and column; a premise outside ``area`` is a
    warning."""
    today = today or date.today()
    check = ImportCheck()
    missing = [c for c in (*REQUIRED, "lon", "lat") if c not in table.columns]
    if missing:
        for column in missing:
            check.errors.append({"row": 1, "column": column, "message": t(
                "premises_no_column", lang, column=column, columns=", ".join((*FILE_COLUMNS, "lon", "lat")))})
        return check
    first_row: dict[str, int] = {}
    for i, record in enumerate(table.to_dict("records")):
        row = i + 2
        values = {c: _text(record.get(c)) for c in (*FILE_COLUMNS, "lon", "lat", "owner")}
        problems = []

        def bad(where: str, key: str, **params) -> None:
            problems.append({"row": row, "column": where, "message": t(key, lang, **params)})

        for column in REQUIRED:
            if not values[column]:
                bad(column, "premises_missing_value", column=column)
        for column, limit in LIMITS.items():
            if len(values[column]) > limit:
                bad(column, "premises_too_long", column=column, limit=limit)
        key = values["id"]
        if key and key in first_row:
            bad("id", "premises_repeated_id", value=key, first=first_row[key])
        elif key:
            first_row[key] = row
        status = values["status"].lower()
        if status and status not in STATUSES:
            bad("status", "premises_bad_status", value=values["status"], choices=", ".join(STATUSES))
        area_m2 = None
        if values["floor_area_m2"]:
            area_m2 = _number(values["floor_area_m2"])
            if area_m2 is None or area_m2 < 0:
                bad("floor_area_m2", "premises_bad_area", value=values["floor_area_m2"])
        observed = None
        if values["observed"]:
            found = _DATE.fullmatch(values["observed"])
            try:
                observed = date.fromisoformat(found.group(1)) if found else None
            except ValueError:
                observed = None
            if observed is None:
                bad("observed", "premises_bad_date", value=values["observed"])
            elif observed > today:
                bad("observed", "premises_future_date", value=observed.isoformat(), today=today.isoformat())
        lon, lat = _number(values["lon"]), _number(values["lat"])
        if lon is None or lat is None or not (-180 <= lon <= 180 and -90 <= lat <= 90):
            bad("lon/lat", "premises_bad_position", lon=values["lon"], lat=values["lat"])
        elif area is not None and not area.intersects(Point(lon, lat)):
            check.warnings.append({"row": row, "column": "lon/lat", "message": t(
                "premises_outside_area", lang, id=key, address=values["address"])})
        if problems:
            check.errors.extend(problems)
        else:
            check.rows.append(PremiseRow(key, values["address"], status, values["use"], area_m2, observed,
                                         lon, lat, values["owner"]))
    return check


# --- storing ------------------------------------------------------------------------------------


@dataclass
class ImportResult:
    imported: int = 0
    """New premises."""
    updated: int = 0
    """Premises whose address, use, floor area, position or owner changed."""
    statuses: int = 0
    """Status observations added to the history."""
    unchanged: int = 0
    owners_added: int = 0
    """Owners named that were not in the stakeholder register, added to it as property owners."""


def _owner_id(session: Session, project_id: int, name: str, result: ImportResult) -> int | None:
    if not name:
        return None
    found = session.scalar(select(Stakeholder.id).where(Stakeholder.project_id == project_id,
                                                        Stakeholder.name == name).order_by(Stakeholder.id))
    if found is None:
        owner = Stakeholder(project_id=project_id, name=name, role="property_owner", source="manual")
        session.add(owner)
        session.flush()
        result.owners_added += 1
        found = owner.id
    return found


def save_rows(engine: Engine, project_id: int, rows: list[PremiseRow], source: str = "import",
              author: str = "") -> ImportResult:
    """Store checked premises in one transaction, matched to the register by their key: a new
    key is a new premise; a known one takes the row's address, use, floor area, position and
    owner. Its status joins the history when it differs from the status the premise had on
    the row's date (so importing the same file again adds nothing)."""
    result = ImportResult()
    with Session(engine) as session:
        known = {p.key: p for p in session.scalars(select(Premise).where(Premise.project_id == project_id))}
        history: dict[int, list[tuple[date, int, str]]] = {}
        for premise_id, observed, status_id, status in session.execute(
                select(PremiseStatus.premise_id, PremiseStatus.observed, PremiseStatus.id, PremiseStatus.status)
                .where(PremiseStatus.project_id == project_id)):
            history.setdefault(premise_id, []).append((observed, status_id, status))
        owners: dict[str, int | None] = {}
        for row in rows:
            if row.owner not in owners:
                owners[row.owner] = _owner_id(session, project_id, row.owner, result)
            values = {"address": row.address, "use": row.use, "floor_area_m2": row.floor_area_m2,
                      "owner_id": owners[row.owner], "building": row.building}
            premise = known.get(row.key)
            if premise is None:
                premise = Premise(project_id=project_id, key=row.key, source=source, geom=Point(row.lon, row.lat),
                                  **values)
                session.add(premise)
                session.flush()
                known[row.key] = premise
                result.imported += 1
                changed = True
            else:
                if row.owner == "":
                    values["owner_id"] = premise.owner_id  # a file without owners keeps the ones known
                if row.building is None:
                    values["building"] = premise.building
                moved = premise.geom is None or not premise.geom.equals_exact(Point(row.lon, row.lat), 1e-9)
                changed = moved or any(getattr(premise, k) != v for k, v in values.items())
                if changed:
                    for k, v in values.items():
                        setattr(premise, k, v)
                    if moved:
                        premise.geom = Point(row.lon, row.lat)
                    result.updated += 1
            before = [s for s in sorted(history.get(premise.id, [])) if s[0] <= row.observed]
            if not before or before[-1][2] != row.status:
                entry = PremiseStatus(premise_id=premise.id, project_id=project_id, status=row.status,
                                      observed=row.observed, source=source, author=author)
                session.add(entry)
                session.flush()
                history.setdefault(premise.id, []).append((row.observed, entry.id, row.status))
                result.statuses += 1
            elif not changed:
                result.unchanged += 1
        session.commit()
    return result


def import_file(engine: Engine, project_id: int, data: bytes, name: str, lang: str,
                area: BaseGeometry | None = None, author: str = "") -> tuple[ImportCheck, ImportResult | None]:
    """Read, check and (when no row has an error) store an import file. A file with any bad
    row stores nothing: the result is None and the check lists every bad row."""
    check = check_table(read_file(data, name), lang, area)
    if check.errors:
        return check, None
    return check, save_rows(engine, project_id, check.rows, "import", author)


def record_status(engine: Engine, project_id: int, premise_id: int, status: str, observed: date | None = None,
                  source: str = "walk", author: str = "", photo_uuid: str | None = None) -> int:
    """Add one observed status of a premise (the walk's "lokal" action, a change on the page),
    with the photo stored under ``photo_uuid`` if one was taken; returns the entry's id."""
    observed = observed or date.today()
    if status not in STATUSES:
        raise ValidationError("bad_choice", field="status", value=status, choices=", ".join(STATUSES))
    if observed > date.today():
        raise ValidationError("premises_future_date", value=observed.isoformat(), today=date.today().isoformat())
    with Session(engine) as session:
        premise = session.get(Premise, premise_id)
        if premise is None or premise.project_id != project_id:
            raise NotFoundError("premise_not_found", id=premise_id)
        entry = PremiseStatus(premise_id=premise_id, project_id=project_id, status=status, observed=observed,
                              source=source, author=author[:200], photo_uuid=photo_uuid)
        session.add(entry)
        session.commit()
        return entry.id


def add_from_walk(engine: Engine, project_id: int, lon: float, lat: float, status: str, address: str = "",
                  author: str = "", photo_uuid: str | None = None) -> int:
    """A premise the register lacks, found on the walk: added at the walker's position (its key
    ``walk:`` and a random part, its address as the walker typed it, if at all) with its first
    status, in one transaction; returns its id."""
    import math
    import uuid

    if status not in STATUSES:
        raise ValidationError("bad_choice", field="status", value=status, choices=", ".join(STATUSES))
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        raise ValidationError("walk_premise_no_position")
    address = " ".join(address.split())
    if len(address) > LIMITS["address"]:
        raise ValidationError("walk_premise_address_too_long", limit=LIMITS["address"])
    with Session(engine) as session:
        premise = Premise(project_id=project_id, key=f"walk:{uuid.uuid4().hex[:8]}", address=address,
                          source="walk", geom=Point(lon, lat))
        session.add(premise)
        session.flush()
        session.add(PremiseStatus(premise_id=premise.id, project_id=project_id, status=status,
                                  observed=date.today(), source="walk", author=author[:200], photo_uuid=photo_uuid))
        session.commit()
        return premise.id


# --- reading the register and its vacancy ---------------------------------------------------------

REGISTER_COLUMNS = ["id", "key", "address", "street", "use", "floor_area_m2", "owner", "building", "source",
                    "status", "observed"]


def _read(engine: Engine, project_id: int) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """The premises (with their owner's name) and every status observation of the project."""
    with Session(engine) as session:
        premises = session.execute(
            select(Premise.id, Premise.key, Premise.address, Premise.use, Premise.floor_area_m2, Stakeholder.name,
                   Premise.building, Premise.source, Premise.geom)
            .outerjoin(Stakeholder, Stakeholder.id == Premise.owner_id)
            .where(Premise.project_id == project_id).order_by(Premise.id)).all()
        statuses = session.execute(
            select(PremiseStatus.id, PremiseStatus.premise_id, PremiseStatus.status, PremiseStatus.observed,
                   PremiseStatus.source, PremiseStatus.author, PremiseStatus.photo_uuid)
            .where(PremiseStatus.project_id == project_id)).all()
    frame = pd.DataFrame([r[:-1] for r in premises],
                         columns=["id", "key", "address", "use", "floor_area_m2", "owner", "building", "source"])
    frame["owner"] = frame["owner"].fillna("")
    frame["street"] = frame["address"].map(street_of)
    frame["floor_area_m2"] = frame["floor_area_m2"].astype(float)
    history = pd.DataFrame(statuses, columns=["status_id", "premise_id", "status", "observed", "status_source",
                                              "author", "photo_uuid"])
    return gpd.GeoDataFrame(frame, geometry=[r[-1] for r in premises], crs=WGS84), history


def _state(premises: gpd.GeoDataFrame, history: pd.DataFrame, at: date) -> gpd.GeoDataFrame:
    """Each premise observed on or before ``at``, with its status then and when it was seen."""
    seen = history[history["observed"] <= at].sort_values(["observed", "status_id"])
    last = seen.groupby("premise_id").tail(1).set_index("premise_id")
    state = premises[premises["id"].isin(last.index)].copy()
    state["status"] = last.loc[state["id"], "status"].to_numpy()
    state["observed"] = last.loc[state["id"], "observed"].to_numpy()
    return state


def register(engine: Engine, project_id: int, at: date | None = None) -> gpd.GeoDataFrame:
    """The register as it was on ``at`` (default today): REGISTER_COLUMNS and the position.
    ``owner`` is a name (personal data: public exports leave it out)."""
    premises, history = _read(engine, project_id)
    state = _state(premises, history, at or date.today())
    return state[[*REGISTER_COLUMNS, "geometry"]].reset_index(drop=True)


def _rate(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


def summary(state: pd.DataFrame) -> dict:
    """Vacancy of a register state (``register``): the shape of ``premises list --json``. The
    rates are of the premises whose status is known; by floor area, of those with an area."""
    counts = state["status"].value_counts()
    known = state[state["status"] != "unknown"]
    vacant = known[known["status"] == "vacant"]
    area_known, area_vacant = known["floor_area_m2"].sum(min_count=1), vacant["floor_area_m2"].sum()
    return {
        "premises": len(state),
        "vacant": len(vacant),
        "vacancy_rate": _rate(len(vacant), len(known)) or 0.0,
        "vacant_floor_area_m2": round(float(area_vacant), 1),
        "by_status": {s: int(counts.get(s, 0)) for s in STATUSES},
        "known": len(known),
        "floor_area_m2": round(float(state["floor_area_m2"].sum()), 1),
        "vacancy_rate_floor_area": None if pd.isna(area_known) else _rate(float(area_vacant), float(area_known)),
        "by_street": per_street(state).set_index("street")[["premises", "vacant", "vacant_floor_area_m2"]]
        .to_dict("index"),
    }


def per_street(state: pd.DataFrame) -> pd.DataFrame:
    """Premises, vacant ones and vacant floor area per street, most vacancies first."""
    frame = pd.DataFrame({"street": state["street"].replace("", "–"), "premises": 1,
                          "vacant": (state["status"] == "vacant").astype(int),
                          "vacant_floor_area_m2": state["floor_area_m2"].where(state["status"] == "vacant", 0.0)
                          .fillna(0.0)})
    out = frame.groupby("street", as_index=False).sum()
    out["vacant_floor_area_m2"] = out["vacant_floor_area_m2"].round(1)
    return out.sort_values(["vacant", "premises", "street"], ascending=[False, False, True]).reset_index(drop=True)


def vacancy(engine: Engine, project_id: int, at: date | None = None) -> dict:
    """The project's vacancy on ``at`` (default today), as ``premises list --json`` says it
    (with ``at`` added): what the business plan's indicators read."""
    return {"at": (at or date.today()).isoformat(), **summary(register(engine, project_id, at))}


def timeline(engine: Engine, project_id: int, until: date | None = None) -> pd.DataFrame:
    """The vacancy on every date a status was observed, and on ``until`` (default today):
    date, premises, vacant, vacancy_rate, vacancy_rate_floor_area."""
    premises, history = _read(engine, project_id)
    until = until or date.today()
    dates = sorted({d for d in history["observed"] if d <= until} | ({until} if len(history) else set()))
    rows = []
    for day in dates:
        figures = summary(_state(premises, history, day))
        rows.append((day, figures["premises"], figures["vacant"], figures["vacancy_rate"],
                     figures["vacancy_rate_floor_area"]))
    return pd.DataFrame(rows, columns=["date", "premises", "vacant", "vacancy_rate", "vacancy_rate_floor_area"])


def nearest_first(register: gpd.GeoDataFrame, lon: float, lat: float) -> gpd.GeoDataFrame:
    """The register's premises ordered by their distance (in metres) from (lon, lat)."""
    crs = utm_crs(lon, lat)
    x, y = project_lonlat(register.geometry.x.to_numpy(), register.geometry.y.to_numpy(), crs)
    here_x, here_y = project_lonlat(np.array([lon]), np.array([lat]), crs)
    return register.iloc[np.argsort(np.hypot(x - here_x[0], y - here_y[0]), kind="stable")]


def status_history(engine: Engine, project_id: int, premise_id: int) -> pd.DataFrame:
    """One premise's observations, oldest first: status, observed, source, author, photo_uuid."""
    _, history = _read(engine, project_id)
    mine = history[history["premise_id"] == premise_id].sort_values(["observed", "status_id"])
    return mine.rename(columns={"status_source": "source"})[["status", "observed", "source", "author", "photo_uuid"]] \
        .reset_index(drop=True)


def history_table(engine: Engine, project_id: int) -> pd.DataFrame:
    """Every observation of every premise (key, address, status, observed, source), for exports."""
    premises, history = _read(engine, project_id)
    merged = history.merge(premises[["id", "key", "address"]], left_on="premise_id", right_on="id")
    return merged.sort_values(["key", "observed", "status_id"])[["key", "address", "status", "observed",
                                                                  "status_source"]] \
        .rename(columns={"status_source": "source"}).reset_index(drop=True)


# --- suggestions from OpenStreetMap ---------------------------------------------------------------


def _suggestion(osm_type: str, osm_id: int, tags: dict, point: Point, building: str | None) -> dict | None:
    shop, disused = tags.get("shop"), tags.get("disused:shop")
    if shop and shop not in NOT_IN_USE:
        status, use = "in_use", (categories.classify(tags) or [shop])[0]
    elif tags.get("amenity") in SHOP_FRONT_AMENITIES:
        status, use = "in_use", (categories.classify(tags) or [tags["amenity"]])[0]
    elif disused or shop in NOT_IN_USE:
        status, use = "vacant", disused if disused and disused not in NOT_IN_USE else ""
    elif tags.get("building") in SHOP_FRONT_BUILDINGS:
        status, use = "unknown", ""
    else:
        return None
    return {"key": f"osm:{osm_type}/{osm_id}", "name": tags.get("name", ""), "address": osm_address(tags),
            "status": status, "use": use, "building": building, "lon": point.x, "lat": point.y}


def suggestions(osm_path: str | Path, area: BaseGeometry, known: set[str] = frozenset()) -> pd.DataFrame:
    """Premises the project's OSM extract suggests inside ``area``: shops and amenities with a
    shop front (in use), ``disused:shop=*`` and ``shop=vacant`` (likely vacant), and retail or
    commercial buildings with no shop mapped inside them (status unknown). Keys already in the
    register (``known``) are left out. Columns: key, name, address, status, use, building, lon,
    lat."""
    found, buildings = [], []
    processor = osmium.FileProcessor(source(osm_path), osmium.osm.NODE | osmium.osm.WAY).with_locations()
    for obj in processor:
        tags = {tag.k: tag.v for tag in obj.tags}
        if not tags:
            continue
        if obj.is_node():
            if obj.location.valid() and area.intersects(Point(obj.lon, obj.lat)):
                suggestion = _suggestion("node", obj.id, tags, Point(obj.lon, obj.lat), None)
                if suggestion:
                    found.append(suggestion)
        elif obj.is_closed() and ("building" in tags or "shop" in tags or "disused:shop" in tags):
            coords = [(n.lon, n.lat) for n in obj.nodes if n.location.valid()]
            if len(coords) < 4:
                continue
            polygon = shapely.make_valid(shapely.Polygon(coords))
            point = polygon.representative_point()
            if not area.intersects(point):
                continue
            suggestion = _suggestion("way", obj.id, tags, point, f"way/{obj.id}" if "building" in tags else None)
            if suggestion:
                (buildings if suggestion["status"] == "unknown" else found).append({**suggestion, "_shape": polygon})
    points = [Point(s["lon"], s["lat"]) for s in found]
    # A shop-front building holding a mapped shop is that shop's premise, not one of its own.
    empty = [b for b in buildings if not any(b["_shape"].intersects(p) for p in points)]
    rows = [{k: v for k, v in s.items() if k != "_shape"} for s in found + empty if s["key"] not in known]
    return pd.DataFrame(rows, columns=["key", "name", "address", "status", "use", "building", "lon", "lat"])


def accept(engine: Engine, project_id: int, chosen: pd.DataFrame, observed: date | None = None,
           author: str = "") -> ImportResult:
    """Add the OSM suggestions the user accepted (rows of :func:`suggestions`) to the register,
    observed on ``observed`` (default today); one without an address is known by its OSM name."""
    observed = observed or date.today()
    rows = [PremiseRow(r.key, r.address or r.name, r.status, r.use, None, observed, float(r.lon), float(r.lat),
                       building=r.building if isinstance(r.building, str) else None)
            for r in chosen.itertuples()]
    return save_rows(engine, project_id, rows, "osm", author)


def known_keys(engine: Engine, project_id: int) -> set[str]:
    with Session(engine) as session:
        return set(session.scalars(select(Premise.key).where(Premise.project_id == project_id)))
