"""The Analyze page through AppTest: every tab renders its figure and table on a
small coded study, the coder choice (and blind mode) changes the numbers, a plain
rerun computes nothing again while a new coding shows up, and an empty project
gets a message, never a traceback."""

from __future__ import annotations

import pandas as pd
import pytest

from qualcode import analysis as A
from qualcode.model import Code, Participant
from qualcode.store import Project
from qualcode.ui import analyze_data as D
from qualcode.ui import analyze_export as X
from qualcode.ui.pages.analyze import TABS
from tests.app.conftest import goto, new_app, no_errors, texts
from tests.conftest import make_interview

K = "qc.analyze."
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

ANSWERS = [
    "At night, when nobody else was awake, it just listened to me.",
    "Sometimes the advice was generic, like a leaflet, and it cost money.",
]
# (participant, turn, code, coders): turn 0 or 1 of the participant's answers; the
# whole turn is coded. ana codes a lot, ben little, the consensus in between.
CODINGS = [
    ("P01", 0, "Listener", ("ana", "ben", "consensus")),
    ("P01", 0, "Generic replies", ("ana",)),
    ("P01", 1, "Cost", ("ana", "consensus")),
    ("P02", 0, "Rehearsal", ("ana", "consensus")),
    ("P02", 1, "Cost", ("ana", "ben", "consensus")),
    ("P03", 0, "Listener", ("ana", "consensus")),
    ("P03", 0, "Dependence", ("ana", "consensus")),
    ("P04", 0, "Listener", ("ana",)),
    ("P04", 1, "Generic replies", ("ana", "consensus")),
    ("P05", 1, "Generic replies", ("ana",)),
    ("P05", 0, "Rehearsal", ("ana",)),
]
ATTRIBUTES = {
    "P01": {"country": "Kenya", "chatbot": "ChatGPT"},
    "P02": {"country": "Kenya", "chatbot": "Replika; Pi"},
    "P03": {"country": "India", "chatbot": "ChatGPT"},
    "P04": {"country": "India", "chatbot": "Pi"},
    "P05": {"country": "Kenya", "chatbot": "ChatGPT"},
}


def _fill(project: Project, *, codings: bool = True) -> Project:
    people = list(ATTRIBUTES)
    project.add_documents([
        make_interview(p, [("Interviewer", "When do you use it?"), (p, ANSWERS[0]),
                           ("Interviewer", "Any downsides?"), (p, ANSWERS[1])], participant=p)
        for p in people
    ])
    project.upsert_participants([(Participant(p, a), [p]) for p, a in ATTRIBUTES.items()])
    project.add_code(Code("Support roles", codable=False))
    project.add_code(Code("Listener", parent="Support roles"))
    project.add_code(Code("Rehearsal", parent="Support roles"))
    project.add_code(Code("Risks", codable=False))
    project.add_code(Code("Generic replies", parent="Risks"))
    project.add_code(Code("Dependence", parent="Risks"))
    project.add_code(Code("Cost"))
    for coder in ("ana", "ben", "consensus"):
        project.add_coder(coder)
    if codings:
        for person, turn, code, coders in CODINGS:
            seg = project.document(person)[1].segments[1 + 2 * turn]
            for coder in coders:
                project.add_coding(person, seg.start, seg.end, code, coder)
    return project


@pytest.fixture
def coded(fresh_project: Project, monkeypatch: pytest.MonkeyPatch) -> Project:
    """Five coded interviews with attributes, coded by ana, ben and the consensus coder;
    the app opens the same file."""
    monkeypatch.setenv("QUALCODE_PROJECT", str(fresh_project.location))
    return _fill(fresh_project)


def open_analyze(**kw):
    at = new_app("analyze", **kw)
    no_errors(at)
    return at


def switch_tab(at, label: str):
    # The tabs are lazy (on_change="rerun"): choosing one is setting its state.
    at.session_state[f"{K}tab"] = label
    at.run()
    no_errors(at)
    return at


def table(at, i: int = 0) -> pd.DataFrame:
    """The ``i``-th table on the page (AppTest does not expose a plain table's key;
    the table behind the figure always comes first)."""
    assert len(at.dataframe) > i, f"only {len(at.dataframe)} table(s)"
    return at.dataframe[i].value


def charts(at) -> list:
    return at.get("plotly_chart")


def download_keys(at) -> list[str]:
    return [b.key for b in at.get("download_button")]


def participants_with(at, code: str) -> int:
    freq = table(at)
    return int(freq.loc[freq["code"] == code, "participants"].item())


# ----------------------------------------------------------------- the tabs
def test_every_tab_renders_a_figure_its_table_and_downloads(coded):
    at = open_analyze()
    # The consensus coder is the default: it is what findings report.
    assert at.selectbox(key=f"{K}coder").value == "consensus"
    assert [t.label for t in at.tabs] == list(TABS)
    seen = {}
    for label in TABS:
        switch_tab(at, label)
        assert len(charts(at)) == 1, label  # lazy tabs: only the open one draws
        assert at.dataframe, label
        keys = download_keys(at)
        assert any(k.endswith(".png") for k in keys) and any(k.endswith(".csv") for k in keys), (label, keys)
        seen[label] = (list(table(at).columns), keys)
    assert seen["Frequencies"][0][:3] == ["code", "theme", "participants"]
    assert seen["Participants"][0] == ["P01", "P02", "P03", "P04", "P05"]
    assert seen["Attributes"][0] == ["Kenya (n=3)", "India (n=2)"]
    assert seen["Co-occurrence"][0][:3] == ["code", "with code", "units with both"]
    assert seen["Saturation"][0][:3] == ["interview", "document", "participant"]
    assert seen["Codebook"][0][:2] == ["code", "theme"]
    # Files are named after the figure and the coder.
    assert f"{K}dl.codebook_sunburst.pdf" in seen["Codebook"][1]


def test_frequencies_count_participants_and_switch_to_themes(coded):
    at = open_analyze()
    freq = table(at)
    # Consensus: Listener in P01 and P03, Cost in P01 and P02; codes nobody applied are hidden.
    assert dict(zip(freq["code"], freq["participants"])) == {
        "Listener": 2, "Rehearsal": 1, "Generic replies": 1, "Dependence": 1, "Cost": 2}
    assert freq.loc[freq["code"] == "Listener", "share"].item() == pytest.approx(2 / 5)
    at.radio(key=f"{K}freq.level").set_value("theme").run()
    no_errors(at)
    themes = table(at)
    assert dict(zip(themes["theme"], themes["participants"])) == {"Support roles": 3, "Risks": 2, "Cost": 2}


def test_participants_of_n_counts_people_not_unlinked_transcripts(coded):
    """A transcript linked to no one (a pilot, a focus-group file) is not a participant."""
    coded.add_documents([make_interview("Pilot notes", [("Interviewer", "Testing."), ("P09", ANSWERS[0])])])
    seg = coded.document("Pilot notes")[1].segments[1]
    coded.add_coding("Pilot notes", seg.start, seg.end, "Cost", "consensus")
    at = open_analyze()
    assert any("Participants (of 5)" in c for c in texts(at.caption)), texts(at.caption)
    assert any("5 participants (1 transcript(s) not linked" in c for c in texts(at.caption))
    freq = table(at)
    assert freq.loc[freq["code"] == "Cost", "participants"].item() == 2  # the pilot is nobody
    assert freq.loc[freq["code"] == "Cost", "documents"].item() == 3


def test_participants_tab_presence_and_counts(coded):
    at = switch_tab(open_analyze(coder="ana"), "Participants")
    at.selectbox(key=f"{K}coder").set_value("ana").run()
    presence = table(at)
    assert list(presence.columns) == ["P01", "P02", "P03", "P04", "P05"]
    assert presence.loc["Listener"].tolist() == [1, 0, 1, 1, 0]
    at.radio(key=f"{K}part.cells").set_value("counts").run()
    no_errors(at)
    counts = table(at)
    assert counts.loc["Generic replies"].tolist() == [1, 0, 0, 1, 1]


def test_attributes_tab_shows_k_of_n_and_splits_multi_valued_groups(coded):
    at = switch_tab(open_analyze(), "Attributes")
    assert at.selectbox(key=f"{K}attr.name").value == "country"
    wide = table(at)
    assert list(wide.columns) == ["Kenya (n=3)", "India (n=2)"]
    assert wide.loc["Listener"].tolist() == ["1/3", "1/2"]
    at.selectbox(key=f"{K}attr.name").set_value("chatbot").run()
    no_errors(at)
    wide = table(at)
    assert f"{K}dl.attribute_chatbot.csv" in download_keys(at)
    # "Replika; Pi" counts P02 in both groups.
    assert "Pi (n=2)" in wide.columns and "Replika (n=1)" in wide.columns
    assert wide.loc["Rehearsal", "Replika (n=1)"] == "1/1"


def test_cooccurrence_by_turn_and_by_overlap_heatmap_and_network(coded):
    at = switch_tab(open_analyze(), "Co-occurrence")
    pairs = table(at)
    # Consensus: Listener and Dependence share P03's first answer.
    assert pairs.iloc[0][["code", "with code", "units with both"]].tolist() == ["Listener", "Dependence", 1]
    at.radio(key=f"{K}co.unit").set_value("overlap").run()
    no_errors(at)
    assert len(table(at)) == 1
    at.radio(key=f"{K}co.view").set_value("network").run()
    no_errors(at)
    assert len(charts(at)) == 1 and at.number_input(key=f"{K}co.min").value == 1
    assert f"{K}dl.cooccurrence_network.svg" in download_keys(at)


def test_saturation_tab_with_user_set_base_run_and_threshold(coded):
    at = switch_tab(open_analyze(coder="ana"), "Saturation")
    at.selectbox(key=f"{K}coder").set_value("ana").run()
    per = table(at)
    # ana's new codes per interview: P01 3, P02 1 (Rehearsal), P03 1 (Dependence), P04 0, P05 0.
    assert per["new codes"].tolist() == [3, 1, 1, 0, 0]
    [sentence] = [c.value for c in at.code]
    # The defaults (base 4, run 2) need six coded interviews: the page says so rather than "not reached".
    assert sentence.startswith("Saturation cannot be assessed yet") and "needs 6 coded interviews" in sentence
    at.number_input(key=f"{K}sat.base").set_value(2).run()
    at.number_input(key=f"{K}sat.run").set_value(1).run()
    at.number_input(key=f"{K}sat.threshold").set_value(0).run()
    no_errors(at)
    [sentence] = [c.value for c in at.code]
    # Base = P01 + P02 (4 codes); P03 adds Dependence (25%), P04 adds nothing: saturated after 3 at 0%.
    assert "Saturation was reached after 3 interviews" in sentence and "base size 2, run length 1" in sentence
    assert "≤0%" in sentence and "random interview orders (seed 0)" in sentence
    runs = table(at, 1)  # below the per-interview table
    assert runs["ratio"].tolist() == pytest.approx([0.25, 0.0, 0.0])
    # A base larger than the coded interviews is refused in words, not with a traceback.
    at.number_input(key=f"{K}sat.base").set_value(5).run()
    no_errors(at)
    assert "cannot be assessed yet" in at.code[0].value


def test_codebook_tab_sunburst_and_treemap(coded):
    at = switch_tab(open_analyze(), "Codebook")
    at.radio(key=f"{K}book.kind").set_value("treemap").run()
    no_errors(at)
    assert len(charts(at)) == 1
    assert f"{K}dl.codebook_treemap.png" in download_keys(at)


# ------------------------------------------------------------------- coders
def test_switching_coder_changes_the_numbers(coded):
    at = open_analyze()
    assert participants_with(at, "Listener") == 2  # consensus
    at.selectbox(key=f"{K}coder").set_value("ana").run()
    no_errors(at)
    assert participants_with(at, "Listener") == 3
    at.selectbox(key=f"{K}coder").set_value("ben").run()
    no_errors(at)
    assert participants_with(at, "Listener") == 1
    at.selectbox(key=f"{K}coder").set_value(D.ALL_CODERS).run()  # all coders: present where any coder applied it
    no_errors(at)
    assert participants_with(at, "Listener") == 3
    assert table(at).loc[lambda f: f["code"] == "Listener", "codings"].item() == 6
    assert any("all coders" in c for c in texts(at.caption))


def test_blind_mode_analyses_only_the_current_coders_codings(coded):
    at = open_analyze(coder="ben", blind=True)
    box = at.selectbox(key=f"{K}coder_blind")
    assert box.disabled and box.value == "ben"
    assert f"{K}coder" not in [s.key for s in at.selectbox]
    assert participants_with(at, "Listener") == 1
    assert set(table(at)["code"]) == {"Listener", "Cost"}


def test_blind_mode_without_a_coder_asks_for_one(coded):
    at = new_app("analyze", coder=None, blind=True)
    assert not at.exception
    assert any("Choose who is coding" in s for s in texts(at.info))
    assert not charts(at)


def test_a_coder_unknown_here_is_never_the_current_coder(coded):
    coded.add_coder("ben")
    from qualcode.store.blind import set_blind

    set_blind(coded, "ben", True)
    at = new_app("analyze", coder="zoe")  # e.g. remembered from another project
    no_errors(at)
    assert at.sidebar.selectbox[0].value is None  # nobody is coding here yet
    # Someone codes blind in this project: a window that does not know who looks shows nothing.
    assert any("Choose who is coding" in s for s in texts(at.info))
    assert not charts(at)


def test_a_coder_without_codings_gets_a_message(coded):
    coded.add_coder("cara")
    at = open_analyze()
    at.selectbox(key=f"{K}coder").set_value("cara").run()
    no_errors(at)
    assert any("No codings by **cara** yet" in s for s in texts(at.info))
    assert not charts(at)


def test_settings_survive_other_tabs_and_pages(coded):
    at = switch_tab(open_analyze(), "Saturation")
    at.selectbox(key=f"{K}coder").set_value("ana").run()
    at.number_input(key=f"{K}sat.base").set_value(2).run()
    switch_tab(at, "Frequencies")  # the Saturation widgets are not drawn in this run
    goto(at, "transcripts")  # nor is anything of this page here
    goto(at, "analyze")
    no_errors(at)
    assert at.selectbox(key=f"{K}coder").value == "ana"
    assert [t for t in at.tabs if t.label == "Frequencies"]
    switch_tab(at, "Saturation")
    assert at.number_input(key=f"{K}sat.base").value == 2


# -------------------------------------------------------------------- cache
def test_a_rerun_computes_nothing_again_and_a_new_coding_shows_up(coded, monkeypatch):
    reads = []
    real = A.from_project
    monkeypatch.setattr(A, "from_project", lambda project, coder=None: reads.append(coder) or real(project, coder))
    at = open_analyze()
    assert reads == ["consensus"]
    at.run()
    switch_tab(at, "Frequencies")
    at.radio(key=f"{K}freq.measure").set_value("codings").run()
    no_errors(at)
    assert reads == ["consensus"]  # reruns and options read nothing again
    assert participants_with(at, "Rehearsal") == 1
    seg = coded.document("P04")[1].segments[1]
    coded.add_coding("P04", seg.start, seg.end, "Rehearsal", "consensus")  # as the Code page would save it
    at.run()
    no_errors(at)
    assert reads == ["consensus", "consensus"]
    assert participants_with(at, "Rehearsal") == 2


# -------------------------------------------------------------------- empty
def test_an_empty_project_shows_a_message_not_a_traceback(fresh_project, monkeypatch):
    monkeypatch.setenv("QUALCODE_PROJECT", str(fresh_project.location))
    at = open_analyze()
    assert any("No transcripts yet" in s for s in texts(at.info))
    assert not at.tabs and not charts(at)


def test_a_project_without_codings_shows_a_message(fresh_project, monkeypatch):
    monkeypatch.setenv("QUALCODE_PROJECT", str(fresh_project.location))
    _fill(fresh_project, codings=False)
    at = open_analyze()
    assert any("No codings" in s and "Code" in s for s in texts(at.info))
    assert not at.tabs and not charts(at)


# ---------------------------------------------------------------- downloads
def test_without_a_browser_the_page_says_so_instead_of_figure_downloads(coded, monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")
    at = new_app("analyze")
    assert not at.exception
    assert any("Figure downloads are unavailable" in s for s in texts(at.warning))
    keys = download_keys(at)
    assert keys == [f"{K}dl.codes.csv"]  # the table can still be downloaded
    assert len(charts(at)) == 1


def test_download_callables_build_files_only_when_called(coded):
    study = A.from_project(coded, coder="ana")
    freq = study.code_frequencies(include_empty=False)
    csv = X.csv_data(freq[["label", "participants"]])
    assert csv().decode("utf-8").splitlines()[0] == "label,participants"
    assert X.file_stem("codes", None) == "codes_all-coders"
    assert X.file_stem("codes", "ana / b") == "codes_ana-b"
    if X.browser_problem() is not None:
        pytest.skip(f"no browser to render figures: {X.browser_problem()}")
    from qualcode import viz

    fig = viz.code_bar_chart(freq, study.codes)
    png = X.figure_data(fig, "png", 150)
    data = png()
    assert data.startswith(PNG_MAGIC)
    assert png() is data  # a second click is served from the cache


def test_coder_choices_put_consensus_first_and_all_coders_last():
    assert D.coder_options(["ana", "ben", "consensus"]) == ["consensus", "ana", "ben", D.ALL_CODERS]
    assert D.coder_options(["ana"]) == ["ana", D.ALL_CODERS]
    assert D.default_coder(["ana", "consensus"]) == "consensus"
    assert D.default_coder(["ana", "ben"]) == D.ALL_CODERS
    assert D.coder_label(D.ALL_CODERS) == "All coders" and D.analysed_coder(D.ALL_CODERS) is None
