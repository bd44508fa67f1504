"""lessons/echo.py: user text echoed inside Markdown stays text (the browser proof is
tests/test_hostile_browser.py; these are the fast checks of the helper itself)."""

from __future__ import annotations

import re

import pytest

from lessons.echo import ECHO_LIMIT, WORD_JOINER, inert, visible

# GitHub-flavoured Markdown's autolink literals, as mdast-util-gfm-autolink-literal finds them
# in text after the escapes are read (the reference: what Streamlit's Markdown would link)
GFM_URL = re.compile(r"(https?://|ftp://|www(?=\.))([-.\w]+)", re.IGNORECASE)
GFM_EMAIL = re.compile(r"([-.\w+]+)@([-\w]+(?:\.[-\w]+)+)")
TYPED = [
    "see http://127.0.0.1:9/x.png now", "HTTPS://Example.com/a?b=c", "ftp://files.example",
    "www.example.com", "WWW.Example.org/path", "mail me@example.com", "a@b.c@d.e",
    "![x](http://127.0.0.1:9/x.png)", "[click](https://e.vil)", "<https://e.vil>",
    "<img src=x onerror=alert(1)>", "$$\\frac{1}{0}$$", ":smile: :red[x] **b** _i_ `c`",
    "电影很好看 🎬", "plain words", "",
]


@pytest.mark.parametrize("typed", TYPED)
def test_an_echo_reads_as_typed_and_links_nothing(typed):
    made = inert(typed)
    read = visible(made)  # what the reader sees
    assert read == " ".join(typed.split())
    text_after_escapes = re.sub(r"\\(.)", r"\1", made)  # what Markdown's autolinker scans
    assert not GFM_URL.search(text_after_escapes) and not GFM_EMAIL.search(text_after_escapes)
    unescaped = re.sub(r"\\[!-/:-@\[-`{-~]", "", made)  # the escaped marks taken out
    assert not re.search(r"[!-/:-@\[-`{-~]", unescaped)  # every ASCII mark was escaped


def test_the_word_joiner_goes_only_where_a_link_would_start():
    assert WORD_JOINER not in inert("a: b // c www d, good film")
    for typed in ("x://y", "www.y", "a@b"):
        assert inert(typed).count(WORD_JOINER) == 1, typed


def test_a_long_echo_is_cut_and_one_line():
    made = inert("word\n" * 1_000)
    assert "\n" not in made and visible(made).endswith("…")
    assert len(visible(made)) == ECHO_LIMIT + 1
