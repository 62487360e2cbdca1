"""De-identification without a project: recognisers, known names, consistency,
review decisions, speaker labels, offset re-mapping and the key file."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qualcode.deid import (
    DEFAULT_KINDS,
    Key,
    KnownNames,
    deidentify_documents,
    load_nlp,
    parse_kinds,
    propose,
)
from qualcode.deid.names import resolve_people
from qualcode.deid.patterns import find_cues, find_patterns
from qualcode.errors import QualcodeError
from qualcode.model import Document, ImportedCoding, Segment
from tests.conftest import make_interview


@pytest.fixture(scope="session")
def nlp():
    """spaCy, loaded once for the whole test session (it takes seconds)."""
    return load_nlp()


def spans(text: str, kinds=DEFAULT_KINDS) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for h in find_patterns(text, kinds):
        out.setdefault(h.kind, set()).add(text[h.start : h.end])
    return out


# ------------------------------------------------------------------ patterns
@pytest.mark.parametrize(
    "phone",
    [
        "+234 803 123 4567",
        "0803 123 4567",
        "+91 98765 43210",
        "+44 7700 900123",
        "07700 900 123",
        "(02) 9876 5432",
        "+61 491 570 006",
        "0491 570 006",
        "(555) 123-4567",
        "555-123-4567",
        "555-0134",
        "+63 917 123 4567",
        "0917-123-4567",
        "+1 415 555 0134",
        "0131 496 0000",
    ],
)
def test_phone_numbers_in_international_and_local_formats(phone):
    assert spans(f"call me on {phone}, any time")["phone"] == {phone}


@pytest.mark.parametrize("not_phone", ["12/03/2021", "2019-2020", "10 000 000", "3.14159", "1,500,000", "page 12"])
def test_dates_money_and_numbers_are_not_phones(not_phone):
    assert "phone" not in spans(f"it was {not_phone} then")


def test_contacts_handles_addresses_ages_and_dates():
    text = (
        "Mail maria.santos@example.com or maria dot santos at example dot org; see www.example.org/help. "
        "and mariasantos.com. My insta is maria.s_94 and I'm @tunde_writes, u/throwaway_22 on Reddit. "
        "I live at Flat 2/1, 33 Dumbarton Road, Glasgow G11 6PR. I'm 34, a 34-year-old, "
        "I am twenty-seven years old. On 12 March 2021 and 2019-05-04."
    )
    found = spans(text, set(DEFAULT_KINDS) | {"date"})
    assert found["email"] == {"maria.santos@example.com", "maria dot santos at example dot org"}
    assert found["url"] >= {"www.example.org/help", "mariasantos.com"}
    assert found["handle"] == {"maria.s_94", "@tunde_writes", "u/throwaway_22"}
    assert "Flat 2/1, 33 Dumbarton Road" in found["address"] and "G11 6PR" in found["address"]
    assert found["age"] == {"34", "twenty-seven"}
    assert found["date"] == {"12 March 2021", "2019-05-04"}


def test_age_needs_an_age_cue():
    assert "age" not in spans("I'm 5 minutes away and I'm tired; we had 34 sessions")


def test_cues_find_names_the_tagger_has_never_seen():
    text = "My therapist Eilidh said Aunty Ngozi moved to Enugu. She works at Jollof Express. St Mungo's Hospital."
    found = {(h.kind, text[h.start : h.end]) for h in find_cues(text, DEFAULT_KINDS)}
    assert {("person", "Eilidh"), ("person", "Ngozi"), ("place", "Enugu"), ("org", "Jollof Express")} <= found
    assert ("facility", "St Mungo's Hospital") in found


def test_parse_kinds():
    assert parse_kinds(None) == DEFAULT_KINDS and "date" not in DEFAULT_KINDS
    assert parse_kinds("people, places") == {"person", "place"}
    assert "date" in parse_kinds("default,date")
    with pytest.raises(ValueError, match="unknown identifier kind"):
        parse_kinds("person,shoe size")


# ---------------------------------------------------------------- known names
def test_known_names_in_any_case_accent_and_possessive():
    known = KnownNames.parse("# real names\nMaría Santos, P03\n")
    text = "maria's cat, MARIA, Maria’s mum, María Santos and SANTOS' house; Mariana is someone else."
    hits = [text[h.start : h.end] for h, _ in known.find(text)]
    assert hits == ["maria", "MARIA", "Maria", "María Santos", "SANTOS"]
    doc = Document("d", text)
    out = deidentify_documents([doc], known_names=known, use_ner=False).documents[0].text
    assert out == "[P03]'s cat, [P03], [P03]’s mum, [P03] and [P03]' house; Mariana is someone else."


def test_known_name_that_is_a_common_word_needs_a_capital():
    known = KnownNames.from_names(["Will Baker"])
    out = deidentify_documents([Document("d", "I will tell Will, and WILL will listen.")], known_names=known, use_ner=False)
    assert out.documents[0].text == "I will tell [PERSON 1], and [PERSON 1] will listen."


def test_known_names_file_kinds_keep_and_errors(tmp_path):
    f = tmp_path / "names.csv"
    f.write_text("name,replacement,kind\nChinedu Okafor,,\nKirkcaldy,,place\nReplika,,keep\n", encoding="utf-8")
    from qualcode.deid import load_known_names

    known = load_known_names(f)
    assert [e.kind for e in known.entries] == ["person", "place", "keep"]
    doc = Document("d", "Chinedu from Kirkcaldy uses Replika daily.")
    out = deidentify_documents([doc], known_names=known, use_ner=False).documents[0].text
    assert out == "[PERSON 1] from [PLACE 1] uses Replika daily."
    with pytest.raises(QualcodeError, match="unknown kind"):
        KnownNames.parse("Bob,,shoe")


# ---------------------------------------------------------------- consistency
def test_same_person_same_placeholder_across_documents_and_variants():
    known = KnownNames.from_names(["Maria Santos", "Chinedu Okafor"])
    d1 = make_interview("A", [("Interviewer", "Hi"), ("P1", "Maria Santos and Chinedu came. Maria stayed.")])
    d2 = make_interview("B", [("Interviewer", "Hi"), ("P2", "chinedu okafor texted. Later Chinedu called MARIA.")])
    res = deidentify_documents([d1, d2], known_names=known, use_ner=False)
    a, b = (d.text for d in res.documents)
    assert "P1: [PERSON 1] and [PERSON 2] came. [PERSON 1] stayed." in a
    assert "P2: [PERSON 2] texted. Later [PERSON 2] called [PERSON 1]." in b


def test_name_variants_rule():
    maria = ("maria",)
    # One longer name in the document: the short name is that person.
    got = resolve_people([(0, ("maria", "santos")), (0, maria)], {})
    assert got[(0, maria)] == "person:maria santos"
    # Two Marias in the same document: ambiguous, a person of its own.
    got = resolve_people([(0, ("maria", "santos")), (0, ("maria", "lopez")), (0, maria)], {})
    assert got[(0, maria)] == "person:maria"
    # None here, exactly one in the batch: that one.
    got = resolve_people([(0, ("maria", "santos")), (1, maria)], {})
    assert got[(1, maria)] == "person:maria santos"
    # Surname alone, titles and possessives are ignored by name_tokens.
    got = resolve_people([(0, ("maria", "santos")), (0, ("santos",))], {})
    assert got[(0, ("santos",))] == "person:maria santos"


def test_pseudonym_style_uses_realistic_names_never_a_real_one():
    known = KnownNames.from_names(["Alex Morgan"])  # "Alex" is first on the pseudonym list
    res = deidentify_documents(
        [Document("d", "Alex Morgan met Bilal Khan. Alex laughed.")],
        known_names=KnownNames.from_names(["Alex Morgan", "Bilal Khan"]),
        style="pseudonym",
        use_ner=False,
    )
    text = res.documents[0].text
    assert "Alex" not in text and "Bilal" not in text
    first, second = text.split(" met ")[0], text.split(" met ")[1].split(".")[0]
    assert first != second and first.isalpha() and second.isalpha()
    assert text.endswith(f"{first} laughed.")


def test_key_continues_across_runs(tmp_path):
    known = KnownNames.from_names(["Maria Santos", "Tunde Bello"])
    first = deidentify_documents([Document("a", "Tunde called.")], known_names=known, use_ner=False)
    path = first.key.save(tmp_path / "key.json")
    again = deidentify_documents(
        [Document("b", "Maria and Tunde Bello.")], known_names=known, key=path, use_ner=False
    )
    assert again.documents[0].text == "[PERSON 2] and [PERSON 1]."
    csv_path = again.key.save(tmp_path / "key.csv")
    rows = csv_path.read_text(encoding="utf-8").splitlines()
    assert rows[0] == "kind,original,replacement,entity,documents"
    assert any(r.startswith("person,Maria,[PERSON 2]") for r in rows)
    third = deidentify_documents([Document("c", "Santos!")], known_names=known, key=Key.load(csv_path), use_ner=False)
    assert third.documents[0].text == "[PERSON 2]!"
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["format"] == "qualcode-deid-key"


# ------------------------------------------------------------------- review
def test_review_reject_keeps_text_and_added_span_is_removed():
    doc = make_interview(
        "A", [("Interviewer", "Who helps?"), ("P1", "My sister Ngozi, and Auntie Bisi from church, call 0803 123 4567.")]
    )
    review = propose([doc], use_ner=False)
    texts = [p.text for p in review.documents[0].proposals]
    assert "Ngozi" in texts and "0803 123 4567" in texts
    phone = texts.index("0803 123 4567")
    flags = [True] * len(texts)
    flags[phone] = False
    review.set_accepted(0, flags)
    assert review.add_span(0, "church", "facility") == 1
    assert review.add_span(0, "not in the text", "person") == 0
    out = review.apply().documents[0]
    body = out.segments[1].text_in(out.text)
    assert "0803 123 4567" in body  # rejected: kept as it was
    assert "[FACILITY 1]" in body and "church" not in body  # added by hand: removed
    assert "[PERSON 1]" in body and "Ngozi" not in body


def test_bulk_decisions_by_text():
    docs = [Document("a", "Maria and Maria."), Document("b", "MARIA!")]
    review = propose(docs, known=KnownNames.from_names(["Maria"]), use_ner=False)
    assert review.set_all(False, text="maria") == 3
    assert [d.text for d in review.apply().documents] == ["Maria and Maria.", "MARIA!"]


def test_added_span_merges_with_overlapping_proposal():
    review = propose([Document("a", "I saw Maria Santos-Reyes today.")], known=KnownNames.from_names(["Maria"]), use_ner=False)
    review.add_span(0, "Maria Santos-Reyes", "person")
    assert review.apply().documents[0].text == "I saw [PERSON 1] today."


# ----------------------------------------------------------- speaker labels
def test_speaker_label_that_is_a_name_becomes_the_participant_pseudonym():
    doc = make_interview(
        "interview-maria",
        [("Interviewer", "Hello Maria."), ("Maria", "Hi. Chinedu says hi."), ("Interviewer", "Thanks."), ("Maria", "Bye.")],
        participant="P03",
    )
    res = deidentify_documents([doc], known_names=KnownNames.from_names(["Maria Santos", "Chinedu"]), use_ner=False)
    out = res.documents[0]
    assert [s.speaker for s in out.segments] == ["Interviewer", "P03", "Interviewer", "P03"]
    assert out.text.startswith("Interviewer: Hello [P03].\n\nP03: Hi. [PERSON 1] says hi.")
    assert out.name == "interview-P03" and res.renamed == {"interview-maria": "interview-P03"}
    assert "Maria" not in out.text


def test_speaker_label_pseudonym_from_the_known_names_list_wins():
    doc = make_interview("x", [("Int", "So, Maria Santos?"), ("Maria Santos", "Yes.")], participant="P09")
    out = deidentify_documents([doc], known_names=KnownNames.parse("Maria Santos, P03"), use_ner=False).documents[0]
    assert out.segments[1].speaker == "P03"
    assert out.text == "Int: So, [P03]?\n\nP03: Yes.\n"


def test_speaker_labels_stored_only_on_segments_are_replaced_too():
    # Table formats keep the speaker on the segment and not in the text.
    doc = Document("t", "Hello.\n\nHi, it is me.", [Segment(0, 6, "Interviewer"), Segment(8, 21, "Tunde")])
    out = deidentify_documents([doc], known_names=KnownNames.from_names(["Tunde"]), use_ner=False).documents[0]
    assert [s.speaker for s in out.segments] == ["Interviewer", "PERSON 1"]
    assert out.text == doc.text


def test_codings_carried_by_imported_documents_survive():
    doc = make_interview("c", [("Interviewer", "Q"), ("P1", "Tunde helped.")])
    doc.codings = [ImportedCoding(1, "Support", "ana")]
    out = deidentify_documents([doc], known_names=KnownNames.from_names(["Tunde"]), use_ner=False).documents[0]
    assert out.codings == doc.codings and out.segments[1].text_in(out.text) == "[PERSON 1] helped."


def test_inputs_are_not_changed():
    doc = make_interview("c", [("Interviewer", "Q"), ("P1", "Tunde helped.")])
    before = (doc.text, list(doc.segments), doc.name)
    deidentify_documents([doc], known_names=KnownNames.from_names(["Tunde"]), use_ner=False)
    assert (doc.text, list(doc.segments), doc.name) == before


# ---------------------------------------------------------- offsets property
NAMES = ["Maria Santos", "Chinedu", "Eilidh", "Ravi Kumar", "José"]
WORDS = ["the", "bot", "listened", "at", "night", "and", "I", "felt", "ok", "😔", "très", "call", "me"]


@st.composite
def interviews(draw):
    turns = []
    for i in range(draw(st.integers(1, 6))):
        words = draw(st.lists(st.sampled_from(WORDS + NAMES + ["maria's", "MARIA", "+44 7700 900123", "x@example.com"]), min_size=1, max_size=12))
        speaker = draw(st.sampled_from(["Interviewer", "P1", "Maria", "Ravi Kumar"]))
        sep = draw(st.sampled_from([" ", "  ", ", ", "\n"]))
        turns.append((speaker, sep.join(words).strip() or "ok"))
    return make_interview("prop", turns, participant="P1")


def _expected_turn(original: str, review, doc_index: int, seg) -> str:
    """The turn with every accepted proposal inside it replaced, computed directly."""
    props = [p for p in review.documents[doc_index].proposals if p.accepted and seg.start <= p.start and p.end <= seg.end]
    out, pos = [], seg.start
    for p in sorted(props, key=lambda p: p.start):
        out.append(original[pos : p.start])
        out.append(p.replacement)
        pos = p.end
    out.append(original[pos : seg.end])
    return "".join(out)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=interviews(), reject=st.lists(st.booleans(), max_size=40))
def test_every_segment_is_exactly_its_replaced_turn(doc, reject):
    review = propose([doc], known=KnownNames.from_names(NAMES), use_ner=False)
    props = review.documents[0].proposals
    flags = [not (reject[i] if i < len(reject) else False) for i in range(len(props))]
    review.set_accepted(0, flags)
    out = review.apply().documents[0]
    out.check()
    assert len(out.segments) == len(doc.segments)
    for old, new in zip(doc.segments, out.segments):
        assert new.text_in(out.text) == _expected_turn(doc.text, review, 0, old)
        assert (new.timestamp, new.end_timestamp) == (old.timestamp, old.end_timestamp)
    # Speaker labels are whole: the text's label and the segment's speaker agree.
    for new in out.segments:
        label_line = out.text[: new.start].rsplit("\n", 1)[-1]
        assert label_line == f"{new.speaker}: "
    if all(flags):
        for name in ("Maria", "MARIA", "Chinedu", "Eilidh", "Ravi", "José", "7700", "example.com"):
            assert name not in out.text


# ------------------------------------------------------------------ with spaCy
@pytest.mark.slow
def test_ner_finds_people_places_and_orgs_and_propagates(nlp):
    doc = make_interview(
        "n",
        [
            ("Interviewer", "Tell me about your support."),
            ("P1", "My friend Chinedu Okafor drove me from Lagos to the clinic at Glasgow Royal Infirmary."),
            ("Interviewer", "And now?"),
            ("P1", "Chinedu still calls. I use Replika and ChatGPT at night."),
        ],
    )
    review = propose([doc], nlp=nlp)
    found = {(p.kind, p.text) for p in review.documents[0].proposals}
    assert ("person", "Chinedu Okafor") in found and ("person", "Chinedu") in found
    assert ("place", "Lagos") in found
    assert not {t for _, t in found} & {"Replika", "ChatGPT", "Interviewer", "P1"}
    out = review.apply().documents[0].text
    assert out.count("[PERSON 1]") == 2


@pytest.mark.slow
def test_lowercase_chat_relies_on_tagger_and_known_names(nlp):
    text = " ".join(["honestly i just talk to the bot at night and it helps me a lot"] * 3) + (
        " my therapist anna moved away and i miss her. tunde says hi."
    )
    review = propose([Document("chat", text)], known=KnownNames.from_names(["Tunde"]), nlp=nlp)
    found = {p.text for p in review.documents[0].proposals}
    assert "tunde" in found


def test_long_texts_are_cut_at_blank_lines_for_the_model():
    from qualcode.deid.ner import _CHUNK, _chunks

    text = ("Maria said hello to the bot.\n\n" * 9000)[:-2]
    chunks = _chunks(text)
    assert len(chunks) > 1 and all(len(c) <= _CHUNK for _, c in chunks)
    assert "".join(c for _, c in chunks) == text
    assert all(text[off : off + len(c)] == c for off, c in chunks)
    assert all(c.endswith("\n") for _, c in chunks[:-1])  # cut after a line, never inside a word


def test_role_labels_are_not_names():
    from qualcode.deid.spans import is_role_label

    assert all(is_role_label(x) for x in ["Interviewer", "P07", "Speaker 2", "assistant", "Replika", "I", "Facilitator"])
    assert not any(is_role_label(x) for x in ["Maria", "riley_n", "u/quietstorm_88", "Liam O'Connor"])
