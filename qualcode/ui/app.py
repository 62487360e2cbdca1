"""Page configuration, sidebar and navigation.

Pages are modules in ``qualcode/ui/pages`` that define ``TITLE``, ``ICON``,
``ORDER`` and ``render()``; they are found automatically, so a feature adds a
page by adding a module.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import streamlit as st

from .. import config
from ..errors import QualcodeError
from ..warmup import foreground
from . import nav as _nav
from . import pages as pages_pkg
from . import state, team
from .escape import md


def _discover_pages() -> list:
    found = []
    for info in pkgutil.iter_modules(pages_pkg.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{pages_pkg.__name__}.{info.name}")
        if hasattr(module, "render"):
            found.append(module)
    found.sort(key=lambda m: getattr(m, "ORDER", 100))
    return found


def _guarded(render):
    # Researchers see a clear message, never a traceback, for errors they can fix.
    def run() -> None:
        state.show_flashes()
        try:
            render()
        except QualcodeError as exc:
            st.error(md(config.scrub(str(exc))))

    run.__name__ = render.__module__.rsplit(".", 1)[-1]
    return run


def _sidebar() -> None:
    try:
        _sidebar_body()
    except QualcodeError as exc:  # e.g. removed from the project a moment ago
        with st.sidebar:
            st.error(md(config.scrub(str(exc))))


def _sidebar_body() -> None:
    project = state.current_project()
    if project is not None and project.user is not None:
        # Team mode: the signed-in account is the coder; roles come from the project.
        state.set_current_coder(project.user)
        with st.sidebar:
            st.caption(f"Your role: **{project.role or 'none'}**")
            _blind_toggle()
        team.live_updates(project, state.blind_mode())
        return
    with st.sidebar:
        if project is None:
            st.caption("No project open")
            return
        st.caption(f"Project: **{md(project.name)}**")
        coders = project.coders()
        # The box always shows the current coder of THIS project (set before it is drawn).
        st.session_state[KEY_CODER_BOX] = state.current_coder()
        st.selectbox("Coder", options=coders, placeholder="Who is coding?", key=KEY_CODER_BOX,
                     on_change=_coder_chosen)
        with st.popover("New coder"):
            st.text_input("Name", key=KEY_NEW_CODER)
            st.button("Add coder", key="qc.sidebar.add_coder", on_click=_add_coder, args=(project,))
        _blind_toggle()


KEY_CODER_BOX = "qc.sidebar.coder"
KEY_NEW_CODER = "qc.sidebar.new_coder"


def _coder_chosen() -> None:
    state.set_current_coder(st.session_state.get(KEY_CODER_BOX))


def _add_coder(project) -> None:
    # A callback: it runs before the next script run, so the Coder box can show the
    # new coder in the very run that follows.
    name = (st.session_state.get(KEY_NEW_CODER) or "").strip()
    if not name:
        state.flash("Give the new coder a name.", "warning")
        return
    try:
        project.add_coder(name)
    except QualcodeError as exc:
        state.flash(str(exc), "error")
        return
    state.set_current_coder(name)
    st.session_state[KEY_NEW_CODER] = ""
    state.flash(f"Coding as **{md(name)}**.", "toast")


def _blind_toggle() -> None:
    coder = state.current_coder()
    # The toggle mirrors what the project records for this coder (every tab agrees).
    st.session_state[state.KEY_BLIND] = state.blind_mode() if coder else False
    st.toggle(
        "Blind mode", key=state.KEY_BLIND, on_change=_blind_changed, disabled=not coder,
        help="Show only your own codings, for independent double coding. Recorded for you in the project, "
             "so every tab, reload and link stays blind until you switch it off."
             if coder else "Choose who is coding first: blind mode is recorded per coder.",
    )


def _blind_changed() -> None:
    try:
        state.set_blind_mode(bool(st.session_state.get(state.KEY_BLIND)))
    except QualcodeError as exc:
        state.flash(str(exc), "error")


def _team_gate() -> bool:
    """In team mode, sign in and pick a project first; False stops the app run."""
    location = state.project_location()
    if not location:
        return True
    try:
        if not team.team_mode(location):
            return True
        # Every rerun: the account must still exist and the project list is read
        # afresh, so a removed member loses the project at once.
        user = team.sign_in(location)
        if not user:
            return False
        return team.project_picker(location, user) is not None
    except QualcodeError as exc:
        # Fail closed: a database that cannot be checked is not opened as anyone's.
        st.error(md(config.scrub(str(exc))))
        return False


@st.cache_resource(show_spinner=False)
def _warmup():
    # Once per server process, never on a rerun: heavy imports and numba compilation
    # happen in a background thread, not inside a researcher's click.
    from ..warmup import start_background_warmup, warmup_enabled

    return start_background_warmup() if warmup_enabled() else start_background_warmup(steps=())


PAGE_ICON = Path(__file__).resolve().parent / "static" / "favicon.png"


def main() -> None:
    """Run the app (called by app.py)."""
    with foreground():  # the background warm-up waits while a page runs
        _main()


def _main() -> None:
    # A bundled icon: a Material icon as page icon makes every browser fetch the
    # favicon from fonts.gstatic.com (no network at run time).
    st.set_page_config(page_title="qualcode", page_icon=str(PAGE_ICON), layout="wide")
    _warmup()
    if not _team_gate():
        return
    by_name = {
        m.__name__.rsplit(".", 1)[-1]: st.Page(
            _guarded(m.render), title=m.TITLE, icon=getattr(m, "ICON", None), url_path=m.__name__.rsplit(".", 1)[-1],
            default=getattr(m, "ORDER", 100) == 0,
        )
        for m in _discover_pages()
    }
    # Pages link to each other (e.g. "open this transcript") through nav.page(name).
    _nav.register(by_name)
    nav = st.navigation(list(by_name.values()))
    state.restore_from_url()
    _sidebar()
    state.remember_in_url()
    nav.run()
