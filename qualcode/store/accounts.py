"""Accounts and project membership for team mode (a lab's shared database).

Passwords are stored only as salted argon2id hashes, and new ones must pass the
NIST SP 800-63B rules in :mod:`qualcode.passwords`. User names are unique ignoring
case. Sign-in is throttled per account and per client in the database
(:mod:`qualcode.store.throttle`). A project's members have one role each: ``owner``
(members, codebook, documents, delete), ``coder`` (code, memo, accept suggestions) or
``viewer`` (read and export); :class:`~qualcode.store.Project` checks the role inside
every write and, for a signed-in user, membership on every read. *Administrators*
(an account flag) create accounts and projects; they are not members of projects they
did not join. Functions that take ``by`` act as that account; ``by=None`` is the
trusted caller (the local user, or the server operator).
"""

from __future__ import annotations

import functools
import time

from sqlalchemy import delete, func, insert, select, update

from ..config import redact, scrub
from ..errors import PermissionDenied, SignInThrottled, StoreError
from . import accounts_schema as A
from . import schema as S
from . import throttle
from ._util import now_iso
from .accounts_schema import username_key
from .engine import location_to_url, make_engine
from .files import refuse_foreign_file
from .migrations import SCHEMA_VERSION, ensure_schema, schema_version
from .passwords import MIN_LENGTH as MIN_PASSWORD_LENGTH
from .passwords import check_new_password, normalize
from .project import Project

__all__ = [
    "MIN_PASSWORD_LENGTH",
    "create_user",
    "authenticate",
    "signin_wait",
    "set_password",
    "set_admin",
    "rename_user",
    "is_admin",
    "account_exists",
    "set_member",
    "remove_member",
    "members",
    "projects_for",
    "has_accounts",
    "user_for_oidc",
    "username_key",
]


def _hasher():
    from argon2 import PasswordHasher

    return PasswordHasher()


@functools.lru_cache(maxsize=16)
def _engine(location: str):
    # One engine per database for the process: the app asks for the user's projects on
    # every rerun, and a fresh engine (plus a schema check) each time would be waste.
    if "://" not in location:
        refuse_foreign_file(location)  # before an engine rewrites the file's header
    engine = make_engine(location_to_url(location))
    try:
        with engine.connect() as conn:
            current = schema_version(conn)
        if current != SCHEMA_VERSION:  # only take the write lock when there is work to do
            with engine.connect().execution_options(qualcode_write=True) as conn, conn.begin():
                ensure_schema(conn)
    except StoreError:
        engine.dispose()
        raise
    except Exception as exc:  # unreachable server, damaged file: one line, never the password
        engine.dispose()
        detail = scrub(str(exc).splitlines()[0] if str(exc) else "")
        raise StoreError(f"{redact(location)}: cannot open the database ({exc.__class__.__name__}: {detail})") from None
    return engine


def _write(location: str):
    return _engine(location).connect().execution_options(qualcode_write=True)


def has_accounts(location: str) -> bool:
    """True when the database has any account, i.e. the app must ask for a login."""
    with _engine(location).connect() as conn:
        return bool(conn.execute(select(func.count()).select_from(A.users)).scalar_one())


def _require_admin(conn, by: str | None, what: str) -> None:
    if by is None:
        return
    row = conn.execute(select(A.users.c.is_admin).where(A.users.c.username_key == username_key(by))).first()
    if row is None or not row[0]:
        raise PermissionDenied(f"{by!r} is not an administrator; only administrators {what}")


MAX_USERNAME_LENGTH = 200  # users.username is String(200)


def _check_name(username: str) -> str:
    username = normalize(username).strip()
    if not username:
        raise StoreError("an account needs a user name")
    if len(username) > MAX_USERNAME_LENGTH or any(ord(c) < 32 for c in username):
        raise StoreError(f"a user name has at most {MAX_USERNAME_LENGTH} characters and no control characters")
    return username


def _name_taken(conn, username: str, exclude: int | None = None) -> bool:
    key = username_key(username)
    ids = set(conn.execute(select(A.users.c.id).where(A.users.c.username_key == key)).scalars())
    # Accounts flagged by an upgrade (no key) still own their name.
    ids |= {i for i, n in conn.execute(select(A.users.c.id, A.users.c.username).where(A.users.c.username_key.is_(None)))
            if username_key(n) == key}
    return bool(ids - {exclude})


def create_user(location: str, username: str, password: str | None = None, *, display_name: str = "",
                oidc_subject: str | None = None, admin: bool = False, by: str | None = None) -> None:
    """Create an account with a password (or an OIDC subject for single sign-on).

    ``by`` is the acting account, which must be an administrator (None: the operator).
    """
    username = _check_name(username)
    if password is None and oidc_subject is None:
        raise StoreError("an account needs a password or an OIDC subject")
    if password is not None:
        password = check_new_password(password, username)
    pw_hash = _hasher().hash(password) if password is not None else None
    with _write(location) as conn, conn.begin():
        _require_admin(conn, by, "create accounts")
        if _name_taken(conn, username):
            raise StoreError(f"an account named {username!r} already exists (names are compared ignoring case)")
        conn.execute(
            insert(A.users).values(
                username=username,
                username_key=username_key(username),
                display_name=display_name or username,
                password_hash=pw_hash,
                oidc_subject=oidc_subject,
                is_admin=bool(admin),
                created_at=now_iso(),
            )
        )


def signin_wait(location: str, username: str, *, client: str | None = None, now: float | None = None) -> float:
    """Seconds before ``username`` (from ``client``) may try to sign in again (0: now)."""
    keys = [throttle.account_key(username)] + ([throttle.client_key(client)] if client else [])
    with _engine(location).connect() as conn:
        return throttle.wait_seconds(conn, keys, time.time() if now is None else now)


def authenticate(location: str, username: str, password: str, *, client: str | None = None,
                 now: float | None = None) -> str:
    """Return the account's user name when the password is right; PermissionDenied otherwise.

    The message does not say which of the two was wrong. Each attempt is first counted
    as a failure (so parallel guesses cannot slip past the limit) and the count is
    taken back when the password is right; while an account or client must wait,
    SignInThrottled is raised without looking at the password. ``client`` is the IP
    address (app) or OS account (CLI); ``now`` (epoch seconds) is for tests.
    """
    from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

    now = time.time() if now is None else now
    akey = throttle.account_key(username)
    ckey = throttle.client_key(client) if client else None
    keys = [akey] + ([ckey] if ckey else [])
    with _write(location) as conn, conn.begin():
        wait = throttle.wait_seconds(conn, keys, now)
        if wait > 0:
            raise SignInThrottled(wait)
        throttle.record_failure(conn, keys, now)
        key = username_key(username)
        match = conn.execute(
            select(A.users.c.username, A.users.c.password_hash).where(A.users.c.username_key == key)
        ).all()
        # Accounts an upgrade flagged (two names differing only in case) have no key.
        flagged = [n for (n,) in conn.execute(select(A.users.c.username).where(A.users.c.username_key.is_(None)))
                   if username_key(n) == key]
    if flagged and not match:
        raise PermissionDenied(
            "this account's name differs only in case from another account's; ask the server operator to rename one"
        )
    if not match or match[0][1] is None:
        _hasher().hash(password)  # spend the same time as a real check
        raise PermissionDenied("wrong user name or password")
    name, pw_hash = match[0]
    ok = False
    for candidate in dict.fromkeys((normalize(password), password)):  # older hashes predate NFKC
        try:
            ok = _hasher().verify(pw_hash, candidate)
            break
        except (VerifyMismatchError, InvalidHashError, VerificationError):
            continue
    if not ok:
        raise PermissionDenied("wrong user name or password")
    with _write(location) as conn, conn.begin():
        throttle.forget(conn, akey)
        if ckey:
            throttle.release(conn, ckey)
    return name


def set_password(location: str, username: str, password: str, *, by: str | None = None) -> None:
    """Replace an account's password (and lift any sign-in lock-out on it).

    ``by`` must be an administrator or the account itself (None: the operator).
    """
    pw_hash = _hasher().hash(check_new_password(password, username))
    with _write(location) as conn, conn.begin():
        if by is not None and username_key(by) != username_key(username):
            _require_admin(conn, by, "set other accounts' passwords")
        res = conn.execute(
            update(A.users).where(A.users.c.username_key == username_key(username)).values(password_hash=pw_hash)
        )
        if res.rowcount == 0:
            raise StoreError(f"no account named {username!r}")
        throttle.forget(conn, throttle.account_key(username))


def set_admin(location: str, username: str, admin: bool = True, *, by: str | None = None) -> None:
    """Make an account an administrator (or not); ``by`` must be one (None: the operator)."""
    with _write(location) as conn, conn.begin():
        _require_admin(conn, by, "change who is an administrator")
        res = conn.execute(update(A.users).where(A.users.c.username_key == username_key(username)).values(is_admin=admin))
        if res.rowcount == 0:
            raise StoreError(f"no account named {username!r}")


def rename_user(location: str, username: str, new_name: str, *, by: str | None = None) -> None:
    """Rename an account (administrators or the operator); clears a case-clash flag.

    An upgrade flags accounts whose names differ only in case; renaming one of them
    makes both usable again. Memberships and history follow the account (events keep
    the name they were written with).
    """
    from .migrations import flag_username_clashes

    new_name = _check_name(new_name)
    with _write(location) as conn, conn.begin():
        _require_admin(conn, by, "rename accounts")
        uid = conn.execute(select(A.users.c.id).where(A.users.c.username == username)).scalar()
        if uid is None:
            raise StoreError(f"no account named {username!r}")
        if _name_taken(conn, new_name, exclude=uid):
            raise StoreError(f"an account named {new_name!r} already exists (names are compared ignoring case)")
        conn.execute(update(A.users).where(A.users.c.id == uid).values(username=new_name, username_key=None))
        flag_username_clashes(conn)


def is_admin(location: str, username: str) -> bool:
    """Whether the account is an administrator (creates accounts and projects)."""
    with _engine(location).connect() as conn:
        return bool(conn.execute(select(A.users.c.is_admin).where(A.users.c.username_key == username_key(username))).scalar())


def account_exists(location: str, username: str) -> bool:
    """Whether the account still exists (the app checks this on every rerun)."""
    with _engine(location).connect() as conn:
        return conn.execute(select(A.users.c.id).where(A.users.c.username_key == username_key(username))).first() is not None


def user_for_oidc(location: str, subject: str) -> str | None:
    """The account linked to an OIDC subject (``st.user.sub``), if any."""
    with _engine(location).connect() as conn:
        return conn.execute(select(A.users.c.username).where(A.users.c.oidc_subject == subject)).scalar()


def set_member(project: Project, username: str, role: str) -> None:
    """Give ``username`` a role in the project (owners only; recorded in the log)."""
    from .roles import ROLES

    if role not in ROLES:
        raise StoreError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    with project.write("members.set", target_type="user", payload={"user": username, "role": role}) as (conn, ev):
        uid = conn.execute(select(A.users.c.id).where(A.users.c.username_key == username_key(username))).scalar()
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
        uid = conn.execute(select(A.users.c.id).where(A.users.c.username_key == username_key(username))).scalar()
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
    with _engine(location).connect() as conn:
        return [
            (n, r)
            for n, r in conn.execute(
                select(S.projects.c.name, A.memberships.c.role)
                .join(A.memberships, A.memberships.c.project_id == S.projects.c.id)
                .join(A.users, A.users.c.id == A.memberships.c.user_id)
                .where(A.users.c.username_key == username_key(username))
                .order_by(S.projects.c.name)
            ).all()
        ]

