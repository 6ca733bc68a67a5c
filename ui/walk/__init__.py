"""The place-walk page's parts (``app_pages/walk.py``), one module for each thing the walker
does: choosing or starting a walk (:mod:`ui.walk.choose`), the observation form
(:mod:`ui.walk.form`, its photos and position in :mod:`ui.walk.position`), the map and list of
the walk's observations (:mod:`ui.walk.observations`), the focus-area scores after the walk
(:mod:`ui.walk.scores`) and the offline field kit (:mod:`ui.walk.kit`). Each part takes the
:class:`Walking` the page chose."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st
from sqlalchemy.engine import Engine

import ui
from bidgeo import focus, walks
from bidgeo.area_versions import VersionInfo
from bidgeo.osm import OsmData
from bidgeo.projects import ProjectInfo


@dataclass(frozen=True)
class Walking:
    """What every part of the page works on: the project, its locality and the chosen walk."""

    engine: Engine
    project: ProjectInfo
    lang: str
    osm: OsmData | None
    area: VersionInfo | None
    """The project's current BID area, or None."""
    walks: list[walks.WalkInfo]
    """All the project's walks, the first the baseline."""
    walk: walks.WalkInfo

    @property
    def area_geometry(self):
        return self.area.geometry if self.area else None


def walk_label(walk: walks.WalkInfo) -> str:
    role = ui.t("walk_baseline") if walk.baseline else ui.t("walk_followup")
    group = f" · {walk.focus_group}" if walk.focus_group else ""
    return f"{walk.walked_on.isoformat()}{group} ({role}, {ui.t('walk_count', count=walk.observations)})"


def touch_targets() -> None:
    """Big touch targets for a tablet, the focus areas in their colours."""
    st.html("<style>"
            + "".join(f'[class*="st-key-fa_{key}__"] button {{border:3px solid {colour}; min-height:84px;}}'
                      f'[class*="st-key-fa_{key}__"] button[kind="primary"] {{background:{colour}; color:#fff;}}'
                      for key, colour in focus.FOCUS_COLOURS.items())
            # The five focus areas side by side where their names fit whole (icon above name),
            # else in two rows: never a name cut or broken inside a word.
            + '[data-testid="stHorizontalBlock"]:has(> [data-testid="stColumn"] [class*="st-key-fa_"]) '
              '{display:grid; grid-template-columns:repeat(auto-fit, minmax(7.6rem, 1fr)); gap:0.5rem;}'
              '[data-testid="stHorizontalBlock"]:has(> [data-testid="stColumn"] [class*="st-key-fa_"]) '
              '> [data-testid="stColumn"] {width:auto; min-width:0;}'
              '[class*="st-key-fa_"] button {padding:0.3rem 0.25rem; width:100%;}'
              '[class*="st-key-fa_"] button > div, [class*="st-key-fa_"] button > div > span '
              '{display:flex; flex-direction:column; align-items:center; gap:0.2rem; max-width:100%;}'
              '[class*="st-key-fa_"] button p {white-space:normal; overflow-wrap:normal; word-break:normal;'
              ' hyphens:manual; font-size:0.95rem; line-height:1.2; text-align:center;}'
              '[class*="st-key-fa_"] button div {overflow:visible; text-overflow:clip;}'
            # Types, judgements and scores: big enough for a finger, seven scores in a column of 3/5 at 768 px.
            + '[class*="st-key-kind_"] button, [class*="st-key-rating_"] button, [class*="st-key-score_"] button '
              '{min-height:56px; min-width:4rem; font-size:1.15rem;}'
              '[class*="st-key-rating_"] button, [class*="st-key-score_"] button {min-width:3.25rem; padding:0 0.5rem;}'
            + '.stElementContainer:has(.bidgeo-to-top) {display:none;}'
            + '[class*="st-key-save_"] button {min-height:72px; font-size:1.3rem;}'
            + '[class*="st-key-walk_view"] button {min-height:52px; font-size:1.05rem;}'
            + "</style>")
