"""The block builder: output shapes and parameter counts for every block combination."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from explainers import models, params

VOCAB, DIM, UNITS, DENSE = 30, 4, 3, 5  # tiny, so every combination builds in a blink


def _combinations():
    yield from (
        models.ModelConfig(vocab_size=VOCAB, embed_dim=DIM, body="pool", mask_zero=mask,
                           dense_units=DENSE, dropout=dropout)
        for mask, dropout in itertools.product((False, True), (0.0, 0.5))
    )
    for body, layers, bi, mask in itertools.product(
        ("simplernn", "lstm", "gru"), (1, 2, 3), (False, True), (False, True)
    ):
        yield models.ModelConfig(vocab_size=VOCAB, embed_dim=DIM, body=body, units=UNITS,
                                 layers=layers, bidirectional=bi, mask_zero=mask,
                                 dense_units=DENSE if layers < 3 else 0,
                                 dropout=0.2 if layers == 2 else 0.0)


def _weighted_layers(model):
    return [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]


@pytest.mark.parametrize("config", list(_combinations()), ids=models.describe)
def test_every_block_combination_has_the_formula_parameters_and_shapes(config):
    model = models.build_model(config, seed=3)
    assert model.count_params() == models.parameter_count(config)
    counted = params.count_model(models.spec(config)).layers
    built = _weighted_layers(model)
    assert len(built) == len(counted)
    for layer, count in zip(built, counted, strict=True):
        assert layer.count_params() == count.params, layer.name
    ids = np.array([[0, 0, 5, 7, 9], [1, 4, 6, 0, 0]], dtype=np.int32)  # (2, 5)
    out = model.predict_on_batch(ids)
    assert out.shape == (2, 1)
    assert np.all((out > 0) & (out < 1))
    if config.recurrent:
        last = _weighted_layers(model)[config.layers]
        width = UNITS * (2 if config.bidirectional else 1)
        assert last.output.shape == (None, width)  # the last layer returns its final state


def test_lesson_models_have_the_lessons_parameter_counts():
    pool = models.ModelConfig()
    assert models.parameter_count(pool) == 161_153  # the lesson's summary: 161,153
    rnn = models.ModelConfig(body="simplernn")
    assert params.count_model(models.spec(rnn)).layers[1].params == 5_184
    assert models.recurrent_parameter_count(rnn) == 5_184
    bilstm = models.ModelConfig(body="lstm", layers=2, bidirectional=True)
    rows = params.count_model(models.spec(bilstm)).layers
    assert (rows[1].params, rows[2].params) == (41_472, 98_816)
    assert models.recurrent_parameter_count(bilstm) == 41_472 + 98_816


def test_same_seed_same_weights_and_different_seed_different_weights():
    config = models.ModelConfig(vocab_size=VOCAB, embed_dim=DIM, body="lstm", units=UNITS,
                                bidirectional=True)
    a, b, c = (models.build_model(config, seed=s) for s in (1, 1, 2))
    assert all(np.array_equal(x, y) for x, y in zip(a.get_weights(), b.get_weights(), strict=True))
    assert not np.array_equal(a.get_weights()[0], c.get_weights()[0])
    forward, backward = a.get_layer("bidirectional_1").get_weights()[1:6:3]
    assert not np.array_equal(forward, backward)  # the two directions start apart


def test_embedding_matrix_and_frozen_embedding():
    matrix = np.arange(VOCAB * DIM, dtype="float32").reshape(VOCAB, DIM)
    config = models.ModelConfig(vocab_size=VOCAB, embed_dim=DIM, trainable_embedding=False)
    model = models.build_model(config, embedding_matrix=matrix)
    np.testing.assert_array_equal(model.get_layer("embedding").get_weights()[0], matrix)
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    assert trainable == models.trainable_parameter_count(config)
    with pytest.raises(ValueError, match="shape"):
        models.build_model(config, embedding_matrix=matrix[:5])


def test_bad_configs_are_refused():
    with pytest.raises(ValueError):
        models.ModelConfig(body="transformer")
    with pytest.raises(ValueError):
        models.ModelConfig(layers=4)


def test_summary_text_lists_layers_and_total():
    text = models.summary_text(models.build_model(models.ModelConfig()))
    assert "embedding" in text and "161,153" in text
