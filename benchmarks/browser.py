"""Start the app with `streamlit run` and drive it in Debian's headless Chromium.

Shared by the browser tests and the first-screen benchmark. Playwright only drives the
browser; it never downloads one (`executable_path` points at the system's Chromium).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
CHROMIUM_ARGS = [  # as root, in a sandbox with no network but loopback
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
SERVER_START_TIMEOUT = 60.0  # seconds; a cold start with a busy CPU can be slow
DEFAULT_FLAGS = {  # flag -> value; a caller's extra_args naming the same flag replace it
    "--server.fileWatcherType": "none",  # tests and benchmarks never edit the app's files
}


def chromium_path() -> str | None:
    """Debian's Chromium if it is installed (apt-get install chromium)."""
    for candidate in CHROMIUM_CANDIDATES:
        if Path(candidate).is_file():
            return candidate
    return shutil.which("chromium")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_command(port: int, extra_args: Sequence[str] = ()) -> list[str]:
    """The `streamlit run` command line; `extra_args` (flag, value, ...) come last and replace
    a default flag of the same name (`--server.fileWatcherType auto` for reload-on-save)."""
    named = set(extra_args[::2])
    defaults = [part for flag, value in DEFAULT_FLAGS.items() if flag not in named
                for part in (flag, value)]
    return [
        sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
        "--server.port", str(port), "--server.address", "127.0.0.1",
        "--server.headless", "true", "--browser.gatherUsageStats", "false",
        *defaults, *extra_args,
    ]


def start_server(
    port: int, env: dict[str, str] | None = None, extra_args: Sequence[str] = (),
) -> subprocess.Popen:
    """`streamlit run app.py` on 127.0.0.1:port, headless, without waiting for it."""
    return subprocess.Popen(
        server_command(port, extra_args), cwd=ROOT, env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def wait_until_healthy(port: int, timeout: float = SERVER_START_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    url = f"http://127.0.0.1:{port}/_stcore/health"
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"streamlit did not answer on port {port} within {timeout} s")


@dataclass(frozen=True)
class Server:
    url: str  # http://127.0.0.1:port
    pid: int  # the streamlit process (its CPU and memory are what benchmarks read)


@contextmanager
def running_server(env: dict[str, str] | None = None, extra_args: Sequence[str] = ()):
    """Yield a running app as a `Server` (its URL and process id); stop it afterwards."""
    port = free_port()
    server = start_server(port, env, extra_args)
    try:
        wait_until_healthy(port)
        yield Server(f"http://127.0.0.1:{port}", server.pid)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


@contextmanager
def running_app(env: dict[str, str] | None = None, extra_args: Sequence[str] = ()):
    """Yield the base URL of a running app; stop it afterwards."""
    with running_server(env, extra_args) as server:
        yield server.url


@contextmanager
def chromium_browser():
    """Yield headless Debian Chromium (a Playwright Browser): a new context per visitor."""
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    if executable is None:
        raise FileNotFoundError("Chromium not found: apt-get install chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def chromium(width: int = 1400, height: int = 900):
    """Yield a Playwright page in headless Debian Chromium."""
    with chromium_browser() as browser:
        yield browser.new_page(viewport={"width": width, "height": height})


FINISHED = """() => {
  const main = document.querySelector("[data-testid='stMain']");
  if (!main) return false;
  const ended = main.querySelector(".st-key-notice")
    || main.querySelector("[data-testid='stException']");
  return ended && !document.querySelector("[data-testid='stStatusWidget']");
}"""  # every page ends with its "What to notice" note (ui.notice), in either language


def wait_for_app(page, timeout_ms: int = 60_000) -> None:
    """Wait until the page's script has drawn its closing note (or an error) and stopped."""
    page.wait_for_function(FINISHED, timeout=timeout_ms)
