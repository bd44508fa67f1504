"""The run store: a round trip, a damaged run reported and skipped, deletion, bad ids."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from explainers import data, models, reviews, run_access, runs, training
from explainers.reviews import InputFormat

CONFIG = models.ModelConfig(vocab_size=20, embed_dim=3, body="gru", units=2, mask_zero=True,
                            dense_units=4)
VOCAB = data.Vocabulary(tuple(f"w{i}" for i in range(1, 17)), num_words=20)


def _save(store: runs.RunStore, name: str = "", owner: str = run_access.CLASS
          ) -> tuple[str, object]:
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
        input_format=InputFormat(VOCAB, 6, padding="post", truncating="pre"), name=name,
        preset="Fast LSTM", owner=owner,
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
    trained = store.load_run(run_id)
    assert trained.input_format == reviews.InputFormat(VOCAB, 6, "post", "pre")
    ids = trained.input_format.prepare("w1 w3 nothere").row[None]  # (1, maxlen)
    np.testing.assert_array_equal(ids, [[1, 4, 6, 2, 0, 0]])  # <START>, ranks + 3, <UNK>, pads
    np.testing.assert_allclose(trained.model.predict_on_batch(ids),
                               model.predict_on_batch(ids), atol=1e-6)
    assert trained.record == record and not trained.shipped
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
        store.load_run(good)


def test_delete_removes_the_run_and_leaves_the_others():
    store = runs.RunStore()
    owner = run_access.session_owner()
    first, _ = _save(store, owner=owner)
    second, _ = _save(store, owner=owner)
    store.delete(first, owner)
    records, problems = store.list(owner)
    assert [r.run_id for r in records] == [second] and problems == []
    assert not any(p.name.startswith(".") for p in store.root.iterdir())
    with pytest.raises(KeyError):
        store.load(first)


def test_ids_cannot_escape_the_runs_folder():
    store = runs.RunStore()
    for bad in ("../x", "..", "/etc", "20261126-175800-zzzzzz", "20261126-175800-3fa2c1\n"):
        with pytest.raises(KeyError):
            store.load(bad)


def test_nan_history_survives():
    store = runs.RunStore()
    run_id, _ = _save(store)
    spec = json.loads((store.root / run_id / runs.RUN_FILE).read_text())
    spec["history"]["val_loss"] = [float("nan"), 0.5]
    spec["seconds"] = float("nan")
    (store.root / run_id / runs.RUN_FILE).write_text(json.dumps(spec))
    record = store.load(run_id)
    assert math.isnan(record.history["val_loss"][0]) and record.history["val_loss"][1] == 0.5
    assert "nan" not in record.label() and "— s" in record.label()


def test_runs_are_saved_without_optimizer_state():
    import keras

    store = runs.RunStore()
    run_id, model = _save(store)
    assert model.optimizer is not None  # the trained model had one...
    saved = keras.saving.load_model(store.root / run_id / runs.MODEL_FILE, safe_mode=True)
    assert getattr(saved, "optimizer", None) is None  # ... the file keeps only the weights
    assert saved.count_params() == model.count_params()


def test_a_run_folder_is_replaced_whole(tmp_path):
    folder = tmp_path / "shipped_like"
    first = models.build_model(CONFIG, seed=1)
    settings = {"model_config": CONFIG, "train_config": {}, "result": {"history": {}},
                "test_metrics": {"loss": 0.5, "accuracy": 0.8, "reviews": 10},
                "input_format": InputFormat(VOCAB, 6)}
    runs.save_run(folder, first, name="first", **settings)
    runs.save_run(folder, models.build_model(CONFIG, seed=2), name="second", **settings)
    assert runs.read_record(folder).name == "second"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["shipped_like"]  # nothing left


def test_shipped_model_and_a_lab_run_load_through_the_same_loader():
    if not (runs.SHIPPED_FOLDER / runs.MODEL_FILE).is_file():
        pytest.skip("assets/lstm_sentiment/ missing: run scripts/train_lstm_sentiment.py")
    store = runs.RunStore()
    run_id, _ = _save(store, "mine")
    lab = runs.load_run(store.root / run_id)
    shipped = runs.load_shipped()
    assert type(lab) is type(shipped) is runs.TrainedModel
    assert (lab.shipped, shipped.shipped) == (False, True)
    assert shipped.record == runs.shipped_record() and shipped.record.run_id == "lstm_sentiment"
    assert shipped.record.body == "lstm" and shipped.test_reviews == 25_000
    form = shipped.input_format
    assert (form.maxlen, form.padding, form.truncating) == (256, "pre", "pre")
    for trained in (lab, shipped):
        review = trained.input_format.prepare("a great film")
        p = float(trained.model.predict_on_batch(review.row[None])[0, 0])
        assert 0.0 < p < 1.0
    assert runs.shipped_record(store.root / "nothing here") is None
