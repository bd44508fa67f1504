"""Ready-made experiments: the lesson's models as it built them, and the lab's fixes of them.

A lab preset is three frozen settings, what the lab's widgets hold: how IMDB is read
(`data.ImdbConfig`), the model (`models.ModelConfig`) and the training (`training.TrainConfig`).
The lesson's own models take every number from `explainers.lesson`, so "the lesson's" here
means what the tutorial's code says.

Names and sentences are English, marked with `N_`: a page shows them with `_(preset.name)`, and
the English name stays the preset's code (a link's `preset=`, a saved run's `preset`).

The parameter-count page's models are the same lesson models seen as `params` layer lists,
plus the lesson's char-RNN; `LESSON_COUNTS` says which layer printed each count the lesson
showed, so the page (and a test) can recompute each one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from explainers import chargen, lesson, models, params
from explainers.data import ImdbConfig
from explainers.i18n import N_
from explainers.models import ModelConfig
from explainers.training import TrainConfig


def lesson_model(recipe: lesson.SentimentModel, **changes) -> ModelConfig:
    """One of the lesson's IMDB models as a lab model (with `changes` on top)."""
    spec = {
        "vocab_size": lesson.IMDB.num_words, "embed_dim": lesson.IMDB.embed_dim,
        "body": recipe.body, "units": recipe.units or ModelConfig.units,
        "layers": recipe.layers, "bidirectional": recipe.bidirectional,
        "dense_units": lesson.IMDB.dense_units,
    }
    return ModelConfig(**{**spec, **changes})


def lesson_imdb(**changes) -> ImdbConfig:
    """How the lesson reads IMDB (with `changes` on top)."""
    spec = {"num_words": lesson.IMDB.num_words, "index_from": lesson.IMDB.index_from,
            "maxlen": lesson.IMDB.maxlen, "padding": lesson.IMDB.padding,
            "truncating": lesson.IMDB.truncating}
    return ImdbConfig(**{**spec, **changes})


def lesson_train(recipe: lesson.SentimentModel, **changes) -> TrainConfig:
    """How the lesson trained one of its IMDB models: model.fit's epochs, batch size, split."""
    spec = {"epochs": recipe.epochs, "batch_size": recipe.batch_size,
            "learning_rate": lesson.IMDB.learning_rate,
            "validation_split": lesson.IMDB.validation_split}
    return TrainConfig(**{**spec, **changes})


@dataclass(frozen=True)
class Preset:
    """A ready-made experiment: the lesson's recipes, and the lab's fixes of them."""

    name: str  # English (N_), also the preset's code: in links, runs and `compare_with`
    imdb: ImdbConfig  # how the reviews become ids
    model: ModelConfig
    train: TrainConfig
    why: str  # one sentence (N_): what this preset shows or what it changed and why
    lesson: lesson.SentimentModel | None = None  # set: the lesson's own model
    compare_with: str = ""  # for a lab preset: the lesson preset it improves on

    @property
    def lesson_accuracy(self) -> float | None:
        """The test accuracy the lesson printed for this preset's model."""
        return self.lesson.test_accuracy if self.lesson else None

    def matches(self, imdb: ImdbConfig, model: ModelConfig, train: TrainConfig) -> bool:
        """True while the settings are still exactly this preset's (its lesson number applies).

        The data source, seed and time limit do not change the recipe.
        """
        mine = self.train
        return (
            model == self.model
            and replace(imdb, source=self.imdb.source) == self.imdb
            and replace(train, seed=mine.seed, time_limit=mine.time_limit,
                        restore_best_weights=mine.restore_best_weights) == mine
        )


LESSON_POOL = Preset(
    N_("Embedding + average pooling (lesson)"),
    lesson_imdb(),
    lesson_model(lesson.POOL),
    lesson_train(lesson.POOL),
    why=N_("The lesson's first model: average the 16-d word vectors of a review, then two Dense "
           "layers. Word order is ignored, yet it works; 30 epochs, batch 128, reviews of 500."),
    lesson=lesson.POOL,
)
LESSON_RNN = Preset(
    N_("SimpleRNN, post-padding (lesson)"),
    lesson_imdb(),
    lesson_model(lesson.SIMPLE_RNN),
    lesson_train(lesson.SIMPLE_RNN),
    why=N_("The lesson's failure: with padding='post' most reviews end in hundreds of <PAD> "
           "steps, and a SimpleRNN forgets the words long before its final state is read."),
    lesson=lesson.SIMPLE_RNN,
)
LESSON_BILSTM = Preset(
    N_("2 × Bidirectional LSTM (lesson)"),
    lesson_imdb(),
    lesson_model(lesson.BILSTM),
    lesson_train(lesson.BILSTM),
    why=N_("The lesson's LSTM: two stacked Bidirectional(LSTM(64)), 308,609 parameters, every "
           "review 500 steps long. Accurate but slow: minutes per epoch on a laptop CPU."),
    lesson=lesson.BILSTM,
)
FAST_POOL = Preset(
    N_("Fast average pooling"),
    lesson_imdb(padding="pre"),
    lesson_model(lesson.POOL, mask_zero=True),
    TrainConfig(epochs=4, batch_size=32, bucketing=True, early_stopping_patience=1),
    why=N_("Masking makes the average skip the <PAD> steps (the lesson's model averaged hundreds "
           "of pads into every short review); small batches and early stopping at the best "
           "epoch do the rest, in seconds."),
    compare_with=LESSON_POOL.name,
)
RNN_DONE_RIGHT = Preset(
    N_("SimpleRNN done right"),
    lesson_imdb(maxlen=200, padding="pre"),
    lesson_model(lesson.SIMPLE_RNN, units=32, mask_zero=True),
    TrainConfig(epochs=3, batch_size=64, bucketing=True, early_stopping_patience=1),
    why=N_("Pad 'pre' so the words come last and the final state has just read them, mask the "
           "pads, and keep the last 200 tokens: the short memory of a SimpleRNN is now enough."),
    compare_with=LESSON_RNN.name,
)
FAST_LSTM = Preset(
    N_("Fast LSTM"),
    lesson_imdb(maxlen=200, padding="pre"),
    lesson_model(lesson.BILSTM, units=32, layers=1, bidirectional=False, mask_zero=True),
    TrainConfig(epochs=3, batch_size=256, learning_rate=5e-3, bucketing=True,
                early_stopping_patience=1),
    why=N_("One LSTM(32) instead of two bidirectional LSTM(64) (1/22 of the recurrent weights), "
           "reviews cut to their last 200 tokens, each batch padded only to its longest "
           "review, and big batches with a larger learning rate: the lesson's accuracy in "
           "one epoch of seconds."),
    compare_with=LESSON_BILSTM.name,
)
PRESETS: dict[str, Preset] = {
    p.name: p for p in (LESSON_POOL, FAST_POOL, LESSON_RNN, RNN_DONE_RIGHT, LESSON_BILSTM,
                        FAST_LSTM)
}
LESSON_PRESETS: dict[str, Preset] = {  # the lesson model's key -> its preset
    p.lesson.key: p for p in PRESETS.values() if p.lesson is not None}


def recognise(imdb: ImdbConfig, model: ModelConfig, train: TrainConfig) -> Preset | None:
    """The preset these settings are exactly (however they were entered), or None."""
    return next((p for p in PRESETS.values() if p.matches(imdb, model, train)), None)


def lesson_accuracy_for(preset: Preset) -> float | None:
    """The lesson's number a run of this preset is compared with (its own, or its model's)."""
    if preset.lesson is None and preset.compare_with:
        return PRESETS[preset.compare_with].lesson_accuracy
    return preset.lesson_accuracy


# --------------------------------------------------------------------------- parameter counts

POOL_TITLE = N_("Pooling model (Embedding → average → Dense)")
CHAR_TITLE = N_("Char-RNN on Shakespeare")
PARAMETER_MODELS: dict[str, params.ModelSpec] = {  # title -> layers, as the lesson built them
    POOL_TITLE: params.ModelSpec(
        models.spec(lesson_model(lesson.POOL), lesson.IMDB.maxlen).layers, lesson.IMDB.maxlen,
        N_("The embeddings lesson's baseline: {total}"), (("total", lesson.POOL_TOTAL),)),
    N_("SimpleRNN model (padding='post')"): params.ModelSpec(
        models.spec(lesson_model(lesson.SIMPLE_RNN)).layers, lesson.IMDB.maxlen,
        N_("The lesson's SimpleRNN that scored {accuracy}"),
        (("accuracy", lesson.SIMPLE_RNN.test_accuracy),)),
    N_("Two stacked Bidirectional LSTMs"): params.ModelSpec(
        models.spec(lesson_model(lesson.BILSTM)).layers, lesson.IMDB.maxlen,
        N_("The lesson's 2 × BiLSTM sentiment model")),
    CHAR_TITLE: params.ModelSpec(
        chargen.spec(lesson.CHAR.vocab, chargen.LESSON_MODEL).layers, lesson.CHAR.seq_length,
        N_("The text-generation model: {vocab} characters, {embedding}-d embedding, "
           "{units} units"),
        (("vocab", lesson.CHAR.vocab), ("embedding", lesson.CHAR.embedding),
         ("units", lesson.CHAR.units))),
}
PARAMETER_TITLES = dict(zip((*(m.key for m in lesson.SENTIMENT_MODELS), "char"),
                            PARAMETER_MODELS, strict=True))  # lesson model key -> title above
LESSON_COUNTS: dict[int, tuple[str, int]] = {  # each count the lesson printed -> (title, layer)
    count.value: (PARAMETER_TITLES[count.model], count.layer) for count in lesson.PRINTED_COUNTS
}
