"""Coded excerpts as CSV and XLSX, and the code × participant matrix."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd

from qualcode.export.excerpts import ExcerptQuery
from qualcode.export.tables import (
    excerpts_csv_bytes,
    matrix_csv_bytes,
    matrix_table,
    write_csv,
    write_xlsx,
    xlsx_bytes,
)
from tests.conftest import make_interview
from tests.core.test_export_excerpts import ARABIC, coded, span  # noqa: F401  (fixture)


def read_csv(data: bytes) -> pd.DataFrame:
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM that makes Excel read UTF-8
    return pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", keep_default_na=False, dtype=str)


def test_csv_one_row_per_coding_with_context_columns(coded, tmp_path):
    frame = read_csv(write_csv(coded, tmp_path / "x.csv").read_bytes())
    assert len(frame) == len(coded.codings()) == 7
    assert list(frame.columns) == [
        "coding_id", "document", "participant", "country", "age_band", "speaker", "turn", "timestamp", "start",
        "end", "code", "code_path", "theme", "coder", "origin", "snippet", "memo", "created_at",
    ]
    row = frame[(frame["coder"] == "ana") & (frame["code"] == "Generic replies")].iloc[0]
    assert row["snippet"] == "the advice was generic" and row["memo"] == "Compare with P02."
    assert (row["document"], row["participant"], row["country"], row["age_band"]) == ("P01", "P01", "Brazil", "25-34")
    assert (row["speaker"], row["turn"], row["theme"], row["origin"]) == ("P01", "4", "Generic replies", "human")
    assert row["code_path"] == "Generic replies"
    _, doc = coded.document("P01")
    assert doc.text[int(row["start"]):int(row["end"])] == row["snippet"]
    assert ARABIC in set(frame["snippet"])
    egypt = frame[frame["participant"] == "P03"].iloc[0]
    assert (egypt["country"], egypt["age_band"]) == ("Egypt", "")


def test_csv_filters_and_turn_context(coded):
    query = ExcerptQuery(codes=["Generic replies"], context="turn")
    frame = read_csv(excerpts_csv_bytes(coded, query, attributes=["country"]))
    assert list(frame["snippet"]) == ["the advice was generic", "it answered in Portuguese"]
    assert list(frame["context"])[0] == "Sometimes the advice was generic, like a leaflet."
    assert "age_band" not in frame.columns and "country" in frame.columns


def test_matrix(coded):
    m = matrix_table(coded)
    assert list(m.columns) == ["P01", "P02", "P03", "P04"]
    assert m.loc["Non-judgemental listener"].tolist() == [2, 0, 1, 0]
    assert m.loc["Rehearsal space"].tolist() == [0, 2, 0, 0]
    consensus = matrix_table(coded, ExcerptQuery(coders=["consensus"]), presence=True)
    assert consensus.loc["Rehearsal space"].tolist() == [0, 1, 0, 0]
    kenya = matrix_table(coded, ExcerptQuery(attributes={"country": ["Kenya"]}))
    assert list(kenya.columns) == ["P02"]
    frame = read_csv(matrix_csv_bytes(coded))
    assert frame.columns[0] == "code" and frame.iloc[0]["code"] == "Non-judgemental listener"


def test_xlsx_sheets_and_text_cells(coded, tmp_path):
    # A transcript line that looks like a formula must stay text in Excel.
    coded.add_documents([make_interview("P05", [("Interviewer", "What did you type?"), ("P05", "=SUM(A1:A9) then I laughed")])])
    coded.add_coding("P05", *span(coded, "P05", 1), "Generic replies", "ana")
    path = write_xlsx(coded, tmp_path / "x.xlsx", ExcerptQuery(context="turn"))
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Excerpts", "Code x participant", "Codebook", "About"]
    ws = wb["Excerpts"]
    header = [c.value for c in ws[1]]
    assert header[:5] == ["coding_id", "document", "participant", "country", "age_band"] and "context" in header
    rows = [dict(zip(header, (c.value for c in r))) for r in ws.iter_rows(min_row=2)]
    assert len(rows) == 8
    formula = next(r for r in rows if r["document"] == "P05")
    assert formula["snippet"] == "=SUM(A1:A9) then I laughed"
    assert ws.cell(row=2 + rows.index(formula), column=header.index("snippet") + 1).data_type == "s"
    matrix = wb["Code x participant"]
    assert [c.value for c in matrix[1]][:3] == ["code", "P01", "P02"]
    assert wb["Codebook"]["A3"].value == "Support roles › Non-judgemental listener"
    about = {r[0].value: r[1].value for r in wb["About"].iter_rows()}
    assert about["Project"] == coded.name and about["Filter"] == "none: every coding"
    assert xlsx_bytes(coded)[:2] == b"PK"
