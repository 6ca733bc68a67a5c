"""The business plan's documents: the plan as an A4 PDF (WeasyPrint, for the steering group and
the municipality) and as DOCX (python-docx, for editing), and the draft cooperation agreement
(samverkansavtal, step 6) built from it, as PDF and DOCX.

:func:`plan_content` gathers what both documents say once; the PDFs are Jinja2 templates that
extend the shared ``base.html`` (``bidgeo.report.render``: the same stylesheets, the cover, the
page furniture and a municipality's own templates and logo), the DOCX files are written from
the same content. They name no person: no comment's author, no action owner, no contact, no
photo's file name; the parties are organisations of the register, and the agreement's parties
are the stakeholders who signed.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy.engine import Engine

from bidgeo import photos, plan
from bidgeo.area_versions import current_version
from bidgeo.errors import BidgeoError
from bidgeo.focus import FOCUS_AREAS, FOCUS_COLOURS
from bidgeo.i18n import local_time, number, percent, t
from bidgeo.osm import ATTRIBUTION
from bidgeo.projects import get_project, osm_file
from bidgeo.stakeholders import choice_label, register


@dataclass
class Content:
    """What the plan's documents say, with every label in ``lang``."""

    lang: str
    project: object
    facts: list[tuple[str, str]]
    vision: str
    target_picture: str
    goals: list[dict]
    milestones: list[dict]
    budget: list[list[str]]
    financing: list[list[str]]
    by_kind: list[list[str]]
    balance: list[list[str]]
    warnings: list[str]
    model: str
    contributions: list[list[str]]
    support: str
    cases: list[dict]
    versions: list[list[str]]
    parties: list[list[str]]
    handover: str
    period: str
    figures: dict
    map_png: bytes
    chart_png: bytes | None


def _sek(value, lang: str) -> str:
    return f"{number(value, lang)} kr" if lang == "sv" else f"SEK {number(value, lang)}"


def _model_text(model: dict, lang: str) -> str:
    if model["kind"] == "flat":
        return t("pd_model_flat", lang, fee=_sek(model["fee_sek"], lang))
    if model["kind"] == "band":
        unit = t(f"pd_basis_{model['basis']}", lang)
        bands = ", ".join(t("pd_band_up_to", lang, limit=number(u, lang), unit=unit, fee=_sek(f, lang)) if u is not None
                          else t("pd_band_above", lang, fee=_sek(f, lang)) for u, f in model["bands"])
        return t("pd_model_band", lang, bands=bands)
    cap = t("pd_model_cap", lang, cap=_sek(model["cap_sek"], lang)) if model.get("cap_sek") is not None else ""
    return t("pd_model_levy", lang, share=number(model["percent"], lang, 2),
             threshold=_sek(model["threshold_sek"], lang), cap=cap)


def plan_content(engine: Engine, project_id: int, lang: str = "sv") -> Content:
    """Read what the plan's documents show (``lang``: sv or en)."""
    from bidgeo import charts, static_maps
    from bidgeo.osm import read_osm
    from bidgeo import review

    project = get_project(engine, project_id)
    info = plan.get_plan(engine, project_id)
    figures = plan.figures(engine, project_id)
    version = plan.current_version(engine, project_id)
    area = current_version(engine, project_id)
    span = list(figures["years"])
    period = f"{span[0]}–{span[-1]}" if span else "–"
    made = local_time(datetime.now(timezone.utc), with_time=False)
    facts = [(t("report_locality", lang), project.locality or "–"),
             (t("report_municipality", lang), project.municipality or "–"),
             (t("pd_version", lang), t("pd_version_value", lang, number=version.number,
                                       status=t(f"plan_status_{version.status}", lang)) if version else
              t("pd_no_version", lang)),
             (t("pd_period", lang), period), (t("pd_hour_rate", lang), _sek(info.hour_rate_sek, lang)),
             (t("report_date", lang), made)]
    goals = [{"label": t(f"focus_{k}", lang), "colour": FOCUS_COLOURS[k], "goal": info.goals[k]}
             for k in FOCUS_AREAS if info.goals.get(k)]
    titles = dict(zip(review.actions(engine, project_id)["id"], review.actions(engine, project_id)["title"]))
    stones, placed = [], []
    for i, row in enumerate(plan.milestones(engine, project_id).itertuples(), start=1):
        where = t("pd_where_point", lang, number=i) if row.lon is not None and row.lon == row.lon else \
            t("pd_where_area", lang)
        if row.lon is not None and row.lon == row.lon:
            placed.append((i, (row.lon, row.lat)))
        stones.append({"number": i, "title": row.title, "focus": t(f"focus_{row.focus_area}", lang)
                       if row.focus_area else "–", "when": row.due_on.isoformat() if row.due_on else "–",
                       "where": where, "how": row.how, "actions": [titles[a] for a in row.action_ids if a in titles],
                       "observations": len(row.observations)})
    costs, money = plan.budget(engine, project_id), plan.financing(engine, project_id)
    rate = info.hour_rate_sek
    budget = [[r.action, t(f"focus_{r.focus_area}", lang) if r.focus_area else "–", str(r.year),
               number(r.cost_sek, lang), number(r.hours, lang)] for r in costs.itertuples()]
    financing = [[r.party, t(f"plan_kind_{r.kind}", lang), str(r.year), number(r.amount_sek, lang),
                  number(r.hours, lang), number(r.hours * rate, lang), t(f"plan_funding_{r.status}", lang)]
                 for r in money.itertuples()]
    total = figures["total"]
    by_kind = [[t(f"plan_kind_{k}", lang), number(v, lang), percent(v / (total["financing_sek"] + total["in_kind_sek"]),
                                                                     lang)]
               for k, v in figures["by_kind"].items()]
    balance = [[y, *(number(r[k], lang) for k in ("cost_sek", "hours_cost_sek", "financing_sek", "in_kind_sek",
                                                   "balance_sek"))] for y, r in [*figures["years"].items(),
                                                                                  (t("report_total", lang), total)]]
    warnings = [t("plan_unfunded", lang, year=y, gap=number(-figures["years"][str(y)]["balance_sek"], lang))
                for y in figures["unfunded_years"]]
    fees = plan.contributions(engine, project_id)
    known = fees["contribution_sek"].notna()
    contributions = [[t("pd_members", lang), str(len(fees))], [t("pd_members_known", lang), str(int(known.sum()))],
                     [t("pd_contributions_year", lang), _sek(float(fees.loc[known, "contribution_sek"].sum()), lang)]]
    s = figures["support"]
    support = t("plan_support_line", lang, signed=s["signed"], members=s["members"],
                by_number=percent(s["share_by_number"], lang), by_value=percent(s["share_by_value"], lang))
    case_list = []
    for case in plan.cases(engine, project_id):
        pictures = {w: [p.thumbnail for p in photos.photos(engine, project_id, [u])]
                    for w, u in (("before", case.before_uuid), ("after", case.after_uuid))}
        case_list.append({"title": case.title, "when": case.done_on.isoformat() if case.done_on else "–",
                          "cost": _sek(case.cost_sek, lang) if case.cost_sek is not None else "–",
                          "result": case.result, "before": pictures["before"], "after": pictures["after"]})
    notes = plan.comments(engine, project_id)
    versions = [[str(v.number), t(f"plan_status_{v.status}", lang),
                 local_time(v.status_at, with_time=False) if v.status_at else "–",
                 str(int((notes["number"] == v.number).sum()))] for v in plan.versions(engine, project_id)]
    people = register(engine, project_id, status="signed")
    parties = [[r.name, choice_label("role", r.role, lang)] for r in people.itertuples()]
    osm = None
    try:
        path = osm_file(engine, project) if project.osm_sha256 else None
        osm = read_osm(path) if path is not None else None
    except BidgeoError:
        osm = None
    map_png = static_maps.milestone_map_png(osm, area.geometry if area else None, [p for _, p in placed],
                                            [n for n, _ in placed], lang, size=(7.2, 4.2))
    chart = charts.balance_png(figures, lang) if figures["years"] else None
    return Content(lang, project, facts, info.vision, info.target_picture, goals, stones, budget, financing, by_kind,
                   balance, warnings, _model_text(info.model, lang), contributions, support, case_list, versions,
                   parties, plan.handover_organisation(engine, project_id), period, figures, map_png, chart)


# --- PDF ------------------------------------------------------------------------------------------------
def _uri(data: bytes, mime: str = "image/png") -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def _labels(keys: list[str], lang: str) -> dict[str, str]:
    return {k: t(f"pd_{k}", lang) for k in keys}


LABELS = ["plan_title", "plan_kicker", "agreement_title", "agreement_kicker", "edition", "vision", "target_picture",
          "goals", "milestones", "budget", "financing", "by_kind", "balance", "members_heading", "cases", "versions",
          "no_milestones", "no_budget", "no_financing", "no_cases", "no_versions", "before", "after", "map", "chart",
          "parties", "background_heading", "purpose", "framework", "duration", "agreement_financing", "takeover",
          "follow_up", "signatures", "place_date", "signature", "name_clarified", "intent_note", "no_parties",
          "draft_note", "result", "cost", "when"]
HEADERS = {
    "goals": ["col_focus", "col_goal"],
    "milestones": ["col_number", "col_milestone", "col_focus", "col_when", "col_where", "col_how", "col_actions",
                   "col_observations"],
    "budget": ["col_action", "col_focus", "col_year", "col_cost", "col_hours"],
    "financing": ["col_party", "col_kind", "col_year", "col_amount", "col_hours", "col_in_kind", "col_status"],
    "by_kind": ["col_kind", "col_value", "col_share"],
    "balance": ["col_year", "col_cost", "col_hours_cost", "col_financing", "col_in_kind", "col_balance"],
    "versions": ["col_version", "col_status", "col_date", "col_comments"],
    "parties": ["col_party", "col_role"],
}


def _headers(lang: str) -> dict[str, list[str]]:
    return {name: [t(f"pd_{k}", lang) for k in keys] for name, keys in HEADERS.items()}


def _html(content: Content, template: str, title_key: str, kicker_key: str) -> str:
    from bidgeo.report import _css_string, render

    lang = content.lang
    text = {**_labels(LABELS, lang), "title": t(f"pd_{title_key}", lang), "kicker": t(f"pd_{kicker_key}", lang)}
    made = content.facts[-1][1]
    text["footer"] = f"{content.project.name} · {text['title']} · {made} · {ATTRIBUTION}"
    page = {"date": _css_string(made), "attribution": _css_string(ATTRIBUTION),
            "page": _css_string(t("report_page", lang)), "of": _css_string(t("report_of", lang))}
    cases = [{**c, "before": [_uri(p, "image/jpeg") for p in c["before"]],
              "after": [_uri(p, "image/jpeg") for p in c["after"]]} for c in content.cases]
    return render(template, lang=lang, pdf=True, page=page, text=text, project=content.project, facts=content.facts,
                  c=content, cases=cases, headers=_headers(lang), map_png=_uri(content.map_png),
                  chart_png=_uri(content.chart_png) if content.chart_png else None,
                  background=_background(content), duration=t("pd_duration_text", lang, period=content.period),
                  takeover=t("pd_takeover_text", lang, organisation=content.handover) if content.handover
                  else t("pd_takeover_missing", lang))


def _background(content: Content) -> str:
    project = content.project
    return t("pd_background", content.lang, locality=project.locality or project.name,
             municipality=project.municipality or "–", period=content.period)


def plan_pdf(engine: Engine, project_id: int, lang: str = "sv") -> bytes:
    """The business plan as an A4 PDF."""
    from bidgeo.report import pdf_document

    html = _html(plan_content(engine, project_id, lang), "business_plan.html", "plan_title", "plan_kicker")
    return pdf_document(html).write_pdf()


def agreement_pdf(engine: Engine, project_id: int, lang: str = "sv") -> bytes:
    """The draft cooperation agreement as an A4 PDF."""
    from bidgeo.report import pdf_document

    html = _html(plan_content(engine, project_id, lang), "agreement.html", "agreement_title", "agreement_kicker")
    return pdf_document(html).write_pdf()


# --- DOCX -----------------------------------------------------------------------------------------------
def _document(content: Content, title_key: str, kicker_key: str):
    from docx import Document
    from docx.shared import Pt

    lang = content.lang
    doc = Document()
    doc.styles["Normal"].font.name = "Liberation Sans"
    doc.styles["Normal"].font.size = Pt(10)
    doc.core_properties.title = f"{t(f'pd_{title_key}', lang)} – {content.project.name}"
    doc.core_properties.author = ""  # names no one
    doc.add_paragraph(t(f"pd_{kicker_key}", lang).upper())
    doc.add_heading(content.project.name, 0)
    doc.add_paragraph(t(f"pd_{title_key}", lang))
    _table(doc, [], [[label, value] for label, value in content.facts])
    return doc


def _table(doc, header: list[str], rows: list[list[str]]) -> None:
    table = doc.add_table(rows=0, cols=len(header or rows[0]))
    table.style = "Table Grid"
    if header:
        cells = table.add_row().cells
        for cell, value in zip(cells, header):
            cell.text = ""
            cell.paragraphs[0].add_run(str(value)).bold = True
    for row in rows:
        for cell, value in zip(table.add_row().cells, row):
            cell.text = str(value)
    doc.add_paragraph()


def _picture(doc, png: bytes, width_cm: float = 16) -> None:
    from docx.shared import Cm

    doc.add_picture(io.BytesIO(png), width=Cm(width_cm))


def _bytes(doc) -> bytes:
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _goals(doc, content: Content, headers: dict) -> None:
    lang = content.lang
    doc.add_heading(t("pd_vision", lang), 2)
    doc.add_paragraph(content.vision or "–")
    doc.add_heading(t("pd_target_picture", lang), 2)
    doc.add_paragraph(content.target_picture or "–")
    if content.goals:
        doc.add_heading(t("pd_goals", lang), 2)
        _table(doc, headers["goals"], [[g["label"], g["goal"]] for g in content.goals])


def plan_docx(engine: Engine, project_id: int, lang: str = "sv") -> bytes:
    """The business plan as an editable DOCX: the same sections, tables, map and chart as the PDF."""
    content = plan_content(engine, project_id, lang)
    headers = _headers(lang)
    doc = _document(content, "plan_title", "plan_kicker")
    _picture(doc, content.map_png)
    doc.add_heading(t("pd_vision", lang) + " – " + t("pd_goals", lang).lower(), 1)
    _goals(doc, content, headers)
    doc.add_heading(t("pd_milestones", lang), 1)
    if content.milestones:
        _table(doc, headers["milestones"], [[m["number"], m["title"], m["focus"], m["when"], m["where"], m["how"],
                                             ", ".join(m["actions"]) or "–", m["observations"]]
                                            for m in content.milestones])
    else:
        doc.add_paragraph(t("pd_no_milestones", lang))
    doc.add_heading(t("pd_budget", lang), 1)
    if content.budget:
        _table(doc, headers["budget"], content.budget)
    else:
        doc.add_paragraph(t("pd_no_budget", lang))
    doc.add_heading(t("pd_financing", lang), 1)
    if content.financing:
        _table(doc, headers["financing"], content.financing)
        doc.add_heading(t("pd_by_kind", lang), 2)
        _table(doc, headers["by_kind"], content.by_kind)
    else:
        doc.add_paragraph(t("pd_no_financing", lang))
    doc.add_heading(t("pd_balance", lang), 1)
    _table(doc, headers["balance"], content.balance)
    for warning in content.warnings:
        doc.add_paragraph("⚠ " + warning)
    if content.chart_png:
        _picture(doc, content.chart_png)
    doc.add_heading(t("pd_members_heading", lang), 1)
    doc.add_paragraph(content.model)
    _table(doc, [], content.contributions)
    doc.add_paragraph(content.support)
    doc.add_heading(t("pd_cases", lang), 1)
    for case in content.cases:
        doc.add_heading(case["title"], 2)
        doc.add_paragraph(f"{t('pd_when', lang)}: {case['when']} · {t('pd_cost', lang)}: {case['cost']}")
        doc.add_paragraph(case["result"] or "–")
        for when in ("before", "after"):
            for picture in case[when]:
                doc.add_paragraph(t(f"pd_{when}", lang))
                _picture(doc, picture, 5)
    if not content.cases:
        doc.add_paragraph(t("pd_no_cases", lang))
    doc.add_heading(t("pd_versions", lang), 1)
    if content.versions:
        _table(doc, headers["versions"], content.versions)
    else:
        doc.add_paragraph(t("pd_no_versions", lang))
    doc.add_paragraph(ATTRIBUTION)
    return _bytes(doc)


def agreement_docx(engine: Engine, project_id: int, lang: str = "sv") -> bytes:
    """The draft cooperation agreement as an editable DOCX."""
    content = plan_content(engine, project_id, lang)
    headers = _headers(lang)
    doc = _document(content, "agreement_title", "agreement_kicker")
    doc.add_paragraph(t("pd_draft_note", lang))
    doc.add_heading("1. " + t("pd_parties", lang), 1)
    if content.parties:
        _table(doc, headers["parties"], content.parties)
    else:
        doc.add_paragraph(t("pd_no_parties", lang))
    doc.add_heading("2. " + t("pd_background_heading", lang), 1)
    doc.add_paragraph(_background(content))
    doc.add_heading("3. " + t("pd_purpose", lang), 1)
    _goals(doc, content, headers)
    doc.add_heading("4. " + t("pd_framework", lang), 1)
    doc.add_heading("4.1 " + t("pd_duration", lang), 2)
    doc.add_paragraph(t("pd_duration_text", lang, period=content.period))
    doc.add_heading("4.2 " + t("pd_agreement_financing", lang), 2)
    if content.financing:
        _table(doc, headers["financing"], content.financing)
    _table(doc, headers["balance"], content.balance)
    doc.add_paragraph(t("pd_intent_note", lang))
    doc.add_heading("4.3 " + t("pd_takeover", lang), 2)
    doc.add_paragraph(t("pd_takeover_text", lang, organisation=content.handover) if content.handover
                      else t("pd_takeover_missing", lang))
    doc.add_heading("5. " + t("pd_follow_up", lang), 1)
    for m in content.milestones:
        doc.add_paragraph(f"{m['title']} ({m['when']})", style="List Bullet")
    doc.add_heading("6. " + t("pd_signatures", lang), 1)
    for name, _ in content.parties:
        doc.add_paragraph(name).runs[0].bold = True
        for label in ("pd_place_date", "pd_signature", "pd_name_clarified"):
            doc.add_paragraph(f"{t(label, lang)}: ______________________________")
    return _bytes(doc)
