"""A live job on a page: start it for this session, watch it in one panel, take its result.

Every page that trains uses these three, so all trainings look and stop alike: `start` puts
a `live.Job` in the session, `panel` redraws its progress, Elapsed, Time left, Stop and the
page's own chart every few seconds, and `ended` hands over the result once it is done.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import streamlit as st

from explainers import live

LIVE_REFRESH_SECONDS = 2.0  # a live panel's redraw; each one takes CPU from the training
STOPPABLE = (live.Phase.STARTING, live.Phase.RUNNING)  # not while scoring or saving


def live_label(snap: live.Snapshot) -> str:
    """The progress bar's words for a live job: its phase, epoch, batch and latest loss."""
    if snap.phase == live.Phase.FINISHING:
        return f"{snap.stage[:1].upper()}{snap.stage[1:]}…"
    if snap.phase == live.Phase.STARTING:
        return "Building the model and the input pipeline…"
    if not snap.batches:
        return "Preparing the first batch (TensorFlow compiles the model once)…"
    epochs = f" of {snap.epochs}" if snap.epochs else ""
    label = (f"Epoch {min(snap.epoch + 1, snap.epochs or snap.epoch + 1)}{epochs} · batch "
             f"{snap.batch} of {snap.batches}")
    loss = snap.batch_metrics.get("loss")
    return label if math.isnan(loss) else f"{label} · loss {loss:.3f}"


def live_panel(job: live.Job, key: str,
               draw: Callable[[live.Snapshot], None] | None = None,
               label: Callable[[live.Snapshot], str] = live_label,
               refresh: float = LIVE_REFRESH_SECONDS) -> None:
    """One live job's panel, redrawn every `refresh` seconds while the job runs.

    The progress bar with `label(snapshot)`, Elapsed, Time left, a Stop button (cooperative:
    the job ends within a batch and keeps what it learned; disabled once asked) and the
    page's own `draw(snapshot)` (its live chart). When the job has ended the whole page
    reruns, so it can show the results. `key` keeps two panels' Stop buttons apart.
    """

    def panel() -> None:
        snap = job.snapshot()
        st.progress(snap.progress, text=label(snap))
        left = snap.remaining_seconds
        a, b, c = st.columns(3)
        a.metric("Elapsed · 已用时间", f"{snap.elapsed:.0f} s")
        b.metric("Time left · 剩余时间", "…" if left is None else f"{left:.0f} s")
        with c:
            st.button("⏹ Stop · 停止", key=f"{key}_stop", on_click=job.stop,
                      disabled=snap.stopping or snap.phase not in STOPPABLE,
                      help="Ends training within a batch and keeps what it learned so far.")
            if snap.stopping and snap.running:
                st.caption("Stopping after this batch…")
        if draw is not None:
            draw(snap)
        if not snap.running:
            st.rerun()

    st.fragment(run_every=refresh)(panel)()


def start_job(key: str, work: Callable[[Any, live.Reporter], Any], spec: Any,
              epochs: int) -> bool:
    """Start `work(spec, reporter)` as this session's live job under `key`, unless one is
    still running there (a second click, say); True when it started. Call `st.rerun()`
    after it, so the page is drawn again with the job and its buttons disabled. (Not as a
    button's `on_click`: its arguments would be those of the previous run, before the
    user's last change of a setting.)"""
    job = st.session_state.get(key)
    if job is not None and job.running:
        return False
    st.session_state[key] = live.Job(work, spec, epochs=epochs, name=key).start()
    return True


def ended(key: str) -> Any:
    """The result of this session's live job under `key` once it has ended, else None.

    The ended job leaves the session, so its result is taken once (the caller keeps it); a
    job that failed is reported ("Training failed: ...") and gives None.
    """
    job = st.session_state.get(key)
    if job is None or job.running:
        return None
    del st.session_state[key]
    if job.error is not None:
        failed(job.error)
        return None
    return job.result


def failed(error: live.Failure) -> None:
    """Say that a job failed and why (the server and the page go on)."""
    st.error(f"Training failed: {error}")
