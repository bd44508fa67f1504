"""Where a review comes from: an IMDB test review (with its true label), typed text, or an
uploaded .txt file; each failure is said on the page, never raised.

The IMDB reviews are `ui.imdb_reviews` (one copy per server); an upload is checked by
`reviews.review_from_upload`, and its file name is echoed inert. The source is a stable code
(`SOURCES`), so a link (`link_fields`) names it the same way in both languages; its labels
are translated once per run (a `format_func` may be called outside the run, by AppTest).
"""

from __future__ import annotations

import streamlit as st

from explainers import reviews
from lessons import links, ui
from lessons.i18n import N_, _, explain

SOURCES = {"imdb": N_("IMDB test review"), "text": N_("Type or paste"),
           "upload": N_("Upload a .txt")}  # code (widget value, link) -> label
EXAMPLE = ("I expected a dull remake, but this film surprised me. The acting is wonderful and "
           "the story is moving, even if the ending drags a little. Not perfect, but I loved "
           "it.")  # typed-in text to start from, and the stand-in when IMDB is missing
FIRST_REVIEW = 7  # the test review shown first: a clear, mid-length one
LAST_LINKED_REVIEW = 24_999  # IMDB's test split holds 25,000; a smaller copy clamps the number
LINKED_TEXT = 2_000  # typed characters a link carries: a long review, a URL browsers accept


def link_fields(prefix: str) -> tuple[links.Field, ...]:
    """The source, the test review's number and the typed text, as a page's link fields."""
    return (links.choice("source", f"{prefix}_source", tuple(SOURCES)),
            links.number("review", f"{prefix}_review", 0, LAST_LINKED_REVIEW),
            links.text("text", f"{prefix}_text", LINKED_TEXT))


def verdict(label: int) -> str:
    """A sentiment label in words, with its thumb."""
    return _("positive 👍") if label else _("negative 👎")


def choose_review(prefix: str, example: str = EXAMPLE,
                  first: int = FIRST_REVIEW) -> tuple[str, int | None] | None:
    """(review text, true label or None), or None after saying what is wrong. Without the
    IMDB data the example stands in; `first` is the test review shown first. Widget keys:
    {prefix}_source, _review, _text, _upload."""
    source = st.radio(_("Review"), tuple(SOURCES), horizontal=True, key=f"{prefix}_source",
                      format_func={code: _(label) for code, label in SOURCES.items()}.get)
    if source == "imdb":
        loaded = ui.available(ui.imdb_reviews, "test")
        if loaded is None:
            st.caption(_("Showing the example review instead."))
            return example, None
        texts, labels = loaded
        number_key, last = f"{prefix}_review", len(texts) - 1
        if st.session_state.get(number_key, 0) > last:  # a link to a review this copy lacks
            st.session_state[number_key] = last
        index = int(st.number_input(_("Test review number (0–{last:,})", last=last), 0, last,
                                    min(first, last), key=number_key))
        label = int(labels[index])
        st.caption(_("True label: **{verdict}**", verdict=verdict(label)))
        return texts[index], label
    if source == "text":
        text = st.text_area(_("Your review (English)"), example, height=110,
                            key=f"{prefix}_text")
        if len(text) > LINKED_TEXT:
            st.caption(_("A link to this view carries typed text up to {limit:,} characters; "
                         "this one has {n:,}, so a link opens the example instead.",
                         limit=LINKED_TEXT, n=len(text)))
        return text, None
    upload = st.file_uploader(_("A review as a plain-text file"), type=["txt"],
                              key=f"{prefix}_upload")
    if upload is None:
        st.info(_("Upload a .txt file holding one review (UTF-8, under {megabytes:.0f} MB).",
                  megabytes=reviews.MAX_UPLOAD_BYTES / 1e6))
        return None
    try:
        return reviews.review_from_upload(upload.getvalue()), None
    except reviews.BadReview as error:
        st.error(f"**{ui.inert(upload.name)}**: {explain(error)}")
        return None
