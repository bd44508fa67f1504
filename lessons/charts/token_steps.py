"""One figure that steps through a review in the browser: the LSTM cell diagram, the tokens
around the current one, and the running prediction with its marker, one Plotly frame per
token.

The figure (`step_figure`) is `gates.cell_diagram` at the starting token (its per-token
parts are traces), with the tokens' line above it and `gates.running_figure` below it on a
second pair of axes. Each frame (`frames`) carries only what changes from token to token,
all of it in traces, so that Plotly moves to a frame without redrawing the figure (a whole
redraw takes 200-300 ms on a busy laptop; a frame of traces a fifth of it): the four gate
boxes' colours (traces 0-3), the numbers as text and, to 1e-7, in customdata (4, 5), the
tokens' line (6), the diagram's title (7; a layout title would need a redraw), and the line
and marker on the prediction curve (9, 10; 8 is the curve). The page adds the slider and
Play / Pause (`lessons.widgets.player`) and draws it frozen (`lessons.charts.frozen`); a
step is then drawn by the browser without asking the server.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from explainers.i18n import Say, english
from lessons.charts import gates as draw

DIAGRAM_TOP = 8.4  # the diagram's y range grows from 6.6 to hold the title and the tokens
TITLE_Y, TOKENS_Y = 8.15, 7.2  # ... the title's line, the tokens' (up to three lines)
DIAGRAM_DOMAIN = (0.48, 1.0)  # of the plotting height, with a running prediction below
RUNNING_DOMAIN = (0.20, 0.42)  # ... its title above it, its axis and the player below it
ALONE_DOMAIN = (0.20, 1.0)  # the diagram alone (no running prediction)
BUTTONS_Y = {True: 0.095, False: 0.13}  # Play / Pause above the slider (with a prediction?)
TITLE_FONT, TITLE_FONT_LARGE = 16, 24  # the diagram's title, as the app's chart titles
TITLE_COLOUR = "#31333f"  # ... in Streamlit's text colour (a trace's text is grey)
LINE_CHARS = 56  # characters of tokens per line above the diagram: a laptop's 2/3 column
LINE_CHARS_LARGE = 60  # ... in projector mode's larger type on a 1920-pixel screen
CURVE = "#0068c9"  # the prediction curve: the blue it had as the first trace of its own chart
DIGITS = 7  # customdata rounded to 1e-7: the numbers stay exact to 1e-6, the frames small
NUMBERS = (4, 5)  # the cell diagram's two text traces: the gates', the states'
TOKENS, TITLE, STEP_LINE, MARKER = 6, 7, 9, 10  # after the diagram's six (8: the curve)


def token_line(tokens: Sequence[str], step: int, reach: int, large: bool = False) -> str:
    """The tokens from `reach` before `step` to `reach` after it as Plotly text: the current
    one bold in the step colour, later ones faded, the model's markers in italics; broken
    into lines of about LINE_CHARS characters. User text escaped."""
    width = LINE_CHARS_LARGE if large else LINE_CHARS
    first, last = max(0, step - reach), min(len(tokens), step + reach + 1)
    lines, line, used = [], ["…"] if first else [], 1 if first else 0
    for t in range(first, last):
        if line and used + len(tokens[t]) + 1 > width:
            lines.append(line)
            line, used = [], 0
        text = html.escape(tokens[t])
        line.append(f"<i>{text}</i>" if tokens[t] in draw.MARKERS else text)
        used += len(tokens[t]) + 1
    if last < len(tokens):
        line.append("…")
    lines.append(line)
    shown, t = [], first - (1 if first else 0)  # t: the token of each line's first word
    for words in lines:
        before = [w for i, w in enumerate(words) if t + i < step]
        now = [f"<b><span style='color:{draw.STEP_LINE}'>{w}</span></b>"
               for i, w in enumerate(words) if t + i == step]
        after = " ".join(w for i, w in enumerate(words) if t + i > step)
        faded = [f"<span style='color:#aaa'>{after}</span>"] if after else []  # one span
        shown.append(" ".join(before + now + faded))
        t += len(words)
    return "<br>".join(shown)


def _numbers(step: draw.CellStep) -> list[dict]:
    """The diagram's two text traces for one token (see `gates.cell_traces`)."""
    return [{"text": texts, "customdata": [round(v, DIGITS) for v in numbers]}
            for texts, numbers in draw.number_groups(step)]


def frames(values: dict, befores: Sequence[dict], tokens: Sequence[str], unit: int,
           running: np.ndarray | None, names: Sequence[str], reach: int, large: bool = False,
           _: Say = english) -> list[dict]:
    """One frame per token, named `names[t]`, as plain dicts: the data of the traces it
    names (see the module's docstring)."""
    shown = []
    for t, name in enumerate(names):
        step = draw.cell_step(values, t, unit, befores[t], tokens[t], _)
        data = [{"fillcolor": fill} for fill in step.fills] + _numbers(step)
        data += [{"text": [token_line(tokens, t, reach, large)]}, {"text": [title(step)]}]
        traces = [0, 1, 2, 3, *NUMBERS, TOKENS, TITLE]
        if running is not None:
            data += [{"x": [t, t]}, {"x": [t], "y": [round(float(running[t]), DIGITS)]}]
            traces += [STEP_LINE, MARKER]
        shown.append({"name": name, "data": data, "traces": traces})
    return shown


def title(step: draw.CellStep) -> str:
    return f"<b>{step.title}</b>"


def step_figure(values: dict, befores: Sequence[dict], tokens: Sequence[str], unit: int,
                running: np.ndarray | None, start: int, reach: int, large: bool = False,
                _: Say = english) -> go.Figure:
    """The stepping figure drawn at `start`, without its frames (`frames`) and controls:
    `values[name]` (steps, units), `befores[t]` the c and h before token t, `running`
    (steps,) P(positive) after each token or None."""
    fig = draw.cell_diagram(values, start, unit, befores[start], tokens[start], large, _)
    now = draw.cell_step(values, start, unit, befores[start], tokens[start], _)
    for y, text, font in ((TOKENS_Y, token_line(tokens, start, reach, large),
                           {"family": "monospace"}),
                          (TITLE_Y, title(now), {"color": TITLE_COLOUR, "size":
                                                 TITLE_FONT_LARGE if large else TITLE_FONT})):
        fig.add_trace(go.Scatter(x=[0.0], y=[y], mode="text", textposition="middle right",
                                 text=[text], hoverinfo="skip", textfont=font,
                                 cliponaxis=False))
    fig.update_layout(title=None, margin_t=10)  # the title is a trace, drawn in each frame
    fig.update_yaxes(range=[0, DIAGRAM_TOP], domain=ALONE_DOMAIN)
    if running is not None:
        _add_running(fig, running, tokens, start, _)
    return fig


def _add_running(fig: go.Figure, running: np.ndarray, tokens: Sequence[str], start: int,
                 _: Say) -> None:
    """`gates.running_figure` moved onto the lower axes, with the step's line and marker."""
    below = draw.running_figure(running, list(tokens), None, _)
    fig.update_yaxes(domain=DIAGRAM_DOMAIN)
    fig.add_trace(below.data[0].update(xaxis="x2", yaxis="y2", line_color=CURVE,
                                       marker_color=CURVE))
    fig.add_trace(go.Scatter(x=[start, start], y=[-0.02, 1.02], mode="lines",
                             line={"color": draw.STEP_LINE}, hoverinfo="skip",
                             xaxis="x2", yaxis="y2"))
    fig.add_trace(go.Scatter(x=[start], y=[float(running[start])], mode="markers",
                             marker={"size": 12, "color": draw.STEP_LINE}, hoverinfo="skip",
                             xaxis="x2", yaxis="y2"))
    for note in below.layout.annotations:
        fig.add_annotation(note.update(xref="x2", yref="y2"))
    fig.add_shape(type="line", x0=0, x1=1, xref="x2 domain", y0=0.5, y1=0.5, yref="y2",
                  line={"dash": "dot", "color": "#999"})
    axes = below.layout
    fig.update_layout(
        xaxis2={"domain": [0, 1], "anchor": "y2", "title": axes.xaxis.title.text},
        yaxis2={"domain": RUNNING_DOMAIN, "anchor": "x2", "range": list(axes.yaxis.range),
                "title": axes.yaxis.title.text})
    fig.add_annotation(text=f"<b>{axes.title.text}</b>", x=0, xref="paper", xanchor="left",
                       y=RUNNING_DOMAIN[1] + 0.02, yref="paper", yanchor="bottom",
                       showarrow=False)
