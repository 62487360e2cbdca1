"""Microsoft Presidio on the same labelled transcripts, scored like qualcode.

Presidio is **not** a dependency of qualcode. Install it apart, without letting it
touch the project's environment (it pins ``preshed<3.0.14``, an older version than
the one spaCy 3.8.18 brings here, so a plain ``pip install`` would downgrade it)::

    pip install --no-deps --target /tmp/presidio presidio-analyzer==2.2.366 \\
        phonenumbers==9.0.43 tldextract==5.4.0 requests-file==3.0.1
    PYTHONPATH=$PWD:/tmp/presidio python -m benchmarks.deid.presidio_eval

It runs Presidio's default recognisers over the installed ``en_core_web_sm``
pipeline (the one qualcode uses), with organisations switched on (Presidio
ignores spaCy's ORG by default), at two score thresholds. *With known names*
adds the participant's names (full name and each part) as a deny-list
recogniser, the nearest Presidio has to qualcode's known-names list. A third
system, *qualcode + Presidio*, accepts the union of both.

Nothing may download: every socket connection is refused for the whole run (so
Presidio cannot fetch a spaCy model, nor tldextract its suffix list), and the
spaCy pipeline is handed to Presidio already loaded. tldextract is told to use the
public-suffix snapshot it ships.

Writes ``benchmarks/deid/presidio_results.json`` (unless ``--no-write``) and
prints a per-kind table beside qualcode's numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
from typing import Any

from qualcode import atomic
from qualcode.deid import KINDS, load_nlp

from .run import HERE, SETS, Item, Proposer, Span, evaluate, load_set, qualcode_proposer

OUT = HERE / "presidio_results.json"

#: Presidio entity -> qualcode kind (for per-kind precision; recall ignores labels).
KIND_OF = {
    "PERSON": "person",
    "LOCATION": "place",
    "ORGANIZATION": "org",
    "EMAIL_ADDRESS": "email",
    "PHONE_NUMBER": "phone",
    "URL": "url",
    "DATE_TIME": "date",
}

#: Presidio's default spaCy mapping (conf/default.yaml), ORG kept.
SPACY_MAPPING = {
    "PER": "PERSON", "PERSON": "PERSON", "NORP": "NRP", "FAC": "LOCATION", "LOC": "LOCATION",
    "GPE": "LOCATION", "LOCATION": "LOCATION", "ORG": "ORGANIZATION", "ORGANIZATION": "ORGANIZATION",
    "DATE": "DATE_TIME", "TIME": "DATE_TIME",
}
IGNORED = ["CARDINAL", "EVENT", "LANGUAGE", "LAW", "MONEY", "ORDINAL", "PERCENT", "PRODUCT", "QUANTITY",
           "WORK_OF_ART"]


def _no_network() -> None:
    # tldextract (Presidio's e-mail check) fetches the public-suffix list at import
    # unless told it has no URLs; then it uses the snapshot it ships.
    os.environ["TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS"] = ""
    def refuse(*_a: Any, **_k: Any) -> None:
        raise OSError("network disabled for the Presidio evaluation")

    socket.socket.connect = refuse  # type: ignore[method-assign]
    socket.create_connection = refuse  # type: ignore[assignment]


def presidio_proposer(nlp: Any, *, threshold: float) -> Proposer:
    """Presidio's AnalyzerEngine over ``nlp``; NRP (nationality, religion, politics) is
    not asked for, since the annotation conventions say those are not identifiers."""
    from presidio_analyzer import AnalyzerEngine, PatternRecognizer
    from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine

    name = f"{nlp.meta['lang']}_{nlp.meta['name']}"
    engine = SpacyNlpEngine(
        models=[{"lang_code": "en", "model_name": name}],
        ner_model_configuration=NerModelConfiguration(
            model_to_presidio_entity_mapping=SPACY_MAPPING, labels_to_ignore=IGNORED
        ),
    )
    engine.nlp = {"en": nlp}  # already loaded: Presidio's load() (and its download) never runs
    analyzer = AnalyzerEngine(nlp_engine=engine, supported_languages=["en"])
    entities = [e for e in analyzer.get_supported_entities("en") if e != "NRP"]

    def run(item: Item, with_known: bool) -> list[Span]:
        ad_hoc = []
        if with_known and item.known:
            words = {w for n in item.known for w in [n, *n.split()] if len(w) > 1}
            ad_hoc.append(PatternRecognizer(supported_entity="PERSON", deny_list=sorted(words)))
        results = analyzer.analyze(
            text=item.document.text, language="en", entities=entities + (["PERSON"] if ad_hoc else []),
            score_threshold=threshold, ad_hoc_recognizers=ad_hoc or None,
        )
        return [Span(r.start, r.end, KIND_OF.get(r.entity_type, r.entity_type.lower()), "presidio") for r in results]

    return run


def union(a: Proposer, b: Proposer) -> Proposer:
    """Both systems' replacements (a span both found counts once: a's)."""

    def run(item: Item, with_known: bool) -> list[Span]:
        first = a(item, with_known)
        rest = [s for s in b(item, with_known) if not any(s.start < f.end and f.start < s.end for f in first)]
        return first + rest

    return run


def _cell(r: dict[str, Any]) -> str:
    rec = "–" if not r["gold"] else f"{r['recall']:.2f}"
    prec = "–" if r["precision"] is None else f"{r['precision']:.2f}"
    return f"{rec} / {prec}"


def table(results: dict[str, Any]) -> str:
    """Markdown: one row per kind, recall / precision per system, with known names."""
    systems = list(results["systems"])
    lines = []
    for set_name in results["sets"]:
        lines += [f"**{set_name}** (with known names; recall / precision)", "",
                  "| kind | identifiers | " + " | ".join(systems) + " |",
                  "|---|---:|" + "---:|" * len(systems)]
        for kind in [*KINDS, "overall"]:
            rows = [results["systems"][s][set_name]["with_known_names"] for s in systems]
            cells = [r["overall"] if kind == "overall" else r["per_kind"][kind] for r in rows]
            if not cells[0]["gold"] and not any(c["predicted"] for c in cells):
                continue
            label = "**all**" if kind == "overall" else kind
            lines.append(f"| {label} | {cells[0]['gold']} | " + " | ".join(_cell(c) for c in cells) + " |")
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.deid.presidio_eval")
    parser.add_argument("--set", choices=[*SETS, "all"], default="all")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    _no_network()
    try:
        import presidio_analyzer
    except ImportError:
        print("presidio-analyzer is not installed; see this module's docstring", file=sys.stderr)
        return 2
    from importlib.metadata import version

    nlp = load_nlp()
    ours = qualcode_proposer(nlp)
    systems = {
        "qualcode": ours,
        "Presidio (score ≥ 0)": presidio_proposer(nlp, threshold=0.0),
        "Presidio (score ≥ 0.5)": presidio_proposer(nlp, threshold=0.5),
        "qualcode + Presidio (≥ 0.5)": union(ours, presidio_proposer(nlp, threshold=0.5)),
    }
    sets = list(SETS) if args.set == "all" else [args.set]
    results: dict[str, Any] = {
        "presidio_analyzer": version("presidio-analyzer"),
        "model": f"{nlp.meta['lang']}_{nlp.meta['name']} {nlp.meta['version']}",
        "sets": sets,
        "systems": {},
    }
    del presidio_analyzer
    items = {name: load_set(name) for name in sets}
    for label, proposer in systems.items():
        results["systems"][label] = {
            name: {
                "detection_only": evaluate(its, with_known=False, proposer=proposer),
                "with_known_names": evaluate(its, with_known=True, proposer=proposer),
            }
            for name, its in items.items()
        }
    print(table(results))
    if not args.no_write:
        atomic.write_text(OUT, json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
