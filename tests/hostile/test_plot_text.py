"""User text in plotly figures is shown as typed: no <a href>, <img> or <b> markup."""

from __future__ import annotations

import pandas as pd

from qualcode.viz.text import escape_figure, plain

EVIL = '<a href="http://127.0.0.1:9/t">x</a> <img src=x onerror=alert(1)> & <b>b</b>'


def test_plain_escapes_the_characters_plotly_reads_as_markup():
    assert plain(EVIL) == ('&lt;a href="http://127.0.0.1:9/t"&gt;x&lt;/a&gt; &lt;img src=x onerror=alert(1)&gt; '
                           '&amp; &lt;b&gt;b&lt;/b&gt;')
    assert plain(None) == ""


def test_every_standard_figure_escapes_user_text_once(tmp_path):
    """The study's figures (bars, heatmaps, network, saturation, attributes, codebook)
    built from a project whose code, theme, participant and attribute names are markup."""
    from qualcode.analysis.study import from_project
    from qualcode.model import Code, Participant
    from qualcode.store import Project
    from qualcode.viz.standard import standard_figures
    from tests.conftest import make_interview

    with Project.open(tmp_path / "s.qualcode") as project:
        project.add_documents([make_interview(f"D{i}", [("Int", "Question?"), (f"P{i}", "An answer here."),
                                                        ("Int", "More?"), (f"P{i}", "Another answer.")])
                               for i in range(4)])
        project.upsert_participants([(Participant(f"{EVIL}{i}", {"group": EVIL if i % 2 else "b"}), [f"D{i}"])
                                     for i in range(4)])
        project.add_code(Code(f"T {EVIL}", codable=False))
        ids = [project.add_code(Code(f"C{j} {EVIL}", parent=f"T {EVIL}", definition="d")) for j in range(3)]
        project.add_coder("k")
        for info in project.documents():
            _, doc = project.document(info.id)
            for n, seg in enumerate(doc.segments[1::2]):
                project.add_coding(info.id, seg.start, seg.end, ids[n % 3], "k")
                project.add_coding(info.id, seg.start, seg.end, ids[(n + 1) % 3], "k")
        specs = standard_figures(from_project(project), n_orderings=20)
    assert len(specs) >= 5
    for spec in specs:
        dumped = spec.figure.to_json()
        assert "<a href" not in dumped and "<img" not in dumped, spec
        assert escape_figure(spec.figure).to_json() == dumped  # idempotent: no &amp;lt;
