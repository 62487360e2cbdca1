"""Tables for team mode: user accounts and per-project roles.

Kept apart from :mod:`schema` because a single-user SQLite project never has rows here;
defined on the same ``MetaData`` so migrations create them with everything else.
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Integer, String, Table, UniqueConstraint

from .schema import metadata

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(200), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False, default=""),
    # argon2id hash (salted, with its parameters); never the password itself.
    Column("password_hash", String(400)),
    Column("oidc_subject", String(400), unique=True),
    Column("created_at", String(32), nullable=False),
)

memberships = Table(
    "memberships",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("project_id", ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("role", String(16), nullable=False),  # owner | coder | viewer
    UniqueConstraint("project_id", "user_id"),
)
