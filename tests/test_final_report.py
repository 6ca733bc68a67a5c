"""The final report (``bidgeo report final``) of a BID followed up for fourteen months
(``followup.py``), through the command line as a user runs it, on both databases: what its
pages say, that it names no one, that it refuses to overwrite, in English, and for a project
that has only its baseline; and the financing outcome of a funded business plan
(``plan_data.py``), against figures summed from its workbook's sheets."""

from __future__ import annotations

import html
from datetime import date

import pandas as pd
import pytest

from bidgeo import final_report, walks
from bidgeo.demo import DEMO_NAME
from bidgeo.db import open_store
from bidgeo.focus import FOCUS_AREAS
from bidgeo.osm import ATTRIBUTION
from bidgeo.projects import create_project
from conftest import DEMO_OSM
from followup import NAME, OWNER, PERSON, SCRIPT_TITLE, make_followed_up
from plan_data import BUDGET, FINANCING, make_plan
from test_cli import bidgeo
from test_report import ARTIFACTS, pdf_text, render_pages


@pytest.fixture
def followed_up(database_url):
    engine = open_store(database_url)
    project_id = make_followed_up(engine)
    engine.dispose()
    return {"project": project_id, "url": database_url, "env": {"BIDGEO_DATABASE_URL": database_url}}


def read(path) -> tuple[int, list[str], str]:
    count, pages = pdf_text(path)
    return count, pages, "\n".join(pages).replace("\u00a0", " ")


def test_the_final_report_compares_the_baseline_with_the_follow_up(followed_up, tmp_path):
    out = tmp_path / "slutrapport.pdf"
    result = bidgeo("report", "final", NAME, "--out", out, env=followed_up["env"])
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(out)
    assert result.stderr.strip().splitlines() == [f"Slutrapporten för ”{NAME}” är skriven till {out} "
                                                  f"({round(out.stat().st_size / 1024)} kB)."]
    count, pages, text = read(out)
    assert 7 <= count <= 14, count
    for heading in ["Slutrapport", NAME, "I korthet", "Fokusområdenas betyg", "Nya sedan första importen (5)",
                    "Borta sedan första importen (2)", "Gångavstånd till service, då och nu",
                    "Handlingsplanen: genomfört mot planerat", "Indikatorer över tid", "Service i BID-området",
                    "Andel byggnader inom 400 m", "Vakanta lokaler", "Åtgärder i handlingsplanen",
                    "Finansieringens utfall"]:
        assert heading in text, heading
    assert all(f"Sida {i + 1} av {count}" in page and ATTRIBUTION in page for i, page in enumerate(pages))
    assert "Ingen uppföljning ännu" not in text
    # the cover: services in the area 8 then 11, the mean score, actions done
    cover = pages[0].replace("\u00a0", " ")
    assert "Processen 2026-03-02 – 2027-09-05" in cover and "Utgångsläge 2026-03-02" in cover
    assert "Service i BID-området 8 11" in cover and "Genomförda åtgärder 0 av 4 3 av 5" in cover
    assert "Fokusområdenas medelbetyg (1–7) 2,9 4,5" in cover.replace("\n", " ")  # (14.5 / 5, 22.5 / 5)
    assert "Vakans (antal) 40 % 33 %" in cover  # 2 of 5 premises whose status is known, then 2 of 6
    # vacancy by count and by floor area (280 of 610 m², then 100 of 650 m²) on the day of each change
    assert "Vakans (antal) 40 % (2026-03-02) 33 % (2026-11-16) −7 procentenheter" in text
    assert "Vakans (yta) 46 % (2026-03-02) 15 % (2026-11-16) −31 procentenheter" in text
    # the project has no business plan
    assert "Finansieringens utfall\nAffärsplanen har ingen budget: inga kostnader och ingen finansiering är " \
           "planerade." in text
    # the radar's walks and the scores of the baseline and the follow-up walk
    assert "2026-05-12 (baslinje)" in text and "2027-05-18 (uppföljning)" in text
    assert "Utbud 2,0 4,5 +2,5" in text and "Platsvarumärke 3,5 5,0 +1,5" in text
    # services opened and closed, in the area or not
    for line in ["Apotek Karhulan Apteekki Ja", "Bibliotek Karhulan kirjasto Nej", "Laddstation Laddstation Tikankatu Ja",
                 "Drivmedel Neste Huttunen Ja", "Dagligvaror, begränsat sortiment Erkinkulma Nej",
                 "Drivmedel 2 1 −1", "All service 8 11 +3"]:
        assert line in text, line
    # walking distance then and now: a fuel station closed, a pharmacy opened
    assert "Drivmedel 56 % 9 % 100 % 48 %" in text and "Apotek 0 % 26 % 0 % 97 %" in text
    # the action plan, without its owners
    assert "Genomförda åtgärder 3 av 5" in text and "Kostnad för genomförda 62 000 av 152 000 kr" in text
    assert "Ortsfest i augusti Platsvarumärke Klar 2026-08-20 30 000" in text
    assert SCRIPT_TITLE in text  # as written
    for name in (PERSON, OWNER, "Bo Berg", "Styrgruppen", "Kommunen", "Grupp A"):
        assert name not in text, name  # public: no one's name
    if followed_up["url"].startswith("sqlite"):
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "final-report.pdf").write_bytes(out.read_bytes())
        render_pages(out, "final-report", pages=count)

    again = bidgeo("report", "final", str(followed_up["project"]), "--out", out, env=followed_up["env"])
    assert again.returncode == 2 and again.stderr.strip().splitlines() == [
        f"bidgeo: Filen {out} finns redan. Välj ett annat namn, eller skriv över den med --force."]
    forced = bidgeo("report", "final", str(followed_up["project"]), "--out", out, "--force", "--lang", "en",
                    env=followed_up["env"])
    assert forced.returncode == 0, forced.stderr
    _, _, english = read(out)
    for phrase in ["Final report", "In brief", "Focus-area scores", "Opened since the first import (5)",
                   "Actions done 3 of 5", "Cost of those done 62,000 of 152,000", "Pharmacy 0% 26% 0% 97%",
                   "Vacant premises", "Vacancy (floor area) 46% (2026-03-02) 15% (2026-11-16) −31 percentage points",
                   "Financing outcome", "The business plan has no budget", "Page 1 of"]:
        assert phrase in english, phrase


def _sek(value: float) -> str:
    return f"{value:,.0f}".replace(",", " ")


def test_the_financing_outcome_of_a_funded_plan(database_url, tmp_path):
    engine = open_store(database_url)
    make_plan(engine)
    engine.dispose()
    out = tmp_path / "slutrapport.pdf"
    result = bidgeo("report", "final", DEMO_NAME, "--out", out, env={"BIDGEO_DATABASE_URL": database_url})
    assert result.returncode == 0, result.stderr
    _, _, text = read(out)
    section = text[text.index("Finansieringens utfall"):]
    assert "(timmar à 400 kr)" in section
    # the sheets summed here: costs and hours (at 400 kr) per year, financing in money and in kind
    rate = 400

    def amounts(column):
        return pd.to_numeric(column.astype(str).str.replace(" ", "").replace("", "0"))

    costs = BUDGET.assign(cost=amounts(BUDGET["cost_sek"]), time=amounts(BUDGET["hours"]) * rate)
    money = FINANCING.assign(money=amounts(FINANCING["amount_sek"]), time=amounts(FINANCING["hours"]) * rate)
    money["value"] = money["money"] + money["time"]
    balances = {}
    for year in (2026, 2027, 2028):
        c, m = costs[costs["year"] == year], money[money["year"] == year]
        balances[year] = m["value"].sum() - c["cost"].sum() - c["time"].sum()
        line = " ".join([str(year), *(_sek(v) for v in (c["cost"].sum(), c["time"].sum(), m["money"].sum(),
                                                        m["time"].sum(), balances[year]))])
        assert line in section, line
    assert balances == {2026: -9000, 2027: 20000, 2028: -50000}
    assert "Totalt " + " ".join(_sek(v) for v in (costs["cost"].sum(), costs["time"].sum(), money["money"].sum(),
                                                   money["time"].sum(), sum(balances.values()))) in section
    for year, balance in balances.items():
        if balance < 0:
            assert f"{year} är inte finansierat: det saknas {_sek(-balance)} kr." in section
    assert "2027 är inte finansierat" not in section and "Varje år är finansierat" not in section
    # by kind of party and status: letter of intent, pledged, signed, the whole and its share
    assert "Slag Avsiktsförklaring Utlovad Undertecknad Värde (kr) Andel" in section
    whole = money["value"].sum()
    labels = {"municipality": "Kommun", "region": "Region", "property_owner": "Fastighetsägare", "business": "Företag"}
    for kind, label in labels.items():
        mine = money[money["kind"] == kind]
        cells = [_sek(mine.loc[mine["status"] == s, "value"].sum()) for s in ("intent", "pledged", "signed")]
        assert f"{label} {' '.join(cells)} {_sek(mine['value'].sum())} {round(100 * mine['value'].sum() / whole)} %" \
            in section, label
    signed = money.loc[money["status"] == "signed", "value"].sum()
    assert f"Undertecknat: {_sek(signed)} kr av {_sek(whole)} kr ({round(100 * signed / whole)} %)" in section
    assert "Anna Virtanen" not in text and "Mikko Laine" not in text  # the register's contacts, an action's owner
    if database_url.startswith("sqlite"):
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "final-report-financing.pdf").write_bytes(out.read_bytes())


def test_the_report_source_escapes_user_text(followed_up):
    engine = open_store(followed_up["url"])
    source = final_report.document(final_report.final_data(engine, followed_up["project"]))
    assert html.escape(SCRIPT_TITLE, quote=False) in source and SCRIPT_TITLE not in source
    engine.dispose()


def test_a_project_with_only_its_baseline_says_so(tmp_path):
    url = f"sqlite:///{tmp_path / 'home' / 'test.sqlite'}"
    engine = open_store(url)
    project = create_project(engine, "Bara början", locality="Karhula", osm_path=DEMO_OSM)
    walk = walks.create_walk(engine, project.id, date(2026, 5, 12), "Handlarna", PERSON)
    walks.save_assessment(engine, walk, PERSON, {a: (4, "") for a in FOCUS_AREAS})
    engine.dispose()
    out = tmp_path / "slutrapport.pdf"
    result = bidgeo("report", "final", "Bara början", "--out", out, env={"BIDGEO_DATABASE_URL": url})
    assert result.returncode == 0, result.stderr
    warning, written = result.stderr.strip().splitlines()
    assert warning.startswith("bidgeo: Varning: Ingen uppföljning ännu: projektet har bara sitt utgångsläge.")
    assert written.startswith("Slutrapporten för ”Bara början” är skriven till")
    _, pages, text = read(out)
    assert "Ingen uppföljning ännu" in pages[0]
    assert "Ingen senare platsvandring har bedömts ännu" in text
    assert "Nya sedan första importen (0)" in text and "Inga." in text
    assert "Processen Inte startad" in pages[0] and "Senaste uppföljning –" in pages[0]
    assert PERSON not in text


def test_misuse_exits_2_with_one_line(tmp_path):
    url = f"sqlite:///{tmp_path / 'home' / 'test.sqlite'}"
    missing = bidgeo("report", "final", "Finns inte", "--out", tmp_path / "x.pdf", env={"BIDGEO_DATABASE_URL": url})
    assert missing.returncode != 0 and len(missing.stderr.strip().splitlines()) == 1
    engine = open_store(url)
    create_project(engine, "Tomt")
    engine.dispose()
    no_folder = bidgeo("report", "final", "Tomt", "--out", tmp_path / "nej" / "x.pdf", env={"BIDGEO_DATABASE_URL": url})
    assert no_folder.returncode == 2 and len(no_folder.stderr.strip().splitlines()) == 1
    no_out = bidgeo("report", "final", "1", env={"BIDGEO_DATABASE_URL": url})
    assert no_out.returncode == 2 and "--out" in no_out.stderr
