"""Build the coding workspace's transcript as one escaped, highlighted HTML string.

Pure functions (no Streamlit): easy to unit-test and fast enough for a two-hour
interview. The HTML is shown by the transcript component, which reports selections
back as code-point offsets; :func:`resolve_selection` checks them against the text.

Every piece of transcript text, speaker label and code name goes through
:func:`html.escape`: a transcript that contains ``<script>`` shows it as text.

The markup contract the component's JavaScript relies on:

* every selectable stretch of text is a ``<span class="qc-r" data-s="N">`` holding
  exactly one text node, where ``N`` is the code-point offset of its first character;
* gutters (speaker, timestamp, buttons) carry no ``data-s`` and are not selectable;
* highlighted runs carry ``data-c`` (space-separated coding ids) and a ``title``;
* every row (``.qc-turn``/``.qc-free``) carries ``data-h``, a fingerprint of its markup.
"""

from __future__ import annotations

import hashlib
import heapq
import re
from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

from ..errors import UsageError
from ..model import Code, Coding, Document

__all__ = [
    "Block",
    "blocks",
    "turn_pieces",
    "rendered_text",
    "transcript_html",
    "html_digest",
    "resolve_selection",
    "trim_span",
    "format_timestamp",
    "code_colour",
    "code_colours",
    "PALETTE",
    "SAFE_PALETTE",
    "utf16_to_codepoint",
    "codepoint_to_utf16",
]

# Colour-blind-friendly categorical palette (Okabe-Ito plus a few Tableau tones)
# for codes that have no colour of their own; picked by code id so it is stable.
PALETTE = (
    "#E69F00", "#56B4E9", "#009E73", "#D55E00", "#CC79A7", "#0072B2", "#F0E442",
    "#8C564B", "#7F7F7F", "#BCBD22", "#17BECF", "#9467BD",
)
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass(frozen=True)
class Block:
    """A visible stretch of the transcript: one speaker turn, or free text between turns."""

    start: int
    end: int
    kind: str  # "turn" | "text"
    index: int | None = None  # segment index for turns
    speaker: str | None = None
    timestamp: float | None = None


def blocks(doc: Document) -> list[Block]:
    """The document split into what the workspace shows, in text order.

    Only turns are rows: when a document has segments, the text between them
    (printed labels such as ``P01:`` or Otter's ``Speaker 1  0:03``, timestamps,
    blank lines, a title) is never shown as a row and can never be coded; the gutter
    shows each turn's speaker and time. A document without segments is one text
    block (a field note).
    """
    if doc.segments:
        return [Block(seg.start, seg.end, "turn", i, seg.speaker, seg.timestamp) for i, seg in enumerate(doc.segments)]
    stripped = doc.text.strip()
    if not stripped:
        return []
    start = len(doc.text) - len(doc.text.lstrip())
    return [Block(start, start + len(stripped), "text")]


def turn_pieces(doc: Document, start: int, end: int) -> list[tuple[int, int]]:
    """``[start, end)`` cut at turn boundaries: one trimmed span per turn it covers.

    A selection that crosses turns becomes one coding per turn, so no quote ever
    holds the next speaker's label or the gap between turns.
    """
    out = []
    for blk in blocks(doc):
        a, b = trim_span(doc.text, max(blk.start, start), min(blk.end, end))
        if a < b:
            out.append((a, b))
    return out


def rendered_text(doc: Document, start: int, end: int, block_list: Sequence[Block] | None = None) -> str:
    """The text a reader sees between two offsets: the visible blocks' text, concatenated.

    Equals ``doc.text[start:end]`` inside one turn; across turns the gaps (labels,
    blank lines) are left out, as in the browser's selection.
    """
    parts = []
    for blk in block_list if block_list is not None else blocks(doc):
        a, b = max(blk.start, start), min(blk.end, end)
        if a < b:
            parts.append(doc.text[a:b])
    return "".join(parts)


def trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink ``[start, end)`` so it neither starts nor ends with whitespace."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def resolve_selection(doc: Document, selection: Mapping[str, object]) -> tuple[int, int, str]:
    """Check a selection reported by the browser and return ``(start, end, snippet)``.

    ``selection`` has code-point ``start``/``end`` and the ``text`` the browser saw.
    That text must equal what the workspace rendered between the offsets; a mismatch
    means the offsets were converted wrongly or the page is stale, and nothing is
    coded. Leading/trailing whitespace is trimmed off the span (a dragged selection
    often catches a space); ``snippet`` is ``doc.text[start:end]`` after trimming.
    """
    try:
        start, end = int(selection["start"]), int(selection["end"])  # type: ignore[arg-type]
        seen = str(selection.get("text", ""))
    except (KeyError, TypeError, ValueError) as exc:
        raise UsageError("the selection could not be read; select the text again") from exc
    if not (0 <= start < end <= len(doc.text)):
        raise UsageError(f"{doc.name}: the selection [{start}, {end}) is outside the transcript; reload the page")
    if rendered_text(doc, start, end) != seen:
        raise UsageError(f"{doc.name}: the selected text does not match the transcript; reload the page and select it again")
    start, end = trim_span(doc.text, start, end)
    if start >= end:
        raise UsageError("the selection is only whitespace; select some words")
    return start, end, doc.text[start:end]


def format_timestamp(seconds: float | None) -> str:
    """``75.4`` -> ``"01:15"``; ``3725`` -> ``"1:02:05"``; None -> ``""``."""
    if seconds is None:
        return ""
    total = int(seconds)
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


def code_colour(code_id: int, colour: str | None = None) -> str:
    """The code's own ``#rrggbb`` colour if valid, else a stable palette colour."""
    if colour and _HEX.match(colour):
        return colour.lower()
    return PALETTE[(code_id - 1) % len(PALETTE)] if code_id > 0 else PALETTE[0]


# Paul Tol's "muted" qualitative scheme, designed to stay distinguishable with
# colour-vision deficiencies (https://personal.sron.nl/~pault/#sec:qualitative).
SAFE_PALETTE = ("#332288", "#CC6677", "#117733", "#DDCC77", "#88CCEE", "#882255", "#44AA99", "#999933", "#AA4499")
_CYCLE_SHADES = (0.0, 0.45, -0.35)


def _shade(hex_colour: str, amount: float) -> str:
    # amount > 0 mixes towards white, < 0 towards black.
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    target = 255 if amount > 0 else 0
    mix = [round(c + (target - c) * abs(amount)) for c in (r, g, b)]
    return "#" + "".join(f"{c:02x}" for c in mix)


def code_colours(codes: Sequence[Code]) -> dict[int, str]:
    """Code id -> display colour for every code of a codebook.

    Codebooks often give every code of a theme the theme's colour, and shades of one
    hue are hard to tell apart (two navy codes read as one). Within a theme (a
    top-level code and everything under it) codes keep their own colours when those
    are all different; otherwise each code of the theme gets its own colour from a
    colour-blind-safe palette, in codebook order, so overlapping or neighbouring
    codings of one theme stay distinguishable.
    """
    by_name = {c.name: c for c in codes}

    def root(c: Code) -> str:
        seen = set()
        while c.parent and c.parent in by_name and c.name not in seen:
            seen.add(c.name)
            c = by_name[c.parent]
        return c.name

    themes: dict[str, list[Code]] = {}
    for c in codes:
        if c.id is not None:
            themes.setdefault(root(c), []).append(c)
    out: dict[int, str] = {}
    for t, members in enumerate(themes.values()):
        own = [code_colour(c.id, c.colour) for c in members]
        if len(set(own)) == len(own):
            out.update({c.id: col for c, col in zip(members, own)})
            continue
        # Start each theme at another place in the palette so neighbouring themes differ too.
        for k, c in enumerate(members):
            n = (k + 2 * t) % len(SAFE_PALETTE)
            cycle = (k // len(SAFE_PALETTE)) % len(_CYCLE_SHADES)
            out[c.id] = _shade(SAFE_PALETTE[n].lower(), _CYCLE_SHADES[cycle]) if cycle else SAFE_PALETTE[n].lower()
    return out


def _rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def _speaker_class(speaker: str | None, speakers: dict[str, int]) -> int:
    if not speaker:
        return 0
    return speakers.setdefault(speaker, len(speakers) % 4 + 1)


def transcript_html(
    doc: Document,
    codings: Sequence[Coding],
    colours: Mapping[int, str],
    *,
    show_coder: bool = True,
    only_coded: bool = False,
    turn_buttons: bool = True,
) -> str:
    """The whole transcript as one HTML string with coloured, stacked highlights.

    ``codings`` are the ones to show (already filtered by coder/code); ``colours``
    maps code id -> ``#rrggbb``. Overlapping codings blend their tints and stack
    their underlines; hovering shows the code names (and coders when ``show_coder``).
    ``only_coded`` hides turns without a visible coding (a "…" marks each gap).
    """
    text = doc.text
    block_list = blocks(doc)
    ordered = sorted(codings, key=lambda c: (c.start, c.end, c.id or 0))
    cuts = sorted({p for c in ordered for p in (c.start, c.end)})
    starts = [c.start for c in ordered]
    # max_end[k]: the furthest end among the first k+1 codings (does a block overlap any?)
    max_end: list[int] = []
    for c in ordered:
        max_end.append(max(c.end, max_end[-1]) if max_end else c.end)

    active: dict[int, Coding] = {}
    end_heap: list[tuple[int, int]] = []
    next_i = 0
    # A second sweep for the margin stripes: the codings overlapping each block.
    open_codings: list[Coding] = []
    stripe_i = 0
    speakers: dict[str, int] = {}
    out: list[str] = ['<div class="qc-doc">']
    skipped = False

    for blk in block_list:
        if only_coded:
            k = bisect_left(starts, blk.end)
            if not (k and max_end[k - 1] > blk.start):
                skipped = True
                continue
            if skipped:
                out.append('<div class="qc-skip" aria-hidden="true">…</div>')
                skipped = False
        while stripe_i < len(ordered) and ordered[stripe_i].start < blk.end:
            open_codings.append(ordered[stripe_i])
            stripe_i += 1
        open_codings = [c for c in open_codings if c.end > blk.start]
        first = len(out)
        out.append(_block_open(blk, speakers, turn_buttons))
        lo, hi = bisect_right(cuts, blk.start), bisect_left(cuts, blk.end)
        points = [blk.start, *cuts[lo:hi], blk.end]
        for a, b in zip(points, points[1:]):
            if a >= b:
                continue
            # Sweep: codings start in order; expired ones leave the heap lazily.
            while next_i < len(ordered) and ordered[next_i].start <= a:
                c = ordered[next_i]
                active[next_i] = c
                heapq.heappush(end_heap, (c.end, next_i))
                next_i += 1
            while end_heap and end_heap[0][0] <= a:
                active.pop(heapq.heappop(end_heap)[1], None)
            out.append(_run(text[a:b], a, list(active.values()), colours, show_coder))
        out.append("</div>" + _stripes([c for c in open_codings if c.start < blk.end], colours, show_coder) + "</div>")
        # Each row carries a fingerprint of its own markup: after a coding the browser
        # replaces only the rows whose fingerprint changed (one turn), not the whole
        # transcript, so it lays out and paints one turn.
        row = "".join(out[first:])
        out[first:] = [f'<div data-h="{html_digest(row)}"{row[4:]}']
    if only_coded and skipped and len(out) > 1:
        out.append('<div class="qc-skip" aria-hidden="true">…</div>')
    if len(out) == 1:
        out.append('<p class="qc-empty">Nothing to show with these filters.</p>')
    out.append("</div>")
    return "".join(out)


def _block_open(blk: Block, speakers: dict[str, int], turn_buttons: bool = True) -> str:
    if blk.kind == "turn":
        spk = escape(blk.speaker or "", quote=True)
        ts = format_timestamp(blk.timestamp)
        cls = _speaker_class(blk.speaker, speakers)
        button = (
            f'<button type="button" class="qc-turn-btn" data-i="{blk.index}" title="Code this whole turn" '
            f'aria-label="Code turn {(blk.index or 0) + 1}">+</button>'
            if turn_buttons
            else ""
        )
        return (
            f'<div class="qc-turn qc-spk{cls}" data-i="{blk.index}" data-start="{blk.start}" data-end="{blk.end}">'
            f'<div class="qc-gutter" contenteditable="false">{button}'
            f'<span class="qc-speaker">{spk}</span>'
            + (f'<span class="qc-ts">{ts}</span>' if ts else "")
            + '</div><div class="qc-body">'
        )
    return (
        f'<div class="qc-free" data-start="{blk.start}" data-end="{blk.end}">'
        '<div class="qc-gutter" contenteditable="false"></div><div class="qc-body">'
    )


def _run(piece: str, start: int, active: list[Coding], colours: Mapping[int, str], show_coder: bool) -> str:
    body = escape(piece, quote=True)
    if not active:
        return f'<span class="qc-r" data-s="{start}">{body}</span>'
    active = sorted(active, key=lambda c: (c.start, c.id or 0))
    tints, lines, names, ids = [], [], [], []
    for depth, c in enumerate(active[:6]):  # beyond six stacked lines nobody can read them
        col = colours.get(c.code_id) or code_colour(c.code_id)
        tints.append(f"linear-gradient({_rgba(col, 0.2)},{_rgba(col, 0.2)})")
        lines.append(f"inset 0 -{3 * (depth + 1)}px 0 {col}")
    for c in active:
        label = c.code_name or f"code {c.code_id}"
        names.append(f"{label} ({c.coder})" if show_coder else label)
        ids.append(str(c.id))
    style = f"background-image:{','.join(tints)};box-shadow:{','.join(lines)};padding-bottom:{3 * min(len(active), 6)}px"
    title = escape(" · ".join(dict.fromkeys(names)), quote=True)
    return (
        f'<span class="qc-r qc-h" data-s="{start}" data-c="{" ".join(ids)}" title="{title}" '
        f'style="{style}">{body}</span>'
    )


def _stripes(covering: Sequence[Coding], colours: Mapping[int, str], show_coder: bool) -> str:
    """The margin beside a turn: one coloured stripe per code that covers part of it
    (like the coding stripes of MAXQDA and NVivo); hovering names the code, who
    applied it and their memo."""
    by_code: dict[int, list[Coding]] = {}
    for c in covering:
        by_code.setdefault(c.code_id, []).append(c)
    bars = []
    for code_id, cs in by_code.items():
        col = colours.get(code_id) or code_colour(code_id)
        lines = [cs[0].code_name or f"code {code_id}"]
        for c in cs[:8]:
            who = c.coder if show_coder else "you"
            lines.append(f"{who}: {c.memo.strip()[:160]}" if c.memo and c.memo.strip() else who)
        if len(cs) > 8:
            lines.append(f"and {len(cs) - 8} more")
        title = escape("\n".join(dict.fromkeys(lines)), quote=True)
        ids = " ".join(str(c.id) for c in cs)
        bars.append(f'<span class="qc-stripe" data-c="{ids}" title="{title}" style="background:{col}"></span>')
    return f'<div class="qc-stripes" contenteditable="false" aria-hidden="true">{"".join(bars)}</div>'


def html_digest(html: str) -> str:
    """A short stable fingerprint of rendered HTML (lets the browser skip re-rendering)."""
    return hashlib.blake2b(html.encode("utf-8"), digest_size=8).hexdigest()


def utf16_to_codepoint(text: str, offset: int) -> int:
    """Convert a UTF-16 code-unit offset into ``text`` to a Python code-point offset.

    The Python twin of the component's JavaScript conversion (used by tests and
    anyone reading browser offsets). Characters outside the BMP (most emoji) take
    two UTF-16 units but one code point.
    """
    units = 0
    for i, ch in enumerate(text):
        if units >= offset:
            return i
        units += 2 if ord(ch) > 0xFFFF else 1
    return len(text)


def codepoint_to_utf16(text: str, offset: int) -> int:
    """Convert a code-point offset into ``text`` to a UTF-16 code-unit offset."""
    return sum(2 if ord(ch) > 0xFFFF else 1 for ch in text[:offset])
