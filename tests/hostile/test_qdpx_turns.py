"""A .qdpx round trip keeps every turn and speaker, also of sources whose text has no
speaker labels (Reddit threads): qualcode carries them in ``qualcode/turns/<guid>.json``,
an archive member other tools ignore."""

from __future__ import annotations

import zipfile

import bombs
from qualcode.export.qdpx import export_qdpx
from qualcode.ingest import read_documents
from qualcode.refi.qdpx_import import import_qdpx
from qualcode.store import Project


def _turns(project: Project) -> list[tuple[str | None, str]]:
    (info,) = project.documents()
    _, doc = project.document(info.id)
    return [(s.speaker, doc.text[s.start:s.end]) for s in doc.segments]


def test_reddit_turns_and_speakers_survive_a_qdpx_round_trip(tmp_path):
    thread = bombs.reddit_json(tmp_path, "thread.json")
    with Project.open(tmp_path / "a.qualcode") as a:
        a.add_documents(read_documents(thread))
        before = _turns(a)
        out = export_qdpx(a, tmp_path / "a.qdpx", validate=False)
    assert len(before) >= 2 and all(speaker for speaker, _ in before)
    with zipfile.ZipFile(out) as zf:
        assert any(n.startswith("qualcode/turns/") for n in zf.namelist())
    with Project.open(tmp_path / "b.qualcode") as b:
        import_qdpx(b, out)
        assert _turns(b) == before


def test_turns_for_another_text_are_ignored(tmp_path):
    """A turns file whose hash does not match the source text is not applied."""
    path = tmp_path / "P01.txt"
    path.write_text("Interviewer: Hello there.\n\nP01: Hi.\n", encoding="utf-8")
    with Project.open(tmp_path / "a.qualcode") as a:
        a.add_documents(read_documents(path))
        out = export_qdpx(a, tmp_path / "a.qdpx", validate=False)
    tampered = tmp_path / "t.qdpx"
    with zipfile.ZipFile(out) as src, zipfile.ZipFile(tampered, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            if name.startswith("qualcode/turns/"):
                data = data.replace(b'"turns": [', b'"turns": [[0, 3, "EVIL", null, null], ', 1)
                data = data.replace(b'"text_sha256": "', b'"text_sha256": "0', 1)
            dst.writestr(name, data)
    with Project.open(tmp_path / "b.qualcode") as b:
        import_qdpx(b, tampered)
        assert "EVIL" not in {s for s, _ in _turns(b)}
        assert [s for s, _ in _turns(b)] == ["Interviewer", "P01"]
