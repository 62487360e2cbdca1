"""Project page: open/create, counts, upload preview + one-transaction import,
participants, codebooks (shipped, YAML, REFI-QDA .qdc)."""

from __future__ import annotations

from pathlib import Path

from qualcode.store import Project
from qualcode.ui import importing
from tests.app.conftest import new_app, no_errors, plain, texts

K = "qc.project."
VTT = b"""WEBVTT

00:00:01.000 --> 00:00:04.000
<v Interviewer>What helped, at night?

00:00:05.500 --> 00:00:09.000
<v P07>Honestly the bot, at 3am \xf0\x9f\x98\x94 when nobody else was awake.
"""
TXT = "Interviewer: And the café?\n\nP08: It felt safe there. Naïve, maybe.\n".encode()


def test_counts_and_tabs(project):
    at = new_app("")
    no_errors(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Transcripts"] == "3" and metrics["Codes"] == "4" and metrics["Coders"] == "2"


def test_create_and_open_another_project(tmp_path, project):
    at = new_app("")
    target = tmp_path / "second"
    at.text_input(key=f"{K}location").input(str(target)).run()
    at.button(key=f"{K}open").click().run()
    no_errors(at)
    assert Path(str(target) + ".qualcode").exists()
    assert any("Opened project" in s for s in texts(at.success))
    assert {m.label: m.value for m in at.metric}["Transcripts"] == "0"


def test_upload_previews_files_then_imports_all_in_one_go(project):
    at = new_app("")
    at.file_uploader(key=f"{K}uploads.0").set_value(
        [("P07_call.vtt", VTT, "text/vtt"), ("P08 notes.txt", TXT, "text/plain")]
    ).run()
    no_errors(at)
    labels = [plain(e.label) for e in at.expander]
    assert any("P07_call.vtt: 1 document(s), 2 turns" in lbl for lbl in labels)
    assert any("P08 notes.txt" in lbl for lbl in labels)
    assert any("Speakers detected: Interviewer (1), P07 (1)" in c for c in texts(at.caption))
    button = at.button(key=f"{K}import")
    assert button.label == "Import 2 documents"
    button.click().run()
    no_errors(at)
    names = [d.name for d in project.documents()]
    assert names[-2:] == ["P07_call", "P08 notes"]
    _, doc = project.document("P07_call")
    assert doc.segments[1].timestamp == 5.5 and "😔" in doc.text
    assert any("Imported 2 document" in s for s in texts(at.success))


def test_a_bad_file_is_reported_and_the_good_ones_still_import(project):
    at = new_app("")
    at.file_uploader(key=f"{K}uploads.0").set_value(
        [("broken.json", b"{not json", "application/json"), ("ok.txt", TXT, "text/plain")]
    ).run()
    assert not at.exception
    assert any("broken.json" in e and "malformed JSON" in e for e in texts(at.error))
    at.button(key=f"{K}import").click().run()
    assert "ok" in [d.name for d in project.documents()]


def test_a_name_clash_imports_nothing_and_says_why(project):
    at = new_app("")
    at.file_uploader(key=f"{K}uploads.0").set_value(
        [("P01.txt", TXT, "text/plain"), ("fresh.txt", TXT, "text/plain")]
    ).run()
    at.button(key=f"{K}import").click().run()
    assert any("Nothing was imported" in e and "P01" in e for e in texts(at.error))
    assert "fresh" not in [d.name for d in project.documents()]


def test_preview_helper_never_raises():
    [bad, good] = importing.preview_transcripts([("x.pdf", b"%PDF"), ("a.txt", TXT)])
    assert bad.error and "PDF is not supported" in bad.error and not bad.documents
    assert good.error is None and good.turns == 2 and good.speakers() == [("Interviewer", 1), ("P08", 1)]


def test_participants_csv(project):
    csv = b"pseudonym,country,chatbot,document\nP01,Kenya,Pi,P01.txt\nP02,Chile,ChatGPT,P02\nP99,Peru,Wysa,missing.txt\n"
    at = new_app("")
    at.file_uploader(key=f"{K}people.0").set_value(("people.csv", csv, "text/csv")).run()
    no_errors(at)
    assert any("missing" in w for w in texts(at.warning))
    at.button(key=f"{K}people_import").click().run()
    no_errors(at)
    people = {p.pseudonym: p.attributes for p in project.participants()}
    assert people["P01"] == {"country": "Kenya", "chatbot": "Pi"} and "P99" in people


def test_participants_csv_error_is_a_message(project):
    at = new_app("")
    at.file_uploader(key=f"{K}people.0").set_value(("people.csv", b"name,age\nx,3\n", "text/csv")).run()
    assert not at.exception
    assert any("missing required column" in e for e in texts(at.error))


def test_load_a_shipped_codebook(project):
    shipped = importing.shipped_codebooks()
    assert shipped, "codebooks/ should ship YAML codebooks"
    at = new_app("")
    at.selectbox(key=f"{K}book_shipped").set_value(shipped[0]).run()
    no_errors(at)
    before = len(project.codes())
    at.button(key=f"{K}book_load").click().run()
    no_errors(at)
    assert len(project.codes()) > before
    assert any("Codebook loaded" in s for s in texts(at.success))


def test_load_a_yaml_and_a_qdc_upload(project, tmp_path):
    from qualcode.codebook import Codebook
    from qualcode.refi.qdc import codebook_to_qdc

    yaml_text = (
        "name: Mini\nthemes:\n  - name: Coping\n    definition: Ways of coping.\n    codes:\n"
        "      - name: Breathing\n        definition: Breathing exercises.\n"
    )
    at = new_app("")
    at.radio(key=f"{K}book_source").set_value("From a file").run()
    at.file_uploader(key=f"{K}book_upload.0").set_value(("mini.yaml", yaml_text.encode(), "text/yaml")).run()
    no_errors(at)
    at.button(key=f"{K}book_load").click().run()
    no_errors(at)
    assert "Breathing" in [c.name for c in project.codes()]

    qdc = codebook_to_qdc(Codebook.from_yaml(yaml_text.replace("Breathing", "Grounding")))
    at.file_uploader(key=f"{K}book_upload.1").set_value(("mini.qdc", qdc, "application/xml")).run()
    no_errors(at)
    at.button(key=f"{K}book_load").click().run()
    assert "Grounding" in [c.name for c in project.codes()]


def test_a_bad_codebook_is_a_message(project):
    at = new_app("")
    at.radio(key=f"{K}book_source").set_value("From a file").run()
    at.file_uploader(key=f"{K}book_upload.0").set_value(("bad.yaml", b"name: X\nthemes: 3\n", "text/yaml")).run()
    assert not at.exception
    assert at.error and not [b for b in at.button if b.key == f"{K}book_load"]


def test_no_project_yet_offers_to_create_one(tmp_path, monkeypatch):
    monkeypatch.delenv("QUALCODE_PROJECT", raising=False)
    monkeypatch.delenv("QUALCODE_DATABASE_URL", raising=False)
    at = new_app("", coder=None)
    no_errors(at)
    assert at.text_input(key=f"{K}location").value == ""
    at.text_input(key=f"{K}location").input(str(tmp_path / "new-study")).run()
    at.button(key=f"{K}open").click().run()
    assert Project.open(tmp_path / "new-study.qualcode", create=False).info()["documents"] == 0
