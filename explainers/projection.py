"""Word maps in 2 or 3 dimensions by PCA, t-SNE or UMAP, as the TensorFlow Embedding Projector
draws them: one settings dataclass, one `project(vectors, settings) -> coords`.

- PCA (scikit-learn) is linear: the axes are the directions along which the set varies most,
  so straight lines stay straight and distances shrink but keep their order on those axes.
- t-SNE (van der Maaten & Hinton 2008; scikit-learn's Barnes-Hut `TSNE`) places points so that
  each one's nearest neighbours stay near; its *perplexity* is roughly how many neighbours each
  point pays attention to. Distances between clusters and the sizes of clusters mean nothing.
- UMAP (McInnes et al. 2018; umap-learn) builds a graph of each point's `n_neighbors` nearest
  points and lays that graph out; few neighbours keep local detail, many keep more of the
  global shape. Its first fit in a process compiles code with numba (seconds), later ones do
  not.

The vectors are unit rows (cosine geometry): on unit vectors |u - v|^2 = 2 - 2 cos(u, v), so
the Euclidean neighbours t-SNE and UMAP look for are exactly the cosine neighbours. Both are
seeded (`Settings.seed`), so the same words and settings give the same map every time; UMAP
runs on one thread when seeded, which is what makes it reproducible.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from explainers.embeddings import Match, Projection, WordVectors, normalise_word
from explainers.i18n import N_, Explained

METHODS = {"pca": N_("PCA"), "tsne": N_("t-SNE"), "umap": N_("UMAP")}  # code -> its name
PERPLEXITIES = (2, 5, 10, 15, 30, 50)  # t-SNE's slider stops; sklearn's default is 30
NEIGHBOUR_COUNTS = (2, 5, 10, 15, 30, 50)  # UMAP's slider stops; umap-learn's default is 15
MIN_WORDS = 5  # t-SNE and UMAP need a few neighbours per point to mean anything
TSNE_ITERATIONS = 1_000  # sklearn's default: enough for a few thousand words to settle

MESSAGES = {  # error code -> the English message, filled with the error's parameters
    "too_few": N_("{method} needs at least {least} different words (it places each word among "
                  "its neighbours); this set has {n}. PCA works from two."),
    "bad_method": N_("There is no projection method called '{method}'."),
}


class ProjectionError(Explained, ValueError):
    """Words or settings a projection cannot use: `code` names the message."""

    def __init__(self, code: str, **params):
        self.code = code
        super().__init__(MESSAGES[code], **params)


@dataclass(frozen=True)
class Settings:
    """How to map word vectors to a picture. Frozen, so it keys a cache directly."""

    method: str = "pca"  # the Projector's default: linear, fast, its distances can be read
    dims: int = 2  # 2 keeps every label readable; 3 shows more of the structure, turned by hand
    perplexity: float = 10  # t-SNE: ~ neighbours each word attends to; 30 swamps 20-50 words
    n_neighbors: int = 15  # UMAP: its own default, local detail and global shape balanced
    seed: int = 0  # the same words and settings always give the same map

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ProjectionError("bad_method", method=self.method)

    def least_words(self) -> int:
        """The fewest different words this method can place."""
        return max(2, self.dims) if self.method == "pca" else MIN_WORDS

    def fitted(self, n: int) -> Settings:
        """These settings made valid for `n` words: t-SNE wants 3 x perplexity < n
        (sklearn requires perplexity < n), UMAP at most n - 1 neighbours, PCA at most n
        components."""
        return replace(self, dims=min(self.dims, max(1, n)),
                       perplexity=round(min(self.perplexity, max(1.0, (n - 1) / 3)), 1),
                       n_neighbors=int(min(self.n_neighbors, max(2, n - 1))))


def project(vectors: np.ndarray, settings: Settings) -> np.ndarray:
    """Coordinates of each row of `vectors` (n, dim) in `settings.dims` dimensions: (n, dims).

    Rows should be unit vectors (see the module docstring); the settings are first fitted to
    the number of rows.
    """
    x = np.asarray(vectors, dtype=np.float32)  # (n, dim)
    n = len(x)
    if n < settings.least_words():
        raise ProjectionError("too_few", method=settings.method, least=settings.least_words(),
                              n=n)
    fit = settings.fitted(n)
    if fit.method == "pca":
        from sklearn.decomposition import PCA

        coords = PCA(n_components=min(fit.dims, x.shape[1]),
                     random_state=fit.seed).fit_transform(x)  # (n, dims)
    elif fit.method == "tsne":
        from sklearn.manifold import TSNE
        from threadpoolctl import threadpool_limits

        with threadpool_limits(1):  # OpenMP threads on a busy, shared CPU: 88 s instead of 5
            coords = TSNE(n_components=fit.dims, perplexity=fit.perplexity, init="pca",
                          learning_rate="auto", max_iter=TSNE_ITERATIONS,
                          random_state=fit.seed).fit_transform(x)  # (n, dims)
    else:
        coords = umap_class()(n_components=fit.dims, n_neighbors=fit.n_neighbors,
                              random_state=fit.seed, init=umap_init(n, fit),
                              n_jobs=1).fit_transform(x)  # (n, dims)
        _UMAP_FITTED.append(True)
    return np.asarray(coords, dtype=np.float32)


def umap_init(n: int, settings: Settings) -> str:
    """UMAP's spectral start needs a graph larger than the picture's dimensions + 1; for a
    handful of words a seeded random start does the same job."""
    return "spectral" if n > settings.dims + 2 * settings.n_neighbors else "random"


_UMAP_FITTED: list[bool] = []  # a first fit in this process happened (numba compiled)


def umap_compiled() -> bool:
    """True once UMAP has fitted once in this process: its numba code is compiled, so the
    next fit takes about a second instead of tens."""
    return bool(_UMAP_FITTED)


def umap_class():
    """umap-learn's `UMAP`, imported without its optional `ParametricUMAP`, which would import
    TensorFlow (seconds, and not needed here: the GloVe page never loads it)."""
    blocked = "umap.parametric_umap" not in sys.modules
    if blocked:
        sys.modules["umap.parametric_umap"] = None  # `import` of it raises ImportError
    try:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "Tensorflow not installed" (we blocked it)
            from umap import UMAP
    finally:
        if blocked:
            sys.modules.pop("umap.parametric_umap", None)
    return UMAP


def place(vectors: WordVectors, words: Sequence[str], settings: Settings) -> Projection:
    """`words` (normalised, duplicates dropped, order kept) placed by `settings`: the same
    `Projection` as `WordVectors.pca`, whose explained variance is there for PCA only
    (empty for t-SNE and UMAP, which keep no variance to speak of)."""
    unique = tuple(dict.fromkeys(normalise_word(w) for w in words))
    if settings.method == "pca":
        return vectors.pca(unique, settings.dims)  # the one home of the word-map PCA
    rows = [vectors.row(w) for w in unique]
    coords = project(vectors.unit[rows], settings)  # (n_words, dims)
    return Projection(unique, coords, np.zeros(0, dtype=np.float32),
                      np.zeros((0, vectors.dim), dtype=np.float32))


def matching(words: Sequence[str], query: str, limit: int = 200) -> tuple[str, ...]:
    """The words that contain `query` (trimmed, any case; plain text, not a pattern), as the
    Projector's search box finds them; at most `limit`."""
    needle = normalise_word(query)
    if not needle:
        return ()
    return tuple(w for w in words if needle in w.lower())[:limit]


@dataclass(frozen=True)
class Neighbourhood:
    """A picked word's nearest words on the map: by cosine in all the vectors' dimensions
    (what the map tries to keep) and how many of them the map also puts nearest."""

    word: str
    near: tuple[Match, ...]  # nearest by cosine among the map's words, nearest first
    kept: int  # how many of `near` are also among the word's len(near) nearest on the map


def neighbourhood(vectors: WordVectors, projection: Projection, word: str,
                  k: int) -> Neighbourhood:
    """The `k` words of the map nearest to `word` in full dimensions, and how many of them
    stay among its `k` nearest in the picture (the map's honesty about this word)."""
    rows = [vectors.row(w) for w in projection.words]
    on_map = WordVectors(projection.words, vectors.unit[rows], name="map")  # (n, dim) rows
    near = tuple(on_map.neighbours(word, k))
    i = on_map.row(word)
    drawn = np.linalg.norm(projection.coords - projection.coords[i], axis=1)  # (n,)
    drawn[i] = np.inf
    closest = {projection.words[j] for j in np.argsort(drawn, kind="stable")[:len(near)]}
    return Neighbourhood(on_map.words[i], near, sum(m.word in closest for m in near))
