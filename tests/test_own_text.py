"""A char-RNN on your own text: the upload's checks, the plan, dropout, a live training on
Chinese text with a held-out loss per epoch, and the char page's section under AppTest."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from conftest import finish_job
from streamlit.testing.v1 import AppTest

from explainers import chargen, charsample, chartrain, live, owntext, params

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "lessons" / "char_training.py")
CATALOGUE = ROOT / "locales" / "zh_CN" / "LC_MESSAGES" / "messages.po"
TINY = chartrain.TrainConfig(seq_length=16, batch_size=8, epochs=2, text_chars=20_000,
                             sample_length=20)
SMALL = chargen.CharModelConfig(units=16, embedding_dim=8, layers=2, dropout=0.3)


def chinese_text() -> str:
    """Real Chinese prose: the app's own translations (~23,000 characters, ~800 distinct)."""
    found = re.findall(r'^msgstr "(.+)"', CATALOGUE.read_text(encoding="utf-8"), re.M)
    return "\n".join(found)


@pytest.mark.parametrize("payload, code", [
    (b"", "empty"), (b"  \n\t ", "empty"),
    (b"a" * (owntext.MAX_BYTES + 1), "too_large"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 20, "binary"),
    (("汉字文本" * 1000).encode("gbk"), "not_utf8"),
    (("some text " * 500).encode("utf-16"), "not_utf8"),
    (b"short text", "too_short"),
    ("".join(chr(0x4E00 + i) for i in range(owntext.MAX_ALPHABET + 1)).encode(), "too_many_chars"),
    (b"ab\x01\x02" * 1000, "binary"),
])
def test_a_bad_upload_gets_its_own_reason(payload, code):
    with pytest.raises(owntext.OwnTextError) as caught:
        owntext.read_upload(payload)
    assert caught.value.code == code


def test_utf8_text_in_any_language_is_read_with_plain_newlines():
    text = chinese_text()
    assert owntext.read_upload(text.encode("utf-8")) == text
    assert owntext.read_upload(b"\xef\xbb\xbf" + b"line one\r\n" * 300) == "line one\n" * 300
    emoji = "🙂 ünïcödé 字 " * 200
    assert owntext.read_upload(emoji.encode()) == emoji


def test_a_text_is_kept_once_by_its_content(tmp_path, monkeypatch):
    monkeypatch.setenv("RNN_EXPLAINER_CACHE", str(tmp_path))
    first = owntext.keep("你好，世界\n" * 500)
    assert first.parent == tmp_path / owntext.FOLDER
    assert first.read_text(encoding="utf-8") == "你好，世界\n" * 500
    stamp = first.stat().st_mtime_ns
    assert owntext.keep("你好，世界\n" * 500) == first and first.stat().st_mtime_ns == stamp
    assert owntext.keep("another text\n" * 500) != first


def test_a_short_text_holds_out_enough_for_one_batch():
    config = chartrain.TrainConfig(seq_length=63, batch_size=32)  # 2,048 characters a batch
    assert owntext.held_out_share(1_000_000, config) == chartrain.HELD_OUT
    assert owntext.held_out_share(20_480, config) == pytest.approx(0.1)
    with pytest.raises(owntext.OwnTextError) as caught:
        owntext.held_out_share(5_000, config)
    assert caught.value.code == "short_for_settings"
    spec = owntext.plan(Path("/x/t.txt"), "   春眠不觉晓，处处闻啼鸟。" * 2000, SMALL, TINY)
    assert spec.text_path == "/x/t.txt" and spec.held_out == chartrain.HELD_OUT
    assert spec.train.sample_prompt == "春眠不觉晓，处处" and spec.model == SMALL


def test_dropout_follows_each_recurrent_layer_and_sampling_ignores_it():
    vocab = chargen.CharVocab.from_text("abcdefgh ")
    model = chargen.build_model(vocab.size, SMALL, seed=0)
    kinds = [type(x).__name__ for x in model.layers]
    assert kinds == ["Embedding", "GRU", "Dropout", "GRU", "Dropout", "Dense"]
    assert model.count_params() == params.count_model(chargen.spec(vocab.size, SMALL)).total
    plain = chargen.build_model(vocab.size, replace(SMALL, dropout=0.0), seed=0)
    assert "Dropout" not in [type(x).__name__ for x in plain.layers]
    gen = charsample.generate(model, vocab, "abc defg", 0, 1.0, record_hidden=False)
    full = np.asarray(model(vocab.encode("abc defg")[None], training=False))[0]  # (T, vocab)
    np.testing.assert_allclose(gen.logits, full, atol=1e-4)
    with pytest.raises(ValueError):
        chargen.CharModelConfig(dropout=1.0)


def test_a_chinese_text_trains_live_with_a_held_out_loss_every_epoch(tmp_path, monkeypatch):
    monkeypatch.setenv("RNN_EXPLAINER_CACHE", str(tmp_path))
    text = owntext.read_upload(chinese_text().encode())
    spec = owntext.plan(owntext.keep(text), text, SMALL, TINY)

    records = []

    class Seen(live.Reporter):
        def epoch(self, number, metrics=(), note=None, extra=None):
            records.append((number, dict(metrics), note))

    trained = chartrain.train_live(spec, Seen())
    assert [n for n, _m, _s in records] == [0, 1, 2]
    for _n, metrics, sample in records[1:]:
        assert np.isfinite(metrics["held_out_loss"]) and metrics["held_out_loss"] > 0
        assert sample.startswith(spec.train.sample_prompt)
    assert trained.vocab.size == len(set(text)) > 500
    assert len(trained.result.held_out_losses) == 2


def _page() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    return at


def _errors(at: AppTest) -> str:
    return " ".join(e.value for e in at.error)


def test_bad_uploads_on_the_page_say_why_and_echo_the_name_inert(no_data, monkeypatch):
    monkeypatch.setenv("RNN_EXPLAINER_CACHE", str(no_data / "cache"))
    at = _page()
    uploader = at.file_uploader(key="mytext_upload")
    uploader.upload("<img src=x onerror=alert(1)>.txt", b"", "text/plain").run()
    assert not at.exception, at.exception
    assert "no text to learn from" in _errors(at)
    assert "\\<img src\\=x" in _errors(at)  # escaped (ui.inert): Markdown makes no tag of it
    for payload, words in ((("汉字" * 3000).encode("gbk"), "not UTF-8"),
                           (b"\x00\x01binary" * 500, "binary file")):
        at.file_uploader(key="mytext_upload").upload("t.txt", payload, "text/plain").run()
        assert not at.exception and words in _errors(at), _errors(at)
    assert not [b for b in at.button if b.key == "mytext_train"]


def test_the_page_trains_on_an_uploaded_chinese_text_and_writes(no_data, tmp_path,
                                                                 monkeypatch):
    monkeypatch.setenv("RNN_EXPLAINER_CACHE", str(tmp_path))
    at = _page()
    at.file_uploader(key="mytext_upload").upload("诗.txt", chinese_text().encode(),
                                                 "text/plain").run()
    assert not at.exception, at.exception
    assert any("different ones" in c.value for c in at.caption)
    at.select_slider(key="mytext_units").set_value(32)
    at.slider(key="mytext_seq").set_value(16)
    at.slider(key="mytext_epochs").set_value(1)
    at.select_slider(key="mytext_chars").set_value(20_000).run()
    at.button(key="mytext_train").click().run()
    job = finish_job(at, "mytext_job", timeout=180)
    assert any("on your text" in s.value for s in at.success)
    specs = " ".join(chart.proto.spec for chart in at.get("plotly_chart"))
    assert "Loss per epoch on your text" in specs and "held-out loss" in specs
    at.button(key="mytext_write").click().run()
    written = at.session_state["mytext_written"][1]
    assert isinstance(written, str) and written.startswith(job.result.spec.train.sample_prompt)
