"""Drawings of per-token attribution (`explainers.attribution`): the review's words coloured by
their score, a bar per word under the running prediction, and a bar per character read before
a written one. Every token and character is HTML-escaped; labels are English source strings
put in the reader's language by the `_` the page passes.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from explainers.i18n import Say, english
from lessons.charts import gates as draw
from lessons.charts import text as chars

RAISES, LOWERS = (27, 158, 119), (217, 95, 2)  # teal and orange: apart for colour-blind eyes
NAMED = 8  # the words with the largest scores named on the bars
STRONGEST = 5  # words listed each way under the chart


def colour(score: float, reach: float) -> str:
    """A score's background: teal when it raised the output, orange when it lowered it, as
    strong as its share of the largest score (`reach`)."""
    if not reach or np.isnan(score):
        return "transparent"
    rgb = RAISES if score > 0 else LOWERS
    return f"rgba({rgb[0]},{rgb[1]},{rgb[2]},{0.85 * min(abs(score) / reach, 1.0):.2f})"


def token_html(tokens, scores: np.ndarray, _: Say = english) -> str:
    """The review's tokens as chips coloured by their score (the number in each tooltip)."""
    reach = float(np.abs(scores).max(initial=0.0))
    return draw.token_html(tokens, None, [colour(s, reach) for s in scores],
                           [f"{s:+.4f}" for s in scores], _=_)


def strongest(tokens, scores: np.ndarray, sign: int) -> list[tuple[str, float]]:
    """Up to STRONGEST (token, score) pairs pushing one way (sign +1 or -1), strongest first."""
    order = np.argsort(-sign * scores, kind="stable")[:STRONGEST]
    return [(tokens[t], float(scores[t])) for t in order if sign * scores[t] > 0]


def review_figure(tokens, scores: np.ndarray, running: np.ndarray | None,
                  _: Say = english) -> go.Figure:
    """A bar per token (its score), under the running prediction when there is one, sharing
    the token axis; the NAMED largest bars carry their word."""
    shown, x = draw.escaped(tokens), list(range(len(tokens)))
    rows = 2 if running is not None else 1
    fig = make_subplots(rows=rows, cols=1, shared_xaxes=True, vertical_spacing=0.08,
                        row_heights=[0.4, 0.6][-rows:])
    if running is not None:
        fig.add_trace(go.Scatter(
            x=x, y=running, mode="lines", customdata=shown, name=_("P(positive) so far"),
            hovertemplate=_("token %{x}: %{customdata}") + "<br>P(positive) %{y:.3f}"
            "<extra></extra>"), row=1, col=1)
        fig.add_hline(y=0.5, line_dash="dot", line_color="#999", row=1, col=1)
        fig.update_yaxes(title_text=_("P(positive)"), range=[-0.02, 1.02], row=1, col=1)
    solid = [colour(np.sign(s), 1.0) for s in scores]  # the height already tells the size
    fig.add_trace(go.Bar(
        x=x, y=scores, marker_color=solid, customdata=shown,
        name=_("attribution"), hovertemplate=_("token %{x}: %{customdata}") + "<br>"
        + _("share of the prediction") + " %{y:+.4f}<extra></extra>"), row=rows, col=1)
    for t in np.argsort(-np.abs(scores), kind="stable")[:NAMED]:
        if scores[t]:
            fig.add_annotation(x=int(t), y=float(scores[t]), text=shown[t], showarrow=False,
                               yshift=12 if scores[t] > 0 else -12, row=rows, col=1)
    fig.update_yaxes(title_text=_("share of P(positive)"), row=rows, col=1)
    fig.update_xaxes(title_text=_("token"), row=rows, col=1)
    fig.update_layout(title=_("What each word added to the final prediction"),
                      showlegend=False, bargap=0.05)
    return fig


def char_html(text: str, scores: np.ndarray, start: int, target: int) -> str:
    """`text[: target + 1]` coloured by each character's score (red raised the written
    character's probability, blue lowered it; no colour before the window at `start`), the
    written character at `target` framed."""
    reach = float(np.abs(scores).max(initial=0.0)) or 1.0
    values = np.full(target + 1, np.nan)  # (target + 1,)
    values[start: len(scores)] = scores[start:] / reach
    return chars.colour_html(text[: target + 1], values, True, highlight=target)


def char_figure(text: str, scores: np.ndarray, start: int, _: Say = english) -> go.Figure:
    """A bar per character of the window text[start: len(scores)] (its score)."""
    window = text[start: len(scores)]
    labels = [chars.shown_char(c) for c in window]
    x = list(range(start, len(scores)))
    fig = go.Figure(go.Bar(
        x=x, y=scores[start:], customdata=draw.escaped(labels),
        marker_color=["#d62728" if s > 0 else "#1f77b4" for s in scores[start:]],
        hovertemplate=_("character %{x}: %{customdata}") + "<br>%{y:+.4f}<extra></extra>"))
    fig.update_xaxes(tickmode="array", tickvals=x, ticktext=draw.escaped(labels),
                     tickangle=0, title_text=_("character read"))
    fig.update_layout(title=_("What each character added to the written one's probability"),
                      yaxis_title=_("share of the probability"), bargap=0.1)
    return fig
