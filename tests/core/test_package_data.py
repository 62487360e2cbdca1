"""Package data: every file the library reads at run time is inside the package and
named by pyproject's package-data, so an installed wheel has it too.

(Checked once by hand with a real wheel: ``pip wheel . --no-deps`` and an install into a
fresh venv builds the demo study; this test keeps the patterns from drifting.)
"""

from __future__ import annotations

import tomllib
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


def test_the_data_lives_inside_the_package():
    for folder in (codebooks_dir(), demo_dir()):
        assert folder.is_dir() and PACKAGE in folder.resolve().parents
    assert DEMO_TRANSCRIPTS == demo_dir() and DEMO_CODEBOOK == shipped_codebook("therapeutic_alignment")
    assert DEMO_CODEBOOK.is_file()


def test_every_data_file_is_named_by_package_data():
    files = [p for p in (PACKAGE / "data").rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    assert len(files) > 15
    shipped = _shipped()
    missing = [str(p.relative_to(ROOT)) for p in files if p.suffix != ".py" and p not in shipped]
    assert not missing, f"not in [tool.setuptools.package-data] of pyproject.toml: {missing}"
