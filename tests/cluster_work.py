"""A small work function for the cluster tests: importable by Dask workers (the repository is
on their path), it counts batches, reports like a training and can be told to fail."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from explainers import live
from explainers.i18n import N_, Explained


@dataclass(frozen=True)
class Count:
    epochs: int = 2
    batches: int = 5
    pause: float = 0.02  # seconds a batch takes
    fail: bool = False  # raise an Explained error after the last epoch
    leave: str = ""  # a file the work writes as it ends, as a lab run saves, unless abandoned


def count(spec: Count, reporter: live.Reporter = live.QUIET) -> dict:
    """Epochs of batches; returns the worker's pid and where it stopped."""
    for epoch in range(1, spec.epochs + 1):
        for batch in range(1, spec.batches + 1):
            time.sleep(spec.pause)
            reporter.batch(batch, spec.batches, loss=1 / (epoch * batch))
            if reporter.should_stop():
                return _leave(spec, reporter, {"pid": os.getpid(), "stopped": (epoch, batch)})
        reporter.epoch(epoch, {"loss": 1 / epoch}, extra={"pid": os.getpid(), "epoch": epoch})
    if spec.fail:
        raise Explained(N_("The file is {megabytes:.1f} MB"), megabytes=3.25)
    return _leave(spec, reporter, {"pid": os.getpid(), "stopped": None})


def _leave(spec: Count, reporter: live.Reporter, result: dict) -> dict:
    if spec.leave and not reporter.abandoned():
        Path(spec.leave).write_text("saved")
    return result
