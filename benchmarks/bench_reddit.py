"""A large Reddit thread: import with turn metadata, and ensemble labels over it."""

from __future__ import annotations

import json
import random
from pathlib import Path

from .harness import bench

_WORDS = ("thank you this helped me so much try breathing slowly talk to your doctor it gets better "
          "you are not alone I had the same thing sleep walk write it down").split()


def _thread(work: Path, n: int = 5000) -> dict:
    """A generated thread (simple shape): n comments, a third replies, the OP answering some."""
    rng = random.Random(23)
    comments: list[dict] = []
    every: list[dict] = []
    for i in range(n):
        author = "op_user" if rng.random() < 0.15 else f"user{rng.randrange(800)}"
        c = {"id": f"c{i}", "author": author, "score": rng.randrange(-5, 60), "created_utc": 1717236000 + 60 * i,
             "body": " ".join(rng.choice(_WORDS) for _ in range(rng.randrange(8, 40))), "replies": []}
        parent = rng.choice(every) if every and rng.random() < 0.6 else None
        (parent["replies"] if parent else comments).append(c)
        every.append(c)
    path = work / "thread.json"
    path.write_text(json.dumps({"title": "Generated thread", "selftext": "a post", "author": "op_user",
                                "created_utc": 1717236000, "comments": comments}), encoding="utf-8")
    return {"path": path, "n": n}


@bench("import a 5,000-comment Reddit thread", group="Reddit", setup=_thread,
       notes="nested replies with score, parent, depth, OP replied per turn; parse + one transaction")
def import_thread(ctx: dict) -> dict:
    from qualcode.ingest import read_documents
    from qualcode.store import Project

    target = ctx["workdir"] / f"r{ctx.setdefault('k', 0)}.qualcode"
    ctx["k"] += 1
    docs = read_documents(ctx["path"])
    with Project.open(target) as project:
        project.add_documents(docs)
    return {"items": len(docs[0].segments), "item_unit": "turns"}


def _labelled(work: Path) -> dict:
    from qualcode.ingest import read_documents
    from qualcode.model import Code
    from qualcode.store import Project

    ctx = _thread(work)
    path = work / "labelled.qualcode"
    with Project.open(path) as project:
        project.add_documents(read_documents(ctx["path"]))
        project.add_code(Code("effective"))
        project.add_coder("ana")
        did, doc = project.document("thread")
        for seg in doc.segments[1::7]:
            project.add_coding(did, seg.start, seg.end, "effective", "ana")
    return {"project": path}


@bench("ensemble labels on a 5,000-comment thread", group="Reddit", setup=_labelled,
       notes="op_replied, op_thanks, score>=10 and one human coder vote; labels and alpha per voter, nothing written")
def ensemble(ctx: dict) -> dict:
    from qualcode.agreement.ensemble import ensemble_agreement, ensemble_labels, ensemble_votes
    from qualcode.store import Project

    with Project.open(ctx["project"], create=False) as project:
        votes = ensemble_votes(project, "effective", humans=["ana"], score_threshold=10)
        labelled = ensemble_labels(votes)
        ensemble_agreement(labelled, ["ana"])
    return {"items": len(votes), "item_unit": "comments"}
