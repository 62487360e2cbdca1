"""Clock-time strings (``01:02:03``, ``1:02``, ``00:00:01,500``) to seconds."""

from __future__ import annotations

import re

__all__ = ["CLOCK", "parse_clock"]

# h:mm:ss, mm:ss, with optional fraction (. or , as subtitles use both).
CLOCK = r"(?:\d{1,2}:)?\d{1,2}:\d{2,3}(?:[.,]\d{1,3})?"
_CLOCK_RE = re.compile(rf"\s*({CLOCK})\s*")


def parse_clock(value: str) -> float | None:
    """Seconds for a clock string, or ``None`` if ``value`` is not one.

    Lenient on purpose: real data has slips such as ``00:09:025`` (AnnoMI), which we
    read field by field (9 min 25 s) rather than reject the whole file.
    """
    m = _CLOCK_RE.fullmatch(value)
    if not m:
        return None
    fields = m.group(1).replace(",", ".").split(":")
    seconds = 0.0
    for part in fields:
        seconds = seconds * 60 + float(part)
    return seconds
