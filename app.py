"""RNN Explainer: embeddings, recurrent networks and LSTMs, trained live and opened up.

Entry point only: the navigation over the lesson pages and the shared sidebar. The home page
must stay light (no TensorFlow import), so the first screen appears fast.
"""

import streamlit as st

from lessons import ui

st.set_page_config(page_title="RNN Explainer", page_icon="🔁", layout="wide")

navigation = st.navigation(ui.navigation_pages(), position="sidebar", expanded=True)
ui.sidebar()
navigation.run()
