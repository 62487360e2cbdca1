"""A machine coder's codings: the rows a corpus-wide auto-coding run writes.

:mod:`qualcode.batch.autocode` scores a whole corpus with a suggester trained on one
researcher's codings and writes what passes the thresholds here, one transaction per
chunk of transcripts. The rows go to a coder of their own (``"ana (machine)"``), marked
``origin="machine"``, so they never mix with a person's codings and can be compared with
them (agreement) or removed in one step. Writing another coder's rows is an owner's
action in team mode (action ``autocode.*``, see :mod:`qualcode.store.roles`); a coder
that already holds a person's codings is refused as a machine coder.

Each chunk's event names the transcripts it covered, so an interrupted run resumes
where it stopped (:func:`autocoded_documents`), and a transcript scored with no code
above threshold is not scored again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from ..errors import StoreError
from ..model import MACHINE
from . import schema as S
from ._util import now_iso
from .owned import delete_codings, insert_codings

if TYPE_CHECKING:
    from .project import Project

__all__ = ["AUTOCODE_CHUNK", "AUTOCODE_CLEAR", "autocoded_documents", "clear_autocoded", "write_autocoded"]

AUTOCODE_CHUNK = "autocode.chunk"
AUTOCODE_CLEAR = "autocode.clear"
_cod = S.codings


def _check_machine_coder(conn, project: "Project", coder: str) -> int:
    cid = project._coder_id(conn, coder, create=True)
    human = conn.execute(
        select(func.count()).select_from(_cod).where(_cod.c.project_id == project.id, _cod.c.coder_id == cid,
                                                     _cod.c.origin != MACHINE)
    ).scalar_one()
    if human:
        raise StoreError(f"coder {coder!r} holds {human} coding(s) made by a person; machine codings need a coder "
                         "of their own (choose another name)")
    return cid


def write_autocoded(project: "Project", coder: str, rows: Sequence[tuple[int, int, int, int, str]],
                    documents: Sequence[int], *, detail: str, actor: str | None = None) -> int:
    """Write one chunk's machine codings ``(document_id, start, end, code_id, origin_detail)``
    for ``coder`` in one transaction, with an event naming the chunk's ``documents``.

    All or nothing: a failure leaves neither codings nor the event, so the chunk is
    scored again on resume. Returns the number of codings written.
    """
    with project.write(AUTOCODE_CHUNK, actor=actor, target_type="coder") as (conn, ev):
        cid = _check_machine_coder(conn, project, coder)
        texts = dict(conn.execute(select(S.documents.c.id, S.documents.c.text).where(
            S.documents.c.project_id == project.id, S.documents.c.id.in_(sorted({int(d) for d in documents})))).all())
        created = now_iso()
        values = []
        for did, start, end, code_id, why in rows:
            text = texts.get(int(did))
            if text is None:
                raise StoreError(f"machine coding for a transcript outside this chunk (id {did})")
            values.append(dict(project_id=project.id, document_id=int(did), code_id=int(code_id), coder_id=cid,
                               start=int(start), end=int(end), snippet=text[start:end], origin=MACHINE,
                               origin_detail=why, created_at=created))
        insert_codings(conn, project, values, where="machine coding")
        ev["target_id"] = cid
        ev["payload"] = {"coder": coder, "documents": sorted(int(d) for d in documents), "codings": len(values),
                         "detail": detail}
    return len(values)


def autocoded_documents(project: "Project", coder: str) -> set[int]:
    """Transcripts a run for ``coder`` has already scored (since the coder's last clear)."""
    done: set[int] = set()
    for ev in project.events(limit=10**9, action_prefix="autocode."):  # newest first
        if ev.payload.get("coder") != coder:
            continue
        if ev.action == AUTOCODE_CLEAR:
            break
        if ev.action == AUTOCODE_CHUNK:
            done.update(int(d) for d in ev.payload.get("documents", ()))
    return done


def clear_autocoded(project: "Project", coder: str, *, actor: str | None = None) -> int:
    """Delete all machine codings of ``coder`` (one transaction); the next run starts afresh."""
    with project.write(AUTOCODE_CLEAR, actor=actor, target_type="coder") as (conn, ev):
        cid = _check_machine_coder(conn, project, coder)
        removed = delete_codings(conn, project, _cod.c.project_id == project.id, _cod.c.coder_id == cid,
                                 _cod.c.origin == MACHINE)
        ev["target_id"] = cid
        ev["payload"] = {"coder": coder, "removed": len(removed)}
    return len(removed)
