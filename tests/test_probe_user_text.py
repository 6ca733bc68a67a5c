"""Probing issue 13: user text that still reached Markdown."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from bidgeo import accounts
from bidgeo.db import open_store
from bidgeo.projects import create_project
from conftest import REPO, shown
from test_user_text import HOSTILE, assert_shown_as_written

PASSWORD = "korrekt häst batteri"


def test_the_sidebar_names_the_logged_in_user_as_written(monkeypatch, bidgeo_home, fake_map):
    monkeypatch.setenv("BIDGEO_AUTH", "1")
    url = f"sqlite:///{bidgeo_home / 'names.sqlite'}"
    monkeypatch.setenv("BIDGEO_DATABASE_URL", url)
    engine = open_store(url)
    project = create_project(engine, "Projekt A", locality="Aby")
    accounts.create_user(engine, "anna", PASSWORD, display_name=HOSTILE)
    accounts.grant(engine, "anna", project.id, "viewer")
    engine.dispose()
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60).run()
    at.text_input(key="login_username").input("anna")
    at.text_input(key="login_password").input(PASSWORD)
    at = at.button[0].click().run()
    assert_shown_as_written(at, "sidebar")
    assert any(HOSTILE in shown(c.value) for c in at.sidebar.caption)


def test_an_unknown_oidc_address_is_said_as_written(monkeypatch, fake_map):
    """The address comes from the provider, as the person signing in wrote it there."""
    import ui

    monkeypatch.setenv("BIDGEO_AUTH", "1")
    monkeypatch.setattr(ui, "oidc_configured", lambda: True)
    address = "![pixel](http://127.0.0.1:9/pixel.png)**fet**@example.com"
    monkeypatch.setattr(ui, "_oidc_email", lambda: address)
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60).run()
    assert not at.exception
    assert any(address in shown(w.value) for w in at.warning)
    assert not any("](http" in w.value.replace("\\]", "") for w in at.warning)


def test_a_chart_names_projects_as_written(monkeypatch):
    """matplotlib reads $...$ in a label as maths: a project named so was drawn as a formula,
    or (with an unknown command) the compare page and its PNG failed."""
    import matplotlib.figure
    import matplotlib.text
    import pandas as pd

    from bidgeo import charts

    drawn = []
    savefig = matplotlib.figure.Figure.savefig
    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", lambda fig, *a, **k: (
        drawn.extend(fig.findobj(matplotlib.text.Text)), savefig(fig, *a, **k))[1])
    names = [r"Pris $\foo{x}$ och 5 kr", "Ort $x^2$", r"Kost \$ 10"]
    table = pd.DataFrame({"label": ["Apotek"] * 3, "name": names, "within_400": [0.2, 0.5, 0.9]})
    assert charts.comparison_png(table, 400, "sv").startswith(b"\x89PNG")
    legend = {text._preprocess_math(text.get_text()) for text in drawn}
    for name in names:
        assert (name, False) in legend, (name, legend)
