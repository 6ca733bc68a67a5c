"""The business plan (affärsplan, steps 4-6): vision and target picture, a goal per focus area,
milestones linked to the action plan, versions the steering group comments on, approves and the
municipality anchors, cases tested for real, and the budget with its joint financing.

Money is in SEK. Time is counted in hours and valued at the plan's hour rate: hours in the
budget are a cost, hours in the financing are a contribution in kind. A financing party is a
stakeholder of the register (``bidgeo.stakeholders``). The figures (:func:`figures`) are the
shape of ``bidgeo plan show --json`` (``docs/spec/cli.md``); the workbook's sheets are read by
:func:`read_workbook` and checked by :func:`check_tables`, which lists every bad row with its
row and column, so nothing is saved unless all is well.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from datetime import date, datetime

import pandas as pd
import shapely
from sqlalchemy import delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bidgeo import process, stakeholders
from bidgeo.db import (Action, BusinessPlan, Observation, PlanCase, PlanComment, PlanCost, PlanFinancing,
                       PlanMilestone, PlanVersion, ProcessPlan, Stakeholder, utcnow)
from bidgeo.errors import InputError, NotFoundError, ValidationError
from bidgeo.focus import FOCUS_AREAS
from bidgeo.i18n import t
from bidgeo.walks import clean_text, new_uuid

KINDS = ("municipality", "region", "county_board", "state", "property_owner", "business", "association", "other")
"""Who a financing party is (the workbook's ``kind``)."""
FUNDING_STATUSES = ("intent", "pledged", "signed")
"""How firm a financing is: a letter of intent, pledged, signed."""
VERSION_STATUSES = ("draft", "consultation", "approved", "anchored")
"""A version's way: a draft, sent to the steering group for comments, approved by the steering
group, anchored with the municipality."""
NEXT_STATUS = dict(zip(VERSION_STATUSES, VERSION_STATUSES[1:]))
MODELS = ("flat", "band", "levy")
"""The members' contribution models: a flat fee, a fee by band (of floor area or employees),
a share of the taxable property value with a threshold and a cap (the BID levy)."""
BAND_BASES = ("floor_area_m2", "employees")
MEMBER_ROLES = ("property_owner", "business")
"""The register's roles whose holders are the BID's members (they vote, and they pay)."""
ROLE_OF_KIND = {"municipality": "municipality", "region": "region", "property_owner": "property_owner",
                "business": "business", "association": "association"}
"""The register role of a party added from a financing row (other kinds: ``other``)."""
DEFAULT_HOUR_RATE = 400.0
DEFAULT_MODEL = {"kind": "flat", "fee_sek": 0.0}
MAX_AMOUNT = 1e10
MAX_TEXT = 5000

SHEETS = ("budget", "financing", "settings")
BUDGET_COLUMNS = ("action", "focus_area", "year", "cost_sek", "hours")
FINANCING_COLUMNS = ("party", "kind", "year", "amount_sek", "hours", "status")
SETTINGS_COLUMNS = ("hour_rate_sek", "duration_years", "model", "fee_sek", "band_basis", "bands", "levy_percent",
                    "threshold_sek", "cap_sek")
COLUMNS = {"budget": BUDGET_COLUMNS, "financing": FINANCING_COLUMNS, "settings": SETTINGS_COLUMNS}


# --- the plan's text and settings -------------------------------------------------------------------
@dataclass(frozen=True)
class PlanInfo:
    vision: str
    target_picture: str
    goals: dict[str, str]
    """A goal per focus area (only those written)."""
    hour_rate_sek: float
    duration_years: int
    model: dict


def get_plan(engine: Engine, project_id: int) -> PlanInfo:
    """The project's plan (an empty one with the default hour rate if none is written yet)."""
    with Session(engine) as session:
        row = session.get(BusinessPlan, project_id)
        if row is None:
            return PlanInfo("", "", {}, DEFAULT_HOUR_RATE, 3, dict(DEFAULT_MODEL))
        return PlanInfo(row.vision, row.target_picture, dict(row.goals or {}), float(row.hour_rate_sek),
                        int(row.duration_years), dict(row.model or DEFAULT_MODEL))


def _row(session: Session, project_id: int) -> BusinessPlan:
    row = session.get(BusinessPlan, project_id)
    if row is None:
        row = BusinessPlan(project_id=project_id, goals={}, model=dict(DEFAULT_MODEL), hour_rate_sek=DEFAULT_HOUR_RATE,
                           duration_years=3)
        session.add(row)
    return row


def _text(value: object, limit: int = MAX_TEXT) -> str:
    text = clean_text(value or "")
    if len(text) > limit:
        raise ValidationError("plan_text_too_long", limit=limit)
    return text


def save_text(engine: Engine, project_id: int, vision: str, target_picture: str, goals: dict[str, str]) -> None:
    """Write the vision, the target picture (målbild) and a goal per focus area."""
    unknown = set(goals) - set(FOCUS_AREAS)
    if unknown:
        raise ValidationError("bad_choice", field="focus_area", value=", ".join(sorted(unknown)),
                              choices=", ".join(FOCUS_AREAS))
    with Session(engine) as session:
        row = _row(session, project_id)
        row.vision, row.target_picture = _text(vision), _text(target_picture)
        row.goals = {k: _text(v) for k, v in goals.items() if _text(v)}
        row.updated_at = utcnow()
        session.commit()


def check_model(model: dict) -> dict:
    """A contribution model as stored, or :class:`ValidationError` naming what is wrong."""
    kind = model.get("kind")
    if kind not in MODELS:
        raise ValidationError("bad_choice", field="model", value=str(kind), choices=", ".join(MODELS))
    if kind == "flat":
        return {"kind": kind, "fee_sek": _amount("fee_sek", model.get("fee_sek"))}
    if kind == "band":
        if model.get("basis") not in BAND_BASES:
            raise ValidationError("bad_choice", field="band_basis", value=str(model.get("basis")),
                                  choices=", ".join(BAND_BASES))
        bands = [(None if upper is None else _amount("bands", upper), _amount("bands", fee))
                 for upper, fee in model.get("bands") or []]
        limits = [u for u, _ in bands if u is not None]
        if not bands or bands[-1][0] is not None or len(limits) != len(bands) - 1 or limits != sorted(set(limits)):
            raise ValidationError("plan_bad_bands")
        return {"kind": kind, "basis": model["basis"], "bands": [list(b) for b in bands]}
    percent = _amount("levy_percent", model.get("percent"))
    if percent > 100:
        raise ValidationError("plan_share_over_100", field="levy_percent", value=_plain_number(percent))
    cap = model.get("cap_sek")
    return {"kind": kind, "percent": percent, "threshold_sek": _amount("threshold_sek", model.get("threshold_sek") or 0),
            "cap_sek": None if cap in (None, "") else _amount("cap_sek", cap)}


def _amount(column: str, value) -> float:
    number = _parse_number(value)
    if number is None:
        raise ValidationError("plan_not_a_number", field=column, value=str(value)[:40])
    if number < 0:
        raise ValidationError("plan_negative", field=column, value=_plain_number(number))
    if number >= MAX_AMOUNT:
        raise ValidationError("plan_too_large", field=column, value=_plain_number(number))
    return number


def save_settings(engine: Engine, project_id: int, *, hour_rate_sek: float | None = None,
                  duration_years: int | None = None, model: dict | None = None) -> None:
    """Set the hour rate (SEK per hour in kind), the plan's duration in years (1-10) and the
    members' contribution model (:func:`check_model`)."""
    rate = None if hour_rate_sek is None else _amount("hour_rate_sek", hour_rate_sek)
    if duration_years is not None and not (isinstance(duration_years, int) and 1 <= duration_years <= 10):
        raise ValidationError("plan_bad_duration", value=str(duration_years))
    checked = None if model is None else check_model(model)
    with Session(engine) as session:
        row = _row(session, project_id)
        if rate is not None:
            row.hour_rate_sek = rate
        if duration_years is not None:
            row.duration_years = duration_years
        if checked is not None:
            row.model = checked
        row.updated_at = utcnow()
        session.commit()


def years(engine: Engine, project_id: int) -> list[int]:
    """The years the plan may budget and finance: from the process's start year for the plan's
    duration, and at least to the year the process ends. :class:`ValidationError` when the
    process has no start date yet."""
    start = process.plan(engine, project_id)
    if start is None:
        raise ValidationError("plan_no_process")
    end = process.timeline(start.start_on)[-1].end
    first = start.start_on.year
    return list(range(first, max(end.year, first + get_plan(engine, project_id).duration_years - 1) + 1))


# --- reading cells ----------------------------------------------------------------------------------
def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or \
        (not isinstance(value, str) and pd.isna(value))


def _parse_number(value) -> float | None:
    """A number from a cell: a number, or text as Swedes and spreadsheets write it ("12 000",
    "2,5", "2.5"); None when it is no number (an empty cell is 0)."""
    if _blank(value):
        return 0.0
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        text = str(value).strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
        if "," in text and "." not in text:
            text = text.replace(",", ".")
        try:
            number = float(text)
        except ValueError:
            return None
    return number if math.isfinite(number) else None


def _plain_number(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value}"


@dataclass(frozen=True)
class Problem:
    """A bad cell of the workbook (or of a table on the page): sheet, row, column, and what is wrong."""

    sheet: str
    row: int
    column: str
    key: str
    params: dict = field(default_factory=dict)

    def message(self, lang: str = "sv") -> str:
        return t("plan_cell_problem", lang, sheet=self.sheet, row=self.row, column=self.column,
                 problem=t(self.key, lang, **self.params))

    def to_json(self, lang: str) -> dict:
        return {"sheet": self.sheet, "row": self.row, "column": self.column, "message": self.message(lang)}


@dataclass
class Checked:
    """What :func:`check_tables` found: the rows ready to save, the parties to add to the
    register, and every problem (nothing may be saved while there is one)."""

    budget: list[dict]
    financing: list[dict]
    settings: dict
    new_parties: list[str]
    problems: list[Problem]


def _key(name: str) -> str:
    return " ".join(str(name).split()).casefold()


def check_tables(engine: Engine, project_id: int, budget: pd.DataFrame | None, financing: pd.DataFrame | None,
                 settings: pd.DataFrame | None = None, *, add_parties: bool = False, first_row: int = 2) -> Checked:
    """Check the budget, financing and settings tables (columns as :data:`COLUMNS`; cells text
    or numbers). ``first_row`` is the number the first data row has (2 in a workbook, under its
    header). A party that is not in the register is a problem unless ``add_parties``."""
    allowed = years(engine, project_id)
    problems: list[Problem] = []
    with Session(engine) as session:
        known = {}
        for sid, name in session.execute(select(Stakeholder.id, Stakeholder.name)
                                         .where(Stakeholder.project_id == project_id).order_by(Stakeholder.id)):
            known.setdefault(_key(name), sid)
        titles = {}
        for aid, title, focus_area in session.execute(select(Action.id, Action.title, Action.focus_area)
                                                      .where(Action.project_id == project_id).order_by(Action.id)):
            titles.setdefault(_key(title), (aid, focus_area))

    def rows(sheet: str, frame: pd.DataFrame | None):
        if frame is None:
            return
        missing = [c for c in COLUMNS[sheet] if c not in frame.columns]
        if missing and sheet != "settings":
            problems.append(Problem(sheet, 1, ", ".join(missing), "plan_missing_columns"))
            return
        for i, (_, row) in enumerate(frame.iterrows()):
            values = {c: row.get(c) for c in COLUMNS[sheet]}
            if all(_blank(v) for v in values.values()):
                continue
            yield first_row + i, values

    def bad(sheet, number, column, key, **params):
        problems.append(Problem(sheet, number, column, key, params))

    def amount(sheet, number, values, column):
        value = _parse_number(values[column])
        if value is None:
            bad(sheet, number, column, "plan_not_a_number", field=column, value=str(values[column])[:40])
        elif value < 0:
            bad(sheet, number, column, "plan_negative", field=column, value=_plain_number(value))
        elif value >= MAX_AMOUNT:
            bad(sheet, number, column, "plan_too_large", field=column, value=_plain_number(value))
        else:
            return value
        return None

    def year(sheet, number, values):
        raw = values["year"]
        value = None if _blank(raw) else _parse_number(raw)
        if value is None or not float(value).is_integer():
            bad(sheet, number, "year", "plan_bad_year", value=str(raw)[:40])
        elif int(value) not in allowed:
            bad(sheet, number, "year", "plan_year_outside", value=int(value), first=allowed[0], last=allowed[-1])
        else:
            return int(value)
        return None

    def choice(sheet, number, values, column, choices, required=True):
        raw = "" if _blank(values[column]) else str(values[column]).strip()
        if not raw and not required:
            return None
        if raw not in choices:
            bad(sheet, number, column, "plan_bad_choice", field=column, value=raw[:40], choices=", ".join(choices))
            return False
        return raw

    budget_rows, financing_rows, new_parties = [], [], []
    for number, values in rows("budget", budget):
        title = "" if _blank(values["action"]) else clean_text(values["action"])[:300]
        if not title:
            bad("budget", number, "action", "plan_required", field="action")
        focus_area = choice("budget", number, values, "focus_area", FOCUS_AREAS, required=False)
        checked = [year("budget", number, values), amount("budget", number, values, "cost_sek"),
                   amount("budget", number, values, "hours")]
        if title and focus_area is not False and None not in checked:
            action_id, action_focus = titles.get(_key(title), (None, None))
            budget_rows.append({"action": title, "action_id": action_id, "focus_area": focus_area or action_focus,
                                "year": checked[0], "cost_sek": checked[1], "hours": checked[2]})
    for number, values in rows("financing", financing):
        party = "" if _blank(values["party"]) else " ".join(str(values["party"]).split())[:300]
        sid = known.get(_key(party)) if party else None
        if not party:
            bad("financing", number, "party", "plan_required", field="party")
        elif sid is None and not add_parties:
            bad("financing", number, "party", "plan_unknown_party", party=party)
        kind = choice("financing", number, values, "kind", KINDS)
        checked = [year("financing", number, values), amount("financing", number, values, "amount_sek"),
                   amount("financing", number, values, "hours")]
        status = choice("financing", number, values, "status", FUNDING_STATUSES)
        if party and (sid is not None or add_parties) and kind and status and None not in checked:
            if sid is None and _key(party) not in {_key(p) for p in new_parties}:
                new_parties.append(party)
            financing_rows.append({"party": party, "stakeholder_id": sid, "kind": kind, "year": checked[0],
                                   "amount_sek": checked[1], "hours": checked[2], "status": status})
    found_settings = {}
    for number, values in rows("settings", settings):
        found_settings = _check_settings(values, number, bad)
        break
    return Checked(budget_rows, financing_rows, found_settings, new_parties, problems)


def _check_settings(values: dict, number: int, bad) -> dict:
    """The settings row: the hour rate, the duration and the contribution model."""
    out = {}
    if not _blank(values.get("hour_rate_sek")):
        try:
            out["hour_rate_sek"] = _amount("hour_rate_sek", values["hour_rate_sek"])
        except ValidationError as exc:
            bad("settings", number, "hour_rate_sek", exc.key, **exc.params)
    if not _blank(values.get("duration_years")):
        value = _parse_number(values["duration_years"])
        if value is None or not float(value).is_integer() or not 1 <= value <= 10:
            bad("settings", number, "duration_years", "plan_bad_duration", value=str(values["duration_years"])[:40])
        else:
            out["duration_years"] = int(value)
    kind = "" if _blank(values.get("model")) else str(values["model"]).strip()
    if not kind:
        return out
    model = {"kind": kind, "fee_sek": values.get("fee_sek"), "basis": str(values.get("band_basis") or "").strip(),
             "percent": values.get("levy_percent"), "threshold_sek": values.get("threshold_sek"),
             "cap_sek": None if _blank(values.get("cap_sek")) else values.get("cap_sek")}
    try:
        if kind == "band":
            model["bands"] = parse_bands(str(values.get("bands") or ""))
        out["model"] = check_model(model)
    except ValidationError as exc:
        column = {"bad_choice": exc.params.get("field", "model")}.get(exc.key, exc.params.get("field", "bands"))
        key = "plan_bad_choice" if exc.key == "bad_choice" else exc.key
        bad("settings", number, column, key, **exc.params)
    return out


def parse_bands(text: str) -> list[list]:
    """Bands written as ``200:2000; 1000:5000; :10000`` (up to 200 → 2 000 SEK, up to 1 000 →
    5 000, above → 10 000), as :func:`check_model` takes them."""
    bands = []
    for part in filter(None, (p.strip() for p in text.split(";"))):
        upper, sep, fee = part.partition(":")
        if not sep:
            raise ValidationError("plan_bad_bands")
        bands.append([None if not upper.strip() else _amount("bands", upper), _amount("bands", fee)])
    return bands


def format_bands(bands: list[list]) -> str:
    return "; ".join(f"{'' if u is None else _plain_number(u)}:{_plain_number(f)}" for u, f in bands)


def save_checked(engine: Engine, project_id: int, checked: Checked) -> None:
    """Replace the plan's budget and financing by ``checked`` (and set its settings), adding
    the new parties to the register, in one transaction. Refuses a check with problems."""
    if checked.problems:
        raise ValidationError("plan_rows_failed", count=len(checked.problems))
    if "model" in checked.settings or "hour_rate_sek" in checked.settings or "duration_years" in checked.settings:
        save_settings(engine, project_id, **checked.settings)
    with Session(engine) as session:
        ids = {}
        kinds = {_key(r["party"]): r["kind"] for r in checked.financing}
        for name in checked.new_parties:
            party = Stakeholder(project_id=project_id, name=name, role=ROLE_OF_KIND.get(kinds[_key(name)], "other"),
                                source="manual", notes="")
            session.add(party)
            session.flush()
            ids[_key(name)] = party.id
        session.execute(delete(PlanCost).where(PlanCost.project_id == project_id))
        session.execute(delete(PlanFinancing).where(PlanFinancing.project_id == project_id))
        session.add_all(PlanCost(project_id=project_id, **row) for row in checked.budget)
        session.add_all(PlanFinancing(project_id=project_id, stakeholder_id=row["stakeholder_id"] or ids[_key(row["party"])],
                                      **{k: row[k] for k in ("kind", "year", "amount_sek", "hours", "status")})
                        for row in checked.financing)
        _touch(session, project_id)
        session.commit()


def _touch(session: Session, project_id: int) -> None:
    _row(session, project_id).updated_at = utcnow()


# --- the workbook -----------------------------------------------------------------------------------
MAX_WORKBOOK_BYTES = 20 * 1024 * 1024


def read_workbook(data: bytes, name: str) -> dict[str, pd.DataFrame | None]:
    """The workbook's sheets ``budget``, ``financing`` and (optional) ``settings`` as text,
    read within the limits of ``bidgeo.untrusted``. A file that is no such workbook is an
    :class:`InputError`."""
    from bidgeo.untrusted import in_worker, read_sheets

    if len(data) > MAX_WORKBOOK_BYTES:
        raise InputError("plan_workbook_too_big", size_mb=round(len(data) / 1e6),
                         limit_mb=MAX_WORKBOOK_BYTES // 1_000_000)
    if not name.lower().endswith(".xlsx"):
        raise InputError("plan_workbook_not_xlsx", name=name)
    frames = dict(zip(SHEETS, in_worker("plan_workbook_unreadable", name, read_sheets, data, SHEETS,
                                        failed="reason_xlsx")))
    if frames["budget"] is None and frames["financing"] is None:
        raise InputError("plan_workbook_no_sheets", name=name)
    return frames


def import_workbook(engine: Engine, project_id: int, data: bytes, name: str, *, add_parties: bool = False) -> Checked:
    """Read, check and (when every row is good) save a filled workbook; the check is returned
    either way, so its problems can be listed."""
    sheets = read_workbook(data, name)
    checked = check_tables(engine, project_id, sheets["budget"], sheets["financing"], sheets["settings"],
                           add_parties=add_parties)
    if not checked.problems:
        save_checked(engine, project_id, checked)
    return checked


def _workbook(budget_rows: list[list], financing_rows: list[list], settings: list) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    from bidgeo.spreadsheet import FORMULA_STARTS

    def safe(value):
        return f"'{value}" if isinstance(value, str) and value[:1] in FORMULA_STARTS else value

    book = Workbook()
    book.remove(book.active)
    for sheet, rows in (("budget", budget_rows), ("financing", financing_rows), ("settings", [settings])):
        ws = book.create_sheet(sheet)
        ws.append(list(COLUMNS[sheet]))
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append([safe(v) for v in row])
        for i, column in enumerate(COLUMNS[sheet]):
            ws.column_dimensions[chr(ord("A") + i)].width = max(14, len(column) + 4)
    lists = {("budget", "B"): FOCUS_AREAS, ("financing", "B"): KINDS, ("financing", "F"): FUNDING_STATUSES,
             ("settings", "C"): MODELS, ("settings", "E"): BAND_BASES}
    for (sheet, column), choices in lists.items():
        check = DataValidation(type="list", formula1=f'"{",".join(choices)}"', allow_blank=True)
        book[sheet].add_data_validation(check)
        check.add(f"{column}2:{column}1000")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def template_workbook() -> bytes:
    """The empty workbook to fill in: sheets ``budget``, ``financing`` and ``settings`` (the
    default hour rate), with lists for the kinds, statuses, focus areas and models."""
    return _workbook([], [], [DEFAULT_HOUR_RATE, 3, "flat", 0, "", "", "", "", ""])


def export_workbook(engine: Engine, project_id: int) -> bytes:
    """The project's budget, financing and settings as the workbook (it imports back as it is)."""
    plan = get_plan(engine, project_id)
    model = plan.model
    settings = [plan.hour_rate_sek, plan.duration_years, model["kind"], model.get("fee_sek", ""),
                model.get("basis", ""), format_bands(model["bands"]) if model.get("bands") else "",
                model.get("percent", ""), model.get("threshold_sek", ""),
                "" if model.get("cap_sek") is None else model["cap_sek"]]
    costs, money = budget(engine, project_id), financing(engine, project_id)
    return _workbook([[r.action, r.focus_area or "", r.year, r.cost_sek, r.hours] for r in costs.itertuples()],
                     [[r.party, r.kind, r.year, r.amount_sek, r.hours, r.status] for r in money.itertuples()],
                     settings)


# --- budget, financing and the balance ------------------------------------------------------------------
def budget(engine: Engine, project_id: int) -> pd.DataFrame:
    """The budget lines by year then action: id, action_id, action, focus_area, year, cost_sek, hours."""
    with Session(engine) as session:
        rows = session.execute(select(PlanCost.id, PlanCost.action_id, PlanCost.action, PlanCost.focus_area,
                                      PlanCost.year, PlanCost.cost_sek, PlanCost.hours)
                               .where(PlanCost.project_id == project_id)
                               .order_by(PlanCost.year, PlanCost.id)).all()
    frame = pd.DataFrame(rows, columns=["id", "action_id", "action", "focus_area", "year", "cost_sek", "hours"],
                         dtype=object)
    return frame.astype({"id": int, "year": int, "cost_sek": float, "hours": float})


def financing(engine: Engine, project_id: int) -> pd.DataFrame:
    """The financing by year then party: id, stakeholder_id, party (the stakeholder's name),
    role, party_status (towards a letter of intent), kind, year, amount_sek, hours, status."""
    with Session(engine) as session:
        rows = session.execute(select(PlanFinancing.id, PlanFinancing.stakeholder_id, Stakeholder.name,
                                      Stakeholder.role, Stakeholder.status, PlanFinancing.kind, PlanFinancing.year,
                                      PlanFinancing.amount_sek, PlanFinancing.hours, PlanFinancing.status)
                               .join(Stakeholder, Stakeholder.id == PlanFinancing.stakeholder_id)
                               .where(PlanFinancing.project_id == project_id)
                               .order_by(PlanFinancing.year, PlanFinancing.id)).all()
    frame = pd.DataFrame(rows, columns=["id", "stakeholder_id", "party", "role", "party_status", "kind", "year",
                                        "amount_sek", "hours", "status"], dtype=object)
    return frame.astype({"id": int, "stakeholder_id": int, "year": int, "amount_sek": float, "hours": float})


def _sums(cost: float, hours_cost: float, money: float, in_kind: float) -> dict:
    return {"cost_sek": cost, "financing_sek": money, "in_kind_sek": in_kind, "hours_cost_sek": hours_cost,
            "balance_sek": money + in_kind - cost - hours_cost}


def figures(engine: Engine, project_id: int) -> dict:
    """The plan's figures, the shape of ``plan show --json``: the hour rate; per year and in
    total the costs (money), financing (money), in kind (hours × rate), the hours of the budget
    valued (``hours_cost_sek``) and the balance; financing per kind (money and in kind), per
    status; the unfunded years (balance below 0); and the members' support."""
    plan = get_plan(engine, project_id)
    rate = plan.hour_rate_sek
    costs, money = budget(engine, project_id), financing(engine, project_id)
    try:
        span = years(engine, project_id)
    except ValidationError:
        span = []
    every = sorted(set(span) | set(costs["year"]) | set(money["year"]))
    per_year = {}
    for year in every:
        c, m = costs[costs["year"] == year], money[money["year"] == year]
        per_year[str(year)] = _sums(float(c["cost_sek"].sum()), float(c["hours"].sum()) * rate,
                                    float(m["amount_sek"].sum()), float(m["hours"].sum()) * rate)
    total = _sums(float(costs["cost_sek"].sum()), float(costs["hours"].sum()) * rate,
                  float(money["amount_sek"].sum()), float(money["hours"].sum()) * rate)
    value = money["amount_sek"] + money["hours"] * rate
    return {
        "hour_rate_sek": rate,
        "years": per_year,
        "total": total,
        "by_kind": {k: float(value[money["kind"] == k].sum()) for k in KINDS if (money["kind"] == k).any()},
        "by_status": {s: float(value[money["status"] == s].sum()) for s in FUNDING_STATUSES},
        "unfunded_years": [int(y) for y, v in per_year.items() if v["balance_sek"] < 0],
        "support": support(engine, project_id),
    }


# --- members: support and contributions ---------------------------------------------------------------
def members(engine: Engine, project_id: int) -> pd.DataFrame:
    """The BID's members: the register's property owners and businesses (any status), with id,
    name, role, status and the numbers the contribution models read."""
    table = stakeholders.register(engine, project_id)
    return table[table["role"].isin(MEMBER_ROLES)].reset_index(drop=True)[
        ["id", "name", "role", "status", *stakeholders.NUMBERS]]


def support(engine: Engine, project_id: int) -> dict:
    """Support of the plan as a BID ballot counts it: by number of members (those who signed
    a letter of intent among all members) and by taxable property value (the signed members'
    share of the value of all members whose value is known; None when no value is known)."""
    table = members(engine, project_id)
    signed = table["status"] == "signed"
    values = pd.to_numeric(table["property_value_sek"], errors="coerce")
    known = values.notna() & (values > 0)
    return {"members": int(len(table)), "signed": int(signed.sum()),
            "share_by_number": float(signed.mean()) if len(table) else 0.0,
            "share_by_value": float(values[known & signed].sum() / values[known].sum()) if known.any() else None}


def contribution(model: dict, member: dict) -> float | None:
    """One member's yearly contribution under ``model`` (:func:`check_model`); None when the
    register lacks the number the model reads."""
    kind = model["kind"]
    if kind == "flat":
        return float(model["fee_sek"])
    if kind == "band":
        basis = member.get(model["basis"])
        if basis is None or pd.isna(basis):
            return None
        return float(next(fee for upper, fee in model["bands"] if upper is None or basis <= upper))
    value = member.get("property_value_sek")
    if value is None or pd.isna(value):
        return None
    if value < model["threshold_sek"]:
        return 0.0
    levy = value * model["percent"] / 100
    return float(min(levy, model["cap_sek"]) if model.get("cap_sek") is not None else levy)


def contributions(engine: Engine, project_id: int, model: dict | None = None) -> pd.DataFrame:
    """Each member's yearly contribution under ``model`` (default: the plan's): the members
    (:func:`members`) with ``basis`` (the number read) and ``contribution_sek`` (NaN where the
    register lacks it)."""
    model = check_model(model) if model is not None else get_plan(engine, project_id).model
    table = members(engine, project_id)
    column = {"band": model.get("basis"), "levy": "property_value_sek"}.get(model["kind"])
    table["basis"] = table[column] if column else None
    table["contribution_sek"] = [contribution(model, row) for row in table.to_dict("records")]
    table["contribution_sek"] = pd.to_numeric(table["contribution_sek"], errors="coerce")
    return table


# --- milestones ----------------------------------------------------------------------------------------
def _check_position(lon, lat):
    if lon is None and lat is None:
        return None
    if lon is None or lat is None or not (-180 <= float(lon) <= 180 and -90 <= float(lat) <= 90):
        raise ValidationError("plan_bad_position")
    return shapely.Point(float(lon), float(lat))


def _check_actions(session: Session, project_id: int, action_ids) -> list[int]:
    ids = sorted({int(a) for a in action_ids})
    found = set(session.scalars(select(Action.id).where(Action.project_id == project_id, Action.id.in_(ids))))
    unknown = [a for a in ids if a not in found]
    if unknown:
        raise NotFoundError("action_not_found", ref=str(unknown[0]))
    return ids


def save_milestone(engine: Engine, project_id: int, title: str, *, milestone_id: int | None = None,
                   due_on: date | None = None, focus_area: str | None = None, how: str = "",
                   lon: float | None = None, lat: float | None = None, action_ids=()) -> int:
    """Add (or, with ``milestone_id``, change) a milestone: what (``title``), when, where (a
    point; none is the whole area), how, and the actions it is reached by."""
    title = _text(title, 300)
    if not title:
        raise ValidationError("plan_milestone_no_title")
    if focus_area not in (None, *FOCUS_AREAS):
        raise ValidationError("bad_choice", field="focus_area", value=focus_area, choices=", ".join(FOCUS_AREAS))
    point = _check_position(lon, lat)
    with Session(engine) as session:
        ids = _check_actions(session, project_id, action_ids)
        row = PlanMilestone(project_id=project_id) if milestone_id is None else session.get(PlanMilestone, milestone_id)
        if row is None or row.project_id != project_id:
            raise NotFoundError("plan_milestone_not_found", ref=str(milestone_id))
        row.title, row.due_on, row.focus_area, row.how, row.geom, row.action_ids = \
            title, due_on, focus_area, _text(how), point, ids
        session.add(row)
        _touch(session, project_id)
        session.commit()
        return row.id


def delete_milestone(engine: Engine, project_id: int, milestone_id: int) -> None:
    with Session(engine) as session:
        row = session.get(PlanMilestone, milestone_id)
        if row is None or row.project_id != project_id:
            raise NotFoundError("plan_milestone_not_found", ref=str(milestone_id))
        session.delete(row)
        session.commit()


def milestones(engine: Engine, project_id: int) -> pd.DataFrame:
    """The milestones by date (undated last): id, title, focus_area, due_on, how, lon, lat
    (None: the whole area), action_ids, and observations (the uuids of the observations their
    actions came from)."""
    with Session(engine) as session:
        rows = session.scalars(select(PlanMilestone).where(PlanMilestone.project_id == project_id)
                               .order_by(PlanMilestone.id)).all()
        origin = dict(session.execute(select(Action.id, Observation.uuid)
                                      .join(Observation, Observation.id == Action.observation_id)
                                      .where(Action.project_id == project_id)).all())
        records = [{"id": r.id, "title": r.title, "focus_area": r.focus_area, "due_on": r.due_on, "how": r.how,
                    "lon": r.geom.x if r.geom is not None else None, "lat": r.geom.y if r.geom is not None else None,
                    "action_ids": list(r.action_ids or []),
                    "observations": [origin[a] for a in r.action_ids or [] if a in origin]} for r in rows]
    frame = pd.DataFrame(records, columns=["id", "title", "focus_area", "due_on", "how", "lon", "lat", "action_ids",
                                           "observations"])
    frame["_undated"] = frame["due_on"].isna()
    return frame.sort_values(["_undated", "due_on", "id"], kind="stable").drop(columns="_undated") \
        .reset_index(drop=True)


def actions_in_plan(engine: Engine, project_id: int) -> pd.DataFrame:
    """The actions the plan counts on (linked to a milestone or budgeted), as
    :func:`bidgeo.review.actions` gives them, with ``budget_sek`` (their budgeted money) and
    ``budget_hours``: what the final report sets "done" against."""
    from bidgeo import review

    plan = review.actions(engine, project_id)
    linked = {a for ids in milestones(engine, project_id)["action_ids"] for a in ids}
    costs = budget(engine, project_id).dropna(subset=["action_id"])
    sums = costs.groupby(costs["action_id"].astype(int))[["cost_sek", "hours"]].sum()
    chosen = plan[plan["id"].isin(linked | set(sums.index))].reset_index(drop=True)
    chosen["budget_sek"] = [float(sums["cost_sek"].get(a, 0.0)) for a in chosen["id"]]
    chosen["budget_hours"] = [float(sums["hours"].get(a, 0.0)) for a in chosen["id"]]
    return chosen


# --- cases ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CaseInfo:
    id: int
    title: str
    done_on: date | None
    cost_sek: float | None
    result: str
    before_uuid: str
    after_uuid: str


def save_case(engine: Engine, project_id: int, title: str, *, case_id: int | None = None,
              done_on: date | None = None, cost_sek: float | None = None, result: str = "") -> int:
    """Add (or, with ``case_id``, change) a case: what was done, when, its cost and result.
    Its photos before and after are added with :func:`add_case_photo`."""
    title = _text(title, 300)
    if not title:
        raise ValidationError("plan_case_no_title")
    cost = None if cost_sek is None or _blank(cost_sek) else _amount("cost_sek", cost_sek)
    with Session(engine) as session:
        row = PlanCase(project_id=project_id, before_uuid=new_uuid(), after_uuid=new_uuid()) \
            if case_id is None else session.get(PlanCase, case_id)
        if row is None or row.project_id != project_id:
            raise NotFoundError("plan_case_not_found", ref=str(case_id))
        row.title, row.done_on, row.cost_sek, row.result = title, done_on, cost, _text(result)
        session.add(row)
        _touch(session, project_id)
        session.commit()
        return row.id


def cases(engine: Engine, project_id: int) -> list[CaseInfo]:
    with Session(engine) as session:
        rows = session.scalars(select(PlanCase).where(PlanCase.project_id == project_id).order_by(PlanCase.id)).all()
        return [CaseInfo(r.id, r.title, r.done_on, r.cost_sek, r.result, r.before_uuid, r.after_uuid) for r in rows]


def add_case_photo(engine: Engine, project_id: int, case_id: int, when: str, data: bytes, filename: str):
    """A photo of the case ``when`` ("before" or "after") it was done (``bidgeo.photos``)."""
    from bidgeo import photos

    if when not in ("before", "after"):
        raise ValidationError("bad_choice", field="when", value=when, choices="before, after")
    case = next((c for c in cases(engine, project_id) if c.id == case_id), None)
    if case is None:
        raise NotFoundError("plan_case_not_found", ref=str(case_id))
    return photos.add_photo(engine, project_id, case.before_uuid if when == "before" else case.after_uuid, data,
                            filename)


# --- versions and the steering group's comments ---------------------------------------------------------
@dataclass(frozen=True)
class VersionInfo:
    id: int
    number: int
    status: str
    status_by: str
    status_at: datetime | None
    created_at: datetime
    content: dict | None


def versions(engine: Engine, project_id: int) -> list[VersionInfo]:
    """The plan's versions, newest first (none until a version is started)."""
    with Session(engine) as session:
        rows = session.scalars(select(PlanVersion).where(PlanVersion.project_id == project_id)
                               .order_by(PlanVersion.number.desc())).all()
        return [VersionInfo(r.id, r.number, r.status, r.status_by, r.status_at, r.created_at, r.content) for r in rows]


def current_version(engine: Engine, project_id: int) -> VersionInfo | None:
    found = versions(engine, project_id)
    return found[0] if found else None


def snapshot(engine: Engine, project_id: int) -> dict:
    """What a version said when it left the draft: the text, the milestones' titles and the figures."""
    plan = get_plan(engine, project_id)
    return {"vision": plan.vision, "target_picture": plan.target_picture, "goals": plan.goals,
            "milestones": list(milestones(engine, project_id)["title"]), "figures": figures(engine, project_id)}


def advance(engine: Engine, project_id: int, by: str = "") -> VersionInfo:
    """Move the current version one step on (draft → consultation → approved → anchored); the
    first call starts version 1 as a draft and sends it. Leaving the draft keeps what the plan
    said (:func:`snapshot`)."""
    current = current_version(engine, project_id)
    if current is not None and current.status not in NEXT_STATUS:
        raise ValidationError("plan_version_final", number=current.number)
    content = snapshot(engine, project_id)
    with Session(engine) as session:
        row = session.get(PlanVersion, current.id) if current is not None else \
            PlanVersion(project_id=project_id, number=1, status="draft")
        if row.status == "draft":
            row.content = content
        row.status, row.status_by, row.status_at = NEXT_STATUS[row.status], clean_text(by)[:200], utcnow()
        session.add(row)
        session.commit()
    return current_version(engine, project_id)


def new_version(engine: Engine, project_id: int) -> VersionInfo:
    """Start the next version as a draft (after the current one has left its draft)."""
    current = current_version(engine, project_id)
    if current is not None and current.status == "draft":
        raise ValidationError("plan_version_is_draft", number=current.number)
    with Session(engine) as session:
        session.add(PlanVersion(project_id=project_id, number=(current.number if current else 0) + 1, status="draft"))
        session.commit()
    return current_version(engine, project_id)


def add_comment(engine: Engine, project_id: int, author: str, text: str) -> None:
    """A steering-group member's comment on the version out for comments."""
    author, text = clean_text(author)[:200], clean_text(text)
    if not author:
        raise ValidationError("review_no_author")
    if not text or len(text) > MAX_TEXT:
        raise ValidationError("review_bad_comment", limit=MAX_TEXT)
    current = current_version(engine, project_id)
    if current is None or current.status != "consultation":
        raise ValidationError("plan_not_in_consultation")
    with Session(engine) as session:
        session.add(PlanComment(project_id=project_id, version_id=current.id, author=author, text=text))
        session.commit()


def comments(engine: Engine, project_id: int) -> pd.DataFrame:
    """Every version's comments, oldest first: number (of the version), author, text, created_at."""
    with Session(engine) as session:
        rows = session.execute(select(PlanVersion.number, PlanComment.author, PlanComment.text, PlanComment.created_at)
                               .join(PlanVersion, PlanVersion.id == PlanComment.version_id)
                               .where(PlanComment.project_id == project_id).order_by(PlanComment.id)).all()
    return pd.DataFrame(rows, columns=["number", "author", "text", "created_at"])


# --- what the agreement reads ------------------------------------------------------------------------------
def handover_organisation(engine: Engine, project_id: int) -> str:
    """Who takes over running the plan when the process ends (the process page's step 6)."""
    with Session(engine) as session:
        row = session.get(ProcessPlan, project_id)
        return row.handover_org if row is not None else ""
