"""The stakeholder register of step 1: candidates from the OSM features inside the area,
manual additions, status towards a letter of intent, and exports.

Contact details are personal data: they are kept minimal (name, e-mail, phone) and left out
of every export unless the caller asks for them explicitly.
"""

from __future__ import annotations

import io

import geopandas as gpd
import pandas as pd
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bidgeo import categories
from bidgeo.db import Stakeholder
from bidgeo.errors import NotFoundError, ValidationError
from bidgeo.focus import FOCUS_AREAS
from bidgeo.i18n import has, t
from bidgeo.spreadsheet import defuse as _defuse

ROLES = ("business", "property_owner", "association", "municipality", "region", "other")
STATUSES = ("identified", "contacted", "loi_sent", "signed", "declined")
CONTACT_FIELDS = ("contact_name", "contact_email", "contact_phone")
NUMBERS = ("property_value_sek", "floor_area_m2", "employees")
"""What the business plan's contribution models read (``bidgeo.plan``): the taxable property
value (SEK), the floor area (m²) and the number of employees; each may be unknown."""
FIELDS = ("name", "role", "category", "status", "steering_group", "focus_group", "address", "notes",
          *CONTACT_FIELDS, *NUMBERS)
COLUMNS = ["id", *FIELDS, "source", "osm_type", "osm_id", "updated_at"]


def kind_label(kind: str, lang: str) -> str:
    """A candidate's kind (its OSM tag, e.g. ``office=company``) in words: the value's own name
    where the catalogue has one ("Företag"), else what its key is ("Kontor", "Hantverk")."""
    key, _, value = kind.partition("=")
    specific = f"sh_kind_{key}_{value}"
    return t(specific if has(specific) else f"sh_kind_{key}", lang)


def candidates(businesses: gpd.GeoDataFrame, area: BaseGeometry, lang: str) -> pd.DataFrame:
    """The OSM businesses inside ``area`` as candidate stakeholders: name, category (the
    service category's label in ``lang``, else :func:`kind_label`), address, osm_type, osm_id."""
    inside = businesses[businesses.geometry.intersects(area)]
    return pd.DataFrame({
        "name": inside["name"].fillna(t("unnamed", lang)),
        "category": [categories.label(c, lang) if isinstance(c, str) else kind_label(kind, lang)
                     for c, kind in zip(inside["category"], inside["kind"])],
        "address": inside["address"],
        "osm_type": inside["osm_type"],
        "osm_id": inside["osm_id"],
    }).reset_index(drop=True)


def _validate(values: dict) -> dict:
    values = {k: (v.strip() if isinstance(v, str) else v) for k, v in values.items()}
    if "name" in values and not values["name"]:
        raise ValidationError("stakeholder_name_required")
    if values.get("role", "business") not in ROLES:
        raise ValidationError("bad_choice", field="role", value=values["role"], choices=", ".join(ROLES))
    if values.get("status", "identified") not in STATUSES:
        raise ValidationError("bad_choice", field="status", value=values["status"], choices=", ".join(STATUSES))
    if values.get("focus_group") not in (None, *FOCUS_AREAS):
        raise ValidationError("bad_choice", field="focus_group", value=values["focus_group"],
                              choices=", ".join(FOCUS_AREAS))
    for key in NUMBERS:
        if key in values:
            values[key] = _number(key, values[key])
    email = values.get("contact_email") or ""
    if email and ("@" not in email or " " in email):
        raise ValidationError("bad_email", email=email)
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise ValidationError("bad_choice", field="field", value=", ".join(sorted(unknown)),
                              choices=", ".join(FIELDS))
    return values


def _number(field: str, value):
    """A register number as stored: None when unknown, else a number ≥ 0 (employees whole)."""
    if value is None or (isinstance(value, str) and not value.strip()) or \
            (not isinstance(value, str) and pd.isna(value)):
        return None
    try:
        number = float(str(value).replace("\u00a0", "").replace(" ", "").replace(",", "."))
    except ValueError:
        raise ValidationError("stakeholder_bad_number", field=field, value=str(value)[:40]) from None
    if not 0 <= number < 1e13:
        raise ValidationError("stakeholder_bad_number", field=field, value=str(value)[:40])
    return int(round(number)) if field == "employees" else number


def add(engine: Engine, project_id: int, **values) -> int:
    """Add a stakeholder by hand (property owner, association, municipal contact, …)."""
    values = _validate({"name": "", **values})
    with Session(engine) as session:
        row = Stakeholder(project_id=project_id, source="manual", **values)
        session.add(row)
        session.commit()
        return row.id


def add_candidates(engine: Engine, project_id: int, found: pd.DataFrame) -> int:
    """Add candidates not yet in the register (matched by OSM element); returns how many."""
    with Session(engine) as session:
        known = set(session.execute(
            select(Stakeholder.osm_type, Stakeholder.osm_id)
            .where(Stakeholder.project_id == project_id, Stakeholder.osm_id.is_not(None))).all())
        new = [row for row in found.itertuples() if (row.osm_type, int(row.osm_id)) not in known]
        session.add_all(Stakeholder(
            project_id=project_id, name=row.name, role="business", category=row.category,
            address=row.address or "", osm_type=row.osm_type, osm_id=int(row.osm_id), source="osm",
        ) for row in new)
        session.commit()
        return len(new)


def update(engine: Engine, project_id: int, changes: dict[int, dict]) -> None:
    """Apply ``{stakeholder id: {field: value}}`` in one transaction: every change is
    validated first, so a bad value saves nothing."""
    checked = {sid: _validate(values) for sid, values in changes.items()}
    with Session(engine) as session:
        for sid, values in checked.items():
            row = session.get(Stakeholder, sid)
            if row is None or row.project_id != project_id:
                raise NotFoundError("stakeholder_not_found", id=sid)
            for key, value in values.items():
                setattr(row, key, value)
        session.commit()


def register(engine: Engine, project_id: int, status: str | None = None, role: str | None = None,
             steering_group: bool | None = None) -> pd.DataFrame:
    """The register as a table (COLUMNS), optionally filtered, sorted by name."""
    query = select(Stakeholder).where(Stakeholder.project_id == project_id)
    if status:
        query = query.where(Stakeholder.status == status)
    if role:
        query = query.where(Stakeholder.role == role)
    if steering_group is not None:
        query = query.where(Stakeholder.steering_group == steering_group)
    with Session(engine) as session:
        rows = [{c: getattr(s, c) for c in COLUMNS} for s in session.scalars(query.order_by(Stakeholder.name))]
    return pd.DataFrame(rows, columns=COLUMNS)


EDITABLE = list(FIELDS)
CHOICES = {"role": ROLES, "status": STATUSES, "focus_group": FOCUS_AREAS}
_PREFIX = {"role": "role", "status": "status", "focus_group": "focus"}


def choice_label(column: str, key: str | None, lang: str) -> str:
    """The label of a role, status or focus group in ``lang`` (``–`` for none)."""
    return t("none", lang) if pd.isna(key) or not key else t(f"{_PREFIX[column]}_{key}", lang)


def choice_labels(column: str, lang: str) -> list[str]:
    labels = [choice_label(column, k, lang) for k in CHOICES[column]]
    return labels + [t("none", lang)] if column == "focus_group" else labels


def editable(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The register for editing: indexed by id, choices shown as labels in ``lang``."""
    shown = table.set_index("id")[EDITABLE].copy()
    shown.index.name = t("col_id", lang)
    for column in CHOICES:
        shown[column] = shown[column].map(lambda k, c=column: choice_label(c, k, lang))
    for column in NUMBERS:
        shown[column] = pd.to_numeric(shown[column], errors="coerce").astype(float)
    return shown


def edits(table: pd.DataFrame, edited: pd.DataFrame, lang: str) -> dict[int, dict]:
    """What the user changed in the :func:`editable` table, as ``{id: {field: value}}``
    with choices turned back into keys (ready for :func:`update`)."""
    back = {c: {choice_label(c, k, lang): k for k in (*keys, None)} for c, keys in CHOICES.items()}
    original = table.set_index("id")[EDITABLE]
    changes: dict[int, dict] = {}
    for sid, row in edited.iterrows():
        values = {c: back[c].get(row[c], row[c]) if c in back else row[c] for c in EDITABLE}
        values["steering_group"] = bool(values["steering_group"])
        values = {c: "" if v is None and c not in CHOICES and c not in NUMBERS else v for c, v in values.items()}
        before = original.loc[sid]
        diff = {c: v for c, v in values.items()
                if not (pd.isna(v) and pd.isna(before[c])) and v != before[c]}
        if diff:
            changes[int(sid)] = diff
    return changes


def export_table(table: pd.DataFrame, lang: str, include_contacts: bool = False) -> pd.DataFrame:
    """The register for export with labels in ``lang``. Contact details (personal data) are
    left out unless ``include_contacts``."""
    out = table.drop(columns=[] if include_contacts else list(CONTACT_FIELDS))
    out = out.drop(columns=["updated_at"]).copy()
    for column in CHOICES:
        out[column] = out[column].map(lambda k, c=column: "" if pd.isna(k) else choice_label(c, k, lang))
    out["steering_group"] = out["steering_group"].map(lambda b: t("yes" if b else "no", lang))
    return out.rename(columns={c: t(f"col_{c}", lang) for c in out.columns})


def to_csv(table: pd.DataFrame) -> bytes:
    return _defuse(table).to_csv(index=False).encode("utf-8-sig")  # BOM: Excel reads å, ä, ö


def to_xlsx(table: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    _defuse(table).to_excel(buffer, index=False, sheet_name="Intressenter")
    return buffer.getvalue()
