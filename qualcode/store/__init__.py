"""The project store: SQLite by default, any SQLAlchemy database by URL."""

from .engine import DATABASE_URL_ENV
from .migrations import SCHEMA_VERSION
from .project import DocumentInfo, Event, Project, new_guid, now_iso

__all__ = ["Project", "DocumentInfo", "Event", "DATABASE_URL_ENV", "SCHEMA_VERSION", "new_guid", "now_iso"]
