"""RNN Explainer: embeddings, recurrent networks and LSTMs, trained live and opened up.

Entry point only: the navigation over the lesson pages and the shared sidebar (language,
projector mode, the link to this view). The home page must stay light (no TensorFlow import),
so the first screen appears fast.
"""

import streamlit as st

from explainers import workers
from lessons import links, serving, ui

serving.configure()  # no per-run Keras reset; see lessons/serving.py
workers.warm_up()  # the training workers start and import Keras in the background, once

st.set_page_config(page_title="RNN Explainer", page_icon="🔁", layout="wide")

links.forget_page()
ui.sidebar()  # first: the language it sets names the pages
navigation = st.navigation(ui.navigation_pages(), position="sidebar", expanded=True)
try:
    navigation.run()
finally:  # also after a page that stopped early (st.stop)
    ui.share_view()
    serving.settle()  # freeze what this run loaded for good (cheap when nothing was)
