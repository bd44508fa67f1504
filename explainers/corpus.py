"""The IMDB reviews on disk: where they are, how their files are read, and the tokenised
corpus kept in the cache, so the next load takes well under 2 s.

Where IMDB can be, looked for in this order (`locate_imdb("auto")`):
1. the folder named by RNN_EXPLAINER_DATA, holding an `aclImdb/` folder or Stanford's tarball;
2. Keras's own cache (~/.keras/datasets): an extracted `aclImdb/`, a tarball, or `imdb.npz`
   with `imdb_word_index.json` as `keras.datasets.imdb` leaves them ("keras").

Stanford's files (`aclImdb/{train,test}/{pos,neg}/<id>_<rating>.txt`) are read in file-name
order and shuffled with Keras's seed (113), so the first N reviews are a balanced subset on
every machine. A `Corpus` holds each split as one flat array of frequency ranks with offsets;
it is cached (see `paths.cache_dir`) under a name made of the source's path, size and date.
How text becomes words, and what is done when nothing is found, is `data`'s business.
"""

from __future__ import annotations

import hashlib
import io
import re
import tarfile
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import numpy as np

from explainers import paths

SHUFFLE_SEED = 113  # keras.datasets.imdb shuffles both splits with this seed
CORPUS_VERSION = 2  # bump when tokenisation changes, so stale caches are rebuilt
TARBALL_NAMES = ("aclImdb_v1.tar.gz", "aclImdb_labeled.tar.gz")  # Stanford's, the shared one
SPLITS = ("train", "test")
KERAS = "keras"  # `locate_imdb`'s answer for Keras's cached imdb.npz

_REVIEW_NAME = re.compile(r"aclImdb/(train|test)/(pos|neg)/(\d+)_(\d+)\.txt$")

Reviews = dict[str, list[tuple[str, int]]]  # split -> [(text, label 1 = positive)], in order


def decode_bytes(payload: bytes) -> str:
    """Decode a text file: UTF-8, else Latin-1 (never fails; IMDB has a few such files)."""
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


def build_corpus(reviews: Reviews, source: str, tokenize: Callable[[str], list[str]]) -> Corpus:
    """Split every review into words with `tokenize`, rank the words by their frequency in
    the training reviews (ties alphabetically) and store each review as ranks."""
    tokens = {split: [tokenize(text) for text, _ in items] for split, items in reviews.items()}
    counts: Counter[str] = Counter()
    for doc in tokens["train"]:
        counts.update(doc)
    words = sorted(counts, key=lambda w: (-counts[w], w))
    index = {w: r for r, w in enumerate(words, start=1)}
    ranks, offsets, labels, texts = {}, {}, {}, {}
    for split, items in reviews.items():
        ranks[split], offsets[split] = _rank_docs(tokens[split], index)
        labels[split] = np.asarray([label for _, label in items], dtype=np.int8)
        texts[split] = [text for text, _ in items]
    return Corpus(words, ranks, offsets, labels, texts, source)


# --------------------------------------------------------------------------- Stanford's files


def _shuffled(items: list[tuple[str, int, str]]) -> list[tuple[str, int]]:
    """Sort by file name, then shuffle with Keras's seed: the same order on every machine."""
    items.sort(key=lambda item: item[2])
    order = np.random.RandomState(SHUFFLE_SEED).permutation(len(items))
    return [(items[i][0], items[i][1]) for i in order]


def read_aclimdb(path: Path) -> Reviews:
    """The labelled reviews of an `aclImdb` folder or tarball, each split in Keras's order
    (a split with no labelled review comes back empty)."""
    found: dict[str, list[tuple[str, int, str]]] = {split: [] for split in SPLITS}

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
    if str(source) not in ("auto", KERAS):
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
    return KERAS if _keras_npz_present() else None


# --------------------------------------------------------------------------- the cache


def cache_file(where: str | Path) -> Path:
    """The cached corpus of a source: a path `locate_imdb` found, or "keras"."""
    if where == KERAS:
        return paths.cache_dir() / f"imdb-corpus-{KERAS}.npz"
    stat = Path(where).stat()
    raw = f"{CORPUS_VERSION}|{Path(where).resolve()}|{stat.st_size}|{int(stat.st_mtime)}"
    return paths.cache_dir() / f"imdb-corpus-{hashlib.sha1(raw.encode()).hexdigest()[:16]}.npz"


def save(corpus: Corpus, target: Path) -> None:
    """Write a corpus as one .npz (texts as UTF-8 bytes with offsets), atomically."""
    arrays: dict[str, np.ndarray] = {}
    for split in SPLITS:
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


def load(target: Path) -> Corpus:
    """A corpus written by `save` (OSError, ValueError or KeyError when it is damaged)."""
    with np.load(target, allow_pickle=False) as stored:
        words = bytes(stored["words"]).decode("utf-8").split("\n")
        ranks, offsets, labels, texts = {}, {}, {}, {}
        for split in SPLITS:
            ranks[split] = stored[f"{split}_ranks"]
            offsets[split] = stored[f"{split}_offsets"]
            labels[split] = stored[f"{split}_labels"]
            if f"{split}_text" in stored:
                blob, cuts = bytes(stored[f"{split}_text"]), stored[f"{split}_text_offsets"]
                texts[split] = [blob[a:b].decode("utf-8") for a, b in pairwise(cuts)]
        return Corpus(words, ranks, offsets, labels, texts or None, str(stored["source"]))
