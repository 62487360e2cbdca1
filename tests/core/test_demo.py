"""The coded demo study: two fictional coders over every transcript, with partial
disagreement, memos, a consensus coder on part of it and accepted suggestions, built
from the hand-written table in qualcode/demo_codings.py (never random)."""

from __future__ import annotations

from collections import Counter

import pytest

from qualcode import demo_codings as T
from qualcode.agreement.project import load_agreement_data
from qualcode.demo import CONSENSUS_CODER, build_demo
from qualcode.errors import UsageError
from qualcode.suggest import decision_log
from qualcode.store import Project


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "demo.qualcode"
    build_demo(path).close()
    with Project.open(path, create=False) as project:
        yield project


def test_both_fictional_coders_coded_every_transcript(demo):
    """Every transcript but the one just imported (P14 waits for de-identification)."""
    assert "fictional" in demo.name
    assert demo.coders() == sorted([*T.CODERS, CONSENSUS_CODER])
    docs = {d.id: d.name for d in demo.documents() if d.name != "P14_interview"}
    new = demo.document("P14_interview")[0]
    assert not [c for c in demo.codings() if c.document_id == new]
    for coder in T.CODERS:
        coded = {c.document_id for c in demo.codings(coders=[coder])}
        assert coded == set(docs), f"{coder} left {sorted(docs[d] for d in set(docs) - coded)} uncoded"
        assert len(demo.codings(coders=[coder])) > 150


def test_the_coders_partly_disagree(demo):
    from qualcode.agreement.consensus import list_disagreements

    data = load_agreement_data(demo, list(T.CODERS))
    found = list_disagreements(demo, data, consensus_coder=CONSENSUS_CODER)
    # Realistic: many disagreements, but far fewer units than they agree on.
    both = {(c.document_id, c.start, c.end, c.code_id) for c in demo.codings(coders=[T.CODERS[0]])} & {
        (c.document_id, c.start, c.end, c.code_id) for c in demo.codings(coders=[T.CODERS[1]])}
    assert 40 < len(found) < len(both)
    # Of every kind: one coder only, and different codes on the same passage.
    kinds = Counter(who for *_, who, _ in T.CODINGS)
    assert kinds[T.BOTH] > kinds[T.AMIRA] > 20 and kinds[T.JONAS] > 20


def test_memos_consensus_and_suggestions_are_there(demo):
    human = [c for c in demo.codings(coders=list(T.CODERS)) if c.origin == "human"]
    assert sum(1 for c in human if c.memo) >= 10
    assert "FICTIONAL" in demo.memo("project", demo.id)[0]
    # The consensus coder covers only its transcripts: part of the study.
    by_consensus = {c.document_id for c in demo.codings(coders=[CONSENSUS_CODER])}
    consensus_docs = {d.name for d in demo.documents() if d.id in by_consensus}
    assert consensus_docs == set(T.CONSENSUS_DOCUMENTS)
    # Accepted suggestions are codings whose origin says where they came from.
    suggested = [c for c in demo.codings() if c.origin == "suggestion"]
    assert len(suggested) == len(T.SUGGESTIONS)
    assert all(c.origin_detail.startswith("qualcode-suggest/") and "basis=fictional-demo" in c.origin_detail
               for c in suggested)
    kinds = Counter(d.decision for d in decision_log(demo))
    assert kinds == {"accept": len(T.SUGGESTIONS), "reject": len(T.REJECTED)}


def test_the_demo_is_the_same_every_time(demo, tmp_path):
    with build_demo(tmp_path / "again.qualcode") as again:
        def key(p):
            names = {d.id: d.name for d in p.documents()}
            return sorted((names[c.document_id], c.start, c.end, c.code_name, c.coder, c.origin, c.memo or "")
                          for c in p.codings())
        assert key(again) == key(demo)


def test_the_empty_demo_has_no_coding(tmp_path):
    with build_demo(tmp_path / "empty.qualcode", coded=False) as p:
        assert p.coders() == [] and p.codings() == [] and p.info()["documents"] == 14


def test_a_passage_not_in_its_transcript_fails_the_build_and_leaves_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(T, "CODINGS", [*T.CODINGS, ("P01_interview", "words nobody said", "Cost", T.AMIRA, None)])
    path = tmp_path / "bad.qualcode"
    with pytest.raises(UsageError, match="P01_interview: passage 'words nobody said'"):
        build_demo(path)
    assert not path.exists()


def test_the_demo_report_never_quotes_an_interviewer_or_the_chatbot_as_a_participant(demo):
    """Over the whole coded demo (the chat log's assistant turns are coded too): a quote
    taken from a turn whose speaker is not a participant is attributed to that speaker,
    and every quote attributed to a participant comes from one of their own turns."""
    import io

    from docx import Document as read_docx

    from qualcode.export.docx import ReportOptions, build_report
    from qualcode.ingest.roles import is_participant_in, project_roles

    roles = project_roles(demo)
    by_text: dict[str, set[str]] = {}  # a turn's text -> its speaker's role ("participant" or not)
    for info in demo.documents():
        _, doc = demo.document(info.id)
        for seg in doc.segments:
            kind = "participant" if is_participant_in(roles, seg.speaker) else "other"
            by_text.setdefault(doc.text[seg.start:seg.end], set()).add(kind)
    doc = read_docx(io.BytesIO(build_report(demo, ReportOptions(include_figures=False, coders=["amira"])).to_bytes()))
    pars = [(p.style.name, p.text) for p in doc.paragraphs]
    pairs = [(pars[i][1], pars[i + 1][1]) for i in range(len(pars) - 1)
             if pars[i][0] == "Excerpt" and pars[i + 1][0] == "Excerpt Source"]
    assert len(pairs) > 150

    def turn_kinds(quote: str) -> set[str]:
        core = quote.strip("“”\"… ").split("…")[0][:60]
        return {k for text, kinds in by_text.items() if core and core in text for k in kinds}

    assistant = [(q, src) for q, src in pairs if "Seven months is a long wait" in q]
    assert assistant and all(src.startswith("— assistant (assistant") for _, src in assistant)
    for quote, src in pairs:
        kinds = turn_kinds(quote)
        if src.startswith("— P") or src.startswith("— R") or src.startswith("— user"):
            assert "participant" in kinds, (quote[:60], src)
        if kinds == {"other"}:
            assert not src.startswith("— P"), (quote[:60], src)


def test_the_just_imported_transcript_is_what_the_deidentify_page_offers(demo):
    """The coded demo still shows de-identification: P14 is uncoded and full of identifiers."""
    from qualcode.deid import review_project_documents

    review = review_project_documents(demo, ["P14_interview"])
    found = {(p.kind, p.text) for p in review.documents[0].proposals}
    assert {("person", "Ana Folau"), ("place", "Auckland"), ("phone", "0800 543 354"),
            ("email", "ana.f.31@example.org"), ("facility", "Middlemore Hospital")} <= found
    assert not any(text in {"ChatGPT", "palagi"} for _, text in found)

