"""Reference: every term in English and Chinese, and every number the lesson printed."""

import pandas as pd
import streamlit as st

from explainers import lesson
from lessons import links, ui
from lessons.i18n import N_, _

QUERY_KEY = "glossary_query"
QUERY_LIMIT = 60  # characters: a term, not a paragraph
LINK = links.Link(links.text("term", QUERY_KEY, QUERY_LIMIT))
NOTICE = N_("every number in the second table is recomputed from a real Keras model or a real "
            "training run on the page named beside it, so you can check the lesson rather "
            "than trust it.")


def terms_section() -> None:
    """The glossary, filtered by what the reader types (English or Chinese)."""
    query = st.text_input(
        _("Find a term (English or 中文)"), placeholder=_("e.g. forget gate, 遗忘门, padding"),
        max_chars=QUERY_LIMIT, key=QUERY_KEY,
    ).strip().lower()
    rows = [
        {_("English"): en, "中文": zh, _("Meaning"): _(meaning)}
        for en, zh, meaning in lesson.GLOSSARY
        if not query or query in en.lower() or query in zh or query in _(meaning).lower()
    ]
    if rows:
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    else:
        st.warning(_("No term matches “{query}”. Try a shorter word, in English or Chinese.",
                     query=ui.inert(query)))


def numbers_section() -> None:
    """Every number the lesson printed, with the page that recomputes it."""
    st.subheader(_("Every number the lesson printed"))
    st.dataframe(
        pd.DataFrame(
            [{_("Number"): n.value, _("What it is"): _(n.what), _("Recomputed on"): _(n.where)}
             for n in lesson.NUMBERS]
        ),
        hide_index=True, width="stretch",
    )


st.title(_("Glossary & lesson numbers"))
LINK.restore()
terms_section()
numbers_section()
ui.notice(_(NOTICE))
