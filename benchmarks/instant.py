"""Issue 14's whole table in one run: page views, token steps, a lab preset and a class of 30.

Runs, on the same machine state and in this order, each benchmark's own script (each prints
its figures and its targets; see their docstrings for what they measure):

1. `page_views.py`: server CPU per view of every page before -> after, first screen, 6 and 30
   sessions' p50/p95, memory over a long run (pass `--quick` for fewer views);
2. `token_step.py`: a token step's latency and server CPU on the LSTM gates page, and Play;
3. `lab_in_browser.py`: a lab preset's time to its result in Chromium against headless
   (medians of 3 rounds), and another session's page view while it trains;
4. `load.py`: 30 students at the WebSocket level (27 browsing, 3 training) beside two
   Chromium tabs, and one student alone: page p50/p95, queue waits, server and worker CPU.

    RNN_EXPLAINER_DATA=/work/shared/data python benchmarks/instant.py [--quick]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PARTS = (("page views", "page_views.py"), ("token steps", "token_step.py"),
         ("a lab preset watched", "lab_in_browser.py"), ("a class of thirty", "load.py"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="page_views.py --quick")
    parser.add_argument("--page-views", default="--no-profile --repeats 3",
                        help="page_views.py's own options (py-spy profiles of the 'before' "
                             "pages make the run last an hour)")
    args = parser.parse_args()
    failed = []
    for title, script in PARTS:
        extra = ([*(["--quick"] if args.quick else []), *args.page_views.split()]
                 if script == "page_views.py" else [])
        began = time.monotonic()
        print(f"\n=== {title} ({script}) ===", flush=True)
        if subprocess.run([sys.executable, str(HERE / script), *extra]).returncode:
            failed.append(script)
        print(f"=== {title}: {time.monotonic() - began:.0f} s ===", flush=True)
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
