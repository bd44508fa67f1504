"""The four embedding pages under AppTest: real GloVe, tiny or real IMDB, never a traceback."""

from __future__ import annotations

import json

import pytest
from conftest import finish_job
from streamlit.testing.v1 import AppTest
from test_embed_i18n import open_view

from explainers import paths
from lessons import echo

PAGES = paths.PROJECT_ROOT / "lessons"

TIMEOUT = 120  # the first page to run imports TensorFlow and loads GloVe


def run(page: str) -> AppTest:
    at = AppTest.from_file(str(PAGES / page), default_timeout=TIMEOUT).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def text_of(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def shown(markdown: str) -> str:
    """What a reader sees of Markdown in which user text was escaped (ui.inert)."""
    return echo.visible(markdown)


def fresh_imdb_cache():
    """ui.imdb is cached per server by config; a test that changes the data must clear it."""
    from lessons import ui

    ui._imdb.clear()


def neighbours_table(at: AppTest):
    """The learned embeddings page's table of neighbours (a DataFrame of Markdown cells)."""
    return next(t.value for t in at.table if "word" in t.value.columns)


def test_embeddings_why_shows_the_lesson_numbers():
    at = run("embeddings_why.py")
    values = {m.label: m.value for m in at.metric}
    assert values["One-hot batch (float32)"] == "610.4 MB"  # 32 x 500 x 10,000 x 4 bytes
    assert values["Embedding output (float32)"] == "1,000.0 KB"  # 32 x 500 x 16 x 4 bytes
    assert "**equal**" in text_of(at)
    at.number_input[0].set_value(1_000_000).run()  # an extreme vocabulary
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["One-hot batch (float32)"] == "59.6 GB"
    at.text_input[0].set_value("good <b>great</b> zzqqxx").run()  # markup and a non-word
    assert not at.exception
    assert any("'zzqqxx' is not in the vocabulary" in w.value for w in at.warning)


def test_glove_explorer_presets_unknown_words_and_restriction():
    at = open_view(run("glove_explorer.py"), "Analogies")
    heads = [m.value for m in at.markdown if m.value.startswith("###")]
    assert heads == ["### man : king :: woman : **queen** (cosine 0.852)"]
    assert [s.value for s in at.success] == ["Your expected answer 'queen' is the top answer."]
    at.selectbox(key="an_preset").set_value("good : better :: bad : ?").run()
    assert "### good : better :: bad : **worse**" in text_of(at)

    open_view(at, "Neighbours")
    at.text_input(key="nb_word").set_value("beutiful").run()
    assert any("'beutiful' is not in the vocabulary. Did you mean: beautiful" in e.value
               for e in at.error)
    at.button(key="nb_word-suggest-beautiful").click().run()
    assert at.text_input(key="nb_word").value == "beautiful" and not at.error

    at.select_slider(key="glove_limit").set_value(10_000).run()
    text = text_of(at)
    assert "Answers come from the **10,000** most frequent words" in text
    assert "are outside the top 10,000" in text
    open_view(at, "Analogies")
    at.text_input(key="an_expected").set_value("bad").run()  # one of the input words
    assert any("excluded" in w.value for w in at.warning)

    open_view(at, "Word map")
    at.radio(key="map_mode").set_value("My own list").run()
    at.radio(key="map_dims").set_value(3).run()
    at.text_area(key="map_words").set_value("king queen man woman <script> zzqqxx").run()
    assert not at.exception
    (chart,) = at.get("plotly_chart")  # the open tab's map, the only figure built
    spec = json.loads(chart.proto.spec)
    assert spec["data"][0]["type"] == "scatter3d" and "queen" in spec["data"][0]["text"]


def test_learned_embeddings_shipped_model():
    from explainers import runs

    if not (runs.SHIPPED_FOLDER / runs.MODEL_FILE).is_file():
        pytest.skip("the shipped LSTM is not in assets/")
    at = run("learned_embeddings.py")
    assert at.selectbox(key="embeddings_model").value == "shipped"
    assert "Inspecting the shipped LSTM" in at.success[0].value
    table = neighbours_table(at)
    assert "GloVe's neighbours, same vocabulary" in table.columns
    assert list(table["word"][:2]) == ["**great**", "**excellent**"]
    at.text_input(key="embeddings_word").set_value("grate").run()
    assert "'grate' is not in the vocabulary" in shown(at.error[0].value)
    at.slider(key="embeddings_map_words").set_value(100).run()
    pushes = next(t.value for t in at.table if "Most negative push" in t.value.columns)
    assert list(pushes.columns) == ["Most negative push", "Most positive push"]
    lists = [", ".join(shown(item) for item in pushes[end]) for end in pushes.columns]
    listed = {item.rsplit(" (", 1)[0] for text in lists for item in text.split(", ")}
    plotted = runs.load_shipped().input_format.vocabulary.words[:100]
    assert len(lists) == 2 and len(listed) == 20 and listed <= set(plotted)  # the map's words


def test_learned_embeddings_quick_model_on_tiny_data(tiny_imdb):
    fresh_imdb_cache()
    at = run("learned_embeddings.py")
    at.selectbox(key="embeddings_model").set_value("quick").run()
    at.button(key="quick_train").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.button(key="quick_stop")  # the live panel, while it trains
    finish_job(at, "embeddings_quick_job")
    assert "pooling model trained here (4 reviews, 4 epochs" in shown(at.success[0].value)
    assert "embeddings_quick_job" not in at.session_state and not at.button  # trained once
    fresh_imdb_cache()


@pytest.mark.realdata
@pytest.mark.slow
def test_learned_embeddings_quick_model_stopped_stays_with_the_session(real_imdb):
    import streamlit as st

    st.cache_resource.clear()  # no quick model trained by an earlier test
    at = run("learned_embeddings.py")
    at.selectbox(key="embeddings_model").set_value("quick").run()
    at.button(key="quick_train").click().run()
    at.button(key="quick_stop").click().run()
    assert at.session_state["embeddings_quick_job"].snapshot().stopping
    finish_job(at, "embeddings_quick_job")
    assert "stopped by you after" in shown(at.success[0].value)
    assert any("You stopped the training" in c.value for c in at.caption)
    assert [b.label for b in at.button] == ["Train it now"]  # it can still be trained fully
    other = run("learned_embeddings.py")  # another session: no half-trained model for it
    other.selectbox(key="embeddings_model").set_value("quick").run()
    assert [b.label for b in other.button] == ["Train it now"] and not other.success
    st.cache_resource.clear()


def test_transfer_without_imdb_says_so(no_data):
    fresh_imdb_cache()
    at = run("transfer_learning.py")
    assert any("Data not available" in w.value for w in at.warning)
    assert not at.button  # nothing to train on
    fresh_imdb_cache()


@pytest.mark.realdata
@pytest.mark.slow
def test_transfer_trains_four_ways_and_keeps_results(real_imdb):
    at = run("transfer_learning.py")
    at.slider(key="transfer_reviews").set_value(500).run()
    at.slider(key="transfer_epochs").set_value(3).run()
    at.button(key="transfer_train").click().run()
    assert not at.exception and not at.error
    assert any(m.label.startswith("Time left") for m in at.metric)  # the live panel
    finish_job(at, "transfer_job")
    assert not at.error
    accuracies = {m.label: m.value for m in at.metric}
    assert len(accuracies) == 5  # the time estimate and four test accuracies
    assert len(at.dataframe[0].value) == 4
    (found,) = at.session_state["transfer_results"].values()
    assert found["frozen"].moved_most == 0.0 < found["unfrozen"].moved  # frozen, then not
    assert found["frozen"].test_accuracy > found["random"].test_accuracy  # the lesson's way
    at.slider(key="transfer_epochs").set_value(4).run()
    at.slider(key="transfer_epochs").set_value(3).run()  # back to the trained config:
    assert not at.button and len(at.metric) == 5  # shown, not retrained


@pytest.mark.realdata
@pytest.mark.slow
def test_transfer_stop_keeps_what_was_trained(real_imdb):
    at = run("transfer_learning.py")
    at.slider(key="transfer_epochs").set_value(30).run()
    at.button(key="transfer_train").click().run()
    at.button(key="transfer_stop").click().run()  # seconds into the first of 95 epochs
    assert at.session_state["transfer_job"].snapshot().stopping
    finish_job(at, "transfer_job")
    (found,) = at.session_state["transfer_results"].values()
    assert list(found) == ["random"] and found["random"].stopped  # the others never began
    assert len(found["random"].history["val_accuracy"]) < 30
    assert any("You stopped the training" in w.value for w in at.warning)
    assert [b.label for b in at.button] == ["Train the four ways"]  # to train them all


def tiny_run(name: str) -> str:
    """A saved lab run of a tiny untrained model over 38 words (4-d embedding); its id."""
    from explainers import data, models, runs, training
    from explainers.reviews import InputFormat

    words = ("the", "great", "excellent", "awful", "terrible", "boring", "movie", "plot")
    vocab = data.Vocabulary(words + tuple(f"w{i}" for i in range(30)), num_words=42)
    spec = models.ModelConfig(vocab_size=42, embed_dim=4, dense_units=4)  # not masked
    model = models.build_model(spec, seed=1)
    result = training.TrainResult(history={"loss": [0.7]}, seconds=1.0, epochs_run=1,
                                  stopped=False, best_epoch=0)
    return runs.RunStore().save(
        model, model_config=spec, train_config=training.TrainConfig(epochs=1), result=result,
        test_metrics={"loss": 0.7, "accuracy": 0.5}, input_format=InputFormat(vocab, 20),
        name=name,
    )


def test_learned_embeddings_reads_the_current_lab_run():
    from lessons import ui

    run_id = tiny_run("tiny test run")
    at = AppTest.from_file(str(PAGES / "learned_embeddings.py"), default_timeout=TIMEOUT)
    at.session_state[ui.CURRENT_RUN_KEY] = run_id
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="embeddings_model").value == f"run:{run_id}"
    assert "tiny test run" in at.success[0].value and "38 words × 4 dimensions" in (
        at.success[0].value)
    assert list(neighbours_table(at)["word"][:3]) == ["**great**", "**excellent**", "**awful**"]
    at.text_input(key="embeddings_word").set_value("[Great](http://e.vil) <b>").run()
    (error,) = at.error  # the typed word is echoed as typed (lower-cased), never as markup
    assert "'[great](http://e.vil) <b>' is not in the vocabulary" in shown(error.value)
    assert "](" not in error.value and "<b>" not in error.value


def test_glove_explorer_echoes_a_typed_word_as_plain_text():
    at = run("glove_explorer.py")
    at.text_input(key="nb_word").set_value("![x](http://127.0.0.1:9/x.png)").run()
    message = next(e.value for e in at.error if "is not in the vocabulary" in e.value)
    assert r"\!\[x\]\(http\:" in message and "![x](" not in message
