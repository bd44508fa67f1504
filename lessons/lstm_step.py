"""One LSTM step by hand: the gate equations, a toy cell, every product, checked against Keras.

The maths is `explainers.lstm_step` (the gates of `explainers.gates`, checked against
`gates.trace_lstm` on every run and against a real `keras.layers.LSTM` on demand); the tables
are `charts.lstm_step`. The lesson's names for the parts (一带四门) sit beside the app's.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from explainers import lstm_step
from lessons import figure_cache, links, ui
from lessons.charts import lstm_step as charts
from lessons.charts.gates import QUANTITIES
from lessons.i18n import N_, _, explain

EXAMPLE = "The film was not good, it was great"
SENTENCE_LIMIT = 200  # characters of the sentence (its first few words are used)
MAX_SEED = 9999  # weights seeds offered
TOLERANCE = 1e-6  # hand vs trace_lstm vs Keras: float64 on both sides, so far below this
SENTENCE_KEY, X_KEY, H_KEY = "lstep_sentence", "lstep_x", "lstep_h"
SEED_KEY, STEP_KEY, CHECKED_KEY = "lstep_seed", "lstep_t", "lstep_checked"
LINK = links.Link(  # a step beyond this sentence's words is clamped
    links.text("sentence", SENTENCE_KEY, SENTENCE_LIMIT),
    links.number("x", X_KEY, 1, lstm_step.MAX_X),
    links.number("h", H_KEY, 1, lstm_step.MAX_H),
    links.number("seed", SEED_KEY, 0, MAX_SEED),
    links.number("t", STEP_KEY, 1, lstm_step.MAX_TOKENS),
)
WIDE_LABELS = {"_index": st.column_config.Column(width="medium")}  # row labels are formulas
SAYS = {"f": "forget_gate", "i": "input_gate", "o": "output_gate"}  # lesson.SAYINGS beside each
FORMULAS = {  # each gate's equation as its card heads it (LaTeX is the same in both languages)
    "f": r"f_t = \sigma(x_t W_f + h_{t-1} U_f + b_f)",
    "i": r"i_t = \sigma(x_t W_i + h_{t-1} U_i + b_i)",
    "g": r"g_t = \tanh(x_t W_g + h_{t-1} U_g + b_g)",
    "o": r"o_t = \sigma(x_t W_o + h_{t-1} U_o + b_o)",
}
EQUATIONS = r"""\begin{aligned}
f_t &= \sigma(x_t W_f + h_{t-1} U_f + b_f) \\
i_t &= \sigma(x_t W_i + h_{t-1} U_i + b_i) \\
g_t &= \tanh(x_t W_g + h_{t-1} U_g + b_g) \\
o_t &= \sigma(x_t W_o + h_{t-1} U_o + b_o) \\
c_t &= f_t \odot c_{t-1} + i_t \odot g_t \\
h_t &= o_t \odot \tanh(c_t)
\end{aligned}"""
CANDIDATE = N_("The lesson calls the candidate g the “update gate” or the “current-state gate”; "
               "this app calls it the candidate, and keeps “update gate” for the GRU's.")
NOTICE = N_("an LSTM step is four SimpleRNN steps side by side (the same x_t and h_{t-1}, each "
            "gate with its own W, U and b) followed by two elementwise lines. Only the belt "
            "line adds: c_t = f ⊙ c_{t-1} + i ⊙ g. Nothing multiplies the belt by a weight "
            "matrix, so with f near 1 what it carries survives many steps; h_t is just a view "
            "of it through the output gate.")


@st.cache_data(show_spinner=False, max_entries=64)
def walk(text: str, cell: lstm_step.ToyCell) -> lstm_step.LstmWalk:
    return lstm_step.walk(text, cell)


@st.cache_data(show_spinner=False, max_entries=64)
def keras_difference(text: str, cell: lstm_step.ToyCell) -> float:
    """The Keras check: builds a keras.layers.LSTM (imports TensorFlow), once per view."""
    return lstm_step.keras_difference(text, cell)


def states_figure(text: str, cell: lstm_step.ToyCell, t: int):
    """The belt and state heatmaps of the sentence's walk, keyed by its text and cell (the
    walk itself holds objects Streamlit cannot hash)."""
    return charts.states_figure(walk(text, cell), t)


def vector(values: np.ndarray) -> str:
    return str(np.round(values, 3).tolist())


def controls() -> tuple[str, lstm_step.ToyCell, st.delta_generator.DeltaGenerator]:
    """The sentence, the sizes and the seed on one row; returns the slot for the step slider
    (it needs the sentence's length)."""
    for key, default in ((SENTENCE_KEY, EXAMPLE), (X_KEY, lstm_step.ToyCell.x_dim),
                         (H_KEY, lstm_step.ToyCell.h_dim)):
        st.session_state.setdefault(key, default)  # a link may have set it already
    a, b, c, d, e = st.columns([4, 2, 2, 2, 3])
    text = a.text_input(_("A short sentence (the first {n} words are used)",
                          n=lstm_step.MAX_TOKENS), max_chars=SENTENCE_LIMIT, key=SENTENCE_KEY)
    x_dim = b.slider(_("Input size x"), 1, lstm_step.MAX_X, key=X_KEY)
    h_dim = c.slider(_("Hidden size h"), 1, lstm_step.MAX_H, key=H_KEY)
    seed = int(d.number_input(_("Weights seed"), 0, MAX_SEED, key=SEED_KEY))
    return text, lstm_step.ToyCell(x_dim, h_dim, seed), e


def equations_section() -> st.delta_generator.DeltaGenerator:
    """The six equations; returns the space beside them for the step's inputs."""
    left, right = st.columns([2, 3])
    left.latex(EQUATIONS)
    right.caption(_("σ squashes to 0…1 (a gate: how much passes), tanh to −1…1 (content); "
                    "⊙ multiplies unit by unit. The lesson's 一带四门: one belt, four gates."))
    return right


def step_header(w: lstm_step.LstmWalk, slot, beside) -> int:
    """The step slider (in `slot`) and the step's inputs (`beside` the equations); returns t."""
    n = len(w.tokens)
    st.session_state[STEP_KEY] = min(st.session_state.get(STEP_KEY, 1), n)
    t = slot.slider(_("Step t"), 1, n, key=STEP_KEY, help=_(
        "The same weights are used at every step.")) if n > 1 else 1
    step = w.steps[t - 1]
    beside.markdown(_("Step {t}: the word **{word}** → x_t = `{x}`; from step {prev}: "
                      "h_{{t-1}} = `{h}`, c_{{t-1}} = `{c}` (zeros before the first word).",
                      t=t, word=ui.inert(step.token), x=vector(step.x), prev=t - 1,
                      h=vector(step.h_prev), c=vector(step.c_prev)))
    return t


def gate_card(step: lstm_step.LstmStep, gate: str) -> None:
    part = step.gates[gate]
    st.markdown(_("**{name}** · the lesson's {lesson}", name=_(QUANTITIES[gate]),
                  lesson=charts.LESSON_NAMES[gate]))
    st.latex(FORMULAS[gate])
    st.dataframe(charts.gate_table(part), width="stretch", column_config=WIDE_LABELS)
    st.caption(_("Unit h1 by hand: {sum}", sum=charts.unit_sum(step, part)))
    with st.expander(_("W_{gate}, U_{gate} and b_{gate}: this gate's weights", gate=gate)):
        st.dataframe(charts.weights_table(part), width="stretch", column_config=WIDE_LABELS)
    if gate in SAYS:
        ui.lesson_says(SAYS[gate])
    else:
        st.caption(_(CANDIDATE))


def gates_section(step: lstm_step.LstmStep) -> None:
    st.subheader(_("The four gates: four products each of x_t and h_{t-1}, plus a bias"))
    for row in (("f", "i"), ("g", "o")):
        for column, gate in zip(st.columns(2), row, strict=True):
            with column:
                gate_card(step, gate)


def belt_section(text: str, cell: lstm_step.ToyCell, step: lstm_step.LstmStep, t: int) -> None:
    st.subheader(_("The belt and the output: unit by unit"))
    left, right = st.columns([1, 1])
    left.dataframe(charts.belt_table(step), width="stretch", column_config=WIDE_LABELS)
    left.caption(_("Unit h1 by hand: {sum}", sum=charts.belt_sum(step)))
    with right:
        ui.lesson_says("conveyor_belt")
        figure_cache.chart(states_figure, text, cell, t, height=240)


def names_section(h_dim: int) -> None:
    st.subheader(_("The lesson's names (一带四门) and where Keras keeps each gate"))
    st.table(charts.names_table(h_dim))


def check_section(text: str, w: lstm_step.LstmWalk) -> None:
    traced = w.trace_difference
    st.markdown(_("{mark} Hand computation vs `gates.trace_lstm` (the app's LSTM maths, used on "
                  "the gates page) over every gate and state of all {n} steps: largest "
                  "difference **{diff:.1e}**.", mark="✅" if traced < TOLERANCE else "❌",
                  n=len(w.tokens), diff=traced))
    key = (text, w.cell)
    checked = st.session_state.setdefault(CHECKED_KEY, set())
    if key not in checked:
        if not st.button(_("Check against keras.layers.LSTM"), key="lstep_keras", help=_(
                "Builds a real Keras LSTM with exactly these weights and runs the sentence "
                "through it (a few seconds the first time: it loads TensorFlow).")):
            return
        checked.add(key)
    with st.spinner(_("Running keras.layers.LSTM…")):
        diff = keras_difference(text, w.cell)
    st.markdown(_("{mark} Checked against Keras: `keras.layers.LSTM({h})` given these weights "
                  "returns h_t at every step and the last c_t; the largest difference from the "
                  "hand computation is **{diff:.1e}**.", mark="✅" if diff < TOLERANCE else "❌",
                  h=w.cell.h_dim, diff=diff))


def parameters_section(w: lstm_step.LstmWalk) -> None:
    count = lstm_step.parameter_count(w.cell)
    shown = sum(a.size for a in (w.weights.kernel, w.weights.recurrent, w.weights.bias))
    st.markdown(_("**Parameters of this cell:** {formula} = {numbers} = **{n}**, exactly the "
                  "{shown} numbers in the four gates' W, U and b above (x = {x}, h = {h}).",
                  formula=count.formula, numbers=count.substituted, n=count.params,
                  shown=shown, x=w.cell.x_dim, h=w.cell.h_dim))
    ui.lesson_says("parameter_formula")


def step_sections(text: str, cell: lstm_step.ToyCell, slot, beside) -> None:
    """Step t of the sentence through the toy cell, its checks and its parameter count."""
    try:
        w = walk(text, cell)
    except lstm_step.NoWords as error:
        beside.warning(explain(error))
        return
    t = step_header(w, slot, beside)
    gates_section(w.steps[t - 1])
    belt_section(text, cell, w.steps[t - 1], t)
    names_section(cell.h_dim)
    check_section(text, w)
    parameters_section(w)


LINK.restore()
st.title(_("One LSTM step by hand"))
st.caption(_("A toy LSTM small enough to redo on paper: the weights are rounded to one "
             "decimal and each word of the sentence gets a small rounded vector x_t."))
text, cell, slot = controls()
step_sections(text, cell, slot, equations_section())
ui.notice(_(NOTICE))
