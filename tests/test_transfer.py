"""Transfer learning the lesson's way: the source's rows land on the right ids, the frozen
phase leaves them exactly as they were, the unfrozen phase moves them (tiny seeded models)."""

from __future__ import annotations

import numpy as np
import pytest

from explainers import data, pretrained, runs, training, transfer

WORDS = tuple(f"w{i}" for i in range(26))  # a 30-id vocabulary: 4 reserved ids + 26 words


def tiny_imdb(seed: int = 0) -> data.ImdbData:
    """60 training and 12 test reviews of 8 ids over WORDS; the label is whether the review
    holds more of the first half of the words than of the second (so it can be learned)."""
    rng = np.random.default_rng(seed)
    vocabulary = data.Vocabulary(WORDS, num_words=30)

    def reviews(n: int) -> tuple[np.ndarray, np.ndarray]:
        x = rng.integers(4, 30, (n, 8)).astype(np.int32)  # (n, 8)
        x[:, 0] = data.START
        y = (np.mean(x[:, 1:] < 17, axis=1) > 0.5).astype(np.int64)  # (n,)
        return x, y

    (x_train, y_train), (x_test, y_test) = reviews(60), reviews(12)
    return data.ImdbData(
        x_train, y_train, x_test, y_test,
        word_index={w: r for r, w in enumerate(vocabulary.words, start=1)}, source="tiny",
        config=data.ImdbConfig(num_words=30, maxlen=8),
        lengths={"train": np.full(60, 8), "test": np.full(12, 8)},
    )


TINY = transfer.TransferConfig(train_reviews=40, validation_reviews=10, test_reviews=12,
                               epochs=2, fine_tune_epochs=2, batch_size=8, dense_units=4,
                               fine_tune_rate=1e-2)


@pytest.fixture
def phases(monkeypatch):
    """Each phase's way and the Embedding's weights at its end, as run_transfer trains."""
    seen: list[tuple[str, np.ndarray]] = []
    train = training.train

    def spy(model, *args, reporter, **kwargs):
        result = train(model, *args, reporter=reporter, **kwargs)
        seen.append((reporter.name, transfer.embedding_weights(model)))
        return result

    monkeypatch.setattr(training, "train", spy)
    return seen


@pytest.mark.parametrize("body", ["pool", "lstm"])
def test_frozen_keeps_the_source_exactly_and_unfreezing_fine_tunes_it(phases, body):
    source = np.random.default_rng(1).normal(0, 0.3, (30, 4)).astype(np.float32)  # (30, 4)
    config = transfer.TransferConfig(**{**TINY.__dict__, "body": body})
    found = transfer.run_transfer(config, tiny_imdb(), source.copy())
    assert list(found) == ["random", "frozen", "unfrozen", "finetuned"]
    after = dict(phases)
    assert np.array_equal(after["frozen"], source)  # bit for bit: the frozen phase
    assert found["frozen"].moved_most == 0.0 and found["frozen"].frozen == 30 * 4
    assert not np.array_equal(after["unfrozen"], source)  # the second phase moved them
    assert found["unfrozen"].moved > 0 and found["unfrozen"].frozen == 0
    assert found["unfrozen"].start == config.epochs  # it goes on from the frozen model
    assert len(found["unfrozen"].history["val_accuracy"]) == config.fine_tune_epochs
    assert found["finetuned"].moved > 0 and found["random"].moved > 0
    assert all(0.0 <= r.test_accuracy <= 1.0 for r in found.values())


def test_the_second_phase_trains_at_the_lower_rate(monkeypatch):
    rates: list[tuple[str, float]] = []
    train = training.train

    def spy(model, x, y, config, *, reporter, **kwargs):
        rates.append((reporter.name, config.learning_rate))
        return train(model, x, y, config, reporter=reporter, **kwargs)

    monkeypatch.setattr(training, "train", spy)
    transfer.run_transfer(TINY, tiny_imdb(), np.zeros((30, 4), np.float32))
    assert rates == [("random", 1e-3), ("frozen", 1e-3), ("unfrozen", 1e-2),
                     ("finetuned", 1e-3)]


def test_the_schedule_numbers_the_ways_one_after_another():
    config = transfer.TransferConfig(epochs=10, fine_tune_epochs=5)
    assert [(s.way, s.offset, s.epochs, s.start) for s in transfer.schedule(config)] == [
        ("random", 0, 10, 0), ("frozen", 10, 10, 0), ("unfrozen", 20, 5, 10),
        ("finetuned", 25, 10, 0)]
    assert transfer.total_epochs(config) == 35
    stage, epoch = transfer.stage_at(config, 22)
    assert (stage.way, epoch) == ("unfrozen", 2)
    assert transfer.stage_at(config, 99)[0].way == "finetuned"


def test_remap_puts_each_words_row_on_its_new_id():
    source = data.Vocabulary(("great", "the", "awful", "zebra"), num_words=8)
    target = data.Vocabulary(("the", "awful", "plot", "great"), num_words=8)
    weights = np.arange(8 * 3, dtype=np.float32).reshape(8, 3)  # (8, 3): row i = 3i..3i+2
    matrix, share = pretrained.remap(weights, source, target)
    for word in ("great", "the", "awful"):
        (new,), (old,) = target.encode(word, False), source.encode(word, False)
        assert np.array_equal(matrix[new], weights[old]), word
    assert target.encode("great", False) == [7] and source.encode("great", False) == [4]
    assert np.array_equal(matrix[:4], weights[:4])  # <PAD>, <START>, <UNK>, <UNUSED>
    plot = target.encode("plot", False)[0]
    assert np.all(np.abs(matrix[plot]) <= pretrained.FRESH)  # not in the source: fresh
    assert share == 0.75


def test_remap_with_the_same_vocabulary_is_an_exact_copy():
    vocabulary = data.Vocabulary(WORDS, num_words=30)
    weights = np.random.default_rng(0).normal(size=(30, 5)).astype(np.float32)
    matrix, share = pretrained.remap(weights, vocabulary, vocabulary)
    assert np.array_equal(matrix, weights) and share == 1.0


@pytest.mark.realdata
def test_the_lessons_embedding_keeps_its_words_ids(real_imdb):
    if runs.lesson_record(pretrained.LESSON_RUN) is None:
        pytest.skip("the recorded lesson run is not in assets/")
    imdb = data.load_imdb(data.ImdbConfig())
    trained = runs.load_lesson_run(pretrained.LESSON_RUN)
    weights = transfer.embedding_weights(trained.model)  # (10000, 16)
    matrix, share = pretrained.lesson_matrix(imdb.vocabulary)
    assert matrix.shape == (10_000, 16) and share == 1.0
    for word in ("the", "great", "awful", "boring"):
        (new,) = imdb.vocabulary.encode(word, False)
        (old,) = trained.input_format.vocabulary.encode(word, False)
        assert np.array_equal(matrix[new], weights[old]), word
    assert imdb.vocabulary.encode("the", False) == [4]  # rank 1 + index_from 3
    record = runs.lesson_record(pretrained.LESSON_RUN)
    source = pretrained.lesson_source(record, len(imdb.x_train))
    assert source.train_reviews == 20_000 and source.layers[0] == "Embedding(10000, 16)"
    assert len(source.layers) == 4  # Embedding, pooling, Dense(64), Dense(1)


def test_transfer_settings_refuse_unknown_sources_and_bodies():
    with pytest.raises(ValueError):
        transfer.TransferConfig(source="word2vec")
    with pytest.raises(ValueError):
        transfer.TransferConfig(body="gru")
    with pytest.raises(transfer.TransferProblem) as caught:
        transfer.TransferConfig(fine_tune_epochs=0)
    assert caught.value.code == "epochs"


def test_an_lstm_takes_longer_to_plan_for_than_pooling():
    pool = transfer.estimate_seconds(transfer.TransferConfig())
    assert transfer.estimate_seconds(transfer.TransferConfig(body="lstm")) > 5 * pool


def test_the_continued_way_is_drawn_after_the_epochs_it_goes_on_from():
    from lessons.charts import transfer as charts

    histories = {"frozen": {"accuracy": [0.6, 0.7], "val_accuracy": [0.55, 0.65]},
                 "unfrozen": {"accuracy": [0.8], "val_accuracy": [0.75]}}
    names = {"frozen": "frozen", "unfrozen": "then fine-tuned"}
    figure = charts.accuracy_figure(histories, names, {"frozen": 0, "unfrozen": 2})
    x = {(t.name, t.line.dash): list(t.x) for t in figure.data}
    assert x[("frozen", None)] == [1, 2] and x[("then fine-tuned", None)] == [3]
    assert [shape.x0 for shape in figure.layout.shapes] == [2.5]  # where it was unfrozen


def test_live_records_become_each_ways_curves():
    from explainers import live
    from lessons.charts import transfer as charts

    records = [live.EpochRecord(1, live.Metrics.of({"accuracy": 0.6, "val_accuracy": 0.5}),
                                1.0, "random"),
               live.EpochRecord(2, live.Metrics.of({"accuracy": 0.7, "val_accuracy": 0.6}),
                                2.0, "frozen")]
    assert charts.live_histories(records, transfer.WAYS) == {
        "random": {"accuracy": [0.6], "val_accuracy": [0.5]},
        "frozen": {"accuracy": [0.7], "val_accuracy": [0.6]}}
