"""A Plotly figure built once and drawn many times without Plotly's object model.

`st.plotly_chart` takes a `go.Figure` and calls its `to_dict()`, which deep-copies every
array; given a plain dict, it validates the whole figure again through `go.Figure(**dict)`.
On a page whose figures are cached by their inputs both cost more than sending the figure
(a figure with a frame per token: hundreds of milliseconds). `freeze` takes the validated
figure's dict once, adds what needs no validation (the frames a figure steps through in
the browser, the player's slider and buttons: plain dicts a test checks), and returns a
`Frozen` figure whose `to_dict` hands that dict over as it is; `at_frame` draws one that
steps through frames at another of them, without building it again.
"""

from __future__ import annotations

import plotly.graph_objects as go


class Frozen(go.Figure):
    """A figure's finished dict in a `go.Figure`'s clothes, for `st.plotly_chart` (which
    reads it through `to_dict`, then serialises it). Read-only: nothing may change it."""

    def __init__(self, spec: dict):  # no go.Figure.__init__: nothing to validate again
        self._spec = spec

    def to_dict(self) -> dict:
        return self._spec

    def to_plotly_json(self) -> dict:
        return self._spec


def freeze(fig: go.Figure, frames: list[dict] | None = None, **layout) -> Frozen:
    """`fig` finished: its dict, with `frames` and the `layout` keys (both plain dicts,
    not validated) added."""
    spec = fig.to_dict()
    spec["layout"].update(layout)
    if frames is not None:
        spec["frames"] = frames
    return Frozen(spec)


def at_frame(fig: Frozen, index: int) -> Frozen:
    """A frozen figure with frames and a slider over them, drawn at frame `index`: that
    frame's trace changes in place of the figure's first data, the slider on it. Shares
    everything else with `fig` (nothing is copied deeply, nothing changed)."""
    spec = fig.to_dict()
    frame, data = spec["frames"][index], list(spec["data"])
    for trace, changed in zip(frame["traces"], frame["data"], strict=True):
        data[trace] = {**data[trace], **changed}
    sliders = [{**slider, "active": index} for slider in spec["layout"].get("sliders", [])]
    return Frozen({**spec, "data": data, "layout": {**spec["layout"], "sliders": sliders}})
