"""Sentiment lab: build a model from blocks, train it live on IMDB, keep and compare runs.

The set-up (a preset and every setting, all in the link: `LINK`) sits beside the picture: the
live curves of this session's job (Stop keeps what was learned; leaving the page does not end
it), then the run's curves, else the saved runs compared. The workflow and the time and memory
budget live in `explainers.lab`; the figures, tables and numbers in `lessons.charts.lab`.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import streamlit as st

from explainers import cells, data, lab, live, models, presets, reviews, runs, training
from lessons import figure_cache, links, ui
from lessons.charts import lab as charts
from lessons.i18n import N_, _
from lessons.widgets import jobs, lab_runs, model_diagram, run_owner, watch_view

JOB_KEY = "lab_job"  # session-state key: this session's live.Job running lab.train_and_save
PRESET_KEY = "lab_preset"  # the preset picker's widget key
FORM_KEY = "lab_"  # the widget of each form field: FORM_KEY + the field's name
TEST_KEY = FORM_KEY + "test"  # how many test reviews a run scores (not part of a preset)
DEFAULT_PRESET = presets.FAST_POOL.name  # seconds to train, and a lesson number to beat
SIDES = ("pre", "post")
CHOICES = {  # the form's fields picked from a list: field -> its values (stable codes)
    "body": models.BODIES, "padding": SIDES, "truncating": SIDES,
    "vocab_size": (1_000, 2_000, 5_000, 10_000, 20_000), "dense_units": (8, 16, 32, 64, 128, 256),
    "train_size": (1_000, 2_000, 5_000, 10_000, 15_000, 20_000, lab.ALL_REVIEWS),
    "batch_size": (16, 32, 64, 128, 256, 512), "test": (1_000, 5_000, 10_000, 25_000),
    "learning_rate": (1e-4, 3e-4, 1e-3, 2e-3, 5e-3, 1e-2),
}
RANGES = {  # the form's fields on a slider: field -> (lowest, highest, step)
    "units": (4, 128, 4), "layers": (1, 3, 1), "maxlen": (20, 500, 10), "epochs": (1, 30, 1),
    "embed_dim": (2, 128, 1), "dropout": (0.0, 0.7, 0.05), "validation_split": (0.05, 0.4, 0.05),
    "early_stopping_patience": (0, 5, 1), "seed": (0, 9_999, 1),
}
FLAGS = ("mask_zero", "bidirectional", "bucketing")  # the form's checkboxes
LINK = links.Link(  # a link opens the preset and every setting of the form
    links.choice("preset", PRESET_KEY, tuple(presets.PRESETS)),  # by its English name (a code)
    *(links.choice(name, FORM_KEY + name, values) for name, values in CHOICES.items()),
    *(links.number(name, FORM_KEY + name, low, high, type(low))
      for name, (low, high, _step) in RANGES.items()),
    *(links.flag(name, FORM_KEY + name) for name in FLAGS),
    model_diagram.link_field("diagram", "lab"),  # the trained model's layers or time steps
)
PRESET_VALUES = {  # preset name -> {widget key: the value that preset gives it}
    p.name: {FORM_KEY + name: value for name, value in lab.form(p.imdb, p.model, p.train).items()}
    for p in presets.PRESETS.values()
}
MISCLASSIFIED_SHOWN = 4
REVIEW_LIMIT = 50_000  # characters of a typed review that are read
INTRO = N_("Build a model from blocks, train it on the real IMDB reviews and watch it learn: "
           "start from one of the lesson's models, see the SimpleRNN fail, then fix it and beat "
           "the lesson's numbers in seconds.")
BEST_EPOCH = N_("The green line marks the epoch with the lowest validation loss. When training "
                "accuracy keeps rising after it while validation falls, the model is learning "
                "the training reviews by heart: the gap the lesson warns about (overfitting).")
REFERENCE = N_("Stars: the epochs the lesson printed for this model. Curves of a live run are "
               "drawn over this recipe's recorded full run (dashed; seeded, {minutes:.0f} min "
               "on 2 CPU cores, scripts/record_lesson_runs.py).")
NOTICE = N_("the lesson's SimpleRNN with padding='post' sits at 0.50: its final state has read "
            "hundreds of <PAD> steps since the last word; padding 'pre' with masking fixes it. "
            "Most of the lesson's LSTM time goes on padding: cut each batch to its longest "
            "review and the same accuracy comes in seconds. After the green best-epoch line, "
            "training accuracy climbs while validation does not.")


def slider(name: str, label: str, **kwargs) -> None:
    low, high, step = RANGES[name]
    st.slider(label, low, high, step=step, key=FORM_KEY + name, **kwargs)


def pick(name: str, label: str, **kwargs) -> None:
    st.select_slider(label, CHOICES[name], key=FORM_KEY + name, **kwargs)


def show_metrics(metrics: list[charts.Metric], per_row: int) -> None:
    for start in range(0, len(metrics), per_row):
        for column, m in zip(st.columns(per_row), metrics[start:start + per_row], strict=False):
            column.metric(m.label, m.value, help=m.help, delta=m.delta)


def preset_section() -> presets.Preset:
    st.session_state.setdefault(PRESET_KEY, DEFAULT_PRESET)
    st.session_state.setdefault(TEST_KEY, lab.LabSpec.test_reviews)
    for key, value in PRESET_VALUES[st.session_state[PRESET_KEY]].items():
        st.session_state.setdefault(key, value)  # a link's settings win over its preset's
    preset = presets.PRESETS[ui.preset_picker(_("Start from a preset"), PRESET_KEY,
                                              PRESET_VALUES, format_func=_)]
    st.caption(_(preset.why))
    if preset.model.body == cells.SIMPLE_RNN.kind:
        ui.lesson_says("fish_memory")
    return preset


def form_section(preset: presets.Preset) -> lab.LabSpec:
    """The model and training widgets (the rarer ones folded away): the run they describe."""
    is_rnn = st.session_state[FORM_KEY + "body"] != models.POOL
    left, right = st.columns(2)
    with left:
        st.selectbox(_("Body layer"), CHOICES["body"], key=FORM_KEY + "body",
                     format_func=models.body_name)
        slider("units", _("Units"), disabled=not is_rnn)
        slider("layers", _("Stacked layers"), disabled=not is_rnn,
               help=_("return_sequences=True is set for every layer but the last."))
        st.checkbox(_("Bidirectional"), key=FORM_KEY + "bidirectional", disabled=not is_rnn)
        st.checkbox(_("Masking (mask_zero)"), key=FORM_KEY + "mask_zero",
                    help=_("The layers after the embedding skip the <PAD> steps."))
    with right:
        slider("maxlen", _("Max length (tokens)"))
        st.radio(_("Padding"), SIDES, key=FORM_KEY + "padding", horizontal=True)
        slider("epochs", _("Epochs"))
        st.checkbox(_("Bucketing"), key=FORM_KEY + "bucketing",
                    help=_("Pad each batch only to its longest review."))
    with st.expander(_("More settings: embedding, head, data and training")):
        left, right = st.columns(2)
        with left:
            pick("vocab_size", _("Vocabulary size (num_words)"))
            slider("embed_dim", _("Embedding dimension"))
            slider("dropout", _("Dropout after the body"))
            pick("dense_units", _("Dense units (relu)"))
            st.caption(_("→ Dense(1, sigmoid): P(positive)"))
            st.radio(_("Truncating"), SIDES, key=FORM_KEY + "truncating", horizontal=True)
        with right:
            pick("train_size", _("Training reviews"))
            slider("validation_split", _("Validation split"))
            pick("test", _("Test reviews scored"))
            pick("batch_size", _("Batch size"))
            pick("learning_rate", _("Learning rate (Adam)"))
            slider("early_stopping_patience", _("Early stopping patience (0 = off)"))
            st.number_input(_("Seed"), *RANGES["seed"][:2], step=1, key=FORM_KEY + "seed")
    settings = lab.from_form({name: st.session_state[f"{FORM_KEY}{name}"] for name in lab.FORM})
    known = presets.recognise(*settings)  # however entered, a preset's recipe is that preset's
    if known is None:
        found = charts.changes(lab.differences(preset, *settings), preset.lesson is not None, _=_)
        (st.warning if preset.lesson else st.caption)(_(
            "Changed from the preset “{name}”: {changes}. The run is saved as your own model.",
            name=_(preset.name), changes=found))
    elif known is not preset:
        st.caption(_("These settings are exactly the preset “{name}”.", name=_(known.name)))
    return lab.LabSpec(*settings, known.name if known else "", st.session_state[TEST_KEY])


def budget_section(spec: lab.LabSpec) -> lab.Budget | None:
    """What the set-up will cost; None (after saying how to get it) without the data."""
    imdb = ui.available(ui.imdb, spec.imdb)
    if imdb is None:
        return None
    cost = lab.budget(imdb, spec.model, spec.train)
    show_metrics(charts.budget_metrics(spec.model, cost, _=_), per_row=2)
    st.code(models.describe(spec.model), language=None, wrap_lines=True)
    return cost


def live_views(snap: live.Snapshot, ref: charts.Reference | None) -> None:
    """The live panel's pictures: the curves so far, the watched words and gates (each figure
    new only per epoch)."""
    figure_cache.chart(charts.curves_figure, charts.history_of(snap), _("Live training"),
                       snap.epochs, reference=ref, _=_)
    watch_view.show(snap.records)


def picture_section(spec: lab.LabSpec, cost: lab.Budget | None, records: list[runs.RunRecord],
                    ref: charts.Reference | None) -> lab.LabOutcome | None:
    """The Train button and the page's picture: the live curves while a run trains, then its
    own curves, else a lesson recipe's recorded run or the saved runs side by side, a lesson
    model's `ref` drawn behind. Returns the run that has finished."""
    job = st.session_state.get(JOB_KEY)
    running = job is not None and job.running
    refused = cost is None or cost.verdict == lab.Verdict.REFUSE
    recorded = None if ref is None else ref.record
    if cost is not None and cost.message and not running:
        template, numbers = cost.message
        if refused and recorded is not None:  # the recipe was run once in full: show that
            st.info(_("{reason} Instead, here is this recipe run once in full on this kind of "
                      "CPU (recorded): test accuracy {accuracy:.4f}.",
                      reason=_(template, **numbers), accuracy=recorded.test_accuracy))
        else:
            (st.error if refused else st.warning)(_(template, **numbers))
    if cost is not None and st.button(_("▶ Train"), type="primary", key="lab_train",
                                      disabled=refused or running):
        jobs.start_job(JOB_KEY, lab.train_and_save, replace(spec, owner=run_owner.current()),
                       spec.train.epochs)
        st.rerun()  # draw the page again with the job (and this button disabled)
    if job is None and recorded is not None:
        figure_cache.chart(charts.curves_figure, recorded.history, _(
            "Recorded full run: test accuracy {accuracy:.4f}", accuracy=recorded.test_accuracy),
            reference=charts.Reference(None, ref.printed), _=_)
    if recorded is not None:
        st.caption(_(REFERENCE, minutes=recorded.seconds / 60))
    elif job is None:
        lab_runs.compare_runs(records, spec.train.epochs)
    elif running:
        jobs.live_panel(job, "lab", draw=lambda snap: live_views(snap, ref))
    elif job.error is not None:
        jobs.failed(job.error)
    else:
        outcome = job.result
        st.success(charts.trained(outcome, _=_))
        figure_cache.chart(charts.curves_figure, outcome.result.history, _("Training curves"),
                     reference=ref, _=_)
        st.caption(_(BEST_EPOCH))
        watch_view.show(job.snapshot().records)
        return outcome
    return None



def results_section(outcome: lab.LabOutcome) -> None:
    st.header(_("What the run learned"))
    preset = presets.PRESETS.get(outcome.spec.preset)
    lesson = presets.lesson_accuracy_for(preset) if preset else None
    show_metrics(charts.result_metrics(outcome, lesson, _=_), per_row=4)
    if lesson is not None:
        st.caption(_("The lesson reported {accuracy} test accuracy for “{name}”; yours is "
                     "beside it above.", accuracy=lesson,
                     name=_(preset.compare_with or preset.name)))
    imdb = ui.imdb(outcome.spec.imdb)
    mistakes_section(outcome, imdb)
    with st.expander(_("model.summary() of the trained model"), expanded=True):
        model_diagram.show("lab", outcome.spec.model, lambda: models.build_model(
            outcome.spec.model), summary=outcome.summary)  # the same layers, built once
    try_a_review(outcome.model, reviews.InputFormat.of_imdb(imdb))  # as it was trained


def mistakes_section(outcome: lab.LabOutcome, imdb: data.ImdbData) -> None:
    """The confusion matrix beside the test reviews it got most confidently wrong."""
    y_test, probabilities = imdb.y_test[:outcome.spec.test_reviews], outcome.probabilities
    left, right = st.columns([2, 3])
    with left:
        figure_cache.chart(charts.confusion_figure, training.confusion(y_test, probabilities), _=_)
    with right:
        st.markdown(_("**Misclassified test reviews** (the most confident mistakes, as the "
                      "model saw them)"))
        worst = training.confident_mistakes(y_test, probabilities, MISCLASSIFIED_SHOWN)
        for i in worst:
            st.html(charts.review_html(imdb.vocabulary.decode(imdb.x_test[i]),
                                       bool(y_test[i]), float(probabilities[i]), _=_))
        if not len(worst):
            st.write(_("None: every test review was classified right."))


def try_a_review(model, form: reviews.InputFormat) -> None:
    st.markdown(_("**Try a review** (in English; words outside the vocabulary become "
                  "`<UNK>`)"))
    text = st.text_area(_("Your review"), key="lab_review", max_chars=REVIEW_LIMIT,
                        placeholder=_("The acting was wonderful but the plot made no sense…"))
    if not text.strip():
        return
    review = form.prepare(text)
    if not review.words:
        st.warning(_("No words found in that text: type a sentence in English."))
        return
    p = float(np.asarray(model.predict_on_batch(review.row[None])).reshape(-1)[0])
    st.metric(_("Prediction"), _(charts.SENTIMENTS[p > 0.5]), delta_color="normal" if p > 0.5
              else "inverse", delta=_("P(positive) = {p:.3f}", p=p))
    st.caption(charts.review_counts(review, form, _=_))




# --------------------------------------------------------------------------- the page

st.title(_("Sentiment lab: train live"))
st.write(_(INTRO))
LINK.restore()
owner = run_owner.current()
saved, damaged = runs.RunStore().list(owner)
setup, picture = st.columns([2, 3], gap="large")
with setup:
    picked = preset_section()
    spec = form_section(picked)
    cost = budget_section(spec)
reference = charts.reference_for(presets.PRESETS.get(spec.preset, picked), spec.model)
with picture:
    finished = picture_section(spec, cost, saved, reference)
if finished is not None:
    results_section(finished)
lab_runs.runs_section(saved, damaged, compare=JOB_KEY in st.session_state
                      or (reference is not None and reference.record is not None), owner=owner)
ui.notice(_(NOTICE))
