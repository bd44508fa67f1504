"""The sentiment lab's form, workflow and budget, away from the page that draws them.

`form(imdb, model, train)` flattens the three settings of a run into the fields the lab's
widgets hold (see FORM), and `from_form(values)` reads them back; a preset fills the form
with `form`, and a form read back from an untouched preset still `matches` that preset.

`train_and_save(spec, reporter)` is what a lab run does from start to end: load the IMDB
arrays its `ImdbConfig` asks for (from the disk cache, in well under a second once made),
build the model, train it (batches and epochs go to the reporter, each epoch with a
`watch.EpochView` of the model, epoch 0 before training; Stop ends it within a batch and
keeps what was learned), score the first `test_reviews` test reviews (a stage
with progress), and save everything as a run. It is a top-level function of one frozen
spec, so a live job can run it in a thread today and on another process later.

`budget(imdb, model, train)` estimates, before a run starts, its wall time
(`estimate_seconds`, from costs measured on this machine) and the memory of one batch
(`estimate_memory_bytes`), and gives a verdict: ok, warn (slow but allowed) or refuse,
with a reason code and the limit crossed. Each reason's sentence is an English template
(`REASONS`, marked with `N_`) whose numbers `Budget.message` fills in; the page shows it in the
reader's language.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np

from explainers import (
    cells,
    data,
    live,
    models,
    presets,
    reviews,
    run_access,
    runs,
    training,
    watch,
)
from explainers.i18n import N_

MAX_SECONDS = 60 * 60  # refuse a set-up estimated over an hour; also the hard time limit
WARN_SECONDS = 5 * 60  # say so when a run will take more than five minutes
MAX_MEMORY = 1.5e9  # bytes of activations; the machine is shared with other sessions
SAVING = N_("saving the run")  # the stage after scoring (training.SCORING), as reported
ALL_REVIEWS = 25_000  # a form's train_size for the whole training split (train_size None)
FORM = {  # the settings the lab's form holds: field -> the settings object it belongs to
    "vocab_size": "model", "embed_dim": "model", "mask_zero": "model", "body": "model",
    "units": "model", "layers": "model", "bidirectional": "model", "dropout": "model",
    "dense_units": "model", "maxlen": "imdb", "padding": "imdb", "truncating": "imdb",
    "train_size": "train", "validation_split": "train", "epochs": "train",
    "batch_size": "train", "learning_rate": "train", "early_stopping_patience": "train",
    "bucketing": "train", "seed": "train",
}


@dataclass(frozen=True)
class LabSpec:
    """One lab run: the data, the model and the training, all frozen settings."""

    imdb: data.ImdbConfig
    model: models.ModelConfig
    train: training.TrainConfig
    preset: str = ""  # the preset's name while the settings are exactly its own, else ""
    test_reviews: int = 25_000  # the first N test reviews (balanced: Keras's shuffle)
    owner: str = run_access.CLASS  # whose run it is saved as (run_access.py): the page's owner


@dataclass(frozen=True, eq=False)
class LabOutcome:
    """What a finished (or stopped) lab run produced; it is also saved as run `run_id`."""

    spec: LabSpec
    run_id: str
    test_loss: float
    test_accuracy: float
    probabilities: np.ndarray  # (test_reviews,) P(positive) of each test review
    summary: str  # model.summary() as text
    result: training.TrainResult
    test_seconds: float  # time spent scoring the test reviews
    model: object = field(repr=False)  # the trained Keras model (this process only)


def form(imdb: data.ImdbConfig, model: models.ModelConfig,
         train: training.TrainConfig) -> dict[str, Any]:
    """Three settings as the lab's form holds them: one flat {field: value} (see FORM)."""
    parts = {"imdb": imdb, "model": model, "train": train}
    values = {name: getattr(parts[part], name) for name, part in FORM.items()}
    return values | {"train_size": train.train_size or ALL_REVIEWS}


def from_form(values: Mapping[str, Any]
              ) -> tuple[data.ImdbConfig, models.ModelConfig, training.TrainConfig]:
    """The settings a filled-in form describes, the inverse of `form`. A pooling model keeps
    ModelConfig's recurrent defaults whatever the (disabled) recurrent fields hold; the
    vocabulary size is also IMDB's num_words; training stops at MAX_SECONDS."""
    parts: dict[str, dict[str, Any]] = {"imdb": {}, "model": {}, "train": {}}
    for name, part in FORM.items():
        parts[part][name] = values[name]
    model, train = parts["model"], parts["train"]
    if model["body"] == models.POOL:
        defaults = models.ModelConfig
        model |= {"units": defaults.units, "layers": defaults.layers,
                  "bidirectional": defaults.bidirectional}
    size = int(train["train_size"])
    train |= {"train_size": None if size >= ALL_REVIEWS else size, "seed": int(train["seed"]),
              "time_limit": MAX_SECONDS}
    return (data.ImdbConfig(num_words=model["vocab_size"], **parts["imdb"]),
            models.ModelConfig(**model), training.TrainConfig(**train))


@dataclass(frozen=True)
class Difference:
    """One setting a form holds differently from a preset's recipe."""

    field: str  # a FORM field, named as Keras's and pad_sequences' arguments are
    preset: Any  # the preset's value
    value: Any  # the form's value


def differences(preset: presets.Preset, imdb: data.ImdbConfig, model: models.ModelConfig,
                train: training.TrainConfig) -> tuple[Difference, ...]:
    """Where these settings depart from `preset`'s recipe, in FORM order (the seed does not
    change a recipe); empty while they are exactly the preset's."""
    theirs, mine = form(preset.imdb, preset.model, preset.train), form(imdb, model, train)
    return tuple(Difference(name, theirs[name], mine[name]) for name in FORM
                 if name != "seed" and theirs[name] != mine[name])


def train_and_save(spec: LabSpec, reporter: live.Reporter = live.QUIET) -> LabOutcome:
    """Train -> score the test set -> save a run (see the module docstring)."""
    imdb = data.load_imdb(spec.imdb)
    model = models.build_model(spec.model, seed=spec.train.seed,
                               learning_rate=spec.train.learning_rate)
    watcher = watch.Watcher.for_run(spec.model.body, imdb)
    reporter.epoch(0, extra=watcher(model))  # the fixed words before training: random rows
    result = training.train(model, imdb.x_train, imdb.y_train, spec.train, reporter=reporter,
                            watch=watcher)
    if reporter.abandoned():  # its tab was closed: nobody will see this run, so none is saved
        raise live.Abandoned()
    x_test = imdb.x_test[:spec.test_reviews]  # (n, maxlen)
    y_test = imdb.y_test[:spec.test_reviews]  # (n,)
    began = time.perf_counter()
    test = training.evaluate(model, x_test, y_test, bucketing=spec.train.bucketing or None,
                             reporter=reporter)  # the stage training.SCORING
    test_seconds = time.perf_counter() - began
    reporter.stage(SAVING, 1.0)
    run_id = runs.RunStore().save(
        model, model_config=spec.model, train_config=spec.train, result=result,
        test_metrics={"loss": test["loss"], "accuracy": test["accuracy"],
                      "reviews": len(y_test)},
        input_format=reviews.InputFormat.of_imdb(imdb), preset=spec.preset,
        name=spec.preset or models.describe(spec.model),
        timings={"test_seconds": test_seconds}, owner=spec.owner,
    )
    return LabOutcome(spec, run_id, test["loss"], test["accuracy"], test["probabilities"],
                      models.summary_text(model), result, test_seconds, model)


# --------------------------------------------------------------------------- budget


class Verdict(StrEnum):
    OK = "ok"
    WARN = "warn"  # allowed, but the page says it will be slow
    REFUSE = "refuse"  # the Train button stays disabled


class Reason(StrEnum):
    NONE = ""
    SLOW = "slow"  # over WARN_SECONDS: warned
    TOO_SLOW = "too_slow"  # over MAX_SECONDS: refused
    TOO_MUCH_MEMORY = "too_much_memory"  # over MAX_MEMORY: refused


REASONS = {  # what the page says for each reason (N_); `Budget.message` fills the numbers
    Reason.SLOW: N_("This run takes about {minutes:.0f} minutes here; the lesson's recipes are "
                    "slow on purpose, so you can compare. The “Fast” presets show how to get "
                    "there in seconds."),
    Reason.TOO_SLOW: N_("This set-up would train for over {limit_minutes:.0f} minutes on this "
                        "machine: lower the epochs, units, layers or max length, or switch on "
                        "bucketing."),
    Reason.TOO_MUCH_MEMORY: N_("One batch would need about {gigabytes:.1f} GB (the limit is "
                               "{limit_gigabytes:.1f} GB): lower the batch size, units, layers "
                               "or max length."),
}


@dataclass(frozen=True)
class Budget:
    """What a set-up will cost before it starts, and whether it may start."""

    seconds: float  # estimated wall time of the training, validation included
    memory_bytes: int  # estimated activations of one training step
    mean_width: float  # mean steps per training batch (bucketing makes it small)
    reviews: int  # reviews trained on, after the validation split
    verdict: Verdict
    reason: Reason  # why the verdict is not ok; the page words it
    limit: float  # the limit crossed: seconds for the time reasons, bytes for memory

    @property
    def message(self) -> tuple[str, dict[str, float]] | None:
        """The reason's sentence (an English template, see REASONS) and the numbers for its
        placeholders; None when there is nothing to say."""
        if self.reason == Reason.NONE:
            return None
        return REASONS[self.reason], {
            "minutes": self.seconds / 60, "limit_minutes": self.limit / 60,
            "gigabytes": self.memory_bytes / 1e9, "limit_gigabytes": self.limit / 1e9,
        }


# Costs on this 2-core machine, fitted to the presets' measured epochs (benchmarks/
# time_to_accuracy.py): lesson BiLSTM ~180 s, Fast LSTM ~8 s, SimpleRNN done right ~10 s,
# pooling ~2 s per epoch. A laptop is usually faster; the estimate is for planning a lesson.
STEP_COST = 2.0e-4  # s per 1,000 review-steps: embedding, pooling, Dense, input pipeline
WEIGHT_COST = 1.0e-7  # s per recurrent weight per 1,000 review-steps (both passes)
RNN_STEP_COST = 1.5e-4  # s per step per recurrent layer and direction: the loop's overhead
BATCH_COST = 2.0e-3  # s per batch: Python, callbacks, the optimizer update


def estimate_seconds(model_config: models.ModelConfig, config: training.TrainConfig,
                     n_reviews: int, width: float) -> float:
    """A rough wall-time estimate of training (validation included), before it starts."""
    n = n_reviews if config.train_size is None else min(n_reviews, config.train_size)
    n_val = int(n * config.validation_split)
    recurrent = models.recurrent_parameter_count(model_config)
    layers = model_config.layers * (2 if model_config.bidirectional else 1)
    layers = layers if model_config.recurrent else 0
    batches = math.ceil((n - n_val) / config.batch_size)
    per_step = (STEP_COST + WEIGHT_COST * recurrent) * config.batch_size / 1000
    per_batch = (per_step + RNN_STEP_COST * layers) * width + BATCH_COST
    validation = batches * per_batch * (n_val / max(n - n_val, 1)) / 3  # forward pass only
    return config.epochs * (batches * per_batch + validation)


def estimate_memory_bytes(model_config: models.ModelConfig, batch_size: int, width: int) -> int:
    """Rough peak memory of one training step: the activations kept for backpropagation."""
    per_step = model_config.embed_dim  # the embedded review, (batch, width, embed_dim)
    if model_config.recurrent:
        dirs = 2 if model_config.bidirectional else 1
        kept = cells.cell(model_config.body).kept_per_step  # gates and states
        per_step += model_config.layers * dirs * model_config.units * kept
    return int(batch_size * width * per_step * 4 * 3)  # float32; forward, grads, copies


def budget(imdb: data.ImdbData, model: models.ModelConfig,
           train: training.TrainConfig) -> Budget:
    """The time and memory a set-up needs, checked against the limits above."""
    n_total = len(imdb.y_train)
    n_used = min(n_total, train.train_size or n_total)
    n_fit = n_used - int(n_used * train.validation_split)
    lengths = imdb.lengths.get("train")
    steps = training.review_steps(imdb.x_train[:n_fit],
                                  None if lengths is None else lengths[:n_fit])  # (n_fit,)
    width = training.mean_batch_width(steps, imdb.config.maxlen, train.batch_size,
                                      train.bucketing)
    seconds = estimate_seconds(model, train, n_total, width)
    memory = estimate_memory_bytes(model, train.batch_size, imdb.config.maxlen)
    verdict, reason, limit = Verdict.OK, Reason.NONE, 0.0
    if seconds > MAX_SECONDS:
        verdict, reason, limit = Verdict.REFUSE, Reason.TOO_SLOW, MAX_SECONDS
    elif memory > MAX_MEMORY:
        verdict, reason, limit = Verdict.REFUSE, Reason.TOO_MUCH_MEMORY, MAX_MEMORY
    elif seconds > WARN_SECONDS:
        verdict, reason, limit = Verdict.WARN, Reason.SLOW, WARN_SECONDS
    return Budget(seconds, memory, width, n_fit, verdict, reason, limit)
