"""The one fixture study every test layer builds on (datasette's tests/fixtures.py is the model).

Two short fictional interviews (P01, P02) and a four-code codebook; the app tests add
P03, whose turn holds curly quotes, an emoji and accents, and the coders ana and ben.
Test files that need more (a coded study, a third coder) start from this one rather
than re-typing it, so a change to the study is made here once.
"""

from __future__ import annotations

from qualcode.model import Code, Document, Segment
from qualcode.store import Project

P01_TURNS = [
    ("Interviewer", "How did you start using the chatbot?"),
    ("P01", "At night, when nobody else was awake. It just listened."),
    ("Interviewer", "Did it ever feel wrong?"),
    ("P01", "Sometimes the advice was generic, like a leaflet."),
]
P02_TURNS = [
    ("Interviewer", "What do you use it for?"),
    ("P02", "I rehearse what I will say to my mother. Therapy costs too much here."),
]
P03_TURNS = [
    ("Interviewer", "And at night?"),
    ("P03", "At 3am I typed “estou sozinha” 😔 and it answered in Portuguese, très gentil."),
]


def codebook() -> list[Code]:
    """The fixture codebook, fresh objects each time (a theme folder and three codes)."""
    return [
        Code("Support roles", codable=False, definition="Roles users give the chatbot."),
        Code("Non-judgemental listener", parent="Support roles", definition="It listens without judging."),
        Code("Rehearsal space", parent="Support roles", definition="Practising hard conversations."),
        Code("Generic replies", definition="Replies that feel scripted."),
    ]


def make_interview(name: str, turns: list[tuple[str, str]], participant: str | None = None) -> Document:
    """Build a small labelled transcript ``Speaker: text`` with exact turn offsets."""
    text, segments = "", []
    for speaker, body in turns:
        label = f"{speaker}: "
        start = len(text) + len(label)
        text += label + body + "\n\n"
        segments.append(Segment(start, start + len(body), speaker))
    return Document(name=name, text=text.rstrip("\n") + "\n", segments=segments, participant=participant)


def fill_small_study(project: Project, *, with_p03: bool = False, coders: tuple[str, ...] = ()) -> Project:
    """Add the fixture study to an empty ``project`` (and return it)."""
    docs = [make_interview("P01", P01_TURNS, participant="P01"), make_interview("P02", P02_TURNS, participant="P02")]
    if with_p03:
        docs.append(make_interview("P03", P03_TURNS, participant="P03"))
    project.add_documents(docs)
    for code in codebook():
        project.add_code(code)
    for coder in coders:
        project.add_coder(coder)
    return project


def ensure_coders(project: Project, *names: str) -> Project:
    """Add the coders not yet in ``project`` (the store never invents one on coding)."""
    known = set(project.coders())
    for name in names:
        if name not in known:
            project.add_coder(name)
            known.add(name)
    return project
