"""The Agreement page through AppTest: choose coders, read the table, adjudicate a
disagreement and build a majority consensus; every write checked in the store."""

from __future__ import annotations

import pytest

from tests.app.conftest import new_app, no_errors, texts

K = "qc.agree."
LISTENER, REHEARSAL, GENERIC = 2, 3, 4


@pytest.fixture
def coded(project):
    """ana and ben double-coded P01: they agree on turn 2, disagree on turn 4."""
    _, doc = project.document("P01")
    t2, t4 = doc.segments[1], doc.segments[3]
    project.add_coding("P01", t2.start, t2.end, LISTENER, "ana")
    project.add_coding("P01", t2.start, t2.start + 8, LISTENER, "ben")
    project.add_coding("P01", t4.start, t4.end, GENERIC, "ana")
    project.add_coding("P01", t2.start, t2.end, REHEARSAL, "ben")
    return project


def open_page(tab: str | None = None, **kw):
    at = new_app("agreement", **kw)
    if tab:
        at.session_state[f"{K}tab"] = tab
        at.run()
    no_errors(at)
    return at


def test_choose_coders_and_the_table_shows_alpha_and_flags(coded):
    at = open_page()
    # The coders default to everyone but the consensus coder; choose them explicitly anyway.
    at.multiselect(key=f"{K}coders").set_value(["ana", "ben"]).run()
    no_errors(at)
    df = at.dataframe[0].value
    assert list(df["code"]) == ["Non-judgemental listener", "Rehearsal space", "Generic replies", "pooled"]
    assert df.loc[df.code == "Non-judgemental listener", "flag"].item() == "reliable"
    assert df.loc[df.code == "Generic replies", "flag"].item() == "unreliable"
    assert "Cohen's kappa" in df.columns
    # Character units give a different, lower figure for the listener code (spans differ).
    at.radio(key=f"{K}unit").set_value("character").run()
    no_errors(at)
    df2 = at.dataframe[0].value
    assert df2.loc[df2.code == "Non-judgemental listener", "alpha"].item() < 1


def test_fewer_than_two_coders_asks_for_more(coded):
    at = open_page()
    at.multiselect(key=f"{K}coders").set_value(["ana"]).run()
    assert any("two or more coders" in s for s in texts(at.info))


def test_adjudicate_one_disagreement_writes_a_consensus_coding(coded):
    before = {(c.id, c.coder, c.start, c.end, c.code_id) for c in coded.codings()}
    at = open_page("Disagreements")
    assert not at.dataframe  # only the open tab runs: no bootstrap while adjudicating
    keep_ana = [b for b in at.button if b.key and b.key.endswith(f".{GENERIC}.keep.ana")]
    assert keep_ana, [b.key for b in at.button]
    keep_ana[0].click().run()
    no_errors(at)
    [c] = coded.codings(coders=["consensus"])
    _, doc = coded.document("P01")
    assert (c.code_id, c.start, c.end, c.origin) == (GENERIC, doc.segments[3].start, doc.segments[3].end, "consensus")
    assert c.origin_detail == "adjudicated keep ana; coders: ana, ben"
    # The coders' own codings are untouched, and the decision shows on the card.
    assert {(c.id, c.coder, c.start, c.end, c.code_id) for c in coded.codings(coders=["ana", "ben"])} == before
    assert any("Generic replies: keep ana (1 coding(s) saved as consensus)" in s for s in texts(at.success))
    assert any("Decided: keep ana" in s for s in texts(at.markdown))
    # Re-adjudicating the same turn x code replaces the decision: no coding for "neither".
    [neither] = [b for b in at.button if b.key and b.key.endswith(f"{doc.segments[3].start}.{GENERIC}.neither")]
    neither.click().run()
    no_errors(at)
    assert coded.codings(coders=["consensus"]) == []
    assert any("Decided: neither" in s for s in texts(at.markdown))


def test_edit_span_saves_the_typed_words(coded):
    at = open_page("Disagreements")
    _, doc = coded.document("P01")
    t4 = doc.segments[3]
    key = f"{K}d.1.{t4.start}.{GENERIC}"
    at.text_input(key=f"{key}.words").set_value("the advice was generic").run()
    at.button(key=f"{key}.save_span").click().run()
    no_errors(at)
    [c] = coded.codings(coders=["consensus"])
    assert c.snippet == "the advice was generic" and c.origin_detail.startswith("adjudicated edited span")


def test_majority_consensus_button_writes_and_rerun_replaces(coded):
    at = open_page("Majority consensus")
    at.button(key=f"{K}write_majority").click().run()
    no_errors(at)
    cons = coded.codings(coders=["consensus"])
    assert [(c.code_id, c.origin_detail) for c in cons] == [
        (LISTENER, "majority 2/2: ana, ben; rule: more than 0.5 of at least 2 voters, spans: majority of characters")]
    # ben marked only the first 8 characters of the turn: the consensus is what both marked.
    t2 = coded.document("P01")[1].segments[1]
    assert (cons[0].start, cons[0].end) == (t2.start, t2.start + 8)
    at.button(key=f"{K}write_majority").click().run()
    assert len(coded.codings(coders=["consensus"])) == 1
    assert any("replaced 1" in s for s in texts(at.success))


def test_majority_quorum_on_the_page(coded):
    # Three voters required, two coded P01: nothing is voted on, nothing is written.
    at = open_page("Majority consensus")
    at.number_input(key=f"{K}quorum").set_value(3).run()
    no_errors(at)
    assert any("0 turn × code majorities" in c for c in texts(at.caption))
    at.button(key=f"{K}write_majority").click().run()
    assert coded.codings(coders=["consensus"]) == []
    at.number_input(key=f"{K}quorum").set_value(2).run()
    at.button(key=f"{K}write_majority").click().run()
    [c] = coded.codings(coders=["consensus"])
    assert "at least 2 voters" in c.origin_detail


def test_open_transcript_goes_to_the_turn_in_the_coding_workspace(coded):
    at = open_page("Disagreements")
    [b] = [b for b in at.button if b.key and b.key.endswith(f".{REHEARSAL}.open")]
    b.click().run()
    no_errors(at)
    assert at.session_state["qc.code.focus"]["doc"] == 1
    assert str(at.query_params["doc"]).strip("[]'") == "P01"


def test_a_viewer_sees_the_disagreements_but_no_decision_buttons(coded, monkeypatch):
    from qualcode.store import Project

    monkeypatch.setattr(Project, "can", lambda self, action: False)
    at = open_page("Disagreements")
    assert any("Generic replies" in s for s in texts(at.markdown))
    assert not [b for b in at.button if b.key and ".keep." in b.key]


def test_absent_where_uncoded_counts_uncoded_transcripts(coded):
    # ben also coded P02; ana never opened it. By default P02 is missing for ana.
    _, doc = coded.document("P02")
    t = doc.segments[1]
    coded.add_coding("P02", t.start, t.end, REHEARSAL, "ben")
    at = open_page()
    df = at.dataframe[0].value
    assert df.loc[df.code == "Rehearsal space", "units"].item() == 4  # P01's four turns only
    at.toggle(key=f"{K}all_docs").set_value(True).run()
    df = at.dataframe[0].value
    assert df.loc[df.code == "Rehearsal space", "units"].item() == 8  # every turn of P01-P03 (4 + 2 + 2)


def test_variable_level_agreement_on_a_theme(coded):
    at = open_page()
    at.multiselect(key=f"{K}coders").set_value(["ana", "ben"]).run()
    at.selectbox(key=f"{K}variable").set_value(1).run()  # "Support roles": listener / rehearsal space
    # ben gave both of its codes to turn 2: the page says where instead of computing.
    assert any("mutually exclusive" in e.value for e in at.error)
    at.selectbox(key=f"{K}conflict").set_value("largest").run()
    no_errors(at)
    df = at.dataframe[1].value
    assert list(df["coefficient"])[:1] == ["krippendorff_alpha_nominal"]
    assert {"gwet_ac1", "brennan_prediger"} <= set(df["coefficient"])
    at.selectbox(key=f"{K}level.1").set_value("ordinal").run()
    no_errors(at)
    df = at.dataframe[1].value
    assert "krippendorff_alpha_ordinal" in set(df["coefficient"])


def test_a_coder_against_a_gold_coder(coded):
    at = open_page()
    at.multiselect(key=f"{K}coders").set_value(["ana", "ben"]).run()
    at.selectbox(key=f"{K}gold").set_value("ana").run()
    at.selectbox(key=f"{K}gold_coder").set_value("ben").run()
    no_errors(at)
    df = at.dataframe[-1].value
    assert list(df.columns) == ["code", "n_units", "tp", "fp", "fn", "precision", "recall", "f1", "kappa"]
    row = df.set_index("code").loc["Non-judgemental listener"]
    assert (row.tp, row.fp, row.fn) == (1, 0, 0) and row.precision == 1.0
    generic = df.set_index("code").loc["Generic replies"]
    assert (generic.tp, generic.fn) == (0, 1)  # ana applied it on turn 4, ben did not


def test_disagreements_costliest_code_first(coded):
    at = open_page("Disagreements")
    at.toggle(key=f"{K}by_cost").set_value(True).run()
    no_errors(at)


def test_a_decision_goes_into_the_codes_rule_and_the_history(coded):
    from qualcode.codebook.history import codebook_history

    at = open_page("Disagreements")
    [area] = [t for t in at.text_area if t.key and t.key.endswith(f".{GENERIC}.rule")]
    kid = area.key.removesuffix(".rule")
    at.radio(key=f"{kid}.rule_field").set_value("when_not_to_use").run()
    [area] = [t for t in at.text_area if t.key == f"{kid}.rule"]
    area.set_value("Not for a short thanks at the end of a turn.").run()
    at.button(key=f"{kid}.rule_save").click().run()
    no_errors(at)
    assert coded.code(GENERIC).when_not_to_use.endswith("Not for a short thanks at the end of a turn.")
    assert any("Not for a short thanks" in str(h) for h in codebook_history(coded))


def test_a_decision_goes_into_the_codes_memo_and_the_history(coded):
    from qualcode.codebook.history import codebook_history

    coded.set_memo("code", GENERIC, "Earlier note.", actor="ana")
    at = open_page("Disagreements")
    [area] = [t for t in at.text_area if t.key and t.key.endswith(f".{GENERIC}.rule")]
    kid = area.key.removesuffix(".rule")
    at.radio(key=f"{kid}.rule_field").set_value("memo").run()
    [area] = [t for t in at.text_area if t.key == f"{kid}.rule"]
    area.set_value("Decided with ben: stock phrases count only when the whole reply is one.").run()
    at.button(key=f"{kid}.rule_save").click().run()
    no_errors(at)
    memo, _ = coded.memo("code", GENERIC)
    assert memo.startswith("Earlier note.\n\n[Adjudication, P01 turn 4 (ana, ben)] Decided with ben")
    last = codebook_history(coded)[-1]
    assert (last["action"], last["who"], last["code"]) == ("memo", "ana", "Generic replies")
    assert last["details"].startswith("appended to the memo: [Adjudication, P01 turn 4")
    assert coded.code(GENERIC).when_not_to_use == ""  # the rule is untouched


def test_each_coders_memo_shows_beside_their_side(coded):
    [g] = [c for c in coded.codings(coders=["ana"]) if c.code_id == GENERIC]
    coded.set_coding_memo(g.id, "Reads as a stock phrase to me.")
    at = open_page("Disagreements")
    assert any("Memo: Reads as a stock phrase to me." in s for s in texts(at.caption))


def test_a_variable_declared_in_the_codebook_is_shown_by_default(coded):
    from qualcode.codebook.edit import declare_variable

    declare_variable(coded, 1, ordered=True, levels=["Rehearsal space", "Non-judgemental listener"], actor="ana")
    at = new_app("agreement")
    at.multiselect(key=f"{K}coders").set_value(["ana", "ben"]).run()
    assert at.selectbox(key=f"{K}variable").value == 1
    assert any("mutually exclusive" in e.value for e in at.error)  # ben gave both codes to turn 2
    assert at.selectbox(key=f"{K}level.1").value == "ordinal"
    at.selectbox(key=f"{K}conflict").set_value("largest").run()
    no_errors(at)
    df = at.dataframe[1].value
    assert list(df["coefficient"])[:2] == ["krippendorff_alpha_nominal", "krippendorff_alpha_ordinal"]
    assert any("declared an ordered variable" in c.value for c in at.caption)


def test_free_spans_show_unitizing_alpha(coded):
    at = open_page()
    at.multiselect(key=f"{K}coders").set_value(["ana", "ben"]).run()
    at.radio(key=f"{K}unit").set_value("span").run()
    no_errors(at)
    df = at.dataframe[0].value
    assert list(df.columns)[:2] == ["code", "unitizing_alpha"] and df["code"].iloc[-1] == "all codes"
    # ana and ben marked different parts of turn 2 as the listener: below 1, above the code they never shared.
    listener = df.set_index("code").loc["Non-judgemental listener", "unitizing_alpha"]
    assert listener < 1
    assert any("unitizing alpha per code" in c.value for c in at.caption), [c.value for c in at.caption]


def test_the_worked_example_on_the_page_equals_the_published_alphas(tmp_path, monkeypatch):
    # Krippendorff's (2011) 4 coders x 12 units, imported from CSV, the theme declared ordered.
    from qualcode.cli import main
    from tests.core.test_agreement_variables import PUBLISHED, _kripp_csv

    path = tmp_path / "k.qualcode"
    assert main(["init", str(path)]) == 0
    assert main(["import", "-p", str(path), str(_kripp_csv(tmp_path / "kripp.csv"))]) == 0
    assert main(["codebook", "variable", "code", "-p", str(path), "--ordered"]) == 0
    monkeypatch.setenv("QUALCODE_PROJECT", str(path))
    at = new_app("agreement", coder="A")
    at.multiselect(key=f"{K}coders").set_value(["A", "B", "C", "D"]).run()
    no_errors(at)
    theme = at.selectbox(key=f"{K}variable").value
    assert at.selectbox(key=f"{K}level.{theme}").value == "ordinal"
    df = at.dataframe[1].value.set_index("coefficient")
    assert round(df.loc["krippendorff_alpha_nominal", "value"], 3) == PUBLISHED["nominal"]
    assert round(df.loc["krippendorff_alpha_ordinal", "value"], 3) == PUBLISHED["ordinal"]
    assert [m.value for m in at.metric] == [f"{PUBLISHED['ordinal']:.3f}"]
    for level in ("interval", "ratio"):
        at.selectbox(key=f"{K}level.{theme}").set_value(level).run()
        df = at.dataframe[1].value.set_index("coefficient")
        assert round(df.loc[f"krippendorff_alpha_{level}", "value"], 3) == PUBLISHED[level]
