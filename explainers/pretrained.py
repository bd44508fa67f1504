"""Where the transfer page's pretrained Embedding comes from: GloVe, or the lesson's own model.

The lesson's way of transfer learning: train an embedding on a bigger task, load it into a
small-data model, drop the later layers and build new ones, freeze it, then unfreeze it to
fine-tune. The bigger task here is the recorded full run of the lesson's pooling model
(`runs.load_lesson_run("pool")`, made by scripts/record_lesson_runs.py): Embedding(10000, 16)
-> GlobalAveragePooling1D -> Dense(64) -> Dense(1), 30 epochs on 20,000 training reviews,
exactly as the lesson's code. Its Embedding is kept; its pooling and Dense layers are not.

An Embedding row means a word only through the vocabulary that numbered it: id 7 is "the"
in one encoding and may be another word in the next. `remap` therefore copies the source's
rows word by word into the small model's ids (the reserved ids 0-3 as they are), so the
transfer is right even where the two vocabularies differ; with the same vocabulary (this
app's IMDB encoding, which the recorded run shares) it is an exact copy.

`train_ways` is the page's live job: it loads IMDB and the source itself, so a worker could
run it from its frozen `TransferConfig` alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from explainers import data, embeddings, lesson, live, models, runs, transfer

LESSON_RUN = lesson.POOL.key  # the recorded lesson run whose Embedding is the source
FRESH = 0.05  # a word the source lacks starts as Keras's fresh rows do: uniform +-0.05


@dataclass(frozen=True)
class LessonSource:
    """What the page says about the lesson's model before training: read from its record."""

    layers: tuple[str, ...]  # its layers in order; the first (the Embedding) is kept
    dim: int  # the Embedding's width
    train_reviews: int  # the reviews it trained on: the first ones of the training split
    epochs: int
    test_accuracy: float
    test_reviews: int


def lesson_source(record: runs.RunRecord, available: int) -> LessonSource:
    """The recorded run as a source: `available` is the size of the training split, of
    which Keras's validation_split kept the last part for validation."""
    spec = models.ModelConfig.from_dict(record.model_config)
    split = float(record.train_config.get("validation_split", lesson.IMDB.validation_split))
    return LessonSource(
        layers=tuple(models.describe(spec).split(" → ")), dim=spec.embed_dim,
        train_reviews=available - int(available * split),  # as training.train cuts it
        epochs=record.epochs_run, test_accuracy=record.test_accuracy,
        test_reviews=record.test_reviews,
    )


def remap(weights: np.ndarray, source: data.Vocabulary, target: data.Vocabulary,
          seed: int = 0) -> tuple[np.ndarray, float]:
    """(target.size, dim) Embedding rows in the target's ids, copied from `weights`
    (source ids) word by word; reserved ids (<PAD>, <START>, <UNK>, <UNUSED>) copied as they
    are; words the source lacks get fresh random rows. Returns it and the share found."""
    rng = np.random.default_rng(seed)
    matrix = rng.uniform(-FRESH, FRESH, (target.size, weights.shape[1])).astype(np.float32)
    reserved = min(source.index_from, target.index_from) + 1  # ids 0-3 mean the same
    matrix[:reserved] = weights[:reserved]
    words = target.words[:target.size - target.index_from - 1]  # the ids the target has
    to_ids = np.arange(len(words)) + target.index_from + 1  # (words,) target ids
    from_ids = np.array(data.encode_tokens(words, source, add_start=False))  # (words,)
    found = (from_ids != data.UNK) & (from_ids < len(weights))  # (words,)
    matrix[to_ids[found]] = weights[from_ids[found]]  # (found, dim) exact copies
    return matrix, float(found.mean()) if len(words) else 0.0


def lesson_matrix(vocabulary: data.Vocabulary) -> tuple[np.ndarray, float]:
    """The recorded lesson model's Embedding in `vocabulary`'s ids (RunDamaged when the
    recorded run is missing or broken)."""
    trained = runs.load_lesson_run(LESSON_RUN)
    weights = transfer.embedding_weights(trained.model)  # (10000, 16)
    return remap(weights, trained.input_format.vocabulary, vocabulary)


def source_matrix(source: str, vocabulary: data.Vocabulary) -> tuple[np.ndarray, float]:
    """The pretrained Embedding of `source` (a key of `transfer.SOURCES`) for `vocabulary`,
    and the share of its words the source has a vector for."""
    if source == "glove":
        return transfer.glove_matrix(vocabulary, embeddings.load_glove().vectors)
    return lesson_matrix(vocabulary)


def train_ways(config: transfer.TransferConfig,
               reporter: live.Reporter = live.QUIET) -> dict[str, transfer.WayResult]:
    """`transfer.run_transfer` as a live job's work: it loads IMDB and the source itself."""
    imdb = data.load_imdb(data.ImdbConfig())
    matrix, _found = source_matrix(config.source, imdb.vocabulary)
    return transfer.run_transfer(config, imdb, matrix, reporter=reporter)
