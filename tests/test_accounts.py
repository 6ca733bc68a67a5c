"""Accounts and roles per project (``BIDGEO_AUTH=1``): the domain on both backends, the
``bidgeo user`` commands and the app's login, navigation and page guards under AppTest."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bidgeo import accounts, audit
from bidgeo.db import User, open_store
from bidgeo.demo import ensure_demo
from bidgeo.errors import NotFoundError, ValidationError
from bidgeo.i18n import messages, t
from bidgeo.projects import create_project
from conftest import REPO
from test_cli import bidgeo

PASSWORD = "korrekt häst batteri"


def test_passwords_are_kept_as_argon2id_hashes(engine):
    user = accounts.create_user(engine, " Anna ", PASSWORD, "Anna Andersson")
    assert (user.username, user.display_name, user.name, user.disabled) == ("anna", "Anna Andersson",
                                                                            "Anna Andersson", False)
    with Session(engine) as session:
        stored = session.scalar(select(User.password_hash).where(User.username == "anna"))
    assert stored != PASSWORD and PASSWORD not in stored and stored.startswith("$argon2id$")


def test_authenticate_right_wrong_unknown_and_disabled(engine):
    accounts.create_user(engine, "anna", PASSWORD)
    assert accounts.authenticate(engine, "anna", PASSWORD).username == "anna"
    assert accounts.authenticate(engine, "ANNA ", PASSWORD).username == "anna"  # names ignore case and spaces
    assert accounts.authenticate(engine, "anna", PASSWORD.upper()) is None
    assert accounts.authenticate(engine, "anna", "") is None
    assert accounts.authenticate(engine, "bertil", PASSWORD) is None
    accounts.set_disabled(engine, "anna")
    assert accounts.authenticate(engine, "anna", PASSWORD) is None
    accounts.set_disabled(engine, "anna", False)
    accounts.set_password(engine, "anna", "ett helt nytt lösenord")
    assert accounts.authenticate(engine, "anna", PASSWORD) is None
    assert accounts.authenticate(engine, "anna", "ett helt nytt lösenord") is not None


def test_an_old_hash_is_renewed_at_login(engine):
    from argon2 import PasswordHasher

    accounts.create_user(engine, "anna", PASSWORD)
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    with Session(engine) as session, session.begin():
        session.scalar(select(User).where(User.username == "anna")).password_hash = weak
    assert accounts.authenticate(engine, "anna", PASSWORD) is not None
    with Session(engine) as session:
        renewed = session.scalar(select(User.password_hash).where(User.username == "anna"))
    assert renewed != weak and not PasswordHasher().check_needs_rehash(renewed)


@pytest.mark.parametrize("username, password, key", [
    ("anna", "kort", "password_too_short"),
    ("a", PASSWORD, "username_invalid"),
    ("anna andersson", PASSWORD, "username_invalid"),
    ("-anna", PASSWORD, "username_invalid"),
    ("åsa", PASSWORD, "username_invalid"),
    ("x" * 33, PASSWORD, "username_invalid"),
])
def test_bad_usernames_and_passwords_are_said_plainly(engine, username, password, key):
    with pytest.raises(ValidationError) as caught:
        accounts.create_user(engine, username, password)
    assert caught.value.key == key
    assert caught.value.message("sv") and caught.value.message("en")
    assert accounts.list_users(engine) == []


def test_a_username_is_taken_once(engine):
    accounts.create_user(engine, "anna", PASSWORD)
    with pytest.raises(ValidationError) as caught:
        accounts.create_user(engine, "Anna", PASSWORD)
    assert caught.value.message() == "Användarnamnet ”anna” finns redan. Välj ett annat."


def test_roles_per_project(engine):
    karhula = ensure_demo(engine)
    other = create_project(engine, "Byn")
    anna = accounts.create_user(engine, "anna", PASSWORD)
    bertil = accounts.create_user(engine, "bertil", PASSWORD)
    accounts.grant(engine, "anna", karhula.id, "admin")
    accounts.grant(engine, "anna", "Byn", "viewer")  # a project by its name, too
    accounts.grant(engine, "bertil", karhula.id, "editor")
    accounts.grant(engine, "bertil", karhula.id, "reviewer")  # a new role replaces the old one
    assert accounts.role_of(engine, anna.id, karhula.id) == "admin"
    assert accounts.role_of(engine, anna.id, other.id) == "viewer"
    assert accounts.role_of(engine, bertil.id, karhula.id) == "reviewer"
    assert accounts.role_of(engine, bertil.id, other.id) is None
    assert accounts.projects_of(engine, anna.id) == [karhula.id, other.id]
    assert accounts.projects_of(engine, bertil.id) == [karhula.id]
    assert accounts.allowed_anywhere(engine, anna.id, "manage")
    assert not accounts.allowed_anywhere(engine, bertil.id, "manage")
    assert accounts.revoke(engine, "anna", other.id) and not accounts.revoke(engine, "anna", other.id)
    assert accounts.projects_of(engine, anna.id) == [karhula.id]
    accounts.set_disabled(engine, "bertil")
    assert accounts.role_of(engine, bertil.id, karhula.id) is None and accounts.projects_of(engine, bertil.id) == []
    with pytest.raises(ValidationError) as caught:
        accounts.grant(engine, "anna", karhula.id, "owner")
    assert caught.value.key == "bad_role"
    with pytest.raises(NotFoundError):
        accounts.grant(engine, "cecilia", karhula.id, "viewer")
    with pytest.raises(NotFoundError):
        accounts.grant(engine, "anna", "Finns inte", "viewer")
    assert [(u.username, roles) for u, roles in accounts.list_users(engine)] == [
        ("anna", {karhula.id: "admin"}), ("bertil", {karhula.id: "reviewer"})]


def test_what_each_role_may_do():
    table = {action: [role for role in accounts.ROLES if accounts.allowed(role, action)]
             for action in accounts.ACTIONS}
    assert table == {
        "view": ["admin", "editor", "reviewer", "viewer"],
        "record": ["admin", "editor"],
        "review": ["admin", "reviewer"],
        "edit_area": ["admin"],
        "manage": ["admin"],
        "personal_data": ["admin", "reviewer"],
    }
    assert not any(accounts.allowed(None, action) for action in accounts.ACTIONS)
    with pytest.raises(ValueError):
        accounts.allowed("admin", "delete_everything")
    assert all(f"role_{role}" in messages("sv") for role in accounts.ROLES)


def test_cli_user_add_grant_list_revoke(database_url):
    env = {"BIDGEO_DATABASE_URL": database_url}
    project = bidgeo("demo", env=env).stdout.strip()
    added = subprocess_input(["user", "add", "Anna", "--name", "Anna Andersson"], PASSWORD + "\n", env)
    assert added.returncode == 0, added.stderr
    assert added.stdout.strip() == "anna" and PASSWORD not in added.stdout + added.stderr
    assert "Användaren ”anna” är skapad" in added.stderr
    granted = bidgeo("user", "grant", "anna", project, "editor", env=env)
    assert granted.returncode == 0 and "”anna” är nu redigerare i ”Karhula (demo)”" in granted.stderr
    listing = json.loads(bidgeo("user", "list", "--json", env=env).stdout)
    assert [(u["username"], u["display_name"], u["disabled"], u["roles"]) for u in listing] == [
        ("anna", "Anna Andersson", False, [{"project": int(project), "role": "editor"}])]
    assert bidgeo("user", "list", env=env).stdout.splitlines() == [f"anna\tAnna Andersson\t{project}:editor"]
    engine = open_store(database_url)
    assert accounts.authenticate(engine, "anna", PASSWORD) is not None  # the newline is not part of it
    engine.dispose()
    changed = subprocess_input(["user", "password", "anna"], PASSWORD + "-nytt\n", env)
    assert changed.returncode == 0 and "”anna” har ett nytt lösenord" in changed.stderr
    engine = open_store(database_url)
    assert accounts.authenticate(engine, "anna", PASSWORD + "-nytt") is not None
    engine.dispose()
    revoked = bidgeo("user", "revoke", "anna", project, env=env)
    assert revoked.returncode == 0 and "har inte längre någon roll" in revoked.stderr
    assert json.loads(bidgeo("user", "list", "--json", env=env).stdout)[0]["roles"] == []


def test_cli_user_disable_and_enable(database_url):
    env = {"BIDGEO_DATABASE_URL": database_url}
    project = bidgeo("demo", env=env).stdout.strip()
    assert subprocess_input(["user", "add", "erik"], PASSWORD + "\n", env).returncode == 0
    assert bidgeo("user", "grant", "erik", project, "editor", env=env).returncode == 0
    disabled = bidgeo("user", "disable", "Erik", env=env)
    assert disabled.returncode == 0 and disabled.stdout == ""
    assert disabled.stderr.strip() == ("Användaren ”erik” är avstängd och kan inte logga in (rollerna finns "
                                       "kvar). Slå på kontot igen med: bidgeo user enable erik")
    engine = open_store(database_url)
    assert accounts.authenticate(engine, "erik", PASSWORD) is None
    erik = accounts.list_users(engine)[0][0].id
    assert accounts.role_of(engine, erik, int(project)) is None
    engine.dispose()
    listing = json.loads(bidgeo("user", "list", "--json", env=env).stdout)
    assert [(u["username"], u["disabled"], u["roles"]) for u in listing] == [
        ("erik", True, [{"project": int(project), "role": "editor"}])]
    refused = bidgeo("projects", "--user", "erik", env={**env, "BIDGEO_AUTH": "1", "BIDGEO_PASSWORD": PASSWORD})
    assert refused.returncode == 1 and refused.stderr.strip() == "bidgeo: Fel användarnamn eller lösenord."

    enabled = bidgeo("user", "enable", "erik", "--lang", "en", env=env)
    assert enabled.returncode == 0 and enabled.stderr.strip() == "User “erik” can log in again."
    engine = open_store(database_url)
    assert accounts.authenticate(engine, "erik", PASSWORD) is not None
    assert accounts.role_of(engine, erik, int(project)) == "editor"
    log = audit.entries(engine)
    engine.dispose()
    assert [(e.action, e.entity, e.ref, e.changes) for e in log.head(2).itertuples()] == [
        ("update", "users", "erik", {"disabled": [True, False]}),
        ("update", "users", "erik", {"disabled": [False, True]})]
    unknown = bidgeo("user", "disable", "bertil", env=env)
    assert unknown.returncode == 2 and "ingen användare ”bertil”" in unknown.stderr


def test_cli_user_mistakes_exit_with_one_line(bidgeo_home):
    env = {"BIDGEO_DATABASE_URL": f"sqlite:///{bidgeo_home / 'cli.sqlite'}"}
    project = bidgeo("demo", env=env).stdout.strip()
    short = subprocess_input(["user", "add", "anna"], "kort\n", env)
    assert short.returncode == 1
    assert short.stderr.strip() == "bidgeo: Lösenordet är för kort: det måste ha minst 10 tecken."
    empty = subprocess_input(["user", "add", "anna"], "", env)
    assert empty.returncode == 1 and "för kort" in empty.stderr
    bad = subprocess_input(["user", "add", "anna andersson", "--lang", "en"], PASSWORD + "\n", env)
    assert bad.returncode == 1 and bad.stderr.startswith("bidgeo: The username “anna andersson” will not do")
    assert subprocess_input(["user", "add", "anna"], PASSWORD + "\n", env).returncode == 0
    again = subprocess_input(["user", "add", "anna"], PASSWORD + "\n", env)
    assert again.returncode == 1 and "finns redan" in again.stderr
    role = bidgeo("user", "grant", "anna", project, "owner", env=env)
    assert role.returncode == 1
    assert role.stderr.strip() == "bidgeo: Rollen ”owner” finns inte. Välj en av: admin, editor, reviewer, viewer."
    nobody = bidgeo("user", "grant", "bertil", project, "viewer", env=env)
    assert nobody.returncode == 2 and "ingen användare ”bertil”" in nobody.stderr
    no_project = bidgeo("user", "grant", "anna", "999", "viewer", env=env)
    assert no_project.returncode == 2
    assert bidgeo("user", "add", "anna", "--password", PASSWORD, env=env).returncode == 2  # never on the command line


def subprocess_input(args: list[str], stdin: str, env: dict):
    import os
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "bidgeo", *args], input=stdin, capture_output=True, text=True,
                            timeout=120, env={**os.environ, **env}, cwd=REPO)
    assert "Traceback" not in result.stderr
    return result


# --- the app with accounts on (AppTest) -------------------------------------------------------------

@pytest.fixture
def accounts_on(monkeypatch, bidgeo_home, fake_map):
    """Accounts on, the demo project, and a user of each role in it."""
    monkeypatch.setenv("BIDGEO_AUTH", "1")
    engine = open_store()
    demo = ensure_demo(engine)
    for role in accounts.ROLES:
        accounts.create_user(engine, f"{role}1", PASSWORD, f"{role.title()} Testsson")
        accounts.grant(engine, f"{role}1", demo.id, role)
    accounts.create_user(engine, "nobody", PASSWORD)
    engine.dispose()
    return demo


def _app():
    from streamlit.testing.v1 import AppTest

    return AppTest.from_file(str(REPO / "app.py"), default_timeout=60)


def _log_in(at, username: str, password: str = PASSWORD):
    at.text_input(key="login_username").input(username)
    at.text_input(key="login_password").input(password)
    return at.button[0].click().run()


def test_the_app_asks_who_you_are_and_says_no_without_telling_why(accounts_on):
    at = _app().run()
    assert not at.exception
    assert at.title[0].value == "Logga in"
    assert [w.label for w in at.text_input] == ["Användarnamn", "Lösenord"]
    assert not at.selectbox  # no project, no navigation before the login
    at = _log_in(at, "viewer1", "fel lösenord!")
    assert [e.value for e in at.error] == ["Fel användarnamn eller lösenord."]
    at = _log_in(at, "ingen-alls", PASSWORD)
    assert [e.value for e in at.error] == ["Fel användarnamn eller lösenord."]
    assert at.text_input(key="login_password").value == ""  # the password is not kept
    at = _log_in(at, "viewer1")
    assert not at.exception and not at.error
    assert at.title[0].value == "Projekt och översikt"
    assert at.session_state["project_id"] == accounts_on.id


def test_too_many_failed_logins_lock_the_name_out_for_a_while(engine, monkeypatch):
    """Five failures within 15 minutes lock a name (known or not, so nothing is told about
    which names exist) without the password being tried; a success clears the count."""
    from datetime import timedelta

    from bidgeo import db
    from bidgeo.errors import ForbiddenError

    accounts.create_user(engine, "anna", PASSWORD)
    for _ in range(4):
        assert accounts.authenticate(engine, "anna", "fel lösenord!") is None
    assert accounts.authenticate(engine, "Anna ", PASSWORD) is not None  # a success starts the count anew
    for name in ("anna", "finns-inte"):
        for _ in range(accounts.MAX_FAILURES):
            assert accounts.authenticate(engine, name, "fel lösenord!") is None
        with pytest.raises(ForbiddenError) as locked:
            accounts.authenticate(engine, name, PASSWORD)  # even the right password
        assert locked.value.key == "login_locked" and locked.value.params["minutes"] == 15
        assert locked.value.message().startswith("För många misslyckade inloggningar")
    accounts.set_password(engine, "anna", PASSWORD + "!")  # the BID manager sets a new one: the lock goes
    assert accounts.authenticate(engine, "anna", PASSWORD + "!") is not None
    for _ in range(accounts.MAX_FAILURES):
        accounts.authenticate(engine, "anna", "fel lösenord!")
    later = db.utcnow() + timedelta(minutes=16)
    monkeypatch.setattr(accounts, "utcnow", lambda: later)
    assert accounts.authenticate(engine, "anna", PASSWORD + "!") is not None


@pytest.mark.parametrize("tries", [16, 40])
def test_parallel_wrong_logins_get_five_tries_in_all(engine, tries):
    """The count and the check are one step: many wrong logins of one name at the same moment
    get MAX_FAILURES password checks between them, the rest are refused as locked."""
    import threading

    from bidgeo.errors import ForbiddenError

    accounts.create_user(engine, "anna", PASSWORD)
    outcomes, start = [], threading.Barrier(tries)

    def login():
        start.wait()
        try:
            outcomes.append(accounts.authenticate(engine, "anna", "fel lösenord!"))
        except ForbiddenError:
            outcomes.append("locked")

    threads = [threading.Thread(target=login) for _ in range(tries)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count(None) == accounts.MAX_FAILURES
    assert outcomes.count("locked") == tries - accounts.MAX_FAILURES
    with pytest.raises(ForbiddenError):
        accounts.authenticate(engine, "anna", PASSWORD)


def test_the_login_page_says_when_a_name_is_locked_out(accounts_on):
    at = _app().run()
    for _ in range(accounts.MAX_FAILURES):
        at = _log_in(at, "viewer1", "fel lösenord!")
    at = _log_in(at, "viewer1")
    assert not at.exception and at.title[0].value == "Logga in"
    assert [e.value for e in at.error] == [
        "För många misslyckade inloggningar med det här användarnamnet. Vänta 15 minuter och försök igen, "
        "eller be BID-managern sätta ett nytt lösenord."]
    assert _log_in(at, "editor1").title[0].value == "Projekt och översikt"  # other names are not locked


def _logged_in(username: str):
    at = _app().run()
    return _log_in(at, username)


EDITING_PAGES = ("app_pages/walk.py", "app_pages/area.py", "app_pages/review.py", "app_pages/services.py",
                 "app_pages/stakeholders.py", "app_pages/process.py")


def test_a_viewer_cannot_open_the_editing_pages(accounts_on):
    at = _logged_in("viewer1")
    for page in EDITING_PAGES:  # not in the navigation at all
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(page)
    at.switch_page("app_pages/analysis.py").run()
    assert not at.exception and at.title[0].value == "Nulägesanalys" and not at.warning
    assert "an_public" not in [t.key for t in at.toggle]  # only the public version
    assert t("an_public_only") in [c.value for c in at.caption]


def test_a_role_taken_away_mid_session_takes_the_pages_with_it(accounts_on):
    at = _logged_in("admin1")
    engine = open_store()
    accounts.grant(engine, "admin1", accounts_on.id, "viewer")
    engine.dispose()
    at.switch_page("app_pages/walk.py").run()  # the page was in the admin's navigation
    assert not at.exception
    assert [w.value for w in at.title] == ["Projekt och översikt"]  # page not found: the start page instead
    assert all(b.label != "Spara observationen" for b in at.button)


def _guarded_page(action: str):
    """A page that does what every project page does first."""
    import ui

    ui.project_page("walk_title", "walk_intro")
    ui.require(action)
    import streamlit as st

    st.button("Spara observationen")


@pytest.mark.parametrize("username, action, shown", [
    ("viewer1", "record", "Din roll (läsare) får inte ändra här. Be BID-managern om behörighet."),
    ("reviewer1", "record", "Din roll (granskare) får inte ändra här. Be BID-managern om behörighet."),
    ("editor1", "review", "Din roll (redigerare) får inte ändra här. Be BID-managern om behörighet."),
    ("editor1", "manage", "Din roll (redigerare) får inte ändra här. Be BID-managern om behörighet."),
    ("nobody", "view", "Du har ingen roll i något projekt ännu. Be BID-managern om behörighet."),
    ("editor1", "record", None),
    ("admin1", "manage", None),
])
def test_every_page_guard_stops_a_role_that_may_not(accounts_on, username, action, shown):
    from streamlit.testing.v1 import AppTest

    engine = open_store()
    user = next(u for u, _ in accounts.list_users(engine) if u.username == username)
    engine.dispose()
    at = AppTest.from_function(_guarded_page, args=(action,), default_timeout=60)
    at.session_state["user_id"] = user.id
    at.session_state["project_id"] = accounts_on.id
    at.run()
    assert not at.exception
    if shown is None:
        assert not at.warning and [b.label for b in at.button] == ["Spara observationen"]
    else:
        assert [w.value for w in at.warning] + [i.value for i in at.info] == [shown] and not at.button


def test_each_role_gets_its_pages(accounts_on, monkeypatch):
    """The navigation has only the pages the role may use (the guards are tested above)."""
    import streamlit as st

    seen: dict[str, list[str]] = {}
    real = st.navigation

    def spy(pages, **kwargs):
        seen[current] = [p.url_path or "start" for p in pages]
        return real(pages, **kwargs)

    monkeypatch.setattr(st, "navigation", spy)
    for current in ("viewer1", "editor1", "reviewer1", "admin1", "nobody"):
        _logged_in(current)
    view = ["start", "analysis", "premises", "coverage", "compare", "followup"]
    assert seen["viewer1"] == view
    assert seen["editor1"] == ["start", "walk", "analysis", "premises", "coverage", "compare", "followup"]
    assert seen["reviewer1"] == ["start", "analysis", "review", "plan", "budget", "premises", "coverage", "compare",
                                 "followup"]
    assert seen["admin1"] == ["start", "process", "area", "walk", "analysis", "review", "plan", "budget", "services",
                              "stakeholders", "premises", "coverage", "compare", "followup", "audit"]
    assert seen["nobody"] == ["start"]


def test_an_editor_records_but_a_user_without_a_role_sees_nothing(accounts_on):
    at = _logged_in("editor1")
    at.switch_page("app_pages/walk.py").run()
    assert not at.exception and not at.warning and at.title[0].value == "Platsvandring"
    assert at.session_state["obs_author"] == "Editor Testsson"  # the name field starts with theirs
    at.button(key="nw_create").click().run()  # a walk made in the app is logged under the account
    engine = open_store()
    assert audit.entries(engine, accounts_on.id).iloc[0][["actor", "action", "entity"]].tolist() == [
        "editor1", "insert", "walks"]
    engine.dispose()
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("app_pages/review.py")
    at = _logged_in("nobody")
    assert not at.exception
    assert [i.value for i in at.info] == ["Du har ingen roll i något projekt ännu. Be BID-managern om behörighet."]
    assert "project_id" not in at.session_state


def test_logging_out_forgets_the_user(accounts_on):
    at = _logged_in("admin1")
    assert at.title[0].value == "Projekt och översikt"
    at.button(key="logout").click().run()
    assert at.title[0].value == "Logga in" and "user_id" not in at.session_state


def test_only_administrators_may_create_projects(accounts_on):
    at = _logged_in("viewer1")
    assert "create_project" not in str(at._tree) and not [w for w in at.text_input if w.key == "new_name"]
    at = _logged_in("admin1")
    at.text_input(key="new_name").input("Admins by")
    next(b for b in at.button if b.label == t("create_button")).click().run()
    engine = open_store()
    from bidgeo.projects import get_project

    project = get_project(engine, "Admins by")
    user = next(u for u, _ in accounts.list_users(engine) if u.username == "admin1")
    assert accounts.role_of(engine, user.id, project.id) == "admin"
    engine.dispose()


def test_a_network_address_needs_accounts(monkeypatch, fake_map):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    monkeypatch.setattr("streamlit.get_option", lambda name, real=__import__("streamlit").get_option:
                        "0.0.0.0" if name == "server.address" else real(name))
    at.run()
    assert not at.exception
    assert "Appen startar därför inte" in at.error[0].value and not at.title
    monkeypatch.setenv("BIDGEO_AUTH", "1")
    at.run()
    assert at.title[0].value == "Logga in"


def test_with_accounts_on_every_cli_command_checks_who_runs_it(accounts_on, bidgeo_home, tmp_path):
    """BIDGEO_AUTH=1: the CLI asks who runs it, checks the password and the role per command,
    and logs the changes under that name."""
    env = {"BIDGEO_AUTH": "1", "BIDGEO_USER": "", "BIDGEO_PASSWORD": PASSWORD}
    demo = str(accounts_on.id)
    anonymous = bidgeo("projects", env=env)
    assert anonymous.returncode == 2 and "--user" in anonymous.stderr and "BIDGEO_USER" in anonymous.stderr
    wrong = bidgeo("projects", "--user", "viewer1", env={**env, "BIDGEO_PASSWORD": "fel lösenord!"})
    assert wrong.returncode == 1 and wrong.stderr.strip() == "bidgeo: Fel användarnamn eller lösenord."
    assert bidgeo("projects", "--user", "viewer1", env=env).returncode == 0
    nobody = bidgeo("projects", "--user", "nobody", env=env)
    assert nobody.returncode == 1 and "nobody får inte se projektet i något projekt" in nobody.stderr

    refused = {  # (user, command) -> what the one line says
        ("viewer1", ("area", "set", demo, str(tmp_path / "x.geojson"))): "får inte ändra området",
        ("reviewer1", ("walk-kit", "export", demo, str(tmp_path / "kit.gpkg"))): "får inte registrera observationer",
        ("viewer1", ("export", demo, "--format", "csv", "--out", str(tmp_path / "t.zip"))): "får inte se personuppgifter",
        ("editor1", ("backup", str(tmp_path / "b.sqlite"))): "får inte administrera",
        ("editor1", ("user", "grant", "nobody", demo, "admin")): "får inte administrera",
        ("reviewer1", ("audit", demo)): "får inte administrera",
        ("viewer1", ("plan", "milestone", demo, "Bänkar")): "får inte granska",
        ("editor1", ("plan", "version", demo, "--advance")): "får inte granska",
    }
    for (user, command), said in refused.items():
        result = bidgeo(*command, "--user", user, env=env)
        assert result.returncode == 1 and said in result.stderr and "”Karhula (demo)”" in result.stderr, (user, command)
    assert not (tmp_path / "kit.gpkg").exists() and not (tmp_path / "b.sqlite").exists()

    public = bidgeo("export", demo, "--format", "csv", "--public", "--out", tmp_path / "t.zip", "--user", "viewer1",
                    env=env)
    assert public.returncode == 0, public.stderr
    granted = bidgeo("user", "grant", "nobody", demo, "viewer", "--user", "admin1", env=env)
    assert granted.returncode == 0, granted.stderr
    log = json.loads(bidgeo("audit", demo, "--json", "--user", "admin1", env=env).stdout)
    assert [(e["actor"], e["action"], e["entity"], e["ref"]) for e in log[:1]] == [
        ("admin1", "insert", "memberships", "nobody")]


def test_the_first_administrator_is_made_from_the_cli_before_anyone_logs_in(bidgeo_home, monkeypatch):
    env = {"BIDGEO_AUTH": "1", "BIDGEO_DATABASE_URL": f"sqlite:///{bidgeo_home / 'first.sqlite'}"}
    project = bidgeo("demo", env={"BIDGEO_DATABASE_URL": env["BIDGEO_DATABASE_URL"]}).stdout.strip()
    assert subprocess_input(["user", "add", "bim"], PASSWORD + "\n", env).returncode == 0
    assert bidgeo("user", "grant", "bim", project, "admin", env=env).returncode == 0
    # From now on the user commands need an administrator too.
    assert bidgeo("user", "list", env=env).returncode == 2
    listing = bidgeo("user", "list", "--user", "bim", env={**env, "BIDGEO_PASSWORD": PASSWORD})
    assert listing.returncode == 0 and listing.stdout.startswith("bim\t")


@pytest.mark.parametrize("claims, expected", [
    ({"is_logged_in": True, "email": "anna@kommun.example", "email_verified": True}, "anna@kommun.example"),
    ({"is_logged_in": True, "email": "anna@kommun.example"}, None),  # the provider does not say
    ({"is_logged_in": True, "email": "anna@kommun.example", "email_verified": False}, None),
    ({"is_logged_in": True, "email": "anna@kommun.example", "email_verified": "true"}, None),
    ({"is_logged_in": False, "email": "anna@kommun.example", "email_verified": True}, None),
])
def test_an_oidc_sign_in_is_an_account_only_with_a_verified_address(monkeypatch, claims, expected):
    """An address the provider has not verified could have been typed by anyone there: it is
    matched to no account (the e-mail is how an OIDC sign-in finds its account)."""
    import types

    import ui

    class User(dict):
        is_logged_in = claims["is_logged_in"]

    monkeypatch.setattr(ui, "oidc_configured", lambda: True)
    monkeypatch.setattr(ui, "st", types.SimpleNamespace(user=User({k: v for k, v in claims.items() if k != "is_logged_in"})))
    assert ui._oidc_email() == expected
