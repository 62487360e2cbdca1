"""The project: one study's documents, participants, coders, codebook, codings and memos.

Every write is one database transaction that also appends one row to the event log;
if anything fails, the transaction rolls back and the project is exactly as before.
Reads return plain dataclasses or pandas frames, never live ORM objects.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, and_, delete, func, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from ..config import redact, scrub
from ..errors import NotFoundError, PermissionDenied, StoreError
from . import accounts_schema as A
from . import schema as S
from ._coding import CodingMixin
from ._documents import DocumentInfo, DocumentsMixin
from ._util import new_guid, now_iso
from .accounts_schema import username_key
from .engine import BUSY_TIMEOUT_S, DATABASE_URL_ENV, is_url, location_to_url, make_engine
from .files import refuse_foreign_file
from .migrations import ensure_schema
from .owned import ROLE_OPTION, acting, delete_codings, insert_codings, update_codings
from .roles import required_role, role_rank

__all__ = ["Project", "DocumentInfo", "Event", "now_iso", "new_guid"]

DEFAULT_PROJECT_NAME = "study"


@dataclass(frozen=True)
class Event:
    """One row of the append-only event log."""

    id: int
    at: str
    actor: str | None
    action: str
    target_type: str | None
    target_id: int | None
    payload: dict[str, Any]
    undone_by: int | None


class Project(DocumentsMixin, CodingMixin):
    """A qualcode project in a SQLite file or any SQLAlchemy database.

    Open with :meth:`Project.open` (creates the file and schema when missing) and
    close with :meth:`close` or use as a context manager.
    """

    def __init__(self, engine: Engine, project_id: int, name: str, location: str, user: str | None = None):
        self.engine = engine
        self.id = project_id
        self.name = name
        self.location = location
        # The signed-in account in team mode; None means the trusted local user
        # (a researcher's own SQLite file, or an administrator's CLI on the server).
        self.user = user
        # The connection of an open snapshot(), per thread: Streamlit sessions share
        # one Project handle across threads, and each session's snapshot is its own.
        self._pinned = threading.local()

    # ------------------------------------------------------------------ opening
    @classmethod
    def open(
        cls,
        location: str | os.PathLike[str] | None = None,
        *,
        name: str | None = None,
        create: bool = True,
        user: str | None = None,
        busy_timeout: float = BUSY_TIMEOUT_S,
    ) -> "Project":
        """Open (or create) a project.

        ``location`` is a SQLite file path or a SQLAlchemy URL; when None, the
        ``QUALCODE_DATABASE_URL`` environment variable is used. In a database
        holding several projects, ``name`` picks one (default: the only/first one).
        With ``user`` (team mode) the account must be a member of the project
        (PermissionDenied otherwise); only an administrator may create a project in a
        database with accounts, and becomes its owner. An existing file or database
        that is not a qualcode project is refused and left untouched.
        ``busy_timeout`` (seconds, SQLite) is how long a write waits for another
        connection's lock before failing.
        """
        if location is None:
            location = os.environ.get(DATABASE_URL_ENV)
            if not location:
                raise StoreError(f"no project path given and {DATABASE_URL_ENV} is not set")
        location = str(location)
        if not is_url(location):
            path = Path(location).expanduser()
            if not path.exists() and not create:
                raise NotFoundError(f"{location}: no such project file")
            refuse_foreign_file(path)  # before an engine rewrites its header
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = make_engine(location_to_url(location), busy_timeout=busy_timeout)
        try:
            with engine.connect().execution_options(qualcode_write=True) as conn, conn.begin():
                ensure_schema(conn)
                row = cls._find_project(conn, name, user)
                if row is None:
                    if not create:
                        where = redact(location)
                        raise NotFoundError(f"{where}: no project named {name!r}" if name else f"{where}: no project")
                    cls._refuse_creator(conn, user)
                    pname = name or (Path(location).stem if not is_url(location) else DEFAULT_PROJECT_NAME)
                    pid = conn.execute(
                        insert(S.projects).values(name=pname, description="", created_at=now_iso())
                    ).inserted_primary_key[0]
                    row = (pid, pname)
                    if user is not None:
                        uid = cls._user_id(conn, user)
                        conn.execute(insert(A.memberships).values(project_id=pid, user_id=uid, role="owner"))
                elif user is not None and cls._role(conn, row[0], user) is None:
                    raise PermissionDenied(f"{user!r} is not a member of project {row[1]!r}")
                if user is not None:  # the account's own spelling, whatever case was typed
                    user = conn.execute(
                        select(A.users.c.username).where(A.users.c.username_key == username_key(user))
                    ).scalar() or user
        except StoreError:
            engine.dispose()
            raise
        except Exception as exc:  # a corrupt file or unreachable server
            engine.dispose()
            # The driver's message may quote the URL: never pass its password on.
            detail = scrub(str(exc).splitlines()[0] if str(exc) else "")
            raise StoreError(f"{redact(location)}: cannot open project ({exc.__class__.__name__}: {detail})") from None
        return cls(engine, int(row[0]), str(row[1]), location, user)

    @staticmethod
    def _refuse_creator(conn: Connection, user: str | None) -> None:
        """In a database with accounts only administrators (or the trusted caller) create projects."""
        if user is None:
            return
        row = conn.execute(select(A.users.c.is_admin).where(A.users.c.username_key == username_key(user))).first()
        if row is None:
            raise PermissionDenied(f"no account named {user!r}")
        if not row[0]:
            raise PermissionDenied(f"{user!r} cannot create projects: in a team database only an administrator does")

    @staticmethod
    def _find_project(conn: Connection, name: str | None, user: str | None = None):
        q = select(S.projects.c.id, S.projects.c.name).order_by(S.projects.c.id)
        if name:
            q = q.where(S.projects.c.name == name)
        elif user is not None:
            # Without a name, a signed-in user opens the first project they belong to.
            q = q.join(A.memberships, A.memberships.c.project_id == S.projects.c.id).join(
                A.users, A.users.c.id == A.memberships.c.user_id
            ).where(A.users.c.username_key == username_key(user))
        return conn.execute(q).first()

    @staticmethod
    def _user_id(conn: Connection, username: str) -> int:
        uid = conn.execute(select(A.users.c.id).where(A.users.c.username_key == username_key(username))).scalar()
        if uid is None:
            raise PermissionDenied(f"no account named {username!r}")
        return int(uid)

    @staticmethod
    def _role(conn: Connection, project_id: int, username: str) -> str | None:
        return conn.execute(
            select(A.memberships.c.role)
            .join(A.users, A.users.c.id == A.memberships.c.user_id)
            .where(A.memberships.c.project_id == project_id, A.users.c.username_key == username_key(username))
        ).scalar()

    @property
    def role(self) -> str:
        """The signed-in user's role now ("owner" for the trusted local user; "" when removed)."""
        if self.user is None:
            return "owner"
        with self.engine.connect() as conn:  # not self.read(): that refuses a removed member
            return self._role(conn, self.id, self.user) or ""

    @property
    def safe_location(self) -> str:
        """The location with any database password replaced by ``***`` (for messages)."""
        return redact(self.location)

    def __repr__(self) -> str:
        return f"Project({self.name!r} at {self.safe_location!r}, user={self.user!r})"

    def can(self, action: str) -> bool:
        """Whether the current user may perform ``action`` (for hiding UI controls)."""
        return role_rank(self.role) >= role_rank(required_role(action))

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> "Project":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ transactions
    @contextmanager
    def write(
        self,
        action: str,
        *,
        actor: str | None = None,
        target_type: str | None = None,
        target_id: int | None = None,
        payload: dict[str, Any] | None = None,
    ) -> Iterator[tuple[Connection, dict[str, Any]]]:
        """One write transaction plus its event-log row: the one gate every write passes.

        Yields ``(conn, event)``; the block may fill ``event["payload"]`` and
        ``event["target_id"]`` before the event row is inserted at the end. Any
        exception rolls everything back. Integrity violations become StoreError.

        In team mode the signed-in account's role is checked here, inside the
        transaction, and travels with ``conn`` so that :mod:`qualcode.store.owned`
        can refuse changes to other coders' codings; the event's actor is then always
        the signed-in account, whatever ``actor`` says. Locally (no accounts) the
        ``actor`` given is recorded.
        """
        ev: dict[str, Any] = {"target_type": target_type, "target_id": target_id, "payload": dict(payload or {})}
        try:
            with self.engine.connect().execution_options(qualcode_write=True) as conn, conn.begin():
                if self.user is not None:
                    # Checked inside the transaction: a role revoked a second ago counts.
                    role = self._role(conn, self.id, self.user)
                    need = required_role(action)
                    if role_rank(role) < role_rank(need):
                        raise PermissionDenied(
                            f"{self.user!r} is {('a ' + role) if role else 'not a member'} in {self.name!r}; "
                            f"{action} needs the {need} role"
                        )
                    conn.execution_options(**{ROLE_OPTION: role})
                    actor = self.user  # the acting account, never a name passed in
                yield conn, ev
                ev["id"] = conn.execute(
                    insert(S.events).values(
                        project_id=self.id,
                        at=now_iso(),
                        actor=actor,
                        action=action,
                        target_type=ev["target_type"],
                        target_id=ev["target_id"],
                        payload=ev["payload"],
                    )
                ).inserted_primary_key[0]
                if ev.get("undoes"):
                    # The only update the log ever sees: marking an event as undone.
                    conn.execute(update(S.events).where(S.events.c.id == ev["undoes"]).values(undone_by=ev["id"]))
        except IntegrityError as exc:
            raise StoreError(f"{action}: refused by the database ({_short(exc)})") from exc

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only connection (a consistent snapshot in WAL mode).

        In team mode every read first checks that the user is still a member (one
        indexed query), so removing someone takes effect on their next read, also
        through a project handle they already hold.
        """
        pinned = getattr(self._pinned, "conn", None)
        if pinned is not None:  # inside snapshot(): the same transaction for every read
            yield pinned
            return
        with self.engine.connect() as conn:
            if self.user is not None and self._role(conn, self.id, self.user) is None:
                raise PermissionDenied(f"{self.user!r} is not a member of project {self.name!r} (any more)")
            yield conn

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Make every read in the block see one state of the project (one read transaction).

        An export reads codes, codings, documents and participants in several calls; a
        coder saving meanwhile must not make the report's tables disagree. Inside the
        block :meth:`read` hands out one connection whose transaction stays open
        (SQLite WAL: a snapshot from the first read; PostgreSQL: REPEATABLE READ).
        Writes go through their own connections as always. Nested blocks share the
        outer snapshot.
        """
        if getattr(self._pinned, "conn", None) is not None:
            yield
            return
        with self.engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            if self.user is not None and self._role(conn, self.id, self.user) is None:
                raise PermissionDenied(f"{self.user!r} is not a member of project {self.name!r} (any more)")
            self._pinned.conn = conn
            try:
                yield
            finally:
                self._pinned.conn = None

    # ------------------------------------------------------------------ summary
    def info(self) -> dict[str, int]:
        """Counts of the project's objects (what ``qualcode info --json`` prints)."""
        with self.read() as conn:
            def count(table, where=None):
                q = select(func.count()).select_from(table)
                return int(conn.execute(q.where(where) if where is not None else q).scalar_one())

            docs_q = select(S.documents.c.id).where(S.documents.c.project_id == self.id)
            return {
                "documents": count(S.documents, S.documents.c.project_id == self.id),
                "segments": count(S.segments, S.segments.c.document_id.in_(docs_q)),
                "codes": count(S.codes, S.codes.c.project_id == self.id),
                "codings": count(S.codings, S.codings.c.project_id == self.id),
                "coders": count(S.coders, S.coders.c.project_id == self.id),
                "participants": count(S.participants, S.participants.c.project_id == self.id),
            }

    def revision(self) -> int:
        """Id of the newest event: changes whenever anything is written (cache key)."""
        with self.read() as conn:
            return int(
                conn.execute(select(func.coalesce(func.max(S.events.c.id), 0)).where(S.events.c.project_id == self.id)).scalar_one()
            )

    # ------------------------------------------------------------------ events
    def events(self, *, limit: int = 100, action_prefix: str | None = None, actor: str | None = None) -> list[Event]:
        """The newest events first (the audit trail / codebook history)."""
        with self.read() as conn:
            q = select(S.events).where(S.events.c.project_id == self.id).order_by(S.events.c.id.desc()).limit(limit)
            if action_prefix:
                q = q.where(S.events.c.action.startswith(action_prefix))
            if actor:
                q = q.where(S.events.c.actor == actor)
            return [
                Event(r["id"], r["at"], r["actor"], r["action"], r["target_type"], r["target_id"], dict(r["payload"] or {}), r["undone_by"])
                for r in conn.execute(q).mappings()
            ]

    UNDOABLE = ("coding.add", "coding.remove", "coding.memo", "memo.set")

    def undo_last(self, actor: str | None = None) -> Event | None:
        """Undo ``actor``'s newest undoable action that is not undone yet.

        In team mode ``actor`` defaults to the signed-in account, and a coder may
        undo only their own actions (an owner may undo anyone's). Returns the event
        that was undone, or None when there is nothing to undo.
        """
        try:
            with self.write("undo", actor=actor, target_type="event") as (conn, ev):
                user, role = acting(conn, self)
                who = actor if actor is not None else user
                if not who:
                    raise StoreError("undo whose action? give the coder's name")
                if user is not None and who != user and role != "owner":
                    raise PermissionDenied(f"{user!r} may undo only their own actions, not those of {who!r}")
                row = conn.execute(
                    select(S.events)
                    .where(
                        S.events.c.project_id == self.id, S.events.c.actor == who,
                        S.events.c.action.in_(self.UNDOABLE), S.events.c.undone_by.is_(None),
                    )
                    .order_by(S.events.c.id.desc())
                    .limit(1)
                    .with_for_update()  # two undos at once must not both undo the same event
                ).mappings().first()
                if row is None:
                    raise _NothingToUndo
                target = Event(row["id"], row["at"], row["actor"], row["action"], row["target_type"], row["target_id"],
                               dict(row["payload"] or {}), None)
                ev["target_id"] = target.id
                self._reverse(conn, target)
                ev["payload"] = {"undid": target.action}
                ev["undoes"] = target.id
        except _NothingToUndo:
            return None
        return target

    def _reverse(self, conn: Connection, target: Event) -> None:
        p = target.payload
        if target.action == "coding.add":
            delete_codings(conn, self, S.codings.c.id == target.target_id)
        elif target.action == "coding.remove":
            insert_codings(conn, self, [{k: v for k, v in p["coding"].items() if k in S.codings.c}])
        elif target.action == "coding.memo":
            update_codings(conn, self, {"memo": p.get("before")}, S.codings.c.id == target.target_id)
        elif target.action == "memo.set":
            cond = and_(
                S.memos.c.project_id == self.id, S.memos.c.target_type == target.target_type,
                S.memos.c.target_id == target.target_id,
            )
            if p.get("before") is None:
                conn.execute(delete(S.memos).where(cond))
            else:
                conn.execute(update(S.memos).where(cond).values(text=p["before"], version=S.memos.c.version + 1))


class _NothingToUndo(Exception):
    """Rolls back an undo that found nothing to undo (no event is written)."""


def _short(exc: Exception) -> str:
    msg = str(getattr(exc, "orig", exc)).splitlines()[0]
    return msg[:200]
