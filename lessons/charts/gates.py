"""The LSTM gates page's figures: the cell diagram, the running prediction, heatmaps, unit
traces, the LSTMVis span, gate saturation, the review as coloured token chips, and the
sentences that read their numbers out.

Each builder takes NumPy arrays from `explainers.gates` traces and returns a Plotly figure or
an HTML string; the page styles and draws them. Tokens are user text: they are HTML-escaped
wherever they land in HTML or in Plotly text (titles, annotations, hover labels). Every word
is an English source string that the builder's `_` puts in the reader's language: the page
passes its own `_` (`lessons.i18n`); without it, as in tests and scripts, the English is drawn.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from explainers import cells, gates, tracer
from explainers.i18n import N_, Say, english

QUANTITIES = {"i": N_("input gate i"), "f": N_("forget gate f"), "g": N_("candidate g"),
              "o": N_("output gate o"), "c": N_("cell state c"), "h": N_("hidden state h")}
GATE_BOXES = {"f": N_("forget f (σ)"), "i": N_("input i (σ)"), "g": N_("candidate g (tanh)"),
              "o": N_("output o (σ)")}  # the cell diagram's four boxes, left to right
SCALES = {"i": (0, 1), "f": (0, 1), "o": (0, 1), "g": (-1, 1), "h": (-1, 1), "c": None}
COLOURS = {"i": "#ff7f0e", "f": "#1f77b4", "g": "#9467bd", "o": "#2ca02c", "c": "#f2a541",
           "h": "#2a9d8f"}  # one colour per quantity, the same on every chart
DIRECTIONS = {"forward": N_("forward"), "backward": N_("backward")}  # a layer's reading order
CUT = {"pre": N_("{n} tokens were cut off: the model only reads the last {maxlen} "
                 "(truncating='pre')"),
       "post": N_("{n} tokens were cut off: the model only reads the first {maxlen} "
                  "(truncating='post')")}  # by where pad_sequences truncates
SIGMOID_GATES = ("f", "i", "o")  # the gates that run 0 -> 1 and can saturate
MAX_TOKENS_SHOWN = 600  # token chips drawn above the slider; a review is ~230 on average
DIAGRAM_FONT = 14  # text inside the cell diagram (annotations ignore the layout's font)
DIAGRAM_FONT_LARGE = 18  # ... in projector mode
MARKERS = ("<UNK>", "<START>", "<PAD>")  # the model's own tokens, drawn apart from words
STEP_LINE = "#e4572e"  # the current token, on every chart



def quantity_names(_: Say = english) -> dict[str, str]:
    """Each quantity's code -> its name, translated now (a widget's `format_func`)."""
    return {name: _(label) for name, label in QUANTITIES.items()}


def escaped(tokens) -> list[str]:
    """Tokens ready for Plotly text, which reads a subset of HTML."""
    return [html.escape(t) for t in tokens]


# --------------------------------------------------------------------------- HTML


def token_html(tokens, step: int | None = None, colours=None, titles=None,
               limit: int = MAX_TOKENS_SHOWN, _: Say = english) -> str:
    """Tokens as chips: the one at `step` boxed and (without colours) later ones faded; no
    step, no box. User text escaped; past `limit` tokens a count of the rest."""
    parts = []
    for t, token in enumerate(tokens[:limit]):
        style = "padding:1px 3px;margin:1px;border-radius:3px;display:inline-block;"
        if colours is not None:
            style += f"background:{colours[t]};"
        if token in MARKERS:
            style += "color:#777;font-style:italic;"
        if t == step:
            style += "outline:3px solid #e4572e;font-weight:bold;"
        elif colours is None and step is not None and t > step:
            style += "opacity:0.35;"
        title = f' title="{html.escape(titles[t])}"' if titles is not None else ""
        parts.append(f'<span style="{style}"{title}>{html.escape(token)}</span>')
    more = _("… {n:,} more tokens", n=len(tokens) - limit) if len(tokens) > limit else ""
    tail = f" <i>{html.escape(more)}</i>" if more else ""
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


def coloured_tokens(tokens, step: int, series: np.ndarray, name: str, unit: int,
                    _: Say = english) -> str:
    """The review's chips coloured by one unit's `name` after each token (its value in the
    chip's tooltip): gates on their fixed scale, c on a scale symmetric about 0."""
    reach = float(np.nanmax(np.abs(series)) or 1.0)
    low, high = SCALES[name] or (-reach, reach)
    colours = [diverging(v, low, high) for v in series]
    titles = [f"{name}[{unit}] = {v:.3f}" for v in series]
    return token_html(tokens, step, colours, titles, _=_)


# --------------------------------------------------------------------------- the cell


GATES_AT = {"f": 1.4, "i": 3.7, "g": 5.8, "o": 7.9}  # each gate box's centre on the diagram
BOX_BOTTOM, BOX_TOP, BOX_HALF = 1.5, 3.1, 0.95  # the gate boxes' extent, in diagram units
STATE_READOUTS = ("c_prev", "c", "h", "h_prev")  # the belt's and the output's numbers
# where each per-token number is written: x, y and on which side of that point
READOUTS = {"c_prev": (0.3, 5.75, "middle right"), "c": (9.7, 5.75, "middle left"),
            "h": (9.2, 0.3, "middle left"), "h_prev": (0.3, 0.5, "middle right"),
            **{name: (x, 2.05, "middle center") for name, x in GATES_AT.items()}}


@dataclass(frozen=True)
class CellStep:
    """What the cell diagram writes for one token: the followed unit's numbers (in READOUTS
    order), them as text, the four gate boxes' colours (GATES_AT order) and the title."""

    numbers: tuple[float, ...]
    texts: tuple[str, ...]
    fills: tuple[str, ...]
    title: str


def cell_step(values: dict, step: int, unit: int, before: dict, token: str,
              _: Say = english) -> CellStep:
    """The diagram's numbers at `step`: `values[name]` is (steps, units), `before` holds c
    and h as they were before `step`."""
    def mean(row, sign: str = "") -> str:  # the layer's mean, greyed
        text = _("mean {value}", value=format(float(np.nanmean(row)), f"{sign}.3f"))
        return f"<span style='color:#777'>{text}</span>"

    rows = {"c_prev": before["c"], "h_prev": before["h"],
            **{name: values[name][step] for name in ("c", "h", *GATES_AT)}}  # each (units,)
    numbers = {name: float(rows[name][unit]) for name in READOUTS}
    texts = {"c_prev": f"c<sub>t-1</sub> = {numbers['c_prev']:+.3f}<br>"
                       f"{mean(rows['c_prev'], '+')}",
             "c": f"c<sub>t</sub> = {numbers['c']:+.3f}<br>{mean(rows['c'], '+')}",
             "h": f"h<sub>t</sub> = {numbers['h']:+.3f} ({mean(rows['h'], '+')})",
             "h_prev": f"h<sub>t-1</sub> = {numbers['h_prev']:+.3f}  +  x<sub>t</sub> = "
                       f"“{html.escape(token)}”",
             **{name: f"{numbers[name]:.3f}<br>{mean(rows[name])}" for name in GATES_AT}}
    fills = tuple(diverging(numbers[name], *SCALES[name]) for name in GATES_AT)
    title = _("Unit {unit} at token {step}: “{token}”", unit=unit, step=step,
              token=html.escape(token))
    return CellStep(tuple(numbers.values()), tuple(texts[name] for name in READOUTS), fills,
                    title)


def cell_diagram(values: dict, step: int, unit: int, before: dict, token: str,
                 large: bool = False, _: Say = english) -> go.Figure:
    """The LSTM cell: the conveyor belt c on top, the four gates below, values written in.

    `values[name]` is (steps, units); `before` holds c and h as they were before `step`.
    What changes from token to token is in the figure's traces (the four gate boxes, then
    the numbers, see `cell_traces`), the rest in its layout, so a figure with one frame per
    token (`lessons.charts.token_steps`) only sends the traces and the title for each."""
    current = cell_step(values, step, unit, before, token, _)
    fig = go.Figure(cell_traces(current, large))
    size = DIAGRAM_FONT_LARGE if large else DIAGRAM_FONT

    def arrow(x0, y0, x1, y1, width=2, colour="#555"):
        fig.add_annotation(x=x1, y=y1, ax=x0, ay=y0, xref="x", yref="y", axref="x",
                           ayref="y", showarrow=True, arrowhead=2, arrowwidth=width,
                           arrowcolor=colour, text="")

    def operator(x, y, sign):
        fig.add_shape(type="circle", x0=x - 0.35, x1=x + 0.35, y0=y - 0.35, y1=y + 0.35,
                      fillcolor="white", line={"color": "#333", "width": 2})
        fig.add_annotation(x=x, y=y, text=f"<b>{sign}</b>", showarrow=False,
                           font={"size": size + 4, "color": "#111"})

    # the conveyor belt: c_{t-1} -> (x f) -> (+ i*g) -> c_t
    arrow(0.3, 5, 9.7, 5, width=6, colour="#f2a541")
    operator(3, 5, "×")
    operator(6, 5, "+")
    belt = html.escape(_("conveyor belt: cell state c"))
    fig.add_annotation(x=5, y=6.25, text=f"<b>{belt}</b>", showarrow=False)
    # the four gates, each fed by [h_{t-1}, x_t]
    for name, x in GATES_AT.items():
        fig.add_annotation(x=x, y=2.75, text=f"<b>{html.escape(_(GATE_BOXES[name]))}</b>",
                           showarrow=False, font={"size": size, "color": "#111"})
    arrow(1.4, 3.1, 2.8, 4.7)  # f multiplies the belt
    arrow(3.7, 3.1, 5.75, 4.7)  # i * g is added
    arrow(5.8, 3.1, 5.95, 4.7)
    # h_t = o * tanh(c_t)
    operator(9, 3.5, "×")
    arrow(9.3, 4.8, 9.0, 3.9)
    fig.add_annotation(x=9.45, y=4.35, text="tanh", showarrow=False, xanchor="left")
    arrow(8.85, 2.3, 8.8, 3.2)
    arrow(9.0, 3.15, 9.0, 0.6, width=3, colour="#2a9d8f")
    # inputs
    fig.add_shape(type="line", x0=0.3, x1=7.9, y0=0.9, y1=0.9, line={"color": "#888"})
    for x in GATES_AT.values():
        arrow(x, 0.9, x, 1.45, width=1, colour="#888")
    fig.update_xaxes(visible=False, range=[0, 10])
    fig.update_yaxes(visible=False, range=[0, 6.6])
    fig.update_layout(title=current.title, showlegend=False, plot_bgcolor="white")
    return fig


def number_groups(step: CellStep) -> list[tuple[list[str], list[float]]]:
    """The diagram's numbers as its two text traces hold them: (texts, numbers) of the
    gates (GATES_AT order), then of the states (STATE_READOUTS order)."""
    at = {name: i for i, name in enumerate(READOUTS)}
    return [([step.texts[at[n]] for n in names], [step.numbers[at[n]] for n in names])
            for names in (GATES_AT, STATE_READOUTS)]


def cell_traces(step: CellStep, large: bool = False) -> list[go.Scatter]:
    """The diagram's per-token traces: the four gate boxes filled by their value, then the
    gates' numbers and the states' numbers as text (each also in customdata, unrounded)."""
    x0, x1 = -BOX_HALF, BOX_HALF
    boxes = [go.Scatter(x=[x + x0, x + x1, x + x1, x + x0, x + x0],
                        y=[BOX_BOTTOM, BOX_BOTTOM, BOX_TOP, BOX_TOP, BOX_BOTTOM],
                        fill="toself", fillcolor=fill, mode="lines", hoverinfo="skip",
                        line={"color": "#333", "width": 2})
             for x, fill in zip(GATES_AT.values(), step.fills, strict=True)]
    gate_font = {"size": DIAGRAM_FONT_LARGE if large else DIAGRAM_FONT, "color": "#111"}
    texts = []  # the gates' numbers in the diagram's font, the states' in the chart's
    for names, font, (text, numbers) in zip((GATES_AT, STATE_READOUTS),
                                            (gate_font, {"color": "#111"}),
                                            number_groups(step), strict=True):
        x, y, where = zip(*(READOUTS[name] for name in names), strict=True)
        texts.append(go.Scatter(x=x, y=y, mode="text", textposition=where, hoverinfo="skip",
                                text=text, customdata=numbers, textfont=font))
    return [*boxes, *texts]


# --------------------------------------------------------------------------- token by token


def running_figure(running: np.ndarray, tokens: list[str], step: int | None,
                   _: Say = english) -> go.Figure:
    """P(positive) after each token, the three biggest jumps named by their token, and a line
    at `step` (none for step None: a figure that steps in the browser draws its own)."""
    shown = escaped(tokens)
    fig = go.Figure(go.Scatter(
        x=list(range(len(running))), y=running, mode="lines+markers", marker={"size": 4},
        customdata=shown, hovertemplate=_("token %{x}: %{customdata}") + "<br>P(positive) "
        "%{y:.3f}<extra></extra>", name="P(positive)"))
    fig.add_hline(y=0.5, line_dash="dot", line_color="#999")
    if step is not None:
        fig.add_vline(x=step, line_color=STEP_LINE)
    jumps = np.argsort(-np.abs(np.diff(running, prepend=running[0])))[:3]
    for t in jumps:
        if abs(running[t] - (running[t - 1] if t else running[t])) > 0.05:
            fig.add_annotation(x=int(t), y=float(running[t]), text=shown[t],
                               showarrow=True, arrowhead=2, ay=-30)
    fig.update_layout(title=_("Where the model changed its mind"),
                      xaxis_title=_("token"), yaxis_title=_("P(positive) so far"),
                      yaxis_range=[-0.02, 1.02])
    return fig


def heatmap(values: np.ndarray, name: str, order: np.ndarray, tokens: list[str], step: int,
            unit: int, _: Say = english) -> go.Figure:
    """One quantity, tokens across and units down (in `order`), the followed unit marked."""
    scale = SCALES[name]
    limit = float(np.nanmax(np.abs(values))) if scale is None else None
    zmin, zmax = scale if scale else (-limit, limit)
    fig = go.Figure(go.Heatmap(
        z=values[:, order].T, x=list(range(len(tokens))), y=[f"u{u}" for u in order],
        colorscale="RdBu_r", zmin=zmin, zmax=zmax,
        customdata=np.tile(np.asarray(escaped(tokens), dtype=object), (len(order), 1)),
        hovertemplate=_("token %{x}: %{customdata}") + "<br>%{y}: %{z:.3f}<extra></extra>"))
    fig.add_vline(x=step, line_color=STEP_LINE, line_width=2)
    row = int(np.where(order == unit)[0][0])
    fig.add_hline(y=row, line_color="#2a9d8f", line_dash="dot")
    fig.update_layout(title=_("{quantity}: tokens × units", quantity=_(QUANTITIES[name])),
                      xaxis_title=_("token"), yaxis_title=_("unit"), yaxis_autorange="reversed")
    return fig


def unit_traces(values: dict, unit: int, tokens: list[str], step: int,
                _: Say = english) -> go.Figure:
    """One unit's six quantities over the review."""
    fig = go.Figure()
    for name in QUANTITIES:
        fig.add_trace(go.Scatter(x=list(range(len(tokens))), y=values[name][:, unit],
                                 name=_(QUANTITIES[name]), mode="lines",
                                 customdata=escaped(tokens),
                                 line={"color": COLOURS[name],
                                       "dash": "dot" if name in SIGMOID_GATES else "solid"},
                                 hovertemplate=f"{name}: %{{y:.3f}} · %{{customdata}}"
                                 "<extra></extra>"))
    fig.add_vline(x=step, line_color=STEP_LINE)
    fig.update_layout(title=_("Unit {unit}: every gate and state, token by token", unit=unit),
                      xaxis_title=_("token"), hovermode="x unified")
    return fig


def span_figure(values: np.ndarray, units: np.ndarray, scores: np.ndarray, span, tokens,
                name: str, threshold: float, _: Say = english) -> go.Figure:
    """The units most specific to a span of tokens (LSTMVis), the span shaded."""
    fig = go.Figure()
    fig.add_vrect(x0=span[0] - 0.5, x1=span[1] + 0.5, fillcolor="#f2a541", opacity=0.2,
                  line_width=0)
    for u, score in zip(units, scores, strict=True):
        fig.add_trace(go.Scatter(x=list(range(len(tokens))), y=values[:, u], mode="lines",
                                 name=_("unit {unit} ({score:+.2f})", unit=u, score=score),
                                 customdata=escaped(tokens),
                                 hovertemplate="%{customdata}: %{y:.3f}<extra></extra>"))
    fig.add_hline(y=threshold, line_dash="dot", line_color="#999")
    fig.update_layout(title=_("The {n} units of {quantity} most specific to the span",
                              n=len(units), quantity=_(QUANTITIES[name])),
                      xaxis_title=_("token"), yaxis_title=_(QUANTITIES[name]))
    return fig


# --------------------------------------------------------------------------- saturation


def saturation_figure(trace: gates.Trace, _: Say = english) -> go.Figure:
    """One dot per unit and sigmoid gate: how often it is shut against how often open."""
    fig = go.Figure()
    for gate, (low, high) in gates.saturation(trace).items():
        if gate not in SIGMOID_GATES:
            continue
        fig.add_trace(go.Scatter(
            x=low, y=high, mode="markers", name=_(QUANTITIES[gate]),
            marker={"size": 10, "color": COLOURS[gate], "opacity": 0.75},
            text=[_("unit {unit}", unit=u) for u in range(trace.units)],
            hovertemplate=_("%{text}<br>shut (<0.1) %{x:.0%}<br>open (>0.9) %{y:.0%}")
            + "<extra></extra>"))
    fig.add_shape(type="line", x0=1, y0=0, x1=0, y1=1, line={"color": "#bbb", "dash": "dot"})
    fig.update_layout(title=_("Gate saturation"),
                      xaxis_title=_("fraction of tokens the gate is shut (< 0.1)"),
                      yaxis_title=_("fraction of tokens the gate is open (> 0.9)"),
                      xaxis_range=[-0.03, 1.03], yaxis_range=[-0.03, 1.03],
                      legend={"orientation": "h", "y": -0.25})
    return fig


def gate_histogram(trace: gates.Trace, _: Say = english) -> go.Figure:
    """How the sigmoid gates' values over all units and real steps spread between 0 and 1."""
    fig = go.Figure()
    for gate in SIGMOID_GATES:
        fig.add_trace(go.Histogram(x=trace.values[gate][trace.mask].ravel(),
                                   name=_(QUANTITIES[gate]),
                                   xbins={"start": 0, "end": 1, "size": 0.025},
                                   marker_color=COLOURS[gate], opacity=0.6))
    for x in (gates.SATURATED_LOW, gates.SATURATED_HIGH):
        fig.add_vline(x=x, line_dash="dot", line_color="#999")
    fig.update_layout(barmode="overlay", title=_("Gate values, all units and tokens"),
                      xaxis_title=_("gate value"), yaxis_title=_("count"), xaxis_range=[0, 1],
                      legend={"orientation": "h", "y": -0.25})
    return fig


# --------------------------------------------------------------------------- words


def layer_label(layer: tracer.LayerTrace, _: Say = english) -> str:
    """One recurrent layer of a model, as the layer picker names it."""
    return _("{position}: {layer} ({cell}, {direction})", position=layer.position,
             layer=layer.layer, cell=cells.display_name(layer.trace.kind),
             direction=_(DIRECTIONS[layer.direction]))


def threshold_range(values: np.ndarray, step: float, percentile: float) -> tuple[float, ...]:
    """A slider over `values` (T, units) in `step`s: (low, high, start), starting where a
    unit is on for (100 - percentile) % of the cells."""
    grid = 1 / step
    low = float(np.floor(np.nanmin(values) * grid) / grid)
    high = max(float(np.ceil(np.nanmax(values) * grid) / grid), low + step)
    start = np.round(np.nanpercentile(values, percentile) * grid) / grid
    return low, high, float(np.clip(start, low, high))


def span_summary(phrase: str, unit: int, score: float, threshold: float,
                 _: Say = english) -> str:
    """The LSTMVis span's best unit in a sentence (`phrase` already escaped for Markdown)."""
    return _("Span: **{phrase}** · best unit **{unit}** (score {score:+.2f}: share of span "
             "tokens above {threshold:g} minus the share elsewhere)", phrase=phrase, unit=unit,
             score=score, threshold=threshold)


def saturation_summary(trace: gates.Trace, where: str, _: Say = english) -> str:
    """How many units of each sigmoid gate are saturated over `where`, in a sentence."""
    counted = gates.saturated_units(trace)
    return _("Over {where}, units whose gate is saturated on more than {share:.0%} of tokens: "
             "**f**: {f} of {units}, **i**: {i} of {units}, **o**: {o} of {units}.",
             where=where, share=gates.SATURATED_SHARE, units=trace.units,
             **{g: counted[g] for g in SIGMOID_GATES})
