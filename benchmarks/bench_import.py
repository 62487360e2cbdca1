"""Import throughput (words per second) per format, and a whole AnnoMI import."""

from __future__ import annotations

from pathlib import Path

from .data import DEMO, annomi_csv, long_interview_text
from .harness import bench

FORMATS = {".txt": "txt", ".md": "md", ".docx": "docx", ".vtt": "vtt", ".srt": "srt", ".json": "chat-json"}


def _files(suffix: str) -> list[Path]:
    return sorted(p for p in DEMO.glob(f"*{suffix}"))


def _make_reader(suffix: str):
    def run(ctx: dict) -> dict:
        from qualcode.ingest import read_documents

        words = 0
        for _ in range(5):  # the demo files are small; read each several times per run
            for path in ctx["files"]:
                words += sum(d.word_count for d in read_documents(path))
        return {"items": words, "item_unit": "words"}

    return run


for _suffix, _fmt in FORMATS.items():
    bench(f"import {_fmt}", group="Import", setup=lambda w, s=_suffix: {"files": _files(s)},
          notes="demo study files, parsed 5x")(_make_reader(_suffix))


def _long_txt(work: Path) -> dict:
    path = work / "long.txt"
    path.write_text(long_interview_text(), encoding="utf-8")
    return {"path": path}


@bench("import 25k-word txt into a project", group="Import", setup=_long_txt, notes="parse + one transaction")
def import_long(ctx: dict) -> dict:
    from qualcode.ingest import read_documents
    from qualcode.store import Project

    target = ctx["workdir"] / f"p{ctx.setdefault('n', 0)}.qualcode"
    ctx["n"] += 1
    docs = read_documents(ctx["path"])
    with Project.open(target) as project:
        project.add_documents(docs)
    return {"items": sum(d.word_count for d in docs), "item_unit": "words"}


@bench("import AnnoMI (133 transcripts, 9.7k turns)", group="Import", repeat=3,
       notes="AnnoMI-simple.csv into a new project")
def import_annomi(ctx: dict) -> dict:
    from qualcode.ingest import ANNOMI_MAPPING, read_documents
    from qualcode.store import Project

    path = annomi_csv()
    if path is None:
        raise RuntimeError("../shared/data/annomi is not present")
    target = ctx["workdir"] / f"a{ctx.setdefault('n', 0)}.qualcode"
    ctx["n"] += 1
    docs = read_documents(path, csv_mapping=ANNOMI_MAPPING)
    with Project.open(target) as project:
        project.add_documents(docs)
    return {"items": sum(d.word_count for d in docs), "item_unit": "words"}



def _language_setup(work: Path) -> dict:
    import time

    from qualcode.ingest import language, read_documents

    start = time.perf_counter()
    language._get()  # the model loads once per process, on the first detection
    loaded = time.perf_counter() - start
    return {"docs": [d for p in sorted(DEMO.glob("*.txt")) for d in read_documents(p)], "load_s": loaded}


@bench("detect languages (py3langid)", group="Import", setup=_language_setup,
       notes="the demo transcripts' turns, 5x; the model's one-off load per process is model_load_s")
def detect_languages(ctx: dict) -> dict:
    import time

    from qualcode.ingest import language

    words, start = 0, time.perf_counter()
    for _ in range(5):
        for d in ctx["docs"]:
            d.metadata.pop("language", None)
            language.detect_document_language(d)
            words += d.word_count
    return {"items": words, "item_unit": "words", "elapsed_s": time.perf_counter() - start,
            "model_load_s": round(ctx["load_s"], 2)}
