"""The lesson's-mistakes page in two languages and as links: with every erratum open it reads
in Chinese, a link restores which errata are open and every setting, a URL the page writes
opens the same view, and garbage falls back to the defaults with a note."""

from __future__ import annotations

from pathlib import Path

import pytest
from language import chinese_share, link_notes, open_link

from explainers import errata, runs

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "lessons" / "errata.py")
TIMEOUT = 240  # seconds: opening every erratum loads IMDB, TensorFlow and two models
ALL = ",".join(errata.CODES)


def expanded(at) -> tuple[str, ...]:
    """The codes of the open errata, as the page holds them."""
    return tuple(c for c in errata.CODES if at.session_state[f"errata_expander_{c}"])


@pytest.mark.realdata
@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_erratum_open_reads_in_the_readers_language(lang):
    at = open_link(PAGE, {"open": ALL, "n": "500"}, lang, TIMEOUT)
    assert not at.exception, at.exception
    assert expanded(at) == errata.CODES
    share, english = chinese_share(at)
    if lang == "zh":
        assert at.title[0].value == "教程勘误"
        assert share >= 0.9, f"{share:.0%} Chinese; English texts:\n" + "\n".join(
            text[:90] for text in english)
        assert any("请注意" in m.value for m in at.markdown)  # each erratum's note
    else:
        assert share < 0.5
        metrics = {m.label: m.value for m in at.metric}
        recorded = {key: f"{runs.lesson_record(key).test_accuracy:.4f}"
                    for key in ("pool", "simplernn")}
        assert metrics["model.evaluate(...) as the script wrote it"] == recorded["pool"]
        assert metrics["single_rnn_model.evaluate(...)"] == recorded["simplernn"]
        assert metrics["What the lesson printed"] == "0.4993"
        assert metrics["Times id 3 occurs in 50,000 encoded reviews"] == "0"
        assert metrics["Embedding: V × d"] == "160,000"


@pytest.mark.realdata
@pytest.mark.slow
def test_a_link_restores_the_open_errata_and_their_settings():
    query = {"open": "lstm_formula,end,stateful", "n": "1000", "review": "7", "k": "3",
             "batch": "5"}
    at = open_link(PAGE, query, "en", TIMEOUT)
    assert not at.exception, at.exception
    assert expanded(at) == ("end", "stateful", "lstm_formula")  # in page order
    assert at.number_input(key="errata_end_k").value == 7
    assert at.number_input(key="errata_batch").value == 5
    assert at.session_state["errata_reviews"] == 1000  # closed erratum: kept for the link
    assert at.session_state["errata_tanh_k"] == 3
    captions = "\n".join(c.value for c in at.caption)
    assert "Rows of batch 6 that continue the same row of batch 5: 0 of 64." in captions
    written = dict(at.query_params)
    assert {k: written[k] for k in query} == {**query, "open": "end,stateful,lstm_formula"}
    again = open_link(PAGE, written, None, TIMEOUT)  # the URL the page wrote: same view
    assert expanded(again) == expanded(at)
    assert again.number_input(key="errata_end_k").value == 7
    assert not link_notes(again)


def test_a_garbage_link_gives_the_defaults_and_a_note():
    at = open_link(PAGE, {"open": "evaluate,<img src=x>", "n": "abc", "review": "-5",
                          "k": "1e99", "batch": "9999"}, "en", TIMEOUT)
    assert not at.exception, at.exception
    assert expanded(at) == ()  # nothing opened, nothing computed
    notes = link_notes(at)
    assert len(notes) == 1
    assert all(name in notes[0] for name in ("open", "n", "review", "k", "batch"))
    assert "<img" not in notes[0]
    assert [e.label for e in at.expander] == [
        f"{i} · {e.title}" for i, e in enumerate(errata.ERRATA, start=1)]


def test_in_chinese_the_closed_page_lists_all_six_in_chinese():
    at = open_link(PAGE, {}, "zh", TIMEOUT)
    assert not at.exception
    labels = [e.label for e in at.expander]
    assert len(labels) == 6 and labels[1] == "2 · 并不存在 <END> 词元"
    assert chinese_share(at)[0] >= 0.9


def test_without_data_every_erratum_says_what_is_missing(no_data):
    import streamlit as st

    st.cache_resource.clear()  # no IMDB kept in memory by an earlier test's page
    st.cache_data.clear()
    at = open_link(PAGE, {"open": ALL}, "zh", TIMEOUT)
    assert not at.exception, at.exception
    missing = [w.value for w in at.warning]
    assert len(missing) == 3  # <END> and tanh need IMDB, stateful needs Shakespeare
    assert all("本机没有这份数据" in w for w in missing), missing
    assert at.button(key="errata_eval")  # the recorded scores are shown, the button waits
    assert chinese_share(at)[0] >= 0.9
