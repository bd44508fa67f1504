"""Real data for the lessons: the IMDB reviews and the tutorial's Shakespeare text.

IMDB follows the conventions of `keras.datasets.imdb`, so the lesson's code and numbers carry
over: a word's id is its frequency rank among the training reviews plus `index_from` (3), with
0 = <PAD>, 1 = <START>, 2 = <UNK> (out of vocabulary) and 3 = <UNUSED>; `num_words` keeps the
ids below it; `maxlen`, `padding` and `truncating` mean what they mean in `pad_sequences`.

Sources, tried in this order for `source="auto"`:
1. the folder named by RNN_EXPLAINER_DATA, holding an `aclImdb/` folder or Stanford's tarball;
2. Keras's own cache (~/.keras/datasets): an extracted `aclImdb/`, a tarball, or `imdb.npz`
   with `imdb_word_index.json` as `keras.datasets.imdb` leaves them;
3. Keras's download (`keras.datasets.imdb.load_data` and `get_word_index`), when online.
`source` may also be a path to an `aclImdb` folder or tarball, or "keras" for routes 2-3.

Raw reviews are tokenised close to the way Keras's IMDB data was made: `<br />` line breaks
removed, lower case, punctuation stripped, apostrophes inside words kept ("don't" is one
word). What differs from Keras's pre-tokenised `imdb.npz`: its ranks were counted once by the
Keras authors (over all 50,000 labelled reviews, with a slightly different tokeniser), ours
over the 25,000 training reviews, so a word's id can differ by a few ranks and some rare
words differ; ties in frequency are broken alphabetically here. Review order is shuffled with
Keras's seed (113), so taking the first N reviews gives a balanced subset either way.

Tokenised reviews are kept on disk (see `paths.cache_dir`) as one flat array of ranks with
offsets, keyed by the source's path, size and date; the padded arrays for each set of
parameters are cached beside them, so a second load of the full data takes well under 2 s.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import tarfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from itertools import pairwise
from pathlib import Path

import numpy as np

from explainers import paths

PAD, START, UNK, UNUSED = 0, 1, 2, 3  # the reserved ids of keras.datasets.imdb
RESERVED = {PAD: "<PAD>", START: "<START>", UNK: "<UNK>", UNUSED: "<UNUSED>"}
INDEX_FROM = 3  # keras.datasets.imdb default: rank 1 ("the") becomes id 4
SHUFFLE_SEED = 113  # keras.datasets.imdb shuffles both splits with this seed
CORPUS_VERSION = 2  # bump when tokenisation changes, so stale caches are rebuilt
TARBALL_NAMES = ("aclImdb_v1.tar.gz", "aclImdb_labeled.tar.gz")  # Stanford's, the shared one
SHAKESPEARE_NAMES = ("shakespeare.txt", "tinyshakespeare.txt", "input.txt")
SHAKESPEARE_URL = "https://storage.googleapis.com/download.tensorflow.org/data/shakespeare.txt"
IMDB_URL = "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"

_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)  # IMDB's HTML line breaks
_TAG = re.compile(r"<[^>]{0,200}>")  # any other markup a user pastes in
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")  # letters/digits, apostrophes only inside words
_REVIEW_NAME = re.compile(r"aclImdb/(train|test)/(pos|neg)/(\d+)_(\d+)\.txt$")


class DataUnavailable(RuntimeError):
    """No source for a data set could be found; the message says how to get one."""


def imdb_missing_message() -> str:
    return (
        "The IMDB reviews were not found. Either: (1) download Stanford's Large Movie Review "
        f"Dataset ({IMDB_URL}, 84 MB) and set the environment variable {paths.DATA_ENV} to "
        "the folder holding the tarball or its extracted `aclImdb/` folder; or (2) run once "
        "while online, and Keras downloads its copy (imdb.npz, 17 MB) into "
        f"{paths.keras_cache_dir()}."
    )


def shakespeare_missing_message() -> str:
    return (
        "The Shakespeare text was not found. Either download it "
        f"({SHAKESPEARE_URL}, 1.1 MB) into the folder named by {paths.DATA_ENV} as "
        f"shakespeare.txt, or run once while online and Keras caches it in "
        f"{paths.keras_cache_dir()}."
    )


# --------------------------------------------------------------------------- tokenising


def clean_review(text: str) -> str:
    """Lower-case a review and turn its `<br />` breaks and any other markup into spaces."""
    return _TAG.sub(" ", _BREAK.sub(" ", text)).lower()


def tokenize(text: str) -> list[str]:
    """Split a review into words as the training data was split (see the module docstring)."""
    return _WORD.findall(clean_review(text))


def decode_bytes(payload: bytes) -> str:
    """Decode a review file: UTF-8, else Latin-1 (never fails; IMDB has a few such files)."""
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError:
        return payload.decode("latin-1")


# --------------------------------------------------------------------------- the corpus


@dataclass
class Corpus:
    """Tokenised reviews of both splits, as frequency ranks (1 = most frequent word).

    `ranks[split]` is one flat int32 array, `offsets[split]` its (n + 1) boundaries; rank 0
    marks a test word never seen in training. `texts` are the raw reviews, in the same order.
    """

    words: list[str]  # words[r - 1] has rank r
    ranks: dict[str, np.ndarray]
    offsets: dict[str, np.ndarray]
    labels: dict[str, np.ndarray]
    texts: dict[str, list[str]] | None  # None for the pre-tokenised Keras route
    source: str

    def word_index(self) -> dict[str, int]:
        """word -> rank, as `keras.datasets.imdb.get_word_index()` returns it."""
        return {w: r for r, w in enumerate(self.words, start=1)}


def _rank_docs(docs: Iterable[list[str]], index: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    lengths, flat = [0], []
    for tokens in docs:
        flat.extend(index.get(t, 0) for t in tokens)
        lengths.append(len(tokens))
    return np.asarray(flat, dtype=np.int32), np.cumsum(lengths, dtype=np.int64)


def build_corpus(
    reviews: dict[str, list[tuple[str, int]]], source: str, keep_texts: bool = True
) -> Corpus:
    """Rank words by training frequency and turn every review into ranks.

    `reviews[split]` is a list of (text, label) already in the order to keep.
    """
    tokens = {split: [tokenize(text) for text, _ in items] for split, items in reviews.items()}
    counts: Counter[str] = Counter()
    for doc in tokens["train"]:
        counts.update(doc)
    words = sorted(counts, key=lambda w: (-counts[w], w))  # ties broken alphabetically
    index = {w: r for r, w in enumerate(words, start=1)}
    ranks, offsets, labels, texts = {}, {}, {}, {}
    for split, items in reviews.items():
        ranks[split], offsets[split] = _rank_docs(tokens[split], index)
        labels[split] = np.asarray([label for _, label in items], dtype=np.int8)
        texts[split] = [text for text, _ in items]
    return Corpus(words, ranks, offsets, labels, texts if keep_texts else None, source)


def _shuffled(items: list[tuple[str, int, str]]) -> list[tuple[str, int]]:
    """Sort by file name, then shuffle with Keras's seed: the same order on every machine."""
    items.sort(key=lambda item: item[2])
    order = np.random.RandomState(SHUFFLE_SEED).permutation(len(items))
    return [(items[i][0], items[i][1]) for i in order]


def read_aclimdb(path: Path) -> dict[str, list[tuple[str, int]]]:
    """Read the labelled reviews of an `aclImdb` folder or tarball: {split: [(text, label)]}."""
    found: dict[str, list[tuple[str, int, str]]] = {"train": [], "test": []}

    def add(name: str, payload: bytes) -> None:
        match = _REVIEW_NAME.search(name)
        if match:
            split, polarity, _, _ = match.groups()
            key = name[match.start():]
            found[split].append((decode_bytes(payload), int(polarity == "pos"), key))

    if path.is_dir():
        root = path if path.name == "aclImdb" else path / "aclImdb"
        for file in sorted(root.glob("*/*/*.txt")):
            add(file.relative_to(root.parent).as_posix(), file.read_bytes())
    else:
        with tarfile.open(path, "r:*") as archive:
            for member in archive:
                if member.isfile() and _REVIEW_NAME.search(member.name):
                    handle = archive.extractfile(member)
                    if handle is not None:
                        add(member.name, handle.read())
    if not found["train"] or not found["test"]:
        raise DataUnavailable(
            f"{path} holds no labelled reviews in aclImdb/{{train,test}}/{{pos,neg}}/. "
            + imdb_missing_message()
        )
    return {split: _shuffled(items) for split, items in found.items()}


def find_aclimdb(folder: Path) -> Path | None:
    """An `aclImdb` folder or tarball inside `folder` (or `folder` itself), if there is one."""
    if not folder.exists():
        return None
    if folder.is_file():
        return folder if folder.name.endswith((".tar.gz", ".tgz", ".tar")) else None
    if folder.name == "aclImdb" and (folder / "train").is_dir():
        return folder
    if (folder / "aclImdb" / "train").is_dir():
        return folder / "aclImdb"
    for name in TARBALL_NAMES:
        if (folder / name).is_file():
            return folder / name
    tarballs = sorted(folder.glob("aclImdb*.tar.gz"))
    return tarballs[0] if tarballs else None


def _keras_npz_present() -> bool:
    cache = paths.keras_cache_dir()
    return (cache / "imdb.npz").is_file() and (cache / "imdb_word_index.json").is_file()


def locate_imdb(source: str | Path = "auto") -> str | Path | None:
    """Where IMDB would be read from, without reading it: a path, "keras", or None.

    "keras" means Keras's cached `imdb.npz`; None means nothing is on this machine (the
    loader would then try Keras's download).
    """
    if str(source) not in ("auto", "keras"):
        return find_aclimdb(Path(source).expanduser())
    if str(source) == "auto":
        folder = paths.data_folder()
        if folder is not None:
            found = find_aclimdb(folder)
            if found is not None:
                return found
        found = find_aclimdb(paths.keras_cache_dir())
        if found is not None:
            return found
    return "keras" if _keras_npz_present() else None


def _fingerprint(path: Path) -> str:
    stat = path.stat()
    raw = f"{CORPUS_VERSION}|{path.resolve()}|{stat.st_size}|{int(stat.st_mtime)}"
    return hashlib.sha1(raw.encode()).hexdigest()[:16]


def _save_corpus(corpus: Corpus, target: Path) -> None:
    arrays: dict[str, np.ndarray] = {}
    for split in ("train", "test"):
        arrays[f"{split}_ranks"] = corpus.ranks[split]
        arrays[f"{split}_offsets"] = corpus.offsets[split]
        arrays[f"{split}_labels"] = corpus.labels[split]
        if corpus.texts is not None:
            encoded = [t.encode("utf-8") for t in corpus.texts[split]]
            arrays[f"{split}_text"] = np.frombuffer(b"".join(encoded), dtype=np.uint8)
            arrays[f"{split}_text_offsets"] = np.cumsum([0] + [len(e) for e in encoded])
    arrays["words"] = np.frombuffer("\n".join(corpus.words).encode("utf-8"), dtype=np.uint8)
    buffer = io.BytesIO()
    np.savez(buffer, source=np.asarray(corpus.source), **arrays)
    paths.atomic_write_bytes(target, buffer.getvalue())


def _load_corpus(target: Path) -> Corpus:
    with np.load(target, allow_pickle=False) as data:
        words = bytes(data["words"]).decode("utf-8").split("\n")
        ranks, offsets, labels, texts = {}, {}, {}, {}
        for split in ("train", "test"):
            ranks[split] = data[f"{split}_ranks"]
            offsets[split] = data[f"{split}_offsets"]
            labels[split] = data[f"{split}_labels"]
            if f"{split}_text" in data:
                blob, cuts = bytes(data[f"{split}_text"]), data[f"{split}_text_offsets"]
                texts[split] = [blob[a:b].decode("utf-8") for a, b in pairwise(cuts)]
        return Corpus(words, ranks, offsets, labels, texts or None, str(data["source"]))


def _keras_corpus() -> Corpus:
    """Keras's pre-tokenised IMDB (downloaded, or from its cache) as a Corpus of ranks."""
    try:
        from keras.datasets import imdb

        (x_train, y_train), (x_test, y_test) = imdb.load_data(
            num_words=None, index_from=0, start_char=None, oov_char=None
        )
        word_index = imdb.get_word_index()
    except Exception as error:  # no network, a broken cache: say how to get the data
        raise DataUnavailable(f"{imdb_missing_message()} (Keras said: {error})") from error
    words = [w for w, _ in sorted(word_index.items(), key=lambda item: item[1])]
    ranks, offsets, labels = {}, {}, {}
    for split, xs, ys in (("train", x_train, y_train), ("test", x_test, y_test)):
        offsets[split] = np.cumsum([0] + [len(x) for x in xs], dtype=np.int64)
        ranks[split] = np.concatenate([np.asarray(x, dtype=np.int32) for x in xs])
        labels[split] = np.asarray(ys, dtype=np.int8)
    source = f"Keras imdb.npz ({paths.keras_cache_dir()})"
    return Corpus(words, ranks, offsets, labels, None, source)


def load_corpus(source: str | Path = "auto", *, use_cache: bool = True) -> Corpus:
    """Tokenised IMDB from the first source that has it (see the module docstring)."""
    where = locate_imdb(source)
    if where is None and str(source) not in ("auto", "keras"):
        raise DataUnavailable(
            f"No aclImdb folder or tarball at {source}. " + imdb_missing_message()
        )
    if where is None or where == "keras":
        key = "keras"
        target = paths.cache_dir() / f"imdb-corpus-{key}.npz"
        if use_cache and where == "keras" and target.is_file():
            return _load_corpus(target)
        corpus = _keras_corpus()
    else:
        path = Path(where)
        target = paths.cache_dir() / f"imdb-corpus-{_fingerprint(path)}.npz"
        if use_cache and target.is_file():
            try:
                return _load_corpus(target)
            except (OSError, ValueError, KeyError):
                target.unlink(missing_ok=True)  # a damaged cache is rebuilt, never fatal
        corpus = build_corpus(read_aclimdb(path), f"aclImdb at {path}")
    if use_cache:
        _save_corpus(corpus, target)
    return corpus


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

    @property
    def vocabulary(self) -> Vocabulary:
        return Vocabulary.from_word_index(
            self.word_index, self.config.num_words, self.config.index_from
        )


def _prepared_key(config: ImdbConfig, corpus_source: str) -> str:
    raw = json.dumps([asdict(config), corpus_source, CORPUS_VERSION])
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
    corpus = load_corpus(config.source, use_cache=use_cache)
    target = paths.cache_dir() / f"imdb-{_prepared_key(config, corpus.source)}.npz"
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
            ids = ranks_to_ids(corpus.ranks[split], config.num_words, config.index_from)
            flat, offsets = _with_start(ids, corpus.offsets[split])
            arrays[f"x_{split}"] = pad_ragged(
                flat, offsets, config.maxlen, config.padding, config.truncating
            )
            arrays[f"y_{split}"] = corpus.labels[split]
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
        word_index=corpus.word_index(),
        source=corpus.source,
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
    corpus = load_corpus(source)
    if corpus.texts is not None:
        return corpus.texts[split], corpus.labels[split]
    words, flat, cuts = corpus.words, corpus.ranks[split], corpus.offsets[split]
    texts = [
        " ".join(words[r - 1] if r > 0 else "<UNK>" for r in flat[a:b])
        for a, b in pairwise(cuts)
    ]
    return texts, corpus.labels[split]


# --------------------------------------------------------------------------- encode/decode


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


def decode_review(
    ids: Iterable[int],
    word_index: dict[str, int] | Vocabulary,
    index_from: int = INDEX_FROM,
    skip_pad: bool = True,
) -> str:
    """Ids -> words, reserved ids shown as <PAD>, <START>, <UNK>; pads dropped by default."""
    vocab = (
        word_index if isinstance(word_index, Vocabulary)
        else Vocabulary.from_word_index(word_index, None, index_from)
    )
    return " ".join(vocab.token_of(int(i)) for i in ids if not (skip_pad and int(i) == PAD))


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
        raise DataUnavailable(f"No text file at {path}. " + shakespeare_missing_message())
    if found is None:
        if not download:
            raise DataUnavailable(shakespeare_missing_message())
        try:
            from keras.utils import get_file

            found = Path(get_file("shakespeare.txt", SHAKESPEARE_URL))
        except Exception as error:  # offline: say how to get it
            message = f"{shakespeare_missing_message()} (Keras said: {error})"
            raise DataUnavailable(message) from error
    return decode_bytes(found.read_bytes())
