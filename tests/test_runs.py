"""The run store: a round trip, a damaged run reported and skipped, deletion, bad ids."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from explainers import data, models, runs, training

CONFIG = models.ModelConfig(vocab_size=20, embed_dim=3, body="gru", units=2, mask_zero=True,
                            dense_units=4)
VOCAB = data.Vocabulary(tuple(f"w{i}" for i in range(1, 17)), num_words=20)


def _save(store: runs.RunStore, name: str = "") -> tuple[str, object]:
    model = models.build_model(CONFIG, seed=1)
    result = training.TrainResult(
        history={"loss": [0.7, 0.5], "accuracy": [0.5, 0.8], "val_loss": [0.6, 0.65],
                 "val_accuracy": [0.6, 0.7]},
        seconds=1.5, epochs_run=2, stopped=True, best_epoch=1, epoch_seconds=[0.7, 0.8],
    )
    run_id = store.save(
        model, model_config=CONFIG, train_config=training.TrainConfig(epochs=2),
        result=result, test_metrics={"loss": 0.61, "accuracy": np.float64(0.71),
                                     "probabilities": np.zeros(3)},
        vocabulary=VOCAB, maxlen=6, padding="post", truncating="pre", name=name,
        preset="Fast LSTM",
    )
    return run_id, model


def test_round_trip_keeps_model_history_configs_and_encoding():
    store = runs.RunStore()
    run_id, model = _save(store, "mine")
    record = store.load(run_id)
    assert record.name == "mine" and record.preset == "Fast LSTM"
    assert models.ModelConfig.from_dict(record.model_config) == CONFIG
    assert training.TrainConfig.from_dict(record.train_config) == training.TrainConfig(epochs=2)
    assert record.history["val_accuracy"] == [0.6, 0.7] and record.best_val_accuracy == 0.7
    assert record.test == {"loss": 0.61, "accuracy": 0.71} and record.stopped
    assert record.parameters == models.parameter_count(CONFIG)
    loaded = store.load_model(run_id)
    ids = record.encode("w1 w3 nothere", store.load_vocabulary(run_id))
    np.testing.assert_array_equal(ids, [[1, 4, 6, 2, 0, 0]])  # <START>, ranks + 3, <UNK>, pads
    np.testing.assert_allclose(loaded.predict_on_batch(ids), model.predict_on_batch(ids),
                               atol=1e-6)
    assert store.list() == ([record], [])


def test_default_root_is_under_the_users_data_folder():
    from explainers import paths

    assert runs.RunStore().root == paths.home_dir() / "runs"


def test_damaged_run_is_reported_and_skipped(tmp_path):
    store = runs.RunStore(tmp_path / "runs")
    good, _ = _save(store)
    bad, _ = _save(store)
    (store.root / bad / runs.RUN_FILE).write_text("{not json", encoding="utf-8")
    gone, _ = _save(store)
    (store.root / gone / runs.MODEL_FILE).unlink()
    half = store.root / f".{good}.writing"  # another session still writing: not a problem
    half.mkdir()
    records, problems = store.list()
    assert [r.run_id for r in records] == [good]
    assert len(problems) == 2
    assert any(bad in p and "damaged" in p for p in problems)
    assert any(gone in p and "missing" in p for p in problems)
    (store.root / good / runs.MODEL_FILE).write_bytes(b"garbage")
    with pytest.raises(runs.RunDamaged, match=good):
        store.load_model(good)


def test_delete_removes_the_run_and_leaves_the_others():
    store = runs.RunStore()
    first, _ = _save(store)
    second, _ = _save(store)
    store.delete(first)
    records, problems = store.list()
    assert [r.run_id for r in records] == [second] and problems == []
    assert not any(p.name.startswith(".") for p in store.root.iterdir())
    with pytest.raises(KeyError):
        store.load(first)


def test_ids_cannot_escape_the_runs_folder():
    store = runs.RunStore()
    for bad in ("../x", "..", "/etc", "20261126-175800-zzzzzz"):
        with pytest.raises(KeyError):
            store.load(bad)


def test_rename_and_nan_history_survive():
    store = runs.RunStore()
    run_id, _ = _save(store)
    spec = json.loads((store.root / run_id / runs.RUN_FILE).read_text())
    spec["history"]["val_loss"] = [float("nan"), 0.5]
    (store.root / run_id / runs.RUN_FILE).write_text(json.dumps(spec))
    store.rename(run_id, "  renamed  ")
    record = store.load(run_id)
    assert record.name == "renamed" and math.isnan(record.history["val_loss"][0])
