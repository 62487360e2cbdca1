"""Figures build from the analyses with the right traces, bars and codebook colours
(no browser needed: these inspect the plotly objects)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from qualcode import analysis as A
from qualcode import viz
from qualcode.store import Project
from qualcode.viz.style import CATEGORICAL, pt
from tests.core.test_analysis_study import CODES, build_study

# The study stores the colours it was given, parsed: "#rrggbb" in lower case.
SUPPORT, RISKS, GENERIC = "#884488", "#ddaa33", "#117733"


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> A.StudyFrames:
    with Project.open(tmp_path_factory.mktemp("viz") / "study.qualcode") as project:
        return A.from_project(build_study(project), coder="ana")


def test_paper_style_sizes_and_fonts() -> None:
    single = viz.apply_paper_style(go.Figure(layout=dict(title="junk")), "single")
    assert single.layout.width == 336  # 89 mm at 96 CSS px per inch
    assert single.layout.height == 208  # default 0.62 × width: 2.17 in
    assert single.layout.title.text is None  # captions carry titles in a paper
    assert single.layout.meta["width_in"] == pytest.approx(89 / 25.4, abs=1e-3)
    double = viz.apply_paper_style(go.Figure(), "double", height=3)
    assert (double.layout.width, double.layout.height) == (692, 288)
    t = viz.paper_template.layout
    assert t.font.family.startswith("Arial") and "DejaVu Sans" in t.font.family
    assert t.font.size == pytest.approx(12)  # 9 pt
    assert t.paper_bgcolor == t.plot_bgcolor == "#FFFFFF"
    assert list(t.colorway) == CATEGORICAL and CATEGORICAL[0] == "#0072B2"  # Okabe–Ito
    titled = viz.apply_paper_style(go.Figure(), 2.5, title="Asked for")
    assert titled.layout.title.text == "Asked for" and titled.layout.width == 240
    with pytest.raises(ValueError):
        viz.width_inches("triple")


def test_codebook_colours(study: A.StudyFrames) -> None:
    by_name = dict(zip(study.codes["code"], study.codes["code_id"]))
    themes = viz.theme_colours(study.codes)
    assert themes[by_name["Support"]] == SUPPORT and themes[by_name["Risks"]] == RISKS
    assert themes[by_name["Cost"]] == CATEGORICAL[0]  # no codebook colour: first palette colour
    codes = viz.code_colours(study.codes)
    assert codes[by_name["Listening"]] == SUPPORT  # inherited from the theme
    assert codes[by_name["Generic"]] == GENERIC  # its own
    assert codes[by_name["Dependence"]] == RISKS


def test_code_bar_chart(study: A.StudyFrames) -> None:
    freq = study.code_frequencies()
    fig = viz.code_bar_chart(freq, study.codes)
    assert all(t.type == "bar" and t.orientation == "h" for t in fig.data)
    assert [t.name for t in fig.data] == ["Support", "Risks", "Cost"]
    assert sum(len(t.x) for t in fig.data) == len(CODES)
    assert [t.marker.color for t in fig.data] == [SUPPORT, RISKS, CATEGORICAL[0]]
    assert list(fig.data[0].customdata) == ["Listening", "Rehearsal"] and list(fig.data[0].x) == [3, 1]
    # rows: a heading per theme with sub-codes ("Cost" has none), then its codes
    assert list(fig.layout.yaxis.ticktext) == ["", "Listening", "Rehearsal", "", "Risks", "Generic", "Dependence", "Cost"]
    assert [a.text for a in fig.layout.annotations] == ["<b>Support</b>", "<b>Risks</b>"]
    assert list(fig.data[0].y) == [1, 2] and list(fig.data[2].y) == [7]
    assert fig.layout.showlegend is False and fig.layout.xaxis.title.text == "Participants (of 4)"
    by_code = viz.code_bar_chart(freq, study.codes, colour_by="code", measure="codings")
    assert len(by_code.data) == 1 and list(by_code.data[0].x) == [4, 1, 0, 2, 1, 2]
    assert list(by_code.data[0].marker.color) == [SUPPORT, SUPPORT, RISKS, GENERIC, RISKS, CATEGORICAL[0]]


def test_theme_bar_chart(study: A.StudyFrames) -> None:
    fig = viz.theme_bar_chart(study.theme_frequencies(), study.codes, measure="codings")
    (bar,) = fig.data
    assert list(bar.y) == ["Support", "Risks", "Cost"] and list(bar.x) == [5, 3, 2]
    assert list(bar.marker.color) == [SUPPORT, RISKS, CATEGORICAL[0]]


def test_participant_heatmap(study: A.StudyFrames) -> None:
    presence = viz.participant_heatmap(study.code_participant_matrix(presence=True))
    (heat,) = presence.data
    assert heat.type == "heatmap" and heat.showscale is False
    assert list(heat.x) == ["P1", "P2", "P3", "P4"] and list(heat.y) == CODES
    assert np.asarray(heat.z).tolist()[0] == [1, 1, 0, 1]
    counts = viz.participant_heatmap(study.code_participant_matrix())
    assert counts.data[0].showscale is not False and counts.data[0].text[0] == ["1", "2", "", "1"]


def test_cooccurrence_heatmap_is_the_lower_triangle(study: A.StudyFrames) -> None:
    co = study.cooccurrence("segment")
    fig = viz.cooccurrence_heatmap(co)
    (heat,) = fig.data
    used = ["Listening", "Rehearsal", "Generic", "Dependence", "Cost"]  # "Risks" never occurs
    assert list(heat.y) == used[1:] and list(heat.x) == used[:-1]
    z = np.asarray(heat.z, dtype=float)
    assert z[1, 0] == pytest.approx(0.2)  # Generic × Listening
    assert z[3, 1] == pytest.approx(0.5)  # Cost × Rehearsal
    assert all(math.isnan(z[i, j]) for i in range(4) for j in range(4) if j > i)
    counts = viz.cooccurrence_heatmap(co, measure="count", drop_empty=False)
    assert len(counts.data[0].y) == len(CODES) - 1


def test_cooccurrence_network(study: A.StudyFrames) -> None:
    co = study.cooccurrence("segment")
    fig = viz.cooccurrence_network(co, study.codes)  # 5 codes: a circle
    nodes = [t for t in fig.data if t.mode == "markers+text"]
    edges = [t for t in fig.data if t.mode == "lines"]
    assert sorted(x for t in nodes for x in t.text) == sorted(["Listening", "Rehearsal", "Generic", "Dependence", "Cost"])
    assert {t.name: t.marker.color for t in nodes} == {"Support": SUPPORT, "Risks": RISKS, "Cost": CATEGORICAL[0]}
    assert sum(list(t.x).count(None) for t in edges) == 4  # one segment per co-occurring pair
    assert max(t.line.width for t in edges) > min(t.line.width for t in edges)  # 0.5 vs 0.2..0.33
    assert fig.layout.showlegend is True
    arc = viz.cooccurrence_network(co, study.codes, layout="arc")
    nodes = [t for t in arc.data if t.mode == "markers"]
    assert sorted(x for t in nodes for x in t.customdata[:, 0]) == sorted(["Listening", "Rehearsal", "Generic", "Dependence", "Cost"])
    assert "<b>Support</b>" in arc.layout.yaxis.ticktext and arc.layout.showlegend is False
    assert sum(list(t.x).count(None) for t in arc.data if t.mode == "lines") == 4
    with pytest.raises(ValueError):
        viz.cooccurrence_network(co, study.codes, layout="force")  # type: ignore[arg-type]


def test_saturation_curve(study: A.StudyFrames) -> None:
    per = study.new_codes_per_interview()
    band = A.saturation_band(per, n_orderings=50, seed=1, base_size=1, run_length=2)
    guest = A.guest_saturation(per, base_size=1, run_length=2)
    fig = viz.saturation_curve(per, band=band, guest=guest)
    assert [t.type for t in fig.data] == ["bar", "scatter", "scatter", "scatter", "scatter"]
    assert fig.data[2].fill == "tonexty"
    assert list(fig.data[-1].y) == [4, 5, 5, 5] and fig.data[-1].name == "Interview order"
    assert fig.layout.shapes[0].x0 == 2  # saturation after 2 interviews
    plain = viz.saturation_curve(per, show_new=False)
    assert len(plain.data) == 1 and not plain.layout.shapes


def test_code_attribute_chart(study: A.StudyFrames) -> None:
    fig = viz.code_attribute_chart(study.code_attribute_table("country"), attribute="country")
    (heat,) = fig.data
    assert list(heat.x) == ["Kenya<br>(n=3)", "India<br>(n=1)"]
    assert list(heat.y) == CODES
    assert heat.text[0].tolist() == ["3/3", "0/1"]
    assert np.asarray(heat.z, dtype=float)[3].tolist() == pytest.approx([1 / 3, 1.0])  # Generic
    assert (heat.zmin, heat.zmax) == (0, 1)


@pytest.mark.parametrize("kind", ["sunburst", "treemap"])
def test_codebook_chart(study: A.StudyFrames, kind: str) -> None:
    fig = viz.codebook_chart(study.code_frequencies(), study.codes, kind=kind)
    (trace,) = fig.data
    assert trace.type == kind and trace.branchvalues == "remainder"
    assert list(trace.labels) == ["Support", "Listening", "Rehearsal", "Risks", "Generic", "Dependence", "Cost"]
    assert list(trace.values) == [0, 4, 1, 0, 2, 1, 2]
    assert trace.parents[0] == "" and trace.parents[1] == trace.ids[0]
    assert list(trace.marker.colors)[:5] == [SUPPORT, SUPPORT, SUPPORT, RISKS, GENERIC]


def test_standard_figures(study: A.StudyFrames) -> None:
    assert viz.chartable_attributes(study) == {"country": None, "chatbot": ";"}
    specs = viz.standard_figures(study, n_orderings=20)
    assert [s.name for s in specs] == [
        "themes", "codes", "code_participant", "cooccurrence", "cooccurrence_network", "saturation",
        "attribute_country", "attribute_chatbot", "codebook",
    ]
    for spec in specs:
        assert spec.figure.layout.title.text is None, spec.name
        assert spec.figure.layout.width in (336, 692), spec.name
        assert spec.figure.layout.template.layout.font.size == pytest.approx(pt(9))
        assert "coder 'ana'" in spec.caption
    assert "Guest, Namey & Chen" in specs[5].caption
    double = viz.standard_figures(study, width="double", n_orderings=20)
    assert double[1].figure.layout.width == 692


def test_standard_figures_without_codings(fresh_project: Project) -> None:
    build_study(fresh_project)
    fresh_project.add_coder("nobody")
    assert viz.standard_figures(A.from_project(fresh_project, coder="nobody")) == []


# ------------------------------------------------------------ legibility
def _many_codes(n: int = 24) -> A.Cooccurrence:
    """n codes with long names, each co-occurring with the next (Jaccard 0.505...)."""
    names = [f"Code number {i:02d} with a rather long name" for i in range(n)]
    counts = pd.DataFrame(0, index=names, columns=names)
    for i in range(n - 1):
        counts.iat[i, i + 1] = counts.iat[i + 1, i] = 3 + i % 4
    occ = pd.Series([6] * n, index=names)
    jac = (counts / (2 * 6 - counts)).where(~np.eye(n, dtype=bool)).astype(float)
    return A.Cooccurrence("segment", counts, jac, occ)


def test_a_big_cooccurrence_heatmap_numbers_its_columns_and_widens_when_too_narrow() -> None:
    co = _many_codes()
    single = viz.cooccurrence_heatmap(co, width="single")
    (heat,) = single.data
    # Columns are numbers, rows carry the number and the name: no crowded x axis.
    assert list(heat.x) == [str(i) for i in range(1, 24)]
    assert heat.y[0].startswith("1  Code number 00") and len(heat.y) == 24
    # 24 codes cannot be read in one column: the figure takes the page width and says so.
    assert single.layout.width == 692 and single.layout.meta["widened"] is True
    # Hover gives both names and two decimals, never a raw 0.505050...
    assert "%{z:.2f}" in heat.hovertemplate and list(heat.customdata[1][0]) == [
        "Code number 01 with a rather long name", "Code number 00 with a rather long name"]
    few = _many_codes(6)
    small = viz.cooccurrence_heatmap(few, width="single")
    (heat,) = small.data
    # Long names are cut to 30 characters (the hover has them whole).
    assert list(heat.y)[0] == "Code number 01 with a rather…" and "widened" not in small.layout.meta
    # Values APA-style (no leading zero), blank where nothing co-occurs.
    shown = {t for row in heat.text for t in row if t}
    assert shown and all(t.startswith(".") or t == "1" for t in shown) and "" in {t for row in heat.text for t in row}
    counts = viz.cooccurrence_heatmap(few, measure="count", width="double")
    assert counts.data[0].colorbar.dtick == 2 and counts.data[0].colorbar.tickformat == "d"  # whole units, max 6
    assert viz.cooccurrence_heatmap(few, width="double").layout.width == 692  # "Page width" enlarges it


def test_the_network_draws_a_circle_only_where_its_labels_fit() -> None:
    from qualcode.model import Code

    codes = [Code(f"Code number {i:02d} with a rather long name", id=i + 1) for i in range(8)]
    co = _many_codes(8)
    single = viz.cooccurrence_network(co, codes, width="single")
    double = viz.cooccurrence_network(co, codes, width="double")
    assert not [t for t in single.data if t.mode == "markers+text"]  # one column: the arc diagram
    nodes = [t for t in double.data if t.mode == "markers+text"]
    texts = [x for t in nodes for x in t.text]
    assert len(texts) == 8 and all("<br>" in x and len(max(x.split("<br>"), key=len)) <= 19 for x in texts)  # wrapped
    assert all(t.cliponaxis is False for t in nodes)  # labels are never cut at the plot's edge


def test_the_theme_map_numbers_its_bubbles_and_keys_their_names() -> None:
    rng = np.random.default_rng(0)
    labels = [f"word{i}, other{i}, third{i}, fourth{i}" for i in range(7)]
    fig = viz.theme_map(rng.normal(size=(7, 12)), labels, [30, 20, 15, 10, 8, 5, 2], width="double")
    (dots,) = fig.data
    assert list(dots.text) == ["1", "2", "3", "4", "5", "6", "7"] and dots.cliponaxis is False
    (key,) = fig.layout.annotations
    assert all(lab in key.text for lab in labels) and "<b>7</b>" in key.text
    single = viz.theme_map(rng.normal(size=(7, 12)), labels, [30, 20, 15, 10, 8, 5, 2], width="single")
    assert single.layout.width == 336 and single.layout.annotations[0].yanchor == "bottom"  # key below the map
    with pytest.raises(ValueError):
        viz.theme_map(rng.normal(size=(3, 4)), labels, [1, 2, 3])


def test_the_sunburst_wraps_its_labels_radially() -> None:
    from qualcode.model import Code

    book = [Code("Cultural limitations", codable=False, id=1), Code("Cultural stigma around mental health", parent="Cultural limitations", id=2)]
    freq = pd.DataFrame({"code_id": [2], "codings": [5]})
    (trace,) = viz.codebook_chart(freq, book, kind="sunburst", width="double").data
    assert trace.insidetextorientation == "auto" and trace.text[1] == "Cultural stigma<br>around mental<br>health"
