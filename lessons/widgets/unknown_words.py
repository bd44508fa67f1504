"""Words a reader typed that the word vectors lack: the specific message, with a button per
close spelling that puts it into the box (the GloVe explorer's views share these)."""

from __future__ import annotations

import streamlit as st

from explainers.embeddings import UnknownWord
from lessons import ui
from lessons.i18n import _


def show_unknown(error: UnknownWord, key: str, fixed=None) -> None:
    """The specific error, with a button per suggestion that fills the box `key` in: with the
    suggestion, or with `fixed(suggestion)` (an expression with the word replaced)."""
    st.error(error.message(ui.inert, _))
    if error.suggestions:
        cols = st.columns(len(error.suggestions))
        for col, word in zip(cols, error.suggestions, strict=True):  # GloVe words, as text
            col.button(ui.inert(word), key=f"{key}-suggest-{word}",
                       on_click=st.session_state.update,
                       kwargs={key: fixed(word) if fixed else word})


def warn_unknown(glove, words: list[str]) -> list[str]:
    """A warning for each word GloVe lacks; the words it knows."""
    for word in [w for w in words if w not in glove]:
        st.warning(UnknownWord(word, glove.suggest(word)).message(ui.inert, _))
    return [w for w in words if w in glove]
