"""Seconds per training batch of char models on this CPU, and the cost constants fitted to them.

`chartrain.estimate` says "about N s per epoch on this server" from three constants
(chartrain.BATCH_COST, STEP_COST, MAC_COST); this script measures training batches of a few
cells and sizes, from a tiny GRU (the loop's overhead dominates) to the lesson's
SimpleRNN(1024) (the multiply-adds dominate), fits the constants by non-negative least
squares and prints each measurement beside the estimate. Paste the fitted constants into
chartrain.py when the server changes. Each model trains a few warm-up batches first
(TensorFlow traces once).

Run:  nice -n 5 python benchmarks/char_speed.py
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from explainers import chargen, chartrain, lesson

CASES = [  # (model, seq_length, batch_size)
    (chargen.CharModelConfig("gru", 32, 16), 64, 32),
    (chargen.CharModelConfig("gru", 128, 64), 64, 32),
    (chargen.CharModelConfig("lstm", 256, 64), 64, 32),
    (chargen.CharModelConfig("gru", 128, 64, layers=2), 64, 32),
    (chargen.CharModelConfig("simplernn", 512, 128), 100, 64),
    (chargen.LESSON_MODEL, 100, 64),
]
BATCHES = 4  # timed batches per case, after as many warm-up batches


def seconds_per_batch(model_config: chargen.CharModelConfig, seq: int, batch: int) -> float:
    vocab = lesson.CHAR.vocab
    rng = np.random.default_rng(0)
    ids = rng.integers(0, vocab, (seq + 1) * batch * BATCHES, dtype=np.int32)
    dataset = chargen.make_dataset(ids, seq, batch)
    model = chargen.build_model(vocab, model_config, 0, batch)
    chargen.compile_model(model)
    model.fit(dataset, epochs=1, verbose=0)  # traces
    began = time.perf_counter()
    model.fit(dataset, epochs=1, verbose=0)
    return (time.perf_counter() - began) / BATCHES


def main() -> None:
    rows, measured = [], []
    for config, seq, batch in CASES:
        t = seconds_per_batch(config, seq, batch)
        rows.append(chartrain.cost_terms(config, seq, batch))
        measured.append(t)
        print(f"{config.cell} {config.units} x{config.layers} E{config.embedding_dim} "
              f"seq {seq} batch {batch}: {t:.3f} s per batch (load {os.getloadavg()[0]:.1f})",
              flush=True)
    from scipy.optimize import nnls  # costs are never negative (scipy: scikit-learn's)

    fitted, _ = nnls(np.asarray(rows), np.asarray(measured))
    print("BATCH_COST, STEP_COST, MAC_COST =", ", ".join(f"{c:.3g}" for c in fitted))
    for (config, seq, batch), t in zip(CASES, measured, strict=True):
        print(f"  {config.cell} {config.units}: measured {t:.3f} s, estimated "
              f"{chartrain.batch_seconds(config, seq, batch):.3f} s with the shipped constants")


if __name__ == "__main__":
    main()
