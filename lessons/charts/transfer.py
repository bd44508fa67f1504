"""What the transfer page draws: each way's accuracy per epoch, and the table of its scores.

A way that goes on training another way's model ("frozen, then fine-tuned") is drawn from
the epoch where that model left off, with a line where its Embedding was unfrozen. Every
word is an English source string marked with `N_`, said through the page's translator
`say` (English by default); the ways' names come translated from the page (`names`).
"""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go

from explainers import transfer
from explainers.i18n import N_, Say, english

COLOURS = {"random": "#7f7f7f", "frozen": "#1f77b4", "unfrozen": "#2ca02c",
           "finetuned": "#d62728"}
TITLE = N_("Accuracy per epoch (solid: validation, dotted: training)")
VALIDATION = N_("{way} · validation")
TRAINING = N_("{way} · training")
UNFROZEN = N_("unfrozen here")


def accuracy_figure(histories: dict[str, dict[str, list[float]]], names: dict[str, str],
                    starts: dict[str, int] | None = None, say: Say = english) -> go.Figure:
    """Validation (solid) and training (dotted) accuracy per epoch of each way; one legend
    entry per way (it shows or hides both of its curves). `starts[way]` is the epoch after
    which a continuing way's own epochs begin."""
    starts = starts or {}
    curves = go.Figure()
    for way, history in histories.items():
        first = starts.get(way, 0)
        x = list(range(first + 1, first + len(history["val_accuracy"]) + 1))
        name = names[way]
        curves.add_trace(go.Scatter(
            x=x, y=history["val_accuracy"], mode="lines+markers", legendgroup=way, name=name,
            line={"color": COLOURS[way]},
            hovertemplate=say(VALIDATION, way=name) + ": %{y:.3f}<extra></extra>"))
        curves.add_trace(go.Scatter(
            x=x, y=history["accuracy"], mode="lines", legendgroup=way, name=name,
            showlegend=False, line={"color": COLOURS[way], "dash": "dot"},
            hovertemplate=say(TRAINING, way=name) + ": %{y:.3f}<extra></extra>"))
        if first:
            curves.add_vline(x=first + 0.5, line={"color": COLOURS[way], "dash": "dash"},
                             annotation_text=say(UNFROZEN), annotation_position="bottom right")
    epochs = max((starts.get(w, 0) + len(h["val_accuracy"]) for w, h in histories.items()),
                 default=0)
    curves.update_layout(title=say(TITLE), xaxis_title=say(N_("epoch")),
                         yaxis_title=say(N_("accuracy")),
                         xaxis={"tick0": 1, "dtick": 1 if epochs <= 15 else 5},  # whole epochs
                         legend={"orientation": "h", "y": -0.2})
    return curves


def live_histories(records, ways) -> dict[str, dict[str, list[float]]]:
    """The accuracy curves so far of a live job's epoch records (each noted with its way)."""
    return {
        way: {key: [r.metrics.get(key) for r in records if r.note == way]
              for key in ("accuracy", "val_accuracy")}
        for way in ways if any(r.note == way for r in records)
    }


def results_table(found: dict[str, transfer.WayResult], names: dict[str, str],
                  say: Say = english) -> pd.DataFrame:
    """One row per way: its first and best validation, test scores, how far its Embedding
    moved while it trained, and its time."""
    return pd.DataFrame([
        {say(N_("way")): names[w],
         say(N_("validation after epoch 1")): (r.history["val_accuracy"] or [math.nan])[0],
         say(N_("best validation")): transfer.best_val(r),
         say(N_("test accuracy")): r.test_accuracy, say(N_("test loss")): r.test_loss,
         say(N_("Embedding moved (mean |Δ|)")): r.moved, say(N_("seconds")): round(r.seconds, 1)}
        for w, r in found.items()
    ])
