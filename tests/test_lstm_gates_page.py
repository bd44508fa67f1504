"""The LSTM gates page in Streamlit's AppTest: reviews in, gates out, bad input explained."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from conftest import write_aclimdb
from streamlit.testing.v1 import AppTest

from explainers import data, gates, paths, runs, tracer
from explainers.models import ModelConfig, build_model
from explainers.reviews import InputFormat
from lessons import echo, ui

PAGE = str(paths.PROJECT_ROOT / "lessons" / "lstm_gates.py")
TIMEOUT = 120  # the first run loads TensorFlow and the model

pytestmark = pytest.mark.skipif(
    not (runs.SHIPPED_FOLDER / runs.MODEL_FILE).is_file(),
    reason="assets/lstm_sentiment/ missing: run scripts/train_lstm_sentiment.py",
)


def _page(text: str | None = None) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.run()
    if text is not None:
        at.radio(key="gates_source").set_value("text").run()
        at.text_area(key="gates_text").set_value(text).run()
    return at


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _html(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def _stepper(at) -> dict:
    """The figure that steps through the review in the browser (the one with a slider)."""
    return next(f for f in (json.loads(c.proto.spec) for c in at.get("plotly_chart"))
                if f["layout"].get("sliders"))


def test_typed_review_is_traced_and_stepped(tiny_imdb):
    at = _page("A wonderful film, truly wonderful. Zzyzxq blorp.")
    assert not at.exception and not at.error
    metrics = _metrics(at)
    # <START> + 7 words; the two made-up words are out of vocabulary
    assert (metrics["tokens read"], metrics["unknown → <UNK>"]) == ("8", "2")
    assert metrics["cut off (maxlen)"] == "0"
    assert "Prediction: positive" in _html(at)
    assert at.slider(key="gates_step").value == 0
    # the player steps in the browser: one frame per token, the slider's steps go to them
    stepper = _stepper(at)
    slider = stepper["layout"]["sliders"][0]
    assert [f["name"] for f in stepper["frames"]] == [str(t) for t in range(8)]
    assert [s["args"][0] for s in slider["steps"]] == [[str(t)] for t in range(8)]
    assert slider["active"] == 0
    at.button(key="gates_next").click().run()  # the marked token: the player starts there
    assert at.slider(key="gates_step").value == 1
    assert _stepper(at)["layout"]["sliders"][0]["active"] == 1
    at.button(key="gates_prev").click().run()
    assert at.slider(key="gates_step").value == 0
    at.slider(key="gates_step").set_value(7).run()
    assert _stepper(at)["layout"]["sliders"][0]["active"] == 7
    assert "outline:3px" in _html(at) and not at.exception
    # the LSTMVis span follows the step: tokens 5-7 ("wonderful zzyzxq blorp")
    assert at.slider(key="gates_span").value == (5, 7)
    assert r"Span: **wonderful \<UNK\> \<UNK\>**" in _html(at)  # echoed inert


def _busiest_unit(text: str) -> int:
    """The unit the page starts on: the one whose cell state moves most (recomputed)."""
    shipped = runs.load_shipped()
    ids = shipped.input_format.prepare(text).ids  # the shipped model masks its pads
    trace = tracer.ModelTracer(shipped.model).trace(ids, running=False).layers[0].trace
    return int(np.argmax(gates.unit_change(trace, "c")))


def test_shipped_label_reads_its_score_and_the_unit_restarts_with_the_review(tiny_imdb):
    first, second = "A wonderful film, truly wonderful.", "An awful, boring film. Dull acting."
    at = _page(first)
    picker = at.selectbox(key="gates_model")
    assert picker.value == "shipped"
    accuracy = runs.shipped_record().test_accuracy  # from assets/lstm_sentiment/run.json
    assert f"test accuracy {accuracy:.4f}" in picker.format_func("shipped")
    assert at.number_input(key="gates_unit").value == _busiest_unit(first)
    other = (_busiest_unit(first) + 1) % 32
    at.number_input(key="gates_unit").set_value(other).run()
    at.slider(key="gates_step").set_value(3).run()
    assert at.number_input(key="gates_unit").value == other  # kept while the review stays
    at.text_area(key="gates_text").set_value(second).run()
    assert at.number_input(key="gates_unit").value == _busiest_unit(second)
    assert not at.exception


def test_play_walks_to_the_last_token_at_ten_a_second_and_pause_stops(tiny_imdb):
    at = _page("great fun")
    stepper = _stepper(at)
    play, pause = stepper["layout"]["updatemenus"][0]["buttons"]
    assert (play["label"], pause["label"]) == ("▶ Play", "❚❚ Pause")
    frames, options = play["args"]
    assert frames is None and options["fromcurrent"]  # every frame on from the current one
    assert [f["name"] for f in stepper["frames"]] == ["0", "1", "2"]  # <START> great fun
    assert options["frame"]["duration"] <= 100  # 10 tokens a second or more
    assert not options["frame"]["redraw"]  # frames change traces only: no whole redraw
    assert all("layout" not in f for f in stepper["frames"])
    assert pause["args"][0] == [None]  # Plotly's way to stop an animation
    # at the last frame, Plotly's fromcurrent plays from the first again: the page says so
    assert any("from the start again when at the end" in c.value for c in at.caption)
    assert not at.exception


def test_markup_in_a_review_is_escaped(tiny_imdb):
    at = _page('<script>alert("x")</script> <img src=x onerror=alert(1)> great <b>film</b>')
    assert not at.exception and not at.error
    shown = _html(at)
    assert "<script" not in shown and "onerror" not in shown and "<b>" not in shown
    assert "&lt;START&gt;" in shown  # even the model's own markers are escaped


def test_long_review_shows_what_was_cut(tiny_imdb):
    at = _page("good " * 300 + "bad ending")
    metrics = _metrics(at)
    assert metrics["tokens read"] == "256"  # the shipped model's maxlen
    assert metrics["cut off (maxlen)"] == str(300 + 3 - 256)  # <START> + 302 words - 256
    assert any("cut off" in e.label for e in at.expander)
    # the cut tokens are chips, <START> escaped once (a code span would show "&lt;START&gt;")
    cut = next(m.value for m in at.markdown if m.value.count("<span") == 300 + 3 - 256)
    assert ">&lt;START&gt;</span>" in cut and "&amp;" not in cut


def test_an_uploaded_file_name_is_echoed_inert(tiny_imdb):
    at = _page()
    at.radio(key="gates_source").set_value("upload").run()
    name = "<img src=x onerror=alert(1)>[site](http://x.example)*.txt"
    at.file_uploader(key="gates_upload").upload(name, b"", "text/plain").run()
    shown = " ".join(e.value for e in at.error)
    assert "empty" in shown
    echoed = shown.split("**:")[0].removeprefix("**")  # the name, between the bold marks
    assert not re.search(r"(?<!\\)[<>\[\]()*=]", echoed)  # every markup character escaped
    assert echo.visible(echoed) == name  # ... and nothing else changed


@pytest.mark.parametrize(("text", "message"), [
    ("   ...  !!! ", "no words"),
    ("Zzyzxq blorp quux", "None of the 3 words"),
])
def test_text_with_nothing_to_trace_gets_a_message(tiny_imdb, text, message):
    at = _page(text)
    assert not at.exception
    assert any(message in e.value for e in at.error)


@pytest.mark.parametrize(("payload", "message"), [
    (b"", "empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
    ("Très bien, un film génial".encode("latin-1"), "not UTF-8"),
    (b"great " * 200_000, "limit"),
    (b"qwxz zzyzxq", "None of the 2 words"),
], ids=["empty", "binary", "latin-1", "huge", "unknown-words"])
def test_bad_uploads_get_a_clear_message(tiny_imdb, payload, message):
    at = _page()
    at.radio(key="gates_source").set_value("upload").run()
    at.file_uploader(key="gates_upload").upload("review.txt", payload, "text/plain").run()
    assert not at.exception
    assert any(message in e.value for e in at.error), [e.value for e in at.error]


def test_good_upload_is_traced(tiny_imdb):
    at = _page()
    at.radio(key="gates_source").set_value("upload").run()
    text = "\ufeffAn awful, boring film. The worst acting I have seen.".encode()
    at.file_uploader(key="gates_upload").upload("review.txt", text, "text/plain").run()
    assert not at.exception and not at.error
    assert "Prediction: negative" in _html(at)


def test_missing_data_still_traces_the_example(no_data):
    at = _page()
    assert not at.exception
    assert any("not available" in w.value for w in at.warning)
    assert _metrics(at)["tokens read"] != ""


def test_the_one_review_cache_follows_the_data_to_a_new_place(tiny_imdb, tmp_path, monkeypatch):
    """ui.imdb_reviews (shared with Inside a SimpleRNN) is keyed by where the reviews are
    read from: data put somewhere else later is read, not the old copy."""
    ui._imdb_reviews.clear()
    first, _ = ui.imdb_reviews("test")
    other = {("train", "pos", 0, 9): "Fine.", ("train", "neg", 0, 1): "Bad.",
             ("test", "pos", 0, 8): "A new review, somewhere else.",
             ("test", "neg", 0, 2): "Another one."}
    write_aclimdb(tmp_path / "elsewhere", other)
    monkeypatch.setenv(paths.DATA_ENV, str(tmp_path / "elsewhere"))
    second, _ = ui.imdb_reviews("test")
    assert len(first) == 2 and "A new review, somewhere else." in second
    assert ui.imdb_reviews("test")[0] is second  # ... and read once


def test_lab_run_with_bidirectional_stack_offers_layers(tiny_imdb):
    import keras  # only here: the module's other tests need no Keras import of their own

    config = ModelConfig(vocab_size=50, embed_dim=4, body="lstm", units=3, layers=2,
                         bidirectional=True, mask_zero=True, dense_units=4)
    keras.utils.set_random_seed(0)
    model = build_model(config, seed=0)
    vocab = data.Vocabulary(("great", "film", "awful"), num_words=50)
    run_id = runs.RunStore().save(
        model, model_config=config, train_config={}, result={"history": {}},
        test_metrics={"accuracy": 0.5, "loss": 0.7}, input_format=InputFormat(vocab, 20),
        name="tiny bi-lstm",
    )
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.session_state[ui.CURRENT_RUN_KEY] = run_id
    at.run()
    at.radio(key="gates_source").set_value("text").run()
    at.text_area(key="gates_text").set_value("great film, awful film").run()
    assert not at.exception and not at.error
    picker = at.selectbox(key="gates_model")
    assert "tiny bi-lstm" in picker.format_func(picker.value)
    layer_box = at.selectbox(key="gates_layer")
    assert len(layer_box.options) == 4  # 2 layers x forward/backward
    layer_box.set_value(3).run()
    assert not at.exception
    shown = np.array([m.value for m in at.metric])
    assert "5" in shown  # <START> + 4 words read



@pytest.mark.realdata
def test_imdb_review_with_label_and_saturation_over_test_reviews(real_imdb):
    at = _page()
    assert not at.exception
    assert any("True label" in c.value for c in at.caption)
    at.number_input(key="gates_review").set_value(24_999).run()
    assert not at.exception and "Prediction:" in _html(at)
    pool = at.radio(key="gates_pool")
    pool.set_value("test").run()
    assert not at.exception
    assert any("first 200 test reviews" in m.value for m in at.markdown)
