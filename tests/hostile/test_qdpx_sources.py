"""Hostile sources inside a .qdpx: a Word file that is a zip bomb stops the import
with a one-line error and leaves the project unchanged; paths that point outside the
archive never read the disk; damaged Word and PDF files, and qualcode members that
were tampered with, are skipped or ignored with a reason, never trusted."""

from __future__ import annotations

import json
import zipfile

import bombs
import pytest

from qualcode.errors import ExchangeError
from qualcode.refi.qdpx_import import import_qdpx

G = "00000000-0000-4000-8000-%012d"


def qdpx(tmp_path, sources: str, files: dict[str, bytes], name: str = "p.qdpx") -> object:
    qde = (f'<?xml version="1.0" encoding="utf-8"?><Project xmlns="urn:QDA-XML:project:1.0" name="p" origin="x">'
           f'<CodeBook><Codes><Code guid="{G % 900}" name="c" isCodable="true"/></Codes></CodeBook>'
           f"<Sources>{sources}</Sources></Project>")
    path = tmp_path / name
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.qde", qde)
        for member, data in files.items():
            zf.writestr(member, data)
    return path


def test_a_rich_text_zip_bomb_stops_the_import(tmp_path, fresh_project):
    bomb = bombs.docx_zip_bomb(tmp_path, size=300 * bombs.MB, lie=True).read_bytes()
    src = f'<TextSource guid="{G % 1}" name="s" plainTextPath="internal://s.txt" richTextPath="internal://s.docx"/>'
    path = qdpx(tmp_path, src, {"sources/s.txt": b"\n", "sources/s.docx": bomb})
    before = fresh_project.info()
    with pytest.raises(ExchangeError) as err:
        import_qdpx(fresh_project, path)
    assert "s.docx" in str(err.value) and "\n" not in str(err.value)
    assert fresh_project.info() == before


def test_paths_outside_the_archive_are_never_read(tmp_path, fresh_project):
    outside = tmp_path / "secret.txt"
    outside.write_text("SECRET on the disk", encoding="utf-8")
    src = "".join(
        f'<TextSource guid="{G % i}" name="s{i}" plainTextPath="{ref}"/>'
        for i, ref in enumerate([f"absolute://{outside}", f"relative://../{outside.name}",
                                 "internal://../../../../../etc/hostname", "internal://..", "internal://"], start=1))
    report = import_qdpx(fresh_project, qdpx(tmp_path, src, {}))
    assert fresh_project.documents() == []
    assert len([s for s in report.skipped if "is not in the file" in s]) == 5
    # A file packed into sources/ under the same name is what such a path means.
    src2 = f'<TextSource guid="{G % 9}" name="packed" plainTextPath="absolute:///home/x/secret.txt"/>'
    import_qdpx(fresh_project, qdpx(tmp_path, src2, {"sources/secret.txt": b"Packed text."}, "q.qdpx"))
    assert fresh_project.document("packed")[1].text == "Packed text."


def test_damaged_word_and_pdf_files_are_skipped_with_the_reason(tmp_path, fresh_project):
    src = (f'<TextSource guid="{G % 1}" name="not docx" plainTextPath="internal://a.txt" richTextPath="internal://a.docx"/>'
           f'<TextSource guid="{G % 2}" name="broken zip" richTextPath="internal://b.docx"/>'
           f'<PDFSource guid="{G % 3}" name="bad pdf" path="internal://c.pdf"/>'
           f'<PDFSource guid="{G % 4}" name="not pdf" path="internal://d.pdf"/>'
           f'<TextSource guid="{G % 5}" name="fine" plainTextPath="internal://e.txt"/>')
    files = {"sources/a.txt": b"", "sources/a.docx": b"plain words, not a zip", "sources/b.docx": b"PK\x03\x04broken",
             "sources/c.pdf": b"%PDF-1.4\n1 0 obj garbage", "sources/d.pdf": b"GIF89a", "sources/e.txt": b"Still here."}
    report = import_qdpx(fresh_project, qdpx(tmp_path, src, files))
    assert [d.name for d in fresh_project.documents()] == ["fine"]
    skipped = "\n".join(report.skipped)
    assert "not docx: the rich-text file is not a .docx" in skipped
    assert "broken zip: the rich-text file is a damaged zip archive" in skipped
    assert "bad pdf:" in skipped and "not pdf: the file is not a PDF" in skipped
    assert "garbage" not in skipped


def test_tampered_qualcode_members_are_ignored(tmp_path, fresh_project):
    text = b"Interviewer: Hi.\n\nP01: Hello there, it helped.\n"
    a = text.index(b"Hello")
    sel = (f'<PlainTextSelection guid="{G % 50}" startPosition="{a}" endPosition="{a + 11}">'
           f'<Coding guid="{G % 51}"><CodeRef targetGUID="{G % 900}"/></Coding></PlainTextSelection>')
    src = f'<TextSource guid="{G % 1}" name="s" plainTextPath="internal://s.txt">{sel}</TextSource>'
    origins = {"format": "qualcode-codings/1", "codings": {G % 50: ["robot", None]}}
    path = qdpx(tmp_path, src, {"sources/s.txt": text, "qualcode/codings.json": json.dumps(origins).encode()})
    import_qdpx(fresh_project, path)
    [coding] = fresh_project.codings()
    assert coding.snippet == "Hello there" and coding.origin == "imported"
    deep = b'{"format": "qualcode-codings/1", "codings": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    path = qdpx(tmp_path, src.replace('name="s"', 'name="t"').replace(G % 1, G % 2), {"sources/s.txt": text,
                "qualcode/codings.json": deep}, "deep.qdpx")
    import_qdpx(fresh_project, path)
    assert {c.origin for c in fresh_project.codings()} == {"imported"}


def test_an_origin_never_lands_on_a_selection_it_was_not_written_for(tmp_path, fresh_project):
    """Another tool (or a hand) moved a selection but kept its GUID: qualcode's recorded
    origin ("suggestion") no longer applies; the moved coding reads back as imported."""
    from qualcode.export.qdpx import export_qdpx
    from qualcode.store import Project
    from tests.conftest import make_interview

    with Project.open(tmp_path / "a.qualcode") as a:
        a.add_documents([make_interview("P01", [("Interviewer", "Why?"), ("P01", "Because it listened to me.")])])
        from qualcode.model import Code

        a.add_code(Code("Listening"))
        a.add_coder("ana")
        _, doc = a.document("P01")
        at = doc.text.index("it listened")
        a.add_coding("P01", at, at + len("it listened"), "Listening", "ana", origin="suggestion", origin_detail="s 1")
        out = export_qdpx(a, tmp_path / "a.qdpx", validate=False)
    moved = tmp_path / "moved.qdpx"
    with zipfile.ZipFile(out) as src, zipfile.ZipFile(moved, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == "project.qde":
                data = data.replace(f'startPosition="{at}"'.encode(), f'startPosition="{at + 3}"'.encode())
            dst.writestr(name, data)
    import_qdpx(fresh_project, moved)
    [coding] = fresh_project.codings()
    assert coding.snippet == "listened" and (coding.origin, coding.origin_detail) == ("imported", "qdpx:qualcode 0.1.0")
