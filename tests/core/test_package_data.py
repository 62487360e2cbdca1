"""Package data: every file the library reads at run time is reachable from the package
and named by pyproject's package-data, so an installed wheel has it too.

The shipped codebooks and the demo study live at the repository's top level
(``codebooks/``, ``transcripts/``); ``qualcode/data/`` links to them, and a real wheel
built from a copy of the checkout must hold them as ordinary files.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

from qualcode.data import codebooks_dir, demo_dir, shipped_codebook
from qualcode.demo import DEMO_CODEBOOK, DEMO_TRANSCRIPTS

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "qualcode"


def _patterns() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return config["tool"]["setuptools"]["package-data"]["qualcode"]


def _shipped() -> set[Path]:
    """The files the patterns pick, globbed from the package folder as setuptools does."""
    return {p for pattern in _patterns() for p in PACKAGE.glob(pattern) if p.is_file()}


def test_the_data_is_the_top_level_folders_seen_through_the_package():
    assert codebooks_dir() == (ROOT / "codebooks").resolve()
    assert demo_dir() == (ROOT / "transcripts").resolve()
    for link in (PACKAGE / "data" / "codebooks", PACKAGE / "data" / "demo"):
        assert link.is_symlink() and link.is_dir()
    assert DEMO_TRANSCRIPTS == demo_dir() and DEMO_CODEBOOK == shipped_codebook("therapeutic_alignment")
    assert DEMO_CODEBOOK.is_file()


def test_every_data_file_is_named_by_package_data():
    files = [p for folder in ("codebooks", "demo") for p in (PACKAGE / "data" / folder).iterdir() if p.is_file()]
    assert len(files) > 15
    shipped = _shipped()
    missing = [str(p.relative_to(ROOT)) for p in files if p.suffix != ".py" and p not in shipped]
    assert not missing, f"not in [tool.setuptools.package-data] of pyproject.toml: {missing}"


def test_a_real_wheel_holds_the_data_as_files(tmp_path: Path):
    # Built from a copy so the build never writes into the checkout (build/, *.egg-info).
    src = tmp_path / "src"
    skip_anywhere = {"__pycache__", ".pytest_cache", ".hypothesis"}
    skip_at_top = {".venv", ".git", "build", "dist", "test-artifacts", "demo", "exports"}

    def ignore(folder: str, names: list[str]) -> set[str]:
        top = Path(folder) == ROOT
        return {n for n in names if n in skip_anywhere or n.endswith(".egg-info") or (top and n in skip_at_top)}

    shutil.copytree(ROOT, src, symlinks=True, ignore=ignore)
    out = tmp_path / "wheel"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(out), str(src)], check=True, capture_output=True, timeout=300)
    (wheel,) = out.glob("qualcode-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {f"qualcode/data/codebooks/{p.name}" for p in (ROOT / "codebooks").glob("*.yaml")}
    expected |= {f"qualcode/data/demo/{p.name}" for p in (ROOT / "transcripts").iterdir() if p.is_file()}
    assert len(expected) > 15 and expected <= names, sorted(expected - names)
