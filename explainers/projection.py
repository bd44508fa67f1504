"""Word maps in 2 or 3 dimensions by PCA, t-SNE or UMAP, as the TensorFlow Embedding Projector
draws them: one settings dataclass, one `project(vectors, settings) -> coords`.

- PCA (scikit-learn) is linear: the axes are the directions along which the set varies most,
  so straight lines stay straight and distances shrink but keep their order on those axes.
- t-SNE (van der Maaten & Hinton 2008; openTSNE's Barnes-Hut `TSNE`, Policar et al. 2024) places
  points so that each one's nearest neighbours stay near; its *perplexity* is roughly how many
  neighbours each point pays attention to. Distances between clusters and the sizes of clusters
  mean nothing.
- UMAP (McInnes et al. 2018; umap-learn) builds a graph of each point's `n_neighbors` nearest
  points and lays that graph out; few neighbours keep local detail, many keep more of the
  global shape. Its first fit in a process compiles code with numba (seconds), later ones do
  not.

The vectors are unit rows (cosine geometry): on unit vectors |u - v|^2 = 2 - 2 cos(u, v), so
the Euclidean neighbours t-SNE and UMAP look for are exactly the cosine neighbours. Both are
seeded (`Settings.seed`), so the same words and settings give the same map every time; UMAP
runs on one thread when seeded, which is what makes it reproducible.

t-SNE and UMAP take seconds to a minute, so a page runs them as a live job: `map_words(spec,
reporter)` takes a frozen `MapSpec` (the words' unit vectors and the settings), reports its
stages ("finding neighbours", UMAP's one-off compile) and its iterations as batches (openTSNE's
callbacks, UMAP's epoch counter), stops when asked, and returns the same `Projection` as
`place`. `project(vectors, settings)` is the same computation with nobody listening.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from explainers.embeddings import Match, Projection, WordVectors, normalise_word
from explainers.i18n import N_, Explained
from explainers.live import QUIET, Reporter

METHODS = {"pca": N_("PCA"), "tsne": N_("t-SNE"), "umap": N_("UMAP")}  # code -> its name
PERPLEXITIES = (2, 5, 10, 15, 30, 50)  # t-SNE's slider stops; its libraries' default is 30
NEIGHBOUR_COUNTS = (2, 5, 10, 15, 30, 50)  # UMAP's slider stops; umap-learn's default is 15
MIN_WORDS = 5  # t-SNE and UMAP need a few neighbours per point to mean anything
TSNE_EARLY = 250  # openTSNE's early-exaggeration iterations: groups form, then spread
TSNE_ITERATIONS = 500  # openTSNE's default after them: enough for a few thousand words
TSNE_REPORT_EVERY = 10  # t-SNE iterations between reports (each one evaluates the KL loss)
UMAP_EPOCHS = 500  # umap-learn's own choice below 10,000 points, said so it can be counted
STAGES = {  # what a map job is doing before its iterations, said on the progress bar
    "compile": N_("compiling UMAP (first time only: 10-60 s)"),
    "neighbours": N_("finding each word's nearest neighbours"),
    "layout": N_("laying out"),
}

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
        """These settings made valid for `n` words: t-SNE wants 3 x perplexity <= n - 1
        (rounded down to a tenth; openTSNE would lower a larger one itself), UMAP at most
        n - 1 neighbours, PCA at most n components."""
        most = max(1.0, (n - 1) / 3)  # the largest perplexity n words allow
        return replace(self, dims=min(self.dims, max(1, n)),
                       perplexity=math.floor(10 * min(self.perplexity, most)) / 10,
                       n_neighbors=int(min(self.n_neighbors, max(2, n - 1))))


class _Stopped(Exception):
    """Stop was asked while a map was being computed: there is no map to return."""


class _Steps:
    """A map's iterations reported to `reporter` as batches of one epoch, `total` of them;
    Stop is read at every report. Its two adapters: openTSNE's callback (`tsne_callback`,
    which ends t-SNE at once) and a file for the tqdm counter umap-learn writes its epochs
    to (`write`, after which the fit's result is dropped)."""

    def __init__(self, reporter: Reporter, total: int):
        self.reporter, self.total, self.done, self.stopped = reporter, total, 0, False

    def stage(self, code: str) -> None:
        """A stage begins; the batch report after it keeps the job stoppable meanwhile."""
        self.reporter.stage(STAGES[code], 0.0)
        self.reporter.batch(self.done, self.total)
        if self.reporter.should_stop():
            raise _Stopped

    def advance(self, done: int, **metrics: float) -> bool:
        """`done` iterations of `total`; True once Stop was asked."""
        self.done = done
        self.reporter.batch(done, self.total, **metrics)
        self.stopped = self.stopped or self.reporter.should_stop()
        return self.stopped

    def tsne_callback(self, _iteration: int, error: float, _embedding) -> bool:
        """Called every TSNE_REPORT_EVERY iterations of each phase; True stops openTSNE."""
        return self.advance(self.done + TSNE_REPORT_EVERY, kl=error)

    def write(self, text: str) -> None:
        """tqdm's line "<epochs done> <epochs>" (our bar format). Nothing is raised here:
        tqdm writes holding its process-wide lock, which an exception would never release
        (every later UMAP, in any thread, would wait for it). Stop is acted on after the fit:
        the layout takes a few seconds."""
        found = re.findall(r"(\d+) (\d+)", text)
        if found and not self.stopped:
            self.advance(int(found[-1][0]))

    def flush(self) -> None:
        """tqdm flushes its file; nothing is buffered here."""


@dataclass(frozen=True, eq=False)
class MapSpec:
    """One t-SNE or UMAP map to compute, small enough to send to a worker (a few thousand rows
    at most). Not compared or hashed: pages key their caches by words and settings."""

    words: tuple[str, ...]  # normalised, unique, in the map's order
    vectors: np.ndarray  # (n_words, dim) float32 unit rows, one per word
    settings: Settings  # fitted to the number of words


def map_spec(vectors: WordVectors, words: Sequence[str], settings: Settings) -> MapSpec:
    """What `map_words` needs to place `words` (normalised, duplicates dropped, order kept)."""
    unique = unique_words(words)
    rows = [vectors.row(w) for w in unique]
    return MapSpec(unique, np.asarray(vectors.unit[rows], dtype=np.float32),  # (n, dim)
                   settings.fitted(len(unique)))


def map_words(spec: MapSpec, reporter: Reporter = QUIET) -> Projection | None:
    """A live job's work: `spec`'s words placed by its settings, as `place` places them, or
    None when Stop was asked before the map was finished."""
    try:
        coords = project(spec.vectors, spec.settings, reporter)  # (n_words, dims)
    except _Stopped:
        return None
    return _projection_of(spec.words, coords, spec.vectors.shape[1])


def unique_words(words: Sequence[str]) -> tuple[str, ...]:
    """`words` normalised, duplicates dropped, first order kept: the map's words."""
    return tuple(dict.fromkeys(normalise_word(w) for w in words))


def _projection_of(words: tuple[str, ...], coords: np.ndarray, dim: int) -> Projection:
    """A t-SNE or UMAP map as a `Projection`: no variance or axes to speak of (empty)."""
    return Projection(words, coords, np.zeros(0, dtype=np.float32),
                      np.zeros((0, dim), dtype=np.float32))


def project(vectors: np.ndarray, settings: Settings, reporter: Reporter = QUIET) -> np.ndarray:
    """Coordinates of each row of `vectors` (n, dim) in `settings.dims` dimensions: (n, dims).

    Rows should be unit vectors (see the module docstring); the settings are first fitted to
    the number of rows. t-SNE and UMAP report to `reporter` and end with `_Stopped` when it
    says stop (`map_words` turns that into None).
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
        coords = _tsne(x, fit, _Steps(reporter, TSNE_EARLY + TSNE_ITERATIONS))
    else:
        coords = _umap(x, fit, _Steps(reporter, UMAP_EPOCHS))
    return np.asarray(coords, dtype=np.float32)


def _tsne(x: np.ndarray, fit: Settings, steps: _Steps) -> np.ndarray:
    """openTSNE's Barnes-Hut t-SNE (it works in 3-D too), PCA start, one thread, seeded."""
    from openTSNE import TSNE
    from threadpoolctl import threadpool_limits

    steps.stage("neighbours")  # openTSNE's affinities come first: exact below 1,000 words
    with threadpool_limits(1):  # BLAS/OpenMP threads on a busy, shared CPU crawl
        coords = TSNE(n_components=fit.dims, perplexity=fit.perplexity, initialization="pca",
                      early_exaggeration_iter=TSNE_EARLY, n_iter=TSNE_ITERATIONS,
                      negative_gradient_method="bh", n_jobs=1, random_state=fit.seed,
                      callbacks=steps.tsne_callback,
                      callbacks_every_iters=TSNE_REPORT_EVERY).fit(x)  # (n, dims)
    if steps.stopped:  # openTSNE returns the unfinished layout: not a map to show
        raise _Stopped
    return np.asarray(coords)


def _umap(x: np.ndarray, fit: Settings, steps: _Steps) -> np.ndarray:
    """umap-learn's UMAP, one thread, seeded; its epochs counted through tqdm's file."""
    if not umap_compiled():
        steps.stage("compile")
        compile_umap()
    steps.stage("neighbours")  # below 4,096 points umap-learn computes every distance
    counter = {"disable": False, "file": steps, "bar_format": "{n} {total}",
               "mininterval": 0.2}  # the layout's epochs, written to `steps`
    coords = umap_class()(n_components=fit.dims, n_neighbors=fit.n_neighbors,
                          random_state=fit.seed, init=umap_init(len(x), fit), n_jobs=1,
                          n_epochs=UMAP_EPOCHS, tqdm_kwds=counter).fit_transform(x)  # (n, dims)
    _UMAP_FITTED.append(True)
    if steps.stopped:
        raise _Stopped
    return coords


def compile_umap() -> None:
    """Fit UMAP once on a dozen random points, so numba compiles its code now (the stage the
    page names) and the real fit after it takes about a second."""
    points = np.random.default_rng(0).normal(size=(12, 4)).astype(np.float32)  # (12, 4)
    umap_class()(n_neighbors=3, random_state=0, init="random", n_jobs=1).fit_transform(points)
    _UMAP_FITTED.append(True)


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
    if settings.method == "pca":
        return vectors.pca(unique_words(words), settings.dims)  # the one home of the map's PCA
    return map_words(map_spec(vectors, words, settings))


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
