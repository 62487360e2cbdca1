"""Each supported format, on small fictional fixtures in tests/fixtures/ingest/."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualcode.ingest import (
    ANNOMI_MAPPING,
    CsvMapping,
    ParticipantRow,
    detect_csv_mapping,
    read_documents,
    read_documents_from_bytes,
    read_participants,
    read_participants_bytes,
)
from qualcode.model import Document, ImportedCoding

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ingest"


def turns(doc: Document) -> list[tuple[str | None, str]]:
    """(speaker, exact turn text) pairs, after checking the offset invariant."""
    doc.check()
    return [(s.speaker, doc.text[s.start : s.end]) for s in doc.segments]


def one(name: str, **kwargs) -> Document:
    docs = read_documents(FIXTURES / name, **kwargs)
    assert len(docs) == 1
    return docs[0]


# --- plain text and markdown -------------------------------------------------------


def test_txt_keeps_file_text_and_splits_labelled_turns():
    path = FIXTURES / "interview_labels.txt"
    doc = one("interview_labels.txt")
    assert doc.text == path.read_text(encoding="utf-8")  # offsets match the researcher's file
    assert doc.name == "interview_labels"
    assert doc.source_format == "txt"
    assert doc.source_path == str(path)
    got = turns(doc)
    assert [s for s, _ in got] == ["Interviewer", "P07"] * 3
    # Multi-paragraph turn; "The thing is:", "Note:" and "5:30" are not labels.
    assert got[1][1] == (
        "Sure. The first week was a blur, honestly.\n"
        "The thing is: nobody told me where anything was.\n\n"
        "I remember one morning I arrived at 5:30 and the door was locked."
    )
    assert got[3][1] == "I waited. Note: I had no phone signal either."
    assert "Fictional interview" not in "".join(t for _, t in got)  # '#' header lines are no turn


@pytest.mark.parametrize(
    "name, speakers, first",
    [
        ("ir_labels.txt", ["I", "R", "I", "R"], "How did you hear about the programme?"),
        ("qa_labels.txt", ["Q", "A", "Q", "A"], "What is your role?"),
        ("capitals.txt", ["JANE", "TOM", "JANE", "TOM"], "Did the bus come on time?"),
        ("timestamped.txt", ["Maria", "Tomás", "Maria", "Tomás"], "Let's start with the garden project."),
        ("otter.txt", ["Speaker 1", "Speaker 2", "Speaker 1"], "Hi, thanks for making the time today."),
    ],
)
def test_txt_label_styles(name, speakers, first):
    got = turns(one(name))
    assert [s for s, _ in got] == speakers
    assert got[0][1] == first


def test_txt_timestamps_in_labels():
    doc = one("timestamped.txt")
    assert [s.timestamp for s in doc.segments] == [751.0, 760.0, 782.0, 790.0]
    otter = one("otter.txt")
    assert [s.timestamp for s in otter.segments] == [2.0, 5.0, 70.0]
    assert turns(otter)[1][1] == "No problem at all. Happy to talk.\nI only have half an hour though."


def test_markdown_bold_labels_headings_and_front_matter():
    doc = one("bold.md")
    assert doc.source_format == "md"
    got = turns(doc)
    assert [s for s, _ in got] == ["Interviewer", "P05", "Interviewer", "P06", "Interviewer", "P05"]
    assert got[1][1] == "I'm a nurse, I work nights.\n\nI mostly joined for the snacks."
    assert all("Session" not in t and "title:" not in t for _, t in got)


def test_unlabelled_text_is_one_segment_per_paragraph():
    doc = one("unlabelled.txt")
    assert turns(doc) == [
        (None, "This is a field note written after the visit. The weather was grey."),
        (None, "The second paragraph describes the market: stalls, noise, a lot of fruit.\n"
               "It continues on a second line."),
        (None, "Final paragraph."),
    ]
    assert doc.metadata["speaker_labels"] is False


def test_single_unknown_label_is_not_a_speaker():
    # "Summary of visit" is short and capitalised but occurs once: prose, not a speaker.
    data = b"Summary Of Visit: all went well.\n\nWe left at 17:30: tired.\n"
    doc = read_documents_from_bytes(data, "note.txt")[0]
    assert all(s.speaker is None for s in doc.segments)
    assert len(doc.segments) == 2


def test_recurring_names_and_lowercase_single_words_are_labels():
    data = "user: hi\nbot: hello\nuser: bye\nbot: see you\n".encode()
    assert [s for s, _ in turns(read_documents_from_bytes(data, "c.txt")[0])] == ["user", "bot"] * 2
    # Lower-case multi-word prefixes never are, even when they recur.
    data = b"the point is: one\n\nthe point is: two\n"
    assert all(s.speaker is None for s in read_documents_from_bytes(data, "p.txt")[0].segments)


def test_label_on_its_own_line_and_rev_style():
    data = b"Interviewer:\nHello there.\n\nJane Doe (00:01:05):\nHi.\n\nJane Doe (00:01:09): Bye.\n"
    doc = read_documents_from_bytes(data, "rev.txt")[0]
    assert turns(doc) == [("Interviewer", "Hello there."), ("Jane Doe", "Hi."), ("Jane Doe", "Bye.")]
    assert [s.timestamp for s in doc.segments] == [None, 65.0, 69.0]


def test_preamble_before_first_label_is_not_a_turn():
    data = b"Interview with P01, 3 May (fictional)\n\nInterviewer: Hello.\nP01: Hi.\n"
    assert turns(read_documents_from_bytes(data, "p.txt")[0]) == [("Interviewer", "Hello."), ("P01", "Hi.")]


def test_crlf_is_normalised_and_offsets_follow():
    data = b"Interviewer: Hello.\r\n\r\nP01: Hi,\r\nthere.\r\n"
    doc = read_documents_from_bytes(data, "crlf.txt")[0]
    assert "\r" not in doc.text
    assert turns(doc) == [("Interviewer", "Hello."), ("P01", "Hi,\nthere.")]


# --- subtitles --------------------------------------------------------------------


def test_vtt_voice_tags_merge_consecutive_cues():
    doc = one("voices.vtt")
    assert doc.source_format == "vtt"
    assert turns(doc) == [
        ("Interviewer", "Welcome to the study. Could you introduce yourself?"),
        ("Ana Lima", "I'm Ana, I teach chemistry & physics. For twelve years now."),
        ("Interviewer", "Great, thank you."),
    ]
    assert [(s.timestamp, s.end_timestamp) for s in doc.segments] == [(1.0, 6.0), (6.2, 11.0), (11.5, 13.0)]
    assert "NOTE" not in doc.text and "align:" not in doc.text
    # The canonical text reads like a transcript, labels outside the segments.
    assert doc.text.startswith("Interviewer: Welcome to the study.")


def test_vtt_name_colon_cues_and_continuation():
    got = turns(one("zoom.vtt"))
    assert [s for s, _ in got] == ["Sam Ortiz", "Lee Park", "Sam Ortiz", "Lee Park"]
    assert got[2][1] == "Good. Let's begin with introductions. Who wants to go first?"


def test_vtt_without_speakers_is_one_segment_per_cue():
    data = b"WEBVTT\n\n00:01.000 --> 00:02.000\nhello there\n\n00:02.000 --> 00:03.000\ngeneral words\n"
    doc = read_documents_from_bytes(data, "plain.vtt")[0]
    assert turns(doc) == [(None, "hello there"), (None, "general words")]
    assert doc.segments[1].timestamp == 2.0


def test_srt_labels_merge_and_tags():
    doc = one("interview.srt")
    assert doc.source_format == "srt"
    assert turns(doc) == [
        ("Interviewer", "Where did you grow up?"),
        ("Participant", "In a small village near the coast. My parents ran a bakery."),
        ("Interviewer", "Lovely."),
    ]
    assert (doc.segments[1].timestamp, doc.segments[1].end_timestamp) == (3.2, 7.5)


# --- chat and reddit JSON -----------------------------------------------------------


def test_generic_chat_messages():
    doc = one("chat_messages.json")
    assert doc.source_format == "chat-json"
    assert turns(doc) == [
        ("user", "Can you help me plan a study schedule?"),
        ("assistant", "Of course. How many hours a day?"),
        ("user", "About three hours, after work."),
        ("assistant", "Then let's split them:\n\none hour review, two hours practice."),
    ]
    assert [s.timestamp for s in doc.segments] == [0.0, 5.0, 60.0, 90.0]
    assert doc.metadata["skipped_messages"] == 2  # the system prompt and the empty message


def test_chat_export_follows_current_branch_and_skips_tools():
    docs = read_documents(FIXTURES / "chat_export.json")
    assert [d.name for d in docs] == ["Birthday ideas", "Translation"]  # the empty one is skipped
    assert turns(docs[0]) == [
        ("user", "I need ideas for a fictional birthday party."),
        ("assistant", "How about a picnic in the park?"),
        ("user", "It's in winter, indoors please."),  # the edited branch, not "Too cold"
        ("assistant", "A board-game afternoon with hot chocolate."),
    ]
    assert [s.timestamp for s in docs[0].segments] == [0.0, 4.5, 60.0, 65.0]
    assert docs[0].metadata["title"] == "Birthday ideas"
    assert any("without any text" in w for w in docs[0].warnings)
    assert turns(docs[1]) == [("user", "Translate 'good morning' into Portuguese."), ("assistant", "Bom dia.")]


def test_chat_export_without_current_node_follows_first_children():
    import json

    data = json.loads((FIXTURES / "chat_export.json").read_text(encoding="utf-8"))
    del data[0]["current_node"]
    doc = read_documents_from_bytes(json.dumps(data).encode(), "export.json")[0]
    assert [t for _, t in turns(doc)][2:] == ["Too cold for that.", "An indoor bowling night?"]


def test_reddit_api_shape():
    doc = one("reddit_api.json")
    assert doc.source_format == "reddit-json"
    assert turns(doc) == [
        ("u/green_thumb_wannabe (OP)",
         "Fictional: Tips for a first-time allotment?\n\nJust got a plot & no idea where to start."),
        ("u/old_digger", "Start small. One bed <= 2m is plenty."),
        ("u/green_thumb_wannabe (OP)", "Thanks! What would you plant first?"),
        ("u/old_digger", "Potatoes. They forgive everything."),
        ("u/compost_queen", "Get a compost bin on day one."),  # reply to a removed comment is kept
    ]
    assert [s.timestamp for s in doc.segments] == [0.0, 300.0, 900.0, 1500.0, 3600.0]
    assert [t["depth"] for t in doc.metadata["turns"]] == [-1, 0, 1, 2, 1]
    assert doc.metadata["subreddit"] == "gardening"
    assert doc.metadata["comments_not_loaded"] == 7


def test_reddit_simple_shape():
    doc = one("reddit_simple.json")
    assert [s for s, _ in turns(doc)] == [
        "u/sleepless_nurse (OP)", "u/owl_rn", "u/sleepless_nurse (OP)", "u/owl_rn", "u/day_walker"]
    assert doc.segments[-1].timestamp == 3000.0


def test_json_format_override():
    doc = read_documents(FIXTURES / "reddit_simple.json", fmt="reddit-json")[0]
    assert doc.source_format == "reddit-json"


# --- CSV utterance tables ------------------------------------------------------------


def test_csv_with_codes_multiple_coders_and_sorting():
    docs = read_documents(FIXTURES / "coded.csv")
    assert [d.name for d in docs] == ["int-1", "int-2"]
    d1 = docs[0]
    assert turns(d1) == [
        ("Interviewer", "How did the first day go?"),
        ("Participant", "I felt, well, lost at first."),  # two rows, one segment
        ("Interviewer", "And after a month?"),
    ]
    assert [s.timestamp for s in d1.segments] == [5.0, 12.0, 20.0]
    assert d1.codings == [
        ImportedCoding(1, "uncertainty", "alice", theme="code"),
        ImportedCoding(1, "uncertainty", "bob", theme="code"),
        ImportedCoding(1, "onboarding", "bob", theme="code"),
    ]  # "n/a" and empty cells are not codes
    assert turns(docs[1])[1] == ("Participant", "They are kind.\nVery patient, too.")
    assert d1.text.startswith("Interviewer: How did the first day go?\n\nParticipant: ")


def test_csv_explicit_mapping_named_coder_and_prefix():
    data = b"turn;who;said;label\n2;B;second;x\n1;A;first;y\n"
    mapping = CsvMapping(text="said", order="turn", speaker="who", codes=["label"], coder="carol",
                         document_prefix="ignored-without-document-column-")
    doc = read_documents_from_bytes(data, "semi.csv", csv_mapping=mapping)[0]
    assert doc.name == "semi"
    assert turns(doc) == [("A", "first"), ("B", "second")]
    assert doc.codings == [ImportedCoding(0, "y", "carol", "label"), ImportedCoding(1, "x", "carol", "label")]


def test_csv_constant_columns_become_metadata():
    data = b"doc,text,topic,mood\na,one,food,happy\na,two,food,sad\n"
    doc = read_documents_from_bytes(data, "m.csv")[0]
    assert doc.metadata == {"topic": "food"}


def test_detect_csv_mapping():
    assert detect_csv_mapping(["transcript_id", "utterance_id", "interlocutor", "utterance_text"]) is ANNOMI_MAPPING
    m = detect_csv_mapping(["Doc", "Turn", "Role", "Time", "Content", "Codes", "Annotator"])
    assert (m.document, m.order, m.speaker, m.timestamp, m.text, m.codes, m.coder_column) == (
        "Doc", "Turn", "Role", "Time", "Content", ("Codes",), "Annotator")


# --- participants --------------------------------------------------------------------


def test_participants_csv():
    rows = read_participants(FIXTURES / "participants.csv")
    assert all(isinstance(r, ParticipantRow) for r in rows)
    assert [r.participant.pseudonym for r in rows] == ["P01", "P02", "P03"]
    assert rows[0].participant.attributes == {"age_band": "25-34", "country": "Portugal"}
    assert rows[0].documents == ["P01_interview"]
    assert rows[1].documents == ["P02_interview", "P02_followup"]
    assert rows[2].documents == [] and "age_band" not in rows[2].participant.attributes


def test_participants_from_bytes_with_participant_column():
    rows = read_participants_bytes(b"Participant,Role\nA1,nurse\n", "people.csv")
    assert rows[0].participant.pseudonym == "A1" and rows[0].participant.attributes == {"Role": "nurse"}


def test_otter_named_labels_with_a_short_time_are_turns_even_when_a_speaker_talks_once():
    # Otter's export: "Name  m:ss" alone on its line. Priya talks once; her label line
    # must start her turn, never stay inside Speaker 1's turn as codable words.
    text = ("Speaker 1  0:03\nHow did you find the app?\n\nPriya Raman  0:09\nIt was there when nobody else was.\n\n"
            "Speaker 1  0:15\nWhat happened then?\n\nTomás de Souza  1:02:03\nI stopped.\n")
    [doc] = read_documents_from_bytes(text.encode(), "named-otter.txt")
    got = [(s.speaker, doc.text[s.start:s.end], s.timestamp) for s in doc.segments]
    assert got == [
        ("Speaker 1", "How did you find the app?", 3.0),
        ("Priya Raman", "It was there when nobody else was.", 9.0),
        ("Speaker 1", "What happened then?", 15.0),
        ("Tomás de Souza", "I stopped.", 3723.0),
    ]
    assert not any("0:09" in doc.text[s.start:s.end] for s in doc.segments)


def test_one_line_ending_in_a_time_is_not_an_otter_label():
    # The layout must recur: prose that happens to end in a time stays prose.
    text = "Field notes\nWe met at the Old Market  5:30\nand talked about the app.\n"
    [doc] = read_documents_from_bytes(text.encode(), "notes.txt")
    assert [s.speaker for s in doc.segments] == [None]
    assert doc.metadata["speaker_labels"] is False
