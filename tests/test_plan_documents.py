"""The business plan's documents as their readers get them: the PDF rendered to images (pages
that are not blank, the map and the chart drawn), the text in Swedish with Swedish numbers, the
DOCX with the same tables and pictures, the agreement's parties the stakeholders who signed, and
no person named anywhere."""

from __future__ import annotations

import io
from datetime import date

import numpy as np
import pypdfium2 as pdfium
import pytest
from docx import Document
from pypdf import PdfReader

from bidgeo import plan, plan_report, process
from plan_data import make_plan
from test_walks import jpeg

PEOPLE = ("Anna Virtanen", "anna.virtanen@kotka.fi", "Mikko Laine")  # a contact and commenter; an owner


@pytest.fixture
def project(engine):
    project = make_plan(engine)
    case = plan.cases(engine, project)[0]
    plan.add_case_photo(engine, project, case.id, "before", jpeg(), "Anna Virtanen före.jpg")
    plan.add_case_photo(engine, project, case.id, "after", jpeg((300, 400)), "efter.jpg")
    plan.advance(engine, project, by="Anna Virtanen")
    plan.add_comment(engine, project, "Anna Virtanen", "Finansieringen för 2028 saknas.")
    process.set_handover(engine, project, "Karhulan yrittäjät ry", date(2027, 6, 1))
    return project


def pages(pdf: bytes) -> list[np.ndarray]:
    document = pdfium.PdfDocument(pdf)
    try:
        return [np.asarray(document[i].render(scale=0.6).to_pil().convert("RGB")) for i in range(len(document))]
    finally:
        document.close()


def pixels(image: np.ndarray, colour: str) -> int:
    """How many pixels of the page have (nearly) ``colour`` (#rrggbb)."""
    rgb = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)])
    return int((np.abs(image.astype(int) - rgb).max(axis=2) < 30).sum())


def test_the_plan_pdf(engine, project):
    pdf = plan_report.plan_pdf(engine, project, "sv")
    images = pages(pdf)
    assert len(images) >= 4
    assert all((page < 200).mean() > 0.005 for page in images)  # every page has something on it
    assert pixels(images[0], "#6a1b9a") > 30  # the map on the cover, its milestone a purple dot
    assert pixels(images[0], "#1565c0") > 100  # and the area's outline
    text = [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]
    whole = "\n".join(text)
    for said in ("Affärsplan", "Karhula är en levande by med service nära.", "Sex nya bänkar på torget",
                 "punkt 1 på kartan", "hela området", "2026 är inte finansierat: det saknas 9 000 kr.",
                 "235 000", "-39 000", "Stöd: 2 av 4 medlemmar (50 %), 79 % av taxeringsvärdet.",
                 "Pop-up-café på torget", "ute hos styrgruppen för synpunkter"):
        assert said in " ".join(whole.split()), said  # (a table's cell may wrap)
    balance_page = next(i for i, page in enumerate(text) if "Budget och gemensam finansiering" in page)
    assert pixels(images[balance_page], "#c62828") > 500 and pixels(images[balance_page], "#2e7d32") > 500  # bars
    for person in PEOPLE:
        assert person not in whole


def test_the_plan_docx(engine, project):
    document = Document(io.BytesIO(plan_report.plan_docx(engine, project, "sv")))
    words = "\n".join(p.text for p in document.paragraphs)
    cells = [[c.text for c in row.cells] for table in document.tables for row in table.rows]
    assert "Karhula är en levande by med service nära." in words
    assert ["Totalt", "235\u00a0000", "64\u00a0000", "200\u00a0000", "60\u00a0000", "-39\u00a0000"] in cells
    assert ["Kotka stad", "Kommun", "2026", "60\u00a0000", "0", "0", "undertecknad"] in cells
    assert len(document.inline_shapes) == 4  # the map, the chart, the case's photo before and after
    assert document.core_properties.author == ""
    everything = words + "\n".join("\t".join(r) for r in cells)
    for person in PEOPLE:
        assert person not in everything


def test_the_agreement(engine, project):
    pdf = plan_report.agreement_pdf(engine, project, "sv")
    whole = " ".join("\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())
    assert all((page < 200).mean() > 0.005 for page in pages(pdf))
    for said in ("Samverkansavtal", "1. Parter", "Fastighets AB Torget", "Karhulan Kauppa", "Kotka stad",
                 "2026–2028", "tar Karhulan yrittäjät ry över förvaltningen", "Underskrifter", "Namnförtydligande"):
        assert said in whole, said
    assert "Karhulan Leipomo" not in whole and "Region Kymenlaakso" not in whole.split("4.2")[0]  # not signed
    document = Document(io.BytesIO(plan_report.agreement_docx(engine, project, "en")))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings[:3] == ["1. Parties", "2. Background", "3. Purpose and goals"]
    parties = [[c.text for c in row.cells] for row in document.tables[1].rows]
    assert parties == [["Party", "Role"], ["Fastighets AB Torget", "Property owner"], ["Karhulan Kauppa", "Business"],
                       ["Kotka stad", "Municipality"]]
    everything = "\n".join(p.text for p in document.paragraphs)
    for person in PEOPLE:
        assert person not in everything


def test_a_new_plan_still_makes_documents(engine):
    from bidgeo.demo import ensure_demo

    demo = ensure_demo(engine)
    pdf = plan_report.plan_pdf(engine, demo.id, "sv")
    assert "Inga delmål ännu." in "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert Document(io.BytesIO(plan_report.agreement_docx(engine, demo.id, "sv"))).paragraphs
