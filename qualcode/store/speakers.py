"""Speaker roles confirmed for a project (who is an interviewer, who a participant).

Kept in the project's event log (``project.speaker_roles`` events, and the roles a
qualcode ``.qdpx`` brought in with its import; newest wins per label), like blind mode, so no schema change is needed and a methods section can say
when the roles were confirmed and by whom. Detection from labels lives in
:mod:`qualcode.ingest.roles`; this module only stores what a person confirmed.
"""

from __future__ import annotations

from collections.abc import Mapping


from sqlalchemy import select

from ..errors import StoreError
from . import schema as S
from .project import Project
from .values import check_text

__all__ = ["ROLES_ACTION", "ROLE_NAMES", "IMPORT_ACTION", "confirm_speaker_roles", "confirmed_speaker_roles"]

ROLES_ACTION = "project.speaker_roles"
ROLE_NAMES = ("interviewer", "participant", "user", "assistant")


def confirm_speaker_roles(project: Project, roles: Mapping[str, str], *, actor: str | None = None) -> None:
    """Record the roles of these speaker labels (one event; owner only in team mode)."""
    clean = {}
    for label, role in roles.items():
        if role not in ROLE_NAMES:
            raise StoreError(f"speaker {label!r}: role must be one of {', '.join(ROLE_NAMES)}, not {role!r}")
        check_text(str(label), "speaker role", "label", 200)
        clean[str(label)] = role
    if not clean:
        return
    with project.write(ROLES_ACTION, actor=actor, target_type="project", target_id=project.id) as (_conn, ev):
        ev["payload"] = {"roles": clean}


#: A ``.qdpx`` import records the roles qualcode exported with it (``speaker_roles`` in
#: its event's payload), for labels not confirmed in this project before.
IMPORT_ACTION = "documents.import_qdpx"


def confirmed_speaker_roles(project: Project) -> dict[str, str]:
    """Label -> role, as last confirmed (labels never confirmed are absent)."""
    out: dict[str, str] = {}
    ev = S.events
    with project.read() as conn:
        rows = conn.execute(select(ev.c.action, ev.c.payload).where(
            ev.c.project_id == project.id, ev.c.action.in_((ROLES_ACTION, IMPORT_ACTION))).order_by(ev.c.id)).all()
    for action, payload in rows:
        roles = (payload or {}).get("roles" if action == ROLES_ACTION else "speaker_roles") or {}
        if isinstance(roles, dict):
            out.update({str(k): str(v) for k, v in roles.items() if v in ROLE_NAMES})
    return out
