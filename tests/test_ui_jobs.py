"""`jobs.ended`: a session's live job hands over its result once, or says why it failed."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from lessons.echo import inert


def _page():
    import time

    import streamlit as st

    from explainers import live
    from lessons.widgets import jobs

    def work(spec, reporter):
        if spec == "fail":
            raise ValueError("no reviews")
        while spec == "wait" and not reporter.should_stop():
            time.sleep(0.01)
        return spec * 2

    if "job" not in st.session_state and "started" not in st.session_state:
        st.session_state.started = True
        st.session_state.job = live.Job(work, st.session_state.get("spec", "ok")).start()
        st.session_state.job.join(0.5)
    st.session_state.taken = jobs.ended("job")


def test_a_finished_job_gives_its_result_once():
    at = AppTest.from_function(_page).run()
    assert not at.exception and at.session_state["taken"] == "okok"
    assert "job" not in at.session_state  # taken out of the session
    at.run()
    assert at.session_state["taken"] is None and not at.error


def test_a_failed_job_is_reported_and_gives_nothing():
    at = AppTest.from_function(_page)
    at.session_state["spec"] = "fail"
    at.run()
    assert not at.exception and at.session_state["taken"] is None
    # the exception's words, whatever they say, as text (never Markdown)
    assert at.error[0].value == "Training failed: " + inert("ValueError: no reviews")


def test_a_running_job_stays_in_the_session():
    at = AppTest.from_function(_page)
    at.session_state["spec"] = "wait"
    at.run()
    job = at.session_state["job"]
    assert at.session_state["taken"] is None and job.running
    job.stop()
    job.join(10)
    at.run()
    assert at.session_state["taken"] == "waitwait" and "job" not in at.session_state
