"""Team mode in the browser: sign-in, the user's projects, and live updates.

A database with accounts (see docs/team.md) makes the app ask who you are before
anything else. The account is also the coder name, so every coding records the
person who made it. Roles are enforced by the library on every write; this module
only decides what to show.
"""

from __future__ import annotations

import streamlit as st

from ..config import scrub
from ..errors import QualcodeError
from ..store import accounts

from .state import KEY_TEAM_PROJECT, KEY_USER
from .escape import md

KEY_SEEN_REVISION = "qc.seen_revision"
LIVE_UPDATE_SECONDS = 5


@st.cache_data(ttl=60, show_spinner=False)
def _has_accounts(location: str) -> bool:
    return accounts.has_accounts(location)


def team_mode(location: str) -> bool:
    """True when the database has accounts, so the app must ask for a sign-in.

    A database that cannot be checked raises (QualcodeError) rather than answering
    False: failing open would let everyone in as the trusted local user. Only a True
    answer is cached for long; a database can gain accounts but not lose them.
    """
    if _has_accounts(location):
        return True
    _has_accounts.clear()  # a "no accounts" answer is rechecked on the next rerun
    return False


def _client() -> str | None:
    # The address the request came from, for per-client throttling of sign-ins.
    try:
        ip = st.context.ip_address
    except Exception:  # not served over HTTP (tests)
        return None
    return ip if isinstance(ip, str) and ip else None


def signed_in_user() -> str | None:
    return st.session_state.get(KEY_USER)


def _oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets.toml at all
        return False


def sign_in(location: str) -> str | None:
    """Show the sign-in form until someone signs in; returns the user name."""
    user = signed_in_user()
    if user:
        if accounts.account_exists(location, user):
            return user
        st.session_state.pop(KEY_USER, None)  # the account was removed: sign out at once
        st.session_state.pop(KEY_TEAM_PROJECT, None)
    if _oidc_configured() and getattr(st, "user", None) is not None and st.user.is_logged_in:
        linked = accounts.user_for_oidc(location, str(st.user.get("sub", "")))
        if linked:
            st.session_state[KEY_USER] = linked
            return linked
        st.error("Your sign-in worked, but no qualcode account is linked to it. Ask the project owner.")
        return None
    st.title("qualcode")
    st.caption("This is a team database. Sign in to see your projects.")
    if _oidc_configured():
        st.button("Sign in with your institution", on_click=st.login, key="qc.login.oidc")
    with st.form("qc.login.form"):
        name = st.text_input("User name", key="qc.login.name")
        password = st.text_input("Password", type="password", key="qc.login.password")
        submitted = st.form_submit_button("Sign in")
    if submitted:
        try:
            st.session_state[KEY_USER] = accounts.authenticate(location, name, password, client=_client())
        except QualcodeError as exc:
            st.error(md(scrub(str(exc))))
            return None
        st.rerun()
    return None


def sign_out() -> None:
    st.session_state.pop(KEY_USER, None)
    if _oidc_configured() and getattr(st, "user", None) is not None and st.user.is_logged_in:
        st.logout()


def project_picker(location: str, user: str) -> str | None:
    """Sidebar choice among the projects this user is a member of (name or None).

    Only projects the user belongs to are listed; opening any other is refused by the
    library anyway.
    """
    projects = accounts.projects_for(location, user)
    with st.sidebar:
        st.caption(f"Signed in as **{md(user)}**")
        if st.button("Sign out", key="qc.team.sign_out"):
            sign_out()
            st.session_state.pop(KEY_TEAM_PROJECT, None)
            st.rerun()
        if not projects:
            st.info("You are not a member of any project yet. Ask a project owner to add you.")
            st.session_state.pop(KEY_TEAM_PROJECT, None)
    if not projects:
        from .team_admin import create_project_form

        create_project_form(location, user)  # administrators start here
        return None
    with st.sidebar:
        labels = [f"{name} ({role})" for name, role in projects]
        index = st.selectbox("Project", range(len(projects)), format_func=lambda i: labels[i], key="qc.team.project")
    name = projects[index][0]
    st.session_state[KEY_TEAM_PROJECT] = name
    return name


def live_updates(project, blind: bool) -> None:
    """Rerun the page when someone else saved work, without a manual reload.

    A small fragment polls the project's revision (the newest event id) every few
    seconds; it costs one indexed query. In blind mode nothing of others is shown,
    so there is nothing to refresh.
    """
    seen = project.revision()
    st.session_state[KEY_SEEN_REVISION] = seen
    if blind:
        return

    @st.fragment(run_every=LIVE_UPDATE_SECONDS)
    def _poll() -> None:
        try:
            changed = project.revision() != st.session_state.get(KEY_SEEN_REVISION)
        except QualcodeError:  # e.g. removed from the project: the app's gate says so
            changed = True
        if changed:
            st.rerun(scope="app")

    with st.sidebar:
        _poll()
