"""Speaker labels in prose transcripts, and splitting such text into turns.

Shared by ``.txt``/``.md``, ``.docx`` paragraphs and subtitle cues. The rules are
deliberately conservative, because a false label silently splits a turn and
misattributes words, while a missed label only merges two turns:

* a label starts a line and is short (at most 4 words / 40 characters);
* it ends in a colon followed by a space or the end of the line (so ``http://`` and
  ``at 5:30`` are not labels) — except the Otter style ``Speaker 1  00:01:02``;
* unless it is a well-known label (Interviewer, Participant 3, P07, I, R, Q, A,
  Speaker 2 ...), it must occur at least twice in the document and look like a name
  (capitalised words, or one word); a few prose words (Note, Example ...) never are;
* an Otter-style line (a name, two or more spaces, a time, nothing else:
  ``Priya Raman  0:09``) needs no recurrence of its own name when the document has
  at least two such lines: the layout recurs, so a speaker who talks once is still
  a speaker, and their label line is never left as words of the turn before.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from qualcode.model import Segment

from .timecode import CLOCK, parse_clock

__all__ = ["LabelMatch", "match_label", "is_known_label", "split_turns", "label_key"]

MAX_LABEL_CHARS = 40
MAX_LABEL_WORDS = 4
MIN_RECURRENCE = 2

_KNOWN = re.compile(
    r"""(?ix)
    (?:interviewer|interviewee|participant|respondent|moderator|facilitator|researcher
       |int|resp|iv|ie)(?:\s*\d+|\s+[a-z])?
    | speaker\s*(?:\d+|[a-z])
    | p\s?\d+
    | [iraq]\d*
    """
)
# Words that start prose lines with a colon ("Note: ...") far more often than they
# name a speaker; casefolded.
_NEVER_LABELS = frozenset(
    "note notes nb ps edit update example examples e.g eg warning caution important tip hint "
    "source sources see summary date time location place duration title subject re step "
    "reason answer question comment comments reply http https mailto file".split()
)
# Lower-case particles allowed inside a multi-word name ("Ana de Souza").
_PARTICLES = frozenset("de da do dos das del della di van von der den la le du bin al el y".split())

_LABEL_CHARS = re.compile(r"[^\W_][\w .'’()&/#+-]*")
_COLON = "[:：]"
_TS_PREFIX = re.compile(
    rf"\s*(?:\[(?P<a>{CLOCK})\]|\((?P<b>{CLOCK})\)|(?P<c>{CLOCK})(?=\s))\s*(?:[-–—|]\s*)?"
)
# Repetitions are bounded (labels are short) so that a huge line cannot make the
# regex engine backtrack for minutes.
_BOLD_INSIDE = re.compile(rf"(\*\*|__)(?P<l>[^*_\n]{{1,60}}?)[ \t]{{0,3}}{_COLON}[ \t]{{0,3}}\1\s*")  # **I:**
_BOLD_OUTSIDE = re.compile(rf"(\*\*|__)(?P<l>[^*_\n]{{1,60}}?)\1[ \t]{{0,3}}{_COLON}(?=\s|$)\s*")  # **P05**:
_PLAIN = re.compile(
    rf"(?P<l>[^\s:：*][^:：\n]{{0,60}}?)[ \t]{{0,3}}(?:[\[(](?P<ts>{CLOCK})[\])])?[ \t]{{0,3}}{_COLON}(?=\s|$)\s*"
)
_OTTER = re.compile(rf"(?P<l>\S[^\n]{{0,60}}?)[ \t]{{2,20}}(?P<ts>{CLOCK})\s*$")  # "Speaker 1  00:01:02"
_OTTER_MAX_LINE = 100


@dataclass(frozen=True)
class LabelMatch:
    """A candidate speaker label found at the start of a line."""

    label: str  # as written, decoration removed, whitespace collapsed
    body_col: int  # column where the turn's words start on this line (== len(line) if none)
    timestamp: float | None
    known: bool
    otter: bool = False  # "Name  0:09" alone on its line

    @property
    def key(self) -> str:
        return label_key(self.label)


def label_key(label: str) -> str:
    """Case- and space-insensitive identity of a label, for counting recurrences."""
    return " ".join(label.split()).casefold()


def is_known_label(label: str) -> bool:
    """True for conventional labels (Interviewer, P07, I, R, Q, A, Speaker 2 ...)."""
    return _KNOWN.fullmatch(" ".join(label.split())) is not None


def _plausible(label: str, known: bool) -> bool:
    if not (0 < len(label) <= MAX_LABEL_CHARS) or len(label.split()) > MAX_LABEL_WORDS:
        return False
    if not _LABEL_CHARS.fullmatch(label) or not any(ch.isalpha() for ch in label):
        return False
    if label_key(label) in _NEVER_LABELS:
        return False
    if known:
        return True
    words = label.split()
    # "The thing is: ..." is prose; "Jane Doe:", "DR SMITH:" and "user:" are names.
    return len(words) == 1 or all(
        not w[0].isalpha() or w[0].isupper() or w in _PARTICLES for w in words
    )


def match_label(line: str) -> LabelMatch | None:
    """Parse a speaker label at the start of ``line`` (no recurrence check here)."""
    pos = 0
    ts: float | None = None
    m = _TS_PREFIX.match(line)
    if m:
        ts = parse_clock(m.group("a") or m.group("b") or m.group("c"))
        pos = m.end()
    else:
        pos = len(line) - len(line.lstrip())
    for pattern in (_BOLD_INSIDE, _BOLD_OUTSIDE, _PLAIN):
        m = pattern.match(line, pos)
        if m:
            if "ts" in pattern.groupindex and m.group("ts"):
                ts = parse_clock(m.group("ts"))
            return _make(m.group("l"), m.end(), ts)
    if ts is None and len(line) <= _OTTER_MAX_LINE:
        m = _OTTER.match(line, pos)
        if m:
            return _make(m.group("l"), len(line), parse_clock(m.group("ts")), otter=True)
    return None


def _make(raw: str, body_col: int, ts: float | None, *, otter: bool = False) -> LabelMatch | None:
    label = " ".join(raw.split())
    known = is_known_label(label)
    if not _plausible(label, known):
        return None
    return LabelMatch(label, body_col, ts, known, otter)


def _header_lines(lines: list[str], markdown: bool) -> set[int]:
    """Leading ``#`` comment lines (and a markdown front-matter block)."""
    skip: set[int] = set()
    i = 0
    if markdown and lines and lines[0].strip() == "---":
        for j in range(1, len(lines)):
            if lines[j].strip() in ("---", "..."):
                skip.update(range(0, j + 1))
                i = j + 1
                break
    while i < len(lines) and (not lines[i].strip() or lines[i].lstrip().startswith("#")):
        if lines[i].strip():
            skip.add(i)
        i += 1
    return skip


_MD_BREAK = re.compile(r"\s{0,3}(?:#{1,6}(?:\s|$)|(?:-{3,}|\*{3,}|_{3,})\s*$)")


def split_turns(
    text: str, *, markdown: bool = False, break_lines: frozenset[int] = frozenset()
) -> tuple[list[Segment], bool]:
    """Split prose ``text`` into segments; return ``(segments, labelled)``.

    With speaker labels: a labelled line starts a turn; following unlabelled lines and
    paragraphs continue it; text before the first label (a preamble) belongs to no
    turn. Without labels: one segment per paragraph, speaker ``None``.
    ``break_lines`` are line indices that are never part of a turn (e.g. headings).
    """
    lines = text.split("\n")  # never splitlines(): it also splits on \x1c, \u2028 ...
    starts: list[int] = []
    pos = 0
    for line in lines:
        starts.append(pos)
        pos += len(line) + 1

    skip = _header_lines(lines, markdown) | set(break_lines)
    if markdown:
        skip.update(i for i, line in enumerate(lines) if _MD_BREAK.match(line))

    found = {i: match_label(line) for i, line in enumerate(lines) if i not in skip and line.strip()}
    counts = Counter(m.key for m in found.values() if m)
    otter_layout = sum(1 for m in found.values() if m and m.otter) >= MIN_RECURRENCE
    labels = {
        i: m for i, m in found.items()
        if m and (m.known or counts[m.key] >= MIN_RECURRENCE or (m.otter and otter_layout))
    }

    segments: list[Segment] = []
    span: list[int | None] = [None, None]  # start, end of the open turn's body
    who: tuple[str | None, float | None] | None = None  # open turn's speaker, timestamp

    def close() -> None:
        if who is not None and span[0] is not None and span[1] is not None and span[1] > span[0]:
            segments.append(Segment(span[0], span[1], who[0], who[1]))
        span[0] = span[1] = None

    for i, line in enumerate(lines):
        if i in skip:
            close()
            if labels:
                who = None  # a heading ends the turn; what follows needs a new label
            continue
        if i in labels:
            close()
            m = labels[i]
            who = (m.label, m.timestamp)
            rest = line[m.body_col:]
            if rest.strip():
                lead = len(rest) - len(rest.lstrip())
                span[0] = starts[i] + m.body_col + lead
                span[1] = starts[i] + len(line.rstrip())
            continue
        if not line.strip():
            if not labels:
                close()  # unlabelled text: a blank line ends the paragraph-segment
            continue
        if not labels and span[0] is None:
            who = (None, None)
        if who is None:
            continue  # preamble before the first label
        if span[0] is None:
            span[0] = starts[i] + len(line) - len(line.lstrip())
        span[1] = starts[i] + len(line.rstrip())
    close()
    return segments, bool(labels)
