"""The sentiment lab page under AppTest: a preset trained at tiny scale, saved and listed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import streamlit as st
from conftest import finish_job
from streamlit.testing.v1 import AppTest

from explainers import lab, live, presets, runs

PAGE = str(Path(__file__).resolve().parent.parent / "lessons" / "sentiment_lab.py")


@pytest.fixture(autouse=True)
def _fresh_data_cache():
    """ui.imdb caches by config only; each test here points the data folder elsewhere."""
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


def _page() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    return at


def _train(at: AppTest) -> live.Job:
    at.button(key="lab_train").click().run()
    assert not at.exception, at.exception
    return finish_job(at, "lab_job", timeout=120)


def test_a_preset_trains_at_tiny_scale_and_saves_a_run(tiny_imdb):
    at = _page()
    at.selectbox(key="lab_preset").set_value(presets.RNN_DONE_RIGHT.name).run()
    assert at.session_state["lab_body"] == "simplernn" and at.session_state["lab_mask_zero"]
    assert at.slider(key="lab_maxlen").value == presets.RNN_DONE_RIGHT.imdb.maxlen
    job = _train(at)
    outcome = job.result
    assert isinstance(outcome, lab.LabOutcome) and outcome.result.epochs_run >= 1
    records, problems = runs.RunStore().list(at.session_state["run_owner"])  # private to it
    assert problems == [] and len(records) == 1
    record = records[0]
    assert record.preset == presets.RNN_DONE_RIGHT.name  # untouched preset: lesson applies
    assert record.test["reviews"] == 2 and 0.0 <= record.test_accuracy <= 1.0
    assert record.run_id == outcome.run_id and record.test_accuracy == outcome.test_accuracy
    assert any("Test accuracy" in m.label for m in at.metric)
    assert any(record.run_id in s.value for s in at.success)
    assert record.run_id in at.dataframe[-1].value["run id"].tolist()
    at.text_area(key="lab_review").input("great great movie, loved it").run()
    assert any(m.label.startswith("Prediction") for m in at.metric)
    at.text_area(key="lab_review").input("!!! ???").run()
    assert any("No words" in w.value for w in at.warning)
    at.button(key="lab_use").click().run()
    assert at.session_state["current_run_id"] == record.run_id


def test_changed_settings_are_saved_as_the_users_own_model(tiny_imdb):
    at = _page()
    at.slider(key="lab_epochs").set_value(2).run()
    assert any("Changed from the preset" in c.value for c in at.caption)
    _train(at)
    (record,), _ = runs.RunStore().list(at.session_state["run_owner"])
    assert record.preset == "" and record.epochs_run <= 2


def test_damaged_run_is_reported_and_runs_can_be_deleted(tiny_imdb):
    at = _page()
    _train(at)
    store, owner = runs.RunStore(), at.session_state["run_owner"]
    (record,), _ = store.list(owner)
    bad = store.root / "20260101-000000-abcdef"
    bad.mkdir()
    (bad / runs.RUN_FILE).write_text(json.dumps({"name": 1}))
    at.run()
    assert any("damaged" in w.value for w in at.warning)
    at.selectbox(key="lab_pick").set_value(record.run_id)
    at.checkbox(key="lab_sure").check().run()
    at.button(key="lab_delete").click().run()
    assert not at.exception, at.exception
    assert store.list(owner)[0] == []
    assert any("No runs yet" in i.value for i in at.info)
    assert at.session_state["lab_sure"] is False


def test_too_big_a_setup_is_refused_before_training(tiny_imdb):
    at = _page()
    at.selectbox(key="lab_body").set_value("lstm").run()
    at.slider(key="lab_units").set_value(128).run()
    at.slider(key="lab_layers").set_value(3).run()
    at.checkbox(key="lab_bidirectional").check().run()
    at.checkbox(key="lab_bucketing").uncheck()
    at.select_slider(key="lab_batch_size").set_value(512)
    at.slider(key="lab_epochs").set_value(30).run()
    assert at.error, "an hours-long or memory-hungry set-up must be refused"
    assert at.button(key="lab_train").disabled


def test_page_without_data_says_how_to_get_it(no_data):
    at = _page()
    assert any("not available" in w.value for w in at.warning)
    assert at.info  # the runs section and the closing note still render


@pytest.mark.realdata
@pytest.mark.slow
def test_stop_from_the_page_ends_the_run_and_saves_what_was_learned(real_imdb):
    at = _page()  # the default preset: Fast average pooling, on the real reviews
    at.slider(key="lab_epochs").set_value(30)
    at.select_slider(key="lab_test").set_value(1_000).run()
    at.button(key="lab_train").click().run()
    assert not at.exception, at.exception
    assert any(m.label.startswith("Time left") for m in at.metric)  # the live panel
    assert not at.button(key="lab_stop").disabled
    at.button(key="lab_stop").click().run()  # within seconds of 30 epochs: still training
    job = finish_job(at, "lab_job", timeout=300)
    assert job.snapshot().stopping
    outcome = job.result
    assert outcome.result.stopped and outcome.result.epochs_run < 30
    assert "stopped by you after" in at.success[0].value
    (record,), _ = runs.RunStore().list(at.session_state["run_owner"])
    assert record.stopped and record.run_id == outcome.run_id
    assert record.test["reviews"] == 1_000


def test_lab_charts_mark_the_best_epoch_and_never_render_a_run_name_or_review_as_markup():
    from lessons.charts import lab as charts

    history = {"loss": [0.6, 0.4, 0.3], "accuracy": [0.7, 0.8, 0.9],
               "val_loss": [0.5, 0.45, 0.5], "val_accuracy": [0.75, 0.8, 0.78]}
    curves = charts.curves_figure(history, "t")
    assert [shape.x0 for shape in curves.layout.shapes] == [2, 2]  # best epoch, both panels
    assert any(a.text == "gap +0.120" for a in curves.layout.annotations)
    record = runs.RunRecord(
        run_id="20260101-000000-abcdef", created=0.0, name="<b>mine</b>", preset="",
        architecture="pool", model_config={}, train_config={}, data={"maxlen": 20},
        history=history, seconds=1.0, epochs_run=3, stopped=False, best_epoch=2,
        parameters=10, test={"accuracy": 0.5, "reviews": 2})
    overlay = charts.overlay_figure([record])
    assert overlay.data[0].name == "&lt;b&gt;mine&lt;/b&gt; · abcdef"
    assert charts.runs_table([record], record.run_id)["current"].tolist() == ["✓"]
    card = charts.review_html("<script>alert(1)</script> " + "word " * 200, True, 0.1)
    assert "<script>" not in card and "&lt;script&gt;" in card and card.endswith("…</div>")
    assert "true positive, P(positive) = 0.10" in card


def _charts(at: AppTest) -> str:
    return " ".join(chart.proto.spec for chart in at.get("plotly_chart")).lower()


def test_a_changed_lesson_preset_says_how_it_differs_from_the_lesson(tiny_imdb):
    at = _page()
    at.selectbox(key="lab_preset").set_value(presets.LESSON_RNN.name).run()
    assert not at.warning or not any("Changed from" in w.value for w in at.warning)
    at.select_slider(key="lab_batch_size").set_value(128)
    at.slider(key="lab_epochs").set_value(10).run()
    said = [w.value for w in at.warning if "Changed from the preset" in w.value]
    assert said and "batch_size 128 (lesson: 512)" in said[0]
    assert "epochs 10 (lesson: 30)" in said[0]


def test_a_lesson_recipe_entered_by_hand_is_the_lessons_and_shows_its_recorded_run(tiny_imdb):
    at = _page()  # the default preset (Fast average pooling), then the lesson's settings by hand
    assert presets.FAST_POOL.name == at.selectbox(key="lab_preset").value
    at.radio(key="lab_padding").set_value("post")
    at.checkbox(key="lab_mask_zero").uncheck()
    at.checkbox(key="lab_bucketing").uncheck()
    at.select_slider(key="lab_batch_size").set_value(128)
    at.slider(key="lab_early_stopping_patience").set_value(0)
    at.slider(key="lab_epochs").set_value(30).run()
    assert not at.exception, at.exception
    assert any("exactly the preset “Embedding + average pooling (lesson)”" in c.value
               for c in at.caption)
    assert not any("Changed from the preset" in c.value for c in [*at.caption, *at.warning])
    if runs.lesson_record("pool") is not None:  # shipped in assets/: drawn with the lesson's
        shown = _charts(at)  # printed epochs
        assert "recorded full run" in shown and "printed by the lesson" in shown


def test_a_recipe_too_slow_for_the_lab_offers_its_recorded_run(tiny_imdb, tmp_path, monkeypatch):
    recorded = tmp_path / "bilstm"  # a stand-in recording: the SimpleRNN's, under the BiLSTM
    shutil.copytree(runs.LESSON_RUNS / "simplernn", recorded)
    monkeypatch.setattr(runs, "LESSON_RUNS", tmp_path)
    at = _page()
    at.selectbox(key="lab_preset").set_value(presets.LESSON_BILSTM.name).run()
    assert not at.exception, at.exception
    assert at.button(key="lab_train").disabled and not at.error
    offered = [i.value for i in at.info if "run once in full" in i.value]
    assert offered and f"{runs.lesson_record('bilstm').test_accuracy:.4f}" in offered[0]
    assert "recorded full run" in _charts(at)
