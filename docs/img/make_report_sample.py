"""Render the sample Word report shown in docs/exports.md (docs/img/report-*.png).

Builds the fictional demo study in a temporary folder, adds a handful of
ILLUSTRATIVE codings (chosen by hand to show the layout; they are not an analysis
of the demo interviews), exports the Word report, converts it to PDF with
LibreOffice and renders a few pages to small PNGs with pdftoppm.

    apt-get install -y libreoffice-writer poppler-utils   # once
    .venv/bin/python docs/img/make_report_sample.py

Figures are embedded when Chromium is installed (/usr/bin/chromium).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from qualcode.demo import build_demo  # noqa: E402
from qualcode.export.docx import ReportOptions, write_report  # noqa: E402

OUT = Path(__file__).resolve().parent
DPI = 80
NOTE = "Illustrative coding for the sample report."

# (document, exact text to code, code, coder, memo). Every text occurs once in its document.
CODINGS = [
    ("P01_interview", "Here it just took everything.", "Non-judgemental listener", "ana", None),
    ("P01_interview", "It didn't make me feel small.", "Non-judgemental listener", "ben", None),
    ("P05_interview", "It's always there, it never judges you, it always thinks you're right.", "Non-judgemental listener", "ana",
     "Listening and agreeing run together here; see also Over-reliance."),
    ("P01_interview", "I told it, you be my father, this is how he talks", "Rehearsal space", "ana", None),
    ("P06_interview", "So I asked Pi, can you be my boss, and I will practise.", "Rehearsal space", "ben", None),
    ("P02_interview", "Twenty-five thousand naira for one session, one hour.", "Cost", "ana", None),
    ("P03_interview", "The waiting list was eight months. Eight!", "Waiting lists", "ana", None),
    ("P04_interview", "The ones who answered said: waiting list, six months, nine months", "Waiting lists", "ben", None),
    ("P02_interview", "That religion is the problem. Like how some people abroad think.", "Western-centred advice", "ana", None),
    ("P01_interview", "The bot is a bit too agreeable?", "Generic or scripted replies", "ben", None),
    ("P05_interview", "It was the thing keeping me going, but it was also the reason I didn't have to, like, call anybody.",
     "Over-reliance", "ana", None),
    ("P01_interview", "Privacy, a little. I told it so many things about my family. Where does that go?", "Privacy worries", "ana", None),
    ("P04_interview", "I read the privacy policies. Most are terrible.", "Privacy worries", "ben", None),
]


def build(tmp: Path) -> Path:
    project = build_demo(tmp / "demo.qualcode", coded=False)
    with project:
        for doc, text, code, coder, memo in CODINGS:
            _, d = project.document(doc)
            start = d.text.index(text)
            assert d.text.count(text) == 1, (doc, text)
            project.add_coding(doc, start, start + len(text), code, coder, memo=memo)
        project.set_memo("project", project.id, NOTE + " The codings in this sample were chosen by hand to show the "
                         "report's layout; they are not an analysis of the demo interviews.", actor="ana")
        path = tmp / "sample-report.docx"
        write_report(project, path, ReportOptions(
            codes=["Support roles", "Gaps in everyday care", "Misalignment and risks"], context="turn",
            show_attributes=["country"], include_memos=True, figures=("codes",), date="1 March 2026",
            title="Demo study (fictional): sample report",
        ))
    return path


def pages_with(pdf: Path, headings: list[str]) -> list[int]:
    """The first page after the title page on which each heading appears (1-based)."""
    n = int(next(line.split()[-1] for line in subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout.splitlines()
                 if line.startswith("Pages:")))
    texts = [subprocess.run(["pdftotext", "-f", str(i), "-l", str(i), str(pdf), "-"], capture_output=True, text=True).stdout
             for i in range(1, n + 1)]
    # From page 2 on: the title page's subtitle is "Coded excerpts" too.
    return [next(i + 1 for i, t in enumerate(texts) if i > 0 and h in t.splitlines()) for h in headings]


def main() -> None:
    for tool in ("libreoffice", "pdftoppm", "pdftotext", "pdfinfo"):
        if not shutil.which(tool):
            sys.exit(f"{tool} not found: apt-get install -y libreoffice-writer poppler-utils")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        docx_path = build(tmp)
        subprocess.run(["libreoffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp), str(docx_path)],
                       check=True, capture_output=True, timeout=300)
        pdf = docx_path.with_suffix(".pdf")
        wanted = {"title": 1}
        wanted.update(zip(("codebook", "excerpts", "frequencies"), pages_with(pdf, ["Codebook", "Coded excerpts", "Code frequencies"])))
        for old in OUT.glob("report-*.png"):
            old.unlink()
        for i, (name, page) in enumerate(wanted.items(), start=1):
            stem = OUT / f"report-{i}-{name}"
            subprocess.run(["pdftoppm", "-png", "-r", str(DPI), "-f", str(page), "-l", str(page), "-singlefile", str(pdf), str(stem)],
                           check=True)
            print(f"wrote {stem}.png (page {page})")


if __name__ == "__main__":
    main()
