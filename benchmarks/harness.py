"""A tiny benchmark harness: each figure is the median of several runs, with peak memory.

A benchmark is a function ``fn(ctx) -> dict`` registered with :func:`bench`. It may
return extra numbers (e.g. ``items`` to turn time into a throughput). Each benchmark
runs in its own subprocess so its peak memory (``ru_maxrss``) is its own and a model
loaded by one does not make the next look fast.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import platform
import resource
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REGISTRY: dict[str, "Benchmark"] = {}


@dataclass
class Benchmark:
    name: str
    fn: Callable[[dict], dict]
    group: str
    repeat: int = 3
    unit: str = "s"
    reference: str | None = None  # name of the benchmark this one is compared with
    setup: Callable[[Path], dict] | None = None
    notes: str = ""


def bench(name: str, *, group: str, repeat: int = 3, reference: str | None = None, setup=None, notes: str = ""):
    """Register ``fn(ctx)`` as a benchmark; ``setup(workdir)`` builds ``ctx`` once, untimed."""

    def wrap(fn):
        REGISTRY[name] = Benchmark(name, fn, group, repeat, reference=reference, setup=setup, notes=notes)
        return fn

    return wrap


def _run_in_child(name: str, workdir: str, queue) -> None:
    import benchmarks.suite  # noqa: F401  (registers everything)

    b = REGISTRY[name]
    ctx: dict[str, Any] = {"workdir": Path(workdir)}
    if b.setup:
        ctx.update(b.setup(Path(workdir)))
    times, extra = [], {}
    for _ in range(b.repeat):
        t0 = time.perf_counter()
        out = b.fn(ctx) or {}
        # A benchmark may time only part of its run (a browser action, not its set-up).
        times.append(out.pop("elapsed_s", None) or time.perf_counter() - t0)
        extra = out
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put({"median_s": statistics.median(times), "runs_s": times, "peak_rss_mb": round(peak_mb, 1), **extra})


def run_one(name: str, workdir: Path) -> dict:
    """Run one benchmark in a fresh process and return its figures."""
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_run_in_child, args=(name, str(workdir), queue))
    proc.start()
    try:
        result = queue.get(timeout=3600)
    except Exception as exc:  # the child died: record it rather than stop the run
        result = {"error": f"{type(exc).__name__}: {exc}"}
    # A child that reported can still hang on exit: joblib's worker processes (HDBSCAN in
    # BERTopic's defaults starts them) were seen keeping it waiting forever.
    proc.join(timeout=60)
    if proc.is_alive():
        proc.kill()
        proc.join()
    elif proc.exitcode not in (0, None) and "error" not in result:
        result["error"] = f"exit code {proc.exitcode}"
    return _describe(name, result)


def _describe(name: str, result: dict) -> dict:
    b = REGISTRY[name]
    items = result.get("items")
    if items and "median_s" in result and result["median_s"] > 0:
        result["per_second"] = round(items / result["median_s"], 1)
    result.update({"group": b.group, "reference": b.reference, "notes": b.notes})
    return result


def machine_facts() -> dict:
    import importlib.metadata as md
    import os

    versions = {}
    for pkg in ("qualcode", "torch", "sentence-transformers", "onnxruntime", "bertopic", "umap-learn", "spacy",
                "streamlit", "SQLAlchemy", "pandas", "python-docx", "plotly"):
        try:
            versions[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            pass
    mem_gb = None
    try:
        mem_gb = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError):
        pass
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "memory_gb": mem_gb,
        "versions": versions,
        "date": time.strftime("%Y-%m-%d"),
    }


def write_results(results: dict[str, dict], out_json: Path, out_md: Path) -> None:
    """Write the JSON and the readable table for docs/performance.md."""
    facts = machine_facts()
    out_json.write_text(json.dumps({"machine": facts, "results": results}, indent=2), encoding="utf-8")
    lines = [
        "# Performance",
        "",
        "Measured by `make bench` (`python -m benchmarks`), which writes `benchmarks/results.json`",
        "and this page. Each figure is the median of several runs, each benchmark in its own",
        "process (peak memory is that process's maximum resident set). Where a reference is",
        "named, it ran in the same session on the same machine, so the ratio is honest.",
        "Benchmarks can be re-run one at a time (`python -m benchmarks NAME`); the others keep",
        "their figures. The ONNX int8 vs torch comparison (speed, cosine, suggestion kappa on",
        "AnnoMI) and the decision it led to are in [performance-notes.md](performance-notes.md),",
        "as is where the coding session's browser time goes (issue 16).",
        "",
        f"Machine: {facts['cpus']} CPUs, {facts['memory_gb']} GiB, {facts['platform']}, Python {facts['python']}, {facts['date']}.",
        "Libraries: " + ", ".join(f"{k} {v}" for k, v in facts["versions"].items()) + ".",
        "",
    ]
    groups: dict[str, list[str]] = {}
    for name, r in results.items():
        groups.setdefault(r.get("group", "other"), []).append(name)
    for group, names in groups.items():
        lines += [f"## {group}", "", "| benchmark | median | throughput | vs reference | peak memory | notes |", "|---|---|---|---|---|---|"]
        for name in names:
            r = results[name]
            if "error" in r:
                lines.append(f"| {name} | failed: {r['error']} | | | | |")
                continue
            ref = r.get("reference")
            ratio = ""
            if ref and ref in results and results[ref].get("median_s"):
                ratio = f"{results[ref]['median_s'] / r['median_s']:.2f}x faster than {ref}"
            thr = f"{r['per_second']:,} {r.get('item_unit', 'items')}/s" if r.get("per_second") else ""
            lines.append(
                f"| {name} | {_fmt(r['median_s'])} | {thr} | {ratio} | {r.get('peak_rss_mb', '')} MB | {r.get('notes', '')} |"
            )
        lines.append("")
    out_md.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _fmt(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"
