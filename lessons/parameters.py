"""Parameter counts: every layer's formula, with this model's numbers, beside model.summary().

The counts come from `explainers.params` (derived from each layer's sizes alone); the
summary column comes from building the same model in Keras and reading its printed summary.
"""

from __future__ import annotations

import html

import pandas as pd
import streamlit as st

from explainers import cells, lesson, params, presets
from lessons import ui

CUSTOM = "Build your own · 自己搭建"
MAX_RECURRENT = 3  # stacked recurrent layers offered; the lesson stacks two
AGREE, DISAGREE = "✅", "❌"
ROW_PIXELS = 35  # st.dataframe's row height: the lesson table is shown without scrolling


@st.cache_data(show_spinner="Building the Keras model and reading its summary…", max_entries=64)
def keras_summary(spec: params.ModelSpec) -> params.Summary:
    """Build the real model for a (frozen, hashable) spec; only its parsed summary is kept."""
    return params.model_summary(spec)


def custom_spec() -> params.ModelSpec:
    """Read the builder's widgets into a ModelSpec."""
    st.markdown("**Input and embedding · 输入与嵌入**")
    a, b, c = st.columns(3)
    seq_len = a.slider("Sequence length (maxlen)", 10, 1000, 500, step=10, key="p_seq",
                       help="Does not change any parameter count: weights are shared "
                            "across time steps.")
    vocab = b.slider("Vocabulary V (num_words)", 10, 20_000, 10_000, step=10, key="p_vocab")
    dim = c.slider("Embedding size d", 2, 512, 16, key="p_dim")
    layers = [params.LayerSpec("embedding", units=dim, vocab=vocab)]

    st.markdown("**Recurrent layers · 循环层** (stacked: every layer but the last returns "
                "the whole sequence)")
    n_rnn = st.radio("How many", [0, 1, 2, 3], index=1, horizontal=True, key="p_nrnn",
                     help="0 = the lesson's GlobalAveragePooling1D model.")
    for i in range(n_rnn):
        cols = st.columns([1.2, 1.5, 1, 1.2])
        cell = cols[0].selectbox(f"Layer {i + 1}", cells.KINDS, key=f"p_cell{i}",
                                 format_func=cells.display_name)
        units = cols[1].slider("units h", 1, 1024, 64, key=f"p_units{i}")
        bi = cols[2].checkbox("Bidirectional", key=f"p_bi{i}")
        reset_after = True
        if cell == "gru":
            reset_after = cols[3].checkbox("reset_after", value=True, key=f"p_reset{i}",
                                           help="Keras's default True: 2h biases per block.")
        layers.append(params.LayerSpec(cell, units=units, bidirectional=bi,
                                       return_sequences=i < n_rnn - 1, reset_after=reset_after))
    if n_rnn == 0:
        layers.append(params.LayerSpec("globalaveragepooling1d"))

    st.markdown("**Dense head · 全连接层**")
    a, b = st.columns(2)
    hidden = a.slider("Hidden Dense units (0 = none)", 0, 512, 64, key="p_hidden")
    outputs = b.slider("Output units (1 = sentiment, V = next character)", 1, 20_000, 1,
                       key="p_out")
    if hidden:
        layers.append(params.LayerSpec("dense", units=hidden, activation="relu"))
    layers.append(params.LayerSpec("dense", units=outputs))
    return params.ModelSpec(tuple(layers), seq_len=seq_len, title="Your model")


def layer_table(counted: params.ModelCount, summary: params.Summary) -> pd.DataFrame:
    rows = []
    for layer in counted.layers:
        line = summary.row(layer.name)
        agrees = line is not None and line.params == layer.params
        rows.append({
            "Layer": f"{layer.name} ({layer.keras_class})",
            "Formula · 公式": layer.formula,
            "With these numbers · 代入": layer.substituted,
            "= Params": params.fmt(layer.params),
            "model.summary() says": params.fmt(line.params) if line else "(missing)",
            "Agree": AGREE if agrees else DISAGREE,
            "Output shape": line.output_shape if line else layer.output_shape,
        })
        for direction in layer.directions:  # summary shows one line; open both directions
            rows.append({
                "Layer": f"   ↳ {direction.name}",
                "Formula · 公式": direction.formula,
                "With these numbers · 代入": direction.substituted,
                "= Params": params.fmt(direction.params),
                "model.summary() says": "(inside the line above)",
                "Agree": "",
                "Output shape": "",
            })
    return pd.DataFrame(rows)


def show_model(spec: params.ModelSpec) -> None:
    try:
        counted = params.count_model(spec)
    except ValueError as error:
        st.error(f"This stack cannot be built: {error}")
        return
    try:
        summary = keras_summary(spec)
    except (ValueError, MemoryError) as error:
        st.error(f"Keras could not build this model: {error}")
        return
    st.dataframe(layer_table(counted, summary), hide_index=True, width="stretch")
    a, b, c = st.columns(3)
    ours, theirs = counted.total_text, summary.total
    a.metric("Total from the formulas · 公式合计", ours)
    b.metric("Total params in model.summary()", theirs)
    c.metric("Agree", AGREE if ours == theirs else DISAGREE,
             help="Memory is params × 4 bytes (float32), in units of 1024, as Keras prints.")
    with st.expander("The whole model.summary() as Keras printed it"):
        st.code(summary.text, language=None)

    st.markdown("#### Why each term · 每一项的含义")
    seen = set()
    for spec_layer, layer in zip(spec.layers, counted.layers, strict=True):
        key = (layer.formula, layer.keras_class)
        if key in seen:
            continue
        seen.add(key)
        st.markdown(
            f"**{html.escape(layer.keras_class)}** — `{layer.formula}` "
            f"(e.g. {layer.substituted} = {params.fmt(layer.params)}). {layer.why}"
        )
        if spec_layer.kind in params.RNN_KINDS and spec.seq_len:
            st.caption(f"The sequence length ({spec.seq_len}) appears nowhere: the same "
                       "weights are reused at every step.")


def model_section() -> None:
    """A lesson model or the reader's own, counted layer by layer beside Keras's summary."""
    choice = st.selectbox("Model · 模型", [*presets.PARAMETER_MODELS, CUSTOM], key="p_preset")
    if choice == CUSTOM:
        spec = custom_spec()
    else:
        spec = presets.PARAMETER_MODELS[choice]
        st.markdown(f"*{html.escape(spec.title)}* — input: "
                    f"{spec.seq_len if spec.seq_len else 'any number of'} tokens per example.")
    show_model(spec)


def lesson_numbers() -> None:
    """Every number the lesson printed, recomputed and checked against Keras's summary."""
    st.subheader("Every number the lesson printed · 课程中的数字")
    rows = []
    for number, (preset, index) in presets.LESSON_COUNTS.items():
        spec = presets.PARAMETER_MODELS[preset]
        layer = params.count_model(spec).layers[index]
        line = keras_summary(spec).row(layer.name)
        rows.append({
            "Lesson printed": params.fmt(number),
            "Formula with numbers": layer.substituted,
            "Formula gives": params.fmt(layer.params),
            "Keras summary": params.fmt(line.params) if line else "(missing)",
            "Agree": AGREE if line and line.params == layer.params == number else DISAGREE,
            "Layer": f"{layer.name} ({layer.keras_class})",
            "Model": preset,
        })
    for preset, spec in presets.PARAMETER_MODELS.items():
        total = params.count_model(spec).total_text
        rows.append({
            "Lesson printed": lesson.POOL_TOTAL if preset == presets.POOL_TITLE else "",
            "Formula with numbers": "sum of the layers",
            "Formula gives": total, "Keras summary": keras_summary(spec).total,
            "Agree": AGREE if total == keras_summary(spec).total else DISAGREE,
            "Layer": "Total params", "Model": preset,
        })
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch",
                 height=ROW_PIXELS * (len(rows) + 1) + 3)


st.title("Parameter counts · 参数量")
st.caption("Every layer's formula, with your numbers substituted, beside the line Keras's "
           "model.summary() prints for the same layer.")

model_section()
lesson_numbers()

ui.notice(
    "Recurrent layers cost h × (h + x) + h per block no matter how long the review is, "
    "because the same weights are used at every step. The Embedding dwarfs everything in "
    "the sentiment models (160,000 of 169,409 for the SimpleRNN), while in the char-RNN the "
    "recurrent matrix dominates (1,048,576 of its weights are the 1024 × 1024 h→h part). "
    "Bidirectional exactly doubles a layer, and the next layer then sees 2h inputs: that is "
    "why the second BiLSTM (98,816) is bigger than the first (41,472)."
)
