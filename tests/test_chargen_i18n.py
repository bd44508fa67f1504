"""The char-RNN page in two languages and behind a link: the link restores the sampling view,
garbage in a link falls back with a note, and the char models' messages and chart words are
said in Chinese."""

from __future__ import annotations

import re

import numpy as np
import pytest
from language import CJK, chinese_share, link_notes, open_link
from streamlit.testing.v1 import AppTest
from test_text_generation_page import PAGE, TIMEOUT, html_blocks, needs_model

from explainers import chargen, charsample, lesson
from lessons import echo, i18n
from lessons.charts import text as charts

LINKED = {"prompt": "JULIET:\nO Romeo", "temp": "1.2", "len": "40", "seed": "7",
          "colour": "unit", "mode": "top_k", "k": "4"}  # every field of the page's link


def opened(query: dict[str, str], lang: str = "en") -> AppTest:
    return open_link(PAGE, query, lang, TIMEOUT)


@needs_model
def test_a_link_opens_the_same_sampling_view():
    at = opened(LINKED)
    assert not at.exception, at.exception
    assert at.text_area(key="gen_prompt").value == "JULIET:\nO Romeo"
    assert at.slider(key="gen_temp").value == pytest.approx(1.2)
    assert at.slider(key="gen_len").value == 40
    assert at.number_input(key="gen_seed").value == 7
    assert at.radio(key="gen_mode").value == "unit"
    assert at.radio(key="gen_choose").value == "top_k" and at.slider(key="gen_k").value == 4
    coloured = html_blocks(at)[0]
    assert coloured.count("<span") == len(LINKED["prompt"]) + 40  # that prompt, that length
    assert "".join(re.findall(r">([^<]*)</span>", coloured)).startswith("JULIET:↵\nO Romeo")
    assert "rgba(" in coloured  # coloured by a hidden unit, not by confidence
    assert not link_notes(at)
    assert {name: at.query_params[name] for name in LINKED} == LINKED  # written back


@needs_model
def test_the_same_link_writes_the_same_text_in_both_languages():
    english, chinese = opened(LINKED, "en"), opened(LINKED, "zh")
    assert html_blocks(english) == html_blocks(chinese)  # data stays as it is
    assert english.radio(key="gen_mode").label == "Colour the text by"
    assert chinese.radio(key="gen_mode").label == "文本着色方式"


@needs_model
def test_garbage_in_a_link_gives_the_defaults_and_a_note():
    at = opened({"prompt": "x" * (charsample.MAX_PROMPT + 1), "temp": "abc", "len": "99999",
                 "seed": "-5", "colour": "<img src=x>", "mode": "nucleus", "k": "0"})
    assert not at.exception, at.exception
    assert at.text_area(key="gen_prompt").value == "ROMEO:"
    assert at.slider(key="gen_temp").value == pytest.approx(lesson.CHAR.temperature)
    assert at.slider(key="gen_len").value == 300
    assert at.number_input(key="gen_seed").value == 42
    assert at.radio(key="gen_mode").value == "confidence"
    assert at.radio(key="gen_choose").value == "sample"
    assert at.slider(key="gen_k").value == charsample.DEFAULT_K
    note = link_notes(at)
    assert len(note) == 1 and all(name in note[0] for name in
                                  ("prompt", "temp", "len", "seed", "colour", "mode", "k"))
    assert html_blocks(at)[0].count("<span") == len("ROMEO:") + 300


@needs_model
def test_markup_in_a_linked_prompt_is_named_inert_in_chinese():
    at = opened({"prompt": "<img src=x>"}, "zh")
    assert not at.exception, at.exception
    assert not html_blocks(at)  # nothing written from characters the model never saw
    message = at.error[0].value
    assert "模型从没见过这些字符" in message
    assert "\\'\\<\\'" in message and "<img" not in message  # echoed inert


@needs_model
def test_the_page_reads_in_chinese_in_both_colourings():
    at = opened({"colour": "unit"}, "zh")
    assert not at.exception, at.exception
    share, english = chinese_share(at)
    assert share >= 0.9, english
    captions = [c.value for c in at.caption]
    assert any(c.startswith("每个字符的颜色表示读完它之后单元") for c in captions)
    feature = at.selectbox(key="gen_feature")
    assert feature.value == "upper" and feature.options[0] == "大写字母（说话人名字）"
    said = i18n.catalogue()[lesson.SAYINGS["sampling"]]  # the lesson's sentence, quoted
    assert any(said in m.value for m in at.markdown)


@pytest.mark.parametrize("error", [
    chargen.CharError("unknown_chars", chars="'你', '<'", size=65),
    chargen.CharError("empty_prompt"),
    chargen.CharError("long_prompt", chars=2_001, limit=charsample.MAX_PROMPT),
    chargen.CharError("bad_length", length=5_000, limit=charsample.MAX_GENERATE),
    chargen.CharError("too_little_text", chars=900, windows=13, window=65, batch=32),
], ids=lambda error: error.code)
def test_char_model_messages_are_said_in_chinese(error, chinese):
    said = i18n.explain(error)
    assert said != str(error) and len(CJK.findall(said)) > 10
    for value in error.params.values():
        assert f"{value:,}" in said if isinstance(value, int) else value in said
    assert isinstance(error, ValueError)  # callers that catch ValueError still do


def test_the_explainers_raise_the_coded_errors(chinese):
    vocab = chargen.CharVocab.from_text("abc \n")
    with pytest.raises(chargen.CharError) as raised:
        vocab.encode("ab你")
    said = i18n.explain(raised.value)  # the user's character, made inert
    assert raised.value.code == "unknown_chars" and echo.inert("'你'") in said
    with pytest.raises(chargen.CharError) as raised:
        charsample.generate(None, vocab, "", 5)
    assert i18n.explain(raised.value).startswith("起始文本是空的")


def test_chart_words_follow_the_reader(chinese):
    gen = charsample.Generation(
        text="ab ", n_prompt=1, prob=np.array([np.nan, 0.5, 0.2]),
        top_ids=np.array([[2, 0, 1, 3, 4]] * 3), top_probs=np.full((3, 5), 0.2, np.float32),
        hidden=None, temperature=1.0, seed=0)
    chars = ("\n", " ", "a", "b", "c")
    fig = charts.top_k_figure(gen, chars, 0, i18n._)
    assert fig.layout.title.text == "下一个字符的前 5 个候选（红色 = 实际出现的那个）"
    assert fig.layout.yaxis.title.text == "概率" and "␣ 空格" in list(fig.data[0].x)
    assert charts.top_k_figure(gen, chars, 0).layout.xaxis.title.text == "next character"
    assert "单元 3" in charts.colour_legend(3, i18n._)
    loss = charts.loss_figure((), 6, i18n._)
    assert loss.layout.title.text == "每轮损失" and loss.layout.xaxis.title.text == "轮次"


def test_temperature_words_follow_the_reader(chinese):
    logits = np.log(np.array([0.5, 0.3, 0.1, 0.06, 0.04]))  # (vocab,)
    gen = charsample.Generation(
        text="ab ", n_prompt=1, prob=np.array([np.nan, 0.5, 0.2]),
        top_ids=np.array([[0, 1, 2, 3, 4]] * 3), top_probs=np.full((3, 5), 0.2, np.float32),
        hidden=None, temperature=0.5, seed=0, mode="top_k", k=2, logits=np.stack([logits] * 3))
    fig = charts.temperature_figure(gen, ("\n", " ", "a", "b", "c"), 1, _=i18n._)
    assert fig.layout.title.text == "位置 1 之后那个字符的 softmax(logits / T)"
    assert fig.layout.title.subtitle.text.startswith("灰色：模型自己的概率")
    assert [bar.name for bar in fig.data] == ["T = 1（课程）", "T = 0.5，top-2"]
    assert list(fig.data[0].x)[:2] == ["↵ 换行", "␣ 空格"]
    assert sum(p > 0 for p in fig.data[1].y) == 2  # top-2: nothing beyond the two best
    said = [i18n._(label) for label in charsample.MODES.values()]
    assert all(len(CJK.findall(label)) >= 2 for label in said) and len(set(said)) == 3
