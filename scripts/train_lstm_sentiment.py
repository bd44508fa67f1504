"""Train the small LSTM sentiment model that the gates page ships with.

Writes three files into assets/ (see assets/README.md for their provenance):
- lstm_sentiment.keras        Embedding(10,000 x 32, mask_zero) -> LSTM(32) -> Dense(1, sigmoid)
- lstm_sentiment_vocab.json   the Vocabulary that turns raw text into the model's ids
- lstm_sentiment_meta.json    maxlen, padding, truncating, seed, epochs, test accuracy

Data: the 25,000 labelled IMDB training reviews (explainers.data.load_imdb), the last
VALIDATION reviews of them held out to pick the best epoch; the score is measured on all
25,000 test reviews. Seeded, so a re-run gives the same model up to TensorFlow's
thread-order nondeterminism on CPU (a few 0.001s of accuracy).

Run:  RNN_EXPLAINER_DATA=/work/shared/data nice -n 10 python scripts/train_lstm_sentiment.py
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from explainers import data, paths  # noqa: E402

MODEL_NAME = "lstm_sentiment.keras"
VOCAB_NAME = "lstm_sentiment_vocab.json"
META_NAME = "lstm_sentiment_meta.json"


@dataclass(frozen=True)
class TrainConfig:
    num_words: int = 10_000  # the lesson's vocabulary
    maxlen: int = 256  # covers the whole of ~2/3 of reviews; half the lesson's 500, 2x faster
    padding: str = "pre"  # pads first, so the last real word is the last step the LSTM sees
    truncating: str = "pre"  # a long review keeps its end, where the verdict usually is
    embed_dim: int = 32  # small: the page plots every unit, the asset stays under 2 MB
    units: int = 32  # one LSTM of 32 units: every unit fits on a heatmap, traces are fast
    epochs: int = 2  # validation accuracy peaks at epoch 1-2, then the model overfits
    batch_size: int = 64  # Keras's usual size; ~390 steps per epoch
    learning_rate: float = 1e-3  # Adam's default
    validation: int = 2_500  # training reviews held out to choose the best epoch
    seed: int = 1337  # keras.utils.set_random_seed: weights, shuffling, dropout


def build_model(config: TrainConfig, for_training: bool = True):
    import keras

    model = keras.Sequential(
        [
            keras.Input(shape=(None,), dtype="int32"),
            # mask_zero: <PAD> (0) steps are skipped, the LSTM carries its state over them,
            # so a review traced without padding gives exactly the model's prediction
            keras.layers.Embedding(config.num_words, config.embed_dim, mask_zero=True,
                                   name="embedding"),
            keras.layers.LSTM(config.units, name="lstm"),
            keras.layers.Dense(1, activation="sigmoid", name="output"),
        ],
        name="lstm_sentiment",
    )
    if not for_training:
        return model
    model.compile(
        optimizer=keras.optimizers.Adam(config.learning_rate),
        loss="binary_crossentropy",
        metrics=["accuracy"],
    )
    return model


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=paths.ASSETS, help="folder to write into")
    parser.add_argument("--epochs", type=int, default=TrainConfig.epochs)
    args = parser.parse_args(argv)
    config = TrainConfig(epochs=args.epochs)

    import keras

    keras.utils.set_random_seed(config.seed)
    began = time.perf_counter()
    imdb = data.load_imdb(data.ImdbConfig(
        num_words=config.num_words, maxlen=config.maxlen,
        padding=config.padding, truncating=config.truncating,
    ))
    print(f"data from {imdb.source} in {imdb.seconds:.1f} s")
    x_fit, y_fit = imdb.x_train[: -config.validation], imdb.y_train[: -config.validation]
    x_val, y_val = imdb.x_train[-config.validation:], imdb.y_train[-config.validation:]

    model = build_model(config)
    model.summary()
    best = keras.callbacks.EarlyStopping(
        monitor="val_accuracy", patience=config.epochs, restore_best_weights=True
    )
    history = model.fit(
        x_fit, y_fit, validation_data=(x_val, y_val), epochs=config.epochs,
        batch_size=config.batch_size, callbacks=[best], verbose=2,
    )
    trained = time.perf_counter() - began
    loss, accuracy = model.evaluate(imdb.x_test, imdb.y_test, batch_size=256, verbose=0)
    print(f"test accuracy on {len(imdb.y_test)} reviews: {accuracy:.4f} (loss {loss:.4f})")

    args.out.mkdir(parents=True, exist_ok=True)
    # saved without the optimizer's moments (2 copies of every weight): 1.3 MB, not 4 MB
    inference = build_model(config, for_training=False)
    inference.set_weights(model.get_weights())
    inference.save(args.out / MODEL_NAME)
    imdb.vocabulary.save(args.out / VOCAB_NAME)
    best_epoch = int(max(range(config.epochs), key=lambda e: history.history["val_accuracy"][e]))
    meta = {
        "model": MODEL_NAME,
        "vocabulary": VOCAB_NAME,
        "maxlen": config.maxlen,
        "padding": config.padding,
        "truncating": config.truncating,
        "num_words": config.num_words,
        "test_accuracy": round(float(accuracy), 4),
        "test_loss": round(float(loss), 4),
        "test_reviews": len(imdb.y_test),
        "best_epoch": best_epoch + 1,
        "val_accuracy": [round(float(v), 4) for v in history.history["val_accuracy"]],
        "train_seconds": round(trained, 1),
        "config": asdict(config),
        "keras": keras.__version__,
        "data_source": "Stanford aclImdb (Maas et al., 2011), 25,000 train / 25,000 test",
    }
    paths.atomic_write_bytes(args.out / META_NAME, json.dumps(meta, indent=2).encode("utf-8"))
    size = (args.out / MODEL_NAME).stat().st_size
    print(f"wrote {args.out / MODEL_NAME} ({size / 1e6:.2f} MB) in {trained:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
