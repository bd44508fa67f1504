"""The page-view benchmark's pure helpers: /proc parsing, the page list, percentiles, profiles.

No browser and no timing here: benchmarks print figures, tests check the arithmetic behind them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from conftest import ROOT

from benchmarks import browser, page_views, proc
from lessons import ui

PROJECT = str(ROOT) + "/"


def test_parse_stat_reads_cpu_and_memory_fields_past_a_name_with_spaces_and_parens():
    fields = ["S", "41", *["0"] * 9, "700", "55", "9", "3", *["0"] * 5, "12345", "2048"]
    stat = proc.parse_stat("4242 (python (x) y) " + " ".join(fields) + " 0 0\n")
    assert (stat.pid, stat.state, stat.ppid) == (4242, "S", 41)
    assert (stat.utime, stat.stime, stat.cutime, stat.cstime) == (700, 55, 9, 3)
    assert stat.ticks == 767 and stat.rss == 2048


def test_parse_stat_agrees_with_this_process():
    stat = proc.parse_stat(open(f"/proc/{os.getpid()}/stat").read())
    assert (stat.pid, stat.ppid, stat.state) == (os.getpid(), os.getppid(), "R")
    rss_kib = next(int(line.split()[1]) for line in open("/proc/self/status")
                   if line.startswith("VmRSS:"))
    assert stat.rss * proc.PAGE_SIZE // 1024 == pytest.approx(rss_kib, rel=0.05)


def test_tree_cpu_counts_work_done_in_this_process():
    before = proc.tree_cpu(os.getpid())
    spent = time.process_time()
    while time.process_time() - spent < 0.05:  # five clock ticks of CPU work
        sum(range(1000))
    assert proc.tree_cpu(os.getpid()) > before


def test_descendants_follow_children_of_children_only():
    def stat(pid, ppid):
        return proc.ProcStat(pid, "S", ppid, 0, 0, 0, 0, 0)

    stats = [stat(2, 1), stat(3, 2), stat(4, 3), stat(5, 1), stat(6, 5)]
    assert {s.pid for s in proc.descendants(2, stats)} == {3, 4}
    assert proc.descendants(4, stats) == []


def test_process_tree_includes_a_live_child():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        pids = [stat.pid for stat in proc.process_tree(os.getpid())]
        assert pids[0] == os.getpid() and child.pid in pids
    finally:
        child.kill()
        child.wait()


def test_the_page_list_is_the_apps_navigation():
    pages = page_views.app_pages()
    lessons = [lesson for items in ui.SECTIONS.values() for lesson in items]
    assert len(pages) == len(lessons) == len({page.name for page in pages})
    assert pages[0] == page_views.AppPage("home", "")  # the default page, at the root
    assert [page.path for page in pages[1:]] == [ui.url_path(lesson) for lesson in lessons[1:]]
    assert {page.name for page in pages} >= set(page_views.JOURNEY)


def test_choose_pages_keeps_the_navigation_order_and_refuses_unknown_names():
    pages = page_views.app_pages()
    chosen = page_views.choose_pages(pages, "glove-explorer, /home")
    assert [page.name for page in chosen] == ["home", "glove-explorer"]
    assert page_views.choose_pages(pages, None) == pages
    with pytest.raises(SystemExit, match="no-such-page"):
        page_views.choose_pages(pages, "home,no-such-page")


def test_percentile_is_nearest_rank():
    values = [5.0, 1.0, 4.0, 2.0, 3.0]
    assert proc.percentile(values, 0.5) == 3.0
    assert proc.percentile(values, 0.95) == 5.0
    assert proc.percentile(list(range(1, 101)), 0.95) == 95
    assert proc.percentile([7.0], 0.5) == 7.0


def test_top_costs_names_the_apps_frame_and_the_call_it_made():
    page = f"{PROJECT}lessons/gates.py"
    lib = "/usr/lib/python3.11/site-packages/plotly/basedatatypes.py"
    collapsed = "\n".join([
        f"run (st.py:1);<module> ({PROJECT}app.py:20);heatmaps ({page}:40);"
        f"__init__ ({lib}:10);validate ({lib}:99) 6",
        f"run (st.py:1);<module> ({PROJECT}app.py:20);heatmaps ({page}:41) 1",
        "run (st.py:1);send (/x/lib/python3.11/site-packages/tornado/web.py:5) 3",
    ])
    own, leaf = page_views.top_costs(collapsed, project=PROJECT)
    assert [(c.label, round(c.share, 2)) for c in own] == [
        ("heatmaps (lessons/gates.py) -> __init__ (plotly/basedatatypes.py)", 0.6),
        ("outside the app's code: send (tornado/web.py)", 0.3),
        ("heatmaps (lessons/gates.py) (itself)", 0.1),
    ]
    assert own[0].mostly == "validate (plotly/basedatatypes.py)"
    assert own[1].mostly == own[2].mostly == ""
    assert leaf[0].label == "validate (plotly/basedatatypes.py)" and leaf[0].samples == 10
    assert page_views.top_costs("") == ([], [])


def test_server_flags_replace_a_default_instead_of_repeating_it():
    default = browser.server_command(8501)
    assert default[default.index("--server.fileWatcherType") + 1] == "none"
    before = browser.server_command(8501, page_views.BEFORE.args)
    assert before.count("--server.fileWatcherType") == 1
    assert before[before.index("--server.fileWatcherType") + 1] == "auto"
    assert before[before.index("--runner.postScriptGC") + 1] == "true"


def test_tree_maps_sees_a_library_this_process_loaded():
    import numpy  # noqa: F401  (its compiled core is mapped into this process)

    assert proc.tree_maps(os.getpid(), "_multiarray_umath")
    assert not proc.tree_maps(os.getpid(), "no-such-library-here")


def test_the_load_benchmarks_light_client_speaks_streamlits_protocol():
    """A student at the WebSocket level opens pages, sets a widget and hears each run end."""
    import asyncio

    from benchmarks import load

    async def visit(url: str) -> tuple[float, float, dict, list]:
        student = load.Student(url)
        await student.connect()
        home = await student.view("", "lang=en")
        glove = await student.view("glove-explorer", "lang=en")
        widgets, texts = dict(student.shown.widgets), list(student.shown.texts)
        await student.view("glove-explorer", "lang=en",
                           [(widgets["Word"], "string_value", "king")])
        await student.close()
        return home, glove, widgets, texts

    with browser.running_server() as server:
        home, glove, widgets, texts = asyncio.run(asyncio.wait_for(visit(server.url), 300))
    assert 0 < home and 0 < glove
    assert "Word" in widgets and "GloVe explorer" in texts  # the page's own widget and title
