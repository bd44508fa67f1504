"""The running app in headless Debian Chromium: every page opens, projector mode works.

Needs Debian's Chromium (`apt-get install chromium`); without it these tests skip on a
developer's machine and fail in CI. Screenshots land in screenshots/ for a person to look at.
"""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from conftest import ROOT, skip_or_fail

from benchmarks import browser
from lessons import ui

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SHOTS = ROOT / "screenshots"
PAGE_TIMEOUT_MS = 120_000  # a page that imports TensorFlow on a busy 2-core machine


@pytest.fixture(scope="module")
def page():
    if browser.chromium_path() is None:
        skip_or_fail("Chromium not found: apt-get install chromium")
    SHOTS.mkdir(exist_ok=True)
    with browser.running_app() as url, browser.chromium() as tab:
        tab.goto(url)
        browser.wait_for_app(tab, PAGE_TIMEOUT_MS)
        tab.base_url = url
        yield tab


def _errors(tab) -> list[str]:
    return tab.locator("[data-testid='stException']").all_inner_texts()


def test_home_shows_lessons_and_resources(page):
    page.get_by_role("heading", name="RNN Explainer").first.wait_for()
    main = page.locator("[data-testid='stMain']")
    for lesson in ui.lessons():  # page links are drawn once the navigation has reached the page
        main.get_by_role("link", name=lesson.title).wait_for(timeout=10_000)
    assert "On this machine now" in main.inner_text() and _errors(page) == []
    page.screenshot(path=str(SHOTS / "home.png"))


@pytest.mark.parametrize("lesson", ui.lessons(), ids=lambda lesson: lesson.path)
def test_every_lesson_opens_without_an_error(page, lesson):
    before = page.locator("h1").first.inner_text()
    page.locator("[data-testid='stSidebar']").get_by_text(lesson.title, exact=True).click()
    page.wait_for_url(  # the address, whatever query the page writes after it
        lambda url: urlparse(url).path.endswith(f"/{ui.url_path(lesson)}"),
        timeout=PAGE_TIMEOUT_MS)
    page.wait_for_function(  # the new page's own title has replaced the old one
        "old => { const h = document.querySelector('h1'); return h && h.innerText !== old; }",
        arg=before, timeout=PAGE_TIMEOUT_MS,
    )
    browser.wait_for_app(page, PAGE_TIMEOUT_MS)
    assert _errors(page) == [], f"{lesson.path} shows an exception"
    assert page.locator(".st-key-notice").count() == 1  # the closing "what to notice" note
    page.screenshot(path=str(SHOTS / f"{lesson.path.split('/')[-1][:-3]}.png"))


def test_a_direct_visit_to_a_lesson_url_keeps_the_apps_navigation(page):
    lesson = ui.lessons()[-1]
    page.goto(f"{page.base_url}/{ui.url_path(lesson)}")
    browser.wait_for_app(page, PAGE_TIMEOUT_MS)
    sidebar = page.locator("[data-testid='stSidebar']")
    sidebar.get_by_text(lesson.title, exact=True).wait_for()
    # app.py ran, not the page alone: its sidebar toggle comes (a moment after the list)
    sidebar.get_by_text("Projector mode").wait_for(timeout=PAGE_TIMEOUT_MS)


def test_projector_mode_makes_the_text_bigger(page):
    page.goto(page.base_url)
    browser.wait_for_app(page, PAGE_TIMEOUT_MS)
    heading = page.get_by_role("heading", name="RNN Explainer").first

    def size() -> float:
        return float(heading.evaluate("e => parseFloat(getComputedStyle(e).fontSize)"))

    before = size()
    page.get_by_text("Projector mode").click()
    page.wait_for_function(
        f"() => {{ const h = document.querySelector('h1');"  # the rerun redraws the title
        f" return h && parseFloat(getComputedStyle(h).fontSize) > {before}; }}",
        timeout=PAGE_TIMEOUT_MS,
    )
    assert size() > before * 1.1
    page.screenshot(path=str(SHOTS / "home-projector.png"))
    page.get_by_text("Projector mode").click()  # leave it as it was for other tests
