"""REFI-QDA exchange on the real NVivo 12 sample (../shared/data/refi-qda): import from
its plain text, import from its Word files alone (the NVivo for Mac shape), and a whole
round trip (export, validated against the schema, and import again)."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

from .data import ROOT
from .harness import bench

NVIVO = ROOT.parent / "shared" / "data" / "refi-qda" / "nvivo12-oltas0517.qdpx"


def _sample(work: Path) -> dict:
    if not NVIVO.exists():
        raise RuntimeError("../shared/data/refi-qda is not present")
    mac = work / "mac.qdpx"
    with zipfile.ZipFile(NVIVO) as src, zipfile.ZipFile(mac, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            dst.writestr(name, b"\n" if name.endswith(".txt") else src.read(name))
    return {"plain": NVIVO, "mac": mac}


def _import(ctx: dict, which: str) -> dict:
    from qualcode.refi.qdpx_import import import_qdpx
    from qualcode.store import Project

    target = ctx["workdir"] / f"{which}{ctx.setdefault('n', 0)}.qualcode"
    ctx["n"] += 1
    with Project.open(target) as project:
        report = import_qdpx(project, ctx[which])
    return {"items": report.codings, "item_unit": "codings"}


@bench("import NVivo 12 .qdpx (303 codings, plain text)", group="REFI-QDA", setup=_sample,
       notes="2 sources, 152 codes; offsets read per source; one transaction")
def import_nvivo_plain(ctx: dict) -> dict:
    return _import(ctx, "plain")


@bench("import NVivo .qdpx from its .docx only (Mac shape)", group="REFI-QDA", setup=_sample,
       reference="import NVivo 12 .qdpx (303 codings, plain text)", notes="python-docx reads the text")
def import_nvivo_mac(ctx: dict) -> dict:
    return _import(ctx, "mac")


@bench("NVivo sample: import, export (XSD-validated), import again", group="REFI-QDA", setup=_sample,
       notes="the round trip of tests/core/test_refi_round_trip.py")
def round_trip(ctx: dict) -> dict:
    from qualcode.export.qdpx import export_qdpx
    from qualcode.refi.common import SCHEMA_DIR_ENV
    from qualcode.refi.qdpx_import import import_qdpx
    from qualcode.store import Project

    os.environ.setdefault(SCHEMA_DIR_ENV, str(NVIVO.parent))
    n = ctx.setdefault("n", 0)
    ctx["n"] += 1
    work = ctx["workdir"]
    with Project.open(work / f"a{n}.qualcode") as a:
        import_qdpx(a, ctx["plain"])
        out = export_qdpx(a, work / f"a{n}.qdpx", validate=True)
    with Project.open(work / f"b{n}.qualcode") as b:
        report = import_qdpx(b, out)
    return {"items": report.codings, "item_unit": "codings"}
