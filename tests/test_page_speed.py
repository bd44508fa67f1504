"""Cheap page views (issue 14) without a change a reader could see: figures styled as dicts
are the figures `ui.style` made, cached figures follow their inputs, the reader's language
and projector mode, and the GloVe explorer builds only its open tab but forgets nothing."""

from __future__ import annotations

import json

import numpy as np
import plotly.graph_objects as go
import pytest
from streamlit.testing.v1 import AppTest

from explainers import paths
from lessons import figure_cache, i18n, ui
from lessons.charts.frozen import Frozen

PAGES = paths.PROJECT_ROOT / "lessons"
TIMEOUT = 120  # the first page to run loads GloVe


def figures() -> list[go.Figure]:
    """One figure of each kind the pages draw, with layout the styling must merge into."""
    lines = go.Figure(go.Scatter(x=[1, 2], y=[3, 4], line={"dash": "dot"}))
    lines.update_layout(font={"family": "serif"}, legend={"x": 0.1}, margin={"pad": 3},
                        title="lines")
    bars = go.Figure(go.Bar(x=np.arange(5), y=np.arange(5.0), orientation="v"))
    mixed = go.Figure(go.Scatter3d(x=[1], y=[2], z=[3]))
    mixed.add_trace(go.Scatter(x=[1], y=[1], mode="markers"))
    heat = go.Figure(go.Heatmap(z=np.arange(12.0).reshape(4, 3), texttemplate="%{z:.2f}"))
    return [lines, bars, mixed, heat]


@pytest.mark.parametrize("projector", [False, True])
@pytest.mark.parametrize("height", [None, 300])
def test_a_figure_styled_as_a_dict_is_the_figure_style_made(monkeypatch, projector, height):
    monkeypatch.setattr(ui, "projector", lambda: projector)
    for old, new in zip(figures(), figures(), strict=True):
        before = json.dumps(ui.style(old, height).to_dict(), sort_keys=True, default=str)
        spec = ui.styled(new, height)
        assert json.dumps(spec.to_dict(), sort_keys=True, default=str) == before
    big = ui.styled(figures()[0], 100).to_dict()
    assert big["layout"]["font"] == {"family": "serif", "size": ui.PROJECTOR_FONT if projector
                                     else ui.CHART_FONT}
    assert big["layout"]["height"] == (130 if projector else 100)


def test_styling_a_cached_spec_leaves_the_shared_dict_as_it_was(monkeypatch):
    monkeypatch.setattr(ui, "projector", lambda: True)
    shared = Frozen(figures()[0].to_dict())
    kept = json.dumps(shared.to_dict(), sort_keys=True, default=str)
    styled = ui.styled(shared, 200).to_dict()
    assert styled["layout"]["height"] == 260 and styled["data"][0]["line"]["width"] == 4
    assert json.dumps(shared.to_dict(), sort_keys=True, default=str) == kept


def test_a_cached_figure_is_kept_by_its_inputs_language_and_projector_mode(monkeypatch):
    built = []

    def bars(values: tuple, title: str, say) -> go.Figure:
        built.append((values, title))
        return go.Figure(go.Bar(y=list(values)), layout={"title": say(title)})

    cached = figure_cache.cached(bars)
    settings = {"lang": "en", "projector": False}
    monkeypatch.setattr(i18n, "language", lambda: settings["lang"])
    monkeypatch.setattr(ui, "projector", lambda: settings["projector"])
    first = cached((1, 2), "t", _say=str.upper)
    assert cached((1, 2), "t", _say=str.lower) is first  # "_" arguments are not in the key
    assert len(built) == 1 and first.to_dict()["layout"]["title"]["text"] == "T"
    assert cached((1, 3), "t", _say=str.upper) is not first  # another input: built again
    settings["lang"] = "zh"
    chinese = cached((1, 2), "t", _say=str.lower)  # another language: its own figure
    assert chinese.to_dict()["layout"]["title"]["text"] == "t"
    settings["projector"] = True
    cached((1, 2), "t", _say=str.lower)
    assert len(built) == 4


def run(page: str, **state) -> AppTest:
    at = AppTest.from_file(str(PAGES / page), default_timeout=TIMEOUT)
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def rerun(at: AppTest, **state) -> AppTest:
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def specs(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def test_cached_glove_figures_follow_the_language_and_projector_mode():
    at = run("glove_explorer.py")
    (english,) = specs(at)
    assert english["layout"]["title"]["text"] == "Nearest to 'frog'"
    (chinese,) = specs(rerun(at, lang="zh"))
    assert chinese["layout"]["title"]["text"] == "离“frog”最近的词"
    assert chinese["data"] == english["data"]  # the same numbers in both languages
    (again,) = specs(rerun(at, lang="en"))
    assert again == english
    (big,) = specs(rerun(at, projector_mode=True))
    assert big["layout"]["font"]["size"] == ui.PROJECTOR_FONT
    assert big["layout"]["height"] == int(english["layout"]["height"] * 1.3)
    (other,) = specs(rerun(at, projector_mode=False, nb_word="queen"))
    assert other["layout"]["title"]["text"] == "Nearest to 'queen'"
    assert other["data"][0]["y"] != english["data"][0]["y"]


def test_the_glove_explorer_builds_only_its_open_tab_and_forgets_no_closed_one():
    at = run("glove_explorer.py", glove_view="Analogies")
    assert [m.value for m in at.markdown if m.value.startswith("###")]
    assert {w.key for w in at.text_input} == {"an_a", "an_b", "an_c", "an_expected"}
    at.text_input(key="an_c").set_value("queen").run()
    rerun(at, glove_view="Word map")
    assert not [m.value for m in at.markdown if m.value.startswith("###")]
    assert {w.key for w in at.text_input} == {"map_centre", "map_find"}  # word, search box
    rerun(at, glove_view="Analogies")
    assert at.text_input(key="an_c").value == "queen"  # kept while its tab was closed
    assert at.query_params["c"] == "queen"  # ... and in the link all along
    heads = [m.value for m in at.markdown if m.value.startswith("###")]
    assert heads and heads[0].startswith("### man : king :: queen : ")


def test_cached_why_embeddings_figures_follow_their_inputs():
    at = run("embeddings_why.py")
    titles = [spec["layout"]["title"]["text"] for spec in specs(at)]
    assert "Embedding matrix (8 × 4), row 3 picked" in titles
    rerun(at, why_toy_dim=6, why_word="plot", why_words="king queen")
    titles = [spec["layout"]["title"]["text"] for spec in specs(at)]
    assert "Embedding matrix (8 × 6), row 7 picked" in titles
    cosines = [spec for spec in specs(at) if spec["data"][0]["type"] == "heatmap"
               and spec["data"][0]["x"] == ["king", "queen"]]
    assert len(cosines) == 2  # one-hot and GloVe, for the new words
