"""The corpus batch path on a real local Dask cluster of two worker processes.

- the machine codes exactly what the Suggestions page would offer on those transcripts;
- vectors embedded on the workers with the real MiniLM model are the ones this process
  computes, land in the cache under the model's id, and a second run embeds nothing;
- a run stopped half-way (or a worker killed with SIGKILL mid-run) loses nothing and
  resumes with the rest; a coder holding a person's codings is never a machine coder;
- a worker whose model differs refuses; ``qualcode batch`` on the command line.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import subprocess

import numpy as np
import pytest

from qualcode.batch import autocode_corpus, corpus_texts, embed_corpus, open_cluster
from qualcode.batch.worker import ModelSpec, encode_chunk
from qualcode.embed import get_embedder, text_sha256
from qualcode.errors import BatchError, StoreError, UsageError
from qualcode.model import MACHINE
from qualcode.store import Project
from qualcode.store.vectors import cached_vectors
from qualcode.suggest import Suggester
from qualcode.suggest.units import coded_documents
from tests.core.test_suggest_helpers import build_study

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def client():
    with open_cluster(2) as c:
        yield c


@pytest.fixture
def study(tmp_path):
    path = tmp_path / "corpus.qualcode"
    with Project.open(path) as p:
        build_study(p, n_docs=14, gold_docs=5, coder="ana", turns=8)
    return path


def _machine(p: Project, coder: str = "ana (machine)") -> set[tuple[int, int, int, int]]:
    return {(c.document_id, c.start, c.end, c.code_id) for c in p.codings(coders=[coder])}


def test_the_machine_codes_what_the_suggester_offers(client, study):
    hashing = get_embedder("hashing")
    with Project.open(study, create=False) as p:
        coded = coded_documents(p.codings(coders=["ana"]))
        # The Suggestions page, in this process, learning from the same codings; the
        # researcher rejects one suggestion in a transcript they have not coded.
        s = Suggester.build(p, "ana", embedder=hashing)
        no = next(sg for d in p.documents() if d.id not in coded for sg in s.for_document(d.id))
        s.reject(no)
        report = autocode_corpus(p, client, "ana", embedder=hashing, chunk=20)
        assert report.workers == 2 and report.trained_documents == 5
        offered = {sg.key for d in p.documents() if d.id not in coded
                   for sg in s.for_document(d.id, only_uncoded=False, per_excerpt=99)}
        written = _machine(p)
        assert written == offered and len(written) > 20
        assert no.key not in written
        assert report.codings_written == len(written) and report.documents_scored == 14 - 5
        machine = p.codings(coders=["ana (machine)"])
        assert {c.origin for c in machine} == {MACHINE}
        assert all("score" in c.origin_detail and "threshold" in c.origin_detail for c in machine)
        assert not {c.document_id for c in machine} & coded  # the training transcripts stay the researcher's
        # Nothing under the researcher's own name changed.
        assert all(c.origin != MACHINE for c in p.codings(coders=["ana"]))


def test_the_real_model_on_the_workers_gives_this_process_vectors(client, study):
    model = get_embedder()
    with Project.open(study, create=False) as p:
        first = embed_corpus(p, client)
        texts = corpus_texts(p)
        assert first.embedded == first.texts == len(texts) and first.workers == 2
        cached = cached_vectors(p, model.model_id, [text_sha256(t) for t in texts])
        assert len(cached) == len(texts)
        here = model.encode(texts)
        there = np.stack([cached[text_sha256(t)] for t in texts])
        cos = (here * there).sum(axis=1)
        assert cos.min() > 0.999, cos.min()
        again = embed_corpus(p, client)
        assert again.embedded == 0 and again.cached_before == len(texts)


def test_a_stopped_run_resumes_and_a_killed_worker_loses_nothing(client, study, tmp_path):
    hashing = get_embedder("hashing")
    whole = tmp_path / "whole.qualcode"
    with Project.open(study, create=False) as p:
        from qualcode.store.backup import backup_project

        backup_project(p, whole)
    with Project.open(whole, create=False) as p:
        autocode_corpus(p, client, "ana", embedder=hashing, chunk=8)
        expected = _machine(p)

    calls = []

    def stop_after_two(done, total):
        calls.append(done)
        if len([c for c in calls if c]) == 2:
            raise KeyboardInterrupt  # the researcher presses Ctrl-C
    with Project.open(study, create=False) as p:
        with pytest.raises(KeyboardInterrupt):
            autocode_corpus(p, client, "ana", embedder=hashing, chunk=8, progress=stop_after_two)
        partial = _machine(p)
        assert partial and partial < expected  # two chunks whole, nothing of the rest

        # Resume, killing one worker process (SIGKILL) while it works: Dask gives its
        # task to the other worker, the nanny restarts it, and the result is the same.
        pids = list(client.run(os.getpid).values())
        killed = []

        def kill_one(done, total):
            if done and not killed:
                os.kill(pids[0], signal.SIGKILL)
                killed.append(pids[0])
        resumed = autocode_corpus(p, client, "ana", embedder=hashing, chunk=8, progress=kill_one)
        assert killed and resumed.documents_skipped > 0
        assert _machine(p) == expected
        client.wait_for_workers(2, timeout=60)


def test_restart_replaces_and_a_persons_coder_is_refused(client, study):
    hashing = get_embedder("hashing")
    with Project.open(study, create=False) as p:
        autocode_corpus(p, client, "ana", embedder=hashing)
        before = _machine(p)
        again = autocode_corpus(p, client, "ana", embedder=hashing, restart=True)
        assert again.documents_scored == 9 and _machine(p) == before
        with pytest.raises(UsageError):
            autocode_corpus(p, client, "ana", machine_coder="ana", embedder=hashing)
        p.add_coder("ben")
        did = p.documents()[-1].id
        p.add_coding(did, 0, 5, "Cost barrier", "ben")
        ben_before = p.codings(coders=["ben"])
        with pytest.raises(StoreError, match="made by a person"):
            autocode_corpus(p, client, "ana", machine_coder="ben", embedder=hashing)
        assert p.codings(coders=["ben"]) == ben_before


def test_a_worker_with_another_model_refuses(client):
    wrong = ModelSpec("hashing", None, "hashing-256-but-not-this-one")
    with pytest.raises(BatchError, match="install the same"):
        client.submit(encode_chunk, wrong, ["a text"], pure=False).result()


def test_the_command_line(study, tmp_path):
    env = dict(os.environ, QUALCODE_EMBEDDING_MODEL="hashing")
    run = subprocess.run([sys.executable, "-m", "qualcode", "batch", "autocode", "-p", str(study), "--coder", "ana",
                          "--workers", "1", "--json"], capture_output=True, text=True, env=env, timeout=600,
                         cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    report = json.loads(run.stdout)
    assert report["machine_coder"] == "ana (machine)" and report["workers"] == 1 and report["codings_written"] > 0
    with Project.open(study, create=False) as p:
        assert len(p.codings(coders=["ana (machine)"])) == report["codings_written"]
    bad = subprocess.run([sys.executable, "-m", "qualcode", "batch", "autocode", "-p", str(study), "--coder", "nobody",
                          "--workers", "1"], capture_output=True, text=True, env=env, timeout=600, cwd=tmp_path)
    assert bad.returncode != 0 and "nobody" in bad.stderr and "Traceback" not in bad.stderr


def test_a_scheduler_started_on_its_own(study, tmp_path):
    # The multi-machine path: `dask scheduler` and `dask worker` as separate programs (here
    # on loopback), `qualcode batch --scheduler ADDRESS` as the client.
    import time

    file = tmp_path / "scheduler.json"
    env = dict(os.environ, QUALCODE_EMBEDDING_MODEL="hashing", QUALCODE_WORKER_THREADS="1")
    dask = [sys.executable, "-m", "dask"]
    scheduler = subprocess.Popen([*dask, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                                  "--scheduler-file", str(file)], env=env, cwd=tmp_path,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    worker = None
    try:
        for _ in range(600):
            if file.exists() and file.read_text().strip().endswith("}"):
                break
            time.sleep(0.1)
        address = json.loads(file.read_text())["address"]
        assert address.startswith("tcp://127.0.0.1:")
        worker = subprocess.Popen([*dask, "worker", address, "--nworkers", "2", "--nthreads", "1", "--no-dashboard",
                                   "--host", "127.0.0.1"], env=env, cwd=tmp_path,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        from distributed import Client

        with Client(address, timeout=60) as c:
            c.wait_for_workers(2, timeout=120)
        run = subprocess.run([sys.executable, "-m", "qualcode", "batch", "autocode", "-p", str(study), "--coder", "ana",
                              "--scheduler", address, "--json"], capture_output=True, text=True, env=env, timeout=600,
                             cwd=tmp_path)
        assert run.returncode == 0, run.stderr[-2000:]
        report = json.loads(run.stdout)
        assert report["workers"] == 2 and report["documents_scored"] == 9 and report["codings_written"] > 0
    finally:
        for proc in (worker, scheduler):
            if proc is not None:
                proc.terminate()
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
    refused = subprocess.run([sys.executable, "-m", "qualcode", "batch", "embed", "-p", str(study), "--scheduler",
                              "tcp://127.0.0.1:9", "--connect-timeout", "3"], capture_output=True, text=True, env=env, timeout=300, cwd=tmp_path)
    assert refused.returncode != 0 and "no Dask scheduler answered at tcp://127.0.0.1:9" in refused.stderr
    assert "Traceback" not in refused.stderr
