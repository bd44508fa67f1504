"""Take the README's screenshot: the LSTM gates page in Chinese, in headless Debian Chromium.

    python scripts/screenshot.py   # writes assets/screenshot.png

It opens the page by a link (`?lang=zh`), as a teacher's student would.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import browser  # noqa: E402
from lessons import ui  # noqa: E402

TARGET = ROOT / "assets" / "screenshot.png"
GATES = next(lesson for lesson in ui.lessons() if lesson.path == "lessons/lstm_gates.py")
QUERY = "lang=zh"  # the lesson's readers read Chinese first


def main() -> None:
    with browser.running_app() as url, browser.chromium(1400, 1000) as page:
        page.goto(f"{url}/{ui.url_path(GATES)}?{QUERY}")
        browser.wait_for_app(page, 180_000)
        page.wait_for_timeout(1_000)
        page.screenshot(path=str(TARGET))
    print(f"wrote {TARGET}")


if __name__ == "__main__":
    main()
