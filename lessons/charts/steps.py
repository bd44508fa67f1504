"""Drawings of the steps the lesson skips: a padded row of ids ('pre' and 'post' one above the
other, the <PAD> steps grey) and P(positive) of two models on variants of a text.

Plotly only; the page styles them through `ui.chart`. Labels are English source strings put in
the reader's language by the builder's `_` argument (the page passes its own `_`). Words in
hover text come from the model's vocabulary (letters, digits, apostrophes and the reserved
names), which Plotly shows as text.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from explainers import data
from explainers.i18n import N_, Say, english

PAD_GREY = "#d9d9d9"  # the <PAD> steps: plainly not words
MAX_ID_LOG = 4.0  # log10 of num_words (10,000): the colour scale's top
SIDES = {"pre": N_("padding='pre'"), "post": N_("padding='post'")}


def padded_rows(rows: Sequence[np.ndarray], sides: Sequence[str],
                vocabulary: data.Vocabulary, _: Say = english) -> go.Figure:
    """The padded rows as a strip each (one row per padding side): colour = log10(id),
    <PAD> grey; hovering a step shows its position, id and word."""
    grid = np.stack(rows).astype(np.float64)  # (sides, maxlen)
    z = np.where(grid == data.PAD, -1.0, np.log10(np.maximum(grid, 1)))  # (sides, maxlen)
    words = [[html.escape(vocabulary.token_of(int(i))) for i in row] for row in rows]
    edge = 1 / (MAX_ID_LOG + 1)  # where -1 (<PAD>) ends and log10(1) = 0 begins
    scale = [[0.0, PAD_GREY], [edge * 0.99, PAD_GREY], [edge, "#440154"], [0.5, "#21918c"],
             [1.0, "#fde725"]]  # grey for <PAD>, then viridis over the ids
    fig = go.Figure(go.Heatmap(
        z=z, customdata=np.stack([grid, np.array(words, dtype=object)], axis=-1),
        y=[_(SIDES[s]) for s in sides], colorscale=scale, zmin=-1, zmax=MAX_ID_LOG,
        xgap=0, ygap=6,
        hovertemplate=_("position %{x}<br>id %{customdata[0]}<br>%{customdata[1]}")
        + "<extra></extra>",
        colorbar={"title": {"text": _("id")}, "tickvals": [-1, 0, 1, 2, 3, 4],
                  "ticktext": ["<PAD> 0", "1", "10", "100", "1,000", "10,000"]},
    ))
    fig.update_layout(
        title=_("The same review padded to {maxlen} steps, pads in grey", maxlen=grid.shape[1]),
        xaxis_title=_("position in the row (time step)"), yaxis={"autorange": "reversed"})
    return fig


def model_bars(labels: Sequence[str], models: dict[str, np.ndarray], title: str,
               say: Say = english) -> go.Figure:
    """P(positive) of each model (name -> (n,) probabilities) on each labelled variant, as
    grouped horizontal bars with the 0.5 boundary; the exact values are written on the bars."""
    fig = go.Figure()
    for name, probabilities in models.items():
        fig.add_bar(y=list(labels), x=probabilities, name=name, orientation="h",
                    text=[f"{p:.4f}" for p in probabilities], textposition="outside",
                    hovertemplate="%{y}<br>P = %{x:.7f}<extra>" + html.escape(name)
                    + "</extra>")
    fig.add_vline(x=0.5, line_dash="dot", line_color="grey")
    fig.update_layout(barmode="group", title=title, xaxis={"range": [0, 1.12],
                      "title": say(N_("P(positive)"))}, yaxis={"autorange": "reversed"},
                      legend={"orientation": "h", "y": -0.2})
    return fig
