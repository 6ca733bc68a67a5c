"""Local accounts and their roles per project.

Accounts are used only when ``BIDGEO_AUTH=1`` (``config.auth_enabled()``); without it the app
is single-user and everything is allowed. Passwords are kept only as argon2id hashes
(``argon2-cffi``'s ``PasswordHasher``, its default, RFC 9106 parameters).

A user has at most one role in each project. What a role may do is the one table
:data:`ACTIONS`:

============== ===================================================================== ==========================
action         what                                                                  roles
============== ===================================================================== ==========================
view           see the project: start page, analysis, coverage, compare              all
record         the place walk: walks, observations, assessments, field-kit import    admin, editor
review         the review page: states, comments, actions; steering-group meetings   admin, reviewer
edit_area      the area page: draw, upload, approve and make boundaries current      admin
manage         services (corrections, imports), stakeholders, the process page,     admin
               creating projects
personal_data  stakeholder contacts, people's names in exports, original photos      admin, reviewer
============== ===================================================================== ==========================

admin is the BID manager, editor a focus-group member, reviewer the steering group, viewer
anyone who may only look.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bidgeo.db import LoginFailure, Membership, User, utcnow
from bidgeo.errors import ForbiddenError, NotFoundError, ValidationError
from bidgeo.projects import get_project

ROLES = ("admin", "editor", "reviewer", "viewer")

ACTIONS: dict[str, tuple[str, ...]] = {
    "view": ROLES,
    "record": ("admin", "editor"),
    "review": ("admin", "reviewer"),
    "edit_area": ("admin",),
    "manage": ("admin",),
    "personal_data": ("admin", "reviewer"),
}

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024
USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,31}")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

_hasher = PasswordHasher()
_dummy_hash: str | None = None


@dataclass(frozen=True)
class UserInfo:
    id: int
    username: str
    display_name: str
    disabled: bool
    created_at: datetime
    email: str = ""

    @property
    def name(self) -> str:
        """What the app shows: the display name, else the username."""
        return self.display_name or self.username


def _info(user: User) -> UserInfo:
    return UserInfo(user.id, user.username, user.display_name, bool(user.disabled), user.created_at, user.email or "")


def allowed(role: str | None, action: str) -> bool:
    """Whether ``role`` (None: no role in the project) may do ``action`` (a key of ACTIONS)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    return role in ACTIONS[action]


def normalise_username(username: str) -> str:
    return (username or "").strip().lower()


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def user_by_email(engine: Engine, email: str) -> UserInfo | None:
    """The (enabled) account with this e-mail address, for an OIDC sign-in; else None."""
    email = normalise_email(email)
    if not email:
        return None
    with Session(engine) as session:
        user = session.scalar(select(User).where(User.email == email, User.disabled.is_(False)))
        return _info(user) if user is not None else None


def _check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise ValidationError("password_too_short", min=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationError("password_too_long", max=MAX_PASSWORD_LENGTH)


def create_user(engine: Engine, username: str, password: str, display_name: str = "", email: str = "") -> UserInfo:
    """A new account. The username is 2-32 lower-case letters, digits, ``.``, ``_`` or ``-``
    (starting with a letter or digit); the password at least 10 characters. ``email`` (if
    given) is the address an OIDC sign-in is matched by."""
    username = normalise_username(username)
    if not USERNAME.fullmatch(username):
        raise ValidationError("username_invalid", username=username)
    _check_password(password)
    email = normalise_email(email)
    if email and not EMAIL.fullmatch(email):
        raise ValidationError("email_invalid", email=email[:100])
    user = User(username=username, display_name=(display_name or "").strip(), password_hash=_hasher.hash(password),
                email=email or None)
    try:
        with Session(engine) as session, session.begin():
            if session.scalar(select(User.id).where(User.username == username)) is not None:
                raise ValidationError("username_taken", username=username)
            if email and session.scalar(select(User.id).where(User.email == email)) is not None:
                raise ValidationError("email_taken", email=email)
            session.add(user)
            session.flush()
            return _info(user)
    except IntegrityError as exc:  # the same name added at the same moment
        raise ValidationError("username_taken", username=username) from exc


def set_password(engine: Engine, username: str, password: str) -> None:
    """A new password; it also lifts a lockout after failed logins."""
    _check_password(password)
    with Session(engine) as session, session.begin():
        user = _user(session, username)
        user.password_hash = _hasher.hash(password)
        session.execute(delete(LoginFailure).where(LoginFailure.username == user.username))


def set_disabled(engine: Engine, username: str, disabled: bool = True) -> None:
    """Disable (or enable again) an account: a disabled user cannot log in and has no role."""
    with Session(engine) as session, session.begin():
        _user(session, username).disabled = disabled


def authenticate(engine: Engine, username: str, password: str) -> UserInfo | None:
    """The user whose name and password these are, or None (unknown name, wrong password or
    a disabled account alike, in about the same time). An old-parameter hash is renewed.
    After :data:`MAX_FAILURES` failed logins for a name within :data:`LOCKOUT`, that name
    (known or not) is refused with :class:`ForbiddenError` until the oldest of them is older
    than :data:`LOCKOUT`, without trying the password.

    Each try is counted as a failure before the (slow) password check and the count is read in
    the same transaction, which logins of the same name take in turn (SQLite: the insert takes
    the database's write lock; PostgreSQL: an advisory lock on the name). So parallel tries
    get :data:`MAX_FAILURES` checks in all, not one each."""
    name = normalise_username(username)[:64]
    with Session(engine) as session, session.begin():
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:name, 0))"), {"name": name})
        attempt = LoginFailure(username=name, at=utcnow())
        session.add(attempt)
        session.flush()
        earlier = sorted(session.scalars(select(LoginFailure.at).where(
            LoginFailure.username == name, LoginFailure.at >= utcnow() - LOCKOUT, LoginFailure.id != attempt.id)))
        if len(earlier) >= MAX_FAILURES:
            oldest = earlier[-MAX_FAILURES]
            oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=timezone.utc)
            wait = oldest + LOCKOUT - utcnow()
            raise ForbiddenError("login_locked", minutes=max(1, math.ceil(wait.total_seconds() / 60)))  # rolls back
    user = _verified(engine, name, password)
    if user is not None:  # a success starts the count anew
        with Session(engine) as session, session.begin():
            session.execute(delete(LoginFailure).where(LoginFailure.username == name))
    return user


def _verified(engine: Engine, name: str, password: str) -> UserInfo | None:
    global _dummy_hash
    with Session(engine) as session, session.begin():
        user = session.scalar(select(User).where(User.username == name))
        if user is None:
            _dummy_hash = _dummy_hash or _hasher.hash("not a password of anyone")
            try:
                _hasher.verify(_dummy_hash, password or "")
            except VerificationError:
                pass
            return None
        try:
            _hasher.verify(user.password_hash, password or "")
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        if user.disabled:
            return None
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = _hasher.hash(password)
        return _info(user)


def get_user(engine: Engine, user_id: int) -> UserInfo | None:
    with Session(engine) as session:
        user = session.get(User, user_id)
        return _info(user) if user is not None else None


def list_users(engine: Engine, for_user: int | None = None) -> list[tuple[UserInfo, dict[int, str]]]:
    """Every account, by username, with its roles per project id. ``for_user`` (an
    administrator's id) narrows it to what they manage: the accounts with a role in a project
    they administer, or with no role at all, and of those only the roles in their projects."""
    mine = administered(engine, for_user) if for_user is not None else None
    with Session(engine) as session:
        users = session.scalars(select(User).order_by(User.username)).all()
        roles: dict[int, dict[int, str]] = {}
        for m in session.scalars(select(Membership).order_by(Membership.project_id)):
            roles.setdefault(m.user_id, {})[m.project_id] = m.role
    if mine is None:
        return [(_info(u), roles.get(u.id, {})) for u in users]
    return [(_info(u), {p: r for p, r in roles.get(u.id, {}).items() if p in mine}) for u in users
            if not roles.get(u.id) or mine & roles[u.id].keys()]


def administered(engine: Engine, user_id: int) -> set[int]:
    """The ids of the projects the (enabled) user is an administrator of."""
    with Session(engine) as session:
        return set(session.scalars(
            select(Membership.project_id).join(User, User.id == Membership.user_id)
            .where(Membership.user_id == user_id, Membership.role == "admin", User.disabled.is_(False))))


def may_manage_account(engine: Engine, user_id: int, username: str) -> bool:
    """Whether the user may change the account ``username`` (its password, disable or enable
    it): their own account, or one whose every role (a disabled account's too) is in a project
    they administer. So the administrator of one project can never take over someone who also
    works in a project they do not manage. An unknown name is nobody's: True, and the command
    then says it does not exist."""
    with Session(engine) as session:
        target = session.scalar(select(User).where(User.username == normalise_username(username)))
        if target is None or target.id == user_id:
            return True
        theirs = set(session.scalars(select(Membership.project_id).where(Membership.user_id == target.id)))
    mine = administered(engine, user_id)
    return bool(mine) and theirs <= mine


def _user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == normalise_username(username)))
    if user is None:
        raise NotFoundError("user_not_found", username=normalise_username(username))
    return user


def grant(engine: Engine, username: str, project_ref: int | str, role: str) -> None:
    """Give the user ``role`` in the project (id or exact name), replacing any role they had."""
    if role not in ROLES:
        raise ValidationError("bad_role", role=role, choices=", ".join(ROLES))
    project = get_project(engine, project_ref)
    with Session(engine) as session, session.begin():
        user = _user(session, username)
        membership = session.get(Membership, (user.id, project.id))
        if membership is None:
            session.add(Membership(user_id=user.id, project_id=project.id, role=role))
        else:
            membership.role = role


def revoke(engine: Engine, username: str, project_ref: int | str) -> bool:
    """Take the user's role in the project away; False if they had none."""
    project = get_project(engine, project_ref)
    with Session(engine) as session, session.begin():
        user = _user(session, username)
        membership = session.get(Membership, (user.id, project.id))
        if membership is not None:
            session.delete(membership)
        return membership is not None


def role_of(engine: Engine, user_id: int, project_id: int) -> str | None:
    """The user's role in the project, or None (no role, or the account is disabled)."""
    with Session(engine) as session:
        return session.scalar(
            select(Membership.role).join(User, User.id == Membership.user_id)
            .where(Membership.user_id == user_id, Membership.project_id == project_id, User.disabled.is_(False)))


def projects_of(engine: Engine, user_id: int) -> list[int]:
    """The ids of the projects in which the user has a role."""
    with Session(engine) as session:
        return list(session.scalars(
            select(Membership.project_id).join(User, User.id == Membership.user_id)
            .where(Membership.user_id == user_id, User.disabled.is_(False)).order_by(Membership.project_id)))


def is_last_admin(engine: Engine, username: str, project_id: int | None = None) -> bool:
    """Whether the account's admin role in ``project_id`` (None: all its roles) is all there
    is of (enabled) administrators: without them the user commands would be open to anyone
    again, as before the first administrator was made (``bidgeo.cli._authorise``)."""
    with Session(engine) as session:
        user = _user(session, username)
        admins = session.execute(select(Membership.user_id, Membership.project_id)
                                 .join(User, User.id == Membership.user_id)
                                 .where(Membership.role == "admin", User.disabled.is_(False))).all()
    theirs = [a for a in admins if a.user_id == user.id and project_id in (None, a.project_id)]
    return bool(theirs) and len(theirs) == len(admins)


def any_admin(engine: Engine) -> bool:
    """Whether some (enabled) user is an administrator of some project."""
    with Session(engine) as session:
        return session.scalar(select(Membership.user_id).join(User, User.id == Membership.user_id)
                              .where(Membership.role == "admin", User.disabled.is_(False)).limit(1)) is not None


def allowed_anywhere(engine: Engine, user_id: int, action: str) -> bool:
    """Whether the user may do ``action`` in at least one project (e.g. an admin may create
    projects)."""
    with Session(engine) as session:
        roles = session.scalars(
            select(Membership.role).join(User, User.id == Membership.user_id)
            .where(Membership.user_id == user_id, User.disabled.is_(False)))
        return any(allowed(role, action) for role in roles)
