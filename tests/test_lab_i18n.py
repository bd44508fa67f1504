"""The sentiment lab in both languages and by link: a link opens the preset and every setting
of the form, garbage opens the defaults, and the lab's words (live panel, budget, failures,
charts, tables) are Chinese in Chinese mode while option values stay stable codes."""

from __future__ import annotations

import string
from pathlib import Path

import numpy as np
import pytest
import streamlit as st
from language import is_chinese, open_link
from streamlit.testing.v1 import AppTest

from explainers import lab, live, models, presets, runs, training
from lessons import i18n
from lessons.charts import lab as charts

PAGE = str(Path(__file__).resolve().parent.parent / "lessons" / "sentiment_lab.py")
LINKED = {  # a link far from the default preset: URL name -> (widget key, the value it opens)
    "preset": ("lab_preset", presets.RNN_DONE_RIGHT.name),
    "body": ("lab_body", "gru"), "units": ("lab_units", 24), "layers": ("lab_layers", 2),
    "bidirectional": ("lab_bidirectional", True), "mask_zero": ("lab_mask_zero", False),
    "vocab_size": ("lab_vocab_size", 5_000), "embed_dim": ("lab_embed_dim", 32),
    "dropout": ("lab_dropout", 0.25), "dense_units": ("lab_dense_units", 8),
    "maxlen": ("lab_maxlen", 120), "padding": ("lab_padding", "post"),
    "truncating": ("lab_truncating", "post"), "train_size": ("lab_train_size", 2_000),
    "validation_split": ("lab_validation_split", 0.3), "test": ("lab_test", 1_000),
    "epochs": ("lab_epochs", 7), "batch_size": ("lab_batch_size", 16),
    "learning_rate": ("lab_learning_rate", 0.005), "early_stopping_patience": (
        "lab_early_stopping_patience", 3), "bucketing": ("lab_bucketing", False),
    "seed": ("lab_seed", 1234),
}


@pytest.fixture(autouse=True)
def _fresh_data_cache():
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


def _open(query: dict[str, str], lang: str = "en") -> AppTest:
    at = open_link(PAGE, query, lang, 120)
    assert not at.exception, at.exception
    return at


def _url_text(value) -> str:
    return ("1" if value else "0") if isinstance(value, bool) else f"{value:g}" if isinstance(
        value, float) else str(value)


def test_a_link_opens_the_preset_and_every_setting(tiny_imdb):
    assert {f"lab_{name}" for name in lab.FORM} | {"lab_test", "lab_preset"} == {
        key for key, _value in LINKED.values()}, "the test links every field of the form"
    at = _open({name: _url_text(value) for name, (_key, value) in LINKED.items()})
    for name, (key, value) in LINKED.items():
        assert at.session_state[key] == value, name
    assert at.selectbox(key="lab_preset").value == presets.RNN_DONE_RIGHT.name
    assert at.slider(key="lab_units").value == 24 and at.radio(key="lab_padding").value == "post"
    assert at.select_slider(key="lab_batch_size").value == 16
    assert at.number_input(key="lab_seed").value == 1234
    assert any("Changed from the preset “SimpleRNN done right”" in c.value for c in at.caption)
    assert not any("could not be read" in i.value for i in at.info)
    published = at.query_params  # the page writes the same view back into the address
    assert {name: published[name] for name in LINKED} == {
        name: _url_text(value) for name, (_key, value) in LINKED.items()}


def test_a_link_with_a_preset_alone_opens_that_preset(tiny_imdb):
    at = _open({"preset": presets.FAST_LSTM.name}, lang="zh")
    want = lab.form(presets.FAST_LSTM.imdb, presets.FAST_LSTM.model, presets.FAST_LSTM.train)
    assert {name: at.session_state[f"lab_{name}"] for name in lab.FORM} == want
    assert not any("已改动预设" in c.value for c in at.caption)  # still exactly the preset
    picker = at.selectbox(key="lab_preset")
    assert picker.value == presets.FAST_LSTM.name  # the code, never the label
    assert "快速 LSTM" in picker.options and presets.FAST_LSTM.name not in picker.options


def test_a_link_with_some_settings_keeps_them_over_its_preset(tiny_imdb):
    at = _open({"preset": presets.LESSON_RNN.name, "epochs": "2", "padding": "pre"})
    assert at.session_state["lab_epochs"] == 2 and at.session_state["lab_padding"] == "pre"
    assert at.session_state["lab_body"] == "simplernn"  # the rest is the preset's
    assert at.session_state["lab_batch_size"] == presets.LESSON_RNN.train.batch_size
    at.selectbox(key="lab_preset").set_value(presets.FAST_POOL.name).run()  # then the picker
    assert at.session_state["lab_epochs"] == presets.FAST_POOL.train.epochs  # refills them


def test_garbage_in_a_link_opens_the_defaults_with_a_note(tiny_imdb):
    at = _open({"preset": "<img src=x>", "epochs": "999", "body": "<b>lstm</b>", "units": "5.5",
                "dropout": "abc", "mask_zero": "maybe", "learning_rate": "1", "seed": "-1",
                "maxlen": "99999"})
    default = presets.FAST_POOL
    want = lab.form(default.imdb, default.model, default.train)
    assert {name: at.session_state[f"lab_{name}"] for name in lab.FORM} == want
    assert at.session_state["lab_preset"] == default.name
    notes = [i.value for i in at.info if "could not be read" in i.value]
    assert len(notes) == 1 and "epochs" in notes[0] and "<img" not in notes[0]
    assert not at.button(key="lab_train").disabled


def test_the_page_speaks_chinese_and_refuses_in_chinese(tiny_imdb):
    at = _open({"body": "lstm", "units": "128", "layers": "3", "bidirectional": "1",
                "bucketing": "0", "batch_size": "512", "epochs": "30"}, lang="zh")
    assert at.button(key="lab_train").disabled
    assert at.error and is_chinese(at.error[0].value) and "GB" in at.error[0].value
    labels = [m.label for m in at.metric]
    assert "参数量" in labels and "预计时间" in labels
    assert at.button(key="lab_train").label == "▶ 开始训练"
    assert at.select_slider(key="lab_batch_size").value == 512  # values are the same codes


def test_every_budget_reason_has_a_translated_sentence_with_its_numbers():
    keys = set(lab.Budget(1.0, 1, 1.0, 1, lab.Verdict.WARN, lab.Reason.SLOW, 1.0).message[1])
    catalogue = i18n.catalogue()
    for reason in lab.Reason:
        if reason == lab.Reason.NONE:
            continue
        template = lab.REASONS[reason]
        names = {n for _t, n, _s, _c in string.Formatter().parse(template) if n}
        assert names and names <= keys, reason
        assert is_chinese(catalogue[template]), reason
    assert lab.Budget(1.0, 1, 1.0, 1, lab.Verdict.OK, lab.Reason.NONE, 0.0).message is None


def test_a_training_error_survives_the_job_and_is_said_in_chinese(chinese):
    job = live.Job(_train_nothing, None).start()
    job.join(60)
    failure = job.error
    assert failure.kind == "TrainingError" and failure.template and dict(failure.params)
    assert "No training reviews are left" in str(failure)  # English in the job itself
    at = AppTest.from_function(_show_failure, args=(failure,))
    at.query_params["lang"] = "zh"
    at.run()
    assert not at.exception, at.exception
    assert at.error[0].value.startswith("训练失败：没有剩下可用于训练的影评")


def _train_nothing(spec, reporter):
    x = np.zeros((0, 5), dtype=np.int32)  # (0 reviews, 5 steps)
    return training.train(None, x, np.zeros(0), training.TrainConfig(), reporter=reporter)


def _show_failure(failure):
    from lessons.widgets import jobs

    jobs.failed(failure)


def _live_panel():
    import time

    import streamlit as st

    from explainers import live
    from lessons.widgets import jobs

    def wait(spec, reporter):
        reporter.batch(3, 10, loss=0.5)
        while not reporter.should_stop():
            time.sleep(0.01)

    if "job" not in st.session_state:
        st.session_state.job = live.Job(wait, None, epochs=4).start()
        time.sleep(0.3)
    jobs.live_panel(st.session_state.job, "t", refresh=60)


def test_the_live_panel_speaks_chinese():
    at = AppTest.from_function(_live_panel, default_timeout=30)
    at.query_params["lang"] = "zh"
    at.run()
    try:
        assert not at.exception, at.exception
        assert [m.label for m in at.metric] == ["已用时间", "剩余时间"]
        assert at.button(key="t_stop").label == "⏹ 停止"
        assert at.metric[0].value.endswith("秒")
        assert at.get("progress")[0].proto.text == "第 1/4 轮 · 第 3/10 批 · 损失 0.500"
    finally:
        at.session_state["job"].stop()


def test_the_lab_charts_and_tables_speak_chinese(chinese):
    history = {"loss": [0.6, 0.4], "accuracy": [0.7, 0.8], "val_loss": [0.5, 0.45],
               "val_accuracy": [0.75, 0.8]}
    fig = charts.curves_figure(history, chinese("Training curves"), _=chinese)
    assert [a.text for a in fig.layout.annotations][:2] == ["损失", "准确率"]
    assert {trace.name for trace in fig.data} == {"训练集", "验证集"}
    assert fig.layout.xaxis.title.text == "轮次" and fig.layout.title.text == "训练曲线"
    assert any(a.text == "差距 +0.000" for a in fig.layout.annotations)
    record = runs.RunRecord(
        run_id="20260101-000000-abcdef", created=0.0, name=presets.FAST_LSTM.name,
        preset=presets.FAST_LSTM.name, architecture=models.describe(presets.FAST_LSTM.model),
        model_config={}, train_config={}, data={"maxlen": 200}, history=history, seconds=3.0,
        epochs_run=2, stopped=True, best_epoch=2, parameters=10, test={"accuracy": 0.8})
    table = charts.runs_table([record], record.run_id, _=chinese)
    assert list(table.columns)[:3] == ["当前", "名称", "结构"]
    assert table["名称"].tolist() == ["快速 LSTM"] and table["已停止"].tolist() == ["是"]
    assert charts.run_label(record, _=chinese).startswith("快速 LSTM · 测试 0.8000 · 3 秒")
    assert charts.run_label(record) == (  # English without a reader
        "Fast LSTM · test 0.8000 · 3 s · 20260101-000000-abcdef")
    shown = charts.presets_table([record], _=chinese)
    assert shown["预设"].tolist() == [i18n._(p.name) for p in presets.PRESETS.values()]
    assert all(is_chinese(name) or "LSTM" in name for name in shown["预设"])
