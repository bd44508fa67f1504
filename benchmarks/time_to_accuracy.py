"""Time to accuracy on IMDB: the lesson's recipes against the lab's presets, in one run.

For each model of issue 3's table, trains the lesson's recipe (capped at a stated number of
epochs) and the lab's preset, scores the 25,000 test reviews after every epoch (scoring time
is not counted), and prints when each first reached the target test accuracy and the ratio
of the two times. A recipe that does not reach the target within its cap is reported as
"not reached in N epochs, >= X s", and the ratio then is a lower bound.

    RNN_EXPLAINER_DATA=../shared/data python benchmarks/time_to_accuracy.py [--quick]

`--quick` is a smoke run (2,000 training and test reviews, one epoch each): the figures it
prints mean nothing. Training time includes the per-epoch validation, as in the lab.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import proc
from explainers import data, live, models, presets, training

# (row label, lesson preset, lab preset, target test accuracy, lab's time budget in s,
#  epochs the lesson's recipe is capped at)
TABLE = (
    ("Embedding + average pooling", presets.LESSON_POOL, presets.FAST_POOL, 0.88, 20, 30),
    ("LSTM family", presets.LESSON_BILSTM, presets.FAST_LSTM, 0.8441, 45, 2),
    ("SimpleRNN", presets.LESSON_RNN, presets.RNN_DONE_RIGHT, 0.80, 90, 3),
)
QUICK_REVIEWS = 2_000


def time_to_target(preset: presets.Preset, target: float, cap: int, quick: bool) -> dict:
    """Train epoch by epoch until the test accuracy reaches `target` or `cap` epochs pass."""
    imdb = data.load_imdb(preset.imdb)
    n = QUICK_REVIEWS if quick else len(imdb.y_train)
    x_test, y_test = imdb.x_test[:n], imdb.y_test[:n]
    config = replace(preset.train, epochs=cap, early_stopping_patience=0,
                     train_size=QUICK_REVIEWS if quick else preset.train.train_size)
    model = models.build_model(preset.model, seed=config.seed,
                               learning_rate=config.learning_rate)
    scored = {"seconds": 0.0, "epochs": [], "reached": None}
    began = time.perf_counter()

    class Scorer(live.Reporter):
        """Scores the test set after each epoch; asks to stop once the target is reached."""

        def epoch(self, number: int, metrics=(), note=None, extra=None) -> None:
            now = time.perf_counter()
            test = training.evaluate(model, x_test, y_test, bucketing=config.bucketing or None)
            trained = now - began - scored["seconds"]  # scoring of earlier epochs left out
            scored["seconds"] += time.perf_counter() - now
            scored["epochs"].append((number, trained, test["accuracy"]))
            print(f"  {preset.name}: epoch {number}, {trained:.1f} s of training, "
                  f"val {metrics['val_accuracy']:.4f}, test {test['accuracy']:.4f}",
                  flush=True)
            if test["accuracy"] >= target and scored["reached"] is None:
                scored["reached"] = (number, trained, test["accuracy"])

        def should_stop(self) -> bool:
            return scored["reached"] is not None

    training.train(model, imdb.x_train, imdb.y_train, config, reporter=Scorer())
    last = scored["epochs"][-1]
    return {"reached": scored["reached"], "epochs": len(scored["epochs"]),
            "seconds": last[1], "best": max(a for _, _, a in scored["epochs"])}


def describe(outcome: dict) -> str:
    if outcome["reached"]:
        epoch, seconds, accuracy = outcome["reached"]
        return f"{seconds:.1f} s (epoch {epoch}, test {accuracy:.4f})"
    return (f"not reached in {outcome['epochs']} epochs, >= {outcome['seconds']:.0f} s "
            f"(best test {outcome['best']:.4f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    parser.add_argument("--only", choices=[row[0] for row in TABLE], action="append",
                        help="run only this row (repeatable)")
    args = parser.parse_args()
    print(f"start: {proc.load()}", flush=True)
    rows = []
    for label, lesson, lab, target, budget, cap in TABLE:
        if args.only and label not in args.only:
            continue
        print(f"{label}: target test accuracy {target}", flush=True)
        lesson_cap = 1 if args.quick else cap
        lab_cap = 1 if args.quick else lab.train.epochs
        theirs = time_to_target(lesson, target, lesson_cap, args.quick)
        ours = time_to_target(lab, target, lab_cap, args.quick)
        if ours["reached"] and theirs["reached"]:
            ratio = f"{theirs['reached'][1] / ours['reached'][1]:.1f}x"
        elif ours["reached"]:
            ratio = f">= {theirs['seconds'] / ours['reached'][1]:.1f}x (lesson's never got there)"
        else:
            ratio = "lab preset missed the target"
        within = bool(ours["reached"]) and ours["reached"][1] <= budget
        rows.append((label, target, f"{lesson.name}, capped at {lesson_cap} epochs",
                     describe(theirs), lab.name, describe(ours), ratio,
                     f"{'yes' if within else 'NO'} (<= {budget} s)"))
    print(f"end: {proc.load()}")
    print(f"cpu count: {os.cpu_count()}; quick: {args.quick}")
    print("| model | target | lesson's recipe | lesson's time to target | lab preset | "
          "lab's time to target | speed-up | lab within budget |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for row in rows:
        print("| " + " | ".join(str(cell) for cell in row) + " |")


if __name__ == "__main__":
    main()
