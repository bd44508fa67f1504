"""Server CPU of one warm page view, page by page, under Streamlit's AppTest.

The app (app.py: sidebar, navigation, the page, the link control) is run in this process
with `AppTest`; after one warm-up view of a page fills its caches, each further view is
timed with `time.process_time()` (CPU of every thread of the process, so the script thread
and protobuf serialisation count; AppTest's own parsing of the result adds a little).
Median of `--runs` views per page, in English and in Chinese. Target (issue 14): 150 ms.

    RNN_EXPLAINER_DATA=/work/shared/data python benchmarks/page_cpu.py [--runs 5]
        [--pages home glove-explorer] [--profile glove-explorer]

`--browser` measures the real thing instead: `streamlit run app.py` (real data, the served
config) with each page loaded in headless Chromium, the server's CPU read from /proc
(utime + stime of the process) from the navigation until the page has finished and settled.

`--profile PAGE` prints cProfile's top functions (by cumulative time) of one warm view.
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

from streamlit.testing.v1 import AppTest  # noqa: E402

from benchmarks.proc import tree_cpu  # noqa: E402
from lessons import ui  # noqa: E402

PAGES = {  # address -> script, for every page of the navigation ("home" is the root page)
    "home" if lesson.path == "lessons/home.py" else ui.url_path(lesson): lesson.path
    for items in ui.SECTIONS.values() for lesson in items
}
TARGET_MS = 150  # issue 14: a warm page view costs the server at most this much CPU
TIMEOUT = 300  # seconds: the first view imports TensorFlow and loads GloVe


def view(app: AppTest, script: str) -> float:
    """CPU seconds of one view of `script` (a navigation to it, as a click in the sidebar)."""
    began = time.process_time()
    app.switch_page(script).run()
    spent = time.process_time() - began
    if app.exception:
        raise RuntimeError(f"{script}: {[e.value for e in app.exception]}")
    return spent


def new_app(lang: str) -> AppTest:
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    app.query_params["lang"] = lang
    app.run()
    return app


def measure(pages: list[str], runs: int, lang: str) -> dict[str, float]:
    medians = {}
    for name in pages:  # a new session per page, after a first view that fills the caches
        app = new_app(lang)
        try:
            view(app, PAGES[name])
            medians[name] = statistics.median(view(app, PAGES[name]) for _ in range(runs))
        except ValueError:  # AppTest formats a radio's value outside the script thread, in
            medians[name] = float("nan")  # English: a Chinese radio cannot be rerun there
    return medians


def profile(name: str, lang: str) -> None:
    """cProfile of one warm view, taken in the script's own thread (AppTest runs it in one)."""
    from streamlit.runtime.scriptrunner import script_runner

    app = new_app(lang)
    view(app, PAGES[name])
    view(app, PAGES[name])
    profiler = cProfile.Profile()
    original = script_runner.ScriptRunner._run_script

    def profiled(self, *args, **kwargs):
        profiler.enable()
        try:
            return original(self, *args, **kwargs)
        finally:
            profiler.disable()

    script_runner.ScriptRunner._run_script = profiled
    try:
        view(app, PAGES[name])
    finally:
        script_runner.ScriptRunner._run_script = original
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(60)


def measure_browser(pages: list[str], runs: int, lang: str,
                    fresh: bool = False) -> dict[str, float]:
    """Median server CPU of loading each page's address in Chromium (a new session each;
    with `fresh`, a new browser context each, as a new visitor with an empty cache)."""
    from benchmarks import browser

    medians = {}
    with browser.running_server() as server, browser.chromium_browser() as chromium:
        page = chromium.new_page(viewport={"width": 1400, "height": 900})

        def load(name: str) -> float:
            tab = chromium.new_page(viewport={"width": 1400, "height": 900}) if fresh \
                else page
            before = tree_cpu(server.pid)
            tab.goto(f"{server.url}/{'' if name == 'home' else name}"
                     f"?lang={lang}")
            browser.wait_for_app(tab, timeout_ms=300_000)
            time.sleep(1.0)  # late messages, the websocket settling
            spent = tree_cpu(server.pid) - before
            if fresh:
                tab.close()
            return spent

        for name in pages:  # warm-up: every cache filled, TensorFlow and GloVe loaded
            load(name)
        for name in pages:
            medians[name] = statistics.median(load(name) for _ in range(runs))
    return medians


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pages", nargs="*", default=list(PAGES), choices=list(PAGES))
    parser.add_argument("--langs", nargs="*", default=["en", "zh"])
    parser.add_argument("--profile", choices=list(PAGES))
    parser.add_argument("--browser", action="store_true", help="streamlit run + Chromium")
    parser.add_argument("--fresh", action="store_true",
                        help="with --browser: a new visitor (empty browser cache) each view")
    args = parser.parse_args()
    if args.profile:
        profile(args.profile, args.langs[0])
        return
    if args.browser:
        results = {lang: measure_browser(args.pages, args.runs, lang, args.fresh)
                   for lang in args.langs}
    else:
        results = {lang: measure(args.pages, args.runs, lang) for lang in args.langs}
    where = ("streamlit run + Chromium, page loaded" + (" by a new visitor" if args.fresh
             else "")) if args.browser else "AppTest"
    print(f"warm server CPU per page view ({where}, median of {args.runs}), "
          f"load average {os.getloadavg()[0]:.2f}:")
    print("| page | " + " | ".join(args.langs) + " |")
    print("| --- | " + " | ".join("---" for _ in args.langs) + " |")
    for name in args.pages:
        cells = []
        for lang in args.langs:
            ms = results[lang][name] * 1000
            cells.append("n/a" if ms != ms else f"{ms:.0f} ms" + (
                "" if ms <= TARGET_MS else " (over)"))
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
