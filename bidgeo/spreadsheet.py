"""Tables for spreadsheets: CSV that Excel opens with å, ä, ö intact, XLSX workbooks, and text
that a spreadsheet would otherwise run as a formula defused."""

from __future__ import annotations

import io

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@")


def defuse(table: pd.DataFrame) -> pd.DataFrame:
    """Text that a spreadsheet would run as a formula (=, +, -, @) gets a leading quote."""
    return table.map(lambda v: f"'{v}" if isinstance(v, str) and v[:1] in FORMULA_STARTS else v)


def csv_bytes(table: pd.DataFrame) -> bytes:
    """UTF-8 with a BOM (so Excel reads å, ä, ö), formulas defused, no index."""
    return defuse(table).to_csv(index=False).encode("utf-8-sig")


def sheet_name(name: str) -> str:
    """A name Excel accepts for a sheet: at most 31 characters, none of []:*?/\\."""
    return "".join(" " if c in "[]:*?/\\" else c for c in name)[:31]


def xlsx_bytes(sheets: dict[str, pd.DataFrame]) -> bytes:
    """A workbook with one sheet per table (in the order given), formulas defused."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, table in sheets.items():
            defuse(table).to_excel(writer, index=False, sheet_name=sheet_name(name))
    return buffer.getvalue()
