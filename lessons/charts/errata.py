"""The lesson's-mistakes page's drawings: the gradient decay chart and the count tables.

Figures are Plotly (the page styles them through `ui.chart`); tables are DataFrames of
formatted numbers. Every label is in the reader's language (`_`); formulas and layer names
are the same in both.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from explainers import errata, params
from lessons.i18n import N_, _

COLOURS = {"post": "#d62728", "pre": "#1f77b4"}
DASHES = {"post": "solid", "pre": "dot"}  # the two lines meet where both read <PAD>s
PADDINGS = {"post": N_("padding='post' (as the lesson trained it): the words come first"),
            "pre": N_("padding='pre': the words come last")}


def decay_figure(decays: dict[str, errata.Decay]) -> go.Figure:
    """||∂h_T/∂h_t|| against t on a log axis, one line per padding; the words drawn thick."""
    fig = go.Figure()
    for padding, decay in reversed(decays.items()):  # 'post', the lesson's, drawn on top
        t = np.arange(1, len(decay.norms) + 1)  # (T,)
        first, last = decay.words
        words = slice(first, last + 1)
        fig.add_trace(go.Scatter(
            x=t, y=decay.norms, mode="lines", name=_(PADDINGS[padding]),
            line={"color": COLOURS[padding], "width": 2, "dash": DASHES[padding]},
            legendgroup=padding,
            hovertemplate=_("step {t}: {norm}", t="%{x}", norm="%{y:.2e}") + "<extra></extra>"))
        fig.add_trace(go.Scatter(
            x=t[words], y=decay.norms[words], mode="markers", showlegend=False,
            marker={"color": COLOURS[padding], "size": 5}, legendgroup=padding,
            hovertemplate=_("step {t} (a word): {norm}", t="%{x}", norm="%{y:.2e}")
            + "<extra></extra>"))
    fig.update_yaxes(type="log", title=_("‖∂h_T/∂h_t‖ (log scale)"), exponentformat="power")
    fig.update_xaxes(title=_("step t (dots: the review's words)"))
    fig.update_layout(title=_("How much the final state depends on the state at step t"),
                      legend={"orientation": "h", "y": -0.25})
    return fig


def layers_table(layers: tuple[params.LayerCount, ...]) -> pd.DataFrame:
    """`single_lstm_model` as model.summary() lists it."""
    def named(c: params.LayerCount) -> str:
        wrapped = f"({c.directions[0].cell})" if c.directions else ""
        return f"{c.name} ({c.keras_class}{wrapped})"

    return pd.DataFrame([{_("Layer"): named(c), _("Output shape"): c.output_shape,
                          _("Parameters"): params.fmt(c.params)} for c in layers])


def formula_table(checks: tuple[errata.FormulaCheck, ...]) -> pd.DataFrame:
    """Each Bidirectional(LSTM) layer: the comment's formula, the LSTM's, and the printed."""
    return pd.DataFrame([{
        _("Layer"): c.name, "x": c.inputs,
        _("Comment: 2 × [h(h+x)+h]"): params.fmt(c.comment),
        _("LSTM: 2 × 4 × [h(h+x)+h]"): params.fmt(c.true),
        _("model.summary() printed"): params.fmt(c.printed),
    } for c in checks])
