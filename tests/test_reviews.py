"""One way to feed a model text: InputFormat.prepare against pad_sequences, and the checks."""

from __future__ import annotations

import numpy as np
import pytest

from explainers import data, reviews

VOCAB = data.Vocabulary(("the", "movie", "good", "bad", "plot"), num_words=None)
TEXT = "The movie is GOOD <b>really</b> but the plot is bad"  # 10 words, 4 unknown


def _pad_sequences(ids, maxlen, padding, truncating):
    from keras.utils import pad_sequences

    return pad_sequences([ids], maxlen=maxlen, padding=padding, truncating=truncating)[0]


def test_prepare_marks_unknown_and_truncated():
    p = reviews.InputFormat(VOCAB, maxlen=4).prepare("The movie is GOOD <b>really</b>")
    # <START> the movie is good really -> unknown: is, really; keep the last 4
    assert p.tokens == ("movie", "<UNK>", "good", "<UNK>")
    assert p.truncated == ("<START>", "the")
    assert (p.words, p.unknown, p.known) == (5, 2, 3)
    short = reviews.InputFormat(VOCAB, maxlen=4).prepare("good")
    assert short.tokens == ("<START>", "good")
    assert short.row.tolist() == [0, 0, data.START, VOCAB.encode("good", False)[0]]
    assert (short.first, short.last) == (2, 4) and short.row[short.real].tolist() == (
        short.ids.tolist())


@pytest.mark.parametrize("padding", ["pre", "post"])
@pytest.mark.parametrize("truncating", ["pre", "post"])
@pytest.mark.parametrize("maxlen", [3, 11, 20])
def test_prepare_pads_and_cuts_as_pad_sequences(padding, truncating, maxlen):
    form = reviews.InputFormat(VOCAB, maxlen, padding, truncating)
    p = form.prepare(TEXT)
    full = VOCAB.encode(TEXT)  # <START> + 10 ids, uncut
    expected = _pad_sequences(full, maxlen, padding, truncating)
    np.testing.assert_array_equal(p.row, expected)
    np.testing.assert_array_equal(p.row[p.real], p.ids)
    assert (p.row[:p.first] == data.PAD).all() and (p.row[p.last:] == data.PAD).all()
    assert p.tokens == tuple(VOCAB.token_of(int(i)) for i in p.ids)
    words = ["<START>", *data.tokenize(TEXT)]
    cut = max(0, len(full) - maxlen)
    assert len(p.truncated) == cut  # the words cut off, in text order, from the cut end
    assert list(p.truncated) == (words[:cut] if truncating == "pre" else words[len(words)
                                                                              - cut:])
    assert (p.words, p.unknown) == (10, 4)  # counted over the whole text, cut or not


def test_masked_models_get_no_pads_and_others_the_padded_row():
    p = reviews.InputFormat(VOCAB, maxlen=8, padding="pre").prepare("good movie")
    ids, real = p.for_model(masks_pads=True)
    assert data.PAD not in ids.tolist() and ids.tolist() == p.ids.tolist()
    assert real == slice(0, 3)
    ids, real = p.for_model(masks_pads=False)
    assert len(ids) == 8 and ids[:5].tolist() == [0] * 5 and real == slice(5, 8)


def test_no_maxlen_keeps_the_whole_review():
    p = reviews.InputFormat(VOCAB).prepare(TEXT)
    assert p.ids.tolist() == VOCAB.encode(TEXT) == p.row.tolist() and p.truncated == ()


def test_format_is_checked_and_round_trips_through_its_spec():
    with pytest.raises(ValueError):
        reviews.InputFormat(VOCAB, 10, padding="middle")
    with pytest.raises(ValueError):
        reviews.InputFormat(VOCAB, 0)
    form = reviews.InputFormat(VOCAB, 7, "post", "post")
    assert reviews.InputFormat.from_spec(form.spec(), VOCAB) == form


def test_pad_row_matches_pad_sequences():
    ids = np.arange(1, 8)
    for padding in ("pre", "post"):
        for maxlen in (4, 10):
            expected = _pad_sequences(ids, maxlen, padding, "pre")
            assert np.array_equal(reviews.pad_row(ids, maxlen, padding), expected)


@pytest.mark.parametrize(("payload", "code", "params", "words"), [
    (b"  \n", "empty_file", {}, "empty"),
    (b"great " * 200_000, "file_too_big",
     {"size": 1_200_000, "limit": 1_000_000, "limit_megabytes": 1.0},
     "1,200,000 bytes, over the limit of 1 MB (1,000,000 bytes)"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary_file", {}, "binary"),
    ("Très bien".encode("latin-1"), "not_utf8", {"byte": 2}, "byte 2 cannot be read"),
    (b"\x01\x02\x03\x04 hi", "control_characters", {}, "control characters"),
], ids=["empty", "huge", "binary", "latin-1", "controls"])
def test_bad_uploads_carry_a_code_and_parameters(payload, code, params, words):
    with pytest.raises(reviews.BadReview) as caught:
        reviews.review_from_upload(payload)
    assert caught.value.code == code
    assert caught.value.params == pytest.approx(params)
    assert words in str(caught.value)


def test_good_upload_loses_its_byte_order_mark():
    text = reviews.review_from_upload("\ufeffA fine film.".encode())
    assert text == "A fine film."


def test_check_review_prepares_or_says_why_not():
    form = reviews.InputFormat(VOCAB, 5)
    review = reviews.check_review(TEXT, form)
    assert review.words == 10 and len(review.ids) == 5
    for text, code, params, words in [
        ("  ... !!! <br />", "no_words", {}, "no words"),
        ("qwxz zzyzxq", "no_known_words", {"words": 2, "vocabulary": VOCAB.size},
         "None of the 2 words"),
        ("good " * 50_000, "too_long", {"chars": 250_000, "limit": reviews.MAX_TEXT_CHARS},
         "250,000 characters"),
    ]:
        with pytest.raises(reviews.BadReview) as caught:
            reviews.check_review(text, form)
        assert (caught.value.code, caught.value.params) == (code, params)
        assert words in str(caught.value)
