"""Fresh suggestions (issue 21): how long after one new coding until the suggestions reflect it.

``Suggester.refresh()`` refits on the coder's current codings (no cross-validation) and
rescores every excerpt; the Suggestions page runs it on the rerun after a coding. Each
run adds one coding (a turn of an already coded transcript, with a code of the coder),
then times ``refresh()``; the full ``Suggester.build`` (with calibration) is the reference.
Vectors are cached in the set-up, as after a first build.
"""

from __future__ import annotations

from pathlib import Path

from .bench_embed import _annomi_codebook
from .data import annomi_csv
from .harness import bench


def _demo_setup(work: Path) -> dict:
    from qualcode.demo import build_demo
    from qualcode.embed import get_embedder
    from qualcode.suggest import Suggester

    project = build_demo(work / "demo.qualcode")
    embedder = get_embedder()
    s = Suggester.build(project, "amira", embedder=embedder)
    return {"project": project, "embedder": embedder, "suggester": s, "coder": "amira"}


def _annomi_setup(work: Path) -> dict:
    from qualcode.embed import get_embedder
    from qualcode.ingest import ANNOMI_MAPPING, read_documents
    from qualcode.refi import read_codebook
    from qualcode.store import Project
    from qualcode.suggest import Suggester

    path = annomi_csv()
    if path is None:
        raise RuntimeError("../shared/data/annomi is not present")
    (work / "annomi-codebook.yaml").write_text(_annomi_codebook(), encoding="utf-8")
    project = Project.open(work / "annomi.qualcode")
    read_codebook(work / "annomi-codebook.yaml").load_into(project)
    project.add_documents(read_documents(path, csv_mapping=ANNOMI_MAPPING))
    embedder = get_embedder()
    s = Suggester.build(project, "annomi-expert", embedder=embedder, roles=None)
    return {"project": project, "embedder": embedder, "suggester": s, "coder": "annomi-expert"}


def _one_more_coding(ctx: dict) -> None:
    """Recode one coded excerpt to another code (remove + add): one coding changed."""
    s, project = ctx["suggester"], ctx["project"]
    n = ctx.setdefault("n", 0)
    ctx["n"] = n + 1
    mine = [c for c in project.codings(coders=[ctx["coder"]]) if c.code_id in {k.id for k in s.codes}]
    c = mine[(37 * n) % len(mine)]
    other = next(k for k in s.codes if k.id != c.code_id and k.parent == next(x.parent for x in s.codes if x.id == c.code_id))
    project.remove_coding(c.id, actor=ctx["coder"])
    project.add_coding(c.document_id, c.start, c.end, other.id, ctx["coder"])


def _refresh(ctx: dict) -> dict:
    import time

    _one_more_coding(ctx)
    t0 = time.perf_counter()
    ctx["suggester"].refresh()
    return {"elapsed_s": time.perf_counter() - t0, "items": len(ctx["suggester"].units), "item_unit": "excerpts"}


def _rebuild(ctx: dict) -> dict:
    import time

    from qualcode.suggest import Suggester

    _one_more_coding(ctx)
    t0 = time.perf_counter()
    roles = None if ctx["coder"] == "annomi-expert" else Suggester.build.__kwdefaults__["roles"]
    Suggester.build(ctx["project"], ctx["coder"], embedder=ctx["embedder"], roles=roles)
    return {"elapsed_s": time.perf_counter() - t0, "items": len(ctx["suggester"].units), "item_unit": "excerpts"}


bench("full rebuild after one coding, demo study", group="Fresh suggestions", repeat=3, setup=_demo_setup,
      notes="Suggester.build with calibration, vectors cached")(_rebuild)
bench("refresh after one coding, demo study", group="Fresh suggestions", repeat=5, setup=_demo_setup,
      reference="full rebuild after one coding, demo study", notes="Suggester.refresh: refits only the changed code group, no recalibration")(_refresh)
bench("full rebuild after one coding, AnnoMI", group="Fresh suggestions", repeat=1, setup=_annomi_setup,
      notes="all 133 sessions, every turn coded (9.7k), vectors cached")(_rebuild)
bench("refresh after one coding, AnnoMI", group="Fresh suggestions", repeat=3, setup=_annomi_setup,
      reference="full rebuild after one coding, AnnoMI", notes="all of AnnoMI coded, vectors cached")(_refresh)
