"""Learned embeddings and transfer learning: a sentiment model's own word vectors vs GloVe.

Learned embeddings: the rows of a trained model's Embedding matrix are word vectors too, so
`learned_vectors` wraps them in the same `WordVectors` class as GloVe (cosine neighbours,
PCA). How a word "pushes" the prediction is measured the same way for any model (pooling,
LSTM, ...): the model's P(positive) for a review made of that word alone, minus its
P(positive) for a review made of one unknown word (<UNK>), the neutral baseline.

Transfer learning (the lesson's last section): the same small model trained three ways on a
small subset of IMDB: (1) a random Embedding learned from scratch, (2) an Embedding
initialised from GloVe and frozen, (3) initialised from GloVe and fine-tuned. The model is
the lesson's GlobalAveragePooling1D classifier with a 50-wide Embedding (GloVe's width) and
<PAD> masked, so the average is over the review's words only. Training goes through
`training.train`; the models are built by `models.build_model`.

What a page shows is English marked with `N_` (the ways' names, `TransferProblem`'s messages),
so the page can say it in the reader's language.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from explainers import data, embeddings, live, models, training
from explainers.embeddings import WordVectors
from explainers.i18n import N_, Explained

SENTIMENT_WORDS = (  # the words the page compares, in the order it shows them
    "great", "excellent", "wonderful", "awful", "terrible", "boring", "worst", "funny",
)
QUICK_TEST_REVIEWS = 5_000  # test reviews the quick model is scored on
SECONDS_PER_BATCH = 0.015  # measured on 2 busy CPU cores, the pooling model, batch 32
SECONDS_PER_MODEL = 3  # building, tracing and testing each model
WAYS = {  # way -> how the page names it
    "random": N_("Random embedding, learned from scratch"),
    "frozen": N_("GloVe, frozen"),
    "finetuned": N_("GloVe, fine-tuned"),
}
MOST_TRAIN_REVIEWS = 20_000  # leaves 5,000 of IMDB's 25,000 for validation
MESSAGES = {  # TransferProblem code -> the English message, filled with its parameters
    "train_reviews": N_("Train on 1 to {most:,} reviews, not {n:,}."),
    "epochs": N_("Train for at least 1 epoch, not {epochs}."),
    "too_few_reviews": N_("This IMDB training split has only {have:,} reviews; these settings "
                          "need {need:,} ({train:,} to train on and {validation:,} to validate "
                          "with). Choose fewer training reviews."),
    "no_embedding": N_("This model has no Embedding layer, so it has no word vectors to show."),
}


class TransferProblem(Explained, ValueError):
    """Settings, data or a model this module cannot use: `code` says why (a key of
    MESSAGES), `params` hold the numbers of the message."""

    def __init__(self, code: str, **params):
        self.code = code
        super().__init__(MESSAGES[code], **params)


# --------------------------------------------------------------------------- learned vectors


def learned_vectors(weights: np.ndarray, vocabulary: data.Vocabulary, name: str) -> WordVectors:
    """The Embedding rows of the vocabulary's words (reserved ids 0-3 left out)."""
    first = vocabulary.index_from + 1  # id of rank 1
    n = min(len(vocabulary.words), weights.shape[0] - first)
    return WordVectors(vocabulary.words[:n], weights[first:first + n], name=name)


def restrict(vectors: WordVectors, words: Sequence[str]) -> WordVectors:
    """The same vectors limited to `words` (those it knows), in the order given."""
    rows = [vectors.index[w] for w in words if w in vectors.index]
    raw = vectors.unit[rows] * vectors.norms[rows][:, None]  # (n, dim)
    return WordVectors([vectors.words[i] for i in rows], raw, name=vectors.name)


def word_push(
    predict: Callable[[np.ndarray], np.ndarray], vocabulary: data.Vocabulary, n_words: int,
    width: int | None = None, padding: str = "pre",
) -> np.ndarray:
    """P(positive | the word alone) - P(positive | <UNK> alone) for the n most frequent words.

    `predict` maps (batch, steps) int ids to (batch,) probabilities. With `width`, each
    one-word review is padded to it (for a model that does not mask <PAD>), on `padding`'s
    side, as its training data was.
    """
    n = min(n_words, len(vocabulary.words), vocabulary.size - vocabulary.index_from - 1)
    ids = np.arange(n, dtype=np.int32) + vocabulary.index_from + 1  # (n,) ids of ranks 1..n
    reviews = np.stack([np.full(n + 1, data.START), np.append(ids, data.UNK)], axis=1)
    if width is not None and width > 2:
        pad = np.zeros((n + 1, width - 2), dtype=np.int32)
        reviews = np.hstack([pad, reviews] if padding == "pre" else [reviews, pad])
    p = np.asarray(predict(reviews.astype(np.int32)), dtype=np.float64).reshape(-1)  # (n+1,)
    return (p[:n] - p[n]).astype(np.float32)  # (n,)


@dataclass
class LearnedEmbedding:
    """What a trained model's Embedding learned, as plain arrays (no Keras object kept)."""

    vectors: WordVectors  # the vocabulary's rows of the Embedding
    push: np.ndarray  # (n_push,) `word_push` of the n_push most frequent words
    label: str  # which model (a name for the page to key its own wording by)


def embedding_weights(model) -> np.ndarray:
    """The (vocab_size, dim) matrix of the model's first Embedding layer."""
    import keras

    for layer in model.layers:
        if isinstance(layer, keras.layers.Embedding):
            return np.asarray(layer.get_weights()[0], dtype=np.float32)
    raise TransferProblem("no_embedding")


def analyse_model(
    model, vocabulary: data.Vocabulary, label: str, n_push: int = 2_000,
    maxlen: int | None = None, padding: str = "pre",
) -> LearnedEmbedding:
    """The model's word vectors and each frequent word's push on its prediction."""
    weights = embedding_weights(model)  # (vocab_size, dim)
    width = None if training.masks_zero(model) else maxlen  # unmasked: pad as in training

    def predict(ids: np.ndarray) -> np.ndarray:
        out = [np.asarray(model.predict_on_batch(ids[i:i + 512])).reshape(-1)
               for i in range(0, len(ids), 512)]
        return np.concatenate(out)  # (n,)

    push = word_push(predict, vocabulary, n_push, width=width, padding=padding)
    return LearnedEmbedding(learned_vectors(weights, vocabulary, label), push, label)


@dataclass(frozen=True)
class QuickConfig:
    """A pooling model trained on the spot when there is no run to inspect."""

    train_reviews: int = 10_000  # enough for sentiment words to find their side
    epochs: int = 4  # validation accuracy has levelled off (~0.87) by then
    batch_size: int = 64  # ~10-20 s on two CPU cores
    embed_dim: int = 16  # the lesson's embedding size
    seed: int = 0


@dataclass(frozen=True, eq=False)
class QuickModel:
    """The quick pooling model, trained (or stopped) and scored."""

    model: object = field(repr=False)  # the trained Keras model
    test_accuracy: float  # on the first `test_reviews` test reviews
    result: training.TrainResult  # epochs run, stopped, history
    train_reviews: int
    test_reviews: int


def train_quick(config: QuickConfig, imdb: data.ImdbData,
                reporter: live.Reporter = live.QUIET) -> QuickModel:
    """The lesson's Embedding -> GlobalAveragePooling1D -> Dense model, trained briefly.

    Batches, epochs and the test scoring go to `reporter`; Stop keeps the model trained so
    far, which is then scored like a finished one.
    """
    spec = models.ModelConfig(vocab_size=imdb.config.num_words or 10_000,
                              embed_dim=config.embed_dim, mask_zero=True, body="pool")
    model = models.build_model(spec, seed=config.seed)
    n = min(config.train_reviews, len(imdb.x_train))
    result = training.train(
        model, imdb.x_train[:n], imdb.y_train[:n],
        training.TrainConfig(epochs=config.epochs, batch_size=config.batch_size,
                             validation_split=0.1, bucketing=True, seed=config.seed),
        lengths=imdb.lengths["train"][:n], reporter=reporter,
    )
    n_test = min(QUICK_TEST_REVIEWS, len(imdb.x_test))
    scores = training.evaluate(model, imdb.x_test[:n_test], imdb.y_test[:n_test],
                               reporter=reporter)
    return QuickModel(model, scores["accuracy"], result, n, n_test)


def quick_model(config: QuickConfig, reporter: live.Reporter = live.QUIET) -> QuickModel:
    """`train_quick` as a live job's work: it loads the lesson's IMDB arrays itself."""
    return train_quick(config, data.load_imdb(data.ImdbConfig()), reporter)


# --------------------------------------------------------------------------- transfer


@dataclass(frozen=True)
class TransferConfig:
    train_reviews: int = 1_000  # scarce data, where pretraining should help; ~30 s for all three
    epochs: int = 15  # enough for the random embedding to reach its plateau on 2,000 reviews
    batch_size: int = 32  # small batches: more updates per epoch when data is scarce
    learning_rate: float = 1e-3  # Adam's default, the lesson's optimizer
    validation_reviews: int = 1_000  # fixed, from the end of the training split
    test_reviews: int = 5_000  # a fixed slice of the test split: fast, and +-0.7 % at 95 %
    dense_units: int = 16  # a small head: few parameters to overfit with
    seed: int = 0  # weights and shuffling

    def __post_init__(self) -> None:
        if not 1 <= self.train_reviews <= MOST_TRAIN_REVIEWS:
            raise TransferProblem("train_reviews", most=MOST_TRAIN_REVIEWS, n=self.train_reviews)
        if self.epochs < 1:
            raise TransferProblem("epochs", epochs=self.epochs)


def check_fits(config: TransferConfig, available: int) -> None:
    """Raise TransferProblem when `available` training reviews cannot hold the training
    subset and the validation reviews (both are cut from the training split)."""
    need = config.train_reviews + config.validation_reviews
    if need > available:
        raise TransferProblem("too_few_reviews", have=available, need=need,
                              train=config.train_reviews, validation=config.validation_reviews)


@dataclass
class WayResult:
    way: str
    history: dict[str, list[float]]  # loss, accuracy, val_loss, val_accuracy per epoch
    test_accuracy: float
    test_loss: float
    seconds: float  # training + test
    trainable: int  # trainable parameters
    frozen: int  # parameters kept fixed
    stopped: bool = False  # Stop ended its training; scored as trained so far


def glove_matrix(vocabulary: data.Vocabulary, glove: WordVectors) -> tuple[np.ndarray, float]:
    """(vocabulary.size, 50) GloVe rows for the vocabulary and the share of words found."""
    return embeddings.embedding_matrix(vocabulary, glove)


def model_config(config: TransferConfig, way: str, vocab_size: int, dim: int):
    return models.ModelConfig(
        vocab_size=vocab_size, embed_dim=dim, mask_zero=True, body="pool",
        dense_units=config.dense_units, trainable_embedding=way != "frozen",
    )


def run_transfer(
    config: TransferConfig,
    imdb: data.ImdbData,
    matrix: np.ndarray,
    *,
    ways: Sequence[str] = tuple(WAYS),
    reporter: live.Reporter = live.QUIET,
) -> dict[str, WayResult]:
    """Train the three ways on the first `train_reviews` training reviews; test each.

    Way i reports its epochs as i * epochs + 1, 2, ..., each noted with the way's key, so
    one live job shows the three one after another. After Stop, the way being trained is
    scored as trained so far and the ways after it are left out.
    """
    check_fits(config, len(imdb.x_train))
    n, n_val = config.train_reviews, config.validation_reviews
    x = np.concatenate([imdb.x_train[:n], imdb.x_train[-n_val:]])  # (n + n_val, maxlen)
    y = np.concatenate([imdb.y_train[:n], imdb.y_train[-n_val:]])  # (n + n_val,)
    lengths = np.concatenate([imdb.lengths["train"][:n], imdb.lengths["train"][-n_val:]])
    x_test = imdb.x_test[:config.test_reviews]  # (test_reviews, maxlen)
    y_test = imdb.y_test[:config.test_reviews]
    train_config = training.TrainConfig(
        epochs=config.epochs, batch_size=config.batch_size,
        learning_rate=config.learning_rate, validation_split=n_val / (n + n_val),
        bucketing=True, seed=config.seed,
    )
    vocab_size, dim = matrix.shape
    results = {}
    for i, way in enumerate(ways):
        if i and reporter.should_stop():  # Stop came during an earlier way: end with it
            break
        began = time.perf_counter()
        spec = model_config(config, way, vocab_size, dim)
        model = models.build_model(
            spec, seed=config.seed, embedding_matrix=None if way == "random" else matrix,
            learning_rate=config.learning_rate,
        )
        part = live.Part(reporter, i * config.epochs, way)
        fitted = training.train(model, x, y, train_config, lengths=lengths, reporter=part)
        scores = training.evaluate(model, x_test, y_test, reporter=part)
        total = models.parameter_count(spec)
        trainable = models.trainable_parameter_count(spec)
        results[way] = WayResult(
            way, fitted.history, scores["accuracy"], scores["loss"],
            time.perf_counter() - began, trainable, total - trainable, fitted.stopped,
        )
    return results


def train_three_ways(config: TransferConfig,
                     reporter: live.Reporter = live.QUIET) -> dict[str, WayResult]:
    """`run_transfer` as a live job's work: it loads IMDB and GloVe itself."""
    imdb = data.load_imdb(data.ImdbConfig())
    matrix, _coverage = glove_matrix(imdb.vocabulary, embeddings.load_glove().vectors)
    return run_transfer(config, imdb, matrix, reporter=reporter)


def estimate_seconds(config: TransferConfig) -> float:
    """Rough wall time of training and testing all three ways, to plan a lesson with."""
    batches = len(WAYS) * config.epochs * math.ceil(config.train_reviews / config.batch_size)
    return batches * SECONDS_PER_BATCH + len(WAYS) * SECONDS_PER_MODEL


@dataclass(frozen=True)
class Scarcity:
    """How little of the vocabulary a small training subset shows, and what GloVe covers."""

    glove_coverage: float  # share of the model's words GloVe has a vector for
    vocabulary: int  # words in the model's vocabulary
    seen_words: int  # of them, the distinct words the training subset uses
    unseen_share: float  # share of the test tokens whose word the subset never shows


def scarcity(config: TransferConfig, imdb: data.ImdbData, glove: WordVectors) -> Scarcity:
    """What `config`'s training subset lacks and GloVe brings (see `unseen_share`)."""
    vocabulary = imdb.vocabulary
    _matrix, coverage = glove_matrix(vocabulary, glove)
    subset = imdb.x_train[:config.train_reviews]  # (train_reviews, maxlen)
    seen = int(np.unique(subset[subset > data.UNUSED]).size)
    unseen = unseen_share(subset, imdb.x_test[:config.test_reviews])
    return Scarcity(coverage, len(vocabulary.words), seen, unseen)


def unseen_share(x_train: np.ndarray, x_test: np.ndarray) -> float:
    """Share of the test reviews' word tokens whose word never occurs in `x_train`.

    Those words keep their random initial rows in a model learned from scratch; with GloVe
    they still carry meaning. Reserved ids (<PAD>, <START>, <UNK>) are not counted.
    """
    seen = np.zeros(int(max(x_train.max(), x_test.max())) + 1, dtype=bool)
    seen[np.unique(x_train)] = True
    words = x_test[x_test > data.UNUSED]  # (tokens,)
    return float(np.mean(~seen[words])) if words.size else 0.0


def best_val(result: WayResult) -> float:
    values = [v for v in result.history.get("val_accuracy", []) if not math.isnan(v)]
    return max(values) if values else math.nan
