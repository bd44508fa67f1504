"""A process's CPU and memory, read from /proc (proc(5)): what the benchmarks measure.

Server CPU per view is `utime + stime` of the `streamlit run` process and every process
below it (live, and ended children through `cutime + cstime`), so work moved to worker
processes still counts.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")  # /proc/<pid>/stat counts CPU time in clock ticks
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")  # ... and resident memory in pages


@dataclass(frozen=True)
class ProcStat:
    pid: int
    state: str  # R = running or waiting for a core; S, D = asleep
    ppid: int
    utime: int  # clock ticks in user mode, all threads (also those that ended)
    stime: int  # ... in kernel mode
    cutime: int  # ticks of children that ended and were waited for
    cstime: int
    rss: int  # resident pages

    @property
    def ticks(self) -> int:
        return self.utime + self.stime + self.cutime + self.cstime


def parse_stat(text: str) -> ProcStat:
    """/proc/<pid>/stat -> its CPU and memory fields (proc(5); the name may hold spaces)."""
    pid, rest = text.split(" (", 1)
    fields = rest[rest.rindex(")") + 2:].split()  # fields[0] is field 3, the state
    return ProcStat(
        pid=int(pid), state=fields[0], ppid=int(fields[1]), utime=int(fields[11]),
        stime=int(fields[12]), cutime=int(fields[13]), cstime=int(fields[14]),
        rss=int(fields[21]),
    )


def descendants(pid: int, stats: Sequence[ProcStat]) -> list[ProcStat]:
    """The processes below `pid` (children, their children, ...) among `stats`."""
    below, frontier = [], {pid}
    while frontier:
        found = [stat for stat in stats if stat.ppid in frontier]
        below += found
        frontier = {stat.pid for stat in found}
    return below


def _read_stat(pid: int | str) -> ProcStat | None:
    try:
        return parse_stat(Path(f"/proc/{pid}/stat").read_text())
    except (OSError, ValueError):  # the process ended while we looked
        return None


def process_tree(pid: int) -> list[ProcStat]:
    """The server process and every live process below it."""
    own = _read_stat(pid)
    if own is None:
        raise ProcessLookupError(f"process {pid} is gone")
    others = [_read_stat(entry.name) for entry in os.scandir("/proc") if entry.name.isdigit()]
    return [own, *descendants(pid, [stat for stat in others if stat is not None])]


def tree_cpu(pid: int) -> float:
    """Seconds of CPU used so far by the server and its children (live and ended)."""
    return sum(stat.ticks for stat in process_tree(pid)) / TICKS


def own_cpu(pid: int) -> float:
    """Seconds of CPU used so far by the server process itself (no children)."""
    stat = _read_stat(pid)
    if stat is None:
        raise ProcessLookupError(f"process {pid} is gone")
    return (stat.utime + stat.stime) / TICKS


def runnable_threads(pid: int, children: bool = True) -> int:
    """Threads of the server (and its children) running or waiting for a core right now."""
    count = 0
    for process in process_tree(pid) if children else [_read_stat(pid)]:
        for task in Path(f"/proc/{process.pid}/task").glob("*/stat"):
            try:
                count += parse_stat(task.read_text()).state == "R"
            except (OSError, ValueError):  # the thread ended while we looked
                pass
    return count


def tree_maps(pid: int, library: str) -> bool:
    """Whether the server or a process below it (a training worker) has mapped `library`,
    e.g. "libtensorflow_framework": TensorFlow is imported there."""
    for process in process_tree(pid):
        try:
            if library in Path(f"/proc/{process.pid}/maps").read_text():
                return True
        except OSError:  # the process ended while we looked
            pass
    return False


def tree_rss(pid: int) -> int:
    """Bytes resident in memory for the server and its live children."""
    return sum(stat.rss for stat in process_tree(pid)) * PAGE_SIZE


def load() -> str:
    """The machine's load average: wall times mean little when it is far above the cores."""
    return "load average " + " ".join(Path("/proc/loadavg").read_text().split()[:3])


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile (share in 0..1) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, int(-(-share * len(ordered) // 1)))  # ceil(share * n), at least 1
    return ordered[min(rank, len(ordered)) - 1]
