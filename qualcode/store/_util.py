"""Small helpers shared by the store modules."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

__all__ = ["now_iso", "new_guid"]


def now_iso() -> str:
    """Current UTC time as ISO 8601 with seconds (REFI-QDA style ``T`` separator)."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def new_guid() -> str:
    """A fresh GUID in the lowercase 8-4-4-4-12 form REFI-QDA expects."""
    return str(uuid.uuid4())
