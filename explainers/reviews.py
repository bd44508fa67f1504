"""How a review becomes what a model reads: one input format, one `prepare`, the text checks.

A trained sentiment model reads ids made exactly as its training arrays were made
(`data.load_imdb`): the text tokenised by `data.tokenize`, `<START>` (1) first, each word's id
from the model's `Vocabulary` (`<UNK>` (2) when it has none), then cut and padded to `maxlen`
as `keras.utils.pad_sequences` does: `truncating="pre"` keeps a long review's end,
`padding="pre"` puts the `<PAD>` (0) steps before the words. The padded row comes from
`data.pad_ragged`, the very function that padded the training arrays.

`InputFormat.prepare` does all of it once and keeps what pages show: the tokens the model
sees, the words cut off, the unknown words. A model whose Embedding masks `<PAD>` skips the
padding, so it is fed the review's ids alone; one that does not mask reads the padded row.

Text from users is checked here too: an uploaded file must be a UTF-8 text of sensible size,
and a review must hold words the model knows. `BadReview` carries a `code` and its parameters
beside the English message, so a page can say it in another language.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from explainers import data
from explainers.data import Vocabulary
from explainers.i18n import N_, Explained

MAX_UPLOAD_BYTES = 1_000_000  # the longest IMDB review is ~14 KB; 1 MB is a short book
MAX_TEXT_CHARS = 200_000  # typed or pasted text beyond this is not a review
SIDES = ("pre", "post")  # pad_sequences' choices for padding and truncating

MESSAGES = {  # BadReview code -> the English message, filled with the error's parameters
    "empty_file": N_("The file is empty: there is no review in it."),
    "file_too_big": N_("The file is {size:,} bytes, over the limit of {limit_megabytes:.0f} MB "
                       "({limit:,} bytes); a review is a few KB. Upload one review, not a "
                       "collection."),
    "binary_file": N_("This looks like a binary file (an image, a PDF, a Word file...), not plain "
                   "text. Save the review as a .txt file and upload that."),
    "not_utf8": N_("The file is not UTF-8 text (byte {byte} cannot be read). Save it as UTF-8 "
                   "(in most editors: Save As → Encoding: UTF-8) and upload it again."),
    "control_characters": N_("This file is mostly control characters, not a review."),
    "too_long": N_("The text has {chars:,} characters; paste one review (under {limit:,} "
                "characters)."),
    "no_words": N_("There are no words in this text (only spaces, punctuation or markup), so "
                "there is nothing for the LSTM to read."),
    "no_known_words": N_("None of the {words} words is in the model's {vocabulary:,}-word "
                      "vocabulary, so the model would see only <UNK> tokens. Try an English "
                      "review."),
}


class BadReview(Explained, ValueError):
    """Text a page cannot use: `code` says why, `params` hold the numbers of the message."""

    def __init__(self, code: str, **params: Any):
        self.code = code
        super().__init__(MESSAGES[code], **params)


# --------------------------------------------------------------------------- text -> ids


def pad_row(ids, maxlen: int | None, padding: str = "pre", truncating: str = "pre"):
    """One review's ids cut and padded as `pad_sequences` (and so the training arrays) did:
    (maxlen,) int32, or the ids unchanged when maxlen is None."""
    ids = np.asarray(ids, dtype=np.int32)  # (steps,)
    return data.pad_ragged(ids, np.asarray([0, len(ids)]), maxlen, padding, truncating)[0]


@dataclass(frozen=True, eq=False)
class Prepared:
    """A review as one model reads it."""

    ids: np.ndarray  # (kept,) <START> and the word ids that survive truncation; no <PAD>
    tokens: tuple[str, ...]  # (kept,) the model's view of each id: <START>, <UNK>, words
    words: int  # words in the text
    unknown: int  # of which out of the vocabulary (<UNK>), counted over the whole text
    truncated: tuple[str, ...]  # the tokens cut off by maxlen, in text order
    row: np.ndarray  # (maxlen,) the ids padded/truncated as the training arrays were
    first: int  # row[first:last] is `ids`: where the review sits in the padded row
    last: int

    @property
    def real(self) -> slice:
        """The review's own steps in `row`."""
        return slice(self.first, self.last)

    @property
    def known(self) -> int:
        return self.words - self.unknown

    def for_model(self, masks_pads: bool) -> tuple[np.ndarray, slice]:
        """(the ids to feed, where the review's own steps sit in them): a model that masks
        <PAD> skips the pads, so it gets none; one that does not reads the padded row."""
        if masks_pads:
            return self.ids, slice(0, len(self.ids))
        return self.row, self.real


@dataclass(frozen=True)
class InputFormat:
    """How a model turns text into ids: its vocabulary and its training arrays' shape."""

    vocabulary: Vocabulary
    maxlen: int | None = None  # None: no cutting or padding
    padding: str = "pre"  # pad_sequences' default: the pads come before the words
    truncating: str = "pre"  # pad_sequences' default: a long review keeps its end

    def __post_init__(self) -> None:
        if self.padding not in SIDES or self.truncating not in SIDES:
            raise ValueError("padding and truncating must be 'pre' or 'post'")
        if self.maxlen is not None and self.maxlen < 1:
            raise ValueError("maxlen must be at least 1")

    @classmethod
    def of_imdb(cls, imdb: data.ImdbData) -> InputFormat:
        """The format of a model trained on these IMDB arrays."""
        config = imdb.config
        return cls(imdb.vocabulary, config.maxlen, config.padding, config.truncating)

    @classmethod
    def from_spec(cls, spec: dict, vocabulary: Vocabulary) -> InputFormat:
        """From a run's saved `data` settings (see `spec`)."""
        return cls(vocabulary, spec.get("maxlen"), spec.get("padding", "pre"),
                   spec.get("truncating", "pre"))

    def spec(self) -> dict:
        """The settings a run saves beside its vocabulary file (JSON-ready)."""
        return {"num_words": self.vocabulary.num_words,
                "index_from": self.vocabulary.index_from, "maxlen": self.maxlen,
                "padding": self.padding, "truncating": self.truncating}

    def prepare(self, text: str) -> Prepared:
        """Tokenise and encode a review as training did, once; see the module docstring."""
        words = data.tokenize(text)
        ids = np.asarray(data.encode_tokens(words, self.vocabulary), np.int32)  # (1 + words,)
        unknown = int(np.count_nonzero(ids[1:] == data.UNK))
        row = pad_row(ids, self.maxlen, self.padding, self.truncating)  # (maxlen,)
        kept = len(row) if self.maxlen is None else min(len(ids), self.maxlen)
        cut = len(ids) - kept
        truncated: tuple[str, ...] = ()
        if cut and self.truncating == "pre":  # pad_sequences drops the start, <START> too
            truncated = ("<START>", *words)[:cut]
        elif cut:
            truncated = tuple(words[len(words) - cut:])
        first = len(row) - kept if self.padding == "pre" else 0
        kept_ids = row[first:first + kept].copy()  # (kept,)
        tokens = tuple(self.vocabulary.token_of(int(i)) for i in kept_ids)
        return Prepared(kept_ids, tokens, len(words), unknown, truncated, row, first,
                        first + kept)


# --------------------------------------------------------------------------- checking input


def review_from_upload(payload: bytes) -> str:
    """The text of an uploaded .txt file, or BadReview: empty, huge, binary, not UTF-8."""
    if not payload or not payload.strip():
        raise BadReview("empty_file")
    if len(payload) > MAX_UPLOAD_BYTES:
        raise BadReview("file_too_big", size=len(payload), limit=MAX_UPLOAD_BYTES,
                        limit_megabytes=MAX_UPLOAD_BYTES / 1e6)
    if b"\x00" in payload[:65536]:
        raise BadReview("binary_file")
    try:
        text = payload.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise BadReview("not_utf8", byte=error.start) from error
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\n\r\t")
    if controls > 0.05 * len(text):
        raise BadReview("control_characters")
    return text


def check_review(text: str, form: InputFormat) -> Prepared:
    """The review prepared for the model, or BadReview when there is nothing to trace: far
    too long, no words, or none the model knows."""
    if len(text) > MAX_TEXT_CHARS:
        raise BadReview("too_long", chars=len(text), limit=MAX_TEXT_CHARS)
    review = form.prepare(text)
    if not review.words:
        raise BadReview("no_words")
    if not review.known:
        raise BadReview("no_known_words", words=review.words,
                        vocabulary=form.vocabulary.size)
    return review
