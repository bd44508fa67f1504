"""Learned embeddings and transfer learning: a model's own word vectors vs pretrained ones.

Learned embeddings: the rows of a trained model's Embedding matrix are word vectors too, so
`learned_vectors` wraps them in the same `WordVectors` class as GloVe (cosine neighbours,
PCA). How a word "pushes" the prediction is measured the same way for any model (pooling,
LSTM, ...): the model's P(positive) for a review made of that word alone, minus its
P(positive) for a review made of one unknown word (<UNK>), the neutral baseline.

Transfer learning (the lesson's last section): the same small model trained four ways on a
small subset of IMDB: (1) a random Embedding learned from scratch, (2) an Embedding
initialised from pretrained vectors and frozen, (3) the same model after (2), unfrozen and
fine-tuned with a lower learning rate (the two phases of the Keras transfer-learning guide),
(4) initialised from the pretrained vectors and fine-tuned from the start. The pretrained
vectors are GloVe's or the lesson's own pooling model's (`explainers.pretrained` makes the
matrix); the small model is the lesson's GlobalAveragePooling1D classifier or an LSTM, with
<PAD> masked, so it reads the review's words only. Training goes through `training.train`;
the models are built by `models.build_model`.

What a page shows is English marked with `N_` (the ways' names, `TransferProblem`'s messages),
so the page can say it in the reader's language.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from explainers import data, embeddings, live, models, training
from explainers.embeddings import WordVectors
from explainers.i18n import N_, Explained

SENTIMENT_WORDS = (  # the words the page compares, in the order it shows them
    "great", "excellent", "wonderful", "awful", "terrible", "boring", "worst", "funny",
)
QUICK_TEST_REVIEWS = 5_000  # test reviews the quick model is scored on
SECONDS_PER_BATCH = {  # body -> measured on 2 busy CPU cores, batch 32, reviews cut to length
    models.POOL: 0.015,
    "lstm": 0.2,  # the LSTM steps through every word: ~10x the pooling model
}
SECONDS_PER_MODEL = 3  # building, tracing and testing each model
BODIES = tuple(SECONDS_PER_BATCH)  # the small model's body: the lesson's pooling, or an LSTM
SOURCES = {  # where the pretrained Embedding comes from (explainers.pretrained) -> its name
    "lesson": N_("the lesson's own embedding"),
    "glove": N_("GloVe 50-d"),
}
WAYS = {  # way -> how the page names it with GloVe as the source; the order they train in
    "random": N_("Random embedding, learned from scratch"),
    "frozen": N_("GloVe, frozen"),
    "unfrozen": N_("GloVe, frozen, then fine-tuned"),
    "finetuned": N_("GloVe, fine-tuned"),
}
WAY_NAMES = {  # source -> way -> its name
    "glove": WAYS,
    "lesson": {
        "random": WAYS["random"],
        "frozen": N_("The lesson's embedding, frozen"),
        "unfrozen": N_("The lesson's embedding, frozen, then fine-tuned"),
        "finetuned": N_("The lesson's embedding, fine-tuned"),
    },
}
CONTINUES = {"unfrozen": "frozen"}  # way -> the way whose trained model it goes on training
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
    source: str = "lesson"  # the lesson's way: the embedding of its own bigger task
    body: str = models.POOL  # the lesson's pooling model; "lstm" reads the words in order
    train_reviews: int = 1_000  # scarce data, where pretraining should help; ~30 s for all
    epochs: int = 10  # the random embedding has levelled off by then on 1,000 reviews
    fine_tune_epochs: int = 5  # the second phase, after the frozen one, for "unfrozen"
    batch_size: int = 32  # small batches: more updates per epoch when data is scarce
    learning_rate: float = 1e-3  # Adam's default, the lesson's optimizer
    fine_tune_rate: float = 1e-4  # a tenth: the guide's low rate, to nudge, not overwrite
    validation_reviews: int = 1_000  # fixed, from the end of the training split
    test_reviews: int = 5_000  # a fixed slice of the test split: fast, and +-0.7 % at 95 %
    dense_units: int = 16  # a small head: few parameters to overfit with
    lstm_units: int = 32  # a small LSTM, for the same reason
    seed: int = 0  # weights and shuffling

    def __post_init__(self) -> None:
        if not 1 <= self.train_reviews <= MOST_TRAIN_REVIEWS:
            raise TransferProblem("train_reviews", most=MOST_TRAIN_REVIEWS, n=self.train_reviews)
        if min(self.epochs, self.fine_tune_epochs) < 1:
            raise TransferProblem("epochs", epochs=min(self.epochs, self.fine_tune_epochs))
        if self.source not in SOURCES or self.body not in BODIES:
            raise ValueError(f"source must be in {tuple(SOURCES)} and body in {BODIES}")


def check_fits(config: TransferConfig, available: int) -> None:
    """Raise TransferProblem when `available` training reviews cannot hold the training
    subset and the validation reviews (both are cut from the training split)."""
    need = config.train_reviews + config.validation_reviews
    if need > available:
        raise TransferProblem("too_few_reviews", have=available, need=need,
                              train=config.train_reviews, validation=config.validation_reviews)


@dataclass(frozen=True)
class Stage:
    """One way's training within the whole job."""

    way: str
    offset: int  # epochs of the job before it: its live reports are numbered on after them
    epochs: int
    start: int  # epochs its model had trained before (in the way it continues), for curves


def schedule(config: TransferConfig) -> tuple[Stage, ...]:
    """The ways in the order they train: "unfrozen" goes on from "frozen"'s model."""
    stages, offset = [], 0
    for way in WAYS:
        epochs = config.fine_tune_epochs if way in CONTINUES else config.epochs
        start = config.epochs if way in CONTINUES else 0
        stages.append(Stage(way, offset, epochs, start))
        offset += epochs
    return tuple(stages)


def total_epochs(config: TransferConfig) -> int:
    return sum(stage.epochs for stage in schedule(config))


def stage_at(config: TransferConfig, epoch: int) -> tuple[Stage, int]:
    """The stage training the job's epoch `epoch` (0-based) and that epoch's number in it."""
    stages = schedule(config)
    for stage in stages:
        if epoch < stage.offset + stage.epochs:
            return stage, epoch - stage.offset
    return stages[-1], stages[-1].epochs - 1


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
    start: int = 0  # epochs trained before its own (by the way it continues)
    moved: float = 0.0  # mean |change| of the Embedding's weights during its own epochs
    moved_most: float = 0.0  # the largest change of one weight (0.0: exactly unchanged)


def glove_matrix(vocabulary: data.Vocabulary, glove: WordVectors) -> tuple[np.ndarray, float]:
    """(vocabulary.size, 50) GloVe rows for the vocabulary and the share of words found."""
    return embeddings.embedding_matrix(vocabulary, glove)


def model_config(config: TransferConfig, way: str, vocab_size: int, dim: int):
    return models.ModelConfig(
        vocab_size=vocab_size, embed_dim=dim, mask_zero=True, body=config.body,
        units=config.lstm_units, dense_units=config.dense_units,
        trainable_embedding=way not in ("frozen", *CONTINUES),
    )


def unfreeze(model, learning_rate: float) -> None:
    """The guide's second phase: the Embedding may train from now on, at `learning_rate`.
    Keras applies a change of `trainable` when the model is compiled, so it compiles again."""
    import keras

    model.get_layer("embedding").trainable = True
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
                  loss=model.loss, metrics=["accuracy"])


def run_transfer(
    config: TransferConfig,
    imdb: data.ImdbData,
    matrix: np.ndarray,
    *,
    ways: Sequence[str] = tuple(WAYS),
    reporter: live.Reporter = live.QUIET,
) -> dict[str, WayResult]:
    """Train the ways on the first `train_reviews` training reviews; test each.

    `matrix` (vocab_size, dim) is the pretrained Embedding. Each way reports its epochs
    numbered on after the ways before it (`schedule`), each noted with the way's key, so one
    live job shows them one after another. After Stop, the way being trained is scored as
    trained so far and the ways after it are left out.
    """
    check_fits(config, len(imdb.x_train))
    n, n_val = config.train_reviews, config.validation_reviews
    x = np.concatenate([imdb.x_train[:n], imdb.x_train[-n_val:]])  # (n + n_val, maxlen)
    y = np.concatenate([imdb.y_train[:n], imdb.y_train[-n_val:]])  # (n + n_val,)
    lengths = np.concatenate([imdb.lengths["train"][:n], imdb.lengths["train"][-n_val:]])
    x_test = imdb.x_test[:config.test_reviews]  # (test_reviews, maxlen)
    y_test = imdb.y_test[:config.test_reviews]
    first = training.TrainConfig(
        epochs=config.epochs, batch_size=config.batch_size,
        learning_rate=config.learning_rate, validation_split=n_val / (n + n_val),
        bucketing=True, seed=config.seed,
    )
    second = replace(first, epochs=config.fine_tune_epochs, learning_rate=config.fine_tune_rate)
    vocab_size, dim = matrix.shape
    results, trained = {}, {}
    for i, stage in enumerate(s for s in schedule(config) if s.way in ways):
        way = stage.way
        if i and reporter.should_stop():  # Stop came during an earlier way: end with it
            break
        began = time.perf_counter()
        base = CONTINUES.get(way)
        if base is not None:
            if base not in trained:
                continue  # nothing to go on from
            model = trained[base]
            unfreeze(model, config.fine_tune_rate)
        else:
            model = models.build_model(
                model_config(config, way, vocab_size, dim), seed=config.seed,
                embedding_matrix=None if way == "random" else matrix,
                learning_rate=config.learning_rate,
            )
        before = embedding_weights(model)  # (vocab_size, dim)
        part = live.Part(reporter, stage.offset, way)
        fitted = training.train(model, x, y, second if base else first, lengths=lengths,
                                reporter=part)
        scores = training.evaluate(model, x_test, y_test, reporter=part)
        moved = np.abs(embedding_weights(model) - before)  # (vocab_size, dim)
        spec = model_config(config, "finetuned" if base else way, vocab_size, dim)
        total = models.parameter_count(spec)
        trainable = models.trainable_parameter_count(spec)
        results[way] = WayResult(
            way, fitted.history, scores["accuracy"], scores["loss"],
            time.perf_counter() - began, trainable, total - trainable, fitted.stopped,
            stage.start, float(moved.mean()), float(moved.max()),
        )
        if way in CONTINUES.values():
            trained[way] = model  # the next way goes on training it
    return results


def estimate_seconds(config: TransferConfig) -> float:
    """Rough wall time of training and testing all the ways, to plan a lesson with."""
    batches = total_epochs(config) * math.ceil(config.train_reviews / config.batch_size)
    return batches * SECONDS_PER_BATCH[config.body] + len(WAYS) * SECONDS_PER_MODEL


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
