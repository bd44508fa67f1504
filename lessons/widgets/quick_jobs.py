"""The padding demonstration's Train buttons: one quick training at a time, kept per session.

A button starts `padding.run_quick` for one variant as a live job (`jobs`); when it ends its
`padding.QuickResult` joins the session's results (variant -> result), which stay until
cleared. The SimpleRNN page shows two rows of these buttons (the padding variants, and the
LSTM / BiLSTM of the BiLSTM section); the live panel appears under the row that started it.
"""

from __future__ import annotations

import streamlit as st

from explainers import live, padding
from lessons.i18n import _
from lessons.widgets import jobs

RESULTS_KEY = "inside_quick_results"  # session state: variant -> padding.QuickResult
JOB_KEY = "inside_quick_job"  # session state: the live.Job of the quick training running
SPEC_KEY = "inside_quick_spec"  # session state: the padding.QuickJob it runs
PANEL = "inside"  # the live panel's key prefix (its Stop button: inside_stop)


def results() -> dict:
    """This session's results, with the training that just ended added (once)."""
    kept: dict = st.session_state.setdefault(RESULTS_KEY, {})
    result = jobs.ended(JOB_KEY)  # the one that just ended (or None, after saying why not)
    if result is not None:
        kept[result.variant] = result
    return kept


def running() -> bool:
    job = st.session_state.get(JOB_KEY)
    return job is not None and job.running


def epoch_caption(snap: live.Snapshot) -> None:
    """Under the live panel: each finished epoch's training accuracy."""
    if snap.records:
        st.caption(_("Training accuracy per epoch: {values}", values=", ".join(
            f"{a:.3f}" for a in snap.series("accuracy"))))


def buttons(config: padding.QuickConfig, variants: dict, busy: bool) -> None:
    """A Train button per variant, then the live panel of the one training (if one of these)."""
    kept = st.session_state.get(RESULTS_KEY, {})
    row = st.container(horizontal=True)  # the buttons wrap, whatever their labels' length
    for variant in variants:
        if row.button(_("Train: {variant}", variant=_(padding.VARIANT_NAMES[variant])),
                      key=f"inside_train_{variant}", disabled=variant in kept or busy):
            spec = padding.QuickJob(variant, config)
            if jobs.start_job(JOB_KEY, padding.run_quick, spec, spec.config.epochs):
                st.session_state[SPEC_KEY] = spec
            st.rerun()  # draw the page again with the job (and the buttons disabled)
    job, spec = st.session_state.get(JOB_KEY), st.session_state.get(SPEC_KEY)
    if job is not None and spec is not None and spec.variant in variants:
        name = _(padding.VARIANT_NAMES[spec.variant])
        jobs.live_panel(job, PANEL, draw=epoch_caption, label=lambda snap: _(
            "{name}: {progress}", name=name, progress=jobs.live_label(snap)))
    elif not any(v in kept for v in variants):
        st.caption(_("Press a button to train; results stay for this session."))
