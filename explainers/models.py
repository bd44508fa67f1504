"""The sentiment lab's models from blocks: Embedding -> body -> Dense(relu) -> Dense(sigmoid).

The body is the lesson's GlobalAveragePooling1D, or 1-3 stacked SimpleRNN / LSTM / GRU layers
(optionally Bidirectional), with `return_sequences=True` on every recurrent layer but the
last, as Keras needs to stack them; `dense_units=0` leaves out the hidden Dense layer.

Parameter counts are not computed here: `spec` turns a configuration into the layer list of
`explainers.params`, the one place that holds the formulas (a test checks them against
`count_params()` for every block combination).

Every initializer and dropout gets an explicit seed derived from `seed`, so two models built
with the same seed are identical even when built in parallel threads (Keras's unseeded
initializers draw from shared global state). Nothing here is kept at module level: each call
returns a fresh model that belongs to its caller.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from explainers import cells, lesson, params

POOL = "pool"  # the body without recurrence: GlobalAveragePooling1D
BODIES = (POOL, *cells.KINDS)
POOL_NAME = "GlobalAveragePooling1D"
DEFAULT_LEARNING_RATE = lesson.IMDB.learning_rate  # Adam's default, the lesson's optimizer


def body_name(body: str) -> str:
    """How pages and the run table name a body: "GlobalAveragePooling1D", "LSTM", ..."""
    return POOL_NAME if body == POOL else cells.display_name(body)


@dataclass(frozen=True)
class ModelConfig:
    """A model of the lab, block by block; frozen so it can key caches and be saved as JSON."""

    vocab_size: int = lesson.IMDB.num_words  # the lesson's vocabulary (num_words)
    embed_dim: int = lesson.IMDB.embed_dim  # the lesson's: 10,000 x 16 = 160,000 parameters
    mask_zero: bool = False  # the lesson did not mask; masking lets RNNs skip the <PAD> steps
    body: str = POOL  # "pool" | "simplernn" | "lstm" | "gru"
    units: int = lesson.SIMPLE_RNN.units  # the lesson's RNN size
    layers: int = 1  # 1-3 stacked recurrent layers; the lesson's BiLSTM stacks 2
    bidirectional: bool = False  # read forwards and backwards, outputs concatenated
    dropout: float = 0.0  # Dropout after the body; the lesson used none
    dense_units: int = lesson.IMDB.dense_units  # hidden Dense(relu); 0 = none
    trainable_embedding: bool = True  # False freezes a pretrained (GloVe) embedding

    def __post_init__(self) -> None:
        if self.body not in BODIES:
            raise ValueError(f"body must be one of {BODIES}, not {self.body!r}")
        if not 1 <= self.layers <= 3:
            raise ValueError("layers must be 1, 2 or 3")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError("dropout must be in [0, 1)")
        if min(self.vocab_size, self.embed_dim, self.units) < 1 or self.dense_units < 0:
            raise ValueError("sizes must be positive")

    @property
    def recurrent(self) -> bool:
        return self.body != POOL

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, spec: dict) -> ModelConfig:
        known = {k: v for k, v in spec.items() if k in cls.__dataclass_fields__}
        return cls(**known)


def describe(config: ModelConfig) -> str:
    """A one-line architecture, e.g. 'Embedding(10000, 16) → 2 × Bi-LSTM(64) → Dense(64)'."""
    mask = ", mask" if config.mask_zero else ""
    frozen = ", frozen" if not config.trainable_embedding else ""
    parts = [f"Embedding({config.vocab_size}, {config.embed_dim}{mask}{frozen})"]
    if config.recurrent:
        stack = f"{config.layers} × " if config.layers > 1 else ""
        bi = "Bi-" if config.bidirectional else ""
        parts.append(f"{stack}{bi}{body_name(config.body)}({config.units})")
    else:
        parts.append("AveragePooling")
    if config.dropout:
        parts.append(f"Dropout({config.dropout:g})")
    if config.dense_units:
        parts.append(f"Dense({config.dense_units})")
    parts.append("Dense(1)")
    return " → ".join(parts)


def spec(config: ModelConfig, seq_len: int | None = None) -> params.ModelSpec:
    """The model as `params` layers, in order, to count its parameters (no Keras needed)."""
    layers = [params.LayerSpec("embedding", units=config.embed_dim, vocab=config.vocab_size)]
    if config.recurrent:
        layers += [params.LayerSpec(config.body, config.units,
                                    bidirectional=config.bidirectional,
                                    return_sequences=i < config.layers - 1)
                   for i in range(config.layers)]
    else:
        layers.append(params.LayerSpec("globalaveragepooling1d"))
    if config.dropout:
        layers.append(params.LayerSpec("dropout"))
    if config.dense_units:
        layers.append(params.LayerSpec("dense", config.dense_units, activation="relu"))
    layers.append(params.LayerSpec("dense", 1, activation="sigmoid"))
    return params.ModelSpec(tuple(layers), seq_len)


def parameter_count(config: ModelConfig) -> int:
    """Total parameters, as `model.count_params()` reports them."""
    return params.count_model(spec(config)).total


def recurrent_parameter_count(config: ModelConfig) -> int:
    """Parameters of the recurrent layers alone (what dominates a step's cost)."""
    counted = params.count_model(spec(config))
    return sum(count.params for count, layer in zip(counted.layers, spec(config).layers,
                                                    strict=True) if layer.kind in cells.CELLS)


def trainable_parameter_count(config: ModelConfig) -> int:
    frozen = 0 if config.trainable_embedding else config.vocab_size * config.embed_dim
    return parameter_count(config) - frozen


def build_model(
    config: ModelConfig,
    *,
    seed: int = 0,
    embedding_matrix: np.ndarray | None = None,
    learning_rate: float = DEFAULT_LEARNING_RATE,
):
    """A fresh, compiled Keras model for `config` (Adam, binary cross-entropy, accuracy).

    Input is (batch, steps) int ids with `steps` left free (None), so the same model takes
    the lesson's 500-wide arrays or batches padded only to their own longest review.
    `embedding_matrix` (vocab_size, embed_dim) initialises the Embedding (transfer learning).
    """
    import keras
    from keras import initializers, layers

    if embedding_matrix is not None:
        embedding_matrix = np.asarray(embedding_matrix, dtype="float32")
        if embedding_matrix.shape != (config.vocab_size, config.embed_dim):
            raise ValueError(
                f"embedding_matrix has shape {embedding_matrix.shape}, the model needs "
                f"{(config.vocab_size, config.embed_dim)}"
            )
    # Keras's default; a given matrix is set after building (a Constant initializer would
    # copy the whole matrix into the saved config)
    embed_init = initializers.RandomUniform(-0.05, 0.05, seed=seed)
    seeds = iter(range(seed * 100 + 1, seed * 100 + 100))  # one distinct seed per weight

    inputs = keras.Input(shape=(None,), dtype="int32", name="ids")  # (batch, steps)
    x = layers.Embedding(
        config.vocab_size, config.embed_dim, mask_zero=config.mask_zero,
        embeddings_initializer=embed_init, trainable=config.trainable_embedding,
        name="embedding",
    )(inputs)  # (batch, steps, embed_dim)
    if config.recurrent:
        cell = cells.keras_class(config.body)
        for i in range(1, config.layers + 1):
            rnn = cell(
                config.units,
                return_sequences=i < config.layers,  # every layer but the last feeds the next
                kernel_initializer=initializers.GlorotUniform(seed=next(seeds)),
                recurrent_initializer=initializers.Orthogonal(seed=next(seeds)),
                seed=next(seeds),
                name=f"{config.body}_{i}",
            )
            if config.bidirectional:
                backward = cell(
                    config.units,
                    return_sequences=i < config.layers,
                    go_backwards=True,
                    kernel_initializer=initializers.GlorotUniform(seed=next(seeds)),
                    recurrent_initializer=initializers.Orthogonal(seed=next(seeds)),
                    seed=next(seeds),
                    name=f"backward_{config.body}_{i}",
                )
                rnn = layers.Bidirectional(
                    rnn, backward_layer=backward, name=f"bidirectional_{i}"
                )
            x = rnn(x)  # (batch, steps, units*dirs) until the last: (batch, units*dirs)
    else:
        x = layers.GlobalAveragePooling1D(name="average_pooling")(x)  # (batch, embed_dim)
    if config.dropout:
        x = layers.Dropout(config.dropout, seed=next(seeds), name="dropout")(x)
    if config.dense_units:
        x = layers.Dense(
            config.dense_units, activation="relu",
            kernel_initializer=initializers.GlorotUniform(seed=next(seeds)), name="dense",
        )(x)  # (batch, dense_units)
    outputs = layers.Dense(
        1, activation="sigmoid",
        kernel_initializer=initializers.GlorotUniform(seed=next(seeds)), name="output",
    )(x)  # (batch, 1): P(positive)
    model = keras.Model(inputs, outputs, name=f"lab_{config.body}")
    if embedding_matrix is not None:
        model.get_layer("embedding").set_weights([embedding_matrix])
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        loss="binary_crossentropy",
        metrics=["accuracy"],
    )
    return model


def summary_text(model) -> str:
    """`model.summary()` as plain text (the page shows it in a code block)."""
    lines: list[str] = []
    model.summary(print_fn=lambda line, *args, **kwargs: lines.append(line))
    return "\n".join(lines).rstrip()


class PerModel:
    """What is built once per Keras model object and reused while that model lives (a traced
    sampler, compiled gradients): `PerModel(build)(model)` builds under a lock the first time,
    and keeps the result weakly by model, so a model the server drops takes it along."""

    def __init__(self, build: Callable[[Any], Any]):
        self.build = build
        self.kept: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # model -> built
        self.lock = threading.Lock()

    def __call__(self, model) -> Any:
        with self.lock:
            if model not in self.kept:
                self.kept[model] = self.build(model)
            return self.kept[model]
