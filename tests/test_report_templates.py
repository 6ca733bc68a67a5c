"""A municipality restyles its reports without touching code: a ``BIDGEO_TEMPLATES`` folder is
searched before ``bidgeo/templates`` (its own ``custom.css``, logo, or a template of its own),
through ``bidgeo export`` as an operator runs it."""

from __future__ import annotations

import base64
import io

import pytest
from PIL import Image

from bidgeo.db import open_store
from test_cli import bidgeo
from test_report import make_status

CUSTOM_CSS = """h1, h2, h3 { color: #8b0000; }
body { font-family: "Liberation Serif", serif; }
"""


def logo_png() -> bytes:
    image = Image.new("RGB", (300, 90), (0, 90, 40))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def project(bidgeo_home):
    url = f"sqlite:///{bidgeo_home / 'test.sqlite'}"
    engine = open_store(url)
    made = make_status(engine)
    engine.dispose()
    return {"id": made["project"], "env": {"BIDGEO_DATABASE_URL": url}}


def export(project, fmt, out, templates=None):
    env = {**project["env"], **({"BIDGEO_TEMPLATES": str(templates)} if templates else {})}
    return bidgeo("export", project["id"], "--format", fmt, "--out", out, env=env)


def cover_images_and_fonts(path):
    from pypdf import PdfReader

    page = PdfReader(path).pages[0]
    resources = page["/Resources"]
    images = [x for x in resources["/XObject"].values() if x.get_object()["/Subtype"] == "/Image"]
    fonts = {str(f.get_object()["/BaseFont"]) for f in resources["/Font"].values()}
    return len(images), fonts


def test_own_stylesheet_and_logo(project, tmp_path):
    own = tmp_path / "kommunen"
    own.mkdir()
    (own / "custom.css").write_text(CUSTOM_CSS, "utf-8")
    (own / "logo.png").write_bytes(logo_png())

    page = export(project, "html", tmp_path / "own.html", own)
    assert page.returncode == 0, page.stderr
    text = (tmp_path / "own.html").read_text("utf-8")
    assert CUSTOM_CSS in text
    assert f'<img class="logo" src="data:image/png;base64,{base64.b64encode(logo_png()).decode()}"' in text
    plain = export(project, "html", tmp_path / "plain.html")
    assert plain.returncode == 0 and "#8b0000" not in (tmp_path / "plain.html").read_text("utf-8")
    assert 'class="logo"' not in (tmp_path / "plain.html").read_text("utf-8")

    assert export(project, "pdf", tmp_path / "own.pdf", own).returncode == 0
    assert export(project, "pdf", tmp_path / "plain.pdf").returncode == 0
    own_images, own_fonts = cover_images_and_fonts(tmp_path / "own.pdf")
    plain_images, plain_fonts = cover_images_and_fonts(tmp_path / "plain.pdf")
    assert own_images == plain_images + 1  # the logo on the cover, beside the overview map
    assert any("Liberation-Serif" in f for f in own_fonts) and not any("Serif" in f for f in plain_fonts)


def test_own_template_extends_the_base(project, tmp_path):
    own = tmp_path / "kommunen"
    own.mkdir()
    (own / "status_analysis.html").write_text(
        '{% extends "base.html" %}{% block content %}<p class="own">Kommunens egen rapport: '
        "{{ project.name }}</p>{% endblock %}", "utf-8")
    result = export(project, "html", tmp_path / "own.html", own)
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "own.html").read_text("utf-8")
    assert '<p class="own">Kommunens egen rapport: Karhula (demo)</p>' in text
    assert '<h1 class="doc-title">Karhula (demo)</h1>' in text  # the base's cover is still there
    assert "Handlingsplan" not in text


def test_missing_folder_and_broken_template(project, tmp_path):
    result = export(project, "html", tmp_path / "x.html", tmp_path / "finns-inte")
    assert result.returncode == 2 and not (tmp_path / "x.html").exists()
    assert result.stderr.strip() == ("bidgeo: Mappen som BIDGEO_TEMPLATES pekar på finns inte. Rätta sökvägen eller ta "
                                     "bort variabeln.")
    own = tmp_path / "kommunen"
    own.mkdir()
    (own / "custom.css").write_text("h1 { color: red; }\n{% if %}\n", "utf-8")
    result = export(project, "pdf", tmp_path / "x.pdf", own)
    assert result.returncode == 2 and not (tmp_path / "x.pdf").exists()
    assert "Rapportmallen ”custom.css” i BIDGEO_TEMPLATES går inte att läsa (rad 2)." in result.stderr
    assert str(own) not in result.stderr
