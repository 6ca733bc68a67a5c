"""Material Design Icons (Apache-2.0; ``data/icons``, copied by ``scripts/vendor-assets.sh``)
as inline SVG for map markers, buttons and reports. Inline, so no page, export or report
has to fetch them."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources


@cache
def _path(name: str) -> str:
    text = resources.files("bidgeo").joinpath(f"data/icons/{name}.svg").read_text("utf-8")
    return re.search(r' d="([^"]+)"', text).group(1)


def svg(name: str, color: str = "#ffffff", size: int = 16) -> str:
    """The icon ``name`` as an inline ``<svg>`` of ``size`` pixels filled with ``color``."""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" width="{size}" height="{size}" '
            f'aria-hidden="true"><path fill="{color}" d="{_path(name)}"/></svg>')


def badge(name: str, color: str, size: int = 26, ring: str = "#fff") -> str:
    """A round marker of ``color`` with the icon in white, in a ``ring`` of colour: how a
    map shows one service or observation."""
    border = 2 if ring == "#fff" else 4
    return (f'<span style="width:{size}px;height:{size}px;border-radius:50%;background:{color};'
            f'border:{border}px solid {ring};box-shadow:0 1px 3px rgba(0,0,0,.45);display:inline-flex;'
            f'align-items:center;justify-content:center;box-sizing:border-box;vertical-align:middle">'
            f'{svg(name, "#ffffff", size - 6 - 2 * border)}</span>')
