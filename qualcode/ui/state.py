"""Which project is open, who is coding, blind mode: the UI's session state, in one place.

Session keys are namespaced ``qc.*``. Data of record never lives in session state:
every page reads it from the project store, so a reload or a second tab sees the
same saved work.

* The **project** is named in the address (``?project=<name>``) and found again in
  the projects this server has opened, so a reload reopens it (never a database URL
  in the address: it may hold a password).
* The **coder** belongs to one project: a coder chosen in project A is not the
  coder of project B, and only an existing coder of the open project is ever the
  current coder (nothing is attributed to a name nobody picked there).
* **Blind mode** is recorded per coder in the project (:mod:`qualcode.store.blind`),
  not in the address or the tab: every route to a transcript asks the store.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import streamlit as st

from .. import config
from ..errors import QualcodeError, UsageError
from ..store import Project
from ..store import blind as blind_store
from ..store.files import resolve_in_folder
from . import escape

PROJECT_ENV = "QUALCODE_PROJECT"
KEY_LOCATION = "qc.project_location"
KEY_CODER = "qc.coder"
KEY_CODER_PROJECT = "qc.coder.project"
KEY_BLIND = "qc.blind"
KEY_FLASH = "qc.flash"
KEY_INLINE_TOAST = "qc.flash.inline"
INLINE_TOAST_S = 5.0  # as long as its fade-out (qc-flash-out below)
KEY_URL_READ = "qc.url_read"
PROJECT_PARAM = "project"
CODER_PARAM = "coder"
LEGACY_BLIND_PARAM = "blind"  # older addresses carried ?blind=1; blind mode now lives in the project


KEY_TEAM_PROJECT = "qc.team.project_name"
KEY_USER = "qc.user"


@st.cache_resource(show_spinner=False, max_entries=32)
def _open_project(location: str, name: str | None = None, user: str | None = None) -> Project:
    # One engine per project (and signed-in user) per server process, shared by every
    # session of that user (SQLAlchemy engines are thread-safe; connections are per call).
    # In team mode the project is opened *as the user*, so the library checks their role.
    return Project.open(location, name=name, create=user is None, user=user)


@st.cache_resource(show_spinner=False)
def _known_projects() -> dict[str, str]:
    # Project name -> location of the projects opened by this server process: what
    # ?project=<name> resolves against after a reload or in a second tab.
    return {}


def default_location() -> str | None:
    """The project the app opens first: QUALCODE_PROJECT, else the server's database
    (QUALCODE_DATABASE_URL, or ``[database] url`` in the QUALCODE_CONFIG file)."""
    return os.environ.get(PROJECT_ENV) or config.database_location() or None


def project_location() -> str | None:
    if KEY_LOCATION not in st.session_state:
        st.session_state[KEY_LOCATION] = default_location()
    return st.session_state[KEY_LOCATION]


def project_key(project: Project) -> str:
    """What identifies a project across the app: its location and its id in there."""
    return f"{project.location}#{project.id}"


def view_key(project: Project) -> str:
    """What cached reads of a page are keyed by (with the project's revision): the
    project (location AND id: one team database holds many projects) and the signed-in
    account, so one user's cached view is never served to another user or project.
    Reads that depend on who is looking also key the viewer and blind mode."""
    return f"{project_key(project)}|{project.user or ''}"


def _remember(project: Project) -> None:
    _known_projects()[project.name] = project.location


def set_project_location(location: str) -> Project:
    """Open (creating if needed) a project and make it current for this session.

    Opening another project forgets the coder and the open transcript: they belong
    to the project they were chosen in.
    """
    location = location.strip()
    if not location:
        raise UsageError("give a project file name, e.g. my-study.qualcode")
    folder = config.projects_folder()
    if folder is not None:
        # A server's app: project files only inside the configured folder, by plain name.
        location = str(resolve_in_folder(folder, location))
    elif "://" not in location and not location.endswith(".qualcode") and not Path(location).exists():
        location += ".qualcode"
    before = current_project()
    project = _open_project(location)
    st.session_state[KEY_LOCATION] = location
    _remember(project)
    if before is None or project_key(before) != project_key(project):
        _forget_project_state()
    return project


def _forget_project_state() -> None:
    for key in [k for k in st.session_state if isinstance(k, str) and k.startswith(("qc.code.", "qc.sidebar."))]:
        del st.session_state[key]
    st.session_state.pop(KEY_CODER, None)
    st.session_state.pop(KEY_CODER_PROJECT, None)
    st.session_state.pop(KEY_BLIND, None)


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
        project = _open_project(location, name, user)
    except QualcodeError as exc:
        if user is None:
            st.session_state[KEY_LOCATION] = None  # team mode keeps the server's database
        flash(config.scrub(str(exc)), "error")
        return None
    _remember(project)
    return project


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
    """The coder chosen in the open project, or None.

    A coder chosen in another project, or one that no longer exists, is not the
    current coder: nothing is ever attributed to a name not picked in this project.
    """
    project = current_project()
    if project is not None and project.user is not None:
        return project.user  # team mode: the signed-in account codes, nobody else
    name = st.session_state.get(KEY_CODER)
    if not name:
        return None
    if project is None or st.session_state.get(KEY_CODER_PROJECT) != project_key(project):
        return None
    if name not in project.coders():
        return None
    return name


def set_current_coder(name: str | None) -> None:
    """Make ``name`` (an existing coder of the open project) the coder of this session."""
    project = current_project()
    st.session_state[KEY_CODER] = name or None
    st.session_state[KEY_CODER_PROJECT] = project_key(project) if (project is not None and name) else None


def require_coder() -> str:
    """The coder of this session, or stop the page asking to choose one."""
    coder = current_coder()
    if not coder:
        st.info("Choose who is coding in the sidebar first (every coding records its coder).")
        st.stop()
    return coder


@st.cache_data(show_spinner=False, max_entries=64)
def _blind_coders(_project: Project, key: str, revision: int) -> frozenset[str]:
    return frozenset(blind_store.blind_coders(_project))


def blind_coders(project: Project) -> frozenset[str]:
    """Coders of ``project`` who code blind now (read once per project revision)."""
    return _blind_coders(project, project_key(project), project.revision())


def blind_mode() -> bool:
    """Whether this session sees only the current coder's codings.

    True when the current coder codes blind in the open project, and also when no
    coder is chosen while anyone in the project codes blind: a window that does not
    know who is looking shows nobody's codings rather than everybody's.
    """
    project = current_project()
    if project is None:
        return False
    coder = current_coder()
    blind = blind_coders(project)
    return coder in blind if coder else bool(blind)


def set_blind_mode(on: bool) -> None:
    """Record blind mode for the current coder in the project (all tabs follow)."""
    project = current_project()
    coder = current_coder()
    if project is None or not coder:
        raise UsageError("choose who is coding in the sidebar before switching blind mode")
    blind_store.set_blind(project, coder, on)


def visible_codings(project: Project, **filters) -> list:
    """The codings the current coder may see (blind mode enforced by the library)."""
    return blind_store.visible_codings(project, current_coder(), blind=blind_mode(), **filters)


def restore_from_url() -> None:
    """Once per session (a reload, a second tab, a pasted address): reopen the project
    named by ``?project=`` and adopt ``?coder=`` if that coder exists in it."""
    if st.session_state.get(KEY_URL_READ):
        return
    st.session_state[KEY_URL_READ] = True
    params = st.query_params
    wanted_project = params.get(PROJECT_PARAM)
    if wanted_project and st.session_state.get(KEY_USER) is None:
        project = current_project()
        if project is None or project.name != wanted_project:
            location = _known_projects().get(wanted_project)
            if location:
                try:
                    set_project_location(location)
                except QualcodeError as exc:
                    flash(str(exc), "error")
            else:
                flash(f"The project named in the address ({wanted_project}) is not open on this server; "
                      "open its file on the **Project** page.", "warning")
    wanted = params.get(CODER_PARAM)
    if wanted and not current_coder():
        project = current_project()
        if project is not None and wanted in project.coders():
            set_current_coder(wanted)


def remember_in_url() -> None:
    """Write the open project and the current coder into the address (kept across
    reloads); blind mode is never in the address."""
    params = st.query_params
    project = current_project()
    if project is not None and params.get(PROJECT_PARAM) != project.name:
        params[PROJECT_PARAM] = project.name
    coder = current_coder()
    if coder and params.get(CODER_PARAM) != coder:
        params[CODER_PARAM] = coder
    elif not coder and CODER_PARAM in params:
        del params[CODER_PARAM]
    if LEGACY_BLIND_PARAM in params:
        del params[LEGACY_BLIND_PARAM]


def flash(message: str, kind: str = "success") -> None:
    """Show a message on the next run (survives the st.rerun after an action).

    ``kind`` is success, info, warning, error, or toast (a pop-up that does not push
    the page down: for frequent actions such as applying a code).
    """
    st.session_state.setdefault(KEY_FLASH, []).append((kind, message))


# A message drawn by a fragment rerun: an ordinary element of that run (fixed at the
# bottom left, fading after a few seconds), so it is gone with the run that drew it.
_INLINE_TOAST = (
    "<style>@keyframes qc-flash-out{0%,80%{opacity:1}100%{opacity:0;visibility:hidden}}"
    ".qc-flash{position:fixed;left:1rem;bottom:1rem;z-index:1000;max-width:28rem;padding:.6rem .9rem;"
    "border-radius:.5rem;background:#fff;box-shadow:0 2px 10px rgba(0,0,0,.18);font-size:.9rem;"
    "pointer-events:none;animation:qc-flash-out 5s forwards}</style>"
    '<div class="qc-flash" role="status">{body}</div>'
)


def _markdown_line_to_html(message: str) -> str:
    # Flash messages are escaped Markdown (escape.md) with at most **bold**: undo the
    # backslash escapes, escape for HTML, and draw the bold; no other markup exists here.
    parts = re.split(r"(?<!\\)\*\*", message)
    out = []
    for i, part in enumerate(parts):
        text = escape.html(re.sub(r"\\(.)", r"\1", part))
        out.append(f"<b>{text}</b>" if i % 2 and i < len(parts) - 1 else text)
    return "".join(out)


def show_flashes(*, in_fragment: bool = False) -> None:
    """Show the pending messages once (each is consumed here, never shown again).

    ``in_fragment``: called from a fragment's own rerun. There a toast is drawn as an
    element of the fragment, not with ``st.toast``: Streamlit keeps toasts of fragment
    runs in the page's event container and shows them again on the next full run (a
    workspace toast reappeared on the Agreement page), and a second toast of a later
    fragment run at the same place was dropped while the first was visible.
    """
    inline = None
    for kind, message in st.session_state.pop(KEY_FLASH, []):
        if kind == "toast":
            if in_fragment:
                inline = _INLINE_TOAST.replace("{body}", _markdown_line_to_html(message))
            else:
                st.toast(message, icon=":material/check_circle:")
            continue
        getattr(st, kind if kind in ("success", "info", "warning", "error") else "info")(message)
    if not in_fragment:
        return
    # An inline toast stays for the runs of the next few seconds: the workspace reruns
    # on its own (the turn in view after scrolling), and such a run must not wipe the
    # message of the click before. Drawn again unchanged, its element (and fade) is kept.
    now = time.monotonic()
    if inline is not None:
        st.session_state[KEY_INLINE_TOAST] = (inline, now + INLINE_TOAST_S)
    shown = st.session_state.get(KEY_INLINE_TOAST)
    if shown and shown[1] > now:
        st.html(shown[0])
    else:
        st.session_state.pop(KEY_INLINE_TOAST, None)
