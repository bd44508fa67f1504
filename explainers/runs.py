"""Keep the lab's training runs on disk: model, history, settings, timings and test scores.

Each run is one folder under the runs root (`paths.home_dir() / "runs"` unless given):

    <run_id>/model.keras       the trained Keras model (loaded back with safe_mode=True)
    <run_id>/run.json          configs, history, timings, test metrics, parameter count
    <run_id>/vocabulary.json   the Vocabulary that turns new text into the model's ids

A run is written complete into a hidden temporary folder and then renamed into place with
`os.replace`, so another session listing the runs sees either the whole run or nothing.
Deleting renames the folder away first for the same reason. A run whose files are missing
or unreadable is reported in `list()`'s problems and skipped; it never stops the listing.
"""

from __future__ import annotations

import json
import math
import os
import re
import secrets
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from explainers import paths
from explainers.data import Vocabulary, encode_review
from explainers.models import ModelConfig, describe

RUN_FILE = "run.json"
MODEL_FILE = "model.keras"
VOCAB_FILE = "vocabulary.json"
RUN_ID = re.compile(r"^[0-9]{8}-[0-9]{6}-[0-9a-f]{6}$")  # 20261126-175800-3fa2c1
FORMAT_VERSION = 1  # bump when run.json changes shape


class RunDamaged(RuntimeError):
    """A run folder exists but its files cannot be read; the message says which."""


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
    path: Path | None = None

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

    def encode(self, text: str, vocabulary: Vocabulary) -> np.ndarray:
        """A review -> the (1, maxlen) ids this run's model was trained on."""
        ids = encode_review(
            text, vocabulary, maxlen=self.data.get("maxlen"),
            padding=self.data.get("padding", "pre"),
            truncating=self.data.get("truncating", "pre"),
        )
        return ids[None, :]  # (1, maxlen)

    def label(self) -> str:
        """How lists show it: name, test accuracy and time."""
        acc = f"{self.test_accuracy:.4f}" if not math.isnan(self.test_accuracy) else "—"
        return f"{self.name} · test {acc} · {self.seconds:.0f} s · {self.run_id}"


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


class RunStore:
    """The runs folder: save, list, load, load_model, delete."""

    def __init__(self, root: Path | None = None):
        self.root = Path(root) if root is not None else paths.home_dir() / "runs"

    # ------------------------------------------------------------------ writing

    def new_id(self) -> str:
        return time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(3)

    def save(
        self,
        model,
        *,
        model_config,
        train_config,
        result,
        test_metrics: dict,
        vocabulary: Vocabulary,
        maxlen: int | None,
        padding: str = "pre",
        truncating: str = "pre",
        name: str = "",
        preset: str = "",
        timings: dict | None = None,
        extra: dict | None = None,
    ) -> str:
        """Write a run atomically and return its id.

        `model_config`/`train_config` are the frozen dataclasses (or plain dicts); `result` a
        `training.TrainResult` (or a dict with its fields); `test_metrics` holds loss and
        accuracy (any probabilities array is left out).
        """
        mc = model_config.to_dict() if hasattr(model_config, "to_dict") else dict(model_config)
        tc = train_config.to_dict() if hasattr(train_config, "to_dict") else dict(train_config)
        res = result.to_dict() if hasattr(result, "to_dict") else dict(result)
        try:
            architecture = describe(ModelConfig.from_dict(mc))
        except (TypeError, ValueError):
            architecture = str(mc)
        run_id = self.new_id()
        test = {k: v for k, v in test_metrics.items() if k != "probabilities"}
        record = {
            "format": FORMAT_VERSION,
            "run_id": run_id,
            "created": time.time(),
            "name": name or architecture,
            "preset": preset,
            "architecture": architecture,
            "model_config": mc,
            "train_config": tc,
            "data": {
                "num_words": vocabulary.num_words,
                "index_from": vocabulary.index_from,
                "maxlen": maxlen,
                "padding": padding,
                "truncating": truncating,
            },
            "history": res.get("history", {}),
            "seconds": res.get("seconds", math.nan),
            "epochs_run": res.get("epochs_run", 0),
            "stopped": res.get("stopped", False),
            "best_epoch": res.get("best_epoch", 0),
            "parameters": int(model.count_params()),
            "test": test,
            "timings": {
                "epoch_seconds": res.get("epoch_seconds", []),
                "mean_width": res.get("mean_width", math.nan),
                **(timings or {}),
            },
            "extra": extra or {},
        }
        self.root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=self.root, prefix=f".{run_id}."))
        try:
            model.save(staging / MODEL_FILE)
            vocabulary.save(staging / VOCAB_FILE)
            payload = json.dumps(_clean(record), indent=1, ensure_ascii=False)
            (staging / RUN_FILE).write_text(payload, encoding="utf-8")
            os.replace(staging, self.root / run_id)  # the run appears whole, or not at all
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return run_id

    def rename(self, run_id: str, name: str) -> None:
        folder = self._folder(run_id)
        spec = json.loads((folder / RUN_FILE).read_text(encoding="utf-8"))
        spec["name"] = name.strip()[:120] or spec.get("architecture", run_id)
        paths.atomic_write_bytes(
            folder / RUN_FILE, json.dumps(spec, indent=1, ensure_ascii=False).encode("utf-8")
        )

    def delete(self, run_id: str) -> None:
        """Remove a run: renamed away first (atomic for readers), then deleted."""
        folder = self._folder(run_id)
        trash = self.root / f".deleted-{run_id}-{secrets.token_hex(3)}"
        os.replace(folder, trash)
        shutil.rmtree(trash, ignore_errors=True)

    # ------------------------------------------------------------------ reading

    def _folder(self, run_id: str) -> Path:
        if not RUN_ID.match(str(run_id)):
            raise KeyError(f"not a run id: {run_id!r}")
        folder = self.root / run_id
        if not folder.is_dir():
            raise KeyError(f"no run {run_id} in {self.root}")
        return folder

    def list(self) -> tuple[list[RunRecord], list[str]]:
        """(runs, newest first; problems, one sentence per damaged run that was skipped)."""
        records, problems = [], []
        if not self.root.is_dir():
            return records, problems
        for folder in sorted(self.root.iterdir()):
            if folder.name.startswith(".") or not folder.is_dir():
                continue  # a run being written or deleted by another session
            try:
                records.append(self.load(folder.name))
            except (RunDamaged, KeyError) as error:
                problems.append(str(error))
        records.sort(key=lambda r: r.created, reverse=True)
        return records, problems

    def load(self, run_id: str) -> RunRecord:
        folder = self._folder(run_id)
        try:
            spec = json.loads((folder / RUN_FILE).read_text(encoding="utf-8"))
            if not (folder / MODEL_FILE).is_file():
                raise RunDamaged(f"run {run_id}: {MODEL_FILE} is missing")
            return RunRecord(
                run_id=run_id,
                created=float(spec["created"]),
                name=str(spec["name"]),
                preset=str(spec.get("preset", "")),
                architecture=str(spec.get("architecture", "")),
                model_config=dict(spec["model_config"]),
                train_config=dict(spec["train_config"]),
                data=dict(spec["data"]),
                history={k: [float(v) for v in vs] for k, vs in spec["history"].items()},
                seconds=float(spec["seconds"]),
                epochs_run=int(spec["epochs_run"]),
                stopped=bool(spec["stopped"]),
                best_epoch=int(spec["best_epoch"]),
                parameters=int(spec["parameters"]),
                test=dict(spec["test"]),
                timings=dict(spec.get("timings", {})),
                extra=dict(spec.get("extra", {})),
                path=folder,
            )
        except RunDamaged:
            raise
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
            raise RunDamaged(
                f"run {run_id}: {RUN_FILE} is damaged or incomplete "
                f"({type(error).__name__}: {error}); it was skipped"
            ) from error

    def load_model(self, run_id: str):
        """The run's Keras model, a fresh object for the caller (safe_mode: no code runs)."""
        import keras

        folder = self._folder(run_id)
        try:
            return keras.saving.load_model(folder / MODEL_FILE, safe_mode=True)
        except Exception as error:  # a truncated or foreign file: say which run
            raise RunDamaged(f"run {run_id}: {MODEL_FILE} cannot be loaded ({error})") from error

    def load_vocabulary(self, run_id: str) -> Vocabulary:
        folder = self._folder(run_id)
        try:
            return Vocabulary.from_file(folder / VOCAB_FILE)
        except (OSError, ValueError, KeyError) as error:
            raise RunDamaged(f"run {run_id}: {VOCAB_FILE} is damaged ({error})") from error
