"""Why word order matters: shuffle or reverse a review's words and ask a pooling model and an
LSTM again; then negation, where the same words in another order mean the opposite.

The pooling model is the lesson's own, as recorded in full (`runs.load_lesson_run("pool")`:
Embedding -> GlobalAveragePooling1D -> Dense(64) -> Dense(1), padding 'post', no mask), so
its average runs over the same ids in any order: its answer cannot move. The LSTM is the
shipped one (`runs.load_shipped()`), which reads the words one after another. Predictions are
cached by model and ids (`predicted`), so moving the seed back costs nothing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from explainers import data, lesson, reviews, runs, steps
from lessons import figure_cache, links, ui
from lessons.charts import steps as draw
from lessons.i18n import N_, _, explain
from lessons.widgets import model_picker, review_source

KEYS = "order"  # every widget key starts with it
SEED_KEY = "order_seed"
MAX_SEED = 9_999
FIRST_REVIEW = 87  # "predictable and trite ... but it all adds up to great fun!": order counts
SHUFFLES = 3  # shuffled variants drawn: seeds seed, seed + 1, seed + 2
LINK = links.Link(*review_source.link_fields(KEYS), links.number("seed", SEED_KEY, 0, MAX_SEED))
MODELS = {"pool": N_("Average pooling (the lesson's)"), "lstm": N_("LSTM (shipped)")}
ORDERS = {"original": N_("as written"), "reversed": N_("reversed"),
          "shuffled": N_("shuffled, seed {seed}")}
NOT_BAD = "this film is not bad at all"  # shuffled below with the page's seed
NEGATION = ("good", "not good", NOT_BAD,  # the models read English: these stay English
            "i expected it to be bad but it was good", "i expected it to be good but it was bad",
            "great acting but a boring story", "boring acting but a great story")
TITLE = N_("Why word order matters")
INTRO = N_("The lesson's first model averages the word vectors of a review "
           "(GlobalAveragePooling1D): an average does not know which word came first. Shuffle "
           "a review's words and ask it again, beside an LSTM, which reads them in order.")
ROUNDING = N_("Average pooling: the largest change is {pool:.1e}, at most float32 rounding (the "
              "same vectors summed in another order), so mathematically none. LSTM: up to "
              "{lstm:.4f}.")
WHY_EXACT = N_("Why exactly: the lesson pads 'post' and does not mask, so "
               "GlobalAveragePooling1D averages all {maxlen} vectors, pads included. A shuffle "
               "only moves the same ids to other places, and a sum does not depend on the order. "
               "This holds as long as the same words stay within maxlen ({words} words here).")
MODELS_SAID = N_("The pooling model is the lesson's recipe trained in full ({epochs} epochs; "
                 "test accuracy {pool:.4f}, the lesson printed {printed}). The LSTM is the "
                 "app's shipped one (test accuracy {lstm:.4f}; maxlen {maxlen}, "
                 "padding='{padding}', pads masked).")
NOTICE = N_("the pooling model gives the same number whatever the order (at most a float32 "
            "rounding in the 7th decimal), because with padding='post' and no mask it "
            "averages the same 500 vectors (pads included) in any order. The LSTM's answer "
            "moves with the order. On "
            "“i expected it to be bad but it was good” the two models differ in kind: for "
            "pooling it is the same text as its opposite. The LSTM can tell them apart, but a "
            "small one is not always right about which is which.")


# --------------------------------------------------------------------------- cached work

BARS = figure_cache.cached(draw.model_bars)  # kept by labels, probabilities, title and language


def loaded(key: str) -> runs.TrainedModel:
    """The lesson's recorded pooling model ("pool") or the shipped LSTM, once per server
    (raises runs.RunDamaged)."""
    if key == "pool":
        return model_picker.lesson_model(lesson.POOL.key)
    return model_picker.trained_model(model_picker.SHIPPED_MODEL_KEY)


@st.cache_data(show_spinner=False, max_entries=256)
def predicted(key: str, rows: tuple[tuple[int, ...], ...]) -> np.ndarray:
    """P(positive) of one model on padded rows, once per model and ids."""
    return steps.positive(loaded(key).model, np.asarray(rows, np.int32))


def probabilities(key: str, texts: list[str]) -> np.ndarray:
    """P(positive) of model `key` for each text: (len(texts),)."""
    padded = steps.rows(loaded(key).input_format, texts)  # (n, maxlen)
    return predicted(key, tuple(tuple(int(i) for i in row) for row in padded))


# --------------------------------------------------------------------------- sections


def choices() -> tuple[str, int] | None:
    picked = review_source.choose_review(KEYS, first=FIRST_REVIEW)
    st.session_state.setdefault(SEED_KEY, 0)
    seed = int(st.number_input(_("Shuffle seed"), 0, MAX_SEED, key=SEED_KEY,
                               help=_("Each seed gives another order of the same words.")))
    return None if picked is None else (picked[0], seed)


def checked(text: str) -> bool:
    """True when both models can read the text; else say why."""
    for key in MODELS:
        try:
            reviews.check_review(text, loaded(key).input_format)
        except reviews.BadReview as error:
            st.error(explain(error))
            return False
    return True


def label(variant: steps.Variant) -> str:
    return _(ORDERS[variant.order], seed=variant.seed)


def shuffle_section(text: str, seed: int) -> None:
    """The main picture: P(positive) of both models on the review in every order."""
    found = steps.variants(text, seed, SHUFFLES)
    texts = [v.text for v in found]
    p = {key: probabilities(key, texts) for key in MODELS}
    labels = [label(v) for v in found]
    ui.chart(BARS(labels, {_(MODELS[k]): p[k] for k in MODELS},
                  _("P(positive) of the same words in other orders"), _say=_), height=380)
    change = {k: float(np.abs(p[k] - p[k][0]).max()) for k in MODELS}
    st.markdown(_(ROUNDING, pool=change["pool"], lstm=change["lstm"]))
    st.dataframe(pd.DataFrame({
        _("order"): labels,
        _(MODELS["pool"]): [f"{x:.7f}" for x in p["pool"]],
        _("pooling − as written"): [f"{x - p['pool'][0]:+.1e}" for x in p["pool"]],
        _(MODELS["lstm"]): [f"{x:.7f}" for x in p["lstm"]],
        _("LSTM − as written"): [f"{x - p['lstm'][0]:+.4f}" for x in p["lstm"]]}),
        hide_index=True, width="stretch")
    form, pool, lstm = loaded("pool").input_format, loaded("pool"), loaded("lstm")
    st.caption(_(MODELS_SAID, epochs=pool.record.epochs_run, pool=pool.test_accuracy,
                 printed=lesson.POOL.test_accuracy, lstm=lstm.test_accuracy,
                 maxlen=lstm.input_format.maxlen, padding=lstm.input_format.padding))
    st.caption(_(WHY_EXACT, maxlen=form.maxlen, words=form.maxlen - 1))
    if not all(steps.same_tokens(form, texts[0], t) for t in texts[1:]):
        st.warning(_("This review has more than {n} words, so the pooling model keeps a "
                     "different {n} of them in each order (truncating='{side}'): here even its "
                     "answer may move.", n=form.maxlen - 1, side=form.truncating))
    with st.expander(_("The words in the first shuffled order")):
        st.markdown(ui.inert(found[2].text, 3_000))


def negation_section(seed: int) -> None:
    st.subheader(_("Negation: the same words, another meaning"))
    texts = [*NEGATION]
    texts.insert(texts.index(NOT_BAD) + 1,
                 steps.reorder(data.tokenize(NOT_BAD), "shuffled", seed).text)
    p = {_(MODELS[key]): probabilities(key, texts) for key in MODELS}
    ui.chart(BARS(texts, p, _("P(positive) of short texts"), _say=_), height=520)
    st.caption(_("The models read English, so the texts stay English. Pairs with the same "
                 "words (the shuffled “not bad”, the “but” pairs) get exactly the same "
                 "pooling bar; only the LSTM can tell them apart."))


# --------------------------------------------------------------------------- the page

st.title(_(TITLE))
st.write(_(INTRO))
ui.lesson_says("word_order")
LINK.restore()
panel, stage = st.columns([1, 2], gap="large")
with panel:
    picked = choices()
try:
    for model_key in MODELS:
        loaded(model_key)
except runs.RunDamaged as error:
    st.warning(_("A model this page compares cannot be opened: {why}", why=explain(error)))
    st.stop()
if picked is None or not checked(picked[0]):
    ui.notice(_("pick a review or type one: the models need words they know."))
    st.stop()
with stage:
    shuffle_section(*picked)
negation_section(picked[1])
ui.notice(_(NOTICE))
