"""Point 3: opening and creating projects never writes where it should not.

Project.open refuses to put qualcode's tables into a file or database of another
program (the file stays byte-identical); in a team database only an administrator
creates projects; a configured projects folder confines names (no traversal, no
absolute paths, no symlinks out of it).
"""

from __future__ import annotations

import hashlib
import sqlite3
import uuid

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from qualcode.store import accounts
from qualcode.errors import PermissionDenied, StoreError
from qualcode.store import Project
from qualcode.store.files import resolve_in_folder
from tests.conftest import postgres_url


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_database_of_another_program_stays_byte_identical(tmp_path):
    other = tmp_path / "firefox-places.sqlite"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)")
    con.execute("INSERT INTO moz_places (url) VALUES ('https://example.org')")
    con.commit()
    con.close()
    before = _digest(other)
    with pytest.raises(StoreError, match="not a qualcode project"):
        Project.open(other)
    with pytest.raises(StoreError, match="not a qualcode project"):
        accounts.has_accounts(str(other))
    assert _digest(other) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["firefox-places.sqlite"]


@pytest.mark.parametrize("content", [b"%PDF-1.7 not a database\n" * 40, "plain notes, ünïcode\n".encode() * 10])
def test_a_file_that_is_not_sqlite_stays_byte_identical(tmp_path, content):
    notes = tmp_path / "notes.qualcode"
    notes.write_bytes(content)
    with pytest.raises(StoreError, match="not a qualcode project"):
        Project.open(notes)
    assert notes.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.qualcode"]


def test_an_existing_qualcode_project_and_a_new_file_still_open(tmp_path):
    path = tmp_path / "study.qualcode"
    Project.open(path).close()
    with Project.open(path, create=True) as p:
        assert p.name == "study"
    empty = tmp_path / "empty.qualcode"
    empty.touch()  # e.g. made by mktemp: nothing to protect
    Project.open(empty).close()


def test_a_postgresql_database_of_another_program_gets_no_qualcode_tables():
    url = postgres_url()
    if not url:
        pytest.skip("no PostgreSQL server")
    name = f"qc_foreign_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    foreign_url = make_url(url).set(database=name).render_as_string(hide_password=False)
    try:
        engine = create_engine(foreign_url)
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE invoices (id serial PRIMARY KEY, total numeric)"))
        with pytest.raises(StoreError, match="not a qualcode project"):
            Project.open(foreign_url)
        with engine.connect() as conn:
            assert inspect(conn).get_table_names() == ["invoices"]
        engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_in_a_team_database_only_an_admin_creates_projects(team):
    before = accounts.projects_for(team.location, team.names["olga"])
    for who in ("olga", "carl", "vera", "nina"):
        with pytest.raises(PermissionDenied, match="administrator"):
            Project.open(team.location, name=f"rogue-{who}-{team.project}", user=team.names[who])
    assert accounts.projects_for(team.location, team.names["olga"]) == before
    with Project.open(team.location, name=f"admin-{team.project}", user=team.names["ada"]) as p:
        assert p.role == "owner"


def test_an_admin_is_not_a_member_of_projects_they_did_not_join(team):
    with pytest.raises(PermissionDenied, match="not a member"):
        team.open("ada")


@pytest.mark.parametrize("bad", ["../escape", "/etc/passwd", "a/../../escape", "sub/inner", "..", ".", "", "x\x00y",
                                 "\\windows\\path"])
def test_the_projects_folder_refuses_names_that_leave_it(tmp_path, bad):
    folder = tmp_path / "projects"
    folder.mkdir()
    with pytest.raises(StoreError):
        resolve_in_folder(folder, bad)


def test_the_projects_folder_refuses_symlinks_out_of_it(tmp_path):
    folder = tmp_path / "projects"
    folder.mkdir()
    target = tmp_path / "elsewhere.qualcode"
    Project.open(target).close()
    (folder / "link.qualcode").symlink_to(target)
    with pytest.raises(StoreError, match="link"):
        resolve_in_folder(folder, "link.qualcode")
    assert resolve_in_folder(folder, "new study") == folder / "new study.qualcode"
    assert resolve_in_folder(folder, "b.qualcode") == folder / "b.qualcode"
