"""Inside a SimpleRNN: one step in numbers, gradients through time, and the lesson's failure.

The maths lives in `explainers.rnn_inside` (checked against Keras), the drawing in `charts.rnn`.
"""

from __future__ import annotations

import re

import numpy as np
import streamlit as st

from explainers import cells, data, lesson, live, reviews, rnn_inside
from lessons import ui
from lessons.charts import rnn as charts
from lessons.widgets import jobs

EXAMPLE = "The film was not good, it was great"
TRAIN_SIZES = (1_000, 2_000, 3_000, 5_000, 10_000)  # reviews for the quick training
REVIEW_LIMIT = 20_000  # characters of a typed review that are read
RESULTS_KEY = "inside_quick_results"  # session state: variant -> QuickResult
JOB_KEY = "inside_quick_job"  # session state: the live.Job of the quick training running
SPEC_KEY = "inside_quick_spec"  # session state: the rnn_inside.QuickJob it runs
MEMORY_KEY = "inside_memory_trained"  # session state: this session's trained profiles
MEMORY_JOB_KEY = "inside_memory_job"  # session state: the live.Job training the three cells
MEMORY = rnn_inside.MemoryConfig()  # the experiment every session runs
LESSON_RNN_ACCURACY = lesson.SIMPLE_RNN.test_accuracy  # the post-padded SimpleRNN's score


# --------------------------------------------------------------------------- cached work


@st.cache_data(show_spinner=False, max_entries=64)
def walk(text: str, seed: int) -> rnn_inside.Walkthrough:
    return rnn_inside.walkthrough(text, seed=seed)


@st.cache_data(show_spinner="Measuring gradients through time…", max_entries=16)
def untrained_memory(cell: str, config: rnn_inside.MemoryConfig) -> rnn_inside.MemoryProfile:
    return rnn_inside.gradient_profile(cell, False, config)


@st.cache_data(show_spinner="Differentiating the final state…", max_entries=32)
def untrained_dependence(ids: tuple[int, ...], variant: str) -> rnn_inside.Dependence:
    """The untrained lesson model's dependence; keyed by the review's ids, never a model."""
    model = rnn_inside.untrained_model(variant)
    return rnn_inside.padding_dependence(model, np.asarray(ids), variant)


def one_step_section() -> None:
    st.header("One step of a SimpleRNN, literally · 一步一步算")
    st.caption(f"x has {rnn_inside.WALK_X} numbers, h has {rnn_inside.WALK_H}; the weights "
               "are rounded to one decimal so you can redo the arithmetic.")
    a, b = st.columns([4, 1])
    text = a.text_input("A short sentence (the first 12 words are used)", EXAMPLE,
                        max_chars=500, key="inside_sentence")
    seed = int(b.number_input("Weights seed", 0, 9999, 0, key="inside_seed"))
    try:
        w = walk(text, seed)
    except ValueError as error:
        st.warning(f"{error}. Type a sentence with at least one word.")
        return
    t = st.slider("Step t", 1, len(w.tokens), 1, key="inside_step",
                  help="The same W and b are used at every step.")
    step = w.steps[t - 1]
    st.markdown(
        f"Step {t}: the word **{ui.inert(step.token)}** → x_{t} = "
        f"`{np.round(step.x, 2).tolist()}` (its row of a tiny embedding)."
    )
    left, right = st.columns([3, 2])
    left.markdown("**1. Concatenate [h_{t-1}, x_t] · 拼接** (7 numbers)")
    left.dataframe(charts.concat_table(step), width="stretch")
    left.markdown("**2. Multiply by W · 乘以权重** (7 × 4: the first 4 rows act on h_{t-1}, "
                  "Keras's `recurrent_kernel`; the last 3 on x_t, its `kernel`)")
    left.dataframe(charts.weights_table(w), width="stretch")
    right.markdown("**3. Add b, squash with tanh · 加偏置，tanh**")
    right.dataframe(charts.step_table(w, step), width="stretch")
    right.caption(charts.first_unit_sum(w, step))
    ui.chart(charts.walk_figure(w), height=260)
    agree = w.max_difference < 1e-9
    st.markdown(
        f"{'✅' if agree else '❌'} Largest difference between the hand computation and "
        f"Keras over all {len(w.tokens)} steps: **{w.max_difference:.1e}**. The same 7 × 4 "
        "W and 4 biases serve every word: that is the weight sharing of an RNN (权值共享)."
    )


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
        "Also train each cell for a few seconds on a memory task", key="inside_memory_train",
        disabled=training_running(),
        help=f"Task: the label is the sign of feature 0 summed over every step; "
             f"{MEMORY.train_samples} sequences, {MEMORY.epochs} epochs per cell.",
    ):
        if MEMORY in store:  # trained by another session: the same numbers, at once
            st.session_state[MEMORY_KEY] = store[MEMORY]
        else:
            jobs.start_job(MEMORY_JOB_KEY, rnn_inside.train_memory, MEMORY,
                         len(cells.KINDS) * MEMORY.epochs)
        st.rerun()  # draw the page again with the job, or with the profiles
    return profiles


def memory_section() -> None:
    st.header("Memory like a fish · 金鱼的记忆")
    st.caption(
        f"One random sequence of {MEMORY.steps} steps ({MEMORY.input_dim} numbers each) goes "
        f"into a SimpleRNN, an LSTM and a GRU with {MEMORY.units} units. For every earlier "
        "input x_t we measure |∂h_T/∂x_t|: how much the final state would move if x_t moved."
    )
    profiles = {(c, False): untrained_memory(c, MEMORY) for c in cells.KINDS}
    profiles |= {(c, True): p for c, p in trained_profiles().items()}
    ui.chart(charts.memory_figure(profiles, MEMORY.steps), height=380)
    st.dataframe(charts.memory_table(profiles, MEMORY.epochs), hide_index=True,
                 width="stretch")
    st.markdown(
        "**Vanishing gradients · 梯度消失.** ∂h_T/∂x_t is a product of one factor per step "
        "between t and T; for a SimpleRNN each factor is diag(1 − h²)·W_hᵀ, and a long "
        "product of such factors (tanh' ≤ 1) shrinks geometrically: the straight falling "
        "line on a log scale. An early word then hardly moves the final state, and during "
        "training it hardly receives any gradient, so it is never learned from. The LSTM's "
        "cell state is carried forward by *adding* (c_t = f ⊙ c_{t−1} + i ⊙ g): while the "
        "forget gate f stays near 1 the product along that path stays near 1. Untrained, "
        "every cell forgets (the GRU fastest: its update gate starts near 0.5, halving the "
        "old state each step). After a few seconds of training on a task that needs every "
        "input, all three lines flatten (the cells learn to keep what the task needs), but "
        "the gated cells solve the task far better than the SimpleRNN (accuracy column)."
    )


def imdb_and_reviews() -> tuple[data.ImdbData, list[str], object]:
    """The post-padded IMDB arrays and the raw test reviews (raises data.DataUnavailable)."""
    texts, labels = ui.imdb_reviews("test")
    return ui.imdb(rnn_inside.imdb_config("post")), texts, labels


def review_ids() -> tuple[np.ndarray, data.ImdbData | None]:
    """The review to analyse as ids, and IMDB when it is on this machine."""
    imdb, texts, labels = ui.available(imdb_and_reviews) or (None, [], None)
    if imdb is None:
        st.caption("Without IMDB you can still type a review; its words get stable stand-in "
                   "ids, which is enough to see where the gradient goes. The quick training "
                   "needs the real reviews.")
    source = st.radio("Review", ["A test review", "Type a review"], horizontal=True,
                      key="inside_source") if texts else "Type a review"
    if source == "A test review":
        k = int(st.number_input(f"Test review number (0-{len(texts) - 1})", 0,
                                len(texts) - 1, 0, key="inside_review"))
        text = texts[k]
        shown = ui.inert(re.sub(r"<br\s*/?>", " ", text[:300]), limit=300)
        st.caption(f"Review {k} ({'positive' if labels[k] else 'negative'}): {shown}…")
    else:
        text = st.text_area("Your review", "I loved this film. The acting was wonderful and "
                            "the story kept me watching until the very end.",
                            key="inside_typed")[:REVIEW_LIMIT]
    if imdb is not None:  # the review as the lesson's model reads it, cut to its 500 steps
        return reviews.InputFormat.of_imdb(imdb).prepare(text).ids, imdb
    return rnn_inside.fallback_ids(text), None


def dependence_chart(deps: dict[str, rnn_inside.Dependence], title: str) -> None:
    ui.chart(charts.dependence_figure(deps, title), height=170 * len(deps) + 120)
    st.dataframe(charts.dependence_table(deps), hide_index=True, width="stretch")


def training_running() -> bool:
    """True while this session's memory or quick training runs (one at a time)."""
    jobs = (st.session_state.get(key) for key in (JOB_KEY, MEMORY_JOB_KEY))
    return any(job is not None and job.running for job in jobs)


def epoch_caption(snap: live.Snapshot) -> None:
    """Under the live panel: each finished epoch's training accuracy."""
    if snap.records:
        st.caption("Training accuracy per epoch: " + ", ".join(
            f"{a:.3f}" for a in snap.series("accuracy")))


def quick_results() -> dict[str, rnn_inside.QuickResult]:
    """This session's quick trainings by variant, with the one that just ended (or why not)."""
    results: dict = st.session_state.setdefault(RESULTS_KEY, {})
    result = jobs.ended(JOB_KEY)
    if result is not None:
        results[result.variant] = result
    return results


def quick_buttons(config: rnn_inside.QuickConfig, results: dict) -> None:
    """A Train button per variant, then the live panel of the one training."""
    busy = training_running()
    for col, variant in zip(st.columns(len(rnn_inside.VARIANTS)), rnn_inside.VARIANTS,
                            strict=True):
        if col.button(f"Train: {rnn_inside.VARIANT_NAMES[variant]}", key=f"inside_train_{variant}",
                      disabled=variant in results or busy):
            spec = rnn_inside.QuickJob(variant, config)
            if jobs.start_job(JOB_KEY, rnn_inside.run_quick, spec, spec.config.epochs):
                st.session_state[SPEC_KEY] = spec
            st.rerun()  # draw the page again with the job (and the buttons disabled)
    job = st.session_state.get(JOB_KEY)
    if job is not None:
        name = rnn_inside.VARIANT_NAMES[st.session_state[SPEC_KEY].variant]
        jobs.live_panel(job, "inside", label=lambda snap: f"{name}: {jobs.live_label(snap)}",
                      draw=epoch_caption)
    elif not results:
        st.caption("Press a button to train; results stay for this session.")


def quick_training(imdb_post: data.ImdbData | None) -> None:
    st.subheader("A quick training of each · 快速训练对比")
    a, b = st.columns(2)
    size = a.select_slider("Training reviews", TRAIN_SIZES, rnn_inside.QuickConfig.train_size,
                           key="inside_train_size")
    epochs = b.slider("Epochs", 1, 6, rnn_inside.QuickConfig.epochs, key="inside_epochs")
    config = rnn_inside.QuickConfig(train_size=size, epochs=epochs)
    st.caption(charts.quick_caption(config))
    if imdb_post is None:
        st.info("The quick training needs the IMDB reviews (see the note above).")
        return
    results = quick_results()
    quick_buttons(config, results)
    for variant, r in results.items():
        if r.stopped:
            st.caption(f"{rnn_inside.VARIANT_NAMES[variant]}: stopped by you after "
                       f"{r.epochs_run} full epoch(s) of {r.config.epochs}; the model as "
                       "trained so far was scored and is kept below.")
    if not results:
        return
    ui.chart(charts.quick_figure(results), height=380)
    st.dataframe(charts.quick_table(results), hide_index=True, width="stretch")
    if st.button("Clear these results", key="inside_clear"):
        st.session_state[RESULTS_KEY] = {}
        st.rerun()


def failure_section() -> None:
    st.header("The lesson's failure explained · 课程中 SimpleRNN 为何失败")
    st.markdown(
        f"The lesson padded every review **after** its words (`padding='post'`) to 500 "
        f"tokens and read only the SimpleRNN's final state: test accuracy "
        f"**{LESSON_RNN_ACCURACY}**, a coin toss. An average review has ~230 words, so the "
        "final state is read after hundreds of <PAD> steps."
    )
    ids, imdb_post = review_ids()
    if len(ids) <= 1:
        st.warning("That review has no words. Type a few words.")
        return
    deps = {v: untrained_dependence(tuple(int(i) for i in ids), v)
            for v in rnn_inside.VARIANTS}
    dependence_chart(deps, "The lesson's SimpleRNN(64), freshly initialised: where the "
                           "final state's gradient comes from")
    st.markdown(charts.padding_caption(deps))
    quick_training(imdb_post)
    results = st.session_state.get(RESULTS_KEY, {})
    if results:
        trained = {v: rnn_inside.padding_dependence(r.model, ids, v)
                   for v, r in results.items()}
        dependence_chart(trained, "The same review through the models you just trained")
        st.markdown(charts.trained_caption(trained))

st.title("Inside a SimpleRNN · RNN 内部")
st.caption("One step in numbers, how fast each cell forgets, and why the lesson's SimpleRNN "
           f"scored {LESSON_RNN_ACCURACY}.")
one_step_section()
memory_section()
failure_section()
ui.notice(
    "An RNN is one small formula, tanh([h, x] · W + b), applied again and again with the "
    "same W. Repetition is also its weakness: the influence of an input shrinks at every "
    "step after it, fastest for the SimpleRNN. So where the padding goes decides what the "
    "final state remembers: pad 'pre' or mask the pads, and the words are the last thing "
    "the state read."
)
