"""Train a char-RNN: a character model trained live on a slice of Shakespeare, and the lesson's.

A live training belongs to one browser session: its job (`chartrain.train_live` in a
`live.Job`) lives in st.session_state, so sessions never share a model.

The live panel redraws every `jobs.LIVE_REFRESH_SECONDS` (2 s), and each redraw takes CPU from
the training: the default run (GRU 128, 6 epochs on 100,000 characters) took 60 s in the
browser with a 1 s refresh, 25 s with 2 s and 19 s with 3 s (17 s with no page; load ~2).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from explainers import cells, chargen, charsample, chartrain, data, lesson, live, models
from lessons import ui
from lessons.charts import text as charts
from lessons.i18n import N_, _, explain
from lessons.widgets import jobs

JOB_KEY = "chargen_job"  # this session's live.Job running chartrain.train_live
DEFAULT_PROMPT = "ROMEO:"
TEMPERATURES = (0.1, 2.0)  # near-greedy to near-random
SUBSETS = [20_000, 50_000, 100_000, 200_000, 500_000, lesson.CHAR.text_chars]  # characters
UNITS = [32, 64, 128, 256, 512]
BATCHES = [16, 32, 64, 128]
LIVE = chargen.CharModelConfig(units=128)  # half the shipped GRU's units: about 20 s to train
LIVE_CHARS = 100_000  # half of TrainConfig's text: its 6 epochs in about 20 s
TRAIN = chartrain.TrainConfig()  # the live training's other defaults


@st.cache_data(show_spinner=False)
def lesson_summary() -> str:
    return models.summary_text(chargen.build_lesson_model())  # built, never trained


@st.cache_data(show_spinner=False, max_entries=2)
def shakespeare(where: str | None, stamp: float) -> str:
    """The text at `where`, keyed by its date (raises data.DataUnavailable when it is None)."""
    return data.load_shakespeare(where, download=False)


def show_reports(snap: live.Snapshot) -> None:
    """The loss curve and every sample so far, the newest first."""
    if any(r.epoch > 0 for r in snap.records):
        ui.chart(charts.loss_figure(snap.records, snap.epochs, _), height=320)
    for r in reversed(snap.records):
        st.markdown(_("**After epoch {epoch}** (loss {loss:.3f}, {seconds:.0f} s):", epoch=r.epoch,
                      loss=r.metrics.get("loss"), seconds=r.seconds) if r.epoch > 0
                    else _("**Before training** (random weights):"))
        st.code(r.note, language=None, wrap_lines=True)


def live_settings(found: Path) -> chartrain.LiveSpec | None:
    """The training the widgets describe, or None when it would be less than one batch."""
    c1, c2, c3 = st.columns(3)
    cell = c1.selectbox(_("Cell"), cells.KINDS, cells.KINDS.index(LIVE.cell),
                        key="live_cell", format_func=cells.display_name)
    units = c1.select_slider(_("Units"), UNITS, LIVE.units, key="live_units")
    seq_length = c2.slider(_("Sequence length"), 16, 200, TRAIN.seq_length, 8, key="live_seq")
    batch_size = c2.select_slider(_("Batch size"), BATCHES, TRAIN.batch_size, key="live_batch")
    epochs = c3.slider(_("Epochs"), 1, 30, TRAIN.epochs, key="live_epochs")
    subset = c3.select_slider(_("Text to train on"), SUBSETS, LIVE_CHARS, key="live_subset",
                              format_func=lambda n: _("{n:,} chars", n=n))
    config = chartrain.TrainConfig(seq_length=seq_length, batch_size=batch_size, epochs=epochs,
                                   text_chars=subset)
    windows = subset // (seq_length + 1)
    batches = windows // batch_size
    st.caption(_("{chars:,} characters → {windows:,} windows of {window} → **{batches} updates "
                 "per epoch**; after each epoch the model writes {length} characters after "
                 "{prompt}.", chars=subset, windows=windows, window=seq_length + 1,
                 batches=batches, length=config.sample_length,
                 prompt=charts.code_span(config.sample_prompt)))
    if batches < 1:
        st.error(_("That is less than one batch: use more text, a shorter sequence or a smaller "
                   "batch."))
        return None
    return chartrain.LiveSpec(chargen.CharModelConfig(cell, units), config, str(found))


def own_sample(trained: chartrain.LiveResult) -> None:
    """Sample from the model this session trained."""
    with st.expander(_("Sample from your model"), expanded=False):
        p = st.text_input(_("Seed text"), DEFAULT_PROMPT, max_chars=200, key="own_prompt")
        t = st.slider(_("Temperature"), *TEMPERATURES, 0.8, 0.05, key="own_temp")
        try:
            gen = charsample.generate(trained.model, trained.vocab, p, 300, t, record_hidden=False)
        except chargen.CharError as error:
            st.error(explain(error))
        else:
            st.code(gen.text, language=None, wrap_lines=True)


def live_section() -> None:
    st.header(_("2 · Train your own, live"))
    found = data.locate_shakespeare()
    with st.spinner(_("Loading the Shakespeare text…")):
        text = ui.available(shakespeare, found and str(found), found and found.stat().st_mtime)
    if text is None:
        return
    if len(text) < 1_000:
        st.warning(_("The Shakespeare text at {where} holds only {chars} characters.",
                     where=charts.code_span(str(found)), chars=len(text)))
        return
    spec = live_settings(found)
    if spec is None:
        return
    job = st.session_state.get(JOB_KEY)
    running = job is not None and job.running
    if st.button(_("▶ Train"), type="primary", key="live_train", disabled=running):
        jobs.start_job(JOB_KEY, chartrain.train_live, spec, spec.train.epochs)
        st.rerun()  # draw the page again with the job (and this button disabled)
    if job is None:
        return
    if job.running:
        jobs.live_panel(job, "char", draw=show_reports)
        return
    snap = job.snapshot()
    if snap.error is not None:
        jobs.failed(snap.error)
        return
    trained: chartrain.LiveResult = job.result
    epochs_run = sum(r.epoch > 0 for r in snap.records)
    ended = (N_("Training stopped by you after {epochs} epoch(s) in {seconds:.0f} s. The model "
                "is yours for this session.") if trained.result.stopped else
             N_("Training finished after {epochs} epoch(s) in {seconds:.0f} s. The model is "
                "yours for this session."))
    st.success(_(ended, epochs=epochs_run, seconds=snap.elapsed))
    show_reports(snap)
    own_sample(trained)


def lesson_section(ours: chargen.CharModelConfig) -> None:
    """The lesson's model: its summary, its parameter formulas, and why it is slow here."""
    st.header(_("3 · The lesson's recipe"))
    st.code(lesson_summary(), language=None)
    formula = chargen.lesson_parameter_counts()  # a test checks it against model.summary()
    st.markdown(_("{formulas} — the same as `model.summary()` above ({total:,} in all).",
                  formulas="; ".join(f"{layer.keras_class} {layer.substituted} = "
                                     f"**{layer.params:,}**" for layer in formula.layers),
                  total=formula.total))
    recipe, cost = lesson.CHAR, chargen.lesson_cost(ours)
    st.markdown(_(
        "**Why it is slow here.** Each character costs the lesson's model about {lesson:.1f} "
        "million multiply-adds forwards ({ours:.2f} million for the shipped {cell}); with the "
        "backward pass one epoch over {chars:,} characters is about {epoch:.1f} × 10¹² "
        "operations, and {epochs} epochs {all:.1f} × 10¹⁵. The {steps} steps of every window "
        "must run one after another, so a 2-core CPU reaches a few tens of GFLOP/s at best: "
        "**hours**, where a GPU takes minutes. The lesson's loss of {loss} after {epochs} epochs "
        "is also partly memorising: its 1.4 million weights see the same 1.1 million characters "
        "{epochs} times.", lesson=cost.lesson_macs / 1e6, ours=cost.our_macs / 1e6,
        cell=cells.display_name(ours.cell), chars=recipe.text_chars, epoch=cost.epoch_ops / 1e12,
        epochs=recipe.epochs, all=cost.all_ops / 1e15, steps=recipe.seq_length,
        loss=recipe.final_loss))
    st.markdown(_(
        "The lesson makes the RNN `stateful` with a fixed batch of {batch} so the state carries "
        "over from one batch to the next, then rebuilds the model with batch size 1 to sample. "
        "This page instead calls the trained layer's own cell one character at a time and "
        "carries the state itself: the same numbers (a test checks them against the "
        "full-sequence model), with no second model to build.", batch=recipe.batch_size))


# --------------------------------------------------------------------------- page

st.title(_("Train a char-RNN"))
live_section()
lesson_section(chargen.CharModelConfig())
