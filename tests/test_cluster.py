"""Live jobs on Dask (explainers/cluster.py): reports, Stop, the line, faults, and the same jobs
on a separate scheduler with two workers started here on loopback."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import TINY_LAB
from streamlit.testing.v1 import AppTest

from explainers import cluster, live, paths, sharing, workers
from tests.cluster_work import Count, count

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def local_cluster():
    """One LocalCluster with one worker process for the module (the app's default engine)."""
    saved = {k: os.environ.get(k) for k in (workers.ENGINE_ENV, workers.WORKERS_ENV,
                                              workers.SCHEDULER_ENV)}
    os.environ.update({workers.ENGINE_ENV: "dask", workers.WORKERS_ENV: "1"})
    os.environ.pop(workers.SCHEDULER_ENV, None)
    workers.close()
    yield workers.client()
    workers.close()
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def _wait_for(condition, timeout=60.0):
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.05)


def test_settings_default_to_a_local_cluster_sized_by_the_machine(monkeypatch):
    settings = workers.Settings.from_env({})
    assert (settings.engine, settings.address) == ("dask", None) and settings.workers >= 1
    assert workers.default_workers(2, 24 * 2**30) == 1  # one core stays with the web server
    assert workers.default_workers(16, 7 * 2**30) == 2  # memory bounds it: 3 GB a training
    assert workers.Settings.from_env({workers.SCHEDULER_ENV: "tcp://h:8786",
                                      workers.WORKERS_ENV: "3"}).workers == 3
    with pytest.raises(ValueError):
        workers.Settings.from_env({workers.ENGINE_ENV: "fork"})
    monkeypatch.setenv(workers.ENGINE_ENV, "thread")  # scripts, and the page tests
    assert type(cluster.make_job(count, Count())) is live.Job
    monkeypatch.setenv(workers.ENGINE_ENV, "dask")
    assert type(cluster.make_job(count, Count())) is cluster.ClusterJob


def test_worker_processes_do_not_run_the_page_script_streamlit_put_in_main(monkeypatch,
                                                                           tmp_path):
    import types
    from multiprocessing import spawn

    script = types.ModuleType("__main__")  # what Streamlit's script runner leaves there
    script.__file__ = str(tmp_path / "app.py")
    prepare = spawn.get_preparation_data  # (as it was, if a cluster here changed it already)
    monkeypatch.setattr(spawn, "get_preparation_data", getattr(prepare, "original", prepare))
    monkeypatch.setitem(sys.modules, "__main__", script)
    assert "init_main_from_path" in spawn.get_preparation_data("worker")  # re-run in each
    workers._spawn_without_main()
    workers._spawn_without_main()  # once is enough; twice changes nothing
    assert "init_main_from_path" not in spawn.get_preparation_data("worker")


def test_the_wait_estimate_serves_the_line_first_come_first_served():
    assert cluster.wait_estimate([], [], 1) == 0.0  # a free worker: at once
    assert cluster.wait_estimate([30.0], [], 1) == 30.0
    assert cluster.wait_estimate([30.0], [20.0, 20.0], 1) == 70.0
    assert cluster.wait_estimate([30.0, 10.0], [20.0], 2) == 30.0  # the 10 s slot, then 20
    assert cluster.wait_estimate([None], [], 1) is None


def test_a_job_runs_in_a_worker_process_and_reports_like_a_thread(local_cluster):
    job = cluster.make_job(count, Count(epochs=2, batches=5), epochs=2).start()
    assert isinstance(job, cluster.ClusterJob)
    job.join(120)
    snap = job.snapshot()
    assert snap.phase == live.Phase.DONE and job.error is None
    assert job.result["pid"] != os.getpid() and job.result["stopped"] is None
    assert [r.epoch for r in snap.records] == [1, 2]
    assert [r.extra["epoch"] for r in snap.records] == [1, 2]  # the payload crossed over
    assert snap.series("loss") == [1.0, 0.5]
    assert snap.records[0].seconds <= snap.records[1].seconds <= snap.elapsed


def test_a_failure_keeps_its_words(local_cluster):
    job = cluster.make_job(count, Count(epochs=1, batches=2, fail=True)).start()
    job.join(120)
    assert job.snapshot().phase == live.Phase.FAILED and job.result is None
    assert job.error.template == "The file is {megabytes:.1f} MB"
    assert dict(job.error.params) == {"megabytes": 3.25}


def test_stop_ends_the_work_within_a_batch(local_cluster):
    job = cluster.make_job(count, Count(epochs=1, batches=10_000, pause=0.01)).start()
    _wait_for(lambda: job.snapshot().batch > 0)
    asked = time.monotonic()
    job.stop()
    job.join(30)
    assert time.monotonic() - asked < 3.0
    assert job.snapshot().phase == live.Phase.DONE and job.result["stopped"] is not None


def test_waiting_jobs_see_their_place_and_one_stopped_in_line_never_runs(local_cluster):
    warm = cluster.make_job(count, Count(epochs=1, batches=3)).start()  # its kind's duration
    warm.join(120)
    jobs = [cluster.make_job(count, Count(epochs=1, batches=20, pause=0.05)).start()
            for _ in range(4)]
    _wait_for(lambda: jobs[0].snapshot().phase == live.Phase.RUNNING
              and jobs[3].snapshot().ahead == 3 and jobs[3].snapshot().wait_seconds)
    snaps = [job.snapshot() for job in jobs]
    assert [s.phase for s in snaps[1:]] == [live.Phase.QUEUED] * 3
    assert [s.ahead for s in snaps[1:]] == [1, 2, 3]
    assert snaps[3].wait_seconds is not None and snaps[3].wait_seconds > 0
    jobs[2].stop()  # left the line: ends at once, and never reaches a worker
    assert jobs[2].snapshot().phase == live.Phase.DONE and jobs[2].result is None
    for job in jobs:
        job.join(120)
    assert [job.result is not None for job in jobs] == [True, True, False, True]


def test_a_job_whose_session_is_gone_is_stopped_frees_its_worker_and_leaves_nothing(
        local_cluster, monkeypatch, tmp_path):
    monkeypatch.setattr(cluster, "GRACE", 0.5)
    open_tab = [True]
    orphan = tmp_path / "orphan-run"
    job = cluster.make_job(count, Count(epochs=1, batches=100_000, pause=0.01,
                                        leave=str(orphan)), alive=lambda: open_tab[0]).start()
    _wait_for(lambda: job.snapshot().batch > 0)
    open_tab[0] = False  # the tab closed
    _wait_for(lambda: not job.running, timeout=30)
    assert job.error.template == live.Abandoned().template
    after = cluster.make_job(count, Count(epochs=1, batches=2)).start()
    after.join(60)  # the worker is free again: the orphan ended within a batch
    assert after.snapshot().phase == live.Phase.DONE
    assert not orphan.exists()  # an abandoned run is not saved (lab.train_and_save)


def test_a_stopped_job_still_leaves_its_run(local_cluster, tmp_path):
    kept = tmp_path / "stopped-run"
    job = cluster.make_job(count, Count(epochs=1, batches=100_000, pause=0.01,
                                        leave=str(kept))).start()
    _wait_for(lambda: job.snapshot().batch > 0)
    job.stop()
    job.join(60)
    assert job.result["stopped"] is not None and kept.read_text() == "saved"


def test_a_killed_worker_fails_its_job_clearly_and_the_next_job_runs(local_cluster):
    job = cluster.make_job(count, Count(epochs=50, batches=5, pause=0.05)).start()
    _wait_for(lambda: job.snapshot().records)
    os.kill(job.snapshot().records[0].extra["pid"], signal.SIGKILL)  # mid-epoch
    _wait_for(lambda: not job.running, timeout=60)
    assert job.snapshot().phase == live.Phase.FAILED
    assert job.error.template == cluster.WorkerLost().template
    after = cluster.make_job(count, Count(epochs=1, batches=2)).start()  # a new worker
    after.join(120)
    assert after.snapshot().phase == live.Phase.DONE, after.error


@pytest.mark.realdata
def test_a_real_training_runs_on_a_worker_that_loads_the_data_itself(local_cluster, real_imdb):
    from explainers import padding

    config = padding.QuickConfig(train_size=200, test_size=100, epochs=1)
    job = cluster.make_job(padding.run_quick, padding.QuickJob("post", config), epochs=1)
    job.start().join(300)
    assert job.error is None and job.snapshot().phase == live.Phase.DONE
    result = job.result
    assert 0.0 <= result.test_accuracy <= 1.0 and len(result.history["accuracy"]) == 1
    assert result.model.count_params() > 0  # the trained Keras model came back whole


def _ui_page():
    import streamlit as st

    from lessons.widgets import jobs
    from tests.cluster_work import Count, count

    if "started" not in st.session_state:
        st.session_state.started = jobs.start_job(  # runs until stopped (below)
            "job", count, Count(epochs=1, batches=100_000, pause=0.01), 1)
        st.session_state.second = jobs.start_job("other", count, Count(), 2)
    st.session_state.taken = jobs.ended("job")


def test_the_pages_runner_submits_to_the_cluster_one_job_per_session(local_cluster):
    at = AppTest.from_function(_ui_page, default_timeout=60).run()
    assert not at.error, [e.value for e in at.error]
    assert at.session_state["started"] and not at.session_state["second"]  # one at a time
    job = at.session_state["job"]
    assert isinstance(job, cluster.ClusterJob)
    _wait_for(lambda: job.snapshot().batch > 0)
    job.stop()  # the page's Stop button calls this
    job.join(120)
    at.run()
    taken = at.session_state["taken"]
    assert not at.exception and taken["pid"] != os.getpid() and taken["stopped"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def remote_cluster(monkeypatch):
    """`dask scheduler` and two `dask worker`s on loopback, as on other machines."""
    yield from _remote(monkeypatch, [{}, {}])


@pytest.fixture
def remote_cluster_one_worker_apart(monkeypatch, tmp_path):
    """The same, with the second worker's runs folder somewhere the server does not see."""
    yield from _remote(monkeypatch, [{}, {"RNN_EXPLAINER_HOME": str(tmp_path / "elsewhere")}])


def _remote(monkeypatch, worker_envs: list[dict]):
    workers.close()
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    dask = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
    procs = [subprocess.Popen([*dask, "--host", "127.0.0.1", "--port", str(port),
                               "--no-dashboard"], env=env, stderr=subprocess.DEVNULL)]
    time.sleep(2)
    worker = [sys.executable, "-m", "distributed.cli.dask_worker", address, "--nthreads",
              "1", "--no-dashboard", "--host", "127.0.0.1"]
    procs += [subprocess.Popen(worker, env=env | apart, cwd=ROOT, stderr=subprocess.DEVNULL)
              for apart in worker_envs]
    monkeypatch.setenv(workers.ENGINE_ENV, "dask")
    monkeypatch.setenv(workers.SCHEDULER_ENV, address)
    try:
        client = workers.client()
        client.wait_for_workers(len(worker_envs), timeout=90)
        yield client
    finally:
        workers.close()
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(30)


def test_the_same_jobs_run_on_a_separate_scheduler_with_two_workers(remote_cluster):
    jobs = [cluster.make_job(count, Count(epochs=2, batches=10, pause=0.05)).start()
            for _ in range(2)]
    for job in jobs:
        job.join(120)
    assert [job.snapshot().phase for job in jobs] == [live.Phase.DONE] * 2
    pids = {job.result["pid"] for job in jobs}
    assert len(pids) == 2 and os.getpid() not in pids  # side by side, one per worker
    assert all(len(job.snapshot().records) == 2 for job in jobs)
    assert sharing.check(remote_cluster) == []  # one machine: every folder is shared


def test_a_worker_that_does_not_share_the_runs_folder_is_named(remote_cluster_one_worker_apart,
                                                               tmp_path):
    problems = sharing.check(remote_cluster_one_worker_apart)
    assert [(p.folder, p.path) for p in problems] == [("runs", str(tmp_path / "elsewhere"))]
    workers = remote_cluster_one_worker_apart.scheduler_info()["workers"]
    assert problems[0].worker in workers
    assert not list(paths.home_dir().glob(".rnn-explainer-shared-*"))  # the marks are gone


def test_the_server_warns_of_an_unshared_folder_as_it_warms_up(remote_cluster_one_worker_apart,
                                                                 monkeypatch, caplog):
    monkeypatch.setattr(workers, "_warming", [])
    workers.warm_up()
    workers._warming[0].join(120)
    warned = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warned) == 1 and "runs folder" in warned[0] and "cannot be opened" in warned[0]


SERVER = """
import os, sys, time
sys.path.insert(0, {root!r})
os.environ.update({{"RNN_EXPLAINER_JOBS": "dask", "RNN_EXPLAINER_WORKERS": "1"}})
from explainers import cluster
from tests.cluster_work import Count, count

if __name__ == "__main__":
    job = cluster.make_job(count, Count(epochs={epochs}, batches=5, pause=0.05)).start()
    while not job.snapshot().records:
        time.sleep(0.05)
    print(job.snapshot().records[0].extra["pid"], flush=True)
    {then}
"""
MID_JOB = "time.sleep(600)"  # the server is killed while its job runs
TO_THE_END = "job.join(60); print(job.snapshot().phase)"  # a restarted server's job ends


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0]
    except OSError:
        return True
    return state == "Z"


def test_a_killed_server_takes_its_workers_along_and_a_restart_trains_again(tmp_path):
    script = tmp_path / "server.py"
    script.write_text(SERVER.format(root=str(ROOT), epochs=10_000, then=MID_JOB))
    server = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True,
                              stderr=subprocess.DEVNULL)
    try:
        worker = int(server.stdout.readline())  # a worker is mid-job
        assert not _gone(worker)
        server.kill()  # the web server dies mid-job (kill -9)
        server.wait(30)
        _wait_for(lambda: _gone(worker), timeout=60)  # no orphan keeps a core busy
    finally:
        server.kill()
    restarted = subprocess.run(  # the server comes back: a job runs as before
        [sys.executable, "-c", SERVER.format(root=str(ROOT), epochs=1, then=TO_THE_END)],
        capture_output=True, text=True, timeout=300)
    assert restarted.stdout.split()[-1] == "done", restarted.stderr[-2000:]


@pytest.mark.realdata
def test_closing_the_tab_mid_training_stops_the_job_and_frees_the_worker(real_imdb, tmp_path):
    """The app served, a student's light client presses Train on the lab and goes away: the
    job is stopped within the keeper's grace and a batch, and saves no run (nobody is left to
    open it); the one worker is free again, so the next student's training runs and saves."""
    import asyncio
    import urllib.parse

    from benchmarks import browser, load
    from explainers import runs

    lesson = "lang=en&preset=Embedding+%2B+average+pooling+%28lesson%29"  # 30 epochs: minutes
    tiny = urllib.parse.urlencode({"lang": "en"} | TINY_LAB)

    async def train(url: str, query: str, then_close: bool) -> None:
        student = load.Student(url)
        await student.connect()
        await student.view(load.LAB, query)
        await student.view(load.LAB, query, [(student.shown.widgets[load.TRAIN],
                                              "trigger_value", True)])
        if then_close:
            await asyncio.sleep(2)
            await student.close()  # the tab closes mid-job

    env = {workers.ENGINE_ENV: "dask", workers.WORKERS_ENV: "1", "RNN_EXPLAINER_HOME":
           str(tmp_path)}
    store = runs.RunStore(tmp_path / "runs")  # where the server's worker saves

    def saved():  # every run in the folder, whoever's
        return [runs.read_record(f) for f in store.root.glob("*") if (f / "run.json").exists()]

    with browser.running_server(env) as server:
        asyncio.run(asyncio.wait_for(train(server.url, lesson, then_close=True), 600))
        asyncio.run(asyncio.wait_for(train(server.url, tiny, then_close=False), 600))
        _wait_for(saved, timeout=600)  # the next student's run: the worker was freed
        time.sleep(2)  # had the orphan saved too, it would have done so first
        records = saved()
    assert [(r.stopped, r.epochs_run) for r in records] == [(False, 1)]
