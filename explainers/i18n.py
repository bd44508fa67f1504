"""Text a page shows in the reader's language: the marker for English source strings, and the
one error type whose message a page can translate.

The app's English text is the source of its Chinese catalogue (gettext, read with Babel): a
string is translatable when it sits in `_()` (pages) or `N_()` (here and in constants, where
nothing is translated yet). `tests/test_catalogue.py` extracts every marked string with Babel
and checks `locales/zh_CN/LC_MESSAGES/messages.po` has each one, with the same `{placeholders}`.
Nothing here imports Streamlit: the reader's language is the page's business
(`lessons/i18n.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Say = Callable[..., str]  # a translator: (English template, **params) -> the reader's text


def N_(text: str) -> str:
    """Mark `text` for the catalogue and return it unchanged (English)."""
    return text


def english(template: str, /, **params: Any) -> str:
    """`template` filled in English: the translator of a figure or message made outside a
    page (a page passes its `_`)."""
    return template.format(**params) if params else template


class Echo(str):
    """A value of an `Explained` error that came from outside the app (the user's characters,
    a file's contents, a library's error text): the page shows it inert, never as Markdown."""


class Explained(Exception):
    """An error a page can say in the reader's language.

    `template` is an English sentence marked with `N_` ("The file is {megabytes:.1f} MB"),
    `params` fill its placeholders (a param may itself be an `Explained`: a sentence inside a
    sentence, translated as well); `str(error)` is the English message, and the page shows
    `explain(error)` (lessons/i18n.py). User text among the params is echoed through the
    page's Markdown-neutralising helper, never raw.
    """

    def __init__(self, template: str, **params: Any):
        self.template = template
        self.params = params
        english = {k: str(v) if isinstance(v, Explained) else v for k, v in params.items()}
        super().__init__(template.format(**english) if params else template)
