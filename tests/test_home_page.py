"""The home page, with and without data, under Streamlit's AppTest."""

from __future__ import annotations

from conftest import ROOT
from streamlit.testing.v1 import AppTest

from lessons import ui


def _run_home() -> AppTest:
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    app.run()
    assert not app.exception, app.exception
    return app


def test_home_lists_every_lesson_and_shows_found_data(tiny_imdb):
    app = _run_home()
    assert app.title[0].value.startswith("RNN Explainer")
    headers = [m.value for m in app.markdown]
    for section in ui.SECTIONS:
        if section:
            assert f"#### {section}" in headers
    found = " ".join(s.value for s in app.success)
    assert "IMDB reviews" in found and str(tiny_imdb) in found
    assert "GloVe" in found


def test_home_without_data_says_what_is_missing_and_how_to_get_it(no_data):
    app = _run_home()
    missing = " ".join(w.value for w in app.warning)
    assert "IMDB reviews" in missing and "RNN_EXPLAINER_DATA" in missing
    assert "Shakespeare" in missing and "aclImdb_v1.tar.gz" in missing


def test_chart_style_is_readable_on_a_laptop():
    """Projector mode itself is clicked in the browser test (AppTest drops sidebar widgets
    on reruns under st.navigation)."""
    import plotly.graph_objects as go

    fig = ui.style(go.Figure(), height=400)  # outside a session: laptop sizes
    assert fig.layout.font.size == ui.CHART_FONT < ui.PROJECTOR_FONT
    assert fig.layout.height == 400
