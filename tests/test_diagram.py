"""The model diagram: boxes add up to count_params() for every model the app builds or loads,
Bidirectional opened into its two directions, what each time step reads, and the widget on
its pages (built once per model, both views, linked)."""

from __future__ import annotations

import uuid
from itertools import pairwise
from pathlib import Path

import pytest
from conftest import finish_job
from streamlit.testing.v1 import AppTest

from explainers import chargen, diagram, lesson, models, params, presets, runs
from lessons.charts import diagram as charts

LESSONS = Path(__file__).resolve().parent.parent / "lessons"
WORDS = ("this", "film", "is", "not", "bad")


def sentiment_models():
    """Every sentiment model the lab builds, by body, stack and direction."""
    for body in models.BODIES:
        for layers, bidirectional in ((1, False), (2, True), (3, False)):
            if body == models.POOL and (layers > 1 or bidirectional):
                continue
            yield models.ModelConfig(vocab_size=50, embed_dim=4, body=body, units=3,
                                     layers=layers, bidirectional=bidirectional, dropout=0.1,
                                     dense_units=5 if layers != 3 else 0)


def app_models():
    """(name, built Keras model): the lab's, the lesson presets', the parameter page's
    models (Sequential) and the char models (1 and 2 layers, and the lesson's stateful one)."""
    for config in sentiment_models():
        yield models.describe(config), models.build_model(config)
    for preset in (presets.LESSON_POOL, presets.LESSON_RNN, presets.LESSON_BILSTM):
        yield preset.name, models.build_model(preset.model)
    for title, spec in presets.PARAMETER_MODELS.items():
        yield title, params.keras_model(spec)
    for layers in chargen.LAYERS:
        config = chargen.CharModelConfig(cell="lstm", units=8, embedding_dim=4, layers=layers)
        yield f"char {layers}", chargen.build_model(20, config)
    yield "lesson char", chargen.build_lesson_model()


@pytest.fixture(scope="module")
def built():
    return list(app_models())


def test_the_boxes_add_up_to_count_params_for_every_model_the_app_builds(built):
    assert len(built) > 15
    for name, model in built:
        drawn = diagram.layers(model)
        assert drawn.total == model.count_params(), name
        assert sum(box.params for box in drawn.boxes) == model.count_params(), name
        for layer in model.layers:
            if type(layer).__name__ == "Bidirectional":
                group = next(g for g in drawn.groups if g.name == layer.name)
                assert group.params == layer.count_params()
                assert sum(drawn.box(m).params for m in group.members) == layer.count_params()
            elif type(layer).__name__ != "InputLayer":
                assert drawn.box(layer.name).params == layer.count_params(), (name, layer.name)
                assert drawn.box(layer.name).output_shape == tuple(layer.output.shape)


def test_the_lessons_bilstm_is_opened_into_forward_and_backward_directions():
    model = models.build_model(presets.LESSON_BILSTM.model)
    drawn = diagram.layers(model)
    printed = [c.value for c in lesson.PRINTED_COUNTS if c.model == "bilstm"]
    assert [g.params for g in drawn.groups] == printed  # the lesson's 41,472 and 98,816
    for group, features in zip(drawn.groups, (128, 128), strict=True):
        forward, backward = (drawn.box(n) for n in group.members)
        assert (forward.direction, backward.direction) == (diagram.FORWARD, diagram.BACKWARD)
        assert forward.row == backward.row and forward.lane != backward.lane
        assert forward.params == backward.params == group.params // 2
        assert forward.keras_class == backward.keras_class == "LSTM"
        assert group.output_shape[-1] == features == 2 * forward.output_shape[-1]
    first, second = drawn.groups
    reads_second = {e.source for e in drawn.edges if e.target in second.members}
    assert reads_second == set(first.members)  # each direction reads both below (concat)
    figure = charts.layers_figure(drawn).to_dict()
    texts = " ".join(a.get("text", "") for a in figure["layout"]["annotations"])
    assert texts.count("<b>forward</b> (LSTM)") == 2 and texts.count("<b>backward</b>") == 2
    assert "41,472 params" in texts and "98,816 params" in texts
    assert "308,609 parameters" in figure["layout"]["title"]["text"]


def test_a_plain_stack_is_a_chain_from_the_input_down():
    config = models.ModelConfig(vocab_size=30, embed_dim=4, body="gru", units=3, layers=2)
    drawn = diagram.layers(models.build_model(config))
    names = [b.name for b in drawn.boxes]
    assert [b.row for b in drawn.boxes] == list(range(len(names)))
    assert drawn.edges == tuple(diagram.Edge(a, b) for a, b in pairwise(names))
    assert drawn.boxes[0].keras_class == diagram.INPUT_CLASS and drawn.boxes[0].params == 0
    lower, upper = (drawn.box(f"gru_{i}") for i in (1, 2))
    assert lower.return_sequences and not upper.return_sequences
    assert lower.output_shape == (None, None, 3) and upper.output_shape == (None, 3)


def test_each_direction_reads_its_side_of_the_review_and_the_head_reads_both_ends():
    drawn = diagram.layers(models.build_model(presets.LESSON_BILSTM.model))
    grid = diagram.unroll(drawn, WORDS)
    n = len(WORDS)
    assert [lv.directions for lv in grid.levels] == [(diagram.FORWARD, diagram.BACKWARD)] * 2
    for t in range(n):
        assert grid.step(diagram.Spot(1, diagram.FORWARD, t)).reads == tuple(range(t + 1))
        assert grid.step(diagram.Spot(1, diagram.BACKWARD, t)).reads == tuple(range(t, n))
        assert grid.step(diagram.Spot(2, diagram.FORWARD, t)).reads == tuple(range(n))
    head = diagram.Spot(3, "", -1)
    into_head = {a.source for a in grid.arrows if a.target == head}
    assert into_head == {diagram.Spot(2, diagram.FORWARD, n - 1),
                         diagram.Spot(2, diagram.BACKWARD, 0)}  # the last state of each
    assert grid.head == "dense"
    carried = [a for a in grid.arrows if a.kind == "time" and a.source.direction == "backward"]
    assert carried and all(a.source.t == a.target.t + 1 for a in carried)  # right to left


def test_a_char_model_predicts_at_every_step_from_what_came_before():
    drawn = diagram.layers(chargen.build_model(20, chargen.CharModelConfig(
        cell="gru", units=4, embedding_dim=3, layers=2)))
    grid = diagram.unroll(drawn, tuple("ROMEO:"))
    assert [lv.directions for lv in grid.levels] == [(diagram.FORWARD,)] * 2
    heads = [s for s in grid.steps if s.spot.level == 3]
    assert [s.reads for s in heads] == [tuple(range(t + 1)) for t in range(6)]


def test_a_model_without_recurrence_has_no_time_steps_to_draw():
    drawn = diagram.layers(models.build_model(models.ModelConfig(vocab_size=20, embed_dim=2)))
    assert not drawn.recurrent
    with pytest.raises(ValueError):
        diagram.unroll(drawn, WORDS)


def test_tokens_are_text_in_the_time_step_figure_never_markup():
    drawn = diagram.layers(models.build_model(models.ModelConfig(
        vocab_size=20, embed_dim=2, body="simplernn", units=2)))
    figure = charts.steps_figure(diagram.unroll(drawn, ("<img src=x>", "ok"))).to_dict()
    shown = str(figure["data"])
    assert "<img src=x>" not in shown and "&lt;img src=x&gt;" in shown


def test_the_shipped_models_are_drawn_with_their_counts():
    """The gates page's LSTM and the char page's model, as loaded from assets/."""
    checked = 0
    if runs.shipped_record() is not None:
        model = runs.load_shipped().model
        assert sum(b.params for b in diagram.layers(model).boxes) == model.count_params()
        checked += 1
    if chargen.shipped_version() is not None:
        model = chargen.load_shipped().model
        drawn = diagram.layers(model)
        assert sum(b.params for b in drawn.boxes) == model.count_params() == drawn.total
        checked += 1
    if not checked:
        pytest.skip("no shipped model in assets/")


# --------------------------------------------------------------------------- the widget


def _widget_app(key: str, body: str) -> AppTest:
    def script(key: str, body: str) -> None:
        from explainers import diagram, models
        from lessons.widgets import model_diagram

        config = models.ModelConfig(vocab_size=20, embed_dim=2, body=body, units=2,
                                    bidirectional=body != models.POOL)
        calls = diagram.__dict__.setdefault("_test_calls", [])
        model_diagram.show("t", (key, config), lambda: calls.append(key) or models.build_model(
            config), summary=True)

    at = AppTest.from_function(script, kwargs={"key": key, "body": body}, default_timeout=60)
    return at


def test_the_widget_reads_the_model_once_and_switches_views_without_a_rebuild():
    key = uuid.uuid4().hex
    at = _widget_app(key, "lstm")
    at.run()
    assert not at.exception, at.exception
    control = at.get("button_group")[0]
    assert list(control.options) != [] and at.session_state["t_diagram"] == "layers"
    assert any("forward_lstm" in c.value or "bidirectional" in c.value for c in at.code)
    at.session_state["t_diagram"] = "steps"
    at.run()
    assert not at.exception, at.exception
    assert any("are drawn here" in c.value for c in at.caption)
    at.run()
    assert diagram.__dict__["_test_calls"].count(key) == 1  # built once, on the first run


def test_a_pooling_model_offers_only_the_layer_view_even_when_a_link_asks_for_steps():
    at = _widget_app(uuid.uuid4().hex, models.POOL)
    at.session_state["t_diagram"] = "steps"
    at.run()
    assert not at.exception, at.exception
    assert at.session_state["t_diagram"] == "layers"
    assert not any("are drawn here" in c.value for c in at.caption)


def test_the_parameter_page_draws_its_model_and_a_link_opens_the_time_steps():
    at = AppTest.from_file(str(LESSONS / "parameters.py"), default_timeout=120)
    at.query_params["model"] = "bilstm"
    at.query_params["diagram"] = "steps"
    at.run()
    assert not at.exception, at.exception
    assert at.session_state["p_diagram"] == "steps"
    assert any("are drawn here" in c.value for c in at.caption)
    at.session_state["p_diagram"] = "layers"
    at.run()
    assert not at.exception, at.exception
    assert any("Bidirectional layer is opened" in c.value for c in at.caption)


def test_the_char_training_page_draws_the_lessons_model_beside_its_summary():
    at = AppTest.from_file(str(LESSONS / "char_training.py"), default_timeout=180)
    at.query_params["diagram"] = "steps"
    at.run()
    assert not at.exception, at.exception
    assert at.session_state["lesson_diagram"] == "steps"
    assert any("simple_rnn (SimpleRNN)" in c.value for c in at.code)  # summary beside it


def test_the_char_rnn_page_draws_the_shipped_model_over_its_seed_text():
    if chargen.shipped_version() is None:
        pytest.skip("no shipped char model in assets/")
    at = AppTest.from_file(str(LESSONS / "text_generation.py"), default_timeout=180)
    at.query_params["diagram"] = "steps"
    at.run()
    assert not at.exception, at.exception
    assert at.session_state["gen_diagram"] == "steps"
    shipped = chargen.load_shipped().model
    assert any(f"{shipped.count_params():,}" in c.value for c in at.code)  # its summary


def test_the_lab_draws_the_model_it_trained(tiny_imdb):
    at = AppTest.from_file(str(LESSONS / "sentiment_lab.py"), default_timeout=120)
    at.run()
    at.selectbox(key="lab_preset").set_value(presets.RNN_DONE_RIGHT.name).run()
    at.button(key="lab_train").click().run()
    finish_job(at, "lab_job", timeout=120)
    assert at.session_state["lab_diagram"] == "layers"
    assert any("(SimpleRNN)" in c.value for c in at.code)  # the trained one's summary
    at.session_state["lab_diagram"] = "steps"
    at.run()
    assert not at.exception, at.exception
    assert any("are drawn here" in c.value for c in at.caption)
