"""Inside the LSTM: step through the gates, cell state and prediction on any review.

The gates come from `explainers.gates` and `explainers.tracer` (recomputed from the weights
and checked against Keras to 1e-5); the model is the shipped LSTM or a lab run, picked with
`model_picker.pick_model`; the review becomes the model's input through its `reviews.InputFormat`.
This page reads the widgets and draws with the figures of `lessons.charts.gates`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from explainers import cells, corpus, gates, reviews, runs, tracer
from lessons import ui
from lessons.charts import gates as draw
from lessons.widgets import model_picker
from lessons.widgets.player import Player
from lessons.widgets.review_source import choose_review

KEYS = "gates"  # every widget key starts with it; tests and links address widgets by key
MODEL_KEY, LAYER_KEY, UNIT_KEY = "gates_model", "gates_layer", "gates_unit"
ORDER_KEY, COLOUR_KEY, POOL_KEY = "gates_order", "gates_colour", "gates_pool"
SPAN_KEY, SPAN_OF_KEY, THRESHOLD_KEY = "gates_span", "gates_span_of", "gates_threshold"
PLAYER = Player(KEYS, seconds=0.6, noun="token")  # 0.6 s: long enough to read the diagram
POOL_REVIEWS = 200  # test reviews pooled for gate saturation: ~46,000 tokens, ~2 s once
TRUNCATED_SHOWN = 2_000  # cut-off tokens listed; the longest IMDB review has ~2,500 words
ECHO_CHARS = 2_000  # user text echoed in Markdown: a whole span (maxlen tokens), an error
THRESHOLD_STEP = 0.05  # the span threshold slider's step
ON_PERCENTILE = 85  # the threshold starts where a unit is "on" for 15 % of all cells
TITLE = "Inside the LSTM: gates, token by token · LSTM 门控逐词解析"
INTRO = ("Keras never shows an LSTM's gates, so we recompute them from the layer's weights "
         "(checked against Keras's own outputs to 1e-5). Pick a review and walk through it one "
         "token at a time: what the forget gate keeps on the conveyor belt, what the input "
         "gate writes, and what the model believes after each word.")
NOTICE = ("the prediction curve moves most on words like 'wonderful' or 'awful', and the units "
          "whose cell state jumps there are the ones the heatmaps sort to the top. The forget "
          "gate usually sits above the input gate: each step the belt keeps most of what it "
          "carries and writes only a little. A small sentiment model rarely drives its gates "
          "to 0 or 1; Karpathy's character models, trained far longer, often do.")


# --------------------------------------------------------------------------- cached work


@st.cache_resource(show_spinner="Reading the model's weights…", max_entries=4)
def tracer_for(key: str) -> tracer.ModelTracer:
    """The model's weights as NumPy, once per server per picker key."""
    return tracer.ModelTracer(model_picker.trained_model(key).model)


@st.cache_resource(show_spinner="Tracing every gate…", max_entries=32)
def trace(key: str, ids: tuple[int, ...]) -> tracer.ModelTrace:
    """Cached as a resource (shared, never mutated): no pickling of NumPy-laden traces."""
    return tracer_for(key).trace(np.asarray(ids, np.int32))


@st.cache_resource(show_spinner="Tracing the first test reviews…", max_entries=4)
def pooled_trace(key: str, layer: int, location: str) -> gates.Trace:
    """One LSTM layer's gates over the first POOL_REVIEWS test reviews (from `location`)."""
    form, texts = model_picker.trained_model(key).input_format, ui.imdb_reviews("test")[0]
    return tracer_for(key).pooled(map(form.prepare, texts[:POOL_REVIEWS]), layer)


# --------------------------------------------------------------------------- choosing


def reset_with(key: str, context, default) -> None:
    """Put a keyed widget back to `default` whenever `context` (the review, the step...)
    changes, as an unkeyed widget whose default changed would have been."""
    marker = f"{key}_for"
    if st.session_state.get(marker) != context or key not in st.session_state:
        st.session_state[key] = default
        st.session_state[marker] = context


@dataclass
class View:
    """One review traced through one layer of one model: what every section draws."""

    key: str  # the model's picker key
    model: runs.TrainedModel
    review: reviews.Prepared
    result: tracer.ModelTrace
    trace: gates.Trace  # the LSTM layer (and direction) shown
    index: int  # its place in result.lstm_layers()
    real: slice  # the review's own steps in the traced ids (without any <PAD>)
    label: int | None  # the true label of a test review

    @property
    def values(self) -> dict[str, np.ndarray]:  # each (T, units)
        return {name: self.trace.values[name][self.real] for name in draw.QUANTITIES}

    @property
    def context(self) -> tuple:
        """Which model, review and layer: keyed widgets start afresh when it changes."""
        return self.key, hash(self.result.ids.tobytes()), self.index


def traced_review() -> View | None:
    """Pick a model and a review, and trace it; None after saying what is missing."""
    key = model_picker.pick_model(
        "Model · 模型", lambda run: run.body == cells.LSTM.kind, key=MODEL_KEY,
        help="The shipped model, or any LSTM trained in the Sentiment lab.",
        no_runs="Train an LSTM in the Sentiment lab and it appears here too (stacked and "
                "bidirectional ones included).")
    if key is None:
        st.error("No LSTM model here: the shipped one is missing (rebuild it with "
                 "scripts/train_lstm_sentiment.py) and no lab run is an LSTM.")
        return None
    try:
        model, reader = model_picker.trained_model(key), tracer_for(key)
    except Exception as error:  # a damaged run or asset: say so and stop, never a traceback
        st.error(f"This model cannot be opened: {ui.inert(str(error), ECHO_CHARS)}")
        return None
    picked = choose_review(KEYS)
    if picked is None:
        ui.notice("upload a plain-text review, or pick another source above.")
        return None
    try:
        review = reviews.check_review(picked[0], model.input_format)
    except reviews.BadReview as error:
        st.error(str(error))
        ui.notice(f"the model only knows the {model.input_format.vocabulary.size:,} most "
                  "frequent words of the training reviews; everything else becomes <UNK>.")
        return None
    ids, real = review.for_model(reader.mask_zero)
    result = trace(key, tuple(int(i) for i in ids))
    layers = result.lstm_layers()
    if not layers:
        st.warning("This model has no LSTM layer; the gates shown here are an LSTM's.")
        return None
    index = 0
    if len(layers) > 1:
        index = st.selectbox("Layer and direction · 层与方向", range(len(layers)),
                             format_func=lambda k: layers[k].label, key=LAYER_KEY)
    return View(key, model, review, result, layers[index].trace, index, real, picked[1])


# --------------------------------------------------------------------------- sections


def overview_section(view: View) -> None:
    st.subheader("The review as the model sees it · 模型眼中的影评")
    review, form = view.review, view.model.input_format
    cols = st.columns(4)
    cols[0].metric("words in the text", review.words)
    cols[1].metric("tokens read", len(review.tokens), help="<START> and the words the model keeps")
    cols[2].metric("unknown → <UNK>", review.unknown)
    cols[3].metric("cut off (maxlen)", len(review.truncated))
    if review.truncated:
        kept = "last" if form.truncating == "pre" else "first"
        with st.expander(f"{len(review.truncated)} tokens were cut off: the model only "
                         f"reads the {kept} {form.maxlen} (truncating='{form.truncating}')"):
            st.markdown(draw.token_html(review.truncated, limit=TRUNCATED_SHOWN),
                        unsafe_allow_html=True)
    if view.real.start > 0:
        st.caption(f"This model does not mask padding: it first reads {view.real.start} <PAD> "
                   "tokens, which move its state; they are traced but not drawn.")
    verdict, label = view.result.prediction, view.label
    truth = "" if label is None else f" · true label: {'positive' if label else 'negative'}"
    st.markdown(f"**Prediction: {'positive 👍' if verdict > 0.5 else 'negative 👎'}** "
                f"(P(positive) = {verdict:.3f}){truth}")


def step_section(view: View) -> tuple[int, int]:
    """The player, the unit to follow and the cell diagram: (step, unit)."""
    st.subheader("Step through it · 逐词查看")
    values, tokens = view.values, view.review.tokens
    steps, units = values["h"].shape
    step = PLAYER.controls(steps, "Token · 词")
    reset_with(UNIT_KEY, view.context, int(np.argmax(gates.unit_change(view.trace, "c"))))
    unit = st.number_input(f"Unit to follow (0–{units - 1}) · 单元", 0, units - 1,
                           key=UNIT_KEY, help="Starts on the unit whose cell state moves most.")
    st.markdown(draw.token_html(tokens, step), unsafe_allow_html=True)
    if view.result.running is not None:
        ui.chart(draw.running_figure(view.result.running[view.real], tokens, step), height=300)
        if view.result.running_method == "batched prefixes":
            st.caption("A bidirectional layer reads the future too, so the prediction after "
                       "each token was found by scoring every prefix of the review.")
    # the state before this token, in the full trace (after any <PAD> the model reads)
    before = view.trace.before(view.real.start + step)
    ui.chart(draw.cell_diagram(values, step, unit, before, tokens[step], ui.projector()),
             height=430)
    st.caption("Colours: red = high, blue = low (gates run 0 → 1, g and h −1 → 1). "
               "The new belt value is c = f × c_prev + i × g; the output is h = o × tanh(c).")
    return step, unit


def heatmap_section(view: View, step: int, unit: int) -> None:
    st.subheader("Every unit at every token · 全部单元的热力图")
    values, tokens, units = view.values, view.review.tokens, view.trace.units
    order_by = st.radio("Order units by", ["unit number", "how much they change (most first)"],
                        horizontal=True, key=ORDER_KEY)
    order = np.arange(units)
    if order_by.startswith("how"):
        order = np.argsort(-gates.unit_change(view.trace, "c"), kind="stable")
    tabs = st.tabs(list(draw.QUANTITIES.values()))
    for tab, name in zip(tabs, draw.QUANTITIES, strict=True):
        with tab:
            ui.chart(draw.heatmap(values[name], name, order, tokens, step, unit),
                     height=max(320, 12 * units + 120))
    ui.chart(draw.unit_traces(values, unit, tokens, step), height=340)


def threshold_slider(values: np.ndarray, context) -> float:
    """A threshold over the range of `values` (T, units) in THRESHOLD_STEPs, starting where a
    unit is on for 15 % of the cells, and again whenever `context` changes."""
    grid = 1 / THRESHOLD_STEP
    low = float(np.floor(np.nanmin(values) * grid) / grid)
    high = max(float(np.ceil(np.nanmax(values) * grid) / grid), low + THRESHOLD_STEP)
    start = np.round(np.nanpercentile(values, ON_PERCENTILE) * grid) / grid
    reset_with(THRESHOLD_KEY, context, float(np.clip(start, low, high)))
    return st.slider("Threshold", low, high, step=THRESHOLD_STEP, key=THRESHOLD_KEY)


def span_section(view: View, step: int) -> None:
    """LSTMVis-style: the units on over a span of tokens and off around it."""
    st.subheader("Which units fire on a phrase? · 哪些单元对短语敏感")
    st.caption("As in LSTMVis (Strobelt et al., 2018): pick a span of tokens and a threshold; the "
               "units above the threshold inside the span and below it elsewhere rise to the top.")
    tokens, span, cols = view.review.tokens, (0, 0), st.columns([3, 1, 1])
    if len(tokens) > 1:
        reset_with(SPAN_KEY, (view.context, step), (max(0, step - 2), step))  # follows step
        span = cols[0].slider("Span of tokens · 词段", 0, len(tokens) - 1, key=SPAN_KEY)
    span_of = cols[1].selectbox("State", ["h", "c"], format_func=draw.QUANTITIES.get,
                                key=SPAN_OF_KEY)
    chosen = view.values[span_of]  # (T, units)
    with cols[2]:
        threshold = threshold_slider(chosen, (view.context, span_of))
    found, scores = gates.span_units(chosen, span[0], span[1] + 1, threshold)
    ui.chart(draw.span_figure(chosen, found, scores, span, tokens, span_of, threshold),
             height=340)
    if scores[0] <= 0:
        st.caption("No unit is above the threshold more often inside the span than outside "
                   "it: lower the threshold or pick another span.")
    phrase = ui.inert(" ".join(tokens[span[0]:span[1] + 1]), ECHO_CHARS)
    st.markdown(f"Span: **{phrase}** · best unit **{int(found[0])}** (score "
                f"{scores[0]:+.2f}: share of span tokens above {threshold:g} minus the share "
                "elsewhere)")


def colour_section(view: View, step: int, unit: int) -> None:
    st.subheader("The text coloured by one unit · 按单元激活着色的文本")
    name = st.selectbox("Colour by", list(draw.QUANTITIES), index=4,
                        format_func=draw.QUANTITIES.get, key=COLOUR_KEY)
    series = view.values[name][:, unit]  # (T,)
    st.markdown(draw.coloured_tokens(view.review.tokens, step, series, name, unit),
                unsafe_allow_html=True)
    st.caption(f"Unit {unit}'s {draw.QUANTITIES[name]} after each token: red high, blue low "
               "(hover a word for the number), as in Karpathy's char-rnn pictures.")


def saturation_section(view: View) -> None:
    st.subheader("Gate saturation · 门的饱和度")
    over = st.radio("Count over", ["this review", f"the first {POOL_REVIEWS} IMDB test "
                    "reviews"], horizontal=True, key=POOL_KEY)
    source, where = view.trace, "this review"
    if over != "this review":
        location = corpus.locate_imdb()
        if location is None:
            st.warning("The IMDB test reviews are not on this machine; counting over this "
                       "review only.")
        else:
            source = pooled_trace(view.key, view.index, str(location))
            where = f"the first {POOL_REVIEWS} test reviews ({int(source.mask.sum()):,} tokens)"
    for column, figure in zip(st.columns(2), (draw.saturation_figure, draw.gate_histogram),
                              strict=True):
        with column:
            ui.chart(figure(source), height=440)
    counted = gates.saturated_units(source)
    st.markdown(f"Over {where}, units whose gate is saturated on more than "
                f"{gates.SATURATED_SHARE:.0%} of tokens: " + ", ".join(
                    f"**{g}**: {counted[g]} of {source.units}" for g in draw.SIGMOID_GATES)
                + ".")
    st.caption("Left: one dot per unit and gate. Near the top-left corner the gate is almost "
               "always open (> 0.9): for f, a unit that remembers for a long time. Near the "
               "bottom-right it is almost always shut. Dots near (0, 0) are gates that take "
               "in-between values and decide token by token (Karpathy, Johnson & Fei-Fei, "
               "2015, figure 3). Right: the same gate values as a histogram; the dotted lines "
               "are the 0.1 and 0.9 thresholds.")


# --------------------------------------------------------------------------- the page

st.title(TITLE)
st.write(INTRO)
view = traced_review()
if view is None:
    st.stop()
overview_section(view)
step, unit = step_section(view)
heatmap_section(view, step, unit)
span_section(view, step)
colour_section(view, step, unit)
saturation_section(view)
PLAYER.keep_playing(step, len(view.review.tokens))
ui.notice(NOTICE)
