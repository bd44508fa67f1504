"""A token step on the LSTM gates page, through headless Chromium: latency, server CPU, Play.

Starts `streamlit run app.py` (benchmarks/browser.py), opens the gates page, warms it, then
steps through a review the way a user does and prints:

- the page's server CPU per view (a reload; median of `--views`), read from
  /proc (`benchmarks.proc.tree_cpu`: the server and its children), waiting until the run
  has finished;
- per token step: the time from the click until the new token's diagram and markers are
  drawn (p50 / p95), and the server's CPU per step over `--steps` steps;
- Play: tokens per second.

Two ways of stepping (the page after issue 14 has both, the page before only the second):
- in the browser: the step figure carries one Plotly frame per token, with Plotly's own slider and
  Play / Pause (no server round trip). A step is a click on the slider's rail a few tokens
  on (a click on the grip itself would start a drag); it counts as drawn when Plotly has
  animated to it and the browser has painted the next frame (`plotly_animated`, then
  requestAnimationFrame).
- "Next", a server rerun: the page's Streamlit button (before issue 14 it stepped the
  diagram, and its Play reran once per token; after it, it moves the token the charts below
  mark, where the player starts): a step is drawn when the script run has finished and the
  diagram shows the new token.

    python benchmarks/token_step.py [--steps 20] [--views 4] [--review 7]
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import browser
from benchmarks.proc import percentile, tree_cpu

PAGE = "lstm-gates-token-by-token"
QUERY = "lang=en&source=imdb&review={review}&step=0"  # a test review, from its first token
REVIEW = 7  # the page's default review (46 tokens); --review LONG: cut at maxlen, 256
LONG = 11
IDLE_SECONDS = 0.3  # the server counts as idle once no run is shown for this long
PAGE_TIMEOUT_MS = 240_000  # a cold page imports TensorFlow on a busy 2-core machine
RERUN_STEPS = 10  # server reruns timed (each waits for the run to end)

FIGURE = """() => [...document.querySelectorAll('.js-plotly-plot')]
  .find(gd => gd.layout && gd.layout.sliders && gd.layout.sliders.length) || null"""

LISTEN = """() => {
  const gd = (FIGURE)();
  window.__steps = []; window.__frames = []; window.__t0 = 0; window.__played = null;
  document.addEventListener('mousedown', () => { window.__t0 = performance.now(); }, true);
  gd.on('plotly_animatingframe', () => { window.__frames.push(performance.now()); });
  gd.on('plotly_animated', () => requestAnimationFrame(() => {
    const now = performance.now();
    window.__steps.push(now - window.__t0);
    window.__played = now;
  }));
  return gd._fullLayout.sliders[0].steps.length;
}""".replace("FIGURE", FIGURE)

ACTIVE = f"() => (({FIGURE})())._fullLayout.sliders[0].active"

RAIL = f"""() => {{
  const gd = ({FIGURE})();
  const area = gd.querySelector('.slider-rail-touch-rect').getBoundingClientRect();
  return [area.left, area.width, area.top + area.height / 2];
}}"""  # the slider's input area: Plotly puts step i at STEP_INSET + i * (width - 2 INSET) / n-1
STEP_INSET, GRIP_WIDTH = 10, 20  # plotly.js sliders' constants (pixels)

DIAGRAM_TITLE = """() => [...document.querySelectorAll('.js-plotly-plot')]
  .map(gd => gd.layout && gd.layout.title && gd.layout.title.text || '')
  .find(text => text.includes(' at token ')) || ''"""  # the page before issue 14
SHOWN_STEP = f"""() => {{
  const title = ({DIAGRAM_TITLE})();
  if (title) return parseInt(title.split(' at token ')[1]);
  const gd = ({FIGURE})();
  return gd ? gd._fullLayout.sliders[0].active : -1;
}}"""  # the token the diagram shows: its title's (before), else where the player starts


def running(tab) -> bool:
    return tab.locator("[data-testid='stStatusWidget']").count() > 0


def settle(tab) -> None:
    """Wait until the page's script has finished and stayed finished for IDLE_SECONDS."""
    browser.wait_for_app(tab, PAGE_TIMEOUT_MS)
    quiet = time.perf_counter()
    while time.perf_counter() - quiet < IDLE_SECONDS:
        if running(tab):
            browser.wait_for_app(tab, PAGE_TIMEOUT_MS)
            quiet = time.perf_counter()
        time.sleep(0.02)


def view(tab, address: str) -> None:
    tab.goto(address)
    tab.wait_for_timeout(300)
    settle(tab)


def frames_steps(tab, pid: int, steps: int) -> tuple[list[float], float]:
    """Click the slider's rail `steps` times, each a few tokens on (back from the end);
    (latencies in ms, server CPU s per step)."""
    tab.wait_for_function(f"() => ({FIGURE})() !== null", timeout=PAGE_TIMEOUT_MS)
    count = tab.evaluate(LISTEN)
    tab.locator(".js-plotly-plot .slider-rail-touch-rect").scroll_into_view_if_needed()
    left, width, middle = tab.evaluate(RAIL)
    inner = width - 2 * STEP_INSET
    stride = max(1, math.ceil(GRIP_WIDTH / (inner / (count - 1))))  # off the grip: a click
    latencies, began, token, ahead = [], tree_cpu(pid), tab.evaluate(ACTIVE), 1
    for _step in range(steps):
        if not 0 <= token + ahead * stride < count:
            ahead = -ahead
        token += ahead * stride
        done = len(tab.evaluate("() => window.__steps"))
        tab.mouse.click(left + STEP_INSET + inner * token / (count - 1), middle)
        tab.wait_for_function(f"() => window.__steps.length > {done}", timeout=10_000)
        assert tab.evaluate(ACTIVE) == token, "the slider did not land on the token"
        latencies.append(tab.evaluate("() => window.__steps.at(-1)"))
    time.sleep(IDLE_SECONDS)
    return latencies, (tree_cpu(pid) - began) / len(latencies)


def frames_play(tab) -> float:
    """Back to the first token, then Play; tokens per second from the first frame drawn to
    the last."""
    left, _width, middle = tab.evaluate(RAIL)
    done = len(tab.evaluate("() => window.__steps"))
    tab.mouse.click(left + STEP_INSET, middle)
    tab.wait_for_function(f"() => window.__steps.length > {done}", timeout=10_000)
    tab.evaluate("() => { window.__frames = []; window.__played = null; }")
    tab.locator(".js-plotly-plot .updatemenu-button").first.click()
    tab.wait_for_function("() => window.__played !== null", timeout=120_000)
    frames = tab.evaluate("() => window.__frames")
    return (len(frames) - 1) / ((frames[-1] - frames[0]) / 1000)


def rerun_steps(tab, pid: int, steps: int) -> tuple[list[float], float]:
    """Click the page's Streamlit Next button `steps` times: a server rerun (before issue
    14 the diagram's step; after it, the token the charts below mark, where the player
    starts). Drawn when the run has finished and the diagram shows the new token."""
    latencies, began = [], tree_cpu(pid)
    first = int(tab.locator(".st-key-gates_step [data-testid='stSliderThumbValue']").first
                .inner_text())
    for token in range(first + 1, first + steps + 1):
        clicked = time.perf_counter()
        tab.locator(".st-key-gates_next button").first.click()
        tab.wait_for_function(f"() => ({SHOWN_STEP})() === {token}", timeout=60_000)
        latencies.append((time.perf_counter() - clicked) * 1000)
        settle(tab)
    return latencies, (tree_cpu(pid) - began) / steps


def rerun_play(tab, seconds: float = 8.0) -> float:
    """Press the page's Streamlit Play for `seconds` (before issue 14); tokens per second."""
    first = tab.evaluate(SHOWN_STEP)
    tab.locator(".st-key-gates_play button").first.click()
    time.sleep(seconds)
    last = tab.evaluate(SHOWN_STEP)
    tab.locator(".st-key-gates_play button").first.click()  # Pause
    settle(tab)
    return (last - first) / seconds


def report(name: str, latencies: list[float], per_step: float) -> None:
    print(f"  {name}: latency p50 {percentile(latencies, 0.5):.0f} ms, "
          f"p95 {percentile(latencies, 0.95):.0f} ms; server CPU per step "
          f"{per_step * 1000:.1f} ms ({len(latencies)} steps)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--views", type=int, default=4)
    parser.add_argument("--review", type=int, default=REVIEW)
    args = parser.parse_args()
    port = browser.free_port()
    server = browser.start_server(port)
    try:
        browser.wait_until_healthy(port)
        address = f"http://127.0.0.1:{port}/{PAGE}?{QUERY.format(review=args.review)}"
        with browser.chromium(1400, 1000) as tab:
            for _warm in range(2):
                view(tab, address)
            per_view = []
            for _view in range(args.views):
                began = tree_cpu(server.pid)
                view(tab, address)
                per_view.append(tree_cpu(server.pid) - began)
            frames = tab.locator(".st-key-gates_play").count() == 0  # Play in the figure
            if frames:
                in_browser = frames_steps(tab, server.pid, args.steps)
                rate = frames_play(tab)
            on_server = rerun_steps(tab, server.pid, min(args.steps, RERUN_STEPS))
            if not frames:
                rate = rerun_play(tab)
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(f"LSTM gates page, review {args.review} (load average {os.getloadavg()[0]:.2f} "
          "on 2 cores)")
    print(f"  server CPU per view: median {statistics.median(per_view) * 1000:.0f} ms "
          f"({', '.join(f'{v * 1000:.0f}' for v in per_view)} ms)")
    if frames:
        report("token step in the browser (the figure's slider)", *in_browser)
    report("Next (a server rerun)", *on_server)
    print(f"  Play: {rate:.1f} tokens per second")


if __name__ == "__main__":
    main()
