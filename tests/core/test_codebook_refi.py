"""REFI-QDA codebook exchange: .qdc out and in, the codebook of a .qdpx, GUIDs, colours,
the Description layout, and the real NVivo 12 export."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from qualcode.codebook import Codebook
from qualcode.data import codebooks_dir
from qualcode.errors import CodebookError, ExchangeError
from qualcode.model import Code
from qualcode.refi import (
    CODEBOOK_NS,
    codebook_to_qdc,
    format_description,
    parse_description,
    parse_qdc,
    read_qdc,
    read_qdpx_codebook,
    validate_xml,
    write_qdc,
)
from qualcode.ids import is_guid, normalise_guid
from qualcode.refi.common import colour_from_refi, colour_to_refi, read_qde_bytes

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted(codebooks_dir().glob("*.yaml"))
FIELDS = ("name", "parent", "definition", "when_to_use", "when_not_to_use", "example", "colour", "source",
          "codable", "guid")


def same(a: list[Code], b: list[Code]) -> bool:
    return [tuple(getattr(c, f) for f in FIELDS) for c in a] == [tuple(getattr(c, f) for f in FIELDS) for c in b]


@pytest.fixture
def codebook_xsd(shared_data: Path) -> Path:
    return shared_data / "refi-qda" / "Codebook.xsd"


@pytest.fixture
def nvivo(shared_data: Path) -> Path:
    return shared_data / "refi-qda" / "nvivo12-oltas0517.qdpx"


# --------------------------------------------------------- shipped codebooks
@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_codebook_qdc_validates_and_round_trips(path: Path, codebook_xsd: Path, tmp_path: Path) -> None:
    book = Codebook.read_yaml(path)
    out = write_qdc(book, tmp_path / "book.qdc", validate=False)
    validate_xml(etree.parse(str(out)).getroot(), codebook_xsd)
    again = read_qdc(out)
    assert same(again.codes, book.codes)  # names, hierarchy, descriptions, colours, GUIDs
    # And the same codebook exports byte-identically: GUIDs are stable.
    assert codebook_to_qdc(Codebook.read_yaml(path), validate=False) == out.read_bytes()


def test_qdc_layout_is_what_other_tools_read(tmp_path: Path) -> None:
    book = Codebook.read_yaml(codebooks_dir() / "therapeutic_alignment.yaml")
    root = etree.fromstring(codebook_to_qdc(book, validate=False))
    assert root.tag == f"{{{CODEBOOK_NS}}}CodeBook"
    top = root.find(f"{{{CODEBOOK_NS}}}Codes").findall(f"{{{CODEBOOK_NS}}}Code")
    assert [c.get("name") for c in top][0] == "Support roles"
    assert top[0].get("isCodable") == "false" and top[0].get("color") == "#0072B2"
    listener = top[0].find(f"{{{CODEBOOK_NS}}}Code")
    text = listener.find(f"{{{CODEBOOK_NS}}}Description").text
    assert text.startswith("The chatbot as someone to tell things to")
    assert "\n\nWhen to use: " in text and "\n\nWhen not to use: " in text and "\n\nExample: " in text


def test_validation_catches_a_broken_document(codebook_xsd: Path) -> None:
    root = etree.fromstring(codebook_to_qdc(Codebook("b", [Code("A", definition="a")]), validate=False))
    root[0][0].set("guid", "nope")
    with pytest.raises(ExchangeError, match="does not validate against Codebook.xsd"):
        validate_xml(root, codebook_xsd)


# ------------------------------------------------------- import from others
FOREIGN = """<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="Other Tool 3">
  <Codes>
    <Code guid="{6F9619FF-8B86-D011-B42D-00C04FC964FF}" name="Bizalom – trust" isCodable="false" color="#ff8800">
      <Description>Plain text from another tool.
Two lines.</Description>
      <Code guid="ABCDEF01-2345-4789-ABCD-EF0123456789" name="Magas bizalom" isCodable="true" color="#0F0"/>
      <Code guid="abcdef01-2345-4789-abcd-ef0123456780" name="日本語のコード" isCodable="true" color="#80FF8800"/>
    </Code>
  </Codes>
  <Sets><Set guid="11111111-2222-4333-8444-555555555555" name="ignored"/></Sets>
</CodeBook>
"""


def test_foreign_qdc_braces_uppercase_and_non_ascii() -> None:
    book = parse_qdc(FOREIGN.encode("utf-8"), name="foreign")
    assert [(c.name, c.parent) for c in book.codes] == [
        ("Bizalom – trust", None), ("Magas bizalom", "Bizalom – trust"), ("日本語のコード", "Bizalom – trust")]
    assert [c.guid for c in book.codes] == [
        "6f9619ff-8b86-d011-b42d-00c04fc964ff", "abcdef01-2345-4789-abcd-ef0123456789",
        "abcdef01-2345-4789-abcd-ef0123456780"]
    assert [c.colour for c in book.codes] == ["#ff8800", "#00ff00", "#ff8800"]  # #RGB and #AARRGGBB accepted
    assert book.codes[0].definition == "Plain text from another tool.\nTwo lines."
    assert not book.codes[0].codable and book.codes[1].codable
    assert not book.require_definitions  # tools without definitions still import


def test_qdc_to_qualcode_and_back_keeps_foreign_guids(codebook_xsd: Path) -> None:
    book = parse_qdc(FOREIGN.encode("utf-8"))
    data = codebook_to_qdc(book, validate=False)
    validate_xml(etree.fromstring(data), codebook_xsd)
    assert b'guid="6f9619ff-8b86-d011-b42d-00c04fc964ff"' in data
    assert same(parse_qdc(data).codes, book.codes)


def test_bad_foreign_codebook_reports_every_problem() -> None:
    bad = FOREIGN.replace('guid="ABCDEF01-2345-4789-ABCD-EF0123456789" name="Magas bizalom"', 'guid="x" name=""')
    bad = bad.replace("abcdef01-2345-4789-abcd-ef0123456780", "6f9619ff-8b86-d011-b42d-00c04fc964ff")
    with pytest.raises(ExchangeError) as info:
        parse_qdc(bad.encode("utf-8"), name="bad.qdc")
    msg = str(info.value)
    assert "3 problem(s)" in msg and "has no name" in msg and "bad or missing guid 'x'" in msg
    assert "is also used by 'Bizalom – trust'" in msg and "line 7" in msg


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<CodeBook", "not well-formed XML"),
        (b'<Project xmlns="urn:QDA-XML:project:1.0"/>', "not a REFI-QDA codebook"),
        (b'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"/>', "has no <Codes>"),
    ],
)
def test_unreadable_qdc(data: bytes, message: str) -> None:
    with pytest.raises(ExchangeError, match=message):
        parse_qdc(data)


def test_sibling_duplicates_in_a_qdc_are_a_codebook_error() -> None:
    dup = FOREIGN.replace("日本語のコード", "Magas bizalom")
    with pytest.raises(CodebookError, match="duplicate name"):
        parse_qdc(dup.encode("utf-8"))


def make_qdpx(path: Path, member: str, codes_xml: str) -> Path:
    qde = ('<?xml version="1.0" encoding="utf-8"?>\n<Project xmlns="urn:QDA-XML:project:1.0" name="Study A" '
           f'origin="MAXQDA 2022"><CodeBook><Codes>{codes_xml}</Codes></CodeBook></Project>')
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(member, qde.encode("utf-8-sig"))  # with a BOM, as NVivo writes
        zf.writestr("sources/x.txt", "text")
    return path


def test_qdpx_with_named_qde(tmp_path: Path) -> None:
    path = make_qdpx(tmp_path / "study.qdpx", "Study A.qde",
                     '<Code guid="{6F9619FF-8B86-D011-B42D-00C04FC964FF}" name="Top" isCodable="true">'
                     '<Description>d</Description><NoteRef targetGUID="6f9619ff-8b86-d011-b42d-00c04fc96400"/>'
                     '<Code guid="6f9619ff-8b86-d011-b42d-00c04fc96401" name="Kid" isCodable="true"/></Code>')
    book = read_qdpx_codebook(path)
    assert book.name == "Study A"
    assert [(c.name, c.parent, c.definition) for c in book.codes] == [("Top", None, "d"), ("Kid", "Top", "")]


def test_qdpx_without_codebook_or_qde(tmp_path: Path) -> None:
    empty = tmp_path / "empty.qdpx"
    with zipfile.ZipFile(empty, "w") as zf:
        zf.writestr("project.qde", '<Project xmlns="urn:QDA-XML:project:1.0" name="x"/>')
    with pytest.raises(ExchangeError, match="has no codebook"):
        read_qdpx_codebook(empty)
    noqde = tmp_path / "noqde.qdpx"
    with zipfile.ZipFile(noqde, "w") as zf:
        zf.writestr("sources/a.txt", "x")
    with pytest.raises(ExchangeError, match="no project.qde"):
        read_qdpx_codebook(noqde)
    notzip = tmp_path / "notzip.qdpx"
    notzip.write_text("hello")
    with pytest.raises(ExchangeError, match="not a .qdpx archive"):
        read_qde_bytes(notzip)


def test_nvivo_export_codebook(nvivo: Path) -> None:
    book = read_qdpx_codebook(nvivo)
    assert len(book.codes) == 152
    top = [c.name for c in book.codes if c.parent is None]
    assert len(top) == 12
    assert top[:2] == ["1. Oltás típusa", "2. Attitűd szint az oltáshoz"] and top[-1] == "Attituderoots"
    assert [c.name for c in book.children(book.find("1. Oltás típusa"))] == ["COVID", "Nem COVID"]
    deep = book.find("HBM 2. Perceived Severity – Észlelt súlyosság", "Betegség kockázatai", "relativizálás, analógiák")
    assert deep.definition == "csak egy nátha"  # trailing newline from NVivo trimmed
    assert deep.guid == "e13da2ab-f0b7-4416-8bdd-ae1dbff963ef"
    assert max(len(p) for p in book.paths()) == 4
    assert book.find("1. Oltás típusa").definition == "COVID vay nem COVID"


def test_nvivo_codebook_exports_valid_qdc(nvivo: Path, codebook_xsd: Path) -> None:
    book = read_qdpx_codebook(nvivo)
    data = codebook_to_qdc(book, validate=False)
    validate_xml(etree.fromstring(data), codebook_xsd)
    assert same(parse_qdc(data).codes, book.codes)


# ------------------------------------------------------ Description layout
def test_description_layout() -> None:
    code = Code("c", definition="Short.", when_to_use="Use.", example='"Quote."', source="Src")
    text = format_description(code)
    assert text == 'Short.\n\nWhen to use: Use.\n\nExample: "Quote."\n\nSource: Src'
    assert parse_description(text) == {"definition": "Short.", "when_to_use": "Use.", "when_not_to_use": "",
                                       "example": '"Quote."', "source": "Src"}
    assert format_description(Code("empty")) == ""
    # A labelled line inside a text is escaped, so it cannot be mistaken for a field.
    tricky = Code("t", definition="Example: not a field\n\\ backslash", when_to_use="a\n\nSource: still use")
    assert parse_description(format_description(tricky))["definition"] == tricky.definition
    assert parse_description(format_description(tricky))["when_to_use"] == tricky.when_to_use
    assert parse_description(format_description(tricky))["source"] == ""


# Texts built from pieces that stress the layout: labels, blank lines, backslashes.
texts = st.lists(st.sampled_from(["a", "b", " ", "\n", "\\", ":", "É", "When to use: ", "Example: ", "Source: ",
                                  "When not to use: ", "\n\n"]), max_size=12).map("".join)


@settings(max_examples=150, deadline=None)
@given(texts, texts, texts, texts, texts)
def test_description_round_trip_is_exact(d: str, w: str, wn: str, e: str, s: str) -> None:
    code = Code("x", definition=d, when_to_use=w, when_not_to_use=wn, example=e, source=s)
    assert parse_description(format_description(code)) == {
        "definition": d, "when_to_use": w, "when_not_to_use": wn, "example": e, "source": s}


# -------------------------------------------------------- GUIDs and colours
def test_guid_and_colour_helpers() -> None:
    assert normalise_guid("{ABCDEF01-2345-4789-ABCD-EF0123456789}") == "abcdef01-2345-4789-abcd-ef0123456789"
    assert not is_guid("{abcdef01-2345-4789-abcd-ef0123456789") and not is_guid("xyz") and not is_guid(None)
    assert colour_to_refi("#0072b2") == "#0072B2" and colour_to_refi(None) is None
    assert colour_from_refi("#0072B2") == "#0072b2" and colour_from_refi("#FF0072B2") == "#0072b2"
    assert colour_from_refi("purple") is None


def test_empty_codebook_cannot_be_exported() -> None:
    with pytest.raises(ExchangeError, match="empty codebook"):
        codebook_to_qdc(Codebook("empty", []))
