"""Inside the LSTM: step through the gates, cell state and prediction on any review.

The gates come from `explainers.gates` and `explainers.tracer` (recomputed from the weights
and checked against Keras to 1e-5); the model is the shipped LSTM or a lab run (`model_picker`),
the review becomes its input through its `reviews.InputFormat`. The choices sit beside the cell
diagram, so diagram and step controls fill the first screen; `LINK` restores the view.

A token step happens in the browser: diagram and running prediction are one figure with a
frame per token (`charts.token_steps`). Figures are built once per inputs (`figure_cache`),
sections below the player rerun alone (`st.fragment`), only the heatmap asked for is built.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from explainers import corpus, gates
from lessons import figure_cache, links, ui
from lessons.charts import gates as draw
from lessons.charts import token_steps
from lessons.i18n import N_, _
from lessons.widgets import (
    attribution_view,
    match_view,
    model_diagram,
    model_picker,
    review_source,
)
from lessons.widgets.gate_view import View, reset_with, traced_review
from lessons.widgets.player import Player, frame_name

KEYS = "gates"  # every widget key starts with it; tests and links address widgets by key
MODEL_KEY, LAYER_KEY, UNIT_KEY = "gates_model", "gates_layer", "gates_unit"
ORDER_KEY, COLOUR_KEY, POOL_KEY = "gates_order", "gates_colour", "gates_pool"
HEATMAP_KEY = "gates_heatmap"  # which quantity's heatmap is built and shown
SPAN_KEY, SPAN_OF_KEY, THRESHOLD_KEY = "gates_span", "gates_span_of", "gates_threshold"
PLAYER = Player(KEYS, seconds=0.06, noun=N_("token"))  # Play: >= 10 tokens a second
POOL_REVIEWS = 200  # test reviews pooled for gate saturation: ~46,000 tokens, ~2 s once
TRUNCATED_SHOWN = 2_000  # cut-off tokens listed; the longest IMDB review has ~2,500 words
ECHO_CHARS = 2_000  # user text echoed in Markdown: a whole span (maxlen tokens), an error
THRESHOLD_STEP = 0.05  # the span threshold slider's step
ON_PERCENTILE = 85  # the threshold starts where a unit is "on" for 15 % of all cells
WINDOW = 12  # tokens shown either side of the current one above the diagram: about two lines
STEP_HEIGHT, DIAGRAM_HEIGHT = 880, 620  # the stepping figure with and without the prediction
LINKED_UNITS = 4_096  # a link's unit and layer are read up to here, then clamped to the model
LINK = links.Link(model_picker.link_field("model", MODEL_KEY), *review_source.link_fields(KEYS),
                  PLAYER.link_field("step"), links.number("unit", UNIT_KEY, 0, LINKED_UNITS),
                  links.number("layer", LAYER_KEY, 0, LINKED_UNITS), match_view.LINK_FIELD,
                  attribution_view.link_field(attribution_view.REVIEW_KEY),
                  model_diagram.link_field("diagram", "gates"))
POOLS = {"review": N_("this review"), "test": N_("the first {n} IMDB test reviews")}
ORDERS = {"number": N_("unit number"), "change": N_("how much they change (most first)")}
SAYINGS = ("conveyor_belt", "forget_gate", "input_gate", "output_gate")  # beside the diagram
TITLE = N_("Inside the LSTM: gates, token by token")
INTRO = N_("Keras never shows an LSTM's gates, so we recompute them from the layer's weights "
           "(checked against Keras's own outputs to 1e-5). Pick a review and walk through it "
           "one token at a time: what the forget gate keeps on the conveyor belt, what the "
           "input gate writes, and what the model believes after each word.")
CANDIDATE = N_("The lesson calls the candidate g the “update gate” or the “current-state gate”; "
               "this app calls it the candidate, and keeps “update gate” for the GRU's.")
NOTICE = N_("the prediction curve moves most on words like 'wonderful' or 'awful', and the "
            "units whose cell state jumps there are the ones the heatmaps sort to the top. The "
            "forget gate usually sits above the input gate: each step the belt keeps most of "
            "what it carries and writes only a little. A small sentiment model rarely drives "
            "its gates to 0 or 1; Karpathy's character models, trained far longer, often do.")


# --------------------------------------------------------------------------- cached work


@st.cache_resource(show_spinner=False, max_entries=4)
def pooled_trace(key: str, layer: int, location: str) -> gates.Trace:
    """One LSTM layer's gates over the first POOL_REVIEWS test reviews (from `location`)."""
    form, texts = model_picker.trained_model(key).input_format, ui.imdb_reviews("test")[0]
    return model_picker.tracer_for(key).pooled(map(form.prepare, texts[:POOL_REVIEWS]), layer)


# --------------------------------------------------------------------------- sections


def panel_section(view: View) -> int:
    """Below the choices: the review as the model sees it, the unit, the lesson's words."""
    st.subheader(_("The review as the model sees it"))
    review, form = view.review, view.model.input_format
    cols = st.columns(2) + st.columns(2)
    cols[0].metric(_("words in the text"), review.words)
    cols[1].metric(_("tokens read"), len(review.tokens),
                   help=_("<START> and the words the model keeps"))
    cols[2].metric(_("unknown → <UNK>"), review.unknown)
    cols[3].metric(_("cut off (maxlen)"), len(review.truncated))
    if review.truncated:
        with st.expander(_(draw.CUT[form.truncating], n=len(review.truncated),
                           maxlen=form.maxlen)):
            st.markdown(draw.token_html(review.truncated, limit=TRUNCATED_SHOWN, _=_),
                        unsafe_allow_html=True)
    if view.real.start > 0:
        st.caption(_("This model does not mask padding: it first reads {n} <PAD> tokens, "
                     "which move its state; they are traced but not drawn.", n=view.real.start))
    p = view.result.prediction
    st.markdown(_("**Prediction: {verdict}** (P(positive) = {p:.3f})",
                  verdict=review_source.verdict(int(p > 0.5)), p=p))
    units = view.trace.units
    reset_with(UNIT_KEY, view.context, int(np.argmax(gates.unit_change(view.trace, "c"))))
    if st.session_state[UNIT_KEY] >= units:  # a link to a wider layer
        st.session_state[UNIT_KEY] = units - 1
    unit = st.number_input(_("Unit to follow (0–{last})", last=units - 1), 0, units - 1,
                           key=UNIT_KEY, help=_("Starts on the unit whose cell state moves most."))
    for saying in SAYINGS:
        ui.lesson_says(saying)
    st.caption(_(CANDIDATE))
    return unit


def step_section(view: View, unit: int) -> None:
    """The player: the cell diagram and the running prediction, one frame per token, stepped
    by the figure's own slider and Play in the browser; it starts on the linked token."""
    tokens, running = view.review.tokens, view.result.running
    start = PLAYER.start(len(tokens))
    if running is not None:
        running = running[view.real]  # (T,)

    def build() -> tuple:  # drawn at token 0, then at `start` (frozen.at_frame)
        befores = [view.trace.before(view.real.start + t) for t in range(len(tokens))]
        large, names = ui.projector(), [frame_name(t) for t in range(len(tokens))]
        return (token_steps.step_figure(view.values, befores, tokens, unit, running, 0,
                                        WINDOW, large, _),
                token_steps.frames(view.values, befores, tokens, unit, running, names,
                                   WINDOW, large, _),
                PLAYER.controls(len(tokens), 0, _("Token"),
                                token_steps.BUTTONS_Y[running is not None]))

    figure_cache.keyed(("steps", view.context, unit), build,
          STEP_HEIGHT if running is not None else DIAGRAM_HEIGHT, frame=start)
    st.caption(PLAYER.play_help() + " " + _(
        "Colours: red = high, blue = low (gates run 0 → 1, g and h −1 → 1). The new belt value "
        "is c = f × c_prev + i × g; the output is h = o × tanh(c)."))
    if view.result.running_method == "batched prefixes":
        st.caption(_("A bidirectional layer reads the future too, so the prediction after "
                     "each token was found by scoring every prefix of the review."))


def marked_step(view: View) -> int:
    """The token the charts below mark (and where the player starts): a server rerun."""
    return PLAYER.slider(len(view.review.tokens), _("Token marked in the charts below"),
                         help=_("The player above steps in your browser. This token is "
                                "marked in the charts below, the player starts on it, and a "
                                "link to this view opens it."))


@st.fragment
def heatmap_section(view: View, step: int, unit: int) -> None:
    st.subheader(_("Every unit at every token"))
    values, tokens, units = view.values, view.review.tokens, view.trace.units
    names = draw.quantity_names(_)
    name = st.segmented_control(_("Heatmap of"), list(names), format_func=names.get,
                                key=HEATMAP_KEY, default=next(iter(names)))
    order_by = st.radio(_("Order units by"), tuple(ORDERS), horizontal=True, key=ORDER_KEY,
                        format_func={c: _(label) for c, label in ORDERS.items()}.get)
    name = name or next(iter(names))  # a click on the chosen one unselects it: keep it
    order = np.arange(units)
    if order_by == "change":
        order = np.argsort(-gates.unit_change(view.trace, "c"), kind="stable")
    figure_cache.keyed(("heatmap", view.context, name, order_by, step, unit),
          lambda: draw.heatmap(values[name], name, order, tokens, step, unit, _),
          max(320, 12 * units + 120))
    figure_cache.keyed(("units", view.context, step, unit),
          lambda: draw.unit_traces(values, unit, tokens, step, _), 340)


@st.fragment
def span_section(view: View, step: int) -> None:
    """LSTMVis-style: the units on over a span of tokens and off around it."""
    st.subheader(_("Which units fire on a phrase?"))
    st.caption(_("As in LSTMVis (Strobelt et al., 2018): pick a span of tokens and a threshold; "
                 "the units above the threshold inside the span and below it elsewhere rise to "
                 "the top."))
    tokens, span, cols = view.review.tokens, (0, 0), st.columns([3, 1, 1])
    if len(tokens) > 1:
        reset_with(SPAN_KEY, (view.context, step), (max(0, step - 2), step))  # follows step
        span = cols[0].slider(_("Span of tokens"), 0, len(tokens) - 1, key=SPAN_KEY)
    span_of = cols[1].selectbox(_("State"), ["h", "c"], key=SPAN_OF_KEY,
                                format_func=draw.quantity_names(_).get)
    chosen = view.values[span_of]  # (T, units)
    low, high, start = draw.threshold_range(chosen, THRESHOLD_STEP, ON_PERCENTILE)
    reset_with(THRESHOLD_KEY, (view.context, span_of), start)  # again for each state
    threshold = cols[2].slider(_("Threshold"), low, high, step=THRESHOLD_STEP, key=THRESHOLD_KEY)
    found, scores = gates.span_units(chosen, span[0], span[1] + 1, threshold)
    figure_cache.keyed(("span", view.context, span, span_of, threshold),
          lambda: draw.span_figure(chosen, found, scores, span, tokens, span_of, threshold, _),
          340)
    if scores[0] <= 0:
        st.caption(_("No unit is above the threshold more often inside the span than outside "
                     "it: lower the threshold or pick another span."))
    phrase = ui.inert(" ".join(tokens[span[0]:span[1] + 1]), ECHO_CHARS)
    st.markdown(draw.span_summary(phrase, int(found[0]), scores[0], threshold, _))
    match_view.match_section(view, span, span_of, threshold, found, scores, KEYS)


@st.fragment
def colour_section(view: View, step: int, unit: int) -> None:
    st.subheader(_("The text coloured by one unit"))
    name = st.selectbox(_("Colour by"), list(draw.QUANTITIES), index=4, key=COLOUR_KEY,
                        format_func=draw.quantity_names(_).get)
    series = view.values[name][:, unit]  # (T,)
    st.markdown(draw.coloured_tokens(view.review.tokens, step, series, name, unit, _),
                unsafe_allow_html=True)
    st.caption(_("Unit {unit}'s {quantity} after each token: red high, blue low (hover a word "
                 "for the number), as in Karpathy's char-rnn pictures.",
                 unit=unit, quantity=_(draw.QUANTITIES[name])))


@st.fragment
def saturation_section(view: View) -> None:
    st.subheader(_("Gate saturation"))
    over = st.radio(_("Count over"), tuple(POOLS), horizontal=True, key=POOL_KEY,
                    format_func={c: _(label, n=POOL_REVIEWS) for c, label in POOLS.items()}.get)
    source, where = view.trace, _(POOLS["review"])
    if over == "test":
        location = corpus.locate_imdb()
        if location is None:
            st.warning(_("The IMDB test reviews are not on this machine; counting over this "
                         "review only."))
        else:
            with st.spinner(_("Tracing the first test reviews…")):
                source = pooled_trace(view.key, view.index, str(location))
            where = _("the first {n} test reviews ({tokens:,} tokens)", n=POOL_REVIEWS,
                      tokens=int(source.mask.sum()))
    for column, figure in zip(st.columns(2), (draw.saturation_figure, draw.gate_histogram),
                              strict=True):
        with column:
            figure_cache.keyed((figure.__name__, view.context, where),
                               lambda f=figure: f(source, _), 440)
    st.markdown(draw.saturation_summary(source, where, _))
    st.caption(_("Left: one dot per unit and gate. Near the top-left corner the gate is almost "
                 "always open (> 0.9): for f, a unit that remembers for a long time. Near the "
                 "bottom-right it is almost always shut. Dots near (0, 0) are gates that take "
                 "in-between values and decide token by token (Karpathy, Johnson & Fei-Fei, "
                 "2015, figure 3). Right: the same gate values as a histogram; the dotted lines "
                 "are the 0.1 and 0.9 thresholds."))


def diagram_section(view: View) -> None:
    """The loaded model as boxes, and unrolled over the review's first tokens."""
    key = st.session_state[MODEL_KEY]
    model_diagram.show("gates", ("picked", key), lambda: model_picker.trained_model(key).model,
                       summary=True, tokens=tuple(view.review.tokens[:6]))


def header() -> None:
    st.title(_(TITLE))
    st.write(_(INTRO))
    LINK.restore()


# --------------------------------------------------------------------------- the page

header()
panel, stage = st.columns([1, 2], gap="large")
with panel:
    view = traced_review(KEYS, MODEL_KEY, LAYER_KEY, ECHO_CHARS)
if view is None:
    st.stop()
with panel:
    unit = panel_section(view)
with stage:
    step_section(view, unit)
step = marked_step(view)
attribution_view.review_section(view)
heatmap_section(view, step, unit)
span_section(view, step)
colour_section(view, step, unit)
saturation_section(view)
diagram_section(view)
ui.notice(_(NOTICE))
