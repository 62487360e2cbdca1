"""Agreement on free spans: Krippendorff's unitizing alpha on a two-hour interview coded
by two coders, and Mathet's gamma (pygamma-agreement) on a shorter stretch."""

from __future__ import annotations

import random
from pathlib import Path

from .data import long_interview_text
from .harness import bench

N_CODES, SPANS_PER_CODER = 20, 400


def _spans(work: Path, *, words: int = 25_000, spans: int = SPANS_PER_CODER) -> dict:
    import pandas as pd

    text = long_interview_text(words)
    rng = random.Random(0)
    rows = []
    for _ in range(spans):  # ana's spans; ben marks the same passage with jittered ends, sometimes another code
        start = rng.randrange(0, len(text) - 400)
        end = start + rng.randint(20, 400)
        code = rng.randrange(N_CODES)
        rows.append(("long", start, end, code, "ana"))
        other = code if rng.random() < 0.8 else rng.randrange(N_CODES)
        rows.append(("long", max(0, start + rng.randint(-15, 15)), end + rng.randint(-15, 15), other, "ben"))
    return {"codings": pd.DataFrame(rows, columns=["document", "start", "end", "code", "coder"]),
            "lengths": {"long": len(text)}}


@bench("unitizing alpha, 20 codes (25k-word transcript, 2 x 400 spans)", group="Agreement", repeat=5,
       setup=_spans, notes="Krippendorff (2004) per code and over all codes")
def unitizing(ctx: dict) -> dict:
    from qualcode.agreement.unitizing import unitizing_alpha

    unitizing_alpha(ctx["codings"], ["ana", "ben"], ctx["lengths"])
    return {"items": len(ctx["codings"])}


def _short(work: Path) -> dict:
    return _spans(work, words=2_500, spans=40)


@bench("Mathet's gamma (2,500 words, 2 x 40 spans, 30 samples)", group="Agreement", repeat=3, setup=_short,
       notes="pygamma-agreement 0.5.9; median of 3, the first of which compiles its numba code")
def gamma(ctx: dict) -> dict:
    from qualcode.agreement.unitizing import gamma_agreement

    gamma_agreement(ctx["codings"], ["ana", "ben"], ctx["lengths"], n_samples=30)
    return {"items": len(ctx["codings"])}
