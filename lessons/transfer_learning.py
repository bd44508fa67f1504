"""Transfer learning: random vs frozen vs fine-tuned GloVe when reviews are scarce.

The three trainings run one after another as one live job of this session
(`transfer.train_three_ways`); what they trained is kept per setting for the session, so
going back to a setting shows its results without training again. The settings and the
curves come first (the page's main picture), the explanations after them.
"""

import math

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from explainers import data, live, transfer
from explainers.embeddings import WordVectors
from lessons import links, ui
from lessons.i18n import N_, _, explain
from lessons.widgets import jobs

RESULTS_KEY = "transfer_results"  # session state: {TransferConfig: {way: WayResult}}
JOB_KEY = "transfer_job"  # session state: the live.Job training the three ways
CONFIG_KEY = "transfer_job_config"  # session state: the TransferConfig that job trains
REVIEWS_KEY = "transfer_reviews"  # the training-size slider
EPOCHS_KEY = "transfer_epochs"  # the epochs slider
REVIEWS = (500, 5_000, 500)  # the slider's range and step: scarce to plenty, ~15 s to ~2 min
EPOCHS = (3, 30)  # the slider's range: the random embedding needs ~10 to level off
TRAIN_LABEL = N_("Train the three ways")
COLOURS = {"random": "#7f7f7f", "frozen": "#1f77b4", "finetuned": "#d62728"}
ORDER = tuple(transfer.WAYS)  # the order run_transfer trains them in
CURVES_HEIGHT = 420  # px (x1.3 in projector mode): the curves under the settings, first screen

LINK = links.Link(  # ?reviews=500&epochs=10
    links.choice("reviews", REVIEWS_KEY, range(REVIEWS[0], REVIEWS[1] + 1, REVIEWS[2])),
    links.number("epochs", EPOCHS_KEY, *EPOCHS),
)


def way_label(snap: live.Snapshot, epochs: int) -> str:
    """The progress bar's words: which way, which of its epochs, which batch."""
    if snap.phase == live.Phase.FINISHING and snap.records:
        return _("{way}: {progress}", way=_(transfer.WAYS[snap.records[-1].note]),
                 progress=jobs.live_label(snap))
    if snap.phase != live.Phase.RUNNING or not snap.batches:
        return jobs.live_label(snap)
    way = ORDER[min(snap.epoch // epochs, len(ORDER) - 1)]
    return _("{way}: epoch {epoch} of {epochs} · batch {batch} of {batches}",
             way=_(transfer.WAYS[way]), epoch=snap.epoch % epochs + 1, epochs=epochs,
             batch=snap.batch, batches=snap.batches)


def accuracy_figure(histories: dict[str, dict[str, list[float]]]) -> go.Figure:
    """Validation (solid) and training (dotted) accuracy per epoch of each way; one legend
    entry per way (it shows or hides both of its curves)."""
    curves = go.Figure()
    for way, history in histories.items():
        x = list(range(1, len(history["val_accuracy"]) + 1))
        name = _(transfer.WAYS[way])
        curves.add_trace(go.Scatter(
            x=x, y=history["val_accuracy"], mode="lines+markers", legendgroup=way, name=name,
            line={"color": COLOURS[way]},
            hovertemplate=_("{way} · validation", way=name) + ": %{y:.3f}<extra></extra>"))
        curves.add_trace(go.Scatter(
            x=x, y=history["accuracy"], mode="lines", legendgroup=way, name=name,
            showlegend=False, line={"color": COLOURS[way], "dash": "dot"},
            hovertemplate=_("{way} · training", way=name) + ": %{y:.3f}<extra></extra>"))
    epochs = max((len(h["val_accuracy"]) for h in histories.values()), default=0)
    curves.update_layout(title=_("Accuracy per epoch (solid: validation, dotted: training)"),
                         xaxis_title=_("epoch"), yaxis_title=_("accuracy"),
                         xaxis={"tick0": 1, "dtick": 1 if epochs <= 15 else 5},  # whole epochs
                         legend={"orientation": "h", "y": -0.2})
    return curves


def live_curves(snap: live.Snapshot) -> None:
    histories = {
        way: {key: [r.metrics.get(key) for r in snap.records if r.note == way]
              for key in ("accuracy", "val_accuracy")}
        for way in ORDER if any(r.note == way for r in snap.records)
    }
    if histories:
        ui.chart(accuracy_figure(histories), height=CURVES_HEIGHT)


def results_table(found: dict[str, transfer.WayResult]) -> pd.DataFrame:
    return pd.DataFrame([
        {_("way"): _(transfer.WAYS[w]),
         _("validation after epoch 1"): (r.history["val_accuracy"] or [math.nan])[0],
         _("best validation"): transfer.best_val(r), _("test accuracy"): r.test_accuracy,
         _("test loss"): r.test_loss, _("seconds"): round(r.seconds, 1)}
        for w, r in found.items()
    ])


def intro_section() -> None:
    st.title(_("Transfer learning"))
    st.caption(_("The same small IMDB model, trained three ways on a handful of reviews."))
    ui.lesson_says("transfer")


def settings_section() -> tuple[transfer.TransferConfig, DeltaGenerator]:
    """The settings in one row; returns them and the row's last cell, for the button."""
    cols = st.columns([3, 3, 2, 2], vertical_alignment="bottom")
    st.session_state.setdefault(REVIEWS_KEY, transfer.TransferConfig.train_reviews)
    st.session_state.setdefault(EPOCHS_KEY, transfer.TransferConfig.epochs)
    n_train = cols[0].slider(_("Training reviews"), REVIEWS[0], REVIEWS[1], step=REVIEWS[2],
                             key=REVIEWS_KEY,
                             help=_("Taken from the start of the (shuffled, balanced) split."))
    epochs = cols[1].slider(_("Epochs"), *EPOCHS, key=EPOCHS_KEY)
    config = transfer.TransferConfig(train_reviews=n_train, epochs=epochs)
    cols[2].metric(_("Expected time, all three"),
                   _("~{seconds:.0f} s", seconds=transfer.estimate_seconds(config)))
    st.caption(_("Validation: {validation:,} fixed training reviews the models never train on; "
                 "test: the first {test:,} test reviews.", validation=config.validation_reviews,
                 test=config.test_reviews))
    return config, cols[3]


def kept_results(config: transfer.TransferConfig) -> dict[str, transfer.WayResult]:
    """This session's results for `config` (empty if none), after keeping those of a job
    that has just ended, or saying why it failed."""
    results = st.session_state.setdefault(RESULTS_KEY, {})
    job = st.session_state.get(JOB_KEY)
    if job is not None and not job.running:
        del st.session_state[JOB_KEY]
        if job.error is None:
            results[st.session_state[CONFIG_KEY]] = job.result
        else:
            jobs.failed(job.error)
    return results.get(config, {})


def complete(found: dict[str, transfer.WayResult]) -> bool:
    """All three ways trained to the end (none stopped)."""
    return len(found) == len(ORDER) and not any(r.stopped for r in found.values())


def training_section(imdb: data.ImdbData, config: transfer.TransferConfig, slot: DeltaGenerator,
                     found: dict[str, transfer.WayResult]) -> None:
    """The live job, or the button (in the settings row's `slot`) that starts it."""
    try:
        transfer.check_fits(config, len(imdb.x_train))
    except transfer.TransferProblem as problem:
        st.error(explain(problem))
        return
    job = st.session_state.get(JOB_KEY)
    if job is not None:
        trained = st.session_state[CONFIG_KEY]
        jobs.live_panel(job, "transfer", draw=live_curves,
                        label=lambda snap: way_label(snap, trained.epochs))
    elif not complete(found):
        if slot.button(_(TRAIN_LABEL), type="primary", key="transfer_train", width="stretch"):
            if jobs.start_job(JOB_KEY, transfer.train_three_ways, config,
                              len(ORDER) * config.epochs):
                st.session_state[CONFIG_KEY] = config
            st.rerun()  # draw the page again with the job instead of the button
    if not found and job is None:
        st.info(_("Press **{button}** to train and compare them on these settings.",
                  button=_(TRAIN_LABEL)))


def results_section(config: transfer.TransferConfig,
                    found: dict[str, transfer.WayResult]) -> None:
    """The curves first, then each way's test accuracy, the table and which way won."""
    ui.chart(accuracy_figure({way: result.history for way, result in found.items()}),
             height=CURVES_HEIGHT)
    for col, (way, result) in zip(st.columns(3), found.items(), strict=False):
        col.metric(_(transfer.WAYS[way]), f"{result.test_accuracy:.1%}",
                   help=_("test accuracy on {n:,} reviews", n=config.test_reviews))
        col.caption(_("{trainable:,} trainable, {frozen:,} frozen weights · {seconds:.0f} s",
                      trainable=result.trainable, frozen=result.frozen, seconds=result.seconds))
    st.dataframe(results_table(found), hide_index=True)
    if complete(found):
        best = max(found, key=lambda w: found[w].test_accuracy)
        st.markdown(_("With {n:,} reviews, **{way}** scores best on the test reviews. Move the "
                      "slider and train again: earlier runs stay in this session, so going back "
                      "to a size shows its results without retraining.",
                      n=config.train_reviews, way=_(transfer.WAYS[best])))
    else:
        kept = _("; ").join(
            _("{way} (stopped after {n} epoch(s))", way=_(transfer.WAYS[w]), n=len(
                r.history["val_accuracy"])) if r.stopped else
            _("{way} ({n} epoch(s))", way=_(transfer.WAYS[w]), n=len(r.history["val_accuracy"]))
            for w, r in found.items())
        st.warning(_("You stopped the training. Kept, each scored as trained so far: {kept}. "
                     "Press **{button}** to train them all.", kept=kept, button=_(TRAIN_LABEL)))


def ways_section(imdb: data.ImdbData | None, glove: WordVectors | None,
                 config: transfer.TransferConfig) -> None:
    """The model and its three ways; what these reviews lack and GloVe brings."""
    st.markdown(_(
        "The model is the lesson's: **Embedding(10000, 50) → average pooling → Dense(16, relu) "
        "→ Dense(1, sigmoid)**, with <PAD> masked. Only its Embedding's starting point and "
        "whether it may change differ:\n"
        "1. **Random embedding** — every word starts as small random numbers and is learned "
        "from these reviews alone;\n"
        "2. **GloVe, frozen** — rows copied from GloVe (trained on 6 billion words of Wikipedia "
        "and news) and never changed: only the 833 weights of the head learn;\n"
        "3. **GloVe, fine-tuned** — rows copied from GloVe, then adjusted to the reviews."
    ))
    if imdb is None or glove is None:
        return
    seen = transfer.scarcity(config, imdb, glove)
    st.markdown(_(
        "GloVe has a vector for **{coverage:.1%}** of the model's {vocabulary:,} words; these "
        "{reviews:,} training reviews use only **{seen:,}** of them. In the test reviews, "
        "**{unseen:.1%}** of the word tokens are words the training reviews never show: a model "
        "learned from scratch keeps random vectors for them, while GloVe already places them.",
        coverage=seen.glove_coverage, vocabulary=seen.vocabulary, reviews=config.train_reviews,
        seen=seen.seen_words, unseen=seen.unseen_share))


def why_section() -> None:
    st.markdown(_(
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
    ))


intro_section()
LINK.restore()
glove = ui.available(ui.glove)
imdb = ui.available(ui.imdb, data.ImdbConfig())
config, button_slot = settings_section()
found = kept_results(config)
if imdb is not None and glove is not None:
    training_section(imdb, config, button_slot, found)
if found:
    results_section(config, found)
ways_section(imdb, None if glove is None else glove.vectors, config)
if found:
    why_section()
ui.notice(_(
    "the three models differ only in where the Embedding starts and whether it may move; "
    "see which wins at 500 reviews and which at 5,000, and how far frozen GloVe lags when "
    "its general-purpose vectors cannot bend towards sentiment."
))
