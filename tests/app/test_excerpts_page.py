"""Excerpts page (AppTest): retrieval of a theme, A NOT B, blind mode, exports, Open."""

from __future__ import annotations

from tests.app.conftest import new_app, no_errors

K = "qc.excerpts."
ROLES, LISTENER, REHEARSAL, GENERIC = 1, 2, 3, 4


def coded(project):
    _, doc = project.document("P01")
    project.add_coding("P01", doc.segments[1].start, doc.segments[1].end, LISTENER, "ana")
    project.add_coding("P01", doc.segments[1].start, doc.segments[1].start + 8, GENERIC, "ben")
    _, p02 = project.document("P02")
    project.add_coding("P02", p02.segments[1].start, p02.segments[1].end, REHEARSAL, "ben")


def bodies(at) -> str:
    return " ".join(h.proto.body for h in at.get("html"))


def test_theme_not_b_blind_and_open(project):
    coded(project)
    at = new_app("excerpts")
    no_errors(at)
    at.multiselect(key=f"{K}a").set_value([ROLES]).run()
    no_errors(at)
    assert "It just listened." in bodies(at) and "I rehearse" in bodies(at)
    assert [b.label for b in at.get("download_button")] == ["Word", "CSV"]
    at.selectbox(key=f"{K}op").set_value("not").run()
    at.multiselect(key=f"{K}b").set_value([GENERIC]).run()
    no_errors(at)
    assert "It just listened." not in bodies(at) and "I rehearse" in bodies(at)
    at.selectbox(key=f"{K}op").set_value("and").run()
    assert "It just listened." in bodies(at) and "I rehearse" not in bodies(at)
    # Open jumps to the Code page, focused on the excerpt.
    [open_btn] = [b for b in at.button if b.label == "Open"]
    open_btn.click().run()
    assert at.session_state["qc.code.focus"]["start"] == project.document("P01")[1].segments[1].start
    # Blind: ana retrieves only her own codings (ben's Rehearsal coding is hidden).
    blind = new_app("excerpts", blind=True)
    blind.multiselect(key=f"{K}a").set_value([ROLES]).run()
    no_errors(blind)
    assert "It just listened." in bodies(blind) and "I rehearse" not in bodies(blind)


def test_an_empty_query_offers_the_most_coded_codes(project):
    """First visit: the page is not blank; one click reads the most coded code."""
    coded(project)
    at = new_app("excerpts")
    no_errors(at)
    top = [b for b in at.button if (b.key or "").startswith(f"{K}top.")]
    assert top and top[0].label.endswith("(1)")
    top[0].click().run()
    no_errors(at)
    assert at.multiselect(key=f"{K}a").value and at.get("html")
