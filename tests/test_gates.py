"""The recomputed gates against reference answers: Keras's own layers and hand arithmetic."""

from __future__ import annotations

import math

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from explainers import cells, data, gates, reviews, runs, tracer  # noqa: E402
from explainers.models import ModelConfig, build_model  # noqa: E402

TOL = 1e-5  # the bound on |recomputed - Keras|


def _randomise(layer, seed: int, scale: float = 0.6) -> None:
    """Weights far from Keras's small initial ones, so gates really open and shut."""
    rng = np.random.default_rng(seed)
    layer.set_weights([rng.normal(0.0, scale, w.shape).astype("float32")
                       for w in layer.get_weights()])


def _keras_run(layer, x: np.ndarray, mask: np.ndarray | None):
    """(h for every step in reading order, final states) as Keras computes them."""
    inputs = x[None].astype("float32")  # (1, steps, input_dim)
    kwargs = {} if mask is None else {"mask": mask[None]}
    out = layer(inputs, **kwargs)
    return np.asarray(out[0])[0], [np.asarray(s)[0] for s in out[1:]]


def _layer(cls, units, input_dim, seed, **kwargs):
    layer = cls(units, return_sequences=True, return_state=True, **kwargs)
    layer.build((1, None, input_dim))
    _randomise(layer, seed)
    return layer


CASES = [  # (units, input_dim, steps, masked, go_backwards)
    (1, 1, 5, False, False),
    (4, 3, 9, False, False),
    (16, 8, 12, True, False),
    (33, 5, 10, True, True),
    (7, 6, 8, False, True),
]


def _mask(steps: int, masked: bool) -> np.ndarray | None:
    if not masked:
        return None
    mask = np.ones(steps, bool)
    mask[:3] = False  # leading pads, as 'pre' padding leaves them
    mask[steps // 2 + 1] = False  # and one in the middle: the state must carry over it
    return mask


@pytest.mark.parametrize(("units", "input_dim", "steps", "masked", "backwards"), CASES)
def test_lstm_reproduces_keras(units, input_dim, steps, masked, backwards):
    layer = _layer(keras.layers.LSTM, units, input_dim, units + steps, go_backwards=backwards)
    x = np.random.default_rng(units).normal(size=(steps, input_dim))
    mask = _mask(steps, masked)
    seq, (h, c) = _keras_run(layer, x, mask)
    trace = gates.trace_lstm(layer, x, mask)
    assert np.abs(trace.keras_sequence() - seq).max() < TOL
    assert np.abs(trace.final["h"] - h).max() < TOL
    assert np.abs(trace.final["c"] - c).max() < TOL
    if masked:  # nothing computed at a masked step: gates NaN, states carried
        assert np.isnan(trace.values["f"][~mask]).all()
        t = steps // 2 + 1
        before = t + 1 if backwards else t - 1
        assert np.array_equal(trace.values["c"][t], trace.values["c"][before])


@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.parametrize(("units", "input_dim", "steps", "masked", "backwards"), CASES[1:4])
def test_gru_reproduces_keras(units, input_dim, steps, masked, backwards, reset_after):
    layer = _layer(keras.layers.GRU, units, input_dim, 7 * units, go_backwards=backwards,
                   reset_after=reset_after)
    x = np.random.default_rng(steps).normal(size=(steps, input_dim))
    mask = _mask(steps, masked)
    seq, (h,) = _keras_run(layer, x, mask)
    trace = gates.trace_gru(layer, x, mask)
    assert np.abs(trace.keras_sequence() - seq).max() < TOL
    assert np.abs(trace.final["h"] - h).max() < TOL
    assert set(trace.gates) == {"z", "r", "g"}


@pytest.mark.parametrize(("units", "input_dim", "steps", "masked", "backwards"), CASES[1:4])
def test_simplernn_reproduces_keras(units, input_dim, steps, masked, backwards):
    layer = _layer(keras.layers.SimpleRNN, units, input_dim, 3, go_backwards=backwards)
    x = np.random.default_rng(1).normal(size=(steps, input_dim))
    mask = _mask(steps, masked)
    seq, (h,) = _keras_run(layer, x, mask)
    trace = gates.trace_simplernn(layer, x, mask)
    assert np.abs(trace.keras_sequence() - seq).max() < TOL
    assert np.abs(trace.final["h"] - h).max() < TOL


def test_one_lstm_step_by_hand():
    """One unit, all weights 1 in the kernel, none elsewhere, x = 1: i = f = o = σ(1)."""
    weights = gates.CellWeights("lstm", np.ones((1, 4)), np.zeros((1, 4)), np.zeros(4))
    trace = gates.trace_lstm(weights, np.array([[1.0], [1.0]]))
    s, g = 1 / (1 + math.exp(-1)), math.tanh(1)
    c1 = s * g  # f * 0 + i * g
    h1 = s * math.tanh(c1)
    c2 = s * c1 + s * g
    assert trace.values["i"][0, 0] == pytest.approx(s)
    assert trace.values["g"][0, 0] == pytest.approx(g)
    assert trace.values["c"][:, 0] == pytest.approx([c1, c2])
    assert trace.values["h"][0, 0] == pytest.approx(h1)
    assert trace.values["h"][0, 0] == pytest.approx(0.369606, abs=1e-6)


def test_bidirectional_layer_directions_match_keras():
    layer = keras.layers.Bidirectional(keras.layers.LSTM(5, return_sequences=True))
    layer.build((1, None, 4))
    _randomise(layer, 11)
    x = np.random.default_rng(2).normal(size=(7, 4))
    mask = _mask(7, True)
    out = np.asarray(layer(x[None].astype("float32"), mask=mask[None]))[0]  # (7, 10)
    fwd = gates.trace_lstm(layer.forward_layer, x, mask)
    bwd = gates.trace_lstm(layer.backward_layer, x, mask)
    assert bwd.backwards
    expected = np.concatenate([fwd.keras_sequence(True), bwd.keras_sequence(True)[::-1]], 1)
    assert np.abs(expected - out).max() < TOL


def test_saturation_and_unit_change_by_hand():
    f = np.array([[0.05, 0.5], [0.95, 0.5], [0.99, 0.6], [0.5, 0.7]])  # (4 steps, 2 units)
    values = {k: f for k in ("i", "f", "g", "o")} | {"c": f, "h": f}
    trace = gates.Trace("lstm", values, np.ones(4, bool), False)
    low, high = gates.saturation(trace)["f"]
    assert low.tolist() == [0.25, 0.0]
    assert high.tolist() == [0.5, 0.0]
    change = gates.unit_change(trace, "h")  # mean |diff|: (0.9+0.04+0.49)/3, 0.2/3
    assert change == pytest.approx([1.43 / 3, 0.2 / 3])
    # unit 0's f is shut 25 % and open 50 % of the time; unit 1's never leaves (0.1, 0.9)
    assert gates.saturated_units(trace)["f"] == 1
    assert gates.saturated_units(trace, share=0.5)["f"] == 0  # 50 % is not above 50 %


@pytest.mark.parametrize("backwards", [False, True])
def test_state_before_a_step_is_the_previous_read_or_zeros(backwards):
    c = np.arange(8.0).reshape(4, 2)  # (4 steps, 2 units)
    values = {"c": c, "h": -c}
    trace = gates.Trace("lstm", values, np.ones(4, bool), backwards)
    prior, first = (2, 3) if backwards else (0, 0)  # the step read before step 1; the first
    assert trace.before(1)["c"].tolist() == c[prior].tolist()
    assert trace.before(1)["h"].tolist() == (-c[prior]).tolist()
    assert trace.before(first)["c"].tolist() == [0.0, 0.0]  # nothing was read before it
    simple = gates.Trace("simplernn", {"h": -c}, np.ones(4, bool), backwards)
    assert set(simple.before(2)) == {"h"}


def _lab_model(**kwargs):
    config = ModelConfig(vocab_size=60, embed_dim=4, units=5, dense_units=3, **kwargs)
    keras.utils.set_random_seed(3)
    model = build_model(config, seed=3)
    for layer in model.layers:
        if layer.get_weights():
            _randomise(layer, len(layer.name), 0.5)
    return model


IDS = np.array([1, 14, 7, 2, 33, 59, 5, 5, 21, 40, 8], np.int32)


@pytest.mark.parametrize("body", ["lstm", "gru", "simplernn"])
def test_running_prediction_in_one_pass_equals_every_prefix(body):
    model = _lab_model(body=body, layers=2, mask_zero=True)
    result = tracer.ModelTracer(model).trace(IDS)
    assert result.running_method == "one pass"
    assert len(result.layers) == 2
    reference = tracer.prefix_predictions(model, IDS)  # the model run on each prefix
    assert np.abs(result.running - reference).max() < TOL
    assert result.prediction == pytest.approx(float(model(IDS[None])[0, 0]), abs=TOL)


def test_stacked_bidirectional_model_traces_both_directions():
    model = _lab_model(body="lstm", layers=2, bidirectional=True, mask_zero=True)
    result = tracer.ModelTracer(model).trace(IDS)
    assert [(lt.position, lt.direction) for lt in result.layers] == [
        (1, "forward"), (1, "backward"), (2, "forward"), (2, "backward")]
    assert result.prediction == pytest.approx(float(model(IDS[None])[0, 0]), abs=TOL)
    assert result.running_method == "batched prefixes"  # no prefix reading in one pass
    assert result.running[-1] == pytest.approx(result.prediction, abs=TOL)


def test_unmasked_model_needs_its_padding_and_gets_it():
    model = _lab_model(body="lstm", mask_zero=False)
    padded = np.concatenate([np.zeros(6, np.int32), IDS])  # 'pre' padding, pads processed
    result = tracer.ModelTracer(model).trace(padded)
    assert result.prediction == pytest.approx(float(model(padded[None])[0, 0]), abs=TOL)
    assert not np.isnan(result.layers[0].trace.values["f"][:6]).any()  # pads were read


@pytest.mark.parametrize("mask_zero", [True, False])
def test_pooled_reviews_are_their_own_steps_stacked(mask_zero):
    """The pool of several reviews holds each review's real steps (never its <PAD>), in
    order, each traced alone exactly as the model reads it."""
    model = _lab_model(body="lstm", layers=2, mask_zero=mask_zero)
    reader = tracer.ModelTracer(model)
    words = tuple(f"w{k}" for k in range(50))
    form = reviews.InputFormat(data.Vocabulary(words, num_words=60), maxlen=8)
    prepared = [form.prepare(text) for text in ("w1 w2 w3", "w4 w5 w6 w7 w8 w9 w10 w11 w12")]
    pool = reader.pooled(prepared, lstm_layer=1)
    assert pool.steps == 4 + 8  # <START> + 3 words; a long review cut to maxlen = 8
    alone = [reader.trace(p.for_model(mask_zero)[0], running=False).layers[1].trace
             for p in prepared]
    expected = np.concatenate([alone[0].values["f"][-4:], alone[1].values["f"]])
    assert np.array_equal(pool.values["f"], expected, equal_nan=True)


def test_model_without_recurrent_layer_is_refused():
    with pytest.raises(tracer.UnsupportedModel, match="no LSTM"):
        tracer.ModelTracer(_lab_model(body="pool"))


# --------------------------------------------------------------------------- shipped model


@pytest.fixture(scope="module")
def shipped():
    if not (runs.SHIPPED_FOLDER / runs.MODEL_FILE).is_file():
        pytest.skip("assets/lstm_sentiment/ missing: run scripts/train_lstm_sentiment.py")
    return runs.load_shipped()


def test_shipped_model_gates_reproduce_its_lstm(shipped):
    model, form = shipped.model, shipped.input_format
    text = "A wonderful film, the acting was great, but the ending was awful and dull. " * 4
    p = form.prepare(text)
    ids = p.row  # padded to maxlen: the pads must be skipped
    lstm = next(layer for layer in model.layers if cells.kind_of(layer) == "lstm")
    clone = keras.layers.LSTM(lstm.units, return_sequences=True, return_state=True)
    embedded = np.asarray(model.get_layer("embedding")(ids[None]))[0]
    clone.build((1, None, embedded.shape[1]))
    clone.set_weights(lstm.get_weights())
    mask = ids != 0
    seq, (_, c) = _keras_run(clone, embedded, mask)
    result = tracer.ModelTracer(model).trace(ids)
    trace = result.layers[0].trace
    assert trace.mask.sum() == p.last - p.first
    assert np.abs(trace.h[mask] - seq[mask]).max() < TOL
    assert np.abs(trace.final["c"] - c).max() < TOL
    assert result.prediction == pytest.approx(float(model(ids[None])[0, 0]), abs=TOL)
    unpadded = tracer.ModelTracer(model).trace(ids[p.real])  # masking: same answer
    assert unpadded.prediction == pytest.approx(result.prediction, abs=1e-9)
    assert unpadded.running[-1] == pytest.approx(result.prediction, abs=1e-9)


def test_shipped_model_is_small_and_says_its_score(shipped):
    assert (runs.SHIPPED_FOLDER / runs.MODEL_FILE).stat().st_size < 5_000_000
    assert shipped.test_accuracy >= 0.85 and shipped.test_reviews == 25_000
    assert shipped.shipped and shipped.record.body == "lstm"
    assert shipped.input_format.vocabulary.size == (
        shipped.model.get_layer("embedding").input_dim)


@pytest.mark.realdata
def test_shipped_model_scores_on_real_test_reviews(shipped, real_imdb):
    form = shipped.input_format
    imdb = data.load_imdb(data.ImdbConfig(maxlen=form.maxlen, padding=form.padding,
                                          truncating=form.truncating))
    n = 3000  # a balanced slice (Keras's shuffle); all 25,000 take ~20 s here
    scores = np.asarray(shipped.model.predict(imdb.x_test[:n], batch_size=500,
                                              verbose=0))[:, 0]
    accuracy = float(((scores > 0.5) == imdb.y_test[:n]).mean())
    assert accuracy == pytest.approx(shipped.test_accuracy, abs=0.02)


def test_pooled_traces_count_every_kept_step():
    a = gates.Trace("lstm", {k: np.full((3, 2), 0.95) for k in ("i", "f", "g", "o", "c", "h")},
                    np.ones(3, bool), False)
    b = gates.Trace("lstm", {k: np.full((4, 2), 0.05) for k in ("i", "f", "g", "o", "c", "h")},
                    np.ones(4, bool), False)
    both = gates.pooled([a, b], [slice(None), slice(1, 4)])  # 3 open + 3 shut steps
    low, high = gates.saturation(both)["f"]
    assert both.steps == 6
    assert low.tolist() == [0.5, 0.5] and high.tolist() == [0.5, 0.5]


def test_span_units_finds_the_unit_on_only_inside_the_span():
    values = np.zeros((10, 3))  # (steps, units)
    values[4:7, 1] = 0.8  # unit 1: on exactly over tokens 4-6
    values[:, 2] = 0.8  # unit 2: on everywhere, so not specific to the span
    units, scores = gates.span_units(values, 4, 7, threshold=0.5, top=3)
    assert units.tolist()[0] == 1 and scores[0] == pytest.approx(1.0)
    assert dict(zip(units.tolist(), scores.tolist(), strict=True))[2] == pytest.approx(0.0)
    with pytest.raises(ValueError):
        gates.span_units(values, 5, 5)
