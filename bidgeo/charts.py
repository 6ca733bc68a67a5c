"""Static charts (PNG) for exports and pages, drawn with matplotlib without a display."""

from __future__ import annotations

import io
import textwrap

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the backend)
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from bidgeo.i18n import number, percent, t  # noqa: E402


def _plain(text: object) -> str:
    """User text for a matplotlib label as written: a ``$`` escaped, so no $...$ is maths."""
    return str(text).replace("$", r"\$")


def comparison_png(table: pd.DataFrame, band: int, lang: str) -> bytes:
    """Grouped bars: per category, the share of origins within ``band`` metres in each
    locality (``table`` as from :func:`bidgeo.coverage.comparison_table`)."""
    column = f"within_{band}"
    wide = table.pivot_table(index="label", columns="name", values=column, sort=False)
    labels, localities = list(wide.index), list(wide.columns)
    fig, ax = plt.subplots(figsize=(10, 0.45 * len(labels) * max(1, len(localities)) / 1.5 + 1.8), dpi=120)
    height = 0.8 / max(1, len(localities))
    for i, name in enumerate(localities):
        ax.barh(np.arange(len(labels)) + i * height, wide[name].to_numpy() * 100, height=height, label=_plain(name))
    ax.set_yticks(np.arange(len(labels)) + height * (len(localities) - 1) / 2, labels)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: percent(value / 100, lang)))
    ax.set_xlabel(t("chart_share_within", lang, band=number(band, lang)))
    ax.legend(loc="lower right", fontsize="small")
    ax.grid(axis="x", alpha=0.3)
    ax.set_title(t("chart_title", lang, band=number(band, lang)))
    fig.text(0.01, 0.005, t("chart_attribution", lang), fontsize=7, color="#555555")
    fig.tight_layout(rect=(0, 0.02, 1, 1))
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()


def radar_png(means: pd.DataFrame, names: dict[int, str], lang: str) -> bytes:
    """The focus-area scores (1-7) of one or more walks on a radar chart, one outline per
    walk (``means`` as from :func:`bidgeo.walks.mean_scores`; ``names`` labels each walk)."""
    from bidgeo.focus import FOCUS_AREAS

    angles = np.linspace(0, 2 * np.pi, len(FOCUS_AREAS), endpoint=False)
    fig, ax = plt.subplots(figsize=(6, 5.2), dpi=120, subplot_kw={"projection": "polar"})
    ax.set_theta_offset(np.pi / 2)
    ax.set_theta_direction(-1)
    for walk_id, row in means.iterrows():
        values = row.reindex(list(FOCUS_AREAS)).to_numpy(dtype=float)
        closed_angles, closed = np.append(angles, angles[0]), np.append(values, values[0])
        ax.plot(closed_angles, closed, linewidth=2, label=names.get(walk_id, str(walk_id)))
        ax.fill(closed_angles, closed, alpha=0.12)
    ax.set_xticks(angles, [textwrap.fill(t("focus_" + key, lang), 14) for key in FOCUS_AREAS], fontsize=9)
    ax.tick_params(axis="x", pad=14)  # a name in two lines clear of the outer circle
    ax.set_ylim(0, 7)
    ax.set_yticks(range(1, 8))
    ax.set_title(t("chart_radar_title", lang), pad=18)
    ax.legend(loc="upper right", bbox_to_anchor=(1.25, 1.12), fontsize="small")
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()


def timeline_png(phases, today, late_tasks: pd.DataFrame, lang: str) -> bytes:
    """The process as a Gantt chart: a bar per step (``bidgeo.process.timeline``), today as a
    line, and tasks past their due date as red marks on their step's row."""
    import matplotlib.dates as mdates

    fig, ax = plt.subplots(figsize=(10, 3.6), dpi=120)
    colours = {"prepare": "#90caf9", "carry_out": "#a5d6a7", "compile": "#ffcc80"}
    for row, phase in enumerate(phases):
        start = mdates.date2num(phase.start)
        ax.barh(row, mdates.date2num(phase.end) + 1 - start, left=start, color=colours[phase.step.phase],
                edgecolor="#455a64", height=0.6)
        ax.text(start + 2, row, f"{phase.step.number}. {phase.step.label(lang)}", va="center", fontsize=7.5,
                clip_on=True)
    if len(late_tasks):
        ax.plot([mdates.date2num(d) for d in late_tasks["due_on"]], [s - 1 for s in late_tasks["step"]], "v",
                color="#c62828", markersize=8, label=t("chart_overdue", lang, count=len(late_tasks)))
        ax.legend(loc="lower left", fontsize="small")
    ax.set_xlim(mdates.date2num(phases[0].start) - 7, mdates.date2num(phases[-1].end) + 120)  # room for labels
    ax.axvline(mdates.date2num(today), color="#c62828", linewidth=1.5)
    ax.text(mdates.date2num(today), -0.8, t("chart_today", lang), color="#c62828", fontsize=8, ha="center")
    ax.set_yticks([])
    ax.set_ylim(len(phases) - 0.5, -1.1)
    ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=(1, 4, 7, 10)))
    ax.xaxis.set_minor_locator(mdates.MonthLocator())
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m"))
    ax.grid(axis="x", alpha=0.3)
    ax.set_title(t("chart_timeline_title", lang))
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()


def indicator_png(table: pd.DataFrame, unit: str, lang: str, stepwise: bool = True,
                  process: tuple | None = None) -> bytes:
    """One indicator over time, a line per series with a marker at each date it was measured
    (``table``: tidy rows of :mod:`bidgeo.indicators` with ``series_label``). ``stepwise``: a
    value holds until the next one (an inventory, an action plan); else the line joins
    samples (walks). The y axis is in the reader's numbers (``unit`` count, share or score);
    ``process`` (its first and last day) is shaded as the process's 18 months."""
    import matplotlib.dates as mdates
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    from bidgeo.i18n import number, percent

    fig, ax = plt.subplots(figsize=(8, 2.9), dpi=120)
    if process is not None:
        ax.axvspan(mdates.date2num(process[0]), mdates.date2num(process[1]), color="#e3f2fd", zorder=0,
                   label=t("chart_process_span", lang))
    for label, rows in table.groupby("series_label", sort=False):
        rows = rows.sort_values("date")
        ax.plot([mdates.date2num(d) for d in rows["date"]], rows["value"].to_numpy(dtype=float), marker="o",
                linewidth=2, label=_plain(label), drawstyle="steps-post" if stepwise else "default")
    if unit == "share":
        ax.set_ylim(-0.02, 1.05)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: percent(v, lang, 0)))
    elif unit == "score":
        ax.set_ylim(1, 7.2)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: number(v, lang, 0)))
    else:
        ax.set_ylim(bottom=-0.2, top=max(1.0, float(table["value"].max()) * 1.15) if len(table) else 1)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: number(v, lang, 0)))
    ax.xaxis.set_major_locator(mdates.AutoDateLocator(maxticks=8))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m"))
    ax.grid(alpha=0.3)
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize="small", frameon=False)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()


def balance_png(figures: dict, lang: str) -> bytes:
    """The business plan's years side by side (``bidgeo.plan.figures``): costs (money, and
    the budget's hours valued) against financing (money, and hours in kind), with each year's
    balance written above, red where the year is unfunded."""
    from bidgeo.i18n import number

    years = list(figures["years"])
    rows = [figures["years"][y] for y in years]
    x = np.arange(len(years))
    fig, ax = plt.subplots(figsize=(8, 3.8), dpi=130)
    cost, hours = [r["cost_sek"] / 1000 for r in rows], [r["hours_cost_sek"] / 1000 for r in rows]
    money, kind = [r["financing_sek"] / 1000 for r in rows], [r["in_kind_sek"] / 1000 for r in rows]
    ax.bar(x - 0.2, cost, 0.38, color="#c62828", label=t("chart_plan_costs", lang))
    ax.bar(x - 0.2, hours, 0.38, bottom=cost, color="#ef9a9a", label=t("chart_plan_hours", lang))
    ax.bar(x + 0.2, money, 0.38, color="#2e7d32", label=t("chart_plan_financing", lang))
    ax.bar(x + 0.2, kind, 0.38, bottom=money, color="#a5d6a7", label=t("chart_plan_in_kind", lang))
    top = max([c + h for c, h in zip(cost, hours)] + [m + k for m, k in zip(money, kind)] + [1])
    for i, row in enumerate(rows):
        balance = row["balance_sek"]
        ax.text(i, top * 1.06, t("chart_plan_balance", lang, amount=number(balance, lang)), ha="center",
                fontsize=8.5, color="#c62828" if balance < 0 else "#1b5e20", fontweight="bold")
    ax.set_ylim(0, top * 1.2)
    ax.set_xticks(x, years)
    ax.set_ylabel(t("chart_plan_thousands", lang))
    ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))  # whole thousands
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: number(v, lang)))
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small")
    ax.set_title(t("chart_plan_title", lang))
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()


def vacancy_png(timeline: pd.DataFrame, lang: str) -> bytes:
    """The vacancy rate over time, by count and by floor area (``bidgeo.premises.timeline``):
    each rate holds from the day it was observed until the next."""
    import matplotlib.dates as mdates

    fig, ax = plt.subplots(figsize=(8, 3.4), dpi=120)
    days = [mdates.date2num(d) for d in timeline["date"]]
    ax.step(days, timeline["vacancy_rate"] * 100, where="post", linewidth=2, color="#c62828", marker="o",
            label=t("premises_chart_by_count", lang))
    by_area = timeline["vacancy_rate_floor_area"].astype(float) * 100
    if by_area.notna().any():
        ax.step(days, by_area, where="post", linewidth=2, color="#ef6c00", linestyle="--", marker="s",
                label=t("premises_chart_by_area", lang))
    ax.set_ylim(0, max(10.0, float(np.nanmax([timeline["vacancy_rate"].max() * 100, by_area.max()])) * 1.2))
    ax.set_ylabel(t("premises_chart_percent", lang))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m"))
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize="small")
    ax.set_title(t("premises_chart_title", lang))
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()
