"""`lessons.figure_cache`: a figure is built once per input, language and projector mode, and a
changed input, language or mode gives a new figure (never a stale one)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from lessons import ui


def _page():
    import plotly.graph_objects as go
    import streamlit as st

    from lessons import figure_cache
    from lessons.i18n import _

    builds = st.session_state.setdefault("builds", [])

    def curve(values: tuple, title: str, *, say) -> go.Figure:
        builds.append(values)
        return go.Figure(go.Scatter(y=list(values)), layout={"title": say(title)})

    values = st.session_state.get("values", (1.0, 2.0))
    fig = figure_cache.figure(curve, values, "Training curves", height=200, say=_)
    spec = fig.to_dict()
    st.session_state.title = spec["layout"]["title"]["text"]
    st.session_state.y = tuple(spec["data"][0]["y"])
    st.session_state.height = spec["layout"]["height"]
    st.session_state.font = spec["layout"]["font"]["size"]
    st.session_state.same = fig is figure_cache.figure(curve, values, "Training curves",
                                                       height=200, say=_)
    figure_cache.chart(curve, values, "Training curves", height=200, say=_)


def _unhashable_page():
    import plotly.graph_objects as go
    import streamlit as st

    from lessons import figure_cache

    class Opaque:  # neither a dataclass nor picklable: Streamlit cannot hash it
        def __init__(self, y):
            self.y, self.handle = y, open(__file__)

        def __reduce__(self):
            raise TypeError("not picklable")

    fig = figure_cache.figure(lambda o: go.Figure(go.Scatter(y=o.y)), Opaque([3, 1]), height=150)
    spec = fig.to_dict()
    st.session_state.y = tuple(spec["data"][0]["y"])
    st.session_state.height = spec["layout"]["height"]


def test_a_figure_is_built_once_per_input_and_again_for_a_new_one():
    at = AppTest.from_function(_page).run()
    assert not at.exception
    assert at.session_state["same"] and at.session_state["y"] == (1.0, 2.0)
    assert at.session_state["height"] == 200 and len(at.get("plotly_chart")) == 1
    built = len(at.session_state["builds"])
    at.run()
    assert len(at.session_state["builds"]) == built  # a rerun rebuilds nothing
    at.session_state["values"] = (5.0, 4.0, 3.0)
    at.run()
    assert at.session_state["y"] == (5.0, 4.0, 3.0)
    assert at.session_state["builds"][-1] == (5.0, 4.0, 3.0)


def test_a_language_switch_gives_the_translated_figure():
    at = AppTest.from_function(_page).run()
    assert at.session_state["title"] == "Training curves"
    at.query_params["lang"] = "zh"
    at.run()
    assert at.session_state["title"] == "训练曲线"
    at.query_params["lang"] = "en"
    at.run()
    assert at.session_state["title"] == "Training curves"


def test_projector_mode_gives_the_projector_styling():
    at = AppTest.from_function(_page).run()
    laptop = at.session_state["font"], at.session_state["height"]
    at.session_state[ui.PROJECTOR_KEY] = True
    at.run()
    assert not at.exception
    projector = at.session_state["font"], at.session_state["height"]
    assert projector[0] > laptop[0] and projector[1] > laptop[1]


def test_an_argument_streamlit_cannot_hash_still_draws_the_figure():
    at = AppTest.from_function(_unhashable_page).run()
    assert not at.exception
    assert at.session_state["y"] == (3, 1) and at.session_state["height"] == 150


def _two_lambdas_page():
    import plotly.graph_objects as go
    import streamlit as st

    from lessons import figure_cache

    titles = [figure_cache.figure(build).to_dict()["layout"]["title"]["text"] for build in (
        lambda: go.Figure(layout={"title": "first"}), lambda: go.Figure(layout={"title": "2nd"}))]
    st.session_state.titles = titles


def test_two_builders_of_one_line_never_share_a_figure():
    at = AppTest.from_function(_two_lambdas_page).run()
    assert not at.exception and at.session_state["titles"] == ["first", "2nd"]
