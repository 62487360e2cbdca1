"""Turn metadata (:attr:`qualcode.model.Segment.meta`): filtering and banding.

A turn's metadata is what its source said beyond the words: a Reddit comment's
``score``, ``depth``, ``parent_turn``, ``is_op`` and ``op_replied``; a chat
message's ``model`` and ``message_time``; a CSV's mapped extra columns. Retrieval
filters on it (:func:`matches`) and analyses count codes by it
(:func:`qualcode.analysis.turnmeta.codes_by_turn_meta`, bands from :func:`band`).

A condition is text, so a form field or a command-line option can carry it:

* ``"true"`` / ``"false"``: a yes/no field (``op_replied``);
* ``">=10"``, ``">3"``, ``"<0"``, ``"<=5"``, ``"=2"``: a number compared;
* anything else: the value itself, compared case-insensitively.

Several conditions on one field: any may match; several fields: all must.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["matches", "check_conditions", "band", "band_labels", "show_value", "describe"]

# How the Code page names the fields it knows; others show as "name: value".
_LABELS = {"score": "score", "depth": "depth", "parent_turn": "replies to turn", "is_op": "by the OP",
           "op_replied": "OP replied", "created": "created", "model": "model", "message_time": "sent",
           "reddit_id": "id", "post": "the post"}

_COMPARE = re.compile(r"^\s*(>=|<=|>|<|=)\s*(-?\d+(?:\.\d+)?)\s*$")


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


def show_value(value: Any) -> str:
    """A metadata value as a person reads it (``yes``/``no`` for true/false)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value == int(value):
        return str(int(value))
    return str(value)


def _one(value: Any, condition: str) -> bool:
    cond = condition.strip()
    m = _COMPARE.match(cond)
    if m:
        number = _number(value)
        if number is None:
            return False
        op, limit = m.group(1), float(m.group(2))
        return {">=": number >= limit, "<=": number <= limit, ">": number > limit,
                "<": number < limit, "=": number == limit}[op]
    low = cond.casefold()
    if isinstance(value, bool):
        return low in (("true", "yes", "1") if value else ("false", "no", "0"))
    if value is None:
        return low in ("", "(none)")
    return show_value(value).casefold() == low


def check_conditions(conditions: Mapping[str, Sequence[str]]) -> None:
    """Raise ValueError for a condition that is not text or a field with none."""
    for key, conds in conditions.items():
        if not isinstance(key, str) or not key:
            raise ValueError("a turn metadata filter needs a field name")
        if isinstance(conds, str) or not conds:
            raise ValueError(f"the turn metadata filter on {key!r} needs a list of conditions")
        for c in conds:
            if not isinstance(c, str):
                raise ValueError(f"the turn metadata filter on {key!r} must be text such as '>=10' or 'true'")


def matches(meta: Mapping[str, Any] | None, conditions: Mapping[str, Sequence[str]] | None) -> bool:
    """True when ``meta`` meets every field's conditions (see the module doc). A turn
    without the field matches only the condition ``"(none)"``."""
    if not conditions:
        return True
    meta = meta or {}
    return all(any(_one(meta.get(key), c) for c in conds) for key, conds in conditions.items())


def band_labels(cuts: Sequence[float]) -> list[str]:
    """The labels :func:`band` gives for ``cuts`` (ascending), lowest band first."""
    cuts = sorted(cuts)
    labels = [f"< {show_value(float(cuts[0]))}"] if cuts else ["all"]
    for lo, hi in zip(cuts, cuts[1:]):
        labels.append(f"{show_value(float(lo))} to < {show_value(float(hi))}")
    if cuts:
        labels.append(f">= {show_value(float(cuts[-1]))}")
    return labels


def band(value: Any, cuts: Sequence[float] | None) -> str:
    """The band a value falls in: with ``cuts`` ``[0, 10]`` a score is ``"< 0"``,
    ``"0 to < 10"`` or ``">= 10"``; a value that is no number is ``"(none)"``.
    Without cuts, the value itself (:func:`show_value`), or ``"(none)"``."""
    if not cuts:
        shown = show_value(value)
        return shown if shown else "(none)"
    number = _number(value)
    if number is None:
        return "(none)"
    cuts = sorted(cuts)
    labels = band_labels(cuts)
    i = sum(number >= c for c in cuts)
    return labels[i]


def describe(meta: Mapping[str, Any] | None, *, limit: int = 12) -> str:
    """One line for a person: ``score 12 · replies to turn 2 · OP replied: yes``.

    Plain text (the caller escapes it for Markdown); at most ``limit`` fields, each
    value cut to 60 characters, so a long CSV cell cannot flood the page.
    """
    parts = []
    for key, value in list((meta or {}).items())[:limit]:
        if value is None or key == "reddit_id":
            continue
        if key == "post":
            if value:
                parts.append("the post")
            continue
        shown = show_value(value)
        shown = shown if len(shown) <= 60 else shown[:59] + "…"
        label = _LABELS.get(key, key)
        if isinstance(value, bool):
            parts.append(f"{label}: {shown}")
        else:
            parts.append(f"{label} {shown}" if key in _LABELS else f"{label}: {shown}")
    return " · ".join(parts)
