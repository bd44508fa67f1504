"""Train the lesson's char model exactly, for as long as a time budget allows, and record it.

The model is `chargen.build_lesson_model`: Embedding(65, 256) -> SimpleRNN(1024,
return_sequences, stateful, glorot_uniform recurrent) -> Dense(65), compiled as the
tutorial does (`optimizer='adam'`, Keras's default rate 1e-3, sparse cross-entropy on the
logits). The batching is the lesson's (`chargen.make_dataset`): windows of 101 characters,
`shuffle(10000)`, batches of 64 with the remainder dropped; the state is never reset while
training, as in the lesson. One difference, for a held-out loss: the last 5 % of the text
(as for the shipped model) is kept out of training, so an epoch is 163 batches, not 172.

The lesson trained 100 epochs on a GPU; on this 2-core CPU one epoch takes minutes, so the
script measures each epoch and starts the next only while it fits in `--minutes`. It writes
assets/lesson_runs/char/:
- run.json      per-epoch training loss, held-out loss, perplexity, seconds, a sample at T = 1
                after each epoch, the recipe, the budget, the machine and versions
- weights.npz   the last epoch's weights in float16 (2.8 MB; float32 would be 5.6 MB), in
                `model.get_weights()` order, for the page's non-stateful twin to sample from

Run:  RNN_EXPLAINER_DATA=/work/shared/data nice -n 5 python scripts/record_lesson_char.py
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from explainers import chargen, charsample, chartrain, data, lesson, paths  # noqa: E402

SAMPLE_PROMPT, SAMPLE_SEED, SAMPLE_LENGTH = "ROMEO:", 42, 200  # one sample per epoch at T = 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=25.0,  # the shared machine's budget
                        help="start an epoch only if it fits in this many minutes of training")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=chartrain.LESSON_RUN)
    parser.add_argument("--smoke", action="store_true",
                        help="2 batches per epoch, 2 epochs: checks the script end to end")
    args = parser.parse_args()

    import keras
    import numpy as np
    import tensorflow as tf

    keras.utils.set_random_seed(args.seed)
    recipe = lesson.CHAR
    text = data.load_shakespeare()
    vocab = chargen.CharVocab.from_text(text)
    train_ids, held_ids = chartrain.split_held_out(vocab.encode(text))
    dataset = chargen.make_dataset(train_ids, recipe.seq_length, recipe.batch_size, args.seed)
    held = chartrain.held_out_dataset(held_ids, recipe.seq_length, recipe.batch_size)
    batches = len(train_ids) // (recipe.seq_length + 1) // recipe.batch_size
    epochs = 2 if args.smoke else recipe.epochs
    if args.smoke:
        dataset, held = dataset.take(2), held.take(2)
    model = chargen.build_lesson_model(seed=args.seed)
    chargen.compile_model(model, chartrain.LESSON_LEARNING_RATE)
    print(f"{len(text):,} characters ({len(train_ids):,} trained on), {vocab.size} distinct; "
          f"{batches} batches of {recipe.batch_size} per epoch; load {os.getloadavg()}",
          flush=True)

    history: dict[str, list] = {"loss": [], "held_out_loss": [], "perplexity": [],
                                "held_out_perplexity": [], "seconds": [], "sample": []}
    began = time.perf_counter()
    budget = args.minutes * 60
    while len(history["loss"]) < epochs:
        spent = time.perf_counter() - began
        slowest = max(history["seconds"], default=0.0)
        if history["seconds"] and spent + slowest > budget:
            break  # the next epoch would not end within the budget
        start = time.perf_counter()
        fit = model.fit(dataset, epochs=1, verbose=0, shuffle=False)
        seconds = time.perf_counter() - start
        loss = float(fit.history["loss"][-1])
        held_loss = chartrain.held_out_loss(model, held)  # from a zero state; then the
        # training state is back (the lesson never resets it)
        sample = charsample.generate(model, vocab, SAMPLE_PROMPT, SAMPLE_LENGTH,
                                     recipe.temperature, SAMPLE_SEED, record_hidden=False).text
        for key, value in (("loss", loss), ("held_out_loss", held_loss),
                           ("perplexity", float(np.exp(loss))),
                           ("held_out_perplexity", float(np.exp(held_loss))),
                           ("seconds", seconds), ("sample", sample)):
            history[key].append(round(value, 4) if isinstance(value, float) else value)
        print(f"epoch {len(history['loss'])}: loss {loss:.4f}, held-out {held_loss:.4f} in "
              f"{seconds:.0f} s (load {os.getloadavg()[0]:.1f})\n{sample[:120]!r}", flush=True)

    args.out.mkdir(parents=True, exist_ok=True)
    weights = [w.astype(np.float16) for w in model.get_weights()]
    with open(args.out / chartrain.LESSON_WEIGHTS, "wb") as handle:
        np.savez_compressed(handle, *weights)
    record = {
        "format": 1,
        "made_by": "scripts/record_lesson_char.py",
        "recipe": asdict(recipe),
        "model": asdict(chargen.LESSON_MODEL),
        "optimizer": f"adam, learning rate {chartrain.LESSON_LEARNING_RATE}",
        "data": f"tinyshakespeare.txt: the first {len(train_ids):,} characters train it, "
                f"the last {len(held_ids):,} ({chartrain.HELD_OUT:.0%}) are held out",
        "batches_per_epoch": batches,
        "seed": args.seed,
        "budget_minutes": args.minutes,
        "epochs_finished": len(history["loss"]),
        "train_seconds": round(sum(history["seconds"]), 1),
        "history": history,
        "sample": {"prompt": SAMPLE_PROMPT, "seed": SAMPLE_SEED, "temperature":
                   recipe.temperature, "length": SAMPLE_LENGTH},
        "weights": {"file": chartrain.LESSON_WEIGHTS, "dtype": "float16",
                    "parameters": int(model.count_params())},
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPU cores, "
                   f"shared (load at end {os.getloadavg()[0]:.1f})",
        "versions": {"keras": keras.__version__, "tensorflow": tf.__version__},
    }
    paths.atomic_write_bytes(args.out / chartrain.LESSON_RECORD,
                             json.dumps(record, indent=1, ensure_ascii=False).encode("utf-8"))
    for file in (chartrain.LESSON_RECORD, chartrain.LESSON_WEIGHTS):
        (args.out / file).chmod(0o644)
    print(f"wrote {args.out} after {len(history['loss'])} epochs "
          f"({record['train_seconds']:.0f} s of training)", flush=True)


if __name__ == "__main__":
    main()
