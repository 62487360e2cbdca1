"""The app shell: coder and blind mode survive a reload through the URL."""

from __future__ import annotations

from tests.app.conftest import new_app, no_errors


def test_coder_and_blind_mode_come_back_from_the_url(project):
    at = new_app("coding", coder=None, query={"coder": "ben", "blind": "1", "doc": "1"})
    no_errors(at)
    assert at.session_state["qc.coder"] == "ben" and at.session_state["qc.blind"] is True
    assert at.sidebar.selectbox[0].value == "ben"
    assert at.query_params["coder"] in ("ben", ["ben"]) and at.query_params["blind"] in ("1", ["1"])


def test_an_unknown_coder_in_the_url_is_ignored(project):
    at = new_app("coding", coder=None, query={"coder": "mallory"})
    no_errors(at)
    assert "qc.coder" not in at.session_state or not at.session_state["qc.coder"]
    assert "coder" not in at.query_params


def test_turning_blind_mode_off_removes_it_from_the_url(project):
    at = new_app("coding", coder="ana", blind=True)
    assert at.query_params["blind"] in ("1", ["1"])
    at.sidebar.toggle[0].set_value(False).run()
    assert "blind" not in at.query_params
