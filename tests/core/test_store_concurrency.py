"""Several processes coding one SQLite project at once lose nothing and duplicate nothing."""

from __future__ import annotations

import multiprocessing as mp

from qualcode.store import Project
from tests.conftest import make_interview

WORKERS = 4
PER_WORKER = 15


def _code_many(location: str, coder: str, spans: list[tuple[int, int]]) -> None:
    with Project.open(location, create=False) as project:
        for start, end in spans:
            project.add_coding("P01", start, end, "Listening", coder)


def test_parallel_coders_each_coding_exactly_once(tmp_path):
    location = str(tmp_path / "team.qualcode")
    turns = [("P01", f"turn number {i} about feeling heard") for i in range(PER_WORKER)]
    with Project.open(location) as project:
        project.add_documents([make_interview("P01", turns)])
        from qualcode.model import Code

        project.add_code(Code("Listening"))
        _, doc = project.document("P01")
        spans = [(s.start, s.end) for s in doc.segments]
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_code_many, args=(location, f"coder{w}", spans)) for w in range(WORKERS)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    with Project.open(location, create=False) as project:
        codings = project.codings()
        assert len(codings) == WORKERS * PER_WORKER
        keys = {(c.coder, c.start, c.end) for c in codings}
        assert len(keys) == WORKERS * PER_WORKER
        assert len(project.events(limit=1000, action_prefix="coding.add")) == WORKERS * PER_WORKER
