"""A class on one server: thirty students browsing while three train, and one alone, in one run.

The students are light clients at Streamlit's WebSocket level (its own `BackMsg` /
`ForwardMsg` protobufs, the messages a browser tab sends and receives): each opens a session,
views home, the GloVe explorer and the LSTM gates page in a seeded random order, reading
0-`THINK` s between views, and on the GloVe page types another word now and then (a widget
change). A view's latency is the time from the request to the script's `script_finished`,
and the client answers the server's `auto_rerun` requests (a live panel's fragment) as a tab
does. Three of them open the Sentiment lab with a preset and press ▶ Train: their jobs go to
the training workers (explainers/workers.py), and the run prints how long each waited in the
line and how long until its results were drawn. Two real Chromium tabs browse alongside for
the latency a user sees (navigation until the page's script has finished).

Printed, in one run: page latency p50/p95 for one session alone, then for the crowd (light
clients and browsers apart), the queue waits and times to result of the trainings, the
server's and the workers' CPU and peak memory (from /proc), and the load generator's own CPU
(this process, and Chromium's processes) so the figures can be judged. Issue 13's target: the
server answers a page within 2 s at p95 throughout.

    RNN_EXPLAINER_DATA=/work/shared/data python benchmarks/load.py
        [--students 30] [--trainings 3] [--browsers 2] [--preset "Fast LSTM"] [--seconds 120]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import browser, proc

PAGES = ("", "glove-explorer", "lstm-gates-token-by-token")  # home, GloVe, gates: url paths
LAB = "sentiment-lab-train-live"
TRAIN = "▶ Train"  # the lab's button
RESULT = "What the run learned"  # the lab's results header: the run ended and is drawn
WAITING = "Waiting for a free worker"  # the live panel's words while a job is in the line
WORDS = ("frog", "king", "river", "music", "happy", "computer", "bread", "ocean")  # GloVe
THINK = 10.0  # s: a student reads 0..THINK s between two views
ALONE_VIEWS = 4  # views of each page by the lone student
SAMPLE_EVERY = 0.5  # s between two samples of the processes' CPU and memory
TARGET = 2.0  # s: issue 13's page latency at p95


@dataclass
class Shown:
    """What a session's last messages drew that the benchmark reads."""

    texts: list[str] = field(default_factory=list)  # headings
    progress: list[str] = field(default_factory=list)  # progress bars' labels
    widgets: dict[str, str] = field(default_factory=dict)  # label -> widget id


class Student:
    """One browser session, spoken to at the WebSocket level."""

    def __init__(self, base: str):
        self.base, self.ws = base, None
        self.pages: dict[str, str] = {}  # url path -> page_script_hash
        self.page_hash = self.page_name = ""
        self.finished = asyncio.Event()
        self.shown = Shown()
        self.fragments: dict[str, float] = {}  # fragment id -> its auto-rerun interval
        self.reader: asyncio.Task | None = None
        self.tasks: set[asyncio.Task] = set()  # the fragments' auto-reruns
        self.query = ""

    async def connect(self) -> None:
        import websockets

        url = self.base.replace("http://", "ws://") + "/_stcore/stream"
        self.ws = await websockets.connect(url, subprotocols=["streamlit"], max_size=None)
        self.reader = asyncio.create_task(self._read())

    async def close(self) -> None:
        self.fragments.clear()  # no more auto-reruns
        for task in [self.reader, *self.tasks]:
            if task is not None:
                task.cancel()
        if self.ws is not None:
            await self.ws.close()

    async def _send(self, widgets=(), fragment: str = "") -> None:
        from streamlit.proto.BackMsg_pb2 import BackMsg

        msg = BackMsg()
        rerun = msg.rerun_script
        rerun.query_string, rerun.page_script_hash = self.query, self.page_hash
        rerun.page_name = self.page_name  # the url path: found by it before the hashes are known
        if fragment:
            rerun.fragment_id, rerun.is_auto_rerun = fragment, True
        for widget_id, kind, value in widgets:
            state = rerun.widget_states.widgets.add()
            state.id = widget_id
            setattr(state, kind, value)
        await self.ws.send(msg.SerializeToString())

    async def _read(self) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        async for data in self.ws:
            msg = ForwardMsg()
            msg.ParseFromString(data)
            kind = msg.WhichOneof("type")
            if kind == "navigation":
                self.pages = {p.url_pathname: p.page_script_hash for p in msg.navigation.app_pages}
            elif kind == "delta":
                self._element(msg.delta)
            elif kind == "auto_rerun":
                rerun = msg.auto_rerun
                if rerun.fragment_id not in self.fragments:
                    self.fragments[rerun.fragment_id] = rerun.interval
                    task = asyncio.create_task(self._auto(rerun.fragment_id, rerun.interval))
                    self.tasks.add(task)
                    task.add_done_callback(self.tasks.discard)
            elif kind == "script_finished" and msg.script_finished in (0, 3):
                self.finished.set()  # FINISHED_SUCCESSFULLY, FINISHED_FRAGMENT_RUN_...

    def _element(self, delta) -> None:
        if delta.WhichOneof("type") != "new_element":
            return
        element = delta.new_element
        kind = element.WhichOneof("type")
        if kind == "progress":
            self.shown.progress.append(element.progress.text)
        elif kind == "heading":
            self.shown.texts.append(element.heading.body)
        elif kind in ("button", "text_input"):
            widget = getattr(element, kind)
            self.shown.widgets[widget.label] = widget.id

    async def _auto(self, fragment: str, interval: float) -> None:
        while fragment in self.fragments:  # as a tab does while the fragment is drawn
            await asyncio.sleep(interval)
            if fragment in self.fragments:
                await self._send(fragment=fragment)

    async def view(self, path: str, query: str = "", widgets=()) -> float:
        """Open the page at `path` (or rerun it with `widgets` set); seconds to its end."""
        if path not in self.pages and self.pages:
            raise KeyError(path)
        self.page_hash, self.page_name = self.pages.get(path, ""), path
        self.query, self.fragments = query, {}
        self.finished.clear()
        self.shown.texts.clear()
        self.shown.progress.clear()
        self.shown.widgets.clear()
        began = time.perf_counter()
        await self._send(widgets)
        await self.finished.wait()
        return time.perf_counter() - began


async def browse(student: Student, rng: random.Random, until: float, latencies: list) -> None:
    """Views of home, GloVe and gates with reading time between, until `until`."""
    while time.monotonic() < until:
        await asyncio.sleep(rng.uniform(0, THINK))
        path = rng.choice(PAGES)
        latencies.append((path, await student.view(path, "lang=en")))
        box = student.shown.widgets.get("Word")  # the GloVe neighbours' word
        if path == "glove-explorer" and box and rng.random() < 0.5:
            await asyncio.sleep(rng.uniform(0, THINK / 2))
            latencies.append(("glove word", await student.view(
                path, "lang=en", [(box, "string_value", rng.choice(WORDS))])))


@dataclass
class Training:
    clicked: float = 0.0
    started: float | None = None  # the panel stopped saying "waiting"
    ended: float | None = None  # the results were drawn


async def train(student: Student, preset: str, record: Training, until: float) -> None:
    query = urllib.parse.urlencode({"lang": "en", "preset": preset})
    await student.view(LAB, query)
    button = student.shown.widgets[TRAIN]
    record.clicked = time.monotonic()
    await student.view(LAB, query, [(button, "trigger_value", True)])
    while time.monotonic() < until and record.ended is None:
        await asyncio.sleep(0.25)
        labels = list(student.shown.progress)  # the live panel's, newest last
        if record.started is None and labels and not labels[-1].startswith(WAITING):
            record.started = time.monotonic()
        if RESULT in student.shown.texts:
            record.ended = time.monotonic()


class Sampler:
    """Samples the server's and its workers' CPU and memory every SAMPLE_EVERY s."""

    def __init__(self, pid: int):
        self.pid, self.stop = pid, threading.Event()
        self.peak_server = self.peak_workers = 0
        self.thread = threading.Thread(target=self._run, daemon=True)

    def cpu(self) -> tuple[float, float]:
        """(server, workers) CPU seconds so far; the workers' are its live descendants'."""
        tree = proc.process_tree(self.pid)
        server = tree[0].utime + tree[0].stime
        workers = sum(s.utime + s.stime for s in tree[1:])
        return server / proc.TICKS, workers / proc.TICKS

    def _run(self) -> None:
        while not self.stop.wait(SAMPLE_EVERY):
            tree = proc.process_tree(self.pid)
            self.peak_server = max(self.peak_server, tree[0].rss * proc.PAGE_SIZE)
            self.peak_workers = max(self.peak_workers,
                                    sum(s.rss for s in tree[1:]) * proc.PAGE_SIZE)


def browsers(base: str, count: int, until: float, latencies: list, cpu: list) -> None:
    """Real Chromium tabs browsing the same pages (in a thread: Playwright's sync API)."""
    rng = random.Random(7)
    with browser.chromium_browser() as chromium:
        tabs = [chromium.new_context(viewport={"width": 1400, "height": 900}).new_page()
                for _ in range(count)]
        own = os.getpid()
        began = sum(s.utime + s.stime for s in proc.process_tree(own)[1:])
        while time.monotonic() < until:
            for tab in tabs:
                path = rng.choice(PAGES)
                start = time.perf_counter()
                tab.goto(f"{base}/{path}?lang=en")
                browser.wait_for_app(tab, 120_000)
                latencies.append((path, time.perf_counter() - start))
            time.sleep(rng.uniform(0, THINK))
        cpu.append((sum(s.utime + s.stime for s in proc.process_tree(own)[1:]) - began)
                   / proc.TICKS)


def summary(label: str, values: list[float]) -> str:
    if not values:
        return f"{label}: no views"
    p50, p95 = proc.percentile(values, 0.5), proc.percentile(values, 0.95)
    return (f"{label}: {len(values)} views, p50 {p50:.2f} s, p95 {p95:.2f} s, max "
            f"{max(values):.2f} s ({'ok' if p95 <= TARGET else 'over'} <= {TARGET:.0f} s at p95)")


async def crowd(base: str, args, latencies: list, trainings: list[Training]) -> None:
    rng = random.Random(1)
    until = time.monotonic() + args.seconds
    students = [Student(base) for _ in range(args.students)]
    for student in students:
        await student.connect()
    tasks = [browse(s, random.Random(rng.random()), until, latencies)
             for s in students[args.trainings:]]
    tasks += [train(s, args.preset, record, until + 600)
              for s, record in zip(students[:args.trainings], trainings, strict=True)]
    await asyncio.gather(*tasks)
    for student in students:
        await student.close()


async def alone(base: str) -> list[float]:
    student = Student(base)
    await student.connect()
    await student.view("", "lang=en")
    seconds = []
    for _ in range(ALONE_VIEWS):
        for path in PAGES:
            seconds.append(await student.view(path, "lang=en"))
    await student.close()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--trainings", type=int, default=3)
    parser.add_argument("--browsers", type=int, default=2)
    parser.add_argument("--preset", default="Fast LSTM")
    parser.add_argument("--seconds", type=float, default=120.0,
                        help="how long the crowd browses (the trainings may run on)")
    args = parser.parse_args()
    env = {"RNN_EXPLAINER_JOBS": "dask", "TF_CPP_MIN_LOG_LEVEL": "3"}
    with browser.running_server(env) as server:
        sampler = Sampler(server.pid)
        sampler.thread.start()
        while not proc.tree_maps(server.pid, "libtensorflow_framework"):
            asyncio.run(alone(server.url))  # warms the pages' caches while the workers start
            time.sleep(1)
        one = asyncio.run(alone(server.url))
        print(summary("1 session alone", one), flush=True)
        own_cpu, (server_cpu, worker_cpu) = time.process_time(), sampler.cpu()
        latencies, shown, chrome_cpu = [], [], []
        trainings = [Training() for _ in range(args.trainings)]
        until = time.monotonic() + args.seconds
        tabs = threading.Thread(target=browsers, args=(server.url, args.browsers, until,
                                                       shown, chrome_cpu))
        began = time.monotonic()
        if args.browsers:
            tabs.start()
        asyncio.run(crowd(server.url, args, latencies, trainings))
        if args.browsers:
            tabs.join()
        wall = time.monotonic() - began
        server_after, workers_after = sampler.cpu()
        sampler.stop.set()
    crowd_size = args.students - args.trainings
    print(f"{crowd_size} students browsing + {args.trainings} training, {wall:.0f} s:")
    print("  " + summary("light clients", [s for _p, s in latencies]))
    for path in (*PAGES, "glove word"):
        print("    " + summary(f"/{path}", [s for p, s in latencies if p == path]))
    print("  " + summary(f"{args.browsers} Chromium tabs", [s for _p, s in shown]))
    for number, record in enumerate(trainings, 1):
        wait = ("never started" if record.started is None
                else f"{record.started - record.clicked:.0f} s")
        done = "no result" if record.ended is None else f"{record.ended - record.clicked:.0f} s"
        print(f"  training {number}: waited in the line {wait}, result drawn after {done}")
    server_cpu, worker_cpu = server_after - server_cpu, workers_after - worker_cpu
    print(f"  server: {server_cpu:.1f} s CPU ({server_cpu / wall:.2f} cores), peak "
          f"{sampler.peak_server / 2**20:.0f} MiB; training workers: {worker_cpu:.1f} s CPU "
          f"({worker_cpu / wall:.2f} cores), peak {sampler.peak_workers / 2**20:.0f} MiB")
    print(f"  load generator: light clients {time.process_time() - own_cpu:.1f} s CPU, "
          f"Chromium {sum(chrome_cpu):.1f} s CPU; {proc.load()}")


if __name__ == "__main__":
    main()
