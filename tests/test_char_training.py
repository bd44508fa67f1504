"""The char-training page under AppTest: live runs (moved from the text generation page), the
lesson's recipe, and the page without data."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from explainers import chartrain, live

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "lessons" / "char_training.py")
TIMEOUT = 120  # the first run imports TensorFlow
SELECT_SLIDERS = ("live_units", "live_batch", "live_subset")  # the live settings' other kind


def page() -> AppTest:
    return AppTest.from_file(PAGE, default_timeout=TIMEOUT)


def all_text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.code]
    parts += [e.value for e in at.error] + [w.value for w in at.warning]
    return "\n".join(parts)


def test_the_lessons_recipe_is_summarised():
    at = page().run()
    assert not at.exception, at.exception
    assert "16,640" in all_text(at) and "1,311,744" in all_text(at)  # the lesson's summary


def test_page_without_data_still_explains(no_data):
    at = page().run()
    assert not at.exception
    text = all_text(at)
    assert "Data not available" in text  # ui.data_missing for the live section
    assert "1,311,744" in text  # the lesson's recipe needs no data


def start_live(**settings) -> AppTest:
    """The page after Train was pressed with these slider settings (by widget key)."""
    at = page().run()
    for key, value in settings.items():
        widget = at.select_slider(key=key) if key in SELECT_SLIDERS else at.slider(key=key)
        widget.set_value(value)
    at.button(key="live_train").click().run()
    assert not at.exception
    return at


@pytest.mark.realdata
@pytest.mark.slow
def test_live_training_runs_and_keeps_its_samples(real_shakespeare):
    at = start_live(live_units=32, live_seq=32, live_batch=64, live_epochs=2,
                    live_subset=20_000)
    job = at.session_state["chargen_job"]
    assert isinstance(job, live.Job)
    job.join(TIMEOUT)
    at.run()
    assert not at.exception
    assert "finished after 2 epoch(s)" in at.success[0].value
    trained = job.result
    assert isinstance(trained, chartrain.LiveResult)
    losses = trained.result.losses
    assert len(losses) == 2 and losses[1] < losses[0]
    assert sum("After epoch" in m.value for m in at.markdown) == 2
    assert sum("Before training" in m.value for m in at.markdown) == 1


@pytest.mark.realdata
@pytest.mark.slow
def test_live_training_stops_from_the_page_and_keeps_the_model(real_shakespeare):
    at = start_live(live_units=32, live_epochs=30, live_subset=20_000)
    assert any(m.label.startswith("Time left") for m in at.metric)  # the live panel
    at.button(key="char_stop").click().run()
    job = at.session_state["chargen_job"]
    assert job.snapshot().stopping
    job.join(TIMEOUT)
    at.run()
    assert not at.exception
    assert "Training stopped by you after" in at.success[0].value
    assert job.result.result.stopped and len(job.result.result.losses) < 30
    assert sum("Before training" in m.value for m in at.markdown) == 1
    written = [c.value for c in at.code if len(c.value) == len("ROMEO:") + 300]
    assert written and written[0].startswith("ROMEO:")  # the kept model fills the sample box
