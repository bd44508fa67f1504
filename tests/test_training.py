"""Training: bucketing cuts only padding, Stop keeps what was learned, seeds reproduce runs."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import numpy as np
import pytest

from explainers import live, models, training

VOCAB, WIDTH = 40, 12
GOOD, BAD = 5, 6  # a review is positive when it holds GOOD, negative when it holds BAD


def _reviews(n: int = 256, padding: str = "pre", seed: int = 0):
    """Synthetic reviews of 2..WIDTH ids, padded to WIDTH; the label is in one word."""
    rng = np.random.default_rng(seed)
    x = np.zeros((n, WIDTH), dtype=np.int32)  # (n, WIDTH)
    y = rng.integers(0, 2, n)
    lengths = rng.integers(2, WIDTH + 1, n)
    for i, (label, length) in enumerate(zip(y, lengths, strict=True)):
        words = rng.integers(7, VOCAB, length)
        words[rng.integers(0, length)] = GOOD if label else BAD
        if padding == "pre":
            x[i, WIDTH - length:] = words
        else:
            x[i, :length] = words
    return x, y, lengths


SMALL = models.ModelConfig(vocab_size=VOCAB, embed_dim=8, body="pool", mask_zero=True,
                           dense_units=8)
FAST = training.TrainConfig(epochs=4, batch_size=32, learning_rate=0.02,
                            validation_split=0.25, bucketing=True, seed=3)


class Recorder(live.Reporter):
    """Keeps every report; stops when `stop(self)` says so."""

    def __init__(self, stop=lambda recorder: False):
        self.batches: list[tuple[int, int]] = []
        self.epochs: list[tuple[int, live.Metrics]] = []
        self._stop = stop

    def batch(self, done, total, **metrics):
        self.batches.append((done, total))

    def epoch(self, number, metrics=(), note=None, extra=None):
        self.epochs.append((number, live.Metrics.of(metrics)))

    def should_stop(self):
        return self._stop(self)


def test_padding_side_and_steps_are_read_from_the_array():
    for side in ("pre", "post"):
        x, _, lengths = _reviews(padding=side)
        steps = training.review_steps(x)
        np.testing.assert_array_equal(steps, lengths)
        assert training.padding_side(x, steps) == side
        rows = np.arange(8)
        cut = training.cut(x[rows], int(steps[rows].max()), side)
        assert cut.shape == (8, steps[rows].max())
        np.testing.assert_array_equal(np.count_nonzero(cut, axis=1), steps[rows])  # no word lost


def test_bucketed_batches_cover_every_review_once_with_similar_lengths():
    steps = np.random.default_rng(0).integers(1, 500, 1000)
    batches = training.epoch_batches(steps, 32, True, np.random.default_rng(1))
    flat = np.concatenate(batches)
    assert sorted(flat.tolist()) == list(range(1000))
    padded = sum(len(b) * steps[b].max() for b in batches)
    plain = training.epoch_batches(steps, 32, False, np.random.default_rng(1))
    assert padded < 0.6 * sum(len(b) * steps[b].max() for b in plain)


def test_training_learns_and_history_is_complete():
    x, y, _ = _reviews()
    model = models.build_model(SMALL, seed=1)
    seen = Recorder()
    result = training.train(model, x, y, FAST, reporter=seen)
    assert [e for e, _ in seen.epochs] == [1, 2, 3, 4]
    assert result.epochs_run == 4 and not result.stopped
    assert [m.get("val_loss") for _, m in seen.epochs] == result.history["val_loss"]
    assert set(result.history) == set(training.HISTORY_KEYS)
    assert all(len(v) == 4 for v in result.history.values())
    assert result.history["val_accuracy"][-1] > 0.9
    assert result.best_epoch == training.best_epoch(result.history)
    assert result.mean_width < WIDTH


def test_masked_model_scores_the_same_on_cut_and_full_batches():
    x, y, _ = _reviews(64)
    model = models.build_model(models.ModelConfig(vocab_size=VOCAB, embed_dim=4,
                                                  body="lstm", units=3, mask_zero=True), seed=2)
    cut = training.evaluate(model, x, y, batch_size=16, bucketing=True)
    full = training.evaluate(model, x, y, batch_size=16, bucketing=False)
    np.testing.assert_allclose(cut["probabilities"], full["probabilities"], atol=1e-5)
    keras_loss, keras_acc = model.evaluate(x, y.astype("float32"), verbose=0)
    assert cut["loss"] == pytest.approx(keras_loss, abs=1e-4)
    assert cut["accuracy"] == pytest.approx(keras_acc)


def test_stop_after_an_epoch_keeps_the_epochs_done():
    x, y, _ = _reviews()
    model = models.build_model(SMALL, seed=1)
    seen = Recorder(stop=lambda r: len(r.epochs) >= 2)
    result = training.train(model, x, y, FAST, reporter=seen)
    assert result.stopped and result.epochs_run == 2 and result.partial_batches == 0
    assert len(result.history["loss"]) == 2 and len(result.history["val_loss"]) == 2


def test_stop_inside_an_epoch_keeps_the_weights_learned_so_far():
    x, y, _ = _reviews()
    model = models.build_model(SMALL, seed=1)
    before = [w.copy() for w in model.get_weights()]
    seen = Recorder(stop=lambda r: len(r.batches) >= 3)
    result = training.train(model, x, y, FAST, reporter=seen)
    assert result.stopped and result.epochs_run == 0 and result.partial_batches == 3
    assert seen.batches == [(1, 6), (2, 6), (3, 6)]  # 192 training reviews / 32
    assert seen.epochs == []  # a part of an epoch is not reported as one
    assert not np.array_equal(before[0], model.get_weights()[0])


def test_the_time_limit_ends_training_and_keeps_it():
    x, y, _ = _reviews()
    model = models.build_model(SMALL, seed=1)
    config = training.TrainConfig(epochs=500, batch_size=32, validation_split=0.25,
                                  bucketing=True, seed=3, time_limit=1.0)
    before = model.get_weights()[0].copy()
    result = training.train(model, x, y, config)
    assert result.timed_out and result.stopped and result.epochs_run < 500
    assert result.epochs_run >= 1 or result.partial_batches >= 1  # what it learned is kept
    assert not np.array_equal(before, model.get_weights()[0])
    assert result.seconds < 30


def test_early_stopping_restores_the_best_epoch():
    x, y, _ = _reviews()
    y = np.where(np.random.default_rng(9).random(len(y)) < 0.3, 1 - y, y)  # noise: overfits
    config = training.TrainConfig(epochs=30, batch_size=32, learning_rate=0.05,
                                  validation_split=0.25, bucketing=True,
                                  early_stopping_patience=2, seed=3)
    model = models.build_model(SMALL, seed=1)
    result = training.train(model, x, y, config)
    assert result.early_stopped and result.epochs_run == result.best_epoch + 2
    xv, yv = x[192:], y[192:]
    best = result.history["val_loss"][result.best_epoch - 1]
    assert training.evaluate(model, xv, yv, bucketing=True)["loss"] == pytest.approx(best, 1e-4)


def test_parallel_trainings_match_sequential_ones():
    x, y, _ = _reviews()
    config = models.ModelConfig(vocab_size=VOCAB, embed_dim=4, body="gru", units=4,
                                mask_zero=True, dropout=0.2, dense_units=4)
    tc = training.TrainConfig(epochs=2, batch_size=32, validation_split=0.25,
                              bucketing=True, seed=5, learning_rate=0.01)

    def run(seed, out):
        model = models.build_model(config, seed=seed)
        result = training.train(model, x, y, tc)
        out[seed] = (result.history, model.get_weights())

    sequential, parallel = {}, {}
    for seed in (1, 2):
        run(seed, sequential)
    threads = [threading.Thread(target=run, args=(seed, parallel)) for seed in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for seed in (1, 2):
        for key in training.HISTORY_KEYS:
            np.testing.assert_allclose(parallel[seed][0][key], sequential[seed][0][key],
                                       rtol=1e-5)
        for a, b in zip(parallel[seed][1], sequential[seed][1], strict=True):
            np.testing.assert_allclose(a, b, atol=1e-6)
    assert sequential[1][0]["loss"] != sequential[2][0]["loss"]


def test_confusion_counts_and_gap():
    matrix = training.confusion(np.array([0, 0, 1, 1, 1]), np.array([0.2, 0.7, 0.9, 0.4, 0.6]))
    np.testing.assert_array_equal(matrix, [[1, 1], [1, 2]])
    history = {"accuracy": [0.8, 0.95], "val_accuracy": [0.85, 0.86]}
    assert training.overfitting_gap(history) == pytest.approx(0.09)


def test_confident_mistakes_come_most_confident_first():
    y = np.array([0, 0, 1, 1, 1, 0])
    p = np.array([0.2, 0.7, 0.9, 0.4, 0.05, 0.99])  # wrong: 1 (0.7), 3 (0.4), 4, 5
    np.testing.assert_array_equal(training.confident_mistakes(y, p, 3), [5, 4, 1])
    assert training.confident_mistakes(y, p, 10).tolist() == [5, 4, 1, 3]
    assert training.confident_mistakes(y[:1], p[:1], 3).size == 0  # none wrong


@dataclass(frozen=True)
class SmallFit:
    """A live job's settings: the synthetic reviews, SMALL, and how to train."""

    config: training.TrainConfig
    fail_after: bool = False  # raise once training is done (as a broken save would)


def fit_small(spec: SmallFit, reporter: live.Reporter):
    x, y, _ = _reviews()
    model = models.build_model(SMALL, seed=1)
    result = training.train(model, x, y, spec.config, reporter=reporter)
    reporter.stage("saving", 1.0)
    if spec.fail_after:
        raise ZeroDivisionError("division by zero")
    return model, result


def test_a_live_training_stops_and_keeps_partial_history_and_the_model():
    config = training.TrainConfig(epochs=200, batch_size=32, validation_split=0.25,
                                  bucketing=True, seed=1)
    job = live.Job(fit_small, SmallFit(config), epochs=200).start()
    other = live.Job(  # another session's run must not notice the Stop
        fit_small, SmallFit(training.TrainConfig(epochs=3, batch_size=32,
                                                 validation_split=0.25, seed=1)), epochs=3,
    ).start()
    deadline = time.time() + 60
    while job.snapshot().epoch < 2 and time.time() < deadline:
        time.sleep(0.05)
    running = job.snapshot()
    assert running.running and running.remaining_seconds is not None
    job.stop()
    job.join(60)
    other.join(60)
    snap = job.snapshot()
    assert snap.phase == live.Phase.DONE and snap.stage == "saving"
    model, result = job.result
    assert result.stopped and 2 <= result.epochs_run < 200
    assert snap.series("loss") == result.history["loss"]
    assert snap.series("val_accuracy") == result.history["val_accuracy"]
    assert model is not None and len(model.get_weights()) > 0
    _, other_result = other.result
    assert other.snapshot().phase == live.Phase.DONE
    assert not other_result.stopped and other_result.epochs_run == 3


def test_a_live_training_reports_a_failure_instead_of_raising():
    job = live.Job(fit_small, SmallFit(training.TrainConfig(epochs=1), fail_after=True),
                   epochs=1).start()
    job.join(60)
    snap = job.snapshot()
    assert snap.phase == live.Phase.FAILED and "ZeroDivisionError" in str(job.error)
    assert job.result is None and len(snap.records) == 1  # the epoch it did is still shown
