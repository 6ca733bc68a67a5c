"""The final report (slutrapport, step 7): the baseline against the follow-up, as an A4 PDF on
the shared report templates (``base.html``; ``final_report.html`` and one partial per section).

It is public: no person's name is in it (no walker, participant, respondent, reviewer or
action owner), and every user text is escaped. Its sections are :data:`SECTIONS`, in order:
a template partial and the function that gives it its context (``section`` in the partial)
from :class:`FinalData`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Callable

import pandas as pd
from sqlalchemy.engine import Engine

from bidgeo import categories, charts, focus, indicators, plan, walks
from bidgeo.i18n import local_time, number, percent, t
from bidgeo.indicators import Sources
from bidgeo.osm import ATTRIBUTION
from bidgeo.report import _css_string, _png, pdf_document, render


@dataclass
class FinalData:
    """What the final report shows, measured once (:func:`final_data`)."""

    found: Sources
    table: pd.DataFrame
    """:func:`bidgeo.indicators.measure`."""
    lang: str
    made_at: datetime

    @property
    def followed_up(self) -> bool:
        """Whether anything was measured again after its baseline (a later import, correction,
        assessed walk, or a change of the action plan)."""
        return bool(len(self.table)) and bool((self.table.groupby("indicator")["date"].nunique() > 1).any())


def final_data(engine: Engine, project_id: int, lang: str = "sv") -> FinalData:
    found = indicators.sources(engine, project_id)
    return FinalData(found, indicators.measure(found), lang, datetime.now(timezone.utc))


def _day(value: date | None) -> str:
    return value.isoformat() if isinstance(value, date) else "–"


def _rows(data: FinalData, indicator: str) -> pd.DataFrame:
    return data.table[data.table["indicator"] == indicator]


def _at(rows: pd.DataFrame, day: date) -> dict[str, float]:
    return dict(zip(rows.loc[rows["date"] == day, "series"], rows.loc[rows["date"] == day, "value"]))


# --- the sections -------------------------------------------------------------------------------
def scores_section(data: FinalData) -> dict:
    """The focus-area scores of the baseline walk and of the latest assessed walk, overlaid."""
    lang, found = data.lang, data.found
    scored = [w for w in found.walks if w.id in set(found.scores["walk_id"])]
    chosen = [w for w in scored if w.baseline] + [w for w in scored[-1:] if not w.baseline]
    heading = t("final_scores", lang)
    if not chosen:
        return {"heading": heading, "empty": t("final_no_scores", lang)}
    means = walks.mean_scores(found.scores).reindex([w.id for w in chosen])
    names = {w.id: f"{w.walked_on.isoformat()} ({t('walk_baseline' if w.baseline else 'walk_followup', lang)})"
             for w in chosen}
    first, last = means.iloc[0], means.iloc[-1]
    header = [t("report_col_focus_area", lang), names[chosen[0].id]]
    rows = [[t("focus_" + key, lang), number(first[key], lang, 1)] for key in focus.FOCUS_AREAS]
    if len(chosen) > 1:
        header += [names[chosen[-1].id], t("final_change", lang)]
        for row, key in zip(rows, focus.FOCUS_AREAS):
            row += [number(last[key], lang, 1), indicators.value_text(last[key] - first[key], "score", lang, change=True)]
    return {"heading": heading, "radar": _png(charts.radar_png(means, names, lang)), "header": header, "rows": rows,
            "note": "" if len(chosen) > 1 else t("final_no_follow_up_walk", lang)}


def _key(frame: pd.DataFrame) -> list[tuple]:
    """What identifies a service across imports: its OSM element and category (a service
    added by hand: its category, name and place)."""
    return [(r.osm_type, int(r.osm_id), r.category) if isinstance(r.osm_type, str) and not pd.isna(r.osm_id)
            else (r.category, r.name, round(p.x, 6), round(p.y, 6))
            for r, p in zip(frame.itertuples(), frame.geometry)]


def opened_closed(before, after) -> tuple:
    """The services in ``after`` that ``before`` lacks (opened) and those of ``before`` that
    ``after`` lacks (closed), as GeoDataFrames."""
    old, new = set(_key(before)), set(_key(after))
    return after[[k not in old for k in _key(after)]], before[[k not in new for k in _key(before)]]


def services_section(data: FinalData) -> dict:
    """Services per category in the area then and now, and those that opened and closed."""
    lang, found = data.lang, data.found
    heading = t("final_services", lang)
    if not found.inventories:
        return {"heading": heading, "empty": t("final_no_services", lang)}
    (first_day, first), (last_day, last) = found.inventories[0], found.inventories[-1]
    counts = _rows(data, "services")
    then, now = _at(counts, first_day), _at(counts, last_day)
    label = indicators.by_key("services").series_label
    if first_day == last_day:
        header = [t("report_col_category", lang), _day(first_day)]
        rows = [[label(key, lang), number(then[key], lang)] for key in then]
    else:
        header = [t("report_col_category", lang), _day(first_day), _day(last_day), t("final_change", lang)]
        rows = [[label(key, lang), number(then[key], lang), number(now[key], lang),
                 indicators.value_text(now[key] - then[key], "count", lang, change=True)] for key in then]
    opened, closed = opened_closed(first, last)

    def listed(frame) -> list[list[str]]:
        inside = frame.geometry.intersects(found.area) if found.area is not None else [True] * len(frame)
        return [[categories.label(r.category, lang), r.name if isinstance(r.name, str) else "–",
                 t("yes" if i else "no", lang)] for r, i in zip(frame.itertuples(), inside)]

    return {"heading": heading,
            "intro": t("final_services_intro", lang, first=_day(first_day), last=_day(last_day))
            if found.area is not None else t("final_services_intro_locality", lang, first=_day(first_day),
                                             last=_day(last_day)),
            "header": header, "rows": rows, "note": t("final_one_import", lang) if first_day == last_day else "",
            "list_header": [t("report_col_category", lang), t("report_col_name", lang),
                                          t("final_in_area", lang)],
            "opened_heading": t("final_opened", lang, count=len(opened)), "opened": listed(opened),
            "closed_heading": t("final_closed", lang, count=len(closed)), "closed": listed(closed),
            "none_changed": t("final_none_changed", lang)}


def coverage_section(data: FinalData) -> dict:
    """The shares of the area's buildings within each band of each category, then and now."""
    lang, found = data.lang, data.found
    heading = t("final_coverage", lang)
    if found.network is None:
        return {"heading": heading, "empty": found.network_problem.message(lang)}
    first_day, last_day = found.inventories[0][0], found.inventories[-1][0]
    bands = [int(key.removeprefix("within_")) for key in data.table["indicator"].unique() if key.startswith("within_")]
    shares = {band: (_at(_rows(data, f"within_{band}"), first_day), _at(_rows(data, f"within_{band}"), last_day))
              for band in bands}
    keys = [c.key for c in categories.categories() if any(c.key in then or c.key in now for then, now in shares.values())]
    periods = (0,) if first_day == last_day else (0, 1)
    rows = [[categories.label(key, lang), *[indicators.value_text(shares[band][period].get(key, 0.0), "share", lang)
                                            for band in bands for period in periods]] for key in keys]
    return {"heading": heading,
            "intro": t("final_coverage_intro" if found.area is not None else "final_coverage_intro_locality", lang),
            "bands": [t("report_col_within", lang, band=band) for band in bands],
            "periods": [_day(first_day), _day(last_day)][:len(periods)], "category": t("report_col_category", lang),
            "rows": rows, "note": t("final_one_import", lang) if first_day == last_day else ""}


def actions_section(data: FinalData) -> dict:
    """The action plan: what was done against what was planned, with costs (no owners)."""
    lang, plan = data.lang, data.found.actions
    heading = t("final_actions", lang)
    if plan.empty:
        return {"heading": heading, "empty": t("report_no_actions", lang)}
    done = plan[plan["status"] == "done"]
    costs = pd.to_numeric(plan["cost_sek"])
    facts = [(t("final_actions_planned", lang), number(len(plan), lang)),
             (t("final_actions_done", lang), t("final_of", lang, part=number(len(done), lang),
                                               whole=number(len(plan), lang))),
             (t("action_status_in_progress", lang), number(int((plan["status"] == "in_progress").sum()), lang)),
             (t("final_cost_done", lang), t("final_of", lang, part=number(costs[done.index].sum(), lang),
                                            whole=number(costs.sum(), lang)) + " kr")]
    rows = [[r.title, t("focus_" + r.focus_area, lang), t("action_status_" + r.status, lang),
             "" if r.done_at is None or pd.isna(r.done_at) else local_time(pd.Timestamp(r.done_at).to_pydatetime(),
                                                                            with_time=False),
             "" if pd.isna(r.cost_sek) else number(r.cost_sek, lang)] for r in plan.itertuples()]
    return {"heading": heading, "facts": facts, "rows": rows,
            "header": [t("report_col_title", lang), t("report_col_focus_area", lang), t("report_col_status", lang),
                       t("final_done_on", lang), t("report_col_cost", lang)]}


def indicators_section(data: FinalData) -> dict:
    """Every indicator: its chart over time and its series' baseline, latest value and change."""
    lang, found = data.lang, data.found
    process = found.process
    summary = indicators.labelled(indicators.summary(data.table), lang) if len(data.table) else None
    items = []
    for indicator in indicators.INDICATORS:
        rows = data.table[data.table["indicator"] == indicator.key]
        if rows.empty:
            continue
        title = indicator.title(lang)
        chart = charts.indicator_png(indicators.labelled(rows, lang), indicator.unit, lang, indicator.stepwise, process)
        mine = summary[summary["indicator"] == indicator.key]
        items.append({"title": title, "chart": _png(chart), "rows": [
            [r.series_label, f"{indicators.value_text(r.baseline, indicator.unit, lang)} ({_day(r.baseline_date)})",
             f"{indicators.value_text(r.latest, indicator.unit, lang)} ({_day(r.latest_date)})",
             indicators.value_text(r.change, indicator.unit, lang, change=True)] for r in mine.itertuples()]})
    return {"heading": t("final_indicators", lang), "intro": t("final_indicators_intro", lang), "charts": items,
            "header": [t("final_series", lang), t("final_baseline", lang), t("final_latest", lang),
                       t("final_change", lang)], "empty": "" if items else t("final_no_indicators", lang)}


def financing_section(data: FinalData) -> dict:
    """The business plan's financing outcome (``bidgeo.plan.figures``): planned costs against
    financing per year with the balance and the unfunded years, and the financing by kind of
    party and status (letter of intent, pledged, signed), money and hours in kind valued."""
    lang, engine, project_id = data.lang, data.found.engine, data.found.project.id
    heading = t("final_financing", lang)
    costs, money = plan.budget(engine, project_id), plan.financing(engine, project_id)
    if costs.empty and money.empty:
        return {"heading": heading, "empty": t("final_no_budget", lang)}
    figures = plan.figures(engine, project_id)
    keys = ("cost_sek", "hours_cost_sek", "financing_sek", "in_kind_sek", "balance_sek")
    years = [[year, *(number(sums[k], lang) for k in keys)]
             for year, sums in [*figures["years"].items(), (t("report_total", lang), figures["total"])]]
    value = money["amount_sek"] + money["hours"] * figures["hour_rate_sek"]
    whole = float(value.sum())
    by_kind = []
    for kind in [k for k in plan.KINDS if (money["kind"] == k).any()] + [None]:
        mine = value if kind is None else value[money["kind"] == kind]
        status = money["status"] if kind is None else money.loc[money["kind"] == kind, "status"]
        by_kind.append([t("report_total", lang) if kind is None else t(f"plan_kind_{kind}", lang),
                        *(number(float(mine[status == s].sum()), lang) for s in plan.FUNDING_STATUSES),
                        number(float(mine.sum()), lang), percent(float(mine.sum()) / whole if whole else 0.0, lang)])
    signed = figures["by_status"]["signed"]
    return {"heading": heading, "intro": t("final_financing_intro", lang, rate=number(figures["hour_rate_sek"], lang)),
            "warnings": [t("plan_unfunded", lang, year=y, gap=number(-figures["years"][str(y)]["balance_sek"], lang))
                         for y in figures["unfunded_years"]],
            "funded": "" if figures["unfunded_years"] else t("final_all_funded", lang),
            "notes": [t(key, lang) for key, none in (("pd_no_budget", costs.empty), ("pd_no_financing", money.empty))
                      if none],
            "years_header": [t(f"pd_col_{k}", lang) for k in ("year", "cost", "hours_cost", "financing", "in_kind",
                                                              "balance")],
            "years": years, "chart": _png(charts.balance_png(figures, lang)) if figures["years"] else "",
            "chart_alt": t("pd_chart", lang), "by_kind_heading": t("final_financing_by_kind", lang),
            "by_kind_header": [t("pd_col_kind", lang),
                               *(_capital(t(f"plan_funding_{s}", lang)) for s in plan.FUNDING_STATUSES),
                               t("pd_col_value", lang), t("pd_col_share", lang)],
            "by_kind": by_kind,
            "signed": t("final_signed_share", lang, signed=number(signed, lang), total=number(whole, lang),
                        share=percent(signed / whole if whole else 0.0, lang))}


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


SECTIONS: list[tuple[str, Callable[[FinalData], dict]]] = [
    ("final_scores.html", scores_section),
    ("final_services.html", services_section),
    ("final_coverage.html", coverage_section),
    ("final_actions.html", actions_section),
    ("final_indicators.html", indicators_section),
    ("final_financing.html", financing_section),
]
"""The report's sections in order: (template partial, its context from :class:`FinalData`)."""


# --- the document -------------------------------------------------------------------------------
def key_figures(data: FinalData) -> list[tuple[str, str, str]]:
    """The cover's figures, at the baseline and at the latest follow-up: services in the area,
    the focus areas' mean score, the vacancy rate by count, the actions done."""
    lang, figures = data.lang, []
    for indicator, series, label, unit in (("services", indicators.TOTAL, "ind_services", "count"),
                                           ("scores", None, "final_mean_score", "score"),
                                           ("vacancy", "count", "premises_rate_count", "share")):
        rows = _rows(data, indicator)
        if series is not None:
            rows = rows[rows["series"] == series]
        if len(rows):
            means = rows.groupby("date")["value"].mean()
            figures.append((t(label, lang), indicators.value_text(means.iloc[0], unit, lang),
                            indicators.value_text(means.iloc[-1], unit, lang) if len(means) > 1 else "–"))
    rows = _rows(data, "actions")
    if len(rows):
        first, last = _at(rows, rows["date"].min()), _at(rows, rows["date"].max())
        figures.append((t("final_actions_done", lang),
                        t("final_of", lang, part=number(first["done"], lang), whole=number(first["planned"], lang)),
                        t("final_of", lang, part=number(last["done"], lang), whole=number(last["planned"], lang))))
    return figures


def document(data: FinalData) -> str:
    """The final report as HTML for WeasyPrint (A4). Every user text is escaped."""
    lang, found = data.lang, data.found
    project = found.project
    made = local_time(data.made_at, with_time=False)
    baseline = [d for d in (found.inventories[0][0] if found.inventories else None,
                            found.walks[0].walked_on if found.walks else None) if d is not None]
    latest = data.table["date"].max() if len(data.table) else None
    facts = [(t("report_locality", lang), project.locality or "–"),
             (t("report_municipality", lang), project.municipality or "–"),
             (t("final_process", lang), t("final_process_value", lang, start=_day(found.process[0]),
                                          end=_day(found.process[1])) if found.process else t("final_no_process", lang)),
             (t("final_baseline", lang), _day(min(baseline)) if baseline else "–"),
             (t("final_latest", lang), _day(latest) if data.followed_up else "–"),
             (t("report_date", lang), made)]
    text = {"title": t("final_title", lang), "kicker": t("report_kicker", lang),
            "edition": t("final_edition", lang),
            "notice": "" if data.followed_up else t("final_not_followed_up", lang),
            "figures": t("final_key_figures", lang), "baseline": t("final_baseline", lang),
            "latest": t("final_latest", lang),
            "footer": f"{project.name} · {t('final_title', lang)} · {made} · {ATTRIBUTION}"}
    page = {"date": _css_string(made), "attribution": _css_string(ATTRIBUTION),
            "page": _css_string(t("report_page", lang)), "of": _css_string(t("report_of", lang))}
    sections = [{"template": template, **build(data)} for template, build in SECTIONS]
    return render("final_report.html", lang=lang, pdf=True, page=page, text=text, project=project, facts=facts,
                  figures=key_figures(data), sections=sections)


def pdf(data: FinalData) -> bytes:
    """The final report as an A4 PDF (WeasyPrint)."""
    return pdf_document(document(data)).write_pdf()
