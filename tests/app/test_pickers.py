"""Pickers at corpus size (issue #24): above LIST_LIMIT options a find box narrows the list,
what is chosen stays chosen, and a study of a few transcripts keeps its plain selectbox."""

from __future__ import annotations

import pytest

from qualcode.ui.pickers import LIST_LIMIT, matching
from tests.app.conftest import goto, new_app, no_errors
from tests.conftest import make_interview

N_THREADS = LIST_LIMIT + 50


def test_matching_takes_every_word_in_any_order_and_keeps_the_choice_first():
    options = {i: f"thread {i:03d} (poster{i % 7})" for i in range(300)}
    listed, found = matching(options, "POSTER3 thread 01")
    assert listed == [10, 17, 101] and found == 3  # "thread 010 (poster3)", "thread 017 ...", "thread 101 ..."
    listed, found = matching(options, "", limit=10, keep=[250])
    assert listed == [250, *range(9)] and found == 300
    listed, found = matching(options, "nothing like this", keep=[5])
    assert listed == [5] and found == 0
    assert matching({None: "Whole project", 1: "a"}, "a", keep=[None])[0] == [None, 1]


@pytest.fixture
def corpus(project):
    """The small study plus enough one-comment threads to pass the picker's limit."""
    project.add_documents([make_interview(f"thread{i:03d}", [(f"poster{i}", f"Comment {i}."), ("OP", "Thanks.")])
                           for i in range(N_THREADS)])
    return project


def _options(widget) -> list[str]:
    return list(widget.options)


def test_the_code_page_picker_lists_at_most_the_limit_and_finds_the_rest(corpus):
    at = new_app("coding", query={"doc": "P01"})
    no_errors(at)
    picker = at.selectbox(key="qc.code.doc")
    assert len(_options(picker)) == LIST_LIMIT and _options(picker)[0].startswith("P01")
    assert any(f"of {N_THREADS + 3:,} are listed" in c.value for c in at.caption)
    at.text_input(key="qc.code.doc.find").input("thread24").run()
    picker = at.selectbox(key="qc.code.doc")
    # The open transcript stays first (finding never changes what is open), then the matches.
    assert _options(picker) == ["P01"] + [f"thread24{i}" for i in range(10)]
    assert picker.value == corpus.document("P01")[0]
    picker.set_value(corpus.document("thread247")[0]).run()
    no_errors(at)
    assert str(at.query_params.get("doc")).strip("[]'") == "thread247"
    shown = str(at)  # the element tree, the transcript component's HTML included
    assert "Comment 247." in shown and "Comment 246." not in shown


def test_excerpt_filters_keep_their_choices_while_finding(corpus):
    at = new_app("excerpts")
    no_errors(at)
    at.text_input(key="qc.excerpts.docs.find").input("thread10").run()
    docs = at.multiselect(key="qc.excerpts.docs")
    assert _options(docs) == [f"thread10{i}" for i in range(10)]
    docs.select("thread105").run()
    at.text_input(key="qc.excerpts.docs.find").input("P0").run()
    docs = at.multiselect(key="qc.excerpts.docs")
    assert docs.value == ["thread105"] and _options(docs)[:1] == ["thread105"] and "P02" in _options(docs)
    no_errors(at)


def test_a_small_study_keeps_plain_pickers(project):
    at = new_app("coding", query={"doc": "P01"})
    no_errors(at)
    assert len(_options(at.selectbox(key="qc.code.doc"))) == 3
    assert not [t for t in at.text_input if (t.key or "").endswith(".find")]
    goto(at, "agreement")
    no_errors(at)
    assert not [t for t in at.text_input if (t.key or "").endswith(".find")]
