"""Inputs the benchmarks share: the demo study, AnnoMI, and generated long transcripts."""

from __future__ import annotations

import random
from pathlib import Path

from qualcode.data import demo_dir

ROOT = Path(__file__).resolve().parents[1]
DEMO = demo_dir()
ANNOMI = ROOT.parent / "shared" / "data" / "annomi"

_WORDS = (
    "I um think the chatbot was there at night when nobody else was awake and it listened "
    "without judging me but sometimes the advice felt generic like a leaflet from the clinic "
    "my mother would never understand this so I rehearsed what to say to her first"
).split()


def long_interview_text(words: int = 25_000, seed: int = 0) -> str:
    """A labelled transcript of about ``words`` words in realistic turn lengths."""
    rng = random.Random(seed)
    out, n, turn = [], 0, 0
    while n < words:
        speaker = "Interviewer" if turn % 2 == 0 else "P01"
        length = rng.randint(8, 30) if speaker == "Interviewer" else rng.randint(40, 220)
        body = " ".join(rng.choice(_WORDS) for _ in range(length))
        out.append(f"[{turn // 60:02d}:{turn % 60:02d}:00] {speaker}: {body.capitalize()}.")
        n += length
        turn += 1
    return "\n\n".join(out) + "\n"


def annomi_csv() -> Path | None:
    path = ANNOMI / "AnnoMI-simple.csv"
    return path if path.exists() else None
