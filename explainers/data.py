"""Real data for the lessons: the IMDB reviews and the tutorial's Shakespeare text.

IMDB follows the conventions of `keras.datasets.imdb`, so the lesson's code and numbers carry
over: a word's id is its frequency rank among the training reviews plus `index_from` (3), with
0 = <PAD>, 1 = <START>, 2 = <UNK> (out of vocabulary) and 3 = <UNUSED>; `num_words` keeps the
ids below it; `maxlen`, `padding` and `truncating` mean what they mean in `pad_sequences`.

Where the reviews are read from, and the tokenised corpus kept on disk, are `corpus`'s; when
nothing is on this machine, `load_corpus` falls back to Keras's download (when online).
Raw reviews are tokenised close to the way Keras's IMDB data was made: `<br />` line breaks
removed, lower case, punctuation stripped, apostrophes inside words kept ("don't" is one
word). What differs from Keras's pre-tokenised `imdb.npz`: its ranks were counted once by the
Keras authors (over all 50,000 labelled reviews, with a slightly different tokeniser), ours
over the 25,000 training reviews, so a word's id can differ by a few ranks and some rare
words differ. The padded arrays for each set of parameters are cached beside the corpus, so
a second load of the full data takes well under 2 s.

The Shakespeare text of the char-RNN lesson is found and read here too.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from itertools import pairwise
from pathlib import Path

import numpy as np

from explainers import corpus, paths
from explainers.i18n import N_, Echo, Explained

PAD, START, UNK, UNUSED = 0, 1, 2, 3  # the reserved ids of keras.datasets.imdb
RESERVED = {PAD: "<PAD>", START: "<START>", UNK: "<UNK>", UNUSED: "<UNUSED>"}
INDEX_FROM = 3  # keras.datasets.imdb default: rank 1 ("the") becomes id 4
SHAKESPEARE_NAMES = ("shakespeare.txt", "tinyshakespeare.txt", "input.txt")
SHAKESPEARE_URL = "https://storage.googleapis.com/download.tensorflow.org/data/shakespeare.txt"
IMDB_URL = "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"

_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)  # IMDB's HTML line breaks
_TAG = re.compile(r"<[^>]{0,200}>")  # any other markup a user pastes in
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")  # letters/digits, apostrophes only inside words


class DataUnavailable(Explained, RuntimeError):
    """No source for a data set could be found; the message says how to get one."""


def imdb_missing_message() -> Explained:
    """How to get IMDB, as a sentence a page can translate (str() gives the English)."""
    return Explained(
        N_("The IMDB reviews were not found. Either: (1) download Stanford's Large Movie Review "
           "Dataset ({url}, 84 MB) and set the environment variable {env} to the folder "
           "holding the tarball or its extracted `aclImdb/` folder; or (2) run once while "
           "online, and Keras downloads its copy (imdb.npz, 17 MB) into {cache}."),
        url=IMDB_URL, env=paths.DATA_ENV, cache=str(paths.keras_cache_dir()),
    )


def shakespeare_missing_message() -> Explained:
    """How to get the Shakespeare text, as a sentence a page can translate."""
    return Explained(
        N_("The Shakespeare text was not found. Either download it ({url}, 1.1 MB) into the "
           "folder named by {env} as shakespeare.txt, or run once while online and Keras "
           "caches it in {cache}."),
        url=SHAKESPEARE_URL, env=paths.DATA_ENV, cache=str(paths.keras_cache_dir()),
    )


# --------------------------------------------------------------------------- tokenising


def clean_review(text: str) -> str:
    """Lower-case a review and turn its `<br />` breaks and any other markup into spaces."""
    return _TAG.sub(" ", _BREAK.sub(" ", text)).lower()


def tokenize(text: str) -> list[str]:
    """Split a review into words as the training data was split (see the module docstring)."""
    return _WORD.findall(clean_review(text))


# --------------------------------------------------------------------------- the corpus


def _keras_corpus() -> corpus.Corpus:
    """Keras's pre-tokenised IMDB (downloaded, or from its cache) as a Corpus of ranks."""
    try:
        from keras.datasets import imdb

        (x_train, y_train), (x_test, y_test) = imdb.load_data(
            num_words=None, index_from=0, start_char=None, oov_char=None
        )
        word_index = imdb.get_word_index()
    except Exception as error:  # no network, a broken cache: say how to get the data
        raise DataUnavailable(N_("{how} (Keras said: {error})"), how=imdb_missing_message(),
                              error=Echo(error)) from error
    words = [w for w, _ in sorted(word_index.items(), key=lambda item: item[1])]
    ranks, offsets, labels = {}, {}, {}
    for split, xs, ys in (("train", x_train, y_train), ("test", x_test, y_test)):
        offsets[split] = np.cumsum([0] + [len(x) for x in xs], dtype=np.int64)
        ranks[split] = np.concatenate([np.asarray(x, dtype=np.int32) for x in xs])
        labels[split] = np.asarray(ys, dtype=np.int8)
    source = f"Keras imdb.npz ({paths.keras_cache_dir()})"
    return corpus.Corpus(words, ranks, offsets, labels, None, source)


def _read_aclimdb(path: Path) -> corpus.Corpus:
    reviews = corpus.read_aclimdb(path)
    if not all(reviews.values()):
        raise DataUnavailable(
            N_("{path} holds no labelled reviews in aclImdb/{{train,test}}/{{pos,neg}}/. {how}"),
            path=str(path), how=imdb_missing_message(),
        )
    return corpus.build_corpus(reviews, f"aclImdb at {path}", tokenize)


def load_corpus(source: str | Path = "auto", *, use_cache: bool = True) -> corpus.Corpus:
    """Tokenised IMDB from the first source that has it (see `corpus`), else Keras's
    download; the cache is used and kept unless `use_cache` is False."""
    where = corpus.locate_imdb(source)
    if where is None and str(source) not in ("auto", corpus.KERAS):
        raise DataUnavailable(N_("No aclImdb folder or tarball at {source}. {how}"),
                              source=str(source), how=imdb_missing_message())
    target = corpus.cache_file(where or corpus.KERAS)
    if use_cache and where is not None and target.is_file():
        try:
            return corpus.load(target)
        except (OSError, ValueError, KeyError):
            target.unlink(missing_ok=True)  # a damaged cache is rebuilt, never fatal
    found = _keras_corpus() if where in (None, corpus.KERAS) else _read_aclimdb(Path(where))
    if use_cache:
        corpus.save(found, target)
    return found


# --------------------------------------------------------------------------- padding


def pad_ragged(
    flat: np.ndarray,
    offsets: np.ndarray,
    maxlen: int | None,
    padding: str = "pre",
    truncating: str = "pre",
    value: int = PAD,
) -> np.ndarray:
    """`keras.utils.pad_sequences` for sequences stored flat with offsets, vectorised.

    Gives the same array as `pad_sequences(list_of_sequences, maxlen, padding=...,
    truncating=..., value=...)` (a test checks it) without a Python loop over reviews.
    """
    if padding not in ("pre", "post") or truncating not in ("pre", "post"):
        raise ValueError("padding and truncating must be 'pre' or 'post'")
    lengths = np.diff(offsets)  # (n,)
    n = len(lengths)
    width = int(lengths.max(initial=0)) if maxlen is None else int(maxlen)
    out = np.full((n, width), value, dtype=np.int32)
    kept = np.minimum(lengths, width)  # (n,)
    src_start = offsets[:-1] + (lengths - kept if truncating == "pre" else 0)
    dst_start = width - kept if padding == "pre" else np.zeros(n, dtype=np.int64)
    rows = np.repeat(np.arange(n), kept)  # (total kept,)
    within = np.arange(rows.size) - np.repeat(np.cumsum(kept) - kept, kept)
    out[rows, dst_start[rows] + within] = flat[src_start[rows] + within]
    return out


def ranks_to_ids(
    ranks: np.ndarray, num_words: int | None, index_from: int = INDEX_FROM
) -> np.ndarray:
    """Frequency ranks -> model ids: rank + index_from, <UNK> past `num_words` or unseen."""
    ids = ranks.astype(np.int32) + index_from
    unknown = ranks <= 0
    if num_words is not None:
        unknown |= ids >= num_words
    ids[unknown] = UNK
    return ids


def _with_start(flat: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Put <START> before every sequence, as keras.datasets.imdb does."""
    starts = offsets[:-1]
    flat = np.insert(flat, starts, START)
    return flat, offsets + np.arange(len(offsets))


# --------------------------------------------------------------------------- IMDB arrays


@dataclass(frozen=True)
class ImdbConfig:
    """How to prepare IMDB; frozen so it can key caches."""

    num_words: int = 10_000  # the lesson's vocabulary
    maxlen: int = 500  # the lesson pads every review to 500 tokens
    padding: str = "pre"  # pad_sequences' default; the lesson's SimpleRNN used 'post'
    truncating: str = "pre"  # pad_sequences' default: keep a long review's end
    index_from: int = INDEX_FROM  # keras.datasets.imdb default
    source: str = "auto"  # "auto", "keras", or a path to aclImdb (folder or tarball)


@dataclass
class ImdbData:
    """Prepared IMDB arrays, as `keras.datasets.imdb.load_data` plus `pad_sequences` give."""

    x_train: np.ndarray  # (25000, maxlen) int32 ids
    y_train: np.ndarray  # (25000,) 0 = negative, 1 = positive
    x_test: np.ndarray
    y_test: np.ndarray
    word_index: dict[str, int]  # word -> frequency rank (Keras's get_word_index convention)
    source: str  # where the reviews came from, for the page to show
    config: ImdbConfig
    lengths: dict[str, np.ndarray] = field(default_factory=dict)  # tokens per review + START
    seconds: float = 0.0  # how long this load took

    @functools.cached_property
    def vocabulary(self) -> Vocabulary:
        """The ids' words, built once (pages ask for it several times a view)."""
        return Vocabulary.from_word_index(
            self.word_index, self.config.num_words, self.config.index_from
        )


def _prepared_key(config: ImdbConfig, corpus_source: str) -> str:
    raw = json.dumps([asdict(config), corpus_source, corpus.CORPUS_VERSION])
    return hashlib.sha1(raw.encode()).hexdigest()[:16]


def load_imdb(
    config: ImdbConfig = ImdbConfig(),
    *,
    use_cache: bool = True,
    on_status: Callable[[str], None] | None = None,
) -> ImdbData:
    """Load IMDB as the lesson does: padded id arrays, labels, word index and source."""
    if config.padding not in ("pre", "post") or config.truncating not in ("pre", "post"):
        raise ValueError("padding and truncating must be 'pre' or 'post'")
    if config.num_words is not None and config.num_words <= config.index_from + 1:
        raise ValueError(f"num_words must be above {config.index_from + 1}")
    began = time.perf_counter()
    say = on_status or (lambda _message: None)
    say("Reading the reviews")
    ranked = load_corpus(config.source, use_cache=use_cache)
    target = paths.cache_dir() / f"imdb-{_prepared_key(config, ranked.source)}.npz"
    if use_cache and target.is_file():
        try:
            with np.load(target) as cached:
                arrays = {k: cached[k] for k in cached.files}
        except (OSError, ValueError):
            arrays = {}
    else:
        arrays = {}
    if not arrays:
        say("Padding the reviews")
        for split in ("train", "test"):
            ids = ranks_to_ids(ranked.ranks[split], config.num_words, config.index_from)
            flat, offsets = _with_start(ids, ranked.offsets[split])
            arrays[f"x_{split}"] = pad_ragged(
                flat, offsets, config.maxlen, config.padding, config.truncating
            )
            arrays[f"y_{split}"] = ranked.labels[split]
            arrays[f"len_{split}"] = np.diff(offsets).astype(np.int32)
        if use_cache:
            buffer = io.BytesIO()
            np.savez(buffer, **arrays)
            paths.atomic_write_bytes(target, buffer.getvalue())
    return ImdbData(
        x_train=arrays["x_train"],
        y_train=arrays["y_train"],
        x_test=arrays["x_test"],
        y_test=arrays["y_test"],
        word_index=ranked.word_index(),
        source=ranked.source,
        config=config,
        lengths={"train": arrays["len_train"], "test": arrays["len_test"]},
        seconds=time.perf_counter() - began,
    )


def load_imdb_reviews(
    split: str = "test", source: str | Path = "auto"
) -> tuple[list[str], np.ndarray]:
    """Raw review texts and labels of a split, in the same order as `load_imdb`'s arrays.

    For Keras's pre-tokenised route the raw text is not there; the reviews are decoded.
    """
    ranked = load_corpus(source)
    if ranked.texts is not None:
        return ranked.texts[split], ranked.labels[split]
    words, flat, cuts = ranked.words, ranked.ranks[split], ranked.offsets[split]
    texts = [
        " ".join(words[r - 1] if r > 0 else "<UNK>" for r in flat[a:b])
        for a, b in pairwise(cuts)
    ]
    return texts, ranked.labels[split]


# --------------------------------------------------------------------------- the vocabulary


@dataclass(frozen=True)
class Vocabulary:
    """The model's view of words: id <-> word for ids below `num_words`, reserved ids first."""

    words: tuple[str, ...]  # words[r - 1] has rank r; only ranks the model can see
    num_words: int | None = 10_000
    index_from: int = INDEX_FROM

    @classmethod
    def from_word_index(
        cls, word_index: dict[str, int], num_words: int | None = 10_000,
        index_from: int = INDEX_FROM,
    ) -> Vocabulary:
        limit = None if num_words is None else num_words - index_from - 1
        ranked = sorted(word_index.items(), key=lambda item: item[1])
        words = tuple(w for w, r in ranked if limit is None or r <= limit)
        return cls(words, num_words, index_from)

    @classmethod
    def from_file(cls, path: Path) -> Vocabulary:
        """Read a vocabulary saved by `save` (JSON: words, num_words, index_from)."""
        spec = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls(tuple(spec["words"]), spec["num_words"], spec["index_from"])

    def save(self, path: Path) -> None:
        spec = {"num_words": self.num_words, "index_from": self.index_from,
                "words": list(self.words)}
        paths.atomic_write_bytes(Path(path), json.dumps(spec).encode("utf-8"))

    @property
    def size(self) -> int:
        """Rows the Embedding needs: every id the encoder can produce, plus one."""
        if self.num_words is not None:
            return self.num_words
        return len(self.words) + self.index_from + 1

    def _index(self) -> dict[str, int]:
        return _index_cache(self.words, self.index_from)

    def encode(self, text: str, add_start: bool = True) -> list[int]:
        return encode_tokens(tokenize(text), self, add_start=add_start)

    def token_of(self, i: int) -> str:
        if i in RESERVED:
            return RESERVED[i]
        rank = i - self.index_from
        return self.words[rank - 1] if 1 <= rank <= len(self.words) else "<UNK>"

    def decode(self, ids: Iterable[int]) -> str:
        """Ids back to the words the model saw (reserved ids shown, <PAD> left out)."""
        return " ".join(self.token_of(int(i)) for i in ids if int(i) != PAD)


_INDEX_CACHE: dict[int, dict[str, int]] = {}


def _index_cache(words: tuple[str, ...], index_from: int) -> dict[str, int]:
    key = hash((words, index_from))
    if key not in _INDEX_CACHE:
        _INDEX_CACHE[key] = {w: r + index_from for r, w in enumerate(words, start=1)}
    return _INDEX_CACHE[key]


def encode_tokens(tokens: Sequence[str], vocab: Vocabulary, add_start: bool = True) -> list[int]:
    index = vocab._index()
    ids = [index.get(t, UNK) for t in tokens]
    return [START, *ids] if add_start else ids


# --------------------------------------------------------------------------- Shakespeare


def locate_shakespeare(path: str | Path | None = None) -> Path | None:
    """The Shakespeare text on this machine: a given path, RNN_EXPLAINER_DATA, Keras's cache."""
    if path is not None:
        candidate = Path(path).expanduser()
        return candidate if candidate.is_file() else None
    folders = [f for f in (paths.data_folder(), paths.keras_cache_dir()) if f is not None]
    for folder in folders:
        for name in SHAKESPEARE_NAMES:
            if (folder / name).is_file():
                return folder / name
    return None


def load_shakespeare(path: str | Path | None = None, *, download: bool = True) -> str:
    """The tutorial's Shakespeare text (1,115,394 characters, 65 distinct ones)."""
    found = locate_shakespeare(path)
    if found is None and path is not None:
        raise DataUnavailable(N_("No text file at {path}. {how}"), path=str(path),
                              how=shakespeare_missing_message())
    if found is None:
        if not download:
            raise DataUnavailable(N_("{how}"), how=shakespeare_missing_message())
        try:
            from keras.utils import get_file

            found = Path(get_file("shakespeare.txt", SHAKESPEARE_URL))
        except Exception as error:  # offline: say how to get it
            raise DataUnavailable(N_("{how} (Keras said: {error})"),
                                  how=shakespeare_missing_message(), error=Echo(error)) from error
    return corpus.decode_bytes(found.read_bytes())
