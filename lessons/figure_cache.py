"""Figures built once per input: a chart builder's styled figure, cached by its arguments.

Building a Plotly figure goes through Plotly's validating object model (`make_subplots`,
`update_layout`, the template of `ui.style`): 30-100 ms of server CPU a chart, on every rerun
of every session, for a figure that only changes when its inputs do (issue 14). `chart(build,
*args)` keys the styled figure by the builder, its arguments, the reader's language (every
label is translated inside the builder) and projector mode (the styling), builds it once per
server (`st.cache_resource`: the same object for every session, never copied or mutated
afterwards) and draws it exactly as `ui.chart` does.

`keyed(key, build, height, frame=None)` is the same for a builder whose inputs a page names
itself (`key`), and for figures with a frame per step that the browser steps through
(`lessons.charts.frozen`: drawn at any frame without a rebuild). Every figure is kept as a
`Frozen` dict (`ui.styled`), so drawing it again copies and validates nothing.

A builder must depend only on its arguments, the language and projector mode: no closure over
values that change, no session state. Arguments should be hashable by Streamlit (numbers,
strings, tuples, dicts, numpy arrays, dataclasses of those; functions count by their code);
never a Keras model (style rule 8). A figure whose arguments cannot be hashed is built each
time, as `ui.chart` does.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

import plotly.graph_objects as go
import streamlit as st
from streamlit.runtime.caching.cache_errors import UnhashableParamError

from lessons import i18n, ui
from lessons.charts import frozen
from lessons.charts.frozen import Frozen

SIMPLE = (str, bytes, int, float, bool, type(None))  # a function's constants that key it
MAX_FIGURES = 256  # styled figures kept per server (a few hundred KB at most each)
MAX_STEPPERS = 8  # figures with a frame per token (up to ~0.5 MB each) kept per server


@st.cache_resource(show_spinner=False, max_entries=MAX_FIGURES)
def _styled(_build: Callable[..., go.Figure], _args: tuple, _kwargs: dict, key: tuple,
            height: int | None, language: str, projector: bool) -> Frozen:
    """`ui.styled(build(*args, **kwargs), height)`, keyed by `key` (the builder and its
    arguments), the height, the language and projector mode."""
    return ui.styled(_build(*_args, **_kwargs), height)


def _named(value):
    """A function (the builder, the page's `_`) is keyed by its name and code, so two lambdas
    of one page never share a figure; other values are keyed as they are."""
    if not inspect.isroutine(value):
        return value
    code = getattr(value, "__code__", None)  # a page's functions are new objects every run
    if code is None:
        return value.__module__, value.__qualname__
    constants = tuple(c for c in code.co_consts if isinstance(c, SIMPLE))
    return value.__module__, value.__qualname__, code.co_firstlineno, code.co_code, constants


def figure(build: Callable[..., go.Figure], *args, height: int | None = None,
           **kwargs) -> Frozen:
    """The styled figure of `build(*args, **kwargs)`, built once per input, language and
    projector mode (do not change the figure you get: every session shares it)."""
    key = (_named(build), tuple(map(_named, args)),
           {name: _named(value) for name, value in kwargs.items()})
    try:
        return _styled(build, args, kwargs, key, height, i18n.language(), ui.projector())
    except UnhashableParamError:  # an argument Streamlit cannot hash: built each time instead
        return ui.styled(build(*args, **kwargs), height)


def chart(build: Callable[..., go.Figure], *args, height: int | None = None,
          **kwargs) -> None:
    """`ui.chart(build(*args, **kwargs), height)` with the figure built once per input."""
    _draw(figure(build, *args, height=height, **kwargs))


def _draw(fig: Frozen) -> None:
    """As `ui.chart` draws (no Streamlit theme in projector mode), without styling again."""
    theme = None if ui.projector() else "streamlit"
    st.plotly_chart(fig, width="stretch", theme=theme)


# a figure, or one with frames and extra layout (plain dicts, not validated: see frozen)
Built = go.Figure | tuple[go.Figure, list[dict], dict]


@st.cache_resource(show_spinner=False, max_entries=MAX_STEPPERS)
def _steppers(key: tuple, _build: Callable[[], Frozen]) -> Frozen:
    return _build()


def keyed(key: tuple, build: Callable[[], Built], height: int,
          frame: int | None = None) -> None:
    """Draw `build()` at `height` full width, built once for `key` (the page names the
    inputs; the language and projector mode are added): a figure, or (given the `frame` to
    start on) one that steps through frames in the browser, built as (figure, frames,
    layout) and drawn at any frame without a rebuild."""
    lang, large = i18n.language(), ui.projector()
    if frame is None:
        _draw(_styled(build, (), {}, key, height, lang, large))
        return

    def finished() -> Frozen:
        fig, steps, layout = build()
        return frozen.freeze(ui.styled(fig, height), steps, **layout)

    _draw(frozen.at_frame(_steppers((*key, lang, large, height), finished), frame))


def cached(build: Callable[..., Any]) -> Callable[..., Frozen]:
    """`build(*args, **kwargs) -> figure`, cached once per server by its arguments, the
    reader's language and projector mode (a figure's titles are translated and its fonts
    sized inside `build`), as a ready `Frozen` for `ui.chart` (which styles it).

    Keyword arguments whose names start with "_" are not part of the key and reach `build`
    without the underscore (`_glove=vectors` -> `glove=vectors`, `_say=_` -> `say=_`): objects
    held once per server whose contents never change (the GloVe vectors), and the
    translator, which the language in the key already stands for.
    """
    code = getattr(build, "__code__", None)  # pages run as __main__: their file tells them apart
    name = f"{build.__module__}.{build.__qualname__}@{code.co_filename if code else ''}"

    @functools.wraps(build)
    def cached(*args, **kwargs) -> Frozen:
        unhashed = {k: v for k, v in kwargs.items() if k.startswith("_")}
        hashed = {k: v for k, v in kwargs.items() if not k.startswith("_")}
        return _figure(name, i18n.language(), ui.projector(), args, hashed, _build=build,
                       _unhashed=unhashed)

    return cached


@st.cache_resource(max_entries=MAX_FIGURES, show_spinner=False)
def _figure(name: str, lang: str, projector_mode: bool, args: tuple, kwargs: dict, *,
            _build: Callable[..., Any], _unhashed: dict) -> Frozen:
    """One cache for every `cached` (`name` tells the builders apart)."""
    return Frozen(_build(*args, **{k.removeprefix("_"): v for k, v in _unhashed.items()},
                       **kwargs).to_dict())
