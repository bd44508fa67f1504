"""Where a class's jobs run: the Dask workers, found or started once per server process.

- By default an embedded `distributed.LocalCluster`, started the first time a job is submitted
  (or by `warm_up`): `RNN_EXPLAINER_WORKERS` worker processes (default `default_workers`: the
  cores but one, which is kept for the web server, and no more than memory holds at
  `TRAINING_BYTES` a training), one thread each; they never re-run the server's `__main__`.
- `RNN_EXPLAINER_SCHEDULER=tcp://host:8786`: an existing Dask cluster (`dask scheduler`, and
  `dask worker` started from this repository with the same data variable, see the README);
  `warm_up` checks that its workers share the runs and cache folders (explainers/sharing.py).
- `RNN_EXPLAINER_JOBS=thread`: no Dask, a thread in this process (`live.Job`): for scripts, and
  for page tests that swap functions in this process.

`Settings.from_env` reads these; `client()` is this process's one Dask client. How a job runs
there and talks back is explainers/cluster.py.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from typing import Any

SCHEDULER_ENV = "RNN_EXPLAINER_SCHEDULER"  # tcp://host:8786: submit to an existing cluster
WORKERS_ENV = "RNN_EXPLAINER_WORKERS"  # local worker processes (default: default_workers)
ENGINE_ENV = "RNN_EXPLAINER_JOBS"  # "dask" (the default) or "thread"
ENGINES = ("dask", "thread")
TRAINING_BYTES = 3 * 2**30  # one training's worst case: ~1.5 GB of activations + TensorFlow

LOCAL_CLUSTER = {  # Dask settings of the embedded cluster; its workers get them too
    "distributed.scheduler.allowed-failures": 0,  # a job whose worker died is not retried
    # An idle cluster should cost next to nothing: with Dask's defaults it took 33 ms of CPU
    # a second in the web server (the scheduler) and 28 in a worker, so 6 % of a core and
    # ~90 ms in each page view's CPU figure, with no job anywhere (benchmarks/page_views.py).
    "distributed.scheduler.work-stealing": False,  # one job a worker: nothing to steal
    "distributed.worker.profile.enabled": False,  # no sampling profiler every 10 ms
    "distributed.admin.tick.interval": "1s",  # the event-loop watchdog, every 20 ms by default
    "distributed.admin.system-monitor.interval": "2s",  # CPU/memory readings, 0.5 s by default
    "distributed.worker.memory.monitor-interval": "1s",  # the nannies' look, 0.1 s by default
}

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- settings


def default_workers(cores: int, memory: int) -> int:
    """Worker processes for a machine with `cores` and `memory` bytes: one core stays with
    the web server, and each worker may need TRAINING_BYTES."""
    return max(1, min(cores - 1, memory // TRAINING_BYTES))


def _machine() -> tuple[int, int]:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return int(cores or 1), os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


@dataclass(frozen=True)
class Settings:
    engine: str  # "dask": worker processes; "thread": a thread in this process
    address: str | None  # an existing scheduler; None: start a LocalCluster here
    workers: int  # worker processes of the LocalCluster, one thread each

    @classmethod
    def from_env(cls, environ=None) -> Settings:
        environ = os.environ if environ is None else environ
        engine = environ.get(ENGINE_ENV, "dask").strip().lower() or "dask"
        if engine not in ENGINES:
            raise ValueError(f"{ENGINE_ENV} must be one of {ENGINES}, not {engine!r}")
        workers = environ.get(WORKERS_ENV, "").strip()
        return cls(engine, environ.get(SCHEDULER_ENV, "").strip() or None,
                   max(1, int(workers)) if workers else default_workers(*_machine()))


# --------------------------------------------------------------------------- the cluster

_client_lock = threading.Lock()
_client: Any = None


def client(settings: Settings | None = None):
    """This process's Dask client: to `settings.address`, else to a LocalCluster started here
    once (worker processes, one thread each, no retries of a job whose worker died)."""
    global _client
    with _client_lock:
        if _client is not None and _client.status == "running":
            return _client
        import dask
        import distributed

        settings = settings or Settings.from_env()
        if settings.address:
            _client = distributed.Client(settings.address, timeout="10s", set_as_default=False)
        else:
            _spawn_without_main()
            with dask.config.set(LOCAL_CLUSTER):
                cluster = distributed.LocalCluster(
                    n_workers=settings.workers, threads_per_worker=1, processes=True,
                    dashboard_address=None, silence_logs=logging.ERROR)
            _client = distributed.Client(cluster, set_as_default=False)
        return _client


def _spawn_without_main() -> None:
    """Start worker processes without re-running this process's `__main__` in them.

    multiprocessing's spawn, which LocalCluster uses, runs the parent's `__main__` file again
    in each child. Under Streamlit that is the app's script (its script runner puts each
    script there), so every worker ran app.py and the home page in bare mode, and a page
    test's script (AppTest) could keep a worker from starting at all. Work functions live in
    modules, never in `__main__`, so the workers need none of it."""
    from multiprocessing import spawn

    prepare = spawn.get_preparation_data
    if getattr(prepare, "without_main", False):
        return

    def without_main(name):
        data = prepare(name)
        data.pop("init_main_from_path", None)
        return data

    without_main.without_main, without_main.original = True, prepare
    spawn.get_preparation_data = without_main


def close() -> None:
    """Close this process's client (and its LocalCluster): for tests and scripts."""
    global _client
    with _client_lock:
        if _client is not None:
            cluster = _client.cluster
            _client.close()
            if cluster is not None:
                cluster.close()
        _client = None


def _import_keras() -> None:  # run on each worker by warm_up
    import keras  # noqa: F401


_warming: list[threading.Thread] = []


def warm_up() -> None:
    """Start the cluster and have each worker import Keras, in the background, once per
    server process (app.py calls it): the first Train of the day then waits for neither.
    On a cluster of other machines it also checks that the workers share the server's runs
    and cache folders (explainers/sharing.py) and logs a warning naming any that do not.
    Nothing happens when jobs run in threads."""
    settings = Settings.from_env()
    if _warming or settings.engine != "dask":
        return

    def warm() -> None:
        from explainers import sharing

        try:
            client().run(_import_keras)
            for problem in sharing.check(client()) if settings.address else ():
                log.warning("%s: runs trained there cannot be opened here", problem)
        except Exception:  # a courtesy: the first job will start the cluster and say why not
            log.exception("warming the cluster")

    _warming.append(threading.Thread(target=warm, name="cluster-warm-up", daemon=True))
    _warming[0].start()
