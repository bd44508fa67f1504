"""Sentiment lab: build a model from blocks, train it live on IMDB, keep and compare runs.

The training runs as a live job owned by this browser session (kept in st.session_state), so
the page stays responsive: curves refresh every two seconds, Stop ends the run and keeps what
was learned, and leaving the page does not end it. Other sessions have their own jobs. The
workflow itself (train, score, save) and the time and memory budget live in `explainers.lab`.
"""

from __future__ import annotations

import html
import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from explainers import data, lab, live, models, presets, reviews, runs, training
from pages import ui

JOB_KEY = "lab_job"  # session-state key: this session's live.Job running lab.train_and_save
VOCAB_CHOICES = (1_000, 2_000, 5_000, 10_000, 20_000)
DENSE_CHOICES = (8, 16, 32, 64, 128, 256)
TRAIN_CHOICES = (1_000, 2_000, 5_000, 10_000, 15_000, 20_000, 25_000)
TEST_CHOICES = (1_000, 5_000, 10_000, 25_000)
BATCH_CHOICES = (16, 32, 64, 128, 256, 512)
LR_CHOICES = (1e-4, 3e-4, 1e-3, 2e-3, 5e-3, 1e-2)
MISCLASSIFIED_SHOWN = 4
REVIEW_LIMIT = 50_000  # characters of a typed review that are read
DEFAULT_PRESET = presets.FAST_POOL.name

# widget key -> the value a preset gives it
FIELDS = {
    "lab_vocab": lambda p: p.model.vocab_size,
    "lab_embed": lambda p: p.model.embed_dim,
    "lab_mask": lambda p: p.model.mask_zero,
    "lab_body": lambda p: p.model.body,
    "lab_units": lambda p: p.model.units,
    "lab_layers": lambda p: p.model.layers,
    "lab_bi": lambda p: p.model.bidirectional,
    "lab_dropout": lambda p: p.model.dropout,
    "lab_dense": lambda p: p.model.dense_units,
    "lab_maxlen": lambda p: p.imdb.maxlen,
    "lab_padding": lambda p: p.imdb.padding,
    "lab_truncating": lambda p: p.imdb.truncating,
    "lab_train_size": lambda p: p.train.train_size or 25_000,
    "lab_val": lambda p: p.train.validation_split,
    "lab_epochs": lambda p: p.train.epochs,
    "lab_batch": lambda p: p.train.batch_size,
    "lab_lr": lambda p: p.train.learning_rate,
    "lab_patience": lambda p: p.train.early_stopping_patience,
    "lab_bucketing": lambda p: p.train.bucketing,
    "lab_seed": lambda p: p.train.seed,
}


def apply_preset() -> None:
    preset = presets.PRESETS[st.session_state["lab_preset"]]
    for key, value_of in FIELDS.items():
        st.session_state[key] = value_of(preset)


def read_settings() -> tuple[data.ImdbConfig, models.ModelConfig, training.TrainConfig]:
    s = st.session_state
    recurrent = s["lab_body"] != "pool"
    model = models.ModelConfig(
        vocab_size=s["lab_vocab"], embed_dim=s["lab_embed"], mask_zero=s["lab_mask"],
        body=s["lab_body"], units=s["lab_units"] if recurrent else 64,
        layers=s["lab_layers"] if recurrent else 1,
        bidirectional=s["lab_bi"] if recurrent else False,
        dropout=s["lab_dropout"], dense_units=s["lab_dense"],
    )
    train = training.TrainConfig(
        epochs=s["lab_epochs"], batch_size=s["lab_batch"], learning_rate=s["lab_lr"],
        validation_split=s["lab_val"],
        train_size=None if s["lab_train_size"] >= 25_000 else s["lab_train_size"],
        early_stopping_patience=s["lab_patience"], bucketing=s["lab_bucketing"],
        seed=int(s["lab_seed"]), time_limit=lab.MAX_SECONDS,
    )
    imdb = data.ImdbConfig(num_words=s["lab_vocab"], maxlen=s["lab_maxlen"],
                           padding=s["lab_padding"], truncating=s["lab_truncating"])
    return imdb, model, train


# --------------------------------------------------------------------------- charts


def curves_figure(history: dict, title: str = "", epochs: int | None = None) -> go.Figure:
    """Loss and accuracy per epoch, training and validation; best epoch and gap marked."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("Loss · 损失", "Accuracy · 准确率"))
    n = len(history.get("loss", []))
    x = list(range(1, n + 1))
    styles = {"loss": ("training", "#1f77b4", "solid"),
              "val_loss": ("validation", "#d62728", "solid"),
              "accuracy": ("training", "#1f77b4", "solid"),
              "val_accuracy": ("validation", "#d62728", "solid")}
    for key, (name, color, dash) in styles.items():
        values = [None if (v is None or math.isnan(v)) else v for v in history.get(key, [])]
        if not any(v is not None for v in values):
            continue
        col = 1 if "loss" in key else 2
        fig.add_trace(
            go.Scatter(x=x, y=values, name=f"{name} · {'训练' if name == 'training' else '验证'}",
                       mode="lines+markers", line={"color": color, "dash": dash},
                       legendgroup=name, showlegend=col == 1),
            row=1, col=col,
        )
    best = training.best_epoch(history)
    if best:
        for col in (1, 2):
            fig.add_vline(x=best, line={"dash": "dot", "color": "green"}, row=1, col=col)
        fig.add_annotation(x=best, y=0.0, yref="y2 domain", xref="x2", showarrow=False,
                           text=f" best val epoch {best}", font={"color": "green"},
                           xanchor="left", yanchor="bottom")
    gap = training.overfitting_gap(history)
    if n and not math.isnan(gap):
        fig.add_annotation(
            x=n, y=history["val_accuracy"][-1], xref="x2", yref="y2", ax=-60, ay=40,
            text=f"gap {gap:+.3f}", showarrow=True, arrowcolor="#d62728",
        )
    fig.update_xaxes(title_text="epoch · 轮次", range=[0.5, max(epochs or n, n, 1) + 0.5])
    fig.update_layout(title=title, height=360)
    return fig


def confusion_figure(matrix: np.ndarray) -> go.Figure:
    labels = ["negative · 负面", "positive · 正面"]
    fig = go.Figure(go.Heatmap(
        z=matrix, x=labels, y=labels, colorscale="Blues", showscale=False, text=matrix,
        texttemplate="%{text:,}",
    ))
    fig.update_yaxes(autorange="reversed", title_text="true · 真实")
    fig.update_xaxes(title_text="predicted · 预测")
    fig.update_layout(title="Confusion matrix · 混淆矩阵", height=340)
    return fig


# --------------------------------------------------------------------------- training


STAGES = {  # the lab's stages after training, as the progress bar says them
    training.SCORING: "Scoring the test reviews · 测试",
    lab.SAVING: "Saving the run · 保存",
}


def start_training(spec: lab.LabSpec) -> None:
    """This session's run, as a live job."""
    ui.start_job(JOB_KEY, lab.train_and_save, spec, spec.train.epochs)


def live_label(snap: live.Snapshot) -> str:
    if snap.phase == live.Phase.FINISHING:
        return STAGES.get(snap.stage, snap.stage)
    return ui.live_label(snap)


def live_curves(snap: live.Snapshot) -> None:
    history = {key: snap.series(key) for key in training.HISTORY_KEYS}
    ui.chart(curves_figure(history, "Live training · 实时训练", snap.epochs))


def show_results(job: live.Job) -> None:
    if job.error is not None:
        st.error(f"Training failed: {job.error}")
        return
    outcome: lab.LabOutcome = job.result
    result, spec = outcome.result, outcome.spec
    preset = presets.PRESETS.get(spec.preset)
    how = (f"stopped by you after {result.epochs_run} full epoch(s)" if result.stopped
           else "stopped early (validation loss stopped improving)" if result.early_stopped
           else f"{result.epochs_run} epochs")
    if result.timed_out:
        how = (f"ended by the {lab.MAX_SECONDS // 60}-minute limit after {result.epochs_run} "
               "epochs")
    st.success(f"Trained in {result.seconds:.1f} s ({how}); saved as run "
               f"`{outcome.run_id}`.")
    cols = st.columns(4)
    lesson = presets.lesson_accuracy_for(preset) if preset else None
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
    ui.chart(curves_figure(result.history, "Training curves · 训练曲线", result.epochs_run))
    st.caption(
        "The green line marks the epoch with the lowest validation loss. When training "
        "accuracy keeps rising after it while validation falls, the model is learning the "
        "training reviews by heart: the gap the lesson warns about (overfitting · 过拟合)."
    )

    imdb_data = ui.imdb(spec.imdb)
    y_test = imdb_data.y_test[:spec.test_reviews]
    probabilities = outcome.probabilities
    left, right = st.columns([2, 3])
    with left:
        ui.chart(confusion_figure(training.confusion(y_test, probabilities)))
    with right:
        st.markdown("**Misclassified test reviews · 分错的评论** (most confident mistakes, as "
                    "the model saw them)")
        wrong = np.flatnonzero((probabilities > 0.5) != (y_test > 0))
        worst = wrong[np.argsort(-np.abs(probabilities[wrong] - 0.5))][:MISCLASSIFIED_SHOWN]
        vocabulary = imdb_data.vocabulary
        for i in worst:
            words = " ".join(vocabulary.token_of(int(t)) for t in imdb_data.x_test[i] if t)
            truth = "positive" if y_test[i] else "negative"
            st.html(
                f"<div style='font-size:0.9em;margin-bottom:0.6em'><b>true {truth}, "
                f"P(positive) = {probabilities[i]:.2f}</b><br>"
                f"{html.escape(words[:700])}{'…' if len(words) > 700 else ''}</div>"
            )
        if not len(worst):
            st.write("None: every test review was classified right.")
    with st.expander("model.summary()"):
        st.code(outcome.summary, language="text")
    try_a_review(outcome.model, spec.imdb, imdb_data.vocabulary)


def try_a_review(model, imdb_config: data.ImdbConfig, vocabulary: data.Vocabulary) -> None:
    st.markdown("**Try a review · 试一试** (English; words outside the vocabulary become "
                "`<UNK>`)")
    text = st.text_area("Your review", key="lab_review", max_chars=REVIEW_LIMIT,
                        placeholder="The acting was wonderful but the plot made no sense…")
    if not text.strip():
        return
    form = reviews.InputFormat(vocabulary, imdb_config.maxlen, imdb_config.padding,
                               imdb_config.truncating)  # as the run's training arrays
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


# --------------------------------------------------------------------------- runs


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
    table = pd.DataFrame([{
        "current": "✓" if r.run_id == current else "",
        "name": r.name,
        "architecture": r.architecture,
        "parameters": r.parameters,
        "maxlen": r.data.get("maxlen"),
        "seconds": round(r.seconds, 1),
        "epochs": r.epochs_run,
        "best val acc": round(r.best_val_accuracy, 4),
        "test acc": round(r.test_accuracy, 4),
        "stopped": "yes" if r.stopped else "",
        "run id": r.run_id,
    } for r in records])
    st.dataframe(table, hide_index=True, width="stretch")
    by_id = {r.run_id: r for r in records}
    chosen = st.multiselect("Overlay the curves of · 叠加曲线", list(by_id),
                            default=list(by_id)[:3], format_func=lambda i: by_id[i].label())
    # no key: when a new run appears the default (the newest three) is shown again
    if chosen:
        fig = make_subplots(rows=1, cols=2, subplot_titles=(
            "Validation loss · 验证损失", "Validation accuracy · 验证准确率"))
        for i, run_id in enumerate(chosen):
            record = by_id[run_id]
            color = ui_color(i)
            x = list(range(1, record.epochs_run + 1))
            for col, key in ((1, "val_loss"), (2, "val_accuracy")):
                fig.add_trace(go.Scatter(
                    x=x, y=record.history.get(key, []), name=f"{record.name[:30]} · {run_id[-6:]}",
                    legendgroup=run_id, showlegend=col == 1, mode="lines+markers",
                    line={"color": color}), row=1, col=col)
        fig.update_xaxes(title_text="epoch · 轮次")
        fig.update_layout(height=360)
        ui.chart(fig)
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
        st.caption(f"Current model for the other pages: {by_id[current].label()}")


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


def ui_color(i: int) -> str:
    palette = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2")
    return palette[i % len(palette)]


# --------------------------------------------------------------------------- the page

st.title("Sentiment lab: train live · 实时训练")
st.write(
    "Build a model from blocks, train it on the real IMDB reviews (20,000 to learn from, "
    "5,000 to validate, 25,000 to test) and watch it learn. Start from one of the lesson's "
    "models, see the SimpleRNN fail, then fix it and beat the lesson's numbers in seconds."
)

if "lab_preset" not in st.session_state:
    st.session_state["lab_preset"] = DEFAULT_PRESET
if any(key not in st.session_state for key in FIELDS):
    apply_preset()

st.header("1 · Presets · 预设")
st.selectbox("Start from · 从预设开始", list(presets.PRESETS), key="lab_preset",
             on_change=apply_preset)
preset = presets.PRESETS[st.session_state["lab_preset"]]
st.write(preset.why)
lesson_rows = []
past, _ = runs.RunStore().list()
for p in presets.PRESETS.values():
    mine = [r.test_accuracy for r in past if r.preset == p.name and not math.isnan(
        r.test_accuracy)]
    lesson_rows.append({
        "preset": p.name,
        "lesson's test accuracy": p.lesson_accuracy,
        "your best test accuracy": max(mine) if mine else None,
        "recipe": f"maxlen {p.imdb.maxlen}, '{p.imdb.padding}', {p.train.epochs} epochs, "
                  f"batch {p.train.batch_size}" + (", bucketing" if p.train.bucketing else ""),
    })
st.dataframe(pd.DataFrame(lesson_rows), hide_index=True, width="stretch")

st.header("2 · Build the model · 搭建模型")
embed_col, body_col, head_col = st.columns(3)
with embed_col:
    st.markdown("**Embedding · 嵌入层**")
    st.select_slider("Vocabulary size (num_words)", VOCAB_CHOICES, key="lab_vocab")
    st.slider("Embedding dimension", 2, 128, key="lab_embed")
    st.checkbox("mask_zero (skip the <PAD> steps)", key="lab_mask")
with body_col:
    st.markdown("**Body · 主体**")
    st.selectbox("Layer", models.BODIES, key="lab_body",
                 format_func=models.body_name)
    is_rnn = st.session_state["lab_body"] != "pool"
    st.slider("Units", 4, 128, step=4, key="lab_units", disabled=not is_rnn)
    st.slider("Stacked layers", 1, 3, key="lab_layers", disabled=not is_rnn,
              help="return_sequences=True is set for every layer but the last.")
    st.checkbox("Bidirectional · 双向", key="lab_bi", disabled=not is_rnn)
with head_col:
    st.markdown("**Head · 输出**")
    st.slider("Dropout after the body", 0.0, 0.7, step=0.05, key="lab_dropout")
    st.select_slider("Dense units (relu)", DENSE_CHOICES, key="lab_dense")
    st.caption("→ Dense(1, sigmoid): P(positive)")

st.header("3 · Data and training · 数据与训练")
d1, d2, d3, d4 = st.columns(4)
with d1:
    st.slider("Max length (tokens)", 20, 500, step=10, key="lab_maxlen")
    st.radio("Padding", ("pre", "post"), key="lab_padding", horizontal=True)
    st.radio("Truncating", ("pre", "post"), key="lab_truncating", horizontal=True)
with d2:
    st.select_slider("Training reviews", TRAIN_CHOICES, key="lab_train_size")
    st.slider("Validation split", 0.05, 0.4, step=0.05, key="lab_val")
    st.select_slider("Test reviews scored", TEST_CHOICES, value=25_000, key="lab_test")
with d3:
    st.slider("Epochs", 1, 30, key="lab_epochs")
    st.select_slider("Batch size", BATCH_CHOICES, key="lab_batch")
    st.select_slider("Learning rate (Adam)", LR_CHOICES, key="lab_lr")
with d4:
    st.slider("Early stopping patience (0 = off)", 0, 5, key="lab_patience")
    st.checkbox("Bucketing: pad each batch only to its longest review", key="lab_bucketing")
    st.number_input("Seed", 0, 9_999, step=1, key="lab_seed")

imdb_config, model_config, train_config = read_settings()
preset_name = preset.name if preset.matches(imdb_config, model_config, train_config) else ""
if not preset_name:
    st.caption(f"Changed from the preset “{preset.name}”: the run is saved as your own model.")

imdb_data = None
try:
    imdb_data = ui.imdb(imdb_config)
except data.DataUnavailable as error:
    ui.data_missing(error)

if imdb_data is not None:
    cost = lab.budget(imdb_data, model_config, train_config)
    m1, m2, m3, m4 = st.columns(4)
    m1.metric("Parameters · 参数量", f"{models.parameter_count(model_config):,}")
    m2.metric("Estimated time · 预计时间", f"≈ {cost.seconds:,.0f} s" if cost.seconds < 120
              else f"≈ {cost.seconds / 60:,.0f} min")
    m3.metric("Steps per batch · 每批步数", f"{cost.mean_width:.0f}",
              help="Mean padded length of a training batch: bucketing makes it small.")
    m4.metric("Reviews to learn from · 训练评论", f"{cost.reviews:,}")
    st.caption(models.describe(model_config))
    refused = cost.verdict == lab.Verdict.REFUSE
    if cost.reason == lab.Reason.TOO_SLOW:
        st.error(f"This set-up would train for over {cost.limit / 60:.0f} minutes on this "
                 "machine: lower the epochs, units, layers or max length, or switch on "
                 "bucketing.")
    elif cost.reason == lab.Reason.TOO_MUCH_MEMORY:
        st.error(f"One batch would need about {cost.memory_bytes / 1e9:.1f} GB (the limit is "
                 f"{cost.limit / 1e9:.1f} GB): lower the batch size, units, layers or max "
                 "length.")
    elif cost.reason == lab.Reason.SLOW:
        st.warning(f"This run takes about {cost.seconds / 60:.0f} minutes here; the lesson's "
                   "recipes are slow on purpose, so you can compare. The “Fast” presets "
                   "show how to get there in seconds.")

    job = st.session_state.get(JOB_KEY)
    running = job is not None and job.running
    spec = lab.LabSpec(imdb_config, model_config, train_config, preset_name,
                       st.session_state["lab_test"])
    if st.button("▶ Train · 开始训练", type="primary", key="lab_train",
                 disabled=refused or running):
        start_training(spec)
        st.rerun()  # draw the page again with the job (and this button disabled)
    if job is not None:
        st.header("4 · Training · 训练过程")
        if job.running:
            ui.live_panel(job, "lab", draw=live_curves, label=live_label)
        else:
            show_results(job)

runs_section()

ui.notice(
    "the lesson's SimpleRNN with padding='post' sits at 0.50 because its final state has "
    "read hundreds of <PAD> steps since the last word; padding 'pre' with masking fixes it. "
    "Most of the lesson's LSTM time is spent on padding: cut each batch to its longest "
    "review and the same accuracy comes in seconds. Watch the green best-epoch line: after "
    "it, training accuracy climbs while validation does not."
)
