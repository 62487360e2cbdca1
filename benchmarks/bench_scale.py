"""Scale: a generated project of 1,000 transcripts (about 1.5 million words).

Setup (untimed) builds the project once per benchmark process; each benchmark then
times one thing a researcher does on it. Codings come in with the documents (about
20 per transcript, 20,000 in all) so analyses have real work to do.
"""

from __future__ import annotations

import random
from pathlib import Path

from .harness import bench

N_TRANSCRIPTS = 1_000
WORDS_EACH = 1_500
CODES = [f"code {i:02d}" for i in range(30)]


def generate_documents(n: int = N_TRANSCRIPTS, words: int = WORDS_EACH, seed: int = 1):
    """``n`` labelled interviews of about ``words`` words, each with ~20 imported codings."""
    from qualcode.model import Document, ImportedCoding, Segment

    from .data import _WORDS

    rng = random.Random(seed)
    docs = []
    for d in range(n):
        text, segments, count, turn = "", [], 0, 0
        while count < words:
            speaker = "Interviewer" if turn % 2 == 0 else f"P{d:04d}"
            length = rng.randint(8, 25) if turn % 2 == 0 else rng.randint(40, 160)
            body = " ".join(rng.choice(_WORDS) for _ in range(length)).capitalize() + "."
            start = len(text) + len(speaker) + 2
            text += f"{speaker}: {body}\n\n"
            segments.append(Segment(start, start + len(body), speaker))
            count += length
            turn += 1
        codings = [
            ImportedCoding(i, rng.choice(CODES), rng.choice(["ana", "ben"]), theme=None)
            for i in rng.sample(range(1, len(segments), 2), k=min(20, len(segments) // 2))
        ]
        docs.append(Document(f"T{d:04d}", text, segments, participant=f"P{d:04d}", codings=codings))
    return docs


def _build(work: Path) -> dict:
    from qualcode.store import Project

    location = work / "scale.qualcode"
    with Project.open(location) as project:
        docs = generate_documents()
        for i in range(0, len(docs), 100):
            project.add_documents(docs[i : i + 100])
    return {"location": location}


def _docs_only(work: Path) -> dict:
    return {"docs": generate_documents()}


@bench("scale: import 1,000 transcripts (1.5M words)", group="Scale (1,000 transcripts)", repeat=1, setup=_docs_only,
       notes="10 transactions of 100 documents, 20k codings")
def scale_import(ctx: dict) -> dict:
    from qualcode.store import Project

    with Project.open(ctx["workdir"] / "import.qualcode") as project:
        for i in range(0, len(ctx["docs"]), 100):
            project.add_documents(ctx["docs"][i : i + 100])
    return {"items": sum(d.word_count for d in ctx["docs"]), "item_unit": "words"}


@bench("scale: open project + transcript list", group="Scale (1,000 transcripts)", setup=_build)
def scale_open(ctx: dict) -> dict:
    from qualcode.store import Project

    with Project.open(ctx["location"], create=False) as project:
        rows = project.documents()
        project.info()
    return {"rows": len(rows)}


@bench("scale: keyword search", group="Scale (1,000 transcripts)", setup=_build, notes="first 2,000 hits of 'leaflet'")
def scale_search(ctx: dict) -> dict:
    from qualcode.store import Project
    from qualcode.store.queries import search_documents

    with Project.open(ctx["location"], create=False) as project:
        hits = search_documents(project, "leaflet")
    return {"hits": len(hits)}


@bench("scale: analysis frames + code frequencies + co-occurrence", group="Scale (1,000 transcripts)", setup=_build)
def scale_analysis(ctx: dict) -> dict:
    from qualcode import analysis
    from qualcode.store import Project

    with Project.open(ctx["location"], create=False) as project:
        frames = analysis.from_project(project)
        freq = frames.code_frequencies()
        frames.cooccurrence()
    return {"codes": len(freq)}


@bench("scale: open one transcript", group="Scale (1,000 transcripts)", setup=_build)
def scale_open_document(ctx: dict) -> dict:
    from qualcode.store import Project

    with Project.open(ctx["location"], create=False) as project:
        project.document("T0500")
        project.codings(document="T0500")
    return {}
