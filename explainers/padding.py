"""Padding and the final state: the lesson's post-padded SimpleRNN failure, its two fixes, and
why the lesson's BiLSTM survived the same padding.

- `padding_dependence`: how much a model's final recurrent state depends on a review's real
  words versus its <PAD> steps (the share of |∂h_T/∂x_t| on the words, from
  `rnn_inside.state_jacobian_norms`, and how far h_T moves when the words change), for 'post'
  and 'pre' padding and with masking; `direction_dependence` does the same for each direction
  of a Bidirectional layer: on a post-padded review the forward direction reads the words
  first and hundreds of pads after them, the backward one (go_backwards) reads the pads first
  and the words last, so its final state still holds them.
- `quick_train` (`run_quick` as a live job): the padding demonstration. The lesson's model
  (Embedding -> SimpleRNN -> Dense -> Dense) trained on a few thousand reviews for each
  variant: post (the lesson), pre, post + mask_zero; and, post-padded like the lesson's
  BiLSTM, an LSTM and a Bidirectional LSTM. Sizes are chosen so the three padding variants
  answer in seconds and still tell the lesson's story: short reviews (at most
  `QuickConfig.max_tokens` tokens) padded to `QuickConfig.maxlen`, so every post-padded review
  still ends in at least 150 pads, as the lesson's 500-wide arrays end a typical review in
  hundreds. A benchmark (benchmarks/padding_demo.py) prints the time and the answer.

Why the gates matter: an LSTM's cell state is updated as c_t = f ⊙ c_{t-1} + i ⊙ g, with the
gates computed from the input, so a network can learn to shut i and open f on the <PAD>
input and carry c across the pads unchanged; a SimpleRNN's h_t = tanh(x_t W + h_{t-1} U + b)
has no such switch, and every pad step rewrites it.
"""

from __future__ import annotations

import functools
import time
import zlib
from dataclasses import dataclass, field

import numpy as np

from explainers import data, lesson, live, models, paths, reviews, training
from explainers.i18n import N_
from explainers.rnn_inside import state_jacobian_norms


@dataclass(frozen=True)
class Variant:
    """One model of the demonstration: how its reviews are padded and what reads them."""

    padding: str  # 'post' (the lesson) or 'pre'
    mask: bool = False  # Embedding(mask_zero=True): the <PAD> steps are skipped
    body: str = "simplernn"  # a cells kind
    bidirectional: bool = False

    @property
    def cut_batches(self) -> bool:
        """Train on batches cut to their longest review (`training`'s bucketing)?

        Exact with a mask (the cut steps are skipped anyway). For 'pre' without a mask the cut
        steps are pads BEFORE the words: the state then reads the words starting from zeros
        instead of from wherever the pads left it, which changes the numbers a little but not
        what the final state has read last (the words), so the story is the same, in a third
        of the time. Never for 'post' without a mask: the pads after the words ARE the failure.
        """
        return self.mask or self.padding == "pre"


VARIANTS = {  # the lesson's failure and its two fixes
    "post": Variant("post"),  # the lesson: pads after the words, not masked -> 0.4993
    "pre": Variant("pre"),  # pads before the words: the final state has just read them
    "masked": Variant("post", mask=True),  # pads after, but skipped: stops at the last word
}
CELL_VARIANTS = {  # post-padded like the lesson's BiLSTM (which reached 0.8441)
    "lstm": Variant("post", body="lstm"),  # gates, but reading forwards only
    "bilstm": Variant("post", body="lstm", bidirectional=True),  # the backward reads words last
}
ALL_VARIANTS = VARIANTS | CELL_VARIANTS
VARIANT_NAMES = {  # as tables and buttons name them (N_: a page shows them translated)
    "post": N_("padding='post' (the lesson)"), "pre": N_("padding='pre'"),
    "masked": N_("padding='post' + mask_zero=True"),
    "lstm": N_("LSTM, padding='post'"), "bilstm": N_("Bidirectional LSTM, padding='post'"),
}
DIRECTIONS = {"forward": N_("forward (reads the words, then the pads)"),
              "backward": N_("backward (reads the pads, then the words)")}


def fallback_ids(text: str, num_words: int = 10_000) -> np.ndarray:
    """Ids for a typed review when no vocabulary is on this machine: a stable hash per word.

    Only the positions of real words versus pads matter for the dependence analysis of an
    untrained model, so any fixed id per word will do.
    """
    tokens = data.tokenize(text)
    span = num_words - data.INDEX_FROM - 1
    ids = [data.START] + [data.INDEX_FROM + 1 + zlib.crc32(t.encode()) % span for t in tokens]
    return np.asarray(ids, dtype=np.int32)


def recurrent_layer(model):
    """The first recurrent layer of a model (SimpleRNN, LSTM, GRU, or a Bidirectional one)."""
    import keras

    for layer in model.layers:
        if isinstance(layer, keras.layers.RNN | keras.layers.Bidirectional):
            return layer
    raise ValueError("the model has no recurrent layer")


@dataclass
class Dependence:
    variant: str  # a key of ALL_VARIANTS, or a direction ("forward", "backward")
    ids: np.ndarray  # (maxlen,) the padded review
    real: np.ndarray  # (maxlen,) bool: a real word (not <PAD>)
    norms: np.ndarray  # (maxlen,) |∂h_T/∂x_t|
    real_share: float  # fraction of the total gradient on the real words
    state_change: float  # |h_T(review) - h_T(other words)| / |h_T(review)|
    words_from_end: int  # pad steps read after the last real word, before the final state

    @property
    def per_word(self) -> float:
        """Mean |∂h_T/∂x_t| over the real words."""
        return float(self.norms[self.real].mean()) if self.real.any() else 0.0


def _dependence(label: str, embedding, rnn, padded: np.ndarray, masked: bool,
                seed: int) -> Dependence:
    """Both measures for one recurrent layer (one direction) reading one padded review."""
    import tensorflow as tf

    real = padded != data.PAD  # (maxlen,)
    mask = real if masked else None
    vectors = np.asarray(embedding(padded[None]))[0]  # (maxlen, d)
    norms = state_jacobian_norms(rnn, vectors, mask)  # (maxlen,)
    total = float(norms.sum())
    share = float(norms[real].sum() / total) if total > 0 else 0.0

    rng = np.random.default_rng(seed)
    other = padded.copy()
    other[real] = rng.integers(data.INDEX_FROM + 1, int(embedding.input_dim), int(real.sum()))
    both = np.stack([padded, other])  # (2, maxlen)
    kwargs = {"mask": tf.constant(np.stack([real, real]))} if masked else {}
    states = np.asarray(rnn(embedding(both), **kwargs))  # (2, units)
    size = float(np.linalg.norm(states[0]))
    change = float(np.linalg.norm(states[0] - states[1]) / size) if size > 0 else 0.0
    where = np.flatnonzero(real)  # positions of the words
    if not len(where):
        after = len(padded)
    elif getattr(rnn, "go_backwards", False):  # reads from the end: its last word is the first
        after = int(where[0])
    else:
        after = len(padded) - 1 - int(where[-1])
    return Dependence(label, padded, real, norms, share, change, after)


def padding_dependence(model, ids: np.ndarray, variant: str, maxlen: int = 500,
                       seed: int = 0) -> Dependence:
    """How much a model's final recurrent state depends on the real words of one review.

    `model` is a lab model (Embedding -> recurrent -> Dense); its Embedding's mask_zero
    decides masking. Two measures: the share of |∂h_T/∂x_t| that falls on real words, and
    how much h_T moves when every real word is replaced by another random word.
    """
    padded = reviews.pad_row(ids, maxlen, ALL_VARIANTS[variant].padding)  # truncating 'pre'
    embedding = model.get_layer("embedding")
    masked = bool(getattr(embedding, "mask_zero", False))
    return _dependence(variant, embedding, recurrent_layer(model), padded, masked, seed)


def direction_dependence(model, ids: np.ndarray, maxlen: int = 500,
                         seed: int = 0) -> dict[str, Dependence]:
    """`padding_dependence` for each direction of the model's first recurrent layer, on the
    review padded 'post' as the lesson padded it: {"forward": ..., "backward": ...}, or only
    "forward" for a one-directional layer."""
    padded = reviews.pad_row(ids, maxlen, "post")  # (maxlen,)
    embedding = model.get_layer("embedding")
    masked = bool(getattr(embedding, "mask_zero", False))
    layer = recurrent_layer(model)
    parts = ({"forward": layer.forward_layer, "backward": layer.backward_layer}
             if hasattr(layer, "backward_layer") else {"forward": layer})
    return {name: _dependence(name, embedding, rnn, padded, masked, seed)
            for name, rnn in parts.items()}


# --------------------------------------------------------------------------- quick training


@dataclass(frozen=True)
class QuickConfig:
    """The quick training of each variant; frozen so a page can cache by it.

    At the lesson's sizes (25,000 reviews padded to 500, SimpleRNN(64)) a pre-padded model
    needs hundreds of updates to take off: minutes per variant on a 2-core CPU. These sizes
    answer in seconds with the same story (benchmarks/padding_demo.py prints both).
    """

    train_size: int = 2000  # reviews, half positive: 'pre' and the mask reach ~0.65-0.7
    test_size: int = 500  # test reviews scored, half positive (±0.02 of sampling noise)
    epochs: int = 2  # 'pre' and the mask take off in their second epoch; a third overfits
    batch_size: int = 32  # 63 updates an epoch; each costs about the same up to 128
    learning_rate: float = 1e-2  # 10 × Adam's default: the take-off in 2 epochs, not 5
    max_tokens: int = 100  # only reviews this short (12 % of IMDB): quick to read
    maxlen: int = 250  # ... padded to this: 'post' puts at least 150 pads after the words
    units: int = 16  # SimpleRNN(16): learns as the lesson's 64 do, in less time per step
    seed: int = 0

    @property
    def min_pads(self) -> int:
        """The fewest <PAD> steps after a review's words when padded 'post'."""
        return self.maxlen - self.max_tokens


@dataclass(frozen=True)
class QuickJob:
    """One quick training as a live job runs it: a variant and its settings."""

    variant: str  # a key of ALL_VARIANTS
    config: QuickConfig = QuickConfig()


@dataclass
class QuickResult:
    variant: str
    history: dict[str, list[float]]
    test_accuracy: float
    seconds: float
    config: QuickConfig = field(default_factory=lambda: QuickConfig())
    model: object = field(repr=False, default=None)  # the trained Keras model
    stopped: bool = False  # Stop ended it; the model as trained so far was scored
    probes: dict = field(repr=False, default_factory=dict)  # measurements kept, by review

    @property
    def epochs_run(self) -> int:
        return len(self.history.get("accuracy", []))

    def dependence(self, ids: np.ndarray) -> Dependence:
        """`padding_dependence` of this model on a review, measured once (a page's rerun
        asks again and gets the kept one)."""
        key = ("variant", np.asarray(ids).tobytes())
        if key not in self.probes:
            self.probes[key] = padding_dependence(self.model, ids, self.variant)
        return self.probes[key]

    def directions(self, ids: np.ndarray) -> dict[str, Dependence]:
        """`direction_dependence` of this model on a review, measured once."""
        key = ("directions", np.asarray(ids).tobytes())
        if key not in self.probes:
            self.probes[key] = direction_dependence(self.model, ids)
        return self.probes[key]


@dataclass(frozen=True, eq=False)
class DemoArrays:
    """The quick training's reviews, padded one way."""

    padding: str
    x_train: np.ndarray  # (train_size, maxlen) int32 ids
    y_train: np.ndarray  # (train_size,) half of them 1
    x_test: np.ndarray  # (test_size, maxlen)
    y_test: np.ndarray  # (test_size,)


def imdb_config(variant: str = "post", maxlen: int = lesson.IMDB.maxlen) -> data.ImdbConfig:
    """The lesson's IMDB arrays for a variant's padding (vocabulary 10,000, truncating 'pre')."""
    return data.ImdbConfig(maxlen=maxlen, padding=ALL_VARIANTS[variant].padding)


def _balanced(lengths: np.ndarray, y: np.ndarray, max_tokens: int, n: int) -> np.ndarray:
    """Row numbers of the first n/2 positive and n/2 negative reviews of at most max_tokens
    tokens, in the data's order: (≤ n,) ints."""
    short = lengths <= max_tokens  # (reviews,)
    pos = np.flatnonzero(short & (y > 0.5))[: n // 2]
    neg = np.flatnonzero(short & (y <= 0.5))[: n - n // 2]
    return np.sort(np.concatenate([pos, neg]))


@functools.lru_cache(maxsize=4)
def _short_reviews(where: tuple, max_tokens: int, train_size: int, test_size: int) -> dict:
    """The chosen reviews' ids (no pads) and labels, from the lesson's post-padded arrays,
    read once per process and data folder (`where`): {split: (list of (tokens,) ids, (n,)
    labels)}."""
    imdb = data.load_imdb(imdb_config("post"))
    out = {}
    for split, x, y, n in (("train", imdb.x_train, imdb.y_train, train_size),
                           ("test", imdb.x_test, imdb.y_test, test_size)):
        steps = training.review_steps(x)  # (reviews,) <START> + words
        rows = _balanced(steps, y, max_tokens, n)
        out[split] = ([x[r, :steps[r]].copy() for r in rows], y[rows].astype(np.float32))
    return out


def demo_arrays(config: QuickConfig, padding: str) -> DemoArrays:
    """The quick training's reviews, padded 'post' or 'pre' to `config.maxlen` (the IMDB
    arrays are read once per process; DataUnavailable when they are not on this machine)."""
    where = (str(paths.data_folder()), str(paths.cache_dir()))  # another folder: read again
    chosen = _short_reviews(where, config.max_tokens, config.train_size, config.test_size)

    def padded(split: str) -> np.ndarray:
        rows = [reviews.pad_row(ids, config.maxlen, padding) for ids in chosen[split][0]]
        return np.stack(rows) if rows else np.zeros((0, config.maxlen), np.int32)

    return DemoArrays(padding, padded("train"), chosen["train"][1], padded("test"),
                      chosen["test"][1])


def untrained_model(variant: str, units: int = lesson.SIMPLE_RNN.units, seed: int = 0):
    """A variant's model, freshly initialised: the lesson's SimpleRNN model for the padding
    variants (masked for 'masked'), an LSTM or one Bidirectional LSTM layer for the others."""
    v = ALL_VARIANTS[variant]
    config = models.ModelConfig(body=v.body, units=units, mask_zero=v.mask,
                                bidirectional=v.bidirectional)
    return models.build_model(config, seed=seed)


def quick_train(variant: str, arrays: DemoArrays, config: QuickConfig = QuickConfig(),
                reporter: live.Reporter = live.QUIET) -> QuickResult:
    """Train one variant's model on the demo's reviews; score it on the demo's test reviews.

    'post' without a mask trains on full-width batches, every review read with all of its
    pads as the lesson's `model.fit` read them; the others are cut (`Variant.cut_batches`).
    Batches, epochs and the scoring go to `reporter`; when it says stop, the model trained
    so far is scored.
    """
    v = ALL_VARIANTS[variant]
    if arrays.padding != v.padding:
        raise ValueError(f"{variant} needs arrays padded {v.padding!r}")
    began = time.perf_counter()
    model = untrained_model(variant, config.units, config.seed)
    train_config = training.TrainConfig(
        epochs=config.epochs, batch_size=config.batch_size, validation_split=0.0,
        learning_rate=config.learning_rate, seed=config.seed, bucketing=v.cut_batches,
    )
    result = training.train(model, arrays.x_train, arrays.y_train, train_config,
                            reporter=reporter)
    scores = training.evaluate(model, arrays.x_test, arrays.y_test, bucketing=v.cut_batches,
                               reporter=reporter)
    return QuickResult(variant, result.history, scores["accuracy"],
                       time.perf_counter() - began, config, model, result.stopped)


def run_quick(spec: QuickJob, reporter: live.Reporter = live.QUIET) -> QuickResult:
    """`quick_train` as a live job's work: it reads the demo's reviews itself."""
    arrays = demo_arrays(spec.config, ALL_VARIANTS[spec.variant].padding)
    return quick_train(spec.variant, arrays, spec.config, reporter)


def quick_cost(config: QuickConfig, variant: str) -> int:
    """Recurrent steps one training of a variant reads (reviews × epochs × width): the
    'post' variant pays `maxlen` per review, a cut one at most `max_tokens`."""
    width = config.max_tokens if ALL_VARIANTS[variant].cut_batches else config.maxlen
    return config.train_size * config.epochs * width
