"""Figure builders the pages draw with: Plotly figures and HTML snippets, no widgets.

A page imports the one it needs (`from lessons.charts import gates as draw`).
"""
