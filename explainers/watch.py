"""What to watch while a sentiment model trains: its embedding of fixed sentiment words, and
(for an LSTM body) how its gates saturate on a fixed review, epoch by epoch.

As the TensorFlow Playground lets you watch its neurons while it trains, a lab run hands its
live panel one small `EpochView` per epoch (before training too, epoch 0): the Embedding rows
of 10 positive and 10 negative words (`WORDS`, those inside the run's vocabulary) and, when
the body holds an LSTM, the first LSTM layer's gate saturation (`gates.saturation`, Karpathy,
Johnson & Fei-Fei 2015) on the first test review, recomputed in NumPy by `tracer`. A
`Watcher` is called with the model after each epoch (`training.train(..., watch=...)`) and
costs a few milliseconds: 20 rows and one review of a few hundred steps
(benchmarks/live_views.py measures it against the epoch).

`word_map(views)` puts every epoch's vectors on one 2-D plane: PCA fitted on all epochs'
vectors together, so a word that moves on the map moved in the embedding (a PCA per epoch
would spin the plane between frames). Its axes are turned so the positive words end on the
right and above, and `separation` says in one number how far apart the two groups are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from explainers import cells, data, gates

POSITIVE = ("great", "excellent", "wonderful", "best", "perfect", "brilliant", "loved",
            "amazing", "beautiful", "superb")  # IMDB ranks 83-897: inside even 1,000 words
NEGATIVE = ("awful", "terrible", "worst", "boring", "bad", "waste", "poor", "horrible",
            "stupid", "dull")  # ranks 73-751; ten a side keeps the map readable
WORDS = POSITIVE + NEGATIVE
REVIEW = 0  # the first test review (109 words, negative): the same one every epoch
EPS = 1e-12  # guards a division by a zero spread (all words at one point)


@dataclass(frozen=True)
class WatchWords:
    """The fixed words a run can show: those of `WORDS` its vocabulary holds."""

    words: tuple[str, ...]
    ids: tuple[int, ...]  # their rows of the Embedding
    positive: tuple[bool, ...]  # True for a word of POSITIVE

    @classmethod
    def of(cls, vocabulary: data.Vocabulary) -> WatchWords:
        ids = data.encode_tokens(WORDS, vocabulary, add_start=False)
        kept = [(w, i) for w, i in zip(WORDS, ids, strict=True) if i != data.UNK]
        return cls(tuple(w for w, _i in kept), tuple(i for _w, i in kept),
                   tuple(w in POSITIVE for w, _i in kept))


@dataclass(frozen=True, eq=False)
class Saturation:
    """The first LSTM layer's sigmoid-gate saturation on the fixed review at one epoch."""

    gates: tuple[str, ...]  # the gates measured, Keras's order (i, f, g, o)
    shut: np.ndarray  # (gates, units) share of the review's steps each unit's gate is < 0.1
    open: np.ndarray  # (gates, units) share of steps > 0.9
    saturated: tuple[int, ...]  # per gate: units shut or open on > SATURATED_SHARE of steps
    units: int
    steps: int  # real (unmasked) steps of the review


@dataclass(frozen=True, eq=False)
class EpochView:
    """What one epoch hands the live panel (`live.EpochRecord.extra`): small and picklable."""

    words: WatchWords
    vectors: np.ndarray  # (words, embed_dim) float32 Embedding rows of `words.ids`
    saturation: Saturation | None = None  # None without an LSTM body


class Watcher:
    """Called with the model after each epoch; returns that epoch's `EpochView`."""

    def __init__(self, words: WatchWords, review: np.ndarray | None = None):
        """`review`: the padded ids of the review whose gates to measure (give it for an
        LSTM body only: tracing another body would cost time and show nothing)."""
        self.words = words
        ids = np.asarray(review if review is not None else [], dtype=np.int64)  # (maxlen,)
        self.review = ids[ids != data.PAD]  # (steps,) its words only, whichever side padded

    @classmethod
    def for_run(cls, body: str, imdb: data.ImdbData) -> Watcher:
        """A lab run's watcher: the words of its vocabulary, the fixed test review for an
        LSTM body (`body`: a `models.ModelConfig.body`)."""
        gated = body == cells.LSTM.kind and len(imdb.x_test) > REVIEW
        return cls(WatchWords.of(imdb.vocabulary), imdb.x_test[REVIEW] if gated else None)

    def __call__(self, model) -> EpochView:
        embedding = next(x for x in model.layers if hasattr(x, "embeddings"))
        rows = np.asarray(embedding.embeddings.numpy()[list(self.words.ids)],
                          dtype=np.float32)  # (words, embed_dim)
        return EpochView(self.words, rows, self.saturation(model))

    def saturation(self, model) -> Saturation | None:
        """The first LSTM layer's (forward direction's) saturation; None without a review."""
        if not len(self.review):
            return None
        from explainers import tracer

        traced = tracer.ModelTracer(model).trace(self.review, running=False)
        lstm = traced.lstm_layers()
        if not lstm:
            return None
        trace = lstm[0].trace  # (steps, units) per gate
        shares, counted = gates.saturation(trace), gates.saturated_units(trace)
        names = tuple(shares)
        return Saturation(names, np.array([shares[g][0] for g in names], np.float32),
                          np.array([shares[g][1] for g in names], np.float32),
                          tuple(counted[g] for g in names), trace.units,
                          int(trace.mask.sum()))


# --------------------------------------------------------------------------- reading views


@dataclass(frozen=True, eq=False)
class WordMap:
    """Every epoch's words on one plane: coords[e, w] is word w after epoch epochs[e]."""

    words: WatchWords
    epochs: tuple[int, ...]
    coords: np.ndarray  # (epochs, words, 2)
    explained: tuple[float, float]  # share of the variance each axis holds
    separation: tuple[float, ...]  # per epoch, see `separation`


def separation(vectors: np.ndarray, positive: Sequence[bool]) -> float:
    """How far apart the two groups sit: the distance between their centroids over the words'
    root-mean-square distance to their own group's centroid (0 = mixed; above 2 = apart)."""
    v = np.asarray(vectors, dtype=np.float64)  # (words, dim)
    pos = np.asarray(positive, dtype=bool)
    if pos.all() or not pos.any():
        return float("nan")
    a, b = v[pos].mean(axis=0), v[~pos].mean(axis=0)  # (dim,) each
    spread = np.concatenate([v[pos] - a, v[~pos] - b])  # (words, dim)
    rms = float(np.sqrt(np.mean(np.sum(spread ** 2, axis=1))))
    return float(np.linalg.norm(a - b) / max(rms, EPS))


def word_map(epochs: Sequence[int], views: Sequence[EpochView]) -> WordMap:
    """The views' vectors projected by one PCA fitted on all of them (see the docstring)."""
    if not views:
        raise ValueError("no epochs to map")
    stacked = np.stack([v.vectors for v in views]).astype(np.float64)  # (epochs, words, dim)
    flat = stacked.reshape(-1, stacked.shape[-1])  # (epochs * words, dim)
    centred = flat - flat.mean(axis=0)
    _u, s, vt = np.linalg.svd(centred, full_matrices=False)
    axes = np.zeros((2, flat.shape[1]))  # (2, dim); a 1-d embedding leaves the y axis at 0
    axes[:min(2, len(vt))] = vt[:2]
    coords = (centred @ axes.T).reshape(len(views), -1, 2)  # (epochs, words, 2)
    positive = np.asarray(views[-1].words.positive, dtype=bool)
    if positive.any() and (~positive).any():  # positive words right and up at the last epoch
        last = coords[-1]
        signs = np.where(last[positive].mean(axis=0) >= last[~positive].mean(axis=0), 1, -1)
        coords = coords * signs  # (epochs, words, 2)
    variance = s ** 2 / max(float(np.sum(s ** 2)), EPS)
    explained = tuple(float(variance[i]) if i < len(variance) else 0.0 for i in range(2))
    return WordMap(views[-1].words, tuple(int(e) for e in epochs), coords, explained,
                   tuple(separation(v.vectors, v.words.positive) for v in views))
