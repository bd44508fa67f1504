"""How fast is a full gate trace of a 500-token review, against asking the model per prefix?

For the shipped LSTM (assets/lstm_sentiment/, a lab run) this measures, in one run:
1. the full trace (i, f, g, o, c, h for every step and the running prediction after every
   token, in one NumPy pass) - median of REPEATS runs, after the weights are extracted once;
2. the running prediction the slow way: the Keras model called once per prefix (500 calls,
   each prefix padded to 500 so the compiled function is reused);
3. for reference, the same prefixes scored in batches of 64 (the tracer's fallback for
   Bidirectional models).
It prints the times, the ratio (target: trace < 100 ms and >= 20x faster than per prefix),
the largest difference between the two running predictions, and the machine's load.

Run:  python benchmarks/trace_speed.py   (RNN_EXPLAINER_DATA set: a real test review is used)
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np

from explainers import data, runs, tracer

STEPS = 500  # the review length (the lesson's maxlen)
REPEATS = 20  # trace runs; the median is reported
BUDGET_MS = 100.0  # the bound for one full trace
MIN_RATIO = 20.0  # ... and how much faster than once per prefix it must be


def review_ids(vocab) -> tuple[np.ndarray, str]:
    """A real test review of at least STEPS tokens when the data is here, else random ids."""
    try:
        texts, _ = data.load_imdb_reviews("test")
        for text in texts:
            ids = vocab.encode(text)
            if len(ids) >= STEPS:
                return np.asarray(ids[:STEPS], np.int32), "a real IMDB test review"
    except data.DataUnavailable:
        pass
    rng = np.random.default_rng(0)
    return rng.integers(4, vocab.size, STEPS).astype(np.int32), "random ids (no IMDB here)"


def main() -> int:
    began = time.perf_counter()
    shipped = runs.load_shipped()
    model = shipped.model
    loaded = time.perf_counter() - began
    ids, what = review_ids(shipped.input_format.vocabulary)
    print(f"model: {shipped.name} (test accuracy {shipped.test_accuracy:.4f}), "
          f"loaded in {loaded:.2f} s; review: {what}, {len(ids)} tokens")

    t0 = time.perf_counter()
    reader = tracer.ModelTracer(model)  # weights -> float64 NumPy, once per model
    extract = time.perf_counter() - t0
    reader.trace(ids)  # warm-up
    times = []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        result = reader.trace(ids)
        times.append(time.perf_counter() - t0)
    trace_s = statistics.median(times)

    # every prefix padded to the full length ('pre'; the mask skips the pads), so the
    # compiled predict function is traced once; with a new length per call, Keras/TF runs
    # each call eagerly and 500 calls took ~300 s here (measured once, 26 Nov 2026)
    rows = np.zeros((len(ids), len(ids)), np.int32)  # (prefixes, steps)
    for t in range(len(ids)):
        rows[t, len(ids) - t - 1:] = ids[: t + 1]
    model.predict_on_batch(rows[:1])  # warm-up (graph tracing)
    per_prefix = np.zeros(len(ids))
    t0 = time.perf_counter()
    for t in range(len(ids)):
        per_prefix[t] = float(model.predict_on_batch(rows[t:t + 1])[0, 0])
    prefix_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    batched = tracer.prefix_predictions(model, ids)
    batched_s = time.perf_counter() - t0

    diff = float(np.abs(result.running - per_prefix).max())
    diff_batched = float(np.abs(batched - per_prefix).max())
    ratio = prefix_s / trace_s
    print(f"weight extraction (once per model):   {extract * 1e3:8.1f} ms")
    print(f"full trace, one pass (median of {REPEATS}):  {trace_s * 1e3:8.1f} ms  "
          f"(min {min(times) * 1e3:.1f}, max {max(times) * 1e3:.1f})")
    print(f"model called once per prefix ({len(ids)} calls): {prefix_s * 1e3:8.1f} ms")
    print(f"prefixes scored in batches of {tracer.PREFIX_BATCH}:    {batched_s * 1e3:8.1f} ms")
    print(f"ratio per-prefix / trace: {ratio:.0f}x   (batched / trace: "
          f"{batched_s / trace_s:.0f}x)")
    print(f"max |running prediction, trace - per prefix| = {diff:.2e} "
          f"(batched: {diff_batched:.2e})")
    print(f"load average (1, 5, 15 min): {os.getloadavg()}")
    ok = trace_s * 1e3 < BUDGET_MS and ratio >= MIN_RATIO and diff < 1e-5
    print("PASS" if ok else "FAIL", f"(trace < {BUDGET_MS:.0f} ms, ratio >= {MIN_RATIO:.0f}x, "
          "same running prediction to 1e-5)")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
