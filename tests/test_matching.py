"""The match view (LSTMVis): the batched states equal the tracer's, the index is exact to
float16, a query finds its own span first, and the gates page shows the matches."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from explainers import data, gates, matching, paths, runs
from explainers.live import Reporter
from explainers.models import ModelConfig, build_model
from explainers.tracer import ModelTracer

PAGE = str(paths.PROJECT_ROOT / "lessons" / "lstm_gates.py")
REVIEWS = 150  # a slice of the real test reviews: the index builds in about a second
FLOAT16 = 2e-3  # float16 keeps ~3 decimal digits; |h| <= 1 and |c| a few units here

pytestmark = pytest.mark.skipif(
    not (runs.SHIPPED_FOLDER / runs.MODEL_FILE).is_file(),
    reason="assets/lstm_sentiment/ missing: run scripts/train_lstm_sentiment.py",
)


@pytest.fixture(scope="module")
def shipped():
    model = runs.load_shipped()
    return model, ModelTracer(model.model)


@pytest.fixture(scope="module")
def index(shipped, tmp_path_factory):
    """The shipped model's index over the first REVIEWS real test reviews."""
    if paths.data_folder() is None:
        pytest.skip("real IMDB data not found (set RNN_EXPLAINER_DATA)")
    cache = tmp_path_factory.mktemp("match")
    spec = matching.IndexSpec(str(runs.SHIPPED_FOLDER), True, 0, REVIEWS, cache=str(cache))
    return matching.open_index(Path(matching.build_index(spec)))


@pytest.fixture(scope="module")
def texts(index):
    return data.load_imdb_reviews("test")[0][:REVIEWS]


def _values(shipped, text: str, name: str = "h") -> np.ndarray:
    model, tracer = shipped
    ids, real = model.input_format.prepare(text).for_model(tracer.mask_zero)
    return tracer.trace(ids, running=False).lstm_layers()[0].trace.values[name][real]


def _units(values: np.ndarray, start: int, stop: int, threshold: float) -> list[int]:
    found, scores = gates.span_units(values, start, stop, threshold)
    return [int(u) for u, s in zip(found, scores, strict=True) if s > 0] or [int(found[0])]


# --------------------------------------------------------------------------- the states


@pytest.mark.parametrize("mask_zero", [True, False])
def test_batched_states_equal_the_tracer_in_every_layer_and_direction(mask_zero):
    """A stacked bidirectional LSTM: each of its 4 traces, batched over rows of different
    lengths, equals `tracer.trace` on each row alone."""
    model = build_model(ModelConfig(vocab_size=50, embed_dim=4, mask_zero=mask_zero,
                                    body="lstm", units=3, layers=2, bidirectional=True))
    reader = ModelTracer(model)
    rng = np.random.default_rng(0)
    lengths = np.array([9, 7, 7, 3, 1])  # longest first, as the index feeds them
    ids = np.zeros((len(lengths), 9), np.int64)
    for b, n in enumerate(lengths):
        ids[b, :n] = rng.integers(1, 50, n)
    for layer in range(4):
        states = matching.states_batch(reader, layer, ids, lengths)
        for b, n in enumerate(lengths):
            alone = reader.trace(ids[b, :n], running=False).lstm_layers()[layer].trace
            for name in ("h", "c"):
                np.testing.assert_allclose(states[name][b, :n], alone.values[name], atol=1e-12)


def test_the_index_holds_every_real_token_to_float16(shipped, index, texts):
    model, tracer = shipped
    assert index.meta["reviews"] == REVIEWS and index.meta["units"] == 32
    assert sorted(index.reviews.tolist()) == list(range(REVIEWS))
    for review in (0, 7, REVIEWS - 1):
        ids, real = model.input_format.prepare(texts[review]).for_model(tracer.mask_zero)
        row = int(np.flatnonzero(index.reviews == review)[0])
        np.testing.assert_array_equal(index.review_ids(row), ids[real])
        for name in ("h", "c"):
            start = index.starts[row]
            stored = np.asarray(index.values[name][:, start:start + len(ids)], np.float64).T
            np.testing.assert_allclose(stored, _values(shipped, texts[review], name),
                                       atol=FLOAT16)
            assert np.isnan(index.values[name][:, start - 1]).all()  # the gap before it


def test_an_index_is_built_once_and_found_again(shipped, index):
    spec = matching.IndexSpec(str(runs.SHIPPED_FOLDER), True, 0, REVIEWS,
                              cache=str(index.folder.parent))
    assert Path(matching.build_index(spec)) == index.folder
    assert index.folder.name == matching.index_key(shipped[1], shipped[0].input_format, 0,
                                                   REVIEWS)
    assert [p.name for p in index.folder.parent.iterdir()] == [index.folder.name]


def test_stopping_the_build_leaves_nothing_behind(tmp_path):
    class Stop(Reporter):
        def should_stop(self) -> bool:
            return True

    if paths.data_folder() is None:
        pytest.skip("real IMDB data not found (set RNN_EXPLAINER_DATA)")
    spec = matching.IndexSpec(str(runs.SHIPPED_FOLDER), True, 0, 20, cache=str(tmp_path))
    assert matching.build_index(spec, Stop()) is None
    assert list(tmp_path.iterdir()) == []


def test_only_the_most_recently_opened_indexes_are_kept(tmp_path, monkeypatch):
    if paths.data_folder() is None:
        pytest.skip("real IMDB data not found (set RNN_EXPLAINER_DATA)")
    monkeypatch.setattr(matching, "KEEP_INDEXES", 1)
    first, second = (matching.build_index(matching.IndexSpec(
        str(runs.SHIPPED_FOLDER), True, 0, n, cache=str(tmp_path))) for n in (10, 12))
    assert [p.name for p in tmp_path.iterdir()] == [Path(second).name]
    assert matching.open_index(Path(second)).meta["reviews"] == 12 and first != second


def test_a_gru_model_is_refused_with_a_reason():
    model = build_model(ModelConfig(vocab_size=50, embed_dim=4, body="gru", units=3))
    from explainers.reviews import InputFormat

    form = InputFormat(data.Vocabulary(("a", "b")), 10)
    with pytest.raises(matching.UnsupportedMatch) as caught:
        matching.index_key(ModelTracer(model), form, 0)
    assert caught.value.code == "layer"


# --------------------------------------------------------------------------- a query


@pytest.mark.parametrize(("review", "start", "stop"), [(7, 10, 13), (3, 0, 2), (42, 5, 6),
                                                        (120, 30, 38)])
def test_a_test_review_finds_its_own_span_first(shipped, index, texts, review, start, stop):
    values = _values(shipped, texts[review])
    units = _units(values, start, stop, 0.3)
    query = matching.pattern(values, start, stop, units)
    found = matching.find(index, "h", units, query, 0.3, prefer=review)
    assert (found[0].review, found[0].start, found[0].stop) == (review, start, stop)
    assert (found[0].agreement, found[0].distance) == (1.0, 0.0)
    assert len(found) == matching.RESULTS
    # best first, never two overlapping windows of one review
    assert [m.agreement for m in found] == sorted((m.agreement for m in found), reverse=True)
    ties = [m.distance for m in found if m.agreement == found[0].agreement]
    assert ties == sorted(ties)
    for a in found:
        for b in found:
            assert a is b or a.review != b.review or a.stop <= b.start or b.stop <= a.start


def test_the_own_span_comes_first_without_being_told_which_review(shipped, index, texts):
    values = _values(shipped, texts[11], "c")
    units = _units(values, 20, 24, 0.5)
    found = matching.find(index, "c", units, matching.pattern(values, 20, 24, units), 0.5)
    assert (found[0].review, found[0].start, found[0].distance) == (11, 20, 0.0)


def test_agreement_counts_cells_on_and_off_as_in_the_query(index):
    """A query made by hand: unit u on over 2 tokens, off either side. Every match's
    agreement is recounted from the stored values."""
    u, threshold = 3, 0.2
    query = np.array([[-0.5], [0.6], [0.6], [-0.5]], np.float32)
    found = matching.find(index, "h", (u,), query, threshold)
    column = np.asarray(index.values["h"][u], np.float32)
    for m in found:
        row = int(np.flatnonzero(index.reviews == m.review)[0])
        first = int(index.starts[row]) + m.start
        seen = column[first - 1:first + 3] > threshold  # NaN gaps read as off
        assert m.agreement == pytest.approx(np.mean(seen == (query[:, 0] > threshold)))
        rms = np.sqrt(((column[first:first + 2] - np.float32(0.6)) ** 2).mean())
        assert m.distance == pytest.approx(rms, abs=1e-6)


def test_spans_too_long_to_match_are_refused():
    with pytest.raises(matching.UnsupportedMatch) as caught:
        matching.pattern(np.zeros((40, 4)), 0, matching.MAX_SPAN + 1, [0])
    assert caught.value.code == "span"


def test_recurring_words_count_each_window_once(index):
    vocabulary = runs.load_shipped().input_format.vocabulary
    row = int(np.flatnonzero(index.reviews == 7)[0])
    ids = index.review_ids(row)
    match = matching.Match(7, 0, 4, 1.0, 0.0)
    words = dict(matching.recurring_words(index, [match, match], vocabulary))
    assert words == {vocabulary.token_of(int(i)): 2 for i in set(ids[:4].tolist())}


# --------------------------------------------------------------------------- the page


def _page(index, monkeypatch) -> AppTest:
    from lessons.widgets import match_view

    monkeypatch.setattr(match_view, "CORPUS_LIMIT", REVIEWS)
    monkeypatch.setattr(match_view, "CACHE", str(index.folder.parent))
    match_view.index_folder.clear()
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.query_params["match"] = "1"  # the link turns the view on
    at.run()
    return at


def test_the_page_lists_the_matches_of_the_span_with_its_own_first(index, monkeypatch):
    at = _page(index, monkeypatch)
    assert not at.exception and not at.error
    assert at.toggle(key="gates_match").value is True
    span = at.slider(key="gates_span").value
    html = "\n".join(m.value for m in at.markdown)
    first = f"#1 · review 7 · tokens {span[0]}–{span[1]} · agreement 100% · distance 0.000"
    assert first in html and "#20 · review" in html
    assert "Words that recur in the matches" in html
    units = at.multiselect(key="gates_match_units").value
    assert units and all(f"h[{u}] = " in html for u in units)


def test_a_garbage_link_leaves_the_match_view_off(index, monkeypatch):
    from lessons.widgets import match_view

    monkeypatch.setattr(match_view, "CACHE", str(index.folder.parent))
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.query_params["match"] = "<img src=x onerror=alert(1)>"
    at.run()
    assert not at.exception and at.toggle(key="gates_match").value is False
    assert "#1 · review" not in "\n".join(m.value for m in at.markdown)


def test_the_page_offers_to_build_a_missing_index_then_shows_it(index, monkeypatch,
                                                               tmp_path):
    from lessons.widgets import match_view

    monkeypatch.setattr(match_view, "CORPUS_LIMIT", 40)  # another slice: no index yet
    monkeypatch.setattr(match_view, "CACHE", str(tmp_path))
    match_view.index_folder.clear()
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.query_params["match"] = "1"
    at.run()
    assert "#1 · review" not in "\n".join(m.value for m in at.markdown)
    at.button(key="gates_match_job_start").click().run()
    at.session_state["gates_match_job"].join(120)  # the live job: a thread here
    at.run()
    assert not at.exception and not at.error
    assert "#1 · review 7 · " in "\n".join(m.value for m in at.markdown)
    assert [p.suffix for p in tmp_path.iterdir()] == [""]  # one index, no leftovers


def test_the_match_view_reads_in_chinese(index, monkeypatch):
    from language import chinese_share

    from explainers.paths import PROJECT_ROOT
    from lessons.widgets import match_view

    monkeypatch.setattr(match_view, "CORPUS_LIMIT", REVIEWS)
    monkeypatch.setattr(match_view, "CACHE", str(index.folder.parent))
    match_view.index_folder.clear()
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=240)
    at.query_params["lang"] = "zh"
    at.run()
    at.switch_page("lessons/lstm_gates.py").run()
    at.toggle(key="gates_match").set_value(True).run()
    assert not at.exception and not at.error
    html = "\n".join(m.value for m in at.markdown)
    assert "第 1 名 · 评论 7 · " in html and "一致度 100%" in html
    share, english = chinese_share(at)
    assert share >= 0.9, english


def test_without_the_imdb_data_the_view_says_what_is_missing(monkeypatch, tmp_path):
    from explainers import corpus
    from lessons.widgets import match_view

    monkeypatch.setattr(corpus, "locate_imdb", lambda *args, **kwargs: None)
    monkeypatch.setattr(match_view, "CACHE", str(tmp_path))
    match_view.index_folder.clear()
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.query_params["match"] = "1"
    at.query_params["source"] = "text"
    at.run()
    assert not at.exception
    assert any("IMDB" in w.value for w in at.warning)
    assert not [b for b in at.button if b.key == "gates_match_job_start"]
