"""Run the lesson's three IMDB recipes in full, once, and ship what they did as recorded runs.

Each recipe is a "(lesson)" preset of `explainers.presets`, exactly the tutorial's code:
`num_words=10000`, `index_from=3`, `pad_sequences(padding='post', maxlen=500)`, embedding 16,
adam, `validation_split=0.2`, full-width batches (no bucketing, no mask, no early stopping),
with its own batch size and 30 epochs. It goes through the lab's own path
(`models.build_model`, `training.train`, `training.evaluate`, `runs.save_run`), so each
recording is a run folder like any lab run: assets/lesson_runs/<key>/ with
- model.keras       the weights after the last epoch (as the lesson's fit leaves them)
- vocabulary.json   the Vocabulary that turns raw text into the model's ids
- run.json          settings, per-epoch history, test score on all 25,000 test reviews,
                    time per epoch, and how it was made (machine, versions, seed)

Seeded (weights, and the shuffle of epoch e with `TrainConfig.seed + e - 1`), so a re-run
gives the same curves up to TensorFlow's thread-order nondeterminism on CPU. The model (with
Adam's state) and the history are saved after every epoch in assets/lesson_runs/.partial-<key>/
(not shipped), so a recording that is killed goes on where it stopped when run again.

Run:  RNN_EXPLAINER_DATA=/work/shared/data nice -n 5 python scripts/record_lesson_runs.py [keys]
      (keys: pool simplernn bilstm; all three by default)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from explainers import data, models, presets, reviews, runs, training  # noqa: E402

DATA = "Stanford aclImdb (Maas et al., 2011): 25,000 train / 25,000 test reviews"


def train_resumably(model, imdb: data.ImdbData, train: training.TrainConfig, partial: Path,
                    key: str):
    """`training.train` one epoch at a time (the shuffle seeded per epoch), the model with its
    optimizer state and the history saved after each epoch into `partial`, so a killed
    recording goes on where it stopped. Returns (model, TrainResult of all epochs)."""
    import keras

    history = {name: [] for name in training.HISTORY_KEYS}
    epoch_seconds: list[float] = []
    log = partial / "history.json"
    if log.exists():
        saved = json.loads(log.read_text())
        history, epoch_seconds = saved["history"], saved["epoch_seconds"]
        model = keras.saving.load_model(partial / runs.MODEL_FILE)  # with Adam's moments
        print(f"{key}: resuming after epoch {len(epoch_seconds)}", flush=True)
    partial.mkdir(parents=True, exist_ok=True)
    while len(epoch_seconds) < train.epochs:
        epoch = len(epoch_seconds) + 1
        one = training.train(model, imdb.x_train, imdb.y_train,
                             replace(train, epochs=1, seed=train.seed + epoch - 1))
        for name in training.HISTORY_KEYS:
            history[name] += one.history[name]
        epoch_seconds += one.epoch_seconds
        model.save(partial / runs.MODEL_FILE)
        log.write_text(json.dumps({"history": history, "epoch_seconds": epoch_seconds}))
        print(f"{key} epoch {epoch}: " + ", ".join(
            f"{name} {history[name][-1]:.4f}" for name in training.HISTORY_KEYS)
            + f" ({sum(epoch_seconds):.0f} s)", flush=True)
    val = history["val_loss"]
    result = training.TrainResult(
        history=history, seconds=sum(epoch_seconds), epochs_run=len(epoch_seconds),
        stopped=False, best_epoch=1 + val.index(min(val)), epoch_seconds=epoch_seconds,
        batches_per_epoch=one.batches_per_epoch if epoch_seconds else 0,
        mean_width=float(imdb.config.maxlen))
    return model, result


def record(key: str, out: Path, epochs: int | None) -> None:
    import keras
    import tensorflow as tf

    preset = presets.LESSON_PRESETS[key]
    train = preset.train if epochs is None else replace(preset.train, epochs=epochs)
    began = time.perf_counter()
    imdb = data.load_imdb(preset.imdb)
    print(f"{key}: data from {imdb.source} in {imdb.seconds:.1f} s", flush=True)
    model = models.build_model(preset.model, seed=train.seed, learning_rate=train.learning_rate)
    print(models.summary_text(model), flush=True)
    partial = out / f".partial-{key}"
    model, result = train_resumably(model, imdb, train, partial, key)
    tested = time.perf_counter()
    test = training.evaluate(model, imdb.x_test, imdb.y_test)
    test_seconds = time.perf_counter() - tested
    print(f"{key}: test accuracy {test['accuracy']:.4f} (loss {test['loss']:.4f}) on "
          f"{len(imdb.y_test):,} reviews; lesson printed {preset.lesson_accuracy}", flush=True)
    folder = out / key
    runs.save_run(
        folder, model, model_config=preset.model, train_config=train, result=result,
        test_metrics={"loss": test["loss"], "accuracy": test["accuracy"],
                      "reviews": len(imdb.y_test)},
        input_format=reviews.InputFormat.of_imdb(imdb), preset=preset.name, name=preset.name,
        timings={"test_seconds": test_seconds},
        extra={"made_by": "scripts/record_lesson_runs.py", "data": DATA,
               "keras": keras.__version__, "tensorflow": tf.__version__,
               "machine": f"{platform.processor() or platform.machine()}, "
                          f"{os.cpu_count()} CPU cores",
               "lesson_accuracy": preset.lesson_accuracy,
               "epochs": "one training.train call per epoch, shuffle seed + epoch - 1"},
    )
    shutil.rmtree(partial)
    folder.chmod(0o755)
    for file in folder.iterdir():
        file.chmod(0o644)
    print(f"{key}: wrote {folder} in {time.perf_counter() - began:.0f} s "
          f"(training {result.seconds:.0f} s)", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("keys", nargs="*", default=list(presets.LESSON_PRESETS))
    parser.add_argument("--out", type=Path, default=runs.LESSON_RUNS)
    parser.add_argument("--epochs", type=int, help="fewer epochs, to try the script")
    args = parser.parse_args(argv)
    for key in args.keys:
        record(key, args.out, args.epochs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
