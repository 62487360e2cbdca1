"""Blind coding: who codes blind in a project, and which codings a viewer may read.

Blind mode is a property of a coder in a project, kept in the project's event log
(``coder.blind`` events, newest wins), not of a browser tab or an address: every
tab, reload or link that shows a transcript to that coder asks the store, so no
route can forget it. The log also lets a methods section say when each coder
coded blind.

:func:`visible_codings` is the one read the pages use for codings shown to the
current coder: with blind mode on it returns that coder's codings only, whatever
filter the page asked for.
"""

from __future__ import annotations

from collections.abc import Sequence


from ..errors import NotFoundError, StoreError
from ..model import Coding
from ._util import event_payloads
from .project import Project

__all__ = ["BLIND_ACTION", "set_blind", "blind_coders", "is_blind", "visible_codings"]

BLIND_ACTION = "coder.blind"


def set_blind(project: Project, coder: str, on: bool) -> None:
    """Switch blind mode on or off for ``coder`` (an existing coder of the project)."""
    coder = (coder or "").strip()
    if not coder:
        raise StoreError("choose who is coding before switching blind mode")
    if project.user is not None and coder != project.user:
        raise StoreError(f"only {coder!r} can switch their own blind mode")
    if is_blind(project, coder) == bool(on):
        return  # nothing changes: no event, no new revision
    with project.write(BLIND_ACTION, actor=coder, target_type="coder") as (conn, ev):
        try:
            # A signed-in account is a coder of its project by being signed in; a
            # local name must have been added (or picked) first.
            cid = project._coder_id(conn, coder, create=project.user is not None)
        except NotFoundError:
            raise NotFoundError(f"no coder {coder!r} in project {project.name!r}") from None
        ev["target_id"] = int(cid)
        ev["payload"] = {"coder": coder, "blind": bool(on)}


def blind_coders(project: Project) -> set[str]:
    """Names of the coders whose blind mode is on now."""
    state: dict[str, bool] = {}
    for payload in event_payloads(project, BLIND_ACTION):
        if payload.get("coder"):
            state[str(payload["coder"])] = bool(payload.get("blind"))
    return {name for name, on in state.items() if on}


def is_blind(project: Project, coder: str | None) -> bool:
    """Whether ``coder`` codes blind in this project (False for no coder)."""
    return bool(coder) and coder in blind_coders(project)


def visible_codings(
    project: Project,
    viewer: str | None,
    *,
    blind: bool,
    document: int | str | None = None,
    coders: Sequence[str] | None = None,
    code_ids: Sequence[int] | None = None,
) -> list[Coding]:
    """The codings ``viewer`` may see, optionally filtered like :meth:`Project.codings`.

    Blind (asked by the caller, or recorded for the viewer in the project): only the
    viewer's own codings, whatever ``coders`` asks for; with no viewer, none at all.
    Not blind: the filters as given.
    """
    if blind or is_blind(project, viewer):
        if not viewer or (coders is not None and viewer not in coders):
            return []
        coders = [viewer]
    return project.codings(document=document, coders=coders, code_ids=code_ids)
