"""Parameter formulas against Keras: lesson numbers, random layers, random stacks, summary."""

from __future__ import annotations

import random

import pytest

from explainers import params as p
from explainers import presets

N_RANDOM_LAYERS = 300  # single layers of every kind, random sizes, checked against Keras
N_RANDOM_MODELS = 12  # whole random stacks, checked against model.summary() line by line


def random_spec(rng: random.Random) -> tuple[p.LayerSpec, tuple]:
    """A random layer and an input shape it accepts (small sizes keep Keras fast)."""
    kind = rng.choice(p.KINDS)
    seq = rng.choice([None, rng.randint(1, 30)]) if kind != "flatten" else rng.randint(1, 30)
    features = rng.randint(1, 40)
    if kind == "embedding":
        return p.LayerSpec(kind, units=rng.randint(1, 40), vocab=rng.randint(1, 500)), (seq,)
    if kind == "dense":
        shape = rng.choice([(features,), (seq, features)])
        return p.LayerSpec(kind, units=rng.randint(1, 50), use_bias=rng.random() < 0.8,
                           activation=rng.choice(["linear", "relu", "sigmoid"])), shape
    if kind in p.RNN_KINDS:
        spec = p.LayerSpec(
            kind, units=rng.randint(1, 40), bidirectional=rng.random() < 0.4,
            return_sequences=rng.random() < 0.5, reset_after=rng.random() < 0.5,
            use_bias=rng.random() < 0.85,
            merge_mode=rng.choice(["concat", "concat", "sum", "mul", "ave"]),
        )
        return spec, (seq, features)
    return p.LayerSpec(kind), (seq, features)


@pytest.fixture(scope="module")
def keras_layers():
    pytest.importorskip("keras")
    import keras

    keras.utils.set_random_seed(0)
    rng = random.Random(20240607)  # fixed: the same 300 layers on every run
    return [random_spec(rng) for _ in range(N_RANDOM_LAYERS)]


def test_formula_equals_count_params_for_random_layers(keras_layers):
    kinds_seen = set()
    for spec, shape in keras_layers:
        layer = p.keras_layer(spec)
        layer.build((None, *shape))
        count, out = p.count_layer(spec, shape)
        where = f"{spec} on input {shape}: {count.substituted}"
        assert count.params == layer.count_params(), where
        assert tuple(layer.compute_output_shape((None, *shape)))[1:] == out, where
        if spec.bidirectional and spec.kind in p.RNN_KINDS:
            assert sum(d.params for d in count.directions) == count.params
            assert count.directions[0].params == layer.forward_layer.count_params()
            assert count.directions[1].params == layer.backward_layer.count_params()
        kinds_seen.add((spec.kind, spec.bidirectional, spec.reset_after and spec.kind == "gru"))
    assert {k for k, _, _ in kinds_seen} == set(p.KINDS)  # every kind was tried
    assert ("gru", False, True) in kinds_seen and ("gru", False, False) in kinds_seen


def random_model(rng: random.Random) -> p.ModelSpec:
    layers = [p.LayerSpec("embedding", units=rng.randint(2, 24), vocab=rng.randint(10, 300))]
    for depth in range(rng.randint(1, 3)):
        last = depth == 2 or rng.random() < 0.4
        layers.append(p.LayerSpec(
            rng.choice(p.RNN_KINDS), units=rng.randint(1, 24),
            bidirectional=rng.random() < 0.5, return_sequences=not last,
            reset_after=rng.random() < 0.5,
        ))
        if last:
            break
    if layers[-1].return_sequences:
        layers.append(p.LayerSpec(rng.choice(["globalaveragepooling1d", "globalmaxpooling1d"])))
    layers.append(p.LayerSpec("dropout"))
    layers.append(p.LayerSpec("dense", units=rng.randint(1, 16), activation="relu"))
    layers.append(p.LayerSpec("dense", units=1, activation="sigmoid"))
    return p.ModelSpec(tuple(layers), seq_len=rng.choice([None, rng.randint(5, 50)]))


def test_stacked_models_agree_with_summary_line_by_line():
    rng = random.Random(7)
    for _ in range(N_RANDOM_MODELS):
        spec = random_model(rng)
        counted = p.count_model(spec)
        keras_model = p.keras_model(spec)
        summary = p.summary_of(keras_model)
        assert len(summary.rows) == len(spec.layers)
        for count in counted.layers:
            row = summary.row(count.name)
            assert row is not None, (count.name, summary.text)
            assert (row.params, row.output_shape, row.keras_class) == (
                count.params, count.output_shape, count.keras_class), summary.text
        assert counted.total == keras_model.count_params()
        assert summary.total == counted.total_text


def test_substituted_formulas_read_like_the_lesson():
    rnn = p.count_model(presets.PARAMETER_MODELS["SimpleRNN model (padding='post')"]).layers[1]
    assert (rnn.formula, rnn.substituted) == ("h × (h + x) + h", "64 × (64 + 16) + 64")
    bi = p.count_model(presets.PARAMETER_MODELS["Two stacked Bidirectional LSTMs"]).layers[2]
    assert bi.substituted == "2 × 4 × [64 × (64 + 128) + 64]"
    assert [d.params for d in bi.directions] == [49_408, 49_408]
    gru_after, _ = p.count_layer(p.LayerSpec("gru", 64), (500, 16))
    gru_before, _ = p.count_layer(p.LayerSpec("gru", 64, reset_after=False), (500, 16))
    assert gru_after.params - gru_before.params == 3 * 64  # the extra bias per block
    assert gru_after.formula == "3 × [h × (h + x) + 2h]"


def test_readable_memory_matches_keras():
    from keras.src.utils.summary_utils import readable_memory_size

    for n in (0, 1, 1023, 1024, 644_612, 5_580_036, 3 * 1024**3, 10**13):
        assert p.readable_memory(n) == readable_memory_size(n)


def test_layers_that_cannot_follow_say_why():
    with pytest.raises(ValueError, match="return_sequences"):
        p.count_model(p.ModelSpec((
            p.LayerSpec("embedding", 8, vocab=100), p.LayerSpec("lstm", 8),
            p.LayerSpec("lstm", 8))))
    with pytest.raises(ValueError, match="Embedding must come first"):
        p.count_model(p.ModelSpec((p.LayerSpec("embedding", 8, vocab=100),
                                   p.LayerSpec("embedding", 8, vocab=100))))
    with pytest.raises(ValueError):
        p.LayerSpec("conv9d")


def test_summary_parser_joins_wrapped_rows():
    text = (
        'Model: "m"\n'
        "┏━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━┳━━━━━━━━┓\n"
        "┃ Layer (type)             ┃ Output   ┃ Param #┃\n"
        "┡━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━╇━━━━━━━━┩\n"
        "│ global_average_pooling1d │ (None,   │      0 │\n"
        "│ (GlobalAveragePooling1D) │ 16)      │        │\n"
        "├──────────────────────────┼──────────┼────────┤\n"
        "│ dense (Dens              │ (None,   │  1,088 │\n"
        "│ e)                       │ 64)      │        │\n"
        "└──────────────────────────┴──────────┴────────┘\n"
        " Total params: 1,088 (4.25 KB)\n"
    )
    summary = p.parse_summary(text)
    assert [r.name for r in summary.rows] == ["global_average_pooling1d", "dense"]
    assert summary.rows[1] == p.SummaryRow("dense", "Dense", "(None, 64)", 1088)
    assert summary.total == "1,088 (4.25 KB)"
