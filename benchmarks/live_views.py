"""What the lab's watch views cost a training: the same seeded preset with and without them.

For each preset (Fast LSTM: word map and gate saturation; Fast average pooling: the word map
only) trains the same seeded model `--repeats` times without and with a `watch.Watcher`,
alternating (off, on, off, on, ...) so that the load of a shared machine falls on both alike,
and prints the median training time of each and their ratio (the issue's target: at most
1.10). A training time includes the per-epoch validation, as in the lab, and, with the views,
the epoch-0 view the lab takes before training. It then times the watcher alone on the trained
model (median and p95 of `--calls` calls) and puts it against one epoch: the direct measure,
which the load of a shared machine blurs far less than a ratio of two trainings.

    RNN_EXPLAINER_DATA=../shared/data python benchmarks/live_views.py [--quick]

`--quick` trains on 2,000 reviews for one epoch (a smoke run: its ratio means little).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import proc
from explainers import data, models, presets, training, watch

PRESETS = (presets.FAST_LSTM, presets.FAST_POOL)  # the views' two cases: gates + map, map only
QUICK_REVIEWS = 2_000


def train_once(preset: presets.Preset, watched: bool, quick: bool):
    """One seeded training of the preset; (seconds, model, watcher or None, result)."""
    imdb = data.load_imdb(preset.imdb)
    config = replace(preset.train, epochs=1 if quick else preset.train.epochs,
                     train_size=QUICK_REVIEWS if quick else preset.train.train_size)
    model = models.build_model(preset.model, seed=config.seed,
                               learning_rate=config.learning_rate)
    watcher = watch.Watcher.for_run(preset.model.body, imdb) if watched else None
    began = time.perf_counter()
    if watcher is not None:
        watcher(model)  # the view before training, as lab.train_and_save takes it
    result = training.train(model, imdb.x_train, imdb.y_train, config, watch=watcher)
    return time.perf_counter() - began, model, watcher, result


def measure(preset: presets.Preset, repeats: int, calls: int, quick: bool) -> None:
    seconds = {False: [], True: []}
    model = watcher = result = None
    for _round in range(repeats):
        for watched in (False, True):
            took, model, found, result = train_once(preset, watched, quick)
            seconds[watched].append(took)
            watcher = found or watcher
            print(f"  {'with' if watched else 'without'} views: {took:.1f} s", flush=True)
    off, on = statistics.median(seconds[False]), statistics.median(seconds[True])
    times = []
    for _call in range(calls):
        began = time.perf_counter()
        view = watcher(model)
        times.append(time.perf_counter() - began)
    epoch = statistics.median(result.epoch_seconds) if result.epoch_seconds else float("nan")
    call = statistics.median(times)
    gates = "word map + gate saturation" if view.saturation is not None else "word map"
    print(f"{preset.name} ({gates}; {len(view.words.words)} words, "
          f"{result.epochs_run} epochs):")
    print(f"  training, median of {repeats}: without {off:.1f} s, with {on:.1f} s, "
          f"ratio {on / off:.3f}")
    print(f"  one view: median {call * 1e3:.1f} ms, p95 {proc.percentile(times, 0.95) * 1e3:.1f}"
          f" ms over {calls} calls; an epoch {epoch:.1f} s -> overhead "
          f"{call * (result.epochs_run + 1) / (epoch * result.epochs_run):.2%} "
          f"(epochs + the view before training)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    print(f"load: {proc.load()}")
    for preset in PRESETS:
        measure(preset, args.repeats, args.calls, args.quick)
    print(f"load: {proc.load()}")


if __name__ == "__main__":
    main()
