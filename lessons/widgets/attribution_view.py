"""Per-word (and per-character) attribution as a page section: which tokens moved the model's
output, by integrated gradients (`explainers.attribution`), with the method said in two
sentences and the completeness check shown.

`review_section(view)` sits on the LSTM gates page under the stepping diagram;
`char_section(...)` on the char-RNN page under the generated text. Scores are cached by
(model, input, steps) and figures by their inputs, so a rerun computes nothing; each section
is a fragment, so its one control (the path's steps) reruns only it.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from explainers import attribution
from lessons import figure_cache, links, ui
from lessons.charts import attribution as draw
from lessons.charts import text as chars
from lessons.i18n import N_, _, explain
from lessons.widgets import model_picker
from lessons.widgets.gate_view import View

STEPS = (16, 32, 64, 128)  # trapezoid intervals offered: more = a smaller completeness gap
REVIEW_KEY, CHAR_KEY = "gates_ig_steps", "gen_ig_steps"  # the steps' widget keys
REVIEW_HEIGHT, CHAR_HEIGHT = 460, 320
METHOD = N_("**Integrated gradients** (Sundararajan, Taly & Yan, 2017), with the model's exact "
            "gradients: start from a baseline where every {token}'s embedding is all zeros "
            "(“nothing there”), move every {token} to its real embedding in {steps} small "
            "steps, and add up, for each {token}, the gradient of {output} along the way times "
            "how far its embedding moved. A {token}'s score is its share of the change in "
            "{output} from the baseline to the real input.")
READING = N_("A score says how much this word moved this model's prediction for this review, "
             "not whether the word is positive in general: the same word can score "
             "differently in another review, or in another model.")


def link_field(key: str) -> links.Field:
    """The number of steps on the path, as a page's link field (`?ig_steps=32`)."""
    return links.choice("ig_steps", key, STEPS)


def _steps(key: str) -> int:
    st.session_state.setdefault(key, attribution.STEPS)
    return int(st.select_slider(
        _("Steps along the path"), STEPS, key=key,
        help=_("More steps follow the path more closely: the completeness gap shrinks, the "
               "work grows.")))


def _completeness(result: attribution.Attribution, output: str) -> None:
    st.markdown(_(
        "**Completeness check**: the scores add up to {total:+.4f}; {output} for the input "
        "minus {output} for the baseline is {real:.4f} − {base:.4f} = {change:+.4f} "
        "(difference {gap:+.1e}: the price of {steps} steps instead of an exact integral).",
        total=float(result.scores.sum()), output=output, real=result.output,
        base=result.baseline, change=result.change, gap=result.gap, steps=result.steps))


@st.cache_data(show_spinner=False, max_entries=32)  # a review's scores: 8 bytes a token
def review_scores(key: str, ids: tuple[int, ...], first: int, last: int,
                  steps: int) -> attribution.Attribution:
    """Integrated gradients of the picked model (`model_picker` key) on one review's ids."""
    model = model_picker.trained_model(key).model
    return attribution.review(model, np.asarray(ids, np.int32), slice(first, last), steps)


@st.fragment
def review_section(view: View) -> None:
    """Which words moved the final prediction: coloured tokens, a bar per word under the
    running prediction, the method and the completeness check."""
    st.subheader(_("Which words moved the final prediction?"))
    cols = st.columns([3, 1])
    with cols[1]:
        steps = _steps(REVIEW_KEY)
    ids = tuple(int(i) for i in view.result.ids)
    try:
        with st.spinner(_("Following the gradients from the baseline to the review…")):
            result = review_scores(view.key, ids, view.real.start, view.real.stop, steps)
    except attribution.AttributionError as error:
        st.warning(explain(error))
        return
    scores, tokens = result.scores[view.real], view.review.tokens  # (T,)
    running = None if view.result.running is None else view.result.running[view.real]
    with cols[0]:
        st.markdown(draw.token_html(tokens, scores, _), unsafe_allow_html=True)
        st.caption(_("Teal raised P(positive), orange lowered it; the stronger the colour, "
                     "the larger the share (hover a word for its score)."))
    figure_cache.keyed(("attribution", view.context, steps),
                       lambda: draw.review_figure(tokens, scores, running, _), REVIEW_HEIGHT)
    _strongest(tokens, scores)
    _completeness(result, _("P(positive)"))
    st.caption(_(METHOD, token=_("word"), steps=steps, output=_("P(positive)")))
    st.caption(_(READING))


def _strongest(tokens, scores: np.ndarray) -> None:
    """The words that pushed most each way, echoed inert (a typed review is user text)."""
    for sign, label in ((1, _("Pushed towards positive:")), (-1, _("Pushed towards negative:"))):
        found = draw.strongest(tokens, scores, sign)
        words = ", ".join(f"{ui.inert(word, 40)} ({score:+.3f})" for word, score in found)
        st.markdown(f"{label} {words or '—'}")


@st.cache_data(show_spinner=False, max_entries=32)
def char_scores(_model, model_key: tuple, ids: tuple[int, ...], position: int,
                steps: int) -> attribution.Attribution:
    """Integrated gradients of a char model (named by `model_key`, e.g. its folder and date)
    for the character after `position`."""
    return attribution.next_char(_model, np.asarray(ids, np.int32), position, steps=steps)


@st.fragment
def char_section(model, model_key: tuple, text: str, ids, position: int) -> None:
    """Which of the characters read before it drove the one after `position` (`ids` are
    `text` encoded): coloured text, a bar per character, the method and the check."""
    if position + 1 >= len(text):
        return
    st.subheader(_("Which earlier characters drove the next one?"))
    with st.columns([1, 2])[0]:
        steps = _steps(CHAR_KEY)
    try:
        with st.spinner(_("Following the gradients from the baseline to the text…")):
            result = char_scores(model, model_key, tuple(int(i) for i in ids[: position + 2]),
                                 position, steps)
    except attribution.AttributionError as error:
        st.warning(explain(error))
        return
    start, target = max(0, position + 1 - attribution.WINDOW), position + 1
    shown = chars.code_span(chars.shown_char(text[target], named=True, _=_))  # inert
    st.markdown(_("The next character, {char} (framed), had probability {p:.3f}. Red "
                  "characters raised that probability, blue ones lowered it:",
                  char=shown, p=result.output))
    st.html(draw.char_html(text, result.scores, start, target))
    figure_cache.keyed(("char attribution", model_key, text[: target + 1], steps),
                       lambda: draw.char_figure(text, result.scores, start, _), CHAR_HEIGHT)
    _completeness(result, _("P(that character)"))
    st.caption(_(METHOD, token=_("character"), steps=steps, output=_("P(that character)")))
    st.caption(_("Only the last {window} characters read get a score: the earlier ones are "
                 "read as they were, so their effect is in the state where the window starts.",
                 window=attribution.WINDOW))
