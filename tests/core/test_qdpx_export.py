"""REFI-QDA project export: a valid ``project.qde``, the mapping, and the round trip
export -> import giving back the same documents, codes, codings, memos, participants."""

from __future__ import annotations

import io
import zipfile

from lxml import etree

from qualcode.export.qdpx import export_qdpx, project_to_qde, qdpx_bytes
from qualcode.refi.common import PROJECT_NS, validate_xml
from qualcode.refi.qdpx_import import import_qdpx
from qualcode.store import Project
from tests.core.test_export_excerpts import EMOJI_TURN, coded  # noqa: F401  (fixture)

NS = {"q": PROJECT_NS}


def qde(data: bytes) -> etree._Element:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return etree.fromstring(zf.read("project.qde"))


def test_validates_against_project_xsd(coded, shared_data):
    root, _ = project_to_qde(coded)
    validate_xml(root, shared_data / "refi-qda" / "Project.xsd", source="export")
    # Children in the order the schema demands.
    names = [etree.QName(c).localname for c in root]
    assert names == ["Users", "CodeBook", "Variables", "Cases", "Sources", "Notes", "NoteRef"]


def test_mapping(coded):
    data = qdpx_bytes(coded, validate=False)
    root = qde(data)
    users = {u.get("name"): u.get("guid") for u in root.iterfind("q:Users/q:User", NS)}
    assert set(users) == {"ana", "ben", "consensus"}
    sources = root.findall("q:Sources/q:TextSource", NS)
    assert [s.get("name") for s in sources] == ["P01", "P02", "P03", "P04"]
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for s in sources:
            guid = s.get("guid")
            assert s.get("plainTextPath") == f"internal://{guid}.txt"
            text = zf.read(f"sources/{guid}.txt")
            assert not text.startswith(b"\xef\xbb\xbf") and text.decode("utf-8") == coded.document(s.get("name"))[1].text
    # P04: code-point offsets (the emoji counts one), the coder as creatingUser, a date with T.
    [sel] = sources[3].findall("q:PlainTextSelection", NS)
    text = coded.document("P04")[1].text
    assert text[int(sel.get("startPosition")):int(sel.get("endPosition"))] == "it answered in Portuguese"
    assert text.index("it answered") == text.index(EMOJI_TURN) + EMOJI_TURN.index("it answered")
    [coding] = sel.findall("q:Coding", NS)
    assert coding.get("creatingUser") == users["ben"] and "T" in coding.get("creationDateTime")
    assert coding.find("q:CodeRef", NS).get("targetGUID") == coded.code("Generic replies").guid
    assert sel.get("name") == "it answered in Portuguese"
    # Memos are notes, referenced from the coding, the code, the document and the project.
    notes = {n.get("guid"): n.findtext("q:PlainTextContent", namespaces=NS) for n in root.iterfind("q:Notes/q:Note", NS)}
    assert sorted(notes.values()) == sorted(["Compare with P02.", "Listening without judgement.", "P02 spoke fast.",
                                             "Fictional study for the export tests."])
    refs = [r.get("targetGUID") for r in root.iter(f"{{{PROJECT_NS}}}NoteRef")]
    assert sorted(refs) == sorted(notes)
    # Participants are cases with their attributes and interviews.
    variables = {v.get("guid"): v.get("name") for v in root.iterfind("q:Variables/q:Variable", NS)}
    assert sorted(variables.values()) == ["age_band", "country"]
    case = root.find("q:Cases/q:Case[@name='P02']", NS)
    values = {variables[v.find("q:VariableRef", NS).get("targetGUID")]: v.findtext("q:TextValue", namespaces=NS)
              for v in case.findall("q:VariableValue", NS)}
    assert values == {"country": "Kenya", "age_band": "35-44"}
    assert [r.get("targetGUID") for r in case.findall("q:SourceRef", NS)] == [sources[1].get("guid")]


def test_same_project_same_file(coded):
    strip = lambda d: etree.tostring(qde(d)).decode().split('modifiedDateTime="')[0]  # noqa: E731
    assert strip(qdpx_bytes(coded, validate=False)) == strip(qdpx_bytes(coded, validate=False))


def snapshot(project: Project) -> dict:
    """What a round trip must keep (ids and import dates aside)."""
    docs = {d.id: d.name for d in project.documents()}
    paths = {}
    for c in project.codes():
        paths[c.name] = (paths.get(c.parent, ()) if c.parent else ()) + (c.name,)
    return {
        "documents": {d.name: (project.document(d.id)[1].text, d.participant) for d in project.documents()},
        "speakers": {d.name: [s.speaker for s in project.document(d.id)[1].segments] for d in project.documents()},
        "codes": [(paths[c.name], c.definition, c.codable, c.guid, c.colour) for c in project.codes()],
        "codings": sorted((docs[c.document_id], c.start, c.end, c.code_name, c.coder, c.snippet, c.memo, c.created_at,
                           c.origin, c.origin_detail) for c in project.codings()),
        "participants": [(p.pseudonym, p.attributes) for p in project.participants()],
        "memos": [project.memo("project", project.id)[0]]
                 + [project.memo("code", c.id)[0] for c in project.codes() if project.memo("code", c.id)]
                 + [project.memo("document", d.id)[0] for d in project.documents() if project.memo("document", d.id)],
    }


def test_round_trip(coded, tmp_path):
    path = export_qdpx(coded, tmp_path / "study.qdpx")
    with Project.open(tmp_path / "copy.qualcode") as copy:
        report = import_qdpx(copy, path)
        assert report.unplaced == [] and report.codings == 7
        assert {s.reading for s in report.sources} == {"code points, LF line ends"}
        assert snapshot(copy) == snapshot(coded)
        assert {c.origin for c in copy.codings()} == {"human"}  # qualcode/codings.json carries the origins
        # Exporting the copy again keeps the GUIDs of the sources and codes.
        again = qde(qdpx_bytes(copy, validate=False))
        first = qde(qdpx_bytes(coded, validate=False))
        guids = lambda r: sorted(e.get("guid") for e in r.iter(f"{{{PROJECT_NS}}}TextSource", f"{{{PROJECT_NS}}}Code"))  # noqa: E731
        assert guids(again) == guids(first)
