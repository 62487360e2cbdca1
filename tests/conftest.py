"""Fixtures shared by every test layer.

``fresh_project`` is a real SQLite project file in a temporary folder; ``shared_data``
is ../shared/data next to the repository (tests that need it skip without it).
"""

from __future__ import annotations

import os
import tempfile
import uuid
from pathlib import Path

import pytest
from hypothesis.configuration import set_hypothesis_home_dir

from qualcode.refi.common import SCHEMA_DIR_ENV
from qualcode.store import Project
from tests.fixtures import fill_small_study, make_interview  # noqa: F401  (re-exported for the test files)

# Hypothesis keeps its example database and caches in a folder; outside the checkout,
# because tests never write into the repository.
set_hypothesis_home_dir(os.path.join(tempfile.gettempdir(), "qualcode-hypothesis"))

# The app's background model warm-up would compete with the tests for two cores;
# tests that need it start it themselves (tests/core/test_warmup.py).
os.environ.setdefault("QUALCODE_WARMUP", "0")

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"

# The REFI-QDA schemas are not shipped (they belong to the standard); the developers'
# copies in ../shared validate everything the tests write. The library only looks where
# $QUALCODE_REFI_SCHEMAS points, so the look-up next to the checkout lives here.
if (SHARED_DATA / "refi-qda").is_dir():
    os.environ.setdefault(SCHEMA_DIR_ENV, str(SHARED_DATA / "refi-qda"))


@pytest.fixture
def fresh_project(tmp_path: Path):
    """An empty project in a real SQLite file."""
    with Project.open(tmp_path / "study.qualcode") as project:
        yield project


POSTGRES_URL_ENV = "QUALCODE_TEST_POSTGRES_URL"


def postgres_url() -> str | None:
    """URL of the PostgreSQL server for the team-mode tests (.ci/run starts one)."""
    url = os.environ.get(POSTGRES_URL_ENV)
    if not url and os.environ.get("CI") == "true":
        pytest.fail(f"{POSTGRES_URL_ENV} is not set: CI must run the store tests on PostgreSQL too")
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def any_project(request, tmp_path: Path):
    """An empty project on SQLite and, in a second run, on a real PostgreSQL server."""
    if request.param == "sqlite":
        with Project.open(tmp_path / "study.qualcode") as project:
            yield project
        return
    url = postgres_url()
    if not url:
        pytest.skip(f"no PostgreSQL server: set {POSTGRES_URL_ENV} (.ci/run does)")
    # One database holds many projects; a fresh project name isolates each test.
    with Project.open(url, name=f"test-{uuid.uuid4().hex[:12]}") as project:
        yield project


@pytest.fixture
def shared_data() -> Path:
    """../shared/data, or skip with the reason when this checkout has none."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"../shared/data not present at {SHARED_DATA} (only in the developers' workspace)")
    return SHARED_DATA


@pytest.fixture
def small_study(fresh_project: Project) -> Project:
    """The fixture study (tests/fixtures.py): two short interviews and a small codebook."""
    return fill_small_study(fresh_project)


@pytest.fixture
def any_small_study(any_project: Project) -> Project:
    """``small_study`` on SQLite and on PostgreSQL."""
    return fill_small_study(any_project)
