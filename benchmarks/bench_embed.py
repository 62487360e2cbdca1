"""Embedding throughput, torch fp32 vs ONNX int8, and time to first suggestions on AnnoMI.

The throughput benchmarks embed the first 2,000 AnnoMI utterances (no project, no cache);
the model is loaded (and, for ONNX, exported once into the qualcode cache folder) in the
untimed setup. "time to first suggestions" imports all of AnnoMI (9,699 turns) with its
codebook into a project during setup and times ``Suggester.build`` for the expert coder:
cold (embedding cache emptied before each run) and warm (vectors already cached).
"""

from __future__ import annotations

from pathlib import Path

from .data import ROOT, annomi_csv
from .harness import bench

N_UTTERANCES = 2000


def _utterances(n: int = N_UTTERANCES) -> list[str]:
    import csv

    path = annomi_csv()
    if path is None:
        raise RuntimeError("../shared/data/annomi is not present")
    out: list[str] = []
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            text = (row.get("utterance_text") or "").strip()
            if text:
                out.append(text)
            if len(out) >= n:
                break
    return out


def _embed_setup(backend: str):
    def setup(work: Path) -> dict:
        from qualcode.embed import get_embedder

        embedder = get_embedder(backend=backend)
        embedder.encode(["warm-up"])
        return {"texts": _utterances(), "embedder": embedder}

    return setup


def _embed(ctx: dict) -> dict:
    ctx["embedder"].encode(ctx["texts"])
    return {"items": len(ctx["texts"]), "item_unit": "segments", "model_id": ctx["embedder"].model_id}


bench("embed 2k AnnoMI utterances, torch fp32", group="Embeddings", setup=_embed_setup("torch"),
      notes="sentence-transformers on torch, batch 64")(_embed)
bench("embed 2k AnnoMI utterances, ONNX int8", group="Embeddings", setup=_embed_setup("onnx-int8"),
      reference="embed 2k AnnoMI utterances, torch fp32",
      notes="onnxruntime, int8 per-channel MatMul weights, pieces sorted by token count, batch 16 padded to its longest")(_embed)


def _both_setup(work: Path) -> dict:
    from qualcode.embed import get_embedder

    return {"texts": _utterances(), "torch": get_embedder(backend="torch"), "onnx": get_embedder(backend="onnx-int8")}


@bench("cosine torch fp32 vs ONNX int8 (2k utterances)", group="Embeddings", repeat=1, setup=_both_setup,
       notes="embeds with both; mean/min cosine in results.json")
def cosine(ctx: dict) -> dict:
    import numpy as np

    a = ctx["torch"].encode(ctx["texts"])
    b = ctx["onnx"].encode(ctx["texts"])
    cos = (a * b).sum(axis=1)
    return {"items": 2 * len(ctx["texts"]), "item_unit": "segments", "mean_cosine": round(float(cos.mean()), 4),
            "min_cosine": round(float(cos.min()), 4), "p01_cosine": round(float(np.percentile(cos, 1)), 4),
            "share_below_0_97": round(float((cos < 0.97).mean()), 4)}


def _annomi_codebook() -> str:
    """The AnnoMI codebook YAML block from docs/suggestions.md."""
    text = (ROOT / "docs" / "suggestions.md").read_text(encoding="utf-8")
    start = text.index("```yaml\n") + len("```yaml\n")
    return text[start : text.index("```", start)]


def _project_setup(backend: str, warm: bool):
    def setup(work: Path) -> dict:
        from qualcode.refi import read_codebook
        from qualcode.embed import get_embedder
        from qualcode.ingest import ANNOMI_MAPPING, read_documents
        from qualcode.store import Project

        path = annomi_csv()
        if path is None:
            raise RuntimeError("../shared/data/annomi is not present")
        book_file = work / "annomi-codebook.yaml"
        book_file.write_text(_annomi_codebook(), encoding="utf-8")
        project = Project.open(work / f"annomi-{backend}.qualcode")
        read_codebook(book_file).load_into(project)
        project.add_documents(read_documents(path, csv_mapping=ANNOMI_MAPPING))
        embedder = get_embedder(backend=backend)
        embedder.encode(["warm-up"])
        ctx = {"project": project, "embedder": embedder, "warm": warm}
        if warm:
            _build(ctx)
        return ctx

    return setup


def _build(ctx: dict) -> dict:
    from qualcode.suggest import Suggester

    # Cold: the set-up made a new project, so its embedding cache is empty (the benchmark
    # once cleared it through the schema, outside the store, and broke when that moved).
    suggester = Suggester.build(ctx["project"], "annomi-expert", embedder=ctx["embedder"])
    return {"items": len(suggester.units), "item_unit": "turns"}


for _backend, _label in (("torch", "torch fp32"), ("onnx-int8", "ONNX int8")):
    bench(f"first suggestions AnnoMI cold, {_label}", group="Time to first suggestions", repeat=1,
          setup=_project_setup(_backend, warm=False),
          reference=None if _backend == "torch" else "first suggestions AnnoMI cold, torch fp32",
          notes="9.7k turns, empty embedding cache, Suggester.build for annomi-expert")(_build)
    # Suggester.build on all of AnnoMI (every turn coded, 7 codes, 5-fold calibration) takes
    # minutes even with vectors cached, so one run each.
    bench(f"first suggestions AnnoMI warm, {_label}", group="Time to first suggestions", repeat=1,
          setup=_project_setup(_backend, warm=True),
          reference=None if _backend == "torch" else "first suggestions AnnoMI warm, torch fp32",
          notes="9.7k turns, vectors cached")(_build)
