"""The Inside-a-SimpleRNN page's drawings: one step's states, memory curves, padding charts.

Figures are Plotly (the page styles them through `ui.chart`); tables are DataFrames of
formatted numbers, one row per cell, variant or training; a caption says what a chart's
numbers mean, in those numbers (Markdown).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from explainers import cells, lesson, live, rnn_inside

COLOURS = {"simplernn": "#d62728", "lstm": "#1f77b4", "gru": "#2ca02c",
           "post": "#d62728", "pre": "#1f77b4", "masked": "#2ca02c"}
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
        "h_t computed by hand (above)", "h_t from keras.layers.SimpleRNN"))
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
                name=f"{cells.display_name(cell)}, {'trained' if is_trained else 'untrained'}",
                line={"color": COLOURS[cell], "dash": "solid" if is_trained else "dot"},
            ), row=1, col=col)
        fig.update_xaxes(title_text="steps before the end (T − t)", autorange="reversed",
                         row=1, col=col)
    fig.update_yaxes(type="log", exponentformat="power")
    fig.update_yaxes(title_text="|∂h_T/∂x_t| (log)", row=1, col=1)
    return fig


def cell_label(snap: live.Snapshot, epochs: int) -> str:
    """While the cells train in turn: which cell, which of its epochs, which batch ("" else)."""
    if snap.phase != live.Phase.RUNNING or not snap.batches:
        return ""
    cell = cells.KINDS[min(snap.epoch // epochs, len(cells.KINDS) - 1)]
    return (f"{cells.display_name(cell)}: epoch {snap.epoch % epochs + 1} of {epochs} · "
            f"batch {snap.batch} of {snap.batches}")


def _weights(p: rnn_inside.MemoryProfile, epochs: int) -> str:
    if p.stopped:
        return f"trained, stopped after {p.epochs_run} of {epochs} epochs"
    return "trained" if p.trained else "untrained"


def memory_table(profiles: dict[tuple[str, bool], rnn_inside.MemoryProfile],
                 epochs: int) -> pd.DataFrame:
    return pd.DataFrame([{
        "Cell": cells.display_name(c), "Weights": _weights(p, epochs),
        "|∂h_T/∂x_T| (last input)": f"{p.norms[-1]:.2e}",
        "|∂h_T/∂x_1| (first input)": f"{p.norms[0]:.2e}",
        "first ÷ last": f"{p.ratio:.1e}",
        "Task accuracy": f"{p.accuracy:.2f}",
    } for (c, _), p in profiles.items()])


def dependence_figure(deps: dict[str, rnn_inside.Dependence], title: str) -> go.Figure:
    """Where the final state's gradient comes from along the padded review, per variant."""
    fig = make_subplots(rows=len(deps), cols=1, shared_xaxes=True, vertical_spacing=0.08,
                        subplot_titles=[rnn_inside.VARIANT_NAMES[v] for v in deps])
    for row, (variant, dep) in enumerate(deps.items(), start=1):
        positions = np.arange(len(dep.ids))
        for is_real, name in ((True, "real words"), (False, "<PAD> steps")):
            keep = (dep.real == is_real) & (dep.norms > 0)  # masked pads: exactly 0, skipped
            fig.add_trace(go.Scatter(
                x=positions[keep], y=dep.norms[keep], mode="markers",
                marker={"size": 4, "color": COLOURS[variant] if is_real else "#999999"},
                name=name, showlegend=row == 1, legendgroup=name,
            ), row=row, col=1)
        fig.update_yaxes(type="log", title_text="|∂h_T/∂x_t|", row=row, col=1)
        if np.any(dep.norms[~dep.real] == 0):
            fig.add_annotation(text="<PAD> steps masked: gradient exactly 0 (not drawn)",
                               x=0.98, xref="x domain", y=0.5, yref="y domain",
                               showarrow=False, row=row, col=1)
    fig.update_xaxes(title_text="position in the padded review (0-499)", row=len(deps), col=1)
    fig.update_layout(title=title)
    return fig


def dependence_table(deps: dict[str, rnn_inside.Dependence]) -> pd.DataFrame:
    return pd.DataFrame([{
        "Variant": rnn_inside.VARIANT_NAMES[v],
        "Real words / pads": f"{int(d.real.sum())} / {int((~d.real).sum())}",
        "<PAD> steps after the last word": d.words_from_end,
        "Share of the gradient on real words": f"{d.real_share:.1%}",
        "Mean |∂h_T/∂x_t| per real word": f"{d.norms[d.real].mean():.3g}",
    } for v, d in deps.items()])


def padding_caption(deps: dict[str, rnn_inside.Dependence]) -> str:
    """What the untrained dependence chart shows, in its own numbers."""
    post, pre = deps["post"], deps["pre"]
    return (
        f"With 'post' padding the review's {int(post.real.sum())} tokens are followed by "
        f"{post.words_from_end} <PAD> steps, and the pads take **{1 - post.real_share:.1%}** "
        f"of the final state's gradient (words: {post.real_share:.1%}); with 'pre' padding "
        f"the words are the last thing read ({pre.real_share:.1%}), and with masking the "
        f"pads are skipped altogether ({deps['masked'].real_share:.0%}). Training changes a "
        "word's embedding in proportion to this gradient. In a freshly initialised network "
        "(orthogonal W_h, small inputs) the gradient decays only slowly, so the early words "
        "still get some; but every update of W_h is now driven mostly by the pads, and as "
        "W_h learns, the products of hundreds of per-step factors shrink (or blow up): the "
        "words of a post-padded review stop reaching the output. Train the three below "
        "and compare the trained models' charts."
    )


def trained_caption(trained: dict[str, rnn_inside.Dependence]) -> str:
    """What the trained models' dependence chart shows, in its own numbers."""
    means = "; ".join(f"{rnn_inside.VARIANT_NAMES[v]}: {d.norms[d.real].mean():.3g}"
                      for v, d in trained.items())
    return (
        f"Mean gradient reaching each real word after training — {means}. Compare with "
        "the freshly initialised network above: where the words sit behind hundreds of "
        "pads, training has made that gradient collapse, so their embeddings stop "
        "learning and the accuracy stays at a coin toss."
    )


def quick_caption(config: rnn_inside.QuickConfig) -> str:
    """What the quick training trains, on what, and how long it takes."""
    return (
        f"The lesson's model (Embedding(10000, 16) → SimpleRNN({config.units}) → Dense(64) → "
        f"Dense(1)) trained on the first {config.train_size:,} training reviews for "
        f"{config.epochs} epochs (batch {config.batch_size}, learning rate "
        f"{config.learning_rate:g}), scored on {config.test_size:,} test reviews. At "
        "3,000 × 3 each took 80-120 s on a busy 2-core test machine (fewer reviews are "
        "faster, but the 'pre' model may not take off). The masked one skips its pads, so "
        "its batches are cut to their longest review: the same result, only faster."
    )


def quick_figure(results: dict[str, rnn_inside.QuickResult]) -> go.Figure:
    """Test accuracy of each quick training beside a coin toss and the lesson's SimpleRNN."""
    fig = go.Figure(go.Bar(
        x=[rnn_inside.VARIANT_NAMES[v] for v in results],
        y=[r.test_accuracy for r in results.values()],
        marker_color=[COLOURS[v] for v in results],
        text=[f"{r.test_accuracy:.3f}" for r in results.values()], textposition="outside",
    ))
    fig.add_hline(y=0.5, line_dash="dot", annotation_text="coin toss 0.5")
    fig.add_hline(y=LESSON_RNN_ACCURACY, line_dash="dash", line_color="#d62728",
                  annotation_text=f"the lesson's SimpleRNN: {LESSON_RNN_ACCURACY}",
                  annotation_position="bottom right")
    fig.update_layout(yaxis={"range": [0.4, 1.0], "title": "test accuracy"},
                      title="Test accuracy after the quick training")
    return fig


def quick_table(results: dict[str, rnn_inside.QuickResult]) -> pd.DataFrame:
    return pd.DataFrame([{
        "Variant": rnn_inside.VARIANT_NAMES[v],
        "Test accuracy": f"{r.test_accuracy:.3f}",
        "Reviews × epochs": f"{r.config.train_size:,} × {r.epochs_run}"
                            + (" (stopped)" if r.stopped else ""),
        "Training accuracy per epoch": ", ".join(f"{a:.3f}" for a in r.history["accuracy"]),
        "Seconds": f"{r.seconds:.0f}",
    } for v, r in results.items()])
