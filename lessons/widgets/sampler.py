"""How a char model chooses its next character, as widgets: the lesson's draw from
softmax(logits / T) (T = 1 by default, as the lesson samples `tf.random.categorical` from the
raw logits), greedy, or top-k; with the link fields that restore them.

The modes are `charsample.MODES` (stable codes, so a link names them the same way in both
languages); the draw itself is `charsample.generate`. Any char page that samples uses
`choose(prefix)` with its own key prefix, and can show `side_by_side` what three
temperatures write.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from explainers import charsample, lesson
from lessons import links
from lessons.i18n import _

TEMPERATURES = (0.1, 2.0)  # near-greedy to near-random
KS = (1, 30)  # top-k: k = 1 is greedy; 30 of 65 characters keeps nearly all of the mass
SIDE = (0.5, lesson.CHAR.temperature, 1.5)  # side by side: colder, the lesson's, hotter
SIDE_CHARS = 200  # characters written at each: a few lines, three columns on one screen


@dataclass(frozen=True)
class Choice:
    """How the next character is chosen (hashable: it can key a cache)."""

    mode: str = "sample"  # a code of charsample.MODES: the lesson's categorical draw
    temperature: float = lesson.CHAR.temperature  # T = 1: the lesson's raw-logit draw
    k: int = charsample.DEFAULT_K  # counts for top-k only


def link_fields(prefix: str) -> tuple[links.Field, ...]:
    """The mode, the temperature and k, as a page's link fields."""
    return (links.choice("mode", f"{prefix}_choose", tuple(charsample.MODES)),
            links.number("temp", f"{prefix}_temp", *TEMPERATURES, float),
            links.number("k", f"{prefix}_k", *KS))


def choose(prefix: str) -> Choice:
    """The mode radio, the T and k sliders (each disabled where it does not count) and a
    caption saying what T does and why 1 is the default. Keys: {prefix}_choose, _temp, _k."""
    default = Choice()
    for key, value in (("choose", default.mode), ("temp", default.temperature),
                       ("k", default.k)):
        st.session_state.setdefault(f"{prefix}_{key}", value)
    mode = st.radio(_("Choose each next character by"), tuple(charsample.MODES),
                    key=f"{prefix}_choose",
                    format_func={code: _(label) for code, label in charsample.MODES.items()}.get)
    left, right = st.columns(2)
    temperature = left.slider(_("Temperature T"), *TEMPERATURES, step=0.05, key=f"{prefix}_temp",
                              disabled=mode == "greedy")
    k = right.slider(_("k (top-k only)"), *KS, key=f"{prefix}_k", disabled=mode != "top_k")
    st.caption(_("Divides the logits before the softmax: low = safe, repetitive text; 1 = the "
                 "model's own probabilities; high = wilder, more misspellings."))
    st.caption(_("The default T = 1 is the lesson's: it samples `tf.random.categorical` from the "
                 "raw logits."))
    return Choice(mode, float(temperature), int(k))


def side_by_side(write: Callable[[Choice], str], how: Choice) -> None:
    """Three columns: the text `write` returns at each of SIDE's temperatures, otherwise as
    `how` chooses (sampling where `how` is greedy, which would write one text three times)."""
    mode = "sample" if how.mode == "greedy" else how.mode
    st.markdown(_("**Three temperatures side by side**: the same seed text and seed, {how}, "
                  "{length} characters each.", how=_(charsample.MODES[mode]), length=SIDE_CHARS))
    for column, t in zip(st.columns(len(SIDE)), SIDE, strict=True):
        column.markdown(_("**T = {t:g}** (the lesson's)", t=t) if t == lesson.CHAR.temperature
                        else _("**T = {t:g}**", t=t))
        column.code(write(Choice(mode, t, how.k)), language=None, wrap_lines=True)
    st.caption(_("Below 1 the likeliest characters win even more often: safer text that repeats "
                 "itself. Above 1 rare characters get drawn: words break apart. Greedy is the "
                 "limit T → 0; top-k cuts off the unlikely tail whatever T is."))
