"""The business plan from the command line as a user runs it: the template, a filled workbook
read in (every bad row named with its row and column, nothing saved, exit 1), the figures as
JSON, and the documents; files are never overwritten without --force."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest

from bidgeo import plan, process
from bidgeo.db import open_store
from bidgeo.demo import ensure_demo
from plan_data import BUDGET, FINANCING, make_plan, register
from test_cli import bidgeo


def workbook(path, budget: pd.DataFrame, financing: pd.DataFrame, settings: pd.DataFrame | None = None):
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        budget.to_excel(writer, sheet_name="budget", index=False)
        financing.to_excel(writer, sheet_name="financing", index=False)
        if settings is not None:
            settings.to_excel(writer, sheet_name="settings", index=False)
    return path


@pytest.fixture
def started(database_url):
    """The demo with its process started and its register, but no budget yet."""
    engine = open_store(database_url)
    demo = ensure_demo(engine)
    process.start_process(engine, demo.id, date(2026, 1, 12))
    register(engine, demo.id)
    engine.dispose()
    return database_url, demo.id


def test_template_then_import_then_show(started, tmp_path):
    url, project = started
    env = {"BIDGEO_DATABASE_URL": url}
    out = tmp_path / "affarsplan.xlsx"
    made = bidgeo("plan", "template", out)
    assert made.returncode == 0 and out.is_file(), made.stderr
    sheets = pd.read_excel(out, sheet_name=None, dtype=str)
    assert list(sheets) == ["budget", "financing", "settings"]
    assert list(sheets["budget"].columns) == ["action", "focus_area", "year", "cost_sek", "hours"]
    assert list(sheets["financing"].columns) == ["party", "kind", "year", "amount_sek", "hours", "status"]
    assert sheets["settings"]["hour_rate_sek"].tolist() == ["400"]
    refused = bidgeo("plan", "template", out)
    assert refused.returncode == 2 and "--force" in refused.stderr
    assert bidgeo("plan", "template", out, "--force").returncode == 0

    filled = workbook(tmp_path / "ifylld.xlsx", BUDGET, FINANCING)
    result = bidgeo("plan", "import", project, filled, "--json", env=env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"budget": 4, "financing": 6, "added_parties": [], "saved": True,
                                         "errors": []}
    shown = bidgeo("plan", "show", project, "--json", env=env)
    figures = json.loads(shown.stdout)
    assert figures["hour_rate_sek"] == 400
    assert figures["years"]["2026"] == {"cost_sek": 105000, "financing_sek": 100000, "in_kind_sek": 20000,
                                        "hours_cost_sek": 24000, "balance_sek": -9000}
    assert figures["total"]["balance_sek"] == -39000 and figures["by_kind"]["municipality"] == 130000
    assert figures["support"] == {"members": 4, "signed": 2, "share_by_number": 0.5,
                                  "share_by_value": pytest.approx(0.7924528)}
    text = bidgeo("plan", "show", project, env=env)
    assert text.returncode == 0
    assert "2026\t105\u00a0000\t100\u00a0000\t20\u00a0000\t-9\u00a0000" in text.stdout  # Swedish numbers
    assert "Stöd: 2 av 4 medlemmar (50\u00a0%), 79\u00a0% av taxeringsvärdet." in text.stdout
    assert "2026 är inte finansierat: det saknas 9\u00a0000 kr." in text.stderr
    assert "2028 är inte finansierat: det saknas 50\u00a0000 kr." in text.stderr


BAD = [  # (sheet, row, column, the bad value, what the message says)
    ("budget", 2, "cost_sek", -45000, "cost_sek kan inte vara negativt (-45000). Skriv 0 eller mer."),
    ("budget", 3, "year", 2031, "2031 ligger utanför processen och planen (2026–2028)."),
    ("budget", 4, "cost_sek", "fyrtiofemtusen", "cost_sek ska vara ett tal, inte ”fyrtiofemtusen”."),
    ("budget", 5, "year", "nästa år", "året ska skrivas med fyra siffror (ÅÅÅÅ), inte ”nästa år”."),
    ("financing", 2, "hours", -3, "hours kan inte vara negativt (-3)."),
    ("financing", 3, "year", 2025, "2025 ligger utanför processen och planen (2026–2028)."),
    ("financing", 4, "kind", "kommun", "”kommun” är inget giltigt värde för kind. Välj en av: municipality, "),
    ("financing", 5, "status", "lovat", "”lovat” är inget giltigt värde för status. Välj en av: intent, pledged, "
     "signed."),
    ("financing", 6, "party", "Kymenlaakson Yrittäjät", "”Kymenlaakson Yrittäjät” finns inte i intressentregistret."),
    ("financing", 7, "amount_sek", "60 tkr", "amount_sek ska vara ett tal, inte ”60 tkr”."),
    ("settings", 2, "levy_percent", 150, "levy_percent kan inte vara 150 %: en andel är högst 100 %."),
]


def test_every_bad_row_is_named_and_nothing_is_saved(started, tmp_path):
    url, project = started
    env = {"BIDGEO_DATABASE_URL": url}
    good = workbook(tmp_path / "bra.xlsx", BUDGET, FINANCING)
    assert bidgeo("plan", "import", project, good, env=env).returncode == 0
    before = bidgeo("plan", "show", project, "--json", env=env).stdout
    frames = {"budget": BUDGET.astype(object), "financing": FINANCING.astype(object),
              "settings": pd.DataFrame({"hour_rate_sek": [400], "model": ["levy"], "levy_percent": [0.2]},
                                       dtype=object)}
    for sheet, row, column, value, _ in BAD:
        frames[sheet].loc[row - 2, column] = value
    bad = workbook(tmp_path / "fel.xlsx", frames["budget"], frames["financing"], frames["settings"])
    result = bidgeo("plan", "import", project, bad, "--json", env=env)
    assert result.returncode == 1
    errors = {(e["sheet"], e["row"], e["column"]): e["message"] for e in json.loads(result.stdout)["errors"]}
    assert set(errors) == {(sheet, row, column) for sheet, row, column, _, _ in BAD}
    for sheet, row, column, _, says in BAD:
        start = f"Blad {sheet}, rad {row}, kolumn {column}: "
        assert errors[(sheet, row, column)].startswith(start) and says in errors[(sheet, row, column)]
        assert f"bidgeo: {start}" in result.stderr
    assert "11 rader är felaktiga, så inget sparades" in result.stderr
    assert bidgeo("plan", "show", project, "--json", env=env).stdout == before


def test_a_party_not_in_the_register_can_be_added(started, tmp_path):
    url, project = started
    env = {"BIDGEO_DATABASE_URL": url}
    financing = pd.concat([FINANCING, pd.DataFrame({"party": ["Karhulan Yrittäjät ry"], "kind": ["association"],
                                                    "year": [2028], "amount_sek": [50000], "hours": [0],
                                                    "status": ["intent"]})])
    book = workbook(tmp_path / "ny-part.xlsx", BUDGET, financing)
    refused = bidgeo("plan", "import", project, book, env=env)
    assert refused.returncode == 1 and "--add-parties" in refused.stderr and "rad 8, kolumn party" in refused.stderr
    result = bidgeo("plan", "import", project, book, "--add-parties", "--json", env=env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["added_parties"] == ["Karhulan Yrittäjät ry"]
    assert "”Karhulan Yrittäjät ry” lades till i intressentregistret." in result.stderr
    figures = json.loads(bidgeo("plan", "show", project, "--json", env=env).stdout)
    assert figures["years"]["2028"]["balance_sek"] == 0 and figures["by_kind"]["association"] == 50000


def test_unreadable_workbooks_and_english(started, tmp_path):
    url, project = started
    env = {"BIDGEO_DATABASE_URL": url}
    text = tmp_path / "plan.xlsx"
    text.write_text("inte en arbetsbok")
    result = bidgeo("plan", "import", project, text, env=env)
    assert result.returncode == 2 and "kunde inte läsas" in result.stderr
    csv = tmp_path / "plan.csv"
    csv.write_text("action,year\n")
    assert bidgeo("plan", "import", project, csv, env=env).returncode == 2
    assert bidgeo("plan", "import", project, tmp_path / "saknas.xlsx", env=env).returncode == 2
    bad = workbook(tmp_path / "bad.xlsx", BUDGET.assign(cost_sek=-1), FINANCING)
    english = bidgeo("--lang", "en", "plan", "import", project, bad, env=env)
    assert english.returncode == 1 and "Sheet budget, row 2, column cost_sek: cost_sek cannot be negative" in \
        english.stderr


def test_exports_and_the_agreement(database_url, tmp_path):
    from docx import Document
    from pypdf import PdfReader

    engine = open_store(database_url)
    project = make_plan(engine)
    plan.advance(engine, project, by="BID-managern")
    plan.add_comment(engine, project, "Anna Virtanen", "Finansieringen för 2028 saknas.")
    engine.dispose()
    env = {"BIDGEO_DATABASE_URL": database_url}
    for fmt in ("pdf", "docx", "xlsx"):
        out = tmp_path / f"affarsplan.{fmt}"
        result = bidgeo("plan", "export", project, "--format", fmt, "--out", out, env=env)
        assert result.returncode == 0, result.stderr
    again = bidgeo("plan", "export", project, "--format", "xlsx", "--out", tmp_path / "affarsplan.xlsx", env=env)
    assert again.returncode == 2 and "--force" in again.stderr
    assert bidgeo("plan", "export", project, "--format", "xlsx", "--out", tmp_path / "affarsplan.xlsx", "--force",
                  env=env).returncode == 0
    pdf = " ".join(" ".join(p.extract_text() for p in PdfReader(tmp_path / "affarsplan.pdf").pages).split())
    assert "Karhula är en levande by med service nära." in pdf and "Sex nya bänkar på torget" in pdf
    assert "Anna Virtanen" not in pdf and "Kommunen köper in" in pdf
    words = "\n".join(p.text for p in Document(tmp_path / "affarsplan.docx").paragraphs)
    assert "Karhula är en levande by med service nära." in words and "Anna Virtanen" not in words
    again = pd.read_excel(tmp_path / "affarsplan.xlsx", sheet_name=None)
    assert len(again["budget"]) == 4 and len(again["financing"]) == 6

    for fmt in ("docx", "pdf"):
        out = tmp_path / f"avtal.{fmt}"
        result = bidgeo("agreement", project, "--format", fmt, "--out", out, env=env)
        assert result.returncode == 0, result.stderr
    assert bidgeo("agreement", project, "--format", "docx", "--out", tmp_path / "avtal.docx", env=env).returncode == 2
    assert bidgeo("agreement", project, "--format", "docx", "--out", tmp_path / "avtal.docx", "--force",
                  env=env).returncode == 0
    agreement = " ".join(" ".join(p.extract_text() for p in PdfReader(tmp_path / "avtal.pdf").pages).split())
    assert "Samverkansavtal" in agreement
    for signed in ("Kotka stad", "Karhulan Kauppa", "Fastighets AB Torget"):
        assert signed in agreement
    assert "Karhulan Leipomo" not in agreement  # not signed: no party
    assert "Anna Virtanen" not in agreement  # a contact person is no party
    document = Document(tmp_path / "avtal.docx")
    cells = {c.text for table in document.tables for row in table.rows for c in row.cells}
    assert {"Kotka stad", "Karhulan Kauppa", "Fastighets AB Torget"} <= cells
    assert bidgeo("agreement", project, "--format", "html", "--out", tmp_path / "a.html", env=env).returncode == 2


def test_the_plan_written_and_taken_through_its_versions_from_the_command_line(database_url):
    """Everything the plan page writes, from the command line: the text, a milestone added and
    changed (what is not given stays), a case, the version through its steps with a comment;
    `plan show --json` holds it all; mistakes are one line and exit 2, nothing saved."""
    engine = open_store(database_url)
    project = make_plan(engine)
    [action] = list(plan.actions_in_plan(engine, project)["id"])
    engine.dispose()
    env = {"BIDGEO_DATABASE_URL": database_url}

    def run(*args):
        return bidgeo("plan", *args, env=env)

    assert run("text", project, "--goal", "offering=Ett dagligvaruutbud sju dagar i veckan", "--goal",
               "place_brand=").returncode == 0
    added = run("milestone", project, "Cykelparkering vid busshållplatsen", "--due", "2027-05-31", "--focus",
                "place", "--at", "26.948,60.5245", "--actions", str(action))
    assert added.returncode == 0, added.stderr
    stone = int(added.stdout)
    assert added.stderr.strip() == f"Delmål {stone} är sparat."
    assert run("milestone", project, "--id", stone, "--how", "Kommunen bygger taket").returncode == 0
    case = run("case", project, "Blomlådor längs Kauppakatu", "--done", "2026-06-10", "--cost", "4 800",
               "--result", "Fler stannar utanför butikerna.")
    assert case.returncode == 0, case.stderr
    assert run("version", project, "--advance", "--by", "Anna").stdout.strip() == \
        "Version 1: ute hos styrgruppen för synpunkter."
    assert run("comment", project, "Lägg till finansiering för 2028.", "--author", "Styrgruppen").returncode == 0
    shown = json.loads(run("show", project, "--json").stdout)
    assert shown["vision"] == "Karhula är en levande by med service nära."  # kept: not given
    assert shown["goals"] == {"place": "Ett torg som inbjuder till att stanna.",
                              "offering": "Ett dagligvaruutbud sju dagar i veckan"}
    assert shown["version"] == {"number": 1, "status": "consultation"}
    [mine] = [m for m in shown["milestones"] if m["id"] == stone]
    assert mine == {"id": stone, "title": "Cykelparkering vid busshållplatsen", "focus_area": "place",
                    "due_on": "2027-05-31", "how": "Kommunen bygger taket", "lon": 26.948, "lat": 60.5245,
                    "action_ids": [action]}
    assert {"title": "Blomlådor längs Kauppakatu", "done_on": "2026-06-10", "cost_sek": 4800.0,
            "result": "Fler stannar utanför butikerna."}.items() <= shown["cases"][-1].items()
    assert "Styrgruppen" not in json.dumps(shown)  # no one's name

    for args, said in [(("milestone", project, "X", "--due", "31/5"), "--due: ”31/5” är inget datum."),
                       (("milestone", project, "X", "--at", "norr om torget"), "--at: ”norr om torget” är ingen plats."),
                       (("milestone", project, "X", "--actions", "bänkar"), "--actions: ”bänkar” är inga id-nummer."),
                       (("text", project, "--goal", "place"), "--goal: ”place” saknar likhetstecken.")]:
        wrong = run(*args)
        assert wrong.returncode == 2 and wrong.stderr.startswith(f"bidgeo: {said}"), (args, wrong.stderr)
    assert run("milestone", project, "X", "--focus", "parking").returncode == 1
    assert run("milestone", project, "--id", 999_999, "--how", "x").returncode == 2  # no such one
    assert run("case", project, "X", "--cost", "-5").returncode == 1
    engine = open_store(database_url)
    assert len(plan.milestones(engine, project)) == 3 and len(plan.cases(engine, project)) == 2
    engine.dispose()
