"""Reference: every term in English and Chinese, and every number the lesson printed."""

import pandas as pd
import streamlit as st

from explainers import lesson
from lessons import ui


def terms_section() -> None:
    """The glossary, filtered by what the reader types (English or Chinese)."""
    query = st.text_input(
        "Find a term (English or 中文)", placeholder="e.g. forget gate, 遗忘门, padding",
        max_chars=60, key="glossary_query",
    ).strip().lower()
    rows = [
        {"English": en, "中文": zh, "Meaning": meaning}
        for en, zh, meaning in lesson.GLOSSARY
        if not query or query in en.lower() or query in zh or query in meaning.lower()
    ]
    if rows:
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    else:
        st.warning(f"No term matches “{ui.inert(query)}”. Try a shorter word, in English or "
                   "Chinese.")


def numbers_section() -> None:
    """Every number the lesson printed, with the page that recomputes it."""
    st.subheader("Every number the lesson printed · 课程中的数字")
    st.dataframe(
        pd.DataFrame(
            [{"Number": n.value, "What it is": n.what, "Recomputed on": n.where}
             for n in lesson.NUMBERS]
        ),
        hide_index=True, width="stretch",
    )


st.title("Glossary & lesson numbers · 术语表与课程数字")
terms_section()
numbers_section()
ui.notice(
    "every number in the second table is recomputed from a real Keras model or a real "
    "training run on the page named beside it, so you can check the lesson rather than "
    "trust it."
)
