"""Ensemble labels on Reddit threads: signals and human coders vote per comment, the
result is a consensus coding with its votes, and each voter's agreement with the
humans is reported. On two hand-written support threads (tests/fixtures/reddit)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from qualcode.agreement.ensemble import ensemble_agreement, ensemble_labels, ensemble_votes, write_ensemble
from qualcode.agreement.thanks import expresses_thanks_or_relief, measure, read_sample
from qualcode.cli import main
from qualcode.errors import AgreementError
from qualcode.ingest import read_documents
from qualcode.model import CONSENSUS, SUGGESTION, Code
from qualcode.store import Project

ROOT = Path(__file__).resolve().parents[2]
FIX = ROOT / "tests" / "fixtures" / "reddit"
# Which comments two (fictional) coders coded "effective", by comment id.
HUMAN = {
    "ana": {"k1", "k7", "k9", "k12", "g1", "g3", "g7", "g10", "g12"},
    "ben": {"k1", "k7", "k9", "k11", "g1", "g3", "g10", "g12"},
}


def build(project: Project) -> None:
    project.add_documents([*read_documents(FIX / "panic_at_work.json"), *read_documents(FIX / "grief_six_weeks.json")])
    project.add_code(Code("effective", definition="The comment helped the original poster."))
    for coder, ids in HUMAN.items():
        project.add_coder(coder)
        for info in project.documents():
            did, doc = project.document(info.id)
            for seg in doc.segments:
                if (seg.meta or {}).get("reddit_id") in ids:
                    project.add_coding(did, seg.start, seg.end, "effective", coder)


def test_the_thanks_rule_is_measured_and_the_docs_say_so():
    m = measure(read_sample(str(FIX / "op_replies_labelled.csv")))
    assert m["n"] == 50
    assert m["accuracy"] >= 0.85 and m["precision"] >= 0.85 and m["recall"] >= 0.8
    doc = (ROOT / "docs" / "reddit.md").read_text(encoding="utf-8")
    said = f"{m['tp'] + m['tn']} of {m['n']} (accuracy {m['accuracy']:.2f}, precision {m['precision']:.2f}, " \
           f"recall {m['recall']:.2f})"
    assert said in doc, f"docs/reddit.md must report the measured rule: {said}"
    assert expresses_thanks_or_relief("Thank you, that helped") and not expresses_thanks_or_relief("Thanks for nothing")
    assert not expresses_thanks_or_relief("It didn't help at all")


def _alpha_two_binary(a: list[float], b: list[float]) -> float:
    # Krippendorff's nominal alpha for two coders, no missing values, written out
    # independently of qualcode's implementation: 1 - (n - 1) * D / E.
    pairs = [(x, y) for x, y in zip(a, b)]
    n = 2 * len(pairs)
    disagree = sum(2 for x, y in pairs if x != y)
    ones = sum(x + y for x, y in pairs)
    expected = 2 * ones * (n - ones)
    return 1 - (n - 1) * disagree / expected


def test_votes_labels_agreement_and_the_consensus_coding(any_project):
    project = any_project
    build(project)
    votes = ensemble_votes(project, "effective", humans=["ana", "ben"], score_threshold=10)
    assert list(votes.columns[7:]) == ["op_replied", "op_thanks", "score>=10", "ana", "ben"]
    by_id = votes.set_index("reddit_id")
    assert len(votes) == 15 and not set(by_id.index) & {"k2", "k5", "k8", "k13", "k14", "g2"}  # the OP's turns are no units
    assert by_id.loc["k1", ["op_replied", "op_thanks", "score>=10", "ana", "ben"]].tolist() == [1, 1, 1, 1, 1]
    assert by_id.loc["k4", ["op_replied", "op_thanks", "score>=10"]].tolist() == [1, 0, 0]  # replied, no thanks
    assert by_id.loc["g12", "op_thanks"] == 1  # "I feel a little lighter"
    assert by_id.loc["g1", "op_thanks"] == 0  # "I needed to hear that": a miss the docs name

    labelled = ensemble_labels(votes)
    lab = labelled.set_index("reddit_id")["label"]
    assert lab["k1"] == 1 and lab["k4"] == 0 and lab["k10"] == 0
    assert lab["k9"] == 1  # score and both humans, though the OP never replied
    detail = labelled.set_index("reddit_id").loc["k4", "detail"]
    assert detail == "ensemble 1/5 (majority, quorum 2): for: op_replied; against: op_thanks, score>=10, ana, ben"

    agreement = ensemble_agreement(labelled, ["ana", "ben"]).set_index("voter")
    a, b = votes["ana"].tolist(), votes["ben"].tolist()
    assert agreement.loc["ana", "alpha"] == pytest.approx(_alpha_two_binary(a, b))
    assert agreement.loc["ben", "alpha"] == pytest.approx(_alpha_two_binary(b, a))
    assert set(agreement.index) == {"op_replied", "op_thanks", "score>=10", "ana", "ben", "ensemble"}
    assert agreement.loc["op_thanks", "alpha"] > agreement.loc["op_replied", "alpha"]
    # op_thanks with the humans, by the same independent formula extended to 3 coders is not needed:
    # its agreement with the humans' majority is a plain share.
    hm = [1.0 if x + y == 2 else 0.0 if x + y == 0 else np.nan for x, y in zip(a, b)]
    mine = votes["op_thanks"].tolist()
    pairs = [(m, h) for m, h in zip(mine, hm) if not np.isnan(h)]
    assert agreement.loc["op_thanks", "agreement_with_human_majority"] == pytest.approx(
        sum(m == h for m, h in pairs) / len(pairs))

    result = write_ensemble(project, "effective", humans=["ana", "ben"], score_threshold=10, actor="ana")
    mine = project.codings(coders=["ensemble"])
    assert result.written == len(mine) == int((labelled["label"] == 1).sum())
    assert {c.origin for c in mine} == {CONSENSUS}
    k1 = next(c for c in mine if c.snippet.startswith("I had the same thing"))
    assert k1.origin_detail.startswith("ensemble 5/5 (majority, quorum 2): for: op_replied, op_thanks")
    # The voters' own codings are untouched, and a re-run replaces rather than adds.
    assert len(project.codings(coders=["ana"])) == 9 and len(project.codings(coders=["ben"])) == 8
    again = write_ensemble(project, "effective", humans=["ana", "ben"], score_threshold=10, rule="weighted",
                           weights={"op_thanks": 3})
    assert again.replaced == result.written
    assert len(project.codings(coders=["ensemble"])) == again.written


def test_weighted_rule_and_refusals(fresh_project):
    build(fresh_project)
    votes = ensemble_votes(fresh_project, "effective", humans=["ana"], score_threshold=10)
    plain = ensemble_labels(votes).set_index("reddit_id")["label"]
    heavy = ensemble_labels(votes, rule="weighted", weights={"op_thanks": 3}).set_index("reddit_id")["label"]
    assert plain["g12"] == 1 and heavy["g12"] == 1
    assert plain["k4"] == 0
    assert heavy["g1"] == 0 and plain["g1"] == 1  # op_thanks (a miss) outweighs replied + score + ana
    # An accepted suggestion votes as the suggester and, being ana's coding, as ana too.
    did, doc = fresh_project.document("panic_at_work")
    k10 = next(seg for seg in doc.segments if seg.meta.get("reddit_id") == "k10")
    fresh_project.add_coding(did, k10.start, k10.start + 12, "effective", "ana", origin=SUGGESTION,
                             origin_detail="suggest/test")
    with_suggester = ensemble_votes(fresh_project, "effective", humans=["ana"], signals=["op_replied", "suggester"])
    row = with_suggester.set_index("reddit_id")
    assert row.loc["k10", ["suggester", "ana"]].tolist() == [1, 1]
    assert row["suggester"].sum() == 1 and row.loc["k9", "ana"] == 1 and row.loc["k4", "ana"] == 0
    with pytest.raises(AgreementError, match="needs a threshold"):
        ensemble_votes(fresh_project, "effective", signals=["score"])
    with pytest.raises(AgreementError, match="unknown signal"):
        ensemble_votes(fresh_project, "effective", signals=["upvotes"])
    with pytest.raises(AgreementError, match="weights need the weighted rule"):
        ensemble_labels(votes, weights={"ana": 2})
    with pytest.raises(AgreementError, match="one of the voting coders"):
        write_ensemble(fresh_project, "effective", humans=["ana"], as_coder="ana")
    with pytest.raises(AgreementError, match="no coder 'zoe'"):
        ensemble_votes(fresh_project, "effective", humans=["zoe"])
    assert fresh_project.codings(coders=["ensemble"]) == []


def test_cli_dry_run_and_write(tmp_path, capsys):
    path = tmp_path / "reddit.qualcode"
    with Project.open(path) as project:
        build(project)
    args = ["reddit-ensemble", "-p", str(path), "--code", "effective", "--coders", "ana", "ben",
            "--score-threshold", "10"]
    assert main([*args, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("15 comment(s): ")
    assert re.search(r"op_thanks\s+alpha\s+-?\d\.\d\d", out)
    with Project.open(path, create=False) as project:
        assert project.codings(coders=["ensemble"]) == []
    assert main([*args, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["written"] == sum(u["label"] == 1 for u in data["units"]) and not data["dry_run"]
    assert main([*args, "--signals-only", "--dry-run", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert all("ana" not in u["detail"] for u in data["units"]) and data["agreement"][-1]["voter"] == "ensemble"
    assert main(["reddit-thanks", "--sample", str(FIX / "op_replies_labelled.csv")]) == 0
    assert capsys.readouterr().out.startswith("50 replies: accuracy 0.90")
    assert main([*args, "--weight", "op_thanks"]) != 0
    assert "VOTER=NUMBER" in capsys.readouterr().err
