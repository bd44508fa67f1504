"""The lesson's mistakes, measured: each erratum's demonstration says what the issue claims."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import HOW_TO_GET, REAL_DATA, skip_or_fail

from explainers import corpus, data, errata, lesson, presets, rnn_inside, runs


@pytest.fixture(scope="module")
def lesson_imdb():
    """The real IMDB arrays as the lesson encodes them (padding 'post'), once per module."""
    if REAL_DATA is None or corpus.find_aclimdb(REAL_DATA) is None:
        skip_or_fail(f"real IMDB data not found: {HOW_TO_GET}")
    return data.load_imdb(presets.lesson_imdb())


def test_every_erratum_has_its_texts_and_a_unique_code():
    assert errata.CODES == ("evaluate", "end", "embedding", "tanh", "stateful", "lstm_formula")
    for erratum in errata.ERRATA:
        assert erratum.title and erratum.says and erratum.truth and erratum.notice


# --------------------------------------------------------------------------- 1. evaluate


def test_recorded_scores_are_the_run_files():
    scores = errata.recorded_scores()
    assert scores == {key: runs.lesson_record(key).test_accuracy for key in ("pool", "simplernn")}
    assert scores["pool"] > 0.85 and scores["simplernn"] < 0.55  # the recordings' story


@pytest.mark.realdata
@pytest.mark.slow
def test_the_line_as_written_scores_the_pooling_model(lesson_imdb):
    result = errata.evaluate_both(errata.EvalSpec(reviews=400, seed=1), lesson_imdb)
    assert result.reviews == 400
    assert result.as_written >= 0.8  # model.evaluate: the pooling model
    assert result.intended <= 0.6  # single_rnn_model.evaluate: the coin toss


def test_the_scored_rows_are_a_seeded_sample_of_both_labels():
    labels = np.repeat([0, 1], 500)  # ordered by label, as the test split is
    rows = errata.scored_rows(labels, errata.EvalSpec(reviews=100, seed=3))
    assert len(set(rows)) == 100 and (rows == errata.scored_rows(
        labels, errata.EvalSpec(reviews=100, seed=3))).all()
    assert 30 < labels[rows].sum() < 70


# --------------------------------------------------------------------------- 2. <END>


@pytest.mark.realdata
@pytest.mark.slow
def test_id_3_never_occurs_in_the_real_reviews(lesson_imdb):
    count = errata.end_marker_count(lesson_imdb)
    assert count.reviews == 50_000 and count.tokens > 10_000_000
    assert count.id3 == 0
    decoded = errata.decode_like_lesson(lesson_imdb.x_test[0], lesson_imdb.word_index)
    assert decoded.tokens[0] == "<START>" and decoded.ends == 0
    assert set(decoded.tokens[decoded.words:]) == {"<PAD>"}  # after the words: pads only


def test_the_lessons_decoder_would_show_end_for_id_3():
    index = {"the": 1, "film": 2}
    assert errata.lesson_word_index(index) == {"the": 4, "film": 5, "<PAD>": 0, "<START>": 1,
                                               "<UNK>": 2, "<END>": 3}
    decoded = errata.decode_like_lesson(np.array([1, 4, 3, 5, 0, 0]), index)
    assert decoded.tokens == ("<START>", "the", "<END>", "film", "<PAD>", "<PAD>")
    assert decoded.ends == 1 and decoded.words == 4


# --------------------------------------------------------------------------- 3. embedding


def test_the_embedding_has_160000_parameters_not_millions():
    size = errata.embedding_size()
    assert size.layer.params == 160_000 == size.printed
    assert size.layer.substituted == "10000 × 16"
    assert size.share_of_a_million == pytest.approx(0.16)
    assert size.model_total == 161_153


# --------------------------------------------------------------------------- 4. tanh


def test_numpy_steps_and_jacobians_match_keras():
    import keras

    rng = np.random.default_rng(0)
    x = rng.normal(size=(30, 5)).astype("float32")  # (T, f)
    layer = keras.layers.SimpleRNN(7, return_sequences=True, seed=1)
    keras_h = np.asarray(layer(x[None]))[0]  # (T, 7)
    kernel, recurrent, bias = (np.asarray(w, np.float64) for w in layer.get_weights())
    states = errata.simple_rnn_steps(x, kernel, recurrent, bias)
    assert np.allclose(states, keras_h, atol=1e-5)
    last = keras.layers.SimpleRNN(7)
    last(x[None])
    last.set_weights(layer.get_weights())
    keras_norms = rnn_inside.state_jacobian_norms(last, x)  # (T,) ∂h_T/∂x_t by GradientTape
    assert np.allclose(errata.input_jacobians(states, kernel, recurrent), keras_norms,
                       rtol=1e-3, atol=1e-7)
    norms = errata.state_jacobians(states, recurrent)
    assert norms[-1] == pytest.approx(np.sqrt(7))  # ∂h_T/∂h_T = I


@pytest.mark.realdata
@pytest.mark.slow
def test_the_recorded_simplernn_gradient_vanishes(lesson_imdb):
    if runs.lesson_record("simplernn") is None:
        pytest.skip("the recorded SimpleRNN run is not in assets/")
    model = runs.load_lesson_run("simplernn").model
    length = int(lesson_imdb.lengths["test"][0])
    ids = lesson_imdb.x_test[0][:length]
    post = errata.state_decay(model, ids, "post")
    assert post.words == (0, length - 1)
    # measured: 1e-100 and below at the first word, ~0.57 per step back
    assert post.word_ratio < 1e-20
    assert post.per_step < 0.9
    assert (np.diff(np.log(post.norms[post.norms > 0])) > -1e-9).mean() > 0.9  # mostly rising
    pre = errata.state_decay(model, ids, "pre")
    assert pre.words == (lesson.IMDB.maxlen - length, lesson.IMDB.maxlen - 1)
    assert pre.word_ratio < 1e-2  # even with the words last, the first word gets little


# --------------------------------------------------------------------------- 5. stateful


def test_shuffled_rows_do_not_continue_each_other():
    text = "".join(f"line {i:04d} of a long made-up play.\n" for i in range(4_000))
    rows = errata.shuffled_rows(text, batch=2, seed=0)
    assert rows.windows.shape == (2, lesson.CHAR.batch_size)
    assert rows.continuing <= 2  # of 64 rows: by chance at most
    assert rows.windows[1, 0] != rows.windows[0, 0] + 1
    first, second, after = rows.text
    assert first != second and len(first) == lesson.CHAR.seq_length
    start = text.find(first)  # "after" is the window that continues row 0 (101 later)
    assert start >= 0 and text[start + lesson.CHAR.seq_length + 1:].startswith(after)


# --------------------------------------------------------------------------- 6. LSTM


def test_only_the_four_block_formula_gives_the_printed_counts():
    layers, checks = errata.lstm_formula()
    assert [c.keras_class for c in layers] == ["Embedding", "Bidirectional", "Bidirectional",
                                               "Dense", "Dense"]
    assert [(c.inputs, c.printed, c.true) for c in checks] == [(16, 41_472, 41_472),
                                                                (128, 98_816, 98_816)]
    assert [c.comment for c in checks] == [2 * (64 * 80 + 64), 2 * (64 * 192 + 64)]
    assert all(c.true == 4 * c.comment for c in checks)


def test_every_erratum_has_a_glossary_entry():
    errata_terms = [en for en, _zh, _meaning in lesson.GLOSSARY if en.startswith("erratum:")]
    assert len(errata_terms) == len(errata.ERRATA)
