"""One picker for "the shipped model or one of your runs", and its cached loader.

Pages that inspect a trained sentiment model (LSTM gates, learned embeddings) offer the same
choice the same way: the shipped model, then the lab's runs the page can use, starting on
the session's current run (`ui.CURRENT_RUN_KEY`); damaged runs are reported, never fatal.
A link names the model by its picker key (`link_field`); a run this server does not hold
falls back to the default with a note. The caller passes its label, help and `no_runs` text
already translated.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import streamlit as st

from explainers import runs, tracer
from lessons import links, ui
from lessons.i18n import _, explain
from lessons.widgets import run_owner

SHIPPED_MODEL_KEY = "shipped"  # the picker's key of the shipped model; a lab run's "run:<id>"
RUN_KEY_PREFIX = "run:"
LESSON_KEY_PREFIX = "lesson:"  # a recorded lesson run (assets/lesson_runs/<key>), not picked


def link_field(name: str, key: str, extra: tuple[str, ...] = ()) -> links.Field:
    """A picker as a link field: the shipped model, a run (`?model=run:20261126-...`) or one
    of the page's `extra` keys; whether this server holds that run is checked when the
    picker is drawn."""
    def parse(text: str) -> str:
        run_id = text.removeprefix(RUN_KEY_PREFIX)
        if text not in (SHIPPED_MODEL_KEY, *extra) and not (
                text.startswith(RUN_KEY_PREFIX) and runs.RUN_ID.match(run_id)):
            raise ValueError(text)
        return text

    return links.Field(name, key, parse)


def _any_run(record: runs.RunRecord) -> bool:
    return True


def model_choices(
    usable: Callable[[runs.RunRecord], bool] = _any_run,
) -> tuple[dict[str, str], list[str]]:
    """(picker key -> label for the shipped model and each lab run that `usable` accepts,
    newest run first; one sentence per damaged run, which is left out)."""
    labels: dict[str, str] = {}
    problems: list[str] = []
    try:
        shipped = runs.shipped_record()
    except runs.RunDamaged as error:
        shipped = None
        problems.append(explain(error))
    if shipped is not None and usable(shipped):
        labels[SHIPPED_MODEL_KEY] = _("Shipped {name} · test accuracy {accuracy:.4f}",
                                      name=shipped.name, accuracy=shipped.test_accuracy)
    try:
        records, damaged = runs.RunStore().list(run_owner.current())  # theirs and the class's
    except OSError as error:  # the runs folder cannot be read: the shipped model still works
        records, damaged = [], [str(error)]
    problems += [ui.inert(problem) for problem in damaged]  # paths and Python's words, as text
    labels |= {f"{RUN_KEY_PREFIX}{r.run_id}": _("Lab run · {run}", run=r.label(_))
               for r in records if usable(r)}
    return labels, problems


def pick_model(
    label: str,
    usable: Callable[[runs.RunRecord], bool] = _any_run,
    *,
    key: str,
    extra: dict[str, str] | None = None,
    no_runs: str = "",
    help: str | None = None,
) -> str | None:
    """One selectbox for "the shipped model or one of your runs", filtered by `usable`.

    Starts on the session's current run (set in the Sentiment lab) when it qualifies, else
    on the shipped model; `extra` adds the page's own choices (key -> label) at the end;
    `no_runs` is said when no run qualifies; damaged runs are reported, never fatal.
    Returns the chosen key (None when there is nothing to choose); `trained_model(key)`
    loads a shipped or run key.
    """
    labels, problems = model_choices(usable)
    for problem in problems:
        st.warning(_("A damaged run was skipped: {problem}", problem=problem))
    has_runs = any(k.startswith(RUN_KEY_PREFIX) for k in labels)
    labels |= extra or {}
    if not labels:
        return None
    keys = list(labels)
    current = f"{RUN_KEY_PREFIX}{st.session_state.get(ui.CURRENT_RUN_KEY)}"
    default = (current if current in labels
               else SHIPPED_MODEL_KEY if SHIPPED_MODEL_KEY in labels else keys[0])
    if st.session_state.get(key, default) not in labels:  # a link to a run not offered here
        st.info(_("The linked model is not offered here (it is on another machine, was "
                  "deleted, or is not one this page shows); showing {model} instead.",
                  model=labels[default]), icon="🔗")
        st.session_state[key] = default
    choice = st.selectbox(label, keys, index=keys.index(default), format_func=labels.get,
                          key=key, help=help)
    if not has_runs and no_runs:
        st.caption(no_runs)
    return choice


def is_trained_model(key: str | None) -> bool:
    """True for the keys `trained_model` loads (not a page's `extra` choices)."""
    return key is not None and (key == SHIPPED_MODEL_KEY or key.startswith(RUN_KEY_PREFIX))


def lesson_model(key: str) -> runs.TrainedModel:
    """A recorded run of one of the lesson's recipes (`lesson.SentimentModel.key`: "pool",
    "simplernn", "bilstm"), loaded once per server like the picker's models (read only;
    raises runs.RunDamaged)."""
    return trained_model(LESSON_KEY_PREFIX + key)


def trained_model(key: str) -> runs.TrainedModel:
    """The shipped model or a lab run, loaded once per server by picker key; shared by
    every session, so only read it (raises runs.RunDamaged, KeyError). A lab run is checked
    against the reader first, on every call: another's private run is RunUnavailable."""
    if key.startswith(RUN_KEY_PREFIX):
        runs.RunStore().load(key.removeprefix(RUN_KEY_PREFIX), run_owner.current())
    with st.spinner(_("Loading the model…")):
        return _trained_model(key)


@st.cache_resource(show_spinner=False, max_entries=6)  # the shipped, 3 lesson runs, 2 lab runs
def _trained_model(key: str) -> runs.TrainedModel:
    if key == SHIPPED_MODEL_KEY:
        return runs.load_shipped()
    if key.startswith(LESSON_KEY_PREFIX):
        return runs.load_lesson_run(key.removeprefix(LESSON_KEY_PREFIX))
    return runs.load_run(runs.RunStore().folder(key.removeprefix(RUN_KEY_PREFIX)))  # checked


@st.cache_resource(show_spinner=False, max_entries=4)  # fast once the model is loaded
def tracer_for(key: str) -> tracer.ModelTracer:
    """The picked model's weights as NumPy (`tracer.ModelTracer`), once per server per key
    (raises gates.UnsupportedModel for a layer it cannot recompute)."""
    return tracer.ModelTracer(trained_model(key).model)


@st.cache_resource(show_spinner=False, max_entries=32)
def traced(key: str, ids: tuple[int, ...]) -> tracer.ModelTrace:
    """The picked model traced on one review's ids, once per server (a resource: shared and
    never mutated, so no NumPy-laden trace is pickled)."""
    return tracer_for(key).trace(np.asarray(ids, np.int32))
