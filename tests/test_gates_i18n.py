"""The LSTM gates page in two languages and as a link: a link opens the same view, a bad link
opens the defaults with a note, and the figures, widgets and explainers' errors speak Chinese."""

from __future__ import annotations

import json

import numpy as np
import pytest
from language import link_notes, open_link
from streamlit.testing.v1 import AppTest

from explainers import gates, paths, runs, tracer
from lessons import i18n
from lessons.charts import gates as draw
from lessons.charts import token_steps

PAGE = str(paths.PROJECT_ROOT / "lessons" / "lstm_gates.py")
TIMEOUT = 120  # the first run loads TensorFlow and the model
TEXT = "A wonderful film, truly wonderful. Zzyzxq blorp."  # <START> a wonderful film truly ...
SHIPPED = (runs.SHIPPED_FOLDER / runs.MODEL_FILE).is_file()
needs_model = pytest.mark.skipif(not SHIPPED, reason="assets/lstm_sentiment/ missing")


def _open(**query: str) -> AppTest:
    """The page as a link with `query` opens it, in a fresh session."""
    return open_link(PAGE, query, None, TIMEOUT)


def _figures(at) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


@needs_model
def test_a_link_opens_the_same_view_and_the_view_is_written_back(tiny_imdb):
    at = _open(lang="en", model="shipped", source="text", text=TEXT, step="5", unit="3")
    assert not at.exception and not at.error and not link_notes(at)
    assert at.selectbox(key="gates_model").value == "shipped"
    assert at.radio(key="gates_source").value == "text"
    assert at.text_area(key="gates_text").value == TEXT
    assert at.slider(key="gates_step").value == 5
    assert at.number_input(key="gates_unit").value == 3  # kept, not the busiest unit
    diagram = next(f for f in _figures(at) if "conveyor belt" in json.dumps(f))
    assert diagram["layout"]["sliders"][0]["active"] == 5  # the player starts on the step
    title = diagram["data"][token_steps.TITLE]["text"][0]  # a trace: it changes per frame
    assert title == "<b>Unit 3 at token 5: “wonderful”</b>"
    at.button(key="gates_next").click().run()  # the address bar follows the view
    assert (at.query_params["step"], at.query_params["unit"]) == ("6", "3")
    assert (at.query_params["model"], at.query_params["text"]) == ("shipped", TEXT)


@needs_model
def test_a_linked_test_review_and_a_step_past_its_end_are_clamped(tiny_imdb):
    at = _open(source="imdb", review="24999", step="999", unit="4000")
    assert not at.exception and not link_notes(at)
    assert at.number_input(key="gates_review").value == 1  # the tiny test split holds 2
    tokens = at.metric[1].value  # tokens read
    assert at.slider(key="gates_step").value == int(tokens) - 1  # the last token
    assert at.number_input(key="gates_unit").value == 31  # the shipped LSTM has 32 units


@needs_model
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_garbage_in_a_link_opens_the_defaults_with_a_note(tiny_imdb, lang):
    at = _open(lang=lang, model="<img src=x onerror=alert(1)>", source="abc", review="-5",
               step="x", unit="1e9", layer="two", text="x" * 3_000)
    assert not at.exception
    assert at.selectbox(key="gates_model").value == "shipped"
    assert at.radio(key="gates_source").value == "imdb"
    assert at.number_input(key="gates_review").value == 1  # FIRST_REVIEW 7, clamped to 1
    assert at.slider(key="gates_step").value == 0
    (note,) = link_notes(at)
    for name in ("model", "source", "review", "step", "unit", "layer", "text"):
        assert name in note
    assert "<img" not in " ".join(m.value for m in at.markdown)


@needs_model
def test_a_linked_run_this_server_lacks_falls_back_to_the_shipped_model(tiny_imdb):
    at = _open(lang="zh", model="run:20990101-000000-abcdef", source="text", text=TEXT)
    assert not at.exception
    assert at.selectbox(key="gates_model").value == "shipped"
    (note,) = link_notes(at)
    assert "链接中的模型在这里不可用" in note


@needs_model
def test_in_chinese_the_diagram_widgets_and_notes_speak_chinese(tiny_imdb):
    at = _open(lang="zh", source="text", text=TEXT, step="2")
    assert not at.exception
    assert [b.label for b in at.button] == ["上一个", "下一个"]  # Play is in the figure:
    stepper = next(f for f in _figures(at) if f["layout"].get("sliders"))
    play, pause = stepper["layout"]["updatemenus"][0]["buttons"]
    assert (play["label"], pause["label"]) == ("▶ 播放", "❚❚ 暂停")
    assert stepper["layout"]["sliders"][0]["currentvalue"]["prefix"] == "词元 "
    assert at.slider(key="gates_step").label == "下方图表中标记的词元"
    sources = at.radio(key="gates_source").options
    assert sources == ["IMDB 测试集影评", "输入或粘贴", "上传 .txt 文件"]
    shown = json.dumps(_figures(at), ensure_ascii=False)
    for name in ("遗忘门 f (σ)", "输入门 i (σ)", "候选值 g (tanh)", "输出门 o (σ)",
                 "传送带：细胞状态 c", "单元", "模型在哪里改变了判断", "门的饱和度"):
        assert name in shown, name
    assert "forget" not in shown and "conveyor" not in shown
    captions = " ".join(c.value for c in at.caption)
    assert "“更新门”或“当前状态门”" in captions  # the lesson's name for the candidate, said once
    assert "true" not in captions.lower() and "True" not in captions


@needs_model
def test_bad_reviews_are_explained_in_chinese(tiny_imdb):
    at = _open(lang="zh", source="upload")
    assert any("请上传一个只含一篇影评的 .txt 文件" in i.value for i in at.info)
    at.file_uploader(key="gates_upload").upload("a.txt", b"", "text/plain").run()
    assert [e.value.split(": ", 1)[1] for e in at.error] == ["文件是空的：里面没有影评。"]
    at = _open(lang="zh", source="text", text="Zzyzxq blorp quux")
    assert not at.exception
    assert any(e.value.startswith("这 3 个词都不在模型的") for e in at.error)


def test_a_link_names_a_lab_run_and_its_layer(tiny_imdb):
    import keras  # only here: building the run needs Keras

    from explainers import data
    from explainers.models import ModelConfig, build_model
    from explainers.reviews import InputFormat

    config = ModelConfig(vocab_size=50, embed_dim=4, body="lstm", units=3, layers=2,
                         bidirectional=True, mask_zero=True, dense_units=4)
    keras.utils.set_random_seed(0)
    run_id = runs.RunStore().save(
        build_model(config, seed=0), model_config=config, train_config={},
        result={"history": {}}, test_metrics={"accuracy": 0.5, "loss": 0.7},
        input_format=InputFormat(data.Vocabulary(("great", "film"), num_words=50), 20),
        name="linked bi-lstm")
    for asked, shown in (("2", 2), ("9", 3)):  # 2 layers x 2 directions: 9 is clamped to 3
        at = _open(lang="zh", model=f"run:{run_id}", layer=asked, unit="2", source="text",
                   text="great film")
        assert not at.exception and not link_notes(at)
        assert at.selectbox(key="gates_model").value == f"run:{run_id}"
        assert at.selectbox(key="gates_layer").value == shown
        assert at.number_input(key="gates_unit").value == 2
        label = at.selectbox(key="gates_layer").options[shown]
        assert ("反向" if shown % 2 else "正向") in label


# --------------------------------------------------------------------------- no page


def _marked(text: str, /, **params) -> str:
    """A translator that shows which words went through it."""
    return "‹" + (text.format(**params) if params else text) + "›"


def _texts(fig) -> list[str]:
    """Every title, axis title and trace name of a figure."""
    layout = fig.layout
    found = [layout.title.text, layout.xaxis.title.text, layout.yaxis.title.text]
    found += [trace.name for trace in fig.data]
    return [t for t in found if t]


def test_every_word_of_every_figure_goes_through_the_translator():
    rng = np.random.default_rng(0)
    steps, units = 6, 4
    values = {name: rng.uniform(0, 1, (steps, units)) for name in draw.QUANTITIES}
    tokens = ["<START>", "a", "great", "film", "<UNK>", "!"]
    trace = gates.Trace("lstm", {k: np.vstack([v, v]) for k, v in values.items()},
                        np.ones(2 * steps, bool), backwards=False)
    figures = [
        draw.cell_diagram(values, 2, 1, {"c": values["c"][1], "h": values["h"][1]}, "great",
                          _=_marked),
        draw.running_figure(rng.uniform(0, 1, steps), tokens, 2, _marked),
        draw.heatmap(values["f"], "f", np.arange(units), tokens, 2, 1, _marked),
        draw.unit_traces(values, 1, tokens, 2, _marked),
        draw.span_figure(values["h"], np.array([0, 1]), np.array([0.5, 0.1]), (1, 2), tokens,
                         "h", 0.5, _marked),
        draw.saturation_figure(trace, _marked),
        draw.gate_histogram(trace, _marked),
    ]
    for fig in figures:
        texts = _texts(fig)
        assert texts, fig.layout.title.text
        for text in texts:
            assert text.startswith("‹") or text == "P(positive)", text  # a formula stays
    words = [a.text for a in figures[0].layout.annotations  # the 4 gates, the belt
             if "(σ)" in a.text or "(tanh)" in a.text or "belt" in a.text]
    words += [t for trace in figures[0].data if trace.text  # the means beside the numbers
              for t in trace.text if "mean" in t]  # (traces: they change token by token)
    assert len(words) == 5 + 7 and all("‹" in text for text in words), words
    hover = figures[2].data[0].hovertemplate
    assert hover.startswith("‹token %{x}: %{customdata}›")


def test_the_explainers_errors_render_in_chinese(monkeypatch):
    monkeypatch.setattr(i18n, "is_chinese", lambda: True)
    error = tracer.UnsupportedModel("layer", name="conv", kind="Conv1D")
    assert "conv (Conv1D) cannot be traced" in str(error)  # English for logs and tests
    assert i18n.explain(error).startswith("无法计算层 conv（Conv1D）")
    assert i18n.explain(gates.UnsupportedModel("no_recurrent")) == (
        "模型中没有可计算的 LSTM、GRU 或 SimpleRNN 层")
    damaged = runs.RunDamaged("missing", run_id="20990101-000000-abcdef", file=runs.MODEL_FILE)
    assert str(damaged) == f"run 20990101-000000-abcdef: {runs.MODEL_FILE} is missing"
    assert i18n.explain(damaged) == f"训练记录 20990101-000000-abcdef：缺少 {runs.MODEL_FILE}"


def test_a_run_folder_with_a_broken_record_says_so_in_chinese(tmp_path, monkeypatch):
    folder = tmp_path / "20990101-000000-abcdef"
    folder.mkdir()
    (folder / runs.RUN_FILE).write_text("{", encoding="utf-8")
    (folder / runs.MODEL_FILE).write_bytes(b"")
    with pytest.raises(runs.RunDamaged) as caught:
        runs.read_record(folder)
    assert "damaged or incomplete" in str(caught.value) and caught.value.code == "record"
    monkeypatch.setattr(i18n, "is_chinese", lambda: True)
    assert "已损坏或不完整" in i18n.explain(caught.value)


def test_layer_labels_name_the_direction_in_the_readers_language():
    trace = tracer.LayerTrace("bidirectional", 2, "backward",
                              gates.Trace("lstm", {}, np.ones(1, bool), backwards=True))
    assert draw.layer_label(trace) == "2: bidirectional (LSTM, backward)"
    assert draw.layer_label(trace, _marked) == "‹2: bidirectional (LSTM, ‹backward›)›"
