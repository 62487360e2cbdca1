"""Engine settings: the SQLite busy timeout is the store's default unless a caller injects one."""

from __future__ import annotations

import sqlite3

import pytest

from qualcode.store import Project
from qualcode.store.engine import BUSY_TIMEOUT_S


def _busy_ms(project: Project) -> int:
    with project.read() as conn:
        return int(conn.exec_driver_sql("PRAGMA busy_timeout").scalar_one())


def test_the_default_busy_timeout_is_thirty_seconds(tmp_path):
    with Project.open(tmp_path / "study.qualcode") as project:
        assert _busy_ms(project) == int(BUSY_TIMEOUT_S * 1000) == 30_000


def test_an_injected_busy_timeout_reaches_every_connection(tmp_path):
    Project.open(tmp_path / "study.qualcode").close()
    with Project.open(tmp_path / "study.qualcode", busy_timeout=0.25) as project:
        assert _busy_ms(project) == 250
        # A writer holding the lock makes our write give up after the short wait.
        other = sqlite3.connect(tmp_path / "study.qualcode", isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(Exception, match="locked"):
                project.add_coder("ana")
        finally:
            other.rollback()
            other.close()
