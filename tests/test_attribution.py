"""Per-token attribution (integrated gradients): a toy whose answer is known, completeness on
every model body the app builds, the shipped models, and both pages under AppTest."""

from __future__ import annotations

import json

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from explainers import attribution, chargen, paths, runs, tracer
from explainers.models import ModelConfig, build_model

PAGES = paths.PROJECT_ROOT / "lessons"
TIMEOUT = 180  # the first run loads TensorFlow and the model, and compiles the gradients
SHIPPED_LSTM = (runs.SHIPPED_FOLDER / runs.MODEL_FILE).is_file()
SHIPPED_CHAR = (paths.ASSETS / chargen.MODEL_FILE).is_file()


def pooling_model(mask_zero: bool, seed: int = 3):
    """Embedding(12, 4) -> average -> Dense(1, sigmoid), with fixed random weights."""
    model = build_model(ModelConfig(vocab_size=12, embed_dim=4, mask_zero=mask_zero,
                                    body="pool", dense_units=0), seed=seed)
    rng = np.random.default_rng(seed)
    model.get_layer("embedding").set_weights([rng.normal(0, 1, (12, 4)).astype("float32")])
    return model


@pytest.mark.parametrize("mask_zero", [True, False])
def test_a_pooling_model_gets_its_analytic_attribution(mask_zero):
    """f = σ(w · mean(e) + b): along the straight path every token's gradient is in the
    same proportion, so a_t = s_t / S * (σ(S + b0) - σ(b0)) exactly, with s_t = w · e_t / T
    (T the averaged steps), S = Σ s_t, and b0 = b plus the fixed <PAD>s' part."""
    model = pooling_model(mask_zero)
    table = model.get_layer("embedding").get_weights()[0]  # (12, 4)
    w, b = (x.astype(np.float64) for x in model.get_layer("output").get_weights())
    ids = np.array([0, 0, 1, 5, 7, 7, 11])  # two <PAD>s, then the review
    real = slice(2, len(ids))
    shares = table[ids] @ w[:, 0] / (len(ids) - 2 if mask_zero else len(ids))  # (T,)
    pads = 0.0 if mask_zero else shares[:2].sum()
    total, base = shares[real].sum(), b[0] + pads

    def sigmoid(z):
        return 1.0 / (1.0 + np.exp(-z))

    expected = shares[real] / total * (sigmoid(total + base) - sigmoid(base))
    found = attribution.review(model, ids if not mask_zero else ids[real],
                               None if mask_zero else real, steps=128)
    scores = found.scores if mask_zero else found.scores[real]
    np.testing.assert_allclose(scores, expected, atol=2e-5)
    assert found.baseline == pytest.approx(sigmoid(base), abs=1e-6)
    assert abs(found.gap) < 2e-5
    if not mask_zero:
        assert not found.scores[:2].any()  # the <PAD>s stay put: exactly zero


@pytest.mark.parametrize("config", [
    ModelConfig(vocab_size=30, embed_dim=4, body="simplernn", units=3, dense_units=0),
    ModelConfig(vocab_size=30, embed_dim=4, body="lstm", units=3, mask_zero=True, dropout=0.2),
    ModelConfig(vocab_size=30, embed_dim=4, body="lstm", units=3, layers=2, bidirectional=True,
                mask_zero=True, dense_units=5),
    ModelConfig(vocab_size=30, embed_dim=4, body="gru", units=3, layers=2),
], ids=["simplernn", "lstm-masked-dropout", "bilstm-stacked-dense", "gru-stacked"])
def test_scores_add_up_on_every_body_the_lab_builds(config):
    model = build_model(config, seed=1)
    ids = np.array([0, 0, 0, 1, 4, 9, 17, 29, 3])  # a pre-padded row
    ids = ids[ids > 0] if config.mask_zero else ids
    found = attribution.review(model, ids, slice(len(ids) - 6, len(ids)), steps=64)
    assert found.output == pytest.approx(float(model.predict(ids[None], verbose=0)[0, 0]),
                                         abs=1e-5)
    assert abs(found.gap) < 1e-3 * max(1.0, abs(found.change)) + 1e-5
    assert not found.scores[: len(ids) - 6].any()
    assert found.scores[len(ids) - 6:].any()


def test_more_steps_shrink_the_gap():
    model = build_model(ModelConfig(vocab_size=30, embed_dim=4, body="lstm", units=4),
                        seed=2)
    ids = np.arange(1, 20)
    gaps = [abs(attribution.review(model, ids, steps=s).gap) for s in (2, 8, 64)]
    assert gaps[0] > gaps[2] and gaps[1] > gaps[2]


@pytest.mark.parametrize("cell,layers", [("gru", 1), ("lstm", 2)])
def test_a_char_model_scores_only_the_window_and_adds_up(cell, layers):
    model = chargen.build_model(9, chargen.CharModelConfig(cell, units=6, embedding_dim=3,
                                                           layers=layers), seed=4)
    ids = np.random.default_rng(0).integers(0, 9, 40)
    found = attribution.next_char(model, ids, 30, window=12, steps=64)  # states carried in
    assert found.scores.shape == (31,)
    assert not found.scores[:19].any() and found.scores[19:].any()
    assert abs(found.gap) < 1e-3
    logits = np.asarray(model(ids[None, :31]))[0, -1]  # the model's own reading, from 0
    p = np.exp(logits - logits.max())
    assert found.output == pytest.approx(float(p[ids[31]] / p.sum()), abs=1e-5)
    whole = attribution.next_char(model, ids, 5, window=12)  # the window reaches the start
    assert whole.scores.shape == (6,) and whole.scores.all()


def test_bad_models_and_positions_are_explained():
    import keras

    dense = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    with pytest.raises(attribution.AttributionError) as error:
        attribution.review(dense, np.array([1, 2, 3]))
    assert error.value.code == "no_embedding"
    char = chargen.build_model(5, chargen.CharModelConfig("gru", 4, 2), seed=0)
    with pytest.raises(attribution.AttributionError) as error:
        attribution.next_char(char, np.array([1, 2, 3]), 2)
    assert error.value.code == "no_next"


@pytest.mark.skipif(not SHIPPED_LSTM, reason="assets/lstm_sentiment/ missing")
def test_the_shipped_lstm_credits_the_sentiment_words():
    shipped = runs.load_shipped()
    review = shipped.input_format.prepare(
        "a wonderful film with a wonderful cast, but an awful and boring ending")
    ids, real = review.for_model(tracer.ModelTracer(shipped.model).mask_zero)
    found = attribution.review(shipped.model, ids, real)
    scores = dict(zip(review.tokens, found.scores[real], strict=True))
    assert scores["wonderful"] > 0.01 and scores["awful"] < -0.01 and scores["boring"] < -0.01
    assert abs(found.gap) < 0.01


def _page(name: str) -> AppTest:
    return AppTest.from_file(str(PAGES / name), default_timeout=TIMEOUT)


def _texts(at) -> str:
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption])


@pytest.mark.skipif(not SHIPPED_LSTM, reason="assets/lstm_sentiment/ missing")
def test_gates_page_shows_the_scores_and_reruns_compute_nothing(monkeypatch):
    from lessons.widgets import attribution_view

    calls = []
    real_review = attribution.review
    monkeypatch.setattr(attribution, "review",
                        lambda *a, **k: calls.append(a) or real_review(*a, **k))
    attribution_view.review_scores.clear()
    at = _page("lstm_gates.py").run()  # the first test review
    at.radio(key="gates_source").set_value("text").run()
    at.text_area(key="gates_text").set_value("A wonderful film. <b>awful</b> ending.").run()
    assert not at.exception
    text = _texts(at)
    assert "Which words moved the final prediction?" in [s.value for s in at.subheader]
    assert "**Completeness check**" in text and "Integrated gradients" in text
    assert "Pushed towards positive: wonderful" in text
    assert "<b>" not in text  # the typed words are echoed inert
    figure = next(json.loads(c.proto.spec) for c in at.get("plotly_chart")
                  if "What each word" in json.dumps(json.loads(c.proto.spec)["layout"]))
    bars = next(t for t in figure["data"] if t["type"] == "bar")
    assert bars["customdata"] == ["&lt;START&gt;", "a", "wonderful", "film", "awful", "ending"]
    assert len(figure["data"]) == 2  # the running prediction above the bars
    done = len(calls)  # the first review, the example text, the typed review
    at.run()  # a plain rerun: nothing recomputed
    assert len(calls) == done
    at.select_slider(key="gates_ig_steps").set_value(16).run()
    assert len(calls) == done + 1 and "16 steps" in _texts(at)
    at.select_slider(key="gates_ig_steps").set_value(64).run()  # back: from the cache
    assert len(calls) == done + 1


@pytest.mark.skipif(not SHIPPED_LSTM, reason="assets/lstm_sentiment/ missing")
def test_the_steps_come_from_a_link_and_garbage_gives_the_default():
    at = _page("lstm_gates.py")
    at.query_params["ig_steps"] = "32"
    at.run()
    assert at.select_slider(key="gates_ig_steps").value == 32 and not at.exception
    at = _page("lstm_gates.py")
    at.query_params["ig_steps"] = "<img src=x>"
    at.run()
    assert at.select_slider(key="gates_ig_steps").value == attribution.STEPS
    assert not at.exception


@pytest.mark.skipif(not SHIPPED_CHAR, reason="assets/char_rnn.keras missing")
def test_char_page_scores_the_characters_before_the_next_one():
    at = _page("text_generation.py")
    at.query_params["ig_steps"] = "32"
    at.run()
    assert not at.exception
    assert "Which earlier characters drove the next one?" in [s.value for s in at.subheader]
    text = _texts(at)
    assert "**Completeness check**" in text and "32 steps" in text
    coloured = [block.proto.body for block in at.get("html")][1]  # after the generation
    assert coloured.count("<span") == len("ROMEO:") + 1  # the prompt and the next character
    assert "outline" in coloured.split("<span")[-1]  # the next character is framed
    at.slider(key="gen_pos_306").set_value(200).run()
    coloured = [block.proto.body for block in at.get("html")][1]
    assert coloured.count("<span") == 202 and not at.exception
    # uncoloured: the characters before the window, and the next character itself
    assert coloured.count("transparent") == 202 - attribution.WINDOW
