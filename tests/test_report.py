"""Status-analysis exports (``bidgeo export``) on the demo project with a recorded baseline walk
and a follow-up: the PDF and HTML reports, the GeoPackage, CSV and XLSX, internal and public,
through the command line as a user runs it, on both databases."""

from __future__ import annotations

import html
import io
import re
import sqlite3
import zipfile
from datetime import date, datetime, timezone
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from PIL import Image, ImageDraw

from bidgeo import conclusions, photos, review, stakeholders, walks
from bidgeo.db import open_store
from bidgeo.demo import ensure_demo
from bidgeo.focus import FOCUS_AREAS
from bidgeo.osm import ATTRIBUTION
from conftest import REPO
from test_cli import bidgeo

ARTIFACTS = REPO / "test-artifacts"
SCRIPT = "<script>alert(1)</script>"
AUTHOR = "Anna Andersson"
REVIEWER = "Karin Kommunsson"
OBSERVATIONS = [  # focus area, type, rating, comment, (lon, lat)
    ("place", "strength", 5, "Torget är öppet och soligt – bra för marknader.", (26.9478, 60.5236)),
    ("place", "challenge", 2, "Inga bänkar längs Tikankatu.", (26.9462, 60.5221)),
    ("place", "idea", None, "Planteringar och sittplatser vid busshållplatsen.", (26.9497, 60.5249)),
    ("offering", "strength", 4, "Matbutik, apotek och bibliotek inom några minuter.", (26.9488, 60.5230)),
    ("offering", "challenge", 2, "Tomma lokaler i gatuplanet mot torget.", (26.9471, 60.5241)),
    ("offering", "idea", 4, "=HYPERLINK(\"http://example.com\") Pop-up-butik i den tomma lokalen", (26.9502, 60.5226)),
    ("accessibility", "strength", 4, "Busshållplatsen har tak och tidtabell.", (26.9510, 60.5238)),
    ("accessibility", "challenge", 1, "Trottoarkanten vid övergångsstället är hög för rullator.", (26.9455, 60.5209)),
    ("accessibility", "idea", None, SCRIPT, (26.9520, 60.5215)),
    ("clean_safe", "challenge", 2, "Mörk gångtunnel under järnvägen, trasig belysning.", (26.9447, 60.5254)),
    ("clean_safe", "strength", 4, "Rent och välskött runt skolan.", (26.9505, 60.5259)),
    ("place_brand", "strength", 5, "Bruksmiljön vid ån är ortens stolthet.", (26.9442, 60.5232)),
    ("place_brand", "idea", 3, "Skyltar som berättar brukets historia.", (26.9459, 60.5244)),
    ("place_brand", "challenge", 3, "Infarten säger inget om orten.", (26.9530, 60.5205)),
]


def photo_jpeg(seed: int) -> bytes:
    """A small picture that looks like a street: sky, a house, a road."""
    image = Image.new("RGB", (640, 480), (135, 190, 235))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 330, 640, 480), fill=(110, 110, 110))
    draw.rectangle((60 + seed * 40, 150, 300 + seed * 40, 330), fill=(180, 60 + seed * 30, 50))
    draw.polygon([(40 + seed * 40, 150), (180 + seed * 40, 70), (320 + seed * 40, 150)], fill=(90, 40, 30))
    draw.rectangle((420, 200, 600, 330), fill=(230, 220, 200))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def make_status(engine, observations=OBSERVATIONS, photo_count: int = 3) -> dict:
    """The demo project after a baseline walk and a follow-up, reviewed, with an action plan."""
    demo = ensure_demo(engine)
    first = walks.create_walk(engine, demo.id, date(2026, 5, 12), "Handlarna", f"{AUTHOR}, Bo Berg", "Soligt")
    later = walks.create_walk(engine, demo.id, date(2026, 10, 6), "Handlarna", AUTHOR)
    uuids = []
    for i, (area, kind, rating, comment, (lon, lat)) in enumerate(observations):
        uuid = walks.new_uuid()
        walks.save_observation(engine, demo.id, first if i % 5 else later, uuid, {
            "focus_area": area, "kind": kind, "rating": rating, "comment": comment, "lon": lon, "lat": lat,
            "position_source": "gps", "accuracy_m": 5.0, "author": AUTHOR if i % 2 == 0 else "Bo Berg",
            "observed_at": datetime(2026, 5, 12, 10, i % 60, tzinfo=timezone.utc)})
        uuids.append(uuid)
    for i in range(photo_count):
        photos.add_photo(engine, demo.id, uuids[i], photo_jpeg(i), f"IMG_{i:04d}.jpg", "image/jpeg")
    walks.save_assessment(engine, first, "Grupp A", {a: (2 + i % 4, "Kommentar") for i, a in enumerate(FOCUS_AREAS)})
    walks.save_assessment(engine, first, AUTHOR, {a: (3, "") for a in FOCUS_AREAS})
    walks.save_assessment(engine, later, "Grupp A", {a: (4 + i % 3, "") for i, a in enumerate(FOCUS_AREAS)})
    review.set_state(engine, demo.id, uuids[1], "accepted", by=REVIEWER)
    review.set_state(engine, demo.id, uuids[4], "rejected", by=REVIEWER)
    review.set_state(engine, demo.id, uuids[9], "accepted", by=REVIEWER)
    review.set_state(engine, demo.id, uuids[3], "accepted", by=REVIEWER)
    review.add_comment(engine, demo.id, uuids[1], REVIEWER, "Kommunen har bänkar i förråd <b>.")
    review.add_comment(engine, demo.id, uuids[8], REVIEWER, "@SUM(A1) prövas i höst")
    review.create_action(engine, demo.id, "Ställ ut bänkar längs Tikankatu", "place", uuid=uuids[1],
                         owner="Kommunen", priority="high", cost_sek=12000, due_on=date(2026, 9, 1))
    review.create_action(engine, demo.id, "Ny belysning i gångtunneln", "clean_safe", uuid=uuids[9],
                         owner="Trafikverket", priority="medium")
    review.create_action(engine, demo.id, "Ortsfest i augusti", "place_brand", owner="Företagarföreningen",
                         priority="low", status="in_progress")
    stakeholders.add(engine, demo.id, name="Karhula Bageri", role="business", contact_name="Eva Ek",
                     contact_email="eva@example.se")
    return {"project": demo.id, "uuids": uuids, "walks": (first, later)}


@pytest.fixture
def status(database_url):
    engine = open_store(database_url)
    made = make_status(engine)
    engine.dispose()
    return {**made, "env": {"BIDGEO_DATABASE_URL": database_url}}


def export(status, fmt: str, out: Path, *extra):
    result = bidgeo("export", status["project"], "--format", fmt, "--out", out, *extra, env=status["env"])
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(out)
    assert len(result.stderr.strip().splitlines()) == 1 and str(out) in result.stderr
    return out


def pdf_text(path: Path) -> tuple[int, str]:
    from pypdf import PdfReader

    reader = PdfReader(path)
    return len(reader.pages), [page.extract_text() for page in reader.pages]


def render_pages(path: Path, stem: str, pages: int = 4) -> None:
    """The first pages as PNG beside the PDF, for a person to look at."""
    import pypdfium2

    document = pypdfium2.PdfDocument(path)
    for index in range(min(pages, len(document))):
        document[index].render(scale=1.4).to_pil().save(ARTIFACTS / f"{stem}-page{index + 1}.png")
    document.close()


OWN_SUMMARY = "Torget lever, men <b>lokalerna</b> står tomma.\nNästa steg: bänkar & belysning."


def write_conclusions(status) -> None:
    engine = open_store(status["env"]["BIDGEO_DATABASE_URL"])
    conclusions.save_conclusions(engine, status["project"], summary=OWN_SUMMARY, areas={
        "place": {"strengths": "Torget är öppet och soligt.", "challenges": "Inga bänkar <i>alls</i>.",
                  "opportunities": "Marknader på lördagar."}}, by="Bo BID-ledare")
    engine.dispose()


def near_services(status, metres: float) -> int:
    """The demo's service points within ``metres`` of its area, measured here in the area's UTM zone."""
    from bidgeo.area_versions import current_version
    from bidgeo.projects import service_points

    engine = open_store(status["env"]["BIDGEO_DATABASE_URL"])
    area = gpd.GeoSeries([current_version(engine, status["project"]).geometry], crs=4326)
    points = service_points(engine, status["project"])
    engine.dispose()
    metric = area.estimate_utm_crs()
    return int(points.to_crs(metric).intersects(area.to_crs(metric).buffer(metres).iloc[0]).sum())


def photo_sizes_mm(path: Path, pixels: tuple[int, int]) -> list[tuple[float, float]]:
    """The width and height (mm) at which each image of ``pixels`` (the photos) is drawn on
    the PDF's pages."""
    import pypdfium2
    import pypdfium2.raw as pdfium_c

    document = pypdfium2.PdfDocument(path)
    sizes = []
    for page in document:
        for image in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE]):
            if tuple(image.get_px_size()) != pixels:
                continue
            left, bottom, right, top = image.get_bounds()
            sizes.append(((right - left) / 72 * 25.4, (top - bottom) / 72 * 25.4))
    document.close()
    return sizes


def test_pdf_report(status, tmp_path, database_url):
    write_conclusions(status)
    out = export(status, "pdf", tmp_path / "nulagesanalys.pdf")
    data = out.read_bytes()
    assert data.startswith(b"%PDF")
    count, pages = pdf_text(out)
    assert 9 <= count <= 20, count
    text = "\n".join(pages)
    for heading in ["Nulägesanalys", "Karhula (demo)", "Slutsatser", "Sammanfattning", "Fokusområde: Platsvarumärke",
                    "Fokusområde: Utbud", "Fokusområde: Platsen", "Fokusområde: Tillgänglighet",
                    "Service i och runt BID-området", "Gångavstånd till service", "Handlingsplan",
                    "Betyg för fokusområdena (1–7)", "Bedömning av observationerna (1–5), medel",
                    "Betyg för fokusområdet (1–7), medel 2026-10-06", "Bedömning av observationen (1–5): 5"]:
        assert heading in text, heading
    # Services and walking distance for the BID area and 500 m around it, counted as here.
    near = near_services(status, 500)
    assert 0 < near < 43
    assert "Service och gångavstånd för BID-området och 500 m runt det" in text
    assert f"{near} servicepunkter i BID-området och 500 m runt det" in text
    assert "från byggnaderna i BID-området till närmaste service" in text
    # The BID manager's words, as written, where the steering group reads first.
    assert "Torget lever, men <b>lokalerna</b> står tomma." in pages[1] and "Nästa steg: bänkar & belysning." in pages[1]
    assert "Skrivet av Bo BID-ledare" in pages[1]
    [place] = [p for p in pages if "Fokusområde: Platsen" in p]
    for line in ("Styrkor", "Torget är öppet och soligt.", "Utmaningar", "Inga bänkar <i>alls</i>.", "Möjligheter",
                 "Marknader på lördagar."):
        assert line in place, line
    assert "Godtagna av styrgruppen 3" in pages[0]  # one accepted, two to action (one truth with the pages)
    # Photos one can see: each drawn at least 60 mm wide, none taller than a third of the page.
    sizes = photo_sizes_mm(out, Image.open(io.BytesIO(photo_jpeg(0))).size)
    assert len(sizes) == 3 and all(w >= 60 and h <= 100 for w, h in sizes), sizes
    assert all(f"Sida {i + 1} av {count}" in page for i, page in enumerate(pages))
    assert all(ATTRIBUTION in page for page in pages)
    assert SCRIPT in text  # the comment, as text
    assert AUTHOR in text and REVIEWER in text  # the internal edition names people
    assert "Ställ ut bänkar längs Tikankatu" in text and "Godtagen" in text
    if database_url.startswith("sqlite"):
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "report-demo.pdf").write_bytes(data)
        render_pages(out, "report-demo", pages=count)


def test_pdf_source_escapes_user_text(status):
    from bidgeo import report

    write_conclusions(status)
    engine = open_store(status["env"]["BIDGEO_DATABASE_URL"])
    source = report.document(report.report_data(engine, status["project"], "sv"), pdf=True)
    assert html.escape(SCRIPT, quote=False) in source and SCRIPT not in source
    assert "förråd &lt;b&gt;." in source
    assert "Torget lever, men &lt;b&gt;lokalerna&lt;/b&gt; står tomma.\nNästa steg: bänkar &amp; belysning." in source
    assert "Inga bänkar &lt;i&gt;alls&lt;/i&gt;." in source  # the BID manager's words, as plain text
    assert "12\u00a0000" in source and "3,7" in source and "\u00a0%" in source  # Swedish numbers
    rendered = report.pdf_document(source)
    assert len(rendered.pages) >= 9
    engine.dispose()


def test_html_report_is_self_contained_and_escaped(status, tmp_path):
    tiles = {**status["env"], "BIDGEO_TILES_URL": "https://tiles.example.com/{z}/{x}/{y}.png"}
    out = export({**status, "env": tiles}, "html", tmp_path / "nulagesanalys.html")
    page = out.read_text("utf-8")
    frames = re.findall(r'srcdoc="([^"]*)"', page)
    assert len(frames) == 1
    inner = html.unescape(frames[0])
    for doc in (page, inner):
        assert not re.search(r"<(script|img|iframe)[^>]+src=[\"']?(https?:)?//", doc, re.IGNORECASE)
        assert not re.search(r"<link[^>]+href=[\"']?(https?:)?//", doc, re.IGNORECASE)
        assert "<script>alert(1)" not in doc
    assert "&lt;script&gt;alert(1)" in page
    assert "tiles.example.com" not in page  # configured base tiles would be fetched from a server
    leaflet = (REPO / "static" / "vendor" / "leaflet" / "leaflet.js").read_text("utf-8")
    assert leaflet[5000:5400] in inner and "L.map(" in inner  # Leaflet itself is inline
    assert inner.count("data:image/jpeg;base64,") >= 3  # photos in the popups
    assert "&lt;script&gt;alert(1)" in inner.replace("\\u0026", "&")  # the popup's text, escaped
    assert AUTHOR in page
    assert "Fokusområde: Platsen" in page and "Handlingsplan" in page
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "report-demo.html").write_text(page, "utf-8")


def test_geopackage(status, tmp_path):
    out = export(status, "gpkg", tmp_path / "nulagesanalys.gpkg")
    layers = dict(pyogrio.list_layers(out))
    assert layers == {"area_versions": "MultiPolygon", "services": "Point", "service_corrections": "Point",
                      "observations": "Point", "actions": "Point", "walks": "LineString", "premises": "Point"}
    assert len(pyogrio.read_dataframe(out, layer="premises")) == 0  # the project has no premises: the layer is empty
    obs = pyogrio.read_dataframe(out, layer="observations")
    assert len(obs) == len(OBSERVATIONS) and obs.crs.to_epsg() == 4326
    assert set(obs["focus_area"]) == set(FOCUS_AREAS) and set(obs["uuid"]) == set(status["uuids"])
    assert {"walk_date", "focus_label", "kind", "rating", "comment", "review_state", "author", "observed_at",
            "photo_ids", "photo_files"} <= set(obs.columns)
    first = obs.set_index("uuid").loc[status["uuids"][0]]
    assert first["photo_files"] == "IMG_0000.jpg" and first["author"] == AUTHOR
    assert obs.set_index("uuid").loc[status["uuids"][8], "comment"] == SCRIPT
    actions = pyogrio.read_dataframe(out, layer="actions")
    assert sorted(actions["title"]) == ["Ny belysning i gångtunneln", "Ortsfest i augusti",
                                        "Ställ ut bänkar längs Tikankatu"]
    assert actions.geometry.isna().sum() == 1  # the festival has no observation
    assert len(pyogrio.read_dataframe(out, layer="services")) == near_services(status, 500)  # as the report counts
    around = export(status, "gpkg", tmp_path / "runt.gpkg", "--buffer", "1500")
    assert len(pyogrio.read_dataframe(around, layer="services")) == near_services(status, 1500)
    whole = export(status, "gpkg", tmp_path / "orten.gpkg", "--whole-locality")
    assert len(pyogrio.read_dataframe(whole, layer="services")) == 43  # the demo's whole inventory
    assert len(pyogrio.read_dataframe(out, layer="walks")) == 2
    assert len(pyogrio.read_dataframe(out, layer="area_versions")) == 1
    with sqlite3.connect(out) as db:  # a plain GeoPackage QGIS opens
        assert db.execute("SELECT count(*) FROM gpkg_contents").fetchone()[0] == 7


def test_csv_zip_and_xlsx(status, tmp_path):
    zipped = export(status, "csv", tmp_path / "nulagesanalys.zip")
    with zipfile.ZipFile(zipped) as archive:
        names = archive.namelist()
        assert names == ["observations.csv", "actions.csv", "services.csv", "assessments.csv", "coverage.csv",
                         "review_comments.csv", "area_versions.csv", "stakeholders.csv"]
        raw = archive.read("observations.csv")
        assert raw.startswith(b"\xef\xbb\xbf")
        observations = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig")
        comments = pd.read_csv(io.BytesIO(archive.read("review_comments.csv")), encoding="utf-8-sig")
        register = archive.read("stakeholders.csv").decode("utf-8-sig")
    assert len(observations) == len(OBSERVATIONS)
    assert "'=HYPERLINK(" in " ".join(observations["Kommentar"])  # a formula is defused
    assert SCRIPT in set(observations["Kommentar"]) and AUTHOR in set(observations["Av"])
    assert "'@SUM(A1) prövas i höst" in set(comments["Kommentar"])
    assert "Karhula Bageri" in register and "eva@example.se" not in register and "Eva Ek" not in register
    book = export(status, "xlsx", tmp_path / "nulagesanalys.xlsx")
    sheets = pd.read_excel(book, sheet_name=None)
    assert list(sheets) == ["Observationer", "Handlingsplan", "Service", "Bedömningar", "Gångavstånd",
                            "Granskningskommentarer", "Områdesversioner", "Intressenter"]
    assert len(sheets["Observationer"]) == len(OBSERVATIONS) and len(sheets["Handlingsplan"]) == 3
    assert any(str(c).startswith("'=HYPERLINK(") for c in sheets["Observationer"]["Kommentar"])
    assert len(sheets["Bedömningar"]) == 15


def test_public_exports_leave_out_names(status, tmp_path):
    names = (AUTHOR, REVIEWER, "Bo Berg", "Eva Ek", "Karhula Bageri")
    pdf = export(status, "pdf", tmp_path / "publik.pdf", "--public")
    _, pages = pdf_text(pdf)
    text = "\n".join(pages)
    assert "Publik version" in text and "Granskare" in text
    page = export(status, "html", tmp_path / "publik.html", "--public").read_text("utf-8")
    with zipfile.ZipFile(export(status, "csv", tmp_path / "publik.zip", "--public")) as archive:
        assert "stakeholders.csv" not in archive.namelist()
        tables = "".join(archive.read(n).decode("utf-8-sig") for n in archive.namelist())
    gpkg = export(status, "gpkg", tmp_path / "publik.gpkg", "--public")
    layers = "".join(pyogrio.read_dataframe(gpkg, layer=name).to_csv() for name, _ in pyogrio.list_layers(gpkg))
    sheets = pd.read_excel(export(status, "xlsx", tmp_path / "publik.xlsx", "--public"), sheet_name=None)
    assert "Intressenter" not in sheets
    workbook = "".join(sheet.to_csv() for sheet in sheets.values())
    for name in names:
        for what, content in (("pdf", text), ("html", page), ("csv", tables), ("gpkg", layers), ("xlsx", workbook)):
            assert name not in content, (name, what)
    for owner in ("Trafikverket", "Företagarföreningen"):  # an owner may be a person: public leaves all out
        for what, content in (("pdf", text), ("html", page), ("csv", tables), ("gpkg", layers), ("xlsx", workbook)):
            assert owner not in content, (owner, what)
    assert "Ortsfest i augusti" in tables and "Ortsfest i augusti" in text  # the actions themselves stay


def test_english_report(status, tmp_path):
    out = export(status, "pdf", tmp_path / "status.pdf", "--lang", "en")
    count, pages = pdf_text(out)
    text = "\n".join(pages)
    assert "Status analysis" in text and "Focus area: Place" in text and f"Page 1 of {count}" in text


def test_a_project_without_walks_or_osm_still_exports(tmp_path):
    url = f"sqlite:///{tmp_path / 'bare.sqlite'}"
    env = {"BIDGEO_DATABASE_URL": url}
    engine = open_store(url)
    from bidgeo.projects import create_project

    project = create_project(engine, "Tom ort", locality="Tomby", municipality="Ingenstans")
    engine.dispose()
    status = {"project": project.id, "env": env}
    count, pages = pdf_text(export(status, "pdf", tmp_path / "tom.pdf"))
    text = "\n".join(pages)
    assert "Ingen platsvandring är registrerad ännu." in text
    assert "har inga OSM-data" in text  # why there are no walking distances
    # A focus area without observations is a line, not a page: all five share one page.
    [quiet] = [p for p in pages if "Inga observationer inom det här fokusområdet." in p]
    assert quiet.count("Inga observationer inom det här fokusområdet.") == 5
    assert "Service och gångavstånd för hela orten" in text  # no area yet
    assert "Ingen sammanfattning är skriven ännu." in text
    export(status, "html", tmp_path / "tom.html")
    layers = dict(pyogrio.list_layers(export(status, "gpkg", tmp_path / "tom.gpkg")))
    assert set(layers) == {"area_versions", "services", "service_corrections", "observations", "actions", "walks",
                           "premises"}
    with zipfile.ZipFile(export(status, "csv", tmp_path / "tom.zip")) as archive:
        assert "coverage.csv" not in archive.namelist()


def test_export_misuse_exits_2_with_one_line(tmp_path):
    url = f"sqlite:///{tmp_path / 'x.sqlite'}"
    env = {"BIDGEO_DATABASE_URL": url}
    assert bidgeo("demo", env=env).returncode == 0
    cases = [
        ("export", "1", "--format", "pdf", "--out", tmp_path / "no-such-folder" / "r.pdf"),
        ("export", "1", "--format", "html", "--out", tmp_path),  # a folder
        ("export", "Ingen sådan ort", "--format", "csv", "--out", tmp_path / "r.zip"),
        ("export", "1", "--format", "word", "--out", tmp_path / "r.zip"),
    ]
    for args in cases:
        result = bidgeo(*args, env=env)
        assert result.returncode == 2, (args, result.stderr)
        assert result.stdout == ""
        if args[3] != "word":  # argparse's own usage message says that one is not a choice
            assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    first, folder = bidgeo(*cases[0], env=env), bidgeo(*cases[1], env=env)
    assert first.stderr.startswith("bidgeo: Kan inte skriva") and "mappen finns inte" in first.stderr
    assert "det är en mapp" in folder.stderr
    assert "Ingen sådan ort" in bidgeo(*cases[2], env=env).stderr
    assert "--format kan inte vara ”word”" in bidgeo(*cases[3], env=env).stderr
    assert not (tmp_path / "r.zip").exists()
    for buffer in ("-5", "9000", "nan"):  # a distance around the area the user can fix, said before any work
        result = bidgeo("export", "1", "--format", "csv", "--out", tmp_path / "r.zip", "--buffer", buffer, env=env)
        assert result.returncode == 1, (buffer, result.stderr)
        assert result.stderr.strip() == f"bidgeo: Avståndet runt BID-området ska vara 0–5000 meter (inte {float(buffer)})."
    assert not (tmp_path / "r.zip").exists()
