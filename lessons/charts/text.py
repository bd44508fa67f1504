"""The char-RNN page's drawings: coloured text, the next-character chart, the loss curve.

Every character of the text is HTML-escaped before it is drawn (the text may be typed by a
user); the figures are Plotly, styled by the page through `ui.chart`.
"""

from __future__ import annotations

import html
import re

import numpy as np
import plotly.graph_objects as go

from explainers import charsample, lesson, live

VISIBLE = {" ": ("␣", "space"), "\n": ("↵", "new line"), "\t": ("⇥", "tab")}  # else invisible


def shown_char(c: str, named: bool = False) -> str:
    """A character as a label: space, new line and tab made visible (and named, if asked)."""
    symbol, name = VISIBLE.get(c, (c, ""))
    return f"{symbol} {name}" if named and name else symbol


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


def top_k_figure(gen: charsample.Generation, chars: tuple[str, ...], t: int) -> go.Figure:
    """The model's best guesses for the character after position t; red = the one that came."""
    ids, probs = gen.top_ids[t], gen.top_probs[t]
    actual = gen.text[t + 1] if t + 1 < len(gen.text) else None
    labels = [shown_char(chars[i], named=True) for i in ids]
    colours = ["#d62728" if chars[i] == actual else "#1f77b4" for i in ids]
    fig = go.Figure(go.Bar(x=labels, y=probs, marker_color=colours,
                           text=[f"{p:.1%}" for p in probs], textposition="outside"))
    fig.update_layout(
        title="Top-5 next characters · 下一个字符的前5个候选 (red = the one that came)",
        yaxis={"title": "probability", "range": [0, 1.1], "tickformat": ".0%"},
        xaxis={"title": "next character", "type": "category"},
    )
    return fig


def loss_figure(records: tuple[live.EpochRecord, ...], epochs: int) -> go.Figure:
    """Training loss per epoch beside the lesson's loss after its 100 epochs."""
    records = [r for r in records if r.epoch > 0]
    fig = go.Figure(go.Scatter(
        x=[r.epoch for r in records], y=[r.metrics.get("loss") for r in records],
        mode="lines+markers", name="training loss"))
    fig.add_hline(y=lesson.CHAR.final_loss, line_dash="dot", line_color="grey",
                  annotation_text=f"the lesson after {lesson.CHAR.epochs} epochs "
                                  f"({lesson.CHAR.final_loss})")
    fig.update_layout(title="Loss per epoch · 每轮损失", xaxis={"title": "epoch",
                      "range": [0.5, epochs + 0.5], "dtick": 1},
                      yaxis={"title": "cross-entropy (nats per character)"})
    return fig
