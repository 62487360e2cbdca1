"""Speaker roles from common labels: who asks (interviewer/moderator), who answers.

A label is an ``"interviewer"`` (Interviewer, Int, I, Q, Moderator, Facilitator,
Researcher, Host), an ``"assistant"`` of a chat log (Assistant, Bot, Chatbot, AI,
System), a ``"user"`` of a chat log (User, Human), or otherwise a ``"participant"``.
The Word report uses it so that an interviewer's question is never quoted as if a
participant had said it.
"""

from __future__ import annotations

import re

__all__ = ["ROLES", "speaker_role", "is_participant", "project_roles", "is_participant_in"]

ROLES = ("interviewer", "participant", "user", "assistant")
_INTERVIEWER = re.compile(
    r"^(?:interviewer|interviewerin|int|i|q|moderator|mod|facilitator|researcher|host|entrevistador[a]?)"
    r"(?:\s*\d+)?$", re.IGNORECASE)
_ASSISTANT = re.compile(r"^(?:assistant|bot|chatbot|ai|system|model|gpt|claude|wysa|woebot|replika)(?:\s*\d+)?$",
                        re.IGNORECASE)
_USER = re.compile(r"^(?:user|human|client)(?:\s*\d+)?$", re.IGNORECASE)


def speaker_role(label: str | None) -> str | None:
    """The role a speaker label names (None for no label)."""
    if not label or not str(label).strip():
        return None
    text = re.sub(r"[\s:.\-–—]+$", "", str(label).strip())
    if _INTERVIEWER.match(text):
        return "interviewer"
    if _ASSISTANT.match(text):
        return "assistant"
    if _USER.match(text):
        return "user"
    return "participant"


def is_participant(label: str | None) -> bool:
    """True unless the label is an interviewer's or a chat assistant's (no label: True)."""
    return speaker_role(label) not in ("interviewer", "assistant")


def project_roles(project, labels=None) -> dict[str, str]:
    """Each speaker label of ``project`` with its role: as confirmed for the project
    (:mod:`qualcode.store.speakers`), else as detected from the label."""
    from ..store.speakers import confirmed_speaker_roles

    confirmed = confirmed_speaker_roles(project)
    labels = list(project.speakers()) if labels is None else list(labels)
    return {label: confirmed.get(label) or speaker_role(label) or "participant" for label in labels}


def is_participant_in(roles, label: str | None) -> bool:
    """:func:`is_participant` with a project's confirmed roles first."""
    if label and roles and label in roles:
        return roles[label] not in ("interviewer", "assistant")
    return is_participant(label)
