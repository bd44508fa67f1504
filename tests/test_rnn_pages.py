"""The parameter-count and inside-a-SimpleRNN pages under Streamlit's AppTest."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
PARAMS_PAGE = str(ROOT / "lessons" / "parameters.py")
INSIDE_PAGE = str(ROOT / "lessons" / "rnn_inside.py")
TIMEOUT = 180  # seconds: the first run imports TensorFlow and builds a few models


def all_cells(at: AppTest) -> str:
    return "\n".join(df.value.to_string() for df in at.dataframe)


def test_parameters_page_lesson_preset_agrees_with_summary():
    at = AppTest.from_file(PARAMS_PAGE, default_timeout=TIMEOUT).run()
    assert not at.exception
    assert [m.value for m in at.metric] == ["161,153 (629.50 KB)", "161,153 (629.50 KB)", "✅"]
    cells = all_cells(at)
    for number in ("160,000", "5,184", "4,160", "41,472", "98,816", "16,640", "1,311,744",
                   "66,625", "308,609 (1.18 MB)"):
        assert number in cells
    assert "❌" not in cells and "(missing)" not in cells
    assert at.info and "What to notice" in at.info[-1].value


def test_parameters_page_builder_expands_bidirectional():
    at = AppTest.from_file(PARAMS_PAGE, default_timeout=TIMEOUT).run()
    at.selectbox(key="p_preset").set_value("custom").run()
    at.radio(key="p_nrnn").set_value(2).run()
    at.checkbox(key="p_bi0").check().run()
    at.selectbox(key="p_cell1").set_value("gru").run()
    at.checkbox(key="p_reset1").uncheck().run()
    assert not at.exception
    table = at.dataframe[0].value
    assert "↳ forward SimpleRNN" in table["Layer"].str.strip().tolist()
    assert "3 × [h × (h + x) + h]" in table["Formula"].tolist()  # reset_after=False
    ours, keras_total, mark = (m.value for m in at.metric)
    assert ours == keras_total and mark == "✅"
    # 10,000×16 + 2×[64×80+64] + 3×[64×(64+128)+64] + 64×64+64 + 65
    assert ours.startswith("211,649 ")


def test_rnn_inside_without_data_still_teaches(no_data):
    at = AppTest.from_file(INSIDE_PAGE, default_timeout=TIMEOUT).run()
    assert not at.exception
    assert any("Data not available" in w.value for w in at.warning)
    assert any("✅ Largest difference" in m.value for m in at.markdown)
    assert "real words" in all_cells(at)
    assert any("training needs the IMDB reviews" in i.value for i in at.info)
    at.text_input(key="inside_sentence").set_value("!!! ...").run()
    assert any("no words" in w.value for w in at.warning)
    at.text_area(key="inside_typed").set_value("<script>alert(1)</script> great").run()
    assert not at.exception


def test_rnn_inside_measures_both_directions_of_a_post_padded_review(no_data):
    at = AppTest.from_file(INSIDE_PAGE, default_timeout=TIMEOUT).run()
    assert not at.exception
    table = next(df.value for df in at.dataframe if "Direction" in df.value.columns)
    assert table["Direction"].str.split().str[0].tolist() == ["forward", "backward"]
    after = table["<PAD> steps read after the last word"].tolist()
    assert after[1] == 0 and after[0] > 400  # the typed review: ~20 words, 500 steps
    share = table["Share of the gradient on real words"].str.rstrip("%").astype(float)
    assert share[1] > 50 > 5 > share[0]  # the backward direction holds the words
    intro = next(m.value for m in at.markdown if "Same data, same padding='post'" in m.value)
    assert "0.4993" in intro and "0.8441" in intro  # the lesson's two printed scores


def test_the_bilstm_charts_draw_recorded_runs_only_when_there_are_some():
    from explainers import padding
    from lessons.charts import rnn as charts

    missing = {"simplernn": None, "bilstm": None}
    assert charts.bilstm_intro(missing).count("none yet") == 2
    result = padding.QuickResult("bilstm", {"accuracy": [0.6, 0.9]}, 0.81, 30.0)
    texts = [a.text for a in charts.cells_figure({"bilstm": result}, missing).layout.annotations]
    assert any("the lesson's BiLSTM: 0.8441" in t for t in texts)
    assert not any("recorded full run" in t for t in texts)

    class Record:  # what the figure reads of a runs.RunRecord
        test_accuracy = 0.8512

    texts = [a.text for a in charts.cells_figure({"bilstm": result}, {"bilstm": Record()})
             .layout.annotations]
    assert any("recorded full run (bilstm): 0.8512" in t for t in texts)


def stop_and_join(at: AppTest, panel: str, job_key: str) -> None:
    """Press the live panel's Stop, wait for the job to end, and draw the page again."""
    at.button(key=f"{panel}_stop").click().run()
    job = at.session_state[job_key]
    assert job.snapshot().stopping
    job.join(TIMEOUT)
    at.run()
    assert not at.exception


def memory_weights(at: AppTest) -> list[str]:
    """The memory table's Weights column: one row per cell and state of training."""
    table = next(df.value for df in at.dataframe if "Task accuracy" in df.value.columns)
    return table["Weights"].tolist()


@pytest.mark.slow
def test_rnn_inside_memory_training_is_a_live_job_shared_once_finished(no_data):
    at = AppTest.from_file(INSIDE_PAGE, default_timeout=TIMEOUT).run()
    assert memory_weights(at) == ["untrained"] * 3
    at.button(key="inside_memory_train").click().run()
    assert not at.exception
    assert any(m.label.startswith("Time left") for m in at.metric)  # the live panel
    stop_and_join(at, "inside_memory", "inside_memory_job")
    assert "inside_memory_job" not in at.session_state
    weights = memory_weights(at)
    assert len(weights) == 4 and weights[3].startswith("trained, stopped after")
    assert weights[:3] == ["untrained"] * 3  # the cell in training kept; the others skipped
    assert not at.button(key="inside_memory_train").disabled  # a stopped one may train fully

    at.button(key="inside_memory_train").click().run()
    at.session_state["inside_memory_job"].join(TIMEOUT)
    at.run()
    assert memory_weights(at) == ["untrained"] * 3 + ["trained"] * 3
    assert not any(b.key == "inside_memory_train" for b in at.button)  # nothing left to ask

    other = AppTest.from_file(INSIDE_PAGE, default_timeout=TIMEOUT).run()  # a new session
    other.button(key="inside_memory_train").click().run()
    assert "inside_memory_job" not in other.session_state  # trained once per server
    assert memory_weights(other) == ["untrained"] * 3 + ["trained"] * 3


def _train_and_wait(at: AppTest, variant: str) -> None:
    at.button(key=f"inside_train_{variant}").click().run()
    assert not at.exception
    job = at.session_state["inside_quick_job"]
    job.join(TIMEOUT)
    assert job.error is None, job.error
    at.run()
    assert not at.exception


@pytest.mark.slow
def test_rnn_inside_quick_training_keeps_results(tiny_imdb):
    at = AppTest.from_file(INSIDE_PAGE, default_timeout=TIMEOUT).run()
    assert not at.exception
    _train_and_wait(at, "post")
    assert "padding='post' (the lesson)" in all_cells(at)
    at.run()
    assert at.button(key="inside_train_post").disabled  # kept in session_state
    assert not at.button(key="inside_train_pre").disabled  # no other training is running
    assert len(at.session_state["inside_quick_results"]) == 1
    assert "inside_quick_job" not in at.session_state


@pytest.mark.realdata
@pytest.mark.slow
def test_rnn_inside_quick_training_stops_from_the_page(real_imdb):
    at = AppTest.from_file(INSIDE_PAGE, default_timeout=TIMEOUT).run()
    at.slider(key="inside_epochs").set_value(6).run()
    at.button(key="inside_train_pre").click().run()
    assert not at.exception
    assert at.button(key="inside_train_post").disabled  # one training at a time
    assert any(m.label.startswith("Time left") for m in at.metric)
    stop_and_join(at, "inside", "inside_quick_job")
    result = at.session_state["inside_quick_results"]["pre"]
    assert result.stopped and result.epochs_run < 6 and 0.0 <= result.test_accuracy <= 1.0
    assert any("stopped by you after" in c.value for c in at.caption)
    assert "(stopped)" in all_cells(at)
