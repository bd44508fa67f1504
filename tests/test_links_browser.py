"""Links and languages in the running app (headless Debian Chromium): a shared link opens the
same view for a new visitor, also as the very first visit of a freshly started server, with
no "Page not found" dialog; the language survives a reload and a page change; a link with
garbage values opens the defaults with a short note.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlparse

import pytest
from conftest import skip_or_fail
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from benchmarks import browser
from lessons import ui

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PAGE_TIMEOUT_MS = 180_000  # a page that imports TensorFlow on a busy 2-core machine
DIALOG = "[role='dialog']"
# page address -> a link's query (besides lang): each value differs from the page's default
EXAMPLES: dict[str, dict[str, str]] = {
    "": {"projector": "1"},
    "from-text-to-numbers": {"source": "text", "text": "A good film", "padding": "pre",
                             "maxlen": "64", "chars": "First"},
    "why-embeddings": {"dim": "32", "word": "plot", "compare": "king queen banana"},
    "glove-explorer": {"view": "map", "word": "paris", "k": "7"},
    "learned-embeddings": {"model": "shipped", "words": "awful,great", "map": "200"},
    "transfer-learning": {"source": "glove", "body": "lstm", "reviews": "2000", "epochs": "5"},
    "why-word-order-matters": {"review": "194", "seed": "5"},
    "sentiment-lab-train-live": {"preset": "SimpleRNN done right", "epochs": "2",
                                 "units": "16"},
    "inside-a-simplernn": {"sentence": "I did not like it at all", "seed": "7", "t": "4"},
    "parameter-counts": {"model": "bilstm"},
    "one-lstm-step-by-hand": {"sentence": "I did not like it at all", "x": "4", "h": "2",
                              "seed": "7", "t": "4"},
    "lstm-gates-token-by-token": {"model": "shipped", "source": "imdb", "review": "24",
                                  "step": "60", "unit": "5"},
    "char-rnn-on-shakespeare": {"prompt": "JULIET:\nO Romeo", "temp": "1.2", "len": "200",
                                "seed": "7"},
    "train-a-char-rnn": {"cell": "lstm", "units": "64", "stateful": "1", "epochs": "3"},
    "glossary-lesson-numbers": {"term": "遗忘门"},
    "the-lesson-s-mistakes": {"open": "embedding,lstm_formula", "review": "7", "batch": "5"},
}
assert {path for path in EXAMPLES if path} == {ui.url_path(lesson) for lesson in ui.lessons()}


@pytest.fixture(scope="module")
def server():
    if browser.chromium_path() is None:
        skip_or_fail("Chromium not found: apt-get install chromium")
    with browser.running_app() as url, browser.chromium_browser() as chromium:
        yield url, chromium


def visit(chromium, address: str, locale: str = "en-US"):
    """A new visitor (fresh browser context, browser language `locale`) opens `address`;
    returns the tab once drawn."""
    tab = chromium.new_context(viewport={"width": 1400, "height": 900},
                               locale=locale).new_page()
    tab.goto(address)
    browser.wait_for_app(tab, PAGE_TIMEOUT_MS)
    tab.wait_for_timeout(500)  # the address bar is rewritten right after the run
    return tab


def query_of(tab) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlparse(tab.url).query).items()}


def link(base: str, path: str, params: dict[str, str]) -> str:
    return f"{base}/{path}?{urlencode(params)}"


@pytest.mark.parametrize("path", list(EXAMPLES), ids=lambda path: path or "home")
def test_a_shared_link_opens_the_same_view_for_a_new_visitor(server, path):
    base, chromium = server
    wanted = {"lang": "zh", **EXAMPLES[path]}
    tab = visit(chromium, link(base, path, wanted))
    try:
        assert tab.locator(DIALOG).count() == 0
        assert tab.locator("[data-testid='stException']").count() == 0
        shown = query_of(tab)  # the page writes back what its widgets hold
        assert {key: shown.get(key) for key in wanted} == wanted
        assert "注意" in tab.locator(".st-key-notice").inner_text()  # and it reads Chinese
    finally:
        tab.context.close()


def test_the_language_survives_a_reload_and_a_page_change(server):
    base, chromium = server
    tab = visit(chromium, base)
    try:
        heading = tab.get_by_role("heading", name="RNN Explainer · 循环神经网络图解")
        for _attempt in range(3):  # a click during a rerun of a busy server can be dropped
            tab.locator("[data-testid='stSidebar']").get_by_text("中文", exact=True).click()
            try:
                heading.wait_for(timeout=PAGE_TIMEOUT_MS // 3)
                break
            except PlaywrightTimeout:
                tab.screenshot(path=str(browser.ROOT / "screenshots" / "language-click.png"))
        heading.wait_for(timeout=1_000)
        browser.wait_for_app(tab, PAGE_TIMEOUT_MS)
        tab.wait_for_url("**lang=zh**", timeout=10_000)
        tab.reload()
        browser.wait_for_app(tab, PAGE_TIMEOUT_MS)
        heading.wait_for(timeout=PAGE_TIMEOUT_MS)
        glossary = next(lesson for lesson in ui.lessons() if lesson.path == "lessons/glossary.py")
        tab.locator("[data-testid='stSidebar']").get_by_text("术语表与课程数字").click()
        tab.wait_for_url(f"**/{ui.url_path(glossary)}**", timeout=PAGE_TIMEOUT_MS)
        tab.get_by_role("heading", name="术语表与课程数字").wait_for(timeout=PAGE_TIMEOUT_MS)
        browser.wait_for_app(tab, PAGE_TIMEOUT_MS)
        tab.wait_for_url("**lang=zh**", timeout=10_000)  # written back after the run
    finally:
        tab.context.close()


def test_a_chinese_browser_opens_in_chinese_unless_the_link_says_otherwise(server):
    base, chromium = server
    tab = visit(chromium, base, locale="zh-CN")
    try:
        tab.get_by_role("heading", name="RNN Explainer · 循环神经网络图解").wait_for()
        tab.wait_for_url("**lang=zh**", timeout=10_000)
    finally:
        tab.context.close()
    tab = visit(chromium, f"{base}/?lang=en", locale="zh-CN")
    try:
        tab.get_by_role("heading", name="RNN Explainer · Recurrent networks, explained"
                        ).wait_for()
    finally:
        tab.context.close()


def test_a_link_with_garbage_opens_the_defaults_with_a_note(server):
    base, chromium = server
    garbage = {"lang": "klingon", "projector": "maybe", "term": "x" * 500}
    tab = visit(chromium, link(base, "glossary-lesson-numbers", garbage))
    try:
        main = tab.locator("[data-testid='stMain']")
        assert "could not be read" in main.inner_text()
        assert tab.locator("[data-testid='stException']").count() == 0
        assert query_of(tab).get("term") is None and query_of(tab)["lang"] == "en"
    finally:
        tab.context.close()


def test_a_link_is_clean_as_the_first_visit_of_a_fresh_server(server):
    """streamlit#8860: the first session of a new server showed 'Page not found' over a page
    opened by its address (fixed by keeping the scripts out of a folder called pages/)."""
    chromium = server[1]
    lesson = next(lesson for lesson in ui.lessons() if lesson.path == "lessons/glossary.py")
    with browser.running_app() as base:  # a second, fresh server: nobody has visited it
        tab = visit(chromium, link(base, ui.url_path(lesson), {"lang": "zh", "term": "门"}))
        tab.wait_for_timeout(1_000)
        assert tab.locator(DIALOG).count() == 0
        assert query_of(tab)["term"] == "门"
        tab.get_by_role("heading", name="术语表与课程数字").wait_for()
