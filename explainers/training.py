"""Train and evaluate the lab's models fast, with progress and Stop through a live reporter.

Speed by design, without changing what a lesson recipe computes:
- A `tf.data` pipeline with prefetching feeds the batches, so the next batch is ready while
  the current one trains.
- With `bucketing`, reviews are shuffled, cut into chunks of `CHUNK_BATCHES` batches, sorted by
  length inside each chunk and batched; each batch is then cut to its own longest review
  (reviews were already truncated to the array's width, `maxlen`). A recurrent layer's cost is
  proportional to the steps it reads, and half of IMDB's reviews have under 180 tokens, so a
  batch of short reviews no longer pays for 500 steps of padding. The batch order is shuffled
  again so the model does not see all short reviews first.
- Without `bucketing`, every batch is the full padded array, exactly as `model.fit` would see
  the lesson's arrays: the lesson's recipes are reproduced unchanged.

Which side holds the padding ('pre' or 'post') is read from the array itself: ids are never
0 except for <PAD>, so the words of a review are its non-zero ids.

The validation set is the last `validation_split` of the training reviews, as Keras's own
`validation_split` takes it. Everything random (model weights, shuffling, dropout) follows
`seed`, and nothing here touches global state, so two trainings in parallel threads give the
same results as one after the other.

A setting that leaves nothing to train on raises `TrainingError`, an `Explained` error whose
message a page shows in the reader's language; the stage label `SCORING` is marked for the
catalogue too.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from explainers import live
from explainers.i18n import N_, Explained

CHUNK_BATCHES = 32  # batches sorted together: similar lengths, yet still well shuffled
HISTORY_KEYS = ("loss", "accuracy", "val_loss", "val_accuracy")
EPSILON = 1e-7  # Keras's clip for log(0) in binary cross-entropy
SCORING = N_("scoring the test reviews")  # the stage label of `evaluate` after a live training


class TrainingError(Explained, ValueError):
    """Settings a training cannot run with; the message is a template a page can translate."""


@dataclass(frozen=True)
class TrainConfig:
    """How to train; frozen so it can key caches and be saved with a run."""

    epochs: int = 10  # enough to see validation loss turn up (overfitting) on IMDB
    batch_size: int = 128  # the lesson's batch size
    learning_rate: float = 1e-3  # Adam's default, the lesson's optimizer
    validation_split: float = 0.2  # the lesson's: the last 5,000 training reviews
    train_size: int | None = None  # None = all 25,000; smaller for a quick try in class
    early_stopping_patience: int = 0  # 0 = off (the lesson); else stop after N flat epochs
    bucketing: bool = False  # False = the lesson's full-width batches; True = fast path
    seed: int = 0  # weights, shuffling and dropout all follow it
    restore_best_weights: bool = True  # with early stopping, keep the best epoch's weights
    time_limit: float | None = None  # seconds; training ends (kept, like Stop) when reached

    def __post_init__(self) -> None:
        if self.epochs < 1 or self.batch_size < 1:
            raise ValueError("epochs and batch_size must be at least 1")
        if not 0.0 <= self.validation_split < 1.0:
            raise ValueError("validation_split must be in [0, 1)")
        if self.learning_rate <= 0:
            raise ValueError("learning_rate must be positive")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, spec: dict) -> TrainConfig:
        return cls(**{k: v for k, v in spec.items() if k in cls.__dataclass_fields__})


@dataclass
class TrainResult:
    """What a training produced besides the model's weights."""

    history: dict[str, list[float]]  # loss, accuracy, val_loss, val_accuracy: one per epoch
    seconds: float  # wall time of the training (validation included)
    epochs_run: int  # completed epochs (= len(history["loss"]))
    stopped: bool  # Stop was pressed (or time_limit hit); a part epoch is not in `history`
    best_epoch: int  # 1-based epoch of the lowest val_loss; 0 when there is no validation
    early_stopped: bool = False  # early stopping ended it
    epoch_seconds: list[float] = field(default_factory=list)  # wall time of each epoch
    batches_per_epoch: int = 0
    mean_width: float = 0.0  # mean steps per training batch (bucketing makes it small)
    partial_batches: int = 0  # batches trained in the epoch that Stop interrupted
    timed_out: bool = False  # time_limit ended it

    def to_dict(self) -> dict:
        return asdict(self)


# --------------------------------------------------------------------------- batching


def review_steps(x: np.ndarray, lengths: np.ndarray | None = None) -> np.ndarray:
    """Steps of each row that hold words (not <PAD>): (n,) ints, at most x.shape[1]."""
    if lengths is not None:
        return np.minimum(np.asarray(lengths), x.shape[1]).astype(np.int64)
    return np.count_nonzero(x, axis=1).astype(np.int64)  # ids are 0 only for <PAD>


def padding_side(x: np.ndarray, steps: np.ndarray) -> str:
    """'pre' when the pads come before the words, 'post' when after (read from the data)."""
    short = steps < x.shape[1]
    if not short.any():
        return "pre"  # no row is padded: either side cuts the same
    return "pre" if np.mean(x[short, -1] != 0) >= 0.5 else "post"


def cut(x: np.ndarray, width: int, side: str) -> np.ndarray:
    """Keep the `width` steps that hold the words: (batch, width)."""
    width = max(int(width), 1)
    return x[:, x.shape[1] - width:] if side == "pre" else x[:, :width]


def epoch_batches(
    steps: np.ndarray, batch_size: int, bucketing: bool, rng: np.random.Generator | None
) -> list[np.ndarray]:
    """Row indices of each batch of one epoch (shuffled when `rng` is given)."""
    n = len(steps)
    order = rng.permutation(n) if rng is not None else np.arange(n)
    if not bucketing:
        return [order[i:i + batch_size] for i in range(0, n, batch_size)]
    if rng is None:  # evaluation: sort everything, the least padding possible
        order = np.argsort(steps, kind="stable")
        return [order[i:i + batch_size] for i in range(0, n, batch_size)]
    chunk = batch_size * CHUNK_BATCHES
    batches = []
    for start in range(0, n, chunk):
        part = order[start:start + chunk]
        part = part[np.argsort(steps[part], kind="stable")]  # similar lengths together
        batches.extend(part[i:i + batch_size] for i in range(0, len(part), batch_size))
    return [batches[i] for i in rng.permutation(len(batches))]


def mean_batch_width(steps: np.ndarray, width: int, batch_size: int, bucketing: bool,
                     seed: int = 0) -> float:
    """Mean steps per batch that training will read (for the time estimate)."""
    if not bucketing or len(steps) == 0:
        return float(width)
    batches = epoch_batches(steps, batch_size, True, np.random.default_rng(seed))
    return float(np.mean([max(1, int(steps[b].max())) for b in batches]))


def _dataset(x, y, steps, batch_size, bucketing, side, rng):
    """A prefetching tf.data pipeline; endless (one epoch after another) when shuffling."""
    import tensorflow as tf

    def batches() -> Iterator[tuple[np.ndarray, np.ndarray]]:
        while True:
            for rows in epoch_batches(steps, batch_size, bucketing, rng):
                width = int(steps[rows].max()) if bucketing else x.shape[1]
                yield cut(x[rows], width, side), y[rows]  # (batch, width), (batch,)
            if rng is None:
                return

    signature = (
        tf.TensorSpec(shape=(None, None), dtype=tf.int32),
        tf.TensorSpec(shape=(None,), dtype=tf.float32),
    )
    return tf.data.Dataset.from_generator(batches, output_signature=signature).prefetch(2)


def masks_zero(model) -> bool:
    """True when the model's Embedding masks <PAD>: then cutting padding changes nothing."""
    return any(getattr(layer, "mask_zero", False) for layer in model.layers)


# --------------------------------------------------------------------------- training


def train(
    model,
    x_train: np.ndarray,
    y_train: np.ndarray,
    config: TrainConfig,
    *,
    lengths: np.ndarray | None = None,
    reporter: live.Reporter = live.QUIET,
    watch: Callable[[Any], Any] | None = None,
) -> TrainResult:
    """Train a compiled model in place and return its history.

    Through `reporter`: `batch(done, batches, loss=..., accuracy=...)` after every batch,
    `epoch(number, {loss, accuracy, val_loss, val_accuracy}, extra=watch(model))` after
    every whole epoch (1-based; `extra` None without `watch`, e.g. `watch.Watcher`), and
    `should_stop()`, asked after every batch: when it says True, training ends at once and
    keeps what it learned.
    """
    import keras

    x = np.asarray(x_train, dtype=np.int32)  # (n, maxlen)
    y = np.asarray(y_train, dtype=np.float32)  # (n,)
    steps = review_steps(x, lengths)  # (n,)
    if config.train_size is not None:
        x, y, steps = x[:config.train_size], y[:config.train_size], steps[:config.train_size]
    n_val = int(len(x) * config.validation_split)  # Keras: the last part, before shuffling
    n_fit = len(x) - n_val
    if n_fit < 1:
        raise TrainingError(N_("No training reviews are left: {reviews} reviews, of which the "
                               "validation split keeps {validation} for validation."),
                            reviews=len(x), validation=n_val)
    side = padding_side(x, steps)
    rng = np.random.default_rng(config.seed)
    fit_data = _dataset(
        x[:n_fit], y[:n_fit], steps[:n_fit], config.batch_size, config.bucketing, side, rng
    )
    batches_per_epoch = math.ceil(n_fit / config.batch_size)
    val = (x[n_fit:], y[n_fit:]) if n_val else None
    model.optimizer.learning_rate.assign(config.learning_rate)

    history: dict[str, list[float]] = {key: [] for key in HISTORY_KEYS}
    state = {"early": False, "best": math.inf, "best_epoch": 0, "best_weights": None,
             "wait": 0, "timed_out": False, "batches": 0, "epoch_began": 0.0}
    epoch_seconds: list[float] = []
    began = time.perf_counter()
    keep_best = config.early_stopping_patience > 0 and config.restore_best_weights

    class Epochs(keras.callbacks.Callback):
        """Validation, early stopping and the time limit; the live bridge does the rest."""

        def on_epoch_begin(self, epoch, logs=None):
            state["batches"] = 0
            state["epoch_began"] = time.perf_counter()

        def out_of_time(self) -> None:
            limit = config.time_limit
            if limit is not None and time.perf_counter() - began > limit:
                state["timed_out"] = True
                self.model.stop_training = True

        def on_train_batch_end(self, batch, logs=None):
            state["batches"] = batch + 1
            self.out_of_time()

        def on_epoch_end(self, epoch, logs=None):
            if state["batches"] < batches_per_epoch:
                return  # a part of an epoch: its numbers are not comparable, leave them out
            row = {"loss": float(logs["loss"]), "accuracy": float(logs["accuracy"])}
            if val is not None:
                scores = evaluate(self.model, val[0], val[1], batch_size=512,
                                  bucketing=config.bucketing or None)
                row["val_loss"], row["val_accuracy"] = scores["loss"], scores["accuracy"]
            else:
                row["val_loss"] = row["val_accuracy"] = math.nan
            for key in HISTORY_KEYS:
                history[key].append(row[key])
            epoch_seconds.append(time.perf_counter() - state["epoch_began"])
            if val is not None and row["val_loss"] < state["best"]:
                state["best"], state["best_epoch"], state["wait"] = row["val_loss"], epoch + 1, 0
                if keep_best:
                    state["best_weights"] = self.model.get_weights()
            else:
                state["wait"] += 1
            patience = config.early_stopping_patience
            if val is not None and patience and state["wait"] >= patience:
                state["early"] = True
                self.model.stop_training = True
            reporter.epoch(epoch + 1, row, extra=None if watch is None else watch(self.model))
            self.out_of_time()

    bridge = live.keras_bridge(reporter, batches_per_epoch)  # after Epochs: record, then stop
    model.fit(fit_data, epochs=config.epochs, steps_per_epoch=batches_per_epoch,
              callbacks=[Epochs(), bridge], verbose=0, shuffle=False)
    if keep_best and state["best_weights"] is not None:
        model.set_weights(state["best_weights"])
    width = (mean_batch_width(steps[:n_fit], x.shape[1], config.batch_size, True, config.seed)
             if config.bucketing else float(x.shape[1]))
    return TrainResult(
        history=history,
        seconds=time.perf_counter() - began,
        epochs_run=len(history["loss"]),
        stopped=bridge.stopped or state["timed_out"],
        best_epoch=state["best_epoch"],
        early_stopped=state["early"] and len(history["loss"]) < config.epochs,
        epoch_seconds=epoch_seconds,
        batches_per_epoch=batches_per_epoch,
        mean_width=width,
        partial_batches=state["batches"] if state["batches"] < batches_per_epoch else 0,
        timed_out=state["timed_out"],
    )


def evaluate(
    model,
    x: np.ndarray,
    y: np.ndarray,
    *,
    batch_size: int = 512,
    bucketing: bool | None = None,
    lengths: np.ndarray | None = None,
    reporter: live.Reporter = live.QUIET,
) -> dict:
    """Loss, accuracy and P(positive) of each review (in the order given).

    `bucketing=None` cuts each batch to its longest review only when the model masks <PAD>
    (then the result is the same as on the full arrays, only faster); pass True for a model
    trained on cut batches, False for the lesson's full-width arrays. Progress goes to
    `reporter` as the stage SCORING (after a live training, the page shows it).
    """
    x = np.asarray(x, dtype=np.int32)  # (n, maxlen)
    y = np.asarray(y, dtype=np.float32)  # (n,)
    if len(x) == 0:
        return {"loss": math.nan, "accuracy": math.nan, "probabilities": np.zeros(0)}
    trim = masks_zero(model) if bucketing is None else bucketing
    steps = review_steps(x, lengths)
    side = padding_side(x, steps)
    probabilities = np.zeros(len(x), dtype=np.float32)  # (n,)
    batches = epoch_batches(steps, batch_size, trim, None)
    reporter.stage(SCORING, 0.0)
    for i, rows in enumerate(batches, start=1):
        width = int(steps[rows].max()) if trim else x.shape[1]
        out = model.predict_on_batch(cut(x[rows], width, side))  # (batch, 1)
        probabilities[rows] = np.asarray(out).reshape(-1)
        reporter.stage(SCORING, i / len(batches))
    p = np.clip(probabilities.astype(np.float64), EPSILON, 1 - EPSILON)
    loss = float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
    accuracy = float(np.mean((probabilities > 0.5) == (y > 0.5)))
    return {"loss": loss, "accuracy": accuracy, "probabilities": probabilities}


def confusion(y_true: np.ndarray, probabilities: np.ndarray) -> np.ndarray:
    """2x2 counts: rows = true (neg, pos), columns = predicted (neg, pos)."""
    truth = np.asarray(y_true).astype(int)
    guess = (np.asarray(probabilities) > 0.5).astype(int)
    out = np.zeros((2, 2), dtype=np.int64)
    np.add.at(out, (truth, guess), 1)
    return out


def confident_mistakes(y_true: np.ndarray, probabilities: np.ndarray, n: int) -> np.ndarray:
    """Indices of the (at most) n wrong predictions made with the most confidence, most
    confident first: (k,) ints."""
    probabilities = np.asarray(probabilities)
    wrong = np.flatnonzero((probabilities > 0.5) != (np.asarray(y_true) > 0))  # (wrong,)
    return wrong[np.argsort(-np.abs(probabilities[wrong] - 0.5), kind="stable")][:n]


def best_epoch(history: dict[str, list[float]]) -> int:
    """1-based epoch of the lowest validation loss (0 without validation)."""
    losses = np.asarray(history.get("val_loss", []), dtype=float)
    return int(np.nanargmin(losses)) + 1 if np.isfinite(losses).any() else 0


def overfitting_gap(history: dict[str, list[float]]) -> float:
    """Training minus validation accuracy at the last epoch (the lesson's warning sign)."""
    if not history.get("accuracy") or not history.get("val_accuracy"):
        return math.nan
    return float(history["accuracy"][-1] - history["val_accuracy"][-1])
