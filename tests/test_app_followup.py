"""AppTest of the follow-up page (step 7): the key figures, each indicator over time with its
baseline, latest value and change, and the final report made and offered for download."""

from __future__ import annotations

import io

import ui
from conftest import open_page
from followup import NAME, PERSON, make_followed_up


def test_the_follow_up_page_shows_the_indicators_and_makes_the_final_report():
    from pypdf import PdfReader

    engine = ui.store()
    project = make_followed_up(engine)
    at = open_page("app_pages/followup.py", project)
    assert not at.exception
    assert at.title[0].value == "Uppföljning och slutrapport"
    assert not at.info  # followed up
    assert [(m.label, m.value) for m in at.metric] == [("Service i BID-området", "11"),
                                                       ("Fokusområdenas medelbetyg (1–7)", "4,5"),
                                                       ("Vakans (antal)", "33\u00a0%"),
                                                       ("Genomförda åtgärder", "3 av 5")]
    chooser = at.selectbox(key="fu_indicator")
    assert chooser.options == ["Service i BID-området", "Andel byggnader inom 400 m", "Andel byggnader inom 800 m",
                               "Andel byggnader inom 1200 m", "Fokusområdenas betyg (1–7)", "Vakanta lokaler",
                               "Åtgärder i handlingsplanen"]
    table = at.dataframe[0].value.set_index("Serie")
    assert table.loc["All service"].tolist() == ["8 (2026-03-02)", "11 (2027-04-20)", "+3"]
    assert table.loc["Drivmedel", "Förändring"] == "−1"
    chooser.set_value("within_400").run()
    table = at.dataframe[0].value.set_index("Serie")
    assert table.loc["Apotek"].tolist() == ["0\u00a0% (2026-03-02)", "26\u00a0% (2027-04-20)", "+26 procentenheter"]
    chooser.set_value("vacancy").run()
    table = at.dataframe[0].value.set_index("Serie")  # 2 of 5 known, then 2 of 6; 280 of 610 m², then 100 of 650
    assert table.loc["Vakans (antal)"].tolist() == ["40\u00a0% (2026-03-02)", "33\u00a0% (2026-11-16)",
                                                    "−7 procentenheter"]
    assert table.loc["Vakans (yta)"].tolist() == ["46\u00a0% (2026-03-02)", "15\u00a0% (2026-11-16)",
                                                  "−31 procentenheter"]
    chooser.set_value("actions").run()
    assert at.dataframe[0].value.set_index("Serie").loc["Genomförda"].tolist() == [
        "0 (2026-06-01)", "3 (2027-05-20)", "+3"]

    at.button(key="fu_make").click().run()
    assert not at.exception
    pdf = at.session_state["fu_file"][2]
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Slutrapport" in text and NAME in text and PERSON not in text
    assert at.get("download_button")[0].proto.label == f"Ladda ned slutrapport-{NAME}.pdf"


def test_a_project_with_only_its_baseline_says_so():
    from bidgeo.projects import create_project
    from conftest import DEMO_OSM

    engine = ui.store()
    project = create_project(engine, "Bara början", osm_path=DEMO_OSM)
    at = open_page("app_pages/followup.py", project.id)
    assert not at.exception
    assert at.info[0].value.startswith("Ingen uppföljning ännu")
    assert [(m.label, m.value) for m in at.metric] == [("Service i BID-området", "43")]
