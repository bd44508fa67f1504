"""The two "steps the lesson skips" pages behind links and in Chinese: a link restores every
linked widget and the page shows that view, the address a view writes opens it again, garbage
falls back with a note, and hostile typed text is echoed inert. (Both pages in both languages:
tests/test_languages.py -k "text_to_numbers or word_order".)"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from language import CJK, chinese_share, link_notes, open_link

ROOT = Path(__file__).resolve().parent.parent
NUMBERS_PAGE = str(ROOT / "lessons" / "text_to_numbers.py")
ORDER_PAGE = str(ROOT / "lessons" / "word_order.py")
TIMEOUT = 240  # the first run imports TensorFlow and loads two models on a busy machine
HOSTILE = "![x](http://e/x.png) <img src=x> a good film"
LIVE_TAG = re.compile(r"(?<!\\)<img")  # a tag whose '<' no backslash made inert


def markdown(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def codes(at) -> str:
    return "\n".join(c.value for c in at.code)


pytestmark = pytest.mark.slow


def test_a_numbers_link_restores_the_review_padding_maxlen_and_characters():
    at = open_link(NUMBERS_PAGE, {"source": "text", "text": "A good film, a great one.",
                                  "padding": "pre", "maxlen": "20", "chars": "First"},
                   timeout=TIMEOUT)
    assert not at.exception, at.exception
    assert at.radio(key="t2n_source").value == "text"
    assert at.text_area(key="t2n_text").value == "A good film, a great one."
    assert at.radio(key="t2n_padding").value == "pre"
    assert at.number_input(key="t2n_maxlen").value == 20
    assert at.text_input(key="t2n_chars").value == "First"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["words"] == "6" and metrics["<PAD> added"] == "13"  # 20 - <START> - 6
    row = codes(at).split("row.shape = (20,)\n")[1].split("\n")[0]
    assert row.split()[:13] == ["0"] * 13 and row.split()[13] == "1"  # 'pre': pads first
    assert "'First' -> [18, 47, 56, 57, 58]" in codes(at)
    assert not link_notes(at)


def test_the_address_a_numbers_view_writes_opens_the_same_view():
    at = open_link(NUMBERS_PAGE, {}, timeout=TIMEOUT)
    at.radio(key="t2n_source").set_value("text").run()
    at.radio(key="t2n_padding").set_value("pre").run()
    at.number_input(key="t2n_maxlen").set_value(64).run()
    written = {k: at.query_params[k] for k in ("source", "padding", "maxlen")}
    assert written == {"source": "text", "padding": "pre", "maxlen": "64"}
    again = open_link(NUMBERS_PAGE, {k: v for k, v in at.query_params.items() if k != "lang"},
                      timeout=TIMEOUT)
    assert not again.exception
    assert codes(again) == codes(at)
    assert [m.value for m in again.metric] == [m.value for m in at.metric]


def test_garbage_in_a_numbers_link_gives_the_defaults_and_a_note():
    at = open_link(NUMBERS_PAGE, {"padding": "middle", "maxlen": "abc", "source": "<img src=x>",
                                  "chars": "x" * 500}, timeout=TIMEOUT)
    assert not at.exception, at.exception
    assert at.radio(key="t2n_padding").value == "post"
    assert at.number_input(key="t2n_maxlen").value == 500
    assert at.text_input(key="t2n_chars").value == "All: "
    assert "'All: ' -> [13, 50, 50, 10, 1]" in codes(at)
    note = " ".join(link_notes(at))
    assert all(name in note for name in ("padding", "maxlen", "source", "chars"))


def test_hostile_typed_text_is_echoed_inert_on_the_numbers_page():
    at = open_link(NUMBERS_PAGE, {"source": "text", "text": HOSTILE, "chars": "<b>x</b>"},
                   lang="zh", timeout=TIMEOUT)
    assert not at.exception, at.exception
    shown = markdown(at)
    assert not LIVE_TAG.search(shown) and "](http" not in shown and "![x]" not in shown
    assert r"\!\[x\]\(http\:" in shown  # the raw text, every mark escaped
    error = at.error[0].value  # the char vocabulary has no '<': said in Chinese, inert
    assert CJK.search(error) and "<b>" not in error and r"\<" in error


def test_a_word_order_link_restores_the_review_and_the_seed():
    at = open_link(ORDER_PAGE, {"source": "imdb", "review": "194", "seed": "5"},
                   timeout=TIMEOUT)
    assert not at.exception, at.exception
    assert at.number_input(key="order_review").value == 194
    assert at.number_input(key="order_seed").value == 5
    table = at.dataframe[0].value
    assert table["order"].tolist() == ["as written", "reversed", "shuffled, seed 5",
                                       "shuffled, seed 6", "shuffled, seed 7"]
    pooled = table["Average pooling (the lesson's)"].astype(float)
    assert (pooled - pooled[0]).abs().max() < 1e-5  # the exact numbers: pooling does not move
    assert (table["LSTM (shipped)"].astype(float) - table["LSTM (shipped)"].astype(float)[0]
            ).abs().max() > 0.01
    assert not link_notes(at)


def test_garbage_in_a_word_order_link_and_hostile_text_in_chinese():
    at = open_link(ORDER_PAGE, {"seed": "-4", "review": "abc"}, timeout=TIMEOUT)
    assert not at.exception, at.exception
    assert at.number_input(key="order_seed").value == 0
    assert at.number_input(key="order_review").value == 87
    assert "seed" in " ".join(link_notes(at)) and "review" in " ".join(link_notes(at))
    at = open_link(ORDER_PAGE, {"source": "text", "text": HOSTILE}, lang="zh", timeout=TIMEOUT)
    assert not at.exception, at.exception
    shown = markdown(at)
    assert not LIVE_TAG.search(shown) and "](http" not in shown
    assert chinese_share(at)[0] >= 0.9
    assert at.dataframe[0].value.columns[0] == "顺序"


def test_without_the_recorded_pooling_model_the_page_says_so(monkeypatch):
    import streamlit as st

    from explainers import runs

    def missing(key, *args, **kwargs):
        raise runs.RunDamaged("missing", run_id=key, file=runs.MODEL_FILE)

    monkeypatch.setattr(runs, "load_lesson_run", missing)
    st.cache_resource.clear()  # a pooling model loaded by an earlier test would hide it
    try:
        at = open_link(ORDER_PAGE, {}, lang="zh", timeout=TIMEOUT)
        assert not at.exception, at.exception
        warning = at.warning[0].value
        assert CJK.search(warning) and "model.keras" in warning
    finally:
        st.cache_resource.clear()
