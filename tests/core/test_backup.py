"""Backup and restore: consistent snapshots, restore next to the live project."""

from __future__ import annotations

import multiprocessing as mp
import uuid

from qualcode.store import Project
from qualcode.store.backup import backup_project, restore_project
from tests.conftest import make_interview
from tests.fixtures import ensure_coders


def _snapshot(project: Project):
    docs = {d.name: (d.segments, d.codings) for d in project.documents()}
    codings = sorted((c.code_name, c.coder, c.start, c.end, c.snippet, c.memo) for c in project.codings())
    codes = [(c.name, c.parent, c.definition, c.guid) for c in project.codes()]
    return docs, codings, codes, project.participants()


def test_backup_then_restore_gives_the_same_project(any_small_study, tmp_path):
    p = any_small_study
    _, doc = p.document("P01")
    s = doc.text.index("It just listened.")
    ensure_coders(p, "ana")
    coding = p.add_coding("P01", s, s + 17, "Non-judgemental listener", "ana", memo="key quote")
    p.set_memo("code", p.code("Generic replies").id, "watch for leaflets", actor="ana")
    # Move a code under a parent created after it, so the parent has the higher id.
    from qualcode.model import Code

    p.add_code(Code("Later theme", codable=False))
    from qualcode.store import schema as S

    with p.write("codebook.move", actor="ana") as (conn, ev):
        later = p.code("Later theme").id
        conn.execute(S.codes.update().where(S.codes.c.name == "Generic replies", S.codes.c.project_id == p.id).values(parent_id=later))
    out = tmp_path / "backup.qualcode"
    counts = backup_project(p, out)
    assert counts["codings"] == 1 and counts["segments"] == 6
    with Project.open(out, create=False) as copy:
        assert _snapshot(copy) == _snapshot(p)
    restored = restore_project(out, p.location, name=f"restored-{uuid.uuid4().hex[:6]}")
    with restored:
        assert _snapshot(restored) == _snapshot(p)
        assert restored.id != p.id or restored.location != p.location
        assert restored.undo_last("ana") is None  # history is kept, but not undoable
        assert restored.events(limit=1)[0].action == "project.restore"
    assert [c.id for c in p.codings()] == [coding.id]  # the live project is untouched


def test_restore_refuses_an_existing_name(small_study, tmp_path):
    out = tmp_path / "b.qualcode"
    backup_project(small_study, out)
    import pytest

    from qualcode.errors import StoreError

    with pytest.raises(StoreError, match="already exists"):
        restore_project(out, small_study.location, name=small_study.name)
    with pytest.raises(StoreError, match="already exists"):
        backup_project(small_study, out)


def _writer(location: str, n: int) -> None:
    with Project.open(location, create=False) as project:
        _, doc = project.document("big")
        project.add_coder("writer")
        for seg in doc.segments[:n]:
            project.add_coding("big", seg.start, seg.end, "Listening", "writer")


def test_backup_while_someone_codes_is_a_consistent_snapshot(tmp_path):
    location = str(tmp_path / "live.qualcode")
    with Project.open(location) as project:
        from qualcode.model import Code

        project.add_documents([make_interview("big", [("P", f"turn {i} text") for i in range(300)])])
        project.add_code(Code("Listening"))
        ctx = mp.get_context("spawn")
        proc = ctx.Process(target=_writer, args=(location, 300))
        proc.start()
        backups = []
        for i in range(3):
            out = tmp_path / f"b{i}.qualcode"
            backup_project(project, out)
            backups.append(out)
        proc.join(120)
        assert proc.exitcode == 0
    for out in backups:
        with Project.open(out, create=False) as copy:
            n_codings = copy.info()["codings"]
            n_events = len(copy.events(limit=10_000, action_prefix="coding.add"))
            # Every coding in the snapshot has its event and vice versa: nothing half-copied.
            assert n_codings == n_events
