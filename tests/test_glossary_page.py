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


def test_in_chinese_the_meanings_and_headers_are_chinese():
    app = AppTest.from_file(str(ROOT / "lessons/glossary.py"), default_timeout=30)
    app.query_params["lang"] = "zh"
    app.run()
    terms = app.dataframe[0].value
    assert list(terms.columns) == ["英文", "中文", "含义"]
    meaning = terms.loc[terms["英文"] == "forget gate", "含义"].item()
    assert "细胞状态" in meaning
    app.text_input[0].input("保留").run()  # a Chinese word found in the Chinese meanings
    assert "forget gate" in app.dataframe[0].value["英文"].tolist()


def test_a_link_opens_the_filtered_glossary_and_garbage_falls_back():
    app = AppTest.from_file(str(ROOT / "lessons/glossary.py"), default_timeout=30)
    app.query_params["term"] = "遗忘门"
    app.run()
    assert app.text_input[0].value == "遗忘门"
    assert app.dataframe[0].value["English"].tolist() == ["forget gate"]
    assert app.query_params["term"] == ["遗忘门"] or app.query_params["term"] == "遗忘门"
    bad = AppTest.from_file(str(ROOT / "lessons/glossary.py"), default_timeout=30)
    bad.query_params["term"] = "x" * 500
    bad.run()
    assert not bad.exception and bad.text_input[0].value == ""
    assert "could not be read" in bad.info[0].value and len(bad.dataframe[0].value) > 40
