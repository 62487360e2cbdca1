"""Time to save one coding in a project holding a two-hour (25,000-word) interview."""

from __future__ import annotations

from pathlib import Path

from .data import long_interview_text
from .harness import bench


def _project(work: Path) -> dict:
    from qualcode.ingest import read_documents
    from qualcode.model import Code
    from qualcode.store import Project

    path = work / "long.txt"
    path.write_text(long_interview_text(), encoding="utf-8")
    project = Project.open(work / "p.qualcode")
    project.add_documents(read_documents(path))
    project.add_code(Code("Listening"))
    project.add_coder("bench")
    _, doc = project.document("long")
    return {"project": project, "segments": doc.segments, "i": 0}


@bench("save one coding (25k-word transcript)", group="Coding", repeat=50, setup=_project,
       notes="one transaction incl. snippet check and event row")
def save_coding(ctx: dict) -> dict:
    seg = ctx["segments"][ctx["i"]]
    ctx["i"] += 1
    ctx["project"].add_coding("long", seg.start, seg.end, "Listening", "bench")
    return {}
