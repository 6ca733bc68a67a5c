"""Indicators of a BID's outcome (follow-up, step 7): a baseline from the tool's own data and
its value at every later date the data changed, over the 18 months of the process and after.

The measures are pure functions, tables in and a tidy table out (:data:`COLUMNS`: one row per
indicator, series and date), as momepy's are:

- :func:`services_in_area`: services per category inside the BID area, at the end of each day
  the inventory changed (an import or a correction, :func:`bidgeo.inventory.current` ``at``);
- :func:`coverage_shares`: the share of the area's buildings within each walking-distance
  band of each category (``docs/spec/walking-distance.md``) on those days, on the locality's
  present network, so that only the services differ;
- :func:`focus_scores`: the mean focus-area score (1-7) of each walk with an assessment;
- :func:`vacancy_rates`: the vacancy rate of the premises register, by count and by floor
  area, on each day a premise's status changed (:func:`bidgeo.premises.vacancy` ``at``);
- :func:`actions_done`: the actions done and the actions in the plan, on each day one was
  added or done.

:data:`INDICATORS` lists them; an indicator is a key, a unit, its measure over
:class:`Sources` (everything read once by :func:`sources`) and its labels. Adding one (vacant
premises) was one more entry. The first value of a series is its baseline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Callable

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry.base import BaseGeometry
from sqlalchemy.engine import Engine

from bidgeo import categories, coverage, focus, inventory, premises, process, review, walks
from bidgeo.area_versions import current_version
from bidgeo.errors import BidgeoError
from bidgeo.i18n import TIMEZONE, number, percent, t
from bidgeo.projects import ProjectInfo, get_project
from bidgeo.walks import WalkInfo

COLUMNS = ["indicator", "series", "date", "value"]
TOTAL = "total"
"""The series of all categories together (services in the area)."""


def _day(moment: datetime) -> date:
    """The Swedish calendar day of a stored (UTC) moment."""
    return moment.replace(tzinfo=moment.tzinfo or timezone.utc).astimezone(TIMEZONE).date()


def _tidy(rows: list[tuple], indicator: str) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=COLUMNS[1:])
    frame.insert(0, "indicator", indicator)
    frame["value"] = frame["value"].astype(float)
    return frame.sort_values("date", kind="stable").reset_index(drop=True)


# --- the measures ---------------------------------------------------------------------------------
def services_in_area(inventories: list[tuple[date, gpd.GeoDataFrame]], area: BaseGeometry | None) -> pd.DataFrame:
    """Services per category inside ``area`` (all of them without one) in each inventory,
    and their total (series :data:`TOTAL`). A category appears once it has had a service."""
    counts = []
    for day, points in inventories:
        inside = points if area is None else points[points.geometry.intersects(area)]
        counts.append((day, inside["category"].value_counts()))
    seen = {key for _, found in counts for key in found.index}
    keys = [c.key for c in categories.categories() if c.key in seen]
    rows = [(key, day, int(found.get(key, 0))) for day, found in counts for key in keys]
    rows += [(TOTAL, day, int(found.sum())) for day, found in counts]
    return _tidy(rows, "services")


def coverage_shares(net: coverage.Network, inventories: list[tuple[date, gpd.GeoDataFrame]],
                    area: BaseGeometry | None, bands: tuple[int, ...] = coverage.DEFAULT_BANDS) -> pd.DataFrame:
    """The share of origins (buildings) inside ``area`` within each band of each category, in
    each inventory, on ``net`` (:meth:`bidgeo.coverage.Coverage.share_within`): indicator
    ``within_<band>``, series the category. A category appears in a band where some origin has
    ever been within it. A category's distances are computed once per set of its services."""
    origins = np.ones(len(net.origin_node), bool) if area is None else coverage.origins_within(net, area)
    seen = {key for _, points in inventories for key in points["category"]}
    keys = [c.key for c in categories.categories() if c.key in seen]
    rows: dict[int, list[tuple]] = {band: [] for band in bands}
    known: dict[tuple, np.ndarray] = {}
    for day, points in inventories:
        for key in keys:
            chosen = points[points["category"] == key]
            where = tuple(sorted(zip(chosen.geometry.x.round(7), chosen.geometry.y.round(7))))
            if (key, where) not in known:
                lon, lat = np.array([p[0] for p in where]), np.array([p[1] for p in where])
                known[key, where] = net.distances(lon, lat)[origins]
            distances = known[key, where]
            for band in bands:
                rows[band].append((key, day, float((distances <= band).mean()) if len(distances) else 0.0))
    frames = [_tidy(rows[band], f"within_{band}") for band in bands]
    return pd.concat([frame[frame.groupby("series")["value"].transform("max") > 0] for frame in frames],
                     ignore_index=True)


def focus_scores(walk_list: list[WalkInfo], scores: pd.DataFrame) -> pd.DataFrame:
    """The mean score (1-7) of each focus area in each walk that was assessed, on the day it
    was walked."""
    if scores.empty:
        return _tidy([], "scores")
    means = walks.mean_scores(scores)
    days = {w.id: w.walked_on for w in walk_list}
    rows = [(key, days[walk_id], row[key]) for walk_id, row in means.iterrows() if walk_id in days
            for key in focus.FOCUS_AREAS if not pd.isna(row[key])]
    return _tidy(rows, "scores")


def vacancy_rates(vacancies: list[tuple[date, dict]]) -> pd.DataFrame:
    """The vacancy rate of the register on each day (:func:`bidgeo.premises.vacancy`): by
    count of the premises whose status is known (series ``count``) and by floor area of those
    with an area (series ``floor_area``, on the days some area is known)."""
    rows = [("count", day, found["vacancy_rate"]) for day, found in vacancies]
    rows += [("floor_area", day, found["vacancy_rate_floor_area"]) for day, found in vacancies
             if found["vacancy_rate_floor_area"] is not None]
    return _tidy(rows, "vacancy")


def actions_done(plan: pd.DataFrame) -> pd.DataFrame:
    """On each day an action was added to the plan or done: the actions done by then (series
    ``done``) and the actions in the plan by then (series ``planned``), from
    :func:`bidgeo.review.actions`."""
    added = [_day(moment) for moment in plan["created_at"]]
    done = [None if moment is None or pd.isna(moment) else _day(moment) for moment in plan["done_at"]]
    rows = []
    for day in sorted(set(added) | {d for d in done if d is not None}):
        rows.append(("done", day, sum(d is not None and d <= day for d in done)))
        rows.append(("planned", day, sum(a <= day for a in added)))
    return _tidy(rows, "actions")


# --- the project's data, read once ----------------------------------------------------------------
@dataclass
class Sources:
    """What the indicators are measured from, read once (:func:`sources`)."""

    engine: Engine
    project: ProjectInfo
    area: BaseGeometry | None
    """The current BID area (None: the project has none, and the whole locality counts)."""
    inventories: list[tuple[date, gpd.GeoDataFrame]]
    """The inventory as it stood at the end of each day it changed, oldest first; the last is
    the present one."""
    network: coverage.Network | None
    network_problem: BidgeoError | None
    """Why there is no network (no OSM extract), or None."""
    process: tuple[date, date] | None
    """The process's first and last day (its 18 months), if it has been started."""
    walks: list[WalkInfo]
    scores: pd.DataFrame
    """:func:`bidgeo.walks.assessments` of every walk."""
    vacancies: list[tuple[date, dict]]
    """The premises register's vacancy on each day a premise's status changed, oldest first
    (:func:`vacancies`; empty without a register)."""
    actions: pd.DataFrame
    """:func:`bidgeo.review.actions`."""
    _shares: pd.DataFrame | None = None

    def shares(self) -> pd.DataFrame:
        """:func:`coverage_shares` of every band (computed once; empty without a network)."""
        if self._shares is None:
            self._shares = pd.DataFrame(columns=COLUMNS) if self.network is None or not self.inventories \
                else coverage_shares(self.network, self.inventories, self.area)
        return self._shares


def inventories(engine: Engine, project_id: int) -> list[tuple[date, gpd.GeoDataFrame]]:
    """The service inventory at the end of each (Swedish) day an import or a correction
    changed it, oldest first."""
    last_of_day: dict[date, datetime] = {}
    for moment in inventory.change_times(engine, project_id):
        last_of_day[_day(moment)] = moment
    return [(day, inventory.current(engine, project_id, at=moment)) for day, moment in last_of_day.items()]


def vacancies(engine: Engine, project_id: int) -> list[tuple[date, dict]]:
    """The premises register's vacancy (:func:`bidgeo.premises.vacancy`) on each day a premise
    was first observed or observed with another status than before, oldest first."""
    history = premises.history_table(engine, project_id)
    changed = history["status"] != history.groupby("key")["status"].shift()
    return [(day, premises.vacancy(engine, project_id, at=day)) for day in sorted(set(history.loc[changed, "observed"]))]


def sources(engine: Engine, project_id: int) -> Sources:
    """Read what the indicators of project ``project_id`` are measured from."""
    project = get_project(engine, project_id)
    version = current_version(engine, project.id)
    net, problem = None, None
    try:
        net = coverage.project_network(engine, project)
    except BidgeoError as exc:
        problem = exc
    walk_list = walks.walks(engine, project.id)
    started = process.plan(engine, project.id)
    phases = process.timeline(started.start_on) if started else None
    return Sources(engine=engine, project=project, area=version.geometry if version else None,
                   inventories=inventories(engine, project.id), network=net, network_problem=problem,
                   process=(phases[0].start, phases[-1].end) if phases else None,
                   walks=walk_list, scores=walks.assessments(engine, [w.id for w in walk_list]),
                   vacancies=vacancies(engine, project.id), actions=review.actions(engine, project.id))


# --- the indicators -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Indicator:
    """One indicator: ``measure`` gives its tidy rows (:data:`COLUMNS`) from :class:`Sources`;
    ``unit`` is ``count``, ``share`` (0-1) or ``score`` (1-7)."""

    key: str
    unit: str
    measure: Callable[[Sources], pd.DataFrame]
    title: Callable[[str], str]
    """Its name in a language."""
    series_label: Callable[[str, str], str]
    """A series' name (series key, language)."""
    stepwise: bool = True
    """A value holds until the next (an inventory, the plan); False: values are samples (walks)."""


def _category(key: str, lang: str) -> str:
    return t("ind_all_services", lang) if key == TOTAL else categories.label(key, lang)


def _within(band: int) -> Indicator:
    def measure(found: Sources) -> pd.DataFrame:
        shares = found.shares()
        return shares[shares["indicator"] == f"within_{band}"].reset_index(drop=True)

    return Indicator(f"within_{band}", "share", measure, lambda lang: t("ind_within", lang, band=band),
                     _category)


INDICATORS: list[Indicator] = [
    Indicator("services", "count", lambda found: services_in_area(found.inventories, found.area),
              lambda lang: t("ind_services", lang), _category),
    *[_within(band) for band in coverage.DEFAULT_BANDS],
    Indicator("scores", "score", lambda found: focus_scores(found.walks, found.scores),
              lambda lang: t("ind_scores", lang), lambda key, lang: t("focus_" + key, lang), stepwise=False),
    Indicator("vacancy", "share", lambda found: vacancy_rates(found.vacancies), lambda lang: t("ind_vacancy", lang),
              lambda key, lang: t("premises_rate_count" if key == "count" else "premises_rate_area", lang)),
    Indicator("actions", "count", lambda found: actions_done(found.actions),
              lambda lang: t("ind_actions", lang),
              lambda key, lang: t("ind_actions_done" if key == "done" else "ind_actions_planned", lang)),
]
"""The indicators in the order the report and the page show them."""


def by_key(key: str) -> Indicator:
    return next(indicator for indicator in INDICATORS if indicator.key == key)


def measure(found: Sources) -> pd.DataFrame:
    """Every indicator of :data:`INDICATORS` as one tidy table (:data:`COLUMNS`)."""
    frames = [indicator.measure(found) for indicator in INDICATORS]
    frames = [frame for frame in frames if len(frame)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per indicator and series (in the table's order): the baseline (its first date and
    value), the latest and the change."""
    rows = []
    for (indicator, series), values in table.groupby(["indicator", "series"], sort=False):
        values = values.sort_values("date", kind="stable")
        first, last = values.iloc[0], values.iloc[-1]
        rows.append((indicator, series, first["date"], first["value"], last["date"], last["value"],
                     last["value"] - first["value"]))
    return pd.DataFrame(rows, columns=["indicator", "series", "baseline_date", "baseline", "latest_date", "latest",
                                       "change"])


def labelled(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``table`` (tidy or a :func:`summary`) with the indicator's and the series' names in
    ``lang`` (columns ``indicator_label`` and ``series_label``)."""
    out = table.copy()
    out["indicator_label"] = [by_key(key).title(lang) for key in out["indicator"]]
    out["series_label"] = [by_key(key).series_label(series, lang) for key, series in zip(out["indicator"],
                                                                                         out["series"])]
    return out


def value_text(value: float, unit: str, lang: str, change: bool = False) -> str:
    """A value as a reader of ``lang`` writes it (``bidgeo.i18n.number``/``percent``): a count,
    a share as a percentage, a score with one decimal. A ``change`` has its sign, and a change
    of a share is in percentage points."""
    if value is None or pd.isna(value):
        return "–"
    if unit == "share" and change:
        text = t("ind_points", lang, value=number(abs(value) * 100, lang, 0))
    elif unit == "share":
        text = percent(value, lang, 0)
    else:
        text = number(abs(value) if change else value, lang, 1 if unit == "score" else 0)
    if not change:
        return text
    return ("+" if value > 0 else "−" if value < 0 else "±") + text
