"""Regenerate the example figures in docs/figures/ from the fictional demo study.

    .venv/bin/python docs/figures/make_examples.py [--keep PROJECT.qualcode]

The demo transcripts carry no codings, so this script stands in for a coder with
a handful of keyword rules per code (coder ``illustrative-rules``): a sentence
spoken by a participant that matches a rule gets the code. The result is
ILLUSTRATIVE CODINGS, good for showing what the figures look like and nothing
else; never read findings into them.

The script needs transcripts/ (with participants.csv) and
codebooks/therapeutic_alignment.yaml; without them it says so and exits 0,
so it is safe to run on a checkout that does not have the demo study yet.
Codes the rules do not know fall back to a rule built from the code's name.
Everything is deterministic (sorted inputs, a fixed seed).
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from qualcode import analysis as A  # noqa: E402
from qualcode import viz  # noqa: E402
from qualcode.demo import DEMO_CODEBOOK, DEMO_TRANSCRIPTS  # noqa: E402
from qualcode.store import Project  # noqa: E402

OUT = Path(__file__).resolve().parent
TRANSCRIPTS = DEMO_TRANSCRIPTS
CODEBOOK = DEMO_CODEBOOK
CODER = "illustrative-rules"
SUFFIXES = {".txt", ".md", ".docx", ".vtt", ".srt", ".json", ".csv"}
# Speakers who are not the participant: interviewers, and the chatbot in a chat log.
NOT_PARTICIPANT = {"interviewer", "i", "int", "researcher", "moderator", "assistant", "chatbot", "bot", "ai", "system"}
DPI = 150

# Keyword rules standing in for a coder (case-insensitive regular expressions).
RULES: dict[str, list[str]] = {
    "Non-judgemental listener": [r"judg", r"no face", r"won't (react|gossip)", r"can say anything"],
    "Always-available companion": [r"\b(2|3|4|two|three|four)\s?(am|a\.m\.|in the morning)", r"middle of the night", r"any ?time", r"always there", r"lonel"],
    "Rehearsal space": [r"practi[sc]", r"rehears", r"role.?play", r"what (i|to) (would )?say to"],
    "Information and coping techniques": [r"breath", r"technique", r"grounding", r"coping", r"\btips?\b"],
    "Journal or thinking aid": [r"journal", r"diary", r"write (it|things|everything) down", r"(sort|organi[sz]e) my thoughts", r"thinking out loud"],
    "Bridge to therapy": [r"(find|see|book|start)\w* (a )?(therapist|counsel)", r"before (my|the) (therapy|session)", r"courage to (see|go)"],
    "Substitute for therapy": [r"instead of (a )?(therap|counsel)", r"(my|like a) therapist", r"replace"],
    "Cost": [r"afford", r"expensive", r"\bcost", r"money", r"rupees|naira|pesos|reais|yen|won\b|pounds|euros|dollars"],
    "Waiting lists": [r"waiting list", r"wait\w* (for )?(months|weeks)", r"\bappointment"],
    "Out-of-hours need": [r"at night", r"weekend", r"(clinic|office)s? (is |are )?closed", r"after hours"],
    "Distance": [r"\bfar\b", r"travel", r"hours? away", r"nearest", r"village|rural|small town"],
    "Stigma of seeking help": [r"asham|shame", r"embarrass", r"people (would )?(say|think|talk)", r"\bweak\b"],
    "Language access": [r"in (my|our) (own )?language", r"translat", r"only in english"],
    "Western-centred advice": [r"western|american|european", r"(set|setting) boundaries", r"individualis", r"doesn't (get|understand) (my|our) culture"],
    "Language and idiom": [r"idiom|slang|proverb|expression", r"hinglish|taglish|sheng|pidgin|spanglish", r"mix\w* (languages|english)"],
    "Family and religious norms": [r"\bfamily\b", r"parents|mother|father|\bmom\b|\bdad\b", r"pray|\bgod\b|church|mosque|temple|religio"],
    "Cultural stigma around mental health": [r"mental (health|illness)", r"crazy|madness|\bmad\b", r"stigma"],
    "Empathy": [r"understood|understands? me|felt heard|validat"],
    "Unconditional positive regard": [r"accept\w* me", r"no matter what", r"kind to me", r"\bwarm"],
    "Congruence": [r"\bfake\b|genuine|pretend", r"honest", r"real (person|feelings)"],
    "Goals": [r"\bgoals?\b", r"what i want(ed)? (to|from)"],
    "Tasks": [r"homework|exercise|step by step|\bplan\b"],
    "Bond": [r"\btrust", r"\bfriend", r"connection|bond"],
    "Autonomy": [r"my (own )?decision", r"\bchoose|choice", r"told me what to do|lectur|preach"],
    "Safety and crisis handling": [r"suicid|kill myself|hurt myself|self.?harm", r"helpline|hotline|crisis|emergency"],
    "Generic or scripted replies": [r"generic|scripted|robotic|template|leaflet|copy.?paste", r"same (answer|thing|reply)"],
    "Refusal felt as rejection": [r"refus", r"can't help with", r"shut (me )?down", r"reject"],
    "Wrong or unsafe advice": [r"(wrong|bad) advice", r"dangerous|unsafe|incorrect", r"made (it|things) worse"],
    "Over-reliance": [r"addict|hooked", r"depend", r"rel(y|ied|iance) on", r"too much"],
    "Privacy worries": [r"privacy|private", r"\bdata\b", r"stored|leak|who (reads|sees)"],
}

SENTENCE = re.compile(r"[^.!?…]+[.!?…]*")


def _name_rule(name: str) -> list[str]:
    """A fallback rule for a code the RULES do not know: its longest word's stem."""
    words = sorted(re.findall(r"[A-Za-z]{5,}", name), key=len, reverse=True)
    return [re.escape(words[0][:6].lower())] if words else []


def build_project(path: Path) -> Project:
    """Import the demo transcripts, participants and codebook into a new project."""
    from qualcode import ingest
    from qualcode.codebook import Codebook

    rows = ingest.read_participants(TRANSCRIPTS / "participants.csv")
    listed = {d for r in rows for d in r.documents}
    # Only the files participants.csv names (by document name = file stem): not the README.
    files = sorted(p for p in TRANSCRIPTS.iterdir() if p.suffix.lower() in SUFFIXES and (p.stem in listed or p.name in listed))
    docs = [doc for f in files for doc in ingest.read_documents(f)]
    project = Project.open(path, name="Demo study (fictional)")
    project.add_documents(docs, actor="examples")
    known = {d.name for d in docs}
    project.upsert_participants([(r.participant, [d for d in r.documents if d in known]) for r in rows], actor="examples")
    Codebook.read_yaml(CODEBOOK).load_into(project, actor="examples")
    return project


def apply_rules(project: Project) -> int:
    """Code every participant sentence that matches a code's rules; returns the count."""
    rules = {
        c.id: [re.compile(p, re.IGNORECASE) for p in RULES.get(c.name, _name_rule(c.name))]
        for c in project.codes()
        if c.codable
    }
    n = 0
    for info in project.documents():
        _, doc = project.document(info.id)
        for seg in doc.segments:
            if (seg.speaker or "").strip().lower() in NOT_PARTICIPANT:
                continue
            turn = doc.text[seg.start : seg.end]
            for m in SENTENCE.finditer(turn):
                sentence = m.group(0)
                if not sentence.strip():
                    continue
                # Code the sentence without the spaces around it.
                lead = len(sentence) - len(sentence.lstrip())
                start, end = seg.start + m.start() + lead, seg.start + m.start() + len(sentence.rstrip())
                for code_id, patterns in rules.items():
                    if any(p.search(sentence) for p in patterns):
                        project.add_coding(info.id, start, end, code_id, CODER, origin="suggestion", origin_detail="docs/figures/make_examples.py keyword rules")
                        n += 1
    return n


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="also keep the coded project at this path")
    parser.add_argument("--browser", help="Chromium/Chrome executable (default: BROWSER_PATH or /usr/bin/chromium)")
    args = parser.parse_args(argv)
    missing = [p for p in (TRANSCRIPTS / "participants.csv", CODEBOOK) if not p.exists()]
    if missing:
        print("demo study not present yet, nothing generated; missing: " + ", ".join(str(p.relative_to(ROOT)) for p in missing))
        return 0
    from qualcode.export.figures import render_figures

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "examples.qualcode"
        with build_project(path) as project:
            n = apply_rules(project)
            study = A.from_project(project, coder=CODER)
        print(f"{len(study.documents)} interviews, {n} illustrative codings")
        specs = viz.standard_figures(study, width="single", n_orderings=500, seed=0)
        # One chart also at page width, to show the "double" size.
        specs.append(viz.FigureSpec("codes_double", viz.code_bar_chart(study.code_frequencies(include_empty=False), study.codes, width="double"),
                                    "The codes chart at page width (183 mm)."))
        jobs = [(s.figure, fmt) for s in specs for fmt in ("png", "svg")]
        blobs = render_figures(jobs, dpi=DPI, browser=args.browser)
        for old in list(OUT.glob("*.png")) + list(OUT.glob("*.svg")):
            old.unlink()
        names = [s.name for s in specs for _ in ("png", "svg")]
        for (_, fmt), name, blob in zip(jobs, names, blobs):
            (OUT / f"{name}.{fmt}").write_bytes(blob)
        lines = [
            "# Example figures (ILLUSTRATIVE CODINGS)",
            "",
            "Generated by `docs/figures/make_examples.py` from the fictional demo study. The codings come from",
            f"keyword rules standing in for a coder (`{CODER}`), not from a human analysis: the figures show",
            f"what qualcode draws, not findings. PNGs at {DPI} dpi; SVGs at printed size.",
            "",
        ]
        lines += [f"- `{s.name}`: {s.caption}" for s in specs]
        (OUT / "captions.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
        if args.keep:
            shutil.copy(path, args.keep)
    print(f"wrote {len(jobs)} files to {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
