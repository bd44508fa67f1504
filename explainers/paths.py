"""Where the app keeps its files: the data folder, the disk cache and the user's runs.

Each location can be moved by an environment variable (tests point them at temporary
folders); otherwise they follow the platform's conventions through `platformdirs`.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import platformdirs

APP_NAME = "rnn-explainer"  # folder name under the user's cache and data folders
DATA_ENV = "RNN_EXPLAINER_DATA"  # a folder holding aclImdb (or its tarball) and Shakespeare
CACHE_ENV = "RNN_EXPLAINER_CACHE"  # overrides the disk cache folder
HOME_ENV = "RNN_EXPLAINER_HOME"  # overrides the user data folder (runs live under it)
PROJECT_ROOT = Path(__file__).resolve().parent.parent
ASSETS = PROJECT_ROOT / "assets"


def data_folder() -> Path | None:
    """The folder named by RNN_EXPLAINER_DATA, or None when the variable is unset or empty."""
    value = os.environ.get(DATA_ENV, "").strip()
    return Path(value).expanduser() if value else None


def cache_dir() -> Path:
    """The disk cache for prepared arrays (created on first use)."""
    value = os.environ.get(CACHE_ENV, "").strip()
    path = Path(value).expanduser() if value else Path(platformdirs.user_cache_dir(APP_NAME))
    path.mkdir(parents=True, exist_ok=True)
    return path


def home_dir() -> Path:
    """The user's data folder: saved training runs and uploads live here."""
    value = os.environ.get(HOME_ENV, "").strip()
    path = Path(value).expanduser() if value else Path(platformdirs.user_data_dir(APP_NAME))
    path.mkdir(parents=True, exist_ok=True)
    return path


def keras_cache_dir() -> Path:
    """Keras's own dataset cache (`keras.utils.get_file` writes here): $KERAS_HOME/datasets."""
    keras_home = os.environ.get("KERAS_HOME", "").strip()
    base = Path(keras_home).expanduser() if keras_home else Path.home() / ".keras"
    return base / "datasets"


def atomic_write_bytes(path: Path, payload: bytes) -> None:
    """Write a file so that readers see either the old content or the new, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
