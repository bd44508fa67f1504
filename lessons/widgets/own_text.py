"""Train a char-RNN on your own text: upload, set up, train live, then let it write.

The char page's last section. An uploaded UTF-8 file is checked and kept once per content
(`owntext.read_upload`, `owntext.keep`); the set-up (cell, units, 1-2 layers, dropout,
sequence length, epochs, characters) is in the page's link (`FIELDS`); the training is this
session's own `live.Job` of `chartrain.train_live` (the same work as Shakespeare's, on the
kept file), reporting training and held-out loss and a sample per epoch. Writing from the
trained model happens on a button, never on a plain rerun.
"""

from __future__ import annotations

import streamlit as st

from explainers import cells, chargen, charsample, chartrain, live, owntext
from lessons import figure_cache, links, ui
from lessons.charts import own_text as charts
from lessons.i18n import _, explain
from lessons.widgets import jobs

KEY = "mytext_"  # widget keys: KEY + setting; the Shakespeare section's are live_* and own_*
JOB_KEY = KEY + "job"  # this session's live.Job on its own text
WRITTEN_KEY = KEY + "written"  # (job id, text written) after the Write button
UNITS = (32, 64, 128, 256)
SEQS = (16, 200, 4)  # sequence length: min, max, step
CHARS = (20_000, 50_000, 100_000, 200_000, 500_000, owntext.MAX_BYTES)  # to train on
DROPOUT = (0.0, 0.5, 0.05)
DEFAULTS = {"cell": "gru", "units": 128, "layers": 1, "dropout": 0.2, "seq": 64, "epochs": 5,
            "chars": 100_000}  # a GRU 128 with some dropout: seconds per epoch on 100,000
FIELDS = (  # what the page's link carries of this section (not the text: it is the user's)
    links.choice("my_cell", KEY + "cell", cells.KINDS),
    links.choice("my_units", KEY + "units", UNITS),
    links.choice("my_layers", KEY + "layers", chargen.LAYERS),
    links.number("my_dropout", KEY + "dropout", *DROPOUT[:2], float),
    links.number("my_seq", KEY + "seq", *SEQS[:2]),
    links.number("my_epochs", KEY + "epochs", 1, 30),
    links.choice("my_chars", KEY + "chars", CHARS),
)
PREVIEW, PREVIEW_LINES = 400, 6  # what of the upload is shown back: its start


@st.cache_data(show_spinner=False, max_entries=2)
def checked(payload: bytes) -> tuple[str, str, int]:
    """The upload's text, where it is kept and its distinct characters (OwnTextError)."""
    text = owntext.read_upload(payload)
    return text, str(owntext.keep(text)), len(set(text))


def settings(text: str, where: str, distinct: int) -> chartrain.LiveSpec | None:
    """The set-up widgets; the training they describe, or None (after saying why)."""
    for name, value in DEFAULTS.items():
        st.session_state.setdefault(KEY + name, value)
    a, b, c, d = st.columns(4)
    cell = a.selectbox(_("Cell"), cells.KINDS, key=KEY + "cell", format_func=cells.display_name)
    units = a.select_slider(_("Units"), UNITS, key=KEY + "units")
    layers = b.radio(_("Layers"), chargen.LAYERS, key=KEY + "layers", horizontal=True)
    dropout = b.slider(_("Dropout"), *DROPOUT[:2], step=DROPOUT[2], key=KEY + "dropout",
                       help=_("Zeroes this share of each recurrent layer's outputs at random "
                              "while training, so the model cannot lean on any one unit."))
    seq = c.slider(_("Sequence length"), *SEQS[:2], step=SEQS[2], key=KEY + "seq")
    epochs = c.slider(_("Epochs"), 1, 30, key=KEY + "epochs")
    chars = d.select_slider(_("Text to train on"), CHARS, key=KEY + "chars",
                            format_func=lambda n: _("{n:,} chars", n=n))
    model = chargen.CharModelConfig(cell, units, layers=layers, dropout=dropout)
    try:
        spec = owntext.plan(where, text, model, chartrain.TrainConfig(
            seq_length=seq, epochs=epochs, text_chars=chars))
    except owntext.OwnTextError as error:
        st.error(explain(error))
        return None
    cost = chartrain.estimate(spec, len(text), distinct)
    st.caption(_("{trained:,} characters to train on, the last {share:.0%} of the text held "
                 "out; {batches} updates per epoch, about {seconds:.0f} s per epoch here.",
                 trained=cost.trained_chars, share=spec.held_out, batches=cost.batches,
                 seconds=cost.epoch_seconds))
    if cost.message is not None:
        template, numbers = cost.message
        (st.error if cost.verdict == "refuse" else st.warning)(_(template, **numbers))
    return None if cost.verdict == "refuse" or cost.batches < 1 else spec


def reports(snap: live.Snapshot) -> None:
    """The loss curves so far and the newest sample."""
    if any(r.epoch > 0 for r in snap.records):
        figure_cache.chart(charts.loss_figure, snap.records, snap.epochs, _=_)
    if snap.records:
        r = snap.records[-1]
        st.markdown(_("**After epoch {epoch}** (loss {loss:.3f}, held out {held:.3f}):",
                      epoch=r.epoch, loss=r.metrics.get("loss"),
                      held=r.metrics.get("held_out_loss")) if r.epoch > 0
                    else _("**Before training** (random weights):"))
        st.code(r.note, language=None, wrap_lines=True)


def write(job: live.Job) -> None:
    """Let the trained model write after a seed text, on a button."""
    trained: chartrain.LiveResult = job.result
    a, b = st.columns([3, 1])
    seed = a.text_input(_("Seed text"), trained.spec.train.sample_prompt, max_chars=200,
                        key=KEY + "seed")
    heat = b.slider(_("Temperature"), 0.1, 2.0, 0.8, 0.05, key=KEY + "temp")
    if st.button(_("✍ Write 300 characters"), key=KEY + "write"):
        try:
            text = charsample.generate(trained.model, trained.vocab, seed, 300, heat,
                                       record_hidden=False).text
        except chargen.CharError as error:
            text = error
        st.session_state[WRITTEN_KEY] = (id(job), text)
    kept = st.session_state.get(WRITTEN_KEY)
    if kept is not None and kept[0] == id(job):
        if isinstance(kept[1], chargen.CharError):
            st.error(explain(kept[1]))
        else:
            st.code(kept[1], language=None, wrap_lines=True)


def section() -> None:
    st.header(_("3 · Train on your own text"))
    st.markdown(_("Upload a plain-text file in UTF-8, in any language (Chinese works: every "
                  "distinct character becomes one the model can write), up to {megabytes:.0f} "
                  "MB and {distinct:,} different characters.",
                  megabytes=owntext.MAX_BYTES / 1e6, distinct=owntext.MAX_ALPHABET))
    upload = st.file_uploader(_("Your text (.txt, UTF-8)"), type=["txt"], key=KEY + "upload")
    if upload is None:
        return
    try:
        text, where, distinct = checked(upload.getvalue())
    except owntext.OwnTextError as error:
        st.error(f"**{ui.inert(upload.name)}**: {explain(error)}")
        return
    st.caption(_("{name}: {chars:,} characters, {distinct:,} different ones. It begins:",
                 name=ui.inert(upload.name), chars=len(text), distinct=distinct))
    st.code("\n".join(text[:PREVIEW].splitlines()[:PREVIEW_LINES]), language=None,
            wrap_lines=True)
    spec = settings(text, where, distinct)
    job = st.session_state.get(JOB_KEY)
    running = job is not None and job.running
    if st.button(_("▶ Train on my text"), type="primary", key=KEY + "train",
                 disabled=running or spec is None):
        jobs.start_job(JOB_KEY, chartrain.train_live, spec, spec.train.epochs)
        st.rerun()
    if job is None:
        return
    if job.running:
        jobs.live_panel(job, "mytext", draw=reports)
        return
    snap = job.snapshot()
    if snap.error is not None:
        jobs.failed(snap.error)
        return
    st.success(_("Trained for {epochs} epoch(s) in {seconds:.0f} s on your text.",
                 epochs=sum(r.epoch > 0 for r in snap.records), seconds=snap.elapsed))
    reports(snap)
    write(job)
