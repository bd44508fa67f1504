"""Where a review comes from: an IMDB test review (with its true label), typed text, or an
uploaded .txt file; each failure is said on the page, never raised.

The IMDB reviews are `ui.imdb_reviews` (one copy per server); an upload is checked by
`reviews.review_from_upload`, and its file name is echoed inert.
"""

from __future__ import annotations

import streamlit as st

from explainers import reviews
from lessons import ui

SOURCES = ("IMDB test review", "Type or paste", "Upload a .txt")
EXAMPLE = ("I expected a dull remake, but this film surprised me. The acting is wonderful and "
           "the story is moving, even if the ending drags a little. Not perfect, but I loved "
           "it.")  # typed-in text to start from, and the stand-in when IMDB is missing
FIRST_REVIEW = 7  # the test review shown first: a clear, mid-length one


def choose_review(prefix: str, example: str = EXAMPLE) -> tuple[str, int | None] | None:
    """(review text, true label or None), or None after saying what is wrong. Without the
    IMDB data the example stands in. Widget keys: {prefix}_source, _review, _text, _upload."""
    source = st.radio("Review · 影评", SOURCES, horizontal=True, key=f"{prefix}_source")
    if source == SOURCES[0]:
        loaded = ui.available(ui.imdb_reviews, "test")
        if loaded is None:
            st.caption("Showing the example review instead.")
            return example, None
        texts, labels = loaded
        index = int(st.number_input(f"Test review number (0–{len(texts) - 1:,})", 0,
                                    len(texts) - 1, min(FIRST_REVIEW, len(texts) - 1),
                                    key=f"{prefix}_review"))
        label = int(labels[index])
        st.caption(f"True label: **{'positive 👍' if label else 'negative 👎'}**")
        return texts[index], label
    if source == SOURCES[1]:
        return st.text_area("Your review (English)", example, height=110,
                            key=f"{prefix}_text"), None
    upload = st.file_uploader("A review as a plain-text file", type=["txt"],
                              key=f"{prefix}_upload")
    if upload is None:
        st.info("Upload a .txt file holding one review (UTF-8, under "
                f"{reviews.MAX_UPLOAD_BYTES / 1e6:.0f} MB).")
        return None
    try:
        return reviews.review_from_upload(upload.getvalue()), None
    except reviews.BadReview as error:
        st.error(f"**{ui.inert(upload.name)}**: {error}")
        return None
