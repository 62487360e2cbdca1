"""Renaming, deleting and linking a transcript: store (SQLite and PostgreSQL), the
event log, the refusal when codings exist, the ownership gate, and the CLI."""

from __future__ import annotations

import pytest

from qualcode.cli import main
from qualcode.errors import PermissionDenied, StoreError
from qualcode.store import Project
from tests.core.test_accounts import team  # noqa: F401  (the team-mode fixture)
from tests.fixtures import fill_small_study


def events(project: Project, action: str):
    return [e for e in reversed(project.events()) if e.action == action]


def test_rename_keeps_codings_and_is_logged(any_small_study):
    p = any_small_study
    p.add_coder("ana")
    _, doc = p.document("P01")
    p.add_coding("P01", doc.segments[1].start, doc.segments[1].end, "Generic replies", "ana")
    p.rename_document("P01", "  P01_interview ", actor="ana")
    did, renamed = p.document("P01_interview")
    assert renamed.text == doc.text and len(p.codings(document=did)) == 1
    assert events(p, "document.rename")[-1].payload == {"old": "P01", "new": "P01_interview"}
    with pytest.raises(StoreError, match="already in the project"):
        p.rename_document("P01_interview", "P02")
    with pytest.raises(StoreError, match="needs a name"):
        p.rename_document("P02", "  ")
    assert [d.name for d in p.documents()] == ["P01_interview", "P02"]


def test_delete_is_refused_with_codings_unless_forced(any_small_study):
    p = any_small_study
    p.add_coder("ana")
    _, doc = p.document("P01")
    p.add_coding("P01", doc.segments[1].start, doc.segments[1].end, "Generic replies", "ana")
    p.set_memo("document", p.document("P01")[0], "note", actor="ana")
    before = len(p.events())
    with pytest.raises(StoreError, match="has 1 coding"):
        p.delete_document("P01")
    assert len(p.events()) == before and [d.name for d in p.documents()] == ["P01", "P02"]
    assert p.delete_document("P01", force=True, actor="ana") == 1
    assert [d.name for d in p.documents()] == ["P02"] and p.codings() == []
    ev = events(p, "document.delete")[-1]
    assert ev.payload == {"name": "P01", "codings": 1, "decisions": 0, "coders": ["ana"], "turns": 4}
    assert ev.actor == "ana" and "listened" not in str(ev.payload)  # no transcript text in the log
    assert p.delete_document("P02") == 0 and p.documents() == []
    assert p.info()["segments"] == 0


def test_team_mode_only_an_owner_renames_or_deletes(team):
    loc, owner, names = team
    _, doc = owner.document("P01")
    with Project.open(loc, name=owner.name, create=False, user=names["carl"]) as carl:
        carl.add_coding("P01", doc.segments[1].start, doc.segments[1].end, "Generic replies", names["carl"])
        with pytest.raises(PermissionDenied, match="document.delete needs the owner role"):
            carl.delete_document("P01", force=True)
        with pytest.raises(PermissionDenied, match="document.rename needs the owner role"):
            carl.rename_document("P01", "X")
    # The owner may delete a coder's work with the transcript; the log names the acting account.
    assert owner.delete_document("P01", force=True) == 1
    assert events(owner, "document.delete")[-1].actor == names["olga"]


def test_cli_rename_delete_link(tmp_path, capsys):
    path = tmp_path / "s.qualcode"
    with Project.open(path) as p:
        fill_small_study(p, coders=("ana",))
        _, doc = p.document("P02")
        p.add_coding("P02", doc.segments[1].start, doc.segments[1].end, "Rehearsal space", "ana")

    def run(*args):
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return code, out, err

    assert run("transcript", "rename", "P01", "Interview 1", "-p", path)[0] == 0
    code, out, _ = run("transcript", "link", "Interview 1", "P09", "-p", path)
    assert code == 0 and "P09" in out
    code, _, err = run("transcript", "delete", "P02", "-p", path, "--yes")
    assert code != 0 and "has 1 coding" in err and len(err.strip().splitlines()) == 1
    code, out, _ = run("transcript", "delete", "P02", "-p", path, "--yes", "--force")
    assert code == 0 and "1 coding(s) deleted" in out
    with Project.open(path, create=False) as p:
        assert [(d.name, d.participant) for d in p.documents()] == [("Interview 1", "P09")]
        assert [e.action for e in p.events()][:3] == ["document.delete", "document.participant", "document.rename"]


def test_rename_and_merge_speakers_in_one_transcript_or_everywhere(any_small_study):
    p = any_small_study
    assert p.speakers() == {"Interviewer": 3, "P01": 2, "P02": 1}
    assert p.rename_speaker("Interviewer", "Moderator", document="P02", actor="ana") == 1
    assert p.speakers("P02") == {"Moderator": 1, "P02": 1} and p.speakers("P01")["Interviewer"] == 2
    # Renaming onto an existing label merges the two speakers across the project.
    assert p.rename_speaker("Moderator", "Interviewer") == 1
    assert p.rename_speaker("P02", "P01") == 1
    assert p.speakers() == {"Interviewer": 3, "P01": 3}
    _, doc = p.document("P02")
    assert [s.speaker for s in doc.segments] == ["Interviewer", "P01"] and doc.text.startswith("Interviewer: ")
    ev = events(p, "document.speaker")
    assert [e.payload["scope"] for e in ev] == ["document", "project", "project"]
    with pytest.raises(Exception, match="no speaker 'Nobody'"):
        p.rename_speaker("Nobody", "X")
    with pytest.raises(StoreError, match="needs a label"):
        p.rename_speaker("P01", " ")


def test_cli_speaker(tmp_path, capsys):
    path = tmp_path / "s.qualcode"
    with Project.open(path) as p:
        fill_small_study(p)
    assert main(["transcript", "speaker", "Interviewer", "I", "-p", str(path), "-d", "P01"]) == 0
    assert "relabelled 2 turn(s)" in capsys.readouterr().out
    with Project.open(path, create=False) as p:
        assert p.speakers() == {"I": 2, "Interviewer": 1, "P01": 2, "P02": 1}
