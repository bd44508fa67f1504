"""Learned embeddings: what a sentiment model's own Embedding learned, beside GloVe.

The model is the shipped LSTM, a lab run, or a small pooling model trained here once per
server (a live job of the session that asks first). Its Embedding rows become word vectors
(`transfer.analyse_model`): a map coloured by how much each word pushes the prediction (the
page's main picture, first), then their neighbours beside GloVe's.
"""

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from explainers import data, embeddings, transfer
from explainers.embeddings import WordVectors
from lessons import figure_cache, links, ui
from lessons.charts import embeddings as draw
from lessons.i18n import N_, _, explain
from lessons.widgets import jobs, model_picker
from lessons.widgets.word_map import WordMap

N_PUSH = 2_000  # words whose push is measured (one batch of one-word reviews, ~1 s)
NEIGHBOURS = 8  # neighbours listed per word
EXTREMES = 6  # words labelled at each end of the push on the map
PUSH_LISTED = 10  # words listed at each end of the push under the map
MAP_STEP = 100  # the map slider's step, and its fewest words
MAP_WORDS = 400  # words on the map at first
MAP_HEIGHT = 500  # px (x1.3 in projector mode): the map, title to axis, on the first screen
MODEL_KEY = "embeddings_model"  # the model picker's widget key
WORDS_KEY = "embeddings_words"  # the sentiment words compared
WORD_KEY = "embeddings_word"  # another word typed by the reader
MAP_KEY = "embeddings_map_words"  # how many frequent words the map plots
WORD_LIMIT = 60  # characters of a typed word (the text box's limit)
QUICK = "quick"  # picker key of the model trained on this page
QUICK_LABEL = N_("Train a quick pooling model here (~15 s)")
QUICK_JOB_KEY = "embeddings_quick_job"  # session state: the live.Job training the quick model
QUICK_KEPT_KEY = "embeddings_quick_kept"  # session state: a stopped one, kept for this session
MESSAGE_LIMIT = 400  # characters of a message that echoes a run's name
MAP = figure_cache.cached(draw.push_map_figure)  # kept by its inputs, language, projector
MAP_VIEW = WordMap("embeddings_map", "embeddings_map_dims")  # method, knobs, search, click


def model_code(text: str) -> str:
    """A picker key this server has (the shipped model, a lab run, the quick model)."""
    if text != QUICK and text not in model_picker.model_choices()[0]:
        raise ValueError(text)
    return text


def sentiment_words(text: str) -> list[str]:
    """Comma-separated words of `transfer.SENTIMENT_WORDS`, duplicates dropped."""
    words = [w for w in text.split(",") if w]
    if any(w not in transfer.SENTIMENT_WORDS for w in words):
        raise ValueError(text)
    return list(dict.fromkeys(words))


LINK = links.Link(  # ?model=shipped&words=great,awful&word=oscar&map=400
    links.Field("model", MODEL_KEY, model_code),
    links.Field("words", WORDS_KEY, sentiment_words, ",".join),
    links.text("word", WORD_KEY, limit=WORD_LIMIT),
    links.choice("map", MAP_KEY, range(MAP_STEP, N_PUSH + 1, MAP_STEP)),  # the slider's stops
    *MAP_VIEW.fields(),  # ?method=umap&dims=3&nn=15&find=bad&pick=great
)


@dataclass(frozen=True)
class Inspected:
    """A model's learned embedding and how the page names it: an N_ template and its
    numbers, worded in the reader's language when shown."""

    learned: transfer.LearnedEmbedding
    about: str  # an English N_ template ("shipped {name}, test accuracy {accuracy:.4f}")
    params: dict = field(default_factory=dict)  # its numbers, and names already escaped

    def label(self) -> str:
        return _(self.about, **self.params)


@st.cache_resource(show_spinner=False, max_entries=8)
def analyse(key: str) -> Inspected:
    """The shipped model's or a lab run's embedding and word pushes, once per server per
    model (no model is kept beyond `model_picker.trained_model`'s own cache)."""
    trained = model_picker.trained_model(key)
    form = trained.input_format
    learned = transfer.analyse_model(trained.model, form.vocabulary, key, N_PUSH,
                                     maxlen=form.maxlen, padding=form.padding)
    if trained.shipped:
        return Inspected(learned, N_("shipped {name}, test accuracy {accuracy:.4f}"),
                         {"name": ui.inert(trained.name), "accuracy": trained.test_accuracy})
    return Inspected(learned, N_("run: {label}"),
                     {"label": ui.inert(trained.record.label(_), MESSAGE_LIMIT)})


@st.cache_resource
def quick_models() -> dict:
    """Server-wide {QuickConfig: Inspected}: the quick model is trained once per server.

    A shared dict rather than a cached function: the training runs as a live job of the
    session that asked for it (with its progress and Stop), and lands here when it ends.
    """
    return {}


def analyse_quick(trained: transfer.QuickModel, config: transfer.QuickConfig) -> Inspected:
    """The trained quick model's embedding and word pushes, labelled with how it trained."""
    imdb = ui.imdb(data.ImdbConfig())
    learned = transfer.analyse_model(trained.model, imdb.vocabulary, QUICK, N_PUSH)
    numbers = {"reviews": trained.train_reviews, "epochs": config.epochs,
               "run": trained.result.epochs_run, "accuracy": trained.test_accuracy,
               "tested": trained.test_reviews}
    return Inspected(learned, N_(
        "pooling model trained here ({reviews:,} reviews, stopped by you after {run} of {epochs} "
        "epochs, test accuracy {accuracy:.4f} on {tested:,} reviews)") if trained.result.stopped
        else N_("pooling model trained here ({reviews:,} reviews, {epochs} epochs, test "
                "accuracy {accuracy:.4f} on {tested:,} reviews)"), numbers)


@st.cache_resource(max_entries=8, show_spinner=False)
def glove_like(label: str, push: np.ndarray, *, _glove: WordVectors,
               _vectors: WordVectors) -> WordVectors:
    """GloVe restricted to the model's words, once per server per model."""
    return transfer.restrict(_glove, _vectors.words)


@st.cache_data(max_entries=64, show_spinner=False)
def neighbour_lists(label: str, push: np.ndarray, words: tuple[str, ...], glove: bool, *,
                    _vectors: WordVectors, _same: WordVectors | None) -> tuple[list, list]:
    """Each word's neighbours in the model's embedding and in `_same` (GloVe, same words)."""
    return ([_vectors.neighbours(w, NEIGHBOURS) for w in words],
            [] if _same is None else [_same.neighbours(w, NEIGHBOURS) if w in _same else []
                                      for w in words])


def listing(found) -> str:
    """Neighbours as Markdown-safe text: 'word 0.93, word 0.91, ...'."""
    return ", ".join(f"{ui.inert(m.word)} {m.score:.3f}" for m in found)


def quick_section(config: transfer.QuickConfig) -> Inspected | None:
    """The server's quick model; else its live training, or the button that starts it.

    A finished training is shared by every session; a stopped one stays with this session
    (the next student should not get a half-trained model), and can be trained fully.
    """
    st.markdown(_("The lesson's model: Embedding(10000, {dim}) → average pooling → Dense, "
                  "trained on {reviews:,} IMDB reviews for {epochs} epochs. Trained once per "
                  "server, then reused.", dim=config.embed_dim, reviews=config.train_reviews,
                  epochs=config.epochs))
    store = quick_models()
    trained = jobs.ended(QUICK_JOB_KEY)
    if trained is not None and trained.result.stopped:
        st.session_state[QUICK_KEPT_KEY] = analyse_quick(trained, config)
    elif trained is not None:
        store[config] = analyse_quick(trained, config)
    job = st.session_state.get(QUICK_JOB_KEY)
    if config in store:
        return store[config]
    if job is not None:
        jobs.live_panel(job, "quick")
        return None
    if st.button(_("Train it now"), type="primary", key="quick_train"):
        jobs.start_job(QUICK_JOB_KEY, transfer.quick_model, config, config.epochs)
        st.rerun()  # draw the page again with the job instead of the button
    kept = st.session_state.get(QUICK_KEPT_KEY)
    if kept is not None:
        st.caption(_("You stopped the training: below is the model as it was then, kept for "
                     "your session only. Train it now to train it fully, for everyone."))
    return kept


def model_section(picker: DeltaGenerator, status: DeltaGenerator) -> Inspected | None:
    """The picked model's embedding, or None (with the reason in `status`) when there is
    none yet; the picker is drawn in `picker`."""
    with picker:
        source = model_picker.pick_model(_("Model"), key=MODEL_KEY, extra={QUICK: _(QUICK_LABEL)})
    try:
        if model_picker.is_trained_model(source):
            with st.spinner(_("Reading the model's embedding…")):
                inspected = ui.available(analyse, source)
        else:
            inspected = ui.available(quick_section, transfer.QuickConfig())
    except Exception as error:  # a damaged run or model file: say which, keep the page alive
        st.error(_("This model could not be read: {why}",
                   why=explain(error, MESSAGE_LIMIT)))
        inspected = None
    if inspected is None:
        status.info(_("Pick a model (or train the quick one) to see what its embedding learned."))
    else:
        vectors = inspected.learned.vectors
        status.success(_("Inspecting the {model}: {words:,} words × {dim} dimensions.",
                         model=inspected.label(), words=len(vectors), dim=vectors.dim))
    return inspected


def map_section(learned: transfer.LearnedEmbedding, size: DeltaGenerator) -> None:
    """The map of the most frequent words (how many: a slider in `size`; how: `MAP_VIEW`),
    then the plotted words that push hardest."""
    vectors = learned.vectors
    most = min(N_PUSH, len(vectors), len(learned.push))
    n_map = most
    if most > MAP_STEP:  # a link may ask for more words than this model has pushes for
        st.session_state[MAP_KEY] = min(st.session_state.get(MAP_KEY, MAP_WORDS), most)
        n_map = size.slider(_("Most frequent words to plot"), MAP_STEP, most, step=MAP_STEP,
                            key=MAP_KEY)
    st.header(_("The learned vectors, coloured by their push"))
    settings = MAP_VIEW.settings(st.columns([3, 2, 4, 3], vertical_alignment="bottom"))
    push = learned.push[:n_map]  # (n_map,) the plotted words' pushes, in the map's order
    projection = MAP_VIEW.show(
        (learned.label, learned.push), vectors.words[:n_map], settings, vectors, MAP_HEIGHT,
        build=lambda placed, fitted, marks: MAP(placed, push, EXTREMES, ui.label_size(), fitted,
                                                marks, _say=_))
    st.markdown(_(
        "Each word's **push** is the model's P(positive) for a review made of that word alone, "
        "minus its P(positive) for a review of one unknown word: blue words pull the "
        "prediction towards positive, red towards negative. The first principal component "
        "holds {first:.0%} of the variance: the larger that share, the more this embedding "
        "is a single sentiment axis with a little noise around it.",
        first=projection.explained_variance_ratio[0]) if settings.method == "pca" else _(
        "Each word's **push** is the model's P(positive) for a review of that word alone, minus "
        "that for one unknown word: blue pulls towards positive, red towards negative. Where "
        "blue and red fall into separate groups, the embedding has sorted words by sentiment."))
    order = np.argsort(push)
    ends = {_("Most negative push"): order[:PUSH_LISTED],
            _("Most positive push"): order[::-1][:PUSH_LISTED]}
    st.table(pd.DataFrame({end: [f"{ui.inert(vectors.words[i])} ({push[i]:+.2f})" for i in rows]
                           for end, rows in ends.items()}), hide_index=True)


def unknown_word(word: str, vectors: WordVectors) -> str:
    """Why a typed word has no learned vector, with close spellings (Markdown-safe)."""
    close, word = vectors.suggest(word), ui.inert(word, WORD_LIMIT)
    if close:
        return _("'{word}' is not in the vocabulary of this model: only its own words have "
                 "learned vectors. Did you mean: {close}?", word=word, close=", ".join(
                     map(ui.inert, close)))
    return _("'{word}' is not in the vocabulary of this model: only its own words have learned "
             "vectors. No close spelling among its most frequent words.", word=word)


def neighbours_section(learned: transfer.LearnedEmbedding, glove: WordVectors | None) -> None:
    """Each chosen word's neighbours in the model's embedding and in GloVe (restricted to
    the same words, so both choose among the same candidates)."""
    st.header(_("Neighbours: the model's embedding vs GloVe"))
    vectors = learned.vectors
    choose, extra = st.columns([3, 1])
    st.session_state.setdefault(
        WORDS_KEY, [w for w in transfer.SENTIMENT_WORDS[:6] if w in vectors])
    chosen = choose.multiselect(_("Words"), [w for w in transfer.SENTIMENT_WORDS if w in vectors],
                                key=WORDS_KEY)
    typed = extra.text_input(_("Another word"), "", max_chars=WORD_LIMIT,
                             placeholder=_("e.g. oscar"), key=WORD_KEY)
    words = list(chosen)
    if typed.strip():
        word = embeddings.normalise_word(typed)
        if word in vectors:
            words.append(word)
        else:
            st.error(unknown_word(word, vectors))
    if not words:
        return
    same = None if glove is None else glove_like(learned.label, learned.push, _glove=glove,
                                                  _vectors=vectors)
    own, theirs = neighbour_lists(learned.label, learned.push, tuple(words), same is not None,
                                  _vectors=vectors, _same=same)
    table = {_("word"): [f"**{ui.inert(w)}**" for w in words],
             _("the model's neighbours (cosine)"): [listing(found) for found in own]}
    if same is not None:
        table[_("GloVe's neighbours, same vocabulary")] = [
            listing(found) or "—" for found in theirs]
    st.table(pd.DataFrame(table), hide_index=True)
    st.markdown(_(
        "GloVe learned from which words appear near which, so its neighbours share a "
        "*topic* or *role* (and opposites like *good* and *bad* are close, as they appear "
        "in the same places). The sentiment model's embedding only had to help predict "
        "the rating, so its neighbours share a *side*: positive words crowd together, "
        "negative words together, whatever they mean otherwise."
    ))


st.title(_("Learned embeddings"))
st.caption(_("A sentiment model's Embedding rows are word vectors too: what did they learn?"))
LINK.restore()
picker_cell, size_cell, status_cell = st.columns([5, 3, 4], vertical_alignment="bottom")
inspected = model_section(picker_cell, status_cell)
if inspected is not None:
    map_section(inspected.learned, size_cell)
    glove = ui.available(ui.glove)
    neighbours_section(inspected.learned, None if glove is None else glove.vectors)
ui.notice(_(
    "the learned map splits along one line, blue on one side, red on the other: the only "
    "thing this embedding was ever asked to learn; and the model's neighbours of *great* are "
    "other words of praise, while GloVe's are words used in the same places."
) if inspected is not None else _(
    "a model's embedding only learns what helps its own task: for sentiment, whether a word "
    "is positive or negative."
))
