"""REFI-QDA round trips that must lose nothing.

* qualcode -> .qdpx -> qualcode: documents, turns and speakers, codes with colours,
  codings with coder, origin, memo and date, every memo, participants with their
  attributes, sets and coders (also one who coded nothing);
* the real NVivo 12 sample -> qualcode -> .qdpx -> qualcode keeps all 303 codings;
* the same sample with its plain-text files emptied (as NVivo for Mac exports: one
  byte) imports all 303 codings from the rich-text .docx files, each snippet the
  same as from the plain text.
"""

from __future__ import annotations

import io
import uuid
import zipfile

import pytest
from lxml import etree

from qualcode.codebook.edit import declare_variable
from qualcode.export.qdpx import export_qdpx, qdpx_bytes
from qualcode.model import Code
from qualcode.refi.common import PROJECT_NS, validate_xml
from qualcode.refi.qdpx_import import import_qdpx
from qualcode.store import Project
from qualcode.store.queries import exchange_rows
from qualcode.store.sets import ProjectSet, project_sets, save_sets
from qualcode.store.speakers import confirm_speaker_roles, confirmed_speaker_roles
from tests.refi_fixtures import build, shapes
from tests.conftest import POSTGRES_URL_ENV, postgres_url
from tests.core.test_export_excerpts import coded, span  # noqa: F401  (fixture)

NVIVO = "refi-qda/nvivo12-oltas0517.qdpx"
NS = {"q": PROJECT_NS}


def everything(project: Project) -> dict:
    """All a round trip must keep, by names (store ids differ between projects)."""
    docs = {d.id: d.name for d in project.documents()}
    codes = {c.id: c for c in project.codes()}
    paths = {}
    for c in project.codes():
        paths[c.name] = (paths.get(c.parent, ()) if c.parent else ()) + (c.name,)
    return {
        "documents": {d.name: (project.document(d.id)[1].text, d.participant) for d in project.documents()},
        # A copy also remembers each document's REFI GUID (so exporting it again keeps them).
        "records": {d.name: (doc.source_format, doc.source_path,
                             {k: v for k, v in doc.metadata.items() if k != "refi_guid"})
                    for d in project.documents() for doc in [project.document(d.id)[1]]},
        "description": exchange_rows(project)[0][0],
        "turns": {d.name: [(s.start, s.end, s.speaker, s.timestamp, s.end_timestamp)
                           for s in project.document(d.id)[1].segments] for d in project.documents()},
        "codes": [(paths[c.name], c.definition, c.when_to_use, c.when_not_to_use, c.example, c.codable, c.guid, c.colour,
                   c.exclusive, c.ordered, c.level) for c in project.codes()],
        "codings": sorted((docs[c.document_id], c.start, c.end, c.code_name, c.coder, c.snippet, c.memo, c.created_at,
                           c.origin, c.origin_detail) for c in project.codings()),
        "participants": sorted((p.pseudonym, p.attributes) for p in project.participants()),
        "memos": {
            "project": project.memo("project", project.id),
            "codes": {c.name: project.memo("code", c.id)[0] for c in codes.values() if project.memo("code", c.id)},
            "documents": {d.name: project.memo("document", d.id)[0] for d in project.documents()
                          if project.memo("document", d.id)},
        },
        "sets": [(s.name, s.description, sorted(docs[d] for d in s.documents), sorted(codes[c].name for c in s.codes))
                 for s in project_sets(project)],
        "coders": sorted(project.coders()),
        "speaker_roles": confirmed_speaker_roles(project),
    }


@pytest.fixture
def rich(coded: Project) -> Project:  # noqa: F811
    """The coded study plus what the plain fixture lacks: a suggestion accepted with its
    detail, a colour, a coder who coded nothing yet, and two sets."""
    coded.add_code(Code("Night use", colour="#3366cc", definition="Using it at night.", when_to_use="Any hour after 11pm."))
    coded.add_coder("cara")
    coded.add_coding("P04", *span(coded, "P04", 1, "At 3am"), "Night use", "ben", origin="suggestion",
                     origin_detail="suggest/definition+logreg 1", memo="Accepted at 0.81.")
    save_sets(coded, [ProjectSet("Night interviews", "Interviews that mention the night.",
                                 [coded.document("P01")[0], coded.document("P04")[0]], [coded.code("Night use").id]),
                      ProjectSet("Empty set")])
    confirm_speaker_roles(coded, {"Interviewer": "interviewer", "P01": "participant"})
    declare_variable(coded, "Support roles", ordered=True, levels=["Rehearsal space", "Non-judgemental listener"])
    return coded


def test_qualcode_round_trip_loses_nothing(rich, tmp_path, shared_data):
    before = everything(rich)
    assert {c[8] for c in before["codings"]} == {"human", "suggestion"} and len(before["sets"]) == 2
    assert before["speaker_roles"] == {"Interviewer": "interviewer", "P01": "participant"}
    assert [c[8:] for c in before["codes"] if c[0][0] == "Support roles"] == [(True, True, None), (False, False, 2.0),
                                                                               (False, False, 1.0)]
    path = export_qdpx(rich, tmp_path / "study.qdpx", validate=True)
    with zipfile.ZipFile(path) as zf:
        root = etree.fromstring(zf.read("project.qde"))
    validate_xml(root, shared_data / "refi-qda" / "Project.xsd", source="export")
    [night] = root.findall("q:Sets/q:Set[@name='Night interviews']", NS)
    assert len(night.findall("q:MemberSource", NS)) == 2 and len(night.findall("q:MemberCode", NS)) == 1
    assert root.find("q:CodeBook//q:Code[@name='Night use']", NS).get("color") == "#3366CC"
    with Project.open(tmp_path / "copy.qualcode") as copy:
        report = import_qdpx(copy, path)
        assert report.unplaced == [] and report.skipped == [] and report.sets == ["Night interviews", "Empty set"]
        assert "cara" in report.users
        after = everything(copy)
    assert after == before


def test_a_second_round_trip_gives_the_same_file(rich, tmp_path):
    first = qdpx_bytes(rich, validate=False)
    (tmp_path / "a.qdpx").write_bytes(first)
    with Project.open(tmp_path / "copy.qualcode", name=rich.name) as copy:
        import_qdpx(copy, tmp_path / "a.qdpx")
        second = qdpx_bytes(copy, validate=False)

    def body(data: bytes) -> dict:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            out = {n: zf.read(n) for n in zf.namelist()}
        root = etree.fromstring(out.pop("project.qde"))
        for attr in ("modifiedDateTime", "creationDateTime"):
            root.attrib.pop(attr, None)
        for src in root.iter(f"{{{PROJECT_NS}}}TextSource"):
            src.attrib.pop("creationDateTime", None)  # the import date of the copy
        return {"qde": etree.tostring(root), **out}

    a, b = body(first), body(second)
    assert a.keys() == b.keys()
    assert a["qde"].decode().splitlines() == b["qde"].decode().splitlines()
    assert a == b


# ------------------------------------------------------------------ real NVivo
def _snippets(project: Project) -> list[tuple[str, str, str, str]]:
    return sorted((c.code_name, c.coder, c.snippet, c.created_at) for c in project.codings())


def test_nvivo_sample_round_trip_keeps_all_303_codings(shared_data, tmp_path):
    with Project.open(tmp_path / "a.qualcode") as a:
        import_qdpx(a, shared_data / NVIVO)
        first = _snippets(a)
        out = export_qdpx(a, tmp_path / "again.qdpx", validate=True)
        origins = {(c.origin, c.origin_detail) for c in a.codings()}
    assert len(first) == 303 and origins == {("imported", "qdpx:NVivo for Windows 12.6")}
    with Project.open(tmp_path / "b.qualcode") as b:
        report = import_qdpx(b, out)
        assert report.codings == 303 and report.unplaced == []
        assert _snippets(b) == first
        assert {(c.origin, c.origin_detail) for c in b.codings()} == origins  # still says where they came from
        assert report.users == ["Gergo", "floriansipos"]


def test_nvivo_mac_shape_rich_text_only(shared_data, tmp_path):
    """NVivo for Mac writes 1-byte plain-text files; the .docx holds the text. The real
    sample's .docx files, read paragraph by paragraph, place all 303 selections under
    NVivo's UTF-16 + CRLF counting, each on exactly the text the plain file gives."""
    mac = tmp_path / "mac.qdpx"
    with zipfile.ZipFile(shared_data / NVIVO) as src, zipfile.ZipFile(mac, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            dst.writestr(name, b"\n" if name.endswith(".txt") else src.read(name))
    with Project.open(tmp_path / "plain.qualcode") as plain:
        import_qdpx(plain, shared_data / NVIVO)
        expected = _snippets(plain)
    with Project.open(tmp_path / "mac.qualcode") as project:
        report = import_qdpx(project, mac)
        assert report.codings == 303 and report.unplaced == []
        coded = next(s for s in report.sources if s.selections)
        assert (coded.text_from, coded.placed, coded.reading) == ("rich text (.docx)", 303,
                                                                  "UTF-16 code units, CRLF line ends")
        assert _snippets(project) == expected
        assert all(project.document(d.id)[1].metadata["refi_text_from"] == "rich text (.docx)" for d in project.documents())


@pytest.mark.parametrize("shape", shapes())
def test_every_tool_shape_survives_a_trip_through_qualcode(shape, tmp_path, shared_data):
    """What came in from NVivo, ATLAS.ti, MAXQDA, QualCoder... goes out valid and comes
    back whole: PDF pages, document variables, comments, sets, coders, descriptions."""
    with Project.open(tmp_path / "a.qualcode", name="trip") as a:
        import_qdpx(a, build(shape, tmp_path))
        before = everything(a)
        out = export_qdpx(a, tmp_path / "out.qdpx", validate=True)
    with Project.open(tmp_path / "b.qualcode", name="trip") as b:
        report = import_qdpx(b, out)
        assert report.unplaced == [] and report.skipped == []
        assert everything(b) == before


def test_imported_speaker_roles_never_override_roles_confirmed_here(rich, tmp_path):
    path = export_qdpx(rich, tmp_path / "study.qdpx", validate=False)
    with Project.open(tmp_path / "copy.qualcode") as copy:
        confirm_speaker_roles(copy, {"Interviewer": "participant"})
        import_qdpx(copy, path)
        assert confirmed_speaker_roles(copy) == {"Interviewer": "participant", "P01": "participant"}


def test_round_trip_into_postgresql(rich, tmp_path):
    """The same file comes back whole into a PostgreSQL project (sets, roles and memo
    authors live in JSON payloads and plain columns both dialects read alike)."""
    url = postgres_url()
    if not url:
        pytest.skip(f"no PostgreSQL server: set {POSTGRES_URL_ENV} (.ci/run does)")
    before = everything(rich)
    path = export_qdpx(rich, tmp_path / "study.qdpx", validate=False)
    with Project.open(url, name=f"test-{uuid.uuid4().hex[:12]}") as target:
        report = import_qdpx(target, path)
        assert report.unplaced == [] and report.skipped == []
        assert everything(target) == before
