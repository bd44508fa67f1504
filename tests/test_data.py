"""The data layer on tiny aclImdb trees (counted by hand) and on the real shared data."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import TINY_REVIEWS, write_aclimdb

from explainers import corpus, data, paths, reviews


def _config(**changes) -> data.ImdbConfig:
    base = {"num_words": None, "maxlen": None, "source": "auto"}
    return data.ImdbConfig(**{**base, **changes})


def test_tokenizer_follows_keras_imdb_conventions():
    text = "I didn't LIKE it.<br /><br />The END... 10/10, o'clock 'quoted'"
    assert data.tokenize(text) == [
        "i", "didn't", "like", "it", "the", "end", "10", "10", "o'clock", "quoted",
    ]


def test_markup_in_a_review_is_dropped_not_kept_as_words():
    assert data.tokenize("<script>alert('x')</script> good <b>film</b>") == [
        "alert", "x", "good", "film",
    ]


def test_words_are_ranked_by_training_frequency(tiny_imdb):
    corpus = data.load_corpus()
    index = corpus.word_index()
    # counted by hand over the four training reviews: "boring" 4, "great" 4, "acting" 3,
    # "the" 3, then "awful", "is", "it", "loved", "movie" 2 each; ties go alphabetically
    assert index["boring"] == 1 and index["great"] == 2
    assert index["acting"] == 3 and index["the"] == 4 and index["awful"] == 5
    assert "zebra" not in index  # a test-only word gets no rank


def test_reserved_ids_and_start_token(tiny_imdb):
    loaded = data.load_imdb(_config())
    assert loaded.x_train.shape[0] == 4 and loaded.x_test.shape[0] == 2
    rows = [row[row != data.PAD] for row in loaded.x_train]
    assert all(row[0] == data.START for row in rows)
    assert min(int(row[1:].min()) for row in rows) >= data.INDEX_FROM + 1
    assert not (loaded.x_train == data.UNUSED).any()  # id 3 is never produced
    test_rows = [row[row != data.PAD] for row in loaded.x_test]
    # "zebra" appears in no training review: <UNK>
    assert any(data.UNK in row for row in test_rows)


def test_num_words_cut_off_maps_rare_words_to_unk(tiny_imdb):
    loaded = data.load_imdb(_config(num_words=6))  # ids 4 and 5: "boring", "great"
    ids = np.unique(loaded.x_train)
    assert set(ids.tolist()) <= {data.PAD, data.START, data.UNK, 4, 5}
    decoded = {loaded.vocabulary.token_of(int(i)) for i in loaded.x_train[0] if i}
    assert decoded <= {"<START>", "<UNK>", "boring", "great"}
    text = loaded.vocabulary.decode(loaded.x_train[0])
    assert text.split() == [loaded.vocabulary.token_of(int(i)) for i in loaded.x_train[0] if i]
    assert "<PAD>" not in text and text.startswith("<START>")
    assert loaded.vocabulary is loaded.vocabulary  # built once per load


@pytest.mark.parametrize("padding", ["pre", "post"])
@pytest.mark.parametrize("truncating", ["pre", "post"])
def test_pad_ragged_equals_keras_pad_sequences(padding, truncating):
    from keras.utils import pad_sequences

    rng = np.random.default_rng(0)
    seqs = [rng.integers(1, 50, size=n).tolist() for n in (0, 1, 3, 7, 12, 5)]
    flat = np.asarray([t for s in seqs for t in s], dtype=np.int32)
    offsets = np.cumsum([0] + [len(s) for s in seqs])
    for maxlen in (None, 4, 20):
        expected = pad_sequences(seqs, maxlen=maxlen, padding=padding, truncating=truncating)
        got = data.pad_ragged(flat, offsets, maxlen, padding, truncating)
        np.testing.assert_array_equal(got, expected)


def test_post_padding_puts_pads_after_the_review_and_pre_before(tiny_imdb):
    post = data.load_imdb(_config(maxlen=30, padding="post"))
    pre = data.load_imdb(_config(maxlen=30, padding="pre"))
    assert post.x_train[:, 0].tolist() == [data.START] * 4
    assert (post.x_train[:, -1] == data.PAD).all() and (pre.x_train[:, 0] == data.PAD).all()
    assert (pre.x_train[:, -1] != data.PAD).all()


def test_truncation_keeps_the_end_or_the_start(tiny_imdb):
    full = data.load_imdb(_config())
    keep_end = data.load_imdb(_config(maxlen=3, truncating="pre"))
    keep_start = data.load_imdb(_config(maxlen=3, truncating="post"))
    for row, end, start in zip(full.x_train, keep_end.x_train, keep_start.x_train, strict=True):
        real = row[row != data.PAD]
        np.testing.assert_array_equal(end, real[-3:])
        np.testing.assert_array_equal(start, real[:3])


def test_encode_decode_round_trip_matches_training_ids(tiny_imdb):
    loaded = data.load_imdb(_config(num_words=10))
    texts, labels = data.load_imdb_reviews("train")
    np.testing.assert_array_equal(labels, loaded.y_train)
    vocab = data.Vocabulary.from_word_index(loaded.word_index, num_words=10)
    whole = reviews.InputFormat(vocab)  # no maxlen: every word
    cut = data.load_imdb(_config(num_words=10, maxlen=6, padding="post"))
    as_cut = reviews.InputFormat.of_imdb(cut)  # maxlen, padding as those arrays
    for text, row, cut_row in zip(texts, loaded.x_train, cut.x_train, strict=True):
        np.testing.assert_array_equal(whole.prepare(text).ids, row[row != data.PAD])
        np.testing.assert_array_equal(as_cut.prepare(text).row, cut_row)
    assert whole.prepare("Great acting, zebra!").tokens == ("<START>", "great", "acting", "<UNK>")
    padded = reviews.InputFormat(vocab, maxlen=5, padding="post").prepare("great").row
    assert padded.tolist() == [data.START, vocab.encode("great", add_start=False)[0], 0, 0, 0]


def test_vocabulary_file_round_trip(tmp_path, tiny_imdb):
    vocab = data.load_imdb(_config(num_words=8)).vocabulary
    vocab.save(tmp_path / "vocab.json")
    again = data.Vocabulary.from_file(tmp_path / "vocab.json")
    assert again == vocab and again.size == 8
    assert again.encode("boring great the") == vocab.encode("boring great the")


def test_empty_and_non_utf8_review_files_load(tmp_path, monkeypatch):
    reviews = dict(TINY_REVIEWS)
    reviews[("train", "pos", 7, 7)] = b""  # an empty review file
    reviews[("train", "neg", 7, 2)] = "Caf\xe9 was awful".encode("latin-1")  # not UTF-8
    write_aclimdb(tmp_path, reviews, as_tarball=True)
    monkeypatch.setenv(paths.DATA_ENV, str(tmp_path))
    loaded = data.load_imdb(_config())
    assert loaded.x_train.shape[0] == 6
    texts, _ = data.load_imdb_reviews("train")
    assert "" in texts and "Café was awful" in texts
    assert "tar" in loaded.source or "aclImdb_v1" in loaded.source


def test_missing_folder_raises_the_specific_error_with_instructions(no_data):
    with pytest.raises(data.DataUnavailable) as error:
        data.load_corpus(no_data / "nowhere")
    message = str(error.value)
    assert "nowhere" in message and paths.DATA_ENV in message and "aclImdb" in message
    assert corpus.locate_imdb("auto") is None


def test_an_aclimdb_folder_without_both_splits_is_refused_by_name(no_data, monkeypatch):
    only_train = {key: text for key, text in TINY_REVIEWS.items() if key[0] == "train"}
    folder = write_aclimdb(no_data, only_train)
    monkeypatch.setenv(paths.DATA_ENV, str(no_data))
    assert corpus.read_aclimdb(folder)["test"] == []
    with pytest.raises(data.DataUnavailable, match="holds no labelled reviews"):
        data.load_corpus(use_cache=False)


def test_missing_shakespeare_says_how_to_get_it(no_data):
    with pytest.raises(data.DataUnavailable, match=paths.DATA_ENV):
        data.load_shakespeare(download=False)
    with pytest.raises(data.DataUnavailable, match="shakespeare"):
        data.load_shakespeare(no_data / "missing.txt")


def test_shakespeare_from_a_given_file(tmp_path):
    target = tmp_path / "play.txt"
    target.write_text("First Citizen:\nBefore we proceed", encoding="utf-8")
    assert data.load_shakespeare(target).startswith("First Citizen")


def test_damaged_cache_is_rebuilt(tiny_imdb):
    data.load_corpus()
    for cached in paths.cache_dir().glob("imdb-corpus-*.npz"):
        cached.write_bytes(b"not an npz")
    assert data.load_corpus().word_index()["boring"] == 1


@pytest.mark.realdata
@pytest.mark.slow
def test_full_imdb_loads_like_keras(real_imdb):
    loaded = data.load_imdb(data.ImdbConfig(num_words=10_000, maxlen=500))
    assert loaded.x_train.shape == (25_000, 500) and loaded.x_test.shape == (25_000, 500)
    assert loaded.y_train.mean() == 0.5 and loaded.y_test.mean() == 0.5
    assert loaded.x_train.max() < 10_000 and loaded.x_test.max() < 10_000
    assert loaded.x_train.min() == 0 and not (loaded.x_train == data.UNUSED).any()
    assert loaded.word_index["the"] == 1  # the most frequent word, as in Keras
    texts, labels = data.load_imdb_reviews("test")
    assert len(texts) == 25_000 and labels.sum() == 12_500


@pytest.mark.realdata
def test_real_shakespeare_has_the_lesson_alphabet(real_shakespeare):
    text = data.load_shakespeare(real_shakespeare)
    assert len(text) == 1_115_394 and len(set(text)) == 65


def test_keras_route_converts_imdb_npz_to_the_same_ids(no_data, monkeypatch):
    """Keras's pre-tokenised copy (as load_data(index_from=0) returns it) gives Keras's ids."""
    from keras.datasets import imdb

    words = {"the": 1, "movie": 2, "great": 3, "awful": 4}
    train = [[1, 2, 3], [1, 4]]
    test = [[2, 3, 3, 4]]

    def fake_load_data(**kwargs):
        assert kwargs["index_from"] == 0 and kwargs["start_char"] is None
        return (np.array(train, dtype=object), np.array([1, 0])), (
            np.array(test, dtype=object), np.array([1]))

    monkeypatch.setattr(imdb, "load_data", fake_load_data)
    monkeypatch.setattr(imdb, "get_word_index", lambda: words)
    loaded = data.load_imdb(_config(source="keras", num_words=7, maxlen=5))
    # ids = rank + 3, <START> first, rank 4 -> id 7 >= num_words -> <UNK>
    assert loaded.x_train.tolist() == [[0, 1, 4, 5, 6], [0, 0, 1, 4, 2]]
    assert loaded.x_test.tolist() == [[1, 5, 6, 6, 2]]
    assert "Keras" in loaded.source and loaded.word_index == words


def test_keras_route_offline_raises_the_specific_error(no_data, monkeypatch):
    from keras.datasets import imdb

    def offline(**kwargs):
        raise OSError("URL fetch failure: no network")

    monkeypatch.setattr(imdb, "load_data", offline)
    with pytest.raises(data.DataUnavailable, match=r"aclImdb_v1\.tar\.gz"):
        data.load_imdb(_config())
