"""The char page's figure for a training on your own text: loss per epoch, trained and held out.

No lesson reference here (the lesson trained on Shakespeare, not on your text); the page
passes its `_`, without it the figure speaks English.
"""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

from explainers import live
from explainers.i18n import Say, english


def loss_figure(records: Sequence[live.EpochRecord], epochs: int, *,
                _: Say = english) -> go.Figure:
    """Training and held-out loss of each trained epoch (epoch 0, before training, left out)."""
    trained = [r for r in records if r.epoch > 0]
    x = [r.epoch for r in trained]
    fig = go.Figure(go.Scatter(x=x, y=[r.metrics.get("loss") for r in trained],
                               mode="lines+markers", name=_("training loss")))
    fig.add_scatter(x=x, y=[r.metrics.get("held_out_loss") for r in trained],
                    mode="lines+markers", name=_("held-out loss"), line_dash="dash")
    fig.update_layout(title=_("Loss per epoch on your text"),
                      xaxis={"title": _("epoch"), "range": [0.5, max(epochs, 1) + 0.5],
                             "dtick": 1 if epochs <= 30 else None},
                      yaxis={"title": _("cross-entropy (nats per character)")},
                      legend={"orientation": "h", "y": -0.25}, height=340)
    return fig
