"""The project store's tables (SQLAlchemy 2 Core).

One database may hold several projects (a lab's PostgreSQL server); a SQLite file
normally holds one. Every row that belongs to a project carries ``project_id``.
Offsets are Python code points, half-open ``[start, end)``.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

meta = Table(
    "qualcode_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

projects = Table(
    "projects",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("description", Text, nullable=False, default=""),
    Column("created_at", String(32), nullable=False),
)

participants = Table(
    "participants",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("project_id", ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("pseudonym", String(200), nullable=False),
    # Attributes are free-form per study (country, age band, chatbot...), so JSON.
    Column("attributes", JSON, nullable=False, default=dict),
    UniqueConstraint("project_id", "pseudonym"),
)

documents = Table(
    "documents",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("project_id", ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(300), nullable=False),
    Column("text", Text, nullable=False),
    Column("text_sha256", String(64), nullable=False),
    Column("source_format", String(32), nullable=False),
    Column("source_path", Text),
    Column("participant_id", ForeignKey("participants.id", ondelete="SET NULL")),
    Column("metadata", JSON, nullable=False, default=dict),
    Column("word_count", Integer, nullable=False, default=0),
    Column("position", Integer, nullable=False, default=0),  # interview order
    Column("imported_at", String(32), nullable=False),
    UniqueConstraint("project_id", "name"),
)

segments = Table(
    "segments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("document_id", ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
    Column("idx", Integer, nullable=False),
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
    Column("speaker", String(200)),
    Column("timestamp", Float),
    Column("end_timestamp", Float),
    # Turn metadata from the source (schema 7): see Segment.meta. NULL when none.
    Column("metadata", JSON),
    UniqueConstraint("document_id", "idx"),
)

coders = Table(
    "coders",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("project_id", ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("created_at", String(32), nullable=False),
    UniqueConstraint("project_id", "name"),
)

codes = Table(
    "codes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("project_id", ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("parent_id", ForeignKey("codes.id", ondelete="RESTRICT")),
    Column("name", String(300), nullable=False),
    Column("definition", Text, nullable=False, default=""),
    Column("when_to_use", Text, nullable=False, default=""),
    Column("when_not_to_use", Text, nullable=False, default=""),
    Column("example", Text, nullable=False, default=""),
    Column("colour", String(16)),
    Column("source", Text, nullable=False, default=""),
    Column("codable", Boolean, nullable=False, default=True),
    Column("guid", String(40), nullable=False),
    Column("position", Integer, nullable=False, default=0),
    # Optimistic concurrency: a shared object's edit must name the version it read.
    Column("version", Integer, nullable=False, default=1),
    # Variables declared in the codebook (schema 6): a theme whose codes are
    # alternatives, optionally ranked; ``level`` is a code's value among them.
    Column("exclusive", Boolean, nullable=False, default=False),
    Column("ordered", Boolean, nullable=False, default=False),
    Column("level", Float),
    UniqueConstraint("project_id", "guid"),
)
Index("ix_codes_project_parent", codes.c.project_id, codes.c.parent_id)

codings = Table(
    "codings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("project_id", ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("document_id", ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
    Column("code_id", ForeignKey("codes.id", ondelete="RESTRICT"), nullable=False),
    Column("coder_id", ForeignKey("coders.id", ondelete="RESTRICT"), nullable=False),
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
    Column("snippet", Text, nullable=False),
    Column("origin", String(32), nullable=False, default="human"),
    Column("origin_detail", Text),
    Column("memo", Text),
    Column("created_at", String(32), nullable=False),
    Column("version", Integer, nullable=False, default=1),
    # The same coder cannot apply the same code to the same span twice.
    UniqueConstraint("document_id", "code_id", "coder_id", "start", "end", name="uq_coding_span"),
)
Index("ix_codings_document", codings.c.document_id)
Index("ix_codings_code", codings.c.code_id)

memos = Table(
    "memos",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("project_id", ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("target_type", String(16), nullable=False),  # project | document | code
    Column("target_id", Integer, nullable=False),
    Column("coder_id", ForeignKey("coders.id", ondelete="SET NULL")),
    Column("text", Text, nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("updated_at", String(32), nullable=False),
    Column("version", Integer, nullable=False, default=1),
    UniqueConstraint("project_id", "target_type", "target_id", name="uq_memo_target"),
)

# Append-only: rows are inserted by every write and never updated or deleted.
events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("project_id", ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("at", String(32), nullable=False),
    Column("actor", String(200)),
    Column("action", String(64), nullable=False),
    Column("target_type", String(32)),
    Column("target_id", Integer),
    Column("payload", JSON, nullable=False, default=dict),
    Column("undone_by", Integer),  # id of the event that undid this one
)
Index("ix_events_project_action", events.c.project_id, events.c.action)

# ---------------------------------------------------------------- machine assistance
from sqlalchemy import LargeBinary  # noqa: E402  (kept with the tables that use it: additive section)

# Derived data, not data of record: a vector per (embedding model, text). Keyed by the
# text's hash rather than by project, so projects sharing a database share the cache.
embeddings = Table(
    "embeddings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("model_id", String(200), nullable=False),
    Column("text_sha256", String(64), nullable=False),
    Column("dim", Integer, nullable=False),
    Column("vector", LargeBinary, nullable=False),  # float32, little-endian, unit length
    UniqueConstraint("model_id", "text_sha256", name="uq_embedding_text"),
)

# What a coder did with a suggestion. A rejection stops the same (span, code) being
# offered to that coder again; acceptances are kept too, to report how often
# suggestions were taken and at what score.
suggestion_decisions = Table(
    "suggestion_decisions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("project_id", ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("document_id", ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
    Column("code_id", ForeignKey("codes.id", ondelete="CASCADE"), nullable=False),
    Column("decision", String(16), nullable=False),  # accept | reject
    Column("coder", String(200), nullable=False),
    Column("suggester", String(100), nullable=False),
    Column("suggester_version", String(32), nullable=False),
    Column("score", Float),
    Column("at", String(32), nullable=False),
)
Index("ix_suggestion_decisions_doc", suggestion_decisions.c.project_id, suggestion_decisions.c.document_id)
