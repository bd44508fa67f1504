"""User text echoed back inside Markdown, made inert: the one helper every echo goes through.

A word typed, a review, a prompt, a file name, an error's details: shown as the characters they
are, never as Markdown (an image that makes the reader's browser fetch an address, a link,
LaTeX, emphasis) nor HTML. Pages call it as `ui.inert`; `i18n.explain` passes every value of a
translated error through it.

Escaping is not enough for one thing: Streamlit's Markdown (GitHub's flavour) turns a bare
`http://...`, `www.x.y` or `name@host.z` in plain text into a live link after the escapes are
read, so a typed address became a link to click. An invisible word joiner (U+2060) inside each
such pattern keeps it text; the reader sees the same characters (tests/test_hostile_browser.py
proves it in the browser).
"""

from __future__ import annotations

import re

MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")  # every ASCII punctuation mark
ECHO_LIMIT = 200  # characters of user text echoed back in a message
WORD_JOINER = "\u2060"  # zero width, no break: splits a text without showing
AUTOLINK = re.compile(r"(?<=:)(?=//)|(?<=www)(?=\.)|(?<=@)", re.IGNORECASE)  # where GFM's
# autolink literals (scheme://, www., an e-mail's @) would start: a word joiner goes there


def inert(text: str, limit: int = ECHO_LIMIT) -> str:
    """User text made safe to echo inside Markdown (st.markdown, st.warning, st.error...).

    Every ASCII punctuation mark is backslash-escaped, so no image, link, HTML tag, LaTeX
    ($), emoji shortcode, emphasis or heading can form; a word joiner breaks every would-be
    bare link; line breaks become spaces. The reader sees exactly the characters that were
    typed, cut to `limit`.
    """
    text = " ".join(str(text).split())
    if len(text) > limit:
        text = text[:limit] + "…"
    return MARKDOWN_PUNCTUATION.sub(r"\\\1", AUTOLINK.sub(WORD_JOINER, text))


def visible(markdown: str) -> str:
    """What a reader sees of Markdown that `inert` made: the escapes read, the word joiners
    invisible (tests compare it with the text that was typed)."""
    return re.sub(r"\\(.)", r"\1", markdown).replace(WORD_JOINER, "")
