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


# A file name may hold all of these (no slash needed: a browser reads "https:host" as https://host/).
PHOTO_NAME = "![x](https:127.0.0.1:9?p.png) [klicka](https:127.0.0.1:9) **fet** :smile:.jpg"


def _captions(at) -> list[str]:
    return [image.caption for element in at.get("image") for image in element.proto.imgs]


def test_photo_captions_name_the_file_as_written(fake_map, monkeypatch):
    """st.image reads its caption as Markdown: a photo's file name (as the uploading browser
    or the field kit gave it) made an image to fetch and a link on the review and walk pages."""
    from datetime import date

    import ui
    from bidgeo import photos, walks
    from bidgeo.demo import ensure_demo
    from conftest import open_page
    from test_walks import jpeg, obs

    monkeypatch.setattr(ui, "geolocation", lambda key: None)
    engine = ui.store()
    demo = ensure_demo(engine)
    walk = walks.create_walk(engine, demo.id, date(2026, 5, 12))
    uuid = walks.new_uuid()
    walks.save_observation(engine, demo.id, walk, uuid, obs())
    photos.add_photo(engine, demo.id, uuid, jpeg(), PHOTO_NAME)

    review = open_page("app_pages/review.py", demo.id)
    walk_list = open_page("app_pages/walk.py", demo.id)
    walk_list.session_state["walk_view"] = "list"
    walk_list.run()
    form = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    form.query_params["obs"] = uuid
    form.switch_page("app_pages/walk.py").run()
    for at, where in ((review, "review"), (walk_list, "walk list"), (form, "walk form")):
        assert not at.exception, where
        [caption] = _captions(at)
        assert shown(caption) == PHOTO_NAME and "](" not in caption.replace("\\]", "").replace("\\(", ""), where
        assert ":smile:" not in caption, where
