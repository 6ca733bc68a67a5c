"""Probing issue 13 as an attacker: one project's people reach nothing of another project's,
whatever they put in the page address or on the command line."""

from __future__ import annotations

from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

import ui
from bidgeo import accounts, walks
from bidgeo.demo import ensure_demo
from bidgeo.errors import ValidationError
from bidgeo.projects import create_project
from conftest import REPO
from test_roles_across_projects import _user, run, two_projects  # noqa: F401  (a fixture)
from test_walks import obs


def test_the_walk_form_does_not_open_another_projects_observation(fake_map, monkeypatch):
    """An observation's uuid (in a shared address, an export or a field kit) of project B, put
    in project A's walk page as ?obs=, is neither shown nor deleted there: a new form opens."""
    monkeypatch.setattr(ui, "geolocation", lambda key: None)
    engine = ui.store()
    a = ensure_demo(engine)
    b = create_project(engine, "Projekt B", locality="Bby")
    walks.create_walk(engine, a.id, date(2026, 6, 1))
    walk_b = walks.create_walk(engine, b.id, date(2026, 6, 2))
    secret = walks.new_uuid()
    walks.save_observation(engine, b.id, walk_b, secret, obs(comment="Hemlig iakttagelse i B", author="Berit"))
    drafted = walks.new_uuid()
    walks.save_draft(engine, b.id, walk_b, drafted, {"comment": "Utkast i B"})

    for uuid in (secret, drafted):
        at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
        at.session_state["project_id"] = a.id
        at.query_params["obs"] = uuid
        at.switch_page("app_pages/walk.py")
        at.run()
        assert not at.exception
        comments = [x.value for x in at.text_area]
        assert "Hemlig iakttagelse i B" not in comments and "Utkast i B" not in comments
        assert f"del_{uuid}" not in [b.key for b in at.button]
        assert not any(b.key and b.key.startswith("del_") for b in at.button)
    assert walks.observation(engine, secret)["deleted"] is False
    assert walks.observation(engine, secret)["comment"] == "Hemlig iakttagelse i B"
    assert walks.draft(engine, drafted)["comment"] == "Utkast i B"


def test_a_draft_of_another_project_is_not_overwritten(engine):
    a = ensure_demo(engine)
    b = create_project(engine, "Projekt B", locality="Bby")
    walk_a, walk_b = walks.create_walk(engine, a.id, date(2026, 6, 1)), walks.create_walk(engine, b.id, date(2026, 6, 2))
    uuid = walks.new_uuid()
    walks.save_draft(engine, b.id, walk_b, uuid, {"comment": "Utkast i B"})
    with pytest.raises(ValidationError) as raised:
        walks.save_draft(engine, a.id, walk_a, uuid, {"comment": "skrivet över från A"})
    assert raised.value.key == "obs_uuid_taken"
    assert walks.draft(engine, uuid) == {"walk_id": walk_b, "comment": "Utkast i B"}
    assert walks.project_of(engine, uuid) == b.id


@pytest.mark.parametrize("role", accounts.ROLES)
def test_the_handover_package_is_for_the_projects_administrator(two_projects, monkeypatch, capsys, tmp_path, role):
    """The handover holds everyone's names and the stakeholder register, and in the app it is
    made on the process page (administrators): ``--public`` made it a viewer's for the asking,
    while the package stayed the internal one."""
    engine, a, _ = two_projects
    _user(engine, "someone", {a.id: role})
    out = tmp_path / "overlamning.zip"
    code, _, err = run(monkeypatch, capsys, "someone", "export", str(a.id), "--format", "handover", "--public",
                       "--out", str(out))
    if role == "admin":  # a public handover does not exist: said, not silently the internal one
        assert code == 2 and "--public" in err and err.count("\n") == 1, err
    else:
        assert code == 1 and "someone får inte administrera" in err, err
    assert not out.exists()
    code, _, err = run(monkeypatch, capsys, "someone", "export", str(a.id), "--format", "handover", "--out", str(out))
    assert code == (0 if role == "admin" else 1), err
    assert out.exists() == (role == "admin")


def _logged_in(username: str, project_id: int, page: str):
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    at.query_params["project"] = str(project_id)
    at.run()
    at.text_input(key="login_username").input(username)
    at.text_input(key="login_password").input("korrekt häst batteri")
    at = at.button[0].click().run()
    at.switch_page(page).run()
    assert not at.exception
    return at


@pytest.mark.parametrize("role", accounts.ROLES)
def test_only_an_administrator_replaces_the_population_grid(two_projects, fake_map, role):
    """The walking-distance page is for every role; importing its population grid (which
    replaces the project's) is an import like the services', for the administrator."""
    from bidgeo.projects import replace_osm
    from conftest import DEMO_OSM

    engine, a, _ = two_projects
    replace_osm(engine, a.id, DEMO_OSM)
    _user(engine, "someone", {a.id: role})
    at = _logged_in("someone", a.id, "app_pages/coverage.py")
    assert at.title[0].value == "Gångavstånd till service"
    assert bool(at.get("file_uploader")) == (role == "admin")
    assert ("cov_grid_crs" in [x.key for x in at.text_input]) == (role == "admin")
