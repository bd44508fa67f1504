"""Live jobs on Dask distributed: the same `live.Job` a page watches, its work run by a worker.

A class on one server: each training runs in a worker process, never in the web server's, so
the pages' reruns do not take the interpreter from a training, a crashing or swelling
TensorFlow job cannot take the pages down with it, and how many train at once is bounded by
the workers (one thread each); the other jobs wait in a line that each student sees.

Where the workers are, and the one Dask client that reaches them: explainers/workers.py.

How a job talks back. The work runs as `run_reported(work, spec, name)` and gets a
`WorkerReporter`: it puts its reports on a Dask `Queue` named after the job (batches at most
every `REPORT_EVERY` s, epochs and stages at once, each with its time since the work began) and
reads Stop from a Dask `Event`, at most every `STOP_EVERY` s, so Stop ends it within a batch.
The work's exceptions come back as a `live.Failure` (so an `Explained` error keeps its words).
In the web server one keeper thread (`_Keeper`) drains every job's queue into its snapshot,
takes the result when the future ends, says a worker's death as a clear failure
(`WorkerLost`; the cluster never retries a training on another worker), and stops and cancels
a job whose browser session has gone (`alive()` false), so no orphan keeps a worker busy. A
waiting job knows its place: the jobs ahead of it (submitted earlier by this server, running
or waiting) and `wait_estimate` from their time left.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from explainers import live, workers
from explainers.i18n import N_, Explained

REPORT_EVERY = 0.25  # s between a worker's batch reports: a page redraws every 2 s anyway
STOP_EVERY = 0.25  # s between a worker's looks at its Stop flag (a scheduler round trip)
KEEP_EVERY = 0.25  # s between the keeper's rounds in the web server
SLOTS_EVERY = 2.0  # s between the keeper's questions to the scheduler about its workers
GRACE = 15.0  # s a job's session may be gone before the job is stopped (a reload, a blip)

log = logging.getLogger(__name__)


class WorkerLost(Explained, RuntimeError):
    def __init__(self):
        super().__init__(N_(
            "The worker process running this job stopped (it was killed, or ran out of "
            "memory). Nothing else was lost and the pages go on; start it again, perhaps with "
            "a smaller model or batch."))


class ClusterUnavailable(Explained, RuntimeError):
    def __init__(self, address: str, reason: str):
        super().__init__(N_("The training cluster at {address} cannot be reached ({reason})."),
                         address=address, reason=reason)


def make_job(work: Callable[[Any, live.Reporter], Any], spec: Any, *, epochs: int = 0,
             name: str = "live-job", alive: Callable[[], bool] | None = None) -> live.Job:
    """A job for `work(spec, reporter)` on the engine the settings name (not yet started)."""
    settings = workers.Settings.from_env()
    if settings.engine == "thread":
        return live.Job(work, spec, epochs=epochs, name=name)
    return ClusterJob(work, spec, epochs=epochs, name=name, alive=alive, settings=settings)


# --------------------------------------------------------------------------- in the worker


@dataclass(frozen=True)
class Outcome:
    """What `run_reported` returns: the work's result, or why it failed."""

    result: Any = None
    failure: live.Failure | None = None
    seconds: float = 0.0  # from the work's start to its end, on the worker's clock


class WorkerReporter(live.Reporter):
    """Reports of work running in a worker, put on the job's Dask queue; Stop read from its
    Dask event. Batches are sent at most every REPORT_EVERY s (the last one of an epoch
    always), so a fast loop does not flood the scheduler."""

    def __init__(self, name: str):
        import distributed

        self.queue = distributed.Queue(f"{name}-reports")
        self.flag = distributed.Event(f"{name}-stop")
        self.gone = distributed.Event(f"{name}-gone")  # set with `flag` when abandoned
        self.began = time.monotonic()
        self.sent = self.looked = -1e9
        self.stopping = False

    def _put(self, *report: Any) -> None:
        self.queue.put((report[0], time.monotonic() - self.began, *report[1:]))

    def started(self) -> None:
        self._put("start")

    def batch(self, done: int, total: int, **metrics: float) -> None:
        now = time.monotonic()
        if now - self.sent >= REPORT_EVERY or done >= total:
            self.sent = now
            self._put("batch", int(done), int(total), live.Metrics.of(metrics))

    def epoch(self, number, metrics=(), note=None, extra=None) -> None:
        values = metrics if isinstance(metrics, live.Metrics) else live.Metrics.of(metrics)
        self._put("epoch", int(number), values, note, extra)

    def stage(self, label: str, progress: float) -> None:
        self._put("stage", str(label), float(progress))

    def should_stop(self) -> bool:
        now = time.monotonic()
        if not self.stopping and now - self.looked >= STOP_EVERY:
            self.looked = now
            self.stopping = self.flag.is_set()
        return self.stopping

    def abandoned(self) -> bool:
        return self.should_stop() and self.gone.is_set()


def run_reported(work: Callable[[Any, live.Reporter], Any], spec: Any, name: str) -> Outcome:
    """Run `work(spec, reporter)` in a worker, reporting to the job called `name`."""
    reporter = WorkerReporter(name)
    reporter.started()
    try:
        result = work(spec, reporter)
    except BaseException as error:  # said on the page; the worker goes on
        return Outcome(failure=live.Failure.of(error),
                       seconds=time.monotonic() - reporter.began)
    return Outcome(result=result, seconds=time.monotonic() - reporter.began)


# --------------------------------------------------------------------------- in the server

_numbers = itertools.count()


class ClusterJob(live.Job):
    """A `live.Job` whose work runs on a Dask worker; watched exactly like one.

    `alive()` (optional) says whether the browser session that started it is still there;
    once it is not, the job is stopped and cancelled."""

    def __init__(self, work, spec, *, epochs: int = 0, name: str = "live-job",
                 alive: Callable[[], bool] | None = None,
                 settings: workers.Settings | None = None):
        super().__init__(work, spec, epochs=epochs, name=name)
        self.settings = settings or workers.Settings.from_env()
        self.key = f"rnn-job-{name}-{next(_numbers)}-{os.getpid()}-{time.time_ns()}"
        self.alive = alive
        self.kind = getattr(work, "__qualname__", str(work))
        self.submitted = time.monotonic()
        self.ahead, self.wait = 0, None
        self.gone: float | None = None  # since when its session has been gone
        self._future = self._queue = self._flag = self._gone = None
        self._phase = live.Phase.QUEUED

    def start(self) -> ClusterJob:
        import distributed

        self._began = self.submitted = time.monotonic()
        settings = self.settings
        try:
            dask_client = workers.client(settings)
            self._queue = distributed.Queue(f"{self.key}-reports", client=dask_client)
            self._flag = distributed.Event(f"{self.key}-stop", client=dask_client)
            self._gone = distributed.Event(f"{self.key}-gone", client=dask_client)
            self._future = dask_client.submit(run_reported, self._work, self._spec, self.key,
                                              key=self.key, pure=False)
        except (OSError, TimeoutError) as error:
            self._end(error=live.Failure.of(
                ClusterUnavailable(settings.address or "LocalCluster", str(error))))
            return self
        KEEPER.watch(self)
        return self

    def stop(self) -> None:
        super().stop()
        if self._flag is not None:
            self._flag.set()
        with self._lock:
            queued = self._phase == live.Phase.QUEUED
        if queued and self._future is not None:  # never started: take it out of the line
            self._future.cancel()
            self._end()

    def join(self, timeout: float | None = None) -> None:
        end = None if timeout is None else time.monotonic() + timeout
        while self.running and (end is None or time.monotonic() < end):
            time.sleep(0.05)

    def _place(self) -> dict:
        if self._phase != live.Phase.QUEUED:
            return {}
        return {"ahead": self.ahead, "wait_seconds": self.wait}

    def expected(self) -> float | None:
        """Seconds this job will take once started: its time left, else its kind's last."""
        left = self.snapshot().remaining_seconds
        return left if left is not None else KEEPER.durations.get(self.kind)

    # ------------------------------------------------------------------ the keeper's side

    def tend(self) -> bool:
        """Take in the reports that arrived and the outcome; True once the job has ended."""
        if self._future.client.status != "running":  # the cluster was closed under it
            self._end(error=live.Failure.of(WorkerLost()))
            return True
        if self.alive is not None and self.running:
            gone = self.gone = None if self.alive() else (self.gone or time.monotonic())
            if gone is not None and time.monotonic() - gone >= GRACE:
                self._gone.set()  # before Stop, so the work reads both together
                self.stop()
                self._future.cancel()
                self._end(error=live.Failure.of(live.Abandoned()))
        self._drain()
        if not self.running:
            return True
        if not self._future.done():
            return False
        self._drain()  # what it said before it ended
        if self._future.status == "finished":
            outcome = self._future.result()
            if outcome.failure is None:
                KEEPER.durations[self.kind] = outcome.seconds
            with self._lock:
                began = self._began
            self._end(result=outcome.result, error=outcome.failure, at=began + outcome.seconds)
        else:  # its worker died (no retries), or the cluster dropped it
            self._end(error=live.Failure.of(WorkerLost()))
        return True

    def _drain(self) -> None:
        reports = self._queue.get(batch=True) if self._queue is not None else []
        for kind, seconds, *rest in reports:
            if kind == "start":
                with self._lock:
                    self._began = time.monotonic() - seconds
                    if self._phase == live.Phase.QUEUED:
                        self._phase = live.Phase.STARTING
                continue
            at = self._began + seconds
            if kind == "batch":
                self._update(batch=tuple(rest), at=at)
            elif kind == "epoch":
                self._update(epoch=tuple(rest), at=at)
            elif kind == "stage":
                self._update(stage=tuple(rest), at=at)


def wait_estimate(running_left: list[float | None], ahead: list[float | None],
                  slots: int) -> float | None:
    """Seconds until a job starts: `slots` workers, the jobs running now ending after
    `running_left`, and the waiting jobs ahead of it taking `ahead` each, first come first
    served. None when any of those is unknown."""
    if any(s is None for s in running_left) or any(s is None for s in ahead):
        return None
    free = sorted(running_left)[:slots] + [0.0] * max(0, slots - len(running_left))
    heapq.heapify(free)
    for seconds in ahead:
        heapq.heappush(free, heapq.heappop(free) + seconds)
    return free[0] if free else None


class _Keeper:
    """One thread per web server: tends every cluster job it was given, then lets it go."""

    def __init__(self):
        self.jobs: list[ClusterJob] = []
        self.durations: dict[str, float] = {}  # work kind -> seconds its last run took
        self.slots, self.slots_at = 1, -1e9
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None

    def watch(self, job: ClusterJob) -> None:
        with self.lock:
            self.jobs.append(job)
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._loop, name="job-keeper",
                                               daemon=True)
                self.thread.start()

    def _loop(self) -> None:
        while True:
            time.sleep(KEEP_EVERY)
            with self.lock:
                jobs = list(self.jobs)
            ended = []
            for job in jobs:
                try:
                    if job.tend():
                        ended.append(job)
                except Exception:  # one job's trouble must not stop the others' keeping
                    log.exception("tending %s", job.key)
            with self.lock:
                self.jobs = [job for job in self.jobs if job not in ended]
                jobs = list(self.jobs)
            self._line(jobs)

    def _line(self, jobs: list[ClusterJob]) -> None:
        """Tell each waiting job its place and an estimate of its wait."""
        waiting = sorted((j for j in jobs if j.snapshot().phase == live.Phase.QUEUED),
                         key=lambda j: j.submitted)
        if not waiting:
            return
        now = time.monotonic()
        if now - self.slots_at > SLOTS_EVERY:
            self.slots_at = now
            try:
                self.slots = max(1, sum(workers.client().nthreads().values()))
            except Exception:  # the line is a courtesy: keep the last count
                log.exception("counting workers")
        running = [j.expected() for j in jobs if j.running and j not in waiting]
        for place, job in enumerate(waiting):
            job.ahead = len(running) + place
            job.wait = wait_estimate(running, [j.expected() for j in waiting[:place]],
                                     self.slots)


KEEPER = _Keeper()
