"""What the sentiment lab draws: training curves, the confusion matrix, runs side by side.

Plain Plotly figures, pandas tables, HTML and sentences built from a run's history, result
and records, without Streamlit; the page styles and draws them (`ui.chart`, `st.dataframe`).
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative
from plotly.subplots import make_subplots

from explainers import lab, presets, runs, training

TRAINING, VALIDATION = "#1f77b4", "#d62728"  # the colours of the two curves of a run
CURVES = {  # history key -> (subplot column, whose curve it is, its colour)
    "loss": (1, "training · 训练", TRAINING),
    "val_loss": (1, "validation · 验证", VALIDATION),
    "accuracy": (2, "training · 训练", TRAINING),
    "val_accuracy": (2, "validation · 验证", VALIDATION),
}
RUN_COLOURS = qualitative.D3  # one colour per run overlaid
SENTIMENTS = ["negative · 负面", "positive · 正面"]  # label 0, label 1
NAME_SHOWN = 30  # characters of a run's name in a legend
REVIEW_SHOWN = 700  # characters of a misclassified review


def curves_figure(history: dict, title: str = "", epochs: int | None = None) -> go.Figure:
    """Loss and accuracy per epoch, training and validation; best epoch and gap marked."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("Loss · 损失", "Accuracy · 准确率"))
    n = len(history.get("loss", []))
    x = list(range(1, n + 1))
    for key, (col, name, colour) in CURVES.items():
        values = [None if (v is None or math.isnan(v)) else v for v in history.get(key, [])]
        if not any(v is not None for v in values):
            continue
        fig.add_trace(go.Scatter(x=x, y=values, name=name, mode="lines+markers",
                                 line={"color": colour}, legendgroup=name,
                                 showlegend=col == 1), row=1, col=col)
    best = training.best_epoch(history)
    if best:
        for col in (1, 2):
            fig.add_vline(x=best, line={"dash": "dot", "color": "green"}, row=1, col=col)
        fig.add_annotation(x=best, y=0.0, yref="y2 domain", xref="x2", showarrow=False,
                           text=f" best val epoch {best}", font={"color": "green"},
                           xanchor="left", yanchor="bottom")
    gap = training.overfitting_gap(history)
    if n and not math.isnan(gap):
        fig.add_annotation(x=n, y=history["val_accuracy"][-1], xref="x2", yref="y2", ax=-60,
                           ay=40, text=f"gap {gap:+.3f}", showarrow=True, arrowcolor=VALIDATION)
    fig.update_xaxes(title_text="epoch · 轮次", range=[0.5, max(epochs or n, n, 1) + 0.5])
    fig.update_layout(title=title, height=360)
    return fig


def confusion_figure(matrix: np.ndarray) -> go.Figure:
    """The 2x2 counts of `training.confusion`: true label down, predicted across."""
    fig = go.Figure(go.Heatmap(z=matrix, x=SENTIMENTS, y=SENTIMENTS, colorscale="Blues",
                               showscale=False, text=matrix, texttemplate="%{text:,}"))
    fig.update_yaxes(autorange="reversed", title_text="true · 真实")
    fig.update_xaxes(title_text="predicted · 预测")
    fig.update_layout(title="Confusion matrix · 混淆矩阵", height=340)
    return fig


def how_it_ended(result: training.TrainResult) -> str:
    """A finished run's ending in words: its epochs, and what stopped it if not the last."""
    if result.timed_out:
        return (f"ended by the {lab.MAX_SECONDS // 60}-minute limit after {result.epochs_run} "
                "epochs")
    return (f"stopped by you after {result.epochs_run} full epoch(s)" if result.stopped
            else "stopped early (validation loss stopped improving)" if result.early_stopped
            else f"{result.epochs_run} epochs")


def review_html(words: str, positive: bool, probability: float) -> str:
    """A test review as the model saw it (its words, escaped), its label and P(positive)."""
    cut = "…" if len(words) > REVIEW_SHOWN else ""
    return (f"<div style='font-size:0.9em;margin-bottom:0.6em'><b>true "
            f"{'positive' if positive else 'negative'}, P(positive) = {probability:.2f}</b>"
            f"<br>{html.escape(words[:REVIEW_SHOWN])}{cut}</div>")


def overlay_figure(records: Sequence[runs.RunRecord]) -> go.Figure:
    """Validation loss and accuracy of several runs, one colour per run."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=(
        "Validation loss · 验证损失", "Validation accuracy · 验证准确率"))
    for i, record in enumerate(records):
        x = list(range(1, record.epochs_run + 1))
        name = f"{html.escape(record.name[:NAME_SHOWN])} · {record.run_id[-6:]}"
        for col, key in ((1, "val_loss"), (2, "val_accuracy")):
            fig.add_trace(go.Scatter(
                x=x, y=record.history.get(key, []), name=name, legendgroup=record.run_id,
                showlegend=col == 1, mode="lines+markers",
                line={"color": RUN_COLOURS[i % len(RUN_COLOURS)]}), row=1, col=col)
    fig.update_xaxes(title_text="epoch · 轮次")
    fig.update_layout(height=360)
    return fig


def runs_table(records: Iterable[runs.RunRecord], current: str | None) -> pd.DataFrame:
    """One row per run; ✓ marks the run the other pages inspect."""
    return pd.DataFrame([{
        "current": "✓" if r.run_id == current else "",
        "name": r.name,
        "architecture": r.architecture,
        "parameters": r.parameters,
        "maxlen": r.data.get("maxlen"),
        "seconds": round(r.seconds, 1),
        "epochs": r.epochs_run,
        "best val acc": round(r.best_val_accuracy, 4),
        "test acc": round(r.test_accuracy, 4),
        "stopped": "yes" if r.stopped else "",
        "run id": r.run_id,
    } for r in records])


def presets_table(past: Sequence[runs.RunRecord]) -> pd.DataFrame:
    """Each preset's recipe, the lesson's test accuracy and the best of your runs of it."""
    rows = []
    for p in presets.PRESETS.values():
        mine = [r.test_accuracy for r in past
                if r.preset == p.name and not math.isnan(r.test_accuracy)]
        rows.append({
            "preset": p.name,
            "lesson's test accuracy": p.lesson_accuracy,
            "your best test accuracy": max(mine) if mine else None,
            "recipe": f"maxlen {p.imdb.maxlen}, '{p.imdb.padding}', {p.train.epochs} epochs, "
                      f"batch {p.train.batch_size}" + (", bucketing" if p.train.bucketing
                                                       else ""),
        })
    return pd.DataFrame(rows)
