"""Transfer learning: random vs frozen vs fine-tuned GloVe when reviews are scarce.

The three trainings run one after another as one live job of this session
(`transfer.train_three_ways`); what they trained is kept per setting for the session, so
going back to a setting shows its results without training again.
"""

import math

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from explainers import data, live, transfer
from explainers.embeddings import WordVectors
from lessons import ui
from lessons.widgets import jobs

RESULTS_KEY = "transfer_results"  # session state: {TransferConfig: {way: WayResult}}
JOB_KEY = "transfer_job"  # session state: the live.Job training the three ways
CONFIG_KEY = "transfer_job_config"  # session state: the TransferConfig that job trains
TRAIN_LABEL = "Train the three ways"
COLOURS = {"random": "#7f7f7f", "frozen": "#1f77b4", "finetuned": "#d62728"}
ORDER = tuple(transfer.WAYS)  # the order run_transfer trains them in


def way_label(snap: live.Snapshot, epochs: int) -> str:
    """The progress bar's words: which way, which of its epochs, which batch."""
    if snap.phase == live.Phase.FINISHING and snap.records:
        return f"{transfer.WAYS[snap.records[-1].note]}: {jobs.live_label(snap)}"
    if snap.phase != live.Phase.RUNNING or not snap.batches:
        return jobs.live_label(snap)
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


def results_table(found: dict[str, transfer.WayResult]) -> pd.DataFrame:
    return pd.DataFrame([
        {"way": transfer.WAYS[w],
         "validation after epoch 1": (r.history["val_accuracy"] or [math.nan])[0],
         "best validation": transfer.best_val(r), "test accuracy": r.test_accuracy,
         "test loss": r.test_loss, "seconds": round(r.seconds, 1)}
        for w, r in found.items()
    ])


def intro_section() -> None:
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


def settings_section() -> transfer.TransferConfig:
    cols = st.columns(3)
    n_train = cols[0].slider("Training reviews", 500, 5_000,
                             transfer.TransferConfig.train_reviews, 500, key="transfer_reviews",
                             help="Taken from the start of the (shuffled, balanced) split.")
    epochs = cols[1].slider("Epochs", 3, 30, transfer.TransferConfig.epochs,
                            key="transfer_epochs")
    config = transfer.TransferConfig(train_reviews=n_train, epochs=epochs)
    cols[2].metric("Expected time, all three", f"~{transfer.estimate_seconds(config):.0f} s")
    st.caption(f"Validation: {config.validation_reviews:,} fixed training reviews the models "
               f"never train on; test: the first {config.test_reviews:,} test reviews.")
    return config


def kept_results(config: transfer.TransferConfig) -> dict[str, transfer.WayResult]:
    """This session's results for `config` (empty if none), after keeping those of a job
    that has just ended, or saying why it failed."""
    results = st.session_state.setdefault(RESULTS_KEY, {})
    job = st.session_state.get(JOB_KEY)
    if job is not None and not job.running:
        del st.session_state[JOB_KEY]
        if job.error is None:
            results[st.session_state[CONFIG_KEY]] = job.result
        elif job.error.kind == "ValueError":
            st.error(f"Cannot train on this data: {job.error.message}")
        else:
            jobs.failed(job.error)
    return results.get(config, {})


def complete(found: dict[str, transfer.WayResult]) -> bool:
    """All three ways trained to the end (none stopped)."""
    return len(found) == len(ORDER) and not any(r.stopped for r in found.values())


def training_section(imdb: data.ImdbData, glove: WordVectors, config: transfer.TransferConfig,
                     found: dict[str, transfer.WayResult]) -> None:
    """What these reviews lack and GloVe brings; then the live job, or the button."""
    seen = transfer.scarcity(config, imdb, glove)
    st.markdown(
        f"GloVe has a vector for **{seen.glove_coverage:.1%}** of the model's "
        f"{seen.vocabulary:,} words; these {config.train_reviews:,} training reviews use only "
        f"**{seen.seen_words:,}** of them. In the test reviews, **{seen.unseen_share:.1%}** of "
        "the word tokens are words the training reviews never show: a model learned from "
        "scratch keeps random vectors for them, while GloVe already places them."
    )
    job = st.session_state.get(JOB_KEY)
    if job is not None:
        trained = st.session_state[CONFIG_KEY]
        jobs.live_panel(job, "transfer", draw=live_curves,
                      label=lambda snap: way_label(snap, trained.epochs))
    elif not complete(found):
        if st.button(TRAIN_LABEL, type="primary", key="transfer_train"):
            if jobs.start_job(JOB_KEY, transfer.train_three_ways, config,
                            len(ORDER) * config.epochs):
                st.session_state[CONFIG_KEY] = config
            st.rerun()  # draw the page again with the job instead of the button
    if not found and job is None:
        st.info(f"Press **{TRAIN_LABEL}** to train and compare them on these settings.")


def results_section(config: transfer.TransferConfig,
                    found: dict[str, transfer.WayResult]) -> None:
    metric_cols = st.columns(3)
    for col, (way, result) in zip(metric_cols, found.items(), strict=False):
        col.metric(transfer.WAYS[way], f"{result.test_accuracy:.1%}",
                   help=f"test accuracy on {config.test_reviews:,} reviews")
        col.caption(f"{result.trainable:,} trainable, {result.frozen:,} frozen weights · "
                    f"{result.seconds:.0f} s")
    ui.chart(accuracy_figure({way: result.history for way, result in found.items()}),
             height=520)
    st.dataframe(results_table(found), hide_index=True)
    if complete(found):
        best = max(found, key=lambda w: found[w].test_accuracy)
        st.markdown(
            f"With {config.train_reviews:,} reviews, **{transfer.WAYS[best]}** scores best on "
            "the test reviews. Move the slider and train again: earlier runs stay in this "
            "session, so going back to a size shows its results without retraining."
        )
    else:
        kept = ", ".join(f"{transfer.WAYS[w]} ({'stopped after ' if r.stopped else ''}"
                         f"{len(r.history['val_accuracy'])} epoch(s))" for w, r in found.items())
        st.warning(f"You stopped the training. Kept, each scored as trained so far: {kept}. "
                   f"Press **{TRAIN_LABEL}** to train them all.")
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


intro_section()
glove = ui.available(ui.glove)
imdb = ui.available(ui.imdb, data.ImdbConfig())
config = settings_section()
found = kept_results(config)
if imdb is not None and glove is not None:
    training_section(imdb, glove.vectors, config, found)
if found:
    results_section(config, found)
ui.notice(
    "the three models differ only in where the Embedding starts and whether it may move; "
    "see which wins at 500 reviews and which at 5,000, and how far frozen GloVe lags when "
    "its general-purpose vectors cannot bend towards sentiment."
)
