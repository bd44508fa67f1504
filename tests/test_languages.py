"""Every page in both languages under AppTest, run through app.py: no exception, and in
Chinese mode at least 90 % of the text a reader reads is Chinese (tests/language.py)."""

from __future__ import annotations

import pytest
from conftest import ROOT
from language import chinese_share
from streamlit.testing.v1 import AppTest

from lessons import ui

PAGES = ["lessons/home.py", *(lesson.path for lesson in ui.lessons())]
CHINESE_SHARE = 0.90  # the bar: a Chinese reader meets almost no English
TIMEOUT = 240  # a page that imports TensorFlow and traces a review on a busy 2-core machine


def render(path: str, lang: str) -> AppTest:
    """The page as the app shows it (app.py: sidebar, navigation, then the page)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.query_params["lang"] = lang
    at.run()
    if path != "lessons/home.py":
        at.switch_page(path).run()
    return at


@pytest.mark.slow
@pytest.mark.parametrize("path", PAGES, ids=lambda path: path.split("/")[-1][:-3])
def test_a_page_reads_in_chinese(path):
    at = render(path, "zh")
    assert not at.exception, at.exception
    share, english = chinese_share(at)
    assert share >= CHINESE_SHARE, f"{share:.0%} Chinese; English texts:\n" + "\n".join(
        text[:90] for text in english)


@pytest.mark.slow
@pytest.mark.parametrize("path", PAGES, ids=lambda path: path.split("/")[-1][:-3])
def test_a_page_reads_in_english(path):
    at = render(path, "en")
    assert not at.exception, at.exception
    assert chinese_share(at)[0] < 0.5  # English mode is English (Chinese terms aside)
