"""Word algebra (explainers/algebra.py) and its two views on the GloVe explorer: expressions
read or refused with a reason, answers equal to a brute-force search and to gensim, axes at
the cosines they claim, and both views under AppTest on real GloVe, in both languages and
through links."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from language import chinese_share, link_notes, open_link

from explainers import algebra, embeddings, paths
from explainers.algebra import Expression, ExpressionError
from explainers.embeddings import UnknownWord, WordVectors
from lessons.charts import embeddings as draw

PAGE = paths.PROJECT_ROOT / "lessons" / "glove_explorer.py"
TIMEOUT = 120  # the first page to run loads GloVe


def terms(text: str) -> list[tuple[str, float]]:
    return [(t.word, t.weight) for t in algebra.parse(text).terms]


@pytest.fixture(scope="module")
def toy() -> WordVectors:
    """Eight made-up words in 6 dimensions, seeded."""
    words = ["king", "queen", "man", "woman", "prince", "e-mail", "mail", "apple"]
    return WordVectors(words, np.random.default_rng(3).normal(size=(8, 6)), name="toy")


@pytest.fixture(scope="module")
def glove() -> WordVectors:
    return embeddings.load_glove().vectors


# --------------------------------------------------------------------------- parsing


def test_expressions_read_into_signed_weighted_terms():
    assert terms("king - man + woman") == [("king", 1), ("man", -1), ("woman", 1)]
    assert terms("King -man +WOMAN") == [("king", 1), ("man", -1), ("woman", 1)]
    assert terms("paris − france + japan") == [("paris", 1), ("france", -1), ("japan", 1)]
    assert terms("-king") == [("king", -1)]
    assert terms("0.5*good + .5 * great - 2*bad") == [("good", .5), ("great", .5), ("bad", -2)]
    assert terms("e-mail - mail") == [("e-mail", 1), ("mail", -1)]  # a hyphen inside a word
    assert terms("1990 + 2") == [("1990", 1), ("2", 1)]  # numbers are words without a '*'
    expression = algebra.parse("0.5*good - bad + good")
    assert expression.shown() == "0.5·good − bad + good"
    assert expression.words == ("good", "bad")
    assert expression.replace("good", "fine") == "0.5*fine - bad + fine"


@pytest.mark.parametrize(("text", "code", "at"), [
    ("", "empty", -1), ("   ", "empty", -1), ("king man", "no_operator", 5),
    ("king -", "dangling", 5), ("king - - man", "two_operators", 7),
    ("king * man", "stray", 5), ("2*", "weight", 0), ("101*king", "weight", 0),
    (" + ".join(["king"] * 13), "too_long", 84), ("king - man +", "dangling", 11),
])
def test_bad_expressions_are_refused_with_a_code_and_a_place(text, code, at):
    with pytest.raises(ExpressionError) as caught:
        algebra.parse(text)
    assert (caught.value.code, caught.value.at) == (code, at)
    assert str(caught.value)  # an English sentence, every placeholder filled


def test_unknown_words_hyphens_and_zero_sums_are_explained(toy):
    with pytest.raises(UnknownWord) as caught:
        algebra.vector(toy, algebra.parse("king - mann"))
    assert caught.value.word == "mann" and "man" in caught.value.suggestions
    with pytest.raises(ExpressionError) as caught:
        algebra.vector(toy, algebra.parse("king-man + woman"))
    assert caught.value.code == "hyphen" and str(caught.value.params["spaced"]) == "king − man"
    with pytest.raises(ExpressionError) as caught:
        algebra.vector(toy, algebra.parse("king - king"))
    assert caught.value.code == "zero"


# --------------------------------------------------------------------------- answers


def test_solve_equals_a_brute_force_search_without_the_typed_words(toy):
    expression = algebra.parse("king - man + 2*woman")
    unit = toy.unit  # (8, 6)
    target = unit[0] - unit[2] + 2 * unit[3]
    cosines = unit @ target / np.linalg.norm(target)
    expected = [toy.words[i] for i in np.argsort(-cosines) if i not in (0, 2, 3)][:4]
    found = algebra.solve(toy, expression, 4)
    assert [m.word for m in found] == expected
    assert [m.score for m in found] == pytest.approx(sorted(cosines[[1, 4, 5, 6, 7]])[::-1][:4])


def test_solve_agrees_with_gensim_most_similar(toy):
    gensim = pytest.importorskip("gensim.models")
    kv = gensim.KeyedVectors(toy.dim, dtype=np.float32)
    kv.add_vectors(toy.words, toy.unit * toy.norms[:, None])
    assert len(kv) == len(toy)
    theirs = kv.most_similar(positive=["king", "woman"], negative=["man"], topn=5)
    ours = algebra.solve(toy, algebra.parse("king - man + woman"), 5)
    assert [m.word for m in ours] == [w for w, _s in theirs]
    assert [m.score for m in ours] == pytest.approx([s for _w, s in theirs], abs=1e-5)


@pytest.mark.parametrize(("n", "k"), [(400_000, 10), (400_000, 50), (5_000, 1), (300, 20),
                                       (10, 10), (70_000, 3)])
def test_the_top_k_selection_equals_a_full_sort_ties_and_all(n, k):
    rng = np.random.default_rng(n + k)
    scores = np.round(rng.normal(size=n), 2).astype(np.float32)  # (n,) with many ties
    scores[rng.choice(n, min(n, 5), replace=False)] = -np.inf  # rows left out
    expected = np.lexsort((np.arange(n), -scores))[:k]  # by score, ties by row
    assert np.array_equal(embeddings.best(scores, k), expected)


def test_real_glove_answers_the_issues_examples_as_the_analogy_does(glove):
    for text, (a, b, c), answer in (("king - man + woman", ("man", "king", "woman"), "queen"),
                                    ("paris - france + japan", ("france", "paris", "japan"),
                                     "tokyo")):
        found = algebra.solve(glove, algebra.parse(text), 5)
        assert found[0].word == answer
        assert found == glove.analogy(a, b, c, 5)  # the same 3CosAdd, the same exclusions


# --------------------------------------------------------------------------- pictures


def test_axes_place_words_at_their_cosines_with_the_axes(toy):
    x, y = algebra.parse("woman - man"), algebra.parse("king")
    plot = algebra.axes(toy, x, y, ["apple", "Prince", "nosuchword"])
    assert plot.words == ("apple", "prince", "woman", "man", "king")  # anchors after the list
    assert plot.anchors == ("woman", "man", "king")
    ux = toy.unit[3] - toy.unit[2]
    ux /= np.linalg.norm(ux)
    assert plot.x[0] == pytest.approx(float(toy.unit[7] @ ux), abs=1e-6)
    assert plot.y[1] == pytest.approx(float(toy.unit[4] @ toy.unit[0]), abs=1e-6)
    assert plot.axes_cosine == pytest.approx(float(ux @ toy.unit[0]), abs=1e-6)
    assert algebra.axes_cosine(toy, x, x) == pytest.approx(1.0)


def test_the_arithmetic_map_ends_its_path_at_the_sum_among_the_answers(toy):
    expression = algebra.parse("king - man + woman")
    answers = algebra.solve(toy, expression, 5)
    picture = algebra.arithmetic_map(toy, expression, answers, shown=3)
    assert picture.words == ("king", "man", "woman", *(m.word for m in answers[:3]))
    assert picture.kinds == ("plus", "minus", "plus", "answer", "answer", "answer")
    assert picture.coords.shape == (6, 2) and picture.path.shape == (3, 2)
    assert picture.path[0] == pytest.approx(picture.coords[0], abs=1e-5)  # starts at king
    fig = draw.arithmetic_figure(toy, expression, answers[:3], 14, False)
    star = next(t for t in fig.data if t.marker.symbol == "star")
    assert (star.x[0], star.y[0]) == pytest.approx(tuple(picture.path[-1]), abs=1e-5)
    assert len(fig.layout.annotations) == 2  # - man, + woman


def test_the_axes_figure_draws_each_word_at_its_cosines(toy):
    x, y = algebra.parse("woman - man"), algebra.parse("king - queen")
    fig = draw.axes_figure(toy, x, y, ("apple",), 14, False)
    plot = algebra.axes(toy, x, y, ("apple",))
    assert list(fig.data[0].text) == list(plot.words)
    assert list(fig.data[0].x) == pytest.approx(plot.x)
    assert fig.layout.xaxis.title.text == "cos(word, woman − man)"


# --------------------------------------------------------------------------- the views


def opened(lang: str = "en", **query: str):
    at = open_link(PAGE, query, lang, TIMEOUT)
    assert not at.exception, [e.value for e in at.exception]
    return at


def charts(at) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def test_the_arithmetic_view_answers_and_draws_the_sum():
    at = opened(view="arithmetic")
    heads = [m.value for m in at.markdown if m.value.startswith("###")]
    assert heads == [r"### king − man \+ woman ≈ **queen** (cosine 0.852)"]
    assert any("the nearest word is **king**" in m.value for m in at.markdown)
    (spec,) = charts(at)
    names = [trace.get("name") for trace in spec["data"]]
    assert names == ["added (+)", "subtracted (−)", "nearest words", "the sum"]
    assert "queen" in spec["data"][2]["text"]
    at.text_input(key="ar_expr").set_value("paris - france + japan").run()
    assert next(m.value for m in at.markdown if m.value.startswith("###")).startswith(
        r"### paris − france \+ japan ≈ **tokyo**")


def test_a_misspelt_word_offers_buttons_that_mend_the_expression():
    at = opened(view="arithmetic", expr="kign - man + woman")
    (error,) = [e.value for e in at.error]
    assert "'kign' is not in the vocabulary" in error and not charts(at)
    next(b for b in at.button if b.label == "king").click().run()
    assert at.text_input(key="ar_expr").value == "king - man + woman"
    assert not at.error and charts(at)


@pytest.mark.parametrize(("expr", "said"), [
    ("king man", "Between 'king' and 'man' put + or −"),
    ("king-man+woman", "put spaces around the minus: king − man"),
    ("king - king", "The words cancel out"),
    ("![x](http://127.0.0.1:9/x.png) + king", "is not in the vocabulary"),
    ("king * <b>", "cannot stand there"),
])
def test_bad_expressions_give_a_message_never_a_traceback(expr, said):
    at = opened(view="arithmetic", expr=expr)
    (error,) = [e.value for e in at.error]
    assert said in re.sub(r"\\(.)", r"\1", error) and not charts(at)
    assert "](http" not in error  # echoed inert: no link or image can form


def test_the_axes_view_places_the_typed_words_on_the_typed_axes():
    at = opened(view="axes", x="good - bad", y="big - small", axis_words="huge awful zzqqxx")
    (spec,) = charts(at)
    assert spec["data"][0]["text"] == ["huge", "awful", "good", "bad", "big", "small"]
    assert spec["layout"]["xaxis"]["title"]["text"] == "cos(word, good − bad)"
    assert any("'zzqqxx' is not in the vocabulary" in w.value for w in at.warning)
    assert any("cosine of **-0.17**" in m.value for m in at.markdown)
    at.text_input(key="ax_y").set_value("big -").run()
    assert [e.value for e in at.error] == [
        r"The expression ends with '\-': add a word after it."] and not charts(at)


ALGEBRA_LINK = {"view": "axes", "axes": "wealth", "x": "she - he", "y": "rich - poor",
                "axis_words": "doctor nurse", "sum": "better - good + bad",
                "expr": "uncle - man + woman"}
ALGEBRA_STATE = {"ax_preset": "wealth", "ax_x": "she - he", "ax_y": "rich - poor",
                 "ax_words": "doctor nurse", "ar_preset": "better - good + bad",
                 "ar_expr": "uncle - man + woman"}


def test_a_link_restores_both_views_and_garbage_falls_back_with_a_note():
    at = opened(**ALGEBRA_LINK)
    assert {key: at.session_state[key] for key in ALGEBRA_STATE} == ALGEBRA_STATE
    assert at.session_state["glove_view"] == "Word axes" and not link_notes(at)
    assert {name: at.query_params[name] for name in ALGEBRA_LINK} == ALGEBRA_LINK
    assert charts(at)[0]["layout"]["xaxis"]["title"]["text"] == "cos(word, she − he)"
    at.session_state["glove_view"] = "Arithmetic"
    at.run()
    assert at.text_input(key="ar_expr").value == "uncle - man + woman"
    bad = opened(view="arithmetic", axes="nope", sum="<b>", expr="x" * 201)
    (note,) = link_notes(bad)
    assert all(name in note for name in ("axes", "sum", "expr"))
    assert bad.session_state["ar_expr"] == "king - man + woman"
    assert bad.session_state["ax_preset"] == "issue"


@pytest.mark.parametrize("view", ["arithmetic", "axes"])
def test_both_views_read_in_chinese(view):
    at = opened("zh", view=view, expr="king - king")
    share, english = chinese_share(at)
    assert share >= 0.9, english
    assert all("Arithmetic" not in t.label for t in at.tabs)
    if view == "arithmetic":
        (error,) = [e.value for e in at.error]
        assert re.search(r"[\u4e00-\u9fff]", error) and "king − king" in error
    else:
        assert "的余弦" in json.dumps(charts(at)[0]["layout"], ensure_ascii=False)


def test_expression_is_hashable_for_the_caches():
    assert hash(algebra.parse("king - man")) == hash(algebra.parse("king - man"))
    assert isinstance(algebra.parse("a"), Expression)


def test_a_plain_rerun_searches_and_draws_nothing_again(monkeypatch):
    at = opened(view="arithmetic", expr="woman - man + uncle")
    calls = []
    for name in ("solve", "arithmetic_map", "axes"):
        real = getattr(algebra, name)
        monkeypatch.setattr(algebra, name, lambda *a, _real=real, _name=name, **k: (
            calls.append(_name), _real(*a, **k))[1])
    at.run()
    assert not at.exception and charts(at) and calls == []
    at.text_input(key="ar_expr").set_value("woman - man + nephew").run()
    assert calls == ["solve", "arithmetic_map"]  # a new expression: searched and drawn once
