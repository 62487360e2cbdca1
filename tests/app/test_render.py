"""The transcript HTML builder and selection checks (pure functions, no Streamlit)."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from qualcode.errors import QualcodeError
from qualcode.model import Coding, Document, Segment
from qualcode.ui.render import (
    blocks,
    code_colour,
    code_colours,
    codepoint_to_utf16,
    format_timestamp,
    rendered_text,
    resolve_selection,
    transcript_html,
    trim_span,
    utf16_to_codepoint,
)
from tests.conftest import make_interview

HOSTILE = 'Look <script>window.__pwned=1</script> and <img src=x onerror="window.__pwned=2"> & "quotes"'


class Runs(HTMLParser):
    """Collect (data-s, text) of every selectable run, and every tag seen."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.runs: list[tuple[int, str]] = []
        self.tags: list[str] = []
        self._open: int | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        a = dict(attrs)
        if "data-s" in a:
            self._open = int(a["data-s"])
            self.runs.append((self._open, ""))

    def handle_endtag(self, tag):
        self._open = None

    def handle_data(self, data):
        if self._open is not None:
            s, t = self.runs[-1]
            self.runs[-1] = (s, t + data)


def parse(html: str) -> Runs:
    p = Runs()
    p.feed(html)
    return p


def coding(start, end, code_id=1, coder="ana", cid=1, name="Code A"):
    return Coding(1, start, end, code_id, coder, id=cid, code_name=name)


@pytest.fixture
def doc() -> Document:
    return make_interview(
        "P01",
        [("Interviewer", "How was it?"), ("P01", "Honestly 😊 it felt like a café at 3am. Naïve maybe.")],
    )


def test_every_run_starts_at_its_code_point_offset(doc):
    codings = [coding(doc.text.index("felt"), doc.text.index("café") + 4), coding(doc.text.index("😊"), doc.text.index("😊") + 1, 2, cid=2)]
    runs = parse(transcript_html(doc, codings, {})).runs
    for start, text in runs:
        assert doc.text[start : start + len(text)] == text
    # The runs together are exactly the turns' text, nothing else (labels live in gutters).
    assert "".join(t for _, t in runs) == "".join(doc.text[s.start : s.end] for s in doc.segments)


def test_transcript_text_is_escaped_and_no_markup_is_injected():
    d = make_interview("X", [("P<b>1</b>", HOSTILE)])
    html = transcript_html(d, [coding(0 + d.segments[0].start, d.segments[0].start + 4, name='<img src=y onerror=alert(1)>')], {})
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;" in html and "&lt;img src=x onerror=" in html
    tags = set(parse(html).tags)
    assert tags <= {"div", "span", "button", "p"}
    # The speaker label is escaped too.
    assert "P&lt;b&gt;1&lt;/b&gt;" in html


def test_overlapping_codings_stack_and_name_every_code(doc):
    a = doc.text.index("felt")
    html = transcript_html(
        doc, [coding(a, a + 20, 1, cid=1, name="Warmth"), coding(a + 5, a + 30, 2, coder="ben", cid=2, name="Night")], {1: "#ff0000"}
    )
    assert 'data-c="1 2"' in html
    assert 'title="Warmth (ana) · Night (ben)"' in html
    assert "inset 0 -3px 0 #ff0000,inset 0 -6px 0" in html
    # Blind mode hides coder names in the hover text.
    assert "(ana)" not in transcript_html(doc, [coding(a, a + 4)], {}, show_coder=False)


def test_only_coded_hides_uncoded_turns(doc):
    s = doc.segments[1]
    html = transcript_html(doc, [coding(s.start, s.start + 8)], {}, only_coded=True)
    assert "How was it?" not in html and "Honestly" in html and "qc-skip" in html
    assert "Nothing to show" in transcript_html(doc, [], {}, only_coded=True)


def test_only_turns_are_rows_never_labels_or_timestamps():
    # Otter-style: "Speaker 1  0:03" on its own line above each turn.
    text = "Title of the interview\n\nSpeaker 1  0:03\nHello?\n\nSpeaker 2  0:09\nHi."
    d = Document("T", text, [Segment(text.index("Hello"), text.index("Hello") + 6, "Speaker 1", 3.0),
                             Segment(text.index("Hi."), text.index("Hi.") + 3, "Speaker 2", 9.0)])
    kinds = [(b.kind, text[b.start : b.end]) for b in blocks(d)]
    assert kinds == [("turn", "Hello?"), ("turn", "Hi.")]
    assert rendered_text(d, 0, len(text)) == "Hello?Hi."
    html = transcript_html(d, [], {})
    assert "Speaker 1  0:03" not in html and "qc-free" not in html


def test_a_span_across_turns_is_cut_into_one_piece_per_turn():
    from qualcode.ui.render import turn_pieces

    text = "Speaker 1  0:03\nHow did you find it?\n\nPriya Raman:  It was there."
    a, b = text.index("How"), text.index("It was")
    d = Document("T", text, [Segment(a, a + 20, "Speaker 1"), Segment(b, len(text), "Priya Raman")])
    pieces = turn_pieces(d, text.index("find"), text.index(" there"))
    assert [text[x:y] for x, y in pieces] == ["find it?", "It was"]


def test_document_without_segments_is_one_block():
    d = Document("plain", "  just some notes\n")
    assert [(b.kind, b.start, b.end) for b in blocks(d)] == [("text", 2, 17)]


def test_resolve_selection_accepts_what_the_browser_saw_and_trims(doc):
    start = doc.text.index("😊")
    end = doc.text.index("café") + len("café")
    sel = {"start": start - 1, "end": end + 1, "text": doc.text[start - 1 : end + 1]}  # " 😊 … café "
    assert resolve_selection(doc, sel) == (start, end, doc.text[start:end])


def test_resolve_selection_rejects_utf16_offsets(doc):
    # Offsets counted in UTF-16 units (one too many after the emoji) must not code the wrong text.
    start = doc.text.index("café")
    wrong = codepoint_to_utf16(doc.text, start)
    assert wrong == start + 1
    with pytest.raises(QualcodeError, match="does not match"):
        resolve_selection(doc, {"start": wrong, "end": wrong + 4, "text": "café"})


def test_resolve_selection_rejects_garbage(doc):
    with pytest.raises(QualcodeError):
        resolve_selection(doc, {"start": "x", "end": 3, "text": ""})
    with pytest.raises(QualcodeError, match="outside"):
        resolve_selection(doc, {"start": 0, "end": 10**6, "text": ""})
    s = doc.segments[1].start
    with pytest.raises(QualcodeError, match="whitespace"):
        resolve_selection(doc, {"start": s + 8, "end": s + 9, "text": " "})


def test_cross_turn_selection_skips_labels(doc):
    a, b = doc.segments[0], doc.segments[1]
    seen = doc.text[a.end - 3 : a.end] + doc.text[b.start : b.start + 8]
    start, end, snippet = resolve_selection(doc, {"start": a.end - 3, "end": b.start + 8, "text": seen})
    assert snippet == doc.text[a.end - 3 : b.start + 8]  # the stored snippet is the real text span


def test_utf16_conversions_round_trip():
    text = "a😊é𝄞b"
    for cp in range(len(text) + 1):
        assert utf16_to_codepoint(text, codepoint_to_utf16(text, cp)) == cp
    assert codepoint_to_utf16(text, len(text)) == len(text.encode("utf-16-le")) // 2


def test_small_helpers():
    assert format_timestamp(None) == ""
    assert format_timestamp(75.4) == "01:15"
    assert format_timestamp(3725) == "1:02:05"
    assert trim_span("  ab  ", 0, 6) == (2, 4)
    assert code_colour(3, "#AABBCC") == "#aabbcc"
    assert code_colour(3, "red; background:url(x)").startswith("#")  # never raw CSS from a codebook


def test_codes_of_one_theme_get_distinct_colour_blind_safe_colours():
    from qualcode.model import Code
    from qualcode.ui.render import SAFE_PALETTE

    # As in the shipped codebook: every code of a theme carries the theme's navy.
    codes = [Code("T", colour="#1f3d7a", id=1), Code("a", parent="T", colour="#1f3d7a", id=2),
             Code("b", parent="a", colour="#1f3d7a", id=3), Code("c", parent="T", colour="#1f3d7a", id=4),
             Code("Other", colour="#e69f00", id=5), Code("d", parent="Other", colour="#009e73", id=6)]
    colours = code_colours(codes)
    theme = [colours[i] for i in (1, 2, 3, 4)]
    assert len(set(theme)) == 4 and set(theme) <= {c.lower() for c in SAFE_PALETTE}
    # A theme whose codes already differ keeps the codebook's own colours.
    assert (colours[5], colours[6]) == ("#e69f00", "#009e73")


def test_the_shipped_codebook_has_no_two_codes_of_a_theme_in_one_colour():
    from qualcode.codebook import Codebook
    from qualcode.demo import DEMO_CODEBOOK

    book = Codebook.read_yaml(DEMO_CODEBOOK)
    codes = list(book)
    for i, c in enumerate(codes, start=1):
        c.id = i
    colours = code_colours(codes)
    by_name = {c.name: c for c in codes}

    def root(c):
        while c.parent:
            c = by_name[c.parent]
        return c.name

    themes = {}
    for c in codes:
        themes.setdefault(root(c), []).append(colours[c.id])
    for name, cols in themes.items():
        assert len(set(cols)) == len(cols), name
    assert colours[by_name["Always-available companion"].id] != colours[by_name["Substitute for therapy"].id]


def test_margin_stripes_name_the_codes_coders_and_memos():
    d = make_interview("S", [("Interviewer", "Hello there?"), ("P01", "I talk to it at night.")])
    s = d.segments[1]
    cs = [coding(s.start, s.start + 6, 1, cid=1, coder="ana"), coding(s.start + 2, s.end, 2, cid=2, coder="ben")]
    cs[1].memo = "said <quietly>"
    html = transcript_html(d, cs, {1: "#332288", 2: "#cc6677"})
    turn = html[html.index('data-i="1"'):]
    assert turn.count('class="qc-stripe"') == 2 and "background:#332288" in turn
    assert "ben: said &lt;quietly&gt;" in turn
    first = html[: html.index('data-i="1"')]
    assert 'class="qc-stripe"' not in first  # the interviewer's turn has no coding
    blind = transcript_html(d, cs[:1], {1: "#332288"}, show_coder=False)
    assert "ana" not in blind


def test_long_interview_renders_as_one_element():
    # How fast is measured in benchmarks/bench_views.py, not asserted here.
    turns = [("Interviewer" if i % 2 else "P01", "word " * 25) for i in range(1000)]  # 25,000 words
    d = make_interview("long", turns)
    codings = [coding(s.start, s.end, (i % 5) + 1, cid=i) for i, s in enumerate(d.segments[::3])]
    html = transcript_html(d, codings, {})
    assert html.count('class="qc-turn ') == 1000


def test_every_row_carries_a_fingerprint_that_changes_only_with_its_own_markup():
    import re

    doc = make_interview("fp", [("Interviewer", "How was it?"), ("P01", "It listened."), ("Interviewer", "And then?"),
                                ("P01", "I slept.")])
    before = transcript_html(doc, [], {})
    seg = doc.segments[1]
    after = transcript_html(doc, [coding(seg.start, seg.end)], {1: "#336699"})
    rows = re.compile(r'<div data-h="([0-9a-f]+)" class="qc-turn[^"]*" data-i="(\d+)"')
    fp_before, fp_after = dict((i, h) for h, i in rows.findall(before)), dict((i, h) for h, i in rows.findall(after))
    assert sorted(fp_before) == sorted(fp_after) == ["0", "1", "2", "3"]
    assert len(set(fp_before.values())) == 4  # every row its own fingerprint
    assert [i for i in fp_before if fp_before[i] != fp_after[i]] == ["1"]  # the coded turn, nothing else
