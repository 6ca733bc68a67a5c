"""Probing issue 13 as an attacker: one project's people reach nothing of another project's,
whatever they put in the page address or on the command line."""

from __future__ import annotations

from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

import ui
from bidgeo import accounts, cli, walks
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
    walk_a = walks.create_walk(engine, a.id, date(2026, 6, 1))
    walk_b = walks.create_walk(engine, b.id, date(2026, 6, 2))
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


def test_the_admin_of_one_project_reaches_nothing_of_another_from_the_cli(two_projects, monkeypatch, capsys,
                                                                          tmp_path):
    """Every command that names project B (or the whole database), run by the admin of A."""
    import json

    from bidgeo.area import check_file
    from bidgeo.area_versions import save_version
    from conftest import CASES_OSM

    engine, a, b = two_projects
    _user(engine, "admin_a", {a.id: "admin"})
    area = REPO / "data" / "demo" / "karhula_centrum.geojson"
    save_version(engine, b.id, check_file(area))
    walk_b = walks.create_walk(engine, b.id, date(2026, 6, 2))
    (tmp_path / "ut").mkdir()
    out = tmp_path / "ut" / "fil"
    commands = [
        ("services", str(CASES_OSM), "--area", f"project:{b.id}"),
        ("services", str(CASES_OSM), "--project", str(b.id)),
        ("coverage", str(CASES_OSM), "--area", f"project:{b.id}"),
        ("compare", str(a.id), str(b.id)),
        ("register", str(b.id), str(area), "--name", "x", "--type", "y"),
        ("area", "set", str(b.id), str(area)),
        ("walk-kit", "export", str(b.id), str(out) + ".gpkg"),
        ("export", str(b.id), "--format", "csv", "--public", "--out", str(out) + ".zip"),
        ("audit", str(b.id)), ("audit",),
        ("backup", str(out) + ".sqlite"), ("restore", str(area)),
        ("user", "grant", "admin_a", str(b.id), "viewer"),
    ]
    for argv in commands:
        code, stdout, err = run(monkeypatch, capsys, "admin_a", *argv)
        assert code == 1 and "”Projekt B”" in err and err.count("\n") == 1, (argv, err)
        assert stdout == "", argv
    assert not list((tmp_path / "ut").iterdir())
    # A's own walk-kit import cannot put observations into B's walk.
    kit = tmp_path / "kit.gpkg"
    assert run(monkeypatch, capsys, "admin_a", "walk-kit", "export", str(a.id), str(kit))[0] == 0
    code, _, err = run(monkeypatch, capsys, "admin_a", "walk-kit", "import", str(a.id), str(kit), "--walk",
                       str(walk_b), "--json")
    assert code == 2 and str(walk_b) in err, err
    assert walks.get_walk(engine, walk_b).observations == 0
    code, stdout, _ = run(monkeypatch, capsys, "admin_a", "audit", str(a.id), "--json")
    assert code == 0 and {entry["entity"] for entry in json.loads(stdout)} >= {"memberships"}


def test_the_last_administrator_cannot_leave_the_door_open(two_projects, monkeypatch, capsys):
    """While no one is an administrator the user commands are open (to make the first one):
    the last administrator disabling their account, or losing their last admin role, opened
    them again to anyone at the command line, with no password at all."""
    engine, a, b = two_projects
    _user(engine, "walker", {a.id: "viewer"})
    assert run(monkeypatch, capsys, "operator", "user", "revoke", "operator", str(a.id))[0] == 0  # still B's
    for argv in (("user", "disable", "operator"), ("user", "revoke", "operator", str(b.id)),
                 ("user", "grant", "operator", str(b.id), "viewer")):
        code, _, err = run(monkeypatch, capsys, "operator", *argv)
        assert code == 1 and "administratör" in err and err.count("\n") == 1, (argv, err)
        assert accounts.any_admin(engine), argv
    monkeypatch.delenv("BIDGEO_PASSWORD")
    assert cli.main(["user", "grant", "walker", str(a.id), "admin"]) == 2  # not open: who runs it is asked
    assert accounts.role_of(engine, next(u.id for u, _ in accounts.list_users(engine) if u.username == "walker"),
                            a.id) == "viewer"
