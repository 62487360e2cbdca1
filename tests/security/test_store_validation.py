"""Hostile values reach the store: NUL characters and over-long names.

On PostgreSQL these used to raise ``sqlalchemy.exc.DataError`` with the SQL
parameters (transcript text) in the message, and an import with participants
committed the documents before the participants failed. Now every write checks its
values first (same rules on both backends), names the file and field, and the
database never echoes parameters.
"""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import create_engine, insert, text
from sqlalchemy.exc import SQLAlchemyError

from qualcode.cli import main
from qualcode.errors import QualcodeError
from qualcode.model import Code, Document, Participant, Segment
from qualcode.store import Project
from qualcode.store import schema as S
from tests.conftest import make_interview, postgres_url

MARKER = "ZEBRA-7731-TRANSCRIPT-MARKER"


def _doc(**changes) -> Document:
    doc = make_interview("P09", [("Interviewer", "How was it?"), ("P09", f"{MARKER} it was fine.")])
    for key, value in changes.items():
        setattr(doc, key, value)
    return doc


def _nul_doc() -> Document:
    doc = _doc()
    doc.text = doc.text.replace("fine", "fi\x00e")
    return doc


def _long_speaker_doc() -> Document:
    doc = _doc()
    doc.segments[1] = Segment(doc.segments[1].start, doc.segments[1].end, "S" * 201)
    return doc


@pytest.mark.parametrize(
    "write, words",
    [
        (lambda p: p.add_documents([_nul_doc()]), ["P09", "text", "NUL"]),
        (lambda p: p.add_documents([_doc(name="N" * 301)]), ["name", "300"]),
        (lambda p: p.add_documents([_long_speaker_doc()]), ["P09", "speaker", "200"]),
        (lambda p: p.add_documents([_doc(participant="Q" * 201)]), ["P09", "participant", "200"]),
        (lambda p: p.add_documents([_doc(source_path="x\x00.txt")]), ["P09", "source", "NUL"]),
        (lambda p: p.add_coder("C" * 201), ["coder", "200"]),
        (lambda p: p.add_coder("ana\x00"), ["coder", "NUL"]),
        (lambda p: p.add_code(Code("K" * 301)), ["code", "name", "300"]),
        (lambda p: p.add_code(Code("Fine", definition=f"{MARKER}\x00")), ["definition", "NUL"]),
        (lambda p: p.upsert_participants([(Participant("Q" * 201, {}), [])]), ["pseudonym", "200"]),
        (lambda p: p.upsert_participants([(Participant("Q9", {"age": "4\x000"}), [])]), ["Q9", "age", "NUL"]),
        (lambda p: p.set_memo("project", p.id, f"{MARKER}\x00"), ["memo", "NUL"]),
    ],
    ids=["nul-text", "long-document-name", "long-speaker", "long-participant", "nul-source", "long-coder",
         "nul-coder", "long-code-name", "nul-definition", "long-pseudonym", "nul-attribute", "nul-memo"],
)
def test_bad_values_get_a_clear_error_and_change_nothing(any_project, write, words):
    before = any_project.info(), any_project.revision()
    with pytest.raises(QualcodeError) as caught:
        write(any_project)
    message = str(caught.value)
    # Checked before the database was asked, not translated from its error afterwards.
    assert not isinstance(caught.value.__cause__, SQLAlchemyError)
    for word in words:
        assert word in message, message
    assert MARKER not in message and "\x00" not in message
    assert len(message) < 300 and "\n" not in message
    assert (any_project.info(), any_project.revision()) == before


def test_a_coding_by_an_overlong_coder_is_refused(any_project):
    any_project.add_documents([_doc()])
    any_project.add_code(Code("Fine"))
    with pytest.raises(QualcodeError, match="coder.*200"):
        any_project.add_coding("P09", 0, 5, "Fine", "C" * 201)
    assert any_project.info()["codings"] == 0 and any_project.info()["coders"] == 0


def test_the_database_never_echoes_sql_parameters(any_project):
    """Even an error the checks did not foresee must not print what was being written."""
    with pytest.raises(SQLAlchemyError) as caught, any_project.engine.begin() as conn:
        conn.execute(insert(S.projects).values(name=any_project.name, description=MARKER, created_at=MARKER))
    assert MARKER not in str(caught.value)
    assert "hidden" in str(caught.value)


# ------------------------------------------------------------------ command line
@pytest.fixture(params=["sqlite", "postgresql"])
def cli_project(request, tmp_path):
    """A location the CLI opens with ``-p``: a SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        location = str(tmp_path / "study.qualcode")
        Project.open(location).close()
        yield location
        return
    url = postgres_url() or pytest.skip("no PostgreSQL server: set QUALCODE_TEST_POSTGRES_URL (.ci/run does)")
    db = f"qc_cli_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{db}"'))
    location = url.rsplit("/", 1)[0] + "/" + db
    Project.open(location).close()
    try:
        yield location
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
        admin.dispose()


def _run(args, capsys):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def _info(location):
    with Project.open(location, create=False) as project:
        return project.info()


def test_import_with_bad_participants_commits_nothing(cli_project, tmp_path, capsys):
    transcript = tmp_path / "P09.txt"
    transcript.write_text(f"Interviewer: How was it?\n\nP09: {MARKER} it was fine.\n", encoding="utf-8")
    people = tmp_path / "long_names.csv"
    people.write_text("pseudonym,document\n" + "Q" * 250 + ",P09\n", encoding="utf-8")
    code, out, err = _run(["import", "-p", cli_project, transcript, "--participants", people], capsys)
    assert code == 1
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert "long_names.csv" in err and "pseudonym" in err
    assert MARKER not in out + err and "Q" * 201 not in err
    assert _info(cli_project)["documents"] == 0  # the document went back out with the participants


def test_a_failed_import_never_prints_transcript_text(cli_project, tmp_path, capsys):
    chat = tmp_path / "chat.json"
    chat.write_text(json.dumps([{"role": "user", "content": f"{MARKER} hi \u0000 there"},
                                {"role": "assistant", "content": "ok"}]), encoding="utf-8")
    code, out, err = _run(["import", "-p", cli_project, chat], capsys)
    assert code == 1
    assert MARKER not in out + err and "Traceback" not in err and "[parameters" not in err
    assert "chat" in err and "NUL" in err
    assert _info(cli_project)["documents"] == 0
