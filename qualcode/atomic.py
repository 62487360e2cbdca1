"""Crash-safe output files: every file qualcode writes goes through here.

A report, an export, a figure, a backup or a de-identification key is first written to
a temporary file in the same folder, flushed and fsynced, then renamed over the final
name (``os.replace`` is atomic on POSIX and Windows), and the folder is fsynced so the
rename itself survives a power cut. A process killed at any moment leaves either the
previous good file or the new complete one at the final path, never a partial file;
at worst a ``.<name>.qctmp-*`` file is left beside it, which :func:`clean_stale_temps`
removes.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import IO, Iterator

__all__ = ["TEMP_MARK", "atomic_path", "atomic_open", "write_bytes", "write_text", "clean_stale_temps",
           "clean_stale_browser_dirs"]

#: Part of every temporary name, so leftovers can be recognised and removed.
TEMP_MARK = ".qctmp-"


def _fsync_dir(folder: Path) -> None:
    # Directories cannot be opened on Windows; there the rename is durable enough.
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str], *, mode: int | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; when the block ends without an error the
    file written there is fsynced and renamed to ``path``. On an error it is removed and
    ``path`` is untouched.

    For libraries that want a file name (openpyxl, kaleido, SQLite backups). ``mode``
    sets the final permissions (e.g. ``0o600`` for de-identification keys).
    """
    final = Path(path)
    folder = final.parent if str(final.parent) else Path(".")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{final.name}{TEMP_MARK}", dir=folder, suffix=final.suffix)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        if mode is not None:
            os.chmod(tmp, mode)
        yield tmp
        _fsync_file(tmp)
        if mode is None:
            # mkstemp creates 0600; give the file the permissions a plain open() would.
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, final)
        _fsync_dir(folder)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike[str], mode: str = "wb", *, encoding: str | None = None,
                newline: str | None = None, perms: int | None = None) -> Iterator[IO]:
    """Open a temporary file beside ``path`` for writing; renamed into place on success."""
    if "r" in mode or "a" in mode or "+" in mode:
        raise ValueError("atomic_open is for writing whole files ('w' or 'wb')")
    if "b" not in mode and encoding is None:
        encoding = "utf-8"
    with atomic_path(path, mode=perms) as tmp:
        with open(tmp, mode, encoding=encoding, newline=newline) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())


def write_bytes(path: str | os.PathLike[str], data: bytes, *, perms: int | None = None) -> Path:
    """Write ``data`` to ``path`` atomically; returns the path."""
    with atomic_open(path, "wb", perms=perms) as fh:
        fh.write(data)
    return Path(path)


def write_text(path: str | os.PathLike[str], text: str, *, encoding: str = "utf-8", perms: int | None = None) -> Path:
    """Write ``text`` to ``path`` atomically; returns the path."""
    with atomic_open(path, "w", encoding=encoding, newline="", perms=perms) as fh:
        fh.write(text)
    return Path(path)


def clean_stale_temps(folder: str | os.PathLike[str], *, older_than_s: float = 60.0) -> list[Path]:
    """Remove temporary files a killed qualcode left in ``folder`` (older than
    ``older_than_s``, so a save in progress in another process is left alone)."""
    removed = []
    now = time.time()
    try:
        entries = list(Path(folder).iterdir())
    except OSError:
        return removed
    for p in entries:
        if TEMP_MARK in p.name and p.name.startswith("."):
            with contextlib.suppress(OSError):
                if p.is_file() and not p.is_symlink() and now - p.stat().st_mtime > older_than_s:
                    p.unlink()
                    removed.append(p)
    return removed


#: Prefix of the Chromium profile folders qualcode's figure export creates.
BROWSER_DIR_PREFIX = "qualcode-chromium-"


def clean_stale_browser_dirs(*, older_than_s: float = 3600.0) -> list[Path]:
    """Remove Chromium/kaleido profile folders left in the temp folder by a figure export
    that was killed (``kill -9`` skips every cleanup handler).

    Only folders qualcode names (``qualcode-chromium-*``) and kaleido's own
    (``kaleido-*``, ``tmp*`` holding a Chromium profile) are touched, and only when
    older than ``older_than_s``, so another export that is running keeps its folder.
    """
    removed = []
    now = time.time()
    root = Path(tempfile.gettempdir())
    try:
        entries = list(root.iterdir())
    except OSError:
        return removed
    for p in entries:
        try:
            if not p.is_dir() or p.is_symlink() or p.stat().st_uid != os.getuid():
                continue
            ours = p.name.startswith(BROWSER_DIR_PREFIX)
            kaleido = p.name.startswith("kaleido-") or (p.name.startswith("tmp") and (
                (p / "Default").is_dir() or (p / "Local State").exists()
                or [c.name for c in p.iterdir()] == ["index.html"] and b"plotly" in (p / "index.html").read_bytes()[:4096]))
            if (ours or kaleido) and now - p.stat().st_mtime > older_than_s:
                shutil.rmtree(p, ignore_errors=True)
                removed.append(p)
        except OSError:
            continue
    return removed
