"""Draw a Plotly figure built once per server for its inputs, in each language and mode.

Building a figure through Plotly's validating object model costs more than sending it, and
`st.plotly_chart` deep-copies a `go.Figure` on every run; a page that draws the same figures
for every view (a reload, thirty students on one review) builds each once here, styles it
(`ui.style`), freezes it (`lessons.charts.frozen`) and afterwards only sends it. `key` names
the figure's inputs; the language, projector mode and height are added to it.
"""

from __future__ import annotations

from collections.abc import Callable

import plotly.graph_objects as go
import streamlit as st

from lessons import ui
from lessons.charts import frozen
from lessons.i18n import language

FIGURES_KEPT = 64  # built figures kept per server: a few views of a few sessions each
STEPPERS_KEPT = 8  # figures with a frame per token (up to ~0.5 MB each) kept per server

# a figure, or one with frames and extra layout (plain dicts, not validated: see frozen)
Built = go.Figure | tuple[go.Figure, list[dict], dict]


@st.cache_resource(show_spinner=False, max_entries=FIGURES_KEPT)
def _figures(key: tuple, _build: Callable[[], frozen.Frozen]) -> frozen.Frozen:
    return _build()


@st.cache_resource(show_spinner=False, max_entries=STEPPERS_KEPT)
def _steppers(key: tuple, _build: Callable[[], frozen.Frozen]) -> frozen.Frozen:
    return _build()


def chart(key: tuple, build: Callable[[], Built], height: int,
          frame: int | None = None) -> None:
    """Draw `build()` at `height` full width as `ui.chart` draws, built once for `key`: a
    figure, or (given the `frame` to start on) one that steps through frames in the
    browser, built as (figure, frames, layout) and drawn at any frame without a rebuild."""
    frames = frame is not None
    def finished() -> frozen.Frozen:
        built = build()
        fig, steps, layout = built if frames else (built, None, {})
        return frozen.freeze(ui.style(fig, height), steps, **layout)

    large, cache = ui.projector(), _steppers if frames else _figures
    fig = cache((*key, language(), large, height), finished)
    st.plotly_chart(frozen.at_frame(fig, frame) if frames else fig, width="stretch",
                    theme=None if large else "streamlit")  # as ui.chart: no theme on projector
