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
            + '[class*="st-key-fa_"] button {padding:0.3rem 0.25rem;}'
              '[class*="st-key-fa_"] button > div {flex-direction:column; gap:0.2rem;}'
              '[class*="st-key-fa_"] button p {white-space:normal; overflow-wrap:normal; word-break:normal;'
              ' font-size:1rem; line-height:1.2;}'
              '[class*="st-key-fa_"] button div {overflow:visible;}'
            + '[class*="st-key-kind_"] button, [class*="st-key-rating_"] button, [class*="st-key-score_"] button '
              '{min-height:56px; min-width:64px; font-size:1.15rem;}'
            + '[class*="st-key-save_"] button {min-height:72px; font-size:1.3rem;}'
            + '[class*="st-key-walk_view"] button {min-height:52px; font-size:1.05rem;}'
            + "</style>")
