"""Exports read one snapshot: one read transaction, the codes and excerpts read once."""

from __future__ import annotations

import re

from sqlalchemy import event

from qualcode.export.docx import ReportOptions, build_report
from qualcode.export.tables import xlsx_bytes
from qualcode.store import Project
from tests.core.test_export_excerpts import fill_coded_study


class Statements:
    """Counts what the engine really runs (SQLAlchemy events; nothing is replaced)."""

    def __init__(self, project: Project):
        self.engine, self.begins, self.selects = project.engine, 0, []
        event.listen(self.engine, "begin", self._begin)
        event.listen(self.engine, "before_cursor_execute", self._execute)

    def _begin(self, conn) -> None:
        self.begins += 1

    def _execute(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            self.selects.append(statement)

    def reading(self, table: str) -> int:
        """SELECTs that read ``table`` itself: its name after the statement's first FROM
        (a document list counting codings in a subquery reads documents, not codings)."""
        return sum(bool((m := re.search(r"\bFROM (\w+)", s)) and m.group(1) == table) for s in self.selects)

    def close(self) -> None:
        event.remove(self.engine, "begin", self._begin)
        event.remove(self.engine, "before_cursor_execute", self._execute)


def test_a_snapshot_does_not_see_a_write_committed_meanwhile(any_project):
    any_project.add_coder("ana")
    other = Project.open(any_project.location, name=any_project.name)
    try:
        with any_project.snapshot():
            before = any_project.coders()
            other.add_coder("ben")  # another session saves while we export
            assert any_project.coders() == before == ["ana"]
        assert sorted(any_project.coders()) == ["ana", "ben"]
    finally:
        other.close()


def test_the_word_report_is_one_read_transaction_reading_codes_and_codings_once(small_study):
    coded = fill_coded_study(small_study)
    seen = Statements(coded)
    try:
        report = build_report(coded, ReportOptions(include_figures=False, include_memos=True))
    finally:
        seen.close()
    assert report.excerpts == 7
    assert seen.begins == 1
    assert seen.reading("codes") == 1
    assert seen.reading("codings") == 1


def test_the_workbook_is_one_read_transaction(small_study):
    coded = fill_coded_study(small_study)
    seen = Statements(coded)
    try:
        xlsx_bytes(coded)
    finally:
        seen.close()
    assert seen.begins == 1
    assert seen.reading("codes") == 1
    assert seen.reading("codings") == 1
