"""Learned embeddings: what a sentiment model's own Embedding learned, beside GloVe.

The model is the shipped LSTM, a lab run, or a small pooling model trained here once per
server (a live job of the session that asks first). Its Embedding rows become word vectors
(`transfer.analyse_model`): their neighbours beside GloVe's, and a map coloured by how much
each word pushes the prediction.
"""

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from explainers import data, embeddings, transfer
from explainers.embeddings import UnknownWord, WordVectors
from lessons import ui
from lessons.widgets import jobs, model_picker

N_PUSH = 2_000  # words whose push is measured (one batch of one-word reviews, ~1 s)
NEIGHBOURS = 8  # neighbours listed per word
EXTREMES = 6  # words labelled at each end of the push on the map
PUSH_LISTED = 10  # words listed at each end of the push under the map
MODEL_KEY = "embeddings_model"  # the model picker's widget key
QUICK = "quick"  # picker key of the model trained on this page
QUICK_LABEL = "Train a quick pooling model here (~15 s)"
QUICK_JOB_KEY = "embeddings_quick_job"  # session state: the live.Job training the quick model
QUICK_KEPT_KEY = "embeddings_quick_kept"  # session state: a stopped one, kept for this session
MESSAGE_LIMIT = 400  # characters of an error message that echoes a typed word


@st.cache_resource(show_spinner="Reading the model's embedding…", max_entries=8)
def analyse(key: str) -> transfer.LearnedEmbedding:
    """The shipped model's or a lab run's embedding and word pushes, once per server per
    model (no model is kept beyond `model_picker.trained_model`'s own cache)."""
    trained = model_picker.trained_model(key)
    form = trained.input_format
    if trained.shipped:
        label = f"shipped {trained.name}, test accuracy {trained.test_accuracy:.4f}"
    else:
        label = f"run: {trained.record.label()}"
    return transfer.analyse_model(trained.model, form.vocabulary, label, N_PUSH,
                                  maxlen=form.maxlen, padding=form.padding)


@st.cache_resource
def quick_models() -> dict:
    """Server-wide {QuickConfig: LearnedEmbedding}: the quick model is trained once per server.

    A shared dict rather than a cached function: the training runs as a live job of the
    session that asked for it (with its progress and Stop), and lands here when it ends.
    """
    return {}


def analyse_quick(trained: transfer.QuickModel, config: transfer.QuickConfig
                  ) -> transfer.LearnedEmbedding:
    """The trained quick model's embedding and word pushes, labelled with how it trained."""
    imdb = ui.imdb(data.ImdbConfig())
    result = trained.result
    epochs = (f"stopped by you after {result.epochs_run} of {config.epochs} epochs"
              if result.stopped else f"{config.epochs} epochs")
    label = (f"pooling model trained here ({trained.train_reviews:,} reviews, {epochs}, "
             f"test accuracy {trained.test_accuracy:.4f} on {trained.test_reviews:,} reviews)")
    return transfer.analyse_model(trained.model, imdb.vocabulary, label, N_PUSH)


def map_figure(projection: embeddings.Projection, push: np.ndarray) -> go.Figure:
    """The words' 2-d PCA coordinates, coloured by each word's push (same order); the
    words with the strongest pushes and the sentiment words are labelled."""
    strong = set(np.argsort(push)[:EXTREMES]) | set(np.argsort(push)[-EXTREMES:])
    labelled = [i for i, w in enumerate(projection.words)
                if i in strong or w in transfer.SENTIMENT_WORDS]
    limit = float(max(np.abs(push).max(), 1e-6))
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        x=projection.coords[:, 0], y=projection.coords[:, 1], mode="markers",
        text=list(projection.words), hovertemplate="%{text}<br>push %{marker.color:+.3f}",
        marker={"size": 8, "color": push, "colorscale": "RdBu", "cmin": -limit, "cmax": limit,
                "colorbar": {"title": "push"}}, name="words",
    ))
    fig.add_trace(go.Scatter(
        x=projection.coords[labelled, 0], y=projection.coords[labelled, 1], mode="text",
        text=[projection.words[i] for i in labelled], textposition="top center",
        textfont={"size": ui.label_size()}, hoverinfo="skip", name="labels",
    ))
    ratio = projection.explained_variance_ratio
    fig.update_layout(
        title=f"PCA of {len(push)} learned vectors ({ratio[0]:.0%} + {ratio[1]:.0%} of their "
              "variance)", xaxis_title="PC 1", yaxis_title="PC 2", showlegend=False,
    )
    return fig


def listing(found) -> str:
    """Neighbours as Markdown-safe text: 'word 0.93, word 0.91, ...'."""
    return ", ".join(f"{ui.inert(m.word)} {m.score:.3f}" for m in found)


def quick_section(config: transfer.QuickConfig) -> transfer.LearnedEmbedding | None:
    """The server's quick model; else its live training, or the button that starts it.

    A finished training is shared by every session; a stopped one stays with this session
    (the next student should not get a half-trained model), and can be trained fully.
    """
    st.markdown(
        f"The lesson's model: Embedding(10000, {config.embed_dim}) → average pooling → "
        f"Dense, trained on {config.train_reviews:,} IMDB reviews for {config.epochs} "
        "epochs. Trained once per server, then reused."
    )
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
    if st.button("Train it now", type="primary", key="quick_train"):
        jobs.start_job(QUICK_JOB_KEY, transfer.quick_model, config, config.epochs)
        st.rerun()  # draw the page again with the job instead of the button
    kept = st.session_state.get(QUICK_KEPT_KEY)
    if kept is not None:
        st.caption("You stopped the training: below is the model as it was then, kept for "
                   "your session only. Train it now to train it fully, for everyone.")
    return kept


def model_section() -> transfer.LearnedEmbedding | None:
    """The picked model's embedding, or None (with the reason) when there is none yet."""
    source = model_picker.pick_model("Model", key=MODEL_KEY, extra={QUICK: QUICK_LABEL})
    try:
        if model_picker.is_trained_model(source):
            learned = ui.available(analyse, source)
        else:
            learned = ui.available(quick_section, transfer.QuickConfig())
    except Exception as error:  # a damaged run or model file: say which, keep the page alive
        st.error(f"This model could not be read: {error}")
        learned = None
    if learned is None:
        st.info("Pick a model (or train the quick one) to see what its embedding learned.")
    else:
        st.success(f"Inspecting the {ui.inert(learned.label, MESSAGE_LIMIT)}: "
                   f"{len(learned.vectors):,} words × {learned.vectors.dim} dimensions.")
    return learned


def neighbours_section(vectors: WordVectors, glove: WordVectors | None) -> None:
    """Each chosen word's neighbours in the model's embedding and in GloVe (restricted to
    the same words, so both choose among the same candidates)."""
    st.header("Neighbours: the model's embedding vs GloVe · 近邻对比")
    chosen = st.multiselect("Words", [w for w in transfer.SENTIMENT_WORDS if w in vectors],
                            default=[w for w in transfer.SENTIMENT_WORDS[:6] if w in vectors],
                            key="embeddings_words")
    extra = st.text_input("Another word", "", max_chars=60, placeholder="e.g. oscar",
                          key="embeddings_word")
    words = list(chosen)
    if extra.strip():
        word = embeddings.normalise_word(extra)
        if word in vectors:
            words.append(word)
        else:
            error = UnknownWord(word, vectors.suggest(word))
            st.error(error.message(ui.inert) + " (only the model's vocabulary has learned "
                     "vectors)")
    if not words:
        return
    same = None if glove is None else transfer.restrict(glove, vectors.words)
    lines = ["| word | the model's neighbours (cosine) |"
             + ("" if same is None else " GloVe's neighbours, same vocabulary |"),
             "|---|---|" + ("" if same is None else "---|")]
    for w in words:
        line = f"| **{ui.inert(w)}** | {listing(vectors.neighbours(w, NEIGHBOURS))} |"
        if same is not None:
            line += f" {listing(same.neighbours(w, NEIGHBOURS) if w in same else []) or '—'} |"
        lines.append(line)
    st.markdown("\n".join(lines))
    st.markdown(
        "GloVe learned from which words appear near which, so its neighbours share a "
        "*topic* or *role* (and opposites like *good* and *bad* are close, as they appear "
        "in the same places). The sentiment model's embedding only had to help predict "
        "the rating, so its neighbours share a *side*: positive words crowd together, "
        "negative words together, whatever they mean otherwise."
    )


def map_section(learned: transfer.LearnedEmbedding) -> None:
    """The map of the most frequent words, then the plotted words that push hardest."""
    st.header("The learned vectors, coloured by their push · 情感方向")
    vectors = learned.vectors
    most = min(N_PUSH, len(vectors), len(learned.push))
    n_map = (st.slider("Most frequent words to plot", 100, most, min(400, most), 100,
                       key="embeddings_map_words") if most > 100 else most)
    projection = vectors.pca(vectors.words[:n_map], 2)
    push = learned.push[:n_map]  # (n_map,) the plotted words' pushes: pca keeps their order
    ui.chart(map_figure(projection, push), height=600)
    first = projection.explained_variance_ratio[0]
    st.markdown(
        "Each word's **push** is the model's P(positive) for a review made of that word alone, "
        "minus its P(positive) for a review of one unknown word: blue words pull the "
        "prediction towards positive, red towards negative. The first principal component "
        f"holds {first:.0%} of the variance: the larger that share, the more this embedding "
        "is a single sentiment axis with a little noise around it."
    )
    order = np.argsort(push)
    cols = st.columns(2)
    cols[0].markdown("**Most negative push:** " + ", ".join(
        f"{ui.inert(vectors.words[i])} ({push[i]:+.2f})" for i in order[:PUSH_LISTED]))
    cols[1].markdown("**Most positive push:** " + ", ".join(
        f"{ui.inert(vectors.words[i])} ({push[i]:+.2f})" for i in order[::-1][:PUSH_LISTED]))


st.title("Learned embeddings · 学到的嵌入")
st.caption("A sentiment model's Embedding rows are word vectors too: what did they learn?")
learned = model_section()
if learned is not None:
    glove = ui.available(ui.glove)
    neighbours_section(learned.vectors, None if glove is None else glove.vectors)
    map_section(learned)
ui.notice(
    "the model's neighbours of *great* are other words of praise, GloVe's are words used "
    "in the same places; and the learned map splits along one line, blue on one side, "
    "red on the other: the only thing this embedding was ever asked to learn."
    if learned is not None else
    "a model's embedding only learns what helps its own task: for sentiment, whether a word "
    "is positive or negative."
)
