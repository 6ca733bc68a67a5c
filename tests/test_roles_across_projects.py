"""Roles across two projects (``BIDGEO_AUTH=1``): every pair of roles of one user in project A
and another in project B, held to what the account commands, the project listing and the app
allow. The rule for accounts (``bidgeo.accounts.may_manage_account``): an account is changed
only by its owner or by someone who administers every project it has a role in."""

from __future__ import annotations

import io
import json
import sys

import pytest

from bidgeo import accounts, cli
from bidgeo.db import open_store
from bidgeo.projects import create_project

PASSWORD = "korrekt häst batteri"
ROLES = (*accounts.ROLES, None)  # None: no role in that project


@pytest.fixture
def two_projects(monkeypatch, bidgeo_home):
    """Accounts on, projects A and B, and a fresh account factory."""
    monkeypatch.setenv("BIDGEO_AUTH", "1")
    url = f"sqlite:///{bidgeo_home / 'roles.sqlite'}"
    monkeypatch.setenv("BIDGEO_DATABASE_URL", url)
    engine = open_store(url)
    a = create_project(engine, "Projekt A", locality="Aby")
    b = create_project(engine, "Projekt B", locality="Bby")
    accounts.create_user(engine, "operator", PASSWORD)  # an admin of both, so the user commands are closed
    for project in (a, b):
        accounts.grant(engine, "operator", project.id, "admin")
    yield engine, a, b
    engine.dispose()


def _user(engine, username: str, roles: dict[int, str | None]) -> None:
    accounts.create_user(engine, username, PASSWORD)
    for project_id, role in roles.items():
        if role is not None:
            accounts.grant(engine, username, project_id, role)


def _id(engine, username: str) -> int:
    return next(u.id for u, _ in accounts.list_users(engine) if u.username == username)


def run(monkeypatch, capsys, user: str, *argv: str, stdin: str = "") -> tuple[int, str, str]:
    """``bidgeo ARGV --user USER`` in this process (the same main() the console script runs)."""
    monkeypatch.setenv("BIDGEO_PASSWORD", PASSWORD)
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = cli.main([*argv, "--user", user])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("actor_role", accounts.ROLES)
@pytest.mark.parametrize("target_role", ROLES)
def test_an_account_is_changed_only_by_who_administers_all_its_projects(
        two_projects, monkeypatch, capsys, actor_role, target_role):
    """The actor has a role in A; the target a role in B (or none). Only an admin of A may
    change a target without any role; nobody of A may change someone of B, nor grant or revoke
    roles in B."""
    engine, a, b = two_projects
    _user(engine, "actor", {a.id: actor_role})
    _user(engine, "target", {b.id: target_role})
    may = actor_role == "admin" and target_role is None

    code, _, err = run(monkeypatch, capsys, "actor", "user", "password", "target", stdin="ett övertaget lösenord\n")
    assert code == (0 if may else 1), err
    assert (accounts.authenticate(engine, "target", "ett övertaget lösenord") is not None) == may
    if not may:
        assert err.count("\n") == 1 and err.startswith("bidgeo: actor får inte")
        assert accounts.authenticate(engine, "target", PASSWORD) is not None  # untouched

    code, _, err = run(monkeypatch, capsys, "actor", "user", "disable", "target")
    assert code == (0 if may else 1), err
    assert (accounts.authenticate(engine, "target", "ett övertaget lösenord" if may else PASSWORD) is None) == may
    if may:
        assert run(monkeypatch, capsys, "actor", "user", "enable", "target")[0] == 0

    for argv in (("user", "grant", "target", str(b.id), "admin"), ("user", "revoke", "target", str(b.id)),
                 ("user", "grant", "actor", str(b.id), "admin")):
        code, _, err = run(monkeypatch, capsys, "actor", *argv)
        assert code == 1 and "”Projekt B”" in err, argv
    assert accounts.role_of(engine, _id(engine, "target"), b.id) == target_role
    assert accounts.role_of(engine, _id(engine, "actor"), b.id) is None

    # Granting a role in A is for A's admin; it gives them no power over the target's B.
    code, _, _ = run(monkeypatch, capsys, "actor", "user", "grant", "target", str(a.id), "viewer")
    assert code == (0 if actor_role == "admin" else 1)
    if actor_role == "admin" and target_role is not None:
        code, _, _ = run(monkeypatch, capsys, "actor", "user", "password", "target", stdin="ett övertaget lösenord\n")
        assert code == 1


@pytest.mark.parametrize("role_a", ROLES)
@pytest.mark.parametrize("role_b", ROLES)
def test_each_user_sees_and_lists_only_their_projects(two_projects, monkeypatch, capsys, role_a, role_b):
    engine, a, b = two_projects
    _user(engine, "someone", {a.id: role_a, b.id: role_b})
    mine = [p.id for p, role in ((a, role_a), (b, role_b)) if role is not None]
    code, out, err = run(monkeypatch, capsys, "someone", "projects", "--json")
    if not mine:
        assert code == 1 and "i något projekt" in err
    else:
        assert code == 0 and [p["id"] for p in json.loads(out)] == mine
    administered = {p.id for p, role in ((a, role_a), (b, role_b)) if role == "admin"}
    code, out, err = run(monkeypatch, capsys, "someone", "user", "list", "--json")
    if not administered:
        assert code == 1
        return
    listing = {u["username"]: {r["project"] for r in u["roles"]} for u in json.loads(out)}
    assert listing["someone"] == set(mine) & administered
    assert listing["operator"] == administered  # roles outside their projects are not shown
    assert set(listing) == {"someone", "operator"}


def test_an_account_of_two_projects_needs_the_admin_of_both(two_projects, monkeypatch, capsys):
    engine, a, b = two_projects
    _user(engine, "admin_a", {a.id: "admin"})
    _user(engine, "admin_ab", {a.id: "admin", b.id: "admin"})
    _user(engine, "walker", {a.id: "editor", b.id: "editor"})
    _user(engine, "disabled_b", {b.id: "admin"})
    accounts.set_disabled(engine, "disabled_b")  # a disabled account keeps its projects
    for target in ("walker", "disabled_b", "admin_ab"):
        assert run(monkeypatch, capsys, "admin_a", "user", "password", target, stdin="ett övertaget lösenord\n")[0] == 1
    assert run(monkeypatch, capsys, "admin_ab", "user", "password", "walker", stdin="ett nytt lösenord!\n")[0] == 0
    assert accounts.authenticate(engine, "walker", "ett nytt lösenord!") is not None
    # One's own password is one's own, whatever the role.
    assert run(monkeypatch, capsys, "admin_a", "user", "password", "admin_a", stdin="mitt eget lösenord\n")[0] == 0
    assert accounts.may_manage_account(engine, _id(engine, "walker"), "admin_a") is False


@pytest.mark.parametrize("role_a", accounts.ROLES)
@pytest.mark.parametrize("role_b", ROLES)
def test_the_app_gives_each_project_its_own_role(two_projects, fake_map, role_a, role_b):
    """In the app a user sees only their projects, cannot reach another by its id in the
    address, and gets in each project the pages of their role there."""
    from streamlit.testing.v1 import AppTest

    from conftest import REPO

    engine, a, b = two_projects
    _user(engine, "someone", {a.id: role_a, b.id: role_b})
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    at.query_params["project"] = str(b.id)  # asked for B in the address
    at.run()
    at.text_input(key="login_username").input("someone")
    at.text_input(key="login_password").input(PASSWORD)
    at = at.button[0].click().run()
    assert not at.exception
    project_box = at.selectbox(key="project_id")
    assert project_box.options == [p.name for p, role in ((a, role_a), (b, role_b)) if role is not None]
    assert at.session_state["project_id"] == (b.id if role_b is not None else a.id)
    at.session_state["project_id"] = a.id
    at.run()
    expected_area = role_a == "admin"
    if expected_area:
        at.switch_page("app_pages/area.py").run()
        assert not at.exception and not at.warning
    else:
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page("app_pages/area.py")
