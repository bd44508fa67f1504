"""A lab preset trained as a user sees it (Chromium, live panel) against the same run headless.

One run of this script measures, on this machine:

1. headless: `lab.train_and_save` of the preset in a fresh Python process (TensorFlow and the
   prepared IMDB arrays loaded first, not timed): the work alone, no server, no browser;
2. in the browser: the app started with `benchmarks.browser.running_app`, the lab opened in
   Chromium with the preset's link, ▶ Train pressed once the server is warm (TensorFlow
   imported where trainings run: in the training worker the app starts (explainers/workers.py),
   or in the server with `--threads`), and the time until the run's results ("What the run
   learned") are on screen: the same work, plus handing it to a worker and its reports back,
   the live panel that redraws every `jobs.LIVE_REFRESH_SECONDS` and the page's final rerun.
   CPU is the server's and its workers' together (`proc.tree_cpu`);
3. the same training again, while a second browser session views another page several times
   (its Chromium on the same two cores, which slows the training as a student's browser on
   their own computer would not: the ratio is printed for both trainings); its server CPU
   per view is the server's CPU during the view minus the threads that run the whole time
   (the keeper, TensorFlow's pools), minus what the live panel's own reruns cost in an equal
   time without a view (measured between the views).

Steps 1-3 are repeated `--repeats` times (one server and one Chromium throughout), and the
target is judged on the medians, since a single run varies by about 20 % on this machine.

Target (issue 14): browser time <= 1.3 x headless time; the other session's view <= 150 ms.
`--before` serves with Streamlit's own per-run housekeeping (lessons/serving.py), for the
figures before issue 14; `--threads` trains in a thread of the server (RNN_EXPLAINER_JOBS=thread)
instead of a Dask worker.

    RNN_EXPLAINER_DATA=/work/shared/data python benchmarks/lab_in_browser.py
        [--preset "Fast LSTM"] [--page parameter-counts] [--views 4] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import browser, proc
from benchmarks.proc import TICKS

RATIO_TARGET = 1.3  # browser time / headless time (issue 14)
VIEW_TARGET = 0.150  # s of server CPU for another session's page view (issue 14)
RESULT = "What the run learned"  # the lab's results header: the run has ended and is shown
TRAIN_TIMEOUT_MS = 900_000
BEFORE = {  # issue 14's "before": Streamlit's per-run Keras reset and full collection
    "RNN_EXPLAINER_HOUSEKEEPING": "streamlit", "STREAMLIT_RUNNER_POST_SCRIPT_GC": "true"}
WARM = "libtensorflow_framework"  # mapped once TensorFlow is imported where trainings run
PAUSE = 1.5  # s between two views of the other session (and the no-view baseline window)
HEADLESS = """
import os, sys, time
sys.path.insert(0, {root!r})
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
from explainers import data, lab, presets
import keras  # noqa: F401  (imported before the clock starts, as in a warm server)
preset = presets.PRESETS[{preset!r}]
data.load_imdb(preset.imdb)  # prepared once, as the page does before Train is pressed
began, cpu = time.perf_counter(), time.process_time()
outcome = lab.train_and_save(lab.LabSpec(preset.imdb, preset.model, preset.train, preset.name))
print(time.perf_counter() - began, time.process_time() - cpu, outcome.test_accuracy)
"""


def headless(preset: str, env: dict[str, str]) -> tuple[float, float, float]:
    """(seconds, CPU seconds, test accuracy) of the preset's lab run in a fresh process."""
    code = HEADLESS.format(root=str(browser.ROOT), preset=preset)
    done = subprocess.run([sys.executable, "-c", code], env={**os.environ, **env},
                          capture_output=True, text=True, check=True)
    seconds, cpu, accuracy = done.stdout.strip().splitlines()[-1].split()
    return float(seconds), float(cpu), float(accuracy)


def _ticks(path: Path) -> int:
    """utime + stime of one process or thread (its /proc stat file)."""
    stat = proc.parse_stat(path.read_text())
    return stat.utime + stat.stime


def threads(pid: int) -> dict[int, int]:
    """CPU ticks of each live thread of the process (tid -> utime + stime)."""
    found = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found[int(task.name)] = _ticks(task / "stat")
        except (OSError, ValueError):  # the thread ended while we looked
            pass
    return found


def short_lived_cpu(pid: int, seconds_or_action) -> float:
    """CPU seconds spent by the process in threads other than those that run throughout
    (the main thread counts: it sends every session's messages), during `action()`."""
    before, total = threads(pid), _ticks(Path(f"/proc/{pid}/stat"))
    if callable(seconds_or_action):
        seconds_or_action()
    else:
        time.sleep(seconds_or_action)
    after, total_after = threads(pid), _ticks(Path(f"/proc/{pid}/stat"))
    steady = sum(after[t] - before[t] for t in before.keys() & after.keys() if t != pid)
    return (total_after - total - steady) / TICKS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="Fast LSTM")
    parser.add_argument("--page", default="parameter-counts",
                        help="the page the other session views while the training runs")
    parser.add_argument("--views", type=int, default=4)
    parser.add_argument("--before", action="store_true",
                        help="Streamlit's own per-run housekeeping (Keras reset, full GC)")
    parser.add_argument("--threads", action="store_true",
                        help="train in a thread of the server, not on a Dask worker")
    parser.add_argument("--repeats", type=int, default=3,
                        help="rounds of (headless, watched alone, watched beside views); the "
                             "target is judged on the medians, since one run varies by 20 %%")
    args = parser.parse_args()
    home = tempfile.mkdtemp(prefix="lab-bench-")  # the runs this benchmark saves go here
    env = {"RNN_EXPLAINER_HOME": home, "TF_CPP_MIN_LOG_LEVEL": "3"}
    served = {**env, **(BEFORE if args.before else {}),
              "RNN_EXPLAINER_JOBS": "thread" if args.threads else "dask"}
    query = urllib.parse.urlencode({"lang": "en", "preset": args.preset})
    where = "a thread of the server" if args.threads else "a Dask worker"
    headless_runs: list[float] = []
    browser_runs: dict[int, list[float]] = {0: [], args.views: []}
    with browser.running_server(served) as server, browser.chromium_browser() as chromium:
        url, pid = server.url, server.pid
        lab_tab = chromium.new_page(viewport={"width": 1400, "height": 900})
        other = chromium.new_context(viewport={"width": 1400, "height": 900}).new_page()
        other.goto(f"{url}/{args.page}?lang=en")
        browser.wait_for_app(other, 600_000)  # warm: the other page's caches are filled
        for round_ in range(1, args.repeats + 1):
            alone, alone_cpu, alone_accuracy = headless(args.preset, env)  # the server idles
            headless_runs.append(alone)
            print(f"\nround {round_}: headless: {alone:.1f} s, {alone_cpu:.1f} s CPU "
                  f"(test {alone_accuracy:.4f}); {proc.load()}", flush=True)
            for others in browser_runs:  # watched alone; then another session views a page
                runs_before = set(Path(home, "runs").glob("*/run.json"))
                lab_tab.goto(f"{url}/sentiment-lab-train-live?{query}")
                browser.wait_for_app(lab_tab, 600_000)  # IMDB loaded
                while not proc.tree_maps(pid, WARM):  # a warm server: TensorFlow is imported
                    time.sleep(0.5)
                time.sleep(PAUSE)
                watched = watch(lab_tab, other, f"{url}/{args.page}?lang=en", pid, others)
                record = next(iter(set(Path(home, "runs").glob("*/run.json")) - runs_before),
                              None)
                report(watched, record, alone, alone_cpu, where, args.page, others)
                browser_runs[others].append(watched.seconds)
    summarise(headless_runs, browser_runs, args.page)


def summarise(headless_runs: list[float], browser_runs: dict[int, list[float]],
              page: str) -> None:
    """The medians over the rounds, and the target judged on them."""
    alone = statistics.median(headless_runs)
    print(f"\nmedians over {len(headless_runs)} rounds: headless {alone:.1f} s "
          f"({', '.join(f'{s:.1f}' for s in headless_runs)})")
    for others, runs in browser_runs.items():
        title = "watched alone" if not others else f"beside another session's views of /{page}"
        ratio = statistics.median(runs) / alone
        print(f"  in the browser, {title}: {statistics.median(runs):.1f} s "
              f"({', '.join(f'{s:.1f}' for s in runs)}); ratio of medians {ratio:.2f} "
              f"({'ok' if ratio <= RATIO_TARGET else 'over'} <= {RATIO_TARGET})")


@dataclass
class Watched:
    seconds: float  # click to the result on screen
    cpu: float  # of the server and its workers meanwhile
    clicked: float  # time.time() of the click
    accuracy: str  # as the page shows it
    views: list[tuple[float, float, float]]  # another session's: (CPU, wall, panel's CPU/s)
    panel: list[float]


def watch(lab_tab, other, other_url: str, pid: int, others: int) -> Watched:
    """Press Train and wait for the result, while `others` views of another page happen."""
    lab_tab.get_by_role("button", name="▶ Train").click()
    began, cpu_began, clicked = time.perf_counter(), proc.tree_cpu(pid), time.time()
    views, panel = [], []
    result = lab_tab.get_by_role("heading", name=RESULT)
    while len(views) < others and not result.count():
        panel.append(short_lived_cpu(pid, PAUSE) / PAUSE)  # the panel's CPU per second
        start = time.perf_counter()

        def view() -> None:
            other.goto(other_url)
            browser.wait_for_app(other, 120_000)

        cpu = short_lived_cpu(pid, view)
        if not result.count():  # the training still ran all through this view
            views.append((cpu, time.perf_counter() - start, panel[-1]))
    result.wait_for(timeout=TRAIN_TIMEOUT_MS)
    seconds = time.perf_counter() - began
    cpu = proc.tree_cpu(pid) - cpu_began
    shown = lab_tab.locator("[data-testid='stMetric']").filter(has_text="Test accuracy")
    accuracy = shown.first.locator("[data-testid='stMetricValue']").inner_text()
    return Watched(seconds, cpu, clicked, accuracy, views, panel)


def report(watched: Watched, record: Path | None, alone: float, alone_cpu: float, where: str,
           page: str, others: int) -> None:
    title = "watched alone" if not others else f"while another session views /{page}"
    ratio, cpu_ratio = watched.seconds / alone, watched.cpu / alone_cpu
    print(f"in the browser, {title} ({where}): {watched.seconds:.1f} s, CPU of the server and "
          f"its workers {watched.cpu:.1f} s (test {watched.accuracy}); {proc.load()}")
    if record is not None:
        saved = json.loads(record.read_text())
        work = saved["seconds"] + saved.get("timings", {}).get("test_seconds", 0.0)
        saved_after = saved["created"] - watched.clicked  # the worker saved the run: its last act
        print(f"  of which training and scoring on the worker (its run record): {work:.1f} s; "
              f"the run was saved {saved_after:.1f} s after the click, and the result was on "
              f"screen {watched.seconds - saved_after:.1f} s later")
    print(f"  ratio browser / headless: {ratio:.2f} in time "
          f"({'ok' if ratio <= RATIO_TARGET else 'over'} <= {RATIO_TARGET}), "
          f"{cpu_ratio:.2f} in CPU")
    if watched.views:
        raw = [cpu for cpu, _wall, _rate in watched.views]
        adjusted = [cpu - rate * wall for cpu, wall, rate in watched.views]
        median, unadjusted = statistics.median(adjusted), statistics.median(raw)
        print(f"  another session's view of /{page} while training: "
              f"{median * 1000:.0f} ms CPU (median of {len(watched.views)}; raw "
              f"{unadjusted * 1000:.0f} ms, the live panel's "
              f"{statistics.median(watched.panel) * 1000:.0f} ms/s subtracted) "
              f"({'ok' if median <= VIEW_TARGET else 'over'} <= {VIEW_TARGET * 1000:.0f} ms); "
              "its Chromium shares the server's two cores, as a student's would not")
    elif others:
        print("  the training ended before another session could view a page")

if __name__ == "__main__":
    main()
