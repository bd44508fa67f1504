"""The sentiment lab's saved runs: their validation curves side by side, a table of them beside
the presets and the lesson's numbers, and using or deleting one.

A run is chosen by its id (a stable code); every word shown goes through the page's `_`.
"""

from __future__ import annotations

import streamlit as st

from explainers import runs
from lessons import figure_cache, ui
from lessons.charts import lab as charts
from lessons.i18n import _


def compare_runs(records: list[runs.RunRecord], epochs: int) -> None:
    """The saved runs' validation curves side by side; before the first run, empty axes."""
    by_id = {r.run_id: r for r in records}
    chosen = st.multiselect(  # no key: when a new run appears, the newest three are shown
        _("Compare the validation curves of"), list(by_id), default=list(by_id)[:3],
        format_func=lambda i: charts.run_label(by_id[i], _=_)) if by_id else []
    if chosen:
        figure_cache.chart(charts.overlay_figure, [by_id[i] for i in chosen], _=_)
    else:
        figure_cache.chart(charts.curves_figure, {}, _(
            "Press ▶ Train: the loss and accuracy of each epoch appear here"), epochs, _=_)


def runs_section(records: list[runs.RunRecord], problems: list[str], compare: bool) -> None:
    """The presets beside the lesson's numbers, then your runs: compared (if not above), used
    by the other pages, deleted."""
    st.header(_("Your runs beside the lesson's"))
    st.dataframe(charts.presets_table(records, _=_), hide_index=True, width="stretch")
    for problem in problems:
        st.warning(_("A damaged run was skipped: {problem}", problem=ui.inert(problem)))
    if not records:
        st.info(_("No runs yet: every training is saved here when it ends (or is stopped)."))
        return
    current = st.session_state.get(ui.CURRENT_RUN_KEY)
    st.dataframe(charts.runs_table(records, current, _=_), hide_index=True, width="stretch")
    if compare:
        compare_runs(records, 1)
    by_id = {r.run_id: r for r in records}
    pick_id = st.selectbox(_("A run"), list(by_id), key="lab_pick",
                           format_func=lambda i: charts.run_label(by_id[i], _=_))
    a, b, c = st.columns([2, 1, 1])
    a.button(_("Use as the current model"), key="lab_use",
             on_click=lambda: st.session_state.__setitem__(ui.CURRENT_RUN_KEY, pick_id),
             help=_("The embeddings and LSTM-gates pages then inspect this run."))
    sure = b.checkbox(_("I am sure"), key="lab_sure")
    c.button(_("Delete"), key="lab_delete", disabled=not sure, on_click=delete_run,
             args=(runs.RunStore(), pick_id))
    if "lab_delete_error" in st.session_state:
        st.error(st.session_state.pop("lab_delete_error"))
    if current in by_id:
        st.caption(_("Current model for the other pages: {label}",
                     label=ui.inert(charts.run_label(by_id[current], _=_))))


def delete_run(store: runs.RunStore, run_id: str) -> None:
    """Button callback (runs before the page is drawn, so it may reset the checkbox)."""
    try:
        store.delete(run_id)
    except (KeyError, OSError) as error:
        st.session_state["lab_delete_error"] = _("Could not delete {run_id}: {error}",
                                                 run_id=run_id, error=ui.inert(str(error)))
        return
    if st.session_state.get(ui.CURRENT_RUN_KEY) == run_id:
        st.session_state.pop(ui.CURRENT_RUN_KEY)
    st.session_state["lab_sure"] = False
