"""Several processes coding one SQLite project at once lose nothing and duplicate nothing."""

from __future__ import annotations

import multiprocessing as mp
import uuid

import pytest

from qualcode.store import Project
from tests.conftest import make_interview, postgres_url

WORKERS = 4
PER_WORKER = 15


def _code_many(location: str, name: str, coder: str, spans: list[tuple[int, int]]) -> None:
    with Project.open(location, name=name, create=False) as project:
        project.add_coder(coder)  # each worker adds its own coder, as a researcher would
        for start, end in spans:
            project.add_coding("P01", start, end, "Listening", coder)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_parallel_coders_each_coding_exactly_once(tmp_path, backend):
    if backend == "sqlite":
        location = str(tmp_path / "team.qualcode")
    else:
        location = postgres_url() or pytest.skip("no PostgreSQL server (set QUALCODE_TEST_POSTGRES_URL)")
    name = f"team-{uuid.uuid4().hex[:10]}"
    turns = [("P01", f"turn number {i} about feeling heard") for i in range(PER_WORKER)]
    with Project.open(location, name=name) as project:
        project.add_documents([make_interview("P01", turns)])
        from qualcode.model import Code

        project.add_code(Code("Listening"))
        _, doc = project.document("P01")
        spans = [(s.start, s.end) for s in doc.segments]
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_code_many, args=(location, name, f"coder{w}", spans)) for w in range(WORKERS)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    with Project.open(location, name=name, create=False) as project:
        codings = project.codings()
        assert len(codings) == WORKERS * PER_WORKER
        keys = {(c.coder, c.start, c.end) for c in codings}
        assert len(keys) == WORKERS * PER_WORKER
        assert len(project.events(limit=1000, action_prefix="coding.add")) == WORKERS * PER_WORKER
