"""``python -m benchmarks [NAME...] [--list]``: run benchmarks, write results and docs."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from tqdm import tqdm

from . import suite  # noqa: F401  (registers the benchmarks)
from .harness import REGISTRY, run_one, write_results

ROOT = Path(__file__).resolve().parents[1]


def earlier_results(out_json: Path, partial: bool) -> dict[str, dict]:
    """The figures a run starts from: the earlier ones when only some benchmarks are re-run.

    A partial run (names or ``--group``) replaces only what it measures, so the rest of
    ``results.json`` and docs/performance.md keep their figures; a full run starts empty,
    so a benchmark that was removed does not linger.
    """
    if not partial or not out_json.exists():
        return {}
    return json.loads(out_json.read_text(encoding="utf-8"))["results"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    parser.add_argument("--list", action="store_true")
    parser.add_argument("--group", help="run only one group")
    args = parser.parse_args(argv)
    if args.list:
        for name, b in REGISTRY.items():
            print(f"{b.group:<24} {name}")
        return 0
    names = args.names or [n for n, b in REGISTRY.items() if not args.group or b.group == args.group]
    unknown = [n for n in names if n not in REGISTRY]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}", file=sys.stderr)
        return 2
    out_json = ROOT / "benchmarks" / "results.json"
    results = earlier_results(out_json, partial=bool(args.names or args.group))
    with tempfile.TemporaryDirectory(prefix="qualcode-bench-") as tmp:
        for name in tqdm(names, desc="benchmarks", unit="bench"):
            work = Path(tmp) / name
            work.mkdir()
            results[name] = run_one(name, work)
            tqdm.write(f"{name}: {results[name].get('median_s', results[name].get('error'))}")
    write_results(results, out_json, ROOT / "docs" / "performance.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
