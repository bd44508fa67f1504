"""Recompute, step by step, what Keras's recurrent layers never expose: gates and states.

LSTM (Hochreiter & Schmidhuber 1997, with the forget gate of Gers et al. 2000), as Keras 3's
`LSTMCell` computes it. The kernel is laid out as (input_dim, 4*units) and the recurrent
kernel as (units, 4*units), both in the order i, f, c (called g here), o; the bias is (4*units,):

    z = x_t W + h_{t-1} U + b                      (4*units,)
    i = σ(z_i)   f = σ(z_f)   g = tanh(z_g)   o = σ(z_o)
    c_t = f * c_{t-1} + i * g                      the "conveyor belt"
    h_t = o * tanh(c_t)

GRU (Cho et al. 2014) as Keras's `GRUCell`: kernel (input_dim, 3*units) in the order z
(update), r (reset), h (candidate); with `reset_after=True` (Keras's default) the bias is
(2, 3*units), input and recurrent, and the reset gate multiplies h_{t-1} U_h + b_h after the
product; with `reset_after=False` it multiplies h_{t-1} before it. h_t = z*h_{t-1} + (1-z)*h~.
SimpleRNN: h_t = tanh(x_t W + h_{t-1} U + b).

Masking follows `keras.backend.rnn`: at a masked step nothing is computed and the states are
carried over unchanged; the gates there are NaN (there is nothing to show). Every array is
indexed by token position, also for a `go_backwards` layer (which reads the last token first):
its h[t] is the state after reading tokens t..T-1, and its final state sits at t = 0.

Everything is float64 NumPy, so the recomputation matches Keras's float32 to about 1e-6.
What each cell is (its Keras class, weight blocks and gate names) comes from `cells`; walking
a whole model (Embedding -> recurrent layers -> head) is `tracer`'s job.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from explainers import cells
from explainers.i18n import N_, Explained

SATURATED_LOW, SATURATED_HIGH = 0.1, 0.9  # Karpathy, Johnson & Fei-Fei (2015), figure 3
SATURATED_SHARE = 0.1  # a unit's gate counts as saturated when shut or open this often
STATES = ("c", "h")  # the quantities a cell carries from step to step (c: LSTM only)


UNSUPPORTED = {  # UnsupportedModel code -> the English message, filled with its parameters
    "not_recurrent": N_("{kind} is not an LSTM, GRU or SimpleRNN layer"),
    "one_direction": N_("{kind} is not an LSTM, GRU or SimpleRNN layer (pass its "
                        "forward_layer or backward_layer)"),
    "after_reduction": N_("{name} comes after the sequence was reduced"),
    "bidirectional_wraps": N_("Bidirectional {name} wraps {kind}"),
    "layer": N_("layer {name} ({kind}) cannot be traced; the gates page handles Embedding, "
                "LSTM/GRU/SimpleRNN (also Bidirectional), Dropout, pooling and Dense layers"),
    "merge_mode": N_("Bidirectional merge_mode={mode} is not supported"),
    "outputs": N_("the model has {outputs} outputs; 1 or 2 are understood"),
    "no_recurrent": N_("the model has no LSTM, GRU or SimpleRNN layer to trace"),
    "sequence_out": N_("the model returns a sequence, not one prediction"),
}


class UnsupportedModel(Explained, ValueError):
    """The model holds a layer the tracer cannot recompute: `code` (a key of UNSUPPORTED)
    says why, `params` name the layer."""

    def __init__(self, code: str, **params: Any):
        self.code = code
        super().__init__(UNSUPPORTED[code], **params)


# --------------------------------------------------------------------------- activations


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # = 1 / (1 + e^-x), without overflow


def _hard_sigmoid(x: np.ndarray) -> np.ndarray:
    return np.clip(x / 6.0 + 0.5, 0.0, 1.0)  # Keras 3: relu6(x + 3) / 6


def softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


ACTIVATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "tanh": np.tanh,
    "sigmoid": sigmoid,
    "hard_sigmoid": _hard_sigmoid,
    "relu": lambda x: np.maximum(x, 0.0),
    "linear": lambda x: x,
    "softmax": softmax,
    "softsign": lambda x: x / (1.0 + np.abs(x)),
    "elu": lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0.0))),
}


def activation(fn) -> Callable[[np.ndarray], np.ndarray]:
    """A Keras activation as a float64 NumPy function (others go through Keras itself)."""
    name = getattr(fn, "__name__", str(fn))
    if name in ACTIVATIONS:
        return ACTIVATIONS[name]

    def through_keras(x: np.ndarray) -> np.ndarray:
        import keras

        return np.asarray(keras.ops.convert_to_numpy(fn(x.astype("float32"))), np.float64)

    return through_keras


def to_numpy(variable) -> np.ndarray:
    """A Keras weight as a float64 NumPy array."""
    import keras

    return np.asarray(keras.ops.convert_to_numpy(variable), dtype=np.float64)


# --------------------------------------------------------------------------- one layer


@dataclass
class Trace:
    """Per-step values of one recurrent layer (one direction) on one sequence.

    `values[name]` is (steps, units); names are i, f, g, o, c, h (LSTM), z, r, g, h (GRU) or
    h (SimpleRNN). Gates are NaN at masked steps; states carry over them.
    """

    kind: str  # "lstm" | "gru" | "simplernn"
    values: dict[str, np.ndarray]
    mask: np.ndarray  # (steps,) True where the step was computed
    backwards: bool  # read from the last token to the first (go_backwards)
    final: dict[str, np.ndarray] = field(default_factory=dict)  # h (and c): last states

    @property
    def h(self) -> np.ndarray:
        return self.values["h"]

    @property
    def steps(self) -> int:
        return self.h.shape[0]

    @property
    def units(self) -> int:
        return self.h.shape[1]

    @property
    def gates(self) -> tuple[str, ...]:
        return cells.cell(self.kind).gates

    def before(self, t: int) -> dict[str, np.ndarray]:
        """The states (c and h, or h) the cell held when it came to step t: those after the
        step it read just before (t + 1 for a backward reader), zeros before the first."""
        prior = t + 1 if self.backwards else t - 1
        inside = 0 <= prior < self.steps
        return {name: self.values[name][prior] if inside else np.zeros(self.units)
                for name in STATES if name in self.values}  # each (units,)

    def keras_sequence(self, zero_output_for_mask: bool = False) -> np.ndarray:
        """h as the layer returns it with return_sequences=True: reading order, masked rows
        holding the carried h (or zeros, as inside Bidirectional)."""
        h = self.h.copy()
        if zero_output_for_mask:
            h[~self.mask] = 0.0
        return h[::-1] if self.backwards else h


@dataclass(frozen=True)
class CellWeights:
    """A recurrent cell's weights in float64, pulled out of Keras once."""

    kind: str
    kernel: np.ndarray  # (input_dim, k*units)
    recurrent: np.ndarray  # (units, k*units)
    bias: np.ndarray  # (k*units,), or (2, 3*units) for a reset_after GRU
    activation: Callable = np.tanh
    recurrent_activation: Callable = sigmoid
    go_backwards: bool = False
    reset_after: bool = True  # GRU only
    zero_output_for_mask: bool = False  # True inside Bidirectional with return_sequences
    return_sequences: bool = False

    @property
    def units(self) -> int:
        return self.recurrent.shape[0]

    @classmethod
    def from_layer(cls, layer) -> CellWeights:
        kind = cells.kind_of(layer)
        if kind is None:
            raise UnsupportedModel("one_direction" if _is_bidirectional(layer)
                                   else "not_recurrent", kind=type(layer).__name__)
        cell = layer.cell
        k = cells.cell(kind).blocks
        units = cell.units
        bias_shape = (2, 3 * units) if kind == "gru" and cell.reset_after else (k * units,)
        bias = to_numpy(cell.bias) if cell.use_bias else np.zeros(bias_shape)
        return cls(
            kind=kind,
            kernel=to_numpy(cell.kernel),
            recurrent=to_numpy(cell.recurrent_kernel),
            bias=bias.reshape(bias_shape),
            activation=activation(cell.activation),
            recurrent_activation=activation(getattr(cell, "recurrent_activation", None))
            if kind != "simplernn" else sigmoid,
            go_backwards=bool(layer.go_backwards),
            reset_after=bool(getattr(cell, "reset_after", True)),
            zero_output_for_mask=bool(getattr(layer, "zero_output_for_mask", False)),
            return_sequences=bool(layer.return_sequences),
        )


def _is_bidirectional(layer) -> bool:
    import keras

    return isinstance(layer, keras.layers.Bidirectional)


def _start(weights: CellWeights, x, mask, initial):
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != weights.kernel.shape[0]:
        raise ValueError(f"x must be (steps, {weights.kernel.shape[0]}), not {x.shape}")
    steps = x.shape[0]
    mask = np.ones(steps, bool) if mask is None else np.asarray(mask, bool).reshape(steps)
    order = range(steps - 1, -1, -1) if weights.go_backwards else range(steps)
    zeros = np.zeros(weights.units)
    h = zeros if initial is None or initial[0] is None else np.asarray(initial[0], np.float64)
    return x, steps, mask, order, h


def trace_lstm(layer_or_weights, x, mask=None, initial=None) -> Trace:
    """i, f, g, o, c, h of an LSTM for every step of one sequence x (steps, input_dim).

    `mask` (steps,) marks real steps; `initial` is (h0, c0) or None for zeros.
    """
    w = _weights(layer_or_weights)
    x, steps, mask, order, h = _start(w, x, mask, initial)
    c = np.zeros(w.units) if initial is None or initial[1] is None else np.asarray(initial[1])
    u = w.units
    xw = x @ w.kernel + w.bias  # (steps, 4*units): the input's share, all steps at once
    out = {name: np.full((steps, u), np.nan) for name in (*cells.LSTM.gates, "c", "h")}
    sig, act, rec = w.recurrent_activation, w.activation, w.recurrent
    for t in order:
        if mask[t]:
            z = xw[t] + h @ rec  # (4*units,)
            i, f, o = sig(z[:u]), sig(z[u:2 * u]), sig(z[3 * u:])
            g = act(z[2 * u:3 * u])
            c = f * c + i * g  # (units,)
            h = o * act(c)
            out["i"][t], out["f"][t], out["g"][t], out["o"][t] = i, f, g, o
        out["c"][t], out["h"][t] = c, h
    return Trace("lstm", out, mask, w.go_backwards, {"h": h, "c": c})


def trace_gru(layer_or_weights, x, mask=None, initial=None) -> Trace:
    """z (update), r (reset), g (candidate h~) and h of a GRU, both reset_after settings."""
    w = _weights(layer_or_weights)
    x, steps, mask, order, h = _start(w, x, mask, initial)
    u = w.units
    if w.reset_after:
        xw = x @ w.kernel + w.bias[0]  # (steps, 3*units)
        rec_bias = w.bias[1]  # (3*units,)
    else:
        xw = x @ w.kernel + w.bias
        rec_bias = np.zeros(3 * u)
    out = {name: np.full((steps, u), np.nan) for name in (*cells.GRU.gates, "h")}
    sig, act, rec = w.recurrent_activation, w.activation, w.recurrent
    for t in order:
        if mask[t]:
            if w.reset_after:
                inner = h @ rec + rec_bias  # (3*units,)
                z = sig(xw[t, :u] + inner[:u])
                r = sig(xw[t, u:2 * u] + inner[u:2 * u])
                g = act(xw[t, 2 * u:] + r * inner[2 * u:])
            else:
                zr = xw[t, :2 * u] + h @ rec[:, :2 * u]  # (2*units,)
                z, r = sig(zr[:u]), sig(zr[u:])
                g = act(xw[t, 2 * u:] + (r * h) @ rec[:, 2 * u:])
            h = z * h + (1.0 - z) * g
            out["z"][t], out["r"][t], out["g"][t] = z, r, g
        out["h"][t] = h
    return Trace("gru", out, mask, w.go_backwards, {"h": h})


def trace_simplernn(layer_or_weights, x, mask=None, initial=None) -> Trace:
    """h of a SimpleRNN for every step: h_t = tanh(x_t W + h_{t-1} U + b)."""
    w = _weights(layer_or_weights)
    x, steps, mask, order, h = _start(w, x, mask, initial)
    xw = x @ w.kernel + w.bias  # (steps, units)
    out = {"h": np.zeros((steps, w.units))}
    for t in order:
        if mask[t]:
            h = w.activation(xw[t] + h @ w.recurrent)  # (units,)
        out["h"][t] = h
    return Trace("simplernn", out, mask, w.go_backwards, {"h": h})


def _weights(layer_or_weights) -> CellWeights:
    if isinstance(layer_or_weights, CellWeights):
        return layer_or_weights
    return CellWeights.from_layer(layer_or_weights)


TRACERS = {"lstm": trace_lstm, "gru": trace_gru, "simplernn": trace_simplernn}


def trace_layer(layer_or_weights, x, mask=None, initial=None) -> Trace:
    """Trace any LSTM, GRU or SimpleRNN layer (one direction)."""
    w = _weights(layer_or_weights)
    return TRACERS[w.kind](w, x, mask, initial)


# --------------------------------------------------------------------------- reading a trace


def unit_change(trace: Trace, name: str = "h") -> np.ndarray:
    """(units,) how much each unit moves: the mean |value_t - value_{t-1}| over real steps."""
    values = trace.values[name][trace.mask]  # (real steps, units)
    if len(values) < 2:
        return np.zeros(trace.units)
    return np.nanmean(np.abs(np.diff(values, axis=0)), axis=0)


def span_units(values: np.ndarray, start: int, stop: int, threshold: float = 0.3,
               top: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """LSTMVis's question (Strobelt et al., 2018): which units are "on" over this span of
    tokens and "off" around it? values (steps, units); the span is [start, stop).

    Score = fraction of span steps above `threshold` - fraction of other steps above it;
    returns (the `top` units, best first; their scores).
    """
    values = np.nan_to_num(np.asarray(values, dtype=np.float64), nan=-np.inf)
    steps = values.shape[0]
    start, stop = max(0, int(start)), min(steps, int(stop))
    if start >= stop:
        raise ValueError("the span must hold at least one token")
    on = values > threshold  # (steps, units)
    inside = on[start:stop].mean(axis=0)
    rest = np.concatenate([on[:start], on[stop:]])
    outside = rest.mean(axis=0) if len(rest) else np.zeros(values.shape[1])
    score = inside - outside  # (units,)
    order = np.argsort(-score, kind="stable")[:top]
    return order, score[order]


def saturation(trace: Trace) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """For each gate: (fraction of real steps < 0.1, fraction > 0.9), each (units,).

    Karpathy, Johnson & Fei-Fei (2015) plot one against the other: a unit near the right
    edge is a gate held open, near the left edge one held shut, on the diagonal's low end
    a gate that really decides step by step.
    """
    result = {}
    for gate in trace.gates:
        values = trace.values[gate][trace.mask]  # (real steps, units)
        if len(values) == 0:
            zeros = np.zeros(trace.units)
            result[gate] = (zeros, zeros)
            continue
        result[gate] = ((values < SATURATED_LOW).mean(axis=0),
                        (values > SATURATED_HIGH).mean(axis=0))
    return result


def saturated_units(trace: Trace, share: float = SATURATED_SHARE) -> dict[str, int]:
    """For each gate: how many units are shut (< 0.1) or open (> 0.9) on more than `share`
    of the real steps."""
    return {gate: int(((low > share) | (high > share)).sum())
            for gate, (low, high) in saturation(trace).items()}


def pooled(traces: list[Trace], keep: list[slice] | None = None) -> Trace:
    """Several traces of one layer as one long trace (steps stacked), e.g. to measure gate
    saturation over many reviews as Karpathy et al. did over a whole test set. `keep[k]`
    picks the steps of trace k to use (say, without its padding)."""
    if not traces:
        raise ValueError("no traces to pool")
    keep = keep or [slice(None)] * len(traces)
    values = {name: np.concatenate([t.values[name][s] for t, s in zip(traces, keep,
                                                                       strict=True)])
              for name in traces[0].values}
    mask = np.concatenate([t.mask[s] for t, s in zip(traces, keep, strict=True)])
    return Trace(traces[0].kind, values, mask, traces[0].backwards)
