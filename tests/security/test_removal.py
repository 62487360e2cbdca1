"""Point 8: removing a member is immediate, also for a project handle already open."""

from __future__ import annotations

import pytest

from qualcode.store import accounts
from qualcode.errors import PermissionDenied


def test_a_removed_member_can_no_longer_read_through_an_open_handle(team):
    carl = team.open("carl")
    try:
        assert carl.info()["documents"] == 2
        with team.open("olga") as owner:
            accounts.remove_member(owner, team.names["carl"])
        for read in (carl.info, carl.documents, carl.codings, carl.codes, lambda: carl.document("P01")):
            with pytest.raises(PermissionDenied, match="not a member"):
                read()
        assert carl.role == ""
        assert not carl.can("coding.add")
    finally:
        carl.close()


def test_a_demoted_member_keeps_reading_but_stops_writing(team):
    with team.open("carl") as carl, team.open("olga") as owner:
        accounts.set_member(owner, team.names["carl"], "viewer")
        assert carl.info()["documents"] == 2
        with pytest.raises(PermissionDenied, match="viewer"):
            carl.add_coder("ghost")


def test_the_trusted_local_user_reads_without_membership(team):
    with team.open(None) as operator:
        assert operator.info()["documents"] == 2
