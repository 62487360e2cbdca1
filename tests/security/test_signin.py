"""Point 7: sign-in follows NIST SP 800-63B (rev. 3 sec. 5.1.1.2 and 5.2.2; rev. 4
sec. 3.1.1.2 and 3.2.2): length, a block-list, case-insensitive unique user names,
and throttling that lives in the database (so it holds across processes).

Time is passed in (``now=``) instead of slept: no test waits on the wall clock.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select, text

from qualcode.store import accounts
from qualcode.errors import PermissionDenied, SignInThrottled, StoreError
from qualcode.store import Project
from qualcode.store import accounts_schema as A
from qualcode.store import throttle
from tests.security.conftest import PASSWORD, database_location

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path) -> str:
    location = database_location(request.param, tmp_path)
    Project.open(location, name=f"signin-{uuid.uuid4().hex[:6]}").close()
    return location


def _name(stem: str) -> str:
    return f"{stem}-{uuid.uuid4().hex[:6]}"


@pytest.mark.parametrize("weak", ["12345678", "password", "        ", "\t \t \t \t ", "Password1!", "qwertyuiop",
                                  "aaaaaaaaaaaa", "P@ssw0rd2024", "iloveyou", "abcdefgh", "87654321", "1q2w3e4r",
                                  "seven77"])
def test_weak_passwords_are_refused_on_create_and_change(db, weak):
    name = _name("weak")
    with pytest.raises(StoreError):
        accounts.create_user(db, name, weak)
    accounts.create_user(db, name, PASSWORD)
    with pytest.raises(StoreError):
        accounts.set_password(db, name, weak)
    assert accounts.authenticate(db, name, PASSWORD) == name


def test_the_user_name_is_not_a_password(db):
    name = _name("margarethe")
    with pytest.raises(StoreError, match="user name"):
        accounts.create_user(db, name, name.upper() + "!")


def test_long_unicode_passphrases_are_welcome(db):
    name = _name("uni")
    phrase = "Fünf Gänse 😔 überqueren die Straße " * 3
    accounts.create_user(db, name, phrase)
    assert accounts.authenticate(db, name, phrase) == name


def test_user_names_are_unique_ignoring_case(db):
    name = _name("Olga")
    accounts.create_user(db, name, PASSWORD)
    for clash in (name.lower(), name.upper(), " " + name.swapcase() + " "):
        with pytest.raises(StoreError, match="already exists"):
            accounts.create_user(db, clash, PASSWORD)
    assert accounts.authenticate(db, name.upper(), PASSWORD) == name  # the account's own spelling


def _make_schema_4(location: str) -> None:
    """Turn a fresh database back into schema 4 (before these rules), as an old qualcode left it."""
    engine = accounts._engine(location)
    with engine.begin() as conn:
        conn.execute(text("DROP INDEX ux_users_username_key"))
        conn.execute(text("DROP TABLE signin_failures"))
        conn.execute(text("ALTER TABLE users DROP COLUMN username_key"))
        conn.execute(text("ALTER TABLE users DROP COLUMN is_admin"))
        conn.execute(text("UPDATE qualcode_meta SET value = '4' WHERE key = 'schema_version'"))
    accounts._engine.cache_clear()
    engine.dispose()


def test_an_old_database_with_case_clashes_is_flagged_on_upgrade(tmp_path):
    # SQLite: the upgrade path itself (the same migration code runs on PostgreSQL).
    location = str(tmp_path / "old.qualcode")
    Project.open(location, name="Old study").close()
    name = "Margarethe"
    accounts.create_user(location, "someone-else", PASSWORD)
    _make_schema_4(location)
    import sqlite3

    con = sqlite3.connect(location)
    h = con.execute("SELECT password_hash FROM users").fetchone()[0]
    for spelling in (name, name.upper()):  # an old qualcode accepted both
        con.execute("INSERT INTO users (username, display_name, password_hash, created_at) VALUES (?, '', ?, '')",
                    (spelling, h))
    con.commit()
    con.close()
    for spelling in (name, name.upper(), name.lower()):
        with pytest.raises(PermissionDenied, match="differs only in case"):
            accounts.authenticate(location, spelling, PASSWORD)
    assert accounts.authenticate(location, "SOMEONE-ELSE", PASSWORD) == "someone-else"
    with pytest.raises(StoreError, match="already exists"):
        accounts.create_user(location, name.lower(), PASSWORD)
    # Renaming one of the two lifts the flag on both.
    accounts.rename_user(location, name.upper(), "margarethe-2")
    assert accounts.authenticate(location, name, PASSWORD) == name
    assert accounts.authenticate(location, "Margarethe-2", PASSWORD) == "margarethe-2"


def test_25_wrong_passwords_lock_the_account_and_the_right_one_waits(db):
    name = _name("target")
    accounts.create_user(db, name, PASSWORD)
    now = 1_000_000.0
    checked = throttled = 0
    for i in range(25):
        try:
            accounts.authenticate(db, name, f"guess number {i}", now=now + i)
        except SignInThrottled:
            throttled += 1
        except PermissionDenied:
            checked += 1
    # The free attempts, then one checked guess per back-off window: most are never checked.
    assert checked < 10 and throttled >= 15, (checked, throttled)
    with pytest.raises(SignInThrottled, match="try again in") as err:
        accounts.authenticate(db, name, PASSWORD, now=now + 30)
    assert err.value.wait_seconds > 0
    # A fresh engine (another process, or the app restarted) sees the same lock-out.
    accounts._engine.cache_clear()
    with pytest.raises(SignInThrottled):
        accounts.authenticate(db, name, PASSWORD, now=now + 30)
    later = now + 30 + err.value.wait_seconds + 1
    assert accounts.authenticate(db, name, PASSWORD, now=later) == name
    # Success clears the account's counter: the next mistake is not punished at once.
    with pytest.raises(PermissionDenied) as again:
        accounts.authenticate(db, name, "one more typo", now=later + 1)
    assert not isinstance(again.value, SignInThrottled)


def test_the_back_off_grows_exponentially(db):
    name = _name("backoff")
    accounts.create_user(db, name, PASSWORD)
    now, waits = 2_000_000.0, []
    for i in range(12):
        try:
            accounts.authenticate(db, name, "wrong wrong", now=now)
        except SignInThrottled as exc:
            now += exc.wait_seconds + 0.5  # come back just after the wait
            continue
        except PermissionDenied:
            pass
        w = accounts.signin_wait(db, name, now=now)
        if w:
            waits.append(round(w))
    assert len(waits) >= 4 and all(b >= 2 * a - 1 for a, b in zip(waits, waits[1:])), waits


def test_the_lock_out_holds_across_processes(db):
    name = _name("proc")
    accounts.create_user(db, name, PASSWORD)
    code = (
        "import sys; from qualcode.store import accounts\n"
        "for i in range(10):\n"
        "    try: accounts.authenticate(sys.argv[1], sys.argv[2], 'bad guess %d' % i, now=float(sys.argv[3]))\n"
        "    except Exception: pass\n"
    )
    now = 6_000_000.0
    subprocess.run([sys.executable, "-c", code, db, name, str(now)], check=True, cwd=ROOT, timeout=120)
    with pytest.raises(SignInThrottled):
        accounts.authenticate(db, name, PASSWORD, now=now + 1)


def test_one_client_spraying_many_accounts_is_slowed(db):
    now = 3_000_000.0
    real, other = _name("sprayed"), _name("elsewhere")
    accounts.create_user(db, real, PASSWORD)
    accounts.create_user(db, other, PASSWORD)
    # One wrong guess each for 25 account names (mostly made up, as a sprayer's would be).
    names = [real] + [_name("spray") for _ in range(24)]
    throttled = 0
    for i, n in enumerate(names):
        try:
            accounts.authenticate(db, n, "Summer in the city", client="203.0.113.7", now=now + i)
        except SignInThrottled:
            throttled += 1
        except PermissionDenied:
            pass
    assert throttled >= 2
    # The spraying client now waits even with a right password ...
    with pytest.raises(SignInThrottled):
        accounts.authenticate(db, real, PASSWORD, client="203.0.113.7", now=now + 25)
    # ... while another client is not punished for it.
    assert accounts.authenticate(db, other, PASSWORD, client="198.51.100.2", now=now + 30) == other
    assert accounts.authenticate(db, real, PASSWORD, client="198.51.100.2", now=now + 30) == real


def test_unknown_accounts_are_throttled_like_real_ones(db):
    ghost = _name("ghost")
    kinds = set()
    for i in range(10):
        try:
            accounts.authenticate(db, ghost, "x" * 12, now=4_000_000.0 + i)
        except SignInThrottled:
            kinds.add("throttled")
        except PermissionDenied as exc:
            kinds.add(str(exc))
    assert kinds == {"throttled", "wrong user name or password"}


def test_a_password_reset_by_the_operator_lifts_the_lock(db):
    name = _name("reset")
    accounts.create_user(db, name, PASSWORD)
    for i in range(20):
        try:
            accounts.authenticate(db, name, f"wrong {i}", now=5_000_000.0)
        except PermissionDenied:
            pass
    accounts.set_password(db, name, "a brand new passphrase")
    assert accounts.authenticate(db, name, "a brand new passphrase", now=5_000_000.0) == name
    engine = accounts._engine(db)
    with engine.connect() as conn:
        assert conn.execute(text("select count(*) from signin_failures where key = :k"),
                            {"k": throttle.account_key(name)}).scalar_one() == 0


def test_hostile_user_names_get_a_clear_refusal(db):
    for bad in ("x" * 201, "nul\x00byte", "tab\there"):
        with pytest.raises(StoreError, match="user name"):
            accounts.create_user(db, bad, PASSWORD)
    # Signing in with a huge name is a plain wrong-password answer, not a database error.
    with pytest.raises(PermissionDenied):
        accounts.authenticate(db, "y" * 5000, PASSWORD, now=7_000_000.0)
