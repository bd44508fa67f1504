"""Shared fixtures: isolated cache/home folders, tiny aclImdb trees, the real data switch."""

from __future__ import annotations

import io
import os
import sys
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# Page tests run live jobs in a thread of the test process: they swap data folders and
# functions per test, which worker processes started earlier would not see. The Dask engine
# (the app's default) has its own tests, with clusters started for them (test_cluster.py).
os.environ.setdefault("RNN_EXPLAINER_JOBS", "thread")

from explainers import corpus, data, paths  # noqa: E402

REAL_DATA = paths.data_folder()  # CI sets RNN_EXPLAINER_DATA=../shared/data
IN_CI = bool(os.environ.get("CI"))  # in CI a missing resource fails instead of skipping
HOW_TO_GET = (
    f"set {paths.DATA_ENV} to a folder holding aclImdb (or Stanford's aclImdb_v1.tar.gz) and "
    "shakespeare.txt; CI points it at ../shared/data"
)


@pytest.fixture(autouse=True)
def _isolated_folders(tmp_path_factory, monkeypatch):
    """Every test gets its own runs folder; the prepared-array cache is shared per session."""
    monkeypatch.setenv(paths.HOME_ENV, str(tmp_path_factory.mktemp("home")))
    if not os.environ.get(paths.CACHE_ENV):
        monkeypatch.setenv(paths.CACHE_ENV, str(_session_cache(tmp_path_factory)))


_CACHE: list[Path] = []


def _session_cache(factory) -> Path:
    if not _CACHE:
        _CACHE.append(factory.mktemp("cache"))
    return _CACHE[0]


@pytest.fixture
def no_data(monkeypatch, tmp_path):
    """A machine with no IMDB, no Shakespeare and an empty Keras cache."""
    monkeypatch.delenv(paths.DATA_ENV, raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras-home"))
    return tmp_path


def finish_job(at, key: str, timeout: float = 600):
    """Wait for this AppTest session's live job under `key` to end without error, redraw the
    page (no exception), and return the job."""
    job = at.session_state[key]
    job.join(timeout)
    assert job.error is None and not job.running, job.error
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return job


def skip_or_fail(reason: str) -> None:
    """Skip with the reason on a developer's machine; fail in CI, where it must be there."""
    if IN_CI:
        pytest.fail(f"CI must have this: {reason}")
    pytest.skip(reason)


@pytest.fixture
def real_imdb():
    """The real IMDB data, or a skip that says how to get it."""
    if REAL_DATA is None or corpus.find_aclimdb(REAL_DATA) is None:
        skip_or_fail(f"real IMDB data not found: {HOW_TO_GET}")
    return REAL_DATA


@pytest.fixture
def real_shakespeare():
    found = data.locate_shakespeare()
    if found is None:
        skip_or_fail(f"Shakespeare text not found: {HOW_TO_GET}")
    return found


TINY_LAB = {  # the lab's link to a training of seconds on the real data (browser tests)
    "preset": "Fast average pooling", "train_size": 1_000, "epochs": 1, "test": 1_000}
TINY_REVIEWS = {  # (split, polarity, id, rating) -> text; small enough to count by hand
    ("train", "pos", 0, 9): "A great movie, great acting. I loved it!<br /><br />Great.",
    ("train", "pos", 1, 8): "Loved the acting; the story is great.",
    ("train", "neg", 0, 2): "Awful movie. The acting is awful and boring.",
    ("train", "neg", 1, 1): "Boring, boring, boring. Don't watch it.",
    ("test", "pos", 0, 10): "Great story, loved it.",
    ("test", "neg", 0, 3): "An awful, boring mess. Zebra.",
}


def write_aclimdb(root: Path, reviews: dict | None = None, as_tarball: bool = False) -> Path:
    """Write a tiny Stanford-layout aclImdb tree (or tarball) under `root`; return its path."""
    reviews = TINY_REVIEWS if reviews is None else reviews
    files = {
        f"aclImdb/{split}/{pol}/{i}_{rating}.txt": (
            text if isinstance(text, bytes) else text.encode("utf-8")
        )
        for (split, pol, i, rating), text in reviews.items()
    }
    if as_tarball:
        target = root / "aclImdb_v1.tar.gz"
        with tarfile.open(target, "w:gz") as archive:
            for name, payload in files.items():
                info = tarfile.TarInfo(name)
                info.size = len(payload)
                archive.addfile(info, io.BytesIO(payload))
        return target
    for name, payload in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(payload)
    return root / "aclImdb"


@pytest.fixture
def tiny_imdb(tmp_path, monkeypatch):
    """RNN_EXPLAINER_DATA pointing at a tiny aclImdb folder, with its own cache."""
    write_aclimdb(tmp_path)
    monkeypatch.setenv(paths.DATA_ENV, str(tmp_path))
    monkeypatch.setenv(paths.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras-home"))
    return tmp_path


@pytest.fixture
def chinese(monkeypatch):
    """`lessons.i18n._` speaks Chinese outside a page (figure builders, tables, messages)."""
    from lessons import i18n

    monkeypatch.setattr(i18n, "is_chinese", lambda: True)
    return i18n._
