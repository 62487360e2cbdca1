"""Cached page reads are keyed by project (location and id) and signed-in account:
one user's cached view is never served to another user or for another project."""

from __future__ import annotations

import uuid

import pytest

from qualcode.store import Project
from qualcode.ui import state
from qualcode.ui.pages import coding
from tests.conftest import postgres_url
from tests.fixtures import fill_small_study


def test_two_projects_in_one_database_never_share_a_cached_read():
    url = postgres_url()
    if not url:
        pytest.skip("no PostgreSQL server: set QUALCODE_TEST_POSTGRES_URL (.ci/run does)")
    with Project.open(url, name=f"test-{uuid.uuid4().hex[:12]}") as a, \
            Project.open(url, name=f"test-{uuid.uuid4().hex[:12]}") as b:
        fill_small_study(a)
        assert a.location == b.location and state.view_key(a) != state.view_key(b)
        # The same revision number in both (b has none yet) must not serve a's codebook to b.
        assert coding._codes(a, state.view_key(a), 0) and coding._codes(b, state.view_key(b), 0) == []


def test_the_key_names_the_signed_in_account(tmp_path):
    with Project.open(tmp_path / "s.qualcode") as p:
        key = state.view_key(p)
        assert key.startswith(state.project_key(p)) and key.endswith("|")
        p.user = "ben"  # as a team session opens it (the account is part of the key)
        assert state.view_key(p) == f"{state.project_key(p)}|ben" != key
