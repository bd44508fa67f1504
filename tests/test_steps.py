"""The steps the lesson skips (explainers/steps.py): words -> ranks -> ids, the padded row pre
and post, the shape change, the round trip, the char ids and window; and word order: the
lesson's recorded pooling model does not move when a review's words are shuffled, the LSTM
does."""

from __future__ import annotations

import numpy as np
import pytest

from explainers import chargen, data, paths, presets, runs, steps
from explainers.reviews import InputFormat

WORD_INDEX = {"the": 1, "movie": 2, "great": 3, "acting": 4, "zebra": 20}  # word -> rank
VOCAB = data.Vocabulary.from_word_index(WORD_INDEX, num_words=10)  # ids 4..9: ranks 1..6
TEXT = "The movie, great!<br />Zebra qqq"


def test_each_word_gets_its_rank_and_its_id_rank_plus_three_or_unk():
    tokens = steps.token_steps(TEXT, WORD_INDEX, VOCAB)
    assert [t.word for t in tokens] == ["the", "movie", "great", "zebra", "qqq"]
    assert [t.rank for t in tokens] == [1, 2, 3, 20, None]  # zebra is ranked, qqq never seen
    assert [t.id for t in tokens] == [4, 5, 6, data.UNK, data.UNK]  # rank 20 >= num_words
    assert [t.unknown for t in tokens] == [False, False, False, True, True]


def test_the_round_trip_gives_the_words_back_except_the_unknown_ones():
    tokens = steps.token_steps(TEXT, WORD_INDEX, VOCAB)
    assert steps.round_trip(tokens, VOCAB) == ("the", "movie", "great", "<UNK>", "<UNK>")


def test_pre_and_post_padding_put_the_pads_on_either_side():
    rows = {side: InputFormat(VOCAB, 8, side).prepare(TEXT).row for side in ("pre", "post")}
    assert rows["pre"].tolist() == [0, 0, 1, 4, 5, 6, 2, 2]
    assert rows["post"].tolist() == [1, 4, 5, 6, 2, 2, 0, 0]
    assert VOCAB.decode(rows["post"]) == "<START> the movie great <UNK> <UNK>"


def test_the_shape_change_counts_cuts_and_pads():
    change = steps.shape_change(np.array([3, 5, 8]), 5)
    assert (change.reviews, change.maxlen, change.truncated, change.padded) == (3, 5, 1, 1)
    assert (change.ids, change.pads, change.cut) == (16, 2, 3)
    assert change.pad_share == pytest.approx(2 / 15)


@pytest.mark.realdata
@pytest.mark.slow
def test_the_shape_change_and_the_rows_match_the_lessons_real_arrays(real_imdb):
    imdb = data.load_imdb(presets.lesson_imdb())
    change = steps.shape_change(imdb.lengths["train"], imdb.config.maxlen)
    assert imdb.x_train.shape == (change.reviews, change.maxlen) == (25_000, 500)
    assert int(np.count_nonzero(imdb.x_train == data.PAD)) == change.pads  # no word is id 0
    texts, _labels = data.load_imdb_reviews("test")
    form = InputFormat.of_imdb(imdb)
    for i in (0, 7, 87, 12_345):
        assert np.array_equal(form.prepare(texts[i]).row, imdb.x_test[i])
        tokens = steps.token_steps(texts[i], imdb.word_index, imdb.vocabulary)
        assert all(t.id == t.rank + 3 for t in tokens if not t.unknown)


def test_the_lessons_char_ids_are_the_shipped_vocabularys():
    vocab = chargen.CharVocab.from_file(paths.ASSETS / chargen.VOCAB_FILE)
    assert vocab.size == 65
    assert vocab.encode("All: ").tolist() == [13, 50, 50, 10, 1]


def test_a_char_window_is_the_input_shifted_by_one():
    vocab = chargen.CharVocab.from_text("abcde fgh")
    window = steps.char_window("abcde", vocab)
    assert (window.input_text, window.target_text) == ("abcd", "bcde")
    assert window.input_ids == (1, 2, 3, 4) and window.target_ids == (2, 3, 4, 5)
    with pytest.raises(chargen.CharError):
        steps.char_window("abz", vocab)
    with pytest.raises(ValueError):
        steps.char_window("a", vocab)


# --------------------------------------------------------------------------- word order


def test_a_shuffle_is_a_seeded_permutation_and_reversing_reverses():
    words = tuple(f"w{i}" for i in range(30))
    one, again = steps.reorder(words, "shuffled", 5), steps.reorder(words, "shuffled", 5)
    assert one == again and sorted(one.words) == sorted(words) and one.words != words
    assert steps.reorder(words, "shuffled", 6).words != one.words
    assert steps.reorder(words, "reversed").words == words[::-1]
    with pytest.raises(ValueError):
        steps.reorder(words, "sorted")


def test_variants_keep_the_words_and_tokenise_back_to_them():
    found = steps.variants("Don't miss it: a great, great film!", seed=3, shuffles=2)
    assert [v.order for v in found] == ["original", "reversed", "shuffled", "shuffled"]
    assert [v.seed for v in found] == [None, None, 3, 4]
    for variant in found:
        assert data.tokenize(variant.text) == list(variant.words)
        assert sorted(variant.words) == sorted(found[0].words)


def test_same_tokens_is_false_when_truncation_keeps_other_words():
    words = [w for w in WORD_INDEX if w != "zebra"]
    short = InputFormat(VOCAB, 10, "post")
    assert steps.same_tokens(short, " ".join(words), " ".join(words[::-1]))
    cut = InputFormat(VOCAB, 3, "post")  # <START> + 2 words: the last two are kept
    assert not steps.same_tokens(cut, "the movie great acting", "great acting the movie")


@pytest.fixture(scope="module")
def models():
    try:
        return runs.load_lesson_run("pool"), runs.load_shipped()
    except runs.RunDamaged as error:
        pytest.skip(f"a shipped model is missing: {error}")


REVIEW = ("You can't take this movie seriously, the plot is predictable and trite, the acting "
          "often over the top, the dialog laughable; but it all adds up to great fun! This "
          "movie may have been believable 50 years ago, but now it's just great campy fun.")


@pytest.mark.slow
def test_the_lessons_pooling_model_does_not_move_when_the_words_are_shuffled(models):
    pool, lstm = models
    assert pool.input_format.padding == "post"  # the premise: pads averaged in, no mask
    assert not pool.model.get_layer("embedding").mask_zero
    found = steps.variants(REVIEW, seed=0, shuffles=4)
    texts = [v.text for v in found]
    assert all(steps.same_tokens(pool.input_format, texts[0], t) for t in texts)
    p_pool = steps.positive(pool.model, steps.rows(pool.input_format, texts))
    p_lstm = steps.positive(lstm.model, steps.rows(lstm.input_format, texts))
    assert np.abs(p_pool - p_pool[0]).max() < 1e-5  # float32 rounding at most
    assert np.abs(p_lstm - p_lstm[0]).max() > 0.01  # the LSTM reads the order
    dropped = steps.positive(pool.model, steps.rows(pool.input_format,
                                                    [REVIEW.replace("great", "")]))
    assert abs(dropped[0] - p_pool[0]) > 1e-3  # the tolerance above is not blind


@pytest.mark.slow
def test_pooling_cannot_tell_a_sentence_from_its_opposite(models):
    pool, lstm = models
    pair = ["i expected it to be bad but it was good", "i expected it to be good but it was bad"]
    p_pool = steps.positive(pool.model, steps.rows(pool.input_format, pair))
    p_lstm = steps.positive(lstm.model, steps.rows(lstm.input_format, pair))
    assert abs(p_pool[0] - p_pool[1]) < 1e-5
    assert abs(p_lstm[0] - p_lstm[1]) > 0.01
