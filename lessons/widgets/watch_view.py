"""The lab's watch views under its curves: the sentiment words drifting apart in the embedding
and, for an LSTM body, its gates saturating, one frame per epoch (`explainers.watch`).

`show(records)` draws them from a live job's epoch records, while it trains (the live panel's
`draw`) and after; each figure is built once per new epoch (`figure_cache`), so the panel's
redraws between epochs compute nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from explainers import live, watch
from lessons import figure_cache
from lessons.charts import watch as charts
from lessons.i18n import _


def views(records: Sequence[live.EpochRecord]) -> tuple[tuple[int, ...],
                                                         tuple[watch.EpochView, ...]]:
    """The epochs that carried a watch view, and those views, in order."""
    kept = [(r.epoch, r.extra) for r in records if isinstance(r.extra, watch.EpochView)]
    return tuple(e for e, _v in kept), tuple(v for _e, v in kept)


def show(records: Sequence[live.EpochRecord]) -> None:
    """The word map (and the gate saturation under it, for an LSTM body) of these epochs: the
    picture column is too narrow for 20 labelled words beside another figure."""
    epochs, seen = views(records)
    if not seen:
        return
    if not seen[-1].words.words:
        st.caption(_("None of the watched sentiment words is in this vocabulary."))
        return
    gated = seen[-1].saturation is not None
    figure_cache.chart(charts.word_map_figure, epochs, seen, _=_)
    st.caption(charts.separation_caption(epochs, seen, _=_))
    if gated:
        figure_cache.chart(charts.saturation_figure, epochs, seen, _=_)
        st.caption(charts.saturation_note(_))
