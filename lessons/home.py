"""Home: what the app teaches, in what order, and what this machine has right now."""

import streamlit as st

from explainers import resources
from lessons import ui


def lessons_section() -> None:
    """Every lesson, section by section, with its one-line summary."""
    st.subheader("Lessons · 课程")
    for section, items in ui.SECTIONS.items():
        if not section:
            continue
        st.markdown(f"#### {section}")
        for lesson in items:
            st.page_link(lesson.path, label=lesson.title, icon=lesson.icon, help=lesson.summary)
            st.caption(lesson.summary)


def machine_section() -> None:
    """What this machine has now (data, GloVe, shipped models) and how to get the rest."""
    st.subheader("On this machine now · 本机资源")
    for item in resources.all_resources():
        if item.available:
            st.success(f"**{item.name}** — found at `{item.where}`. Used by: {item.needed_by}.",
                       icon="✅")
        else:
            st.warning(
                f"**{item.name}** — missing. {item.how_to_get} Needed by: {item.needed_by}.",
                icon="⚠️",
            )


st.title("RNN Explainer · 循环神经网络图解")
st.markdown(
    "Learn word embeddings, recurrent networks and LSTMs by **doing** them: train real small "
    "Keras models on the real IMDB reviews, look inside them, and check every number the "
    "lesson prints. Read the lessons top to bottom; each page ends with what to notice."
)
lessons, machine = st.columns([3, 2], gap="large")
with lessons:
    lessons_section()
with machine:
    machine_section()
ui.notice(
    "pages that need a missing resource say so and still show everything they can; GloVe and "
    "the shipped models work with no data download at all."
)
