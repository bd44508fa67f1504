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

Seeded (weights and shuffling, `TrainConfig.seed`), so a re-run gives the same curves up to
TensorFlow's thread-order nondeterminism on CPU.

Run:  RNN_EXPLAINER_DATA=/work/shared/data nice -n 5 python scripts/record_lesson_runs.py [keys]
      (keys: pool simplernn bilstm; all three by default)
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from explainers import data, live, models, presets, reviews, runs, training  # noqa: E402

DATA = "Stanford aclImdb (Maas et al., 2011): 25,000 train / 25,000 test reviews"


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

    result = training.train(model, imdb.x_train, imdb.y_train, train,
                            reporter=live.Printer(f"{key} "))
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
               "lesson_accuracy": preset.lesson_accuracy},
    )
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
