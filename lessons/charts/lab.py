"""What the sentiment lab draws: training curves, the confusion matrix, runs side by side.

Plain Plotly figures, pandas tables, HTML and sentences built from a run's history, result
and records, without Streamlit; the page styles and draws them (`ui.chart`, `st.dataframe`).
Every word they show is an English source string marked with `_`; the page passes its own
`_` (the reader's language), and without it they speak English (`english`).
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative
from plotly.subplots import make_subplots

from explainers import lab, lesson, live, models, presets, reviews, runs, training
from explainers.i18n import N_, Say, english

TRAINING, VALIDATION = "#1f77b4", "#d62728"  # the colours of the two curves of a run
CURVES = {  # history key -> (subplot column, whose curve it is, its colour)
    "loss": (1, N_("training"), TRAINING),
    "val_loss": (1, N_("validation"), VALIDATION),
    "accuracy": (2, N_("training"), TRAINING),
    "val_accuracy": (2, N_("validation"), VALIDATION),
}
RECORDED = N_("recorded full run")  # a lesson recipe run once in full (assets/lesson_runs)
PRINTED = N_("printed by the lesson")  # the epochs the lesson's fit() log showed
RUN_COLOURS = qualitative.D3  # one colour per run overlaid
SENTIMENTS = (N_("negative"), N_("positive"))  # label 0, label 1
NAME_SHOWN = 48  # characters of a run's name in a legend (below the panels)
REVIEW_SHOWN = 700  # characters of a misclassified review


@dataclass(frozen=True)
class Metric:
    """One number the page shows as a metric: its label, value, tooltip and change."""

    label: str
    value: str
    help: str | None = None
    delta: str | None = None



@dataclass(frozen=True)
class Reference:
    """What a lesson model's curves are drawn against: its recipe's recorded full run (None
    when assets/ lacks it) and the epochs the lesson printed."""

    record: runs.RunRecord | None
    printed: tuple[lesson.PrintedEpoch, ...]


def reference_for(preset: presets.Preset | None,
                  model: models.ModelConfig | None = None) -> Reference | None:
    """The references of a lesson preset's model (while `model` is still that model)."""
    if preset is None or preset.lesson is None or (model is not None and model != preset.model):
        return None
    try:
        record = runs.lesson_record(preset.lesson.key)
    except runs.RunDamaged:  # a broken recording: the lesson's points still count
        record = None
    return Reference(record, lesson.printed_epochs(preset.lesson.key))


def changes(found: Sequence[lab.Difference], from_lesson: bool, *, _: Say = english) -> str:
    """The settings that differ from a preset, as `batch_size 128 (lesson: 512)`."""
    template = (N_("{field} {value} (lesson: {preset})") if from_lesson
                else N_("{field} {value} (preset: {preset})"))
    return "; ".join(_(template, field=d.field, value=d.value, preset=d.preset) for d in found)


def budget_metrics(model: models.ModelConfig, cost: lab.Budget, *,
                   _: Say = english) -> list[Metric]:
    """What a set-up will cost, before it starts: its size, time, steps and reviews."""
    minutes = cost.seconds >= 120  # say minutes from two minutes on
    return [
        Metric(_("Parameters"), f"{models.parameter_count(model):,}"),
        Metric(_("Estimated time"), _("≈ {minutes:,.0f} min", minutes=cost.seconds / 60)
               if minutes else _("≈ {seconds:,.0f} s", seconds=cost.seconds)),
        Metric(_("Steps per batch"), f"{cost.mean_width:.0f}",
               _("Mean padded length of a training batch: bucketing makes it small.")),
        Metric(_("Reviews to learn from"), f"{cost.reviews:,}"),
    ]


def result_metrics(outcome: lab.LabOutcome, lesson: float | None, *,
                   _: Say = english) -> list[Metric]:
    """A finished run's scores; the test accuracy beside the `lesson`'s when there is one."""
    best, gap = outcome.result.best_epoch, training.overfitting_gap(outcome.result.history)
    return [
        Metric(_("Test accuracy"), f"{outcome.test_accuracy:.4f}",
               _("On {n:,} test reviews the model never saw.", n=len(outcome.probabilities)),
               None if lesson is None else _("{difference:+.4f} vs the lesson",
                                             difference=outcome.test_accuracy - lesson)),
        Metric(_("Test loss"), f"{outcome.test_loss:.4f}"),
        Metric(_("Best validation epoch"), str(best) if best else "—"),
        Metric(_("Overfitting gap"), "—" if math.isnan(gap) else f"{gap:+.3f}",
               _("Training minus validation accuracy at the last epoch.")),
    ]


def history_of(snap: live.Snapshot) -> dict[str, list[float]]:
    """A live job's curves so far, as a finished run's history holds them."""
    return {key: snap.series(key) for key in training.HISTORY_KEYS}


def add_reference(fig: go.Figure, reference: Reference, *, _: Say = english) -> int:
    """Draw a lesson model's recorded run (thin dashed lines) and the lesson's printed epochs
    (stars) on the curves; returns the epochs they span."""
    history = reference.record.history if reference.record else {}
    shown = set()  # one legend entry each
    for key, (col, _name, colour) in CURVES.items():
        values = history.get(key, [])
        if values:
            fig.add_trace(go.Scatter(
                x=list(range(1, len(values) + 1)), y=values, name=_(RECORDED), mode="lines",
                line={"color": colour, "dash": "dash", "width": 1}, opacity=0.55,
                legendgroup="recorded", showlegend="recorded" not in shown), row=1, col=col)
            shown.add("recorded")
        points = [(p.epoch, getattr(p, key)) for p in reference.printed
                  if getattr(p, key, None) is not None]
        if points:
            fig.add_trace(go.Scatter(
                x=[e for e, _v in points], y=[v for _e, v in points], name=_(PRINTED),
                mode="markers", marker={"symbol": "star", "size": 13, "color": colour,
                                        "line": {"color": "black", "width": 1}},
                legendgroup="printed", showlegend="printed" not in shown), row=1, col=col)
            shown.add("printed")
    return max([len(v) for v in history.values()] + [p.epoch for p in reference.printed] + [0])


def curves_figure(history: dict, title: str = "", epochs: int | None = None, *,
                  reference: Reference | None = None, _: Say = english) -> go.Figure:
    """Loss and accuracy per epoch, training and validation; best epoch and gap marked; a
    lesson model's `reference` drawn behind."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=(_("Loss"), _("Accuracy")))
    if reference is not None:
        epochs = max(epochs or 0, add_reference(fig, reference, _=_))
    n = len(history.get("loss", []))
    x = list(range(1, n + 1))
    for key, (col, name, colour) in CURVES.items():
        values = [None if (v is None or math.isnan(v)) else v for v in history.get(key, [])]
        if not any(v is not None for v in values):
            continue
        fig.add_trace(go.Scatter(x=x, y=values, name=_(name), mode="lines+markers",
                                 line={"color": colour}, legendgroup=name,
                                 showlegend=col == 1), row=1, col=col)
    best = training.best_epoch(history)
    if best:
        for col in (1, 2):
            fig.add_vline(x=best, line={"dash": "dot", "color": "green"}, row=1, col=col)
        fig.add_annotation(x=best, y=0.0, yref="y2 domain", xref="x2", showarrow=False,
                           text=_(" best validation epoch {epoch}", epoch=best),
                           font={"color": "green"}, xanchor="left", yanchor="bottom")
    gap = training.overfitting_gap(history)
    if n and not math.isnan(gap):
        fig.add_annotation(x=n, y=history["val_accuracy"][-1], xref="x2", yref="y2", ax=-60,
                           ay=40, text=_("gap {gap:+.3f}", gap=gap), showarrow=True,
                           arrowcolor=VALIDATION)
    fig.update_xaxes(title_text=_("epoch"), range=[0.5, max(epochs or n, n, 1) + 0.5])
    if not n:  # empty axes before the first epoch (Plotly draws a subplot only with a trace)
        for col in (1, 2):
            fig.add_trace(go.Scatter(x=[], y=[], showlegend=False), row=1, col=col)
        fig.update_yaxes(range=[0, 1])
    fig.update_layout(title=title, height=360)
    return fig


def confusion_figure(matrix: np.ndarray, *, _: Say = english) -> go.Figure:
    """The 2x2 counts of `training.confusion`: true label down, predicted across."""
    labels = [_(sentiment) for sentiment in SENTIMENTS]
    fig = go.Figure(go.Heatmap(z=matrix, x=labels, y=labels, colorscale="Blues",
                               showscale=False, text=matrix, texttemplate="%{text:,}"))
    fig.update_yaxes(autorange="reversed", title_text=_("true label"))
    fig.update_xaxes(title_text=_("predicted"))
    fig.update_layout(title=_("Confusion matrix"), height=340)
    return fig


def how_it_ended(result: training.TrainResult, *, _: Say = english) -> str:
    """A finished run's ending in words: its epochs, and what stopped it if not the last."""
    if result.timed_out:
        return _("ended by the {minutes}-minute limit after {epochs} epochs",
                 minutes=lab.MAX_SECONDS // 60, epochs=result.epochs_run)
    if result.stopped:
        return _("stopped by you after {epochs} full epoch(s)", epochs=result.epochs_run)
    if result.early_stopped:
        return _("stopped early (validation loss stopped improving)")
    return _("{epochs} epochs", epochs=result.epochs_run)


def trained(outcome: lab.LabOutcome, *, _: Say = english) -> str:
    """What a finished run did, in one sentence: its time, how it ended, its run id."""
    result = outcome.result
    return _("Trained in {seconds:.1f} s ({ending}); saved as run `{run_id}`.",
             seconds=result.seconds, ending=how_it_ended(result, _=_), run_id=outcome.run_id)


def review_html(words: str, positive: bool, probability: float, *,
                _: Say = english) -> str:
    """A test review as the model saw it (its words, escaped), its label and P(positive)."""
    cut = "…" if len(words) > REVIEW_SHOWN else ""
    verdict = (_("true positive, P(positive) = {p:.2f}", p=probability) if positive
               else _("true negative, P(positive) = {p:.2f}", p=probability))
    return (f"<div style='font-size:0.9em;margin-bottom:0.6em'><b>{html.escape(verdict)}</b>"
            f"<br>{html.escape(words[:REVIEW_SHOWN])}{cut}</div>")


def review_counts(review: reviews.Prepared, form: reviews.InputFormat, *,
                  _: Say = english) -> str:
    """What a typed review came to: its words, the unknown ones, and what was cut off."""
    counts = _("{words} words, {unknown} unknown (<UNK>)", words=review.words,
               unknown=review.unknown)
    if not review.truncated:
        return counts
    if form.truncating == "pre":
        return _("{counts}; only the last {maxlen} tokens are read", counts=counts,
                 maxlen=form.maxlen)
    return _("{counts}; only the first {maxlen} tokens are read", counts=counts,
             maxlen=form.maxlen)


def accuracy(value: float | None) -> str:
    """An accuracy as a table shows it: four decimals, or a dash when there is none."""
    return "—" if value is None or math.isnan(value) else f"{value:.4f}"


def run_name(record: runs.RunRecord, *, _: Say = english) -> str:
    """A run's name: a preset's name in the reader's language, else the architecture it was
    saved with (not escaped: the caller escapes it for where it goes)."""
    return _(record.name) if record.preset and record.preset == record.name else record.name


def run_label(record: runs.RunRecord, *, _: Say = english) -> str:
    """How the lab's lists name a run: name, test accuracy, time and id."""
    return record.label(_, name=run_name(record, _=_))


def overlay_figure(records: Sequence[runs.RunRecord], *, _: Say = english) -> go.Figure:
    """Validation loss and accuracy of several runs, one colour per run."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=(_("Validation loss"),
                                                        _("Validation accuracy")))
    for i, record in enumerate(records):
        x = list(range(1, record.epochs_run + 1))
        name = f"{html.escape(run_name(record, _=_)[:NAME_SHOWN])} · {record.run_id[-6:]}"
        for col, key in ((1, "val_loss"), (2, "val_accuracy")):
            fig.add_trace(go.Scatter(
                x=x, y=record.history.get(key, []), name=name, legendgroup=record.run_id,
                showlegend=col == 1, mode="lines+markers",
                line={"color": RUN_COLOURS[i % len(RUN_COLOURS)]}), row=1, col=col)
    fig.update_xaxes(title_text=_("epoch"))
    fig.update_layout(height=420, legend={"orientation": "h", "yanchor": "top", "y": -0.25})
    # the legend below the panels: run names are long, the panels keep the whole width
    return fig


def runs_table(records: Iterable[runs.RunRecord], current: str | None, *,
               _: Say = english) -> pd.DataFrame:
    """One row per run; ✓ marks the run the other pages inspect."""
    return pd.DataFrame([{
        _("current"): "✓" if r.run_id == current else "",
        _("name"): run_name(r, _=_),
        _("architecture"): r.architecture,
        _("parameters"): r.parameters,
        _("maxlen"): r.data.get("maxlen"),
        _("seconds"): round(r.seconds, 1),
        _("epochs"): r.epochs_run,
        _("best val acc"): round(r.best_val_accuracy, 4),
        _("test acc"): round(r.test_accuracy, 4),
        _("stopped"): _("yes") if r.stopped else "",
        _("run id"): r.run_id,
    } for r in records])


def presets_table(past: Sequence[runs.RunRecord], *, _: Say = english) -> pd.DataFrame:
    """Each preset's recipe, the lesson's test accuracy and the best of your runs of it."""
    rows = []
    for p in presets.PRESETS.values():
        mine = [r.test_accuracy for r in past
                if r.preset == p.name and not math.isnan(r.test_accuracy)]
        recipe = _("maxlen {maxlen}, '{padding}', {epochs} epochs, batch {batch}",
                   maxlen=p.imdb.maxlen, padding=p.imdb.padding, epochs=p.train.epochs,
                   batch=p.train.batch_size)
        rows.append({
            _("preset"): _(p.name),
            _("lesson's test accuracy"): accuracy(p.lesson_accuracy),
            _("your best test accuracy"): accuracy(max(mine) if mine else None),
            _("recipe"): _("{recipe}, bucketing", recipe=recipe) if p.train.bucketing
            else recipe,
        })
    return pd.DataFrame(rows)
