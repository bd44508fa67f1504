"""Home: what the app teaches, in what order, and what this machine has right now."""

import streamlit as st

from explainers import resources
from lessons import ui
from lessons.i18n import N_, _, explain

INTRO = N_("Learn word embeddings, recurrent networks and LSTMs by **doing** them: train real "
           "small Keras models on the real IMDB reviews, look inside them, and check every "
           "number the lesson prints. Read the lessons top to bottom; each page ends with what "
           "to notice.")
NOTICE = N_("pages that need a missing resource say so and still show everything they can; "
            "GloVe and the shipped models work with no data download at all.")


def lessons_section() -> None:
    """Every lesson, section by section, with its one-line summary."""
    st.subheader(_("Lessons"))
    for section, items in ui.SECTIONS.items():
        if not section:
            continue
        st.markdown(f"#### {_(section)}")
        for lesson in items:
            st.page_link(lesson.path, label=_(lesson.title), icon=lesson.icon,
                         help=_(lesson.summary))
            st.caption(_(lesson.summary))


def machine_section() -> None:
    """What this machine has now (data, GloVe, shipped models) and how to get the rest."""
    st.subheader(_("On this machine now"))
    for item in resources.all_resources():
        params = {key: _(value) for key, value in item.params.items()}
        name, used_by = _(item.name, **params), _(item.needed_by)
        if item.available:
            st.success(_("**{name}** — found at `{where}`. Used by: {pages}.", name=name,
                         where=item.where, pages=used_by), icon="✅")
        else:
            st.warning(_("**{name}** — missing. {how} Needed by: {pages}.", name=name,
                         how=explain(item.how_to_get), pages=used_by), icon="⚠️")


st.title(_("RNN Explainer · Recurrent networks, explained"))
st.markdown(_(INTRO))
lessons, machine = st.columns([3, 2], gap="large")
with lessons:
    lessons_section()
with machine:
    machine_section()
ui.notice(_(NOTICE))
