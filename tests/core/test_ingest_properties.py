"""Property tests: for generated transcripts every segment is exactly its turn's text.

Speakers, label styles, timestamps and unicode text (accents, emoji, CJK ...) are
random; the importer must find every turn and ``doc.text[s.start:s.end]`` must be the
turn's words, with ``Document.check()`` passing. A fuzz test makes sure no input
escapes as anything but an :class:`IngestError`.
"""

from __future__ import annotations

import csv
import io
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qualcode.errors import IngestError
from qualcode.ingest import CsvMapping, read_documents_from_bytes
from qualcode.ingest.labels import _NEVER_LABELS

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Words never contain ':' (labels need one), '#' (headers) or markdown rule characters;
# everything else goes: letters of any script, digits, emoji, symbols, punctuation.
WORD_CHARS = st.characters(
    categories=("L", "M", "N", "S", "Pd", "Po", "Ps", "Pe", "Pi", "Pf"),
    exclude_characters=":：#*_-",
)
WORD = st.text(WORD_CHARS, min_size=1, max_size=8).filter(lambda w: w[0].isalnum() or not w[0].isalpha())
LINE = st.lists(WORD, min_size=1, max_size=6).map(" ".join)
PARAGRAPH = st.lists(LINE, min_size=1, max_size=2).map("\n".join)
BODY = st.lists(PARAGRAPH, min_size=1, max_size=3).map("\n\n".join)

KNOWN = st.sampled_from(["Interviewer", "P07", "P 12", "I", "R", "Q", "A", "Speaker 1", "Speaker 2",
                         "Participant 3", "Moderator", "Respondent", "Int", "Resp"])
NAME_WORD = st.builds(
    lambda first, rest: first + rest,
    st.characters(categories=("Lu",)),
    st.text(st.characters(categories=("Ll",)), min_size=1, max_size=7),
)
NAME = st.lists(NAME_WORD, min_size=1, max_size=2).map(" ".join).filter(
    lambda n: n.casefold() not in _NEVER_LABELS and len(n) <= 40)
SPEAKER = st.one_of(KNOWN, NAME)
STYLES = ("plain", "bold_in", "bold_out", "bracket_ts", "bare_ts", "paren_ts", "otter", "own_line")


def clock(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def render_turn(style: str, speaker: str, body: str, seconds: int) -> tuple[str, str, float | None]:
    """(prefix, body, expected timestamp); the body starts right after the prefix."""
    ts = clock(seconds)
    prefix, when = {
        "plain": (f"{speaker}: ", None),
        "bold_in": (f"**{speaker}:** ", None),
        "bold_out": (f"**{speaker}**: ", None),
        "bracket_ts": (f"[{ts}] {speaker}: ", float(seconds)),
        "bare_ts": (f"{ts} {speaker}: ", float(seconds)),
        "paren_ts": (f"{speaker} ({ts}): ", float(seconds)),
        "otter": (f"{speaker}  {ts}\n", float(seconds)),
        "own_line": (f"{speaker}:\n", None),
    }[style]
    return prefix, body, when


@st.composite
def transcripts(draw):
    pool = draw(st.lists(SPEAKER, min_size=1, max_size=3, unique_by=lambda s: " ".join(s.split()).casefold()))
    order = draw(st.lists(st.integers(0, len(pool) - 1), min_size=1, max_size=6))
    order = order + order  # every speaker recurs, as unknown labels must
    turns = [(pool[i], draw(BODY), draw(st.sampled_from(STYLES)), draw(st.integers(0, 35999))) for i in order]
    header = draw(st.sampled_from(["", "# Fictional transcript\n# generated\n\n"]))
    separators = [draw(st.sampled_from(["\n", "\n\n", "\n\n\n"])) for _ in turns]
    return header, turns, separators


@SETTINGS
@given(transcripts(), st.sampled_from(["t.txt", "t.md"]), st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]))
def test_labelled_text_offsets(case, filename, encoding):
    header, turns, separators = case
    text = header
    expected = []
    for (speaker, body, style, seconds), sep in zip(turns, separators):
        prefix, body, when = render_turn(style, speaker, body, seconds)
        text += prefix + body + sep
        expected.append((" ".join(speaker.split()), body, when))
    doc = read_documents_from_bytes(text.encode(encoding), filename)[0]
    doc.check()
    assert doc.text == text
    got = [(s.speaker, doc.text[s.start:s.end], s.timestamp) for s in doc.segments]
    assert got == expected


@SETTINGS
@given(st.lists(BODY, min_size=1, max_size=6), st.sampled_from(["\n\n", "\n\n\n", "\n \n"]))
def test_unlabelled_text_offsets(paragraphs, sep):
    # Each BODY may hold blank lines itself; each of its paragraphs is one segment.
    text = sep.join(paragraphs) + "\n"
    doc = read_documents_from_bytes(text.encode(), "notes.txt")[0]
    doc.check()
    expected = [p for body in paragraphs for p in body.split("\n\n")]
    assert [doc.text[s.start:s.end] for s in doc.segments] == expected
    assert all(s.speaker is None for s in doc.segments)


ANY_TEXT = st.text(max_size=80)  # anything at all: colons, newlines, CR, control chars
ROLE = st.sampled_from(["user", "assistant", "Interviewer", "Jane Doe", "p 1"])


def expected_body(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


@SETTINGS
@given(st.lists(st.tuples(ROLE, ANY_TEXT), min_size=1, max_size=8))
def test_chat_json_offsets(messages):
    data = json.dumps([{"role": r, "content": c} for r, c in messages]).encode()
    expected = [(r, expected_body(c)) for r, c in messages if expected_body(c)]
    try:
        doc = read_documents_from_bytes(data, "chat.json")[0]
    except IngestError as exc:
        assert not expected and "no transcript text" in str(exc)
        return
    doc.check()
    assert [(s.speaker, doc.text[s.start:s.end]) for s in doc.segments] == expected


@SETTINGS
@given(st.lists(st.tuples(ROLE, ANY_TEXT.filter(lambda t: "\x00" not in t)), min_size=1, max_size=8),
       st.sampled_from([",", ";", "\t"]))
def test_csv_offsets(rows, delimiter):
    buf = io.StringIO()
    # CRLF rows, as Excel writes them; the writer then quotes cells holding \r or \n.
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(["order", "speaker", "text"])
    for n, (speaker, text) in reversed(list(enumerate(rows))):  # out of order on purpose
        writer.writerow([n, speaker, text])
    expected = [(r, expected_body(t)) for r, t in rows if expected_body(t)]
    mapping = CsvMapping(text="text", order="order", speaker="speaker")
    try:
        doc = read_documents_from_bytes(buf.getvalue().encode(), "t.csv", csv_mapping=mapping)[0]
    except IngestError as exc:
        assert not expected and "no transcript text" in str(exc)
        return
    doc.check()
    assert [(s.speaker, doc.text[s.start:s.end]) for s in doc.segments] == expected


CUE_WORDS = st.lists(st.text(WORD_CHARS.filter(lambda c: c not in "<>&"), min_size=1, max_size=6),
                     min_size=1, max_size=5).map(" ".join)


@SETTINGS
@given(st.lists(st.tuples(st.sampled_from(["Ana", "Bo Li", "Interviewer"]), CUE_WORDS), min_size=1, max_size=8),
       st.booleans())
def test_vtt_offsets_and_merging(cues, voice_tags):
    lines = ["WEBVTT", ""]
    for n, (speaker, words) in enumerate(cues):
        lines += [f"00:{n:02d}.000 --> 00:{n:02d}.900", f"<v {speaker}>{words}" if voice_tags else f"{speaker}: {words}", ""]
    doc = read_documents_from_bytes("\n".join(lines).encode(), "t.vtt")[0]
    doc.check()
    merged: list[list] = []
    for n, (speaker, words) in enumerate(cues):
        if merged and merged[-1][0] == speaker:
            merged[-1][1] += " " + words
        else:
            merged.append([speaker, words, float(n)])
    got = [[s.speaker, doc.text[s.start:s.end], s.timestamp] for s in doc.segments]
    if voice_tags or all(sum(1 for c in cues if c[0] == s) >= 2 or s == "Interviewer" for s, _ in cues):
        assert got == merged


EXTENSIONS = st.sampled_from(["a.txt", "a.md", "a.vtt", "a.srt", "a.json", "a.csv", "a.docx"])


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300), EXTENSIONS)
def test_fuzz_bytes_only_ingest_errors(data, filename):
    try:
        docs = read_documents_from_bytes(data, filename)
    except IngestError:
        return
    for doc in docs:
        doc.check()


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200), st.sampled_from(["WEBVTT\n\n", "", "1\n00:00:01,000 --> 00:00:02,000\n",
                                                "text,speaker,order,document\n"]), EXTENSIONS)
def test_fuzz_text_only_ingest_errors(text, prefix, filename):
    try:
        docs = read_documents_from_bytes((prefix + text).encode("utf-8", "surrogatepass"), filename)
    except IngestError:
        return
    for doc in docs:
        doc.check()


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10)
    | st.sampled_from(["Listing", "t1", "t3", "more", "user", "assistant", "system", "text", "all"]),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(
        st.sampled_from(["kind", "data", "children", "replies", "author", "body", "title", "selftext",
                         "comments", "role", "content", "messages", "mapping", "message", "parent",
                         "current_node", "parts", "created_utc", "create_time", "count", "text", "type"]),
        children, max_size=5),
    max_leaves=25,
)


@settings(max_examples=400, deadline=None)
@given(JSON_VALUES)
def test_fuzz_json_shapes_only_ingest_errors(obj):
    try:
        docs = read_documents_from_bytes(json.dumps(obj).encode(), "a.json")
    except IngestError:
        return
    for doc in docs:
        doc.check()
