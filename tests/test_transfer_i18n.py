"""The learned-embeddings and transfer pages in both languages: links restore their views,
garbage in a link gives the defaults with a note, and their explainer's errors speak Chinese."""

from __future__ import annotations

import pytest
from language import link_notes, open_link
from streamlit.testing.v1 import AppTest
from test_embedding_pages import tiny_run

from explainers import paths, transfer
from lessons import echo, i18n

PAGES = paths.PROJECT_ROOT / "lessons"
TIMEOUT = 120  # the first page to run imports TensorFlow and loads GloVe


def opened(page: str, **query: str) -> AppTest:
    """The page opened from a link with `query`, run once, without an exception."""
    at = open_link(PAGES / page, query, None, TIMEOUT)
    assert not at.exception, [e.value for e in at.exception]
    return at


def shown(markdown: str) -> str:
    """What a reader sees of Markdown in which user text was escaped (ui.inert)."""
    return echo.visible(markdown)


def neighbours_table(at: AppTest, word: str = "word"):
    """The table of neighbours; `word` is its first column's header."""
    return next(t.value for t in at.table if word in t.value.columns)


def map_title(at: AppTest) -> str:
    import json

    chart = at.get("plotly_chart")[0]
    return json.loads(chart.proto.spec)["layout"]["title"]["text"]


@pytest.fixture
def shipped():
    from explainers import runs

    if not (runs.SHIPPED_FOLDER / runs.MODEL_FILE).is_file():
        pytest.skip("the shipped LSTM is not in assets/")


@pytest.fixture
def fresh_imdb():
    """ui's IMDB loader is cached per server: a test on other data starts and ends clean."""
    from lessons import ui

    ui._imdb.clear()
    yield
    ui._imdb.clear()


# --------------------------------------------------------------------------- learned embeddings


def test_a_learned_embeddings_link_opens_its_view(shipped):
    at = opened("learned_embeddings.py", model="shipped", words="awful,great",
                   word="Oscar", map="200")
    assert at.selectbox(key="embeddings_model").value == "shipped"
    assert at.multiselect(key="embeddings_words").value == ["awful", "great"]
    assert at.text_input(key="embeddings_word").value == "Oscar"
    assert at.slider(key="embeddings_map_words").value == 200
    assert list(neighbours_table(at)["word"]) == ["**awful**", "**great**", "**oscar**"]
    assert map_title(at).startswith("PCA of 200 learned vectors")
    assert not link_notes(at)
    # the page writes its view back into the address: the same link again
    assert {k: at.query_params[k] for k in ("model", "words", "word", "map")} == {
        "model": "shipped", "words": "awful,great", "word": "Oscar", "map": "200"}


def test_a_link_to_a_lab_run_opens_that_run():
    run_id = tiny_run("linked run")
    at = opened("learned_embeddings.py", model=f"run:{run_id}", words="terrible", map="100",
                   lang="zh")
    assert at.selectbox(key="embeddings_model").value == f"run:{run_id}"
    assert at.multiselect(key="embeddings_words").value == ["terrible"]
    assert "linked run" in at.success[0].value and "38 个词 × 4 维" in at.success[0].value
    assert list(neighbours_table(at, "词")["词"]) == ["**terrible**"]  # its header in Chinese


def test_a_garbage_learned_embeddings_link_gives_the_defaults(shipped):
    at = opened("learned_embeddings.py", model="run:no-such-run", words="great,<img src=x>",
                   word="x" * 200, map="250")
    assert at.selectbox(key="embeddings_model").value == "shipped"
    assert at.multiselect(key="embeddings_words").value == list(transfer.SENTIMENT_WORDS[:6])
    assert at.text_input(key="embeddings_word").value == ""
    assert at.slider(key="embeddings_map_words").value == 400
    (note,) = link_notes(at)
    assert all(name in note for name in ("model", "words", "word", "map"))
    assert not at.error and "<img" not in "".join(m.value for m in at.markdown)


def test_a_link_asking_for_more_words_than_the_model_has_is_clamped():
    from explainers import data, models, runs, training
    from explainers.reviews import InputFormat

    vocab = data.Vocabulary(tuple(f"w{i}" for i in range(300)), num_words=304)
    spec = models.ModelConfig(vocab_size=304, embed_dim=4, dense_units=4)
    result = training.TrainResult(history={"loss": [0.7]}, seconds=1.0, epochs_run=1,
                                  stopped=False, best_epoch=0)
    run_id = runs.RunStore().save(
        models.build_model(spec, seed=1), model_config=spec,
        train_config=training.TrainConfig(epochs=1), result=result,
        test_metrics={"loss": 0.7, "accuracy": 0.5}, input_format=InputFormat(vocab, 20),
        name="small run",
    )
    at = opened("learned_embeddings.py", model=f"run:{run_id}", map="2000")
    slider = at.slider(key="embeddings_map_words")
    assert slider.value == slider.max == 300  # the model's 300 words, not the link's 2,000
    assert map_title(at).startswith("PCA of 300 learned vectors")


def test_learned_embeddings_in_chinese_echoes_an_unknown_word_safely(shipped):
    at = opened("learned_embeddings.py", word="grate<b>", lang="zh")
    (error,) = at.error
    assert "“grate<b>”不在这个模型的词汇表里" in shown(error.value)
    assert "<b>" not in error.value  # escaped: shown as typed, never as markup
    assert at.header[0].value == "学到的词向量，按推力着色"  # the map first, then neighbours
    assert map_title(at).startswith("400 个学到的向量的主成分分析")


# --------------------------------------------------------------------------- transfer


def test_a_transfer_link_opens_its_settings(real_imdb):
    at = opened("transfer_learning.py", source="glove", body="lstm", reviews="2000",
                epochs="5")
    assert at.radio(key="transfer_source").value == "glove"
    assert at.radio(key="transfer_body").value == "lstm"
    assert at.slider(key="transfer_reviews").value == 2_000
    assert at.slider(key="transfer_epochs").value == 5
    seconds = transfer.estimate_seconds(transfer.TransferConfig(
        source="glove", body="lstm", train_reviews=2_000, epochs=5))
    assert at.metric[0].value == f"~{seconds:.0f} s"
    assert any("these 2,000 training reviews" in m.value for m in at.markdown)
    assert any("→ LSTM(32) →" in m.value for m in at.markdown)  # the small model's body
    assert not link_notes(at)
    assert {k: at.query_params[k] for k in ("source", "body", "reviews", "epochs")} == {
        "source": "glove", "body": "lstm", "reviews": "2000", "epochs": "5"}


def test_a_link_to_the_lessons_way_shows_what_it_keeps_and_drops(real_imdb):
    at = opened("transfer_learning.py", source="lesson", body="pool", reviews="500")
    assert at.radio(key="transfer_source").value == "lesson"
    (table,) = [t.value for t in at.table]
    assert list(table.iloc[:, 0]) == ["Embedding(10000, 16)", "AveragePooling", "Dense(64)",
                                      "Dense(1)"]
    assert list(table.iloc[:, 1]) == ["kept: its weights copied"] + ["dropped"] * 3
    assert any("include these 500 training reviews" in m.value for m in at.markdown)


def test_a_garbage_transfer_link_gives_the_defaults(real_imdb):
    at = opened("transfer_learning.py", source="<img src=x>", body="gru", reviews="750",
                epochs="abc")
    assert at.radio(key="transfer_source").value == transfer.TransferConfig.source
    assert at.radio(key="transfer_body").value == transfer.TransferConfig.body
    assert at.slider(key="transfer_reviews").value == transfer.TransferConfig.train_reviews
    assert at.slider(key="transfer_epochs").value == transfer.TransferConfig.epochs
    (note,) = link_notes(at)
    assert all(name in note for name in ("source", "body", "reviews", "epochs"))
    assert "<img" not in "".join(m.value for m in at.markdown)


def test_without_the_recorded_lesson_run_the_page_says_so_in_chinese(real_imdb, monkeypatch):
    from explainers import pretrained

    monkeypatch.setattr(pretrained, "LESSON_RUN", "no-such-run")
    at = opened("transfer_learning.py", lang="zh")
    (info,) = [i.value for i in at.info if "assets/" in i.value]
    assert "没有课程池化模型的训练记录" in info and "GloVe" in info
    assert not at.button and not at.error  # nothing to start that could only fail
    glove = opened("transfer_learning.py", source="glove", lang="zh")
    assert [b.label for b in glove.button] == ["用四种方式训练"]  # GloVe still works


def test_transfer_quotes_the_lesson_and_names_the_ways_in_chinese(real_imdb):
    at = opened("transfer_learning.py", lang="zh")
    assert any("📘" in m.value for m in at.markdown)  # ui.lesson_says("transfer")
    assert at.title[0].value == "迁移学习"
    assert [b.label for b in at.button] == ["用四种方式训练"]
    assert at.radio(key="transfer_source").options == ["课程自己的嵌入", "GloVe 50 维"]
    assert at.slider(key="transfer_reviews").label == "训练影评数"


def test_too_few_reviews_is_said_before_training_in_chinese(tiny_imdb, fresh_imdb):
    at = opened("transfer_learning.py", lang="zh")
    (error,) = at.error
    assert "这份 IMDB 训练集只有 4 条评论" in error.value and "2,000" in error.value
    assert not at.button  # nothing to start that could only fail


def test_transfer_problems_carry_a_code_and_speak_both_languages(monkeypatch):
    with pytest.raises(transfer.TransferProblem) as caught:
        transfer.check_fits(transfer.TransferConfig(train_reviews=5_000), 3_000)
    problem = caught.value
    assert problem.code == "too_few_reviews" and isinstance(problem, ValueError)
    assert str(problem).startswith("This IMDB training split has only 3,000 reviews")
    monkeypatch.setattr(i18n, "is_chinese", lambda: True)
    assert i18n.explain(problem).startswith("这份 IMDB 训练集只有 3,000 条评论")
    with pytest.raises(transfer.TransferProblem) as caught:
        transfer.TransferConfig(epochs=0)
    assert i18n.explain(caught.value) == "至少要训练 1 轮，而不是 0 轮。"


def test_a_model_without_an_embedding_says_so_in_chinese(monkeypatch):
    import keras

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    with pytest.raises(transfer.TransferProblem) as caught:
        transfer.embedding_weights(model)
    monkeypatch.setattr(i18n, "is_chinese", lambda: True)
    assert caught.value.code == "no_embedding"
    assert "没有 Embedding 层" in i18n.explain(caught.value)


def test_the_ways_are_named_in_the_readers_language(monkeypatch):
    monkeypatch.setattr(i18n, "is_chinese", lambda: True)
    names = [i18n._(transfer.WAYS[way]) for way in ("random", "frozen", "finetuned")]
    assert names == ["随机嵌入，从零学起", "GloVe，冻结", "GloVe，微调"]
    lessons = [i18n._(name) for name in transfer.WAY_NAMES["lesson"].values()]
    assert lessons == ["随机嵌入，从零学起", "课程的嵌入，冻结", "课程的嵌入，先冻结，再微调",
                       "课程的嵌入，微调"]


def test_transfer_results_are_shown_in_chinese(real_imdb):
    """Results kept in the session (as a finished job leaves them) drawn in Chinese: each
    way's name, the table's headers, the curves' title and the unfrozen way's marker."""
    import json

    from language import chinese_share

    config = transfer.TransferConfig()
    history = {"loss": [0.6, 0.5], "accuracy": [0.6, 0.7], "val_loss": [0.6, 0.55],
               "val_accuracy": [0.58, 0.66]}
    found = {way: transfer.WayResult(way, history, 0.7, 0.5, 3.0, 289, 160_000,
                                     start=stage.start)
             for way, stage in zip(transfer.WAYS, transfer.schedule(config), strict=True)}
    at = AppTest.from_file(str(PAGES / "transfer_learning.py"), default_timeout=TIMEOUT)
    at.query_params["lang"] = "zh"
    at.session_state["transfer_results"] = {config: found}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert [m.label for m in at.metric][1:] == [
        "随机嵌入，从零学起", "课程的嵌入，冻结", "课程的嵌入，先冻结，再微调", "课程的嵌入，微调"]
    assert "嵌入层的变化（平均 |Δ|）" in at.dataframe[0].value.columns
    layout = json.loads(at.get("plotly_chart")[0].proto.spec)["layout"]
    assert layout["title"]["text"].startswith("每轮的准确率")
    assert any(a["text"] == "在此解冻" for a in layout["annotations"])
    share, _english = chinese_share(at)
    assert share >= 0.9 and not at.button  # all four trained: nothing to start
