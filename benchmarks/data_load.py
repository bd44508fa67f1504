"""Time the IMDB loader: a first load from the raw reviews, then a cached one.

Target (issue 2): a second load of the full IMDB data (25,000 + 25,000 reviews, vocabulary
10,000, padded to 500) takes under 2 s. The first load uses a fresh, empty cache folder.

    RNN_EXPLAINER_DATA=../shared/data python benchmarks/data_load.py
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from explainers import data, paths

TARGET_CACHED_SECONDS = 2.0


def timed_load() -> tuple[float, data.ImdbData]:
    began = time.perf_counter()
    loaded = data.load_imdb(data.ImdbConfig(num_words=10_000, maxlen=500))
    return time.perf_counter() - began, loaded


def main() -> None:
    with tempfile.TemporaryDirectory() as cache:
        os.environ[paths.CACHE_ENV] = cache
        load = os.getloadavg()[0]
        first, loaded = timed_load()
        cached = [timed_load()[0] for _ in range(3)]
    print(f"IMDB from {loaded.source}")
    print(f"  shapes: train {loaded.x_train.shape}, test {loaded.x_test.shape}")
    print(f"  first load (empty cache): {first:.2f} s")
    verdict = "met" if max(cached) < TARGET_CACHED_SECONDS else "NOT met"
    print(f"  cached loads: {', '.join(f'{t:.2f} s' for t in cached)} "
          f"(target < {TARGET_CACHED_SECONDS:.0f} s: {verdict})")
    print(f"  load average before: {load:.2f} (2 cores)")


if __name__ == "__main__":
    main()
