"""Turn metadata: a Reddit comment's score, parent, depth and OP reply; a chat
message's model and time; a CSV's mapped columns. Imported, stored (SQLite and
PostgreSQL), filtered in retrieval, counted in analyses, exported in CSV/XLSX and
carried through a .qdpx round trip."""

from __future__ import annotations

import io
import json
import sqlite3
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import text

from qualcode.analysis.turnmeta import codes_by_turn_meta
from qualcode.errors import ValueRefused
from qualcode.export.excerpts import select_excerpts
from qualcode.export.qdpx import qdpx_bytes
from qualcode.export.retrieve import Retrieval, retrieval_csv_bytes, retrieve
from qualcode.export.tables import excerpts_table, xlsx_bytes
from qualcode.ingest import CsvMapping, read_documents, read_documents_from_bytes
from qualcode.model import Code, Document, Segment
from qualcode.refi.qdpx_import import import_qdpx
from qualcode.store import Project
from qualcode.store.migrations import SCHEMA_VERSION
from qualcode import turnmeta

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
THREAD = FIXTURES / "reddit" / "panic_at_work.json"


def thread() -> Document:
    return read_documents(THREAD)[0]


def test_reddit_turns_carry_score_parent_depth_and_op_replied():
    doc = thread()
    metas = [s.meta for s in doc.segments]
    assert metas[0]["post"] is True and metas[0]["is_op"] and metas[0]["score"] == 57
    assert metas[0]["created"] == "2024-06-01T10:00:00Z"
    by_id = {m["reddit_id"]: (i + 1, m) for i, m in enumerate(metas)}
    # k1 was answered by the OP (k2), who was answered again (k3).
    n1, k1 = by_id["k1"]
    assert k1 == {"reddit_id": "k1", "depth": 0, "score": 48, "created": "2024-06-01T10:12:00Z",
                  "is_op": False, "parent_turn": 1, "op_replied": True}
    n2, k2 = by_id["k2"]
    assert k2["parent_turn"] == n1 and k2["is_op"] and k2["depth"] == 1
    assert by_id["k3"][1]["parent_turn"] == n2 and by_id["k3"][1]["op_replied"] is False
    # k7 answers a deleted comment: its parent is the post, and the OP's reply to it counts.
    assert "k6" not in by_id
    assert by_id["k7"][1]["parent_turn"] == 1 and by_id["k7"][1]["depth"] == 1
    assert by_id["k7"][1]["op_replied"] is True
    # Nobody's reply is "the OP replied" unless the OP answered it directly.
    assert by_id["k9"][1]["op_replied"] is False and by_id["k10"][1]["op_replied"] is False
    assert by_id["k10"][1]["score"] == -3
    # The OP's own top-level update is not a comment the OP replied to.
    assert by_id["k14"][1]["is_op"] and by_id["k14"][1]["op_replied"] is False
    # The turn text is still exactly the comment (the &amp; unescaped).
    assert "CBT & a short" in doc.segments[by_id["k7"][0] - 1].text_in(doc.text)


def test_simple_reddit_shape_and_chat_messages_carry_metadata():
    simple = read_documents(FIXTURES / "ingest" / "reddit_simple.json")[0]
    assert [s.meta.get("op_replied") for s in simple.segments] == [None, True, False, False, False]
    chat = json.dumps([
        {"role": "user", "content": "hello", "timestamp": "2024-05-01T10:00:00Z"},
        {"role": "assistant", "content": "hi, how are you feeling?", "model": "gpt-4o-mini",
         "timestamp": "2024-05-01T10:00:04Z"},
    ]).encode()
    doc = read_documents_from_bytes(chat, "chat.json")[0]
    assert [s.meta for s in doc.segments] == [
        {"message_time": "2024-05-01T10:00:00Z"},
        {"message_time": "2024-05-01T10:00:04Z", "model": "gpt-4o-mini"},
    ]


def test_csv_maps_extra_columns_to_turn_metadata():
    data = ("thread,speaker,text,upvotes,flair\n"
            "t1,OP,I can't sleep,5,\n"
            "t1,helper,Try a wind-down hour,12,nurse\n").encode()
    mapping = CsvMapping(text="text", document="thread", speaker="speaker", meta_columns=("Upvotes", "flair"))
    doc = read_documents_from_bytes(data, "t.csv", csv_mapping=mapping)[0]
    assert [s.meta for s in doc.segments] == [{"upvotes": 5, "flair": None}, {"upvotes": 12, "flair": "nurse"}]
    # A mapped column that is not there is named, like every other missing column.
    with pytest.raises(Exception, match="'score' \\(turn metadata\\)"):
        read_documents_from_bytes(data, "t.csv", csv_mapping=CsvMapping(text="text", meta_columns=("score",)))


def _coded(project: Project) -> tuple[int, Document]:
    project.add_documents([thread()])
    did, doc = project.document("panic_at_work")
    project.add_coder("ana")
    helpful = project.add_code(Code("helpful"))
    for i, seg in enumerate(doc.segments):
        if seg.meta.get("score", 0) >= 9 and not seg.meta["is_op"]:
            project.add_coding(did, seg.start, seg.end, helpful, "ana")
    return did, doc


def test_turn_metadata_is_stored_filtered_counted_and_exported(any_project):
    project = any_project
    did, doc = _coded(project)
    again = project.document(did)[1]
    assert [s.meta for s in again.segments] == [s.meta for s in thread().segments]
    frame = project.segments_frame()
    assert frame["metadata"].iloc[1]["reddit_id"] == "k1"

    everything = retrieve(project, Retrieval(codes=["helpful"]))
    assert len(everything) == 5  # k1 48, k3 12, k7 9, k9 25, k11 15 and nothing by the OP
    replied = retrieve(project, Retrieval(codes=["helpful"], turn_meta={"op_replied": ["true"]}))
    assert [m["reddit_id"] for m in replied["turn_meta"]] == ["k1", "k7"]
    high = retrieve(project, Retrieval(turn_meta={"score": [">=20"], "depth": ["0"]}))
    assert sorted(m["reddit_id"] for m in high["turn_meta"]) == ["k1", "k9"]
    assert "Turn score: >=20" in Retrieval(turn_meta={"score": [">=20"]}).describe()

    table = excerpts_table(everything)
    assert {"turn:score", "turn:op_replied", "turn:parent_turn", "turn:depth"} <= set(table.columns)
    assert list(table.columns).index("turn:reddit_id") == list(table.columns).index("timestamp") + 1
    csv = retrieval_csv_bytes(replied).decode("utf-8-sig")
    assert "turn:op_replied" in csv.splitlines()[0] and "True" in csv

    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(project)))
    header = [c.value for c in book["Excerpts"][1]]
    scores = [row[header.index("turn:score")] for row in book["Excerpts"].iter_rows(min_row=2, values_only=True)]
    assert sorted(scores) == [9, 12, 15, 25, 48]

    excerpts = select_excerpts(project)
    by_band = codes_by_turn_meta(excerpts, "score", cuts=[10, 20])
    assert list(by_band.columns) == ["< 10", "10 to < 20", ">= 20"]
    assert by_band.loc["helpful"].tolist() == [1, 2, 2]
    by_reply = codes_by_turn_meta(excerpts, "op_replied")
    assert by_reply.loc["helpful"].to_dict() == {"no": 3, "yes": 2}


def test_code_page_line_is_short_plain_text():
    meta = thread().segments[1].meta
    assert turnmeta.describe(meta) == "depth 0 · score 48 · created 2024-06-01T10:12:00Z · by the OP: no · " \
                                      "replies to turn 1 · OP replied: yes"
    assert len(turnmeta.describe({"note": "x" * 400})) < 80


def test_conditions():
    m = {"score": 12, "op_replied": False, "model": "GPT-4o"}
    assert turnmeta.matches(m, {"score": [">10"], "op_replied": ["false"]})
    assert not turnmeta.matches(m, {"score": ["<=10"]})
    assert turnmeta.matches(m, {"model": ["gpt-4o", "claude"]})
    assert turnmeta.matches(m, {"depth": ["(none)"]}) and not turnmeta.matches(m, {"depth": [">=0"]})
    assert turnmeta.band(9, [10, 20]) == "< 10" and turnmeta.band(None, [10]) == "(none)"
    with pytest.raises(Exception, match="needs a list"):
        retrieve_conditions = Retrieval(turn_meta={"score": ">=3"})
        turnmeta.check_conditions(retrieve_conditions.turn_meta)


@pytest.mark.parametrize("meta, problem", [
    ({"x" * 65: 1}, "1-64 characters"),
    ({f"k{i}": i for i in range(33)}, "over the limit of 32"),
    ({"note": "y" * 501}, "at most 500"),
    ({"score": float("nan")}, "not a finite number"),
    ({"score": 2**60}, "too large"),
    ({"nested": {"a": 1}}, "must be text, a number"),
    ({"note": "a\x00b"}, "NUL"),
])
def test_hostile_turn_metadata_is_refused_before_the_database(fresh_project, meta, problem):
    doc = Document("bad", "hello there", [Segment(0, 5, meta=meta)])
    with pytest.raises(ValueRefused, match=problem):
        fresh_project.add_documents([doc])
    assert fresh_project.documents() == []


def test_qdpx_round_trip_keeps_turn_metadata(fresh_project, tmp_path):
    _coded(fresh_project)
    archive = tmp_path / "study.qdpx"
    archive.write_bytes(qdpx_bytes(fresh_project, validate=False))
    with Project.open(tmp_path / "copy.qualcode") as copy:
        import_qdpx(copy, archive)
        doc = copy.document("panic_at_work")[1]
        assert [s.meta for s in doc.segments] == [s.meta for s in thread().segments]


def test_a_schema_6_project_gains_the_column(tmp_path):
    path = tmp_path / "old.qualcode"
    with Project.open(path) as p:
        p.add_documents([Document("a", "hello there", [Segment(0, 5, "P1")])])
    raw = sqlite3.connect(path)
    raw.execute("ALTER TABLE segments DROP COLUMN metadata")
    raw.execute("UPDATE qualcode_meta SET value = '6' WHERE key = 'schema_version'")
    raw.commit()
    raw.close()
    with Project.open(path, create=False) as p:
        assert p.document("a")[1].segments == [Segment(0, 5, "P1")]
        assert p.document("a")[1].segments[0].meta is None
        with p.read() as conn:
            assert conn.execute(text("select value from qualcode_meta where key='schema_version'")).scalar() \
                == str(SCHEMA_VERSION)


def test_import_command_maps_turn_columns(tmp_path, capsys):
    from qualcode.cli import main

    table = tmp_path / "threads.csv"
    table.write_text("document,speaker,text,upvotes\nt1,OP,I can't sleep,5\nt1,helper,Try a wind-down hour,12\n",
                     encoding="utf-8")
    path = tmp_path / "p.qualcode"
    assert main(["init", str(path)]) == 0
    assert main(["import", "-p", str(path), str(table), "--turn-column", "upvotes"]) == 0
    with Project.open(path, create=False) as project:
        assert [s.meta for s in project.document("t1")[1].segments] == [{"upvotes": 5}, {"upvotes": 12}]
