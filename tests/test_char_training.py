"""Training a char model: the estimate, held-out loss and perplexity, per-epoch checkpoints,
the lesson's recipe and its recorded run; the page under AppTest, behind a link, and its
live runs (moved from the text generation page)."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import numpy as np
import pytest
from language import link_notes, open_link
from streamlit.testing.v1 import AppTest

from explainers import chargen, charsample, chartrain, lesson, live

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "lessons" / "char_training.py")
TIMEOUT = 120  # the first run imports TensorFlow
SELECT_SLIDERS = ("live_units", "live_batch", "live_subset")  # the live settings' other kind


def page() -> AppTest:
    return AppTest.from_file(PAGE, default_timeout=TIMEOUT)


def all_text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.code]
    parts += [e.value for e in at.error] + [w.value for w in at.warning]
    return "\n".join(parts)


def test_the_lessons_recipe_is_summarised():
    at = page().run()
    assert not at.exception, at.exception
    assert "16,640" in all_text(at) and "1,311,744" in all_text(at)  # the lesson's summary


def test_page_without_data_still_explains(no_data):
    at = page().run()
    assert not at.exception
    text = all_text(at)
    assert "Data not available" in text  # ui.data_missing for the live section
    assert "1,311,744" in text  # the lesson's recipe needs no data


def start_live(**settings) -> AppTest:
    """The page after Train was pressed with these slider settings (by widget key)."""
    at = page().run()
    for key, value in settings.items():
        widget = at.select_slider(key=key) if key in SELECT_SLIDERS else at.slider(key=key)
        widget.set_value(value)
    at.button(key="live_train").click().run()
    assert not at.exception
    return at


@pytest.mark.realdata
@pytest.mark.slow
def test_live_training_runs_and_keeps_its_samples(real_shakespeare):
    at = start_live(live_units=32, live_seq=32, live_batch=64, live_epochs=2,
                    live_subset=20_000)
    job = at.session_state["chargen_job"]
    assert isinstance(job, live.Job)
    job.join(TIMEOUT)
    at.run()
    assert not at.exception
    assert "finished after 2 epoch(s)" in at.success[0].value
    trained = job.result
    assert isinstance(trained, chartrain.LiveResult)
    losses = trained.result.losses
    assert len(losses) == 2 and losses[1] < losses[0]
    assert sum("After epoch" in m.value for m in at.markdown) == 2
    assert sum("Before training" in m.value for m in at.markdown) == 1


@pytest.mark.realdata
@pytest.mark.slow
def test_live_training_stops_from_the_page_and_keeps_the_model(real_shakespeare):
    at = start_live(live_units=32, live_epochs=30, live_subset=20_000)
    assert any(m.label.startswith("Time left") for m in at.metric)  # the live panel
    at.button(key="char_stop").click().run()
    job = at.session_state["chargen_job"]
    assert job.snapshot().stopping
    job.join(TIMEOUT)
    at.run()
    assert not at.exception
    assert "Training stopped by you after" in at.success[0].value
    assert job.result.result.stopped and len(job.result.result.losses) < 30
    assert sum("Before training" in m.value for m in at.markdown) == 1
    written = [c.value for c in at.code if len(c.value) == len("ROMEO:") + 300]
    assert written and written[0].startswith("ROMEO:")  # the kept model fills the sample box


# --------------------------------------------------------------------------- explainers

PLAY = "to be or not to be, that is the question.\n" * 60
TINY = chartrain.TrainConfig(seq_length=20, batch_size=8, epochs=2, text_chars=len(PLAY),
                             sample_length=10, sample_prompt="to")


def spec_of(model: chargen.CharModelConfig, **train) -> chartrain.LiveSpec:
    base = chartrain.TrainConfig(text_chars=100_000)
    return chartrain.LiveSpec(model, dataclasses.replace(base, **train), "")


def seconds(model: chargen.CharModelConfig, **train) -> float:
    return chartrain.estimate(spec_of(model, **train)).seconds


def test_the_estimate_grows_with_every_size():
    small = chargen.CharModelConfig("gru", 64, 32)
    assert seconds(small) < seconds(dataclasses.replace(small, units=256)) < seconds(
        dataclasses.replace(small, units=1024))
    assert seconds(small) < seconds(dataclasses.replace(small, embedding_dim=256))
    assert seconds(small) < seconds(dataclasses.replace(small, layers=2))
    rnn, gru, lstm = (chargen.CharModelConfig(c, 256, 32) for c in ("simplernn", "gru", "lstm"))
    assert seconds(rnn) < seconds(gru) < seconds(lstm)
    assert seconds(small, text_chars=50_000) < seconds(small, text_chars=200_000)
    assert seconds(small, epochs=2) == pytest.approx(2 * seconds(small, epochs=1))


def test_the_estimate_allows_the_defaults_and_refuses_the_lessons_full_run():
    fast = chartrain.estimate(spec_of(chargen.CharModelConfig(units=128), text_chars=100_000))
    assert fast.verdict == "ok" and fast.seconds < 60 and fast.message is None
    lesson_live = chartrain.estimate(chartrain.LiveSpec(
        chargen.LESSON_MODEL, chartrain.LESSON_TRAIN, ""))
    assert lesson_live.verdict in ("ok", "warn")  # the lesson's model on a slice: allowed
    full = chartrain.estimate(chartrain.LiveSpec(chargen.LESSON_MODEL, dataclasses.replace(
        chartrain.LESSON_TRAIN, text_chars=lesson.CHAR.text_chars, epochs=30), ""))
    _template, numbers = full.message
    assert full.verdict == "refuse" and numbers["minutes"] > numbers["limit"] == 20
    assert full.checkpoint_bytes == 4 * 1_395_009 and full.kept_epochs == 8  # 48 MB cap


def test_the_lessons_config_is_the_lessons_recipe():
    recipe, model = lesson.CHAR, chargen.LESSON_MODEL
    assert (model.cell, model.units, model.embedding_dim) == (recipe.cell, recipe.units,
                                                             recipe.embedding)
    assert model.layers == 1 and model.stateful and model.recurrent_init == "glorot_uniform"
    train = chartrain.LESSON_TRAIN
    assert (train.seq_length, train.batch_size) == (recipe.seq_length, recipe.batch_size)
    assert train.learning_rate == 1e-3 and train.sample_temperature == recipe.temperature
    built = chargen.build_lesson_model(seed=0)
    rnn = chargen.recurrent_layers(built)
    assert len(rnn) == 1 and rnn[0].stateful and rnn[0].units == recipe.units
    assert type(rnn[0].cell.recurrent_initializer).__name__ == "GlorotUniform"
    assert built.input_shape == (recipe.batch_size, None)
    assert built.count_params() == chargen.lesson_parameter_counts().total == 1_395_009
    departs = chartrain.differences(chartrain.LiveSpec(model, train, ""))
    assert [code for code, *_ in departs] == ["text_chars", "epochs"]  # only the slice
    assert ("units", "128", "1,024") in chartrain.differences(
        spec_of(chargen.CharModelConfig(units=128)))


def test_perplexity_is_the_exponential_of_the_loss():
    assert chartrain.perplexity(0.0) == 1.0
    assert chartrain.perplexity(math.log(65)) == pytest.approx(65)  # even odds on 65 chars
    assert chartrain.perplexity(1.04) == pytest.approx(math.exp(1.04))


class Recorder(live.Reporter):
    def __init__(self):
        self.epochs = []

    def epoch(self, number, metrics=(), note=None, extra=None):
        self.epochs.append((number, dict(metrics), note))


def trained(model_config: chargen.CharModelConfig, train=TINY):
    vocab = chargen.CharVocab.from_text(PLAY)
    model = chargen.build_model(vocab.size, model_config, 0, train.batch_size)
    recorder = Recorder()
    result = chartrain.train(model, vocab, PLAY, train, reporter=recorder, held_out=PLAY[:500])
    return vocab, model, result, recorder


def test_each_epoch_reports_held_out_loss_and_perplexity_and_keeps_its_weights():
    vocab, model, result, recorder = trained(chargen.CharModelConfig("gru", 16, 8))
    assert [number for number, *_ in recorder.epochs] == [1, 2]
    for (_n, metrics, _note), loss, held in zip(recorder.epochs, result.losses,
                                                result.held_out_losses, strict=True):
        assert metrics["perplexity"] == pytest.approx(math.exp(loss))
        assert metrics["held_out_loss"] == held
        assert metrics["held_out_perplexity"] == pytest.approx(math.exp(held))
    last = chartrain.held_out_dataset(vocab.encode(PLAY[:500]), 20, 8)
    assert chartrain.held_out_loss(model, last) == pytest.approx(result.held_out_losses[-1])
    assert result.checkpoints.epochs == [1, 2]
    live_result = chartrain.LiveResult(vocab, model, result, spec_of(chargen.CharModelConfig(
        "gru", 16, 8)))
    for epoch, (_n, _m, note) in zip((1, 2), recorder.epochs, strict=True):
        again = charsample.generate(live_result.model_at(epoch), vocab, "to", 10,
                                    TINY.sample_temperature, TINY.seed + epoch - 1,
                                    record_hidden=False)
        assert again.text == note  # the checkpoint writes what that epoch wrote
    first, second = (live_result.model_at(e).get_weights() for e in (1, 2))
    assert all(np.array_equal(a, b) for a, b in zip(second, model.get_weights(), strict=True))
    assert any(not np.array_equal(a, b) for a, b in zip(first, second, strict=True))


def test_checkpoints_keep_the_first_and_newest_epochs_within_their_bytes():
    weights = [np.zeros(250, np.float32)]  # 1,000 bytes an epoch
    kept = chartrain.Checkpoints(limit=3_000)
    for epoch in range(1, 7):
        kept.add(epoch, weights)
    assert kept.epochs == [1, 5, 6] and kept.bytes == 3_000
    one = chartrain.Checkpoints(limit=1_500)
    one.add(1, weights)
    one.add(2, weights)
    assert one.epochs == [2]  # the newest wins when only one fits


def test_a_stateful_stack_trains_and_samples_step_by_step():
    config = chargen.CharModelConfig("lstm", 8, 4, layers=2, stateful=True)
    vocab, model, _result, _rec = trained(config, dataclasses.replace(TINY, epochs=1))
    rnns = chargen.recurrent_layers(model)
    assert len(rnns) == 2 and all(x.stateful for x in rnns)
    before = [s.numpy().copy() for s in rnns[0].states]
    chartrain.held_out_loss(model, chartrain.held_out_dataset(vocab.encode(PLAY[:500]), 20, 8))
    assert all(np.array_equal(a, s.numpy()) for a, s in zip(before, rnns[0].states, strict=True))
    twin = chartrain.model_at(vocab.size, config, model.get_weights())
    ids = vocab.encode("to be or")
    full = twin.predict(ids[None, :], verbose=0)[0]  # (T, vocab)
    np.testing.assert_allclose(charsample.stepwise_logits(twin, ids), full, atol=1e-4)


def test_the_recorded_lesson_run_reads_back(tmp_path):
    assert chartrain.lesson_run(tmp_path) is None  # absent: the page says so
    history = {"loss": [2.6, 2.0], "held_out_loss": [2.2, 1.9], "seconds": [500.0, 510.0],
               "sample": ["ROMEO: a", "ROMEO: b"]}
    (tmp_path / chartrain.LESSON_RECORD).write_text(json.dumps(
        {"history": history, "budget_minutes": 25, "machine": "x86_64, 2 CPU cores"}))
    run = chartrain.lesson_run(tmp_path)
    assert run.epochs == (1, 2) and run.loss == (2.6, 2.0) and run.samples[-1] == "ROMEO: b"
    (tmp_path / chartrain.LESSON_RECORD).write_text("{damaged")
    assert chartrain.lesson_run(tmp_path) is None


def test_the_shipped_recorded_run_matches_the_lessons_model():
    run = chartrain.lesson_run()
    if run is None:
        pytest.skip("assets/lesson_runs/char not recorded: scripts/record_lesson_char.py")
    record = json.loads((run.folder / chartrain.LESSON_RECORD).read_text(encoding="utf-8"))
    # recorded before CharModelConfig had dropout: a missing field is its default (0, none)
    assert chargen.CharModelConfig(**record["model"]) == chargen.LESSON_MODEL
    assert set(record["model"]) | {"dropout"} == set(dataclasses.asdict(chargen.LESSON_MODEL))
    assert record["recipe"] == dataclasses.asdict(lesson.CHAR)
    assert len(run.loss) == len(run.held_out_loss) == len(run.seconds) >= 1
    assert run.loss[0] < 3.5  # one epoch takes it well below uniform guessing (ln 65 = 4.17)
    model = chartrain.load_lesson_weights(run)
    assert model.count_params() == 1_395_009
    assert run.weights_file.stat().st_size < 6_000_000


# --------------------------------------------------------------------------- the page

LINKED = {"cell": "lstm", "units": "64", "emb": "32", "layers": "2", "stateful": "1",
          "seq": "48", "batch": "16", "epochs": "4", "chars": "50000", "rate": "0.01",
          "init": "glorot_uniform"}  # every field of the page's link
KEYS = {"cell": ("selectbox", "live_cell", "lstm"), "units": ("select_slider", "live_units", 64),
        "emb": ("select_slider", "live_embed", 32), "layers": ("radio", "live_layers", 2),
        "stateful": ("checkbox", "live_stateful", True), "seq": ("slider", "live_seq", 48),
        "batch": ("select_slider", "live_batch", 16), "epochs": ("slider", "live_epochs", 4),
        "chars": ("select_slider", "live_subset", 50_000),
        "rate": ("select_slider", "live_rate", 0.01),
        "init": ("selectbox", "live_init", "glorot_uniform")}


def widget(at: AppTest, kind: str, key: str):
    return getattr(at, kind)(key=key)


def test_a_link_opens_the_same_set_up():
    at = open_link(PAGE, LINKED, "en", TIMEOUT)
    assert not at.exception, at.exception
    for name, (kind, key, value) in KEYS.items():
        assert widget(at, kind, key).value == value, name
    assert not link_notes(at)
    assert {name: at.query_params[name] for name in LINKED} == LINKED  # written back


def test_garbage_in_a_link_gives_the_defaults_and_a_note():
    at = open_link(PAGE, {"cell": "<img src=x>", "units": "1000", "seq": "abc",
                          "stateful": "maybe"}, "en", TIMEOUT)
    assert not at.exception, at.exception
    assert at.selectbox(key="live_cell").value == "gru"
    assert at.select_slider(key="live_units").value == 128
    assert at.slider(key="live_seq").value == chartrain.TrainConfig().seq_length
    note = link_notes(at)
    assert len(note) == 1 and all(name in note[0] for name in ("cell", "units", "seq"))


def test_the_lessons_button_sets_its_recipe_and_an_estimate():
    at = page().run()
    at.button(key="setup_lesson").click().run()
    assert not at.exception, at.exception
    assert at.select_slider(key="live_units").value == lesson.CHAR.units
    assert at.checkbox(key="live_stateful").value is True
    caption = " ".join(c.value for c in at.caption)
    assert "Differences from the lesson's recipe: characters trained on 100,000" in caption
    assert "cell" not in caption.split("recipe:")[1]
    assert any("s per epoch on this server" in m.value for m in at.markdown)
    at.select_slider(key="live_subset").set_value(lesson.CHAR.text_chars)
    at.slider(key="live_epochs").set_value(30).run()
    assert "over the 20-minute limit" in at.error[0].value
    assert at.button(key="live_train").disabled  # refused: the recorded run instead


def test_the_loss_chart_draws_the_lessons_points_and_the_recorded_run():
    from lessons.charts import text as charts

    records = tuple(live.EpochRecord(e, live.Metrics.of({"loss": loss, "held_out_loss": held}),
                                     float(e)) for e, loss, held in ((1, 2.5, 2.4), (2, 2.1, 2.2)))
    run = chartrain.LessonRun((1, 2), (2.6, 2.0), (2.2, 1.9), (500.0, 560.0), ("a", "b"), 25.0,
                              "x86_64", Path("."))
    fig = charts.loss_figure(records, 3, recorded=run)
    by_name = {trace.name: trace for trace in fig.data if trace.name}
    assert by_name["held-out loss"].y == (2.4, 2.2)
    assert by_name["the lesson's model, recorded here"].y == (2.6, 2.0)
    star = [t for t in fig.data if t.text and t.text[0] == "the lesson, epoch 1: 2.79"]
    assert star and star[0].x == (1,) and star[0].y == (2.79,)  # on the axis: a point
    assert [a.text for a in fig.layout.annotations] == ["the lesson, epoch 100: 1.04"]  # a line
    assert fig.layout.xaxis.range == (0.5, 3.5)
