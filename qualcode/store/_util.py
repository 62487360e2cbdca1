"""Small helpers shared by the store modules."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone

from sqlalchemy import select

from ..ids import new_guid
from . import schema as S

__all__ = ["now_iso", "new_guid", "event_payloads"]


def now_iso() -> str:
    """Current UTC time as ISO 8601 with seconds (REFI-QDA style ``T`` separator)."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")



def event_payloads(project, action: str) -> Iterator[dict]:
    """The payloads of one kind of event in a project, oldest first.

    Settings kept in the event log (blind mode, confirmed speaker roles) are read by
    replaying these: the newest event wins, and the log says who changed what when.
    """
    ev = S.events
    with project.read() as conn:
        rows = conn.execute(
            select(ev.c.payload).where(ev.c.project_id == project.id, ev.c.action == action).order_by(ev.c.id)
        ).scalars().all()
    for payload in rows:
        yield payload or {}
