"""Links to every view: the URL carries each page's main state, so a shared link opens it.

Each page declares the widgets a link restores in one typed table, as the TensorFlow
Playground's `state.ts` does, and restores them before drawing its widgets:

    LINK = links.Link(
        links.text("word", WORD_KEY, limit=40),      # URL name, widget key, what is valid
        links.choice("metric", METRIC_KEY, ("cosine", "euclidean")),
        links.number("k", K_KEY, 1, 50),
    )
    LINK.restore()  # at the top of the page, before its widgets

`restore` copies a value from the URL into the widget's session state only when the URL
holds something this session has not published itself (a link just opened, an edited
address), so later clicks are never overwritten. A value that is not valid (garbage, out of
range, too long) is skipped and the widget keeps its default, with one short note. After the
page has run, `publish` (called by app.py, and by the closing note when a page runs alone)
writes the language, projector mode and the page's fields back into the address bar, and
`share` draws the "link to this view" control.

Selection widgets are linked by stable codes, not by their labels, so one link works in both
languages; that is why this table is used instead of Streamlit's `bind="query-params"`,
which stores a select box's translated label.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import streamlit as st

from lessons.i18n import LANG_KEY, LANGUAGES, _, language

SEEN_KEY = "_links_seen"  # session-state: the query this session last wrote to the address bar
CURRENT_KEY = "_links_current"  # session-state: the page's Link, for `publish` after the page


@dataclass(frozen=True)
class Field:
    """One widget a link restores: its name in the URL, its session-state key, how to read
    its URL text (raising ValueError when the text is no valid value) and how to write it."""

    name: str
    key: str
    parse: Callable[[str], Any]
    write: Callable[[Any], str] = str


def choice(name: str, key: str, options: Sequence[Any]) -> Field:
    """A select box, radio or segmented control over `options` (stable codes, not labels)."""
    by_text = {str(option): option for option in options}

    def parse(text: str) -> Any:
        if text not in by_text:
            raise ValueError(text)
        return by_text[text]

    return Field(name, key, parse)


def number(name: str, key: str, low: float, high: float, kind: type = int) -> Field:
    """A slider or number input from `low` to `high` (ints, or floats with kind=float)."""
    def parse(text: str) -> Any:
        value = kind(float(text)) if kind is float else kind(text)
        if not low <= value <= high:
            raise ValueError(text)
        return value

    return Field(name, key, parse, (lambda v: f"{v:g}") if kind is float else str)


def span(name: str, key: str, low: int, high: int) -> Field:
    """A range slider of ints, written "3-7"."""
    def parse(text: str) -> tuple[int, int]:
        start, end = (int(part) for part in text.split("-"))
        if not low <= start <= end <= high:
            raise ValueError(text)
        return start, end

    return Field(name, key, parse, lambda v: f"{v[0]}-{v[1]}")


def text(name: str, key: str, limit: int) -> Field:
    """A text input or area of at most `limit` characters (longer text is not read)."""
    def parse(value: str) -> str:
        if len(value) > limit or "\x00" in value:
            raise ValueError(value[:20])
        return value

    return Field(name, key, parse)


def flag(name: str, key: str) -> Field:
    """A toggle or checkbox, written 1 / 0."""
    words = {"1": True, "true": True, "0": False, "false": False}
    return Field(name, key, lambda value: words[value.lower()], lambda v: "1" if v else "0")


@dataclass(frozen=True)
class Link:
    """The widgets one page's link restores (see the module docstring)."""

    fields: tuple[Field, ...]

    def __init__(self, *fields: Field):
        object.__setattr__(self, "fields", fields)

    def restore(self, keep: bool = False) -> None:
        """Put the URL's values into the widgets' state; note the ones that were not valid.

        With `keep`, every linked widget also keeps its value in a run that does not draw it
        (a closed tab's, on a page that builds only its open tab): Streamlit drops the state
        of a widget a run does not draw, unless the page sets it, as this does."""
        st.session_state[CURRENT_KEY] = self
        if keep:
            for field in self.fields:
                if field.key in st.session_state:
                    st.session_state[field.key] = st.session_state[field.key]
        restore_fields(self.fields)


def restore_fields(fields: Sequence[Field]) -> list[str]:
    """Restore `fields` from the URL, with a short note naming the values that were not
    valid (they keep their defaults); returns those names."""
    seen = st.session_state.get(SEEN_KEY, {})
    bad = []
    for field in fields:
        raw = st.query_params.get(field.name)
        if raw is None or raw == seen.get(field.name):
            continue
        try:
            st.session_state[field.key] = field.parse(raw)
        except (ValueError, KeyError, TypeError):
            bad.append(field.name)
    if bad:
        st.info(_("This link's {names} could not be read, so they start at their defaults.",
                  names=", ".join(bad)), icon="🔗")
    return bad


def query(fields: Sequence[Field]) -> dict[str, str]:
    """The URL parameters of `fields` whose widgets hold a value now (empty text left out)."""
    written = {f.name: f.write(st.session_state[f.key]) for f in fields
               if f.key in st.session_state}
    return {name: value for name, value in written.items() if value != ""}


def publish(common: Sequence[Field] = ()) -> dict[str, str]:
    """Write the language, `common` (projector mode) and the current page's fields into the
    address bar; returns the query written."""
    page = st.session_state.get(CURRENT_KEY)
    params = {LANG_KEY: language(), **query(common)}
    if page is not None:
        params.update(query(page.fields))
    if st.query_params.to_dict() != params:
        st.query_params.from_dict(params)
    st.session_state[SEEN_KEY] = params
    return params


def publish_now(fields: Sequence[Field]) -> None:
    """Write `fields` into the address bar at once, keeping the rest of the query (the
    language a reader just chose survives a reload while the page is still running)."""
    seen = dict(st.session_state.get(SEEN_KEY, {}))
    for name, value in query(fields).items():
        if st.query_params.get(name) != value:
            st.query_params[name] = value
        seen[name] = value
    st.session_state[SEEN_KEY] = seen


def forget_page() -> None:
    """A new run starts without the previous page's table (app.py calls it before the page)."""
    st.session_state.pop(CURRENT_KEY, None)


def address(params: dict[str, str]) -> str:
    """The full address of this view: the page's URL (when a browser is behind the run) and
    the query."""
    try:
        base = st.context.url or ""
    except Exception:
        base = ""
    return f"{base}?{urlencode(params)}"


LANGUAGE_FIELD = choice(LANG_KEY, LANG_KEY, tuple(LANGUAGES))
