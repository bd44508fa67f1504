"""Sentiment lab: build a model from blocks, train it live on IMDB, keep and compare runs.

The training runs as a live job owned by this browser session (kept in st.session_state), so
the page stays responsive: curves refresh every two seconds, Stop ends the run and keeps what
was learned, and leaving the page does not end it. Other sessions have their own jobs. The
workflow itself (train, score, save) and the time and memory budget live in `explainers.lab`;
the figures and tables in `lessons.charts.lab`.
"""

from __future__ import annotations

import math

import numpy as np
import streamlit as st

from explainers import data, lab, live, models, presets, reviews, runs, training
from lessons import ui
from lessons.charts import lab as charts
from lessons.widgets import jobs

JOB_KEY = "lab_job"  # session-state key: this session's live.Job running lab.train_and_save
PRESET_KEY = "lab_preset"  # the preset picker's widget key
FORM_KEY = "lab_"  # the widget of each lab.FORM field: FORM_KEY + the field's name
DEFAULT_PRESET = presets.FAST_POOL.name  # seconds to train, and a lesson number to beat
VOCAB_CHOICES = (1_000, 2_000, 5_000, 10_000, 20_000)
DENSE_CHOICES = (8, 16, 32, 64, 128, 256)
TRAIN_CHOICES = (1_000, 2_000, 5_000, 10_000, 15_000, 20_000, lab.ALL_REVIEWS)
TEST_CHOICES = (1_000, 5_000, 10_000, 25_000)
BATCH_CHOICES = (16, 32, 64, 128, 256, 512)
LR_CHOICES = (1e-4, 3e-4, 1e-3, 2e-3, 5e-3, 1e-2)
MISCLASSIFIED_SHOWN = 4
REVIEW_LIMIT = 50_000  # characters of a typed review that are read
PRESET_VALUES = {  # preset name -> {widget key: the value that preset gives it}
    p.name: {f"{FORM_KEY}{name}": value
             for name, value in lab.form(p.imdb, p.model, p.train).items()}
    for p in presets.PRESETS.values()
}
STAGES = {  # the lab's stages after training, as the progress bar says them
    training.SCORING: "Scoring the test reviews · 测试",
    lab.SAVING: "Saving the run · 保存",
}


def preset_section() -> presets.Preset:
    st.header("1 · Presets · 预设")
    st.session_state.setdefault(PRESET_KEY, DEFAULT_PRESET)
    preset = presets.PRESETS[ui.preset_picker("Start from · 从预设开始", PRESET_KEY,
                                              PRESET_VALUES)]
    st.write(preset.why)
    st.dataframe(charts.presets_table(runs.RunStore().list()[0]), hide_index=True,
                 width="stretch")
    return preset


def build_section() -> None:
    st.header("2 · Build the model · 搭建模型")
    embed_col, body_col, head_col = st.columns(3)
    with embed_col:
        st.markdown("**Embedding · 嵌入层**")
        st.select_slider("Vocabulary size (num_words)", VOCAB_CHOICES, key="lab_vocab_size")
        st.slider("Embedding dimension", 2, 128, key="lab_embed_dim")
        st.checkbox("mask_zero (skip the <PAD> steps)", key="lab_mask_zero")
    with body_col:
        st.markdown("**Body · 主体**")
        st.selectbox("Layer", models.BODIES, key="lab_body", format_func=models.body_name)
        is_rnn = st.session_state["lab_body"] != models.POOL
        st.slider("Units", 4, 128, step=4, key="lab_units", disabled=not is_rnn)
        st.slider("Stacked layers", 1, 3, key="lab_layers", disabled=not is_rnn,
                  help="return_sequences=True is set for every layer but the last.")
        st.checkbox("Bidirectional · 双向", key="lab_bidirectional", disabled=not is_rnn)
    with head_col:
        st.markdown("**Head · 输出**")
        st.slider("Dropout after the body", 0.0, 0.7, step=0.05, key="lab_dropout")
        st.select_slider("Dense units (relu)", DENSE_CHOICES, key="lab_dense_units")
        st.caption("→ Dense(1, sigmoid): P(positive)")


def data_section(preset: presets.Preset) -> lab.LabSpec:
    """The data and training widgets; returns the run all the widgets describe."""
    st.header("3 · Data and training · 数据与训练")
    d1, d2, d3, d4 = st.columns(4)
    with d1:
        st.slider("Max length (tokens)", 20, 500, step=10, key="lab_maxlen")
        st.radio("Padding", ("pre", "post"), key="lab_padding", horizontal=True)
        st.radio("Truncating", ("pre", "post"), key="lab_truncating", horizontal=True)
    with d2:
        st.select_slider("Training reviews", TRAIN_CHOICES, key="lab_train_size")
        st.slider("Validation split", 0.05, 0.4, step=0.05, key="lab_validation_split")
        st.select_slider("Test reviews scored", TEST_CHOICES, value=lab.LabSpec.test_reviews,
                         key="lab_test")
    with d3:
        st.slider("Epochs", 1, 30, key="lab_epochs")
        st.select_slider("Batch size", BATCH_CHOICES, key="lab_batch_size")
        st.select_slider("Learning rate (Adam)", LR_CHOICES, key="lab_learning_rate")
    with d4:
        st.slider("Early stopping patience (0 = off)", 0, 5, key="lab_early_stopping_patience")
        st.checkbox("Bucketing: pad each batch only to its longest review", key="lab_bucketing")
        st.number_input("Seed", 0, 9_999, step=1, key="lab_seed")
    settings = lab.from_form({name: st.session_state[f"{FORM_KEY}{name}"] for name in lab.FORM})
    mine = not preset.matches(*settings)  # then the run is not the preset's, nor its lesson's
    if mine:
        st.caption(f"Changed from the preset “{preset.name}”: the run is saved as your own model.")
    return lab.LabSpec(*settings, "" if mine else preset.name, st.session_state["lab_test"])


def budget_section(imdb: data.ImdbData, spec: lab.LabSpec) -> bool:
    """What the set-up will cost, and why it is slow or refused; True when refused."""
    cost = lab.budget(imdb, spec.model, spec.train)
    m1, m2, m3, m4 = st.columns(4)
    m1.metric("Parameters · 参数量", f"{models.parameter_count(spec.model):,}")
    m2.metric("Estimated time · 预计时间", f"≈ {cost.seconds:,.0f} s" if cost.seconds < 120
              else f"≈ {cost.seconds / 60:,.0f} min")
    m3.metric("Steps per batch · 每批步数", f"{cost.mean_width:.0f}",
              help="Mean padded length of a training batch: bucketing makes it small.")
    m4.metric("Reviews to learn from · 训练评论", f"{cost.reviews:,}")
    st.caption(models.describe(spec.model))
    if cost.reason == lab.Reason.TOO_SLOW:
        st.error(f"This set-up would train for over {cost.limit / 60:.0f} minutes on this "
                 "machine: lower the epochs, units, layers or max length, or switch on bucketing.")
    elif cost.reason == lab.Reason.TOO_MUCH_MEMORY:
        st.error(f"One batch would need about {cost.memory_bytes / 1e9:.1f} GB (the limit is "
                 f"{cost.limit / 1e9:.1f} GB): lower the batch size, units, layers or max length.")
    elif cost.reason == lab.Reason.SLOW:
        st.warning(f"This run takes about {cost.seconds / 60:.0f} minutes here; the lesson's "
                   "recipes are slow on purpose, so you can compare. The “Fast” presets show "
                   "how to get there in seconds.")
    return cost.verdict == lab.Verdict.REFUSE


def live_label(snap: live.Snapshot) -> str:
    if snap.phase == live.Phase.FINISHING:
        return STAGES.get(snap.stage, snap.stage)
    return jobs.live_label(snap)


def live_curves(snap: live.Snapshot) -> None:
    history = {key: snap.series(key) for key in training.HISTORY_KEYS}
    ui.chart(charts.curves_figure(history, "Live training · 实时训练", snap.epochs))


def training_section(spec: lab.LabSpec, refused: bool) -> None:
    """The Train button, then this session's run: live while it trains, then its results."""
    job = st.session_state.get(JOB_KEY)
    if st.button("▶ Train · 开始训练", type="primary", key="lab_train",
                 disabled=refused or (job is not None and job.running)):
        jobs.start_job(JOB_KEY, lab.train_and_save, spec, spec.train.epochs)
        st.rerun()  # draw the page again with the job (and this button disabled)
    if job is None:
        return
    st.header("4 · Training · 训练过程")
    if job.running:
        jobs.live_panel(job, "lab", draw=live_curves, label=live_label)
    elif job.error is not None:
        jobs.failed(job.error)
    else:
        results_section(job.result)


def results_section(outcome: lab.LabOutcome) -> None:
    result, spec = outcome.result, outcome.spec
    st.success(f"Trained in {result.seconds:.1f} s ({charts.how_it_ended(result)}); saved as run "
               f"`{outcome.run_id}`.")
    preset = presets.PRESETS.get(spec.preset)
    lesson = presets.lesson_accuracy_for(preset) if preset else None
    cols = st.columns(4)
    cols[0].metric(
        "Test accuracy · 测试准确率", f"{outcome.test_accuracy:.4f}",
        help=f"On {len(outcome.probabilities):,} test reviews the model never saw.",
        delta=None if lesson is None else f"{outcome.test_accuracy - lesson:+.4f} vs lesson",
    )
    cols[1].metric("Test loss · 测试损失", f"{outcome.test_loss:.4f}")
    if lesson is not None:
        st.caption(f"The lesson reported {lesson} test accuracy for "
                   f"“{preset.compare_with or preset.name}”; yours is beside it above.")
    cols[2].metric("Best validation epoch · 最佳轮次",
                   str(result.best_epoch) if result.best_epoch else "—")
    gap = training.overfitting_gap(result.history)
    cols[3].metric("Overfitting gap · 过拟合差距", "—" if math.isnan(gap) else f"{gap:+.3f}",
                   help="Training minus validation accuracy at the last epoch.")
    ui.chart(charts.curves_figure(result.history, "Training curves · 训练曲线",
                                  result.epochs_run))
    st.caption(
        "The green line marks the epoch with the lowest validation loss. When training "
        "accuracy keeps rising after it while validation falls, the model is learning the "
        "training reviews by heart: the gap the lesson warns about (overfitting · 过拟合)."
    )
    imdb = ui.imdb(spec.imdb)
    mistakes_section(outcome, imdb)
    with st.expander("model.summary()"):
        st.code(outcome.summary, language="text")
    try_a_review(outcome.model, reviews.InputFormat.of_imdb(imdb))  # as it was trained


def mistakes_section(outcome: lab.LabOutcome, imdb: data.ImdbData) -> None:
    """The confusion matrix beside the test reviews it got most confidently wrong."""
    y_test, probabilities = imdb.y_test[:outcome.spec.test_reviews], outcome.probabilities
    left, right = st.columns([2, 3])
    with left:
        ui.chart(charts.confusion_figure(training.confusion(y_test, probabilities)))
    with right:
        st.markdown("**Misclassified test reviews · 分错的评论** (most confident mistakes, as "
                    "the model saw them)")
        worst = training.confident_mistakes(y_test, probabilities, MISCLASSIFIED_SHOWN)
        for i in worst:
            st.html(charts.review_html(imdb.vocabulary.decode(imdb.x_test[i]),
                                       bool(y_test[i]), float(probabilities[i])))
        if not len(worst):
            st.write("None: every test review was classified right.")


def try_a_review(model, form: reviews.InputFormat) -> None:
    st.markdown("**Try a review · 试一试** (English; words outside the vocabulary become "
                "`<UNK>`)")
    text = st.text_area("Your review", key="lab_review", max_chars=REVIEW_LIMIT,
                        placeholder="The acting was wonderful but the plot made no sense…")
    if not text.strip():
        return
    review = form.prepare(text)
    if not review.words:
        st.warning("No words found in that text: type a sentence in English.")
        return
    p = float(np.asarray(model.predict_on_batch(review.row[None])).reshape(-1)[0])
    verdict = "positive · 正面" if p > 0.5 else "negative · 负面"
    st.metric("Prediction · 预测", verdict, delta=f"P(positive) = {p:.3f}",
              delta_color="normal" if p > 0.5 else "inverse")
    st.caption(f"{review.words} words, {review.unknown} unknown (<UNK>)"
               + (f"; only the {'last' if form.truncating == 'pre' else 'first'} "
                  f"{form.maxlen} tokens are read" if review.truncated else ""))


def runs_section() -> None:
    st.header("Your runs · 你的训练记录")
    store = runs.RunStore()
    records, problems = store.list()
    for problem in problems:
        st.warning(f"A damaged run was skipped: {problem}")
    if not records:
        st.info("No runs yet: every training is saved here when it ends (or is stopped).")
        return
    current = st.session_state.get(ui.CURRENT_RUN_KEY)
    st.dataframe(charts.runs_table(records, current), hide_index=True, width="stretch")
    by_id = {r.run_id: r for r in records}
    chosen = st.multiselect("Overlay the curves of · 叠加曲线", list(by_id),
                            default=list(by_id)[:3], format_func=lambda i: by_id[i].label())
    # no key: when a new run appears the default (the newest three) is shown again
    if chosen:
        ui.chart(charts.overlay_figure([by_id[i] for i in chosen]))
    pick = st.selectbox("A run · 选择一次训练", list(by_id),
                        format_func=lambda i: by_id[i].label(), key="lab_pick")
    a, b, c = st.columns([2, 1, 1])
    a.button("Use as the current model · 设为当前模型", key="lab_use",
             on_click=lambda: st.session_state.__setitem__(ui.CURRENT_RUN_KEY, pick),
             help="The embeddings and LSTM-gates pages then inspect this run.")
    sure = b.checkbox("I am sure", key="lab_sure")
    c.button("Delete · 删除", key="lab_delete", disabled=not sure, on_click=delete_run,
             args=(store, pick))
    if "lab_delete_error" in st.session_state:
        st.error(st.session_state.pop("lab_delete_error"))
    if current in by_id:
        st.caption(f"Current model for the other pages: {ui.inert(by_id[current].label())}")


def delete_run(store: runs.RunStore, run_id: str) -> None:
    """Button callback (runs before the page is drawn, so it may reset the checkbox)."""
    try:
        store.delete(run_id)
    except (KeyError, OSError) as error:
        st.session_state["lab_delete_error"] = f"Could not delete {run_id}: {error}"
        return
    if st.session_state.get(ui.CURRENT_RUN_KEY) == run_id:
        st.session_state.pop(ui.CURRENT_RUN_KEY)
    st.session_state["lab_sure"] = False


# --------------------------------------------------------------------------- the page

st.title("Sentiment lab: train live · 实时训练")
st.write(
    "Build a model from blocks, train it on the real IMDB reviews (20,000 to learn from, "
    "5,000 to validate, 25,000 to test) and watch it learn. Start from one of the lesson's "
    "models, see the SimpleRNN fail, then fix it and beat the lesson's numbers in seconds."
)
preset = preset_section()
build_section()
spec = data_section(preset)
imdb = ui.available(ui.imdb, spec.imdb)
if imdb is not None:
    training_section(spec, refused=budget_section(imdb, spec))
runs_section()
ui.notice(
    "the lesson's SimpleRNN with padding='post' sits at 0.50 because its final state has "
    "read hundreds of <PAD> steps since the last word; padding 'pre' with masking fixes it. "
    "Most of the lesson's LSTM time is spent on padding: cut each batch to its longest "
    "review and the same accuracy comes in seconds. Watch the green best-epoch line: after "
    "it, training accuracy climbs while validation does not."
)
