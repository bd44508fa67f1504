"""Figures built once per input: a chart builder's styled figure, cached by its arguments.

Building a Plotly figure goes through Plotly's validating object model (`make_subplots`,
`update_layout`, the template of `ui.style`): 30-100 ms of server CPU a chart, on every rerun
of every session, for a figure that only changes when its inputs do (issue 14). `chart(build,
*args)` keys the styled figure by the builder, its arguments, the reader's language (every
label is translated inside the builder) and projector mode (the styling), builds it once per
server (`st.cache_resource`: the same object for every session, never copied or mutated
afterwards) and draws it exactly as `ui.chart` does.

A builder must depend only on its arguments, the language and projector mode: no closure over
values that change, no session state. Arguments should be hashable by Streamlit (numbers,
strings, tuples, dicts, numpy arrays, dataclasses of those; functions count by their code);
never a Keras model (style rule 8). A figure whose arguments cannot be hashed is built each
time, as `ui.chart` does.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable

import plotly.graph_objects as go
import streamlit as st
from streamlit.runtime.caching.cache_errors import UnhashableParamError

from lessons import i18n, ui

SIMPLE = (str, bytes, int, float, bool, type(None))  # a function's constants that key it
MAX_FIGURES = 256  # styled figures kept per server (a few hundred KB at most each)


@st.cache_resource(show_spinner=False, max_entries=MAX_FIGURES)
def _styled(_build: Callable[..., go.Figure], _args: tuple, _kwargs: dict, key: tuple,
            height: int | None, language: str, projector: bool) -> go.Figure:
    """`ui.style(build(*args, **kwargs), height)`, keyed by `key` (the builder and its
    arguments), the height, the language and projector mode."""
    return ui.style(_build(*_args, **_kwargs), height)


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
           **kwargs) -> go.Figure:
    """The styled figure of `build(*args, **kwargs)`, built once per input, language and
    projector mode (do not change the figure you get: every session shares it)."""
    key = (_named(build), tuple(map(_named, args)),
           {name: _named(value) for name, value in kwargs.items()})
    try:
        return _styled(build, args, kwargs, key, height, i18n.language(), ui.projector())
    except UnhashableParamError:  # an argument Streamlit cannot hash: built each time instead
        return ui.style(build(*args, **kwargs), height)


def chart(build: Callable[..., go.Figure], *args, height: int | None = None,
          **kwargs) -> None:
    """`ui.chart(build(*args, **kwargs), height)` with the figure built once per input."""
    theme = None if ui.projector() else "streamlit"  # as ui.chart
    st.plotly_chart(figure(build, *args, height=height, **kwargs), width="stretch",
                    theme=theme)
