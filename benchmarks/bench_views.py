"""What a click costs: rendering the long transcript, exports of 2,000 excerpts, analyses."""

from __future__ import annotations

import random
from pathlib import Path

from .data import long_interview_text
from .harness import bench

N_EXCERPTS = 2_000


def _long_coded(work: Path) -> dict:
    """A 25,000-word interview with 2,000 codings over 20 codes (as in a heavily coded study)."""
    from qualcode.ingest import read_documents
    from qualcode.model import Code
    from qualcode.store import Project
    from qualcode.store import schema as S

    path = work / "long.txt"
    path.write_text(long_interview_text(), encoding="utf-8")
    project = Project.open(work / "p.qualcode")
    project.add_documents(read_documents(path))
    project.set_document_participant("long", "P01")
    project.add_code(Code("Theme", codable=False))
    for i in range(20):
        project.add_code(Code(f"code {i:02d}", parent="Theme", definition=f"definition {i}"))
    ids = [c.id for c in project.codes() if c.codable]
    did, doc = project.document("long")
    rng = random.Random(0)
    rows = []
    with project.write("bench.codings", actor="bench") as (conn, _):
        coder = project._coder_id(conn, "ana", create=True)
        for i in range(N_EXCERPTS):
            seg = rng.choice(doc.segments)
            a = rng.randint(seg.start, max(seg.start, seg.end - 40))
            b = min(seg.end, a + rng.randint(20, 200))
            rows.append(dict(project_id=project.id, document_id=did, code_id=rng.choice(ids), coder_id=coder,
                             start=a, end=b, snippet=doc.text[a:b], origin="human", created_at="2026-01-01T00:00:00Z"))
        conn.execute(S.codings.insert().prefix_with("OR IGNORE") if conn.dialect.name == "sqlite" else S.codings.insert(), rows)
    return {"project": project}


@bench("render the 25,000-word transcript (2,000 codings)", group="Coding", setup=_long_coded, repeat=5,
       notes="read document + codings, build the one HTML element")
def render_long(ctx: dict) -> dict:
    from qualcode.ui.render import code_colours, transcript_html

    project = ctx["project"]
    _, doc = project.document("long")
    codings = project.codings(document="long")
    html = transcript_html(doc, codings, code_colours(project.codes()))
    return {"html_kb": round(len(html) / 1024)}


@bench("Word report, 2,000 excerpts", group="Exports", setup=_long_coded, repeat=3, notes="no figures")
def word_report(ctx: dict) -> dict:
    from qualcode.export.docx import ReportOptions, build_report

    report = build_report(ctx["project"], ReportOptions(include_figures=False))
    data = report.to_bytes()
    return {"items": N_EXCERPTS, "item_unit": "excerpts", "kb": round(len(data) / 1024)}


@bench("REFI-QDA .qdpx export, 2,000 excerpts", group="Exports", setup=_long_coded, repeat=3,
       notes="without XSD validation")
def qdpx_export(ctx: dict) -> dict:
    from qualcode.export.qdpx import qdpx_bytes

    data = qdpx_bytes(ctx["project"], validate=False)
    return {"items": N_EXCERPTS, "item_unit": "excerpts", "kb": round(len(data) / 1024)}


@bench("Analyze page data (frames, frequencies, matrix, co-occurrence, saturation)", group="Analysis",
       setup=_long_coded, repeat=3)
def analysis_page(ctx: dict) -> dict:
    from qualcode import analysis

    study = analysis.from_project(ctx["project"])
    study.code_frequencies()
    study.code_participant_matrix()
    study.cooccurrence()
    study.new_codes_per_interview()
    return {}
