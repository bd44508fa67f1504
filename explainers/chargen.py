"""Character-level models: the lesson's Shakespeare char-RNN, small enough to train here.

Follows TensorFlow's text_generation tutorial (and Karpathy's "The Unreasonable Effectiveness
of Recurrent Neural Networks"): the text's distinct characters are the vocabulary (65 for
Shakespeare); the text is cut into windows of `seq_length + 1` characters, and a window
"First Citizen" becomes input "First Citize" and target "irst Citizen" (the target is the
input shifted by one); the model is Embedding -> RNN(return_sequences) -> Dense(vocab) and
predicts, at every position, logits for the next character.

This module holds the vocabulary, the windows, the model (ours and the lesson's, with its
cost per character) and the shipped model's three asset files. Sampling one character at a
time is `charsample`; training, with a sample after every epoch, is `chartrain`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from explainers import cells, lesson, params, paths
from explainers.i18n import N_, Echo, Explained

MODEL_FILE = "char_rnn.keras"  # the shipped model's files under assets/, written by
VOCAB_FILE = "char_rnn_vocab.json"  # scripts/train_char_rnn.py (see assets/README.md)
META_FILE = "char_rnn_meta.json"

MESSAGES = {  # CharError code -> the English message, filled with the error's parameters
    "unknown_chars": N_("The model has never seen these characters: {chars}. It can only read "
                        "the {size} characters of its vocabulary, those of its training text "
                        "(for Shakespeare: no digits except 3, no accents, no Chinese); please "
                        "remove or replace them."),
    "empty_prompt": N_("The seed text is empty: type at least one character for the model to "
                       "start from."),
    "long_prompt": N_("The seed text has {chars:,} characters; the model reads at most "
                      "{limit:,} before it writes."),
    "bad_length": N_("The length to write must be between 0 and {limit:,} characters, not "
                     "{length:,}."),
    "too_little_text": N_("{chars:,} characters make {windows:,} windows of {window}: fewer "
                          "than one batch of {batch}. Use more text, a shorter sequence or a "
                          "smaller batch."),
}


class CharError(Explained, ValueError):
    """Text or settings a char model cannot use: `code` says why, `params` hold the message's
    values (`chars` of "unknown_chars" is the user's own characters: echo it inert)."""

    def __init__(self, code: str, **params):
        self.code = code
        super().__init__(MESSAGES[code], **params)


# --------------------------------------------------------------------------- vocabulary


@dataclass(frozen=True)
class CharVocab:
    """The distinct characters of a text, sorted; a character's id is its place in the list."""

    chars: tuple[str, ...]

    @classmethod
    def from_text(cls, text: str) -> CharVocab:
        return cls(tuple(sorted(set(text))))

    @classmethod
    def from_file(cls, path: str | Path) -> CharVocab:
        spec = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls(tuple(spec["chars"]))

    def save(self, path: str | Path) -> None:
        payload = json.dumps({"chars": list(self.chars)}, ensure_ascii=False, indent=1)
        paths.atomic_write_bytes(Path(path), payload.encode("utf-8"))

    @property
    def size(self) -> int:
        return len(self.chars)

    @property
    def index(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.chars)}

    def unknown(self, text: str) -> list[str]:
        """Characters of `text` the model never saw, in order of first appearance."""
        known = set(self.chars)
        return list(dict.fromkeys(c for c in text if c not in known))

    def encode(self, text: str) -> np.ndarray:
        """Text -> ids (int32); raises CharError naming any unknown characters (20 at most)."""
        missing = self.unknown(text)
        if missing:
            raise CharError("unknown_chars", chars=Echo(", ".join(map(repr, missing[:20]))),
                            size=self.size)
        index = self.index
        return np.fromiter((index[c] for c in text), dtype=np.int32, count=len(text))

    def decode(self, ids) -> str:
        return "".join(self.chars[int(i)] for i in np.asarray(ids).reshape(-1))


# --------------------------------------------------------------------------- data


def windows(ids: np.ndarray, seq_length: int) -> tuple[np.ndarray, np.ndarray]:
    """Cut ids into non-overlapping windows of seq_length + 1; split each into input/target.

    The same cut as the tutorial's `batch(seq_length + 1, drop_remainder=True)` followed by
    `split_input_target`; NumPy, for tests and inspection.
    """
    n = len(ids) // (seq_length + 1)
    chunks = np.asarray(ids[: n * (seq_length + 1)]).reshape(n, seq_length + 1)
    return chunks[:, :-1], chunks[:, 1:]  # (n, seq_length) each


def make_dataset(ids: np.ndarray, seq_length: int, batch_size: int, seed: int = 0):
    """The tutorial's tf.data pipeline: windows -> (input, target) -> shuffled batches."""
    import tensorflow as tf

    def split_input_target(chunk):
        return chunk[:-1], chunk[1:]

    return (
        tf.data.Dataset.from_tensor_slices(np.asarray(ids, dtype=np.int32))
        .batch(seq_length + 1, drop_remainder=True)
        .map(split_input_target)
        .shuffle(10_000, seed=seed, reshuffle_each_iteration=True)
        .batch(batch_size, drop_remainder=True)
        .prefetch(2)
    )


# --------------------------------------------------------------------------- models


@dataclass(frozen=True)
class CharModelConfig:
    cell: str = "gru"  # trains fastest to readable text on a CPU (SimpleRNN forgets sooner)
    units: int = 256  # a quarter of the lesson's 1024: 16x fewer recurrent weights
    embedding_dim: int = 64  # 65 characters need far fewer than the lesson's 256 dimensions
    layers: int = 1  # stacked recurrent layers (1 or 2); the lesson has one
    stateful: bool = False  # carry the state from batch to batch, as the lesson does
    recurrent_init: str = "orthogonal"  # Keras's default; the lesson's is "glorot_uniform"
    dropout: float = 0.0  # after each recurrent layer while training; 0 = the lesson's model

    def __post_init__(self) -> None:
        cells.cell(self.cell)  # ValueError for an unknown cell
        if self.units < 1 or self.embedding_dim < 1 or not 0.0 <= self.dropout < 1.0:
            raise ValueError("units and embedding_dim must be positive, dropout in [0, 1)")
        if self.layers not in LAYERS or self.recurrent_init not in RECURRENT_INITS:
            raise ValueError(f"layers in {LAYERS}, recurrent_init in {RECURRENT_INITS}")


LAYERS = (1, 2)  # stacked recurrent layers a char model may have
RECURRENT_INITS = ("orthogonal", "glorot_uniform")
LESSON_MODEL = CharModelConfig(lesson.CHAR.cell, lesson.CHAR.units, lesson.CHAR.embedding,
                               layers=1, stateful=True, recurrent_init="glorot_uniform")


def spec(vocab_size: int, config: CharModelConfig) -> params.ModelSpec:
    """The model's layers for `params` (parameter counts without building it)."""
    return params.ModelSpec((
        params.LayerSpec("embedding", units=config.embedding_dim, vocab=vocab_size),
        *[params.LayerSpec(config.cell, config.units, return_sequences=True)
          for _layer in range(config.layers)],
        params.LayerSpec("dense", vocab_size),
    ), seq_len=None)


def build_model(vocab_size: int, config: CharModelConfig, seed: int | None = 0,
                batch_size: int | None = None, name: str | None = None):
    """Embedding(vocab, E) -> cell(units, return_sequences) x layers -> Dense(vocab) logits,
    with Dropout after each recurrent layer when `config.dropout` (none in sampling: Dropout
    does nothing outside training, and `charsample` calls the cells themselves).

    The seed goes into each initializer (not TensorFlow's global seed, which sessions share).
    A stateful model needs its `batch_size` (its state holds one row per window of a batch).
    """
    import keras

    if config.stateful and not batch_size:
        raise ValueError("a stateful model needs a batch_size")
    init = keras.initializers
    recurrent_init = {"orthogonal": init.Orthogonal, "glorot_uniform": init.GlorotUniform}

    def seeded(kind, offset):
        return kind(seed=None if seed is None else seed + offset)

    layer = cells.keras_class(config.cell)
    recurrent = [layer(  # (batch, T, units)
        config.units, return_sequences=True, stateful=config.stateful,
        kernel_initializer=seeded(init.GlorotUniform, 10 * i),  # layer 0: seed, seed + 1
        recurrent_initializer=seeded(recurrent_init[config.recurrent_init], 10 * i + 1))
        for i in range(config.layers)]
    if config.dropout:  # Karpathy's char-rnn: dropout on each recurrent layer's output
        recurrent = [x for i, rnn in enumerate(recurrent) for x in (rnn, keras.layers.Dropout(
            config.dropout, seed=None if seed is None else seed + 10 * i + 3))]
    stacked = "" if config.layers == 1 else f"x{config.layers}"
    return keras.Sequential([
        keras.Input(batch_shape=(batch_size if config.stateful else None, None),
                    dtype="int32"),  # (batch, T) character ids
        keras.layers.Embedding(  # (batch, T, E)
            vocab_size, config.embedding_dim,
            embeddings_initializer=init.RandomUniform(-0.05, 0.05, seed=seed)),
        *recurrent,
        keras.layers.Dense(  # (batch, T, vocab) logits for the next character
            vocab_size, kernel_initializer=seeded(init.GlorotUniform, 2)),
    ], name=name or f"char_{config.cell}_{config.units}{stacked}")


def build_lesson_model(seed: int | None = None, batch_size: int | None = None):
    """The lesson's model exactly (`LESSON_MODEL`): Embedding(65, 256) -> SimpleRNN(1024,
    return_sequences, stateful, glorot_uniform recurrent weights) -> Dense(65), with the
    fixed batch (64) a stateful layer needs."""
    recipe = lesson.CHAR
    return build_model(recipe.vocab, LESSON_MODEL, seed, batch_size or recipe.batch_size,
                       name="lesson_char_rnn")


def lesson_parameter_counts() -> params.ModelCount:
    """The lesson's three layers by formula (a test checks them against count_params())."""
    return params.count_model(spec(lesson.CHAR.vocab, LESSON_MODEL))


def compile_model(model, learning_rate: float = 3e-3) -> None:
    """Adam on the tutorial's loss: sparse cross-entropy on logits."""
    import keras

    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )


def parts(model):
    """The model's Embedding, recurrent layer and Dense, found by type."""
    import keras

    embedding = next(x for x in model.layers if isinstance(x, keras.layers.Embedding))
    rnn = next(x for x in model.layers if isinstance(x, keras.layers.RNN))
    dense = next(x for x in model.layers if isinstance(x, keras.layers.Dense))
    return embedding, rnn, dense


def recurrent_layers(model) -> list:
    """The model's recurrent layers, bottom first (one or two)."""
    import keras

    return [x for x in model.layers if isinstance(x, keras.layers.RNN)]


# --------------------------------------------------------------------------- the lesson's cost


def multiply_adds_per_char(embedding_dim: int, units: int, vocab: int, cell: str,
                           layers: int = 1) -> int:
    """Multiply-adds to read one character forwards (backwards costs about twice that); a
    second layer reads the first one's `units` outputs."""
    blocks = cells.cell(cell).blocks
    upper = (layers - 1) * blocks * (units * units + units * units)
    return blocks * (embedding_dim * units + units * units) + upper + units * vocab


@dataclass(frozen=True)
class LessonCost:
    """What training the lesson's model costs on its text, beside reading with ours."""

    lesson_macs: int  # multiply-adds to read one character forwards, the lesson's model
    our_macs: int  # ... and `ours`
    epoch_ops: int  # one epoch of the lesson over its whole text, forwards and backwards
    all_ops: int  # all of the lesson's epochs


def lesson_cost(ours: CharModelConfig) -> LessonCost:
    recipe = lesson.CHAR
    macs = multiply_adds_per_char(recipe.embedding, recipe.units, recipe.vocab, recipe.cell)
    our_macs = multiply_adds_per_char(ours.embedding_dim, ours.units, recipe.vocab, ours.cell)
    per_epoch = recipe.text_chars * macs * 3  # forward + backward ≈ 3 forward passes
    return LessonCost(macs, our_macs, per_epoch, per_epoch * recipe.epochs)


# --------------------------------------------------------------------------- the shipped model


@dataclass(frozen=True)
class ShippedInfo:
    """How the shipped model was trained, as its metadata file says (None where it is silent)."""

    epochs_finished: int | None = None
    final_loss: float | None = None  # the last epoch's training loss
    held_out_loss: float | None = None  # on the last 5 % of the text, never trained on


@dataclass(frozen=True, eq=False)
class ShippedModel:
    """The shipped char model: read it, never train it (a server shares one copy)."""

    model: object
    vocab: CharVocab
    config: CharModelConfig  # read from the model's own layers
    info: ShippedInfo


def shipped_version(folder: Path | None = None) -> float | None:
    """The shipped model's modification time (a cache key), or None when a file is missing."""
    folder = paths.ASSETS if folder is None else folder
    model, vocab = folder / MODEL_FILE, folder / VOCAB_FILE
    return model.stat().st_mtime if model.is_file() and vocab.is_file() else None


def load_shipped(folder: Path | None = None) -> ShippedModel:
    """The model, its vocabulary and its metadata from `folder` (assets/ unless given)."""
    import keras

    folder = paths.ASSETS if folder is None else folder
    model = keras.saving.load_model(folder / MODEL_FILE, compile=False)
    embedding, rnn, _ = parts(model)
    config = CharModelConfig(cells.kind_of(rnn), int(rnn.units), int(embedding.output_dim),
                             len(recurrent_layers(model)))
    meta_path = folder / META_FILE
    meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.is_file() else {}
    info = ShippedInfo(meta.get("epochs_finished"), meta.get("final_loss"),
                       meta.get("held_out_loss"))
    return ShippedModel(model, CharVocab.from_file(folder / VOCAB_FILE), config, info)
