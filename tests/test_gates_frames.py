"""The gates page's player steps in the browser: each frame holds its token's numbers (the
trace's, to 1e-6), the figures are built once per inputs, and only the heatmap asked for."""

from __future__ import annotations

import json

import numpy as np
import plotly.graph_objects as go
import plotly.tools
import pytest
from streamlit.testing.v1 import AppTest

from explainers import paths, runs, tracer
from lessons import ui
from lessons.charts import frozen, token_steps
from lessons.charts import gates as draw

PAGE = str(paths.PROJECT_ROOT / "lessons" / "lstm_gates.py")
TIMEOUT = 120  # the first run loads TensorFlow and the model
TEXT = "A wonderful film, truly wonderful. Zzyzxq blorp. An awful ending."
needs_model = pytest.mark.skipif(not (runs.SHIPPED_FOLDER / runs.MODEL_FILE).is_file(),
                                 reason="assets/lstm_sentiment/ missing")


def _page(**state) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.session_state["gates_source"] = "text"
    at.session_state["gates_text"] = TEXT
    for key, value in state.items():
        at.session_state[key] = value
    return at.run()


def _stepper(at) -> dict:
    return next(f for f in (json.loads(c.proto.spec) for c in at.get("plotly_chart"))
                if f["layout"].get("sliders"))


def _reference(text: str):
    """The shipped LSTM's trace and running prediction, computed here without the page."""
    shipped = runs.load_shipped()
    ids = shipped.input_format.prepare(text).ids  # the shipped model masks its pads
    result = tracer.ModelTracer(shipped.model).trace(ids)
    return result.layers[0].trace, result.running


@needs_model
@pytest.mark.parametrize("start", [0, 9])
def test_every_frame_holds_its_tokens_numbers_as_the_trace_has_them(tiny_imdb, start):
    at = _page(gates_unit=5, gates_step=start)
    assert not at.exception and not at.error
    trace, running = _reference(TEXT)
    stepper, unit = _stepper(at), 5
    frames = stepper["frames"]
    assert len(frames) == trace.steps == len(running)
    for t, frame in enumerate(frames):
        data = dict(zip(frame["traces"], frame["data"], strict=True))
        before = trace.before(t)
        gates_, states = (data[i]["customdata"] for i in token_steps.NUMBERS)
        np.testing.assert_allclose(gates_, [trace.values[g][t, unit] for g in draw.GATES_AT],
                                   atol=1e-6)
        expected = [before["c"][unit], trace.values["c"][t, unit], trace.values["h"][t, unit],
                    before["h"][unit]]  # draw.STATE_READOUTS: c_prev, c, h, h_prev
        np.testing.assert_allclose(states, expected, atol=1e-6)
        np.testing.assert_allclose(data[token_steps.MARKER]["y"], [running[t]], atol=1e-6)
        assert data[token_steps.MARKER]["x"] == [t] == data[token_steps.STEP_LINE]["x"][:1]
        assert f"at token {t}:" in data[token_steps.TITLE]["text"][0]
        fills = [data[i]["fillcolor"] for i in range(4)]
        assert fills == [draw.diverging(v, *draw.SCALES[g])
                         for v, g in zip(gates_, draw.GATES_AT, strict=True)]
    # the figure as first drawn is its starting frame
    first = dict(zip(frames[start]["traces"], frames[start]["data"], strict=True))
    for index, changed in first.items():
        for name, value in changed.items():
            shown = stepper["data"][index][name]
            assert shown == value or np.allclose(shown, value, atol=1e-6), (index, name)
    assert stepper["layout"]["sliders"][0]["active"] == start


@needs_model
def test_figures_are_built_once_per_inputs_and_only_the_chosen_heatmap(tiny_imdb,
                                                                      monkeypatch):
    built = {"frames": 0, "heatmap": 0}

    def counting(name, real):
        def wrapper(*args, **kwargs):
            built[name] += 1
            return real(*args, **kwargs)
        return wrapper

    monkeypatch.setattr(token_steps, "frames", counting("frames", token_steps.frames))
    monkeypatch.setattr(draw, "heatmap", counting("heatmap", draw.heatmap))
    at = _page(gates_unit=3)
    assert not at.exception
    assert built["heatmap"] <= 1  # one heatmap, not one per quantity
    frames_built, heatmaps_built = built["frames"], built["heatmap"]
    at.run()  # the same view again (a reload, another student): nothing rebuilt
    assert (built["frames"], built["heatmap"]) == (frames_built, heatmaps_built)
    at.segmented_control(key="gates_heatmap").set_value("c").run()
    assert built["heatmap"] == heatmaps_built + 1 and built["frames"] == frames_built
    titles = [json.loads(c.proto.spec)["layout"].get("title", {}).get("text")
              for c in at.get("plotly_chart")]
    assert "cell state c: tokens × units" in titles


@needs_model
def test_projector_mode_draws_the_player_larger(tiny_imdb):
    laptop, projector = _stepper(_page()), _stepper(_page(**{ui.PROJECTOR_KEY: True}))
    assert projector["layout"]["height"] > laptop["layout"]["height"]
    assert projector["layout"]["font"]["size"] > laptop["layout"]["font"]["size"]
    title = token_steps.TITLE
    assert (projector["data"][title]["textfont"]["size"]
            > laptop["data"][title]["textfont"]["size"])


def test_the_tokens_line_marks_the_step_and_escapes_user_text():
    tokens = ["<START>", "<b>bold</b>", "fine", "<UNK>", "end"]
    line = token_steps.token_line(tokens, 1, reach=2)
    assert "<b>bold</b>" not in line and "&lt;b&gt;bold&lt;/b&gt;" in line
    assert f"<span style='color:{draw.STEP_LINE}'>&lt;b&gt;bold" in line  # the current one
    # later ones faded, "end" beyond the reach
    assert line.endswith("<span style='color:#aaa'>fine <i>&lt;UNK&gt;</i> …</span>")
    assert token_steps.token_line(tokens, 4, reach=1).startswith("… ")


def test_a_frozen_figure_is_drawn_as_the_figure_it_froze():
    fig = go.Figure(go.Scatter(x=[1, 2], y=[3, 4]), layout={"title": {"text": "t"}})
    frames = [{"name": "0", "data": [{"x": [2, 1]}], "traces": [0]}]
    shown = plotly.tools.return_figure_from_figure_or_data(
        frozen.freeze(fig, frames, sliders=[{"steps": []}]), validate_figure=True)
    assert shown == {**fig.to_dict(), "frames": frames,
                     "layout": {**fig.to_dict()["layout"], "sliders": [{"steps": []}]}}


def test_a_frozen_player_is_drawn_at_any_frame_without_changing_it():
    fig = go.Figure([go.Scatter(x=[0], y=[1], text=["a"]), go.Scatter(x=[0], y=[0])])
    frames = [{"name": str(t), "data": [{"text": [f"t{t}"]}], "traces": [0]} for t in range(3)]
    built = frozen.freeze(fig, frames, sliders=[{"active": 0, "steps": []}])
    shown = frozen.at_frame(built, 2).to_dict()
    assert shown["data"][0]["text"] == ["t2"] and shown["data"][0]["x"] == [0]
    assert shown["layout"]["sliders"][0]["active"] == 2 and shown["frames"] is frames
    assert built.to_dict()["data"][0]["text"] == ["a"]  # the cached one is untouched
    assert built.to_dict()["layout"]["sliders"][0]["active"] == 0
