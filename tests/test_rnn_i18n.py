"""The SimpleRNN and parameter pages in two languages and as links: every linked widget comes
back from a URL, a URL the page writes opens the same view, garbage falls back with a note,
values beyond what the page holds are clamped, and explainers' errors read in Chinese."""

from __future__ import annotations

from pathlib import Path

import pytest
from language import link_notes, open_link
from streamlit.testing.v1 import AppTest

from explainers import params
from lessons import i18n

ROOT = Path(__file__).resolve().parent.parent
PARAMS_PAGE = str(ROOT / "lessons" / "parameters.py")
INSIDE_PAGE = str(ROOT / "lessons" / "rnn_inside.py")
TIMEOUT = 240  # seconds: the first run imports TensorFlow and builds a few models


def opened(page: str, **query: str) -> AppTest:
    """The page as a link with `query` opens it (English unless lang= says otherwise)."""
    return open_link(page, {"lang": "en", **query}, None, TIMEOUT)


def markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


# --------------------------------------------------------------------------- parameter page

CUSTOM_LINK = {  # three stacked layers: a BiLSTM(48), a GRU without reset_after, SimpleRNN(32)
    "model": "custom", "maxlen": "200", "vocab": "5000", "dim": "32", "layers": "3",
    "cell1": "lstm", "units1": "48", "bi1": "1", "reset1": "1",
    "cell2": "gru", "units2": "64", "bi2": "0", "reset2": "0",
    "cell3": "simplernn", "units3": "32", "bi3": "0", "reset3": "1",
    "hidden": "0", "out": "3",
}


def test_a_parameter_link_restores_every_builder_widget():
    at = opened(PARAMS_PAGE, **CUSTOM_LINK)
    assert not at.exception
    assert at.selectbox(key="p_preset").value == "custom"
    assert (at.slider(key="p_seq").value, at.slider(key="p_vocab").value,
            at.slider(key="p_dim").value) == (200, 5000, 32)
    assert at.radio(key="p_nrnn").value == 3
    assert [at.selectbox(key=f"p_cell{i}").value for i in range(3)] == ["lstm", "gru",
                                                                           "simplernn"]
    assert [at.slider(key=f"p_units{i}").value for i in range(3)] == [48, 64, 32]
    assert [at.checkbox(key=f"p_bi{i}").value for i in range(3)] == [True, False, False]
    assert at.checkbox(key="p_reset1").value is False
    assert (at.slider(key="p_hidden").value, at.slider(key="p_out").value) == (0, 3)
    table = at.dataframe[0].value  # the page shows that model, and Keras agrees
    assert table["Layer"].str.strip().tolist()[:4] == [
        "embedding (Embedding)", "bidirectional (Bidirectional)", "↳ forward LSTM",
        "↳ backward LSTM"]
    assert "2 × 4 × [48 × (48 + 32) + 48]" in table["With these numbers"].tolist()
    assert "3 × [64 × (64 + 96) + 64]" in table["With these numbers"].tolist()
    ours, keras_total, mark = (m.value for m in at.metric)
    assert ours == keras_total and mark == "✅"
    assert "dense (Dense)" in table["Layer"].tolist()  # hidden=0: only the output Dense
    assert "dense_1 (Dense)" not in table["Layer"].tolist()
    assert not link_notes(at)


def test_the_address_a_parameter_view_writes_opens_the_same_view():
    at = opened(PARAMS_PAGE, model="custom")
    at.radio(key="p_nrnn").set_value(2).run()
    at.selectbox(key="p_cell1").set_value("gru").run()
    at.checkbox(key="p_bi0").check().run()
    written = {name: at.query_params[name] for name in ("model", "layers", "cell2", "bi1")}
    assert written == {"model": "custom", "layers": "2", "cell2": "gru", "bi1": "1"}
    again = opened(PARAMS_PAGE, **{k: v for k, v in at.query_params.items() if k != "lang"})
    assert not again.exception
    assert again.dataframe[0].value.equals(at.dataframe[0].value)
    assert [m.value for m in again.metric] == [m.value for m in at.metric]


def test_a_parameter_link_with_garbage_opens_the_defaults_with_a_note():
    at = opened(PARAMS_PAGE, model="<img src=x>", layers="9", units1="abc", bi1="maybe",
                dim="1e9", cell1="transformer")
    assert not at.exception
    assert at.selectbox(key="p_preset").value == "pool"
    assert at.metric[0].value == "161,153 (629.50 KB)"  # the default model
    notes = link_notes(at)
    assert len(notes) == 1
    for name in ("model", "layers", "units1", "bi1", "dim", "cell1"):
        assert name in notes[0]
    assert "<img" not in markdown(at)


def test_a_preset_link_opens_that_model_with_the_lessons_sentences():
    at = opened(PARAMS_PAGE, model="bilstm")
    assert not at.exception
    assert at.selectbox(key="p_preset").value == "bilstm"
    assert at.metric[0].value == "308,609 (1.18 MB)"
    text = markdown(at)
    assert "The lesson:** A SimpleRNN layer has h(h+x)+h parameters" in text
    assert "reads the sequence forwards and backwards" in text  # a bidirectional layer


def test_the_parameter_page_in_chinese_names_the_directions_and_the_formula_terms():
    at = opened(PARAMS_PAGE, lang="zh", model="bilstm")
    assert not at.exception
    table = at.dataframe[0].value
    assert "↳ 正向 LSTM" in table["层"].str.strip().tolist()
    assert "课程中说" in markdown(at) and "双向 RNN" in markdown(at)
    assert any("LSTM 并排运行四个" in m.value for m in at.markdown)  # params.WHY, translated


def test_a_stack_that_cannot_be_built_says_so_in_chinese(monkeypatch):
    monkeypatch.setattr(i18n, "is_chinese", lambda: True)
    bad = params.ModelSpec((params.LayerSpec("embedding", units=4, vocab=10),
                            params.LayerSpec("globalaveragepooling1d"),
                            params.LayerSpec("lstm", units=4)))
    with pytest.raises(params.BadStack) as caught:
        params.count_model(bad)
    assert "LSTM needs a sequence" in str(caught.value)  # English for a script or log
    said = i18n.explain(caught.value)
    assert said.startswith("LSTM 的输入必须是序列") and "return_sequences" in said


# --------------------------------------------------------------------------- SimpleRNN page

def test_an_inside_link_restores_the_step_and_the_review(tiny_imdb):
    at = opened(INSIDE_PAGE, sentence="I did not like it at all", seed="7", t="4",
                source="test", k="1", train="2500", epochs="1")
    assert not at.exception
    assert at.text_input(key="inside_sentence").value == "I did not like it at all"
    assert at.number_input(key="inside_seed").value == 7
    assert at.slider(key="inside_step").value == 4
    assert any("the word **like**" in m.value for m in at.markdown)  # step 4 is shown
    assert at.radio(key="inside_source").value == "test"
    assert at.number_input(key="inside_review").value == 1
    assert any(c.value.startswith("Review 1 (") for c in at.caption)
    assert at.select_slider(key="inside_train_size").value == 2500
    assert at.slider(key="inside_epochs").value == 1
    assert not link_notes(at)
    written = at.query_params
    assert (written["sentence"], written["t"], written["k"]) == (
        "I did not like it at all", "4", "1")


def test_an_inside_link_beyond_this_sentence_or_these_reviews_is_clamped(tiny_imdb):
    at = opened(INSIDE_PAGE, sentence="hello world", t="9", source="test", k="24999")
    assert not at.exception
    assert at.slider(key="inside_step").value == 2  # the sentence has two words
    assert at.number_input(key="inside_review").value == 1  # the tiny test split has two
    at.text_input(key="inside_sentence").set_value("hello").run()  # one word: no slider
    assert not at.exception
    assert any("the word **hello**" in m.value for m in at.markdown)


def test_an_inside_link_with_garbage_opens_the_defaults_with_a_note(no_data):
    at = opened(INSIDE_PAGE, t="abc", seed="-4", source="<script>", epochs="99",
                sentence="x" * 600, text="y" * 5000, train="7")
    assert not at.exception
    assert at.slider(key="inside_step").value == 1
    assert at.text_input(key="inside_sentence").value.startswith("The film was not good")
    assert at.slider(key="inside_epochs").value == 2  # QuickConfig's default
    notes = link_notes(at)
    assert len(notes) == 1
    for name in ("t", "seed", "source", "epochs", "sentence", "text", "train"):
        assert name in notes[0]


def test_a_typed_review_travels_in_a_link_up_to_its_limit(no_data):
    at = opened(INSIDE_PAGE, text="A <b>bold</b> review of this film")
    assert at.text_area(key="inside_typed").value == "A <b>bold</b> review of this film"
    long_review = "great film " * 400  # 4,400 characters: the link keeps its start
    at.text_area(key="inside_typed").set_value(long_review).run()
    assert not at.exception
    carried = at.query_params["text"]  # what a link of this view holds: as much as it reads
    assert long_review.startswith(carried) and len(carried) == 2_000


def test_the_inside_page_quotes_the_lesson_and_says_no_words_in_chinese(no_data):
    at = opened(INSIDE_PAGE)
    text = markdown(at)
    assert "same weights at every time step" in text  # weight_sharing, by the one step
    assert "goldfish with a seven-second memory" in text  # fish_memory, by the memory chart
    zh = opened(INSIDE_PAGE, lang="zh", sentence="!!! ...")
    assert not zh.exception
    assert any(w.value.startswith("这句话里没有可以逐步计算的词") for w in zh.warning)
    assert any("7 秒记忆的金鱼" in m.value for m in zh.markdown)


def test_the_bilstm_section_reads_in_both_languages(no_data):
    at = opened(INSIDE_PAGE)
    assert not at.exception
    assert any(h.value == "Why the lesson's BiLSTM survived padding='post'" for h in at.header)
    assert any("Why the BiLSTM survives 'post'" in i.value for i in at.info)
    zh = opened(INSIDE_PAGE, lang="zh")
    assert not zh.exception
    assert any(h.value.startswith("为什么课程的 BiLSTM") for h in zh.header)
    assert any("为什么 BiLSTM 不怕 'post'" in i.value for i in zh.info)
    table = next(df.value for df in zh.dataframe if "方向" in df.value.columns)
    assert table["方向"].tolist() == ["正向（先读词，再读填充）", "反向（先读填充，再读词）"]


def chart_specs(at: AppTest) -> list[dict]:
    import json

    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def test_the_inside_charts_follow_the_sentence_and_the_language(no_data):
    """The charts are cached by their inputs: a new sentence or language draws a new chart,
    and going back draws the first one again."""
    at = opened(INSIDE_PAGE)
    walk = chart_specs(at)[0]  # the one-step heatmaps: a column per word
    assert walk["data"][0]["x"][:2] == ["1:the", "2:film"]
    titles = [a["text"] for a in walk["layout"]["annotations"]]
    assert titles == ["h_t computed by hand (above)", "h_t from keras.layers.SimpleRNN"]
    at.text_input(key="inside_sentence").set_value("Dogs bark loudly").run()
    assert chart_specs(at)[0]["data"][0]["x"] == ["1:dogs", "2:bark", "3:loudly"]
    zh = opened(INSIDE_PAGE, lang="zh")
    zh_titles = [a["text"] for a in chart_specs(zh)[0]["layout"]["annotations"]]
    assert zh_titles == [i18n.catalogue()[title] for title in titles] and zh_titles != titles
    again = opened(INSIDE_PAGE)
    assert chart_specs(again)[0] == walk
