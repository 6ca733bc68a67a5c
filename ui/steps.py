"""What to do next: the pages in the order of the Levande orter method (step 1, the area and
its stakeholders; step 2, the service, the walking distances, the walk and the premises; steps
2-3, the status analysis; steps 3-5, the steering group's review and the action plan; steps
4-6, the business plan and its budget and financing; steps 1-7, the process with the handover;
step 7, the follow-up and the final report), and the link to the next one that ends every page."""

from __future__ import annotations

import streamlit as st

ORDER = ("start", "area", "stakeholders", "services", "coverage", "walk", "premises", "analysis", "review", "plan",
         "budget", "process", "followup")
"""The method's order of the pages; each page's next step is the one after it, and after the
last (the final report) the process page, where the final report is marked done."""

ASIDE = {"compare": "analysis", "audit": "process"}
"""Pages beside the method, and the step one goes on with from them."""

STEP_PAGES = {1: "area", 2: "walk", 3: "analysis", 4: "review", 5: "plan", 6: "plan", 7: "followup"}
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
    following = ORDER.index(name) + 1
    return ORDER[following] if following < len(ORDER) else "process"


def link_target(name: str, pages, step: int | None = None) -> str | None:
    """The page the next-step link of page ``name`` leads to: :func:`next_page`, or, when the
    user may not open it (``pages``: the names of those they may), the first after it in the
    method's order that they may (round to the start); None if there is none."""
    target = next_page(name, step)
    for _ in ORDER:
        if target in pages and target != name:
            return target
        target = ORDER[(ORDER.index(target) + 1) % len(ORDER)]
    return None


def next_step(name: str, pages: dict, step: int | None, t) -> None:
    """The link to the next step from page ``name`` (``pages`` are the navigation's pages by
    name, only those the user may open): :func:`link_target`."""
    target = link_target(name, pages, step)
    if target is not None:
        st.divider()
        st.html(_WRAP)
        st.page_link(pages[target], label=t(f"next_{target}"), icon=":material/arrow_forward:")
