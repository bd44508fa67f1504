"""The Inside-a-SimpleRNN page's drawings: one step's states, memory curves, padding charts.

Figures are Plotly (the page styles them through `ui.chart`); tables are DataFrames of
formatted numbers, one row per cell, variant or training; a caption says what a chart's
numbers mean, in those numbers (Markdown). Every label is in the reader's language (`_`);
vector names (h1, x1...) and formulas are the same in both.
"""

from __future__ import annotations

import html
import math
import re

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from explainers import cells, lesson, live, padding, rnn_inside
from lessons.i18n import N_, _

COLOURS = {"simplernn": "#d62728", "lstm": "#1f77b4", "gru": "#2ca02c",
           "post": "#d62728", "pre": "#1f77b4", "masked": "#2ca02c", "bilstm": "#9467bd",
           "forward": "#d62728", "backward": "#9467bd"}
NAMES = padding.VARIANT_NAMES | padding.DIRECTIONS  # a chart row's key -> its name (N_)
LESSON_RNN_ACCURACY = lesson.SIMPLE_RNN.test_accuracy  # the post-padded SimpleRNN's score
H_NAMES = [f"h{i + 1}" for i in range(rnn_inside.WALK_H)]
X_NAMES = [f"x{i + 1}" for i in range(rnn_inside.WALK_X)]
CONCAT_NAMES = [f"{n}(t-1)" for n in H_NAMES] + X_NAMES  # what [h_{t-1}, x_t] holds


def concat_table(step: rnn_inside.Step) -> pd.DataFrame:
    """[h_{t-1}, x_t] as one row."""
    return pd.DataFrame([np.round(step.concat, 3)], columns=CONCAT_NAMES,
                        index=["[h_{t-1}, x_t]"])


def weights_table(w: rnn_inside.Walkthrough) -> pd.DataFrame:
    """W = [W_h; W_x]: a row per number of [h_{t-1}, x_t], a column per unit of h."""
    return pd.DataFrame(w.W, index=CONCAT_NAMES, columns=H_NAMES)


def step_table(w: rnn_inside.Walkthrough, step: rnn_inside.Step) -> pd.DataFrame:
    """The rest of the step, one row per vector: the product, b, z and tanh(z)."""
    rows = {"[h_{t-1}, x_t] · W": step.product, "+ b": w.bias, "= z": step.z,
            "h_t = tanh(z)": step.h}
    return pd.DataFrame({k: np.round(v, 3) for k, v in rows.items()}).T.set_axis(H_NAMES,
                                                                                 axis=1)


def first_unit_sum(w: rnn_inside.Walkthrough, step: rnn_inside.Step) -> str:
    """h1's arithmetic written out, number by number."""
    terms = " + ".join(f"({c:.3g})({wt:g})" for c, wt in zip(step.concat, w.W[:, 0],
                                                              strict=True))
    return (f"h1: {terms} + ({w.bias[0]:g}) = {step.z[0]:.3f}; "
            f"tanh({step.z[0]:.3f}) = {step.h[0]:.3f}")


def walk_figure(w: rnn_inside.Walkthrough) -> go.Figure:
    """h_t at every step, computed by hand beside the Keras layer's own, as two heatmaps."""
    ours = np.stack([s.h for s in w.steps])  # (T, h)
    fig = make_subplots(rows=1, cols=2, subplot_titles=(
        _("h_t computed by hand (above)"), _("h_t from keras.layers.SimpleRNN")))
    steps = [f"{k + 1}:{token}" for k, token in enumerate(w.tokens)]
    for col, values in ((1, ours), (2, w.keras_h)):
        fig.add_trace(go.Heatmap(z=values.T, x=steps, y=H_NAMES, zmin=-1, zmax=1,
                                 colorscale="RdBu", showscale=col == 2), row=1, col=col)
    return fig


def memory_figure(profiles: dict[tuple[str, bool], rnn_inside.MemoryProfile],
                  steps: int) -> go.Figure:
    """|∂h_T/∂x_t| against steps before the end, one panel per cell (dotted: untrained)."""
    fig = make_subplots(rows=1, cols=3, shared_yaxes=True, subplot_titles=[
        cells.display_name(c) for c in cells.KINDS])
    steps_back = np.arange(steps)[::-1]  # steps before the end
    for col, cell in enumerate(cells.KINDS, start=1):
        for is_trained in (False, True):
            if (cell, is_trained) not in profiles:
                continue
            p = profiles[(cell, is_trained)]
            fig.add_trace(go.Scatter(
                x=steps_back, y=np.maximum(p.norms, 1e-30), mode="lines",
                name=_("{cell}, trained", cell=cells.display_name(cell)) if is_trained
                else _("{cell}, untrained", cell=cells.display_name(cell)),
                line={"color": COLOURS[cell], "dash": "solid" if is_trained else "dot"},
            ), row=1, col=col)
        fig.update_xaxes(title_text=_("steps before the end (T − t)"), autorange="reversed",
                         row=1, col=col)
    fig.update_yaxes(type="log", exponentformat="power")
    fig.update_yaxes(title_text=_("|∂h_T/∂x_t| (log scale)"), row=1, col=1)
    return fig


def memory_caption() -> str:
    """Why the memory chart's lines fall, and what training changes (Markdown)."""
    return _(
        "**Vanishing gradients.** ∂h_T/∂x_t is a product of one factor per step between t "
        "and T; for a SimpleRNN each factor is diag(1 − h²)·W_hᵀ, and a long product of such "
        "factors (tanh' ≤ 1) shrinks geometrically: the straight falling line on a log scale. "
        "An early word then hardly moves the final state, and during training it hardly "
        "receives any gradient, so it is never learned from. The LSTM's cell state is carried "
        "forward by *adding* (c_t = f ⊙ c_{t−1} + i ⊙ g): while the forget gate f stays near "
        "1 the product along that path stays near 1. Untrained, every cell forgets (the GRU "
        "fastest: its update gate starts near 0.5, halving the old state each step). After a "
        "few seconds of training on a task that needs every input, all three lines flatten "
        "(the cells learn to keep what the task needs), but the gated cells solve the task "
        "far better than the SimpleRNN (accuracy column)."
    )


def cell_label(snap: live.Snapshot, epochs: int) -> str:
    """While the cells train in turn: which cell, which of its epochs, which batch ("" else)."""
    if snap.phase != live.Phase.RUNNING or not snap.batches:
        return ""
    cell = cells.KINDS[min(snap.epoch // epochs, len(cells.KINDS) - 1)]
    return _("{cell}: epoch {epoch} of {epochs} · batch {batch} of {batches}",
             cell=cells.display_name(cell), epoch=snap.epoch % epochs + 1, epochs=epochs,
             batch=snap.batch, batches=snap.batches)


def _weights(p: rnn_inside.MemoryProfile, epochs: int) -> str:
    if p.stopped:
        return _("trained, stopped after {run} of {epochs} epochs", run=p.epochs_run,
                 epochs=epochs)
    return _("trained") if p.trained else _("untrained")


def memory_table(profiles: dict[tuple[str, bool], rnn_inside.MemoryProfile],
                 epochs: int) -> pd.DataFrame:
    return pd.DataFrame([{
        _("Cell"): cells.display_name(c), _("Weights"): _weights(p, epochs),
        _("|∂h_T/∂x_T| (last input)"): f"{p.norms[-1]:.2e}",
        _("|∂h_T/∂x_1| (first input)"): f"{p.norms[0]:.2e}",
        _("first ÷ last"): f"{p.ratio:.1e}",
        _("Task accuracy"): f"{p.accuracy:.2f}",
    } for (c, _trained), p in profiles.items()])


def dependence_figure(deps: dict[str, padding.Dependence], title: str) -> go.Figure:
    """Where the final state's gradient comes from along the padded review, per variant."""
    fig = make_subplots(rows=len(deps), cols=1, shared_xaxes=True, vertical_spacing=0.08,
                        subplot_titles=[_(NAMES[v]) for v in deps])
    for row, (variant, dep) in enumerate(deps.items(), start=1):
        positions = np.arange(len(dep.ids))
        for is_real, name in ((True, _("real words")), (False, _("<PAD> steps"))):
            keep = (dep.real == is_real) & (dep.norms > 0)  # masked pads: exactly 0, skipped
            fig.add_trace(go.Scatter(
                x=positions[keep], y=dep.norms[keep], mode="markers",
                marker={"size": 4, "color": COLOURS[variant] if is_real else "#999999"},
                name=name, showlegend=row == 1, legendgroup=name,
            ), row=row, col=1)
        fig.update_yaxes(type="log", title_text="|∂h_T/∂x_t|", exponentformat="power",
                         row=row, col=1)
        if np.any(dep.norms[~dep.real] == 0):
            fig.add_annotation(text=_("<PAD> steps masked: gradient exactly 0 (not drawn)"),
                               x=0.98, xref="x domain", y=0.5, yref="y domain",
                               showarrow=False, row=row, col=1)
    fig.update_xaxes(title_text=_("position in the padded review (0-{last})",
                                  last=len(next(iter(deps.values())).ids) - 1),
                     row=len(deps), col=1)
    fig.update_layout(title=title)
    return fig


def dependence_table(deps: dict[str, padding.Dependence]) -> pd.DataFrame:
    return pd.DataFrame([{
        _("Variant"): _(NAMES[v]),
        _("Real words / pads"): f"{int(d.real.sum())} / {int((~d.real).sum())}",
        _("<PAD> steps after the last word"): d.words_from_end,
        _("Share of the gradient on real words"): f"{d.real_share:.1%}",
        _("Mean |∂h_T/∂x_t| per real word"): f"{d.norms[d.real].mean():.3g}",
    } for v, d in deps.items()])


def padding_caption(deps: dict[str, padding.Dependence]) -> str:
    """What the untrained dependence chart shows, in its own numbers."""
    post, pre = deps["post"], deps["pre"]
    return _(
        "With 'post' padding the review's {tokens} tokens are followed by {pads} <PAD> "
        "steps, and the pads take **{pad_share:.1%}** of the final state's gradient (words: "
        "{post:.1%}); with 'pre' padding the words are the last thing read ({pre:.1%}), and "
        "with masking the pads are skipped altogether ({masked:.0%}). Training changes a "
        "word's embedding in proportion to this gradient. In a freshly initialised network "
        "(orthogonal W_h, small inputs) the gradient decays only slowly, so the early words "
        "still get some; but every update of W_h is now driven mostly by the pads, and as "
        "W_h learns, the products of hundreds of per-step factors shrink (or blow up): the "
        "words of a post-padded review stop reaching the output. Train the three below "
        "and compare the trained models' charts.",
        tokens=int(post.real.sum()), pads=post.words_from_end, pad_share=1 - post.real_share,
        post=post.real_share, pre=pre.real_share, masked=deps["masked"].real_share,
    )


def trained_caption(trained: dict[str, padding.Dependence]) -> str:
    """What the trained models' dependence chart shows, in its own numbers."""
    means = "; ".join(f"{_(NAMES[v])}: {d.norms[d.real].mean():.3g}"
                      for v, d in trained.items())
    return _(
        "Mean gradient reaching each real word after training — {means}. Compare with "
        "the freshly initialised network above: where the words sit behind hundreds of "
        "pads, training has made that gradient collapse, so their embeddings stop "
        "learning and the accuracy stays at a coin toss.", means=means,
    )


def quick_caption(config: padding.QuickConfig) -> str:
    """What the quick training trains, on what, and why these sizes."""
    return _(
        "The lesson's model (Embedding({vocab}, {dim}) → SimpleRNN({units}) → Dense({dense}) "
        "→ Dense(1)) trained on {reviews:,} short training reviews (at most {tokens} tokens, "
        "half positive) padded to {maxlen}, so 'post' leaves at least {pads} <PAD> steps after "
        "the words; {epochs} epochs, batch {batch}, learning rate {rate:g}; scored on {tests:,} "
        "such test reviews. The lesson's 500-wide arrays take minutes per variant; these "
        "sizes tell the same story in seconds. 'pre' and the masked one read only their batch's "
        "longest review (the pads they skip come before the words, or are masked anyway); "
        "'post' reads all {maxlen} steps, pads included, as the lesson did.",
        vocab=lesson.IMDB.num_words, dim=lesson.IMDB.embed_dim, units=config.units,
        dense=lesson.IMDB.dense_units, reviews=config.train_size, tokens=config.max_tokens,
        maxlen=config.maxlen, pads=config.min_pads, epochs=config.epochs,
        batch=config.batch_size, rate=config.learning_rate, tests=config.test_size,
    )


def quick_figure(results: dict[str, padding.QuickResult]) -> go.Figure:
    """Test accuracy of each quick training beside a coin toss and the lesson's SimpleRNN."""
    fig = go.Figure(go.Bar(
        x=[_(NAMES[v]) for v in results],
        y=[r.test_accuracy for r in results.values()],
        marker_color=[COLOURS[v] for v in results],
        text=[f"{r.test_accuracy:.3f}" for r in results.values()], textposition="outside",
    ))
    fig.add_hline(y=0.5, line_dash="dot", annotation_text=_("coin toss 0.5"))
    fig.add_hline(y=LESSON_RNN_ACCURACY, line_dash="dash", line_color="#d62728",
                  annotation_text=_("the lesson's SimpleRNN: {accuracy}",
                                    accuracy=LESSON_RNN_ACCURACY),
                  annotation_position="bottom right")
    fig.update_layout(yaxis={"range": [0.4, 1.0], "title": _("test accuracy")},
                      title=_("Test accuracy after the quick training"))
    return fig


def quick_table(results: dict[str, padding.QuickResult]) -> pd.DataFrame:
    return pd.DataFrame([{
        _("Variant"): _(NAMES[v]),
        _("Test accuracy"): f"{r.test_accuracy:.3f}",
        _("Reviews × epochs"): (
            _("{reviews:,} × {epochs} (stopped)", reviews=r.config.train_size, epochs=r.epochs_run)
            if r.stopped else f"{r.config.train_size:,} × {r.epochs_run}"),
        _("Training accuracy per epoch"): ", ".join(f"{a:.3f}" for a in r.history["accuracy"]),
        _("Seconds"): f"{r.seconds:.0f}",
    } for v, r in results.items()])


def stopped_notes(results: dict[str, padding.QuickResult]) -> list[str]:
    """A sentence for each training that Stop ended."""
    return [_("{variant}: stopped by you after {run} full epoch(s) of {epochs}; the model as "
              "trained so far was scored and is kept below.", variant=_(NAMES[v]),
              run=r.epochs_run, epochs=r.config.epochs) for v, r in results.items() if r.stopped]


def excerpt(text: str, chars: int = 300) -> str:
    """A review's start as a small HTML block: escaped, <br /> as spaces, no Markdown."""
    words = html.escape(" ".join(re.sub(r"<br\s*/?>", " ", text[:chars]).split()))
    return f"<div style='font-size:0.875rem;opacity:0.7'>{words}…</div>"


def _score(record) -> str:
    return _("none yet") if record is None else f"{record.test_accuracy:.4f}"


def bilstm_intro(records: dict) -> str:
    """The lesson's two post-padded scores beside the recorded runs' (Markdown)."""
    return _(
        "Same data, same padding='post', same 500 steps: the lesson's SimpleRNN scored "
        "**{simple}** (our recorded full run: {simple_run}), its two-layer Bidirectional "
        "LSTM **{bilstm}** (our recorded full run: {bilstm_run}). Below, a fresh "
        "Bidirectional LSTM({units}) reads the review above padded 'post': how much each "
        "direction's final state depends on the words.", simple=lesson.SIMPLE_RNN.test_accuracy,
        bilstm=lesson.BILSTM.test_accuracy, simple_run=_score(records.get("simplernn")),
        bilstm_run=_score(records.get("bilstm")), units=lesson.BILSTM.units)


def direction_figure(deps: dict[str, padding.Dependence]) -> go.Figure:
    """|∂h_T/∂x_t| along the post-padded review, one panel per direction."""
    return dependence_figure(deps, _("A fresh Bidirectional LSTM({units}), padding='post': "
                                     "where each direction's final state comes from",
                                     units=lesson.BILSTM.units))


PROBED = {"untrained": N_("fresh Bidirectional LSTM({units})"),
          "post": N_("SimpleRNN({units}), trained, post"),
          "lstm": N_("LSTM({units}), trained, post"),
          "bilstm": N_("Bidirectional LSTM({units}), trained, post")}  # probe key -> model name


def direction_table(probes: dict[str, dict[str, padding.Dependence]],
                    quick_units: int) -> pd.DataFrame:
    """One row per model and direction: what its final state still holds of the words."""
    return pd.DataFrame([{
        _("Model"): _(PROBED[key], units=lesson.BILSTM.units if key == "untrained"
                      else quick_units),
        _("Direction"): _(NAMES[name]),
        _("<PAD> steps read after the last word"): d.words_from_end,
        _("Share of the gradient on real words"): f"{d.real_share:.1%}",
        _("Mean |∂h_T/∂x_t| per real word"): f"{d.per_word:.3g}",
        _("h_T moves when the words change"): f"{d.state_change:.1%}",
    } for key, deps in probes.items() for name, d in deps.items()])


def cells_figure(results: dict[str, padding.QuickResult], records: dict) -> go.Figure:
    """Quick post-padded trainings side by side, with the lesson's and the recorded scores."""
    fig = quick_figure(results)
    refs = ((lesson.BILSTM.test_accuracy, _("the lesson's BiLSTM: {accuracy}",
                                            accuracy=lesson.BILSTM.test_accuracy), "#9467bd",
             "top left"),)
    for key, colour, where in (("simplernn", "#d62728", "bottom left"),
                               ("bilstm", "#9467bd", "bottom left")):
        record = records.get(key)
        if record is not None and not math.isnan(record.test_accuracy):
            refs += ((record.test_accuracy, _("recorded full run ({model}): {accuracy:.4f}",
                      model=key, accuracy=record.test_accuracy), colour, where),)
    for y, text, colour, where in refs:
        fig.add_hline(y=y, line_dash="dashdot", line_color=colour, annotation_text=text,
                      annotation_position=where)
    fig.update_layout(yaxis={"range": [0.3, 1.0], "title": _("test accuracy")})
    fig.update_layout(title=_("padding='post': test accuracy after the same quick training"))
    return fig


def bilstm_note() -> str:
    """Why the BiLSTM survives 'post' (Markdown), for the notice under the measurements."""
    return _(
        "**Why the BiLSTM survives 'post'.** A Bidirectional layer runs a second LSTM from the "
        "end of the padded review to its start: it reads the pads first and the real words "
        "last, so its final state is made of the words, as with 'pre' padding (the backward "
        "rows above: no pad after its last word). And an LSTM's gates are computed from each "
        "input: on the <PAD> input it can learn to shut the input gate and keep the forget "
        "gate near 1, carrying its cell state across the pads; a SimpleRNN has no such switch, "
        "and every pad rewrites its state. In a short training the one-way LSTM has not "
        "learned that yet, while the backward direction needs nothing learned: compare the "
        "accuracies.")
