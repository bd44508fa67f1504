"""The char-RNN explainers: vocabulary, windows, the stepwise sampler against the full model,
training, and the shipped model."""

from __future__ import annotations

import json

import numpy as np
import pytest

from explainers import cells, chargen, charsample, chartrain, lesson, live, paths

TEXT = "First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak, speak.\n"


@pytest.fixture(scope="module")
def vocab() -> chargen.CharVocab:
    return chargen.CharVocab.from_text(TEXT)


@pytest.fixture(scope="module")
def tiny_models(vocab):
    """One small untrained model per cell, seeded through its initializers."""
    return {
        cell: chargen.build_model(vocab.size, chargen.CharModelConfig(cell, 8, 4), seed=1)
        for cell in cells.KINDS
    }


def test_vocabulary_round_trip_and_file(vocab, tmp_path):
    assert vocab.chars == tuple(sorted(set(TEXT)))
    assert vocab.chars[0] == "\n" and vocab.chars[1] == " "  # sorted by code point
    ids = vocab.encode(TEXT)
    assert ids.dtype == np.int32 and ids.max() == vocab.size - 1
    assert vocab.decode(ids) == TEXT
    vocab.save(tmp_path / "v.json")
    assert chargen.CharVocab.from_file(tmp_path / "v.json") == vocab


def test_unknown_characters_are_named(vocab):
    assert vocab.unknown("Speak, 你好 <b>!") == ["你", "好", "<", "b", ">", "!"]
    with pytest.raises(ValueError, match="你"):
        vocab.encode("你")


def test_windows_shift_by_one():
    ids = np.arange(23)
    x, y = chargen.windows(ids, 4)  # windows of 5: [0..4], [5..9], ... ; 3 left over
    assert x.shape == y.shape == (4, 4)
    assert x[0].tolist() == [0, 1, 2, 3] and y[0].tolist() == [1, 2, 3, 4]
    assert x[1].tolist() == [5, 6, 7, 8] and y[1].tolist() == [6, 7, 8, 9]
    np.testing.assert_array_equal(x[:, 1:], y[:, :-1])


def test_tf_dataset_matches_the_numpy_windows():
    ids = np.arange(101)
    x_ref, _ = chargen.windows(ids, 9)  # 10 windows of 10
    seen = []
    for x, y in chargen.make_dataset(ids, 9, 3, seed=0):
        assert x.shape == y.shape == (3, 9)
        for xi, yi in zip(x.numpy(), y.numpy(), strict=True):
            np.testing.assert_array_equal(yi, xi + 1)  # each target = its input shifted
            seen.append(int(xi[0]))
    assert len(seen) == 9  # 10 windows, 3 full batches (drop_remainder, as the tutorial)
    assert set(seen) <= set(x_ref[:, 0].tolist())


@pytest.mark.parametrize("cell", cells.KINDS)
def test_stepwise_logits_equal_the_full_sequence_model(tiny_models, vocab, cell):
    model = tiny_models[cell]
    ids = vocab.encode("Speak, speak.\nAll:")
    full = model(ids[None, :]).numpy()[0]  # (T, vocab) from the whole layer at once
    steps = charsample.stepwise_logits(model, ids)  # (T, vocab), one character at a time
    np.testing.assert_allclose(steps, full, rtol=1e-4, atol=1e-5)


def test_generation_records_what_the_model_predicted(tiny_models, vocab):
    model = tiny_models["gru"]
    gen = charsample.generate(model, vocab, "All:", 12, 1.0, seed=3)
    assert gen.text.startswith("All:") and len(gen.text) == 16 and gen.n_prompt == 4
    logits = charsample.stepwise_logits(model, vocab.encode(gen.text))  # (16, vocab)
    probs = np.exp(logits - logits.max(1, keepdims=True))
    probs /= probs.sum(1, keepdims=True)
    assert np.isnan(gen.prob[0])
    ids = vocab.encode(gen.text)
    np.testing.assert_allclose(gen.prob[1:], probs[np.arange(15), ids[1:]], rtol=1e-4)
    np.testing.assert_array_equal(gen.top_ids[:, 0], probs.argmax(1))
    assert np.all(np.diff(gen.top_probs, axis=1) <= 1e-7)  # best first
    assert gen.hidden.shape == (16, 8) and np.all(np.abs(gen.hidden) <= 1)


def test_sampling_is_reproducible_and_matches_sample_next(tiny_models, vocab):
    model = tiny_models["lstm"]
    a = charsample.generate(model, vocab, "Sp", 40, 1.0, seed=7, record_hidden=False)
    b = charsample.generate(model, vocab, "Sp", 40, 1.0, seed=7, record_hidden=False)
    c = charsample.generate(model, vocab, "Sp", 40, 1.0, seed=8, record_hidden=False)
    assert a.text == b.text and a.text != c.text
    logits = charsample.stepwise_logits(model, vocab.encode(a.text))
    # generate draws character t + 1 at step t with seed (seed, t), exactly as sample_next
    for t in range(1, len(a.text) - 1):
        assert charsample.sample_next(logits[t], 1.0, 7, t) == vocab.index[a.text[t + 1]]


def test_low_temperature_approaches_argmax(tiny_models, vocab):
    model = tiny_models["simplernn"]
    greedy = charsample.generate(model, vocab, "All", 30, 0.0, seed=1, record_hidden=False)
    cold = charsample.generate(model, vocab, "All", 30, 1e-4, seed=1, record_hidden=False)
    hot = charsample.generate(model, vocab, "All", 30, 50.0, seed=1, record_hidden=False)
    assert cold.text == greedy.text
    assert hot.text != greedy.text
    logits = np.array([1.0, 3.0, 2.9])
    draws = {charsample.sample_next(logits, 0.01, s, 0) for s in range(50)}
    assert draws == {1}
    warm = [charsample.sample_next(logits, 1.0, s, 0) for s in range(200)]
    assert 0.2 < np.mean(np.equal(warm, 2)) < 0.6  # softmax gives ~0.45 to index 2


def test_the_default_temperature_is_the_lessons():
    import inspect

    default = inspect.signature(charsample.generate).parameters["temperature"].default
    assert default == lesson.CHAR.temperature == 1.0  # tf.random.categorical on raw logits


def test_greedy_is_deterministic_and_takes_the_argmax(tiny_models, vocab):
    model = tiny_models["lstm"]
    runs = [charsample.generate(model, vocab, "Sp", 30, 1.0, seed=s, record_hidden=False,
                                mode="greedy") for s in (1, 2, 3)]
    assert len({r.text for r in runs}) == 1 and runs[0].mode == "greedy"
    ids = vocab.encode(runs[0].text)
    logits = charsample.stepwise_logits(model, ids)  # (T, vocab)
    np.testing.assert_array_equal(ids[2:], logits[1:-1].argmax(1))  # every written character
    assert charsample.sample_next(logits[5], 1.0, 9, 5, mode="greedy") == logits[5].argmax()
    sampled = charsample.generate(model, vocab, "Sp", 30, 1.0, seed=1, record_hidden=False)
    assert sampled.text != runs[0].text  # sampling at T = 1 is not the argmax


def test_top_k_never_writes_outside_the_k_likeliest(tiny_models, vocab):
    model, k = tiny_models["gru"], 3
    gen = charsample.generate(model, vocab, "All:", 120, 50.0, seed=4, record_hidden=False,
                              mode="top_k", k=k)  # T = 50: nearly uniform over what is kept
    ids = vocab.encode(gen.text)
    ranks = np.argsort(-gen.logits, axis=1)[:, :k]  # (T, k) the k best after each character
    written = range(gen.n_prompt - 1, len(ids) - 1)
    assert all(ids[t + 1] in ranks[t] for t in written) and gen.k == k
    assert len({ids[t + 1] for t in written}) > 3  # it did draw, from more than one place
    for t in written:  # sample_next chooses exactly as generate did
        assert charsample.sample_next(gen.logits[t], 50.0, 4, t, "top_k", k) == ids[t + 1]
    wide = charsample.generate(model, vocab, "All:", 120, 50.0, seed=4, record_hidden=False)
    ranks_all = np.argsort(-wide.logits, axis=1)[:, :k]
    wide_ids = vocab.encode(wide.text)
    assert any(wide_ids[t + 1] not in ranks_all[t] for t in written)  # without k it does


def test_the_distributions_drawn_from():
    logits = np.array([1.0, 3.0, 2.0, -1.0])
    p1 = charsample.distribution(logits, 1.0)
    np.testing.assert_allclose(p1, np.exp(logits) / np.exp(logits).sum())
    cold, hot = charsample.distribution(logits, 0.5), charsample.distribution(logits, 2.0)
    assert cold[1] > p1[1] > hot[1] and cold[3] < p1[3] < hot[3]  # sharper, flatter
    top2 = charsample.distribution(logits, 1.0, "top_k", 2)
    np.testing.assert_allclose(top2, [0, np.e / (np.e + 1), 1 / (np.e + 1), 0])
    np.testing.assert_array_equal(charsample.distribution(logits, 1.0, "greedy"), [0, 1, 0, 0])
    with pytest.raises(ValueError, match="mode"):
        charsample.sample_next(logits, 1.0, 0, 0, mode="nucleus")


def test_generate_refuses_bad_input(tiny_models, vocab):
    model = tiny_models["gru"]
    with pytest.raises(ValueError, match="empty"):
        charsample.generate(model, vocab, "", 5)
    with pytest.raises(ValueError, match="vocabulary"):
        charsample.generate(model, vocab, "<script>", 5)
    with pytest.raises(ValueError, match="length"):
        charsample.generate(model, vocab, "All", charsample.MAX_GENERATE + 1)


def test_lesson_parameter_counts_match_keras():
    model = chargen.build_lesson_model()
    counts = {type(layer).__name__: layer.count_params() for layer in model.layers}
    formula = chargen.lesson_parameter_counts()
    assert list(counts.values()) == [layer.params for layer in formula.layers]
    assert counts == {"Embedding": 16_640, "SimpleRNN": 1_311_744, "Dense": 66_625}
    assert model.layers[1].stateful


def test_units_tracking_finds_a_planted_unit():
    text = "ROMEO:\nO she doth teach.\nJULIET:\nAy me.\n" * 3
    rng = np.random.default_rng(0)
    hidden = rng.normal(0, 0.3, (len(text), 6))  # (T, units)
    hidden[:, 4] = [1.0 if c.isupper() else -0.5 for c in text]
    best = charsample.units_tracking(hidden, text, "upper", k=2)
    assert best[0][0] == 4 and best[0][1] > 0.99
    col = charsample.feature_values("ab\ncd", "column")
    assert col.tolist() == [0, 1, 2, 0, 1]


class Recorder(live.Reporter):
    def __init__(self, stop: bool = False):
        self.batches: list[tuple[int, int, float]] = []
        self.epochs: list[tuple[int, float, str | None]] = []
        self.stop = stop

    def batch(self, done, total, **metrics):
        self.batches.append((done, total, metrics["loss"]))

    def epoch(self, number, metrics=(), note=None, extra=None):
        self.epochs.append((number, live.Metrics.of(metrics).get("loss"), note))

    def should_stop(self):
        return self.stop


def test_tiny_training_lowers_the_loss_and_stop_keeps_the_model():
    text = "to be or not to be, that is the question.\n" * 60
    vocab = chargen.CharVocab.from_text(text)
    model = chargen.build_model(vocab.size, chargen.CharModelConfig("gru", 32, 8), seed=0)
    config = chartrain.TrainConfig(seq_length=20, batch_size=16, epochs=4, text_chars=len(text),
                                 learning_rate=1e-2, sample_prompt="to", sample_length=30)
    seen = Recorder()
    result = chartrain.train(model, vocab, text, config, reporter=seen)
    assert [e for e, _, _ in seen.epochs] == [1, 2, 3, 4]
    assert [b[:2] for b in seen.batches[:2]] == [(1, 7), (2, 7)] and len(seen.batches) == 4 * 7
    assert [loss for _, loss, _ in seen.epochs] == result.losses
    assert [note for _, _, note in seen.epochs] == result.samples
    assert result.losses[-1] < 0.6 * result.first_batch_loss  # ln(19) = 2.94 at the start
    assert len(result.samples) == 4 and all(s.startswith("to") for s in result.samples)

    fresh = chargen.build_model(vocab.size, chargen.CharModelConfig("gru", 32, 8), seed=0)
    before = [w.copy() for w in fresh.get_weights()]
    stopped = chartrain.train(fresh, vocab, text, config, reporter=Recorder(stop=True))
    assert stopped.stopped and len(stopped.losses) == 1  # Keras ends the epoch it is in
    assert any(not np.array_equal(a, b) for a, b in zip(before, fresh.get_weights(),
                                                        strict=True))


PLAY = "to be or not to be, that is the question.\n" * 40


def stopped_live_job(tmp_path, model: chargen.CharModelConfig, epochs: int,
                     prompt: str) -> live.Job:
    """`train_live` on PLAY as a live job, asked to stop at once; returned once it ended."""
    (tmp_path / "play.txt").write_text(PLAY, encoding="utf-8")
    train = chartrain.TrainConfig(seq_length=20, batch_size=8, epochs=epochs,
                                  text_chars=len(PLAY), sample_length=10, sample_prompt=prompt)
    spec = chartrain.LiveSpec(model, train, str(tmp_path / "play.txt"))
    job = live.Job(chartrain.train_live, spec, epochs=epochs).start()
    job.stop()
    job.join(60)
    return job


def test_live_training_job_stops_and_keeps_its_model(tmp_path):
    job = stopped_live_job(tmp_path, chargen.CharModelConfig("gru", 16, 8), 50, "to")
    snap = job.snapshot()
    assert snap.phase == live.Phase.DONE and not job.running
    assert job.result.result.stopped and job.result.model is not None
    assert job.result.vocab == chargen.CharVocab.from_text(PLAY)
    assert snap.records[0].epoch == 0 and len(snap.records) <= 2  # before + one epoch
    assert snap.records[0].note.startswith("to") and not snap.records[0].metrics.names


def test_a_prompt_the_text_lacks_samples_from_its_first_character(tmp_path):
    job = stopped_live_job(tmp_path, chargen.CharModelConfig("gru", 8, 4), 5,
                           "ROMEO:")  # no capitals in the play
    notes = [r.note for r in job.snapshot().records]
    assert job.error is None and notes and all(n.startswith("t") for n in notes)
    assert len(notes[0]) == 1 + 10  # before training too: its first character, then 10


def test_training_refuses_less_than_one_batch(vocab):
    model = chargen.build_model(vocab.size, chargen.CharModelConfig("gru", 4, 4), seed=0)
    with pytest.raises(ValueError, match="fewer than one batch"):
        chartrain.train(model, vocab, TEXT, chartrain.TrainConfig(seq_length=100, batch_size=64))


def test_shipped_model_writes_shakespeare_like_text():
    if chargen.shipped_version() is None:
        pytest.skip("assets/char_rnn.keras not built: python scripts/train_char_rnn.py")
    shipped = chargen.load_shipped()
    meta = json.loads((paths.ASSETS / chargen.META_FILE).read_text(encoding="utf-8"))
    assert shipped.vocab.size == lesson.CHAR.vocab
    assert shipped.config == chargen.CharModelConfig(**meta["model"])  # read from the layers
    assert shipped.info == chargen.ShippedInfo(meta["epochs_finished"], meta["final_loss"],
                                               meta["held_out_loss"])
    assert meta["final_loss"] < 1.7 and meta["held_out_loss"] < 1.9
    assert (paths.ASSETS / chargen.MODEL_FILE).stat().st_size < 10_000_000
    sample = meta["sample"]
    gen = charsample.generate(shipped.model, shipped.vocab, sample["prompt"], 400,
                              sample["temperature"], seed=sample["seed"], record_hidden=False)
    assert gen.text == sample["text"]  # the metadata's sample is reproducible from its seed
    words = gen.generated.split()
    common = {"the", "and", "to", "of", "i", "you", "my", "a", "that", "is", "not", "be"}
    assert sum(w.lower().strip(".,;:!?") in common for w in words) >= 5


def test_shipped_loader_needs_model_and_vocabulary_not_metadata(tiny_models, vocab, tmp_path):
    assert chargen.shipped_version(tmp_path) is None  # nothing there: the page says so
    tiny_models["lstm"].save(tmp_path / chargen.MODEL_FILE)
    assert chargen.shipped_version(tmp_path) is None  # a model without its vocabulary
    vocab.save(tmp_path / chargen.VOCAB_FILE)
    assert chargen.shipped_version(tmp_path) == (tmp_path / chargen.MODEL_FILE).stat().st_mtime
    loaded = chargen.load_shipped(tmp_path)
    assert loaded.vocab == vocab and loaded.config == chargen.CharModelConfig("lstm", 8, 4)
    assert loaded.info == chargen.ShippedInfo()  # no metadata file: nothing is claimed


@pytest.mark.realdata
def test_real_shakespeare_has_the_lessons_65_characters(real_shakespeare):
    from explainers import data

    text = data.load_shakespeare(real_shakespeare)
    vocab = chargen.CharVocab.from_text(text)
    assert len(text) == lesson.CHAR.text_chars and vocab.size == lesson.CHAR.vocab
    x, y = chargen.windows(vocab.encode(text[:1_010]), 100)
    assert vocab.decode(x[0][:13]) == "First Citizen" and vocab.decode(y[0][:12]) == "irst Citizen"
