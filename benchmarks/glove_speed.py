"""GloVe speed: first load, then neighbour and analogy queries over all 400,000 words.

Issue 4's targets: first load under 3 s; each query under 50 ms after it. Prints the load
time, then median and p95 per kind of query, and the machine's load average (the machine
may be shared, so a contended figure should be read as such).

    python benchmarks/glove_speed.py [--repeats 50]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from explainers import embeddings

WORDS = ("king", "movie", "great", "awful", "paris", "computer", "river", "happy")  # varied
ANALOGIES = (  # (a, b, c): a is to b as c is to ?
    ("man", "king", "woman"), ("paris", "france", "tokyo"), ("good", "better", "bad"),
    ("man", "woman", "king"),
)


def timed(fn, repeats: int) -> np.ndarray:
    out = []
    for i in range(repeats):
        began = time.perf_counter()
        fn(i)
        out.append((time.perf_counter() - began) * 1000)
    return np.asarray(out)  # (repeats,) milliseconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=50)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()}")
    loaded = embeddings.load_glove()
    glove = loaded.vectors
    print(f"first load: {loaded.seconds:.2f} s for {len(glove):,} words x {glove.dim} dims")

    cases = {
        "neighbours k=10, all words": lambda i: glove.neighbours(WORDS[i % len(WORDS)], 10),
        "analogy k=10, all words": lambda i: glove.analogy(*ANALOGIES[i % len(ANALOGIES)], 10),
        "neighbours k=10, top 10,000": lambda i: glove.neighbours(
            WORDS[i % len(WORDS)], 10, limit=10_000),
        "unknown word + suggestions": lambda i: glove.suggest("kign"),
    }
    for name, fn in cases.items():
        fn(0)  # warm-up
        ms = timed(fn, args.repeats)
        print(f"{name:30s} median {np.median(ms):6.1f} ms   p95 {np.percentile(ms, 95):6.1f} ms"
              f"   max {ms.max():6.1f} ms")
    for a, b, c in ANALOGIES:
        top = glove.analogy(a, b, c, 3)
        shown = ", ".join(f"{m.word} {m.score:.3f}" for m in top)
        print(f"{a}:{b} :: {c}:?  ->  {shown}")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
