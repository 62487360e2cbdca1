"""Optimistic versions hold under real concurrency, on SQLite and on PostgreSQL.

Two writers (threads, each with its own project handle, as two app sessions have)
save the same memo / code description over and over, each naming the version it
read. A save that returns without ConflictError must not be overwritten by another
save that read the same version: every successful save gets its own version number.
"""

from __future__ import annotations

import threading

import pytest

from qualcode.codebook.edit import describe_code
from qualcode.errors import ConflictError
from qualcode.store import Project
from qualcode.store.queries import code_versions

SAVES_PER_WRITER = 60


def _race(project: Project, save) -> list[tuple[int, str]]:
    """Run two writers of ``save(handle, writer, i)`` at once; their successful (version, text) saves."""
    done: list[tuple[int, str]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(2)

    def writer(name: str) -> None:
        try:
            with Project.open(project.location, name=project.name, create=False) as handle:
                start.wait()
                for i in range(SAVES_PER_WRITER):
                    text = f"{name}-{i}"
                    try:
                        version = save(handle, text)
                    except ConflictError:
                        continue
                    with lock:
                        done.append((version, text))
        except BaseException as exc:  # surfaced in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    return done


def test_no_memo_save_is_lost_between_two_writers(any_small_study):
    project = any_small_study
    did = project.document("P01")[0]
    project.set_memo("document", did, "first", expected_version=0)

    def save(handle: Project, text: str) -> int:
        _, version = handle.memo("document", did)
        return handle.set_memo("document", did, text, expected_version=version)

    done = _race(project, save)
    versions = [v for v, _ in done]
    lost = len(versions) - len(set(versions))
    assert lost == 0, f"{lost} of {len(done)} saves were silently overwritten"
    text, version = project.memo("document", did)
    assert version == 1 + len(done)  # every successful save, and nothing else, bumped it
    assert (version, text) in done


def test_a_first_memo_written_twice_at_once_is_a_conflict_not_a_crash(any_small_study):
    project = any_small_study
    did = project.document("P02")[0]
    done = _race(project, lambda handle, text: handle.set_memo("document", did, text, expected_version=0))
    assert len(done) == 1
    assert project.memo("document", did) == (done[0][1], 1)


def test_no_code_description_is_lost_between_two_writers(any_small_study):
    project = any_small_study
    code_id = project.code("Generic replies").id

    def save(handle: Project, text: str) -> int:
        version = code_versions(handle)[code_id]
        describe_code(handle, code_id, definition=text, expected_version=version)
        return version + 1

    done = _race(project, save)
    versions = [v for v, _ in done]
    assert len(versions) == len(set(versions)), f"{len(versions) - len(set(versions))} descriptions lost"
    assert code_versions(project)[code_id] == 1 + len(done)
    assert (code_versions(project)[code_id], project.code(code_id).definition) in done
