"""docs/security.md's role table is checked against what the store really does.

Each row of the table names an action; this module knows how to attempt each one.
Every action is attempted as a viewer, a coder, an owner and an administrator who is
not a member, on SQLite and on PostgreSQL; "yes" must succeed and "no" must be refused
with PermissionDenied (and change nothing). A row the test does not know fails, so
the table cannot promise what nobody checks.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from sqlalchemy import select

from qualcode.agreement.consensus import adjudicate, list_disagreements, load_agreement_data
from qualcode.store import accounts
from qualcode.errors import PermissionDenied
from qualcode.model import Code
from qualcode.store import Project
from qualcode.store import accounts_schema as A
from qualcode.store import schema as S
from qualcode.store.autocoded import write_autocoded
from qualcode.store.backup import backup_project
from tests.conftest import make_interview
from tests.security.conftest import PASSWORD, Team
from tests.fixtures import ensure_coders

ROOT = Path(__file__).resolve().parents[2]
ROLES = ("viewer", "coder", "owner", "admin")
WHO = {"viewer": "vera", "coder": "carl", "owner": "olga", "admin": "ada"}


def role_table() -> dict[str, dict[str, bool]]:
    """``{action: {role: allowed}}`` parsed from docs/security.md."""
    text = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- role-table.*?-->(.*?)<!-- /role-table -->", text, re.S)
    assert block, "docs/security.md lost its role table markers"
    rows = [[c.strip() for c in line.strip().strip("|").split("|")] for line in block.group(1).strip().splitlines()]
    header, rows = rows[0], rows[2:]
    assert header == ["action", *ROLES], header
    table = {}
    for cells in rows:
        assert all(c in ("yes", "no") for c in cells[1:]), cells
        table[cells[0]] = {role: cell == "yes" for role, cell in zip(ROLES, cells[1:])}
    return table


def _span(p: Project, document: str, needle: str) -> tuple[int, int]:
    _, doc = p.document(document)
    start = doc.text.index(needle)
    return start, start + len(needle)


def _own_coding(p: Project, needle: str = "It just listened."):
    _, doc = p.document("P01")
    start = doc.text.index(needle)
    return p.add_coding("P01", start, start + len(needle), "Generic replies", p.user)


def _attempts(team: Team, tmp_path: Path):
    """Action name -> function(role word) that performs it as that role."""
    tag = team.project.rsplit("-", 1)[-1]  # names made here carry the team's tag (see _snapshot)
    loc = team.location

    def as_(who):
        return team.open(who)

    def read(who):
        with as_(who) as p:
            assert p.documents() and p.codes()
            p.codings()

    def backup(who):
        with as_(who) as p:
            backup_project(p, tmp_path / f"backup-{who}-{tag}.qualcode")

    def list_members(who):
        with as_(who) as p:
            assert accounts.members(p)

    def code(who):
        with as_(who) as p:
            _own_coding(p)

    def memo(who):
        with as_(who) as p:
            p.set_memo("project", p.id, f"memo by {who}")

    def undo(who):
        with as_(who) as p:
            _own_coding(p, "like a leaflet")  # refused for those who cannot code: then they cannot undo either
            assert p.undo_last(p.user) is not None

    # Made before any attempt, so a refusal can be checked to change nothing: per role
    # word, a coding by another coder, and a disagreement between two coders to adjudicate.
    others, disputes = {}, {}
    with team.open(None) as op:
        for who in WHO.values():
            ana, ben = f"ana-{who}-{tag}", f"ben-{who}-{tag}"
            ensure_coders(op, f"other-{who}-{tag}", ana, ben)
            others[who] = op.add_coding("P02", *_span(op, "P02", "Therapy costs too much here."), "Generic replies",
                                        f"other-{who}-{tag}").id
            op.add_coding("P01", *_span(op, "P01", "At night"), "Generic replies", ana)
            op.add_coding("P01", *_span(op, "P01", "like a leaflet"), "Rehearsal space", ben)
            disputes[who] = next(d for d in list_disagreements(op, load_agreement_data(op, [ana, ben]))
                                 if d.applied_by == (ana,))

    def others_coding(who):
        with as_(who) as p:
            p.remove_coding(others[who])

    def adjudicate_(who):
        item = disputes[who]
        with as_(who) as p:
            assert adjudicate(p, item, "keep", keep=item.applied_by[0], consensus_coder=f"consensus-{who}-{tag}")

    def add_code(who):
        with as_(who) as p:
            p.add_code(Code(f"code by {who} {tag}"))

    def autocode(who):
        # What `qualcode batch autocode` writes per chunk: a machine coder's codings.
        with as_(who) as p:
            did, doc = p.document("P02")
            start = doc.text.index("Therapy costs too much here.")
            code = p.code("Generic replies").id
            write_autocoded(p, f"machine-{who}-{tag}", [(did, start, start + 10, code, "test")], [did], detail="test")

    def import_docs(who):
        with as_(who) as p:
            p.add_documents([make_interview(f"doc by {who} {tag}", [("I", "Hello there.")])])

    def give_role(who):
        with as_(who) as p:
            accounts.set_member(p, team.names["nina"], "viewer")

    victims = {who: f"victim-{who}-{tag}" for who in WHO.values()}
    with team.open(None) as op:  # set up before any attempt: the attempt alone must change nothing
        for victim in victims.values():
            accounts.create_user(loc, victim, PASSWORD)
            accounts.set_member(op, victim, "viewer")

    def remove_member(who):
        with as_(who) as p:
            accounts.remove_member(p, victims[who])

    def create_project(who):
        Project.open(loc, name=f"new by {who} {tag}", user=team.names[who]).close()

    def create_account(who):
        accounts.create_user(loc, f"made-by-{who}-{tag}", PASSWORD, by=team.names[who])

    def set_password(who):
        accounts.set_password(loc, team.names["nina"], f"fresh passphrase {who} {tag}", by=team.names[who])

    return {
        "open the project and read transcripts and codings": read,
        "back up the project to a file": backup,
        "list the members": list_members,
        "code a passage as themselves": code,
        "write a memo on the project": memo,
        "undo their own last coding": undo,
        "change or remove another coder's coding": others_coding,
        "adjudicate: write the consensus coding": adjudicate_,
        "add a code to the codebook": add_code,
        "auto-code transcripts as a machine coder": autocode,
        "import transcripts": import_docs,
        "give an account a role in the project": give_role,
        "remove a member": remove_member,
        "create a project": create_project,
        "create an account": create_account,
        "set another account's password": set_password,
    }


def _snapshot(team: Team):
    """What a refused action must leave as it was (read by the operator)."""
    with team.open(None) as p:
        codings = sorted((c.coder, c.start, c.end, c.code_id) for c in p.codings())
        memo = p.memo("project", p.id)
        tag = team.project.rsplit("-", 1)[-1]  # this test's accounts and projects only (one server, many tests)
        with p.read() as conn:
            users = sorted(conn.execute(select(A.users.c.username, A.users.c.password_hash)
                                        .where(A.users.c.username.contains(tag))).all())
            projects = sorted(conn.execute(select(S.projects.c.name).where(S.projects.c.name.contains(tag))).scalars())
        return p.info(), codings, memo, accounts.members(p), users, projects


def test_the_table_parses_and_every_row_is_known(team, tmp_path):
    table = role_table()
    known = _attempts(team, tmp_path)
    assert set(table) == set(known), set(table) ^ set(known)


def test_the_store_does_what_the_table_says(team, tmp_path):
    table = role_table()
    attempts = _attempts(team, tmp_path)
    wrong = []
    for action, allowed in table.items():
        for role in ROLES:
            before = _snapshot(team)
            try:
                attempts[action](WHO[role])
                did = True
            except PermissionDenied:
                did = False
                if _snapshot(team) != before:
                    wrong.append(f"{action} as {role}: refused, but the database changed")
            if did != allowed[role]:
                wrong.append(f"{action} as {role}: table says {'yes' if allowed[role] else 'no'}, store says "
                             f"{'yes' if did else 'no'}")
    assert not wrong, "\n".join(wrong)
