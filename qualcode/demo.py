"""Build the fictional demo study into a project (what ``make run`` opens)."""

from __future__ import annotations

from pathlib import Path

from .data import demo_dir, shipped_codebook
from .errors import UsageError
from .store import Project

__all__ = ["DEMO_TRANSCRIPTS", "DEMO_CODEBOOK", "build_demo"]

DEMO_TRANSCRIPTS = demo_dir()
DEMO_CODEBOOK = shipped_codebook("therapeutic_alignment")
TRANSCRIPT_SUFFIXES = {".txt", ".md", ".docx", ".vtt", ".srt", ".json"}


def build_demo(path: str | Path, *, transcripts: Path = DEMO_TRANSCRIPTS, codebook: Path = DEMO_CODEBOOK) -> Project:
    """Create a project at ``path`` holding the demo interviews, participants and codebook.

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
    except Exception:
        project.close()
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        raise
    return project
