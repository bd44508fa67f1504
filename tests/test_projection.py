"""Word maps by PCA, t-SNE and UMAP (explainers/projection.py), their figures, and the two pages
that draw them (GloVe explorer, learned embeddings) under AppTest on real data: seeded maps are
the same twice, 2-D and 3-D have their shapes, t-SNE and UMAP keep real neighbours together,
a clicked word's nearest words and the search box's matches are highlighted on the map. A t-SNE
or UMAP map is a live job (a thread here, RNN_EXPLAINER_JOBS=thread): its result is `project`'s,
it reports its stages and iterations, Stop ends it and leaves the PCA map, and a kept map opens
in another session without a job."""

from __future__ import annotations

import json
import pickle
import threading
from dataclasses import replace

import numpy as np
import pytest
from language import link_notes, open_link
from streamlit.testing.v1 import AppTest

from explainers import embeddings, live, paths, projection
from explainers.projection import STAGES, ProjectionError, Settings
from lessons.charts import embeddings as draw
from lessons.widgets import word_map
from lessons.widgets.word_map import clicked

PAGES = paths.PROJECT_ROOT / "lessons"
TIMEOUT = 300  # the first UMAP in a process compiles numba code: tens of seconds on a busy CPU
GROUPS = {  # three kinds of words GloVe keeps apart: a faithful map keeps them apart too
    "numbers": "one two three four five six seven eight",
    "animals": "dog cat horse cow pig sheep goat rabbit",
    "countries": "france germany italy spain japan china india russia",
}
WORDS = [w for group in GROUPS.values() for w in group.split()]  # 24 words
KIND = {w: kind for kind, group in GROUPS.items() for w in group.split()}


@pytest.fixture(scope="module")
def glove() -> embeddings.WordVectors:
    try:
        return embeddings.load_glove().vectors
    except embeddings.GloveUnavailable:
        pytest.skip("GloVe is not installed")


@pytest.mark.parametrize("method", tuple(projection.METHODS))
@pytest.mark.parametrize("dims", (2, 3))
def test_a_seeded_map_is_the_same_twice_with_its_shape(glove, method, dims):
    settings = Settings(method=method, dims=dims)
    first = projection.place(glove, WORDS, settings)
    again = projection.place(glove, WORDS, settings)
    assert first.words == tuple(WORDS)
    assert first.coords.shape == (len(WORDS), dims)
    assert np.isfinite(first.coords).all()
    np.testing.assert_array_equal(first.coords, again.coords)  # seeded: bit for bit
    rows = glove.unit[[glove.row(w) for w in WORDS]]  # (24, 50)
    np.testing.assert_array_equal(projection.project(rows, settings.fitted(len(WORDS))),
                                  first.coords if method != "pca" else projection.project(
                                      rows, settings))


@pytest.mark.parametrize("method", ("tsne", "umap"))
def test_tsne_and_umap_keep_each_words_kind_around_it(glove, method):
    """Each word's nearest word on the map is of its own kind (numbers, animals, countries)
    for nearly every word: the neighbours the maps exist to keep."""
    coords = projection.place(glove, WORDS, Settings(method=method, perplexity=5,
                                                      n_neighbors=5)).coords
    gaps = np.linalg.norm(coords[:, None] - coords[None], axis=2)  # (24, 24)
    np.fill_diagonal(gaps, np.inf)
    same = [KIND[WORDS[i]] == KIND[WORDS[j]] for i, j in enumerate(gaps.argmin(axis=1))]
    assert sum(same) >= len(WORDS) - 2, [w for w, s in zip(WORDS, same, strict=True) if not s]


def test_pca_is_the_word_vectors_own_pca(glove):
    placed = projection.place(glove, ["King", "queen ", "man", "woman", "king"], Settings())
    reference = glove.pca(["king", "queen", "man", "woman"], 2)
    assert placed.words == reference.words == ("king", "queen", "man", "woman")
    np.testing.assert_array_equal(placed.coords, reference.coords)
    assert placed.explained_variance_ratio.shape == (2,)
    tsne = projection.place(glove, WORDS, Settings(method="tsne"))
    assert tsne.explained_variance_ratio.size == 0  # no variance to speak of


class Recorder(live.Reporter):
    """Keeps every report; says stop once `stop_after` batches have been reported."""

    def __init__(self, stop_after: int | None = None):
        self.batches, self.stages, self.stop_after = [], [], stop_after

    def batch(self, done, total, **metrics):
        self.batches.append((done, total, metrics.get("kl")))

    def stage(self, label, progress):
        self.stages.append(label)

    def should_stop(self):
        return self.stop_after is not None and len(self.batches) >= self.stop_after


@pytest.mark.parametrize("method", ("tsne", "umap"))
def test_the_map_job_is_projects_answer_and_reports_its_progress(glove, method):
    spec = projection.map_spec(glove, [*WORDS, "King"], Settings(method=method, dims=3,
                                                                 perplexity=30))
    assert spec.words == (*WORDS, "king") and spec.vectors.shape == (25, 50)
    assert spec.settings == Settings(method=method, dims=3).fitted(25)
    again = pickle.loads(pickle.dumps(spec))  # what a Dask worker receives
    job = live.Job(projection.map_words, again, epochs=1).start()
    job.join(TIMEOUT)
    assert job.error is None, job.error
    np.testing.assert_array_equal(job.result.coords, projection.project(spec.vectors,
                                                                        spec.settings))
    assert job.result.words == spec.words and job.snapshot().progress == 1.0
    heard = Recorder()
    np.testing.assert_array_equal(projection.map_words(spec, heard).coords, job.result.coords)
    assert STAGES["neighbours"] in heard.stages
    done = [d for d, _total, _kl in heard.batches]
    total = projection.TSNE_EARLY + projection.TSNE_ITERATIONS if method == "tsne" else \
        projection.UMAP_EPOCHS
    assert done == sorted(done) and done[-1] == total
    assert {t for _d, t, _kl in heard.batches} == {total}
    if method == "tsne":  # every TSNE_REPORT_EVERY iterations, with the KL loss it lowers
        losses = [kl for _d, _t, kl in heard.batches if kl is not None]
        assert len(losses) == total // projection.TSNE_REPORT_EVERY
        assert losses[-1] < losses[0]


@pytest.mark.parametrize("method", ("tsne", "umap"))
def test_stop_ends_a_map_job_with_no_map_and_the_next_one_runs(glove, method):
    spec = projection.map_spec(glove, glove.words[:400], Settings(method=method))
    heard = Recorder(stop_after=3)  # the stage's report, then two of the layout's
    assert projection.map_words(spec, heard) is None
    assert len(heard.batches) == 3  # nothing reported after Stop
    if method == "tsne":  # openTSNE's callback ends it at once (UMAP's layout runs out)
        assert heard.batches[-1][0] < heard.batches[-1][1]
    job = live.Job(projection.map_words, spec, epochs=1)
    job.stop()  # asked before it starts: it ends at its first report
    job.start().join(TIMEOUT)
    assert job.error is None and job.result is None
    after = live.Job(projection.map_words, spec, epochs=1).start()  # another thread's map
    after.join(120)  # (a stop must leave no lock held: tqdm's is process-wide)
    assert not after.running and after.result.coords.shape == (400, 2)


def test_settings_are_fitted_to_few_words_and_too_few_are_refused():
    fitted = Settings(method="tsne", perplexity=30, n_neighbors=50, dims=3).fitted(10)
    assert (fitted.perplexity, fitted.n_neighbors, fitted.dims) == (3.0, 9, 3)
    assert Settings(perplexity=5).fitted(1_000).perplexity == 5  # enough words: as asked
    with pytest.raises(ProjectionError) as error:
        projection.project(np.eye(4, 8), Settings(method="umap"))
    assert error.value.code == "too_few" and error.value.params["least"] == projection.MIN_WORDS
    assert projection.project(np.eye(2, 8), Settings()).shape == (2, 2)  # PCA: two words do
    with pytest.raises(ProjectionError):
        Settings(method="mds")


def test_the_search_matches_plain_text_in_any_case():
    words = ("king", "kingdom", "viking", "queen", "a.b", "axb")
    assert projection.matching(words, " KING ") == ("king", "kingdom", "viking")
    assert projection.matching(words, "a.b") == ("a.b",)  # a dot is a dot, not a pattern
    assert projection.matching(words, "   ") == ()
    assert projection.matching(words, "zzz") == ()


def test_a_words_neighbourhood_is_the_brute_force_cosine_answer(glove):
    placed = projection.place(glove, WORDS, Settings(method="tsne", perplexity=5))
    near = projection.neighbourhood(glove, placed, "dog", 5)
    rows = glove.unit[[glove.row(w) for w in WORDS]]  # (24, 50)
    cos = rows @ glove.unit[glove.row("dog")]  # (24,)
    cos[WORDS.index("dog")] = -np.inf
    expected = [WORDS[i] for i in np.argsort(-cos)[:5]]
    assert [m.word for m in near.near] == expected
    gaps = np.linalg.norm(placed.coords - placed.coords[WORDS.index("dog")], axis=1)
    gaps[WORDS.index("dog")] = np.inf
    drawn = {WORDS[i] for i in np.argsort(gaps)[:5]}
    assert near.kept == len(drawn & set(expected))


def test_a_click_names_its_word_and_an_empty_selection_clears_it():
    assert clicked([{"curve_number": 1, "point_index": 3, "customdata": "queen"}]) == "queen"
    assert clicked([{"point_index": 3, "customdata": ["king"]}]) == "king"
    assert clicked([{"point_index": 3}, {"customdata": "man"}]) == "man"  # a line's point
    assert clicked([]) == ""


def test_the_figure_colours_the_click_its_neighbours_and_the_search(glove):
    placed = projection.place(glove, WORDS, Settings(dims=2))
    marks = draw.Marks(found=("six",), picked="dog", near=("cat", "horse"))
    fig = draw.word_map_figure(placed, Settings(), 14, False, marks).to_dict()
    lines, points = fig["data"]
    colour = dict(zip(points["customdata"], points["marker"]["color"], strict=True))
    assert (colour["dog"], colour["cat"], colour["six"]) == (draw.PICKED, draw.NEAR, draw.FOUND)
    assert colour["japan"] == draw.FADED  # the rest fade while something is marked
    assert lines["mode"] == "lines" and len(lines["x"]) == 6  # dog->cat, dog->horse
    plain = draw.word_map_figure(placed, Settings(), 14, False).to_dict()["data"]
    assert len(plain) == 1 and set(plain[0]["marker"]["color"]) == {draw.BASE}
    three = projection.place(glove, WORDS, Settings(method="umap", dims=3))
    fig3 = draw.word_map_figure(three, Settings(method="umap", dims=3), 14, False).to_dict()
    assert fig3["data"][0]["type"] == "scatter3d"
    assert "UMAP 3" == fig3["layout"]["scene"]["zaxis"]["title"]["text"]


def test_the_push_map_rings_marked_words_in_3d(glove):
    placed = projection.place(glove, WORDS, Settings(method="tsne", dims=3, perplexity=5))
    push = np.linspace(-1, 1, len(WORDS))  # (24,)
    marks = draw.Marks(picked="dog", near=("cat",))
    fig = draw.push_map_figure(placed, push, 2, 14, Settings(method="tsne", dims=3),
                               marks).to_dict()
    kinds = [(t["type"], t["mode"]) for t in fig["data"]]
    assert kinds == [("scatter3d", "markers"), ("scatter3d", "lines"),
                     ("scatter3d", "markers"), ("scatter3d", "text")]
    ringed = fig["data"][2]
    assert dict(zip(ringed["customdata"], ringed["marker"]["color"], strict=True)) == {
        "dog": draw.PICKED, "cat": draw.NEAR}
    assert "t-SNE of 24 learned vectors" in fig["layout"]["title"]["text"]


# --------------------------------------------------------------------------- pages


def map_spec(at: AppTest) -> dict:
    (chart,) = at.get("plotly_chart")
    return json.loads(chart.proto.spec)


def finished(at: AppTest, key: str = "map_job") -> AppTest:
    """The page once this session's map job (if it started one) has ended."""
    job = at.session_state[key] if key in at.session_state else None
    if job is not None:
        job.join(TIMEOUT)
        assert not job.running, "the map job did not end in time"
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def marked(spec: dict) -> dict[str, str]:
    """Word -> colour of every word not drawn in the plain or faded colour."""
    out = {}
    for trace in spec["data"]:
        colours = trace.get("marker", {}).get("color")
        if isinstance(colours, list) and trace.get("customdata"):
            out.update({w: c for w, c in zip(trace["customdata"], colours, strict=True)
                        if isinstance(c, str) and c not in (draw.BASE, draw.FADED)})
    return out


@pytest.mark.parametrize("method", tuple(projection.METHODS))
def test_the_glove_word_map_draws_each_method_and_highlights(method):
    at = open_link(PAGES / "glove_explorer.py", {
        "view": "map", "centre": "queen", "n": "8", "method": method, "dims": "2",
        "perplexity": "5", "nn": "5", "find": "kin", "pick": "queen"}, "en", TIMEOUT)
    finished(at)
    spec = map_spec(at)
    title = spec["layout"]["title"]["text"]
    assert title.startswith("9 words") and ("PCA keeps" in title if method == "pca" else
                                            projection.METHODS[method] in title)
    colours = marked(spec)
    assert colours["queen"] == draw.PICKED and colours["king"] == draw.NEAR
    text = "\n".join(m.value for m in at.markdown)
    assert "**queen**'s nearest words by cosine in 50 dimensions (green): princess 0.85" in text
    if method != "pca":
        assert any("distance" in c.value for c in at.caption)  # why not to read distances
    at.session_state["map_pick"] = ""  # as a double click does
    at.run()
    assert set(marked(map_spec(at)).values()) <= {draw.FOUND, draw.PICKED}  # found + centre
    assert any("Click a word on the map" in c.value for c in at.caption)


def test_a_glove_map_link_with_garbage_keeps_the_defaults():
    at = open_link(PAGES / "glove_explorer.py", {
        "view": "map", "method": "mds", "perplexity": "7", "pick": "nowhere"}, "en", TIMEOUT)
    assert not at.exception
    assert "method" in link_notes(at)[0] and "perplexity" in link_notes(at)[0]
    assert at.session_state["map_method"] == "pca" and at.session_state["map_perplexity"] == 10
    picked = [w for w, c in marked(map_spec(at)).items() if c == draw.PICKED]
    assert picked == ["king"]  # the centre only: a word not on the map is no pick


def test_the_glove_word_map_in_chinese_says_why_tsne_distances_mean_nothing():
    link = {"view": "map", "method": "tsne", "n": "6"}
    finished(open_link(PAGES / "glove_explorer.py", link, "en", TIMEOUT))  # the map kept
    at = open_link(PAGES / "glove_explorer.py", link, "zh", TIMEOUT)  # (AppTest cannot rerun
    assert not at.exception and "map_job" not in at.session_state  # a Chinese radio)
    assert "群组之间的距离" in map_spec(at)["layout"]["title"]["text"]
    assert any("困惑度" in c.value for c in at.caption)


@pytest.mark.parametrize("method", tuple(projection.METHODS))
def test_the_learned_map_draws_each_method_with_the_click_and_search(method):
    from explainers import runs

    if not (runs.SHIPPED_FOLDER / runs.MODEL_FILE).is_file():
        pytest.skip("the shipped LSTM is not in assets/")
    at = open_link(PAGES / "learned_embeddings.py", {
        "map": "100", "method": method, "dims": "3" if method == "umap" else "2",
        "find": "bad", "pick": "great"}, "en", TIMEOUT)
    finished(at, "embeddings_map_job")
    spec = next(json.loads(c.proto.spec) for c in at.get("plotly_chart"))
    assert spec["data"][0]["type"] == ("scatter3d" if method == "umap" else "scatter")
    assert len(spec["data"][0]["customdata"]) == 100
    rings = marked(spec)
    assert rings["great"] == draw.PICKED and rings["bad"] == draw.FOUND
    assert list(rings.values()).count(draw.NEAR) >= 5
    text = "\n".join(m.value for m in at.markdown)
    assert "**great**'s nearest words by cosine in" in text
    assert ("first principal component" in text) == (method == "pca")


MAP_LINK = {"view": "map", "map": "list", "method": "tsne", "perplexity": "5",
            "words": "dog cat horse cow pig sheep goat rabbit one two three four"}


def progress_texts(at: AppTest) -> list[str]:
    return [bar.proto.text for bar in at.get("progress")]


def stopped_lines(at: AppTest) -> list[str]:
    return [i.value for i in at.info if "stopped" in i.value]


def test_a_kept_map_opens_in_another_session_and_language_without_a_job():
    word_map._placed.clear()  # no map kept yet on this "server"
    first = open_link(PAGES / "glove_explorer.py", MAP_LINK, "en", TIMEOUT)
    assert "map_job" in first.session_state  # a job places them; PCA meanwhile
    (bar,) = progress_texts(first)  # "…", or its stage or iterations already
    assert bar.startswith("Placing 12 words by t-SNE"), bar
    assert "PCA keeps" in map_spec(first)["layout"]["title"]["text"]
    title = map_spec(finished(first))["layout"]["title"]["text"]
    assert "t-SNE, perplexity 3.6" in title and "map_job" not in first.session_state
    for lang in ("en", "zh"):  # another session, another language: the kept map, no job
        again = open_link(PAGES / "glove_explorer.py", MAP_LINK, lang, TIMEOUT)
        assert not again.exception and "map_job" not in again.session_state
        assert not progress_texts(again)
        spec = map_spec(again)
        assert "t-SNE" in spec["layout"]["title"]["text"]
        assert spec["data"][0]["x"] == map_spec(first)["data"][0]["x"]


def test_stop_leaves_the_pca_map_with_a_line_and_a_way_to_start_again(monkeypatch):
    word_map._placed.clear()
    release = threading.Event()
    real = projection.map_words

    def held(spec, reporter):  # the real work, once released or stopped
        while not (release.is_set() or reporter.should_stop()):
            release.wait(0.02)
        return real(spec, reporter)

    monkeypatch.setattr(projection, "map_words", held)
    at = open_link(PAGES / "glove_explorer.py", MAP_LINK, "en", TIMEOUT)
    job = at.session_state["map_job"]
    at.button(key="map_job_stop").click().run()  # the live panel's Stop
    job.join(TIMEOUT)
    at.run()
    assert not at.exception and job.result is None
    assert "map_job" not in at.session_state  # not started again unasked
    assert stopped_lines(at) == [
        "t-SNE was stopped before it had placed these words: this is their PCA map."]
    assert "PCA keeps" in map_spec(at)["layout"]["title"]["text"]
    release.set()
    at.button(key="map_again").click().run()
    assert "t-SNE" in map_spec(finished(at))["layout"]["title"]["text"]
    assert not stopped_lines(at)


def test_the_map_jobs_progress_bar_names_its_stage_and_iterations():
    snap = live.Job(projection.map_words, None, epochs=1).snapshot()
    tsne = word_map.Asked(word_map.Kept(), 2_000, "tsne")
    umap = word_map.Asked(word_map.Kept(), 400, "umap")
    assert word_map.job_label(tsne)(snap) == "Placing 2,000 words by t-SNE…"
    near = replace(snap, stage=STAGES["neighbours"])
    assert word_map.job_label(tsne)(near) == (
        "Placing 2,000 words by t-SNE: finding each word's nearest neighbours…")
    compiling = replace(snap, stage=STAGES["compile"])
    assert word_map.job_label(umap)(compiling).startswith(
        "Placing 400 words by UMAP. The first UMAP on this server compiles its code (numba)")
    laying = replace(snap, phase=live.Phase.RUNNING, batch=300, batches=750,
                     batch_metrics=live.Metrics.of({"kl": 1.23456}))
    assert word_map.job_label(tsne)(laying) == (
        "Placing 2,000 words by t-SNE: laying out · iteration 300 of 750 · KL divergence 1.235")
    assert word_map.job_label(umap)(replace(laying, batch=20, batches=500)) == (
        "Placing 400 words by UMAP: laying out · epoch 20 of 500")


def test_a_click_in_the_browser_lists_and_highlights_the_words_neighbours():
    """The real click path, which AppTest cannot take: Plotly's selection event reaches the
    page, which keeps the clicked word (also in the link) and lists its nearest words."""
    from conftest import skip_or_fail

    from benchmarks import browser

    if browser.chromium_path() is None:
        skip_or_fail("Chromium not found: apt-get install chromium")
    with browser.running_app() as url, browser.chromium(1400, 1000) as tab:
        tab.goto(f"{url}/glove-explorer?lang=en&view=map&centre=king&n=20")
        browser.wait_for_app(tab, TIMEOUT * 1_000)
        points = tab.locator(".js-plotly-plot .scatterlayer .trace .points path")
        points.nth(20).wait_for(timeout=TIMEOUT * 1_000)  # the 21 words are drawn
        box = points.nth(3).bounding_box()
        tab.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        line = tab.get_by_text("nearest words by cosine in 50 dimensions")
        line.wait_for(timeout=TIMEOUT * 1_000)
        word = line.inner_text().split("'s nearest")[0]
        assert f"pick={word}" in tab.url  # the link carries the click
        assert not tab.locator("[data-testid='stException']").count()
