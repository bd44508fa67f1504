"""The steps the lesson skips, in numbers: a review's text becoming one padded row of ids, a
character text becoming ids and a training window, and a review's words put in another order.

The lesson calls `imdb.load_data(num_words=10000)` and `pad_sequences(maxlen=500,
padding='post')` and goes straight to the model; this module shows what happens in between,
using the very functions that prepared the app's training arrays (nothing is tokenised or
padded here a second time): `data.tokenize` splits the text, a word's frequency rank among the
25,000 training reviews comes from the corpus's word index, `data.encode_tokens` adds
`index_from` (3) and turns ranks past `num_words` into <UNK> (2), and
`reviews.InputFormat.prepare` cuts and pads the row as `pad_sequences` did. For characters,
`chargen.CharVocab` gives the ids and `chargen.windows` cuts the input/target window.

The word-order functions build the variants the "Why word order matters" page feeds to a
pooling model and an LSTM: the same tokens reversed or shuffled (seeded), and whether a model
still reads the same multiset of ids (true for a pooling model's exact invariance).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from explainers import chargen, data
from explainers.reviews import InputFormat

# --------------------------------------------------------------------------- text -> ids


@dataclass(frozen=True)
class Token:
    """One word of a review on its way to the model."""

    word: str  # as data.tokenize split it
    rank: int | None  # frequency rank among the training reviews (1 = "the"); None: never seen
    id: int  # what the model reads: rank + index_from, or <UNK> (2) when past num_words

    @property
    def unknown(self) -> bool:
        return self.id == data.UNK


def token_steps(text: str, word_index: Mapping[str, int],
                vocabulary: data.Vocabulary) -> tuple[Token, ...]:
    """Each word of `text` with its frequency rank and its id (no <START>, no padding)."""
    words = data.tokenize(text)
    ids = data.encode_tokens(words, vocabulary, add_start=False)
    return tuple(Token(w, word_index.get(w), int(i)) for w, i in zip(words, ids, strict=True))


def round_trip(tokens: Sequence[Token], vocabulary: data.Vocabulary) -> tuple[str, ...]:
    """The ids read back as words: what the model can know of the text (<UNK> where the
    vocabulary has no word)."""
    return tuple(vocabulary.token_of(t.id) for t in tokens)


@dataclass(frozen=True)
class ShapeChange:
    """What padding every review to `maxlen` does to a split: ragged (n,) -> (n, maxlen)."""

    reviews: int  # rows: 25,000 for IMDB's training split
    maxlen: int  # columns after padding
    truncated: int  # reviews longer than maxlen, cut
    padded: int  # reviews shorter than maxlen, filled with <PAD>
    ids: int  # ids before padding (every review's <START> and words)
    pads: int  # <PAD> ids added
    cut: int  # ids cut off

    @property
    def pad_share(self) -> float:
        """The share of the (n, maxlen) array that is <PAD>."""
        return self.pads / (self.reviews * self.maxlen) if self.reviews else 0.0


def shape_change(lengths: np.ndarray, maxlen: int) -> ShapeChange:
    """Count what `pad_sequences(maxlen=...)` does to reviews of these lengths (ids per
    review, <START> included, as `ImdbData.lengths` holds them)."""
    lengths = np.asarray(lengths, dtype=np.int64)  # (n,)
    return ShapeChange(
        reviews=len(lengths), maxlen=int(maxlen),
        truncated=int(np.count_nonzero(lengths > maxlen)),
        padded=int(np.count_nonzero(lengths < maxlen)),
        ids=int(lengths.sum()),
        pads=int(np.maximum(maxlen - lengths, 0).sum()),
        cut=int(np.maximum(lengths - maxlen, 0).sum()),
    )


# --------------------------------------------------------------------------- characters


@dataclass(frozen=True)
class CharWindow:
    """One training window of the char model: the input and, shifted by one, the target."""

    input_text: str
    target_text: str
    input_ids: tuple[int, ...]
    target_ids: tuple[int, ...]


def char_window(text: str, vocab: chargen.CharVocab) -> CharWindow:
    """`text` as one window of len(text) characters, cut as the lesson's
    `batch(seq_length + 1)` + `split_input_target` do (`chargen.windows` with seq_length =
    len(text) - 1): "abcde" -> input "abcd", target "bcde". Raises chargen.CharError for
    characters outside the vocabulary, ValueError for fewer than 2 characters."""
    if len(text) < 2:
        raise ValueError("a window needs at least two characters")
    ids = vocab.encode(text)  # (len(text),)
    inputs, targets = chargen.windows(ids, len(text) - 1)  # (1, len - 1) each
    return CharWindow(vocab.decode(inputs[0]), vocab.decode(targets[0]),
                      tuple(int(i) for i in inputs[0]), tuple(int(i) for i in targets[0]))


# --------------------------------------------------------------------------- word order

ORDERS = ("original", "reversed", "shuffled")  # stable codes; pages translate the names


@dataclass(frozen=True)
class Variant:
    """A review's words in one order."""

    order: str  # one of ORDERS
    seed: int | None  # the shuffle's seed (None unless shuffled)
    words: tuple[str, ...]

    @property
    def text(self) -> str:
        """The words joined by spaces: tokenising it gives `words` back."""
        return " ".join(self.words)


def reorder(words: Sequence[str], order: str, seed: int | None = None) -> Variant:
    """`words` kept, reversed, or shuffled by a NumPy generator seeded with `seed`."""
    words = tuple(words)
    if order == "original":
        return Variant(order, None, words)
    if order == "reversed":
        return Variant(order, None, words[::-1])
    if order == "shuffled":
        picked = np.random.default_rng(seed).permutation(len(words))  # (n,)
        return Variant(order, seed, tuple(words[i] for i in picked))
    raise ValueError(f"order must be one of {ORDERS}")


def variants(text: str, seed: int, shuffles: int = 3) -> tuple[Variant, ...]:
    """The review as written, reversed, and shuffled `shuffles` times (seeds seed, seed+1...)."""
    words = data.tokenize(text)
    return (reorder(words, "original"), reorder(words, "reversed"),
            *(reorder(words, "shuffled", seed + k) for k in range(shuffles)))


def rows(form: InputFormat, texts: Sequence[str]) -> np.ndarray:
    """Texts as the padded rows a model reads: (len(texts), maxlen) int32."""
    return np.stack([form.prepare(t).row for t in texts]).astype(np.int32)


def same_tokens(form: InputFormat, a: str, b: str) -> bool:
    """True when a model with this format reads the same multiset of ids in both texts (its
    padded rows are permutations of each other): what makes average pooling's output equal.
    False when truncation keeps different words."""
    return bool(np.array_equal(np.sort(form.prepare(a).row), np.sort(form.prepare(b).row)))


def positive(model, padded: np.ndarray) -> np.ndarray:
    """P(positive) of a sentiment model (sigmoid output) for each row: (n,) float64."""
    out = np.asarray(model.predict_on_batch(np.asarray(padded, np.int32)))  # (n, 1)
    return out.reshape(-1).astype(np.float64)
