"""Coders, the codebook's codes, codings and memos: the part of :class:`Project` that codes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, and_, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from ..errors import ConflictError, NotFoundError, StoreError
from ..model import HUMAN, Code, Coding
from . import schema as S
from ._util import new_guid, now_iso
from .codes import add_code as add_code_row
from .codes import code_rows, insert_code
from .values import check_text, max_length
from .owned import acting, check_owners, delete_codings, insert_codings, update_codings


class CodingMixin:
    """Methods of :class:`~qualcode.store.Project` for coders, codes, codings and memos."""

    id: int
    # ------------------------------------------------------------------ coders
    def _coder_id(self, conn: Connection, name: str, *, create: bool) -> int:
        name = name.strip()
        if not name:
            raise StoreError("a coder needs a name")
        check_text(name, "coder", "name", max_length(S.coders, "name"))
        cid = conn.execute(
            select(S.coders.c.id).where(S.coders.c.project_id == self.id, S.coders.c.name == name)
        ).scalar()
        if cid is None:
            if not create:
                raise NotFoundError(f"no coder {name!r} in this project")
            # A coder may create their own coder entry only (owners: anyone's, e.g. "consensus").
            check_owners(conn, self, [name], what="coder entries")
            cid = conn.execute(
                insert(S.coders).values(project_id=self.id, name=name, created_at=now_iso())
            ).inserted_primary_key[0]
        return int(cid)

    def _known_coder_id(self, conn: Connection, name: str, what: str = "a coding") -> int:
        try:
            return self._coder_id(conn, name, create=False)
        except NotFoundError:
            raise NotFoundError(
                f"no coder {name.strip()!r} in this project: choose an existing coder or add this one first "
                f"({what} is never attributed to a coder nobody created here)"
            ) from None

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
            cid = insert_code(conn, self, dict(
                parent_id=parent_id, name=name, guid=new_guid(), codable=True, position=self._next_code_position(conn),
            ))["id"]
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
                        exclusive=bool(r["exclusive"]), ordered=bool(r["ordered"]),
                        level=None if r["level"] is None else float(r["level"]),
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

    def add_code(self, code: Code, *, parent_id: int | None = None, actor: str | None = None) -> int:
        """Add one code and record it in the codebook history; returns its id.

        The parent is ``parent_id``, else the code named ``code.parent`` (a name used
        by several codes is refused: give the id). The rules are those of
        :func:`qualcode.store.codes.add_code` (CodebookError when one is broken).
        """
        with self.write("codebook.add", actor=actor, target_type="code") as (conn, ev):
            rows = code_rows(conn, self)
            if parent_id is None and code.parent:
                hits = [i for i, r in rows.items() if r["name"] == code.parent]
                if not hits:
                    raise NotFoundError(f"no code {code.parent!r} in the codebook")
                if len(hits) > 1:
                    raise StoreError(f"several codes are named {code.parent!r}; give the parent's id")
                parent_id = hits[0]
            ev["payload"] = add_code_row(conn, self, code, parent_id=parent_id, rows=rows)
            ev["target_id"] = ev["payload"]["after"]["id"]
        return int(ev["target_id"])

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

        ``coder`` must already be a coder of this project (:meth:`add_coder`); an
        unknown name raises NotFoundError and nothing is written.

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
            # Never invent a coder: a coding belongs to someone picked or created in this
            # project (a typo or a name carried over from another project is refused).
            # Team mode: the signed-in account is the coder they picked by signing in.
            coder_id = (self._coder_id(conn, coder, create=True) if self.user is not None and coder == self.user
                        else self._known_coder_id(conn, coder))
            created = now_iso()
            values = dict(
                project_id=self.id, document_id=did, code_id=code_id, coder_id=coder_id, start=start, end=end,
                snippet=text, origin=origin, origin_detail=origin_detail, memo=memo, created_at=created,
            )
            [cid] = insert_codings(conn, self, [values], where=f"{doc.name}: coding")
            ev["target_id"] = cid
            ev["payload"] = {"coding": {k: v for k, v in values.items() if k != "snippet"} | {"coder": coder}}
        return Coding(did, start, end, code_id, coder, text, origin, origin_detail, memo, created, int(cid), row[1])

    def remove_coding(self, coding_id: int, *, actor: str | None = None) -> None:
        """Delete one coding (the event keeps everything needed to undo it)."""
        with self.write("coding.remove", actor=actor, target_type="coding", target_id=coding_id) as (conn, ev):
            rows = delete_codings(conn, self, S.codings.c.id == coding_id)
            if not rows:
                raise NotFoundError(f"no coding {coding_id}")
            ev["payload"] = {"coding": {k: v for k, v in rows[0].items() if k != "version"}}

    def set_coding_memo(self, coding_id: int, memo: str | None, *, actor: str | None = None) -> None:
        """Write (or clear) the memo on one coding."""
        with self.write("coding.memo", actor=actor, target_type="coding", target_id=coding_id) as (conn, ev):
            rows = update_codings(conn, self, {"memo": memo or None}, S.codings.c.id == coding_id, where="coding memo")
            if not rows:
                raise NotFoundError(f"no coding {coding_id}")
            ev["payload"] = {"before": rows[0]["memo"], "after": memo or None}

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
        """All segments (speaker turns) of the project as a pandas DataFrame.

        ``metadata`` is the turn's source metadata (a dict) or None."""
        import pandas as pd

        with self.read() as conn:
            q = (
                select(
                    S.segments.c.document_id, S.documents.c.name.label("document"), S.segments.c.idx,
                    S.segments.c.start, S.segments.c.end, S.segments.c.speaker, S.segments.c.timestamp,
                    S.segments.c.metadata,
                )
                .join(S.documents, S.documents.c.id == S.segments.c.document_id)
                .where(S.documents.c.project_id == self.id)
                .order_by(S.documents.c.position, S.segments.c.idx)
            )
            return pd.DataFrame(conn.execute(q).mappings().all(), columns=["document_id", "document", "idx", "start", "end", "speaker", "timestamp", "metadata"])

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
        ``actor`` (the author) must be an existing coder of this project
        (:meth:`add_coder`); an unknown name raises NotFoundError and nothing is written.
        """
        if target_type not in ("project", "document", "code"):
            raise StoreError(f"memos attach to a project, document or code, not {target_type!r}")
        check_text(text, f"{target_type} {target_id}", "memo")
        with self.write("memo.set", actor=actor, target_type=target_type, target_id=target_id) as (conn, ev):
            cond = and_(S.memos.c.project_id == self.id, S.memos.c.target_type == target_type, S.memos.c.target_id == target_id)
            # FOR UPDATE: on PostgreSQL a second writer waits here until the first commits,
            # then reads the version the first one wrote (SQLite's BEGIN IMMEDIATE already queues).
            row = conn.execute(select(S.memos.c.id, S.memos.c.text, S.memos.c.version).where(cond).with_for_update()).first()
            current = int(row[2]) if row else 0
            if expected_version is not None and expected_version != current:
                raise _memo_conflict(target_type)
            user, _role = acting(conn, self)
            # The memo's author is the acting account (team mode: the signed-in account,
            # whose coder entry is theirs to create), else ``actor``, who must already be a
            # coder here: like a coding, a memo never invents a coder (a typo, a name
            # carried over from another project) and nothing is written then.
            if user is not None:
                coder_id = self._coder_id(conn, user, create=True)
            else:
                coder_id = self._known_coder_id(conn, actor, "a memo") if actor else None
            ts = now_iso()
            if row:
                # The version in the WHERE clause makes a lost update impossible even
                # without the lock: a concurrent save changed it, so nothing matches.
                res = conn.execute(
                    update(S.memos).where(S.memos.c.id == row[0], S.memos.c.version == current)
                    .values(text=text, updated_at=ts, version=current + 1, coder_id=coder_id)
                )
                if res.rowcount != 1:
                    raise _memo_conflict(target_type)
            else:
                try:
                    conn.execute(
                        insert(S.memos).values(
                            project_id=self.id, target_type=target_type, target_id=target_id, coder_id=coder_id,
                            text=text, created_at=ts, updated_at=ts, version=1,
                        )
                    )
                except IntegrityError:  # someone wrote the first memo at the same moment
                    raise _memo_conflict(target_type) from None
            ev["payload"] = {"before": row[1] if row else None, "after": text}
        return current + 1


def _memo_conflict(target_type: str) -> ConflictError:
    return ConflictError(
        f"this {target_type} memo was changed by someone else since you opened it; reload to see their text"
    )
