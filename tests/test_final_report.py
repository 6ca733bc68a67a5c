"""The final report (``bidgeo report final``) of a BID followed up for fourteen months
(``followup.py``), through the command line as a user runs it, on both databases: what its
pages say, that it names no one, that it refuses to overwrite, in English, and for a project
that has only its baseline."""

from __future__ import annotations

import html
from datetime import date

import pytest

from bidgeo import final_report, walks
from bidgeo.db import open_store
from bidgeo.focus import FOCUS_AREAS
from bidgeo.osm import ATTRIBUTION
from bidgeo.projects import create_project
from conftest import DEMO_OSM
from followup import NAME, OWNER, PERSON, SCRIPT_TITLE, make_followed_up
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
                    "Andel byggnader inom 400 m", "Åtgärder i handlingsplanen"]:
        assert heading in text, heading
    assert all(f"Sida {i + 1} av {count}" in page and ATTRIBUTION in page for i, page in enumerate(pages))
    assert "Ingen uppföljning ännu" not in text
    # the cover: services in the area 8 then 11, the mean score, actions done
    cover = pages[0].replace("\u00a0", " ")
    assert "Processen 2026-03-02 – 2027-09-05" in cover and "Utgångsläge 2026-03-02" in cover
    assert "Service i BID-området 8 11" in cover and "Genomförda åtgärder 0 av 4 3 av 5" in cover
    assert "Fokusområdenas medelbetyg (1–7) 2,9 4,5" in cover.replace("\n", " ")  # (14.5 / 5, 22.5 / 5)
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
                   "Page 1 of"]:
        assert phrase in english, phrase


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
