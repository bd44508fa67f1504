"""Word vectors against brute-force answers; GloVe loading; memory and embedding matrices."""

from __future__ import annotations

import numpy as np
import pytest

from explainers import data, embeddings
from explainers.embeddings import UnknownWord, WordVectors

N, DIM = 300, 8  # small enough that a brute-force loop over every word is instant


@pytest.fixture(scope="module")
def toy() -> WordVectors:
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(N)]
    return WordVectors(words, rng.normal(size=(N, DIM)).astype(np.float32), name="toy")


def brute_cosine(vectors: WordVectors, query: np.ndarray, exclude: set[int], limit: int):
    """Plain Python: cosine of `query` with every allowed word, best first."""
    raw = vectors.unit * vectors.norms[:, None]
    scored = []
    for i in range(limit):
        if i in exclude:
            continue
        v = raw[i].astype(np.float64)
        cos = float(v @ query / (np.linalg.norm(v) * np.linalg.norm(query)))
        scored.append((cos, vectors.words[i]))
    scored.sort(key=lambda pair: -pair[0])
    return scored


@pytest.mark.parametrize("limit", [None, 50])
def test_neighbours_equal_brute_force(toy, limit):
    raw = toy.unit * toy.norms[:, None]
    for word in ("w0", "w7", "w123"):
        i = toy.row(word)
        expected = brute_cosine(toy, raw[i].astype(np.float64), {i}, limit or N)[:7]
        got = toy.neighbours(word, 7, limit=limit)
        assert [m.word for m in got] == [w for _, w in expected]
        np.testing.assert_allclose([m.score for m in got], [s for s, _ in expected], atol=1e-5)


def test_analogy_equals_brute_force_on_unit_vectors(toy):
    raw = (toy.unit * toy.norms[:, None]).astype(np.float64)
    unit = raw / np.linalg.norm(raw, axis=1, keepdims=True)
    for a, b, c in (("w1", "w2", "w3"), ("w10", "w200", "w42")):
        ia, ib, ic = toy.row(a), toy.row(b), toy.row(c)
        target = unit[ib] - unit[ia] + unit[ic]
        expected = brute_cosine(toy, target, {ia, ib, ic}, N)[:5]
        got = toy.analogy(a, b, c, 5)
        assert [m.word for m in got] == [w for _, w in expected]
        assert not {a, b, c} & {m.word for m in got}
        np.testing.assert_allclose([m.score for m in got], [s for s, _ in expected], atol=1e-5)
        # rank_of agrees with the list: the 4th answer is ranked 4th
        query = toy.analogy_target(a, b, c)
        assert toy.rank_of(got[3].word, query, exclude=[a, b, c]) == 4


def test_unknown_word_gives_specific_error_with_suggestions():
    vectors = WordVectors(["king", "queen", "kingdom", "movie"], np.eye(4, dtype=np.float32))
    with pytest.raises(UnknownWord) as caught:
        vectors.neighbours("kign", 2)
    assert caught.value.word == "kign"
    assert "king" in caught.value.suggestions
    assert "'kign' is not in the vocabulary" in str(caught.value)
    assert "Did you mean" in str(caught.value)
    with pytest.raises(UnknownWord) as nothing:
        vectors.row("zzzzzz")
    assert nothing.value.suggestions == []
    assert vectors.row("  KING ") == 0  # capitals and spaces are forgiven


def test_k_and_limit_extremes(toy):
    assert toy.neighbours("w0", 0) == []
    assert len(toy.neighbours("w0", 10_000)) == N - 1
    assert len(toy.neighbours("w0", 5, limit=1)) == 0  # the only candidate is the word itself
    assert toy.rank_of("w250", toy.unit[0], limit=100) is None  # outside the restriction


def test_pca_shape_and_explained_variance(toy):
    words = [f"w{i}" for i in range(20)] + ["w3"]  # a duplicate is dropped
    for n in (2, 3):
        projection = toy.pca(words, n)
        assert projection.coords.shape == (20, n)
        ratio = projection.explained_variance_ratio
        assert ratio.shape == (n,)
        assert np.all(np.diff(ratio) <= 1e-9) and 0 < ratio.sum() <= 1 + 1e-6
        # reference: eigenvalues of the covariance of the same unit vectors
        x = toy.unit[[toy.row(w) for w in projection.words]].astype(np.float64)
        eig = np.sort(np.linalg.eigvalsh(np.cov(x, rowvar=False)))[::-1]
        np.testing.assert_allclose(ratio, eig[:n] / eig.sum(), rtol=1e-4)
    with pytest.raises(ValueError):
        toy.pca(["w1", "w1"])


def test_direction_projection():
    words = ["good", "bad", "fine", "awful"]
    vectors = np.array([[1, 0], [-1, 0], [0.8, 0.6], [-0.6, 0.8]], dtype=np.float32)
    wv = WordVectors(words, vectors)
    d = wv.direction(["good"], ["bad"])
    np.testing.assert_allclose(d, [1, 0], atol=1e-6)
    np.testing.assert_allclose(wv.project(["fine", "awful"], d), [0.8, -0.6], atol=1e-6)
    with pytest.raises(ValueError):
        wv.direction(["good"], ["good"])


def test_memory_matches_the_lesson_numbers():
    m = embeddings.memory(embeddings.MemoryConfig())
    assert m.one_hot_batch == 32 * 500 * 10_000 * 4  # 640 MB of floats for one batch
    assert m.ids_batch == 32 * 500 * 4
    assert m.embedded_batch == 32 * 500 * 16 * 4
    assert m.embedding_table == 10_000 * 16 * 4  # the lesson's 160,000 weights
    assert m.one_hot_vs_embedded == pytest.approx(625)
    assert embeddings.human_bytes(1536) == "1.5 KB"
    one = embeddings.one_hot(2, 5)
    table = np.arange(15, dtype=np.float32).reshape(5, 3)
    np.testing.assert_array_equal(one @ table, table[2])


def test_embedding_matrix_copies_known_words():
    vocab = data.Vocabulary(("the", "movie", "zzunknown"), num_words=7)
    vectors = WordVectors(["movie", "the"], np.array([[1, 2], [3, 4]], dtype=np.float32))
    matrix, coverage = embeddings.embedding_matrix(vocab, vectors)
    assert matrix.shape == (7, 2)
    np.testing.assert_allclose(matrix[4], [3, 4], rtol=1e-6)  # 'the' has id 4
    np.testing.assert_allclose(matrix[5], [1, 2], rtol=1e-6)  # 'movie' has id 5
    assert np.all(np.abs(matrix[6]) <= 0.05)  # unknown word: small random row
    assert coverage == pytest.approx(2 / 3)


def test_real_glove_loads_fast_and_answers_the_lesson():
    loaded = embeddings.load_glove()
    glove = loaded.vectors
    assert len(glove) == 400_000 and glove.dim == 50
    assert loaded.seconds < 10  # the 3 s target is measured by benchmarks/glove_speed.py
    assert glove.analogy("man", "woman", "king", 1)[0].word == "queen"
    assert glove.analogy("paris", "france", "tokyo", 1)[0].word == "japan"
    assert {"prince", "queen"} <= {m.word for m in glove.neighbours("king", 5)}
    with pytest.raises(UnknownWord) as caught:
        glove.row("beutiful")
    assert "beautiful" in caught.value.suggestions


# --------------------------------------------------------------------------- transfer helpers


def test_learned_vectors_skip_reserved_rows_and_push_is_relative_to_unk():
    from explainers import transfer

    vocab = data.Vocabulary(("good", "bad", "plot"), num_words=7)
    weights = np.arange(14, dtype=np.float32).reshape(7, 2) + 1  # (7, 2): ids 0..6
    learned = transfer.learned_vectors(weights, vocab, "toy")
    assert learned.words == ["good", "bad", "plot"]
    np.testing.assert_allclose(learned.vector("good"), weights[4], rtol=1e-6)  # id 4 = rank 1
    seen = []

    def predict(ids):  # P(positive) = 0.5 + 0.1 * (id of the last token - 4), <UNK> -> 0.3
        seen.append(ids)
        last = ids[:, -1]
        return np.where(last == data.UNK, 0.3, 0.5 + 0.1 * (last - 4))

    push = transfer.word_push(predict, vocab, 10, width=5, padding="pre")
    np.testing.assert_allclose(push, [0.2, 0.3, 0.4], atol=1e-6)
    assert seen[0].shape == (4, 5) and np.all(seen[0][:, :3] == 0)  # padded before
    assert np.all(seen[0][:, 3] == data.START)


def test_unseen_share_and_restrict():
    from explainers import transfer

    x_train = np.array([[0, 1, 4, 5], [0, 1, 5, 6]])
    x_test = np.array([[1, 4, 7, 2], [0, 1, 8, 8]])  # words 4, 7, 8, 8: 3 of 4 unseen
    assert transfer.unseen_share(x_train, x_test) == pytest.approx(0.75)
    wv = WordVectors(["a", "b", "c"], np.eye(3, dtype=np.float32))
    sub = transfer.restrict(wv, ["c", "zz", "a"])
    assert sub.words == ["c", "a"]
    np.testing.assert_allclose(sub.vector("c"), [0, 0, 1])


def test_scarcity_counts_what_a_small_subset_shows_and_glove_covers(tiny_imdb):
    from explainers import transfer

    imdb = data.load_imdb(data.ImdbConfig())
    words = imdb.vocabulary.words
    glove = WordVectors(["great", "movie", "notaword"], np.eye(3, dtype=np.float32))
    found = transfer.scarcity(transfer.TransferConfig(train_reviews=1, test_reviews=2), imdb,
                              glove)
    assert found.vocabulary == len(words) and "great" in words and "movie" in words
    assert found.glove_coverage == pytest.approx(2 / len(words))
    seen = {int(i) for i in imdb.x_train[0] if i > data.UNUSED}  # plain Python sets
    tokens = [int(i) for row in imdb.x_test[:2] for i in row if i > data.UNUSED]
    assert found.seen_words == len(seen)
    assert found.unseen_share == pytest.approx(sum(t not in seen for t in tokens) / len(tokens))


def test_transfer_time_estimate_grows_with_reviews_and_epochs():
    from explainers import transfer

    base = transfer.estimate_seconds(transfer.TransferConfig())
    assert 15 < base < 60  # the default's "~30 s for all three"
    assert transfer.estimate_seconds(transfer.TransferConfig(train_reviews=5_000)) > 3 * base
    assert transfer.estimate_seconds(transfer.TransferConfig(epochs=30)) > 1.5 * base
