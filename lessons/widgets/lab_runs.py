"""The sentiment lab's saved runs: their validation curves side by side, a table of them beside
the presets and the lesson's numbers, and using, publishing or deleting one.

The reader sees their own runs and the class's (published, or saved with no owner); only
their own can be published, made private again or deleted (the store checks it too:
`explainers/run_access.py`).

A run is chosen by its id (a stable code); every word shown goes through the page's `_`.
"""

from __future__ import annotations

import streamlit as st

from explainers import run_access, runs
from lessons import figure_cache, ui
from lessons.charts import lab as charts
from lessons.i18n import N_, _, explain
from lessons.widgets import run_owner

WHOSE = {  # whose(record, owner) -> how the runs table and picker say it
    "mine": N_("yours, private"),
    "published": N_("yours, published"),
    "class": N_("the class's"),
}


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


def whose(record: runs.RunRecord, owner: str) -> str:
    """A WHOSE code: the reader's own run (private or published), or the class's."""
    if run_access.may_change(record, owner):
        return "published" if record.published else "mine"
    return "class"


def runs_section(records: list[runs.RunRecord], problems: list[str], compare: bool,
                 owner: str) -> None:
    """The presets beside the lesson's numbers, then the runs `owner` may open (their own and
    the class's): compared (if not above), used by the other pages, published, deleted."""
    st.header(_("Your runs beside the lesson's"))
    mine = [r for r in records if run_access.may_change(r, owner)]
    st.dataframe(charts.presets_table(mine, _=_), hide_index=True, width="stretch")
    for problem in problems:
        st.warning(_("A damaged run was skipped: {problem}", problem=ui.inert(problem)))
    run_owner.account_line()
    if not records:
        st.info(_("No runs yet: every training is saved here when it ends (or is stopped)."))
        return
    current = st.session_state.get(ui.CURRENT_RUN_KEY)
    table = charts.runs_table(records, current, _=_)
    table.insert(1, _("whose"), [_(WHOSE[whose(r, owner)]) for r in records])
    st.dataframe(table, hide_index=True, width="stretch",
                 column_config={_("whose"): st.column_config.TextColumn(width="medium")})
    if compare:
        compare_runs(records, 1)
    by_id = {r.run_id: r for r in records}
    newest = next((r.run_id for r in records if run_access.may_change(r, owner)), None)
    if newest is not None and newest != st.session_state.get("lab_newest_own"):
        st.session_state["lab_newest_own"] = st.session_state["lab_pick"] = newest  # just saved
    pick_id = st.selectbox(_("A run"), list(by_id), key="lab_pick", format_func=lambda i: _(
        "{run} · {whose}", run=charts.run_label(by_id[i], _=_),
        whose=_(WHOSE[whose(by_id[i], owner)])))
    picked = by_id.get(pick_id)
    ours = picked is not None and run_access.may_change(picked, owner)
    not_ours = None if ours else _("Only the student who trained this run may change it.")
    a, b, c, d = st.columns([2, 2, 1, 1], vertical_alignment="bottom")
    a.button(_("Use as the current model"), key="lab_use",
             on_click=lambda: st.session_state.__setitem__(ui.CURRENT_RUN_KEY, pick_id),
             help=_("The embeddings and LSTM-gates pages then inspect this run."))
    shared = picked is not None and picked.published
    b.button(_("Make private again") if shared else _("Publish to the class"), key="lab_publish",
             disabled=not ours, on_click=publish_run,
             args=(runs.RunStore(), pick_id, owner, not shared),
             help=not_ours or _("Published runs are listed for everyone, who can overlay and "
                                "inspect them; only you can change or delete them."))
    sure = c.checkbox(_("I am sure"), key="lab_sure", disabled=not ours)
    d.button(_("Delete"), key="lab_delete", disabled=not (ours and sure), on_click=delete_run,
             args=(runs.RunStore(), pick_id, owner), help=not_ours)
    if "lab_runs_error" in st.session_state:
        st.error(st.session_state.pop("lab_runs_error"))
    if current in by_id:
        st.caption(_("Current model for the other pages: {label}",
                     label=ui.inert(charts.run_label(by_id[current], _=_))))


def publish_run(store: runs.RunStore, run_id: str, owner: str, published: bool) -> None:
    """Button callback: share the run with the class, or make it private again."""
    try:
        store.publish(run_id, owner, published)
    except (KeyError, OSError, runs.RunDamaged) as error:
        st.session_state["lab_runs_error"] = explain(error)  # the store's are Explained


def delete_run(store: runs.RunStore, run_id: str, owner: str) -> None:
    """Button callback (runs before the page is drawn, so it may reset the checkbox)."""
    try:
        store.delete(run_id, owner)
    except (KeyError, OSError, runs.RunDamaged) as error:
        st.session_state["lab_runs_error"] = _("Could not delete {run_id}: {error}",
                                               run_id=ui.inert(run_id), error=explain(error))
        return
    if st.session_state.get(ui.CURRENT_RUN_KEY) == run_id:
        st.session_state.pop(ui.CURRENT_RUN_KEY)
    st.session_state["lab_sure"] = False

