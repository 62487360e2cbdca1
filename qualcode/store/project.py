"""The project: one study's documents, participants, coders, codebook, codings and memos.

Every write is one database transaction that also appends one row to the event log;
if anything fails, the transaction rolls back and the project is exactly as before.
Reads return plain dataclasses or pandas frames, never live ORM objects.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, and_, delete, func, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from ..errors import ConflictError, NotFoundError, PermissionDenied, StoreError
from ..model import HUMAN, Code, Coding, Document, Participant, Segment
from . import accounts_schema as A
from . import schema as S
from .roles import required_role, role_rank
from .engine import DATABASE_URL_ENV, is_url, location_to_url, make_engine
from .migrations import ensure_schema

__all__ = ["Project", "DocumentInfo", "Event", "now_iso", "new_guid"]

DEFAULT_PROJECT_NAME = "study"


def now_iso() -> str:
    """Current UTC time as ISO 8601 with seconds (REFI-QDA style ``T`` separator)."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def new_guid() -> str:
    """A fresh GUID in the lowercase 8-4-4-4-12 form REFI-QDA expects."""
    return str(uuid.uuid4())


@dataclass(frozen=True)
class DocumentInfo:
    """A row of the transcript list (no text)."""

    id: int
    name: str
    source_format: str
    participant: str | None
    word_count: int
    segments: int
    codings: int
    position: int


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


class Project:
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

    # ------------------------------------------------------------------ opening
    @classmethod
    def open(
        cls,
        location: str | os.PathLike[str] | None = None,
        *,
        name: str | None = None,
        create: bool = True,
        user: str | None = None,
    ) -> "Project":
        """Open (or create) a project.

        ``location`` is a SQLite file path or a SQLAlchemy URL; when None, the
        ``QUALCODE_DATABASE_URL`` environment variable is used. In a database
        holding several projects, ``name`` picks one (default: the only/first one).
        With ``user`` (team mode) the account must be a member of the project
        (PermissionDenied otherwise); a project it creates makes it the owner.
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
            if path.exists() and path.is_dir():
                raise StoreError(f"{location}: is a folder, expected a project file (e.g. study.qualcode)")
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = make_engine(location_to_url(location))
        try:
            with engine.connect().execution_options(qualcode_write=True) as conn, conn.begin():
                ensure_schema(conn)
                row = cls._find_project(conn, name, user)
                if row is None:
                    if not create:
                        raise NotFoundError(f"{location}: no project named {name!r}" if name else f"{location}: no project")
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
        except StoreError:
            engine.dispose()
            raise
        except Exception as exc:  # a corrupt file or unreachable server
            engine.dispose()
            raise StoreError(f"{location}: cannot open project ({exc.__class__.__name__}: {exc})") from exc
        return cls(engine, int(row[0]), str(row[1]), location, user)

    @staticmethod
    def _find_project(conn: Connection, name: str | None, user: str | None = None):
        q = select(S.projects.c.id, S.projects.c.name).order_by(S.projects.c.id)
        if name:
            q = q.where(S.projects.c.name == name)
        elif user is not None:
            # Without a name, a signed-in user opens the first project they belong to.
            q = q.join(A.memberships, A.memberships.c.project_id == S.projects.c.id).join(
                A.users, A.users.c.id == A.memberships.c.user_id
            ).where(A.users.c.username == user)
        return conn.execute(q).first()

    @staticmethod
    def _user_id(conn: Connection, username: str) -> int:
        uid = conn.execute(select(A.users.c.id).where(A.users.c.username == username)).scalar()
        if uid is None:
            raise PermissionDenied(f"no account named {username!r}")
        return int(uid)

    @staticmethod
    def _role(conn: Connection, project_id: int, username: str) -> str | None:
        return conn.execute(
            select(A.memberships.c.role)
            .join(A.users, A.users.c.id == A.memberships.c.user_id)
            .where(A.memberships.c.project_id == project_id, A.users.c.username == username)
        ).scalar()

    @property
    def role(self) -> str:
        """The signed-in user's role now ("owner" for the trusted local user)."""
        if self.user is None:
            return "owner"
        with self.read() as conn:
            return self._role(conn, self.id, self.user) or ""

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
        """One write transaction plus its event-log row.

        Yields ``(conn, event)``; the block may fill ``event["payload"]`` and
        ``event["target_id"]`` before the event row is inserted at the end. Any
        exception rolls everything back. Integrity violations become StoreError.
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
                    actor = actor or self.user
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
        """A read-only connection (a consistent snapshot in WAL mode)."""
        with self.engine.connect() as conn:
            yield conn

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

    # --------------------------------------------------------------- documents
    def add_documents(
        self,
        docs: Sequence[Document],
        *,
        actor: str | None = None,
        replace: bool = False,
    ) -> list[int]:
        """Import documents (with their segments and any codings they carry) at once.

        All documents go in one transaction: a name clash or a broken offset in the
        tenth document leaves the project without the first nine too.
        """
        for doc in docs:
            try:
                doc.check()
            except ValueError as exc:
                raise StoreError(f"{doc.name}: {exc}") from exc
        names = [d.name for d in docs]
        dupes = {n for n in names if names.count(n) > 1}
        if dupes:
            raise StoreError(f"several imported documents are named {sorted(dupes)[0]!r}; names must be unique")
        with self.write("documents.import", actor=actor, target_type="document") as (conn, ev):
            existing = dict(
                conn.execute(
                    select(S.documents.c.name, S.documents.c.id).where(
                        S.documents.c.project_id == self.id, S.documents.c.name.in_(names)
                    )
                ).all()
            )
            if existing and not replace:
                raise StoreError(f"a document named {sorted(existing)[0]!r} is already in the project")
            for name, did in existing.items():
                n = conn.execute(select(func.count()).select_from(S.codings).where(S.codings.c.document_id == did)).scalar_one()
                if n:
                    raise StoreError(f"{name}: already imported and has {n} codings; it cannot be replaced")
                conn.execute(delete(S.documents).where(S.documents.c.id == did))
            position = conn.execute(
                select(func.coalesce(func.max(S.documents.c.position), 0)).where(S.documents.c.project_id == self.id)
            ).scalar_one()
            ids: list[int] = []
            coder_ids: dict[str, int] = {}
            for doc in docs:
                position += 1
                participant_id = self._participant_id(conn, doc.participant, create=True) if doc.participant else None
                did = conn.execute(
                    insert(S.documents).values(
                        project_id=self.id,
                        name=doc.name,
                        text=doc.text,
                        text_sha256=hashlib.sha256(doc.text.encode("utf-8")).hexdigest(),
                        source_format=doc.source_format,
                        source_path=doc.source_path,
                        participant_id=participant_id,
                        metadata=doc.metadata,
                        word_count=doc.word_count,
                        position=position,
                        imported_at=now_iso(),
                    )
                ).inserted_primary_key[0]
                ids.append(did)
                if doc.segments:
                    conn.execute(
                        insert(S.segments),
                        [
                            {
                                "document_id": did,
                                "idx": i,
                                "start": s.start,
                                "end": s.end,
                                "speaker": s.speaker,
                                "timestamp": s.timestamp,
                                "end_timestamp": s.end_timestamp,
                            }
                            for i, s in enumerate(doc.segments)
                        ],
                    )
                if doc.codings:
                    self._insert_imported_codings(conn, did, doc, coder_ids)
            ev["payload"] = {"document_ids": ids, "names": names}
        return ids

    def _insert_imported_codings(self, conn: Connection, did: int, doc: Document, coder_ids: dict[str, int]) -> None:
        rows = []
        seen = set()
        ts = now_iso()
        for c in doc.codings:
            seg = doc.segments[c.segment_index]
            if c.coder not in coder_ids:
                coder_ids[c.coder] = self._coder_id(conn, c.coder, create=True)
            code_id = self._code_id_by_path(conn, c.code, c.theme, create=True)
            key = (code_id, coder_ids[c.coder], seg.start, seg.end)
            if key in seen:
                continue
            seen.add(key)
            rows.append(
                {
                    "project_id": self.id,
                    "document_id": did,
                    "code_id": code_id,
                    "coder_id": coder_ids[c.coder],
                    "start": seg.start,
                    "end": seg.end,
                    "snippet": doc.text[seg.start : seg.end],
                    "origin": "imported",
                    "origin_detail": f"{doc.source_format}:{doc.source_path or doc.name}",
                    "created_at": ts,
                }
            )
        if rows:
            conn.execute(insert(S.codings), rows)

    def documents(self) -> list[DocumentInfo]:
        """All documents in interview order, with counts (no text)."""
        with self.read() as conn:
            seg_n = (
                select(S.segments.c.document_id, func.count().label("n")).group_by(S.segments.c.document_id).subquery()
            )
            cod_n = (
                select(S.codings.c.document_id, func.count().label("n"))
                .where(S.codings.c.project_id == self.id)
                .group_by(S.codings.c.document_id)
                .subquery()
            )
            q = (
                select(
                    S.documents.c.id,
                    S.documents.c.name,
                    S.documents.c.source_format,
                    S.participants.c.pseudonym,
                    S.documents.c.word_count,
                    func.coalesce(seg_n.c.n, 0),
                    func.coalesce(cod_n.c.n, 0),
                    S.documents.c.position,
                )
                .select_from(
                    S.documents.outerjoin(S.participants, S.participants.c.id == S.documents.c.participant_id)
                    .outerjoin(seg_n, seg_n.c.document_id == S.documents.c.id)
                    .outerjoin(cod_n, cod_n.c.document_id == S.documents.c.id)
                )
                .where(S.documents.c.project_id == self.id)
                .order_by(S.documents.c.position, S.documents.c.id)
            )
            return [DocumentInfo(*row) for row in conn.execute(q).all()]

    def document(self, ref: int | str) -> tuple[int, Document]:
        """A document with its text and segments, by id or name."""
        with self.read() as conn:
            q = select(S.documents, S.participants.c.pseudonym).select_from(
                S.documents.outerjoin(S.participants, S.participants.c.id == S.documents.c.participant_id)
            ).where(S.documents.c.project_id == self.id)
            q = q.where(S.documents.c.id == ref) if isinstance(ref, int) else q.where(S.documents.c.name == ref)
            row = conn.execute(q).mappings().first()
            if row is None:
                raise NotFoundError(f"no document {ref!r} in this project")
            segs = conn.execute(
                select(S.segments).where(S.segments.c.document_id == row["id"]).order_by(S.segments.c.idx)
            ).mappings()
            doc = Document(
                name=row["name"],
                text=row["text"],
                segments=[Segment(s["start"], s["end"], s["speaker"], s["timestamp"], s["end_timestamp"]) for s in segs],
                source_format=row["source_format"],
                source_path=row["source_path"],
                participant=row["pseudonym"],
                metadata=dict(row["metadata"] or {}),
            )
            return int(row["id"]), doc

    def set_document_participant(self, document: int | str, pseudonym: str | None, *, actor: str | None = None) -> None:
        """Link a document to a participant (created when new) or unlink it."""
        did, _ = self.document(document)
        with self.write("document.participant", actor=actor, target_type="document", target_id=did) as (conn, ev):
            pid = self._participant_id(conn, pseudonym, create=True) if pseudonym else None
            conn.execute(update(S.documents).where(S.documents.c.id == did).values(participant_id=pid))
            ev["payload"] = {"participant": pseudonym}

    # ------------------------------------------------------------ participants
    def _participant_id(self, conn: Connection, pseudonym: str, *, create: bool) -> int:
        pid = conn.execute(
            select(S.participants.c.id).where(
                S.participants.c.project_id == self.id, S.participants.c.pseudonym == pseudonym
            )
        ).scalar()
        if pid is None:
            if not create:
                raise NotFoundError(f"no participant {pseudonym!r}")
            pid = conn.execute(
                insert(S.participants).values(project_id=self.id, pseudonym=pseudonym, attributes={})
            ).inserted_primary_key[0]
        return int(pid)

    def upsert_participants(
        self,
        rows: Sequence[tuple[Participant, Sequence[str]]],
        *,
        actor: str | None = None,
    ) -> int:
        """Add or update participants and link each to the named documents.

        Raises StoreError (and changes nothing) when a named document is missing.
        Returns the number of participants written.
        """
        with self.write("participants.import", actor=actor, target_type="participant") as (conn, ev):
            for participant, doc_names in rows:
                pid = self._participant_id(conn, participant.pseudonym, create=True)
                conn.execute(
                    update(S.participants)
                    .where(S.participants.c.id == pid)
                    .values(attributes={str(k): str(v) for k, v in participant.attributes.items()})
                )
                for dname in doc_names:
                    res = conn.execute(
                        update(S.documents)
                        .where(S.documents.c.project_id == self.id, S.documents.c.name == dname)
                        .values(participant_id=pid)
                    )
                    if res.rowcount == 0:
                        raise StoreError(
                            f"participant {participant.pseudonym!r} names document {dname!r}, which is not in the project"
                        )
            ev["payload"] = {"pseudonyms": [p.pseudonym for p, _ in rows]}
        return len(rows)

    def participants(self) -> list[Participant]:
        """All participants with their attributes, by pseudonym."""
        with self.read() as conn:
            rows = conn.execute(
                select(S.participants.c.pseudonym, S.participants.c.attributes)
                .where(S.participants.c.project_id == self.id)
                .order_by(S.participants.c.pseudonym)
            ).all()
        return [Participant(p, dict(a or {})) for p, a in rows]

    # ------------------------------------------------------------------ coders
    def _coder_id(self, conn: Connection, name: str, *, create: bool) -> int:
        name = name.strip()
        if not name:
            raise StoreError("a coder needs a name")
        cid = conn.execute(
            select(S.coders.c.id).where(S.coders.c.project_id == self.id, S.coders.c.name == name)
        ).scalar()
        if cid is None:
            if not create:
                raise NotFoundError(f"no coder {name!r} in this project")
            cid = conn.execute(
                insert(S.coders).values(project_id=self.id, name=name, created_at=now_iso())
            ).inserted_primary_key[0]
        return int(cid)

    def add_coder(self, name: str) -> int:
        """Create a coder (or return the existing one of that name)."""
        with self.write("coder.add", actor=name, target_type="coder") as (conn, ev):
            ev["target_id"] = self._coder_id(conn, name, create=True)
        return ev["target_id"]

    def coders(self) -> list[str]:
        """Names of the coders of this project."""
        with self.read() as conn:
            return list(
                conn.execute(
                    select(S.coders.c.name).where(S.coders.c.project_id == self.id).order_by(S.coders.c.name)
                ).scalars()
            )

    # ------------------------------------------------------------------- codes
    def _code_id_by_path(self, conn: Connection, name: str, parent: str | None, *, create: bool) -> int:
        """Find a code by name under a parent (by name); create both when asked."""
        parent_id = self._code_id_by_path(conn, parent, None, create=create) if parent else None
        q = select(S.codes.c.id).where(S.codes.c.project_id == self.id, S.codes.c.name == name)
        q = q.where(S.codes.c.parent_id.is_(None)) if parent_id is None else q.where(S.codes.c.parent_id == parent_id)
        cid = conn.execute(q).scalar()
        if cid is None:
            if not create:
                raise NotFoundError(f"no code {name!r}" + (f" under {parent!r}" if parent else ""))
            cid = conn.execute(
                insert(S.codes).values(
                    project_id=self.id, parent_id=parent_id, name=name, guid=new_guid(), codable=True,
                    position=self._next_code_position(conn),
                )
            ).inserted_primary_key[0]
        return int(cid)

    def _next_code_position(self, conn: Connection) -> int:
        return int(
            conn.execute(
                select(func.coalesce(func.max(S.codes.c.position), 0)).where(S.codes.c.project_id == self.id)
            ).scalar_one()
        ) + 1

    def codes(self) -> list[Code]:
        """The codebook as a flat list in tree order (parents before children)."""
        with self.read() as conn:
            return self._codes(conn)

    def _codes(self, conn: Connection) -> list[Code]:
        rows = conn.execute(
            select(S.codes).where(S.codes.c.project_id == self.id).order_by(S.codes.c.position, S.codes.c.id)
        ).mappings().all()
        by_id = {r["id"]: r for r in rows}
        children: dict[int | None, list] = {}
        for r in rows:
            children.setdefault(r["parent_id"], []).append(r)
        out: list[Code] = []

        def walk(parent_id: int | None) -> None:
            for r in children.get(parent_id, []):
                parent = by_id[r["parent_id"]]["name"] if r["parent_id"] else None
                out.append(
                    Code(
                        name=r["name"], parent=parent, definition=r["definition"], when_to_use=r["when_to_use"],
                        when_not_to_use=r["when_not_to_use"], example=r["example"], colour=r["colour"],
                        source=r["source"], codable=bool(r["codable"]), guid=r["guid"], id=r["id"],
                    )
                )
                walk(r["id"])

        walk(None)
        return out

    def code(self, ref: int | str) -> Code:
        """One code by id or by name (a name must be unique in the codebook)."""
        matches = [c for c in self.codes() if (c.id == ref if isinstance(ref, int) else c.name == ref)]
        if not matches:
            raise NotFoundError(f"no code {ref!r} in the codebook")
        if len(matches) > 1:
            raise StoreError(f"several codes are named {ref!r}; give the code id")
        return matches[0]

    def add_code(self, code: Code, *, actor: str | None = None) -> int:
        """Add one code under ``code.parent`` (a code name) and record it in the history."""
        name = code.name.strip()
        if not name:
            raise StoreError("a code needs a name")
        with self.write("codebook.add", actor=actor, target_type="code") as (conn, ev):
            parent_id = self._code_id_by_path(conn, code.parent, None, create=False) if code.parent else None
            q = select(S.codes.c.id).where(S.codes.c.project_id == self.id, S.codes.c.name == name)
            q = q.where(S.codes.c.parent_id.is_(None)) if parent_id is None else q.where(S.codes.c.parent_id == parent_id)
            if conn.execute(q).first():
                raise StoreError(f"a code named {name!r} already exists under {code.parent or 'the top level'}")
            cid = conn.execute(
                insert(S.codes).values(
                    project_id=self.id, parent_id=parent_id, name=name, definition=code.definition,
                    when_to_use=code.when_to_use, when_not_to_use=code.when_not_to_use, example=code.example,
                    colour=code.colour, source=code.source, codable=code.codable, guid=code.guid or new_guid(),
                    position=self._next_code_position(conn),
                )
            ).inserted_primary_key[0]
            ev["target_id"] = cid
            ev["payload"] = {"name": name, "parent": code.parent}
        return int(cid)

    # ----------------------------------------------------------------- codings
    def add_coding(
        self,
        document: int | str,
        start: int,
        end: int,
        code: int | str,
        coder: str,
        *,
        snippet: str | None = None,
        origin: str = HUMAN,
        origin_detail: str | None = None,
        memo: str | None = None,
    ) -> Coding:
        """Apply ``code`` to ``[start, end)`` of a document as ``coder``.

        When ``snippet`` is given it must equal the document text at those offsets
        (the UI sends what the user saw; a mismatch means stale or wrong offsets).
        """
        did, doc = self.document(document)
        if not (0 <= start < end <= len(doc.text)):
            raise StoreError(f"{doc.name}: span [{start}, {end}) is outside the text (length {len(doc.text)})")
        text = doc.text[start:end]
        if snippet is not None and snippet != text:
            raise StoreError(f"{doc.name}: the selected text does not match the transcript at [{start}, {end})")
        if not text.strip():
            raise StoreError(f"{doc.name}: cannot code an empty or whitespace-only span")
        code_id = code if isinstance(code, int) else self.code(code).id
        with self.write("coding.add", actor=coder, target_type="coding") as (conn, ev):
            row = conn.execute(select(S.codes.c.codable, S.codes.c.name).where(S.codes.c.id == code_id, S.codes.c.project_id == self.id)).first()
            if row is None:
                raise NotFoundError(f"no code with id {code_id}")
            if not row[0]:
                raise StoreError(f"{row[1]!r} is a theme folder and cannot be applied; choose one of its codes")
            coder_id = self._coder_id(conn, coder, create=True)
            created = now_iso()
            values = dict(
                project_id=self.id, document_id=did, code_id=code_id, coder_id=coder_id, start=start, end=end,
                snippet=text, origin=origin, origin_detail=origin_detail, memo=memo, created_at=created,
            )
            cid = conn.execute(insert(S.codings).values(**values)).inserted_primary_key[0]
            ev["target_id"] = cid
            ev["payload"] = {"coding": {k: v for k, v in values.items() if k != "snippet"} | {"coder": coder}}
        return Coding(did, start, end, code_id, coder, text, origin, origin_detail, memo, created, int(cid), row[1])

    def remove_coding(self, coding_id: int, *, actor: str | None = None) -> None:
        """Delete one coding (the event keeps everything needed to undo it)."""
        with self.write("coding.remove", actor=actor, target_type="coding", target_id=coding_id) as (conn, ev):
            row = conn.execute(
                select(S.codings).where(S.codings.c.id == coding_id, S.codings.c.project_id == self.id)
            ).mappings().first()
            if row is None:
                raise NotFoundError(f"no coding {coding_id}")
            conn.execute(delete(S.codings).where(S.codings.c.id == coding_id))
            ev["payload"] = {"coding": {k: v for k, v in dict(row).items() if k != "version"}}

    def set_coding_memo(self, coding_id: int, memo: str | None, *, actor: str | None = None) -> None:
        """Write (or clear) the memo on one coding."""
        with self.write("coding.memo", actor=actor, target_type="coding", target_id=coding_id) as (conn, ev):
            old = conn.execute(
                select(S.codings.c.memo).where(S.codings.c.id == coding_id, S.codings.c.project_id == self.id)
            ).first()
            if old is None:
                raise NotFoundError(f"no coding {coding_id}")
            conn.execute(
                update(S.codings).where(S.codings.c.id == coding_id).values(memo=memo or None, version=S.codings.c.version + 1)
            )
            ev["payload"] = {"before": old[0], "after": memo or None}

    def codings(
        self,
        *,
        document: int | str | None = None,
        coders: Sequence[str] | None = None,
        code_ids: Sequence[int] | None = None,
    ) -> list[Coding]:
        """Codings, optionally restricted to a document, coders and codes, in text order."""
        did = self.document(document)[0] if isinstance(document, str) else document
        with self.read() as conn:
            q = (
                select(S.codings, S.coders.c.name.label("coder_name"), S.codes.c.name.label("code_name"))
                .join(S.coders, S.coders.c.id == S.codings.c.coder_id)
                .join(S.codes, S.codes.c.id == S.codings.c.code_id)
                .where(S.codings.c.project_id == self.id)
                .order_by(S.codings.c.document_id, S.codings.c.start, S.codings.c.end, S.codings.c.id)
            )
            if did is not None:
                q = q.where(S.codings.c.document_id == did)
            if coders is not None:
                q = q.where(S.coders.c.name.in_(list(coders)))
            if code_ids is not None:
                q = q.where(S.codings.c.code_id.in_(list(code_ids)))
            return [
                Coding(
                    r["document_id"], r["start"], r["end"], r["code_id"], r["coder_name"], r["snippet"], r["origin"],
                    r["origin_detail"], r["memo"], r["created_at"], r["id"], r["code_name"],
                )
                for r in conn.execute(q).mappings()
            ]

    def codings_frame(self, **filters: Any):
        """Codings as a pandas DataFrame with document name, code name, coder, offsets."""
        import pandas as pd

        names = {d.id: d.name for d in self.documents()}
        rows = [
            {
                "coding_id": c.id, "document_id": c.document_id, "document": names.get(c.document_id),
                "start": c.start, "end": c.end, "code_id": c.code_id, "code": c.code_name, "coder": c.coder,
                "origin": c.origin, "snippet": c.snippet, "memo": c.memo, "created_at": c.created_at,
            }
            for c in self.codings(**filters)
        ]
        cols = ["coding_id", "document_id", "document", "start", "end", "code_id", "code", "coder", "origin", "snippet", "memo", "created_at"]
        return pd.DataFrame(rows, columns=cols)

    def segments_frame(self):
        """All segments (speaker turns) of the project as a pandas DataFrame."""
        import pandas as pd

        with self.read() as conn:
            q = (
                select(
                    S.segments.c.document_id, S.documents.c.name.label("document"), S.segments.c.idx,
                    S.segments.c.start, S.segments.c.end, S.segments.c.speaker, S.segments.c.timestamp,
                )
                .join(S.documents, S.documents.c.id == S.segments.c.document_id)
                .where(S.documents.c.project_id == self.id)
                .order_by(S.documents.c.position, S.segments.c.idx)
            )
            return pd.DataFrame(conn.execute(q).mappings().all(), columns=["document_id", "document", "idx", "start", "end", "speaker", "timestamp"])

    # ------------------------------------------------------------------- memos
    def memo(self, target_type: str, target_id: int) -> tuple[str, int] | None:
        """``(text, version)`` of the memo on a project/document/code, or None."""
        with self.read() as conn:
            row = conn.execute(
                select(S.memos.c.text, S.memos.c.version).where(
                    S.memos.c.project_id == self.id, S.memos.c.target_type == target_type, S.memos.c.target_id == target_id
                )
            ).first()
        return (row[0], int(row[1])) if row else None

    def set_memo(
        self,
        target_type: str,
        target_id: int,
        text: str,
        *,
        actor: str | None = None,
        expected_version: int | None = None,
    ) -> int:
        """Write the memo on a project, document or code; returns its new version.

        ``expected_version`` is the version the writer read (0 = "there was none");
        if someone changed the memo since, ConflictError is raised and nothing is written.
        """
        if target_type not in ("project", "document", "code"):
            raise StoreError(f"memos attach to a project, document or code, not {target_type!r}")
        with self.write("memo.set", actor=actor, target_type=target_type, target_id=target_id) as (conn, ev):
            cond = and_(S.memos.c.project_id == self.id, S.memos.c.target_type == target_type, S.memos.c.target_id == target_id)
            row = conn.execute(select(S.memos.c.id, S.memos.c.text, S.memos.c.version).where(cond)).first()
            current = int(row[2]) if row else 0
            if expected_version is not None and expected_version != current:
                raise ConflictError(
                    f"this {target_type} memo was changed by someone else since you opened it; reload to see their text"
                )
            coder_id = self._coder_id(conn, actor, create=True) if actor else None
            ts = now_iso()
            if row:
                conn.execute(
                    update(S.memos).where(S.memos.c.id == row[0]).values(text=text, updated_at=ts, version=current + 1, coder_id=coder_id)
                )
            else:
                conn.execute(
                    insert(S.memos).values(
                        project_id=self.id, target_type=target_type, target_id=target_id, coder_id=coder_id,
                        text=text, created_at=ts, updated_at=ts, version=1,
                    )
                )
            ev["payload"] = {"before": row[1] if row else None, "after": text}
        return current + 1

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

    def undo_last(self, actor: str) -> Event | None:
        """Undo ``actor``'s newest undoable action that is not undone yet.

        Returns the event that was undone, or None when there is nothing to undo.
        """
        with self.read() as conn:
            row = conn.execute(
                select(S.events)
                .where(
                    S.events.c.project_id == self.id, S.events.c.actor == actor,
                    S.events.c.action.in_(self.UNDOABLE), S.events.c.undone_by.is_(None),
                )
                .order_by(S.events.c.id.desc())
                .limit(1)
            ).mappings().first()
        if row is None:
            return None
        target = Event(row["id"], row["at"], row["actor"], row["action"], row["target_type"], row["target_id"], dict(row["payload"] or {}), None)
        with self.write("undo", actor=actor, target_type="event", target_id=target.id) as (conn, ev):
            p = target.payload
            if target.action == "coding.add":
                conn.execute(delete(S.codings).where(S.codings.c.id == target.target_id))
            elif target.action == "coding.remove":
                values = {k: v for k, v in p["coding"].items() if k in S.codings.c}
                conn.execute(insert(S.codings).values(**values))
            elif target.action == "coding.memo":
                conn.execute(update(S.codings).where(S.codings.c.id == target.target_id).values(memo=p.get("before")))
            elif target.action == "memo.set":
                cond = and_(
                    S.memos.c.project_id == self.id, S.memos.c.target_type == target.target_type,
                    S.memos.c.target_id == target.target_id,
                )
                if p.get("before") is None:
                    conn.execute(delete(S.memos).where(cond))
                else:
                    conn.execute(update(S.memos).where(cond).values(text=p["before"], version=S.memos.c.version + 1))
            ev["payload"] = {"undid": target.action}
            ev["undoes"] = target.id
        return target


def _short(exc: Exception) -> str:
    msg = str(getattr(exc, "orig", exc)).splitlines()[0]
    return msg[:200]
