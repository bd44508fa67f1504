"""The char-RNN pages' drawings: coloured text, next-character charts, the loss curve.

Every character of the text is HTML-escaped before it is drawn (the text may be typed by a
user); the figures are Plotly, styled by the page through `ui.chart`. Their words are English
source strings that the builders' `_` argument puts in the reader's language: the page passes
its own `_` (lessons/i18n.py), so Babel finds the strings here as it finds the page's.
"""

from __future__ import annotations

import html
import re

import numpy as np
import plotly.graph_objects as go

from explainers import charsample, chartrain, lesson, live
from explainers.i18n import N_, Say, english

VISIBLE = {  # else invisible: a character's symbol, and its name in a chart's labels
    " ": ("␣", N_("space")), "\n": ("↵", N_("new line")), "\t": ("⇥", N_("tab"))}



def shown_char(c: str, named: bool = False, _: Say = english) -> str:
    """A character as a label: space, new line and tab made visible (and named, if asked)."""
    symbol, name = VISIBLE.get(c, (c, ""))
    return f"{symbol} {_(name)}" if named and name else symbol


def code_span(text: str) -> str:
    """`text` as inline Markdown code, fenced by more backticks than it holds in a row, so
    nothing in it can end the span or format (inside a code span Markdown is inert)."""
    fence = "`" * (max(map(len, re.findall("`+", text)), default=0) + 1)
    return f"{fence} {text} {fence}"


def colour_html(
    text: str,
    values: np.ndarray,
    signed: bool,
    n_prompt: int = 0,
    highlight: int | None = None,
) -> str:
    """Text as coloured characters, Karpathy style; every character is HTML-escaped.

    `signed=False`: values are probabilities in [0, 1], red (0) through yellow to green (1).
    `signed=True`: values are activations in [-1, 1], blue below zero, red above.
    Prompt characters are underlined; `highlight` gets a frame.
    """
    spans = []
    for t, c in enumerate(text):
        v = float(values[t])
        if np.isnan(v):
            background = "transparent"
        elif signed:
            a = 0.8 * min(abs(v), 1.0)  # never fully opaque: the letter stays readable
            background = (f"rgba(214,39,40,{a:.2f})" if v > 0 else f"rgba(31,119,180,{a:.2f})")
        else:
            background = f"hsla({120 * min(max(v, 0.0), 1.0):.0f},80%,55%,0.6)"
        style = f"background:{background}"
        if t < n_prompt:
            style += ";text-decoration:underline dotted"
        if t == highlight:
            style += ";outline:2px solid #111;outline-offset:-1px"
        tip = html.escape(f"#{t} {shown_char(c)} {v:.2f}", quote=True)
        body = html.escape("↵\n" if c == "\n" else c)
        spans.append(f'<span title="{tip}" style="{style}">{body}</span>')
    return (
        '<div style="font-family:ui-monospace,Menlo,Consolas,monospace;white-space:pre-wrap;'
        'line-height:1.7;font-size:1.05em;padding:0.6em;border:1px solid #ddd;'
        f'border-radius:6px">{"".join(spans)}</div>'
    )


def colour_legend(unit: int | None = None, _: Say = english) -> str:
    """What the colours of `colour_html` mean: confidence, or the activation of `unit`."""
    if unit is None:
        return _("Each character is coloured by the probability the model gave it just before "
                 "it appeared: green = expected, red = surprising. The prompt (underlined) was "
                 "read, not written.")
    return _("Each character is coloured by unit {unit}'s activation after reading it: red = "
             "positive, blue = negative (the hidden state h lies between -1 and 1).", unit=unit)


def top_k_figure(gen: charsample.Generation, chars: tuple[str, ...], t: int,
                 _: Say = english) -> go.Figure:
    """The model's best guesses for the character after position t; red = the one that came."""
    ids, probs = gen.top_ids[t], gen.top_probs[t]
    actual = gen.text[t + 1] if t + 1 < len(gen.text) else None
    labels = [shown_char(chars[i], True, _) for i in ids]
    colours = ["#d62728" if chars[i] == actual else "#1f77b4" for i in ids]
    fig = go.Figure(go.Bar(x=labels, y=probs, marker_color=colours,
                           text=[f"{p:.1%}" for p in probs], textposition="outside"))
    fig.update_layout(
        title=_("Top-{k} next characters (red = the one that came)", k=len(ids)),
        yaxis={"title": _("probability"), "range": [0, 1.1], "tickformat": ".0%"},
        xaxis={"title": _("next character"), "type": "category"},
    )
    return fig


def temperature_figure(gen: charsample.Generation, chars: tuple[str, ...], t: int,
                       shown: int = 15, _: Say = english) -> go.Figure:
    """What the character after position t is drawn from at the generation's settings, beside
    softmax(logits) at T = 1 (the lesson's), for the `shown` likeliest."""
    logits = gen.logits[t]  # (vocab,) the raw scores after reading character t
    lesson_p = charsample.distribution(logits, lesson.CHAR.temperature)  # (vocab,)
    mode, k = gen.mode, gen.k or charsample.DEFAULT_K
    drawn = charsample.distribution(logits, gen.temperature, mode, k)  # (vocab,)
    order = np.argsort(-lesson_p, kind="stable")[:shown]  # dividing by T keeps the order
    lesson_p, drawn = lesson_p[order].tolist(), drawn[order].tolist()  # (shown,) each
    labels = [shown_char(chars[i], True, _) for i in order]
    name = (_("greedy (argmax)") if mode == "greedy" else
            _("T = {t:g}, top-{k}", t=gen.temperature, k=k) if mode == "top_k" else
            _("T = {t:g}", t=gen.temperature))
    fig = go.Figure([
        go.Bar(x=labels, y=lesson_p, name=_("T = 1 (the lesson)"), marker_color="#bbb"),
        go.Bar(x=labels, y=drawn, name=name, marker_color="#1f77b4",
               text=[f"{p:.0%}" for p in drawn], textposition="outside")])
    fig.update_layout(
        barmode="group", margin={"t": 110},
        legend={"orientation": "h", "y": 1.08, "x": 1, "xanchor": "right", "yanchor": "bottom"},
        title={"text": _("softmax(logits / T) for the character after position {t}", t=t),
               "yref": "container", "y": 0.97, "yanchor": "top",
               "subtitle": {"text": _("Grey: the model's own odds (T = 1); blue: what this "
                                      "setting draws from. Move “Position to inspect” into a "
                                      "word to see T reshape less certain odds.")}},
        yaxis={"title": _("probability"), "range": [0, 1.22], "tickformat": ".0%",
               "tickvals": [0, 0.2, 0.4, 0.6, 0.8, 1]},
        xaxis={"title": _("next character"), "type": "category"})
    return fig


def loss_figure(records: tuple[live.EpochRecord, ...], epochs: int, _: Say = english,
                recorded: chartrain.LessonRun | None = None) -> go.Figure:
    """Training (and held-out) loss per epoch beside references: the lesson's printed
    epochs (a point where it falls on the axis, a line for the 100th) and the recorded run
    of the lesson's exact model."""
    records = [r for r in records if r.epoch > 0]
    last = max(epochs, len(recorded.epochs) if recorded else 0, 1)
    fig = go.Figure(go.Scatter(
        x=[r.epoch for r in records], y=[r.metrics.get("loss") for r in records],
        mode="lines+markers", name=_("training loss")))
    if any("held_out_loss" in r.metrics for r in records):
        fig.add_scatter(x=[r.epoch for r in records],
                        y=[r.metrics.get("held_out_loss") for r in records],
                        mode="lines+markers", name=_("held-out loss"), line_dash="dash")
    if recorded:
        fig.add_scatter(x=recorded.epochs, y=recorded.loss, mode="lines+markers", opacity=0.6,
                        name=_("the lesson's model, recorded here"), line_color="grey")
    for printed in lesson.printed_epochs("char"):
        said = _("the lesson, epoch {epoch}: {loss}", epoch=printed.epoch, loss=printed.loss)
        if printed.epoch <= last:
            fig.add_scatter(x=[printed.epoch], y=[printed.loss], mode="markers+text",
                            text=[said], textposition="top right", showlegend=False,
                            marker={"symbol": "star", "size": 12, "color": "black"})
        else:
            fig.add_hline(y=printed.loss, line_dash="dot", line_color="grey",
                          annotation_text=said)
    fig.update_layout(title=_("Loss per epoch"), xaxis={"title": _("epoch"),
                      "range": [0.5, last + 0.5], "dtick": 1 if last <= 30 else None},
                      yaxis={"title": _("cross-entropy (nats per character)")},
                      legend={"orientation": "h", "y": -0.25})
    return fig
