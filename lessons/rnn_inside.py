"""Inside a SimpleRNN: one step in numbers, gradients through time, and the lesson's failure.

The maths lives in `explainers.rnn_inside` (checked against Keras), the drawing in `charts.rnn`.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import streamlit as st

from explainers import cells, data, lab, lesson, padding, reviews, rnn_inside, runs
from lessons import figure_cache, links, ui
from lessons.charts import rnn as charts
from lessons.i18n import N_, _, explain
from lessons.widgets import jobs, quick_jobs

EXAMPLE = "The film was not good, it was great"
TYPED = ("I loved this film. The acting was wonderful and the story kept me watching until the "
         "very end.")  # the typed review's first text
SENTENCE_LIMIT = 500  # characters of the one-step sentence (a dozen words are used)
MAX_SEED = 9999  # weights seeds offered
TRAIN_SIZES = (500, 1_000, 2_000, 2_500)  # reviews for the quick training (2,700 short ones)
MAX_EPOCHS = 6  # of the quick training
REVIEW_LIMIT = 20_000  # characters of a typed review that are read
LINKED_TEXT = 2_000  # characters of a typed review a link carries (a URL stays short)
SOURCES = {"test": N_("A test review"), "typed": N_("Type a review")}  # code -> label
SENTENCE_KEY, SEED_KEY, STEP_KEY = "inside_sentence", "inside_seed", "inside_step"
SOURCE_KEY, REVIEW_KEY, TYPED_KEY = "inside_source", "inside_review", "inside_typed"
SIZE_KEY, EPOCHS_KEY = "inside_train_size", "inside_epochs"
LINK = links.Link(  # a step or review number beyond this sentence's / data's is clamped
    links.text("sentence", SENTENCE_KEY, SENTENCE_LIMIT),
    links.number("seed", SEED_KEY, 0, MAX_SEED),
    links.number("t", STEP_KEY, 1, rnn_inside.WALK_MAX_TOKENS),
    links.choice("source", SOURCE_KEY, tuple(SOURCES)),
    links.number("k", REVIEW_KEY, 0, lab.ALL_REVIEWS - 1),
    dataclasses.replace(links.text("text", TYPED_KEY, LINKED_TEXT),
                        write=lambda text: text[:LINKED_TEXT]),  # a long review: its start
    links.choice("train", SIZE_KEY, TRAIN_SIZES),
    links.number("epochs", EPOCHS_KEY, 1, MAX_EPOCHS),
)
MEMORY_KEY = "inside_memory_trained"  # session state: this session's trained profiles
MEMORY_JOB_KEY = "inside_memory_job"  # session state: the live.Job training the three cells
MEMORY = rnn_inside.MemoryConfig()  # the experiment every session runs
LESSON_RNN_ACCURACY = lesson.SIMPLE_RNN.test_accuracy  # the post-padded SimpleRNN's score
H, X = rnn_inside.WALK_H, rnn_inside.WALK_X  # the walkthrough's state and input sizes


@st.cache_data(show_spinner=False, max_entries=64)
def walk(text: str, seed: int) -> rnn_inside.Walkthrough:
    return rnn_inside.walkthrough(text, seed=seed)


@st.cache_data(show_spinner=False, max_entries=16)
def untrained_memory(cell: str, config: rnn_inside.MemoryConfig) -> rnn_inside.MemoryProfile:
    return rnn_inside.gradient_profile(cell, False, config)


@st.cache_data(show_spinner=False, max_entries=32)
def untrained_dependence(ids: tuple[int, ...], variant: str) -> padding.Dependence:
    """The untrained lesson model's dependence; keyed by the review's ids, never a model."""
    model = padding.untrained_model(variant)
    return padding.padding_dependence(model, np.asarray(ids), variant)


@st.cache_data(show_spinner=False, max_entries=32)
def untrained_directions(ids: tuple[int, ...]) -> dict[str, padding.Dependence]:
    """A fresh Bidirectional LSTM(64)'s two directions on the post-padded review."""
    model = padding.untrained_model("bilstm", lesson.BILSTM.units)
    return padding.direction_dependence(model, np.asarray(ids))


def one_step_section() -> None:
    st.header(_("One step of a SimpleRNN, literally"))
    st.caption(_("x has {x} numbers, h has {h}; the weights are rounded to one decimal so you "
                 "can redo the arithmetic.", x=X, h=H))
    a, b, c = st.columns([5, 2, 4])
    text = a.text_input(_("A short sentence (the first {n} words are used)",
                          n=rnn_inside.WALK_MAX_TOKENS), EXAMPLE, max_chars=SENTENCE_LIMIT,
                        key=SENTENCE_KEY)
    seed = int(b.number_input(_("Weights seed"), 0, MAX_SEED, key=SEED_KEY))
    try:
        w = walk(text, seed)
    except rnn_inside.NoWords as error:
        st.warning(explain(error))
        return
    st.session_state[STEP_KEY] = min(st.session_state.get(STEP_KEY, 1), len(w.tokens))
    t = c.slider(_("Step t"), 1, len(w.tokens), key=STEP_KEY,
                 help=_("The same W and b are used at every step.")) if len(w.tokens) > 1 else 1
    step = w.steps[t - 1]
    st.markdown(_("Step {t}: the word **{word}** → x_{t} = `{x}` (its row of a tiny embedding).",
                  t=t, word=ui.inert(step.token), x=np.round(step.x, 2).tolist()))
    left, right = st.columns([3, 2])
    left.markdown(_("**1. Concatenate [h_{{t-1}}, x_t]** ({n} numbers)", n=H + X))
    left.dataframe(charts.concat_table(step), width="stretch")
    left.markdown(_("**2. Multiply by W** ({n} × {h}: the first {h} rows act on h_{{t-1}}, "
                    "Keras's `recurrent_kernel`; the last {x} on x_t, its `kernel`)",
                    n=H + X, h=H, x=X))
    left.dataframe(charts.weights_table(w), width="stretch")
    right.markdown(_("**3. Add b, squash with tanh**"))
    right.dataframe(charts.step_table(w, step), width="stretch")
    right.caption(_("Unit h1 by hand: {sum}", sum=charts.first_unit_sum(w, step)))
    figure_cache.chart(charts.walk_figure, w, height=260)
    st.markdown(_("{mark} Largest difference between the hand computation and Keras over all "
                  "{n} steps: **{diff:.1e}**. The same {rows} × {h} W and {h} biases serve "
                  "every word: that is the weight sharing of an RNN.",
                  mark="✅" if w.max_difference < 1e-9 else "❌", n=len(w.tokens),
                  diff=w.max_difference, rows=H + X, h=H))
    ui.lesson_says("weight_sharing")


@st.cache_resource
def trained_memory() -> dict:
    """Server-wide {MemoryConfig: {cell: trained MemoryProfile}}, filled by live jobs (a
    shared dict, not a cached function: the training shows its progress and can stop)."""
    return {}


def trained_profiles() -> dict[str, rnn_inside.MemoryProfile]:
    """This session's trained profiles, their live training, or the button to ask. A finished
    training serves every session that asks; a stopped one stays with its session."""
    store = trained_memory()
    profiles = jobs.ended(MEMORY_JOB_KEY)
    if profiles is not None:
        st.session_state[MEMORY_KEY] = profiles
        if rnn_inside.trained_fully(profiles):
            store[MEMORY] = profiles
    job = st.session_state.get(MEMORY_JOB_KEY)
    if job is not None:
        jobs.live_panel(job, "inside_memory", label=lambda snap: (
            charts.cell_label(snap, MEMORY.epochs) or jobs.live_label(snap)))
        return {}
    profiles = st.session_state.get(MEMORY_KEY, {})
    if profiles is not store.get(MEMORY) and st.button(
        _("Also train each cell for a few seconds on a memory task"), key="inside_memory_train",
        disabled=training_running(),
        help=_("Task: the label is the sign of feature 0 summed over every step; {n} "
               "sequences, {epochs} epochs per cell.", n=MEMORY.train_samples,
               epochs=MEMORY.epochs),
    ):
        if MEMORY in store:  # trained by another session: the same numbers, at once
            st.session_state[MEMORY_KEY] = store[MEMORY]
        else:
            jobs.start_job(MEMORY_JOB_KEY, rnn_inside.train_memory, MEMORY,
                           len(cells.KINDS) * MEMORY.epochs)
        st.rerun()  # draw the page again with the job, or with the profiles
    return profiles


def memory_section() -> None:
    st.header(_("Memory like a fish"))
    ui.lesson_says("fish_memory")
    st.caption(_(
        "One random sequence of {steps} steps ({dim} numbers each) goes into a SimpleRNN, an "
        "LSTM and a GRU with {units} units. For every earlier input x_t we measure "
        "|∂h_T/∂x_t|: how much the final state would move if x_t moved.",
        steps=MEMORY.steps, dim=MEMORY.input_dim, units=MEMORY.units))
    with st.spinner(_("Measuring gradients through time…")):
        profiles = {(c, False): untrained_memory(c, MEMORY) for c in cells.KINDS}
    profiles |= {(c, True): p for c, p in trained_profiles().items()}
    figure_cache.chart(charts.memory_figure, profiles, MEMORY.steps, height=380)
    st.dataframe(charts.memory_table(profiles, MEMORY.epochs), hide_index=True,
                 width="stretch")
    st.markdown(charts.memory_caption())


def review_ids() -> tuple[np.ndarray, data.ImdbData | None]:
    """The review to analyse as ids, and IMDB when it is on this machine."""
    imdb, texts, labels = ui.available(lambda: (  # the post-padded arrays, the raw reviews
        ui.imdb(padding.imdb_config("post")), *ui.imdb_reviews("test"))) or (None, [], None)
    if imdb is None:
        st.caption(_("Without IMDB you can still type a review; its words get stable stand-in "
                     "ids, which is enough to see where the gradient goes. The quick training "
                     "needs the real reviews."))
    source = st.radio(_("Review"), tuple(SOURCES), format_func=lambda c: _(SOURCES[c]),
                      horizontal=True, key=SOURCE_KEY) if texts else "typed"
    if source == "test":
        st.session_state[REVIEW_KEY] = min(st.session_state.get(REVIEW_KEY, 0), len(texts) - 1)
        k = int(st.number_input(_("Test review number (0-{last})", last=len(texts) - 1), 0,
                                len(texts) - 1, key=REVIEW_KEY))
        text = texts[k]
        st.caption(_("Review {k} (positive):", k=k) if labels[k]
                   else _("Review {k} (negative):", k=k))
        st.markdown(charts.excerpt(text), unsafe_allow_html=True)  # escaped: no Markdown
    else:
        text = st.text_area(_("Your review"), TYPED, key=TYPED_KEY)[:REVIEW_LIMIT]
    if imdb is not None:  # the review as the lesson's model reads it, cut to its 500 steps
        return reviews.InputFormat.of_imdb(imdb).prepare(text).ids, imdb
    return padding.fallback_ids(text), None


def dependence_chart(deps: dict[str, padding.Dependence], title: str) -> None:
    figure_cache.chart(charts.dependence_figure, deps, title, height=170 * len(deps) + 120)
    st.dataframe(charts.dependence_table(deps), hide_index=True, width="stretch")


def training_running() -> bool:
    """True while this session's memory or quick training runs (one at a time)."""
    job = st.session_state.get(MEMORY_JOB_KEY)
    return quick_jobs.running() or (job is not None and job.running)


def quick_training(imdb_post: data.ImdbData | None) -> padding.QuickConfig | None:
    st.subheader(_("A quick training of each"))
    a, b = st.columns(2)
    size = a.select_slider(_("Training reviews"), TRAIN_SIZES, padding.QuickConfig.train_size,
                           key=SIZE_KEY)
    epochs = b.slider(_("Epochs"), 1, MAX_EPOCHS, padding.QuickConfig.epochs, key=EPOCHS_KEY)
    config = padding.QuickConfig(train_size=size, epochs=epochs)
    st.caption(charts.quick_caption(config))
    if imdb_post is None:
        st.info(_("The quick training needs the IMDB reviews (see the note above)."))
        return None
    results = quick_jobs.results()
    quick_jobs.buttons(config, padding.VARIANTS, training_running())
    for note in charts.stopped_notes(results):
        st.caption(note)
    shown = {v: r for v, r in results.items() if v in padding.VARIANTS}
    if shown:
        figure_cache.chart(charts.quick_figure, shown, height=380)
        st.dataframe(charts.quick_table(shown), hide_index=True, width="stretch")
    if results and st.button(_("Clear these results"), key="inside_clear"):
        st.session_state[quick_jobs.RESULTS_KEY] = {}
        st.rerun()
    return config


def failure_section() -> tuple[np.ndarray, padding.QuickConfig | None]:
    st.header(_("The lesson's failure explained"))
    st.markdown(_(
        "The lesson padded every review **after** its words (`padding='post'`) to {maxlen} "
        "tokens and read only the SimpleRNN's final state: test accuracy **{accuracy}**, a "
        "coin toss. An average review has ~230 words, so the final state is read after "
        "hundreds of <PAD> steps.", maxlen=lesson.IMDB.maxlen, accuracy=LESSON_RNN_ACCURACY))
    ids, imdb_post = review_ids()
    if len(ids) <= 1:
        st.warning(_("That review has no words. Type a few words."))
        return ids, None
    with st.spinner(_("Differentiating the final state…")):
        deps = {v: untrained_dependence(tuple(int(i) for i in ids), v)
                for v in padding.VARIANTS}
    dependence_chart(deps, _("The lesson's SimpleRNN({units}), freshly initialised: where the "
                             "final state's gradient comes from", units=lesson.SIMPLE_RNN.units))
    st.markdown(charts.padding_caption(deps))
    config = quick_training(imdb_post)
    results = st.session_state.get(quick_jobs.RESULTS_KEY, {})
    trained = {v: r.dependence(ids) for v, r in results.items() if v in padding.VARIANTS}
    if trained:
        dependence_chart(trained, _("The same review through the models you just trained"))
        st.markdown(charts.trained_caption(trained))
    return ids, config


def recorded(key: str) -> runs.RunRecord | None:
    """A lesson recipe's recorded full run; None (said, if damaged) when there is none."""
    try:
        return runs.lesson_record(key)
    except runs.RunDamaged as error:
        st.warning(explain(error))
        return None


def bilstm_section(ids: np.ndarray, config: padding.QuickConfig | None) -> None:
    st.header(_("Why the lesson's BiLSTM survived padding='post'"))
    records = {key: recorded(key) for key in ("simplernn", "bilstm")}
    st.markdown(charts.bilstm_intro(records))
    if len(ids) <= 1:
        return
    with st.spinner(_("Differentiating both directions…")):
        probes = {"untrained": untrained_directions(tuple(int(i) for i in ids))}
    results = st.session_state.get(quick_jobs.RESULTS_KEY, {})
    probes |= {v: results[v].directions(ids) for v in ("post", "lstm", "bilstm") if v in results}
    figure_cache.chart(charts.direction_figure, probes["untrained"], height=400)
    units = (config or padding.QuickConfig()).units
    st.dataframe(charts.direction_table(probes, units), hide_index=True, width="stretch")
    if config is not None:
        quick_jobs.buttons(config, padding.CELL_VARIANTS, training_running())
        shown = {v: r for v, r in results.items() if v in ("post", *padding.CELL_VARIANTS)}
        if any(v in results for v in padding.CELL_VARIANTS):
            figure_cache.chart(charts.cells_figure, shown, records, height=380)
    st.info(charts.bilstm_note())


LINK.restore()
st.title(_("Inside a SimpleRNN"))
st.caption(_("One step in numbers, how fast each cell forgets, and why the lesson's SimpleRNN "
             "scored {accuracy}.", accuracy=LESSON_RNN_ACCURACY))
one_step_section()
memory_section()
bilstm_section(*failure_section())
ui.notice(_(
    "An RNN is one small formula, tanh([h, x] · W + b), applied again and again with the "
    "same W. Repetition is also its weakness: the influence of an input shrinks at every "
    "step after it, fastest for the SimpleRNN. So where the padding goes decides what the "
    "final state remembers: pad 'pre' or mask the pads, and the words are the last thing "
    "the state read."))
