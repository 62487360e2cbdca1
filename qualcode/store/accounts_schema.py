"""Tables for team mode: user accounts and per-project roles.

Kept apart from :mod:`schema` because a single-user SQLite project never has rows here;
defined on the same ``MetaData`` so migrations create them with everything else.
"""

from __future__ import annotations

import unicodedata

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table, UniqueConstraint, false

from .schema import metadata

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(200), nullable=False, unique=True),
    # username_key(username): names are unique ignoring case. NULL marks an account that
    # an upgrade found clashing with another in case only (refused at sign-in).
    Column("username_key", String(200)),
    # Administrators create accounts and projects (docs/security.md).
    Column("is_admin", Boolean, nullable=False, default=False, server_default=false()),
    Column("display_name", String(200), nullable=False, default=""),
    # argon2id hash (salted, with its parameters); never the password itself.
    Column("password_hash", String(400)),
    Column("oidc_subject", String(400), unique=True),
    Column("created_at", String(32), nullable=False),
)

# A named index rather than unique=True on the column, so a migration can add it.
username_key_index = Index("ux_users_username_key", users.c.username_key, unique=True)


def username_key(username: str) -> str:
    """The case-insensitive identity of a user name (``OLGA`` and ``olga`` are one account)."""
    return unicodedata.normalize("NFKC", username).strip().casefold()


memberships = Table(
    "memberships",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("project_id", ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("role", String(16), nullable=False),  # owner | coder | viewer
    UniqueConstraint("project_id", "user_id"),
)
