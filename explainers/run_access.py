"""Whose runs are whose: owner ids, who may open or change a run, and the errors a run store
answers with when it may not (or when the disk refuses).

An owner id is opaque: a browser session's random id (`session_owner`) or, when the app runs
behind Streamlit's login (OIDC), a hash of the signed-in user's issuer and subject
(`user_owner`), the same in every session. A run is private to its owner until they publish
it; a run saved with no owner (`CLASS`: a script's, a test's, one from before runs had
owners) is the whole class's and no one may change it. `explainers/runs.py` checks these on
every read, publish and delete.
"""

from __future__ import annotations

import errno
import hashlib
import re
import secrets
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from explainers.i18n import N_, Echo, Explained

if TYPE_CHECKING:
    from explainers.runs import RunRecord

OWNER_ID = re.compile(r"^(session|user)-[0-9a-f]{32}\Z")  # a session's, or a signed-in user's
CLASS = ""  # the owner of a run saved with none: the whole class's, changed by no one

UNAVAILABLE = {  # RunUnavailable code -> the English message
    "bad_id": N_("“{run_id}” is not a run id"),
    "absent": N_("There is no run {run_id} that you may open: it was deleted, or it is private "
                 "to someone else."),
    "not_yours": N_("Run {run_id} belongs to someone else: only its owner may change or "
                    "delete it."),
}

FAILED = {  # StoreFailed code -> the English message; `why` is the system's reason
    "save_read_only": N_("The run could not be saved: the runs folder is read-only ({why}). "
                         "Nothing else was changed."),
    "save_full": N_("The run could not be saved: the disk is full ({why}). Nothing else was "
                    "changed; free some space and train again."),
    "save_failed": N_("The run could not be saved ({why}). Nothing else was changed."),
    "change_read_only": N_("Run {run_id} could not be changed: the runs folder is read-only "
                           "({why})."),
    "change_full": N_("Run {run_id} could not be changed: the disk is full ({why})."),
    "change_failed": N_("Run {run_id} could not be changed ({why})."),
}
READ_ONLY = {errno.EACCES, errno.EPERM, errno.EROFS}  # errnos of a folder we may not write
FULL = {errno.ENOSPC, errno.EDQUOT}  # errnos of a full disk or an exhausted quota


def session_owner() -> str:
    """A new browser session's owner id: random, so no one can guess another's."""
    return f"session-{secrets.token_hex(16)}"


def user_owner(claims: Mapping[str, Any]) -> str | None:
    """A signed-in user's owner id: a hash of the identity token's issuer and subject (or of
    the e-mail, when the provider sends no subject), the same in every session; None
    without either."""
    subject, email = claims.get("sub"), claims.get("email")
    if subject:
        who = f"{claims.get('iss', '')}\n{subject}"
    elif email:
        who = f"email\n{str(email).strip().lower()}"
    else:
        return None
    return f"user-{hashlib.sha256(who.encode('utf-8')).hexdigest()[:32]}"


def may_open(record: RunRecord, owner: str) -> bool:
    """Whether `owner` may see, overlay and load this run: theirs, published, or the class's."""
    return record.published or record.owner == CLASS or record.owner == owner


def may_change(record: RunRecord, owner: str) -> bool:
    """Whether `owner` may publish or delete this run: only its own owner may."""
    return record.owner != CLASS and record.owner == owner


class RunUnavailable(Explained, KeyError):
    """A run id that is malformed, or names no run this owner may open or change (`code`, a
    key of UNAVAILABLE). A KeyError, as a missing run always was."""

    def __init__(self, code: str, **params: Any):
        self.code = code
        super().__init__(UNAVAILABLE[code], **params)

    __str__ = Exception.__str__  # the sentence, not KeyError's quoted repr


class StoreFailed(Explained, OSError):
    """The disk refused a save, delete or publish (`code`, a key of FAILED); nothing else in
    the store was changed."""

    def __init__(self, action: str, error: OSError, **params: Any):
        cause = ("read_only" if error.errno in READ_ONLY
                 else "full" if error.errno in FULL else "failed")
        self.code = f"{action}_{cause}"
        super().__init__(FAILED[self.code], why=Echo(error.strerror or error), **params)
        self.errno = error.errno  # as the OSError it stands for

    __str__ = Exception.__str__
