"""Tables on a tablet and a projector: the large-text mode, which enlarges the text and the
tables (a table's grid is drawn on a canvas, so it is zoomed as a whole, as far as the page's
width leaves room for its columns: beside the sidebar at 768 px there is none)."""

from __future__ import annotations

import streamlit as st

TABLE_WIDTH = 435
"""The widest a table is made (its columns' widths): what fits beside the sidebar at 768 px."""
ZOOMS = (1.4, 1.2)
"""How much larger the large-text mode makes a table, as far as the page's width allows it."""
_MAIN = "[data-testid='stMain']"
_TABLE = f"{_MAIN} [data-testid='stElementContainer']:has([data-testid='stDataFrame'])"
_BIG_TEXT_CSS = (
    f"<style>{_MAIN} p, {_MAIN} li, {_MAIN} label, {_MAIN} button, {_MAIN} input, {_MAIN} textarea, "
    f"{_MAIN} [data-testid='stText'] "
    f"{{font-size:1.45rem !important;}} {_MAIN} h1 {{font-size:3rem;}} "
    f"[data-testid='stMainBlockContainer'] {{container-type:inline-size;}} "
    + " ".join(f"@container (min-width: {round(TABLE_WIDTH * zoom)}px) {{ {_TABLE} {{zoom:{zoom}; "
               f"width:calc(100% / {zoom}) !important; max-width:calc(100% / {zoom}) !important;}} }}"
               for zoom in reversed(ZOOMS))
    + "</style>")


def big_text(label: str, key: str) -> bool:
    """The large-text switch (for a projector): on, the page's text and its tables are larger."""
    on = st.toggle(label, key=key)
    if on:
        st.html(_BIG_TEXT_CSS)
    return on


def widths(pixels: dict[str, int]) -> dict:
    """A ``column_config`` giving each named column its width in pixels."""
    return {name: st.column_config.Column(width=width) for name, width in pixels.items()}


def coverage_table(table, bands, lang: str, t) -> None:
    """A coverage table (``bidgeo.coverage.CoverageResult.table``, without its key column) as
    Swedish readers write numbers: the median in whole metres ("1 374"), each band's share as
    a bar with its percentage ("48 %")."""
    from bidgeo.i18n import number

    within = {f"within_{b}": t("col_within", band=number(b, lang)) for b in bands}
    shown = table.drop(columns="category").assign(
        median_m=[number(m, lang) for m in table["median_m"]],
        **{column: table[column] * 100 for column in within})
    fixed = {"label": 130, "services": 50, "median_m": 70}  # the bands share what is left of TABLE_WIDTH
    band = max(48, (TABLE_WIDTH - 5 - sum(fixed.values())) // max(len(within), 1))
    st.dataframe(
        shown.rename(columns={"label": t("col_category"), "services": t("col_services"), "median_m": t("col_median"),
                              **within}),
        hide_index=True,
        column_config={t("col_category"): st.column_config.TextColumn(width=fixed["label"]),
                       t("col_services"): st.column_config.NumberColumn(width=fixed["services"]),
                       t("col_median"): st.column_config.TextColumn(alignment="right", width=fixed["median_m"]),
                       **{name: st.column_config.ProgressColumn(name, format="%d %%", min_value=0, max_value=100,
                                                                width=band)
                          for name in within.values()}})
