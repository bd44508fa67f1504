"""The gates page's match view (LSTMVis): the 20 places in the IMDB test reviews where the
units chosen on a span behave as they do on it, as coloured snippets, and the words there.

The maths and the index are `explainers.matching`'s. The index of a model is built once, as a
live job (`jobs.start_job`, a progress bar, Stop), and opened from the cache on later views;
a query is cached by its inputs, so a plain rerun computes nothing. Off until its toggle is
on (linked as `?match=1`), so moving the span does not search 25,000 reviews unasked.
"""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np
import streamlit as st

from explainers import corpus, data, live, matching, runs
from lessons import links, ui
from lessons.charts import gates as draw
from lessons.i18n import N_, _, explain
from lessons.widgets import jobs, model_picker
from lessons.widgets.gate_view import View, reset_with

SHOW_KEY = "gates_match"  # the toggle; linked
UNITS_KEY = "gates_match_units"  # the units matched
JOB_KEY = "gates_match_job"  # this session's index build
LINK_FIELD = links.flag("match", SHOW_KEY)
CONTEXT = 6  # tokens shown either side of a match: enough to read the phrase
CORPUS_LIMIT: int | None = None  # test reviews indexed (None: all 25,000; tests use fewer)
CACHE = ""  # the indexes' folder ("": the user cache folder's match/; tests use their own)
WORDS_TITLE = N_("Words that recur in the matches")
ABOUT = N_("Each window of the same length in every test review is compared with your span, "
           "one token either side included: **agreement** is the share of (token, unit) "
           "cells that are on (above the threshold) or off exactly as in your span; ties go "
           "to the smaller **distance**, the root mean square difference of the values inside "
           "the span. "
           "Your own span scores 100 % and 0, so a test review finds itself first.")


# --------------------------------------------------------------------------- cached work


def model_folder(key: str) -> tuple[str, bool] | None:
    """(the run folder a worker loads, whether it is read as shipped) of a picker key."""
    if key == model_picker.SHIPPED_MODEL_KEY:
        return str(runs.SHIPPED_FOLDER), True
    run_id = key.removeprefix(model_picker.RUN_KEY_PREFIX)
    if key.startswith(model_picker.RUN_KEY_PREFIX) and runs.RUN_ID.match(run_id):
        return str(runs.RunStore().root / run_id), False
    return None


@st.cache_resource(show_spinner=False, max_entries=8)
def index_folder(key: str, layer: int, limit: int | None) -> Path | matching.UnsupportedMatch:
    """Where this model's index lives (a hash of its weights), or why there is none."""
    try:
        name = matching.index_key(model_picker.tracer_for(key),
                                  model_picker.trained_model(key).input_format, layer, limit)
    except matching.UnsupportedMatch as error:
        return error
    return matching.cache_root(matching.IndexSpec("", False, layer, cache=CACHE)) / name


@st.cache_resource(show_spinner=False, max_entries=4)
def opened(folder: str) -> matching.MatchIndex | None:
    """The index's memmaps, opened once per server (asked only once meta.json is there)."""
    return matching.open_index(Path(folder))


@st.cache_data(show_spinner=False, max_entries=64)
def query(folder: str, name: str, units: tuple[int, ...], pattern: np.ndarray,
          threshold: float, prefer: int | None) -> list[matching.Match]:
    return matching.find(opened(folder), name, units, pattern, threshold, prefer=prefer)


# --------------------------------------------------------------------------- drawing


def build_label(snap) -> str:
    """The index build's progress bar: its batches, its stages (`matching.STAGES`), or
    what comes first."""
    if snap.phase == live.Phase.RUNNING:
        return _("Running the LSTM over the test reviews · batch {batch} of {batches}",
                 batch=snap.batch, batches=snap.batches)
    stage = _(snap.stage)
    return f"{stage[:1].upper()}{stage[1:]}…" if snap.stage else _(
        "Loading the model and the test reviews…")


def snippet_html(tokens: list[str], values: np.ndarray, first: int, length: int,
                 scale: tuple[float, float], name: str, units) -> str:
    """One match as chips coloured by the units' mean value, the window underlined; each
    chip's tooltip gives every unit's value."""
    parts = []
    for t, token in enumerate(tokens):
        style = (f"padding:1px 3px;margin:1px;border-radius:3px;display:inline-block;"
                 f"background:{draw.diverging(float(values[t].mean()), *scale)};")
        if token in draw.MARKERS:
            style += "color:#777;font-style:italic;"
        if first <= t < first + length:
            style += "border-bottom:3px solid #e4572e;font-weight:bold;"
        title = " · ".join(f"{name}[{u}] = {v:.3f}" for u, v in zip(units, values[t],
                                                                     strict=True))
        parts.append(f'<span style="{style}" title="{html.escape(title)}">'
                     f"{html.escape(token)}</span>")
    return f'<span style="font-family:monospace">{" ".join(parts)}</span>'


def show_matches(index: matching.MatchIndex, matches: list[matching.Match], view: View,
                 name: str, units: tuple[int, ...]) -> None:
    vocabulary = view.model.input_format.vocabulary
    reach = float(np.nanmax(np.abs(view.values[name][:, list(units)]))) or 1.0
    scale = (-reach, reach)  # the units' own reach in this review: small h still shows
    rows = []
    for rank, m in enumerate(matches, start=1):
        ids, values, first = matching.window_values(index, name, units, m, CONTEXT)
        tokens = [vocabulary.token_of(int(i)) for i in ids]
        where = _("#{rank} · review {review:,} · tokens {start}–{stop} · agreement {agree:.0%} "
                  "· distance {distance:.3f}", rank=rank, review=m.review, start=m.start,
                  stop=m.stop - 1, agree=m.agreement, distance=m.distance)
        rows.append(f'<div style="margin:0.35em 0"><small style="color:#666">'
                    f"{html.escape(where)}</small><br>"
                    f"{snippet_html(tokens, values, first, m.stop - m.start, scale, name, units)}"
                    "</div>")
    size = "font-size:1.3rem;" if ui.projector() else ""  # readable from the back row
    st.markdown(f'<div style="line-height:1.9;max-height:34em;overflow-y:auto;{size}">'
                f'{"".join(rows)}</div>', unsafe_allow_html=True)
    words = matching.recurring_words(index, matches, vocabulary)
    chips = " ".join(f'<span style="padding:1px 6px;margin:2px;border-radius:9px;'
                     f'background:#eef;display:inline-block">{html.escape(word)} ×{n}</span>'
                     for word, n in words)  # words of the corpus: drawn as data, escaped
    st.markdown(f"<div><b>{html.escape(_(WORDS_TITLE))}</b>: {chips}</div>",
                unsafe_allow_html=True)


# --------------------------------------------------------------------------- the section


def match_section(view: View, span: tuple[int, int], name: str, threshold: float,
                  found: np.ndarray, scores: np.ndarray, prefix: str = "gates") -> None:
    """Below the span's units: the toggle, and once on the matches of the chosen units
    (`prefix`: the review widgets' key prefix, to know a test review by its number)."""
    if not st.toggle(_("Find where these units fire alike in the 25,000 test reviews "
                       "(LSTMVis's match)"), key=SHOW_KEY):
        return
    folder = index_folder(view.key, view.index, CORPUS_LIMIT)
    source = model_folder(view.key)
    if isinstance(folder, matching.UnsupportedMatch) or source is None:
        st.info(explain(folder) if isinstance(folder, Exception)
                else _("The match view reads the shipped model and the lab's runs."))
        return
    if jobs.ended(JOB_KEY) is None and JOB_KEY in st.session_state:
        jobs.live_panel(st.session_state[JOB_KEY], JOB_KEY, label=build_label,
                        stop_help=_("Ends the build within a batch; nothing is kept, and the "
                                    "next build starts again."))
        return
    if not (folder / "meta.json").is_file() or opened(str(folder)) is None:
        opened.clear()
        st.info(_("The match view searches this model's h and c after every token of the "
                  "test reviews. They are computed once for this model (about a minute on a "
                  "laptop; about 600 MB in the cache folder for a 32-unit LSTM) and kept for "
                  "later visits."))
        if corpus.locate_imdb() is None:  # the build would fail: say what is missing now
            st.warning(explain(data.imdb_missing_message()))
        elif st.button(_("Compute the states of the test reviews"), key=f"{JOB_KEY}_start"):
            spec = matching.IndexSpec(*source, view.index, CORPUS_LIMIT, cache=str(folder.parent))
            jobs.start_job(JOB_KEY, matching.build_index, spec, epochs=1)  # batches: 0 → 1
            st.rerun()
        return
    index = opened(str(folder))
    options = [int(u) for u in found]
    reset_with(UNITS_KEY, (view.context, span, name, threshold),
               [u for u, s in zip(options, scores, strict=True) if s > 0] or options[:1])
    units = tuple(st.multiselect(_("Units to match"), options, key=UNITS_KEY,
                                 help=_("The units the span picked, best first; those on "
                                        "more inside the span than around it start chosen.")))
    if not units:
        st.caption(_("Choose at least one unit."))
        return
    try:
        pattern = matching.pattern(view.values[name], span[0], span[1] + 1, units)
    except matching.UnsupportedMatch as error:
        st.info(explain(error))
        return
    prefer = (st.session_state.get(f"{prefix}_review")  # a test review: its own span first
              if st.session_state.get(f"{prefix}_source") == "imdb" else None)
    with st.spinner(_("Searching {n:,} reviews…", n=index.meta["reviews"])):
        matches = query(str(folder), name, units, pattern, float(threshold), prefer)
    show_matches(index, matches, view, name, units)
    st.caption(_(ABOUT))
