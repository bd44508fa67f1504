"""Server CPU per warm view of the RNN, char-RNN, lab, errata and LSTM-step pages.

Each page script runs under Streamlit's AppTest in this process (the served app's settings:
no per-run Keras reset, no post-run full collection), once to warm its caches, then
`--runs` more times; the figure is the median CPU time of the script thread over those runs
(`time.thread_time()` around Streamlit's script-runner thread: the page's own work and the
messages it builds, without AppTest's parsing and polling in the main thread), which is the
CPU a server spends on one view.

    RNN_EXPLAINER_DATA=/work/shared/data python benchmarks/page_cpu_pages.py [--lang zh]
    [--runs 5] [--profile PAGE]   # PAGE: a stem such as rnn_inside; prints cProfile's top
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

PAGES = ("rnn_inside", "parameters", "text_generation", "char_training", "sentiment_lab",
         "errata", "lstm_step")
TARGET_MS = 150  # issue 14: a warm page view costs the server at most this much CPU
TIMEOUT = 600  # seconds: a cold first run imports TensorFlow and may train a tiny model


def serve_like_the_app() -> None:
    """The served app's housekeeping: see lessons/serving.py and .streamlit/config.toml."""
    from streamlit import config

    from lessons import serving

    config.set_option("runner.postScriptGC", False)
    serving.configure()
    measure_script_threads()


_cpu: list[float] = []  # thread CPU seconds of each script run, appended by the patch below


def measure_script_threads() -> None:
    """Record the CPU time of every AppTest script-runner thread in `_cpu`."""
    from streamlit.testing.v1.local_script_runner import LocalScriptRunner

    original = LocalScriptRunner._run_script_thread

    def timed(self) -> None:
        start = time.thread_time()
        try:
            original(self)
        finally:
            _cpu.append(time.thread_time() - start)

    LocalScriptRunner._run_script_thread = timed


def view(stem: str, lang: str):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "lessons" / f"{stem}.py"), default_timeout=TIMEOUT)
    at.query_params["lang"] = lang
    return at


def warm_cpu(stem: str, lang: str = "en", runs: int = 5) -> list[float]:
    """CPU seconds of `runs` warm views of one page (after one warm-up view)."""
    at = view(stem, lang).run()
    if at.exception:
        raise RuntimeError(f"{stem}: {at.exception[0].message}")
    times = []
    for _ in range(runs):
        at = view(stem, lang)
        at.run()
        times.append(_cpu[-1])
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", default="en")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--profile", default=None, help="a page stem to profile one view of")
    parser.add_argument("pages", nargs="*", default=list(PAGES))
    args = parser.parse_args()
    serve_like_the_app()
    if args.profile:
        warm_cpu(args.profile, args.lang, runs=1)
        from streamlit.testing.v1.local_script_runner import LocalScriptRunner

        profiler = cProfile.Profile()
        original = LocalScriptRunner._run_script_thread

        def profiled(self) -> None:
            profiler.runcall(original, self)

        LocalScriptRunner._run_script_thread = profiled
        view(args.profile, args.lang).run()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
        return
    print(f"{'page':<18} {'median ms':>10} {'min ms':>8}  (target <= {TARGET_MS} ms)")
    for stem in args.pages:
        times = warm_cpu(stem, args.lang, args.runs)
        median, low = statistics.median(times) * 1000, min(times) * 1000
        mark = "ok" if median <= TARGET_MS else "over"
        print(f"{stem:<18} {median:>10.0f} {low:>8.0f}  {mark}", flush=True)


if __name__ == "__main__":
    main()
