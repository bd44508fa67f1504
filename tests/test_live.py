"""The live runner: a job runs any work, reports, stops within a batch, and never dies silently."""

from __future__ import annotations

import dataclasses
import math
import threading
import time
from dataclasses import dataclass

import numpy as np
import pytest

from explainers import live


@dataclass(frozen=True)
class Counting:
    """Work settings: `epochs` of `batches`, each batch `pause` seconds long."""

    epochs: int = 3
    batches: int = 5
    pause: float = 0.0
    fail_at: int | None = None  # raise in this batch (counted over the whole run)
    gate: threading.Event | None = None  # each batch waits for it (lets a test step the work)


@dataclass(frozen=True)
class Counted:
    batches: int  # batches trained in all
    stopped: bool


def count(spec: Counting, reporter: live.Reporter) -> Counted:
    """Work that 'trains' by counting; loss falls as 1 / batches done."""
    done = 0
    for epoch in range(1, spec.epochs + 1):
        for b in range(1, spec.batches + 1):
            if spec.gate is not None:
                spec.gate.wait(10)
            time.sleep(spec.pause)
            done += 1
            if spec.fail_at == done:
                raise ValueError(f"batch {done} is broken")
            reporter.batch(b, spec.batches, loss=1 / done)
            if reporter.should_stop():
                return Counted(done, True)
        reporter.epoch(epoch, {"loss": 1 / done, "accuracy": epoch / spec.epochs},
                       note=f"after {epoch}")
    for i in range(1, 3):
        reporter.stage("scoring", i / 2)
    return Counted(done, False)


def test_a_job_runs_reports_and_keeps_its_result():
    job = live.Job(count, Counting(epochs=3, batches=4), epochs=3).start()
    job.join(10)
    snap = job.snapshot()
    assert not job.running and snap.phase == live.Phase.DONE and job.error is None
    assert job.result == Counted(12, False)
    assert [r.epoch for r in snap.records] == [1, 2, 3]
    assert [r.note for r in snap.records] == ["after 1", "after 2", "after 3"]
    assert snap.series("accuracy") == pytest.approx([1 / 3, 2 / 3, 1.0])
    assert snap.records[-1].metrics.get("loss") == pytest.approx(1 / 12)
    assert math.isnan(snap.records[0].metrics.get("val_loss"))
    assert snap.batch_metrics.names == ("loss",) and snap.batches == 4
    assert snap.stage == "scoring" and snap.stage_progress == 1.0 and snap.progress == 1.0
    seconds = [r.seconds for r in snap.records]
    assert seconds == sorted(seconds)
    later = job.snapshot()
    assert later.elapsed == snap.elapsed  # the clock stops when the job ends
    with pytest.raises(dataclasses.FrozenInstanceError):
        snap.phase = live.Phase.RUNNING  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        snap.records[0].epoch = 9  # type: ignore[misc]
    assert hash(snap.records) == hash(later.records)  # frozen all the way down


def test_snapshots_taken_while_running_are_consistent():
    gate = threading.Event()
    job = live.Job(count, Counting(epochs=2, batches=3, gate=gate), epochs=2).start()
    first = job.snapshot()
    assert first.phase == live.Phase.STARTING and first.progress == 0.0
    assert first.remaining_seconds is None and first.running
    gate.set()
    seen = []
    deadline = time.monotonic() + 10
    while job.running and time.monotonic() < deadline:
        seen.append(job.snapshot())
        time.sleep(0.0002)  # a loop that never pauses can keep the job from its lock for
        # minutes on a busy machine (and fill memory with snapshots)
    job.join(10)
    seen.append(job.snapshot())
    progress = [s.progress for s in seen]
    assert progress == sorted(progress) and progress[-1] == 1.0
    for s in seen:
        assert s.batch <= s.batches and len([r for r in s.records if r.epoch]) == s.epoch
        if s.phase == live.Phase.RUNNING and s.batch:
            assert s.remaining_seconds is not None and s.remaining_seconds >= 0


def test_time_left_is_the_pace_so_far_times_what_is_left():
    halfway, release = threading.Event(), threading.Event()

    def work(spec, reporter):
        reporter.stage("compiling", 0.0)  # a slow start: not part of the batches' pace
        time.sleep(1.0)
        for epoch in (1, 2):
            for b in range(1, 6):
                time.sleep(0.02)
                reporter.batch(b, 5)
            reporter.epoch(epoch, {"loss": 1.0})
            if epoch == 1:
                halfway.set()
                release.wait(10)
        return "done"

    job = live.Job(work, None, epochs=2).start()
    assert halfway.wait(10)
    snap = job.snapshot()  # 5 of 10 batches done: 5/4 of the time since batch 1 to go
    release.set()
    job.join(10)
    assert snap.phase == live.Phase.RUNNING and (snap.epoch, snap.batch) == (1, 0)
    assert 0 < snap.remaining_seconds < snap.elapsed / 2  # the slow start is not counted
    assert job.snapshot().remaining_seconds is None  # done: nothing left to estimate


def test_stop_ends_the_work_within_a_batch_and_keeps_the_partial_result():
    job = live.Job(count, Counting(epochs=1000, batches=10, pause=0.005), epochs=1000).start()
    deadline = time.time() + 10
    while job.snapshot().epoch < 1 and time.time() < deadline:
        time.sleep(0.01)
    job.stop()
    at_stop = job.snapshot()
    job.join(10)
    snap = job.snapshot()
    assert snap.phase == live.Phase.DONE and snap.stopping and not snap.running
    assert job.result.stopped
    done_at_stop = at_stop.epoch * 10 + at_stop.batch
    assert done_at_stop <= job.result.batches <= done_at_stop + 1  # within one batch
    assert 1 <= len(snap.records) < 1000


def test_an_exception_fails_the_job_with_its_message():
    job = live.Job(count, Counting(fail_at=4), epochs=3).start()
    job.join(10)
    snap = job.snapshot()
    assert snap.phase == live.Phase.FAILED and not job.running and job.result is None
    assert job.error == live.Failure("ValueError", "batch 4 is broken")
    assert str(snap.error) == "ValueError: batch 4 is broken"
    assert snap.batch == 3  # what it reported before failing is still there


def test_two_jobs_in_parallel_do_not_see_each_others_stop():
    slow = Counting(epochs=3, batches=10, pause=0.01)
    stopped = live.Job(count, slow, epochs=3)
    other = live.Job(count, slow, epochs=3)
    stopped.stop()  # before it even starts: its first batch is its last
    stopped.start()
    other.start()
    stopped.join(10)
    other.join(10)
    assert stopped.result == Counted(1, True)
    assert other.result == Counted(30, False) and not other.snapshot().stopping


def test_the_base_reporter_is_silent_and_never_stops():
    assert count(Counting(epochs=2, batches=2), live.QUIET) == Counted(4, False)


def test_metrics_are_frozen_named_numbers():
    m = live.Metrics.of({"loss": np.float32(0.5), "accuracy": 1, "note": "text"})
    assert m.get("loss") == 0.5 and isinstance(m.get("loss"), float)
    assert m.names == ("loss", "accuracy", "note") and math.isnan(m.get("note"))
    assert "accuracy" in m and "val_loss" not in m and math.isnan(m.get("val_loss"))
    assert m.get("missing", -1.0) == -1.0
    assert live.Metrics.of([("loss", 0.5)]) == live.Metrics.of({"loss": 0.5})


class Recorder(live.Reporter):
    def __init__(self, stop_after: int):
        self.batches: list[tuple[int, int, float]] = []
        self.stop_after = stop_after

    def batch(self, done, total, **metrics):
        self.batches.append((done, total, metrics["loss"]))

    def should_stop(self):
        return len(self.batches) >= self.stop_after


def test_keras_bridge_reports_batches_and_stops_fit():
    import keras

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x = np.random.default_rng(0).normal(size=(64, 3)).astype("float32")  # (64, 3)
    y = x.sum(axis=1)  # (64,)
    reporter = Recorder(stop_after=3)
    bridge = live.keras_bridge(reporter)
    model.fit(x, y, batch_size=8, epochs=5, verbose=0, callbacks=[bridge])
    assert bridge.stopped
    assert [(d, t) for d, t, _ in reporter.batches] == [(1, 8), (2, 8), (3, 8)]
    assert all(isinstance(loss, float) or np.isscalar(loss) for *_, loss in reporter.batches)
    never = live.keras_bridge(live.QUIET, batches=8)
    model.fit(x, y, batch_size=8, epochs=1, verbose=0, callbacks=[never])
    assert not never.stopped


def _panel_page():
    """A page with one live job whose work waits for a gate (the test opens it)."""
    import streamlit as st

    from explainers import live
    from lessons.widgets import jobs

    def work(gate, reporter):
        reporter.batch(1, 4, loss=0.5)
        gate.wait(30)
        return "kept" if reporter.should_stop() else "finished"

    if "job" not in st.session_state:
        st.session_state["job"] = live.Job(work, st.session_state["gate"], epochs=2).start()
    job = st.session_state["job"]
    if job.running:
        jobs.live_panel(job, "t", draw=lambda snap: st.write(f"drawn at batch {snap.batch}"))
    else:
        st.success(f"ended: {job.result}")


def test_the_live_panel_shows_progress_and_stops_its_own_job():
    from streamlit.testing.v1 import AppTest

    gate = threading.Event()
    at = AppTest.from_function(_panel_page, default_timeout=30)
    at.session_state["gate"] = gate
    job_started = time.time()
    at.run()
    while at.session_state["job"].snapshot().batch < 1 and time.time() - job_started < 10:
        time.sleep(0.01)
    at.run()
    assert not at.exception, at.exception
    assert [m.label for m in at.metric] == ["Elapsed", "Time left"]  # English mode
    assert at.get("progress")[0].proto.text == "Epoch 1 of 2 · batch 1 of 4 · loss 0.500"
    assert at.get("progress")[0].proto.value == 12  # 1 of 8 batches, in percent
    assert "drawn at batch 1" in [m.value for m in at.markdown]
    assert not at.button(key="t_stop").disabled
    at.button(key="t_stop").click().run()
    assert at.button(key="t_stop").disabled  # asked once; the work is finishing its batch
    assert any("Stopping after this batch" in c.value for c in at.caption)
    gate.set()
    at.session_state["job"].join(10)
    at.run()
    assert [s.value for s in at.success] == ["ended: kept"]
