"""The reader's language: English or Simplified Chinese, and the catalogue that translates.

Page code holds English source strings inside `_()`: `st.subheader(_("Step through it"))`,
`_("{n} tokens were cut off", n=cut)`. In Chinese mode `_` looks the string up in the one
Chinese catalogue, `locales/zh_CN/LC_MESSAGES/messages.po` (gettext, read with Babel); in
English, or for a string the catalogue lacks, the English is shown. Strings defined before a
reader exists (constants, explainers' messages) are marked with `N_` and translated where
they are shown: `_(INTRO)`, `explain(error)`.

The language comes from the sidebar switch (`LANG_KEY`), which a link sets with `?lang=zh`
or `?lang=en` (`lessons/links.py`); before the reader chooses, from the browser's language
(`st.context.locale`), else English. Numbers and formulas are the same in both.
"""

from __future__ import annotations

import functools
from pathlib import Path

import streamlit as st
from babel.messages.pofile import read_po

from explainers.i18n import N_, Echo, Explained
from lessons.echo import inert

__all__ = ["LANGUAGES", "LANG_KEY", "N_", "_", "explain", "is_chinese", "language"]

LANGUAGES = {"en": "English", "zh": "中文"}  # code (in the URL) -> the name in its own language
LANG_KEY = "lang"  # session-state key of the sidebar switch, and the URL parameter
CATALOGUES = Path(__file__).resolve().parent.parent / "locales"
DETAIL_LIMIT = 2_000  # characters of one echoed value in an error (a path, an exception)
CHINESE = "zh_CN"  # the catalogue's folder: Simplified Chinese as written in mainland China


@functools.cache
def catalogue(locale: str = CHINESE) -> dict[str, str]:
    """English source string -> its translation, from every .po file of `locale`, read once."""
    table: dict[str, str] = {}
    for path in sorted((CATALOGUES / locale / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as handle:
            for message in read_po(handle, locale=locale):
                if message.id and message.string and not message.fuzzy:
                    table[str(message.id)] = str(message.string)
    return table


def browser_language() -> str:
    """'zh' when the browser asks for Chinese (zh, zh-CN, zh-Hans...), else 'en'."""
    try:
        locale = st.context.locale or ""
    except Exception:  # no browser behind this run (a script, AppTest)
        locale = ""
    return "zh" if locale.lower().startswith("zh") else "en"


def language() -> str:
    """The reader's language code: the switch, else the link's ?lang=, else the browser's."""
    chosen = st.session_state.get(LANG_KEY)
    if chosen in LANGUAGES:
        return chosen
    linked = st.query_params.get(LANG_KEY)
    return linked if linked in LANGUAGES else browser_language()


def is_chinese() -> bool:
    return language() == "zh"


def _(text: str, /, **params) -> str:
    """`text` in the reader's language, with `params` filled into its {placeholders}."""
    if is_chinese():
        text = catalogue().get(text, text)
    return text.format(**params) if params else text


def explain(error: Exception, limit: int = DETAIL_LIMIT) -> str:
    """An error in the reader's language, safe to show in Markdown: an explainer's template
    translated, the values it marked `Echo` (a typed character, a file's contents, a
    library's error text) made inert and cut to `limit`; any other error's message, which
    may say anything, made inert whole."""
    if isinstance(error, Explained):
        params = {k: explain(v, limit) if isinstance(v, Exception)
                  else inert(v, limit) if isinstance(v, Echo) else v
                  for k, v in error.params.items()}
        return _(error.template, **params)
    return inert(str(error), limit)
