"""The premises register in the status-analysis exports (issue 17): a layer of the GeoPackage,
two tables of the CSV and XLSX exports, and a section of the HTML and PDF reports with the
vacancy by status and per street and its chart over time; owners only in internal exports."""

from __future__ import annotations

import io
import sqlite3
import zipfile
from datetime import date

import openpyxl

from bidgeo import premises, report
from bidgeo.db import open_store
from bidgeo.demo import ensure_demo

ROWS = [
    premises.PremiseRow("T2", "Tapiontie 2", "in_use", "grocery_full", 420.0, date(2025, 3, 1), 26.9480, 60.5232,
                        owner="Fastighets AB Karhula"),
    premises.PremiseRow("T4", "Tapiontie 4", "vacant", "", 85.0, date(2025, 3, 1), 26.9484, 60.5234),
    premises.PremiseRow("K11", "Tikankatu 11", "vacant", "Kahvila", 140.0, date(2025, 4, 10), 26.9466, 60.5228),
]


def demo_with_premises():
    engine = open_store()
    demo = ensure_demo(engine)
    premises.save_rows(engine, demo.id, ROWS)
    premises.save_rows(engine, demo.id, [premises.PremiseRow("T4", "Tapiontie 4", "in_use", "", 85.0,
                                                             date(2025, 9, 1), 26.9484, 60.5234)])
    return engine, demo


def test_tables_and_layer_hold_the_register_and_its_history(tmp_path):
    engine, demo = demo_with_premises()
    with zipfile.ZipFile(io.BytesIO(report.export_bytes(engine, demo.id, "csv", "en"))) as archive:
        register = archive.read("premises.csv").decode("utf-8-sig").splitlines()
        history = archive.read("premise_statuses.csv").decode("utf-8-sig").splitlines()
    assert register == [
        "Premise id,Address,Street,Use,Floor area (m²),Status,Observed,Owner,Longitude,Latitude",
        'T2,Tapiontie 2,Tapiontie,"Grocery, full range",420.0,In use,2025-03-01,Fastighets AB Karhula,26.948,60.5232',
        "T4,Tapiontie 4,Tapiontie,,85.0,In use,2025-09-01,,26.9484,60.5234",
        "K11,Tikankatu 11,Tikankatu,Kahvila,140.0,Vacant,2025-04-10,,26.9466,60.5228"]
    assert [h.split(",")[:4] for h in history[1:]] == [
        ["K11", "Tikankatu 11", "Vacant", "2025-04-10"], ["T2", "Tapiontie 2", "In use", "2025-03-01"],
        ["T4", "Tapiontie 4", "Vacant", "2025-03-01"], ["T4", "Tapiontie 4", "In use", "2025-09-01"]]
    public = zipfile.ZipFile(io.BytesIO(report.export_bytes(engine, demo.id, "csv", "en", public=True)))
    assert "Owner" not in public.read("premises.csv").decode("utf-8-sig").splitlines()[0]

    book = openpyxl.load_workbook(io.BytesIO(report.export_bytes(engine, demo.id, "xlsx", "sv")))
    assert {"Lokaler", "Lokalers status"} <= set(book.sheetnames)
    assert book["Lokaler"].max_row == 4

    path = tmp_path / "r.gpkg"
    path.write_bytes(report.export_bytes(engine, demo.id, "gpkg", "sv"))
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT premise_id, status, status_label, floor_area_m2, owner FROM premises "
                          "ORDER BY premise_id").fetchall()
    assert rows == [("K11", "vacant", "Tom", 140.0, ""), ("T2", "in_use", "I bruk", 420.0, "Fastighets AB Karhula"),
                    ("T4", "in_use", "I bruk", 85.0, "")]
    path.write_bytes(report.export_bytes(engine, demo.id, "gpkg", "sv", public=True))
    with sqlite3.connect(path) as db:
        columns = [r[1] for r in db.execute("PRAGMA table_info(premises)")]
    assert "owner" not in columns and "status" in columns
    engine.dispose()


def test_the_report_has_a_section_on_vacancy():
    engine, demo = demo_with_premises()
    html = report.export_bytes(engine, demo.id, "html", "sv").decode("utf-8")
    section = html[html.index('<section class="premises">'):]
    section = section[:section.index("</section>")]
    assert "<h2>Lokaler och vakans</h2>" in section  # 140 of 645 m² stand empty
    assert ("3 lokaler i bottenvåningen, 1 tomma: vakansen är 33,3\u00a0% efter antal och 21,7\u00a0% efter yta "
            "(140 m² står tomma).") in section
    assert "<td>Tikankatu</td><td class=\"num\">1</td><td class=\"num\">1</td><td class=\"num\">140</td>" in section
    assert section.count('<img class="chart" src="data:image/png;base64,') == 1
    engine.dispose()
