"""Team mode on the Project page: who is in the project, and (for administrators) new projects.

Everything here is a library call checked by the store: the controls are shown only to
those who may use them, but a forged click would be refused all the same.
"""

from __future__ import annotations

import streamlit as st

from ..config import scrub
from ..errors import QualcodeError
from ..store import Project, accounts
from ..store.roles import ROLES
from . import state
from .widgets import md_escape
from .escape import md

K = "qc.project."


def members_panel(project: Project) -> None:
    """The member list; owners also get a role per member and an "add member" form."""
    rows = accounts.members(project)
    owner = project.role == "owner"
    with st.expander(f"Members ({len(rows)})", icon=":material/group:"):
        if not owner:
            st.markdown("\n".join(f"- **{md_escape(u)}**: {r}" for u, r in rows))
            st.caption("Only the project's owners change roles.")
            return
        chosen = {}
        for user, role in rows:
            chosen[user] = st.selectbox(
                f"Role of {user}", ROLES, index=ROLES.index(role), key=f"{K}member.{user}",
            )
        remove = st.multiselect("Remove from the project", [u for u, _ in rows if u != project.user], key=f"{K}member_remove")
        new_user = st.text_input("Add an account (its user name)", key=f"{K}member_new")
        new_role = st.selectbox("Role for the new member", ROLES, key=f"{K}member_new_role")
        if st.button("Save roles", key=f"{K}member_save", type="primary"):
            try:
                for user, role in rows:
                    if user in remove:
                        accounts.remove_member(project, user)
                    elif chosen[user] != role:
                        accounts.set_member(project, user, chosen[user])
                if new_user.strip():
                    accounts.set_member(project, new_user.strip(), new_role)
            except QualcodeError as exc:
                st.error(md(scrub(str(exc))))
                return
            state.flash("Roles saved.")
            st.rerun()


def create_project_form(location: str, user: str) -> None:
    """Administrators create projects by name in the team database (never by path)."""
    if not accounts.is_admin(location, user):
        return
    with st.expander("New project (administrators)", icon=":material/add_circle:"):
        st.caption("The project is created in the team database; you become its owner and can add members.")
        name = st.text_input("New project name", key=f"{K}new_name")
        if st.button("Create project", key=f"{K}create", type="primary"):
            name = name.strip()
            if not name:
                st.error("Give the project a name.")
                return
            if name in [n for n, _ in accounts.projects_for(location, user)]:
                st.error(f"You already have a project named {md_escape(name)}.")
                return
            try:
                Project.open(location, name=name, create=True, user=user).close()
            except QualcodeError as exc:
                st.error(md(scrub(str(exc))))
                return
            st.session_state[state.KEY_TEAM_PROJECT] = name
            state.flash(f"Created project **{md_escape(name)}**; you are its owner.")
            st.rerun()
