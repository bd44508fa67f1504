"""How much of a page a Chinese reader reads in Chinese, measured on an AppTest run.

The text elements counted are the ones a reader reads: markdown, captions, titles and headers,
alerts, metric labels, widget labels, tab and expander labels. Left out: elements with no
letters at all (a number, a formula), HTML blocks drawn from data (a review's coloured tokens,
a generated text: the data's own language) and the projector's style sheet.

A text counts as Chinese when it has at least as many Chinese characters as English words, so
a Chinese sentence naming `model.summary()` or "LSTM" counts, and an English sentence behind a
Chinese tag ("What to notice · 注意 — ...") does not.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from streamlit.testing.v1 import AppTest

LINK_ICON = "🔗"  # lessons/links.py's note on values a link could not give carries this icon

CJK = re.compile(r"[\u3400-\u9fff]")
LETTERS = re.compile(r"[A-Za-z\u3400-\u9fff]")
WORD = re.compile(r"[A-Za-z]{2,}")
PROSE_KINDS = ("markdown", "caption", "title", "header", "subheader", "info", "warning", "error",
               "success", "exception")
LABELLED_KINDS = ("metric", "button", "selectbox", "radio", "slider", "select_slider",
                  "number_input", "text_input", "text_area", "toggle", "checkbox", "multiselect",
                  "tabs", "expander", "color_picker", "date_input", "time_input")


def text_elements(at) -> list[str]:
    """Every counted text of the page's last run (main area and sidebar)."""
    texts: list[str] = []
    for kind in PROSE_KINDS:
        for element in getattr(at, kind, []):
            if kind == "markdown" and getattr(element.proto, "allow_html", False) \
                    and element.value.lstrip().startswith("<"):
                continue  # an HTML block drawn from data, or the projector's style sheet
            texts.append(str(element.value))
    for kind in LABELLED_KINDS:
        for element in getattr(at, kind, []):
            label = getattr(element, "label", None)
            if label:
                texts.append(str(label))
    return [text for text in texts if LETTERS.search(text)]


def is_chinese(text: str) -> bool:
    chinese = len(CJK.findall(text))
    return chinese > 0 and chinese >= len(WORD.findall(text))


def chinese_share(at) -> tuple[float, list[str]]:
    """(share of counted texts that are Chinese, the texts that are not)."""
    texts = text_elements(at)
    english = [text for text in texts if not is_chinese(text)]
    return (1 - len(english) / len(texts)) if texts else 1.0, english


def open_link(page: str | Path, query: Mapping[str, str] | None = None,
              lang: str | None = "en", timeout: float = 240) -> AppTest:
    """A page script opened alone from a link with `query` (and `lang`), run once."""
    at = AppTest.from_file(str(page), default_timeout=timeout)
    for name, value in (({"lang": lang} if lang else {}) | dict(query or {})).items():
        at.query_params[name] = value
    return at.run()


def link_notes(at: AppTest) -> list[str]:
    """The page's notes about its link (values it could not read, a run it lacks)."""
    return [info.value for info in at.info if info.proto.icon == LINK_ICON]
