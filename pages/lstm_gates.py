"""Inside the LSTM: step through the gates, cell state and prediction on any review.

The gates come from `explainers.gates` and `explainers.tracer` (recomputed from the weights
and checked against Keras to 1e-5); the model is the shipped LSTM or a lab run, picked with
`ui.pick_model`; the review becomes the model's input through its `reviews.InputFormat`.
This page reads the widgets and draws.
"""

from __future__ import annotations

import html
import time
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from explainers import data, gates, reviews, runs, tracer
from pages import ui

STEP_KEY = "gates_step"  # the token slider
NEXT_KEY = "gates_step_next"  # a step set by a button or by play, applied before the slider
PLAY_KEY = "gates_playing"
MODEL_KEY = "gates_model"  # widget keys: tests and links address the widgets by them
SOURCE_KEY = "gates_source"
REVIEW_KEY = "gates_review"
TEXT_KEY = "gates_text"
UPLOAD_KEY = "gates_upload"
LAYER_KEY = "gates_layer"
UNIT_KEY = "gates_unit"
ORDER_KEY = "gates_order"
SPAN_KEY = "gates_span"
SPAN_OF_KEY = "gates_span_of"
THRESHOLD_KEY = "gates_threshold"
COLOUR_KEY = "gates_colour"
POOL_KEY = "gates_pool"
PLAY_SECONDS = 0.6  # pause between tokens while playing: long enough to read the diagram
SOURCES = ("IMDB test review", "Type or paste", "Upload a .txt")
EXAMPLE = (
    "I expected a dull remake, but this film surprised me. The acting is wonderful and "
    "the story is moving, even if the ending drags a little. Not perfect, but I loved it."
)
QUANTITIES = {"i": "input gate i · 输入门", "f": "forget gate f · 遗忘门",
              "g": "candidate g · 候选值", "o": "output gate o · 输出门",
              "c": "cell state c · 细胞状态", "h": "hidden state h · 隐藏状态"}
SCALES = {"i": (0, 1), "f": (0, 1), "o": (0, 1), "g": (-1, 1), "h": (-1, 1), "c": None}
COLOURS = {"i": "#ff7f0e", "f": "#1f77b4", "g": "#9467bd", "o": "#2ca02c", "c": "#f2a541",
           "h": "#2a9d8f"}  # one colour per quantity, the same on every chart
MAX_TOKENS_SHOWN = 600  # token chips drawn above the slider; a review is ~230 on average
POOL_REVIEWS = 200  # test reviews pooled for gate saturation: ~46,000 tokens, ~2 s once


# --------------------------------------------------------------------------- cached work


@st.cache_resource(show_spinner="Reading the model's weights…", max_entries=4)
def tracer_for(key: str) -> tracer.ModelTracer:
    """The model's weights as NumPy, once per server per picker key."""
    return tracer.ModelTracer(ui.trained_model(key).model)


@st.cache_resource(show_spinner="Tracing every gate…", max_entries=32)
def trace(key: str, ids: tuple[int, ...]) -> tracer.ModelTrace:
    """Cached as a resource (shared, never mutated): no pickling of NumPy-laden traces."""
    return tracer_for(key).trace(np.asarray(ids, np.int32))


@st.cache_resource(show_spinner="Loading the test reviews…", max_entries=2)
def test_reviews(location: str):
    """The raw test reviews, cached by where they are read from (data can appear later)."""
    return data.load_imdb_reviews("test")


@st.cache_resource(show_spinner="Tracing the first test reviews…", max_entries=4)
def pooled_trace(key: str, layer: int, location: str) -> gates.Trace:
    """One layer's gates over the first POOL_REVIEWS test reviews, pads left out."""
    form, reader = ui.trained_model(key).input_format, tracer_for(key)
    texts, _ = test_reviews(location)
    traces, keep = [], []
    for text in texts[:POOL_REVIEWS]:
        ids, real = form.prepare(text).for_model(reader.mask_zero)
        traces.append(reader.trace(ids, running=False).lstm_layers()[layer].trace)
        keep.append(real)
    return gates.pooled(traces, keep)


# --------------------------------------------------------------------------- choosing


def is_lstm(record: runs.RunRecord) -> bool:
    """The runs this page can show: an LSTM body (stacked and bidirectional ones too)."""
    return record.body == "lstm"


def reset_with(key: str, context, default) -> None:
    """Put a keyed widget back to `default` whenever `context` (the review, the step...)
    changes, as an unkeyed widget whose default changed would have been."""
    marker = f"{key}_for"
    if st.session_state.get(marker) != context or key not in st.session_state:
        st.session_state[key] = default
        st.session_state[marker] = context


def choose_text() -> tuple[str, int | None] | None:
    """(review text, true label or None), or None after saying what is wrong."""
    source = st.radio("Review · 影评", SOURCES, horizontal=True, key=SOURCE_KEY)
    if source == SOURCES[0]:
        try:
            texts, labels = test_reviews(str(data.locate_imdb()))
        except data.DataUnavailable as error:
            ui.data_missing(error)
            st.caption("Showing the example review instead.")
            return EXAMPLE, None
        index = st.number_input(f"Test review number (0–{len(texts) - 1:,})", 0,
                                len(texts) - 1, min(7, len(texts) - 1), key=REVIEW_KEY)
        label = int(labels[int(index)])
        st.caption(f"True label: **{'positive 👍' if label else 'negative 👎'}**")
        return texts[int(index)], label
    if source == SOURCES[1]:
        return st.text_area("Your review (English)", EXAMPLE, height=110, key=TEXT_KEY), None
    upload = st.file_uploader("A review as a plain-text file", type=["txt"], key=UPLOAD_KEY)
    if upload is None:
        st.info("Upload a .txt file holding one review (UTF-8, under 1 MB).")
        return None
    try:
        return reviews.review_from_upload(upload.getvalue()), None
    except reviews.BadReview as error:
        st.error(f"**{upload.name}**: {error}")
        return None


# --------------------------------------------------------------------------- drawing


def token_html(tokens, step: int, colours=None, titles=None) -> str:
    """Tokens as chips: the current one boxed, later ones faded; user text escaped."""
    parts = []
    for t, token in enumerate(tokens[:MAX_TOKENS_SHOWN]):
        style = "padding:1px 3px;margin:1px;border-radius:3px;display:inline-block;"
        if colours is not None:
            style += f"background:{colours[t]};"
        if token in ("<UNK>", "<START>", "<PAD>"):
            style += "color:#777;font-style:italic;"
        if t == step:
            style += "outline:3px solid #e4572e;font-weight:bold;"
        elif colours is None and t > step:
            style += "opacity:0.35;"
        title = f' title="{html.escape(titles[t])}"' if titles is not None else ""
        parts.append(f'<span style="{style}"{title}>{html.escape(token)}</span>')
    more = len(tokens) - MAX_TOKENS_SHOWN
    tail = f" <i>… {more} more tokens</i>" if more > 0 else ""
    return ('<div style="line-height:1.9;max-height:16em;overflow-y:auto;font-size:1rem;'
            f'font-family:monospace">{" ".join(parts)}{tail}</div>')


def diverging(value: float, low: float, high: float) -> str:
    """Blue (low) - white - red (high), as in Karpathy's char-rnn cell pictures."""
    mid = (low + high) / 2
    x = 0.0 if high == low else float(np.clip((value - mid) / ((high - low) / 2), -1, 1))
    if np.isnan(x):
        return "#eeeeee"
    if x >= 0:
        return f"rgba(214,39,40,{0.85 * x:.2f})"
    return f"rgba(31,119,180,{0.85 * -x:.2f})"


def cell_diagram(values: dict, step: int, unit: int, prev_c: np.ndarray, prev_h: np.ndarray,
                 token: str) -> go.Figure:
    """The LSTM cell: the conveyor belt c on top, the four gates below, values written in."""
    fig = go.Figure()
    size = 18 if ui.projector() else 14  # annotation text: fixed sizes ignore the layout font

    def val(name, source=None):
        row = (source if source is not None else values[name][step])
        return float(row[unit]), float(np.nanmean(row))

    def box(x0, x1, y0, y1, name, v, scale, label):
        colour = diverging(v, *scale) if scale else "#eeeeee"
        fig.add_shape(type="rect", x0=x0, x1=x1, y0=y0, y1=y1, fillcolor=colour,
                      line={"color": "#333", "width": 2})
        fig.add_annotation(x=(x0 + x1) / 2, y=(y0 + y1) / 2, text=label, showarrow=False,
                           font={"size": size, "color": "#111"})

    def arrow(x0, y0, x1, y1, width=2, colour="#555"):
        fig.add_annotation(x=x1, y=y1, ax=x0, ay=y0, xref="x", yref="y", axref="x",
                           ayref="y", showarrow=True, arrowhead=2, arrowwidth=width,
                           arrowcolor=colour, text="")

    # the conveyor belt: c_{t-1} -> (x f) -> (+ i*g) -> c_t
    c_prev, c_prev_mean = val("c", prev_c)
    c_now, c_now_mean = val("c")
    arrow(0.3, 5, 9.7, 5, width=6, colour="#f2a541")
    for x, sign in ((3, "×"), (6, "+")):
        fig.add_shape(type="circle", x0=x - 0.35, x1=x + 0.35, y0=4.65, y1=5.35,
                      fillcolor="white", line={"color": "#333", "width": 2})
        fig.add_annotation(x=x, y=5, text=f"<b>{sign}</b>", showarrow=False,
                           font={"size": size + 4, "color": "#111"})
    fig.add_annotation(x=0.3, y=5.75, text=f"c<sub>t-1</sub> = {c_prev:+.3f}<br>"
                       f"<span style='color:#777'>mean {c_prev_mean:+.3f}</span>",
                       showarrow=False, xanchor="left")
    fig.add_annotation(x=9.7, y=5.75, text=f"c<sub>t</sub> = {c_now:+.3f}<br>"
                       f"<span style='color:#777'>mean {c_now_mean:+.3f}</span>",
                       showarrow=False, xanchor="right")
    fig.add_annotation(x=5, y=6.25, text="<b>conveyor belt: cell state c · 细胞状态</b>",
                       showarrow=False)
    # the four gates, each fed by [h_{t-1}, x_t]
    gates_at = {"f": 1.4, "i": 3.7, "g": 5.8, "o": 7.9}
    names = {"f": "forget f (σ)", "i": "input i (σ)", "g": "candidate g (tanh)",
             "o": "output o (σ)"}
    for name, x in gates_at.items():
        v, mean = val(name)
        box(x - 0.95, x + 0.95, 1.5, 3.1, name, v, SCALES[name],
            f"<b>{names[name]}</b><br>{v:.3f}<br><span style='color:#555'>mean "
            f"{mean:.3f}</span>")
    arrow(1.4, 3.1, 2.8, 4.7)  # f multiplies the belt
    arrow(3.7, 3.1, 5.75, 4.7)  # i * g is added
    arrow(5.8, 3.1, 5.95, 4.7)
    # h_t = o * tanh(c_t)
    h_now, h_mean = val("h")
    fig.add_shape(type="circle", x0=8.65, x1=9.35, y0=3.15, y1=3.85, fillcolor="white",
                  line={"color": "#333", "width": 2})
    fig.add_annotation(x=9, y=3.5, text="<b>×</b>", showarrow=False,
                       font={"size": size + 4, "color": "#111"})
    arrow(9.3, 4.8, 9.0, 3.9)
    fig.add_annotation(x=9.45, y=4.35, text="tanh", showarrow=False, xanchor="left")
    arrow(8.85, 2.3, 8.8, 3.2)
    arrow(9.0, 3.15, 9.0, 0.6, width=3, colour="#2a9d8f")
    fig.add_annotation(x=9.2, y=0.3, text=f"h<sub>t</sub> = {h_now:+.3f} "
                       f"<span style='color:#777'>(mean {h_mean:+.3f})</span>",
                       showarrow=False, xanchor="right")
    # inputs
    h_prev, _ = val("h", prev_h)
    fig.add_shape(type="line", x0=0.3, x1=7.9, y0=0.9, y1=0.9, line={"color": "#888"})
    for x in gates_at.values():
        arrow(x, 0.9, x, 1.45, width=1, colour="#888")
    fig.add_annotation(x=0.3, y=0.5, xanchor="left", showarrow=False,
                       text=f"h<sub>t-1</sub> = {h_prev:+.3f}  +  x<sub>t</sub> = "
                       f"“{html.escape(token)}”")
    fig.update_xaxes(visible=False, range=[0, 10])
    fig.update_yaxes(visible=False, range=[0, 6.6])
    fig.update_layout(title=f"Unit {unit} at token {step}: “{html.escape(token)}”",
                      showlegend=False, plot_bgcolor="white")
    return fig


def running_figure(running: np.ndarray, tokens: list[str], step: int) -> go.Figure:
    fig = go.Figure(go.Scatter(
        x=list(range(len(running))), y=running, mode="lines+markers", marker={"size": 4},
        customdata=tokens, hovertemplate="token %{x}: %{customdata}<br>P(positive) %{y:.3f}"
        "<extra></extra>", name="P(positive)"))
    fig.add_hline(y=0.5, line_dash="dot", line_color="#999")
    fig.add_vline(x=step, line_color="#e4572e")
    jumps = np.argsort(-np.abs(np.diff(running, prepend=running[0])))[:3]
    for t in jumps:
        if abs(running[t] - (running[t - 1] if t else running[t])) > 0.05:
            fig.add_annotation(x=int(t), y=float(running[t]), text=html.escape(tokens[t]),
                               showarrow=True, arrowhead=2, ay=-30)
    fig.update_layout(title="Where the model changed its mind · 模型何时改变了判断",
                      xaxis_title="token", yaxis_title="P(positive) so far",
                      yaxis_range=[-0.02, 1.02])
    return fig


def heatmap(values: np.ndarray, name: str, order: np.ndarray, tokens: list[str], step: int,
            unit: int) -> go.Figure:
    scale = SCALES[name]
    limit = float(np.nanmax(np.abs(values))) if scale is None else None
    zmin, zmax = scale if scale else (-limit, limit)
    fig = go.Figure(go.Heatmap(
        z=values[:, order].T, x=list(range(len(tokens))), y=[f"u{u}" for u in order],
        colorscale="RdBu_r", zmin=zmin, zmax=zmax,
        customdata=np.tile(np.asarray(tokens, dtype=object), (len(order), 1)),
        hovertemplate="token %{x}: %{customdata}<br>%{y}: %{z:.3f}<extra></extra>"))
    fig.add_vline(x=step, line_color="#e4572e", line_width=2)
    row = int(np.where(order == unit)[0][0])
    fig.add_hline(y=row, line_color="#2a9d8f", line_dash="dot")
    fig.update_layout(title=f"{QUANTITIES[name]}: tokens × units",
                      xaxis_title="token", yaxis_title="unit", yaxis_autorange="reversed")
    return fig


def unit_traces(values: dict, unit: int, tokens: list[str], step: int) -> go.Figure:
    fig = go.Figure()
    for name in ("i", "f", "g", "o", "c", "h"):
        fig.add_trace(go.Scatter(x=list(range(len(tokens))), y=values[name][:, unit],
                                 name=name, mode="lines", customdata=tokens,
                                 line={"color": COLOURS[name],
                                       "dash": "dot" if name in "ifo" else "solid"},
                                 hovertemplate=f"{name}: %{{y:.3f}} · %{{customdata}}"
                                 "<extra></extra>"))
    fig.add_vline(x=step, line_color="#e4572e")
    fig.update_layout(title=f"Unit {unit}: every gate and state, token by token",
                      xaxis_title="token", hovermode="x unified")
    return fig


def saturation_figure(trace: gates.Trace) -> go.Figure:
    fig = go.Figure()
    colours = {g: COLOURS[g] for g in ("f", "i", "o")}  # the sigmoid gates only
    for gate, (low, high) in gates.saturation(trace).items():
        if gate not in colours:
            continue
        fig.add_trace(go.Scatter(
            x=low, y=high, mode="markers", name=QUANTITIES[gate],
            marker={"size": 10, "color": colours[gate], "opacity": 0.75},
            text=[f"unit {u}" for u in range(trace.units)],
            hovertemplate="%{text}<br>shut (<0.1) %{x:.0%}<br>open (>0.9) %{y:.0%}"
            "<extra></extra>"))
    fig.add_shape(type="line", x0=1, y0=0, x1=0, y1=1, line={"color": "#bbb", "dash": "dot"})
    fig.update_layout(title="Gate saturation · 门的饱和度",
                      xaxis_title="fraction of tokens the gate is shut (< 0.1)",
                      yaxis_title="fraction of tokens the gate is open (> 0.9)",
                      xaxis_range=[-0.03, 1.03], yaxis_range=[-0.03, 1.03],
                      legend={"orientation": "h", "y": -0.25})
    return fig


def span_figure(values: np.ndarray, units: np.ndarray, scores: np.ndarray, span, tokens,
                name: str, threshold: float) -> go.Figure:
    fig = go.Figure()
    fig.add_vrect(x0=span[0] - 0.5, x1=span[1] + 0.5, fillcolor="#f2a541", opacity=0.2,
                  line_width=0)
    for u, score in zip(units, scores, strict=True):
        fig.add_trace(go.Scatter(x=list(range(len(tokens))), y=values[:, u], mode="lines",
                                 name=f"unit {u} ({score:+.2f})", customdata=tokens,
                                 hovertemplate="%{customdata}: %{y:.3f}<extra></extra>"))
    fig.add_hline(y=threshold, line_dash="dot", line_color="#999")
    fig.update_layout(title=f"The 5 units of {name} most specific to the span",
                      xaxis_title="token", yaxis_title=name)
    return fig


def gate_histogram(values: dict) -> go.Figure:
    """How the gate values of all units and tokens spread between 0 and 1."""
    fig = go.Figure()
    for gate in ("f", "i", "o"):
        fig.add_trace(go.Histogram(x=values[gate].ravel(), name=QUANTITIES[gate],
                                   xbins={"start": 0, "end": 1, "size": 0.025},
                                   marker_color=COLOURS[gate], opacity=0.6))
    for x in (gates.SATURATED_LOW, gates.SATURATED_HIGH):
        fig.add_vline(x=x, line_dash="dot", line_color="#999")
    fig.update_layout(barmode="overlay", title="Gate values, all units and tokens",
                      xaxis_title="gate value", yaxis_title="count", xaxis_range=[0, 1],
                      legend={"orientation": "h", "y": -0.25})
    return fig


# --------------------------------------------------------------------------- the page


@dataclass
class View:
    """One review traced through one layer of one model: what every section draws."""

    key: str  # the model's picker key
    model: runs.TrainedModel
    review: reviews.Prepared
    result: tracer.ModelTrace
    layer: tracer.LayerTrace  # the LSTM layer (and direction) shown
    index: int  # its place in result.lstm_layers()
    real: slice  # the review's own steps in the traced ids (without any <PAD>)
    label: int | None  # the true label of a test review

    @property
    def trace(self) -> gates.Trace:
        return self.layer.trace

    @property
    def tokens(self) -> list[str]:
        return list(self.review.tokens)

    @property
    def values(self) -> dict[str, np.ndarray]:
        return {name: self.trace.values[name][self.real] for name in QUANTITIES}  # (T, units)

    @property
    def context(self) -> tuple:
        """Which model, review and layer: keyed widgets start afresh when it changes."""
        return self.key, hash(self.result.ids.tobytes()), self.index


def move(to: int) -> None:
    st.session_state[NEXT_KEY] = to


def toggle_play(at_end: bool) -> None:
    playing = not st.session_state.get(PLAY_KEY, False)
    st.session_state[PLAY_KEY] = playing
    if playing and at_end:
        move(0)


def traced_review() -> View | None:
    """Pick a model and a review, and trace it; None after saying what is missing."""
    key = ui.pick_model("Model · 模型", is_lstm, key=MODEL_KEY,
                        help="The shipped model, or any LSTM trained in the Sentiment lab.",
                        no_runs="Train an LSTM in the Sentiment lab and it appears here too "
                                "(stacked and bidirectional ones included).")
    if key is None:
        st.error("No LSTM model here: the shipped one is missing (rebuild it with "
                 "scripts/train_lstm_sentiment.py) and no lab run is an LSTM.")
        return None
    try:
        model, reader = ui.trained_model(key), tracer_for(key)
    except Exception as error:  # a damaged run or asset: say so and stop, never a traceback
        st.error(f"This model cannot be opened: {error}")
        return None
    picked = choose_text()
    if picked is None:
        ui.notice("upload a plain-text review, or pick another source above.")
        return None
    text, label = picked
    try:
        review = reviews.check_review(text, model.input_format)
    except reviews.BadReview as error:
        st.error(str(error))
        ui.notice("the model only knows the 10,000 most frequent words of the training "
                  "reviews; everything else becomes <UNK>.")
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
    return View(key, model, review, result, layers[index], index, real, label)


def overview_section(view: View) -> None:
    st.subheader("The review as the model sees it · 模型眼中的影评")
    review, form = view.review, view.model.input_format
    cols = st.columns(4)
    cols[0].metric("words in the text", review.words)
    cols[1].metric("tokens read", len(view.tokens), help="<START> plus the words the model "
                   "keeps")
    cols[2].metric("unknown → <UNK>", review.unknown)
    cols[3].metric("cut off (maxlen)", len(review.truncated))
    if review.truncated:
        kept = "last" if form.truncating == "pre" else "first"
        with st.expander(f"{len(review.truncated)} tokens were cut off: the model only "
                         f"reads the {kept} {form.maxlen} (truncating='{form.truncating}')"):
            st.markdown(" ".join(f"`{html.escape(w)}`" for w in review.truncated[:2000]))
    if view.real.start > 0:
        st.caption(f"This model does not mask padding: it first reads {view.real.start} <PAD> "
                   "tokens, which move its state; they are traced but not drawn.")
    verdict = view.result.prediction
    label = view.label
    truth = "" if label is None else f" · true label: {'positive' if label else 'negative'}"
    st.markdown(f"**Prediction: {'positive 👍' if verdict > 0.5 else 'negative 👎'}** "
                f"(P(positive) = {verdict:.3f}){truth}")


def step_section(view: View) -> tuple[int, int]:
    """Buttons, the token slider, the unit to follow and the cell diagram: (step, unit)."""
    st.subheader("Step through it · 逐词查看")
    values, tokens, trace_ = view.values, view.tokens, view.trace
    steps, units = values["h"].shape
    if NEXT_KEY in st.session_state:
        st.session_state[STEP_KEY] = int(st.session_state.pop(NEXT_KEY))
    current = int(np.clip(st.session_state.get(STEP_KEY, 0), 0, steps - 1))
    st.session_state[STEP_KEY] = current
    playing = bool(st.session_state.get(PLAY_KEY, False))
    buttons = st.columns([1.3, 1.1, 1.1, 4])
    buttons[0].button("Previous", icon=":material/chevron_left:", key="gates_prev",
                      on_click=move, args=(max(current - 1, 0),),
                      disabled=current == 0 or playing)
    buttons[1].button("Next", icon=":material/chevron_right:", key="gates_next",
                      on_click=move, args=(min(current + 1, steps - 1),),
                      disabled=current >= steps - 1 or playing)
    buttons[2].button("Pause" if playing else "Play", key="gates_play",
                      icon=":material/pause:" if playing else ":material/play_arrow:",
                      on_click=toggle_play, args=(current >= steps - 1,),
                      disabled=steps < 2, help="One token every "
                      f"{PLAY_SECONDS:g} s; from the start again when at the end.")
    step = st.slider("Token · 词", 0, max(steps - 1, 1), key=STEP_KEY,
                     disabled=steps < 2)
    step = min(step, steps - 1)
    reset_with(UNIT_KEY, view.context, int(np.argmax(gates.unit_change(trace_, "c"))))
    unit = st.number_input(f"Unit to follow (0–{units - 1}) · 单元", 0, units - 1,
                           key=UNIT_KEY, help="Starts on the unit whose cell state moves most.")
    st.markdown(token_html(tokens, step), unsafe_allow_html=True)
    running = view.result.running[view.real] if view.result.running is not None else None
    if running is not None:
        ui.chart(running_figure(running, tokens, step), height=300)
        if view.result.running_method == "batched prefixes":
            st.caption("A bidirectional layer reads the future too, so the prediction after "
                       "each token was found by scoring every prefix of the review.")
    # the state before this token, from the full trace: after the <PAD> steps of a model
    # that reads them; a backward reader comes from the token after this one
    before = view.real.start + step + (1 if trace_.backwards else -1)
    inside = 0 <= before < trace_.steps
    prev_c = trace_.values["c"][before] if inside else np.zeros(units)
    prev_h = trace_.values["h"][before] if inside else np.zeros(units)
    ui.chart(cell_diagram(values, step, unit, prev_c, prev_h, tokens[step]), height=430)
    st.caption("Colours: red = high, blue = low (gates run 0 → 1, g and h −1 → 1). "
               "The new belt value is c = f × c_prev + i × g; the output is h = o × tanh(c).")
    return step, unit


def heatmap_section(view: View, step: int, unit: int) -> None:
    st.subheader("Every unit at every token · 全部单元的热力图")
    values, tokens = view.values, view.tokens
    units = values["h"].shape[1]
    order_by = st.radio("Order units by", ["unit number", "how much they change (most first)"],
                        horizontal=True, key=ORDER_KEY)
    order = np.arange(units)
    if order_by.startswith("how"):
        order = np.argsort(-gates.unit_change(view.trace, "c"), kind="stable")
    tabs = st.tabs([QUANTITIES[name] for name in QUANTITIES])
    for tab, name in zip(tabs, QUANTITIES, strict=True):
        with tab:
            ui.chart(heatmap(values[name], name, order, tokens, step, unit),
                     height=max(320, 12 * units + 120))
    ui.chart(unit_traces(values, unit, tokens, step), height=340)


def span_section(view: View, step: int) -> None:
    """LSTMVis-style: the units on over a span of tokens and off around it."""
    st.subheader("Which units fire on a phrase? · 哪些单元对短语敏感")
    st.caption("As in LSTMVis (Strobelt et al., 2018): pick a span of tokens and a threshold; "
               "the units above the threshold inside the span and below it elsewhere rise "
               "to the top.")
    values, tokens = view.values, view.tokens
    steps = values["h"].shape[0]
    span_cols = st.columns([3, 1, 1])
    if steps > 1:
        reset_with(SPAN_KEY, (view.context, step), (max(0, step - 2), step))  # follows step
        span = span_cols[0].slider("Span of tokens · 词段", 0, steps - 1, key=SPAN_KEY)
    else:
        span = (0, 0)
    span_of = span_cols[1].selectbox("State", ["h", "c"], format_func=QUANTITIES.get,
                                     key=SPAN_OF_KEY)
    chosen_values = values[span_of]
    low_end = float(np.floor(np.nanmin(chosen_values) * 20) / 20)
    high_end = max(float(np.ceil(np.nanmax(chosen_values) * 20) / 20), low_end + 0.05)
    start_at = float(np.clip(np.round(np.nanpercentile(chosen_values, 85) * 20) / 20,
                             low_end, high_end))  # a unit above it is "on" for 15% of cells
    reset_with(THRESHOLD_KEY, (view.context, span_of), start_at)
    threshold = span_cols[2].slider("Threshold", low_end, high_end, step=0.05,
                                    key=THRESHOLD_KEY)
    found, scores = gates.span_units(chosen_values, span[0], span[1] + 1, threshold)
    ui.chart(span_figure(values[span_of], found, scores, span, tokens, span_of, threshold),
             height=340)
    if scores[0] <= 0:
        st.caption("No unit is above the threshold more often inside the span than outside "
                   "it: lower the threshold or pick another span.")
    phrase = " ".join(tokens[span[0]:span[1] + 1])
    st.markdown(f"Span: **{html.escape(phrase)}** · best unit **{int(found[0])}** "
                f"(score {scores[0]:+.2f}: share of span tokens above {threshold:g} minus "
                "the share elsewhere)")


def colour_section(view: View, step: int, unit: int) -> None:
    st.subheader("The text coloured by one unit · 按单元激活着色的文本")
    quantity = st.selectbox("Colour by", list(QUANTITIES), index=4,
                            format_func=QUANTITIES.get, key=COLOUR_KEY)
    series = view.values[quantity][:, unit]
    low, high = SCALES[quantity] or (-float(np.nanmax(np.abs(series)) or 1.0),
                                     float(np.nanmax(np.abs(series)) or 1.0))
    colours = [diverging(v, low, high) for v in series]
    titles = [f"{quantity}[{unit}] = {v:.3f}" for v in series]
    st.markdown(token_html(view.tokens, step, colours, titles), unsafe_allow_html=True)
    st.caption(f"Unit {unit}'s {QUANTITIES[quantity]} after each token: red high, blue low "
               "(hover a word for the number), as in Karpathy's char-rnn pictures.")


def saturation_section(view: View) -> None:
    st.subheader("Gate saturation · 门的饱和度")
    units = view.trace.units
    over = st.radio("Count over", ["this review", f"the first {POOL_REVIEWS} IMDB test "
                    "reviews"], horizontal=True, key=POOL_KEY)
    source, where = view.trace, "this review"
    if over != "this review":
        location = data.locate_imdb()
        if location is None:
            st.warning("The IMDB test reviews are not on this machine; counting over this "
                       "review only.")
        else:
            source = pooled_trace(view.key, view.index, str(location))
            where = f"the first {POOL_REVIEWS} test reviews ({int(source.mask.sum()):,} tokens)"
    left, right = st.columns(2)
    with left:
        ui.chart(saturation_figure(source), height=440)
    with right:
        ui.chart(gate_histogram({g: source.values[g][source.mask] for g in "fio"}), height=440)
    sat = gates.saturation(source)
    counted = {g: int(((low > 0.1) | (high > 0.1)).sum()) for g, (low, high) in sat.items()}
    st.markdown(
        f"Over {where}, units whose gate is saturated on more than 10% of tokens: "
        + ", ".join(f"**{g}**: {counted[g]} of {units}" for g in ("f", "i", "o")) + "."
    )
    st.caption(
        "Left: one dot per unit and gate. Near the top-left corner the "
        "gate is almost always open (> 0.9): for f, a unit that remembers for a long time. "
        "Near the bottom-right it is almost always shut. Dots near (0, 0) are gates that "
        "take in-between values and decide token by token (Karpathy, Johnson & Fei-Fei, "
        "2015, figure 3). Right: the same gate values as a histogram; the dotted lines "
        "are the 0.1 and 0.9 thresholds."
    )


def keep_playing(step: int, steps: int) -> None:
    """While playing: one token per rerun until the end (or Pause)."""
    if not st.session_state.get(PLAY_KEY, False):
        return
    if step >= steps - 1:
        st.session_state[PLAY_KEY] = False
    else:
        time.sleep(PLAY_SECONDS)
        st.session_state[NEXT_KEY] = step + 1
        st.rerun()


def main() -> None:
    st.title("Inside the LSTM: gates, token by token · LSTM 门控逐词解析")
    st.write(
        "Keras never shows an LSTM's gates, so we recompute them from the layer's weights "
        "(checked against Keras's own outputs to 1e-5). Pick a review and walk through it "
        "one token at a time: what the forget gate keeps on the conveyor belt, what the "
        "input gate writes, and what the model believes after each word."
    )
    view = traced_review()
    if view is None:
        return
    overview_section(view)
    step, unit = step_section(view)
    heatmap_section(view, step, unit)
    span_section(view, step)
    colour_section(view, step, unit)
    saturation_section(view)
    ui.notice(
        "the prediction curve moves most on words like 'wonderful' or 'awful', and the "
        "units whose cell state jumps there are the ones the heatmaps sort to the top. The "
        "forget gate usually sits above the input gate: each step the belt keeps most of "
        "what it carries and writes only a little. A small sentiment model rarely drives "
        "its gates to 0 or 1; Karpathy's character models, trained far longer, often do."
    )
    keep_playing(step, len(view.tokens))


main()
