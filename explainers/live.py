"""One live job: any work runs in a thread of its own, reports as it goes, and can be stopped.

A page starts a `Job(work, spec)`; the thread calls `work(spec, reporter)` and keeps what it
returns. `work` is a top-level function and `spec` a frozen dataclass of plain settings, and
the work loads its own data, so the same pair could run on another process or machine
(a Dask worker, whose reporter would publish what the page reads). The reporter is the only
way work talks back: `batch(done, total, **metrics)` after each batch, `epoch(number,
metrics, note)` after each epoch (number 0 = before training, e.g. an untrained sample),
`stage(label, progress)` for the work after training (scoring, saving), and `should_stop()`,
asked after every batch. Stop is cooperative: the work ends within a batch and returns what
it has, so a stopped job still ends `done` with its partial result.

The page reads `snapshot()`, a frozen copy taken under the job's lock, so a drawing never
sees half an update. Phases: starting (until the first report), running (batches and
epochs), finishing (a stage after training), then done or failed. An exception in the work
never escapes the thread silently: its type and message are kept and the phase is failed; an
`Explained` error also keeps its template and numbers, so the page can say it in the reader's
language.

`keras_bridge(reporter)` is the one Keras callback that forwards batches to a reporter and
stops `model.fit` once `should_stop()` is true; both training loops use it. This is the only
module of the project that creates a thread; Keras is imported only when a bridge is made.
"""

from __future__ import annotations

import functools
import math
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from explainers.i18n import N_, Explained


class Phase(StrEnum):
    QUEUED = "queued"  # waiting for a free worker (a cluster job, explainers/cluster.py)
    STARTING = "starting"  # the thread runs, nothing reported yet (building, compiling)
    RUNNING = "running"  # batches and epochs are being reported
    FINISHING = "finishing"  # a stage after training: scoring, saving
    DONE = "done"  # the work returned (also after Stop: the result is what was kept)
    FAILED = "failed"  # the work raised; `error` says what


ACTIVE = (Phase.QUEUED, Phase.STARTING, Phase.RUNNING, Phase.FINISHING)


@dataclass(frozen=True)
class Metrics:
    """Named numbers (loss, accuracy, ...) in the order reported; frozen, so hashable."""

    items: tuple[tuple[str, float], ...] = ()

    @classmethod
    def of(cls, values: Mapping[str, Any] | Iterable[tuple[str, Any]] = ()) -> Metrics:
        pairs = values.items() if isinstance(values, Mapping) else values
        return cls(tuple((str(name), _number(value)) for name, value in pairs))

    def get(self, name: str, default: float = math.nan) -> float:
        return next((value for key, value in self.items if key == name), default)

    def __contains__(self, name: object) -> bool:
        return any(key == name for key, _ in self.items)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(key for key, _ in self.items)


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


@dataclass(frozen=True)
class EpochRecord:
    epoch: int  # 1-based; 0 = before training (an untrained model's sample, say)
    metrics: Metrics  # what the work reported for it: loss, val_accuracy, ...
    seconds: float  # since the job started
    note: str | None = None  # e.g. a text sample written after this epoch
    extra: Any = None  # a small picklable payload a page draws (a map of fixed words, say)


@dataclass(frozen=True)
class Failure:
    """Why a job failed: the exception's type and message (the page words it)."""

    kind: str  # the exception class, e.g. "ValueError"
    message: str  # in English
    template: str = ""  # an `Explained` error's English template (N_), else ""
    params: tuple[tuple[str, Any], ...] = ()  # ... and the values of its placeholders

    @classmethod
    def of(cls, error: BaseException) -> Failure:
        if isinstance(error, Explained):
            return cls(type(error).__name__, str(error), error.template,
                       tuple(error.params.items()))
        return cls(type(error).__name__, str(error))

    def __str__(self) -> str:
        return f"{self.kind}: {self.message}" if self.message else self.kind

    def error(self) -> Exception:
        """The failure as an error a page can say: the `Explained` it was, else its text."""
        if self.template:
            return Explained(self.template, **dict(self.params))
        return RuntimeError(str(self))


@dataclass(frozen=True)
class Snapshot:
    """A job's progress at one moment, consistent across its fields."""

    phase: Phase
    epoch: int  # the last epoch reported (0 before any)
    epochs: int  # epochs planned (0 when the caller did not say)
    batch: int  # batches done in the current epoch
    batches: int  # batches per epoch (0 until the first batch is reported)
    batch_metrics: Metrics  # of the latest batch
    records: tuple[EpochRecord, ...]  # one per epoch reported, in order
    elapsed: float  # seconds since start (frozen once the job has ended)
    stage: str  # the latest stage label ("" before any)
    stage_progress: float  # 0..1 through that stage
    stopping: bool  # Stop was asked for
    error: Failure | None
    remaining_seconds: float | None  # from the pace so far; None until it can be told
    ahead: int = 0  # while queued: jobs before this one in the line (running ones included)
    wait_seconds: float | None = None  # while queued: about how long until it starts

    @property
    def running(self) -> bool:
        return self.phase in ACTIVE

    @property
    def progress(self) -> float:
        """0..1: through the stage when finishing, else through the planned batches."""
        if self.phase == Phase.FINISHING:
            return min(max(self.stage_progress, 0.0), 1.0)
        if self.phase == Phase.DONE:
            return 1.0
        if not self.epochs or not self.batches:
            return 0.0
        done = self.epoch + min(self.batch, self.batches) / self.batches
        return min(done / self.epochs, 1.0)

    def series(self, name: str) -> list[float]:
        """One metric over the trained epochs (epoch 0 left out): a curve to draw."""
        return [r.metrics.get(name) for r in self.records if r.epoch > 0]


def _remaining(phase: Phase, done: int, total: int, elapsed: float, stage_progress: float,
               stage_elapsed: float, paced: tuple[float, int] = (0.0, 0)) -> float | None:
    """Seconds left from the pace so far: batches while training, progress while finishing.
    The pace counts from `paced` = (elapsed, done) at the first batch after the start or after
    a stage, so what came before it (a compile, a long first stage) does not slow it."""
    if phase == Phase.FINISHING:
        p = stage_progress
        return stage_elapsed * (1 - p) / p if p > 0 else None
    if phase != Phase.RUNNING or not done or not total:
        return None
    since, done_then = paced
    if done > done_then:
        return max(0.0, (elapsed - since) / (done - done_then) * (total - done))
    return max(0.0, elapsed / done * (total - done))


# --------------------------------------------------------------------------- reporting


class Reporter:
    """What work reports through. This base reports nowhere and never stops: for scripts and
    tests that run work directly; a Job hands work a reporter that feeds its snapshot."""

    def batch(self, done: int, total: int, **metrics: float) -> None:
        """`done` batches of `total` finished in the current epoch."""

    def epoch(self, number: int, metrics: Mapping[str, float] | Metrics = (),
              note: str | None = None, extra: Any = None) -> None:
        """Epoch `number` (1-based; 0 = before training) ended with these metrics; `extra`
        is anything small and picklable the page draws for it (kept in its EpochRecord)."""

    def stage(self, label: str, progress: float) -> None:
        """Work after training, e.g. ("scoring the test reviews", 0.4)."""

    def should_stop(self) -> bool:
        return False

    def abandoned(self) -> bool:
        """True once the session that started the work is gone (so `should_stop` is too):
        nobody will see the result, so work skips what it would leave behind (a saved run)."""
        return False


class Abandoned(Explained, RuntimeError):
    """A job stopped because the browser session that started it left (explainers/cluster.py
    notices it); its work raises it too, to end without leaving anything behind."""

    def __init__(self):
        super().__init__(N_("Stopped: the browser tab that started this job was closed."))


QUIET = Reporter()  # the default of every work function: no reports, never stops


class Printer(Reporter):
    """Prints each epoch's metrics and time on one line: for scripts run in a terminal."""

    def __init__(self, prefix: str = ""):
        self.prefix, self.began = prefix, time.perf_counter()

    def epoch(self, number: int, metrics: Mapping[str, float] | Metrics = (),
              note: str | None = None, extra: Any = None) -> None:
        pairs = metrics.items if isinstance(metrics, Metrics) else tuple(metrics.items())
        shown = ", ".join(f"{name} {float(value):.4f}" for name, value in pairs)
        print(f"{self.prefix}epoch {number}: {shown} ({time.perf_counter() - self.began:.0f} s)",
              flush=True)


class Part(Reporter):
    """The reports of one part of a work made of several trainings (transfer's three ways):
    its epochs are numbered on after the `offset` epochs of the parts before it, and each
    epoch's note names the part."""

    def __init__(self, reporter: Reporter, offset: int, name: str):
        self.reporter, self.offset, self.name = reporter, offset, name

    def batch(self, done: int, total: int, **metrics: float) -> None:
        self.reporter.batch(done, total, **metrics)

    def epoch(self, number: int, metrics: Mapping[str, float] | Metrics = (),
              note: str | None = None, extra: Any = None) -> None:
        self.reporter.epoch(self.offset + number, metrics, self.name if note is None else note,
                            extra)

    def stage(self, label: str, progress: float) -> None:
        self.reporter.stage(label, progress)

    def should_stop(self) -> bool:
        return self.reporter.should_stop()

    def abandoned(self) -> bool:
        return self.reporter.abandoned()


class _JobReporter(Reporter):
    def __init__(self, job: Job):
        self._job = job

    def batch(self, done: int, total: int, **metrics: float) -> None:
        self._job._update(batch=(int(done), int(total), Metrics.of(metrics)))

    def epoch(self, number: int, metrics: Mapping[str, float] | Metrics = (),
              note: str | None = None, extra: Any = None) -> None:
        values = metrics if isinstance(metrics, Metrics) else Metrics.of(metrics)
        self._job._update(epoch=(int(number), values, note, extra))

    def stage(self, label: str, progress: float) -> None:
        self._job._update(stage=(str(label), float(progress)))

    def should_stop(self) -> bool:
        return self._job._stop.is_set()


# --------------------------------------------------------------------------- the job


class Job:
    """`work(spec, reporter)` in a thread of its own, watched through `snapshot()`.

    A page keeps its Job in its browser session (never at module level), so each session's
    Stop reaches only its own work. `epochs` is how many epochs the work plans (for the
    progress bar and the time left).
    """

    def __init__(self, work: Callable[[Any, Reporter], Any], spec: Any, *, epochs: int = 0,
                 name: str = "live-job"):
        self._work, self._spec = work, spec
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._phase = Phase.STARTING
        self._epochs = int(epochs)
        self._epoch, self._batch, self._batches = 0, 0, 0
        self._batch_metrics = Metrics()
        self._records: list[EpochRecord] = []
        self._stage, self._stage_progress, self._stage_began = "", 0.0, 0.0
        self._began = time.monotonic()
        self._paced = (0.0, 0)  # (elapsed, batches done) when the pace began to count
        self._ended: float | None = None
        self._result: Any = None
        self._error: Failure | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    # ------------------------------------------------------------------ public

    def start(self) -> Job:
        self._began = time.monotonic()
        self._thread.start()
        return self

    def stop(self) -> None:
        """Ask the work to end; it does within a batch and keeps what it has."""
        self._stop.set()

    @property
    def running(self) -> bool:
        with self._lock:
            return self._phase in ACTIVE

    @property
    def result(self) -> Any:
        """What the work returned (None until it has)."""
        with self._lock:
            return self._result

    @property
    def error(self) -> Failure | None:
        with self._lock:
            return self._error

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    def snapshot(self) -> Snapshot:
        with self._lock:
            now = self._ended if self._ended is not None else time.monotonic()
            elapsed = now - self._began
            left = _remaining(self._phase, self._epoch * self._batches + self._batch,
                              self._epochs * self._batches, elapsed, self._stage_progress,
                              now - self._stage_began, self._paced)
            return Snapshot(
                phase=self._phase, epoch=self._epoch, epochs=self._epochs, batch=self._batch,
                batches=self._batches, batch_metrics=self._batch_metrics,
                records=tuple(self._records), elapsed=elapsed, stage=self._stage,
                stage_progress=self._stage_progress, stopping=self._stop.is_set(),
                error=self._error, remaining_seconds=left, **self._place(),
            )

    def _place(self) -> dict:
        """Where a waiting job stands in the line (`ahead`, `wait_seconds`): a cluster job
        says; a thread starts at once."""
        return {}

    # ------------------------------------------------------------------ the thread

    def _update(self, *, batch=None, epoch=None, stage=None, at: float | None = None) -> None:
        """Apply one report; `at` is when it happened (monotonic), if not now."""
        with self._lock:
            if self._ended is not None:  # a late report of a job already ended (cancelled)
                return
            now = time.monotonic() if at is None else at
            if batch is not None:
                self._batch, self._batches, self._batch_metrics = batch
                if self._phase != Phase.RUNNING:  # the pace counts from here (_remaining)
                    self._paced = (now - self._began, self._epoch * self._batches + self._batch)
                self._phase = Phase.RUNNING
            if epoch is not None:
                number, metrics, note, extra = epoch
                self._records.append(EpochRecord(number, metrics, now - self._began, note,
                                                 extra))
                self._epoch, self._batch = number, 0
                self._phase = Phase.RUNNING
            if stage is not None:
                label, progress = stage
                if self._phase != Phase.FINISHING or label != self._stage:
                    self._stage_began = now
                self._stage, self._stage_progress = label, progress
                self._phase = Phase.FINISHING

    def _run(self) -> None:
        try:
            result = self._work(self._spec, _JobReporter(self))
        except BaseException as error:  # kept for the page; the server and others go on
            self._end(error=Failure.of(error))
            return
        self._end(result=result)

    def _end(self, *, result: Any = None, error: Failure | None = None,
             at: float | None = None) -> None:
        """The work ended (at `at`, monotonic, if not now): with what it returned, or failed
        with `error`."""
        with self._lock:
            self._result, self._error = result, error
            self._phase = Phase.DONE if error is None else Phase.FAILED
            self._ended = time.monotonic() if at is None else at


# --------------------------------------------------------------------------- Keras


@functools.cache
def _bridge_class():
    import keras

    class LiveBridge(keras.callbacks.Callback):
        """Forwards each finished batch to a reporter; stops fit once it says stop."""

        def __init__(self, reporter: Reporter, batches: int | None):
            super().__init__()
            self.reporter, self.batches = reporter, batches
            self.stopped = False  # True once it ended training because Stop was asked

        def on_train_batch_end(self, batch, logs=None):
            total = self.batches or int((self.params or {}).get("steps") or 0)
            self.reporter.batch(batch + 1, total, **dict(logs or {}))
            self._check()

        def on_epoch_end(self, epoch, logs=None):
            self._check()  # also between epochs: a Stop during validation ends it here

        def _check(self) -> None:
            if self.reporter.should_stop():
                self.stopped = True
                self.model.stop_training = True

    return LiveBridge


def keras_bridge(reporter: Reporter, batches: int | None = None):
    """A `keras.callbacks.Callback` that reports batches (`batches` per epoch, else Keras's
    own count) and stops training after the batch in which `reporter.should_stop()` turns
    true. Put it after a loop's own callbacks, so an epoch is recorded before it stops.
    Its `stopped` attribute says whether it ended the training."""
    return _bridge_class()(reporter, batches)
