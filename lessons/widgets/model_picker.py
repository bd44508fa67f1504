"""One picker for "the shipped model or one of your runs", and its cached loader.

Pages that inspect a trained sentiment model (LSTM gates, learned embeddings) offer the same
choice the same way: the shipped model, then the lab's runs the page can use, starting on
the session's current run (`ui.CURRENT_RUN_KEY`); damaged runs are reported, never fatal.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from explainers import runs
from lessons import ui

SHIPPED_MODEL_KEY = "shipped"  # the picker's key of the shipped model; a lab run's "run:<id>"
RUN_KEY_PREFIX = "run:"


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
        problems.append(str(error))
    if shipped is not None and usable(shipped):
        labels[SHIPPED_MODEL_KEY] = (f"Shipped {shipped.name} · test accuracy "
                                     f"{shipped.test_accuracy:.4f} · 预训练模型")
    try:
        records, damaged = runs.RunStore().list()
    except OSError as error:  # the runs folder cannot be read: the shipped model still works
        records, damaged = [], [str(error)]
    problems += damaged
    labels |= {f"{RUN_KEY_PREFIX}{r.run_id}": f"Lab run · {r.label()}"
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
        st.warning(f"A damaged run was skipped: {problem}")
    has_runs = any(k.startswith(RUN_KEY_PREFIX) for k in labels)
    labels |= extra or {}
    if not labels:
        return None
    keys = list(labels)
    current = f"{RUN_KEY_PREFIX}{st.session_state.get(ui.CURRENT_RUN_KEY)}"
    default = (current if current in labels
               else SHIPPED_MODEL_KEY if SHIPPED_MODEL_KEY in labels else keys[0])
    choice = st.selectbox(label, keys, index=keys.index(default), format_func=labels.get,
                          key=key, help=help)
    if not has_runs and no_runs:
        st.caption(no_runs)
    return choice


def is_trained_model(key: str | None) -> bool:
    """True for the keys `trained_model` loads (not a page's `extra` choices)."""
    return key is not None and (key == SHIPPED_MODEL_KEY or key.startswith(RUN_KEY_PREFIX))


@st.cache_resource(show_spinner="Loading the model…", max_entries=4)
def trained_model(key: str) -> runs.TrainedModel:
    """The shipped model or a lab run, loaded once per server by picker key; shared by
    every session, so only read it (raises runs.RunDamaged, KeyError)."""
    if key == SHIPPED_MODEL_KEY:
        return runs.load_shipped()
    return runs.RunStore().load_run(key.removeprefix(RUN_KEY_PREFIX))
