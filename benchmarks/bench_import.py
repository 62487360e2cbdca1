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
