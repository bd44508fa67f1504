"""The glossary filters in both languages and lists the lesson's numbers."""

from conftest import ROOT
from streamlit.testing.v1 import AppTest

from explainers import lesson


def _page() -> AppTest:
    app = AppTest.from_file(str(ROOT / "lessons/glossary.py"), default_timeout=30).run()
    assert not app.exception
    return app


def test_glossary_lists_every_term_and_number():
    app = _page()
    terms, numbers = app.dataframe[0].value, app.dataframe[1].value
    assert len(terms) == len(lesson.GLOSSARY)
    assert {"0.8586", "0.4993", "0.8441", "5,184", "1,311,744"} <= set(numbers["Number"])


def test_glossary_filters_in_chinese_and_english():
    app = _page()
    app.text_input[0].input("遗忘门").run()
    assert app.dataframe[0].value["English"].tolist() == ["forget gate"]
    app.text_input[0].input("Padding").run()
    assert "padding ('pre' / 'post')" in app.dataframe[0].value["English"].tolist()
    app.text_input[0].input("zzzz").run()
    assert "No term matches" in app.warning[0].value


def test_a_typed_query_is_echoed_as_plain_text():
    app = _page()
    app.text_input(key="glossary_query").input("![x](http://a.example/p.png) $x$ <b>").run()
    warning = app.warning[0].value
    assert "No term matches" in warning
    assert r"\!\[x\]\(http\:" in warning and r"\$x\$" in warning and r"\<b\>" in warning
