"""Crash safety of outputs: kill -9 in the middle of a real save never leaves a partial
file at the final path, and the previous good file survives.

The export runs as a real ``qualcode export ...`` subprocess. The test watches the output
folder and sends SIGKILL the moment anything in it changes (a temporary file appears, or
the final file is truncated or grows), so the kill lands inside the write every time,
not by luck of timing.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from qualcode import atomic

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    path = folder / "demo.qualcode"
    subprocess.run([sys.executable, "-m", "qualcode", "demo", str(path)], check=True, cwd=ROOT,
                   env=dict(os.environ, PYTHONPATH=str(ROOT)), capture_output=True)
    return path


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    out = {}
    for p in folder.iterdir():
        try:
            st = p.stat()
        except FileNotFoundError:
            continue
        out[p.name] = (st.st_size, st.st_mtime_ns)
    return out


def _export(args: list[str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "qualcode", *args], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=dict(os.environ, PYTHONPATH=str(ROOT)))


def _valid(path: Path, kind: str) -> bool:
    if kind in ("docx", "qdpx", "xlsx"):
        try:
            with zipfile.ZipFile(path) as zf:
                return zf.testzip() is None
        except zipfile.BadZipFile:
            return False
    return path.read_bytes().endswith(b"\n")


EXPORTS = {
    "docx": ["export", "docx", "-p", "{project}", "{out}", "--no-figures"],
    "qdpx": ["export", "qdpx", "-p", "{project}", "{out}"],
    "xlsx": ["export", "xlsx", "-p", "{project}", "{out}"],
}


@pytest.mark.parametrize("kind", sorted(EXPORTS))
def test_kill_during_save_keeps_the_previous_file(tmp_path, demo, kind):
    out = tmp_path / f"report.{kind}"
    args = [a.format(project=demo, out=out) for a in EXPORTS[kind]]
    first = _export(args)
    assert first.wait(300) == 0
    good = out.read_bytes()
    assert _valid(out, kind)
    # Kill the second export as soon as the folder changes (its temporary file appears).
    # On a loaded machine it can still finish, rename included, before the signal lands:
    # then the file must be the new export, whole, and the attempt is repeated until one
    # kill lands mid-write.
    mid_write = False
    for _attempt in range(8):
        before = _snapshot(tmp_path)
        proc = _export(args)
        killed = False
        deadline = time.monotonic() + 300
        while proc.poll() is None and time.monotonic() < deadline:
            if _snapshot(tmp_path) != before:
                os.kill(proc.pid, signal.SIGKILL)
                killed = True
                break
            time.sleep(0.0005)
        proc.wait(60)
        now = out.read_bytes()
        if now == good:
            mid_write = killed
            if mid_write:
                break
            continue
        assert _valid(out, kind), "the previous good file was damaged (replaced by a partial export)"
        good = now  # this export finished whole before the kill: try again
    assert mid_write, "no kill landed while the export was writing (8 attempts)"
    leftovers = [p for p in tmp_path.iterdir() if p.name != out.name]
    assert all(atomic.TEMP_MARK in p.name for p in leftovers), leftovers
    # A later start removes what the killed process left beside the file.
    for p in leftovers:
        os.utime(p, (time.time() - 3600, time.time() - 3600))
    atomic.clean_stale_temps(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == [out.name]


def test_atomic_write_replaces_whole_files_or_nothing(tmp_path):
    target = tmp_path / "keys.csv"
    atomic.write_text(target, "old\n")
    with pytest.raises(RuntimeError):
        with atomic.atomic_open(target, "w") as fh:
            fh.write("new, half")
            raise RuntimeError("disk full")
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["keys.csv"]
    atomic.write_bytes(target, b"secret", perms=0o600)
    assert target.read_bytes() == b"secret" and (target.stat().st_mode & 0o777) == 0o600


def test_browser_folders_left_by_a_killed_export_are_removed_on_start(tmp_path, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    old = tmp_path / f"{atomic.BROWSER_DIR_PREFIX}abc"
    (old / "Default").mkdir(parents=True)
    kaleido_page = tmp_path / "tmpk1"
    kaleido_page.mkdir()
    (kaleido_page / "index.html").write_text("<script src='plotly.min.js'></script>")
    running = tmp_path / f"{atomic.BROWSER_DIR_PREFIX}now"
    running.mkdir()
    unrelated = tmp_path / "tmpother"
    unrelated.mkdir()
    (unrelated / "notes.txt").write_text("x")
    for p in (old, kaleido_page, unrelated):
        os.utime(p, (time.time() - 7200, time.time() - 7200))
    removed = atomic.clean_stale_browser_dirs()
    assert sorted(p.name for p in removed) == sorted([old.name, kaleido_page.name])
    assert running.is_dir() and unrelated.is_dir()
