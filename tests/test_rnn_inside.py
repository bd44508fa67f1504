"""One SimpleRNN step by hand vs Keras; gradients vs finite differences; the padding failure
and why a post-padded Bidirectional LSTM survives it."""

from __future__ import annotations

import numpy as np
import pytest

from explainers import cells, data, live
from explainers import padding as p
from explainers import rnn_inside as r


def test_walkthrough_equals_keras_simplernn():
    w = r.walkthrough("The film was not good, it was great", seed=3)
    assert w.tokens == ["the", "film", "was", "not", "good", "it", "was", "great"]
    assert w.W.shape == (r.WALK_H + r.WALK_X, r.WALK_H)
    assert w.max_difference < 1e-12  # float64 Keras layer, same weights
    assert np.allclose(np.round(w.W, 1), w.W)  # weights a student can read
    first, second = w.steps[0], w.steps[1]
    assert np.array_equal(first.h_prev, np.zeros(r.WALK_H))  # h_0 = 0
    assert np.array_equal(second.h_prev, first.h)  # the state is carried
    assert np.array_equal(second.concat[:r.WALK_H], first.h)  # [h_{t-1}, x_t]
    # the same word reuses its vector and the same W: "was" at steps 3 and 7
    assert np.array_equal(w.steps[2].x, w.steps[6].x)
    assert np.allclose(second.h, np.tanh(second.concat @ w.W + w.bias))


def test_walkthrough_refuses_text_without_words():
    with pytest.raises(ValueError, match="no words"):
        r.walkthrough("  ... !!! <br />")


def finite_difference_norms(layer, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """|∂h_T/∂x_t| by central differences, one input number at a time: (T,)."""
    steps, features = x.shape
    out = np.zeros(steps)
    for t in range(steps):
        block = []
        for j in range(features):
            up, down = x.copy(), x.copy()
            up[t, j] += eps
            down[t, j] -= eps
            diff = np.asarray(layer(up[None]))[0] - np.asarray(layer(down[None]))[0]
            block.append(diff / (2 * eps))  # (units,)
        out[t] = np.linalg.norm(np.stack(block))
    return out


@pytest.mark.parametrize("cell", cells.KINDS)
def test_gradient_norms_match_finite_differences(cell):
    import keras

    keras.utils.set_random_seed(1)
    layer_class = {"simplernn": keras.layers.SimpleRNN, "lstm": keras.layers.LSTM,
                   "gru": keras.layers.GRU}[cell]
    layer = layer_class(3, dtype="float64")
    x = np.random.default_rng(0).normal(size=(6, 2))  # (T, f)
    layer.build((None, 6, 2))
    tape_norms = r.state_jacobian_norms(layer, x)
    assert tape_norms.shape == (6,)
    assert np.allclose(tape_norms, finite_difference_norms(layer, x), rtol=1e-5, atol=1e-9)


def test_masked_steps_get_no_gradient():
    import keras

    keras.utils.set_random_seed(2)
    layer = keras.layers.SimpleRNN(4, dtype="float64")
    x = np.random.default_rng(1).normal(size=(8, 3))
    mask = np.array([True] * 5 + [False] * 3)
    norms = r.state_jacobian_norms(layer, x, mask)
    assert np.all(norms[5:] == 0) and np.all(norms[:5] > 0)


def test_untrained_simplernn_forgets_faster_than_lstm():
    config = r.MemoryConfig(steps=40, units=16, train_samples=64, epochs=1)
    simple = r.gradient_profile("simplernn", False, config)
    lstm = r.gradient_profile("lstm", False, config)
    assert simple.norms.shape == (40,)
    assert simple.norms[-1] > 100 * simple.norms[0]  # the last input counts far more
    assert lstm.ratio > simple.ratio  # the LSTM keeps a little more of the first input


class Recorder(live.Reporter):
    def __init__(self, stop: bool = False):
        self.batches: list[tuple[int, int]] = []
        self.epochs: list[tuple[int, str | None]] = []
        self.stop = stop

    def batch(self, done, total, **metrics):
        self.batches.append((done, total))

    def epoch(self, number, metrics=(), note=None, extra=None):
        self.epochs.append((number, note))

    def should_stop(self):
        return self.stop


def test_memory_training_reports_each_cell_and_stops_with_what_it_has():
    config = r.MemoryConfig(steps=12, input_dim=4, units=8, train_samples=128, epochs=2,
                            batch_size=32)
    seen = Recorder()
    profiles = r.train_memory(config, seen)
    assert list(profiles) == list(cells.KINDS)
    assert seen.epochs == [(1, "simplernn"), (2, "simplernn"), (3, "lstm"), (4, "lstm"),
                           (5, "gru"), (6, "gru")]  # numbered on across the cells
    assert seen.batches[:2] == [(1, 4), (2, 4)] and len(seen.batches) == 3 * 2 * 4
    assert all(p.trained and p.epochs_run == 2 and not p.stopped for p in profiles.values())
    assert r.trained_fully(profiles)
    untrained = r.gradient_profile("simplernn", False, config)
    assert not np.allclose(profiles["simplernn"].norms, untrained.norms)  # it learned

    stopped = r.train_memory(config, Recorder(stop=True))
    assert list(stopped) == ["simplernn"]  # Stop ends the first cell and skips the others
    assert stopped["simplernn"].stopped and stopped["simplernn"].epochs_run == 1
    assert stopped["simplernn"].norms.shape == (12,)  # measured as trained so far
    assert not r.trained_fully(stopped)


def test_padding_decides_what_the_final_state_sees():
    text = "a wonderful film with great acting and a moving story " * 3
    ids = p.fallback_ids(text)  # (28,) stand-in ids, no data needed
    assert ids[0] == data.START and np.all(ids[1:] > data.INDEX_FROM)
    deps = {v: p.padding_dependence(p.untrained_model(v, units=16), ids, v, maxlen=300)
            for v in p.VARIANTS}
    post, pre, masked = deps["post"], deps["pre"], deps["masked"]
    assert post.words_from_end == 300 - len(ids) and pre.words_from_end == 0
    assert int(post.real.sum()) == len(ids) == int(pre.real.sum())
    assert post.real_share < 0.05 and pre.real_share > 0.15  # the pads swamp 'post'
    assert masked.real_share == pytest.approx(1.0)  # masked steps are skipped
    assert np.all(masked.norms[~masked.real] == 0)


def test_the_backward_direction_holds_the_words_of_a_post_padded_review():
    ids = p.fallback_ids("a wonderful film with great acting and a moving story " * 3)
    model = p.untrained_model("bilstm", units=8)
    sides = p.direction_dependence(model, ids, maxlen=300)
    forward, backward = sides["forward"], sides["backward"]
    assert list(sides) == ["forward", "backward"]
    assert np.array_equal(forward.real, backward.real)  # the same post-padded review
    assert forward.real[: len(ids)].all() and not forward.real[len(ids):].any()
    assert forward.words_from_end == 300 - len(ids)  # it reads 272 pads after the words
    assert backward.words_from_end == 0  # it reads the words last
    assert backward.real_share > 0.5 > 0.05 > forward.real_share
    assert backward.per_word > 100 * forward.per_word
    assert backward.state_change > forward.state_change  # other words move its state more
    assert backward.norms[0] > backward.norms[len(ids) - 1]  # its last read word counts most
    kept = p.QuickResult("bilstm", {}, 0.5, 0.0, model=model)  # as a page keeps a training
    assert kept.directions(ids) is kept.directions(ids)  # measured once, then kept
    assert kept.directions(ids)["backward"].words_from_end == 0
    one_way = p.direction_dependence(p.untrained_model("lstm", units=8), ids, maxlen=300)
    assert list(one_way) == ["forward"] and one_way["forward"].real_share < 0.05


def test_the_demo_is_sized_to_answer_in_seconds_and_keep_the_lessons_failure():
    config = p.QuickConfig()
    assert config.min_pads >= 150  # every post-padded review still ends in 150+ pads
    assert [v.cut_batches for v in p.VARIANTS.values()] == [False, True, True]  # never 'post'
    assert not any(v.cut_batches for v in p.CELL_VARIANTS.values())  # post, as the lesson
    assert p.quick_cost(config, "post") == config.train_size * config.epochs * config.maxlen
    lesson_sized = p.QuickConfig(train_size=3000, epochs=3, max_tokens=500, maxlen=500)
    steps = sum(p.quick_cost(config, v) for v in p.VARIANTS)
    assert steps <= 2_000_000  # recurrent steps of the three trainings together
    assert steps * 7 < sum(p.quick_cost(lesson_sized, v) for v in p.VARIANTS)  # 13.5 M


def test_demo_arrays_are_short_balanced_and_padded_both_ways(tiny_imdb):
    config = p.QuickConfig(train_size=4, test_size=2, max_tokens=30, maxlen=40)
    post, pre = p.demo_arrays(config, "post"), p.demo_arrays(config, "pre")
    assert post.x_train.shape == (4, 40) and post.x_test.shape == (2, 40)
    assert post.y_train.mean() == 0.5 and post.y_test.mean() == 0.5  # half positive
    for row_post, row_pre in zip(post.x_train, pre.x_train, strict=True):
        words = row_post[row_post != data.PAD]
        assert 1 < len(words) <= 30 and words[0] == data.START
        assert np.array_equal(row_post[: len(words)], words)  # pads after the words
        assert np.array_equal(row_pre[-len(words):], words)  # the same words, pads before
    assert np.array_equal(post.y_train, pre.y_train)


@pytest.mark.slow
@pytest.mark.realdata
def test_quick_training_post_padding_stays_at_chance(real_imdb):
    config = p.QuickConfig(train_size=512, test_size=256, epochs=1)
    arrays = p.demo_arrays(config, "post")
    result = p.quick_train("post", arrays, config)
    assert len(result.history["accuracy"]) == 1
    assert 0.35 < result.test_accuracy < 0.65  # a coin toss, as in the lesson
    with pytest.raises(ValueError, match="needs arrays padded"):
        p.quick_train("pre", arrays, config)
