"""The hand-computed study behind the analysis, figure and export tests.

Four interviews (D1..D4, one participant each), a five-code codebook in two themes
plus a lone code, and two coders. Turn numbers below are indices into each
interview's segments; offsets are relative to the turn's start.

Codebook (tree order)::

    Support      (folder, not codable, colour #884488)
      Listening
      Rehearsal
    Risks        (codable theme, colour #DDAA33)
      Generic    (colour #117733)
      Dependence
    Cost

Participants: P1 Kenya/ChatGPT, P2 Kenya/Replika, P3 India/ChatGPT,
P4 Kenya/"ChatGPT;Pi" (a multi-valued attribute).

Codings by ``ana``::

    D1 turn 1: Listening [0,20)  Generic [10,30)   (overlap 10 chars, same turn)
    D1 turn 3: Cost [0,10)       Rehearsal [15,25) (same turn, no overlap)
    D2 turn 1: Listening [0,10)  Dependence [20,30)(same turn, no overlap)
    D2 turn 3: Listening [0,10)
    D3 turn 1: Generic [0,10)    Cost [5,15)       (overlap)
    D4 turn 1: Listening [0,10)

Codings by ``ben``::

    D1 turn 1: Listening [0,20) (same span as ana)  Rehearsal [5,15)
    D2 turn 1: Dependence [0,10)
    D4 turn 1: Generic [12,20)
"""

from __future__ import annotations

import pytest

from qualcode.model import Code, Participant
from qualcode.store import Project

from tests.conftest import make_interview
from tests.fixtures import ensure_coders

CODES = ["Listening", "Rehearsal", "Risks", "Generic", "Dependence", "Cost"]  # codable, tree order
PARTICIPANTS = ["P1", "P2", "P3", "P4"]

ANA = [
    ("D1", 1, 0, 20, "Listening"),
    ("D1", 1, 10, 30, "Generic"),
    ("D1", 3, 0, 10, "Cost"),
    ("D1", 3, 15, 25, "Rehearsal"),
    ("D2", 1, 0, 10, "Listening"),
    ("D2", 1, 20, 30, "Dependence"),
    ("D2", 3, 0, 10, "Listening"),
    ("D3", 1, 0, 10, "Generic"),
    ("D3", 1, 5, 15, "Cost"),
    ("D4", 1, 0, 10, "Listening"),
]
BEN = [
    ("D1", 1, 0, 20, "Listening"),
    ("D1", 1, 5, 15, "Rehearsal"),
    ("D2", 1, 0, 10, "Dependence"),
    ("D4", 1, 12, 20, "Generic"),
]

_ANSWER = "Mostly late at night when I cannot sleep and my thoughts keep racing around."
_FOLLOW = "It felt like somebody was there, even if I knew it was only a program."


def build_study(project: Project) -> Project:
    """Fill an empty project with the study described in the module docstring."""
    docs = []
    for i, name in enumerate(["D1", "D2", "D3", "D4"], start=1):
        docs.append(
            make_interview(
                name,
                [
                    ("Interviewer", "When do you talk to the chatbot?"),
                    (f"P{i}", _ANSWER),
                    ("Interviewer", "How did that feel?"),
                    (f"P{i}", _FOLLOW),
                ],
                participant=f"P{i}",
            )
        )
    project.add_documents(docs)
    attrs = {
        "P1": {"country": "Kenya", "chatbot": "ChatGPT"},
        "P2": {"country": "Kenya", "chatbot": "Replika"},
        "P3": {"country": "India", "chatbot": "ChatGPT"},
        "P4": {"country": "Kenya", "chatbot": "ChatGPT;Pi"},
    }
    project.upsert_participants([(Participant(p, a), [f"D{p[1]}"]) for p, a in attrs.items()])
    project.add_code(Code("Support", codable=False, colour="#884488"))
    project.add_code(Code("Listening", parent="Support"))
    project.add_code(Code("Rehearsal", parent="Support"))
    project.add_code(Code("Risks", colour="#DDAA33"))
    project.add_code(Code("Generic", parent="Risks", colour="#117733"))
    project.add_code(Code("Dependence", parent="Risks"))
    project.add_code(Code("Cost"))
    segs = {name: project.document(name)[1].segments for name in ["D1", "D2", "D3", "D4"]}
    ensure_coders(project, "ana", "ben")
    for coder, rows in (("ana", ANA), ("ben", BEN)):
        for doc, turn, a, b, code in rows:
            s = segs[doc][turn].start
            project.add_coding(doc, s + a, s + b, code, coder)
    return project


@pytest.fixture
def study(fresh_project: Project) -> Project:
    return build_study(fresh_project)


def test_fixture_builds(study: Project) -> None:
    assert len(study.codings()) == len(ANA) + len(BEN)
    assert study.coders() == ["ana", "ben"]
