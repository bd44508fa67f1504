"""The one-LSTM-step page's tables and figure: a gate's products, the belt, the names.

Tables are DataFrames of rounded numbers whose row labels are formulas (the same in both
languages); the column headers name units (h1, h2...) or are translated with `_`. The maths is
`explainers.lstm_step`'s; nothing here computes more than a rounding or a string.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from explainers import cells
from explainers import lstm_step as ls
from lessons.charts.gates import QUANTITIES
from lessons.i18n import N_, _

DECIMALS = 3  # shown; the weights themselves have one decimal
LESSON_NAMES = {  # the lesson's 一带四门, as it wrote them (the same in both languages)
    "c": "一带：细胞状态（传送带）", "f": "遗忘门", "i": "输入门",
    "g": "更新门 / 当前状态门", "o": "输出门",
}
NAME_ORDER = ("c", "f", "i", "g", "o")  # the belt, then the four gates as the lesson tells them
ROLES = {  # what each part does, in a few words
    "c": N_("carries memory from step to step, changed only by ⊙ and +"),
    "f": N_("σ: how much of the old cell state stays on the belt"),
    "i": N_("σ: how much of the candidate is written"),
    "g": N_("tanh: the new content proposed (−1 to 1)"),
    "o": N_("σ: how much of tanh(c_t) is shown as h_t"),
}


def units(n: int) -> list[str]:
    return [f"h{k + 1}" for k in range(n)]


def names_table(h_dim: int) -> pd.DataFrame:
    """The lesson's names beside the app's, with each gate's columns in Keras's kernel."""
    rows = []
    for part in NAME_ORDER:
        if part == "c":
            where = _("a state, not weights")
        else:
            k = cells.LSTM.gates.index(part)  # Keras's order i, f, c, o
            where = f"kernel[:, {k * h_dim}:{(k + 1) * h_dim}]"
        rows.append({_("The lesson"): LESSON_NAMES[part],
                     _("This app"): _(QUANTITIES[part]), _("What it does"): _(ROLES[part]),
                     _("Columns in Keras"): where})
    return pd.DataFrame(rows).set_index(_("The lesson"))


def gate_table(gate: ls.GateStep) -> pd.DataFrame:
    """A gate's step, one row per vector: the two products, the bias, z and the value."""
    k = gate.gate
    rows = {f"x_t · W_{k}": gate.wx, f"h_{{t-1}} · U_{k}": gate.uh, f"+ b_{k}": gate.b,
            f"= z_{k}": gate.z, f"{k} = {gate.squash}(z_{k})": gate.value}
    return pd.DataFrame({r: np.round(v, DECIMALS) for r, v in rows.items()}).T.set_axis(
        units(len(gate.z)), axis=1)


def weights_table(gate: ls.GateStep) -> pd.DataFrame:
    """W_k over U_k over b_k: a row per input number, a column per unit."""
    x_dim = gate.W.shape[0]
    index = ([f"W_{gate.gate}: x{r + 1}" for r in range(x_dim)]
             + [f"U_{gate.gate}: h{r + 1}(t-1)" for r in range(len(gate.b))] + [f"b_{gate.gate}"])
    return pd.DataFrame(np.vstack([gate.W, gate.U, gate.b]), index=index,
                        columns=units(len(gate.b)))


def unit_sum(step: ls.LstmStep, gate: ls.GateStep) -> str:
    """Unit h1's pre-activation written out, product by product."""
    k = gate.gate
    terms = [f"({a:.3g})({wt:g})" for a, wt in zip(step.x, gate.W[:, 0], strict=True)]
    terms += [f"({a:.3g})({wt:g})" for a, wt in zip(step.h_prev, gate.U[:, 0], strict=True)]
    return (f"z_{k}[1] = {' + '.join(terms)} + ({gate.b[0]:g}) = {gate.z[0]:.3f}; "
            f"{gate.squash}({gate.z[0]:.3f}) = {gate.value[0]:.3f}")


def belt_table(step: ls.LstmStep) -> pd.DataFrame:
    """The elementwise half of the step: the belt c_t, then h_t."""
    g = step.gates
    rows = {"c_{t-1}": step.c_prev, "f": g["f"].value, "f ⊙ c_{t-1}": step.kept,
            "i": g["i"].value, "g": g["g"].value, "i ⊙ g": step.written,
            "c_t = f ⊙ c_{t-1} + i ⊙ g": step.c, "tanh(c_t)": step.tanh_c, "o": g["o"].value,
            "h_t = o ⊙ tanh(c_t)": step.h}
    return pd.DataFrame({r: np.round(v, DECIMALS) for r, v in rows.items()}).T.set_axis(
        units(len(step.h)), axis=1)


def belt_sum(step: ls.LstmStep) -> str:
    """Unit h1's c_t and h_t written out."""
    g = step.gates
    f, i, gg, o = (g[k].value[0] for k in ("f", "i", "g", "o"))
    return (f"c_t[1] = ({f:.3f})({step.c_prev[0]:.3f}) + ({i:.3f})({gg:.3f}) = "
            f"{step.c[0]:.3f}; h_t[1] = ({o:.3f}) · tanh({step.c[0]:.3f}) = {step.h[0]:.3f}")


def states_figure(w: ls.LstmWalk, t: int) -> go.Figure:
    """c_t and h_t at every step as two heatmaps, the current step framed."""
    labels = [f"{k + 1}:{token}" for k, token in enumerate(w.tokens)]
    fig = make_subplots(rows=1, cols=2, subplot_titles=(
        _("cell state c_t (the belt)"), _("hidden state h_t")))
    for col, name in ((1, "c"), (2, "h")):
        values = np.stack([getattr(s, name) for s in w.steps])  # (T, h)
        fig.add_trace(go.Heatmap(z=values.T, x=labels, y=units(w.cell.h_dim), zmid=0,
                                 colorscale="RdBu", showscale=col == 2,
                                 texttemplate="%{z:.2f}", hoverinfo="skip"), row=1, col=col)
        fig.add_vrect(x0=t - 1.5, x1=t - 0.5, line_width=3, line_color="#222", row=1, col=col)
    fig.update_xaxes(type="category")
    return fig
