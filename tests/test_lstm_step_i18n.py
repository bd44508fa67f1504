"""The one-LSTM-step page as a link and in Chinese: every linked widget comes back from a URL,
the address the page writes opens the same view, garbage falls back with a note, a step
beyond the sentence is clamped, hostile text is echoed inert, and the Keras check agrees.
(Both languages of the whole page: tests/test_languages.py -k lstm_step.)"""

from __future__ import annotations

from pathlib import Path

from language import chinese_share, link_notes, open_link
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "lessons" / "lstm_step.py")
TIMEOUT = 240  # seconds: the Keras check imports TensorFlow on a busy 2-core machine
HOSTILE = "![x](http://e/x.png) <img src=x>"


def opened(lang: str = "en", **query: str) -> AppTest:
    return open_link(PAGE, {"lang": lang, **query}, None, TIMEOUT)


def texts(at: AppTest) -> str:
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption])


def widgets(at: AppTest) -> tuple:
    return (at.text_input(key="lstep_sentence").value, at.slider(key="lstep_x").value,
            at.slider(key="lstep_h").value, at.number_input(key="lstep_seed").value,
            at.slider(key="lstep_t").value)


def test_a_link_restores_the_sizes_seed_step_and_sentence():
    at = opened(sentence="I did not like it at all", x="4", h="2", seed="17", t="4")
    assert not at.exception
    assert widgets(at) == ("I did not like it at all", 4, 2, 17, 4)
    shown = texts(at)
    assert "the word **like**" in shown  # step 4
    assert "4 × [2 × (2 + 4) + 2] = **56**" in shown  # the toy cell's parameters
    assert at.dataframe[0].value.shape == (5, 2)  # the forget gate's rows for h = 2 units
    assert not link_notes(at)
    written = {k: at.query_params[k] for k in ("sentence", "x", "h", "seed", "t")}
    assert written == {"sentence": "I did not like it at all", "x": "4", "h": "2",
                       "seed": "17", "t": "4"}
    again = opened(**written)
    assert widgets(again) == widgets(at)
    assert all(a.value.equals(b.value) for a, b in zip(again.dataframe, at.dataframe,
                                                        strict=True))


def test_a_step_beyond_the_sentence_is_clamped_and_one_word_has_no_slider():
    at = opened(sentence="hello world", t="7")
    assert not at.exception
    assert at.slider(key="lstep_t").value == 2
    at.text_input(key="lstep_sentence").set_value("hello").run()
    assert not at.exception
    assert "the word **hello**" in texts(at)


def test_a_link_with_garbage_opens_the_defaults_with_a_note():
    at = opened(x="9", h="abc", seed="-4", t="<img src=x>", sentence="x" * 600)
    assert not at.exception
    assert widgets(at) == ("The film was not good, it was great", 2, 3, 0, 1)
    notes = link_notes(at)
    assert len(notes) == 1
    for name in ("x", "h", "seed", "t", "sentence"):
        assert name in notes[0]
    assert "<img" not in texts(at)


def test_a_hostile_sentence_is_echoed_inert():
    at = opened(sentence=HOSTILE)
    assert not at.exception
    assert at.text_input(key="lstep_sentence").value == HOSTILE
    shown = texts(at)
    assert "the word **x**" in shown
    for fragment in ("![", "](http", "<img", "x.png"):
        assert fragment not in shown


def test_no_words_says_so_in_chinese_and_the_lessons_names_are_beside_the_gates():
    at = opened("zh", sentence="!!! ...")
    assert not at.exception
    assert any(w.value.startswith("这句话里没有可以逐步计算的词") for w in at.warning)
    zh = opened("zh")
    assert not zh.exception
    shown = texts(zh)
    assert zh.title[0].value == "手算 LSTM 的一步"
    assert "**候选值 g** · 课程中叫“更新门 / 当前状态门”" in shown
    for saying in ("遗忘门决定从细胞状态中丢弃哪些信息", "细胞状态像一条贯穿整个链条的传送带"):
        assert saying in shown  # the lesson's sentences beside the forget gate and the belt
    names = zh.table[0].value
    assert names.index.tolist() == ["一带：细胞状态（传送带）", "遗忘门", "输入门",
                                    "更新门 / 当前状态门", "输出门"]
    assert names["在 Keras 权重中的列"].tolist()[1:] == [
        "kernel[:, 3:6]", "kernel[:, 0:3]", "kernel[:, 6:9]", "kernel[:, 9:12]"]
    assert chinese_share(zh)[0] >= 0.9


def test_the_keras_check_runs_on_demand_and_agrees():
    at = opened(x="3", h="4", seed="5")
    assert not any("Checked against Keras" in m.value for m in at.markdown)  # not yet
    at.button(key="lstep_keras").click().run()
    assert not at.exception
    line = next(m.value for m in at.markdown if "Checked against Keras" in m.value)
    assert line.startswith("✅") and "keras.layers.LSTM(4)" in line
    diff = float(line.split("**")[-2])
    assert diff < 1e-6
    at.slider(key="lstep_t").set_value(5).run()  # another step of the same view: still shown
    assert any("Checked against Keras" in m.value for m in at.markdown)


def test_the_belt_chart_follows_the_sentence_step_and_language():
    """The belt heatmaps are cached by sentence, cell and step: each change draws anew."""
    import json

    def belt(at: AppTest) -> dict:
        return json.loads(at.get("plotly_chart")[0].proto.spec)

    at = opened(sentence="the film was good", t="2")
    first = belt(at)
    assert first["data"][0]["x"] == ["1:the", "2:film", "3:was", "4:good"]
    frame = first["layout"]["shapes"][0]
    assert (frame["x0"], frame["x1"]) == (0.5, 1.5)  # step 2 framed
    at.slider(key="lstep_t").set_value(3).run()
    frame = belt(at)["layout"]["shapes"][0]
    assert (frame["x0"], frame["x1"]) == (1.5, 2.5)
    at.text_input(key="lstep_sentence").set_value("bad plot").run()
    assert belt(at)["data"][0]["x"] == ["1:bad", "2:plot"]
    zh = opened("zh", sentence="the film was good", t="2")
    titles = [a["text"] for a in belt(zh)["layout"]["annotations"]]
    assert titles == ["细胞状态 c_t（传送带）", "隐藏状态 h_t"]
