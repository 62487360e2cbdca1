"""Imports every ``benchmarks/bench_*.py`` so their benchmarks register."""

import importlib
import pkgutil
from pathlib import Path

for _info in sorted(pkgutil.iter_modules([str(Path(__file__).parent)]), key=lambda m: m.name):
    if _info.name.startswith("bench_"):
        importlib.import_module(f"benchmarks.{_info.name}")
