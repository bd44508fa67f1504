"""Train the small LSTM sentiment model that the gates page ships with, as a lab run.

It goes through the lab's own path (`models.build_model`, `training.train`,
`training.evaluate`, `runs.save_run`), so the shipped model is a run like any other and loads
through the same `runs.load_run`. It writes one run folder, assets/lstm_sentiment/:
- model.keras       Embedding(10,000 x 32, mask_zero) -> LSTM(32) -> Dense(1, sigmoid)
- vocabulary.json   the Vocabulary that turns raw text into the model's ids
- run.json          settings, history, test score, time, and how it was made

Data: the 25,000 labelled IMDB training reviews (explainers.data.load_imdb), the last 10 %
(2,500) held out to pick the best epoch; the score is measured on all 25,000 test reviews.
Seeded (weights, shuffling), so a re-run gives the same model up to TensorFlow's
thread-order nondeterminism on CPU (a few 0.001s of accuracy).

Run:  RNN_EXPLAINER_DATA=/work/shared/data nice -n 5 python scripts/train_lstm_sentiment.py
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from explainers import data, live, models, paths, reviews, runs, training  # noqa: E402

NAME = "LSTM (32 units)"  # how pages name it, beside its test accuracy
DATA = "Stanford aclImdb (Maas et al., 2011): 25,000 train / 25,000 test reviews"
IMDB = data.ImdbConfig(
    num_words=10_000,  # the lesson's vocabulary
    maxlen=256,  # covers the whole of ~2/3 of reviews; half the lesson's 500, 2x faster
    padding="pre",  # pads first, so the last real word is the last step the LSTM sees
    truncating="pre",  # a long review keeps its end, where the verdict usually is
)
MODEL = models.ModelConfig(
    vocab_size=IMDB.num_words,
    embed_dim=32,  # small: the page plots every unit, the asset stays under 2 MB
    mask_zero=True,  # <PAD> steps are skipped: a review traced unpadded gives the same answer
    body="lstm",
    units=32,  # one LSTM of 32 units: every unit fits on a heatmap, traces are fast
    dense_units=0,  # no hidden Dense: the LSTM's last state goes straight to the output
)
TRAIN = training.TrainConfig(
    epochs=2,  # validation accuracy peaks at epoch 1-2, then the model overfits
    batch_size=64,  # ~350 updates per epoch
    learning_rate=1e-3,  # Adam's default
    validation_split=0.1,  # the last 2,500 training reviews choose the best epoch
    early_stopping_patience=1,  # with restore_best_weights: keep the best epoch's weights
    bucketing=True,  # the mask makes cutting each batch to its longest review exact: faster
    seed=1337,  # weights and shuffling
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=paths.ASSETS, help="folder to write into")
    parser.add_argument("--epochs", type=int, default=TRAIN.epochs)
    args = parser.parse_args(argv)
    train_config = replace(TRAIN, epochs=args.epochs)

    import keras
    import tensorflow as tf

    began = time.perf_counter()
    imdb = data.load_imdb(IMDB)
    print(f"data from {imdb.source} in {imdb.seconds:.1f} s")
    model = models.build_model(MODEL, seed=train_config.seed,
                               learning_rate=train_config.learning_rate)
    print(models.summary_text(model))

    result = training.train(model, imdb.x_train, imdb.y_train, train_config,
                            reporter=live.Printer())
    tested = time.perf_counter()
    test = training.evaluate(model, imdb.x_test, imdb.y_test)
    test_seconds = time.perf_counter() - tested
    print(f"test accuracy on {len(imdb.y_test):,} reviews: {test['accuracy']:.4f} "
          f"(loss {test['loss']:.4f}); best epoch {result.best_epoch}")

    folder = args.out / runs.SHIPPED_RUN
    runs.save_run(
        folder, model, model_config=MODEL, train_config=train_config, result=result,
        test_metrics={"loss": test["loss"], "accuracy": test["accuracy"],
                      "reviews": len(imdb.y_test)},
        input_format=reviews.InputFormat.of_imdb(imdb), name=NAME,
        timings={"test_seconds": test_seconds},
        extra={"made_by": "scripts/train_lstm_sentiment.py", "data": DATA,
               "keras": keras.__version__, "tensorflow": tf.__version__},
    )
    folder.chmod(0o755)  # an asset: readable by whoever serves the app
    for file in folder.iterdir():
        file.chmod(0o644)
    size = (folder / runs.MODEL_FILE).stat().st_size
    print(f"wrote {folder} (model {size / 1e6:.2f} MB) in {time.perf_counter() - began:.0f} s "
          f"(training {result.seconds:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
