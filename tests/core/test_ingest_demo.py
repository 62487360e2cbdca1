"""The demo study in transcripts/ (written by another part of the project), when present."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualcode.data import demo_dir
from qualcode.ingest import read_documents, read_participants

DEMO = demo_dir()
SUFFIXES = {".txt", ".md", ".docx", ".vtt", ".srt", ".json", ".csv"}


def _files() -> list[Path]:
    if not DEMO.is_dir():
        return []
    return sorted(p for p in DEMO.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES
                  and not p.name.lower().startswith("readme"))


def _is_participants(path: Path) -> bool:
    return path.suffix.lower() == ".csv" and "participant" in path.stem.lower()


TRANSCRIPTS = [p for p in _files() if not _is_participants(p)]
PARTICIPANTS = [p for p in _files() if _is_participants(p)]


@pytest.mark.skipif(not TRANSCRIPTS, reason="transcripts/ holds no demo transcripts yet")
@pytest.mark.parametrize("path", TRANSCRIPTS, ids=[p.name for p in TRANSCRIPTS])
def test_demo_transcript_imports(path):
    docs = read_documents(path)
    for doc in docs:
        doc.check()
    speakers = {s.speaker for d in docs for s in d.segments if s.speaker}
    assert len(speakers) >= 2, f"{path.name}: speakers {speakers}"
    assert sum(len(d.segments) for d in docs) >= 10


@pytest.mark.skipif(not PARTICIPANTS, reason="transcripts/ holds no participants table yet")
@pytest.mark.parametrize("path", PARTICIPANTS, ids=[p.name for p in PARTICIPANTS])
def test_demo_participants_link_to_transcripts(path):
    rows = read_participants(path)
    assert rows
    names = {d.name for p in TRANSCRIPTS for d in read_documents(p)}
    listed = [doc for r in rows for doc in r.documents]
    assert all(doc in names for doc in listed), f"unknown documents: {set(listed) - names}"
