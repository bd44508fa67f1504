"""Transfer learning the lesson's way: a pretrained Embedding frozen, then fine-tuned, vs random.

The source is the lesson's own pooling model (its recorded run, trained on 20,000 reviews)
or GloVe; the small model keeps only the source's Embedding and builds new layers after it.
The four ways train one after another as one live job of this session
(`pretrained.train_ways`); what they trained is kept per setting for the session, so going
back to a setting shows its results without training again. The settings and the curves come
first (the page's main picture), the explanations after them.
"""

import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from explainers import data, live, models, pretrained, runs, transfer
from lessons import links, ui
from lessons.charts import transfer as charts
from lessons.i18n import N_, _, explain
from lessons.widgets import jobs

RESULTS_KEY = "transfer_results"  # session state: {TransferConfig: {way: WayResult}}
JOB_KEY = "transfer_job"  # session state: the live.Job training the ways
CONFIG_KEY = "transfer_job_config"  # session state: the TransferConfig that job trains
SOURCE_KEY = "transfer_source"  # where the pretrained Embedding comes from
BODY_KEY = "transfer_body"  # the small model's body
REVIEWS_KEY = "transfer_reviews"  # the training-size slider
EPOCHS_KEY = "transfer_epochs"  # the epochs slider
REVIEWS = (500, 5_000, 500)  # the slider's range and step: scarce to plenty, ~15 s to ~2 min
EPOCHS = (3, 30)  # the slider's range: the random embedding needs ~10 to level off
TRAIN_LABEL = N_("Train the four ways")
BODY_NAMES = {models.POOL: N_("average pooling (the lesson's)"), "lstm": N_("LSTM")}
ORDER = tuple(transfer.WAYS)  # the order run_transfer trains them in
CURVES_HEIGHT = 380  # px (x1.3 in projector mode): the curves under the settings, first screen

LINK = links.Link(  # ?source=lesson&body=lstm&reviews=500&epochs=10
    links.choice("source", SOURCE_KEY, tuple(transfer.SOURCES)),
    links.choice("body", BODY_KEY, transfer.BODIES),
    links.choice("reviews", REVIEWS_KEY, range(REVIEWS[0], REVIEWS[1] + 1, REVIEWS[2])),
    links.number("epochs", EPOCHS_KEY, *EPOCHS),
)


def names(config: transfer.TransferConfig) -> dict[str, str]:
    """Each way's name in the reader's language, for `config`'s source."""
    return {way: _(name) for way, name in transfer.WAY_NAMES[config.source].items()}


def way_label(snap: live.Snapshot, config: transfer.TransferConfig) -> str:
    """The progress bar's words: which way, which of its epochs, which batch."""
    if snap.phase == live.Phase.FINISHING and snap.records:
        return _("{way}: {progress}", way=names(config)[snap.records[-1].note],
                 progress=jobs.live_label(snap))
    if snap.phase != live.Phase.RUNNING or not snap.batches:
        return jobs.live_label(snap)
    stage, epoch = transfer.stage_at(config, snap.epoch)
    return _("{way}: epoch {epoch} of {epochs} · batch {batch} of {batches}",
             way=names(config)[stage.way], epoch=epoch + 1, epochs=stage.epochs,
             batch=snap.batch, batches=snap.batches)


def curves(histories: dict, config: transfer.TransferConfig) -> None:
    starts = {stage.way: stage.start for stage in transfer.schedule(config)}
    ui.chart(charts.accuracy_figure(histories, names(config), starts, say=_),
             height=CURVES_HEIGHT)


def live_curves(snap: live.Snapshot, config: transfer.TransferConfig) -> None:
    if histories := charts.live_histories(snap.records, ORDER):
        curves(histories, config)


def intro_section() -> None:
    st.title(_("Transfer learning"))
    st.caption(_("An Embedding learned on a bigger task, reused by a small IMDB model trained on "
                 "a handful of reviews: frozen, then fine-tuned, against a random start."))
    ui.lesson_says("transfer")


def settings_section() -> tuple[transfer.TransferConfig, DeltaGenerator]:
    """The settings in two rows; returns them and the second row's last cell, for the button."""
    for key, default in ((SOURCE_KEY, transfer.TransferConfig.source),
                         (BODY_KEY, transfer.TransferConfig.body),
                         (REVIEWS_KEY, transfer.TransferConfig.train_reviews),
                         (EPOCHS_KEY, transfer.TransferConfig.epochs)):
        st.session_state.setdefault(key, default)
    top = st.columns([3, 2])
    source = top[0].radio(_("Pretrained Embedding"), tuple(transfer.SOURCES), key=SOURCE_KEY,
                          format_func=lambda s: _(transfer.SOURCES[s]), horizontal=True)
    body = top[1].radio(_("Small model's body"), transfer.BODIES, key=BODY_KEY, horizontal=True,
                        format_func=lambda b: _(BODY_NAMES[b]),
                        help=_("The LSTM reads each review word by word, about ten times slower "
                               "than pooling: try 500 reviews and 5 epochs."))
    cols = st.columns([3, 3, 2, 2], vertical_alignment="bottom")
    n_train = cols[0].slider(_("Training reviews"), REVIEWS[0], REVIEWS[1], step=REVIEWS[2],
                             key=REVIEWS_KEY,
                             help=_("Taken from the start of the (shuffled, balanced) split."))
    epochs = cols[1].slider(_("Epochs"), *EPOCHS, key=EPOCHS_KEY,
                            help=_("Of each way; “frozen, then fine-tuned” trains {n} more.",
                                   n=transfer.TransferConfig.fine_tune_epochs))
    config = transfer.TransferConfig(source=source, body=body, train_reviews=n_train,
                                     epochs=epochs)
    cols[2].metric(_("Expected time, all four"),
                   _("~{seconds:.0f} s", seconds=transfer.estimate_seconds(config)))
    return config, cols[3]


def lesson_source(imdb: data.ImdbData) -> pretrained.LessonSource | None:
    """The lesson's recorded model as the source, or None after saying why it is not one."""
    try:
        record = runs.lesson_record(pretrained.LESSON_RUN)
    except runs.RunDamaged as error:
        st.error(explain(error))
        return None
    if record is None:
        st.info(_("The recorded run of the lesson's pooling model is not in assets/ "
                  "(scripts/record_lesson_runs.py makes it), so its embedding cannot be "
                  "reused here. Choose GloVe as the pretrained Embedding."))
        return None
    return pretrained.lesson_source(record, len(imdb.x_train))


def source_of(imdb: data.ImdbData | None, config: transfer.TransferConfig):
    """(the lesson's model as a source, GloVe): the one `config` uses, if it is here."""
    if imdb is None:
        return None, None
    if config.source == "lesson":
        return lesson_source(imdb), None
    return None, ui.available(ui.glove)


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
    """All four ways trained to the end (none stopped)."""
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
        jobs.live_panel(job, "transfer", draw=lambda snap: live_curves(snap, trained),
                        label=lambda snap: way_label(snap, trained))
    elif not complete(found):
        if slot.button(_(TRAIN_LABEL), type="primary", key="transfer_train", width="stretch"):
            if jobs.start_job(JOB_KEY, pretrained.train_ways, config,
                              transfer.total_epochs(config)):
                st.session_state[CONFIG_KEY] = config
            st.rerun()  # draw the page again with the job instead of the button
    if not found and job is None:
        st.info(_("Press **{button}** to train and compare them on these settings.",
                  button=_(TRAIN_LABEL)))


def results_section(config: transfer.TransferConfig,
                    found: dict[str, transfer.WayResult]) -> None:
    """The curves first, then each way's test accuracy, the table and which way won."""
    curves({way: result.history for way, result in found.items()}, config)
    named = names(config)
    for col, (way, result) in zip(st.columns(len(ORDER)), found.items(), strict=False):
        col.metric(named[way], f"{result.test_accuracy:.1%}",
                   help=_("test accuracy on {n:,} reviews", n=config.test_reviews))
        col.caption(_("{trainable:,} trainable, {frozen:,} frozen weights · {seconds:.0f} s",
                      trainable=result.trainable, frozen=result.frozen, seconds=result.seconds))
    st.dataframe(charts.results_table(found, named, say=_), hide_index=True)
    if complete(found):
        best = max(found, key=lambda w: found[w].test_accuracy)
        st.markdown(_("With {n:,} reviews, **{way}** scores best on the test reviews. Move the "
                      "slider and train again: earlier runs stay in this session, so going back "
                      "to a size shows its results without retraining.",
                      n=config.train_reviews, way=named[best]))
    else:
        kept = _("; ").join(
            _("{way} (stopped after {n} epoch(s))", way=named[w], n=len(
                r.history["val_accuracy"])) if r.stopped else
            _("{way} ({n} epoch(s))", way=named[w], n=len(r.history["val_accuracy"]))
            for w, r in found.items())
        st.warning(_("You stopped the training. Kept, each scored as trained so far: {kept}. "
                     "Press **{button}** to train them all.", kept=kept, button=_(TRAIN_LABEL)))


def ways_section(config: transfer.TransferConfig, vocab_size: int, dim: int) -> None:
    """The small model and its four ways."""
    small = models.describe(transfer.model_config(config, "random", vocab_size, dim))
    st.caption(_("Validation: {validation:,} fixed training reviews the models never train on; "
                 "test: the first {test:,} test reviews.", validation=config.validation_reviews,
                 test=config.test_reviews))
    st.markdown(_(
        "The small model is **{model}**, with <PAD> masked. Its Embedding comes from the "
        "source; every layer after it is new. The four ways differ only in that Embedding:\n"
        "1. **Random embedding** — every word starts as small random numbers and is learned "
        "from these reviews alone ({epochs} epochs);\n"
        "2. **frozen** — the source's rows copied and never changed: only the new layers "
        "learn ({epochs} epochs);\n"
        "3. **frozen, then fine-tuned** — the model of way 2, unfrozen and trained {more} more "
        "epochs with a tenth of the learning rate ({rate:g}), as the Keras transfer-learning "
        "guide does, so the pretrained rows are nudged, not overwritten;\n"
        "4. **fine-tuned** — the source's rows copied, then trained with the rest from the "
        "first epoch ({epochs} epochs).",
        model=small, epochs=config.epochs, more=config.fine_tune_epochs,
        rate=config.fine_tune_rate))


def lesson_source_section(source: pretrained.LessonSource, n_train: int) -> None:
    """What is taken from the lesson's model and what is dropped."""
    st.subheader(_("What the small model takes from the lesson's model"))
    rows = [{_("the lesson's model"): layer,
             _("in the small model"): _("kept: its weights copied") if i == 0 else _("dropped")}
            for i, layer in enumerate(source.layers)]
    st.table(pd.DataFrame(rows))
    st.markdown(_(
        "The lesson's pooling model trained {epochs} epochs on the first {reviews:,} training "
        "reviews, exactly as the lesson's code (test accuracy {accuracy:.4f} on {tested:,} "
        "reviews). Its Embedding rows are copied word by word into the small model's ids (the "
        "same vocabulary here, so every row lands where it was). Mind what is transferred: "
        "those {reviews:,} reviews include these {n:,} training reviews (not the validation or "
        "test reviews), so the bigger task is the same task with more data, the friendliest "
        "case of transfer learning.",
        epochs=source.epochs, reviews=source.train_reviews, accuracy=source.test_accuracy,
        tested=source.test_reviews, n=n_train))


def glove_section(imdb: data.ImdbData, config: transfer.TransferConfig, glove) -> None:
    """What these reviews lack and GloVe brings."""
    seen = transfer.scarcity(config, imdb, glove)
    st.markdown(_(
        "GloVe has a vector for **{coverage:.1%}** of the model's {vocabulary:,} words; these "
        "{reviews:,} training reviews use only **{seen:,}** of them. In the test reviews, "
        "**{unseen:.1%}** of the word tokens are words the training reviews never show: a model "
        "learned from scratch keeps random vectors for them, while GloVe already places them.",
        coverage=seen.glove_coverage, vocabulary=seen.vocabulary, reviews=config.train_reviews,
        seen=seen.seen_words, unseen=seen.unseen_share))


def why_section(config: transfer.TransferConfig, source: pretrained.LessonSource | None) -> None:
    if source is not None:
        st.markdown(_(
            "**Why the lesson's embedding helps so much.** It learned from {reviews:,} labelled "
            "reviews of this very task, so its {dim} numbers per word already say which words "
            "praise and which condemn: frozen, it leaves the new layers only the easy part. "
            "Fine-tuning it with a tenth of the learning rate only nudges it (see *Embedding "
            "moved*); a random embedding has to learn sentiment from these few reviews alone. "
            "GloVe, learned from text without labels, brings far less: choose it and compare.",
            reviews=source.train_reviews, dim=source.dim))
        return
    st.markdown(_(
        "**Why GloVe helps less.** GloVe learned from billions of words that *dreadful* sits "
        "near *awful*, so a review using a word the training set lacks still lands in the "
        "right place. But **frozen** GloVe can only use the directions GloVe happened to learn "
        "(and in GloVe, *good* and *bad* are neighbours, because they appear in the same "
        "places), so its head has little to work with, and a low learning rate cannot move "
        "it far; **fine-tuned** from the start, it keeps GloVe's head start and moves the "
        "sentiment words apart. On IMDB a random embedding often keeps up with GloVe even with "
        "few reviews: the sentiment hangs on a few frequent words (*great*, *bad*, *worst*) "
        "that every training subset contains."))


intro_section()
LINK.restore()
imdb = ui.available(ui.imdb, data.ImdbConfig())
config, button_slot = settings_section()
found = kept_results(config)
source, glove = source_of(imdb, config)
if source is not None or glove is not None:
    training_section(imdb, config, button_slot, found)
if found:
    results_section(config, found)
if source is not None or glove is not None:
    ways_section(config, imdb.vocabulary.size, source.dim if source else glove.vectors.dim)
if source is not None:
    lesson_source_section(source, config.train_reviews)
if glove is not None:
    glove_section(imdb, config, glove.vectors)
if found:
    why_section(config, source)
ui.notice(_(
    "the four models differ only in where the Embedding starts and whether it may move; "
    "see how far the lesson's own embedding carries a model trained on 500 reviews, how "
    "little fine-tuning at a low rate changes it, and how frozen GloVe lags."
))
