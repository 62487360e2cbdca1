"""Small helpers shared by the store modules."""

from __future__ import annotations

from datetime import datetime, timezone

from ..ids import new_guid

__all__ = ["now_iso", "new_guid"]


def now_iso() -> str:
    """Current UTC time as ISO 8601 with seconds (REFI-QDA style ``T`` separator)."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")

