"""Trained sentiment models on disk: one run folder each, one loader, one `TrainedModel`.

A run is one folder:

    model.keras       the trained Keras model, without optimizer state (safe_mode on load)
    run.json          configs, history, timings, test metrics, parameter count, input format
    vocabulary.json   the Vocabulary that turns new text into the model's ids

The lab's runs live under the runs root (`paths.home_dir() / "runs"` unless given), one
folder per run id; the shipped LSTM is a run too, made by `scripts/train_lstm_sentiment.py`
through the same build/train/save path, in `assets/lstm_sentiment/`. Both load through
`load_run` into a `TrainedModel`: the Keras model, its `reviews.InputFormat` and its record.

A run is written complete into a hidden temporary folder and then renamed into place with
`os.replace`, so another session listing the runs sees either the whole run or nothing.
Deleting renames the folder away first for the same reason. A damaged run, and anything in
the runs folder that is not a run folder, is reported in `list()`'s problems and skipped. A
read-only or full disk on save, delete or publish raises `StoreFailed` and changes nothing
else. Each lab run records its `owner` and whether it is published; every `RunStore` read,
publish and delete checks the asking owner (`explainers/run_access.py`: another's private
run is answered as absent, whatever id a URL names).
"""

from __future__ import annotations

import errno
import json
import math
import os
import re
import secrets
import shutil
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from explainers import paths
from explainers.data import Vocabulary
from explainers.i18n import N_, Echo, Explained, Say, english
from explainers.models import ModelConfig, describe
from explainers.reviews import InputFormat
from explainers.run_access import (
    CLASS,
    OWNER_ID,
    RunUnavailable,
    StoreFailed,
    may_change,
    may_open,
)

RUN_FILE = "run.json"
MODEL_FILE = "model.keras"
VOCAB_FILE = "vocabulary.json"
RUN_ID = re.compile(r"^[0-9]{8}-[0-9]{6}-[0-9a-f]{6}\Z")  # 20261126-175800-3fa2c1 (\Z: no "\n")
FORMAT_VERSION = 2  # bump when run.json changes shape (2: owner and published)
SHIPPED_RUN = "lstm_sentiment"  # the shipped LSTM's run folder under assets/
SHIPPED_FOLDER = paths.ASSETS / SHIPPED_RUN
LESSON_RUNS = paths.ASSETS / "lesson_runs"  # recorded full runs of the lesson's recipes, by key
_READ: dict[Path, tuple[tuple | None, RunRecord]] = {}  # folder -> (run.json's stat, record)


DAMAGE = {  # RunDamaged code -> the English message, filled with the error's parameters
    "missing": N_("run {run_id}: {file} is missing"),
    "record": N_("run {run_id}: {file} is damaged or incomplete ({why}); it was skipped"),
    "vocabulary": N_("run {run_id}: {file} is damaged ({why})"),
    "model": N_("run {run_id}: {file} cannot be loaded ({why})"),
    "foreign": N_("{name} in the runs folder is not a run; it was skipped"),
}


class RunDamaged(Explained, RuntimeError):
    """A run folder exists but its files cannot be read; the message says which (`code`, a
    key of DAMAGE; `why` is the underlying error, as Python wrote it)."""

    def __init__(self, code: str, **params: Any):
        self.code = code
        super().__init__(DAMAGE[code], **params)


RUN_LABEL = N_("{name} · test {accuracy} · {seconds} s · {run_id}")  # a run in lists


@dataclass
class RunRecord:
    """One saved run, as read back from run.json."""

    run_id: str
    created: float  # seconds since the epoch
    name: str
    preset: str  # the preset it started from ("" = built by hand)
    architecture: str  # one line, e.g. "Embedding(10000, 16) → 2 × Bi-LSTM(64) → ..."
    model_config: dict
    train_config: dict
    data: dict  # num_words, index_from, maxlen, padding, truncating: how to encode new text
    history: dict[str, list[float]]
    seconds: float
    epochs_run: int
    stopped: bool
    best_epoch: int
    parameters: int
    test: dict  # loss, accuracy, reviews (how many test reviews were scored)
    timings: dict = field(default_factory=dict)  # epoch_seconds, test_seconds, ...
    extra: dict = field(default_factory=dict)  # anything a page wants to keep
    owner: str = CLASS  # OWNER_ID of whoever trained it; CLASS: saved with no owner
    published: bool = False  # its owner shared it with the class
    path: Path | None = None
    shipped: bool = False  # the run shipped in assets/, not one trained in the lab

    @property
    def best_val_accuracy(self) -> float:
        values = [v for v in self.history.get("val_accuracy", []) if not math.isnan(v)]
        return max(values) if values else math.nan

    @property
    def test_accuracy(self) -> float:
        return float(self.test.get("accuracy", math.nan))

    @property
    def body(self) -> str:
        return str(self.model_config.get("body", ""))

    @property
    def test_reviews(self) -> int:
        return int(self.test.get("reviews", 0))

    def label(self, say: Say = english, name: str | None = None) -> str:
        """How lists show it: name (or `name`), test accuracy, time and id, worded by `say`
        (a page's `_`)."""
        acc = f"{self.test_accuracy:.4f}" if not math.isnan(self.test_accuracy) else "—"
        took = f"{self.seconds:.0f}" if math.isfinite(self.seconds) else "—"
        return say(RUN_LABEL, name=self.name if name is None else name, accuracy=acc,
                   seconds=took, run_id=self.run_id)


def _clean(value):
    """JSON-safe copy: numpy numbers to Python, NaN kept (json writes it as NaN)."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, np.ndarray):
        return _clean(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    return value


@dataclass(frozen=True, eq=False)
class TrainedModel:
    """A trained sentiment model with all it takes to use it: the Keras model, how text
    becomes its input, and its record (name, scores, settings, where it came from)."""

    model: Any  # the Keras model, loaded in safe mode; may be shared, so only read it
    input_format: InputFormat
    record: RunRecord

    @property
    def name(self) -> str:
        return self.record.name

    @property
    def test_accuracy(self) -> float:
        return self.record.test_accuracy

    @property
    def test_reviews(self) -> int:
        return self.record.test_reviews

    @property
    def shipped(self) -> bool:
        return self.record.shipped


# --------------------------------------------------------------------------- one run folder


def _weights_only(model):
    """The model without its optimizer (whose moments are two more copies of every weight):
    a fresh, uncompiled model of the same layers and weights, all that predicting needs."""
    copy = type(model).from_config(model.get_config())
    copy.set_weights(model.get_weights())
    return copy


def save_run(folder: Path, model, *, model_config, train_config, result, test_metrics: dict,
             input_format: InputFormat, name: str = "", preset: str = "",
             timings: dict | None = None, extra: dict | None = None, owner: str = CLASS,
             replace: bool = True) -> None:
    """Write a run into `folder` atomically (a run already there is replaced whole, unless
    `replace` is False: then it stays and the save fails). `owner` is whose run it is (an
    OWNER_ID, or CLASS). A disk that refuses raises StoreFailed; nothing is left behind.

    `input_format` is how text becomes the model's ids (the vocabulary file and the run's
    `data` settings); `model_config`/`train_config` are the frozen dataclasses (or plain
    dicts); `result` a `training.TrainResult` (or a dict with its fields); `test_metrics`
    holds loss, accuracy and the number of reviews scored (any probabilities are left out).
    """
    folder = Path(folder)
    if owner != CLASS and not OWNER_ID.match(owner):
        raise ValueError(f"not an owner id: {owner!r}")
    mc = model_config.to_dict() if hasattr(model_config, "to_dict") else dict(model_config)
    tc = train_config.to_dict() if hasattr(train_config, "to_dict") else dict(train_config)
    res = result.to_dict() if hasattr(result, "to_dict") else dict(result)
    try:
        architecture = describe(ModelConfig.from_dict(mc))
    except (TypeError, ValueError):
        architecture = str(mc)
    test = {k: v for k, v in test_metrics.items() if k != "probabilities"}
    record = {
        "format": FORMAT_VERSION,
        "run_id": folder.name,
        "created": time.time(),
        "name": name or architecture,
        "preset": preset,
        "architecture": architecture,
        "model_config": mc,
        "train_config": tc,
        "data": input_format.spec(),
        "history": res.get("history", {}),
        "seconds": res.get("seconds", math.nan),
        "epochs_run": res.get("epochs_run", 0),
        "stopped": res.get("stopped", False),
        "best_epoch": res.get("best_epoch", 0),
        "parameters": int(model.count_params()),
        "test": test,
        "timings": {"epoch_seconds": res.get("epoch_seconds", []),
                    "mean_width": res.get("mean_width", math.nan), **(timings or {})},
        "extra": extra or {},
        "owner": owner,
        "published": False,
    }
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}."))
    except OSError as error:  # a read-only or full runs folder: nothing was written
        raise StoreFailed("save", error) from error
    try:
        _weights_only(model).save(staging / MODEL_FILE)
        input_format.vocabulary.save(staging / VOCAB_FILE)
        payload = json.dumps(_clean(record), indent=1, ensure_ascii=False)
        (staging / RUN_FILE).write_text(payload, encoding="utf-8")
        old = None
        if folder.exists():  # a re-made shipped run: move the old one away first
            if not replace:
                raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(folder))
            old = folder.parent / f".replaced-{folder.name}-{secrets.token_hex(3)}"
            os.replace(folder, old)
        os.replace(staging, folder)  # the run appears whole, or not at all
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException as error:
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(error, OSError) and not isinstance(error, FileExistsError):
            raise StoreFailed("save", error) from error  # say it in the reader's words
        raise


def read_record(folder: Path, shipped: bool = False) -> RunRecord:
    """A run folder's run.json (no model loaded), or RunDamaged saying what is wrong; parsed
    once per version of the file (`_READ`): listing runs on every rerun stays cheap."""
    folder = Path(folder)
    try:
        stat = (folder / RUN_FILE).stat()
        key = (stat.st_ino, stat.st_mtime_ns, stat.st_size, shipped)
    except OSError:
        key = None  # _parse_record says what is wrong
    hit = _READ.get(folder)
    if key is None or hit is None or hit[0] != key or not (folder / MODEL_FILE).is_file():
        hit = _READ[folder] = (key, _parse_record(folder, shipped))
    return replace(hit[1])  # a copy: a caller may change its own (publish does)


def _parse_record(folder: Path, shipped: bool) -> RunRecord:
    run_id = folder.name
    try:
        spec = json.loads((folder / RUN_FILE).read_text(encoding="utf-8"))
        if not (folder / MODEL_FILE).is_file():
            raise RunDamaged("missing", run_id=run_id, file=MODEL_FILE)
        owner = spec.get("owner", CLASS)  # runs from before owners: the class's
        if owner != CLASS and not (isinstance(owner, str) and OWNER_ID.match(owner)):
            raise ValueError(f"owner {owner!r} is not an owner id")
        return RunRecord(
            run_id=run_id, created=float(spec["created"]), name=str(spec["name"]),
            preset=str(spec.get("preset", "")), architecture=str(spec.get("architecture", "")),
            model_config=dict(spec["model_config"]), train_config=dict(spec["train_config"]),
            data=dict(spec["data"]),
            history={k: [float(v) for v in vs] for k, vs in spec["history"].items()},
            seconds=float(spec["seconds"]), epochs_run=int(spec["epochs_run"]),
            stopped=bool(spec["stopped"]), best_epoch=int(spec["best_epoch"]),
            parameters=int(spec["parameters"]), test=dict(spec["test"]),
            timings=dict(spec.get("timings", {})), extra=dict(spec.get("extra", {})),
            owner=owner, published=spec.get("published", False) is True, path=folder,
            shipped=shipped,
        )
    except RunDamaged:
        raise
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise RunDamaged("record", run_id=run_id, file=RUN_FILE,
                         why=Echo(f"{type(error).__name__}: {error}")) from error


def load_run(folder: Path, shipped: bool = False) -> TrainedModel:
    """The one loader: a run folder's model, input format and record (safe mode: no code
    runs). The model is a fresh object for the caller; RunDamaged names the broken file."""
    import keras

    folder = Path(folder)
    record = read_record(folder, shipped)
    try:
        vocabulary = Vocabulary.from_file(folder / VOCAB_FILE)
        form = InputFormat.from_spec(record.data, vocabulary)
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise RunDamaged("vocabulary", run_id=record.run_id, file=VOCAB_FILE,
                         why=Echo(error)) from error
    try:
        model = keras.saving.load_model(folder / MODEL_FILE, safe_mode=True, compile=False)
    except Exception as error:  # a truncated or foreign file: say which run
        raise RunDamaged("model", run_id=record.run_id, file=MODEL_FILE,
                         why=Echo(error)) from error
    return TrainedModel(model, form, record)


def shipped_record(folder: Path = SHIPPED_FOLDER) -> RunRecord | None:
    """The shipped run's record; None when it is not in assets/ (RunDamaged if broken)."""
    return read_record(folder, shipped=True) if Path(folder).is_dir() else None


def load_shipped(folder: Path = SHIPPED_FOLDER) -> TrainedModel:
    """The shipped LSTM, made by scripts/train_lstm_sentiment.py (see assets/README.md)."""
    return load_run(folder, shipped=True)


def lesson_record(key: str, folder: Path | None = None) -> RunRecord | None:
    """The recorded full run of one lesson recipe (`lesson.SentimentModel.key`), made by
    scripts/record_lesson_runs.py, from `folder` (default LESSON_RUNS); None when it is not
    there (RunDamaged if broken)."""
    return shipped_record(Path(folder or LESSON_RUNS) / key)


def load_lesson_run(key: str, folder: Path | None = None) -> TrainedModel:
    """The model of a recorded lesson run, trained exactly as the lesson's code (see
    assets/README.md): the pooling model, the post-padded SimpleRNN, the 2 x BiLSTM."""
    return load_run(Path(folder or LESSON_RUNS) / key, shipped=True)


# --------------------------------------------------------------------------- the lab's runs


class RunStore:
    """The lab's runs folder: save, list, load, load_run, publish, delete, each for an owner
    (an OWNER_ID; CLASS, the default, sees the class's and published runs, changes none)."""

    def __init__(self, root: Path | None = None):
        self.root = Path(root) if root is not None else paths.home_dir() / "runs"

    def new_id(self) -> str:
        return time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(3)

    def save(self, model, *, owner: str = CLASS, **settings) -> str:
        """Write a new run for `owner` (see `save_run` for the settings) and return its id;
        never over an existing run (StoreFailed when the disk refuses)."""
        while True:
            run_id = self.new_id()
            try:
                save_run(self.root / run_id, model, owner=owner, replace=False, **settings)
                return run_id
            except FileExistsError:  # the same second and the same 24 random bits
                continue

    def folder(self, run_id: str) -> Path:
        """Where run `run_id` lives (RunUnavailable "bad_id" for anything but a run id, so no
        id reaches outside the runs folder)."""
        if not isinstance(run_id, str) or not RUN_ID.match(run_id):
            raise RunUnavailable("bad_id", run_id=Echo(run_id))
        return self.root / run_id

    def load(self, run_id: str, owner: str = CLASS) -> RunRecord:
        """Run `run_id`'s record, if `owner` may open it (else RunUnavailable "absent", as
        for a run that is not there; RunDamaged when its files are broken)."""
        folder = self.folder(run_id)
        if folder.is_symlink() or not folder.is_dir():
            raise RunUnavailable("absent", run_id=run_id)
        record = read_record(folder)
        if not may_open(record, owner):
            raise RunUnavailable("absent", run_id=run_id)
        return record

    def load_run(self, run_id: str, owner: str = CLASS) -> TrainedModel:
        """Run `run_id`'s model, input format and record, if `owner` may open it."""
        return load_run(self.load(run_id, owner).path)

    def _mine(self, run_id: str, owner: str) -> RunRecord:
        record = self.load(run_id, owner)
        if not may_change(record, owner):
            raise RunUnavailable("not_yours", run_id=run_id)
        return record

    def publish(self, run_id: str, owner: str, published: bool = True) -> RunRecord:
        """Share `owner`'s run with the class (or take it back); run.json is replaced whole."""
        record = self._mine(run_id, owner)
        path = self.folder(run_id) / RUN_FILE
        try:
            spec = json.loads(path.read_text(encoding="utf-8"))
            spec["published"] = bool(published)
            paths.atomic_write_bytes(path, json.dumps(spec, indent=1).encode("utf-8"))
        except OSError as error:
            raise StoreFailed("change", error, run_id=run_id) from error
        record.published = bool(published)
        return record

    def delete(self, run_id: str, owner: str) -> None:
        """Remove `owner`'s run: renamed away first (atomic for readers), then deleted."""
        self._mine(run_id, owner)
        trash = self.root / f".deleted-{run_id}-{secrets.token_hex(3)}"
        try:
            os.replace(self.folder(run_id), trash)
        except OSError as error:
            raise StoreFailed("change", error, run_id=run_id) from error
        _READ.pop(self.folder(run_id), None)
        shutil.rmtree(trash, ignore_errors=True)

    def list(self, owner: str = CLASS) -> tuple[list[RunRecord], list[str]]:
        """(the runs `owner` may open, newest first; problems, one sentence per damaged run
        or foreign file, which is skipped)."""
        records, problems = [], []
        if not self.root.is_dir():
            return records, problems
        with os.scandir(self.root) as found:  # entries know their type: no stat each
            entries = sorted(found, key=lambda e: e.name)
        for entry in entries:
            if entry.name.startswith("."):
                continue  # a run being written or deleted by another session
            if entry.is_symlink() or not entry.is_dir() or not RUN_ID.match(entry.name):
                problems.append(str(RunDamaged("foreign", name=Echo(entry.name))))
                continue
            try:
                record = read_record(self.root / entry.name)
            except RunDamaged as error:
                problems.append(str(error))
                continue
            if may_open(record, owner):  # someone else's private run is not there for owner
                records.append(record)
        records.sort(key=lambda r: r.created, reverse=True)
        return records, problems
