"""The app shell: the address names project, coder and transcript; blind mode is
recorded per coder in the project, never in the address."""

from __future__ import annotations

from qualcode.store.blind import is_blind, set_blind
from tests.app.conftest import new_app, no_errors


def test_coder_comes_back_from_the_url_and_blind_mode_from_the_project(project):
    set_blind(project, "ben", True)
    at = new_app("coding", coder=None, query={"coder": "ben", "doc": "P01"})
    no_errors(at)
    assert at.sidebar.selectbox[0].value == "ben"
    assert at.sidebar.toggle[0].value is True
    assert at.query_params["coder"] in ("ben", ["ben"])
    assert "blind" not in at.query_params
    assert at.query_params["project"] in (project.name, [project.name])


def test_blind_1_in_an_address_neither_turns_blind_mode_on_nor_stays(project):
    at = new_app("coding", coder=None, query={"coder": "ana", "blind": "1"})
    no_errors(at)
    assert at.sidebar.toggle[0].value is False and not is_blind(project, "ana")
    assert "blind" not in at.query_params


def test_an_unknown_coder_in_the_url_is_ignored(project):
    at = new_app("coding", coder=None, query={"coder": "mallory"})
    no_errors(at)
    assert at.sidebar.selectbox[0].value is None
    assert "coder" not in at.query_params
    assert "mallory" not in project.coders()


def test_blind_mode_is_recorded_for_the_coder_and_switched_off_there(project):
    at = new_app("coding", coder="ana")
    at.sidebar.toggle[0].set_value(True).run()
    no_errors(at)
    assert is_blind(project, "ana") and not is_blind(project, "ben")
    [event] = project.events(action_prefix="coder.blind")
    assert (event.actor, event.payload) == ("ana", {"coder": "ana", "blind": True})
    at.sidebar.toggle[0].set_value(False).run()
    assert not is_blind(project, "ana")


def test_add_coder_shows_the_new_coder_in_the_box(project):
    at = new_app("coding", coder=None)
    at.sidebar.text_input(key="qc.sidebar.new_coder").input("cleo")
    at.sidebar.button(key="qc.sidebar.add_coder").click().run()
    no_errors(at)
    assert at.sidebar.selectbox[0].value == "cleo"
    assert "cleo" in project.coders()


def test_without_a_chosen_coder_the_blind_toggle_is_off_and_disabled(project):
    at = new_app("coding", coder=None)
    assert at.sidebar.toggle[0].disabled
