"""Build the fictional demo study into a project (what ``make run`` opens).

By default the demo is **coded**: two fictional coders (``amira``, ``jonas``) over
every transcript but P14 (an interview "just imported", left for the De-identify page), with the partial disagreement of a real double-coding round,
memos, a consensus coder on four transcripts and a few accepted suggestions. Every
coding comes from the hand-written table in :mod:`qualcode.demo_codings`; nothing is
random. ``build_demo(path, coded=False)`` (``qualcode demo --empty``) builds the same
study with no coders and no codings, for tests and for trying the coding from scratch.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .data import demo_dir, shipped_codebook
from .errors import UsageError
from .store import Project

__all__ = ["DEMO_TRANSCRIPTS", "DEMO_CODEBOOK", "DEMO_CODERS", "CONSENSUS_CODER", "build_demo", "code_demo"]

DEMO_TRANSCRIPTS = demo_dir()
DEMO_CODEBOOK = shipped_codebook("therapeutic_alignment")
TRANSCRIPT_SUFFIXES = {".txt", ".md", ".docx", ".vtt", ".srt", ".json"}
CONSENSUS_CODER = "consensus"
# Marks the demo's accepted suggestions as authored for the demo, not computed.
DEMO_BASIS = "fictional-demo"


def _demo_coders() -> tuple[str, ...]:
    from .demo_codings import CODERS

    return CODERS


DEMO_CODERS = _demo_coders()


def build_demo(
    path: str | Path, *, transcripts: Path = DEMO_TRANSCRIPTS, codebook: Path = DEMO_CODEBOOK, coded: bool = True,
) -> Project:
    """Create a project at ``path`` holding the demo interviews, participants and codebook,
    and (``coded=True``, the default) the demo's codings, memos and consensus (:func:`code_demo`).

    Refuses to overwrite an existing file. Everything is read before anything is
    written, and the file is removed again if a step fails, so a failed build never
    leaves a half-built demo behind.
    """
    from . import ingest
    from .codebook import Codebook

    path = Path(path)
    if path.exists():
        raise UsageError(f"{path}: already exists")
    files = sorted(
        p for p in transcripts.iterdir()
        if p.suffix.lower() in TRANSCRIPT_SUFFIXES and not p.stem.upper().startswith("README")
    )
    if not files:
        raise UsageError(f"{transcripts}: no demo transcripts found")
    docs = [doc for f in files for doc in ingest.read_documents(f)]
    participants_csv = transcripts / "participants.csv"
    rows = ingest.read_participants(participants_csv) if participants_csv.exists() else []
    book = Codebook.read_yaml(codebook) if codebook.exists() else None
    project = Project.open(path, name="Demo study (fictional): chatbots for emotional support")
    try:
        project.add_documents(docs, actor="demo")
        if rows:
            known = {d.name for d in docs}
            project.upsert_participants([(r.participant, [d for d in r.documents if d in known]) for r in rows], actor="demo")
        if book is not None:
            book.load_into(project, actor="demo")
        if coded:
            code_demo(project)
    except Exception:
        project.close()
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        raise
    return project


@dataclass(frozen=True)
class _Suggested:
    """What :func:`qualcode.suggest.decisions.accept` needs of a suggestion."""

    document_id: int
    start: int
    end: int
    code_id: int
    text: str
    score: float
    basis: str = DEMO_BASIS


class _Passages:
    """Finds a table row's passage in its transcript (exactly once, or the build fails)."""

    def __init__(self, project: Project):
        self.project = project
        self.texts: dict[str, tuple[int, str]] = {}
        self.codes = {c.name: c.id for c in project.codes()}

    def find(self, document: str, passage: str, code: str) -> tuple[int, int, int, int]:
        if document not in self.texts:
            did, doc = self.project.document(document)
            self.texts[document] = (did, doc.text)
        did, text = self.texts[document]
        hits = text.count(passage)
        if hits != 1:
            raise UsageError(f"demo codings: {document}: passage {passage[:40]!r}... occurs {hits} times, not once")
        if code not in self.codes:
            raise UsageError(f"demo codings: {document}: no code {code!r} in the demo codebook")
        start = text.index(passage)
        return did, start, start + len(passage), self.codes[code]


def code_demo(project: Project) -> dict[str, int]:
    """Write the demo's codings, memos, suggestions and consensus into a freshly built demo.

    Reads :mod:`qualcode.demo_codings`: every coding of ``amira`` and ``jonas``
    (with their memos), the suggestions they accepted (origin ``suggestion``, basis
    ``fictional-demo``) and the one they rejected, memos on the project, some
    transcripts and codes, then the consensus coder on
    :data:`~qualcode.demo_codings.CONSENSUS_DOCUMENTS`: the passages both coders
    agree on by majority vote, each disagreement adjudicated by a fixed rule (keep
    the coder who applied the code, except every third one: neither).
    Returns counts of what was written.
    """
    from . import demo_codings as T
    from .agreement import consensus as C
    from .agreement.project import load_agreement_data
    from .suggest import SUGGESTER, VERSION
    from .suggest.decisions import accept, reject

    for coder in T.CODERS:
        project.add_coder(coder)
    find = _Passages(project).find
    written = 0
    for document, passage, code, who, memo in T.CODINGS:
        did, start, end, code_id = find(document, passage, code)
        for coder in (T.CODERS if who == T.BOTH else (who,)):
            project.add_coding(did, start, end, code_id, coder, snippet=passage, memo=memo if who != T.BOTH else None)
            written += 1
    for rows, decide in ((T.SUGGESTIONS, accept), (T.REJECTED, reject)):
        for document, passage, code, coder, score in rows:
            did, start, end, code_id = find(document, passage, code)
            decide(project, _Suggested(did, start, end, code_id, passage, score), coder, suggester=SUGGESTER, version=VERSION)
    project.set_memo("project", project.id, T.PROJECT_MEMO, actor=T.CODERS[0])
    for document, coder, text in T.DOCUMENT_MEMOS:
        project.set_memo("document", project.document(document)[0], text, actor=coder)
    codes = {c.name: c.id for c in project.codes()}
    for code, coder, text in T.CODE_MEMOS:
        project.set_memo("code", codes[code], text, actor=coder)

    project.add_coder(CONSENSUS_CODER)
    adjudicated = 0
    for document in T.CONSENSUS_DOCUMENTS:
        C.write_majority_consensus(project, list(T.CODERS), as_coder=CONSENSUS_CODER, document=document, actor="demo")
        data = load_agreement_data(project, list(T.CODERS), document=document)
        for i, item in enumerate(C.list_disagreements(project, data, consensus_coder=CONSENSUS_CODER)):
            if i % 3 == 2:
                C.adjudicate(project, item, C.NEITHER, consensus_coder=CONSENSUS_CODER, actor="demo")
            else:
                C.adjudicate(project, item, C.KEEP, keep=item.applied_by[0], consensus_coder=CONSENSUS_CODER, actor="demo")
            adjudicated += 1
    return {"codings": written, "suggestions": len(T.SUGGESTIONS), "adjudicated": adjudicated}
