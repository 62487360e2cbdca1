"""De-identifying documents in a project: refusal on coded documents, one
transaction, and no original identifier left anywhere in the project file."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from qualcode.cli import main
from qualcode.deid import (
    KnownNames,
    apply_review_to_project,
    checkpoint,
    deidentify_project_documents,
    review_project_documents,
)
from qualcode.errors import ConflictError, StoreError
from qualcode.model import Code
from qualcode.store import Project
from tests.conftest import make_interview
from tests.fixtures import ensure_coders

IDENTIFIERS = [
    "Maria Santos", "Maria", "Santos", "Chinedu", "Okafor", "Ngozi", "Enugu", "Kirkcaldy",
    "maria.santos@example.com", "+44 7700 900123", "7700 900123", "0803 123 4567",
    "12 Adeola Odeku Street", "Adeola Odeku",
]


def study_docs():
    return [
        make_interview(
            "Maria_Santos_interview",
            [
                ("Interviewer", "Thanks for coming, Maria. How do you use the chatbot?"),
                ("Maria", "At night. My sister Ngozi in Enugu thinks it's odd. MARIA'S phone is +44 7700 900123."),
                ("Interviewer", "How can we reach you?"),
                ("Maria", "maria.santos@example.com, or write to 12 Adeola Odeku Street. Chinedu Okafor knows."),
            ],
            participant="P01",
        ),
        make_interview(
            "P02",
            [
                ("Interviewer", "Where are you based?"),
                ("P02", "Kirkcaldy. My cousin Chinedu calls me on 0803 123 4567. I'm 34."),
            ],
            participant="P02",
        ),
    ]


KNOWN = "Maria Santos, P01\nChinedu Okafor\nKirkcaldy,,place\n"


def file_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    for suffix in ("-wal", "-journal", "-shm"):
        side = Path(str(path) + suffix)
        if side.exists():
            data += side.read_bytes()
    return data


def leaked(path: Path, identifiers=IDENTIFIERS) -> list[str]:
    data = file_bytes(path)
    out = []
    for ident in identifiers:
        for enc in ("utf-8", "utf-16-le", "utf-16-be"):
            if ident.encode(enc) in data:
                out.append(f"{ident} ({enc})")
    return out


@pytest.fixture
def study(tmp_path):
    path = tmp_path / "study.qualcode"
    with Project.open(path) as project:
        project.add_documents(study_docs())
        yield project


def test_no_original_identifier_anywhere_in_the_project_file(study, nlp):
    path = Path(study.location)
    assert leaked(path), "the fixture must put identifiers into the file first"
    before = {d.name: d.id for d in study.documents()}
    result = deidentify_project_documents(
        study, ["Maria_Santos_interview", "P02"], known=KnownNames.parse(KNOWN), nlp=nlp, actor="owner"
    )
    assert result.renamed == {"Maria_Santos_interview": "P01_interview"}
    assert not any("write-ahead" in w for w in result.warnings)  # nobody else was reading
    # Same documents (ids, order), new text.
    after = {d.name: d.id for d in study.documents()}
    assert after == {"P01_interview": before["Maria_Santos_interview"], "P02": before["P02"]}
    _, doc = study.document("P01_interview")
    assert [s.speaker for s in doc.segments] == ["Interviewer", "P01", "Interviewer", "P01"]
    assert doc.segments[1].text_in(doc.text).startswith("At night. My sister [PERSON 1] in [PLACE 1]")
    # The event log: counts, never text.
    ev = study.events(limit=1)[0]
    assert ev.action == "documents.deidentify" and ev.actor == "owner"
    assert set(ev.payload) == {"document_ids", "replacements", "renamed"}
    study.close()  # closes the pool; the log was already checkpointed and truncated
    assert leaked(path) == []
    # The key is not in the project either: only placeholders are.
    assert b"[PERSON 1]" in file_bytes(path)


def test_control_plain_update_leaves_the_old_text_in_the_file(tmp_path):
    """Shows the byte search above can fail: without secure_delete SQLite keeps the
    old text in free space after an UPDATE."""
    path = tmp_path / "control.qualcode"
    with Project.open(path) as project:
        project.add_documents(study_docs())
    raw = sqlite3.connect(path)
    raw.execute("PRAGMA secure_delete=OFF")
    raw.execute("UPDATE documents SET text = 'nothing here'")
    raw.commit()
    raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw.close()
    assert leaked(path)


def test_refuses_documents_that_are_already_coded(study):
    study.add_code(Code("Night use"))
    _, doc = study.document("P02")
    ensure_coders(study, "ana")
    study.add_coding("P02", doc.segments[1].start, doc.segments[1].end, "Night use", "ana")
    revision = study.revision()
    with pytest.raises(StoreError, match=r"already coded: 'P02' \(1 codings\)"):
        deidentify_project_documents(study, ["Maria_Santos_interview", "P02"], use_ner=False)
    assert study.revision() == revision  # nothing written
    assert study.document("Maria_Santos_interview")[1].text == study_docs()[0].text


def test_document_coded_or_changed_during_the_review_is_refused(study):
    review = review_project_documents(study, ["P02"], known=KnownNames.parse(KNOWN), use_ner=False)
    study.add_code(Code("Night use"))
    _, doc = study.document("P02")
    ensure_coders(study, "ana")
    study.add_coding("P02", doc.segments[0].start, doc.segments[0].end, "Night use", "ana")
    with pytest.raises(StoreError, match="coded during the review"):
        apply_review_to_project(study, review)
    review.documents[0].text_sha256 = "0" * 64
    with pytest.raises(ConflictError, match="changed since the review"):
        apply_review_to_project(study, review)
    assert study.document("P02")[1].text == doc.text


def test_rejections_and_additions_reach_the_store(study):
    review = review_project_documents(study, ["P02"], known=KnownNames.parse(KNOWN), use_ner=False)
    dr = review.documents[0]
    flags = [p.text != "0803 123 4567" for p in dr.proposals]
    review.set_accepted(0, flags)
    review.add_span(0, "cousin", "person")
    apply_review_to_project(study, review)
    _, doc = study.document("P02")
    body = doc.segments[1].text_in(doc.text)
    assert "0803 123 4567" in body and "cousin" not in body and "Kirkcaldy" not in body


def test_numbering_continues_after_placeholders_already_in_the_project(study):
    deidentify_project_documents(study, ["P02"], known=KnownNames.parse(KNOWN), use_ner=False)
    assert "[PERSON 1]" in study.document("P02")[1].text
    # A second run without the key must not reuse [PERSON 1] for someone else.
    study.add_documents([make_interview("P03", [("Interviewer", "Hi"), ("P03", "Tunde helped.")])])
    deidentify_project_documents(study, ["P03"], known=KnownNames.from_names(["Tunde"]), use_ner=False)
    assert "[PERSON 2] helped." in study.document("P03")[1].text


def test_memo_mentioning_a_removed_name_is_reported_without_quoting_it(study):
    did, _ = study.document("P02")
    study.set_memo("document", did, "Chinedu is the cousin; follow up.")
    result = deidentify_project_documents(study, ["P02"], known=KnownNames.parse(KNOWN), use_ner=False)
    assert any("memo on document" in w for w in result.warnings)
    assert not any("Chinedu" in w for w in result.warnings)


def test_checkpoint_warns_while_another_connection_reads(study):
    reader = sqlite3.connect(study.location)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM documents").fetchone()
    try:
        # The checkpoint waits for the reader as long as the busy timeout allows: keep it short.
        with Project.open(study.location, busy_timeout=0.2) as impatient:
            result = deidentify_project_documents(impatient, ["P02"], known=KnownNames.parse(KNOWN), use_ner=False)
        assert any("write-ahead log" in w for w in result.warnings)
    finally:
        reader.close()
    assert checkpoint(study) == []


# ---------------------------------------------------------------------- CLI
def test_cli_deidentify_with_key_out_and_dry_run(study, tmp_path, capsys):
    names = tmp_path / "names.csv"
    names.write_text(KNOWN, encoding="utf-8")
    key = tmp_path / "private" / "key.csv"
    loc = study.location
    assert main(["deidentify", "-p", loc, "P02", "--known-names", str(names), "--dry-run"]) == 0
    assert "dry run" in capsys.readouterr().out
    assert "Kirkcaldy" in study.document("P02")[1].text
    assert main(["deidentify", "-p", loc, "P02", "--known-names", str(names), "--key-out", str(key), "--labels", "person,place,phone"]) == 0
    out = capsys.readouterr().out
    assert "key saved" in out and "Kirkcaldy" not in out
    text = study.document("P02")[1].text
    assert "[PLACE 1]. My cousin [PERSON 1] calls me on [PHONE]. I'm 34." in text  # ages were not asked for
    assert "Kirkcaldy" in key.read_text(encoding="utf-8")


def test_cli_refuses_coded_documents_and_unknown_labels(study, capsys):
    study.add_code(Code("Night use"))
    _, doc = study.document("P02")
    ensure_coders(study, "ana")
    study.add_coding("P02", doc.segments[1].start, doc.segments[1].end, "Night use", "ana")
    assert main(["deidentify", "-p", study.location, "P02"]) == 1
    assert "already coded" in capsys.readouterr().err
    assert main(["deidentify", "-p", study.location, "P02", "--labels", "shoe"]) == 1
    assert "unknown identifier kind" in capsys.readouterr().err
    assert main(["deidentify", "-p", study.location, "--all", "--labels", "phone"]) == 0
    assert "0803" in study.document("P02")[1].text  # coded: untouched by --all
    assert "[PHONE]" in study.document("Maria_Santos_interview")[1].text


@pytest.fixture(scope="session")
def nlp():
    from qualcode.deid import load_nlp

    return load_nlp()


# ------------------------------------------------------------------- import
TRANSCRIPT = (
    "Interviewer: Thanks for coming, Maria.\n\n"
    "Maria: My sister Ngozi lives in Enugu. Write to maria.santos@example.com or call 0803 123 4567.\n\n"
    "Interviewer: Thank you.\n\n"
    "Maria: Chinedu Okafor says hi.\n"
)


def test_import_path_reads_deidentifies_and_stores_no_identifier(tmp_path, nlp):
    """What `qualcode import --deidentify` does: read, de-identify (all accepted), store."""
    from qualcode import ingest
    from qualcode.deid import deidentify_documents

    src = tmp_path / "Maria_Santos.txt"
    src.write_text(TRANSCRIPT, encoding="utf-8")
    docs = ingest.read_documents(src)
    result = deidentify_documents(docs, known_names=KnownNames.parse(KNOWN), nlp=nlp)
    assert result.renamed == {"Maria_Santos": "P01"}
    path = tmp_path / "import.qualcode"
    with Project.open(path) as project:
        project.add_documents(result.documents)
        _, doc = project.document("P01")
        assert [s.speaker for s in doc.segments] == ["Interviewer", "P01", "Interviewer", "P01"]
        assert doc.source_path is None or "Maria" not in doc.source_path
    assert leaked(path, ["Maria", "Santos", "Ngozi", "Enugu", "example.com", "0803", "Chinedu", "Okafor"]) == []
    key = result.key.save(tmp_path / "key.json")
    assert "Ngozi" in key.read_text(encoding="utf-8")


def _import_has_deidentify() -> bool:
    import typer.main

    from qualcode.cli import app

    cmd = typer.main.get_command(app).commands["import"]
    return any("--deidentify" in p.opts for p in cmd.params)


@pytest.mark.skipif(not _import_has_deidentify(), reason="`qualcode import --deidentify` is not wired in yet")
def test_cli_import_deidentify(tmp_path, capsys):
    src = tmp_path / "Maria_Santos.txt"
    src.write_text(TRANSCRIPT, encoding="utf-8")
    names = tmp_path / "names.csv"
    names.write_text(KNOWN, encoding="utf-8")
    path = tmp_path / "cli.qualcode"
    assert main(["init", str(path)]) == 0
    key = tmp_path / "key.csv"
    args = ["import", str(src), "-p", str(path), "--deidentify", "--known-names", str(names), "--key-out", str(key)]
    assert main(args) == 0
    capsys.readouterr()
    assert key.exists() and "Ngozi" in key.read_text(encoding="utf-8")
    assert leaked(path, ["Maria", "Santos", "Ngozi", "Enugu", "example.com", "0803", "Chinedu", "Okafor"]) == []


def test_apply_on_sqlite_and_postgresql(any_project):
    any_project.add_documents(study_docs())
    result = deidentify_project_documents(
        any_project, ["Maria_Santos_interview", "P02"], known=KnownNames.parse(KNOWN), use_ner=False
    )
    names = [d.name for d in any_project.documents()]
    assert names == ["P01_interview", "P02"]
    for name in names:
        text = any_project.document(name)[1].text
        assert not any(ident in text for ident in ("Maria", "Chinedu", "Kirkcaldy", "0803 123 4567"))
    imports = any_project.events(action_prefix="documents.import")
    assert imports[0].payload["names"] == ["P01_interview", "P02"]  # the old name is gone from the history
    postgres = any_project.engine.dialect.name == "postgresql"
    assert any("VACUUM" in w for w in result.warnings) == postgres
