"""The embedding pages' figures: PCA word maps (GloVe's, a model's learned vectors by push),
neighbour bars and a direction's bars.

Words come from the vectors' own vocabulary (typed words are looked up first), and every
builder returns a Plotly figure for the page to style and draw. The words are data (GloVe is
English) and stay as they are; the text around them is marked with `N_` and said through the
page's translator, `say` (the page passes its `_`; English by default), so this module reads
no reader's language itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from explainers.i18n import N_, Say, english
from explainers.projection import METHODS, Settings

VARIANCE = N_("PCA keeps {share} of this set's variance")
AXIS = N_("PC {n}")
NEAREST = N_("Nearest to '{word}'")
COSINE = N_("cosine similarity")
ALONG = N_("cos(word, {pos} − {neg})")
ARROWS = N_("a→b (green) and c→answer (orange)")
METHOD_AXIS = N_("{method} {n}")
TSNE_NOTE = N_("t-SNE, perplexity {perplexity:g}: near means similar; distances between groups "
               "and the sizes of groups mean nothing")
UMAP_NOTE = N_("UMAP, {n} neighbours: near means similar; distances between groups are not to "
               "be read")
BASE, FADED = "#1f77b4", "#aec7e8"  # a word's dot, and the same faded while others are marked
PICKED, NEAR, FOUND = "#d62728", "#2ca02c", "#ff7f0e"  # clicked (or centre), its nearest, found


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


@dataclass(frozen=True)
class Marks:
    """Words a reader asked to see on a map: what it was drawn around, what the search box
    found, the word clicked and its nearest words (all words on the map)."""

    centre: tuple[str, ...] = ()  # the words the map was made around (the analogy's, a centre)
    found: tuple[str, ...] = ()  # words the search box matched
    picked: str = ""  # the word clicked on the map
    near: tuple[str, ...] = ()  # the clicked word's nearest words (cosine, all dimensions)

    def colour(self, word: str, base: str = BASE) -> str:
        """The word's colour: picked, then near, then found, then centre, else `base` (faded
        while something is found or picked, so the marked words stand out)."""
        for words, colour in (((self.picked,), PICKED), (self.near, NEAR),
                              (self.found, FOUND), (self.centre, PICKED)):
            if word in words:
                return colour
        return FADED if (self.found or self.picked) else base

    def marked(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*self.centre, *self.found, *self.near,
                                    *((self.picked,) if self.picked else ()))))


def method_note(settings: Settings, say: Say = english) -> str:
    """The subtitle of a t-SNE or UMAP map: its knob, and what its distances do not mean."""
    if settings.method == "tsne":
        return say(TSNE_NOTE, perplexity=settings.perplexity)
    return say(UMAP_NOTE, n=settings.n_neighbors)


def axis_names(settings: Settings, say: Say) -> list[str]:
    if settings.method == "pca":
        return [say(AXIS, n=n) for n in (1, 2, 3)]
    return [say(METHOD_AXIS, method=say(METHODS[settings.method]), n=n) for n in (1, 2, 3)]


def links_to(projection, word: str, near: tuple[str, ...]) -> list[list]:
    """Coordinates of lines from `word` to each of `near`, None-separated, per axis."""
    where = {w: i for i, w in enumerate(projection.words)}
    if word not in where:
        return []
    ends = [where[w] for w in near if w in where]
    start = projection.coords[where[word]]
    return [[v for j in ends for v in (start[a], projection.coords[j][a], None)]
            for a in range(projection.coords.shape[1])]


def word_map_figure(projection, settings: Settings, font: int, projector: bool,
                    marks: Marks = Marks(), arrows=(), title: str = "",
                    say: Say = english) -> go.Figure:
    """Words at their projected places, 2-D or 3-D, every word labelled; marked words
    coloured, lines from a clicked word to its nearest words, arrows between words (2-D).
    Each point carries its word (customdata), so a click on it names the word."""
    xyz = projection.coords
    words = list(projection.words)
    colours = [marks.colour(w) for w in words]
    sizes = [1.5 if w == marks.picked or w in marks.found else 1.0 for w in words]
    lines = links_to(projection, marks.picked, marks.near)
    axes = axis_names(settings, say)
    if xyz.shape[1] == 3:
        fig = go.Figure(go.Scatter3d(
            x=xyz[:, 0], y=xyz[:, 1], z=xyz[:, 2], mode="markers+text", text=words,
            customdata=words, hovertemplate="%{customdata}<extra></extra>",
            textfont={"size": font}, marker={"size": [6 * s for s in sizes], "color": colours},
        ))
        if lines:
            fig.add_trace(go.Scatter3d(x=lines[0], y=lines[1], z=lines[2], mode="lines",
                                       line={"color": NEAR, "width": 3}, hoverinfo="skip"))
        fig.update_layout(scene={"xaxis_title": axes[0], "yaxis_title": axes[1],
                                 "zaxis_title": axes[2]})
    else:
        if lines:
            fig = go.Figure(go.Scatter(x=lines[0], y=lines[1], mode="lines", hoverinfo="skip",
                                       line={"color": NEAR, "width": 1.5}))
        else:
            fig = go.Figure()
        fig.add_trace(go.Scatter(
            x=xyz[:, 0], y=xyz[:, 1], mode="markers+text", text=words, customdata=words,
            hovertemplate="%{customdata}<extra></extra>", textposition=label_positions(xyz),
            textfont={"size": font}, marker={"size": [11 * s for s in sizes], "color": colours},
        ))
        where = {w: xyz[i] for i, w in enumerate(words)}
        for start, end, colour in arrows:
            if start in where and end in where:
                fig.add_annotation(
                    x=where[end][0], y=where[end][1], ax=where[start][0], ay=where[start][1],
                    xref="x", yref="y", axref="x", ayref="y", showarrow=True, arrowhead=3,
                    arrowsize=1.5, arrowwidth=4 if projector else 2.5, arrowcolor=colour,
                )
        fig.update_yaxes(scaleanchor="x", scaleratio=1)
        fig.update_layout(xaxis_title=axes[0], yaxis_title=axes[1])
    ratio = projection.explained_variance_ratio
    note = (say(VARIANCE, share=" + ".join(f"{r:.0%}" for r in ratio))
            if settings.method == "pca" else method_note(settings, say))
    fig.update_layout(title=f"{title}<br><sup>{note}</sup>", showlegend=False,
                      clickmode="event+select")
    return fig


def pca_figure(glove, words, dims: int, font: int, projector: bool, highlight=(), arrows=(),
               title: str = "", say: Say = english) -> go.Figure:
    """Words placed by PCA of their vectors, 2-D or 3-D; arrows drawn between words (2-D)."""
    return word_map_figure(glove.pca(words, dims), Settings(dims=dims), font, projector,
                           Marks(centre=tuple(highlight)), arrows, title, say)


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


PLAIN = Settings()  # PCA in 2-D, as the learned map was first drawn
PUSH = N_("push")
LEARNED_MAP = N_("PCA of {n} learned vectors ({first:.0%} + {second:.0%} of their variance)")
LEARNED_OTHER = N_("{method} of {n} learned vectors")


def push_map_figure(projection, push: np.ndarray, extremes: int, font: int,
                    settings: Settings = PLAIN, marks: Marks = Marks(),
                    say: Say = english) -> go.Figure:
    """A model's learned vectors at their projected places (2-D or 3-D), coloured by each
    word's push (same order); the `extremes` strongest pushes at each end, the sentiment words
    and the marked words are labelled, marked words ringed in their mark's colour, the clicked
    word joined to its nearest (the learned embeddings page)."""
    from explainers.transfer import SENTIMENT_WORDS

    words = list(projection.words)
    strong = set(np.argsort(push)[:extremes]) | set(np.argsort(push)[-extremes:])
    marked = set(marks.marked())
    labelled = [i for i, w in enumerate(words)
                if i in strong or w in SENTIMENT_WORDS or w in marked]
    ringed = [i for i, w in enumerate(words) if w in marked]
    limit = float(max(np.abs(push).max(), 1e-6))
    xyz = projection.coords
    three = xyz.shape[1] == 3
    scatter = go.Scatter3d if three else go.Scatter

    def at(rows) -> dict:
        axes = ("x", "y", "z") if three else ("x", "y")
        return {a: xyz[rows, n] for n, a in enumerate(axes)}

    every = list(range(len(words)))
    fig = go.Figure()
    fig.add_trace(scatter(
        **at(every), mode="markers", text=words, customdata=words,
        hovertemplate="%{text}<br>" + say(PUSH) + " %{marker.color:+.3f}<extra></extra>",
        marker={"size": 5 if three else 8, "color": push, "colorscale": "RdBu",
                "cmin": -limit, "cmax": limit, "colorbar": {"title": say(PUSH)}},
    ))
    lines = links_to(projection, marks.picked, marks.near)
    if lines:
        fig.add_trace(scatter(**dict(zip(("x", "y", "z"), lines, strict=False)), mode="lines",
                              line={"color": NEAR, "width": 2}, hoverinfo="skip"))
    if ringed:
        fig.add_trace(scatter(
            **at(ringed), mode="markers", customdata=[words[i] for i in ringed],
            hoverinfo="skip", marker={"size": 10 if three else 16, "symbol": "circle-open",
                                      "line": {"width": 3},
                                      "color": [marks.colour(words[i]) for i in ringed]},
        ))
    fig.add_trace(scatter(
        **at(labelled), mode="text", text=[words[i] for i in labelled],
        textposition="top center", textfont={"size": font}, hoverinfo="skip",
    ))
    ratio = projection.explained_variance_ratio
    names = ([say(N_("PC 1")), say(N_("PC 2")), say(AXIS, n=3)] if settings.method == "pca"
             else axis_names(settings, say))
    if settings.method == "pca":
        title = say(LEARNED_MAP, n=len(push), first=ratio[0], second=ratio[1])
    else:
        title = (say(LEARNED_OTHER, method=say(METHODS[settings.method]), n=len(push))
                 + f"<br><sup>{method_note(settings, say)}</sup>")
    if three:
        fig.update_layout(scene={"xaxis_title": names[0], "yaxis_title": names[1],
                                 "zaxis_title": names[2]})
    else:
        fig.update_layout(xaxis_title=names[0], yaxis_title=names[1])
    fig.update_layout(title=title, showlegend=False, clickmode="event+select")
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
