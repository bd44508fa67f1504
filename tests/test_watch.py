"""The lab's watch views: the fixed sentiment words' embedding and the gates' saturation per
epoch (explainers/watch.py), their figures, and the lab page drawing them."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import streamlit as st
from conftest import finish_job
from streamlit.testing.v1 import AppTest

from explainers import data, gates, lab, live, models, tracer, training, watch
from lessons.charts import watch as charts

PAGE = str(Path(__file__).resolve().parent.parent / "lessons" / "sentiment_lab.py")


def _vocabulary(words=("the", "great", "movie", "awful", "boring", "zebra"), num_words=9):
    return data.Vocabulary.from_word_index({w: r for r, w in enumerate(words, start=1)},
                                           num_words=num_words)


def test_the_watched_words_are_those_the_vocabulary_holds():
    found = watch.WatchWords.of(_vocabulary())  # ranks 1-5 fit in 9 ids (3 reserved + START)
    assert found.words == ("great", "awful", "boring")  # WORDS' order; "zebra" is not watched
    index = _vocabulary()._index()
    assert found.ids == tuple(index[w] for w in found.words)
    assert found.positive == (True, False, False)
    assert len(watch.POSITIVE) == len(watch.NEGATIVE) == 10


def _model(body: str, vocab: int = 9):
    config = models.ModelConfig(vocab_size=vocab, embed_dim=3, body=body, units=4,
                                mask_zero=True, dense_units=4)
    return models.build_model(config, seed=0)


def _embedding(model) -> np.ndarray:
    return next(x for x in model.layers if hasattr(x, "embeddings")).embeddings.numpy()


def test_a_watcher_reads_the_embedding_rows_and_the_first_lstms_gates():
    words = watch.WatchWords.of(_vocabulary())
    review = np.array([0, 0, 1, 5, 6, 4, 7])  # pre-padded ids
    model = _model("lstm")
    view = watch.Watcher(words, review)(model)
    rows = _embedding(model)[list(words.ids)]
    np.testing.assert_allclose(view.vectors, rows)
    assert view.vectors.dtype == np.float32 and view.vectors.shape == (3, 3)
    # the reference: the same review traced directly, without its padding
    trace = tracer.ModelTracer(model).trace(review[2:], running=False).lstm_layers()[0].trace
    expected = gates.saturation(trace)
    sat = view.saturation
    assert sat.gates == ("i", "f", "g", "o") and sat.units == 4 and sat.steps == 5
    for k, gate in enumerate(sat.gates):
        np.testing.assert_allclose(sat.shut[k], expected[gate][0], atol=1e-6)
        np.testing.assert_allclose(sat.open[k], expected[gate][1], atol=1e-6)
    assert sat.saturated == tuple(gates.saturated_units(trace)[g] for g in sat.gates)
    assert watch.Watcher(words)(_model("pool")).saturation is None  # no review: no tracing


def _view(vectors, positive=(True, True, False, False)):
    words = watch.WatchWords(tuple("abcd"[:len(positive)]), tuple(range(len(positive))),
                             tuple(positive))
    return watch.EpochView(words, np.asarray(vectors, dtype=np.float32))


def test_separation_is_centre_distance_over_spread():
    apart = [[1, 0.5], [1, -0.5], [-1, 0.5], [-1, -0.5]]  # centres 2 apart, spread 0.5
    assert watch.separation(np.array(apart), (True, True, False, False)) == pytest.approx(4.0)
    mixed = [[1, 0], [-1, 0], [1, 0], [-1, 0]]
    assert watch.separation(np.array(mixed), (True, False, False, True)) == pytest.approx(0.0)


def test_the_map_is_one_plane_for_all_epochs_with_positive_words_right():
    rng = np.random.default_rng(0)
    start = rng.normal(size=(4, 5)) * 0.01
    moved = start.copy()
    moved[0] += [3, 0, 0, 0, 0]  # only word a moves; the others keep their vectors
    moved[2] -= [0, 2, 0, 0, 0]
    found = watch.word_map((0, 1, 2), [_view(start), _view(moved), _view(moved)])
    assert found.coords.shape == (3, 4, 2) and found.epochs == (0, 1, 2)
    np.testing.assert_allclose(found.coords[0, [1, 3]], found.coords[1, [1, 3]], atol=1e-9)
    np.testing.assert_allclose(found.coords[1], found.coords[2], atol=1e-9)  # no spin
    last = found.coords[-1]
    assert last[:2].mean(axis=0)[0] > last[2:].mean(axis=0)[0]  # positive on the right
    assert last[:2].mean(axis=0)[1] >= last[2:].mean(axis=0)[1]  # ... and above
    assert sum(found.explained) == pytest.approx(1.0, abs=1e-3)  # 2 moves: nearly all
    assert found.separation == pytest.approx([watch.separation(v, (True, True, False, False))
                                              for v in (start, moved, moved)], rel=1e-6)
    flipped = watch.word_map((0, 1, 2), [_view(-start), _view(-moved), _view(-moved)])
    np.testing.assert_allclose(flipped.coords, found.coords, atol=1e-9)  # signs fixed by data


def test_figures_label_the_words_escaped_and_count_saturated_units():
    view = _view([[1, 0], [1, 1], [-1, 0], [-1, 1]])
    words = replace(view.words, words=("<b>x</b>", "b", "c", "d"))
    shut = np.array([[0.5, 0.1], [0.0, 0.2], [0, 0], [0.0, 0.0]])  # (gates, units): i f g o
    view = watch.EpochView(words, view.vectors, watch.Saturation(
        ("i", "f", "g", "o"), shut, np.full((4, 2), 0.1), (1, 2, 0, 0), 2, 7))
    fig = charts.word_map_figure((0, 1), (view, view))
    labelled = [t for t in fig.data if t.mode == "markers+text"]
    assert [t.name for t in labelled] == ["positive words", "negative words"]
    assert list(labelled[0].text) == ["&lt;b&gt;x&lt;/b&gt;", "b"]
    assert len(fig.data) == 4 + 2  # a path per word, a labelled layer per side
    sat = charts.saturation_figure((0, 1), (view, view))
    assert [t.name for t in sat.data] == ["forget gate f", "input gate i", "output gate o"]
    np.testing.assert_allclose([list(t.y) for t in sat.data],
                               [[0.2, 0.2], [0.4, 0.4], [0.1, 0.1]])  # mean(shut + open)
    assert list(sat.data[0].customdata) == ["units saturated: 2 of 2"] * 2
    assert "of 7 tokens" in sat.layout.title.text
    assert "(< 0.1)" in charts.saturation_note() and "10%" in charts.saturation_note()


class Recorder(live.Reporter):
    def __init__(self):
        self.extras = []

    def epoch(self, number, metrics=(), note=None, extra=None):
        self.extras.append((number, extra))


def test_train_hands_each_epoch_what_watch_returns():
    x = np.array([[0, 1, 5], [1, 6, 7], [0, 0, 5], [1, 4, 4]] * 4, dtype=np.int32)
    y = np.array([1, 0, 1, 0] * 4, dtype=np.float32)
    model = _model("pool")
    seen = Recorder()
    training.train(model, x, y, training.TrainConfig(epochs=2, batch_size=4),
                   reporter=seen, watch=lambda m: _embedding(m)[5].copy())
    assert [n for n, _e in seen.extras] == [1, 2]
    np.testing.assert_allclose(seen.extras[-1][1], _embedding(model)[5])
    assert not np.allclose(seen.extras[0][1], seen.extras[1][1])  # it trained in between


def test_a_lab_run_reports_a_view_before_training_and_after_each_epoch(tiny_imdb):
    spec = lab.LabSpec(
        data.ImdbConfig(num_words=50, maxlen=20),
        models.ModelConfig(vocab_size=50, embed_dim=4, body="lstm", units=4, mask_zero=True,
                           dense_units=4),
        training.TrainConfig(epochs=2, batch_size=2, validation_split=0.25), test_reviews=2)
    seen = Recorder()
    lab.train_and_save(spec, seen)
    assert [n for n, _e in seen.extras] == [0, 1, 2]
    views = [e for _n, e in seen.extras]
    assert all(isinstance(v, watch.EpochView) for v in views)
    assert set(views[0].words.words) == {"great", "loved", "awful", "boring"}  # tiny IMDB's
    assert all(v.saturation is not None and v.saturation.units == 4 for v in views)
    assert not np.allclose(views[0].vectors, views[-1].vectors)
    pooled = replace(spec, model=replace(spec.model, body="pool"))
    seen = Recorder()
    lab.train_and_save(pooled, seen)
    assert all(e.saturation is None for _n, e in seen.extras)  # no LSTM: no gates traced


def test_the_lab_page_draws_the_word_map_and_gates_after_training(tiny_imdb):
    st.cache_resource.clear()
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.run()
    for key, value in (("body", "lstm"), ("units", 4), ("maxlen", 20), ("epochs", 2),
                       ("vocab_size", 1_000), ("embed_dim", 4)):
        at.session_state["lab_" + key] = value
    at.run()
    at.button(key="lab_train").click().run()
    finish_job(at, "lab_job", timeout=120)
    specs = " ".join(chart.proto.spec for chart in at.get("plotly_chart"))
    assert "Sentiment words, epoch 2 · separation" in specs
    assert "Saturated gate values, a fixed review" in specs
    assert any("Separation" in c.value for c in at.caption)
    st.cache_resource.clear()
