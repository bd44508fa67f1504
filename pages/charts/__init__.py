"""Figure builders the pages draw with: Plotly figures and HTML snippets, no widgets.

A subfolder of pages/, so Streamlit never lists its modules as pages; a page imports the one
it needs (`from pages.charts import gates as draw`).
"""
