"""A char-RNN on your own text: check an uploaded file, keep it, and plan a live training.

As Karpathy's char-rnn trains on any text file, the char page trains on one you upload, in
any language: its distinct characters are the vocabulary (a Chinese text's thousands of
characters too). `read_upload(payload)` accepts UTF-8 text only and says clearly why it
refuses a file (`OwnTextError`, an `Explained` error with a code): empty, too large, binary,
not UTF-8, too short to learn from, or too many distinct characters. `keep(text)` writes the
text once to the disk cache (named by its hash), so the live training's work function reads
it itself, as `chartrain.train_live` reads Shakespeare (a worker process could too).

`plan(path, text, model, train)` makes that work's `chartrain.LiveSpec`: the held-out share
grows from 5 % to what one batch of windows needs on a short text (up to 20 %), so every
epoch reports a held-out loss, and the per-epoch samples start from the text's own first
characters.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

from explainers import chargen, chartrain, paths
from explainers.i18n import N_, Explained

MAX_BYTES = 2_000_000  # 2 MB: ~2 million Latin or ~670,000 Chinese characters; the server's
# upload limit (.streamlit/config.toml, 5 MB) is above it, so this message is the one seen
MIN_CHARS = 2_000  # below this no setting gives a batch to train on and one to hold out
MAX_ALPHABET = 3_000  # distinct characters: a Chinese novel uses 2,000-3,000; each one is a
# row of the embedding and an output the model chooses among at every step
MAX_HELD_OUT = 0.2  # a short text may hold out up to a fifth of itself for one batch
CONTROLS = 0.01  # share of control characters (not tab or newline) past which it is binary
PROMPT_CHARS = 8  # the per-epoch samples start from the text's first characters
FOLDER = "own_texts"  # under the disk cache: uploaded texts, by their hash

MESSAGES = {  # OwnTextError code -> the English message, filled with its parameters
    "empty": N_("The file is empty: there is no text to learn from."),
    "too_large": N_("The file is {size:,} bytes, over the limit of {limit_megabytes:.0f} MB "
                    "({limit:,} bytes; a char model on this server learns from far less). "
                    "Upload a part of it."),
    "binary": N_("This looks like a binary file (an image, a PDF, a Word file…), not plain "
                 "text. Save the text as a .txt file in UTF-8 and upload that."),
    "not_utf8": N_("The file is not UTF-8 text (byte {byte:,} cannot be read). Save it as "
                   "UTF-8 (in most editors: Save As → Encoding: UTF-8) and upload it again."),
    "too_short": N_("The text has {chars:,} characters; a char model needs at least {limit:,} "
                    "to learn from and to hold some out."),
    "too_many_chars": N_("The text uses {distinct:,} different characters; the limit is "
                         "{limit:,} (each one is an output the model chooses among at every "
                         "step). Remove rare symbols or upload a shorter text."),
    "short_for_settings": N_("For these settings the text is too short: one batch is {batch:,} "
                             "windows of {window} characters ({needed:,} characters), and the "
                             "text has {chars:,}. Use a shorter sequence or a smaller batch."),
}


class OwnTextError(Explained, ValueError):
    """A text the char model cannot train on: `code` (a key of MESSAGES) says why."""

    def __init__(self, code: str, **params):
        self.code = code
        super().__init__(MESSAGES[code], **params)


def read_upload(payload: bytes) -> str:
    """The text of an uploaded file, newlines made "\\n", or OwnTextError saying why not."""
    if not payload.strip():
        raise OwnTextError("empty")
    if len(payload) > MAX_BYTES:
        raise OwnTextError("too_large", size=len(payload), limit=MAX_BYTES,
                           limit_megabytes=MAX_BYTES / 1e6)
    try:
        text = payload.decode("utf-8-sig")  # a byte-order mark is not part of the text
    except UnicodeDecodeError as error:
        utf16 = payload.startswith((b"\xff\xfe", b"\xfe\xff"))  # text, in another encoding
        if b"\x00" in payload[:4096] and not utf16:
            raise OwnTextError("binary") from error
        raise OwnTextError("not_utf8", byte=error.start) from error
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\n\t")
    if controls > CONTROLS * len(text):
        raise OwnTextError("binary")
    if len(text) < MIN_CHARS:
        raise OwnTextError("too_short", chars=len(text), limit=MIN_CHARS)
    distinct = len(set(text))
    if distinct > MAX_ALPHABET:
        raise OwnTextError("too_many_chars", distinct=distinct, limit=MAX_ALPHABET)
    return text


def keep(text: str) -> Path:
    """The text written once (atomically) to the disk cache, named by its SHA-256."""
    payload = text.encode("utf-8")
    path = paths.cache_dir() / FOLDER / f"{hashlib.sha256(payload).hexdigest()[:20]}.txt"
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        paths.atomic_write_bytes(path, payload)
    return path


def held_out_share(chars: int, train: chartrain.TrainConfig) -> float:
    """5 %, or the share one batch of held-out windows needs; OwnTextError past MAX_HELD_OUT
    (or when the rest would not make a batch to train on)."""
    needed = train.batch_size * (train.seq_length + 1)  # characters of one batch of windows
    share = max(chartrain.HELD_OUT, needed / max(chars, 1))
    if share > MAX_HELD_OUT or chars * (1 - share) < needed:
        raise OwnTextError("short_for_settings", batch=train.batch_size,
                           window=train.seq_length + 1, needed=needed, chars=chars)
    return share


def plan(path: Path, text: str, model: chargen.CharModelConfig,
         train: chartrain.TrainConfig) -> chartrain.LiveSpec:
    """The live training of `model` on the kept text at `path` (OwnTextError when it is too
    short for the settings): its first `train.text_chars` characters before the held-out
    share, samples after the text's own start."""
    share = held_out_share(len(text), train)
    prompt = text.lstrip()[:PROMPT_CHARS] or text[:1]
    return chartrain.LiveSpec(model, replace(train, sample_prompt=prompt), str(path), share)
