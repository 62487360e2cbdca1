"""Team mode: accounts, roles enforced by the library, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid

import pytest

from qualcode.store import accounts
from qualcode.errors import PermissionDenied, StoreError
from qualcode.model import Code
from qualcode.store import Project
from qualcode.store import accounts_schema as A
from tests.conftest import fill_small_study, make_interview


@pytest.fixture
def team(any_project):
    """A project owned by 'olga', with coder 'carl' and viewer 'vera'."""
    loc = any_project.location
    tag = uuid.uuid4().hex[:6]
    names = {role: f"{role}-{tag}" for role in ("olga", "carl", "vera", "nina")}
    for role, n in names.items():
        # olga creates the project below: in a database with accounts only an administrator may.
        accounts.create_user(loc, n, "correct horse battery", admin=role == "olga")
    with Project.open(loc, name=f"team-{tag}", user=names["olga"]) as owner:
        fill_small_study(owner)
        accounts.set_member(owner, names["carl"], "coder")
        accounts.set_member(owner, names["vera"], "viewer")
        yield loc, owner, names


def _open(loc, owner, user):
    return Project.open(loc, name=owner.name, create=False, user=user)


def test_passwords_are_salted_hashes_and_checked(team):
    loc, owner, names = team
    assert accounts.authenticate(loc, names["carl"], "correct horse battery") == names["carl"]
    with pytest.raises(PermissionDenied, match="wrong user name or password"):
        accounts.authenticate(loc, names["carl"], "wrong password")
    with pytest.raises(PermissionDenied):
        accounts.authenticate(loc, "nobody-" + names["carl"], "correct horse battery")
    with owner.read() as conn:
        hashes = conn.execute(A.users.select().where(A.users.c.username.in_(list(names.values())))).mappings().all()
    assert all(h["password_hash"].startswith("$argon2id$") for h in hashes)
    assert len({h["password_hash"] for h in hashes}) == len(hashes)  # same password, different salts
    with pytest.raises(StoreError, match="at least"):
        accounts.create_user(loc, "short-" + names["carl"], "abc")


def test_coder_cannot_change_the_codebook_but_can_code(team):
    loc, owner, names = team
    with _open(loc, owner, names["carl"]) as carl:
        with pytest.raises(PermissionDenied, match="codebook.add needs the owner role"):
            carl.add_code(Code("Sneaky code"))
        _, doc = carl.document("P01")
        start = doc.text.index("It just listened.")
        coding = carl.add_coding("P01", start, start + len("It just listened."), "Non-judgemental listener", names["carl"])
        assert coding.coder == names["carl"]
    assert "Sneaky code" not in [c.name for c in owner.codes()]


def test_viewer_cannot_code_but_can_read(team):
    loc, owner, names = team
    with _open(loc, owner, names["vera"]) as vera:
        assert vera.info()["documents"] == 2
        _, doc = vera.document("P01")
        with pytest.raises(PermissionDenied, match="viewer"):
            vera.add_coding("P01", 0, 5, "Generic replies", names["vera"])
        with pytest.raises(PermissionDenied):
            vera.set_memo("document", 1, "note")
    assert owner.info()["codings"] == 0


def test_non_member_cannot_open_the_project(team):
    loc, owner, names = team
    with pytest.raises(PermissionDenied, match="not a member"):
        _open(loc, owner, names["nina"])
    assert owner.name not in [p for p, _ in accounts.projects_for(loc, names["nina"])]
    assert (owner.name, "coder") in accounts.projects_for(loc, names["carl"])


def test_roles_are_checked_at_write_time_and_last_owner_stays(team):
    loc, owner, names = team
    with _open(loc, owner, names["carl"]) as carl:
        accounts.remove_member(owner, names["carl"])
        with pytest.raises(PermissionDenied, match="not a member"):
            carl.add_coder("someone")
    with pytest.raises(StoreError, match="at least one owner"):
        accounts.set_member(owner, names["olga"], "viewer")
    with _open(loc, owner, names["vera"]) as vera, pytest.raises(PermissionDenied):
        accounts.set_member(vera, names["vera"], "owner")
    assert dict(accounts.members(owner)) == {names["olga"]: "owner", names["vera"]: "viewer"}


def test_new_project_makes_its_creator_owner(any_project):
    loc = any_project.location
    user = f"maker-{uuid.uuid4().hex[:6]}"
    accounts.create_user(loc, user, "long enough pw", admin=True)
    with Project.open(loc, name=f"mine-{user}", user=user) as mine:
        assert mine.role == "owner"
        mine.add_documents([make_interview("X", [("I", "hello")])])
        assert mine.can("codebook.add")
