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


def test_text_between_turns_is_shown_but_labels_are_not():
    text = "Title of the interview\n\nInterviewer: Hello?\n\nP01: Hi."
    d = Document("T", text, [Segment(text.index("Hello"), text.index("Hello") + 6, "Interviewer"),
                             Segment(text.index("Hi."), text.index("Hi.") + 3, "P01")])
    kinds = [(b.kind, text[b.start : b.end]) for b in blocks(d)]
    assert kinds == [("text", "Title of the interview"), ("turn", "Hello?"), ("turn", "Hi.")]
    assert rendered_text(d, 0, len(text)) == "Title of the interviewHello?Hi."


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


def test_codes_sharing_a_theme_colour_get_distinct_shades():
    from qualcode.model import Code

    codes = [Code("T", colour="#0072b2", id=1), Code("a", parent="T", colour="#0072b2", id=2),
             Code("b", parent="T", colour="#0072b2", id=3), Code("c", id=4)]
    colours = code_colours(codes)
    assert colours[1] == "#0072b2" and len({colours[1], colours[2], colours[3]}) == 3
    assert all(len(c) == 7 and c.startswith("#") for c in colours.values())


def test_long_interview_renders_as_one_element():
    # How fast is measured in benchmarks/bench_views.py, not asserted here.
    turns = [("Interviewer" if i % 2 else "P01", "word " * 25) for i in range(1000)]  # 25,000 words
    d = make_interview("long", turns)
    codings = [coding(s.start, s.end, (i % 5) + 1, cid=i) for i, s in enumerate(d.segments[::3])]
    html = transcript_html(d, codings, {})
    assert html.count('class="qc-turn ') == 1000
