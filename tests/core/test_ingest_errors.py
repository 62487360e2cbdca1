"""Encodings, and every kind of bad input: always an IngestError naming the file."""

from __future__ import annotations

import codecs

import pytest

from qualcode.errors import IngestError
from qualcode.ingest import CsvMapping, read_documents, read_documents_from_bytes, read_participants, read_participants_bytes

TEXT = "Interviewer: Olá, café com pão?\nP01: Sí — “claro”, naïve façade €5.\n"
EXPECTED = [("Interviewer", "Olá, café com pão?"), ("P01", "Sí — “claro”, naïve façade €5.")]


def _turns(doc):
    doc.check()
    return [(s.speaker, doc.text[s.start:s.end]) for s in doc.segments]


@pytest.mark.parametrize(
    "data",
    [
        TEXT.encode("utf-8"),
        codecs.BOM_UTF8 + TEXT.encode("utf-8"),
        TEXT.encode("utf-16"),  # with BOM, native order
        codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"),
        codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"),
        codecs.BOM_UTF32_LE + TEXT.encode("utf-32-le"),
    ],
    ids=["utf8", "utf8-bom", "utf16", "utf16-le", "utf16-be", "utf32-le"],
)
def test_unicode_encodings(data):
    doc = read_documents_from_bytes(data, "enc.txt")[0]
    assert doc.text == TEXT
    assert _turns(doc) == EXPECTED
    assert doc.warnings == []


def test_cp1252_fallback_is_reported(tmp_path):
    path = tmp_path / "windows.txt"
    path.write_bytes(TEXT.encode("cp1252"))
    doc = read_documents(path)[0]
    assert _turns(doc) == EXPECTED
    assert len(doc.warnings) == 1 and "cp1252" in doc.warnings[0]


def test_encodings_apply_to_structured_formats():
    data = "WEBVTT\n\n00:01.000 --> 00:02.000\n<v Zoë>Olá!\n".encode("utf-16")
    assert _turns(read_documents_from_bytes(data, "a.vtt")[0]) == [("Zoë", "Olá!")]
    data = "text,speaker\nCafé,Zoë\n".encode("cp1252")
    doc = read_documents_from_bytes(data, "t.csv")[0]
    assert _turns(doc) == [("Zoë", "Café")] and doc.warnings


def _zip_bytes() -> bytes:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("a.txt", "x")
    return buf.getvalue()


BAD = [
    ("empty.txt", b"", "empty"),
    ("nul.txt", b"Interviewer: hi\x00\x01\x02", "binary"),
    ("scan.txt", b"%PDF-1.7\n...", "PDF"),
    ("archive.vtt", _zip_bytes(), "zip"),
    ("weird.txt", b"Interviewer: \x81\x8d\x8f\x90", "cannot decode"),
    ("bad16.txt", codecs.BOM_UTF16_LE + b"A", "UTF-16"),
    ("blank.txt", b"   \n\n\t\n", "no text"),
    ("header_only.txt", b"# just a comment\n# and another\n", "no transcript text"),
    ("notes.xyz", b"hello", "unknown file extension"),
    ("noext", b"hello", "no file extension"),
    ("old.doc", b"hello", ".docx"),
    ("broken.json", b'{"role": "user", ', "malformed JSON"),
    ("other.json", b'{"hello": "world"}', "unrecognised JSON"),
    ("msgs.json", b'[{"role": "user"}, {"role": "assistant", "content": "x"}]', "unrecognised JSON"),
    ("msgs2.json", b'[{"role": "user", "content": "x"}, {"role": "assistant"}]', "message 2"),
    ("nomsgs.json", b'{"messages": []}', "unrecognised JSON"),
    ("conv.json", b'[{"mapping": {}}]', "no conversation with text"),
    ("thread.json", b'{"title": "t", "comments": 5}', "must be a list"),
    ("nohead.vtt", b"00:01.000 --> 00:02.000\nhi\n", "WEBVTT"),
    ("badtime.vtt", b"WEBVTT\n\n00:01.000 --> soon\nhi\n", "bad timing line at line 3"),
    ("nocues.vtt", b"WEBVTT\n\nNOTE nothing here\n", "no subtitle cues"),
    ("orphan.vtt", b"WEBVTT\n\njust words\n", "not a cue"),
    ("nocue.srt", b"1\nhello\n", "not a cue"),
    ("notext.srt", b"1\n00:00:01,000 --> 00:00:02,000\n<i></i>\n", "no transcript text"),
    ("nocol.csv", b"who,when\nA,1\n", "no text column"),
    ("extra.csv", b"speaker,text\nA,hello,world\n", "line 2 has 3 fields"),
    ("quote.csv", b'speaker,text\nA,"unterminated\n', "malformed CSV"),
    ("header.csv", b"speaker,text\n", "no rows"),
    ("dupcol.csv", b"text,Text\na,b\n", "duplicate column"),
    ("emptydoc.csv", b"document,text\n,hello\n", "line 2"),
    ("emptytext.csv", b"document,text\na,\n", "document 'a' has no transcript text"),
]


@pytest.mark.parametrize("filename, data, problem", BAD, ids=[b[0] for b in BAD])
def test_bad_input_raises_ingest_error_naming_the_file(filename, data, problem, tmp_path):
    with pytest.raises(IngestError) as info:
        read_documents_from_bytes(data, filename)
    assert filename in str(info.value) and problem in str(info.value)
    assert info.value.path == filename
    # The file version reports the path the same way.
    path = tmp_path / filename
    path.write_bytes(data)
    with pytest.raises(IngestError) as info:
        read_documents(path)
    assert str(path) in str(info.value) and problem in str(info.value)


def test_csv_mapping_missing_columns_are_named():
    mapping = CsvMapping(text="utterance", speaker="who", codes=["theme_a"])
    with pytest.raises(IngestError) as info:
        read_documents_from_bytes(b"utterance,speaker\nhi,A\n", "coded.csv", csv_mapping=mapping)
    msg = str(info.value)
    assert "coded.csv" in msg and "'who' (speaker)" in msg and "'theme_a' (codes)" in msg


def test_coder_column_missing_without_fallback():
    mapping = CsvMapping(text="text", codes=["code"], coder_column="annotator")
    with pytest.raises(IngestError, match=r"c\.csv.*'annotator' \(coder\)"):
        read_documents_from_bytes(b"text,code\nhi,x\n", "c.csv", csv_mapping=mapping)


def test_max_bytes(tmp_path):
    data = b"Interviewer: hello\n" * 100
    with pytest.raises(IngestError, match=r"big\.txt.*over the import limit"):
        read_documents_from_bytes(data, "big.txt", max_bytes=1000)
    path = tmp_path / "big.txt"
    path.write_bytes(data)
    with pytest.raises(IngestError, match=r"big\.txt.*over the import limit"):
        read_documents(path, max_bytes=1000)
    assert read_documents(path, max_bytes=10_000)


def test_missing_file_directory_and_unknown_fmt(tmp_path):
    with pytest.raises(IngestError, match=r"nope\.txt: no such file"):
        read_documents(tmp_path / "nope.txt")
    with pytest.raises(IngestError, match="not a file"):
        read_documents(tmp_path)
    with pytest.raises(IngestError, match=r"a\.txt: unknown format 'pdf'"):
        read_documents_from_bytes(b"x", "a.txt", fmt="pdf")


def test_participants_errors():
    with pytest.raises(IngestError, match=r"p\.csv: missing required column"):
        read_participants_bytes(b"name_of_person,age\nA,3\n", "p.csv")
    with pytest.raises(IngestError, match=r"p\.csv: line 3: participant 'P1' already appears on line 2"):
        read_participants_bytes(b"id,age\nP1,3\nP1,4\n", "p.csv")
    with pytest.raises(IngestError, match=r"p\.csv: the file is empty"):
        read_participants_bytes(b"", "p.csv")
    with pytest.raises(IngestError, match=r"p\.xlsx"):
        read_participants_bytes(b"id\nP1\n", "p.xlsx")
