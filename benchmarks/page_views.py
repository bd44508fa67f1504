"""Server CPU per page view, first screen, many sessions and memory, through Chromium (issue 14).

One run starts two servers, one after the other, and prints the issue's table before and after:

- "before": Streamlit's own per-run housekeeping (a full gc.collect after every run, Keras's
  clear_session, the file watcher): RNN_EXPLAINER_HOUSEKEEPING=streamlit with
  --runner.postScriptGC true --server.fileWatcherType auto;
- "after": the app as configured (.streamlit/config.toml, lessons/serving.py).

For every page of the app's navigation (lessons/ui.py SECTIONS, so a new page is measured
without editing this file), after one warm-up visit of every page: the server's CPU per view
(utime + stime of the streamlit process and its children, from /proc; a view = navigate, wait
until the page's script run has finished and the server is idle again; median of several
views) and, on "after", the wall time to first screen (navigation until the page's title is
visible). Then 6 and 30 browser sessions (one Chromium, one context each) browsing home ->
GloVe explorer -> LSTM gates at once (page time p50 / p95), the server's memory over a long
run of views, and a py-spy profile of every page still above the CPU target.

CPU per view is the robust figure; wall times depend on how busy the (shared) machine is, so
the load average is printed beside them.

    RNN_EXPLAINER_DATA=/work/shared/data python benchmarks/page_views.py
        [--pages home,glove-explorer] [--quick] [--sessions 6,30] [--skip-before]
        [--memory-views 150] [--no-profile] [--profile-above 150] [--lone-visitor]
        [--modes zh,zh+projector]

Each page is also measured (after) in Chinese and in Chinese with projector mode (`--modes`),
a column each.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import browser
from benchmarks.proc import own_cpu, percentile, runnable_threads, tree_cpu, tree_rss

CPU_TARGET = 0.150  # seconds of server CPU per page view (issue 14)
FIRST_SCREEN_TARGET = 1.0  # seconds from navigation to the page's title on screen (issue 14)
HOME_SCRIPT = "lessons/home.py"  # the navigation's default page: served at the root URL
JOURNEY = ("home", "glove-explorer", "lstm-gates-token-by-token")  # the sessions
MODES = {"zh": "?lang=zh", "zh+projector": "?lang=zh&projector=1"}  # also measured after
IDLE_WINDOW = 0.3  # s: the server used no CPU tick for this long -> the view's work is done
IDLE_POLL = 0.05  # s between two reads of /proc while waiting for that
IDLE_LIMIT = 30.0  # s: give up waiting for idle (counted anyway, flagged in the table)
VIEW_TIMEOUT_MS = 300_000  # a cold page on a busy 2-core machine (TensorFlow, GloVe) is slow
SESSION_TIMEOUT_MS = 600_000  # 30 sessions at once on 2 cores
TITLE = "[data-testid='stMain'] h1"  # every page opens with st.title
PROJECT = str(browser.ROOT) + "/"  # py-spy --full-filenames: the app's own frames start so
LIBRARY = re.compile(r".*/(?:site-packages|lib/python3\.\d+)/")  # shortened in labels
VIEWPORT = {"width": 1400, "height": 900}
# ANCHOR: while the views are measured, one more tab stays open on the home page. Streamlit
# empties its compiled-script cache whenever the LAST session disconnects
# (websocket_session_manager.py), so a lone visitor pays for recompiling app.py and the page
# (with magic's AST pass) on every page load; in a classroom somebody is always connected.
# `--lone-visitor` measures that case instead.


@dataclass(frozen=True)
class Setup:
    name: str
    env: dict[str, str]  # added to the server's environment
    args: tuple[str, ...]  # extra `streamlit run` flags


BEFORE = Setup(
    "before", {"RNN_EXPLAINER_HOUSEKEEPING": "streamlit"},
    ("--runner.postScriptGC", "true", "--server.fileWatcherType", "auto"),
)  # Streamlit's defaults: what issue 14 measured first
AFTER = Setup("after", {"RNN_EXPLAINER_HOUSEKEEPING": ""}, ())  # .streamlit/config.toml


# --- pure helpers (tests/test_benchmarks.py) -------------------------------------------------


@dataclass(frozen=True)
class AppPage:
    name: str  # the page's address without the slash ("home" for the root page)
    path: str  # the URL path the app serves it at ("" for the default page)


def app_pages() -> list[AppPage]:
    """Every page of the app's navigation, in its order, at the address the app serves."""
    from lessons import ui

    pages = []
    for items in ui.SECTIONS.values():
        for lesson in items:
            path = "" if lesson.path == HOME_SCRIPT else ui.url_path(lesson)
            pages.append(AppPage(path or "home", path))
    return pages


def choose_pages(pages: Sequence[AppPage], names: str | None) -> list[AppPage]:
    """`--pages a,b` -> those pages (by address), in the navigation's order."""
    if not names:
        return list(pages)
    wanted = {name.strip().strip("/") or "home" for name in names.split(",")}
    unknown = wanted - {page.name for page in pages}
    if unknown:
        known = ", ".join(page.name for page in pages)
        raise SystemExit(f"unknown page(s): {', '.join(sorted(unknown))}; known: {known}")
    return [page for page in pages if page.name in wanted]


def _frame(frame: str) -> tuple[str, str]:
    """'func (path/file.py:12)' -> ('func', 'path/file.py')."""
    match = re.match(r"(.*) \((.*?)(?::\d+)?\)$", frame)
    return (match.group(1), match.group(2)) if match else (frame, "")


def _label(frame: str) -> str:
    function, filename = _frame(frame)
    short = LIBRARY.sub("", filename.removeprefix(PROJECT))
    return f"{function} ({short})" if filename else function


@dataclass(frozen=True)
class Cost:
    label: str
    share: float  # of the profile's samples in which a server thread held the GIL
    samples: int  # all samples of the profile
    mostly: str = ""  # the function on top of the stack most often within this cost


def top_costs(
    collapsed: str, count: int = 3, project: str = PROJECT,
) -> tuple[list[Cost], list[Cost]]:
    """py-spy's raw (collapsed) stacks -> (where the page's own code spends, leaf functions).

    The first list attributes every sample to the innermost frame of the app's own code
    (lessons/, explainers/, app.py) and the library call it made there ("page -> callee"),
    so it names what a page helper could change, with the function most often on top of the
    stack there (`mostly`); samples outside the app's code (Streamlit's own work: sending,
    housekeeping) are named by their top function. The second list is plain self time.
    """
    own, leaf, total = Counter(), Counter(), 0
    tops: dict[str, Counter] = {}
    for line in collapsed.splitlines():
        stack, _, number = line.rpartition(" ")
        if not stack or not number.isdigit():
            continue
        samples, frames = int(number), stack.split(";")
        total += samples
        leaf[_label(frames[-1])] += samples
        mine = [i for i, frame in enumerate(frames) if _frame(frame)[1].startswith(project)]
        if mine:
            i = mine[-1]
            callee = f" -> {_label(frames[i + 1])}" if i + 1 < len(frames) else " (itself)"
            label = _label(frames[i]) + callee
        else:
            label = "outside the app's code: " + _label(frames[-1])
        own[label] += samples
        tops.setdefault(label, Counter())[_label(frames[-1])] += samples
    if not total:
        return [], []

    def mostly(label: str) -> str:
        top = tops[label].most_common(1)[0][0]
        return "" if top in label else top  # the callee or the app's frame itself

    return (
        [Cost(label, n / total, total, mostly(label)) for label, n in own.most_common(count)],
        [Cost(label, n / total, total) for label, n in leaf.most_common(count)],
    )


# --- the browser ---------------------------------------------------------------------------


@dataclass
class View:
    cpu: float  # s of server CPU
    first_screen: float  # s from navigation to the title on screen
    finished: float  # s from navigation to the script run finished in the browser
    idle_reached: bool = True


@dataclass
class PageResult:
    page: AppPage
    views: list[View] = field(default_factory=list)

    def median(self, attribute: str) -> float:
        return statistics.median(getattr(view, attribute) for view in self.views)


async def wait_idle(pid: int) -> bool:
    """Wait until the server spent no CPU for IDLE_WINDOW and no thread of it waits for a
    core (Streamlit's post-run work, GC, clear_session, the watcher, runs after the browser
    is told that the run finished; on a busy machine a runnable thread may wait a while).
    The server process alone: its idle training workers tick every few hundred ms (Dask's
    heartbeats) and would keep the wait from ever ending; a view's CPU counts them anyway."""
    deadline = time.monotonic() + IDLE_LIMIT
    last, since = own_cpu(pid), time.monotonic()
    while time.monotonic() < deadline:
        await asyncio.sleep(IDLE_POLL)
        now = own_cpu(pid)
        if now > last:
            last, since = now, time.monotonic()
        elif (time.monotonic() - since >= IDLE_WINDOW
              and not runnable_threads(pid, children=False)):
            return True
    return False


async def open_page(tab, url: str, timeout_ms: int = VIEW_TIMEOUT_MS) -> tuple[float, float]:
    """Navigate; return (seconds to the title on screen, seconds to the run finished)."""
    began = time.perf_counter()
    await tab.goto(url, wait_until="commit", timeout=timeout_ms)
    await tab.locator(TITLE).first.wait_for(state="visible", timeout=timeout_ms)
    first_screen = time.perf_counter() - began
    await tab.wait_for_function(browser.FINISHED, timeout=timeout_ms)
    return first_screen, time.perf_counter() - began


async def measure_view(tab, server: browser.Server, page: AppPage, query: str = "") -> View:
    await wait_idle(server.pid)
    cpu = tree_cpu(server.pid)
    first_screen, finished = await open_page(tab, f"{server.url}/{page.path}{query}")
    idle = await wait_idle(server.pid)
    return View(tree_cpu(server.pid) - cpu, first_screen, finished, idle)


def note(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


async def per_page(tab, server, pages, repeats, query: str = "") -> dict[str, PageResult]:
    for page in pages:  # warm caches: every page once
        began = time.perf_counter()
        await open_page(tab, f"{server.url}/{page.path}{query}")
        note(f"  warm-up {page.name}{query}: {time.perf_counter() - began:.1f} s")
    results = {}
    for page in pages:
        result = results[page.name] = PageResult(page)
        for _ in range(repeats):
            result.views.append(await measure_view(tab, server, page, query))
        cpus = ", ".join(f"{view.cpu:.2f}" for view in result.views)
        note(f"  {page.name}: CPU {cpus} s; first screen {result.median('first_screen'):.2f} s")
    return results


@dataclass
class Crowd:
    sessions: int
    page_times: list[float]
    failures: int
    wall: float
    cpu: float  # server CPU over the whole crowd
    load: float


async def crowd(chromium, server, pages: Sequence[AppPage], sessions: int) -> Crowd:
    """`sessions` visitors at once, each browsing `pages` in order, one context each."""
    contexts = [await chromium.new_context(viewport=VIEWPORT) for _ in range(sessions)]
    tabs = [await context.new_page() for context in contexts]
    times, failures = [], 0

    async def visitor(tab):
        nonlocal failures
        for page in pages:
            try:
                _, finished = await open_page(tab, f"{server.url}/{page.path}",
                                              SESSION_TIMEOUT_MS)
                times.append(finished)
            except Exception as error:  # a timeout is a result here
                failures += 1
                note(f"  a session failed on {page.name}: {type(error).__name__}")

    await wait_idle(server.pid)
    cpu, began = tree_cpu(server.pid), time.perf_counter()
    await asyncio.gather(*(visitor(tab) for tab in tabs))
    wall = time.perf_counter() - began
    await wait_idle(server.pid)
    result = Crowd(sessions, times, failures, wall, tree_cpu(server.pid) - cpu,
                   os.getloadavg()[0])
    for context in contexts:
        await context.close()
    return result


async def memory_run(tab, server, pages, views: int, every: int) -> list[tuple[int, int]]:
    """(views so far, server RSS bytes) while cycling through the pages `views` times."""
    samples = [(0, tree_rss(server.pid))]
    for number in range(1, views + 1):
        page = pages[(number - 1) % len(pages)]
        await open_page(tab, f"{server.url}/{page.path}")
        if number % every == 0 or number == views:
            await wait_idle(server.pid)
            samples.append((number, tree_rss(server.pid)))
            note(f"  memory after {number} views: {samples[-1][1] / 2**20:.0f} MiB")
    return samples


async def profile(tab, server, page: AppPage, repeats: int) -> tuple[list[Cost], list[Cost]]:
    """py-spy record on the server while viewing `page` `repeats` times."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "stacks.txt"
        spy = subprocess.Popen(
            ["py-spy", "record", "--pid", str(server.pid), "--rate", "200", "--format", "raw",
             "--nonblocking", "--gil", "--full-filenames", "-o", str(out)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            await asyncio.sleep(1.0)  # attached
            for _ in range(repeats):
                await open_page(tab, f"{server.url}/{page.path}")
                await wait_idle(server.pid)
        finally:
            spy.send_signal(signal.SIGINT)
            spy.wait(timeout=30)
        return top_costs(out.read_text() if out.exists() else "")


# --- the run -------------------------------------------------------------------------------


@dataclass
class Measured:
    setup: Setup
    pages: dict[str, PageResult] = field(default_factory=dict)
    crowds: list[Crowd] = field(default_factory=list)
    memory: list[tuple[int, int]] = field(default_factory=list)
    profiles: dict[str, tuple[list[Cost], list[Cost]]] = field(default_factory=dict)
    loads: list[float] = field(default_factory=list)
    modes: dict[str, dict[str, PageResult]] = field(default_factory=dict)  # MODES -> pages


async def measure(setup: Setup, pages, args, chromium, crowd_sizes, memory: bool) -> Measured:
    from playwright.async_api import Error as PlaywrightError

    measured = Measured(setup)
    env = {"RNN_EXPLAINER_DATA": os.environ.get("RNN_EXPLAINER_DATA", "/work/shared/data"),
           **setup.env}
    note(f"{setup.name}: starting streamlit {' '.join(setup.args) or '(config.toml)'}")
    with browser.running_server(env, setup.args) as server:
        context = await chromium.new_context(viewport=VIEWPORT)
        if not args.lone_visitor:  # someone else stays connected: see ANCHOR
            await open_page(await context.new_page(), server.url)
        tab = await context.new_page()
        measured.loads.append(os.getloadavg()[0])
        measured.pages = await per_page(tab, server, pages, args.repeats)
        measured.loads.append(os.getloadavg()[0])
        for mode in (args.modes if setup is AFTER else ()):  # the same views in zh, projector
            note(f"  {mode}")
            measured.modes[mode] = await per_page(tab, server, pages, args.repeats, MODES[mode])
        if setup is AFTER and not args.no_profile and shutil.which("py-spy") is None:
            note("  py-spy is not installed (pip install py-spy): no profiles")
        elif setup is AFTER and not args.no_profile:
            for name, result in measured.pages.items():
                if result.median("cpu") > args.profile_above / 1000:
                    note(f"  py-spy on {name}")
                    measured.profiles[name] = await profile(tab, server, result.page, 3)
        if memory and args.memory_views:
            every = max(1, args.memory_views // 6)
            measured.memory = await memory_run(tab, server, pages, args.memory_views, every)
        await context.close()
        journey = choose_pages(app_pages(), ",".join(JOURNEY))
        if crowd_sizes:
            context = await chromium.new_context(viewport=VIEWPORT)
            for page in journey:  # warm, in case --pages left them out
                await open_page(await context.new_page(), f"{server.url}/{page.path}")
            await context.close()
        for size in crowd_sizes:
            note(f"  {size} sessions: home -> GloVe -> gates")
            try:
                measured.crowds.append(await crowd(chromium, server, journey, size))
            except PlaywrightError as error:
                note(f"  {size} sessions could not run: {error}")
        measured.loads.append(os.getloadavg()[0])
    return measured


def _flag(value: float, limit: float) -> str:
    return f"{value:.2f} s" + (" **" if value > limit else "")


def report(before: Measured | None, after: Measured, args) -> None:
    visitors = "a lone visitor" if args.lone_visitor else "another tab connected"
    print(f"\nServer CPU per page view (median of {args.repeats} views, warm caches, "
          f"{visitors}; "
          f"** = above {CPU_TARGET * 1000:.0f} ms CPU or {FIRST_SCREEN_TARGET:.0f} s "
          "first screen)\n")
    modes = list(after.modes)
    print("| page | before CPU | after CPU | after first screen | after run finished |"
          + "".join(f" after CPU, {mode} |" for mode in modes))
    print("| --- | --- | --- | --- | --- |" + " --- |" * len(modes))
    for name, result in after.pages.items():
        earlier = before.pages.get(name) if before else None
        cells = [
            name,
            _flag(earlier.median("cpu"), CPU_TARGET) if earlier else "-",
            _flag(result.median("cpu"), CPU_TARGET),
            _flag(result.median("first_screen"), FIRST_SCREEN_TARGET),
            f"{result.median('finished'):.2f} s",
            *(_flag(after.modes[mode][name].median("cpu"), CPU_TARGET) for mode in modes),
        ]
        print("| " + " | ".join(cells) + " |")
    slow = [view for m in (before, after) if m for r in m.pages.values() for view in r.views
            if not view.idle_reached]
    if slow:
        print(f"({len(slow)} views never went idle within {IDLE_LIMIT:.0f} s: counted anyway)")
    over = [name for name, result in after.pages.items() if result.median("cpu") > CPU_TARGET]
    print(f"\nafter: {len(after.pages) - len(over)} of {len(after.pages)} pages within "
          f"{CPU_TARGET * 1000:.0f} ms" + (f"; above: {', '.join(over)}" if over else ""))

    for measured in (before, after):
        if measured and measured.crowds:
            print(f"\nSessions browsing home -> GloVe explorer -> LSTM gates at once "
                  f"({measured.setup.name}; page time = navigation to run finished):")
            for c in measured.crowds:
                times = c.page_times or [float("nan")]
                print(f"  {c.sessions:>2} sessions: page p50 {percentile(times, .5):.1f} s, "
                      f"p95 {percentile(times, .95):.1f} s, {len(c.page_times)} pages, "
                      f"{c.failures} failed; all done in {c.wall:.0f} s, server CPU "
                      f"{c.cpu:.1f} s ({c.cpu / max(1, len(c.page_times)):.2f} s a page); "
                      f"load average {c.load:.1f}")

    if after.memory:
        first, last = after.memory[0][1], after.memory[-1][1]
        print(f"\nServer memory (RSS, after) over {after.memory[-1][0]} views cycling "
              "the pages:")
        print("  " + ", ".join(f"{n}: {rss / 2**20:.0f} MiB" for n, rss in after.memory))
        second = after.memory[1][1] if len(after.memory) > 2 else first
        print(f"  growth first -> last: {(last - first) / 2**20:+.0f} MiB; "
              f"after the first {after.memory[1][0]} views -> last: "
              f"{(last - second) / 2**20:+.0f} MiB")

    for name, (own, leaf) in after.profiles.items():
        samples = own[0].samples if own else 0
        print(f"\npy-spy, {name} (after; share of {samples} samples holding the GIL, "
              "3 views):")
        for cost in own:
            mostly = f"  [mostly in {cost.mostly}]" if cost.mostly else ""
            print(f"  {cost.share:5.0%}  {cost.label}{mostly}")
        print("  self time: " + "; ".join(f"{c.label} {c.share:.0%}" for c in leaf))

    loads = [load for m in (before, after) if m for load in m.loads]
    print(f"\nload average (1 min) while measuring: {min(loads):.1f}-{max(loads):.1f} "
          f"on {os.cpu_count()} cores")


async def run(args) -> None:
    from playwright.async_api import async_playwright

    executable = browser.chromium_path()
    if executable is None:
        raise SystemExit("Chromium not found: apt-get install chromium")
    pages = choose_pages(app_pages(), args.pages)
    sizes = [int(size) for size in args.sessions.split(",") if size.strip()]
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=executable, args=browser.CHROMIUM_ARGS)
        try:
            before = None
            if not args.skip_before:
                before = await measure(BEFORE, pages, args, chromium,
                                       [size for size in sizes if size <= 6], memory=False)
            after = await measure(AFTER, pages, args, chromium, sizes, memory=True)
        finally:
            await chromium.close()
    report(before, after, args)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", help="comma-separated addresses (home, glove-explorer, ...)")
    parser.add_argument("--modes", default=",".join(MODES),
                        help=f"also measured after, each a column: {', '.join(MODES)}; '' none")
    parser.add_argument("--quick", action="store_true", help="fewer views (2 a page, 48 for "
                        "memory)")
    parser.add_argument("--sessions", default="6,30", help="crowd sizes; '' for none")
    parser.add_argument("--skip-before", action="store_true")
    parser.add_argument("--repeats", type=int, help="views per page (default 4, quick 2)")
    parser.add_argument("--memory-views", type=int, help="default 150, quick 48; 0 for none")
    parser.add_argument("--no-profile", action="store_true", help="no py-spy")
    parser.add_argument("--lone-visitor", action="store_true",
                        help="no second tab kept open (see ANCHOR in the source)")
    parser.add_argument("--profile-above", type=float, default=CPU_TARGET * 1000,
                        help="py-spy the pages whose median CPU per view exceeds this (ms)")
    args = parser.parse_args(argv)
    args.modes = [mode for mode in args.modes.split(",") if mode.strip()]
    if args.repeats is None:
        args.repeats = 2 if args.quick else 4
    if args.memory_views is None:
        args.memory_views = 48 if args.quick else 150
    started = time.perf_counter()
    asyncio.run(run(args))
    print(f"benchmark took {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
