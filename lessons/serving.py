"""Streamlit's per-run housekeeping, made cheap for a server that holds TensorFlow and GloVe.

After every script run of every session Streamlit (1.67) does three things whose cost grows
with the size of the process, not with the page (measured by py-spy on a warm server; the
figures are in issue 14 and `benchmarks/page_views.py` prints them again):

1. a full garbage collection (`runner.postScriptGC`, ~1.3 s a view here): switched off in
   `.streamlit/config.toml`. Memory stays bounded because Python's own generational
   collector still runs, and because `settle` moves what is loaded once per server
   (TensorFlow's modules, GloVe's 400,000 words, the reviews) into the permanent generation
   with `gc.freeze()`, so no collection scans it again;
2. `keras.backend.clear_session()` once Keras is imported (`_clean_problem_modules` in its
   script runner, ~0.9 s a view): a full collection, a TensorFlow kernel-cache clear and a
   reset of Keras's global state *underneath a training running for another session*. This
   app never relies on it (every model is built by `explainers/`, named and seeded there),
   so `configure` turns it off and keeps the rest of Streamlit's clean-up (matplotlib);
3. the file watcher re-scanning every imported module after each run
   (`server.fileWatcherType`, ~0.7 s a view): "none" in the config; a developer who wants
   reload-on-save runs `streamlit run app.py --server.fileWatcherType auto`.

`RNN_EXPLAINER_HOUSEKEEPING=streamlit` restores Streamlit's own behaviour for 1 and 2 (the
benchmark's "before"; pass `--runner.postScriptGC true` for the collection).
"""

from __future__ import annotations

import gc
import os
import sys
import threading

HOUSEKEEPING_ENV = "RNN_EXPLAINER_HOUSEKEEPING"
STREAMLIT_DEFAULTS = "streamlit"  # the value that keeps Streamlit's own per-run clean-up

_lock = threading.Lock()
_state = {"configured": False, "modules": 0, "pending": False}


def streamlit_defaults() -> bool:
    return os.environ.get(HOUSEKEEPING_ENV, "").strip().lower() == STREAMLIT_DEFAULTS


def _clean_problem_modules_without_keras() -> None:
    """Streamlit's per-run clean-up minus `keras.backend.clear_session()`."""
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        try:
            plt.close("all")
        except Exception:
            pass


def configure() -> None:
    """Once per process: no per-run Keras reset (see the module docstring)."""
    with _lock:
        if _state["configured"]:
            return
        _state["configured"] = True
        if streamlit_defaults():
            return
        from streamlit.runtime.scriptrunner import script_runner

        script_runner._clean_problem_modules = _clean_problem_modules_without_keras


def mark_static() -> None:
    """Say that something loaded once per server (a cache_resource) was just built."""
    _state["pending"] = True


def settle() -> bool:
    """At the end of a run: freeze what was loaded for good, if anything new was.

    New modules (a first `import tensorflow`) or a `mark_static` since the last call cost one
    full collection now, then `gc.freeze()`, so later collections skip all of it. Otherwise
    this is two integer comparisons. Returns whether it froze.
    """
    if streamlit_defaults():
        return False
    modules = len(sys.modules)
    if modules == _state["modules"] and not _state["pending"]:
        return False
    with _lock:
        _state["modules"] = len(sys.modules)
        _state["pending"] = False
        gc.collect()
        gc.freeze()
    return True
