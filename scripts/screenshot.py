"""Take the README's screenshot: the LSTM gates page in headless Debian Chromium.

    python scripts/screenshot.py   # writes assets/screenshot.png
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import browser  # noqa: E402

TARGET = ROOT / "assets" / "screenshot.png"
PAGE_TITLE = "LSTM gates, token by token · 门控"


def main() -> None:
    with browser.running_app() as url, browser.chromium(1400, 1000) as page:
        page.goto(url)
        browser.wait_for_app(page, 120_000)
        page.locator("[data-testid='stSidebar']").get_by_text(PAGE_TITLE, exact=True).click()
        page.get_by_role("heading", name="Inside the LSTM").first.wait_for(timeout=120_000)
        browser.wait_for_app(page, 120_000)
        page.screenshot(path=str(TARGET))
    print(f"wrote {TARGET}")


if __name__ == "__main__":
    main()
