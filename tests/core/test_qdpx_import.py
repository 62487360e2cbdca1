"""REFI-QDA project import: the real NVivo 12 export, and the quirks of other tools'
exports (UTF-16 offsets, BOM + CRLF, ``Sources/``, ``<Project>.qde``, GUIDs in braces),
unplaceable selections reported, and all-or-nothing writes."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from qualcode.errors import ExchangeError
from qualcode.refi.common import PROJECT_NS
from qualcode.refi.qdpx_import import READINGS, Reading, Selection, _starts, choose_reading, import_qdpx, place
from tests.conftest import make_interview

NVIVO = "refi-qda/nvivo12-oltas0517.qdpx"
GUID = "{%08X-0000-4000-8000-%012X}"  # braces and capitals, as NVivo/ATLAS.ti write them


def g(n: int, kind: int = 0) -> str:
    return GUID % (kind, n)


# ------------------------------------------------------------------ real NVivo
def test_nvivo12_export_imports_with_every_selection_aligned(fresh_project, shared_data):
    path = shared_data / NVIVO
    report = import_qdpx(fresh_project, path)
    assert report.unplaced == [] and report.codings == 303 and report.codes_added == 152
    assert report.coders == ["Gergo"] and report.origin.startswith("NVivo")
    coded = next(s for s in report.sources if s.selections)
    assert (coded.placed, coded.reading) == (303, "UTF-16 code units, CRLF line ends")
    # What NVivo showed: the text file (BOM dropped) sliced in UTF-16 units, CRLF -> LF.
    root = etree.fromstring(zipfile.ZipFile(path).read("project.qde"))
    ns = {"q": PROJECT_NS}
    src = next(s for s in root.iterfind(".//q:TextSource", ns) if s.find("q:PlainTextSelection", ns) is not None)
    raw = zipfile.ZipFile(path).read(f"Sources/{src.get('guid')}.txt").decode("utf-8-sig").encode("utf-16-le")
    shown = sorted(raw[2 * int(s.get("startPosition")):2 * int(s.get("endPosition"))].decode("utf-16-le").replace("\r\n", "\n")
                   for s in src.iterfind("q:PlainTextSelection", ns))
    codings = fresh_project.codings()
    assert sorted(c.snippet for c in codings) == shown
    text = fresh_project.document(src.get("name"))[1].text
    assert "\r" not in text and not text.startswith("\ufeff")
    line_aligned = [c for c in codings if (c.start == 0 or text[c.start - 1] == "\n") and (c.end == len(text) or text[c.end] == "\n")]
    # Most selections are whole lines (comments); the rest are whole sentences inside a line.
    assert len(line_aligned) >= 270
    cuts_word = lambda i: 0 < i < len(text) and text[i - 1].isalnum() and text[i].isalnum()  # noqa: E731
    # Three selections really do cut a word (the coder's own mouse: "J|avitsatok"); read as
    # code points instead, most selections would.
    assert sum(cuts_word(c.start) or cuts_word(c.end) for c in codings) <= 3
    assert all(text[c.start:c.end] == c.snippet for c in codings)
    assert {c.name for c in fresh_project.codes() if c.parent is None} >= {"1. Oltás típusa", "3. Retorikai eszköz"}


# ------------------------------------------------------------- synthetic files
TEXT = "Interviewer: How did it start?\nP01: At 3am 😔 I typed to it.\nInterviewer: And then?\nP01: It answered gently. Naïve, maybe.\n"


def utf16_crlf(text: str, a: int, b: int) -> tuple[int, int]:
    """NVivo-style offsets of text[a:b]: UTF-16 units over the CRLF text."""
    unit = lambda s: len(s.replace("\n", "\r\n").encode("utf-16-le")) // 2  # noqa: E731
    return unit(text[:a]), unit(text[:b])


def build(tmp_path: Path, *, offsets=utf16_crlf, qde_name="My Study.qde", folder="Sources", bom=True, crlf=True,
          extra_selection: tuple[int, int] | None = None) -> Path:
    """A .qdpx the way Windows tools write it: braces, BOM, CRLF, Sources/, named .qde."""
    a = TEXT.index("I typed to it.")
    b = TEXT.index("It answered gently.")
    s1, e1 = offsets(TEXT, a, a + len("I typed to it."))
    s2, e2 = offsets(TEXT, b, b + len("It answered gently."))
    extra = ""
    if extra_selection:
        extra = f'<PlainTextSelection guid="{g(9, 4)}" startPosition="{extra_selection[0]}" endPosition="{extra_selection[1]}"><Coding guid="{g(9, 5)}"><CodeRef targetGUID="{g(2, 1)}"/></Coding></PlainTextSelection>'
    qde = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="My Study" origin="SomeTool 3">
  <Users><User guid="{g(1, 9)}" name="Rosa"/></Users>
  <CodeBook><Codes>
    <Code guid="{g(1, 1)}" name="Night" isCodable="false" color="#FF0000"><Description>Night-time use.</Description>
      <NoteRef targetGUID="{g(2, 6)}"/>
      <Code guid="{g(2, 1)}" name="Typing" isCodable="true"/>
    </Code>
    <Code guid="{g(3, 1)}" name="Gentle replies" isCodable="true"/>
  </Codes></CodeBook>
  <Variables><Variable guid="{g(1, 2)}" name="country" typeOfVariable="Text"/><Variable guid="{g(2, 2)}" name="age" typeOfVariable="Integer"/></Variables>
  <Cases><Case guid="{g(1, 3)}" name="Rosa P01">
    <VariableValue><VariableRef targetGUID="{g(1, 2)}"/><TextValue>Chile</TextValue></VariableValue>
    <VariableValue><VariableRef targetGUID="{g(2, 2)}"/><IntegerValue>34</IntegerValue></VariableValue>
    <SourceRef targetGUID="{g(1, 7)}"/></Case></Cases>
  <Sources>
    <TextSource guid="{g(1, 7)}" name="Interview 1" plainTextPath="internal://{g(1, 7)}.txt">
      <PlainTextSelection guid="{g(1, 4)}" name="" startPosition="{s1}" endPosition="{e1}" creatingUser="{g(1, 9)}" creationDateTime="2024-05-01T10:00:00Z">
        <Coding guid="{g(1, 5)}" creatingUser="{g(1, 9)}" creationDateTime="2024-05-01T10:00:00Z"><CodeRef targetGUID="{g(2, 1)}"/><NoteRef targetGUID="{g(1, 6)}"/></Coding>
      </PlainTextSelection>
      <PlainTextSelection guid="{g(2, 4)}" startPosition="{s2}" endPosition="{e2}">
        <Coding guid="{g(2, 5)}" creatingUser="{g(1, 9)}"><CodeRef targetGUID="{g(3, 1)}"/></Coding>
      </PlainTextSelection>
      {extra}
      <NoteRef targetGUID="{g(3, 6)}"/>
    </TextSource>
    <PictureSource guid="{g(2, 7)}" name="Drawing" path="internal://x.png"/>
  </Sources>
  <Notes>
    <Note guid="{g(1, 6)}" name="why"><PlainTextContent>Typing as relief.</PlainTextContent></Note>
    <Note guid="{g(2, 6)}" name="code note"><PlainTextContent>Anything after 11pm.</PlainTextContent></Note>
    <Note guid="{g(3, 6)}" name="doc note"><PlainTextContent>Recorded by phone.</PlainTextContent></Note>
    <Note guid="{g(4, 6)}" name="Loose idea"><PlainTextContent>Compare with the day interviews.</PlainTextContent></Note>
  </Notes>
  <Sets><Set guid="{g(1, 8)}" name="s"/></Sets>
</Project>"""
    body = TEXT.replace("\n", "\r\n") if crlf else TEXT
    data = (b"\xef\xbb\xbf" if bom else b"") + body.encode("utf-8")
    path = tmp_path / "export.qdpx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(qde_name, qde.encode("utf-8"))
        name = g(1, 7).lower() if folder == "sources" else g(1, 7)  # file names are matched without case
        zf.writestr(f"{folder}/{name}.txt", data)
    return path


def test_windows_tool_quirks(fresh_project, tmp_path):
    report = import_qdpx(fresh_project, build(tmp_path))
    assert report.unplaced == [] and report.codings == 2
    assert report.sources[0].reading == "UTF-16 code units, CRLF line ends"
    assert any("PictureSource Drawing" in s for s in report.skipped) and report.sets == ["s"]
    _, doc = fresh_project.document("Interview 1")
    assert doc.text == TEXT and doc.participant == "Rosa P01"
    assert [s.speaker for s in doc.segments] == ["Interviewer", "P01", "Interviewer", "P01"]
    assert doc.metadata["refi_guid"] == g(1, 7).strip("{}").lower()
    codings = {c.code_name: c for c in fresh_project.codings()}
    assert codings["Typing"].snippet == "I typed to it." and codings["Typing"].memo == "Typing as relief."
    assert codings["Typing"].coder == "Rosa" and codings["Typing"].created_at == "2024-05-01T10:00:00Z"
    assert codings["Gentle replies"].snippet == "It answered gently."
    night = fresh_project.code("Night")
    assert (night.codable, night.colour, night.definition, night.guid) == (False, "#ff0000", "Night-time use.", g(1, 1).strip("{}").lower())
    assert fresh_project.code("Typing").parent == "Night"
    assert fresh_project.participants()[0].attributes == {"country": "Chile", "age": "34"}
    assert fresh_project.memo("code", night.id)[0] == "Anything after 11pm."
    assert fresh_project.memo("document", doc and fresh_project.document("Interview 1")[0])[0] == "Recorded by phone."
    assert fresh_project.memo("project", fresh_project.id)[0] == "Loose idea\n\nCompare with the day interviews."
    assert fresh_project.events(limit=1)[0].action == "documents.import_qdpx"


def test_code_point_offsets_lf_lowercase_folder(fresh_project, tmp_path):
    def code_points(text, a, b):
        return a, b

    path = build(tmp_path, offsets=code_points, qde_name="project.qde", folder="sources", bom=False, crlf=False)
    report = import_qdpx(fresh_project, path)
    assert report.unplaced == [] and report.sources[0].reading == "code points, LF line ends"
    assert sorted(c.snippet for c in fresh_project.codings()) == ["I typed to it.", "It answered gently."]


def test_unplaceable_selections_are_reported_not_guessed(fresh_project, tmp_path):
    report = import_qdpx(fresh_project, build(tmp_path, extra_selection=(5000, 5010)))
    assert report.codings == 2
    [u] = report.unplaced
    assert (u.source, u.start, u.end, u.codes) == ("Interview 1", 5000, 5010, ["Typing"]) and "outside the text" in u.reason
    assert "could not be placed" in report.summary()


def test_all_or_nothing(fresh_project, tmp_path):
    fresh_project.add_documents([make_interview("Interview 1", [("P", "Already here.")])])
    before = fresh_project.info()
    with pytest.raises(ExchangeError, match="already has a document named 'Interview 1'"):
        import_qdpx(fresh_project, build(tmp_path))
    assert fresh_project.info() == before and fresh_project.codes() == []
    bad = tmp_path / "bad.qdpx"
    bad.write_bytes(b"not a zip")
    with pytest.raises(ExchangeError, match="not a .qdpx"):
        import_qdpx(fresh_project, bad)


def test_a_failure_late_in_the_import_leaves_the_project_untouched(fresh_project, tmp_path, monkeypatch):
    from qualcode.refi import qdpx_import

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    before = (fresh_project.info(), fresh_project.revision())
    monkeypatch.setattr(qdpx_import.importing, "append_memo", boom)  # runs after documents, codes and codings
    with pytest.raises(RuntimeError):
        import_qdpx(fresh_project, build(tmp_path))
    assert (fresh_project.info(), fresh_project.revision()) == before


def test_import_into_a_project_with_the_codebook_matches_codes(fresh_project, tmp_path):
    from qualcode.model import Code

    fresh_project.add_code(Code("Night", codable=False))
    fresh_project.add_code(Code("Typing", parent="Night"))
    report = import_qdpx(fresh_project, build(tmp_path))
    assert (report.codes_matched, report.codes_added) == (2, 1)
    assert len(fresh_project.codes()) == 3


# --------------------------------------------------------------- the offset rule
def test_choose_reading_and_place():
    text = "ab😔cd\nef gh\n"
    sels = [Selection("s", 4, 6, "", ()), Selection("t", 8, 13, "", ())]  # UTF-16 + CRLF: "cd", "ef gh"
    r = choose_reading(text, sels, has_bom=False, had_crlf=True)
    assert r == Reading(True, True, False)
    starts = _starts(text, r)
    assert place(starts, text, 4, 6) == (3, 5) and place(starts, text, 8, 13) == (6, 11)
    assert place(starts, text, 7, 13) == (6, 11)  # between \r and \n: starts on the next line
    assert "inside a character" in place(starts, text, 3, 5)  # the middle of the emoji's surrogate pair
    assert "outside" in place(starts, text, 10, 99)
    # The selection's name, when a tool writes the quote there, decides between readings.
    named = [Selection("s", 3, 5, "cd", ())]
    assert choose_reading(text, named, has_bom=False, had_crlf=False).utf16 is False
    assert re.search("code points", Reading(False, False, False).describe())


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab é\n😔ع")), min_size=1, max_size=40), st.data())
def test_every_reading_maps_its_own_offsets_back(text, data):
    """Offsets a tool would write under any reading land on the same code points."""
    a = data.draw(st.integers(0, len(text) - 1))
    b = data.draw(st.integers(a + 1, len(text)))
    for reading in READINGS:
        def units(s: str) -> int:
            return len(s) + reading.utf16 * sum(ord(c) > 0xFFFF for c in s) + reading.crlf * s.count("\n") + reading.bom

        placed = place(_starts(text, reading), text, units(text[:a]), units(text[:b]))
        if text[a:b].strip():
            assert placed == (a, b), reading
        else:
            assert isinstance(placed, str)
