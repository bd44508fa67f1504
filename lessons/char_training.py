"""Train a char-RNN: the lesson's char model or a faster one, live, epoch by epoch, and one on
your own uploaded text (`lessons.widgets.own_text`).

A live training is one browser session's `live.Job` (`chartrain.train_live`), so sessions never
share a model. Before it starts the page estimates its time (`chartrain.estimate`) and refuses
one over the limit; each epoch reports training and held-out loss, perplexity and a sample, and
keeps the weights (capped) to sample from, drawn beside the lesson's printed epochs and the
recorded run of its exact model (scripts/record_lesson_char.py). Live redraws (every 2 s) cost
CPU: the default run took 60 s with a 1 s refresh, 25 s with 2 s, 17 s with no page (load ~2)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from explainers import cells, chargen, charsample, chartrain, data, lesson, live
from lessons import figure_cache, links, ui
from lessons.charts import text as charts
from lessons.i18n import N_, _, explain
from lessons.widgets import jobs, model_diagram, own_text

JOB_KEY = "chargen_job"  # this session's live.Job running chartrain.train_live
MODELS_KEY = "chartrain_models"  # this session's models built from checkpoints: (run, epoch)
DEFAULT_PROMPT = "ROMEO:"
TEMPERATURES = (0.1, 2.0)  # near-greedy to near-random
WARM_UP = 400  # characters of held-out text the recorded model reads before it writes
SUBSETS = [20_000, 50_000, 100_000, 200_000, 500_000, lesson.CHAR.text_chars]  # characters
UNITS = [32, 64, 128, 256, 512, lesson.CHAR.units]
EMBEDDINGS = [8, 16, 32, 64, 128, lesson.CHAR.embedding]
BATCHES = [16, 32, 64, 128]
RATES = [1e-3, 3e-3, 1e-2]  # Adam's default (the lesson's), the live default, fast and rough
SEQS = (16, 200, 4)  # sequence length: min, max, step (100, the lesson's, is on it)
LIVE = chargen.CharModelConfig(units=128)  # half the shipped GRU's units: about 20 s to train
TRAIN = chartrain.TrainConfig(text_chars=100_000)  # half its default text: 6 epochs ~20 s
SETUPS = {  # a button's code -> (its label, the model, the training) it fills in
    "fast": (N_("A fast model (GRU 128)"), LIVE, TRAIN),
    "lesson": (N_("The lesson's model (SimpleRNN 1024, stateful)"), chargen.LESSON_MODEL,
               chartrain.LESSON_TRAIN)}
LINK = links.Link(  # the set-up: what a teacher shares so a class trains the same model
    links.choice("cell", "live_cell", cells.KINDS), links.choice("units", "live_units", UNITS),
    links.choice("emb", "live_embed", EMBEDDINGS), links.choice("layers", "live_layers",
                                                                  chargen.LAYERS),
    links.flag("stateful", "live_stateful"), links.number("seq", "live_seq", *SEQS[:2]),
    links.choice("batch", "live_batch", BATCHES), links.number("epochs", "live_epochs", 1, 30),
    links.choice("chars", "live_subset", SUBSETS), links.choice("rate", "live_rate", RATES),
    links.choice("init", "live_init", chargen.RECURRENT_INITS),
    model_diagram.link_field("diagram", "lesson"), *own_text.FIELDS)  # diagram: layers/steps


@st.cache_data(show_spinner=False, max_entries=2)
def recorded_writes(stamp: float, text: str) -> tuple[str, str]:
    """What the recorded model writes from a zero state, and after reading held-out text."""
    return chartrain.cold_and_warm(chartrain.lesson_run(), text, DEFAULT_PROMPT, WARM_UP)


@st.cache_data(show_spinner=False, max_entries=2)
def shakespeare(where: str | None, stamp: float) -> str:
    """The text at `where`, keyed by its date (raises data.DataUnavailable when it is None)."""
    return data.load_shakespeare(where, download=False)


def setup(code: str) -> dict:
    """A set-up's model and training as the widgets' values (widget key -> value)."""
    _label, model, train = SETUPS[code]
    return dict(
        live_cell=model.cell, live_units=model.units, live_embed=model.embedding_dim,
        live_layers=model.layers, live_stateful=model.stateful, live_seq=train.seq_length,
        live_batch=train.batch_size, live_epochs=train.epochs, live_subset=train.text_chars,
        live_rate=train.learning_rate, live_init=model.recurrent_init)


def show_reports(snap: live.Snapshot, between=None) -> None:
    """The loss curve beside the lesson's, `between()` if given, and every sample so far,
    the newest first."""
    if any(r.epoch > 0 for r in snap.records):
        recorded = chartrain.lesson_run()  # the lesson's exact model, as far as it ran here
        figure_cache.chart(charts.loss_figure, snap.records, snap.epochs, _, recorded, height=380)
    if between is not None:
        between()
    for r in reversed(snap.records):
        m = r.metrics
        st.markdown(_("**After epoch {epoch}** (loss {loss:.3f}, perplexity {ppl:.1f}; held out "
                      "{held:.3f}, perplexity {held_ppl:.1f}; {seconds:.0f} s):", epoch=r.epoch,
                      loss=m.get("loss"), ppl=m.get("perplexity"), held=m.get("held_out_loss"),
                      held_ppl=m.get("held_out_perplexity"), seconds=r.seconds)
                    if r.epoch > 0 else _("**Before training** (random weights):"))
        st.code(r.note, language=None, wrap_lines=True)


def live_settings(found: Path) -> chartrain.LiveSpec | None:
    """The training the widgets describe, or None when it would be less than one batch."""
    for key, value in setup("fast").items():  # the defaults: the fast model
        st.session_state.setdefault(key, value)
    b1, b2 = st.columns(2)
    for column, code in zip((b1, b2), SETUPS, strict=True):
        column.button(_(SETUPS[code][0]), key=f"setup_{code}", width="stretch",
                      on_click=lambda c=code: st.session_state.update(setup(c)))
    c1, c2, c3, c4 = st.columns(4)
    cell = c1.selectbox(_("Cell"), cells.KINDS, key="live_cell", format_func=cells.display_name)
    units = c1.select_slider(_("Units"), UNITS, key="live_units")
    embed = c2.select_slider(_("Embedding size"), EMBEDDINGS, key="live_embed")
    layers = c2.radio(_("Layers"), chargen.LAYERS, key="live_layers", horizontal=True)
    seq_length = c3.slider(_("Sequence length"), *SEQS[:2], step=SEQS[2], key="live_seq")
    batch_size = c3.select_slider(_("Batch size"), BATCHES, key="live_batch")
    stateful = c3.checkbox(_("Stateful"), key="live_stateful", help=_(
        "Carry each window's last state into the same row of the next batch, as the lesson "
        "does (its windows are shuffled, so the state comes from unrelated text)."))
    epochs = c4.slider(_("Epochs"), 1, 30, key="live_epochs")
    subset = c4.select_slider(_("Text to train on"), SUBSETS, key="live_subset",
                              format_func=lambda n: _("{n:,} chars", n=n))
    rate = c4.select_slider(_("Learning rate"), RATES, key="live_rate")
    init = c2.selectbox(_("Recurrent initializer"), chargen.RECURRENT_INITS, key="live_init")
    model = chargen.CharModelConfig(cell, units, embed, layers, stateful, init)
    lessons_own = model == chargen.LESSON_MODEL  # then it samples at the lesson's T = 1
    config = chartrain.TrainConfig(
        seq_length=seq_length, batch_size=batch_size, epochs=epochs, text_chars=subset,
        learning_rate=rate, sample_temperature=lesson.CHAR.temperature if lessons_own
        else TRAIN.sample_temperature)
    spec = chartrain.LiveSpec(model, config, str(found))
    cost = chartrain.estimate(spec)
    st.caption(_("{chars:,} characters → {windows:,} windows of {window} → **{batches} updates "
                 "per epoch**; after each epoch the model writes {length} characters after "
                 "{prompt}.", chars=cost.trained_chars, windows=cost.trained_chars // (
                     seq_length + 1), window=seq_length + 1, batches=cost.batches,
                 length=config.sample_length, prompt=charts.code_span(config.sample_prompt)))
    if cost.batches < 1:
        st.error(_("That is less than one batch: use more text, a shorter sequence or a smaller "
                   "batch."))
        return None
    departs = "; ".join(_("{setting} {ours} (the lesson: {theirs})", ours=a, theirs=b,
                          setting=_(chartrain.DIFFERENCES[k]))
                        for k, a, b in chartrain.differences(spec))
    st.caption(_("Differences from the lesson's recipe: {list}.", list=departs) if departs
               else _("This is the lesson's recipe."))
    st.markdown(_("**About {epoch:.0f} s per epoch on this server** ({batches} updates, then "
                  "the held-out loss and a sample), {total:.0f} s for {epochs} epoch(s) of "
                  "training alone: the live page and other users' work can make it several "
                  "times longer. It keeps the weights of {kept} epoch(s) ({mb:.1f} MB each) to "
                  "sample from.",
                  epoch=cost.epoch_seconds, batches=cost.batches, total=cost.seconds,
                  epochs=epochs, kept=cost.kept_epochs, mb=cost.checkpoint_bytes / 1e6))
    if cost.message is not None:
        template, numbers = cost.message
        (st.error if cost.verdict == "refuse" else st.warning)(_(template, **numbers))
    return None if cost.verdict == "refuse" else spec


def own_sample(trained: chartrain.LiveResult) -> None:
    """Sample from the model this session trained, at any epoch whose weights were kept."""
    kept = trained.result.checkpoints.epochs
    with st.expander(_("Sample from your model"), expanded=True):
        a, b, c = st.columns([1, 2, 1])
        epoch = a.selectbox(_("Sample from epoch"), kept, len(kept) - 1, key="own_epoch",
                            disabled=not kept)
        p = b.text_input(_("Seed text"), DEFAULT_PROMPT, max_chars=200, key="own_prompt")
        t = c.slider(_("Temperature"), *TEMPERATURES, trained.spec.train.sample_temperature,
                     0.05, key="own_temp")
        built = st.session_state.setdefault(MODELS_KEY, {})
        if epoch is not None and (id(trained), epoch) not in built:
            built.clear()  # one model at a time: a session's memory on a shared server
            built[id(trained), epoch] = trained.model_at(epoch)
        model = trained.model if epoch is None else built[id(trained), epoch]
        try:
            gen = charsample.generate(model, trained.vocab, p, 300, t, record_hidden=False)
        except chargen.CharError as error:
            st.error(explain(error))
        else:
            st.code(gen.text, language=None, wrap_lines=True)
        if len(kept) < len(trained.result.losses):
            st.caption(_("Epochs kept: {epochs} (weights are kept up to {mb:.0f} MB per run).",
                         epochs=", ".join(map(str, kept)),
                         mb=chartrain.MAX_CHECKPOINT_BYTES / 1e6))


def live_section() -> str | None:
    """Train live; returns the text (None when it is missing)."""
    st.header(_("1 · Train live"))
    found = data.locate_shakespeare()
    with st.spinner(_("Loading the Shakespeare text…")):
        text = ui.available(shakespeare, found and str(found), found and found.stat().st_mtime)
    if text is None or len(text) < 1_000:
        if text is not None:
            st.warning(_("The Shakespeare text at {where} holds only {chars} characters.",
                         where=charts.code_span(str(found)), chars=len(text)))
        return None
    spec = live_settings(found)
    job = st.session_state.get(JOB_KEY)
    running = job is not None and job.running
    if st.button(_("▶ Train"), type="primary", key="live_train", disabled=running or not spec):
        jobs.start_job(JOB_KEY, chartrain.train_live, spec, spec.train.epochs)
        st.rerun()  # draw the page again with the job (and this button disabled)
    if job is None:
        return text
    if job.running:
        jobs.live_panel(job, "char", draw=show_reports)
        return text
    snap = job.snapshot()
    if snap.error is not None:
        jobs.failed(snap.error)
        return text
    trained: chartrain.LiveResult = job.result
    epochs_run = sum(r.epoch > 0 for r in snap.records)
    ended = (N_("Training stopped by you after {epochs} epoch(s) in {seconds:.0f} s. The model "
                "is yours for this session.") if trained.result.stopped else
             N_("Training finished after {epochs} epoch(s) in {seconds:.0f} s. The model is "
                "yours for this session."))
    st.success(_(ended, epochs=epochs_run, seconds=snap.elapsed))
    show_reports(snap, lambda: own_sample(trained))
    return text


def recorded_section(text: str | None) -> None:
    """The recorded run of the lesson's exact model, beside what the lesson printed, and
    what it writes from a zero state and after reading some text first."""
    run = chartrain.lesson_run()
    if run is None:
        st.info(_("The recorded run of the lesson's model is not in assets/ yet (`python "
                  "scripts/record_lesson_char.py` makes it)."))
        return
    printed = {p.epoch: p.loss for p in lesson.printed_epochs("char")}
    st.markdown(_("**Recorded here:** the lesson's exact model and batching, trained on this "
                  "server for {epochs} epoch(s) ({minutes:.0f} minutes; the budget was "
                  "{budget:.0f}) on {machine}. The lesson printed {first} after epoch 1 and "
                  "{last} after epoch {n}.", epochs=len(run.epochs),
                  minutes=sum(run.seconds) / 60, budget=run.budget_minutes,
                  machine=run.machine, first=printed.get(1), last=printed.get(lesson.CHAR.epochs),
                  n=lesson.CHAR.epochs))
    st.table({_("epoch"): run.epochs, _("training loss"): run.loss,
              _("held-out loss"): run.held_out_loss,
              _("the lesson printed"): [str(printed.get(e, "—")) for e in run.epochs],
              _("seconds"): [round(s) for s in run.seconds]})
    st.markdown(_("What it wrote after epoch {epoch} (temperature 1, the lesson's):",
                  epoch=run.epochs[-1]))
    st.code(run.samples[-1], language=None, wrap_lines=True)
    if text is None:
        return
    cold, warm = recorded_writes(run.weights_file.stat().st_mtime, text)
    st.markdown(_("It starts from a zero state, which its stateful training met only in its "
                  "first batch, and writes noise until its state fills up. The same seed, "
                  "from a zero state and after reading {n} characters of held-out text:",
                  n=WARM_UP))
    a, b = st.columns(2)
    a.code(DEFAULT_PROMPT + cold, language=None, wrap_lines=True)
    b.code("…" + DEFAULT_PROMPT + warm, language=None, wrap_lines=True)


def lesson_section(ours: chargen.CharModelConfig, text: str | None) -> None:
    """The lesson's model: its summary, its parameter formulas, and why it is slow here."""
    st.header(_("2 · The lesson's recipe"))
    model_diagram.show("lesson", "lesson_char_rnn", chargen.build_lesson_model,  # never trained
                       summary=True, tokens=tuple(DEFAULT_PROMPT))
    formula = chargen.lesson_parameter_counts()  # a test checks it against model.summary()
    st.markdown(_("{formulas} — the same as `model.summary()` above ({total:,} in all).",
                  formulas="; ".join(f"{layer.keras_class} {layer.substituted} = "
                                     f"**{layer.params:,}**" for layer in formula.layers),
                  total=formula.total))
    recorded_section(text)
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
LINK.restore()
st.markdown(_("Train a character model on a slice of Shakespeare and watch it learn: every "
              "epoch reports the loss on text it trains on and on text it never sees (held "
              "out), their perplexity (e^loss: how many characters it hesitates between), and "
              "a sample. The lesson's own model is one button away, with an honest estimate "
              "of what it costs on this server."))
text = live_section()
lesson_section(chargen.CharModelConfig(), text)
own_text.section()
ui.notice(_(
    "the first sample is gibberish, then spaces and short words appear, then names and line "
    "structure; while the held-out loss follows the training loss the model is learning "
    "Shakespeare, and once it stops falling while the training loss goes on down, it has "
    "begun to memorise its slice. The lesson's SimpleRNN(1024) is far slower per epoch than a "
    "GRU of 128 units, for a loss it reaches only after many epochs."))
