"""Streamlit's per-run housekeeping is off in the server, and nothing it guarded breaks.

`lessons/serving.py` turns off Streamlit's per-run `keras.backend.clear_session()`; these
tests prove that no rerun resets Keras, and that a training in one session gives exactly the
weights it gives alone while thirty other sessions rerun pages around it.
"""

from __future__ import annotations

import gc
import threading

import numpy as np
from conftest import ROOT
from streamlit.testing.v1 import AppTest
from test_training import VOCAB, _reviews

from explainers import models, training
from lessons import serving

CONFIG = models.ModelConfig(vocab_size=VOCAB, embed_dim=4, body="lstm", units=4,
                            mask_zero=True, dense_units=4)
TRAIN = training.TrainConfig(epochs=6, batch_size=16, validation_split=0.25, bucketing=True,
                             seed=5, learning_rate=0.01)


def _session() -> AppTest:
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    app.run()
    assert not app.exception, app.exception
    return app


def _train(out: dict) -> None:
    x, y, _ = _reviews(512)
    model = models.build_model(CONFIG, seed=1)
    training.train(model, x, y, TRAIN)
    out["weights"] = model.get_weights()


def test_no_rerun_resets_keras(monkeypatch):
    import keras
    from streamlit.runtime.scriptrunner import script_runner

    calls = []
    monkeypatch.setattr(keras.backend, "clear_session", lambda *a, **k: calls.append(1))
    app = _session()
    for _ in range(3):
        app.run()
    assert script_runner._clean_problem_modules is serving._clean_problem_modules_without_keras
    assert calls == []


def test_a_training_is_untouched_by_thirty_sessions_rerunning(tiny_imdb):
    alone: dict = {}
    _train(alone)
    beside: dict = {}
    worker = threading.Thread(target=_train, args=(beside,))
    worker.start()
    sessions = 0
    while worker.is_alive() or sessions < 30:
        _session()
        sessions += 1
    worker.join()
    assert sessions >= 30
    for a, b in zip(beside["weights"], alone["weights"], strict=True):
        np.testing.assert_allclose(a, b, atol=1e-6)


def test_settle_freezes_once_per_new_load():
    serving.settle()
    frozen = gc.get_freeze_count()
    assert serving.settle() is False  # nothing new: two comparisons, no collection
    serving.mark_static()
    assert serving.settle() is True
    assert gc.get_freeze_count() >= frozen
