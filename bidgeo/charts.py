"""Static charts (PNG) for exports and pages, drawn with matplotlib without a display."""

from __future__ import annotations

import io
import textwrap

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the backend)
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from bidgeo.i18n import t  # noqa: E402


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
    ax.set_xlabel(t("chart_share_within", lang, band=band))
    ax.legend(loc="lower right", fontsize="small")
    ax.grid(axis="x", alpha=0.3)
    ax.set_title(t("chart_title", lang, band=band))
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
