"""User text echoed back inside Markdown, made inert: the one helper every echo goes through.

A word typed, a review, a prompt, a file name, an error's details: shown as the characters they
are, never as Markdown (an image that makes the reader's browser fetch an address, a link,
LaTeX, emphasis) nor HTML. Pages call it as `ui.inert`; `i18n.explain` passes every value of a
translated error through it.
"""

from __future__ import annotations

import re

MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")  # every ASCII punctuation mark
ECHO_LIMIT = 200  # characters of user text echoed back in a message


def inert(text: str, limit: int = ECHO_LIMIT) -> str:
    """User text made safe to echo inside Markdown (st.markdown, st.warning, st.error...).

    Every ASCII punctuation mark is backslash-escaped, so no image, link, HTML tag, LaTeX
    ($), emoji shortcode, emphasis or heading can form, and line breaks become spaces; the
    reader sees exactly the characters that were typed, cut to `limit`.
    """
    text = " ".join(str(text).split())
    if len(text) > limit:
        text = text[:limit] + "…"
    return MARKDOWN_PUNCTUATION.sub(r"\\\1", text)
