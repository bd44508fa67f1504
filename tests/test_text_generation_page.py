"""The text generation page under AppTest: shipped model, bad prompts, missing data."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from explainers import lesson, paths
from lessons.charts import text as charts

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "lessons" / "text_generation.py")
TIMEOUT = 120  # the first run imports TensorFlow and loads the model


def shipped_present() -> bool:
    return (paths.ASSETS / "char_rnn.keras").is_file()


needs_model = pytest.mark.skipif(
    not shipped_present(), reason="assets/char_rnn.keras not built: scripts/train_char_rnn.py")


def page() -> AppTest:
    return AppTest.from_file(PAGE, default_timeout=TIMEOUT)


def html_blocks(at: AppTest) -> list[str]:
    return [block.proto.body for block in at.get("html")]


def all_text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.code]
    parts += [e.value for e in at.error] + [w.value for w in at.warning]
    return "\n".join(parts)


@needs_model
def test_shipped_model_generates_from_the_prompt():
    at = page().run()
    assert not at.exception, at.exception
    assert at.text_area(key="gen_prompt").value == "ROMEO:"
    coloured = html_blocks(at)
    # the text, then (last) the text read before the framed character, by attribution
    assert len(coloured) == 2 and coloured[0].count("<span") == len("ROMEO:") + 300
    # top-5 bars, softmax(logits / T), the attribution's bar per character, the diagram
    assert len(at.get("plotly_chart")) == 4
    assert len(at.info) >= 1  # the closing "what to notice"

    # same seed, same text; the seed changes the text
    first = html_blocks(at)[0]
    at.number_input(key="gen_seed").set_value(42).run()
    assert html_blocks(at)[0] == first
    at.number_input(key="gen_seed").set_value(7).run()
    assert html_blocks(at)[0] != first

    at.slider(key="gen_pos_306").set_value(280).run()  # inspect a late character ...
    assert "outline" in html_blocks(at)[0].split("<span")[281]
    at.slider(key="gen_len").set_value(20).run()  # ... then shorten the text: no error
    assert not at.exception and html_blocks(at)[0].count("<span") == 26

    at.radio(key="gen_mode").set_value("unit").run()
    assert not at.exception
    assert "rgba(" in html_blocks(at)[0]  # red/blue activations instead of confidence


@needs_model
def test_unknown_characters_and_markup_get_a_clear_message():
    at = page().run()
    at.text_area(key="gen_prompt").set_value("ROMEO: 你好 <b>5</b>").run()
    assert not at.exception
    message = at.error[0].value
    named = message.replace("\\", "")  # the Markdown source, its escapes taken out
    assert "'你'" in named and "'<'" in named and "'5'" in named
    assert "\\'\\<\\'" in message  # echoed inert: no character can start any markup
    assert not html_blocks(at)  # nothing generated

    at.text_area(key="gen_prompt").set_value("").run()
    assert "at least one character" in at.warning[0].value

    at.text_area(key="gen_prompt").set_value("JULIET:\n'Tis & so").run()
    assert not at.error and "&amp;" in html_blocks(at)[0]


def written_text(at: AppTest) -> str:
    """The coloured text as characters (unescaped, new lines without their ↵ sign)."""
    spans = re.findall(r">([^<]*)</span>", html_blocks(at)[0])
    return html.unescape("".join(spans)).replace("↵\n", "\n")


def next_char_chart(at: AppTest) -> dict[str, list[float]]:
    """The softmax(logits / T) chart: each trace's name -> its bars."""
    spec = json.loads(at.get("plotly_chart")[1].proto.spec)
    return {trace["name"]: trace["y"] for trace in spec["data"]}


@needs_model
def test_temperature_taught_the_lessons_t_three_temperatures_and_one_step():
    at = page().run()
    assert not at.exception, at.exception
    assert at.slider(key="gen_temp").value == lesson.CHAR.temperature == 1.0  # the lesson's T
    assert at.radio(key="gen_choose").value == "sample" and at.slider(key="gen_k").disabled
    sides = [c.value for c in at.code if c.value.startswith("ROMEO:")]
    assert len(sides) == 3 and len(set(sides)) == 3
    assert all(len(side) == len("ROMEO:") + 200 for side in sides)
    headers = [m.value for m in at.markdown if m.value.startswith("**T = ")]
    assert headers == ["**T = 0.5**", "**T = 1** (the lesson's)", "**T = 1.5**"]
    # the same seed draws step t with (seed, t): at the same T the side text is a prefix
    assert written_text(at).startswith(sides[1])
    bars = next_char_chart(at)
    assert list(bars) == ["T = 1 (the lesson)", "T = 1"] and bars["T = 1"] == bars[
        "T = 1 (the lesson)"]
    assert len(bars["T = 1"]) == 15 and bars["T = 1"] == sorted(bars["T = 1"], reverse=True)

    at.slider(key="gen_pos_306").set_value(100).run()  # the chart follows the framed char
    title = json.loads(at.get("plotly_chart")[1].proto.spec)["layout"]["title"]["text"]
    assert title.endswith("after position 100") and next_char_chart(at) != bars
    at.slider(key="gen_temp").set_value(0.5).run()  # colder: the favourite grows
    cold = next_char_chart(at)
    assert cold["T = 0.5"][0] > cold["T = 1 (the lesson)"][0]
    assert not written_text(at).startswith(sides[1])


@needs_model
def test_greedy_and_top_k_on_the_page():
    at = page().run()
    at.radio(key="gen_choose").set_value("greedy").run()
    assert not at.exception and at.slider(key="gen_temp").disabled
    greedy = written_text(at)
    assert next_char_chart(at)["greedy (argmax)"][0] == 1.0  # all on the likeliest
    at.number_input(key="gen_seed").set_value(7).run()
    assert written_text(at) == greedy  # no draw, so the seed changes nothing
    at.radio(key="gen_choose").set_value("top_k").run()
    at.slider(key="gen_k").set_value(3).run()
    assert not at.exception and not at.slider(key="gen_k").disabled
    drawn = next_char_chart(at)["T = 1, top-3"]
    assert sum(p > 0 for p in drawn) == 3 and sum(drawn) == pytest.approx(1.0)
    headers = [m.value for m in at.markdown if m.value.startswith("**Three temperatures")]
    assert "top-k" in headers[0]  # the side-by-side texts are drawn the same way


def test_page_without_model_or_data_still_explains(no_data, monkeypatch, tmp_path):
    monkeypatch.setattr(paths, "ASSETS", tmp_path / "no-assets")
    at = page().run()
    assert not at.exception
    text = all_text(at)
    assert "scripts/train_char_rnn.py" in text  # how to rebuild the model


def test_colour_html_escapes_text():
    text = "<b>&\n"
    out = charts.colour_html(text, np.array([np.nan, 0.5, 1.0, 0.0, 0.2]), False, 1, 2)
    assert "<b>" not in out and "&lt;" in out and "&amp;" in out and "↵" in out
    assert out.count("<span") == 5 and "outline" in out
    signed = charts.colour_html("ab", np.array([-1.0, 0.5]), True)
    assert "rgba(31,119,180,0.80)" in signed and "rgba(214,39,40,0.40)" in signed


def test_echoed_text_cannot_leave_its_code_span():
    assert charts.code_span("ROMEO:") == "` ROMEO: `"
    assert charts.code_span("a`b``c") == "``` a`b``c ```"  # a longer fence than any run
    assert charts.shown_char(" ") == "␣" and charts.shown_char("\n", named=True) == "↵ new line"
    assert charts.shown_char("x", named=True) == "x"
