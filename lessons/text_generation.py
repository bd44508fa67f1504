"""Char-RNN on Shakespeare: sample from the shipped model, train one live, see the lesson's recipe.

The shipped model is loaded once per server (st.cache_resource on its folder and date) and
only read; generations are cached by their settings. A live training belongs to one browser
session: its job (`chartrain.train_live` in a `live.Job`) lives in st.session_state, so
sessions never share a model.

The live panel redraws every `jobs.LIVE_REFRESH_SECONDS` (2 s), and each redraw takes CPU from
the training: the default run (GRU 128, 6 epochs on 100,000 characters) took 60 s in the
browser with a 1 s refresh, 25 s with 2 s and 19 s with 3 s (17 s with no page; load ~2).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from explainers import cells, chargen, charsample, chartrain, data, lesson, live, models, paths
from lessons import ui
from lessons.charts import text as charts
from lessons.widgets import jobs

JOB_KEY = "chargen_job"  # this session's live.Job running chartrain.train_live
DEFAULT_PROMPT = "ROMEO:"
SUBSETS = [20_000, 50_000, 100_000, 200_000, 500_000, lesson.CHAR.text_chars]  # characters
UNITS = [32, 64, 128, 256, 512]
BATCHES = [16, 32, 64, 128]
LIVE = chargen.CharModelConfig(units=128)  # half the shipped GRU's units: about 20 s to train
LIVE_CHARS = 100_000  # half of TrainConfig's text: its 6 epochs in about 20 s
TRAIN = chartrain.TrainConfig()  # the live training's other defaults


# --------------------------------------------------------------------------- cached work


@st.cache_resource(show_spinner="Loading the shipped model…")
def shipped(folder: str, version: float) -> chargen.ShippedModel:
    """The shipped model (read only), its vocabulary and metadata; `version` is its date."""
    return chargen.load_shipped(Path(folder))


@st.cache_data(show_spinner="Writing, one character at a time…", max_entries=16)  # ≤ 3 MB each
def shipped_generation(prompt: str, length: int, temperature: float, seed: int, folder: str,
                       version: float) -> charsample.Generation:
    loaded = shipped(folder, version)
    return charsample.generate(loaded.model, loaded.vocab, prompt, length, temperature, seed)


@st.cache_data(show_spinner=False)
def lesson_summary() -> tuple[str, dict[str, int]]:
    model = chargen.build_lesson_model()  # built, never trained
    counts = {type(layer).__name__: int(layer.count_params()) for layer in model.layers}
    return models.summary_text(model), counts


@st.cache_data(show_spinner="Loading the Shakespeare text…", max_entries=2)
def shakespeare(where: str | None, stamp: float) -> str:
    """The text at `where`, keyed by its date (raises data.DataUnavailable when it is None)."""
    return data.load_shakespeare(where, download=False)


def shipped_model() -> chargen.ShippedModel | None:
    """The shipped model, or None after saying it is missing or damaged."""
    version = chargen.shipped_version()
    if version is None:
        st.warning(f"The shipped model (assets/{chargen.MODEL_FILE}) is missing. Rebuild it "
                   "with `python scripts/train_char_rnn.py` (about 15 minutes on 2 CPU cores).")
        return None
    try:
        return shipped(str(paths.ASSETS), version)
    except Exception as error:  # a damaged asset: say so, keep the rest of the page
        st.error(f"The shipped model could not be loaded: {error}")
        return None


# --------------------------------------------------------------------------- sections


def show_generation(gen: charsample.Generation, vocab: chargen.CharVocab, key: str) -> None:
    """Coloured text, the colouring choice and the top-5 chart for one generation."""
    mode = st.radio("Colour the text by · 着色方式",
                    ["confidence · 置信度", "a hidden unit · 隐藏单元"],
                    horizontal=True, key=f"{key}_mode")
    units = gen.hidden.shape[1]
    if mode.startswith("confidence"):
        values, signed = gen.prob, False
        st.caption("Each character is coloured by the probability the model gave it just "
                   "before it appeared: green = expected, red = surprising. The prompt "
                   "(underlined) was read, not written.")
    else:
        a, b = st.columns([2, 1])
        feature = a.selectbox("Suggest units that track…", list(charsample.UNIT_FEATURES),
                              key=f"{key}_feature")
        suggestions = charsample.units_tracking(gen.hidden, gen.text, feature)
        a.caption("Best matches on this text (correlation r): " + ", ".join(
            f"unit {u} (r = {r:+.2f})" for u, r in suggestions))
        unit = b.number_input(f"Hidden unit (0-{units - 1})", 0, units - 1,
                              value=suggestions[0][0], key=f"{key}_unit_{feature}")
        values, signed = gen.hidden[:, int(unit)], True
        st.caption(f"Each character is coloured by unit {unit}'s activation after reading it: "
                   "red = positive, blue = negative (the hidden state h lies between -1 and 1).")
    position = st.slider(
        "Position to inspect · 查看位置", 0, max(len(gen.text) - 2, 1),
        value=max(gen.n_prompt - 1, 0), key=f"{key}_pos_{len(gen.text)}",  # new text, new range
        help="The framed character: after reading it, what did the model expect next?",
    )
    st.html(charts.colour_html(gen.text, values, signed, gen.n_prompt, highlight=position))
    context = repr(gen.text[max(0, position - 39): position + 1])  # the last 40 characters
    st.markdown(f"After reading {charts.code_span('…' + context)} the model expects:")
    ui.chart(charts.top_k_figure(gen, vocab.chars, position), height=320)


def write_with(vocab: chargen.CharVocab) -> None:
    """The prompt and sampling settings, then the shipped model's writing."""
    left, right = st.columns([3, 2])
    prompt = left.text_area("Seed text · 起始文本", DEFAULT_PROMPT,
                            max_chars=charsample.MAX_PROMPT, height=100, key="gen_prompt")
    temperature = right.slider("Temperature · 温度", 0.1, 2.0, 0.8, 0.05, key="gen_temp")
    right.caption("Divides the logits before the softmax: low = safe, repetitive text; "
                  "1 = the model's own probabilities; high = wilder, more misspellings.")
    length = right.slider("Characters to write · 生成长度", 20, 1000, 300, 10, key="gen_len")
    seed = right.number_input("Seed · 随机种子", 0, 2**31 - 1, 42, key="gen_seed",
                              help="The same seed, prompt and settings write the same text.")
    unknown = vocab.unknown(prompt)
    if not prompt:
        st.warning("Type at least one character for the model to start from.")
    elif unknown:
        shown = ui.inert(", ".join(repr(c) for c in unknown[:20]))
        st.error(f"The model has never seen these characters: {shown}. It can only read the "
                 f"{vocab.size} characters listed above (no digits except 3, no accents, "
                 "no Chinese); please remove or replace them.")
    else:
        gen = shipped_generation(prompt, int(length), float(temperature), int(seed),
                                 str(paths.ASSETS), chargen.shipped_version())
        show_generation(gen, vocab, "gen")


def shipped_section() -> chargen.ShippedModel | None:
    """Describe the shipped model and write with it; returns it (None when it is missing)."""
    st.header("1 · Generate with the shipped model · 用训练好的模型生成")
    loaded = shipped_model()
    if loaded is None:
        return None
    vocab, info = loaded.vocab, loaded.info
    st.markdown(
        f"A **{cells.display_name(loaded.config.cell)}** with **{loaded.config.units} units**, "
        f"trained on the Shakespeare text for {info.epochs_finished or '?'} epochs "
        f"(loss {info.final_loss or '?'}; on held-out text {info.held_out_loss or '?'}). "
        f"It knows **{vocab.size} characters**:"
    )
    st.code("".join(charts.shown_char(c) for c in vocab.chars), language=None)
    st.caption("Show, then explain: those are all the symbols it can read or write, sorted; a "
               "character's id is its place in that list (↵ = new line, ␣ = space).")
    write_with(vocab)
    return loaded


def show_reports(snap: live.Snapshot) -> None:
    """The loss curve and every sample so far, the newest first."""
    if any(r.epoch > 0 for r in snap.records):
        ui.chart(charts.loss_figure(snap.records, snap.epochs), height=320)
    for r in reversed(snap.records):
        if r.epoch == 0:
            st.markdown("**Before training** (random weights):")
        else:
            st.markdown(f"**After epoch {r.epoch}** (loss {r.metrics.get('loss'):.3f}, "
                        f"{r.seconds:.0f} s):")
        st.code(r.note, language=None, wrap_lines=True)


def live_settings(found: Path) -> chartrain.LiveSpec | None:
    """The training the widgets describe, or None when it would be less than one batch."""
    c1, c2, c3 = st.columns(3)
    cell = c1.selectbox("Cell · 单元", cells.KINDS, cells.KINDS.index(LIVE.cell),
                        key="live_cell", format_func=cells.display_name)
    units = c1.select_slider("Units · 单元数", UNITS, LIVE.units, key="live_units")
    seq_length = c2.slider("Sequence length · 序列长度", 16, 200, TRAIN.seq_length, 8,
                           key="live_seq")
    batch_size = c2.select_slider("Batch size · 批大小", BATCHES, TRAIN.batch_size,
                                  key="live_batch")
    epochs = c3.slider("Epochs · 轮数", 1, 30, TRAIN.epochs, key="live_epochs")
    subset = c3.select_slider("Text to train on · 训练文本", SUBSETS, LIVE_CHARS,
                              key="live_subset", format_func=lambda n: f"{n:,} chars")
    config = chartrain.TrainConfig(seq_length=seq_length, batch_size=batch_size, epochs=epochs,
                                   text_chars=subset)
    batches = subset // (seq_length + 1) // batch_size
    st.caption(f"{subset:,} characters → {subset // (seq_length + 1):,} windows of "
               f"{seq_length + 1} → **{batches} updates per epoch**; after each epoch the model "
               f"writes {config.sample_length} characters after {config.sample_prompt!r}.")
    if batches < 1:
        st.error("That is less than one batch: use more text, a shorter sequence or a smaller "
                 "batch.")
        return None
    return chartrain.LiveSpec(chargen.CharModelConfig(cell, units), config, str(found))


def own_sample(trained: chartrain.LiveResult) -> None:
    """Sample from the model this session trained."""
    with st.expander("Sample from your model · 用你的模型生成", expanded=False):
        p = st.text_input("Seed text", DEFAULT_PROMPT, max_chars=200, key="own_prompt")
        t = st.slider("Temperature", 0.1, 2.0, 0.8, 0.05, key="own_temp")
        if not p or trained.vocab.unknown(p):
            st.error("Type seed text made only of the characters the model knows.")
            return
        gen = charsample.generate(trained.model, trained.vocab, p, 300, t, seed=0,
                                  record_hidden=False)
        st.code(gen.text, language=None, wrap_lines=True)


def live_section() -> None:
    st.header("2 · Train your own, live · 实时训练")
    found = data.locate_shakespeare()
    text = ui.available(shakespeare, found and str(found), found and found.stat().st_mtime)
    if text is None:
        return
    if len(text) < 1_000:
        st.warning(f"The Shakespeare text at {found} holds only {len(text)} characters.")
        return
    spec = live_settings(found)
    if spec is None:
        return
    job = st.session_state.get(JOB_KEY)
    running = job is not None and job.running
    if st.button("▶ Train · 开始训练", type="primary", key="live_train", disabled=running):
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
    how = "stopped by you" if trained.result.stopped else "finished"
    epochs_run = sum(r.epoch > 0 for r in snap.records)
    st.success(f"Training {how} after {epochs_run} epoch(s) in "
               f"{snap.elapsed:.0f} s. The model is yours for this session.")
    show_reports(snap)
    own_sample(trained)


def lesson_section(ours: chargen.CharModelConfig) -> None:
    """The lesson's model: its summary, its parameter formulas, and why it is slow here."""
    st.header("3 · The lesson's recipe · 课程原始方案")
    summary, counts = lesson_summary()
    st.code(summary, language=None)
    formula = chargen.lesson_parameter_counts()
    st.markdown("; ".join(f"{layer.keras_class} {layer.substituted} = **{layer.params:,}**"
                          for layer in formula.layers)
                + f" — the same as `model.summary()` above ({sum(counts.values()):,} in all).")
    recipe = lesson.CHAR
    lesson_macs = chargen.multiply_adds_per_char(recipe.embedding, recipe.units, recipe.vocab,
                                                 recipe.cell)
    our_macs = chargen.multiply_adds_per_char(ours.embedding_dim, ours.units, recipe.vocab,
                                              ours.cell)
    per_epoch = recipe.text_chars * lesson_macs * 3  # forward + backward ≈ 3 forward passes
    st.markdown(
        f"**Why it is slow here.** Each character costs the lesson's model about "
        f"{lesson_macs / 1e6:.1f} million multiply-adds forwards ({our_macs / 1e6:.2f} million "
        f"for the shipped {cells.display_name(ours.cell)}); with the backward pass one epoch "
        f"over {recipe.text_chars:,} characters is about {per_epoch / 1e12:.1f} × 10¹² "
        f"operations, and {recipe.epochs} epochs {per_epoch * recipe.epochs / 1e15:.1f} × "
        f"10¹⁵. The {recipe.seq_length} steps of every window must run one after another, so "
        "a 2-core CPU reaches a few tens of GFLOP/s at best: **hours**, where a GPU takes "
        f"minutes. The lesson's loss of {recipe.final_loss} after {recipe.epochs} epochs is "
        "also partly memorising: its 1.4 million weights see the same 1.1 million "
        f"characters {recipe.epochs} times."
    )
    st.markdown(
        "The lesson makes the RNN `stateful` with a fixed batch of "
        f"{recipe.batch_size} so the state carries over from one batch to the next, then "
        "rebuilds the model with batch size 1 to sample. This page instead calls the trained "
        "layer's own cell one character at a time and carries the state itself: the same "
        "numbers (a test checks them against the full-sequence model), with no second model "
        "to build."
    )


# --------------------------------------------------------------------------- page

st.title("Char-RNN on Shakespeare · 字符级文本生成")
st.markdown(
    "A character-level model reads text one character at a time and, after each one, gives "
    "a probability for every possible next character. To write, it samples one character, "
    "feeds it back in, and repeats — carrying its hidden state along, so it remembers what it "
    "wrote a few lines ago."
)
loaded = shipped_section()
live_section()
lesson_section(chargen.CharModelConfig() if loaded is None else loaded.config)
ui.notice(
    "confidence is high inside words and low at their starts (many words could follow a "
    "space); the model learned speaker names in capitals, line breaks and punctuation on its "
    "own, from nothing but next-character prediction. While training live, the first sample is "
    "gibberish, then spaces and short words appear, then names and line structure."
)
