"""The one model picker (pick_model) under AppTest: filtering, default, damaged runs."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from explainers import data, models, runs, training
from explainers.reviews import InputFormat
from lessons.echo import inert

TIMEOUT = 120  # the first run of a session may import TensorFlow
VOCAB = data.Vocabulary(("great", "film", "awful"), num_words=30)
SHIPPED = (runs.SHIPPED_FOLDER / runs.MODEL_FILE).is_file()


def _run(body: str, name: str) -> str:
    config = models.ModelConfig(vocab_size=30, embed_dim=3, body=body, units=2,
                                mask_zero=True, dense_units=0)
    result = training.TrainResult(history={"loss": [0.7]}, seconds=1.0, epochs_run=1,
                                  stopped=False, best_epoch=0)
    return runs.RunStore().save(
        models.build_model(config, seed=0), model_config=config, train_config={},
        result=result, test_metrics={"loss": 0.7, "accuracy": 0.5, "reviews": 4},
        input_format=InputFormat(VOCAB, 10), name=name)


def _lstm_picker():
    """A page holding only the picker, as the gates page calls it (LSTM runs only)."""
    import streamlit as st

    from lessons.widgets import model_picker

    key = model_picker.pick_model("Model", lambda r: r.body == "lstm", key="picker",
                        extra={"extra": "A page's own choice"}, no_runs="No LSTM run yet.")
    st.write(f"picked {key}")


def _app(current: str | None = None) -> AppTest:
    from lessons import ui

    at = AppTest.from_function(_lstm_picker, default_timeout=TIMEOUT)
    if current is not None:
        at.session_state[ui.CURRENT_RUN_KEY] = current
    return at.run()


def _keys(picker, *run_ids: str) -> list[str]:
    """The picker's options as keys (AppTest shows the labels)."""
    candidates = ["shipped", *(f"run:{r}" for r in run_ids), "extra"]
    by_label = {picker.format_func(k): k for k in candidates if picker.format_func(k)}
    return [by_label.get(label, label) for label in picker.options]


def test_only_usable_runs_are_offered_and_damaged_ones_reported():
    lstm, gru, broken = _run("lstm", "my lstm"), _run("gru", "my gru"), _run("lstm", "x")
    (runs.RunStore().root / broken / runs.RUN_FILE).write_text("{", encoding="utf-8")
    at = _app()
    assert not at.exception
    picker = at.selectbox(key="picker")
    shipped = ["shipped"] if SHIPPED else []
    assert _keys(picker, lstm, gru) == [*shipped, f"run:{lstm}", "extra"]  # no GRU, no damage
    assert not any("my gru" in label for label in picker.options)
    assert "my lstm" in picker.format_func(f"run:{lstm}")
    assert any(inert(broken) in w.value and "damaged" in w.value for w in at.warning)
    assert picker.value == (shipped or [f"run:{lstm}"])[0]  # no current run: shipped first
    assert not any("No LSTM run yet" in c.value for c in at.caption)


def test_the_current_run_is_the_default_only_when_it_qualifies():
    lstm, gru = _run("lstm", "my lstm"), _run("gru", "my gru")
    assert _app(current=lstm).selectbox(key="picker").value == f"run:{lstm}"
    fallback = _app(current=gru).selectbox(key="picker")
    assert fallback.value == ("shipped" if SHIPPED else f"run:{lstm}")


@pytest.mark.skipif(not SHIPPED, reason="assets/lstm_sentiment/ missing")
def test_no_usable_run_says_how_to_get_one():
    _run("gru", "my gru")
    at = _app()
    assert _keys(at.selectbox(key="picker")) == ["shipped", "extra"]
    assert any("No LSTM run yet" in c.value for c in at.caption)
    accuracy = runs.shipped_record().test_accuracy
    assert f"test accuracy {accuracy:.4f}" in at.selectbox(key="picker").format_func("shipped")


def test_the_loader_gives_the_chosen_run():
    from lessons.widgets import model_picker

    lstm = _run("lstm", "loaded lstm")
    trained = model_picker.trained_model(f"run:{lstm}")
    assert isinstance(trained, runs.TrainedModel) and trained.name == "loaded lstm"
    assert trained.input_format.maxlen == 10 and trained.input_format.vocabulary == VOCAB
    assert model_picker.is_trained_model(f"run:{lstm}")
    assert not model_picker.is_trained_model("extra")
