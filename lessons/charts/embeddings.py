"""The embedding pages' figures: PCA word maps (GloVe's, a model's learned vectors by push),
neighbour bars and a direction's bars.

Words come from the vectors' own vocabulary (typed words are looked up first), and every
builder returns a Plotly figure for the page to style and draw. The words are data (GloVe is
English) and stay as they are; the text around them is marked with `N_` and said through the
page's translator, `say` (the page passes its `_`; English by default), so this module reads
no reader's language itself.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from explainers.i18n import N_, Say, english

VARIANCE = N_("PCA keeps {share} of this set's variance")
AXIS = N_("PC {n}")
NEAREST = N_("Nearest to '{word}'")
COSINE = N_("cosine similarity")
ALONG = N_("cos(word, {pos} − {neg})")
ARROWS = N_("a→b (green) and c→answer (orange)")


def label_positions(xy: np.ndarray) -> list[str]:
    """Put a label below its point when another point sits just above it, so close words
    do not print on top of each other."""
    span = float(np.ptp(xy[:, 1])) or 1.0
    out = []
    for i, (x, y) in enumerate(xy[:, :2]):
        near = np.abs(xy[:, 0] - x) < 0.08 * (float(np.ptp(xy[:, 0])) or 1.0)
        above = near & (xy[:, 1] > y) & (xy[:, 1] - y < 0.06 * span)
        above[i] = False
        out.append("bottom center" if above.any() else "top center")
    return out


def pca_figure(glove, words, dims: int, font: int, projector: bool, highlight=(), arrows=(),
               title: str = "", say: Say = english) -> go.Figure:
    """Words placed by PCA of their vectors, 2-D or 3-D; arrows drawn between words (2-D)."""
    projection = glove.pca(words, dims)
    xyz = projection.coords
    colours = ["#d62728" if w in highlight else "#1f77b4" for w in projection.words]
    ratio = projection.explained_variance_ratio
    share = " + ".join(f"{r:.0%}" for r in ratio)
    if dims == 3 and xyz.shape[1] == 3:
        fig = go.Figure(go.Scatter3d(
            x=xyz[:, 0], y=xyz[:, 1], z=xyz[:, 2], mode="markers+text",
            text=list(projection.words), textfont={"size": font},
            marker={"size": 6, "color": colours},
        ))
    else:
        fig = go.Figure(go.Scatter(
            x=xyz[:, 0], y=xyz[:, 1], mode="markers+text", text=list(projection.words),
            textposition=label_positions(xyz), textfont={"size": font},
            marker={"size": 11, "color": colours},
        ))
        where = {w: xyz[i] for i, w in enumerate(projection.words)}
        for start, end, colour in arrows:
            if start in where and end in where:
                fig.add_annotation(
                    x=where[end][0], y=where[end][1], ax=where[start][0], ay=where[start][1],
                    xref="x", yref="y", axref="x", ayref="y", showarrow=True, arrowhead=3,
                    arrowsize=1.5, arrowwidth=4 if projector else 2.5, arrowcolor=colour,
                )
        fig.update_yaxes(scaleanchor="x", scaleratio=1)
        fig.update_layout(xaxis_title=say(AXIS, n=1), yaxis_title=say(AXIS, n=2))
    fig.update_layout(title=f"{title}<br><sup>{say(VARIANCE, share=share)}</sup>",
                      showlegend=False)
    return fig


def analogy_figure(glove, inputs: tuple[str, str, str], answers, expected: str, font: int,
                   projector: bool, say: Say = english) -> go.Figure:
    """The analogy's words on a PCA map, a→b and c→answer as arrows (and c→the expected
    answer when that is another word GloVe knows): a parallelogram when the relation is one
    direction in the space."""
    a, b, c = inputs
    best = answers[0].word
    shown = [a, b, c, best] + [m.word for m in answers[1:6]]
    arrows = [(a, b, "#2ca02c"), (c, best, "#ff7f0e")]
    if expected and expected in glove and expected != best and expected not in inputs:
        shown.append(expected)
        arrows.append((c, expected, "#9467bd"))
    return pca_figure(glove, shown, 2, font, projector, highlight={a, b, c, best},
                      arrows=arrows, title=say(ARROWS), say=say)


def neighbours_figure(found, word: str, say: Say = english) -> go.Figure:
    """The nearest words as bars of their cosine, nearest on top."""
    fig = go.Figure(go.Bar(
        x=[m.score for m in found][::-1], y=[m.word for m in found][::-1],
        orientation="h", text=[f"{m.score:.3f}" for m in found][::-1], marker_color="#1f77b4",
    ))
    fig.update_layout(title=say(NEAREST, word=word), xaxis_title=say(COSINE), xaxis_range=[0, 1])
    return fig


def direction_figure(words: list[str], score: np.ndarray, pos: list[str], neg: list[str],
                     say: Say = english) -> go.Figure:
    """Each word's cosine with the direction from the negative to the positive end."""
    order = np.argsort(score)
    fig = go.Figure(go.Bar(
        x=score[order], y=[words[i] for i in order], orientation="h",
        marker={"color": score[order], "colorscale": "RdBu", "cmid": 0},
        text=[f"{score[i]:+.2f}" for i in order],
    ))
    fig.update_layout(
        title=say(ALONG, pos=" + ".join(pos), neg=" + ".join(neg)),
        xaxis_title=f"← {', '.join(neg)}      ·      {', '.join(pos)} →",
    )
    return fig


PUSH = N_("push")
LEARNED_MAP = N_("PCA of {n} learned vectors ({first:.0%} + {second:.0%} of their variance)")


def push_map_figure(projection, push: np.ndarray, extremes: int, font: int,
                    say: Say = english) -> go.Figure:
    """A model's learned vectors on their 2-d PCA coordinates, coloured by each word's push
    (same order); the `extremes` strongest pushes at each end and the sentiment words are
    labelled (the learned embeddings page)."""
    from explainers.transfer import SENTIMENT_WORDS

    strong = set(np.argsort(push)[:extremes]) | set(np.argsort(push)[-extremes:])
    labelled = [i for i, w in enumerate(projection.words)
                if i in strong or w in SENTIMENT_WORDS]
    limit = float(max(np.abs(push).max(), 1e-6))
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        x=projection.coords[:, 0], y=projection.coords[:, 1], mode="markers",
        text=list(projection.words),
        hovertemplate="%{text}<br>" + say(PUSH) + " %{marker.color:+.3f}<extra></extra>",
        marker={"size": 8, "color": push, "colorscale": "RdBu", "cmin": -limit, "cmax": limit,
                "colorbar": {"title": say(PUSH)}},
    ))
    fig.add_trace(go.Scatter(
        x=projection.coords[labelled, 0], y=projection.coords[labelled, 1], mode="text",
        text=[projection.words[i] for i in labelled], textposition="top center",
        textfont={"size": font}, hoverinfo="skip",
    ))
    ratio = projection.explained_variance_ratio
    fig.update_layout(
        title=say(LEARNED_MAP, n=len(push), first=ratio[0], second=ratio[1]),
        xaxis_title=say(N_("PC 1")), yaxis_title=say(N_("PC 2")), showlegend=False,
    )
    return fig


AXIS_COSINE = N_("cos(word, {axis})")
AXES_TITLE = N_("{n} words on two axes made of words")
AXES_CORRELATION = N_("the axes' own cosine: {cos:+.2f}")
ADDED = N_("added (+)")
SUBTRACTED = N_("subtracted (−)")
ANSWERS = N_("nearest words")
SUM = N_("the sum")
ARITHMETIC_TITLE = N_("{expression} on a PCA map")
KIND_COLOURS = {"plus": "#2ca02c", "minus": "#d62728", "answer": "#1f77b4"}  # typed +, −, found
KIND_NAMES = {"plus": ADDED, "minus": SUBTRACTED, "answer": ANSWERS}


def axes_figure(glove, x, y, words, font: int, projector: bool,
                say: Say = english) -> go.Figure:
    """Words at their cosines with two word-defined axes (`explainers.algebra.axes`), the
    words that define the axes in red."""
    from explainers import algebra

    plot = algebra.axes(glove, x, y, words)
    xy = np.column_stack([plot.x, plot.y])  # (n_words, 2)
    fig = go.Figure(go.Scatter(
        x=plot.x, y=plot.y, mode="markers+text", text=list(plot.words),
        textposition=label_positions(xy), textfont={"size": font},
        marker={"size": 13 if projector else 11,
                "color": ["#d62728" if w in plot.anchors else "#1f77b4" for w in plot.words]},
        hovertemplate="%{text}<br>x %{x:+.3f}<br>y %{y:+.3f}<extra></extra>",
    ))
    for line in (fig.add_hline, fig.add_vline):
        line(0, line_color="#999999", line_width=1)
    fig.update_yaxes(scaleanchor="x", scaleratio=1, title=say(AXIS_COSINE, axis=y.shown()))
    fig.update_xaxes(title=say(AXIS_COSINE, axis=x.shown()))
    fig.update_layout(title=f"{say(AXES_TITLE, n=len(plot.words))}<br><sup>"
                            f"{say(AXES_CORRELATION, cos=plot.axes_cosine)}</sup>",
                      showlegend=False)
    return fig


def arithmetic_figure(glove, expression, answers, font: int, projector: bool,
                      say: Say = english) -> go.Figure:
    """The typed words (green +, red −), the running sum as arrows ending in a star, and the
    sum's nearest words (blue), on a PCA map of them (`explainers.algebra.arithmetic_map`)."""
    from explainers import algebra

    picture = algebra.arithmetic_map(glove, expression, answers)
    kinds = np.asarray(picture.kinds)
    fig = go.Figure()
    for kind, name in KIND_NAMES.items():
        at = np.flatnonzero(kinds == kind)
        fig.add_trace(go.Scatter(
            x=picture.coords[at, 0], y=picture.coords[at, 1], mode="markers+text",
            name=say(name), text=[picture.words[i] for i in at], textfont={"size": font},
            textposition=[label_positions(picture.coords)[i] for i in at],
            marker={"size": 13 if projector else 11, "color": KIND_COLOURS[kind]},
            hovertemplate="%{text}<extra></extra>",
        ))
    path = picture.path  # (n_terms, 2)
    for (x0, y0), (x1, y1), term in zip(path[:-1], path[1:], expression.terms[1:],
                                        strict=True):
        fig.add_annotation(x=x1, y=y1, ax=x0, ay=y0, xref="x", yref="y", axref="x",
                           ayref="y", showarrow=True, arrowhead=3, arrowsize=1.3,
                           arrowwidth=4 if projector else 2.5,
                           arrowcolor=KIND_COLOURS["minus" if term.weight < 0 else "plus"])
    fig.add_trace(go.Scatter(
        x=path[-1:, 0], y=path[-1:, 1], mode="markers", name=say(SUM),
        marker={"size": 22 if projector else 18, "symbol": "star", "color": "#ff7f0e",
                "line": {"width": 1, "color": "#333333"}},
        hovertext=[expression.shown()], hoverinfo="text",
    ))
    fig.update_yaxes(scaleanchor="x", scaleratio=1, title=say(AXIS, n=2))
    fig.update_xaxes(title=say(AXIS, n=1))
    share = " + ".join(f"{r:.0%}" for r in picture.variance)
    fig.update_layout(
        title=f"{say(ARITHMETIC_TITLE, expression=expression.shown())}<br><sup>"
              f"{say(VARIANCE, share=share)}</sup>",
        legend={"orientation": "h", "yanchor": "top", "y": -0.12, "x": 0})
    return fig
