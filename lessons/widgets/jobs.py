"""A live job on a page: start it for this session, watch it in one panel, take its result.

Every page that trains uses these three, so all trainings look and stop alike: `start` puts
a `live.Job` in the session, `panel` redraws its progress, Elapsed, Time left, Stop and the
page's own chart every few seconds, and `ended` hands over the result once it is done.
Everything they say is in the reader's language, a failure's reason too when the work raised
an `Explained` error (`live.Failure` keeps its template).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import streamlit as st

from explainers import cluster, live
from lessons.i18n import N_, _, explain

LIVE_REFRESH_SECONDS = 2.0  # a live panel's redraw; each one takes CPU from the training
TRAINING_FAILED = N_("Training failed: {why}")  # a failed job, unless the page says what
STOPPABLE = (live.Phase.QUEUED, live.Phase.STARTING, live.Phase.RUNNING)  # not while saving


def live_label(snap: live.Snapshot) -> str:
    """The progress bar's words for a live job: its phase, epoch, batch and latest loss."""
    if snap.phase == live.Phase.QUEUED:
        return waiting_label(snap)
    if snap.phase == live.Phase.FINISHING:
        stage = _(snap.stage)  # the work's stage label, marked N_ where it is defined
        return f"{stage[:1].upper()}{stage[1:]}…"
    if snap.phase == live.Phase.STARTING:
        return _("Building the model and the input pipeline…")
    if not snap.batches:
        return _("Preparing the first batch (TensorFlow compiles the model once)…")
    place = {"epoch": min(snap.epoch + 1, snap.epochs or snap.epoch + 1), "batch": snap.batch,
             "batches": snap.batches, "epochs": snap.epochs}
    label = (_("Epoch {epoch} of {epochs} · batch {batch} of {batches}", **place) if snap.epochs
             else _("Epoch {epoch} · batch {batch} of {batches}", **place))
    loss = snap.batch_metrics.get("loss")
    return label if math.isnan(loss) else _("{label} · loss {loss:.3f}", label=label, loss=loss)


def waiting_label(snap: live.Snapshot) -> str:
    """Where a job that waits for a free worker stands: jobs ahead, and about how long."""
    if snap.wait_seconds is None:
        return _("Waiting for a free worker: {ahead} jobs ahead of yours…", ahead=snap.ahead)
    return _("Waiting for a free worker: {ahead} jobs ahead of yours, about {seconds:.0f} s…",
             ahead=snap.ahead, seconds=snap.wait_seconds)


def live_panel(job: live.Job, key: str,
               draw: Callable[[live.Snapshot], None] | None = None,
               label: Callable[[live.Snapshot], str] = live_label,
               refresh: float = LIVE_REFRESH_SECONDS, stop_help: str | None = None) -> None:
    """One live job's panel, redrawn every `refresh` seconds while the job runs.

    The progress bar with `label(snapshot)`, Elapsed, Time left, a Stop button (cooperative:
    the job ends within a batch and keeps what it learned; disabled once asked) and the
    page's own `draw(snapshot)` (its live chart). When the job has ended the whole page
    reruns, so it can show the results. `key` keeps two panels' Stop buttons apart;
    `stop_help` says what Stop does to work that is not a training.
    """

    def panel() -> None:
        snap = job.snapshot()
        st.progress(snap.progress, text=label(snap))
        left = snap.remaining_seconds
        a, b, c = st.columns(3)
        a.metric(_("Elapsed"), _("{seconds:.0f} s", seconds=snap.elapsed))
        b.metric(_("Time left"), "…" if left is None else _("{seconds:.0f} s", seconds=left))
        with c:
            st.button(_("⏹ Stop"), key=f"{key}_stop", on_click=job.stop,
                      disabled=snap.stopping or snap.phase not in STOPPABLE,
                      help=stop_help or _("Ends training within a batch and keeps what it "
                                          "learned so far."))
            if snap.stopping and snap.running:
                st.caption(_("Stopping after this batch…"))
        if draw is not None:
            draw(snap)
        if snap.phase == live.Phase.FINISHING:  # scoring, saving: it ends within seconds, so
            job.join(timeout=refresh)  # wait here and show the result the moment it does
        if not job.running:
            st.rerun()

    st.fragment(run_every=refresh)(panel)()


def start_job(key: str, work: Callable[[Any, live.Reporter], Any], spec: Any,
              epochs: int) -> bool:
    """Start `work(spec, reporter)` as this session's live job under `key`, unless one is
    still running there (a second click, say); True when it started. Call `st.rerun()`
    after it, so the page is drawn again with the job and its buttons disabled. (Not as a
    button's `on_click`: its arguments would be those of the previous run, before the
    user's last change of a setting.)"""
    busy = [name for name, job in st.session_state.items()
            if isinstance(job, live.Job) and job.running]
    if busy:  # one running job per session: the workers are shared by the class
        if busy != [key]:
            st.toast(_("You already have a job running; wait for it or stop it first."))
        return False
    st.session_state[key] = cluster.make_job(work, spec, epochs=epochs, name=key,
                                             alive=session_alive()).start()
    return True


def session_alive():
    """A test of whether this browser session is still open (its job is cancelled once it
    is not), or None outside a served app."""
    from streamlit.runtime import Runtime
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is None or not Runtime.exists():
        return None
    runtime, session = Runtime.instance(), ctx.session_id
    return lambda: runtime.is_active_session(session)


def ended(key: str, failure: str = TRAINING_FAILED) -> Any:
    """The result of this session's live job under `key` once it has ended, else None.

    The ended job leaves the session, so its result is taken once (the caller keeps it); a
    job that failed is reported (`failed`, in the words of `failure`) and gives None.
    """
    job = st.session_state.get(key)
    if job is None or job.running:
        return None
    del st.session_state[key]
    if job.error is not None:
        failed(job.error, failure)
        return None
    return job.result


def failed(error: live.Failure, failure: str = TRAINING_FAILED) -> None:
    """Say that a job failed and why (the server and the page go on): an `Explained` error's
    sentence in the reader's language, else the exception's type and English message;
    `failure` (marked N_, with {why}) says what failed."""
    st.error(_(failure, why=explain(error.error())))
