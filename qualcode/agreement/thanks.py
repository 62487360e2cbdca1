"""Does a reply express thanks or relief? A transparent rule, for the RedditESS-style
"the poster's reply shows the comment helped" signal (:mod:`.ensemble`).

The RedditESS study labelled supportive comments *effective* or not with an ensemble
of signals that includes the original poster's follow-up responses (Alghamdi,
Kumarage, Agrawal et al. 2025, "RedditESS: A Mental Health Social Support Interaction
Dataset", arXiv:2503.21888). This rule is qualcode's own, deliberately simple so a
researcher can read and report it:

* a **clause** (text between sentence punctuation, commas, "but" and "and") says
  thanks or relief when it contains one of the cue patterns :data:`CUES`
  (``thank``, ``thx``, ``appreciate``, ``grateful``, ``cheers``, ``relieved``,
  ``relief``, ``feel better``/``calmer``/``less alone``/``reassured``, ``helped``,
  ``really helps``, ``means a lot``/``the world``, ``what I needed``, ``made me smile``);
* unless the clause also holds a **negation** (:data:`NEGATIONS`: ``not``, ``n't``,
  ``no``, ``never``, ``nothing``, ``nope``), so "it didn't help" and "thanks for
  nothing" are not thanks;
* the reply says thanks or relief when any clause does.

Its accuracy on a sample of 50 hand-labelled replies written for this purpose
(``tests/fixtures/reddit/op_replies_labelled.csv``) is measured by
``tests/core/test_reddit_ensemble.py`` and reported in ``docs/reddit.md``; the sample
names the kinds of reply it gets wrong (a polite "thanks but I've tried that",
"bless you", "phew", thanks after a negated clause). English only.
"""

from __future__ import annotations

import re

__all__ = ["CUES", "NEGATIONS", "expresses_thanks_or_relief", "matched_cue"]

CUES = (
    r"\bthank(s|you|ing)?\b", r"\bthx\b", r"\bty\b", r"\btysm\b", r"\bappreciate[sd]?\b", r"\bappreciated\b",
    r"\bgrateful\b", r"\bcheers\b", r"\brelie(f|ved|ving)\b", r"\breassur(ed|ing)\b",
    r"\bfeel(ing|s)?\b[\w\s]{0,20}\b(better|calmer|lighter|less alone|reassured|relieved|hopeful)\b",
    r"\bhelped\b", r"\b(really|actually|truly) helps?\b", r"\bhelps? (a lot|so much|me)\b",
    r"\bmeans (a lot|so much|the world)\b", r"\bwhat i needed\b", r"\bi needed (this|that)\b",
    r"\bmade me smile\b", r"\bhelps me\b",
)
NEGATIONS = (r"\bnot\b", r"n't\b", r"\bno\b", r"\bnever\b", r"\bnothing\b", r"\bnope\b", r"\bnor\b")

_CUES = [re.compile(p, re.IGNORECASE) for p in CUES]
_NEGATIONS = re.compile("|".join(NEGATIONS), re.IGNORECASE)
_CLAUSES = re.compile(r"[.!?;,:\n]+|\bbut\b|\band\b", re.IGNORECASE)


def matched_cue(text: str) -> str | None:
    """The first clause's cue words that make ``text`` thanks or relief, or None."""
    for clause in _CLAUSES.split(text.replace("\u2019", "'")):
        if _NEGATIONS.search(clause):
            continue
        for cue in _CUES:
            m = cue.search(clause)
            if m:
                return m.group(0)
    return None


def expresses_thanks_or_relief(text: str) -> bool:
    """True when a clause of ``text`` has a thanks/relief cue and no negation."""
    return matched_cue(text) is not None


def measure(sample: "list[tuple[str, bool]]") -> dict[str, float | int]:
    """The rule's accuracy on ``(reply text, expresses thanks or relief)`` pairs a person
    labelled: counts (``tp``, ``fp``, ``fn``, ``tn``, ``n``) and ``accuracy``,
    ``precision``, ``recall`` (NaN when undefined)."""
    tp = fp = fn = tn = 0
    for text, truth in sample:
        said = expresses_thanks_or_relief(text)
        tp += said and truth
        fp += said and not truth
        fn += (not said) and truth
        tn += (not said) and not truth
    n = tp + fp + fn + tn
    nan = float("nan")
    return {"n": n, "tp": tp, "fp": fp, "fn": fn, "tn": tn,
            "accuracy": (tp + tn) / n if n else nan,
            "precision": tp / (tp + fp) if tp + fp else nan,
            "recall": tp / (tp + fn) if tp + fn else nan}


def read_sample(path: str) -> "list[tuple[str, bool]]":
    """A labelled sample: a CSV with columns ``text`` and ``thanks_relief`` (yes/no)."""
    import csv
    import io

    from .. import limits
    from ..errors import UsageError
    from ..ingest.decode import decode_text

    raw = limits.read_file_bytes(path, lambda problem: UsageError(f"{path}: {problem}"))
    text, _ = decode_text(raw, str(path))
    rows = list(csv.DictReader(io.StringIO(text)))
    if not rows or "text" not in rows[0] or "thanks_relief" not in rows[0]:
        raise UsageError(f"{path}: a sample needs the columns text and thanks_relief (yes/no)")
    out = []
    for n, row in enumerate(rows, start=2):
        label = (row["thanks_relief"] or "").strip().casefold()
        if label not in ("yes", "no"):
            raise UsageError(f"{path}: line {n}: thanks_relief must be yes or no")
        out.append((row["text"] or "", label == "yes"))
    return out
