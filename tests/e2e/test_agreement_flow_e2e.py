"""Issue 19's path in a real browser: blind double coding -> the theme declared a variable
-> its alpha on the Agreement page -> a decision written into the code's rule -> the
quorum majority consensus. Every step is checked in the store the app writes to."""

from __future__ import annotations

import re
import time

import pytest

from qualcode.agreement.project import variable_table
from qualcode.codebook.history import codebook_history
from qualcode.model import Code
from qualcode.store import Project
from qualcode.store.blind import set_blind
from tests.conftest import make_interview
from tests.e2e.conftest import choose_coder, pick_option, settle, streamlit_server
from tests.e2e.test_session_e2e import SIDEBAR, apply, highlighted_ids, select_words

pytestmark = pytest.mark.e2e

TURNS = [
    ("Interviewer", "How did the chatbot answer you?"),
    ("P51", "It told me to breathe slowly and that calmed me down."),
    ("Interviewer", "And the second time?"),
    ("P51", "It repeated the same list of hotlines again."),
]
RULE = "A list of hotlines with nothing else is not helpful."


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """P51 for ana and ben to code blind; P52 coded by ana alone (no quorum there)."""
    folder = tmp_path_factory.mktemp("agreement-flow")
    path = folder / "flow.qualcode"
    with Project.open(path) as project:
        project.add_documents([make_interview("P51", TURNS),
                               make_interview("P52", [("Interviewer", "Anything else?"), ("P52", "It was kind.")])])
        theme = project.add_code(Code("Helpfulness", codable=False, definition="Was the reply of use?"))
        project.add_code(Code("Helpful", definition="The reply helped."), parent_id=theme)
        project.add_code(Code("Not helpful", definition="The reply did not help."), parent_id=theme)
        for coder in ("ana", "ben"):
            project.add_coder(coder)
            set_blind(project, coder, True)
        p52 = project.document("P52")[1].segments[1]
        project.add_coding("P52", p52.start, p52.end, "Helpful", "ana")
    with streamlit_server(path, folder / "streamlit.log") as url:
        yield {"url": url, "path": path, "folder": folder}


def store(study):
    return Project.open(study["path"], create=False)


def wait_for(check, what: str, timeout: float = 15):
    """The app writes in its own process: poll the store until ``check()`` holds."""
    deadline = time.monotonic() + timeout
    while not (result := check()):
        if time.monotonic() > deadline:
            raise AssertionError(f"not in the store after {timeout} s: {what}")
        time.sleep(0.2)
    return result


def test_blind_double_coding_to_variable_alpha_rule_and_quorum_consensus(page, study):
    url = study["url"]
    # ------------------------------------------------------------ ana codes, blind
    page.goto(f"{url}/coding?coder=ana")
    settle(page, quiet_ms=60_000)  # the page's first run
    pick_option(page, "Transcript", "P51")
    select_words(page, "breathe slowly")
    apply(page, "Helpfulness › Helpful")
    select_words(page, "same list of hotlines")
    apply(page, "Helpfulness › Helpful")
    with store(study) as p:
        ana = wait_for(lambda: [c for c in p.codings(coders=["ana"]) if c.document_id == p.document("P51")[0]],
                       "ana's codings")
    assert sorted(c.snippet for c in ana) == ["breathe slowly", "same list of hotlines"]

    # ------------------------------------------------------------ ben codes, blind
    choose_coder(page, "ben")
    assert page.locator(SIDEBAR).locator("label:has-text('Blind mode') input").is_checked()
    page.locator(".qc-tx").get_by_text("breathe slowly").wait_for()
    assert not highlighted_ids(page) & {c.id for c in ana}  # ana's codings are not shown to ben
    select_words(page, "breathe slowly")
    apply(page, "Helpfulness › Helpful")
    select_words(page, "same list of hotlines")
    apply(page, "Helpfulness › Not helpful")
    with store(study) as p:
        wait_for(lambda: len(p.codings(coders=["ben"])) == 2, "ben's two codings")
    page.locator(SIDEBAR).get_by_text("Blind mode").click()  # the independent coding is done
    settle(page)

    # ------------------------------------------------------------ the theme is a variable
    page.locator(SIDEBAR).get_by_role("link", name="Codebook").click()
    settle(page)
    box = page.locator("[data-testid='stMain']").get_by_role("combobox", name="Code", exact=True)
    box.click()
    page.get_by_role("option", name="Helpfulness", exact=True).click()
    page.get_by_role("listbox").wait_for(state="hidden")
    settle(page)
    page.get_by_role("tab", name="Variable").click()
    settle(page)  # tabs are lazy: choosing one reruns the page
    page.get_by_text("qualcode proposes declaring it").wait_for()  # nobody put both codes on one turn
    page.get_by_text("Its codes are alternatives (one per turn)").click()
    page.get_by_role("button", name="Save variable").click()
    settle(page)
    with store(study) as p:
        wait_for(lambda: p.code("Helpfulness").exclusive, "the variable declaration")
        expected = variable_table(p, ["ana", "ben"], "Helpfulness", n_boot=0)

    # ------------------------------------------------------------ its alpha
    page.locator(SIDEBAR).get_by_role("link", name="Agreement").click()
    settle(page, 1500)
    metric = page.locator("[data-testid='stMetric']").filter(has_text="Krippendorff's alpha (nominal) on Helpfulness")
    metric.wait_for(timeout=30_000)
    value = float(expected.loc[expected.coefficient == "krippendorff_alpha_nominal", "value"].item())
    assert f"{value:.3f}" in metric.inner_text()
    page.get_by_text("declared a variable in the codebook").first.wait_for()

    # ------------------------------------------------------------ a decision into the rule
    page.get_by_role("tab", name="Disagreements").click()
    settle(page)
    card = page.locator("[data-testid='stVerticalBlock']").filter(has_text="code Helpful").filter(
        has_text="same list of hotlines").filter(has=page.get_by_role("button", name="Keep ana")).last
    card.get_by_role("button", name="Write the decision into the code's rule or memo").click()
    popover = page.locator("[data-testid='stPopoverBody']")
    popover.get_by_text("When not to use").click()
    settle(page)
    popover.get_by_role("textbox").fill(RULE)
    popover.get_by_role("button", name="Add to the code").click()
    settle(page)
    with store(study) as p:
        wait_for(lambda: p.code("Helpful").when_not_to_use == RULE, "the rule")
        last = codebook_history(p)[-1]
    assert (last["action"], last["who"], last["code"]) == ("describe", "ben", "Helpfulness > Helpful")
    page.keyboard.press("Escape")

    # ------------------------------------------------------------ quorum majority consensus
    page.get_by_role("tab", name="Majority consensus").click()
    settle(page)
    assert page.get_by_role("spinbutton", name="Quorum").input_value() == "2"
    page.get_by_role("button", name=re.compile("Write majority consensus as consensus")).click()
    settle(page)
    with store(study) as p:
        cons = wait_for(lambda: p.codings(coders=["consensus"]), "the consensus codings")
        p51 = p.document("P51")[0]
    # Only the turn both coders gave "Helpful"; P52, coded by ana alone, has no consensus.
    assert [(c.document_id, c.snippet) for c in cons] == [(p51, "breathe slowly")]
    assert cons[0].origin == "consensus" and "more than 0.5 of at least 2 voters" in cons[0].origin_detail
    assert cons[0].origin_detail.startswith("majority 2/2: ana, ben")
