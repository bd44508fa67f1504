"""Parameter counts: every layer's formula, with this model's numbers, beside model.summary().

The counts come from `explainers.params` (derived from each layer's sizes alone); the
summary column comes from building the same model in Keras and reading its printed summary.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from explainers import cells, lesson, params, presets
from lessons import links, ui
from lessons.i18n import _, explain
from lessons.widgets import model_diagram

CUSTOM = "custom"  # the model picker's code for the reader's own stack
MODELS = (*presets.PARAMETER_TITLES, CUSTOM)  # picker codes: the lesson's models, then yours
MAX_RECURRENT = 3  # stacked recurrent layers offered; the lesson stacks two
SEQ_RANGE = (10, 1000)  # maxlen offered: the lesson's 500 and its char-RNN's 100 in between
VOCAB_RANGE = (10, 20_000)  # num_words offered: the lesson's 10,000 and 65 characters
DIM_RANGE = (2, 512)  # embedding sizes offered: the lesson's 16 and the char-RNN's 256
UNITS_RANGE = (1, 1024)  # recurrent units offered: up to the char-RNN's 1024
HIDDEN_RANGE = (0, 512)  # the hidden Dense layer's units (0 = none)
OUT_RANGE = (1, 20_000)  # output units: 1 for sentiment, V for the next character
LINK = links.Link(  # the picker and every builder widget (a layer beyond "how many" is unused)
    links.choice("model", "p_preset", MODELS),
    links.number("maxlen", "p_seq", *SEQ_RANGE),
    links.number("vocab", "p_vocab", *VOCAB_RANGE),
    links.number("dim", "p_dim", *DIM_RANGE),
    links.choice("layers", "p_nrnn", tuple(range(MAX_RECURRENT + 1))),
    *(field for i in range(MAX_RECURRENT) for field in (
        links.choice(f"cell{i + 1}", f"p_cell{i}", cells.KINDS),
        links.number(f"units{i + 1}", f"p_units{i}", *UNITS_RANGE),
        links.flag(f"bi{i + 1}", f"p_bi{i}"),
        links.flag(f"reset{i + 1}", f"p_reset{i}"),
    )),
    links.number("hidden", "p_hidden", *HIDDEN_RANGE),
    links.number("out", "p_out", *OUT_RANGE),
    model_diagram.link_field("diagram", "p"),  # the layer boxes or the time steps
)
AGREE, DISAGREE = "✅", "❌"
ROW_PIXELS = 35  # st.dataframe's row height: the lesson table is shown without scrolling


@st.cache_data(show_spinner=False, max_entries=64)
def keras_summary(spec: params.ModelSpec) -> params.Summary:
    """Build the real model for a (frozen, hashable) spec; only its parsed summary is kept."""
    return params.model_summary(spec)


def model_name(code: str) -> str:
    return _("Build your own") if code == CUSTOM else _(presets.PARAMETER_TITLES[code])


def custom_spec() -> params.ModelSpec:
    """Read the builder's widgets into a ModelSpec."""
    st.markdown(_("**Input and embedding**"))
    a, b, c = st.columns(3)
    seq_len = a.slider(_("Sequence length (maxlen)"), *SEQ_RANGE, 500, step=10, key="p_seq",
                       help=_("Does not change any parameter count: weights are shared across "
                              "time steps."))
    vocab = b.slider(_("Vocabulary V (num_words)"), *VOCAB_RANGE, 10_000, step=10, key="p_vocab")
    dim = c.slider(_("Embedding size d"), *DIM_RANGE, 16, key="p_dim")
    layers = [params.LayerSpec("embedding", units=dim, vocab=vocab)]

    st.markdown(_("**Recurrent layers** (stacked: every layer but the last returns the whole "
                  "sequence)"))
    n_rnn = st.radio(_("How many"), range(MAX_RECURRENT + 1), index=1, horizontal=True,
                     key="p_nrnn", help=_("0 = the lesson's GlobalAveragePooling1D model."))
    for i in range(n_rnn):
        cols = st.columns([1.2, 1.5, 1, 1.2])
        cell = cols[0].selectbox(_("Layer {n}", n=i + 1), cells.KINDS, key=f"p_cell{i}",
                                 format_func=cells.display_name)
        units = cols[1].slider(_("units h"), *UNITS_RANGE, 64, key=f"p_units{i}")
        bi = cols[2].checkbox(_("Bidirectional"), key=f"p_bi{i}")
        reset_after = True
        if cell == "gru":
            reset_after = cols[3].checkbox("reset_after", value=True, key=f"p_reset{i}",
                                           help=_("Keras's default True: 2h biases per block."))
        layers.append(params.LayerSpec(cell, units=units, bidirectional=bi,
                                       return_sequences=i < n_rnn - 1, reset_after=reset_after))
    if n_rnn == 0:
        layers.append(params.LayerSpec("globalaveragepooling1d"))

    st.markdown(_("**Dense head**"))
    a, b = st.columns(2)
    hidden = a.slider(_("Hidden Dense units (0 = none)"), *HIDDEN_RANGE, 64, key="p_hidden")
    outputs = b.slider(_("Output units (1 = sentiment, V = next character)"), *OUT_RANGE, 1,
                       key="p_out")
    if hidden:
        layers.append(params.LayerSpec("dense", units=hidden, activation="relu"))
    layers.append(params.LayerSpec("dense", units=outputs))
    return params.ModelSpec(tuple(layers), seq_len=seq_len, title="Your model")


def layer_table(counted: params.ModelCount, summary: params.Summary) -> pd.DataFrame:
    columns = (_("Layer"), _("Formula"), _("With these numbers"), _("= Params"),
               _("model.summary() says"), _("Agree"), _("Output shape"))
    rows = []
    for layer in counted.layers:
        line = summary.row(layer.name)
        agrees = line is not None and line.params == layer.params
        rows.append((f"{layer.name} ({layer.keras_class})", layer.formula, layer.substituted,
                     params.fmt(layer.params),
                     params.fmt(line.params) if line else _("(missing)"),
                     AGREE if agrees else DISAGREE,
                     line.output_shape if line else layer.output_shape))
        for d in layer.directions:  # summary shows one line; open both directions
            rows.append((f"   ↳ {_(params.DIRECTIONS[d.way], cell=d.cell)}", d.formula,
                         d.substituted, params.fmt(d.params), _("(inside the line above)"),
                         "", ""))
    return pd.DataFrame(rows, columns=columns)


def show_model(spec: params.ModelSpec) -> params.ModelCount | None:
    """The formula table beside Keras's summary, and the totals; None when it cannot be built."""
    try:
        counted = params.count_model(spec)
    except ValueError as error:
        st.error(_("This stack cannot be built: {why}", why=explain(error)))
        return None
    try:
        with st.spinner(_("Building the Keras model and reading its summary…")):
            summary = keras_summary(spec)
    except (ValueError, MemoryError) as error:
        st.error(_("Keras could not build this model: {why}", why=ui.inert(str(error))))
        return None
    st.dataframe(layer_table(counted, summary), hide_index=True, width="stretch")
    a, b, c = st.columns(3)
    ours, theirs = counted.total_text, summary.total
    a.metric(_("Total from the formulas"), ours)
    b.metric(_("Total params in model.summary()"), theirs)
    c.metric(_("Agree"), AGREE if ours == theirs else DISAGREE,
             help=_("Memory is params × 4 bytes (float32), in units of 1024, as Keras prints."))
    with st.expander(_("The whole model.summary() as Keras printed it")):
        st.code(summary.text, language=None)
    model_diagram.show("p", spec, lambda: params.keras_model(spec))
    return counted


def why_each_term(spec: params.ModelSpec, counted: params.ModelCount) -> None:
    """Each distinct formula once, with this model's numbers and a sentence on its terms."""
    st.markdown(_("#### Why each term"))
    seen = set()
    for spec_layer, layer in zip(spec.layers, counted.layers, strict=True):
        if (layer.formula, layer.keras_class) in seen:
            continue
        seen.add((layer.formula, layer.keras_class))
        st.markdown(_("**{cls}** — `{formula}` (e.g. {numbers} = {params}). {why}",
                      cls=layer.keras_class, formula=layer.formula,
                      numbers=layer.substituted, params=params.fmt(layer.params),
                      why=" ".join(_(sentence) for sentence in layer.why)))
        if layer.directions:
            ui.lesson_says("bidirectional")
        if spec_layer.kind in params.RNN_KINDS and spec.seq_len:
            st.caption(_("The sequence length ({n}) appears nowhere: the same weights are "
                         "reused at every step.", n=spec.seq_len))


def model_section() -> None:
    """A lesson model or the reader's own, counted layer by layer beside Keras's summary: the
    table first, so it stays on the first screen; the builder's widgets under it."""
    choice = st.selectbox(_("Model"), MODELS, format_func=model_name, key="p_preset")
    table = st.container()
    if choice == CUSTOM:
        st.subheader(_("Build your own"))
        spec = custom_spec()
    else:
        spec = presets.PARAMETER_MODELS[presets.PARAMETER_TITLES[choice]]
    with table:
        if choice != CUSTOM:
            tokens = (_("{n} tokens per example", n=spec.seq_len) if spec.seq_len
                      else _("any number of tokens per example"))
            st.markdown(_("*{title}* — input: {tokens}.", tokens=tokens,
                          title=_(spec.title, **dict(spec.facts))))
        counted = show_model(spec)
    if counted is not None:
        why_each_term(spec, counted)


def lesson_numbers() -> None:
    """Every number the lesson printed, recomputed and checked against Keras's summary."""
    st.subheader(_("Every number the lesson printed"))
    columns = (_("Lesson printed"), _("Formula with numbers"), _("Formula gives"),
               _("Keras summary"), _("Agree"), _("Layer"), _("Model"))
    rows = []
    with st.spinner(_("Building the Keras model and reading its summary…")):
        for number, (title, index) in presets.LESSON_COUNTS.items():
            spec = presets.PARAMETER_MODELS[title]
            layer = params.count_model(spec).layers[index]
            line = keras_summary(spec).row(layer.name)
            rows.append((params.fmt(number), layer.substituted, params.fmt(layer.params),
                         params.fmt(line.params) if line else _("(missing)"),
                         AGREE if line and line.params == layer.params == number else DISAGREE,
                         f"{layer.name} ({layer.keras_class})", _(title)))
        for title, spec in presets.PARAMETER_MODELS.items():
            total, keras_total = params.count_model(spec).total_text, keras_summary(spec).total
            rows.append((lesson.POOL_TOTAL if title == presets.POOL_TITLE else "",
                         _("sum of the layers"), total, keras_total,
                         AGREE if total == keras_total else DISAGREE, _("Total params"),
                         _(title)))
    st.dataframe(pd.DataFrame(rows, columns=columns), hide_index=True, width="stretch",
                 height=ROW_PIXELS * (len(rows) + 1) + 3)


LINK.restore()
st.title(_("Parameter counts"))
st.caption(_("Every layer's formula, with your numbers substituted, beside the line Keras's "
             "model.summary() prints for the same layer."))
ui.lesson_says("parameter_formula")
model_section()
lesson_numbers()
ui.notice(_(
    "Recurrent layers cost h × (h + x) + h per block no matter how long the review is, "
    "because the same weights are used at every step. The Embedding dwarfs everything in "
    "the sentiment models (160,000 of 169,409 for the SimpleRNN), while in the char-RNN the "
    "recurrent matrix dominates (1,048,576 of its weights are the 1024 × 1024 h→h part). "
    "Bidirectional exactly doubles a layer, and the next layer then sees 2h inputs: that is "
    "why the second BiLSTM (98,816) is bigger than the first (41,472)."))
