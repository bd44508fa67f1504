"""Transfer learning: random vs frozen vs fine-tuned GloVe when reviews are scarce."""

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from explainers import data, embeddings, live, transfer
from pages import ui

RESULTS_KEY = "transfer_results"  # session state: {TransferConfig: {way: WayResult}}
JOB_KEY = "transfer_job"  # session state: the live.Job training the three ways
CONFIG_KEY = "transfer_job_config"  # session state: the TransferConfig that job trains
COLOURS = {"random": "#7f7f7f", "frozen": "#1f77b4", "finetuned": "#d62728"}
SECONDS_PER_BATCH = 0.015  # measured on 2 busy CPU cores, pooling model, batch 32
SECONDS_PER_MODEL = 3  # building, tracing and testing each model
ORDER = tuple(transfer.WAYS)  # the order run_transfer trains them in


def start_training(config: transfer.TransferConfig) -> None:
    """The three ways as this session's live job."""
    if ui.start_job(JOB_KEY, transfer.train_three_ways, config, len(ORDER) * config.epochs):
        st.session_state[CONFIG_KEY] = config


def way_label(snap: live.Snapshot, epochs: int) -> str:
    """The progress bar's words: which way, which of its epochs, which batch."""
    if snap.phase == live.Phase.FINISHING and snap.records:
        return f"{transfer.WAYS[snap.records[-1].note]}: {ui.live_label(snap)}"
    if snap.phase != live.Phase.RUNNING or not snap.batches:
        return ui.live_label(snap)
    way = ORDER[min(snap.epoch // epochs, len(ORDER) - 1)]
    return (f"{transfer.WAYS[way]}: epoch {snap.epoch % epochs + 1} of {epochs} · batch "
            f"{snap.batch} of {snap.batches}")


def accuracy_figure(histories: dict[str, dict[str, list[float]]]) -> go.Figure:
    """Validation (solid) and training (dotted) accuracy per epoch of each way."""
    curves = go.Figure()
    for way, history in histories.items():
        x = list(range(1, len(history["val_accuracy"]) + 1))
        curves.add_trace(go.Scatter(x=x, y=history["val_accuracy"], mode="lines+markers",
                                    name=f"{transfer.WAYS[way]} · validation",
                                    line={"color": COLOURS[way]}))
        curves.add_trace(go.Scatter(x=x, y=history["accuracy"], mode="lines",
                                    name=f"{transfer.WAYS[way]} · training",
                                    line={"color": COLOURS[way], "dash": "dot"}))
    curves.update_layout(title="Accuracy per epoch (solid: validation, dotted: training)",
                         xaxis_title="epoch", yaxis_title="accuracy",
                         legend={"orientation": "h", "y": -0.25})
    return curves


def live_curves(snap: live.Snapshot) -> None:
    histories = {
        way: {key: [r.metrics.get(key) for r in snap.records if r.note == way]
              for key in ("accuracy", "val_accuracy")}
        for way in ORDER if any(r.note == way for r in snap.records)
    }
    if histories:
        ui.chart(accuracy_figure(histories), height=420)

st.title("Transfer learning · 迁移学习")
st.caption("The same small IMDB model, trained three ways on a handful of reviews.")

st.markdown(
    "The model is the lesson's: **Embedding(10000, 50) → average pooling → Dense(16, relu) "
    "→ Dense(1, sigmoid)**, with <PAD> masked. Only its Embedding's starting point and "
    "whether it may change differ:\n"
    "1. **Random embedding** — every word starts as small random numbers and is learned "
    "from these reviews alone;\n"
    "2. **GloVe, frozen** — rows copied from GloVe (trained on 6 billion words of Wikipedia "
    "and news) and never changed: only the 833 weights of the head learn;\n"
    "3. **GloVe, fine-tuned** — rows copied from GloVe, then adjusted to the reviews."
)

try:
    glove = ui.glove().vectors
except embeddings.GloveUnavailable as error:
    ui.data_missing(error)
    glove = None
try:
    imdb = ui.imdb(data.ImdbConfig())
except data.DataUnavailable as error:
    ui.data_missing(error)
    imdb = None

cols = st.columns(3)
n_train = cols[0].slider("Training reviews", 500, 5_000, transfer.TransferConfig.train_reviews,
                         500, help="Taken from the start of the (shuffled, balanced) split.")
epochs = cols[1].slider("Epochs", 3, 30, transfer.TransferConfig.epochs)
config = transfer.TransferConfig(train_reviews=n_train, epochs=epochs)
batches = 3 * epochs * math.ceil(n_train / config.batch_size)
expected = batches * SECONDS_PER_BATCH + 3 * SECONDS_PER_MODEL
cols[2].metric("Expected time, all three", f"~{expected:.0f} s")
st.caption(f"Validation: {config.validation_reviews:,} fixed training reviews the models never "
           f"train on; test: the first {config.test_reviews:,} test reviews.")

results = st.session_state.setdefault(RESULTS_KEY, {})
job = st.session_state.get(JOB_KEY)
if job is not None and not job.running:  # it ended: keep what it trained, or say why not
    del st.session_state[JOB_KEY]
    if job.error is None:
        results[st.session_state[CONFIG_KEY]] = job.result
    elif job.error.kind == "ValueError":
        st.error(f"Cannot train on this data: {job.error.message}")
    else:
        st.error(f"Training failed: {job.error}")
    job = None
found = results.get(config)
complete = bool(found) and len(found) == len(ORDER) and not any(
    r.stopped for r in found.values())
if imdb is not None and glove is not None:
    matrix, coverage = transfer.glove_matrix(imdb.vocabulary, glove)
    subset = imdb.x_train[:n_train]
    unseen = transfer.unseen_share(subset, imdb.x_test[:config.test_reviews])
    seen_words = int(np.unique(subset[subset > data.UNUSED]).size)
    st.markdown(
        f"GloVe has a vector for **{coverage:.1%}** of the model's "
        f"{len(imdb.vocabulary.words):,} words; these {n_train:,} training reviews use only "
        f"**{seen_words:,}** of them. In the test reviews, **{unseen:.1%}** of the word "
        "tokens are words the training reviews never show: a model learned from scratch "
        "keeps random vectors for them, while GloVe already places them."
    )
    if job is not None:
        trained = st.session_state[CONFIG_KEY]
        ui.live_panel(job, "transfer", draw=live_curves,
                      label=lambda snap: way_label(snap, trained.epochs))
    elif not complete:
        if st.button("Train the three ways", type="primary"):
            start_training(config)
            st.rerun()  # draw the page again with the job instead of the button

if found:
    metric_cols = st.columns(3)
    for col, (way, result) in zip(metric_cols, found.items(), strict=False):
        col.metric(transfer.WAYS[way], f"{result.test_accuracy:.1%}",
                   help=f"test accuracy on {config.test_reviews:,} reviews")
        col.caption(f"{result.trainable:,} trainable, {result.frozen:,} frozen weights · "
                    f"{result.seconds:.0f} s")
    curves = accuracy_figure({way: result.history for way, result in found.items()})
    ui.chart(curves, height=520)
    table = pd.DataFrame([
        {"way": transfer.WAYS[w],
         "validation after epoch 1": (r.history["val_accuracy"] or [math.nan])[0],
         "best validation": transfer.best_val(r), "test accuracy": r.test_accuracy,
         "test loss": r.test_loss, "seconds": round(r.seconds, 1)}
        for w, r in found.items()
    ])
    st.dataframe(table, hide_index=True)
    best = max(found, key=lambda w: found[w].test_accuracy)
    if complete:
        st.markdown(
            f"With {n_train:,} reviews, **{transfer.WAYS[best]}** scores best on the test "
            "reviews. Move the slider and train again: earlier runs stay in this session, so "
            "going back to a size shows its results without retraining."
        )
    else:
        kept = ", ".join(f"{transfer.WAYS[w]} ({'stopped after ' if r.stopped else ''}"
                         f"{len(r.history['val_accuracy'])} epoch(s))" for w, r in found.items())
        st.warning(f"You stopped the training. Kept, each scored as trained so far: {kept}. "
                   "Press **Train the three ways** to train them all.")
    st.markdown(
        "**Why pretrained embeddings help when data is scarce.** In a few hundred reviews "
        "most words occur only once or twice, so a random embedding learns little about "
        "them, and nothing about the words it never saw. GloVe learned from billions of "
        "words that *dreadful* sits near *awful*, so a review using a word the training "
        "set lacks still lands in the right place. **Frozen** GloVe can only use the "
        "directions GloVe happened to learn (and in GloVe, *good* and *bad* are neighbours, "
        "because they appear in the same places), so its head has little to work with; "
        "**fine-tuning** keeps GloVe's head start and then moves the sentiment words apart. "
        "On IMDB a random embedding often keeps up, or wins, even with few reviews: the "
        "sentiment hangs on a few frequent words (*great*, *bad*, *worst*) that every "
        "training subset contains, while an average of GloVe vectors dilutes them among the "
        "words about the film's topic."
    )
elif imdb is not None and glove is not None and job is None:
    st.info("Press **Train the three ways** to train and compare them on these settings.")

ui.notice(
    "the three models differ only in where the Embedding starts and whether it may move; "
    "see which wins at 500 reviews and which at 5,000, and how far frozen GloVe lags when "
    "its general-purpose vectors cannot bend towards sentiment."
)
