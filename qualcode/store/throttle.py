"""Sign-in throttling kept in the database (NIST SP 800-63B rev. 3 sec. 5.2.2,
rev. 4 sec. 3.2.2: limit failed attempts on an account).

Failures are counted per account name (whether or not it exists) and per client. A key
gets ``FREE`` failures without delay; after that each failure locks it for 2, 4, 8 ...
seconds, at most ``MAX_DELAY``. ``HARD_LIMIT`` consecutive failures on one account lock
it until its password is set again. Kept in a table rather than in memory so the limit
holds across app processes, the CLI and restarts. Callers pass ``now`` (epoch seconds),
so the policy is tested without sleeping.
"""

from __future__ import annotations

import math

from sqlalchemy import Column, Connection, Float, Integer, String, Table, delete, insert, select, update

from .schema import metadata

__all__ = [
    "signin_failures",
    "ACCOUNT_FREE_FAILURES",
    "CLIENT_FREE_FAILURES",
    "MAX_DELAY",
    "HARD_LIMIT",
    "account_key",
    "client_key",
    "wait_seconds",
    "record_failure",
    "forget",
    "release",
]

ACCOUNT_FREE_FAILURES = 5
CLIENT_FREE_FAILURES = 20
MAX_DELAY = 15 * 60.0
HARD_LIMIT = 100
# A key quiet this long starts again from zero (a forgotten password last week is no attack).
FORGET_AFTER = 24 * 3600.0

signin_failures = Table(
    "signin_failures",
    metadata,
    Column("key", String(300), primary_key=True),
    Column("failures", Integer, nullable=False, default=0),
    Column("last_at", Float, nullable=False),
    Column("locked_until", Float, nullable=False, default=0.0),
)


def account_key(username: str) -> str:
    """The throttle key of an account name (case-insensitive, like the names)."""
    return "account:" + username.strip().casefold()[:280]  # the column holds 300


def client_key(client: str) -> str:
    """The throttle key of a client (an IP address, or ``cli:<os user>``)."""
    return "client:" + client.strip()[:280]


def _delay(failures: int, free: int) -> float:
    over = failures - free
    return 0.0 if over <= 0 else min(2.0**over, MAX_DELAY)


def wait_seconds(conn: Connection, keys: list[str], now: float) -> float:
    """Seconds until any of ``keys`` may try again (0: now; inf: locked for good)."""
    if not keys:
        return 0.0
    wait = 0.0
    for key, failures, last_at, locked_until in conn.execute(
        select(signin_failures.c.key, signin_failures.c.failures, signin_failures.c.last_at,
               signin_failures.c.locked_until).where(signin_failures.c.key.in_(keys))
    ):
        if now - last_at > FORGET_AFTER and failures < HARD_LIMIT:
            continue
        if key.startswith("account:") and failures >= HARD_LIMIT:
            return math.inf
        wait = max(wait, locked_until - now)
    return max(wait, 0.0)


def record_failure(conn: Connection, keys: list[str], now: float) -> None:
    """Count one failed attempt for each key (inside the caller's write transaction)."""
    for key in keys:
        free = ACCOUNT_FREE_FAILURES if key.startswith("account:") else CLIENT_FREE_FAILURES
        row = conn.execute(
            select(signin_failures.c.failures, signin_failures.c.last_at).where(signin_failures.c.key == key)
            .with_for_update()
        ).first()
        if row is None:
            conn.execute(insert(signin_failures).values(key=key, failures=1, last_at=now, locked_until=now + _delay(1, free)))
            continue
        failures = 1 if (now - row[1] > FORGET_AFTER and row[0] < HARD_LIMIT) else row[0] + 1
        conn.execute(
            update(signin_failures).where(signin_failures.c.key == key)
            .values(failures=failures, last_at=now, locked_until=now + _delay(failures, free))
        )


def forget(conn: Connection, key: str) -> None:
    """Clear a key's failures (after a right password, or a new password)."""
    conn.execute(delete(signin_failures).where(signin_failures.c.key == key))


def release(conn: Connection, key: str) -> None:
    """Take back one counted failure (the attempt turned out to be a right password)."""
    free = ACCOUNT_FREE_FAILURES if key.startswith("account:") else CLIENT_FREE_FAILURES
    row = conn.execute(select(signin_failures.c.failures, signin_failures.c.last_at).where(signin_failures.c.key == key)).first()
    if row is None:
        return
    if row[0] <= 1:
        forget(conn, key)
        return
    conn.execute(
        update(signin_failures).where(signin_failures.c.key == key)
        .values(failures=row[0] - 1, locked_until=row[1] + _delay(row[0] - 1, free))
    )
