"""Why embeddings: one-hot vs ids vs an Embedding lookup, memory and similarity."""

import html

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from explainers import embeddings
from lessons import ui

LOOKUP_WORDS = ("<PAD>", "the", "movie", "great", "awful", "boring", "acting", "plot")  # toy
LOOKUP_SEED = 7  # the toy matrix is random, as a fresh Keras Embedding is
SIMILARITY_WORDS = "good great excellent bad awful movie film king queen banana"


# --------------------------------------------------------------------------- sections


def memory_section() -> None:
    """One batch as one-hot vectors, as ids and as an Embedding's output."""
    st.header("1 · Memory of one batch · 一个批次的内存")
    cols = st.columns(4)
    vocab = cols[0].number_input("Vocabulary size", 100, 1_000_000, 10_000, step=1_000,
                                 help="The lesson keeps the 10,000 most frequent words.")
    length = cols[1].number_input("Review length (tokens)", 1, 5_000, 500, step=50,
                                  help="The lesson pads every review to 500 tokens.")
    batch = cols[2].number_input("Batch size", 1, 4_096, 32, step=32)
    dim = cols[3].number_input("Embedding dimension", 1, 1_024, 16,
                               help="The lesson's Embedding(10000, 16).")
    est = embeddings.memory(embeddings.MemoryConfig(int(vocab), int(length), int(batch), int(dim)))

    m = st.columns(4)
    m[0].metric("One-hot batch (float32)", embeddings.human_bytes(est.one_hot_batch))
    m[1].metric("Ids batch (int32)", embeddings.human_bytes(est.ids_batch))
    m[2].metric("Embedding output (float32)", embeddings.human_bytes(est.embedded_batch))
    m[3].metric("Embedding table (once)", embeddings.human_bytes(est.embedding_table))
    rows = [
        ("One-hot batch", f"({batch}, {length}, {vocab})", est.one_hot_batch),
        ("Ids batch", f"({batch}, {length})", est.ids_batch),
        ("Embedding output", f"({batch}, {length}, {dim})", est.embedded_batch),
        ("Embedding table", f"({vocab}, {dim})", est.embedding_table),
    ]
    fig = go.Figure(go.Bar(
        x=[r[2] for r in rows], y=[f"{r[0]} {r[1]}" for r in rows], orientation="h",
        text=[embeddings.human_bytes(r[2]) for r in rows], textposition="auto",
        marker_color=["#d62728", "#7f7f7f", "#1f77b4", "#2ca02c"],
    ))
    fig.update_layout(title="Bytes (log scale)", xaxis_type="log", yaxis_autorange="reversed")
    ui.chart(fig, height=300)
    st.markdown(
        f"A one-hot batch stores **{vocab:,} numbers per token**, all but one of them zero: "
        f"{embeddings.human_bytes(est.one_hot_batch)} for one batch, "
        f"**{est.one_hot_vs_embedded:,.0f}×** the Embedding's output. The model reads the ids "
        f"({embeddings.human_bytes(est.ids_batch)}) and the Embedding looks each one up in a "
        f"table of {int(vocab) * int(dim):,} weights that is stored once, not per batch."
    )


def lookup_section() -> None:
    """An Embedding lookup is one-hot × matrix without the zeros."""
    st.header("2 · An Embedding is a lookup · 嵌入就是查表")
    c1, c2 = st.columns([1, 2])
    word = c1.selectbox("Word", LOOKUP_WORDS[1:], index=2)
    toy_dim = c1.slider("Dimension", 2, 8, 4)
    rng = np.random.default_rng(LOOKUP_SEED)
    table = rng.uniform(-0.05, 0.05, (len(LOOKUP_WORDS), toy_dim)).astype(np.float32)
    i = LOOKUP_WORDS.index(word)
    one = embeddings.one_hot(i, len(LOOKUP_WORDS))  # (vocab,)
    product = one @ table  # (dim,) equals table[i]
    c1.markdown(f"Id of **{html.escape(word)}**: `{i}`")
    c1.code("one-hot = " + np.array2string(one.astype(int)), language=None)
    heat = go.Figure(go.Heatmap(
        z=table, x=[f"d{j}" for j in range(toy_dim)],
        y=[f"{k} {w}" for k, w in enumerate(LOOKUP_WORDS)],
        colorscale="RdBu", zmid=0, texttemplate="%{z:.3f}",
        showscale=False,
    ))
    heat.add_shape(type="rect", x0=-0.5, x1=toy_dim - 0.5, y0=i - 0.5, y1=i + 0.5,
                   line={"color": "black", "width": 4})
    heat.update_layout(title=f"Embedding matrix ({len(LOOKUP_WORDS)} × {toy_dim}), row {i} picked",
                       yaxis_autorange="reversed")
    with c2:
        ui.chart(heat, height=360)
    st.markdown(
        f"`one_hot @ matrix` = `{np.array2string(product, precision=3)}` and "
        f"`matrix[{i}]` = `{np.array2string(table[i], precision=3)}`: "
        f"**{'equal' if np.array_equal(product, table[i]) else 'different'}**. Multiplying by a "
        "one-hot row only picks a row, so Keras skips the multiplication and indexes the table."
    )


def similarity_section() -> None:
    """One-hot cosines are 0; GloVe's say which words are related."""
    st.header("3 · One-hot knows no similarity · 独热向量没有相似度")
    typed = st.text_input("Words to compare", SIMILARITY_WORDS, max_chars=400)
    words = embeddings.parse_words(typed, limit=14)
    loaded = ui.available(ui.glove)
    if loaded is not None:
        glove = loaded.vectors
        known = [w for w in words if w in glove]
        for w in words:
            if w not in glove:
                st.warning(embeddings.UnknownWord(w, glove.suggest(w)).message(ui.inert))
        if len(known) < 2:
            st.warning("Type at least two words GloVe knows to compare them.")
        else:
            rows = [glove.row(w) for w in known]
            cos = glove.unit[rows] @ glove.unit[rows].T  # (n, n) cosine of GloVe vectors
            left, right = st.columns(2)
            for col, z, title in (
                (left, np.eye(len(known)), "One-hot: cosine is 0 off the diagonal"),
                (right, cos, "GloVe 50d: cosine similarity"),
            ):
                fig = go.Figure(go.Heatmap(
                    z=z, x=known, y=known, colorscale="RdBu", zmin=-1, zmax=1,
                    texttemplate="%{z:.2f}", showscale=False,
                ))
                fig.update_layout(title=title, yaxis_autorange="reversed")
                with col:
                    ui.chart(fig, height=460)
            pairs = [(a, b, float(cos[x, y])) for x, a in enumerate(known)
                     for y, b in enumerate(known) if x < y]
            pairs.sort(key=lambda p: -p[2])
            st.dataframe(pd.DataFrame(pairs[:5], columns=["word", "word ", "GloVe cosine"]),
                         hide_index=True)
            st.markdown(
                "Two different one-hot vectors never share a non-zero position, so their dot "
                "product, and their cosine, is exactly 0: *good* is as far from *great* as from "
                "*banana*. Learned vectors put related words close together."
            )


# --------------------------------------------------------------------------- page

st.title("Why embeddings · 为什么要嵌入")
st.caption("One-hot vectors, integer ids and an Embedding lookup: what each costs and knows.")
memory_section()
lookup_section()
similarity_section()
ui.notice(
    "the one-hot batch grows with the vocabulary, the Embedding's output only with its "
    "dimension; the lookup is the same maths as one-hot × matrix, without the zeros; and "
    "only the dense vectors can say that *good* is closer to *great* than to *banana*."
)
