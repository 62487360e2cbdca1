"""Accounts and project membership for team mode (a lab's shared database).

Passwords are stored only as salted argon2id hashes. A project's members have one
role each: ``owner`` (members, codebook, documents, delete), ``coder`` (code, memo,
accept suggestions) or ``viewer`` (read and export). :class:`~qualcode.store.Project`
checks the role inside every write transaction.
"""

from __future__ import annotations

import functools

from sqlalchemy import delete, func, insert, select, update

from ..errors import PermissionDenied, StoreError
from ._util import now_iso
from .project import Project
from . import accounts_schema as A
from . import schema as S
from .engine import location_to_url, make_engine
from .migrations import SCHEMA_VERSION, ensure_schema, schema_version
from .roles import ROLES

__all__ = [
    "create_user",
    "authenticate",
    "set_password",
    "set_member",
    "remove_member",
    "members",
    "projects_for",
    "has_accounts",
    "user_for_oidc",
]

MIN_PASSWORD_LENGTH = 8


def _hasher():
    from argon2 import PasswordHasher

    return PasswordHasher()


@functools.lru_cache(maxsize=16)
def _engine(location: str):
    # One engine per database for the process: the app asks for the user's projects on
    # every rerun, and a fresh engine (plus a schema check) each time would be waste.
    engine = make_engine(location_to_url(location))
    with engine.connect() as conn:
        current = schema_version(conn)
    if current != SCHEMA_VERSION:  # only take the write lock when there is work to do
        with engine.connect().execution_options(qualcode_write=True) as conn, conn.begin():
            ensure_schema(conn)
    return engine


def has_accounts(location: str) -> bool:
    """True when the database has any account, i.e. the app must ask for a login."""
    engine = _engine(location)
    with engine.connect() as conn:
        return bool(conn.execute(select(func.count()).select_from(A.users)).scalar_one())


def create_user(location: str, username: str, password: str | None = None, *, display_name: str = "",
                oidc_subject: str | None = None) -> None:
    """Create an account with a password (or an OIDC subject for single sign-on)."""
    username = username.strip()
    if not username:
        raise StoreError("an account needs a user name")
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise StoreError(f"passwords need at least {MIN_PASSWORD_LENGTH} characters")
    if password is None and oidc_subject is None:
        raise StoreError("an account needs a password or an OIDC subject")
    engine = _engine(location)
    with engine.connect().execution_options(qualcode_write=True) as conn, conn.begin():
        if conn.execute(select(A.users.c.id).where(A.users.c.username == username)).first():
            raise StoreError(f"an account named {username!r} already exists")
        conn.execute(
            insert(A.users).values(
                username=username,
                display_name=display_name or username,
                password_hash=_hasher().hash(password) if password is not None else None,
                oidc_subject=oidc_subject,
                created_at=now_iso(),
            )
        )


def authenticate(location: str, username: str, password: str) -> str:
    """Return the user name when the password is right; PermissionDenied otherwise.

    The message does not say which of the two was wrong.
    """
    from argon2.exceptions import InvalidHashError, VerifyMismatchError

    engine = _engine(location)
    with engine.connect() as conn:
        row = conn.execute(select(A.users.c.password_hash).where(A.users.c.username == username.strip())).first()
    if row is None or row[0] is None:
        _hasher().hash(password)  # spend the same time as a real check
        raise PermissionDenied("wrong user name or password")
    try:
        _hasher().verify(row[0], password)
    except (VerifyMismatchError, InvalidHashError):
        raise PermissionDenied("wrong user name or password") from None
    return username.strip()


def set_password(location: str, username: str, password: str) -> None:
    """Replace an account's password."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise StoreError(f"passwords need at least {MIN_PASSWORD_LENGTH} characters")
    engine = _engine(location)
    with engine.connect().execution_options(qualcode_write=True) as conn, conn.begin():
        res = conn.execute(update(A.users).where(A.users.c.username == username).values(password_hash=_hasher().hash(password)))
        if res.rowcount == 0:
            raise StoreError(f"no account named {username!r}")


def user_for_oidc(location: str, subject: str) -> str | None:
    """The account linked to an OIDC subject (``st.user.sub``), if any."""
    engine = _engine(location)
    with engine.connect() as conn:
        return conn.execute(select(A.users.c.username).where(A.users.c.oidc_subject == subject)).scalar()


def set_member(project: Project, username: str, role: str) -> None:
    """Give ``username`` a role in the project (owners only; recorded in the log)."""
    if role not in ROLES:
        raise StoreError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    with project.write("members.set", target_type="user", payload={"user": username, "role": role}) as (conn, ev):
        uid = conn.execute(select(A.users.c.id).where(A.users.c.username == username)).scalar()
        if uid is None:
            raise StoreError(f"no account named {username!r}")
        ev["target_id"] = uid
        existing = conn.execute(
            select(A.memberships.c.id, A.memberships.c.role).where(
                A.memberships.c.project_id == project.id, A.memberships.c.user_id == uid
            )
        ).first()
        if existing:
            if existing[1] == "owner" and role != "owner":
                _refuse_last_owner(conn, project, uid)
            conn.execute(update(A.memberships).where(A.memberships.c.id == existing[0]).values(role=role))
        else:
            conn.execute(insert(A.memberships).values(project_id=project.id, user_id=uid, role=role))


def remove_member(project: Project, username: str) -> None:
    """Take ``username`` out of the project (owners only; the last owner stays)."""
    with project.write("members.remove", target_type="user", payload={"user": username}) as (conn, ev):
        uid = conn.execute(select(A.users.c.id).where(A.users.c.username == username)).scalar()
        if uid is None:
            raise StoreError(f"no account named {username!r}")
        ev["target_id"] = uid
        _refuse_last_owner(conn, project, uid)
        conn.execute(delete(A.memberships).where(A.memberships.c.project_id == project.id, A.memberships.c.user_id == uid))


def _refuse_last_owner(conn, project: Project, uid: int) -> None:
    owners = conn.execute(
        select(A.memberships.c.user_id).where(A.memberships.c.project_id == project.id, A.memberships.c.role == "owner")
    ).scalars().all()
    if owners == [uid]:
        raise StoreError("a project needs at least one owner; make someone else owner first")


def members(project: Project) -> list[tuple[str, str]]:
    """``(username, role)`` of every member, by name."""
    with project.read() as conn:
        return [
            (u, r)
            for u, r in conn.execute(
                select(A.users.c.username, A.memberships.c.role)
                .join(A.memberships, A.memberships.c.user_id == A.users.c.id)
                .where(A.memberships.c.project_id == project.id)
                .order_by(A.users.c.username)
            ).all()
        ]


def projects_for(location: str, username: str) -> list[tuple[str, str]]:
    """``(project name, role)`` for every project ``username`` is a member of."""
    engine = _engine(location)
    with engine.connect() as conn:
        return [
            (n, r)
            for n, r in conn.execute(
                select(S.projects.c.name, A.memberships.c.role)
                .join(A.memberships, A.memberships.c.project_id == S.projects.c.id)
                .join(A.users, A.users.c.id == A.memberships.c.user_id)
                .where(A.users.c.username == username)
                .order_by(S.projects.c.name)
            ).all()
        ]
