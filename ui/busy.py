"""Saying that the app is working: a spinner with the elapsed time for a wait of a second or
more, and a progress bar that names the stage an import is in."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st


def busy(text: str):
    """A spinner with ``text`` (and the seconds it has taken) while the block runs."""
    return st.spinner(text, show_time=True)


class Stages:
    """A progress bar over ``stages`` (in order), labelled ``texts[stage]``: call it with each
    stage as it begins; :meth:`done` removes the bar."""

    def __init__(self, stages: Sequence[str], texts: dict[str, str]):
        self.stages, self.texts = list(stages), texts
        self.bar = st.progress(0.0, text=texts[self.stages[0]])

    def __call__(self, stage: str, fraction: float = 0.0) -> None:
        """``stage`` has begun (and is ``fraction`` done)."""
        done = (self.stages.index(stage) + min(max(fraction, 0.0), 1.0)) / len(self.stages)
        self.bar.progress(done, text=self.texts[stage])

    def done(self) -> None:
        self.bar.empty()
