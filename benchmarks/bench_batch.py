"""The corpus batch path (qualcode.batch) on a local Dask cluster: 1 and 2 workers.

All of AnnoMI (133 transcripts, 9,699 turns) is imported into a new project for each
run, so every run embeds into an empty cache. "One process" is the same model in this
process (onnxruntime on both cores), the reference of the cluster runs. The cluster is
started and each worker's model loaded in the untimed set-up (their cost is reported
beside: ``cluster_start_s``); timed is ``embed_corpus`` (texts read, sent, embedded,
written to the cache one transaction per chunk) or ``autocode_corpus`` (training on the
20% sample of transcripts here, scoring the other 80% on the workers, writing).
"""

from __future__ import annotations

import time
from pathlib import Path

from .bench_embed import _annomi_codebook
from .data import annomi_csv
from .harness import bench

SAMPLE = 0.2  # share of transcripts the "sample" coder has coded (copied from the expert)


def _new_project(work: Path, k: int, *, sample: bool = False):
    from qualcode.ingest import ANNOMI_MAPPING, read_documents
    from qualcode.refi import read_codebook
    from qualcode.store import Project

    path = annomi_csv()
    if path is None:
        raise RuntimeError("../shared/data/annomi is not present")
    book = work / "annomi-codebook.yaml"
    book.write_text(_annomi_codebook(), encoding="utf-8")
    project = Project.open(work / f"annomi-{k}.qualcode")
    read_codebook(book).load_into(project)
    project.add_documents(read_documents(path, csv_mapping=ANNOMI_MAPPING))
    if sample:
        import random

        docs = [d.id for d in project.documents()]
        chosen = set(random.Random(7).sample(docs, round(SAMPLE * len(docs))))
        project.add_coder("sample")
        for c in project.codings(coders=["annomi-expert"]):
            if c.document_id in chosen:
                project.add_coding(c.document_id, c.start, c.end, c.code_id, "sample")
    return project


def _cluster_setup(workers: int | None, *, sample: bool = False):
    def setup(work: Path) -> dict:
        from qualcode.batch import open_cluster
        from qualcode.batch.worker import encode_chunk, spec_of
        from qualcode.embed import get_embedder

        embedder = get_embedder()
        embedder.encode(["warm-up"])
        ctx = {"embedder": embedder, "workers": workers, "sample": sample, "k": 0, "work": work}
        if workers:
            t0 = time.perf_counter()
            ctx["cm"] = open_cluster(workers)
            ctx["client"] = ctx["cm"].__enter__()
            ctx["client"].run(encode_chunk, spec_of(embedder), ["warm-up"])  # each worker loads its model
            ctx["cluster_start_s"] = round(time.perf_counter() - t0, 2)
        return ctx

    return setup


def _embed(ctx: dict) -> dict:
    from qualcode.batch import corpus_texts, embed_corpus
    from qualcode.embed import embed_texts

    ctx["k"] += 1
    project = _new_project(ctx["work"], ctx["k"])
    t0 = time.perf_counter()
    if ctx["workers"]:
        report = embed_corpus(project, ctx["client"], embedder=ctx["embedder"])
        n = report.embedded
    else:
        texts = corpus_texts(project)
        embed_texts(project, texts, embedder=ctx["embedder"])
        n = len(texts)
    elapsed = time.perf_counter() - t0
    project.close()
    return {"elapsed_s": elapsed, "items": n, "item_unit": "texts", "workers": ctx["workers"] or 0,
            "cluster_start_s": ctx.get("cluster_start_s")}


def _autocode(ctx: dict) -> dict:
    from qualcode.batch import autocode_corpus

    ctx["k"] += 1
    project = _new_project(ctx["work"], ctx["k"], sample=True)
    t0 = time.perf_counter()
    report = autocode_corpus(project, ctx["client"], "sample", embedder=ctx["embedder"])
    elapsed = time.perf_counter() - t0
    project.close()
    return {"elapsed_s": elapsed, "items": report.excerpts_scored, "item_unit": "turns scored",
            "workers": report.workers, "codings_written": report.codings_written,
            "trained_documents": report.trained_documents, "cluster_start_s": ctx.get("cluster_start_s")}


bench("embed all of AnnoMI, one process", group="Batch (Dask)", setup=_cluster_setup(None),
      notes="ONNX int8 on both cores, embed_texts into the project's cache")(_embed)
bench("embed all of AnnoMI, Dask 1 worker", group="Batch (Dask)", setup=_cluster_setup(1),
      reference="embed all of AnnoMI, one process",
      notes="qualcode batch embed: one worker process, model on 2 threads")(_embed)
bench("embed all of AnnoMI, Dask 2 workers", group="Batch (Dask)", setup=_cluster_setup(2),
      reference="embed all of AnnoMI, Dask 1 worker",
      notes="qualcode batch embed: two worker processes, model on 1 thread each")(_embed)
bench("auto-code 80% of AnnoMI, Dask 1 worker", group="Batch (Dask)", repeat=1,
      setup=_cluster_setup(1, sample=True),
      notes="train on 20% of transcripts (copied expert codes) here, score the rest on the worker")(_autocode)
bench("auto-code 80% of AnnoMI, Dask 2 workers", group="Batch (Dask)", repeat=1,
      setup=_cluster_setup(2, sample=True), reference="auto-code 80% of AnnoMI, Dask 1 worker",
      notes="the same on two worker processes")(_autocode)
