"""Train the small character-level Shakespeare model that the text generation page ships with.

Writes three files into assets/ (see assets/README.md for their provenance):
- char_rnn.keras        Embedding(65 x 64) -> GRU(256, return_sequences) -> Dense(65) logits
- char_rnn_vocab.json   the 65 characters, in id order (explainers.chargen.CharVocab)
- char_rnn_meta.json    configuration, loss per epoch, held-out loss, time, a sample

Data: the tutorial's tinyshakespeare.txt (1,115,394 characters); the first 95 % trains it,
the last 5 % measures a held-out loss. Windows of 100 characters, target shifted by one, as
in the lesson; Adam with a cosine-decayed learning rate. Seeded (weights, shuffling,
samples), so a re-run gives the same model up to TensorFlow's thread-order nondeterminism.

Run:  RNN_EXPLAINER_DATA=/work/shared/data nice -n 10 python scripts/train_char_rnn.py
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from explainers import cells, chargen, charsample, chartrain, data, live, paths  # noqa: E402

HELD_OUT = 0.05  # the last 5 % of the text: a loss on lines the model never trained on
SAMPLE_SEED = 42  # the sample written into the metadata (and quoted in assets/README.md)
SAMPLE_PROMPT = "ROMEO:"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cell", default="gru", choices=cells.KINDS)
    parser.add_argument("--units", type=int, default=256)  # fits ~12 min on 2 CPU cores
    parser.add_argument("--embedding-dim", type=int, default=64)
    parser.add_argument("--seq-length", type=int, default=100)  # the lesson's window
    parser.add_argument("--batch-size", type=int, default=64)  # the lesson's batch
    parser.add_argument("--epochs", type=int, default=9)  # ~10 min on a busy 2-core machine
    parser.add_argument("--learning-rate", type=float, default=3e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-minutes", type=float, default=30.0,  # a busy shared CPU guard
                        help="stop after the batch running at this time (keeps the model)")
    parser.add_argument("--out", type=Path, default=paths.ASSETS)
    args = parser.parse_args()

    import keras

    keras.utils.set_random_seed(args.seed)
    text = data.load_shakespeare()
    vocab = chargen.CharVocab.from_text(text)
    cut = int(len(text) * (1 - HELD_OUT))
    train_text, held_text = text[:cut], text[cut:]
    model_config = chargen.CharModelConfig(args.cell, args.units, args.embedding_dim)
    config = chartrain.TrainConfig(
        seq_length=args.seq_length, batch_size=args.batch_size, epochs=args.epochs,
        text_chars=len(train_text), learning_rate=args.learning_rate, seed=args.seed,
    )
    batches = len(train_text) // (args.seq_length + 1) // args.batch_size
    model = chargen.build_model(vocab.size, model_config, seed=args.seed)
    schedule = keras.optimizers.schedules.CosineDecay(
        args.learning_rate, decay_steps=batches * args.epochs, alpha=0.1)
    chargen.compile_model(model, schedule)
    print(f"{len(text):,} characters, {vocab.size} distinct; {batches} batches per epoch; "
          f"load {os.getloadavg()}", flush=True)

    began = time.perf_counter()
    deadline = began + args.max_minutes * 60

    class Report(live.Reporter):
        """Prints each epoch's loss and sample; stops when the time is up."""

        def epoch(self, number, metrics=(), note=None, extra=None) -> None:
            print(f"epoch {number}: loss {metrics['loss']:.4f} at "
                  f"{time.perf_counter() - began:.0f} s, load {os.getloadavg()[0]:.1f}\n"
                  f"{(note or '')[:160]!r}", flush=True)

        def should_stop(self) -> bool:
            return time.perf_counter() > deadline

    result = chartrain.train(model, vocab, train_text, config, reporter=Report())
    held = chargen.make_dataset(vocab.encode(held_text), args.seq_length, args.batch_size)
    held_loss = float(model.evaluate(held, verbose=0))
    sample = charsample.generate(model, vocab, SAMPLE_PROMPT, 400, 0.8, seed=SAMPLE_SEED,
                              record_hidden=False).text
    print(f"held-out loss {held_loss:.4f}; {result.seconds:.0f} s\n{sample}")

    # A fresh, uncompiled copy: the asset carries the weights, not Adam's moments (3x size).
    shipped = chargen.build_model(vocab.size, model_config, seed=args.seed)
    shipped.set_weights(model.get_weights())
    args.out.mkdir(parents=True, exist_ok=True)
    shipped.save(args.out / chargen.MODEL_FILE)
    vocab.save(args.out / chargen.VOCAB_FILE)
    meta = {
        "model": asdict(model_config), "train": asdict(config),
        "learning_rate_schedule": "cosine decay to 0.1x over all steps",
        "data": "tinyshakespeare.txt, first 95 % (held out: last 5 %)",
        "epoch_losses": [round(x, 4) for x in result.losses],
        "final_loss": round(result.losses[-1], 4), "held_out_loss": round(held_loss, 4),
        "epochs_finished": len(result.losses), "stopped_by_time": result.stopped,
        "train_seconds": round(result.seconds, 1), "load_at_end": os.getloadavg(),
        "parameters": int(shipped.count_params()),
        "sample": {"prompt": SAMPLE_PROMPT, "temperature": 0.8, "seed": SAMPLE_SEED,
                   "text": sample},
        "versions": {"keras": keras.__version__},
    }
    paths.atomic_write_bytes(args.out / chargen.META_FILE,
                             json.dumps(meta, indent=1, ensure_ascii=False).encode("utf-8"))
    size = (args.out / chargen.MODEL_FILE).stat().st_size
    print(f"wrote {args.out / chargen.MODEL_FILE} ({size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
