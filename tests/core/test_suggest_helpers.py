"""A small generated study with two clearly different codes, for suggestion tests.

Holds no tests itself; imported by test_suggest*, test_evaluate* and tests/app/test_suggest_page.py.
"""

from __future__ import annotations

import random

from qualcode.model import Code
from tests.conftest import make_interview
from tests.fixtures import ensure_coders

NIGHT = [
    "I talked to it at {t} when nobody else was awake and sleep would not come.",
    "At {t} it was the only thing awake, so I typed to it until I felt sleepy.",
    "Late at night, around {t}, the bot listened when my friends were asleep.",
    "It was there at {t} at night, when no friend answered the phone.",
]
COST = [
    "Therapy costs {p} a session here, which I cannot pay, so the bot is free help.",
    "A counsellor is {p} an hour and my insurance pays nothing, the chatbot costs nothing.",
    "I could not afford {p} for a therapist, so I used the free app instead.",
    "Money was the problem: {p} per visit is too expensive for me.",
]
QUESTIONS = ["When did you use it?", "Why did you choose it?", "Tell me more.", "What happened then?"]
TIMES = ["2am", "3am", "midnight", "4am", "1am"]
PRICES = ["80 dollars", "100 euros", "60 pounds", "120 dollars"]
PARENT = "Reasons for use"
CODES = ("Out-of-hours need", "Cost barrier")


def add_codebook(project) -> None:
    project.add_code(Code(PARENT, codable=False, definition="Why participants turn to a chatbot."))
    project.add_code(Code(CODES[0], parent=PARENT, definition="Using the chatbot at night when nobody is awake.",
                          example="I talked to it at 3am when sleep would not come."))
    project.add_code(Code(CODES[1], parent=PARENT, definition="Therapy is too expensive; the chatbot is free."))


def build_study(project, *, n_docs: int = 8, turns: int = 6, gold_docs: int | None = None, coder: str = "gold",
                seed: int = 0) -> None:
    """``n_docs`` interviews; ``coder`` codes every participant turn of the first ``gold_docs``."""
    rng = random.Random(seed)
    docs, labels = [], []
    for d in range(n_docs):
        who = f"P{d + 1:02d}"
        body, lab = [], []
        for _ in range(turns):
            kind = rng.randrange(2)
            text = rng.choice(NIGHT if kind == 0 else COST).format(t=rng.choice(TIMES), p=rng.choice(PRICES))
            body += [("Interviewer", rng.choice(QUESTIONS)), (who, text)]
            lab.append(kind)
        docs.append(make_interview(who, body, participant=who))
        labels.append(lab)
    project.add_documents(docs)
    add_codebook(project)
    ensure_coders(project, coder)
    for d, doc in enumerate(docs[: n_docs if gold_docs is None else gold_docs]):
        segs = [s for s in doc.segments if s.speaker != "Interviewer"]
        for seg, kind in zip(segs, labels[d]):
            project.add_coding(doc.name, seg.start, seg.end, CODES[kind], coder)
