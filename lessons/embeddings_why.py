"""Why embeddings: one-hot vs ids vs an Embedding lookup, memory and similarity.

Words are data (the toy vocabulary and GloVe are English) and stay English in both languages.
"""

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from explainers import embeddings
from lessons import figure_cache, links, ui
from lessons.i18n import N_, _

LOOKUP_WORDS = ("<PAD>", "the", "movie", "great", "awful", "boring", "acting", "plot")  # toy
LOOKUP_SEED = 7  # the toy matrix is random, as a fresh Keras Embedding is
LESSON = embeddings.MemoryConfig()  # the lesson's vocabulary, length, batch and dimension
DEFAULTS = {  # the widgets' first values (a link may set them)
    "why_vocab": LESSON.vocab_size, "why_length": LESSON.length, "why_batch": LESSON.batch_size,
    "why_dim": LESSON.dim, "why_word": "great", "why_toy_dim": 4,
    "why_words": "good great excellent bad awful movie film king queen banana",
}
LINK = links.Link(
    links.number("vocab", "why_vocab", 100, 1_000_000),
    links.number("length", "why_length", 1, 5_000),
    links.number("batch", "why_batch", 1, 4_096), links.number("dim", "why_dim", 1, 1_024),
    links.choice("word", "why_word", LOOKUP_WORDS[1:]), links.number("toy", "why_toy_dim", 2, 8),
    links.text("compare", "why_words", 400),
)
PARTS = (  # memory metric label, bar label, colour
    (N_("One-hot batch (float32)"), N_("One-hot batch"), "#d62728"),
    (N_("Ids batch (int32)"), N_("Ids batch"), "#7f7f7f"),
    (N_("Embedding output (float32)"), N_("Embedding output"), "#1f77b4"),
    (N_("Embedding table (once)"), N_("Embedding table"), "#2ca02c"),
)
COSINE_HOVER = N_("%{y} · %{x}<br>cosine %{z:.2f}<extra></extra>")


# --------------------------------------------------------------------------- figures


@figure_cache.cached
def memory_figure(vocab: int, length: int, batch: int, dim: int) -> go.Figure:
    """The four memory sizes as bars (log scale), kept by the settings."""
    est = embeddings.memory(embeddings.MemoryConfig(vocab, length, batch, dim))
    sizes = (est.one_hot_batch, est.ids_batch, est.embedded_batch, est.embedding_table)
    shapes = (f"({batch}, {length}, {vocab})", f"({batch}, {length})",
              f"({batch}, {length}, {dim})", f"({vocab}, {dim})")
    bars = [f"{_(bar)} {shape}" for (_m, bar, _c), shape in zip(PARTS, shapes, strict=True)]
    fig = go.Figure(go.Bar(
        x=sizes, y=bars, orientation="h", text=[embeddings.human_bytes(size) for size in sizes],
        textposition="auto", marker_color=[colour for *_rest, colour in PARTS],
        hovertemplate="%{y}: %{text}<extra></extra>",
    ))
    fig.update_layout(title=_("Bytes (log scale)"), xaxis_type="log", yaxis_autorange="reversed")
    return fig


def toy_table(toy_dim: int) -> np.ndarray:
    rng = np.random.default_rng(LOOKUP_SEED)
    return rng.uniform(-0.05, 0.05, (len(LOOKUP_WORDS), toy_dim)).astype(np.float32)  # (8, dim)


@figure_cache.cached
def lookup_figure(i: int, toy_dim: int) -> go.Figure:
    """The toy Embedding matrix as a heatmap, row `i` framed."""
    heat = go.Figure(go.Heatmap(
        z=toy_table(toy_dim), x=[f"d{j}" for j in range(toy_dim)],
        y=[f"{k} {w}" for k, w in enumerate(LOOKUP_WORDS)],
        colorscale="RdBu", zmid=0, texttemplate="%{z:.3f}", showscale=False,
    ))
    heat.add_shape(type="rect", x0=-0.5, x1=toy_dim - 0.5, y0=i - 0.5, y1=i + 0.5,
                   line={"color": "black", "width": 4})
    heat.update_layout(title=_("Embedding matrix ({rows} × {dim}), row {i} picked",
                               rows=len(LOOKUP_WORDS), dim=toy_dim, i=i),
                       yaxis_autorange="reversed")
    return heat


@figure_cache.cached
def cosine_figure(known: tuple[str, ...], z: np.ndarray, title: str) -> go.Figure:
    """Cosines of `known` words with each other as a heatmap."""
    fig = go.Figure(go.Heatmap(
        z=z, x=list(known), y=list(known), colorscale="RdBu", zmin=-1, zmax=1,
        texttemplate="%{z:.2f}", showscale=False, hovertemplate=_(COSINE_HOVER),
    ))
    fig.update_layout(title=title, yaxis_autorange="reversed")
    return fig


# --------------------------------------------------------------------------- sections


def memory_section() -> None:
    """One batch as one-hot vectors, as ids and as an Embedding's output."""
    st.header(_("1 · Memory of one batch"))
    cols = st.columns(4)
    vocab = cols[0].number_input(_("Vocabulary size"), 100, 1_000_000, step=1_000,
                                 key="why_vocab",
                                 help=_("The lesson keeps the {n:,} most frequent words.",
                                        n=LESSON.vocab_size))
    length = cols[1].number_input(_("Review length (tokens)"), 1, 5_000, step=50,
                                  key="why_length",
                                  help=_("The lesson pads every review to {n} tokens.",
                                         n=LESSON.length))
    batch = cols[2].number_input(_("Batch size"), 1, 4_096, step=32, key="why_batch")
    dim = cols[3].number_input(_("Embedding dimension"), 1, 1_024, key="why_dim",
                               help=_("The lesson's Embedding({vocab}, {dim}).",
                                      vocab=LESSON.vocab_size, dim=LESSON.dim))
    est = embeddings.memory(embeddings.MemoryConfig(int(vocab), int(length), int(batch), int(dim)))
    sizes = (est.one_hot_batch, est.ids_batch, est.embedded_batch, est.embedding_table)
    for col, (label, _bar, _colour), size in zip(st.columns(4), PARTS, sizes, strict=True):
        col.metric(_(label), embeddings.human_bytes(size))
    ui.chart(memory_figure(int(vocab), int(length), int(batch), int(dim)), height=280)
    st.markdown(_(
        "A one-hot batch stores **{vocab:,} numbers per token**, all but one of them zero: "
        "{one_hot} for one batch, **{ratio:,.0f}×** the Embedding's output. The model reads the "
        "ids ({ids}) and the Embedding looks each one up in a table of {weights:,} weights that "
        "is stored once, not per batch.", vocab=vocab, one_hot=embeddings.human_bytes(sizes[0]),
        ratio=est.one_hot_vs_embedded, ids=embeddings.human_bytes(sizes[1]),
        weights=int(vocab) * int(dim)))


def lookup_section() -> None:
    """An Embedding lookup is one-hot × matrix without the zeros."""
    st.header(_("2 · An Embedding is a lookup"))
    c1, c2 = st.columns([1, 2])
    word = c1.selectbox(_("Word"), LOOKUP_WORDS[1:], key="why_word")
    toy_dim = c1.slider(_("Dimension"), 2, 8, key="why_toy_dim")
    table = toy_table(toy_dim)  # (8, toy_dim) random, as a fresh Keras Embedding
    i = LOOKUP_WORDS.index(word)
    one = embeddings.one_hot(i, len(LOOKUP_WORDS))  # (vocab,)
    product = one @ table  # (dim,) equals table[i]
    c1.markdown(_("Id of **{word}**: `{i}`", word=word, i=i))
    c1.code("one-hot = " + np.array2string(one.astype(int)), language=None)
    with c2:
        ui.chart(lookup_figure(i, int(toy_dim)), height=360)
    st.markdown(_(
        "`one_hot @ matrix` = `{product}` and `matrix[{i}]` = `{row}`: **{verdict}**. "
        "Multiplying by a one-hot row only picks a row, so Keras skips the multiplication and "
        "indexes the table.", product=np.array2string(product, precision=3), i=i,
        row=np.array2string(table[i], precision=3),
        verdict=_("equal") if np.array_equal(product, table[i]) else _("different")))


def similarity_section() -> None:
    """One-hot cosines are 0; GloVe's say which words are related."""
    st.header(_("3 · One-hot knows no similarity"))
    typed = st.text_input(_("Words to compare"), key="why_words", max_chars=400)
    words = embeddings.parse_words(typed, limit=14)
    loaded = ui.available(ui.glove)
    if loaded is None:
        return
    glove = loaded.vectors
    known = [w for w in words if w in glove]
    for w in words:
        if w not in glove:
            st.warning(embeddings.UnknownWord(w, glove.suggest(w)).message(ui.inert, _))
    if len(known) < 2:
        st.warning(_("Type at least two words GloVe knows to compare them."))
        return
    rows = [glove.row(w) for w in known]
    cos = glove.unit[rows] @ glove.unit[rows].T  # (n, n) cosine of GloVe vectors
    left, right = st.columns(2)
    for col, z, title in ((left, np.eye(len(known)), _("One-hot: cosine is 0 off the diagonal")),
                          (right, cos, _("GloVe 50d: cosine similarity"))):
        with col:
            ui.chart(cosine_figure(tuple(known), z, title), height=460)
    pairs = [(a, b, float(cos[x, y])) for x, a in enumerate(known)
             for y, b in enumerate(known) if x < y]
    pairs.sort(key=lambda p: -p[2])
    st.dataframe(pd.DataFrame(pairs[:5], columns=[_("word"), _("other word"), _("GloVe cosine")]),
                 hide_index=True)
    st.markdown(_(
        "Two different one-hot vectors never share a non-zero position, so their dot product, "
        "and their cosine, is exactly 0: *good* is as far from *great* as from *banana*. "
        "Learned vectors put related words close together."))


# --------------------------------------------------------------------------- page

LINK.restore()
for key, value in DEFAULTS.items():
    st.session_state.setdefault(key, value)
st.title(_("Why embeddings"))
st.caption(_("One-hot vectors, integer ids and an Embedding lookup: what each costs and knows."))
ui.lesson_says("one_hot")
memory_section()
lookup_section()
similarity_section()
ui.notice(_(
    "the one-hot batch grows with the vocabulary, the Embedding's output only with its "
    "dimension; the lookup is the same maths as one-hot × matrix, without the zeros; and only "
    "the dense vectors can say that *good* is closer to *great* than to *banana*."))
