"""Documents, their segments and participants: the part of :class:`Project` that imports."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, delete, func, insert, select, update

from ..errors import NotFoundError, StoreError
from ..model import Document, Participant, Segment
from . import schema as S
from ._util import now_iso
from .values import check_document, check_participants, check_text, max_length
from .importing import insert_document
from .owned import delete_codings, delete_decisions, insert_codings


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



class DocumentsMixin:
    """Methods of :class:`~qualcode.store.Project` for documents and participants."""

    id: int
    # --------------------------------------------------------------- documents
    def add_documents(
        self,
        docs: Sequence[Document],
        *,
        actor: str | None = None,
        replace: bool = False,
        participants: Sequence[tuple[Participant, Sequence[str]]] = (),
        participants_source: str | None = None,
    ) -> list[int]:
        """Import documents (with their segments and any codings they carry) at once.

        All documents go in one transaction: a name clash or a broken offset in the
        tenth document leaves the project without the first nine too. ``participants``
        (rows of a participants table, ``participants_source`` names its file in
        errors) are written in the same transaction and linked to the documents they
        name that are in the project; if they fail, no document is imported either.
        """
        for doc in docs:
            check_document(doc)
            try:
                doc.check()
            except ValueError as exc:
                raise StoreError(f"{doc.name}: {exc}") from exc
        check_participants(participants, participants_source)
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
                did = insert_document(conn, self, doc, position=position, imported_at=now_iso(),
                                      participant_id=participant_id)
                ids.append(did)
                if doc.codings:
                    self._insert_imported_codings(conn, did, doc, coder_ids)
            if participants:
                known = set(conn.execute(select(S.documents.c.name).where(S.documents.c.project_id == self.id)).scalars())
                # A participants table usually covers the whole study: link what is here.
                self._write_participants(conn, [(p, [d for d in linked if d in known]) for p, linked in participants])
                ev["payload"]["pseudonyms"] = [p.pseudonym for p, _ in participants]
            ev["payload"] = {"document_ids": ids, "names": names, **ev["payload"]}
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
        insert_codings(conn, self, rows, where=f"{doc.name}: imported coding")

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
                segments=[Segment(s["start"], s["end"], s["speaker"], s["timestamp"], s["end_timestamp"],
                                  dict(s["metadata"]) if s["metadata"] else None) for s in segs],
                source_format=row["source_format"],
                source_path=row["source_path"],
                participant=row["pseudonym"],
                metadata=dict(row["metadata"] or {}),
            )
            return int(row["id"]), doc

    def set_document_participant(self, document: int | str, pseudonym: str | None, *, actor: str | None = None) -> None:
        """Link a document to a participant (created when new) or unlink it."""
        did, _ = self.document(document)
        if pseudonym:
            check_participants([(Participant(pseudonym), [])])
        with self.write("document.participant", actor=actor, target_type="document", target_id=did) as (conn, ev):
            pid = self._participant_id(conn, pseudonym, create=True) if pseudonym else None
            conn.execute(update(S.documents).where(S.documents.c.id == did).values(participant_id=pid))
            ev["payload"] = {"participant": pseudonym}

    def rename_document(self, document: int | str, new_name: str, *, actor: str | None = None) -> None:
        """Rename a transcript (its text, codings and participant stay). Names are unique."""
        did, doc = self.document(document)
        new_name = (new_name or "").strip()
        if not new_name:
            raise StoreError("a transcript needs a name")
        check_text(new_name, "transcript", "name", max_length(S.documents, "name"))
        if new_name == doc.name:
            return
        with self.write("document.rename", actor=actor, target_type="document", target_id=did) as (conn, ev):
            clash = conn.execute(select(S.documents.c.id).where(
                S.documents.c.project_id == self.id, S.documents.c.name == new_name)).scalar()
            if clash is not None:
                raise StoreError(f"a transcript named {new_name!r} is already in the project")
            conn.execute(update(S.documents).where(S.documents.c.id == did).values(name=new_name))
            ev["payload"] = {"old": doc.name, "new": new_name}

    def delete_document(self, document: int | str, *, force: bool = False, actor: str | None = None) -> int:
        """Delete a transcript with its turns and memo; returns how many codings went with it.

        Refused (StoreError naming the count) when the transcript has codings, unless
        ``force``: then its codings and suggestion decisions are deleted through the
        ownership gate (store/owned.py) in the same transaction. The event log records
        the name and the counts (never the text).
        """
        did, doc = self.document(document)
        with self.write("document.delete", actor=actor, target_type="document", target_id=did) as (conn, ev):
            n = conn.execute(select(func.count()).select_from(S.codings).where(S.codings.c.document_id == did)).scalar_one()
            if n and not force:
                raise StoreError(f"{doc.name}: has {n} coding(s); delete them with it only if you mean to "
                                 "(--force on the command line, the confirmation box in the app)")
            gone = delete_codings(conn, self, S.codings.c.document_id == did)
            decisions = delete_decisions(conn, self, S.suggestion_decisions.c.document_id == did)
            conn.execute(delete(S.memos).where(S.memos.c.project_id == self.id, S.memos.c.target_type == "document",
                                               S.memos.c.target_id == did))
            conn.execute(delete(S.segments).where(S.segments.c.document_id == did))
            conn.execute(delete(S.documents).where(S.documents.c.id == did))
            ev["payload"] = {"name": doc.name, "codings": len(gone), "decisions": int(decisions),
                             "coders": sorted({r["coder"] for r in gone}), "turns": len(doc.segments)}
        return len(gone)

    def speakers(self, document: int | str | None = None) -> dict[str, int]:
        """Speaker labels and their number of turns, in the project or one transcript."""
        seg, docs = S.segments, S.documents
        with self.read() as conn:
            q = (select(seg.c.speaker, func.count()).join(docs, docs.c.id == seg.c.document_id)
                 .where(docs.c.project_id == self.id, seg.c.speaker.is_not(None)).group_by(seg.c.speaker))
            if document is not None:
                did = self.document(document)[0] if isinstance(document, str) else int(document)
                q = q.where(seg.c.document_id == did)
            return {str(s): int(n) for s, n in sorted(conn.execute(q).all())}

    def rename_speaker(self, old: str, new: str, *, document: int | str | None = None,
                       actor: str | None = None) -> int:
        """Relabel every turn of speaker ``old`` as ``new``, in one transcript or across
        the project (``new`` may be a label already there: the two speakers merge).
        The text and offsets stay; returns the number of turns relabelled."""
        new = (new or "").strip()
        if not new:
            raise StoreError("a speaker needs a label")
        check_text(new, "speaker", "label", max_length(S.segments, "speaker"))
        did = None
        if document is not None:
            did = self.document(document)[0] if isinstance(document, str) else self.document(int(document))[0]
        with self.write("document.speaker", actor=actor, target_type="document", target_id=did) as (conn, ev):
            ids = select(S.documents.c.id).where(S.documents.c.project_id == self.id)
            if did is not None:
                ids = ids.where(S.documents.c.id == did)
            res = conn.execute(update(S.segments).where(S.segments.c.speaker == old,
                                                        S.segments.c.document_id.in_(ids)).values(speaker=new))
            if not res.rowcount:
                where = f"transcript {self.document(did)[1].name!r}" if did is not None else "this project"
                raise NotFoundError(f"no speaker {old!r} in {where}")
            ev["payload"] = {"old": old, "new": new, "turns": int(res.rowcount),
                             "scope": "document" if did is not None else "project"}
        return int(res.rowcount)

    # ------------------------------------------------------------ participants
    def _participant_id(self, conn: Connection, pseudonym: str, *, create: bool) -> int:
        check_text(pseudonym, "participant", "pseudonym", max_length(S.participants, "pseudonym"))
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
        source: str | None = None,
    ) -> int:
        """Add or update participants and link each to the named documents.

        Raises StoreError (and changes nothing) when a named document is missing or a
        value cannot be stored (``source`` names the participants file in errors).
        Returns the number of participants written.
        """
        check_participants(rows, source)
        with self.write("participants.import", actor=actor, target_type="participant") as (conn, ev):
            self._write_participants(conn, rows)
            ev["payload"] = {"pseudonyms": [p.pseudonym for p, _ in rows]}
        return len(rows)

    def _write_participants(self, conn: Connection, rows: Sequence[tuple[Participant, Sequence[str]]]) -> None:
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

    def participants(self) -> list[Participant]:
        """All participants with their attributes, by pseudonym."""
        with self.read() as conn:
            rows = conn.execute(
                select(S.participants.c.pseudonym, S.participants.c.attributes)
                .where(S.participants.c.project_id == self.id)
                .order_by(S.participants.c.pseudonym)
            ).all()
        return [Participant(p, dict(a or {})) for p, a in rows]

