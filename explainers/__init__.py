"""Pure computation behind the RNN Explainer: data, models, gates, parameters, embeddings.

Nothing in this package imports Streamlit, so every function can be used from a notebook or
a script as well as from the app's pages.
"""
