"""AnnoMI (real, public counselling transcripts) from ../shared/data, when present."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from qualcode.ingest import ANNOMI_MAPPING, read_documents

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "annomi"
MULTI_CODER = {7, 27, 55, 56, 66, 109, 130}


def _need(name: str) -> Path:
    path = DATA / name
    if not path.is_file():
        pytest.skip(f"../shared/data not present ({path} missing); AnnoMI tests need the shared data folder")
    return path


@pytest.fixture(scope="module")
def full():
    path = _need("AnnoMI-full.csv")
    # Import speed is measured in benchmarks/bench_import.py, not asserted here.
    return read_documents(path, csv_mapping=ANNOMI_MAPPING), None


def test_full_imports_133_documents(full):
    docs, _ = full
    assert len(docs) == 133
    names = {d.name for d in docs}
    assert "annomi-0" in names and "annomi-132" in names
    for doc in docs:
        doc.check()
        assert doc.source_format == "csv"
        assert {s.speaker for s in doc.segments} <= {"therapist", "client"}
        assert all(s.timestamp is not None for s in doc.segments)
    assert sum(len(d.segments) for d in docs) == 9699  # the distinct utterances (= AnnoMI-simple rows)
    first = docs[0]
    assert first.text.startswith("therapist: Thanks for filling it out.")
    assert first.segments[0].timestamp == 13.0
    assert first.metadata["topic"] == "reducing alcohol consumption"


def test_full_multi_coder_transcripts(full):
    docs, _ = full
    coders = {int(d.name.removeprefix("annomi-")): {c.coder for c in d.codings} for d in docs}
    multi = {k for k, v in coders.items() if len(v) > 1}
    assert multi == MULTI_CODER
    for k in MULTI_CODER:
        assert len(coders[k]) == 10
    assert set().union(*(coders[k] for k in MULTI_CODER)) == {f"annomi-annotator-{i}" for i in range(10)}


def test_full_codes_and_themes(full):
    docs, _ = full
    themes = Counter((c.theme, c.code) for d in docs for c in d.codings)
    assert {code for theme, code in themes if theme == "main_therapist_behaviour"} == {
        "question", "reflection", "therapist_input", "other"}
    assert {code for theme, code in themes if theme == "client_talk_type"} == {"change", "neutral", "sustain"}
    doc = next(d for d in docs if d.name == "annomi-7")
    for c in doc.codings:  # therapist behaviour codes sit on therapist turns, talk types on client turns
        expected = "therapist" if c.theme == "main_therapist_behaviour" else "client"
        assert doc.segments[c.segment_index].speaker == expected
    # Ten coders on one utterance: ONE segment, up to ten codings.
    per_segment = Counter(c.segment_index for c in doc.codings)
    assert max(per_segment.values()) >= 10


def test_full_auto_detection_matches_preset():
    path = _need("AnnoMI-full.csv")
    docs = read_documents(path)  # no mapping: AnnoMI's columns are recognised
    assert len(docs) == 133 and docs[0].name == "annomi-0" and docs[0].codings


def test_simple_imports_with_named_coder():
    path = _need("AnnoMI-simple.csv")
    docs = read_documents(path, csv_mapping=ANNOMI_MAPPING)
    assert len(docs) == 133
    assert {c.coder for d in docs for c in d.codings} == {"annomi-expert"}
    assert sum(len(d.segments) for d in docs) == 9699
