"""What to do next: the pages in the order of the Levande orter method (step 1, the area and
its stakeholders; step 2, the service, the walking distances and the walk; steps 2-3, the
status analysis; steps 3-5, the steering group's review and the action plan; steps 1-7, the
process), and the link to the next one that ends every page."""

from __future__ import annotations

import streamlit as st

ORDER = ("start", "area", "stakeholders", "services", "coverage", "walk", "analysis", "review", "process")
"""The method's order of the pages; each page's next step is the one after it."""

ASIDE = {"compare": "analysis", "audit": "process"}
"""Pages beside the method, and the step one goes on with from them."""

STEP_PAGES = {1: "area", 2: "walk", 3: "analysis", 4: "review", 5: "review", 6: "review", 7: "analysis"}
"""From the process page, the next step is the page of the step the process is in."""


_WRAP = ("<style>[data-testid='stMain'] [data-testid='stPageLink'] a * "
         "{white-space:normal !important; overflow:visible !important;}</style>")
"""A link's text wraps on a narrow page rather than being cut."""


def next_page(name: str, step: int | None = None) -> str:
    """The page to go on with from ``name``; for the process page, the page of the ``step``
    the process is in (the area without a start date)."""
    if name == "process":
        return STEP_PAGES.get(step, "area")
    if name in ASIDE:
        return ASIDE[name]
    return ORDER[ORDER.index(name) + 1]


def next_step(name: str, pages: dict, step: int | None, t) -> None:
    """The link to the next step from page ``name`` (``pages`` are the navigation's pages by
    name, only those the user may open): the next one in the method's order that the user
    may open (none, if there is none)."""
    target = next_page(name, step)
    seen = {name}
    while target not in pages and target not in seen:
        seen.add(target)
        target = next_page(target) if target != "process" else "start"
    if target in pages and target != name:
        st.divider()
        st.html(_WRAP)
        st.page_link(pages[target], label=t(f"next_{target}"), icon=":material/arrow_forward:")
