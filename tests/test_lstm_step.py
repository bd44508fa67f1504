"""One LSTM step by hand == gates.trace_lstm == keras.layers.LSTM; products sum to the gates."""

from __future__ import annotations

import numpy as np
import pytest

from explainers import cells, gates, params
from explainers import lstm_step as ls

SENTENCE = "The film was not good, it was great"
SIZES = [(1, 1, 0), (2, 3, 0), (4, 4, 7), (3, 2, 42), (1, 4, 9999)]  # (x, h, seed)


@pytest.mark.parametrize(("x", "h", "seed"), SIZES)
def test_the_hand_step_is_trace_lstm(x, h, seed):
    w = ls.walk(SENTENCE, ls.ToyCell(x, h, seed))
    assert w.tokens == ["the", "film", "was", "not", "good", "it", "was", "great"]
    assert w.weights.kernel.shape == (x, 4 * h) and w.weights.recurrent.shape == (h, 4 * h)
    again = gates.trace_lstm(w.weights, w.inputs)  # computed here, not taken from the walk
    for name in (*cells.LSTM.gates, "c", "h"):
        ours = np.stack([s.gates[name].value if name in s.gates else getattr(s, name)
                         for s in w.steps])  # (T, h)
        assert np.max(np.abs(ours - again.values[name])) < 1e-12, name
    assert w.trace_difference < 1e-12


@pytest.mark.parametrize(("x", "h", "seed"), SIZES[1:4])
def test_the_hand_step_is_keras_lstm(x, h, seed):
    assert ls.keras_difference(SENTENCE, ls.ToyCell(x, h, seed)) < 1e-6


def test_the_products_sum_to_the_pre_activations_and_the_belt_adds_up():
    w = ls.walk(SENTENCE, ls.ToyCell(3, 4, 5))
    step = w.steps[3]  # "not": h_{t-1} and c_{t-1} are no longer zero
    assert np.any(step.h_prev != 0) and np.any(step.c_prev != 0)
    assert list(step.gates) == ["f", "i", "g", "o"]  # the lesson's order on the page
    for name, part in step.gates.items():
        # each product written out term by term is the matrix product the step kept
        by_hand = sum(step.x[r] * part.W[r] for r in range(3)) + sum(
            step.h_prev[r] * part.U[r] for r in range(4))
        assert np.allclose(part.wx + part.uh, by_hand)
        assert np.allclose(part.z, part.wx + part.uh + part.b)
        squash = np.tanh if name == "g" else gates.sigmoid
        assert np.allclose(part.value, squash(part.z))
    f, i, g, o = (step.gates[k].value for k in "figo")
    assert np.allclose(step.kept, f * step.c_prev) and np.allclose(step.written, i * g)
    assert np.allclose(step.c, step.kept + step.written)
    assert np.allclose(step.h, o * np.tanh(step.c))
    assert np.array_equal(w.steps[4].c_prev, step.c)  # the belt is carried to the next word


def test_the_gate_blocks_are_cut_in_keras_order():
    w = ls.walk("good", ls.ToyCell(2, 3, 1))
    kernel = w.weights.kernel  # (2, 12): i, f, c, o
    assert np.array_equal(ls.block(kernel, "i"), kernel[:, 0:3])
    assert np.array_equal(ls.block(kernel, "f"), kernel[:, 3:6])
    assert np.array_equal(ls.block(kernel, "g"), kernel[:, 6:9])
    assert np.array_equal(ls.block(kernel, "o"), kernel[:, 9:12])
    assert np.array_equal(w.steps[0].gates["o"].b, w.weights.bias[9:12])


def test_the_toy_is_readable_and_seeded():
    a = ls.walk(SENTENCE, ls.ToyCell(3, 3, 4))
    for array in (a.weights.kernel, a.weights.recurrent, a.weights.bias,
                  *a.embedding.values()):
        assert np.allclose(np.round(array, 1), array)  # one decimal: redo it on paper
    assert np.array_equal(a.steps[2].x, a.steps[6].x)  # "was" twice: the same vector
    b = ls.walk(SENTENCE, ls.ToyCell(3, 3, 4))
    assert np.array_equal(a.weights.kernel, b.weights.kernel)
    c = ls.walk(SENTENCE, ls.ToyCell(3, 3, 5))
    assert not np.array_equal(a.weights.kernel, c.weights.kernel)


@pytest.mark.parametrize(("x", "h"), [(1, 1), (4, 4), (2, 3)])
def test_the_parameter_count_is_params_formula_and_the_weights_shown(x, h):
    count = ls.parameter_count(ls.ToyCell(x, h))
    assert count.params == 4 * (h * (h + x) + h)
    assert count.formula == "4 × [h × (h + x) + h]"
    w = ls.walk("a b", ls.ToyCell(x, h))
    assert count.params == w.weights.kernel.size + w.weights.recurrent.size + w.weights.bias.size
    assert count == params.count_layer(params.LayerSpec("lstm", units=h), (None, x))[0]


def test_bad_sizes_and_no_words_are_refused():
    with pytest.raises(ValueError):
        ls.ToyCell(5, 2)
    with pytest.raises(ValueError):
        ls.ToyCell(2, 0)
    with pytest.raises(ls.NoWords, match="no words"):
        ls.walk("  ... !!! <br />")
