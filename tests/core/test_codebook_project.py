"""Codebooks in and out of a project: the load/merge rule, one transaction, GUID stability."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures import make_interview
from qualcode.data import codebooks_dir
from qualcode.codebook import Codebook
from qualcode.codebook.edit import rename_code
from qualcode.errors import CodebookError
from qualcode.model import Code, ImportedCoding
from qualcode.refi import codebook_to_qdc, parse_qdc, read_qdc, read_qdpx_codebook, write_codebook
from qualcode.store import Project
from tests.fixtures import ensure_coders

ROOT = Path(__file__).resolve().parents[2]
BOOKS = codebooks_dir()

SMALL = """\
name: Small
version: "2"
require_definitions: false
sources: [Song et al. (2025)]
themes:
  - name: Support roles
    definition: Roles users give the chatbot (new text).
    colour: "#0072b2"
    codes:
      - name: Non-judgemental listener
        definition: ""
        example: '"It never judged me."'
      - name: Journal
        definition: A thinking aid.
  - name: Risks
    definition: Things that go wrong.
"""


def test_load_into_fresh_project_keeps_everything(fresh_project: Project) -> None:
    book = Codebook.read_yaml(BOOKS / "therapeutic_alignment.yaml")
    report = book.load_into(fresh_project, actor="ana")
    assert len(report.added) == len(book.codes) and not report.updated
    back = Codebook.from_project(fresh_project)
    fields = ("name", "parent", "definition", "when_to_use", "when_not_to_use", "example", "colour", "source",
              "codable", "guid")
    assert [tuple(getattr(c, f) for f in fields) for c in back.codes] == [
        tuple(getattr(c, f) for f in fields) for c in book.codes]
    assert back.sources == book.sources
    ev = fresh_project.events(action_prefix="codebook.")
    assert len(ev) == 1 and ev[0].action == "codebook.load" and ev[0].actor == "ana"
    assert ev[0].payload["codebook"] == "Therapeutic alignment" and len(ev[0].payload["added"]) == len(book.codes)


def test_merge_rule_updates_descriptions_without_duplicating(small_study: Project) -> None:
    before = {c.name: c for c in small_study.codes()}
    report = Codebook.from_yaml(SMALL, source="small").load_into(small_study, actor="ana")
    after = {c.name: c for c in small_study.codes()}
    assert report.added == ["Support roles > Journal", "Risks"]
    assert report.updated == ["Support roles", "Support roles > Non-judgemental listener"]
    assert len(after) == len(before) + 2
    roles = after["Support roles"]
    assert roles.definition == "Roles users give the chatbot (new text)." and roles.colour == "#0072b2"
    assert roles.guid == before["Support roles"].guid and roles.id == before["Support roles"].id
    listener = after["Non-judgemental listener"]
    # An empty field in the file never erases the project's text; a given one replaces it.
    assert listener.definition == before["Non-judgemental listener"].definition
    assert listener.example == '"It never judged me."'
    # Loading again changes nothing.
    again = Codebook.from_yaml(SMALL).load_into(small_study)
    assert not again.added and not again.updated


def test_codable_kept_for_codes_with_codings(small_study: Project) -> None:
    ensure_coders(small_study, "ana")
    small_study.add_coding("P01", *_span(small_study, "P01", "It just listened."), "Generic replies", "ana")
    text = ("name: F\nthemes:\n  - name: Generic replies\n    definition: Now a folder.\n")
    report = Codebook.from_yaml(text).load_into(small_study)
    assert small_study.code("Generic replies").codable
    assert small_study.code("Generic replies").definition == "Now a folder."
    assert report.notes == ["Generic replies: kept codable because it has codings"]


def test_load_is_one_transaction(small_study: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    n_codes, n_events = len(small_study.codes()), len(small_study.events(limit=1000))
    bad = Codebook("Bad", [Code("New theme", definition="x"), Code("Bad colour", parent="New theme",
                                                                    definition="y", colour="nope")])
    with pytest.raises(CodebookError, match="bad colour"):
        bad.load_into(small_study)
    # A failure halfway through the writes (after the first insert) rolls everything back.
    used = small_study.code("Rehearsal space").guid

    def disk_full() -> str:
        raise RuntimeError("disk full")

    monkeypatch.setattr("qualcode.codebook.book.new_guid", disk_full)
    halfway = Codebook("Halfway", [Code("First new", definition="x"), Code("Second", definition="y", guid=used)])
    with pytest.raises(RuntimeError, match="disk full"):
        halfway.load_into(small_study)
    assert len(small_study.codes()) == n_codes and len(small_study.events(limit=1000)) == n_events


def test_guid_already_used_elsewhere_gets_a_new_one(small_study: Project) -> None:
    used = small_study.code("Rehearsal space").guid
    book = Codebook("G", [Code("Another", definition="x", guid=used)])
    report = book.load_into(small_study)
    assert small_study.code("Another").guid != used
    assert "GUID already used" in report.notes[0]


def test_guids_are_stable_across_exports_and_renames(small_study: Project) -> None:
    first = codebook_to_qdc(Codebook.from_project(small_study), validate=False)
    second = codebook_to_qdc(Codebook.from_project(small_study), validate=False)
    assert first == second
    guid = small_study.code("Rehearsal space").guid
    rename_code(small_study, "Rehearsal space", "Rehearsal")
    renamed = parse_qdc(codebook_to_qdc(Codebook.from_project(small_study), validate=False))
    assert renamed.find("Support roles", "Rehearsal").guid == guid


def test_qdc_round_trip_through_a_project(fresh_project: Project, tmp_path: Path) -> None:
    book = Codebook.read_yaml(BOOKS / "empathy_epitome.yaml")
    book.load_into(fresh_project)
    out = tmp_path / "out.qdc"
    write_codebook(Codebook.from_project(fresh_project), out)
    with Project.open(tmp_path / "other.qualcode") as other:
        read_qdc(out).load_into(other)
        assert [(c.name, c.parent, c.guid, c.definition, c.example, c.colour) for c in other.codes()] == [
            (c.name, c.parent, c.guid, c.definition, c.example, c.colour) for c in book.codes]


def test_yaml_export_of_a_project_round_trips(small_study: Project, tmp_path: Path) -> None:
    out = tmp_path / "book.yaml"
    write_codebook(Codebook.from_project(small_study), out)
    book = Codebook.read_yaml(out)
    assert [(c.name, c.parent, c.guid, c.codable) for c in book.codes] == [
        (c.name, c.parent, c.guid, c.codable) for c in small_study.codes()]
    report = book.load_into(small_study)
    assert not report.added and not report.updated


def test_mi_codebook_fills_annomi_codes(fresh_project: Project) -> None:
    """The AnnoMI importer makes codes named by the CSV value under a parent named by the column;
    loading mi_behaviours.yaml must describe those codes, not duplicate them."""
    doc = make_interview("annomi-0", [("therapist", "Is it okay if I take a look?"), ("client", "Sure.")])
    doc.codings = [
        ImportedCoding(0, "question", "annomi-expert", theme="main_therapist_behaviour"),
        ImportedCoding(1, "neutral", "annomi-expert", theme="client_talk_type"),
    ]
    fresh_project.add_documents([doc])
    imported = {(c.parent, c.name): c for c in fresh_project.codes()}
    assert len(imported) == 4
    book = Codebook.read_yaml(BOOKS / "mi_behaviours.yaml")
    report = book.load_into(fresh_project)
    codes = {(c.parent, c.name): c for c in fresh_project.codes()}
    assert len(codes) == len(book.codes)  # nothing duplicated
    question = codes[("main_therapist_behaviour", "question")]
    assert question.id == imported[("main_therapist_behaviour", "question")].id
    assert question.definition.startswith("The therapist asks")
    assert not codes[(None, "main_therapist_behaviour")].codable  # themes become folders
    assert len(fresh_project.codings(code_ids=[question.id])) == 1
    assert "main_therapist_behaviour > question" in report.updated


def test_nvivo_codebook_loads_into_a_project(fresh_project: Project, shared_data: Path) -> None:
    book = read_qdpx_codebook(shared_data / "refi-qda" / "nvivo12-oltas0517.qdpx")
    book.load_into(fresh_project)
    codes = fresh_project.codes()
    assert len(codes) == 152
    assert fresh_project.code("COVID").parent == "1. Oltás típusa"
    assert fresh_project.code("COVID").guid == "7142c1bf-1bbe-4073-88dd-ae1dbfec9f8f"


def _span(project: Project, doc: str, text: str) -> tuple[int, int]:
    _, d = project.document(doc)
    start = d.text.index(text)
    return start, start + len(text)
