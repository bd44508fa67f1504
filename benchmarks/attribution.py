"""What one attribution costs the server: integrated gradients on the shipped models.

Measures, in one run: (1) the shipped LSTM on the first IMDB test reviews (as the gates page
feeds them), the first call (it compiles the gradient once per model) and then each review
once (a review's scores are cached, so this is what a reader's first view of a review costs);
(2) the shipped char model for characters at several positions of a generated text. Prints
medians, p95 and the completeness gaps (|sum of scores - (f(input) - f(baseline))|).

Run:  python benchmarks/attribution.py   (RNN_EXPLAINER_DATA set for the IMDB test reviews)
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

from benchmarks.proc import percentile
from explainers import attribution, chargen, charsample, data, runs, tracer

REVIEWS = 20  # test reviews attributed, each once
POSITIONS = (10, 100, 300, 600, 900, 1200)  # characters attributed in one generated text


def timed(call) -> tuple[float, float, object]:
    """(wall seconds, this process's CPU seconds, the result): on a shared machine the CPU
    time is what the call costs, the wall time what a reader waits."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = call()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def report(name: str, walls: list[float], cpus: list[float], gaps: list[float]) -> None:
    def ms(values: list[float]) -> str:
        return (f"median {statistics.median(values) * 1000:.0f} ms, "
                f"p95 {percentile(values, 0.95) * 1000:.0f} ms")

    print(f"{name} over {len(walls)}: wall {ms(walls)}; CPU {ms(cpus)}; "
          f"largest completeness gap {max(gaps):.1e}")


def main() -> int:
    shipped = runs.load_shipped()
    mask = tracer.ModelTracer(shipped.model).mask_zero
    texts, _labels = data.load_imdb_reviews("test")
    prepared = [shipped.input_format.prepare(text) for text in texts[:REVIEWS + 1]]
    wall, cpu, _found = timed(lambda: attribution.review(shipped.model,
                                                         *prepared[0].for_model(mask)))
    print(f"shipped LSTM, first call (compiles the gradient): wall {wall:.2f} s, "
          f"CPU {cpu:.2f} s")
    walls, cpus, gaps = [], [], []
    for review in prepared[1:]:
        wall, cpu, found = timed(lambda r=review: attribution.review(shipped.model,
                                                                     *r.for_model(mask)))
        walls.append(wall)
        cpus.append(cpu)
        gaps.append(abs(found.gap))
    report(f"shipped LSTM, a review ({attribution.STEPS} steps)", walls, cpus, gaps)

    char = chargen.load_shipped()
    gen = charsample.generate(char.model, char.vocab, "ROMEO:", max(POSITIONS) + 2, seed=0)
    ids = char.vocab.encode(gen.text)
    for position in (5, 200):  # the first calls compile: from zero, and from a prefix's state
        wall, cpu, _found = timed(lambda p=position: attribution.next_char(char.model, ids, p))
        print(f"shipped char model, first call at {position}: wall {wall:.2f} s, "
              f"CPU {cpu:.2f} s")
    walls, cpus, gaps = [], [], []
    for position in POSITIONS:
        wall, cpu, found = timed(lambda p=position: attribution.next_char(char.model, ids, p))
        walls.append(wall)
        cpus.append(cpu)
        gaps.append(abs(found.gap))
    report(f"shipped char model, a character (window {attribution.WINDOW})", walls, cpus,
           gaps)
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; "
          f"numpy {np.__version__}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
