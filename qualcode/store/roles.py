"""Which role each write needs (team mode).

Checked inside every write transaction by :meth:`Project.write`, so the library
enforces roles whatever front end calls it; the UI only hides what a role cannot do.
"""

from __future__ import annotations

__all__ = ["ROLES", "role_rank", "required_role"]

ROLES = ("viewer", "coder", "owner")

# Longest matching prefix wins; anything not listed needs an owner (safe default).
_ACTION_ROLES: dict[str, str] = {
    "coding.": "coder",
    "memo.": "coder",
    "suggestion.": "coder",
    "consensus.": "owner",  # writes the consensus coder's codings: adjudicating others' work
    "coder.add": "coder",
    "coder.blind": "coder",  # a coder switches their own blind mode (store/blind.py checks whose)
    "undo": "coder",
    "themes.": "coder",
    "embeddings.": "coder",
    "codebook.reassign": "coder",  # a coder re-codes their own codings
    "codebook.": "owner",
    "documents.": "owner",
    "document.": "owner",
    "participants.": "owner",
    "members.": "owner",
    "deid.": "owner",
    "project.": "owner",
}


def role_rank(role: str | None) -> int:
    """0 for no role, then viewer < coder < owner."""
    return ROLES.index(role) + 1 if role in ROLES else 0


def required_role(action: str) -> str:
    """The least role that may perform ``action`` (an event-log action name)."""
    best = ""
    for prefix in _ACTION_ROLES:
        if action.startswith(prefix) and len(prefix) > len(best):
            best = prefix
    return _ACTION_ROLES[best] if best else "owner"
