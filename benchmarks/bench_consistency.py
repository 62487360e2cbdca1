"""Consistency checks on AnnoMI: planted mistakes and misses found (issue 21).

Imports all of AnnoMI with the codebook of docs/suggestions.md and embeds it (untimed
set-up), then :func:`qualcode.suggest.consistency_eval.evaluate_consistency`: 5% of the
expert's codes flipped to a sibling code (list a) and, separately, 5% deleted (list b),
one seed; precision and recall at k = the planted count and twice it, beside the
centroid baseline and chance. The time is the two calibrations (the same work as two
Suggester builds on fully coded AnnoMI).
"""

from __future__ import annotations

from pathlib import Path

from .bench_embed import _annomi_codebook
from .data import annomi_csv
from .harness import bench


def _setup(work: Path) -> dict:
    from qualcode.embed import get_embedder
    from qualcode.ingest import ANNOMI_MAPPING, read_documents
    from qualcode.refi import read_codebook
    from qualcode.store import Project
    from qualcode.embed import embed_texts
    from qualcode.suggest import project_units

    path = annomi_csv()
    if path is None:
        raise RuntimeError("../shared/data/annomi is not present")
    (work / "annomi-codebook.yaml").write_text(_annomi_codebook(), encoding="utf-8")
    project = Project.open(work / "annomi.qualcode")
    read_codebook(work / "annomi-codebook.yaml").load_into(project)
    project.add_documents(read_documents(path, csv_mapping=ANNOMI_MAPPING))
    embedder = get_embedder()
    # Embed once, untimed: the checks read cached vectors, as in the app.
    units = project_units(project, split_long=None)
    embed_texts(project, [u.text for u in units] + [u.prev_text for u in units] + [u.next_text for u in units],
                embedder=embedder)
    return {"project": project, "embedder": embedder}


@bench("consistency checks AnnoMI, 5% flipped / deleted", group="Consistency checks", repeat=1, setup=_setup,
       notes="9.7k expert-coded turns, 1 seed; P/R at k in results.json (flip_*, delete_*, centroid_*, chance_*)")
def consistency(ctx: dict) -> dict:
    from qualcode.suggest.consistency_eval import evaluate_consistency

    r = evaluate_consistency(ctx["project"], "annomi-expert", fraction=0.05, seeds=1, embedder=ctx["embedder"])
    out = {"items": r["codings"], "item_unit": "codings", "planted_flip": r["planted"]["flip"],
           "planted_delete": r["planted"]["delete"], "chance_flip": r["chance_precision"]["flip"],
           "chance_delete": r["chance_precision"]["delete"]}
    for name, prefix in (("flip", "flip"), ("flip_centroid", "centroid"), ("delete", "delete")):
        for k, v in r["summary"][name].items():
            if k == "listed":
                out[f"{prefix}_listed"] = v
            else:
                out[f"{prefix}_p_at_{k}"] = v["precision"]["mean"]
                out[f"{prefix}_r_at_{k}"] = v["recall"]["mean"]
    return out
