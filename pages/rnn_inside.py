"""Inside a SimpleRNN: one step in numbers, gradients through time, and the lesson's failure.

All the maths lives in `explainers.rnn_inside` (checked against Keras); this page reads the
widgets, caches by settings and draws.
"""

from __future__ import annotations

import html
import re

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from explainers import cells, data, lesson, live, reviews, rnn_inside
from pages import ui

EXAMPLE = "The film was not good, it was great"
TRAIN_SIZES = (1_000, 2_000, 3_000, 5_000, 10_000)  # reviews for the quick training
REVIEW_LIMIT = 20_000  # characters of a typed review that are read
RESULTS_KEY = "inside_quick_results"  # session state: variant -> QuickResult
JOB_KEY = "inside_quick_job"  # session state: the live.Job of the quick training running
SPEC_KEY = "inside_quick_spec"  # session state: the rnn_inside.QuickJob it runs
TRAINED_MEMORY_KEY = "inside_memory_trained"  # session state: trained profiles were asked for
LESSON_RNN_ACCURACY = lesson.SIMPLE_RNN.test_accuracy  # the post-padded SimpleRNN's score
COLOURS = {"simplernn": "#d62728", "lstm": "#1f77b4", "gru": "#2ca02c",
           "post": "#d62728", "pre": "#1f77b4", "masked": "#2ca02c"}


# --------------------------------------------------------------------------- cached work


@st.cache_data(show_spinner=False, max_entries=64)
def walk(text: str, seed: int) -> rnn_inside.Walkthrough:
    return rnn_inside.walkthrough(text, seed=seed)


@st.cache_data(show_spinner="Measuring gradients through time…", max_entries=16)
def memory(cell: str, trained: bool, config: rnn_inside.MemoryConfig) -> rnn_inside.MemoryProfile:
    return rnn_inside.gradient_profile(cell, trained, config)


@st.cache_data(show_spinner="Differentiating the final state…", max_entries=32)
def untrained_dependence(ids: tuple[int, ...], variant: str) -> rnn_inside.Dependence:
    """The untrained lesson model's dependence; keyed by the review's ids, never a model."""
    model = rnn_inside.untrained_model(variant)
    return rnn_inside.padding_dependence(model, np.asarray(ids), variant)


def vector_table(values: dict[str, np.ndarray]) -> pd.DataFrame:
    return pd.DataFrame({k: np.round(v, 3) for k, v in values.items()}).T


# --------------------------------------------------------------------------- one step


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
    h_names = [f"h{i + 1}" for i in range(rnn_inside.WALK_H)]
    x_names = [f"x{i + 1}" for i in range(rnn_inside.WALK_X)]
    st.markdown(
        f"Step {t}: the word **{html.escape(step.token)}** → x_{t} = "
        f"`{np.round(step.x, 2).tolist()}` (its row of a tiny embedding)."
    )
    left, right = st.columns([3, 2])
    with left:
        st.markdown("**1. Concatenate [h_{t-1}, x_t] · 拼接** (7 numbers)")
        st.dataframe(pd.DataFrame([np.round(step.concat, 3)],
                                  columns=[f"{n}(t-1)" for n in h_names] + x_names,
                                  index=["[h_{t-1}, x_t]"]), width="stretch")
        st.markdown("**2. Multiply by W · 乘以权重** (7 × 4: the first 4 rows act on h_{t-1}, "
                    "Keras's `recurrent_kernel`; the last 3 on x_t, its `kernel`)")
        st.dataframe(pd.DataFrame(w.W, index=[f"{n}(t-1)" for n in h_names] + x_names,
                                  columns=h_names), width="stretch")
    with right:
        st.markdown("**3. Add b, squash with tanh · 加偏置，tanh**")
        st.dataframe(vector_table({
            "[h_{t-1}, x_t] · W": step.product, "+ b": w.bias, "= z": step.z,
            "h_t = tanh(z)": step.h,
        }).set_axis(h_names, axis=1), width="stretch")
        i = 0
        terms = " + ".join(f"({c:.3g})({wt:g})" for c, wt in zip(step.concat, w.W[:, i],
                                                                  strict=True))
        st.caption(f"h{i + 1}: {terms} + ({w.bias[i]:g}) = {step.z[i]:.3f}; "
                   f"tanh({step.z[i]:.3f}) = {step.h[i]:.3f}")
    ours = np.stack([s.h for s in w.steps])  # (T, h)
    fig = make_subplots(rows=1, cols=2, subplot_titles=(
        "h_t computed by hand (above)", "h_t from keras.layers.SimpleRNN"))
    for col, values in ((1, ours), (2, w.keras_h)):
        fig.add_trace(go.Heatmap(z=values.T, x=[f"{k + 1}:{tok}" for k, tok in
                                                 enumerate(w.tokens)],
                                 y=h_names, zmin=-1, zmax=1, colorscale="RdBu",
                                 showscale=col == 2), row=1, col=col)
    ui.chart(fig, height=260)
    agree = w.max_difference < 1e-9
    st.markdown(
        f"{'✅' if agree else '❌'} Largest difference between the hand computation and "
        f"Keras over all {len(w.tokens)} steps: **{w.max_difference:.1e}**. The same 7 × 4 "
        "W and 4 biases serve every word: that is the weight sharing of an RNN (权值共享)."
    )


# --------------------------------------------------------------------------- memory


def memory_section() -> None:
    st.header("Memory like a fish · 金鱼的记忆")
    config = rnn_inside.MemoryConfig()
    st.caption(
        f"One random sequence of {config.steps} steps ({config.input_dim} numbers each) goes "
        f"into a SimpleRNN, an LSTM and a GRU with {config.units} units. For every earlier "
        "input x_t we measure |∂h_T/∂x_t|: how much the final state would move if x_t moved."
    )
    trained = st.session_state.get(TRAINED_MEMORY_KEY, False)
    if not trained and st.button(
        "Also train each cell for a few seconds on a memory task",
        help=f"Task: the label is the sign of feature 0 summed over every step; "
             f"{config.train_samples} sequences, {config.epochs} epochs per cell.",
    ):
        st.session_state[TRAINED_MEMORY_KEY] = trained = True
    profiles = {(c, False): memory(c, False, config) for c in cells.KINDS}
    if trained:
        with st.spinner("Training SimpleRNN, LSTM and GRU on the memory task…"):
            profiles |= {(c, True): memory(c, True, config) for c in cells.KINDS}
    fig = make_subplots(rows=1, cols=3, shared_yaxes=True, subplot_titles=[
        cells.display_name(c) for c in cells.KINDS])
    steps_back = np.arange(config.steps)[::-1]  # steps before the end
    for col, cell in enumerate(cells.KINDS, start=1):
        for is_trained in (False, True):
            if (cell, is_trained) not in profiles:
                continue
            p = profiles[(cell, is_trained)]
            fig.add_trace(go.Scatter(
                x=steps_back, y=np.maximum(p.norms, 1e-30), mode="lines",
                name=f"{cells.display_name(cell)}, {'trained' if is_trained else 'untrained'}",
                line={"color": COLOURS[cell], "dash": "solid" if is_trained else "dot"},
            ), row=1, col=col)
        fig.update_xaxes(title_text="steps before the end (T − t)", autorange="reversed",
                         row=1, col=col)
    fig.update_yaxes(type="log", exponentformat="power")
    fig.update_yaxes(title_text="|∂h_T/∂x_t| (log)", row=1, col=1)
    ui.chart(fig, height=380)
    rows = [{
        "Cell": cells.display_name(c), "Weights": "trained" if t else "untrained",
        "|∂h_T/∂x_T| (last input)": f"{p.norms[-1]:.2e}",
        "|∂h_T/∂x_1| (first input)": f"{p.norms[0]:.2e}",
        "first ÷ last": f"{p.ratio:.1e}",
        "Task accuracy": f"{p.accuracy:.2f}",
    } for (c, t), p in profiles.items()]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
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


# --------------------------------------------------------------------------- failure


def review_ids() -> tuple[np.ndarray, str, data.ImdbData | None]:
    """The review to analyse as ids, a description, and IMDB when it is on this machine."""
    imdb = None
    try:
        imdb = ui.imdb(rnn_inside.imdb_config("post"))
        texts, labels = ui.imdb_reviews("test")
    except data.DataUnavailable as error:
        ui.data_missing(error)
        st.caption("Without IMDB you can still type a review; its words get stable stand-in "
                   "ids, which is enough to see where the gradient goes. The quick training "
                   "needs the real reviews.")
        texts, labels = [], None
    source = "A test review" if texts else "Type a review"
    if texts:
        source = st.radio("Review", ["A test review", "Type a review"], horizontal=True,
                          key="inside_source")
    if source == "A test review":
        k = int(st.number_input(f"Test review number (0-{len(texts) - 1})", 0,
                                len(texts) - 1, 0, key="inside_review"))
        text = texts[k]
        label = "positive" if labels[k] else "negative"
        shown = re.sub(r"<br\s*/?>", " ", text[:300])
        st.caption(f"Review {k} ({label}): {html.escape(shown)}…")
    else:
        text = st.text_area("Your review", "I loved this film. The acting was wonderful and "
                            "the story kept me watching until the very end.",
                            key="inside_typed")[:REVIEW_LIMIT]
    if imdb is not None:  # the review as the lesson's model reads it, cut to its 500 steps
        ids = reviews.InputFormat.of_imdb(imdb).prepare(text).ids
    else:
        ids = rnn_inside.fallback_ids(text)
    return ids, text, imdb


def dependence_chart(deps: dict[str, rnn_inside.Dependence], title: str) -> None:
    fig = make_subplots(rows=len(deps), cols=1, shared_xaxes=True, vertical_spacing=0.08,
                        subplot_titles=[rnn_inside.VARIANT_NAMES[v] for v in deps])
    for row, (variant, dep) in enumerate(deps.items(), start=1):
        positions = np.arange(len(dep.ids))
        for is_real, name in ((True, "real words"), (False, "<PAD> steps")):
            keep = (dep.real == is_real) & (dep.norms > 0)  # masked pads: exactly 0, skipped
            fig.add_trace(go.Scatter(
                x=positions[keep], y=dep.norms[keep], mode="markers",
                marker={"size": 4, "color": COLOURS[variant] if is_real else "#999999"},
                name=name, showlegend=row == 1, legendgroup=name,
            ), row=row, col=1)
        fig.update_yaxes(type="log", title_text="|∂h_T/∂x_t|", row=row, col=1)
        if np.any(dep.norms[~dep.real] == 0):
            fig.add_annotation(text="<PAD> steps masked: gradient exactly 0 (not drawn)",
                               x=0.98, xref="x domain", y=0.5, yref="y domain",
                               showarrow=False, row=row, col=1)
    fig.update_xaxes(title_text="position in the padded review (0-499)", row=len(deps), col=1)
    fig.update_layout(title=title)
    ui.chart(fig, height=170 * len(deps) + 120)
    st.dataframe(pd.DataFrame([{
        "Variant": rnn_inside.VARIANT_NAMES[v],
        "Real words / pads": f"{int(d.real.sum())} / {int((~d.real).sum())}",
        "<PAD> steps after the last word": d.words_from_end,
        "Share of the gradient on real words": f"{d.real_share:.1%}",
        "Mean |∂h_T/∂x_t| per real word": f"{d.norms[d.real].mean():.3g}",
    } for v, d in deps.items()]), hide_index=True, width="stretch")


def epoch_caption(snap: live.Snapshot) -> None:
    """Under the live panel: each finished epoch's training accuracy."""
    if snap.records:
        st.caption("Training accuracy per epoch: " + ", ".join(
            f"{a:.3f}" for a in snap.series("accuracy")))


def start_quick(spec: rnn_inside.QuickJob) -> None:
    """Train one variant as this session's live job."""
    if ui.start_job(JOB_KEY, rnn_inside.run_quick, spec, spec.config.epochs):
        st.session_state[SPEC_KEY] = spec


def quick_training(imdb_post: data.ImdbData | None) -> None:
    st.subheader("A quick training of each · 快速训练对比")
    a, b = st.columns(2)
    size = a.select_slider("Training reviews", TRAIN_SIZES, rnn_inside.QuickConfig.train_size,
                           key="inside_train_size")
    epochs = b.slider("Epochs", 1, 6, rnn_inside.QuickConfig.epochs, key="inside_epochs")
    config = rnn_inside.QuickConfig(train_size=size, epochs=epochs)
    st.caption(
        f"The lesson's model (Embedding(10000, 16) → SimpleRNN({config.units}) → Dense(64) → "
        f"Dense(1)) trained on the first {config.train_size:,} training reviews for "
        f"{config.epochs} epochs (batch {config.batch_size}, learning rate "
        f"{config.learning_rate:g}), scored on {config.test_size:,} test reviews. At "
        "3,000 × 3 each took 80-120 s on a busy 2-core test machine (fewer reviews are "
        "faster, but the 'pre' model may not take off). The masked one skips its pads, so "
        "its batches are cut to their longest review: the same result, only faster."
    )
    if imdb_post is None:
        st.info("The quick training needs the IMDB reviews (see the note above).")
        return
    results: dict = st.session_state.setdefault(RESULTS_KEY, {})
    job, spec = st.session_state.get(JOB_KEY), st.session_state.get(SPEC_KEY)
    if job is not None and not job.running:  # it ended: keep its result, or say why not
        del st.session_state[JOB_KEY]
        if job.error is not None:
            st.error(f"Training failed: {job.error}")
        else:
            results[spec.variant] = job.result
        job = None
    cols = st.columns(len(rnn_inside.VARIANTS))
    for col, variant in zip(cols, rnn_inside.VARIANTS, strict=True):
        if col.button(f"Train: {rnn_inside.VARIANT_NAMES[variant]}", key=f"inside_train_{variant}",
                      disabled=variant in results or job is not None):
            start_quick(rnn_inside.QuickJob(variant, config))
            st.rerun()  # draw the page again with the job (and the buttons disabled)
    if job is not None:
        name = rnn_inside.VARIANT_NAMES[spec.variant]
        ui.live_panel(job, "inside", label=lambda snap: f"{name}: {ui.live_label(snap)}",
                      draw=epoch_caption)
    for variant, r in results.items():
        if r.stopped:
            st.caption(f"{rnn_inside.VARIANT_NAMES[variant]}: stopped by you after "
                       f"{r.epochs_run} full epoch(s) of {r.config.epochs}; the model as "
                       "trained so far was scored and is kept below.")
    if not results:
        if job is None:
            st.caption("Press a button to train; results stay for this session.")
        return
    names = [rnn_inside.VARIANT_NAMES[v] for v in results]
    fig = go.Figure(go.Bar(
        x=names, y=[r.test_accuracy for r in results.values()],
        marker_color=[COLOURS[v] for v in results],
        text=[f"{r.test_accuracy:.3f}" for r in results.values()], textposition="outside",
    ))
    fig.add_hline(y=0.5, line_dash="dot", annotation_text="coin toss 0.5")
    fig.add_hline(y=LESSON_RNN_ACCURACY, line_dash="dash", line_color="#d62728",
                  annotation_text=f"the lesson's SimpleRNN: {LESSON_RNN_ACCURACY}",
                  annotation_position="bottom right")
    fig.update_layout(yaxis={"range": [0.4, 1.0], "title": "test accuracy"},
                      title="Test accuracy after the quick training")
    ui.chart(fig, height=380)
    st.dataframe(pd.DataFrame([{
        "Variant": rnn_inside.VARIANT_NAMES[v],
        "Test accuracy": f"{r.test_accuracy:.3f}",
        "Reviews × epochs": f"{r.config.train_size:,} × {r.epochs_run}"
                            + (" (stopped)" if r.stopped else ""),
        "Training accuracy per epoch": ", ".join(f"{a:.3f}" for a in r.history["accuracy"]),
        "Seconds": f"{r.seconds:.0f}",
    } for v, r in results.items()]), hide_index=True, width="stretch")
    if st.button("Clear these results", key="inside_clear"):
        st.session_state[RESULTS_KEY] = {}
        st.rerun()


def failure_section() -> dict:
    st.header("The lesson's failure explained · 课程中 SimpleRNN 为何失败")
    st.markdown(
        f"The lesson padded every review **after** its words (`padding='post'`) to 500 "
        f"tokens and read only the SimpleRNN's final state: test accuracy "
        f"**{LESSON_RNN_ACCURACY}**, a coin toss. An average review has ~230 words, so the "
        "final state is read after hundreds of <PAD> steps."
    )
    ids, _, imdb_post = review_ids()
    if len(ids) <= 1:
        st.warning("That review has no words. Type a few words.")
        return {}
    deps = {v: untrained_dependence(tuple(int(i) for i in ids), v)
            for v in rnn_inside.VARIANTS}
    dependence_chart(deps, "The lesson's SimpleRNN(64), freshly initialised: where the "
                           "final state's gradient comes from")
    post, pre = deps["post"], deps["pre"]
    st.markdown(
        f"With 'post' padding the review's {int(post.real.sum())} tokens are followed by "
        f"{post.words_from_end} <PAD> steps, and the pads take **{1 - post.real_share:.1%}** "
        f"of the final state's gradient (words: {post.real_share:.1%}); with 'pre' padding "
        f"the words are the last thing read ({pre.real_share:.1%}), and with masking the "
        f"pads are skipped altogether ({deps['masked'].real_share:.0%}). Training changes a "
        "word's embedding in proportion to this gradient. In a freshly initialised network "
        "(orthogonal W_h, small inputs) the gradient decays only slowly, so the early words "
        "still get some; but every update of W_h is now driven mostly by the pads, and as "
        "W_h learns, the products of hundreds of per-step factors shrink (or blow up): the "
        "words of a post-padded review stop reaching the output. Train the three below "
        "and compare the trained models' charts."
    )
    quick_training(imdb_post)
    results = st.session_state.get(RESULTS_KEY, {})
    if results:
        trained = {v: rnn_inside.padding_dependence(r.model, ids, v)
                   for v, r in results.items()}
        dependence_chart(trained, "The same review through the models you just trained")
        means = "; ".join(
            f"{rnn_inside.VARIANT_NAMES[v]}: {d.norms[d.real].mean():.3g}"
            for v, d in trained.items())
        st.markdown(
            f"Mean gradient reaching each real word after training — {means}. Compare with "
            "the freshly initialised network above: where the words sit behind hundreds of "
            "pads, training has made that gradient collapse, so their embeddings stop "
            "learning and the accuracy stays at a coin toss."
        )
    return deps


st.title("Inside a SimpleRNN · RNN 内部")
st.caption("One step in numbers, how fast each cell forgets, and why the lesson's SimpleRNN "
           "scored 0.4993.")
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
