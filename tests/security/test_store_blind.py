"""Blind mode in team mode: a coder switches it for themselves, never for someone else,
and while it is on the store shows them only their own codings."""

from __future__ import annotations

import pytest

from qualcode.errors import PermissionDenied, StoreError
from qualcode.store.blind import is_blind, set_blind, visible_codings


def _code(project, text: str, code: str):
    _, doc = project.document("P01")
    start = doc.text.index(text)
    return project.add_coding("P01", start, start + len(text), code, project.user)


def test_a_coder_switches_their_own_blind_mode_and_sees_only_their_codings(team):
    olga, carl = team.names["olga"], team.names["carl"]
    with team.open("olga") as owner:
        _code(owner, "It just listened.", "Non-judgemental listener")
    with team.open("carl") as project:
        set_blind(project, carl, True)
        assert is_blind(project, carl)
        mine = _code(project, "It just listened.", "Generic replies")
        seen = visible_codings(project, carl, blind=is_blind(project, carl))
        assert [c.id for c in seen] == [mine.id] and {c.coder for c in seen} == {carl}
        with pytest.raises((PermissionDenied, StoreError)):
            set_blind(project, olga, True)
    with team.open("olga") as owner:
        assert not is_blind(owner, olga)


def test_a_viewer_cannot_switch_blind_mode(team):
    with team.open("vera") as project:
        with pytest.raises(PermissionDenied):
            set_blind(project, team.names["vera"], True)
