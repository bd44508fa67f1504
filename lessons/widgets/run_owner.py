"""Who is asking for runs: this browser session, or the user signed in with Streamlit's login.

Without login, the owner is a random id kept in this session's state: runs belong to the
browser session that made them (a reload starts a new session; published runs stay in the
class's list). With login configured (`[auth]` in `.streamlit/secrets.toml`, see the README),
a signed-in user's runs are theirs in every session: the owner is a hash of the identity
token's issuer and subject (`run_access.user_owner`). The rules themselves live in
`explainers/run_access.py`; this module only reads the session and `st.user`.
"""

from __future__ import annotations

import streamlit as st

from explainers import run_access
from lessons.i18n import _

OWNER_KEY = "run_owner"  # session-state key: this browser session's owner id


def login_configured() -> bool:
    """True when the deployment has Streamlit's login set up (st.user then says whether the
    reader is signed in)."""
    return "is_logged_in" in st.user


def signed_in() -> bool:
    return st.user.get("is_logged_in") is True


def current() -> str:
    """The owner id of whoever is reading: the signed-in user's, else this session's."""
    if signed_in():
        owner = run_access.user_owner(st.user.to_dict())
        if owner is not None:
            return owner
    owner = st.session_state.get(OWNER_KEY)
    if not isinstance(owner, str) or not run_access.OWNER_ID.match(owner):
        owner = st.session_state[OWNER_KEY] = run_access.session_owner()
    return owner


def account_line() -> None:
    """One line saying whose runs these are, with Sign in / Sign out when login is set up."""
    if not login_configured():
        st.caption(_("Your runs are private to this browser session (a reload starts a new "
                     "one) until you publish them to the class."))
        return
    text, button = st.columns([4, 1], vertical_alignment="center")
    if signed_in():
        text.caption(_("Signed in: your runs are yours in every session, private until you "
                       "publish them to the class."))
        if button.button(_("Sign out"), key="runs_logout"):
            st.logout()
    else:
        text.caption(_("Your runs are private to this browser session until you publish them; "
                       "sign in to keep them across sessions."))
        if button.button(_("Sign in"), key="runs_login"):
            st.login()  # to the provider of [auth] in secrets.toml, and back
