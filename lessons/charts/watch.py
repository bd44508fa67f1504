"""What the lab draws of a training as it goes: the sentiment words' map and gate saturation.

Built from the `watch.EpochView`s a lab run reports with each epoch (epoch 0 = before
training): the fixed words on one PCA plane for all epochs (`watch.word_map`), each word's
path a faint line and its latest place a labelled dot; and, for an LSTM body, how many units
of each sigmoid gate saturate on the fixed review, epoch by epoch. No Streamlit here; the
page passes its `_`, without it the figures speak English.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import plotly.graph_objects as go

from explainers import gates, watch
from explainers.i18n import N_, Say, english
from lessons.charts.gates import COLOURS, QUANTITIES, SIGMOID_GATES

SIDES = {True: ("#2ca02c", N_("positive words")),  # a word's group -> its colour and name
         False: ("#d62728", N_("negative words"))}
HEIGHT = 360  # each of the figures under the live curves, one above the other


def word_map_figure(epochs: Sequence[int], views: Sequence[watch.EpochView], *,
                    _: Say = english) -> go.Figure:
    """The fixed words after every epoch so far on one plane: paths faint, the last epoch
    labelled."""
    found = watch.word_map(epochs, views)
    fig = go.Figure()
    for side in (True, False):
        colour, name = SIDES[side]
        rows = [w for w, positive in enumerate(found.words.positive) if positive == side]
        for w in rows:  # one faint path per word, oldest epoch first
            fig.add_trace(go.Scatter(
                x=found.coords[:, w, 0], y=found.coords[:, w, 1], mode="lines",
                line={"color": colour, "width": 1}, opacity=0.35, hoverinfo="skip",
                showlegend=False))
        fig.add_trace(go.Scatter(
            x=found.coords[-1, rows, 0], y=found.coords[-1, rows, 1], mode="markers+text",
            name=_(name), marker={"color": colour, "size": 9},
            text=[html.escape(found.words.words[w]) for w in rows], textposition="top center",
            hovertemplate="%{text}<extra></extra>"))
    last = found.separation[-1]
    fig.update_layout(
        title=_("Sentiment words, epoch {epoch} · separation {value:.1f}",
                epoch=found.epochs[-1], value=last),
        xaxis_title=_("axis 1 ({share:.0%} of the variance)", share=found.explained[0]),
        yaxis_title=_("axis 2 ({share:.0%})", share=found.explained[1]),
        legend={"orientation": "h", "y": -0.2}, height=HEIGHT, margin={"t": 50})
    return fig


def saturation_figure(epochs: Sequence[int], views: Sequence[watch.EpochView], *,
                      _: Say = english) -> go.Figure:
    """How much of each sigmoid gate is saturated on the fixed review, epoch by epoch: the
    share of its values (all units, all tokens) shut or open; the units saturated in hover."""
    fig = go.Figure()
    shown = [(e, v.saturation) for e, v in zip(epochs, views, strict=True)
             if v.saturation is not None]
    units = shown[-1][1].units if shown else 0
    for gate in SIGMOID_GATES:
        k = [s.gates.index(gate) for _e, s in shown]
        share = [float((s.shut[i] + s.open[i]).mean()) for (_e, s), i in zip(shown, k,
                                                                              strict=True)]
        fig.add_trace(go.Scatter(
            x=[e for e, _s in shown], y=share, mode="lines+markers",
            name=_(QUANTITIES[gate]), line={"color": COLOURS[gate]},
            customdata=[_("units saturated: {n} of {units}", n=s.saturated[i], units=units)
                        for (_e, s), i in zip(shown, k, strict=True)],
            hovertemplate=_("%{y:.1%} of values saturated<br>%{customdata}")
            + "<extra></extra>"))
    fig.update_layout(
        title=_("Saturated gate values, a fixed review of {steps} tokens",
                steps=shown[-1][1].steps if shown else 0),
        xaxis_title=_("epoch"), yaxis_title=_("shut (< {low}) or open (> {high})",
                                              low=gates.SATURATED_LOW,
                                              high=gates.SATURATED_HIGH),
        yaxis={"tickformat": ".0%", "rangemode": "tozero"}, xaxis={"dtick": 1},
        legend={"orientation": "h", "y": -0.2}, height=HEIGHT, margin={"t": 50})
    return fig


def separation_caption(epochs: Sequence[int], views: Sequence[watch.EpochView], *,
                       _: Say = english) -> str:
    """The words' separation at the first and the last epoch, in one sentence."""
    first = watch.separation(views[0].vectors, views[0].words.positive)
    last = watch.separation(views[-1].vectors, views[-1].words.positive)
    return _("Separation (distance between the two groups' centres over their spread): "
             "{first:.1f} at epoch {start}, {last:.1f} at epoch {end}. The map's two axes are "
             "fitted once on every epoch's vectors, so a word that moves here moved in the "
             "embedding.", first=first, start=epochs[0], last=last, end=epochs[-1])


SATURATION_NOTE = N_("Each line is the share of a gate's values, over all units and the "
                     "review's tokens, that are shut (< {low}) or open (> {high}); hover a "
                     "point for the units saturated on more than {share:.0%} of the tokens. "
                     "An untrained LSTM's gates sit near the middle; trained, more of them "
                     "decide.")


def saturation_note(_: Say = english) -> str:
    return _(SATURATION_NOTE, low=gates.SATURATED_LOW, high=gates.SATURATED_HIGH,
             share=gates.SATURATED_SHARE)
