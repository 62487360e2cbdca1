"""Which project is open and who is coding: the UI's session state, in one place.

Session keys are namespaced ``qc.*``. Data of record never lives in session state:
every page reads it from the project store, so a reload or a second tab sees the
same saved work.
"""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from .. import config
from ..errors import QualcodeError, UsageError
from ..store import Project
from ..store.files import resolve_in_folder

PROJECT_ENV = "QUALCODE_PROJECT"
KEY_LOCATION = "qc.project_location"
KEY_CODER = "qc.coder"
KEY_BLIND = "qc.blind"
KEY_FLASH = "qc.flash"
# Who is coding and blind mode also live in the URL (?coder=ana&blind=1), so a reload
# does not silently drop blind mode and show a coder everyone else's codings.
CODER_PARAM = "coder"
BLIND_PARAM = "blind"


KEY_TEAM_PROJECT = "qc.team.project_name"
KEY_USER = "qc.user"


@st.cache_resource(show_spinner=False, max_entries=32)
def _open_project(location: str, name: str | None = None, user: str | None = None) -> Project:
    # One engine per project (and signed-in user) per server process, shared by every
    # session of that user (SQLAlchemy engines are thread-safe; connections are per call).
    # In team mode the project is opened *as the user*, so the library checks their role.
    return Project.open(location, name=name, create=user is None, user=user)


def default_location() -> str | None:
    """The project the app opens first: QUALCODE_PROJECT, else the server's database
    (QUALCODE_DATABASE_URL, or ``[database] url`` in the QUALCODE_CONFIG file)."""
    return os.environ.get(PROJECT_ENV) or config.database_location() or None


def project_location() -> str | None:
    if KEY_LOCATION not in st.session_state:
        st.session_state[KEY_LOCATION] = default_location()
    return st.session_state[KEY_LOCATION]


def set_project_location(location: str) -> Project:
    """Open (creating if needed) a project and make it current for this session."""
    location = location.strip()
    if not location:
        raise UsageError("give a project file name, e.g. my-study.qualcode")
    folder = config.projects_folder()
    if folder is not None:
        # A server's app: project files only inside the configured folder, by plain name.
        location = str(resolve_in_folder(folder, location))
    elif "://" not in location and not location.endswith(".qualcode") and not Path(location).exists():
        location += ".qualcode"
    project = _open_project(location)
    st.session_state[KEY_LOCATION] = location
    return project


def current_project() -> Project | None:
    """The open project, or None when none is chosen yet."""
    location = project_location()
    if not location:
        return None
    user = st.session_state.get(KEY_USER)
    name = st.session_state.get(KEY_TEAM_PROJECT)
    if user is not None and name is None:
        return None  # signed in to a team database but no project of theirs chosen yet
    try:
        return _open_project(location, name, user)
    except QualcodeError as exc:
        if user is None:
            st.session_state[KEY_LOCATION] = None  # team mode keeps the server's database
        flash(config.scrub(str(exc)), "error")
        return None


def signed_in_user() -> str | None:
    """The account signed in to the team database in this session, if any."""
    return st.session_state.get(KEY_USER)


def is_team_session() -> bool:
    """True when someone is signed in to a team database in this session."""
    return bool(st.session_state.get(KEY_USER))


def require_project() -> Project:
    """The open project, or stop the page with a pointer to the Project page."""
    project = current_project()
    if project is None:
        st.info("Open or create a project on the **Project** page first.")
        st.stop()
    return project


def current_coder() -> str | None:
    return st.session_state.get(KEY_CODER)


def set_current_coder(name: str | None) -> None:
    st.session_state[KEY_CODER] = name


def require_coder() -> str:
    """The coder of this session, or stop the page asking to choose one."""
    coder = current_coder()
    if not coder:
        st.info("Choose who is coding in the sidebar first (every coding records its coder).")
        st.stop()
    return coder


def blind_mode() -> bool:
    """When on, a coder sees only their own codings (independent double coding)."""
    return bool(st.session_state.get(KEY_BLIND, False))


def restore_from_url() -> None:
    """Adopt ``?coder=`` (if that coder exists in the open project) and ``?blind=1``
    from the URL at the start of a session, e.g. after a reload."""
    params = st.query_params
    if KEY_BLIND not in st.session_state and params.get(BLIND_PARAM) == "1":
        st.session_state[KEY_BLIND] = True
    wanted = params.get(CODER_PARAM)
    if wanted and not st.session_state.get(KEY_CODER):
        project = current_project()
        if project is not None and wanted in project.coders():
            st.session_state[KEY_CODER] = wanted


def remember_in_url() -> None:
    """Write the current coder and blind mode into the URL (kept across reloads)."""
    params = st.query_params
    coder = current_coder()
    if coder and params.get(CODER_PARAM) != coder:
        params[CODER_PARAM] = coder
    elif not coder and CODER_PARAM in params:
        del params[CODER_PARAM]
    if blind_mode() and params.get(BLIND_PARAM) != "1":
        params[BLIND_PARAM] = "1"
    elif not blind_mode() and BLIND_PARAM in params:
        del params[BLIND_PARAM]


def flash(message: str, kind: str = "success") -> None:
    """Show a message on the next run (survives the st.rerun after an action).

    ``kind`` is success, info, warning, error, or toast (a pop-up that does not push
    the page down: for frequent actions such as applying a code).
    """
    st.session_state.setdefault(KEY_FLASH, []).append((kind, message))


def show_flashes() -> None:
    for kind, message in st.session_state.pop(KEY_FLASH, []):
        if kind == "toast":
            st.toast(message, icon=":material/check_circle:")
            continue
        getattr(st, kind if kind in ("success", "info", "warning", "error") else "info")(message)
