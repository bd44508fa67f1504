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
`ModelTracer` walks a whole Sequential/functional chain (Embedding -> recurrent layers ->
pooling/Dense head) and gives, besides every recurrent layer's trace, the prediction the model
would make after each token, in one pass: a causal layer's state at step t is exactly its
state for the review cut after token t, so the head applied to every row gives the running
prediction (Bidirectional models cannot do this; they fall back to one batched model call).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

LSTM_GATES = ("i", "f", "g", "o")  # Keras's kernel order; g is Keras's "c" (the candidate)
GRU_GATES = ("z", "r", "g")  # update, reset, candidate h~
NAMES = {  # what the page calls each array
    "i": "input gate i", "f": "forget gate f", "g": "candidate g", "o": "output gate o",
    "c": "cell state c", "h": "hidden state h", "z": "update gate z", "r": "reset gate r",
}
SATURATED_LOW, SATURATED_HIGH = 0.1, 0.9  # Karpathy, Johnson & Fei-Fei (2015), figure 3
PREFIX_BATCH = 512  # prefixes per model call in the fallback: fewer, longer calls win


class UnsupportedModel(ValueError):
    """The model holds a layer the tracer cannot recompute; the message names it."""


# --------------------------------------------------------------------------- activations


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # = 1 / (1 + e^-x), without overflow


def _hard_sigmoid(x: np.ndarray) -> np.ndarray:
    return np.clip(x / 6.0 + 0.5, 0.0, 1.0)  # Keras 3: relu6(x + 3) / 6


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


ACTIVATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "tanh": np.tanh,
    "sigmoid": _sigmoid,
    "hard_sigmoid": _hard_sigmoid,
    "relu": lambda x: np.maximum(x, 0.0),
    "linear": lambda x: x,
    "softmax": _softmax,
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


def _numpy(variable) -> np.ndarray:
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
        return {"lstm": LSTM_GATES, "gru": GRU_GATES}.get(self.kind, ())

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
    recurrent_activation: Callable = _sigmoid
    go_backwards: bool = False
    reset_after: bool = True  # GRU only
    zero_output_for_mask: bool = False  # True inside Bidirectional with return_sequences
    return_sequences: bool = False

    @property
    def units(self) -> int:
        return self.recurrent.shape[0]

    @classmethod
    def from_layer(cls, layer) -> CellWeights:
        kind = recurrent_kind(layer)
        if kind is None:
            raise UnsupportedModel(
                f"{type(layer).__name__} is not an LSTM, GRU or SimpleRNN layer"
                + (" (pass its forward_layer or backward_layer)" if _is_bidirectional(layer)
                   else "")
            )
        cell = layer.cell
        k = {"lstm": 4, "gru": 3, "simplernn": 1}[kind]
        units = cell.units
        bias_shape = (2, 3 * units) if kind == "gru" and cell.reset_after else (k * units,)
        bias = _numpy(cell.bias) if cell.use_bias else np.zeros(bias_shape)
        return cls(
            kind=kind,
            kernel=_numpy(cell.kernel),
            recurrent=_numpy(cell.recurrent_kernel),
            bias=bias.reshape(bias_shape),
            activation=activation(cell.activation),
            recurrent_activation=activation(getattr(cell, "recurrent_activation", None))
            if kind != "simplernn" else _sigmoid,
            go_backwards=bool(layer.go_backwards),
            reset_after=bool(getattr(cell, "reset_after", True)),
            zero_output_for_mask=bool(getattr(layer, "zero_output_for_mask", False)),
            return_sequences=bool(layer.return_sequences),
        )


def recurrent_kind(layer) -> str | None:
    """"lstm", "gru" or "simplernn" for those Keras layers, else None."""
    import keras

    for kind, cls in (("lstm", keras.layers.LSTM), ("gru", keras.layers.GRU),
                      ("simplernn", keras.layers.SimpleRNN)):
        if isinstance(layer, cls):
            return kind
    return None


def _is_bidirectional(layer) -> bool:
    import keras

    return isinstance(layer, keras.layers.Bidirectional)


def _prepare(weights: CellWeights, x, mask, initial):
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
    x, steps, mask, order, h = _prepare(w, x, mask, initial)
    c = np.zeros(w.units) if initial is None or initial[1] is None else np.asarray(initial[1])
    u = w.units
    xw = x @ w.kernel + w.bias  # (steps, 4*units): the input's share, all steps at once
    out = {name: np.full((steps, u), np.nan) for name in (*LSTM_GATES, "c", "h")}
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
    x, steps, mask, order, h = _prepare(w, x, mask, initial)
    u = w.units
    if w.reset_after:
        xw = x @ w.kernel + w.bias[0]  # (steps, 3*units)
        rec_bias = w.bias[1]  # (3*units,)
    else:
        xw = x @ w.kernel + w.bias
        rec_bias = np.zeros(3 * u)
    out = {name: np.full((steps, u), np.nan) for name in (*GRU_GATES, "h")}
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
    x, steps, mask, order, h = _prepare(w, x, mask, initial)
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


# --------------------------------------------------------------------------- a whole model


@dataclass
class LayerTrace:
    """One recurrent layer's trace inside a model, with what the page needs to name it."""

    layer: str  # the Keras layer's name
    position: int  # 1 = the first recurrent layer
    direction: str  # "forward" | "backward"
    trace: Trace

    @property
    def label(self) -> str:
        return f"{self.position}: {self.layer} ({self.trace.kind.upper()}, {self.direction})"


@dataclass
class ModelTrace:
    ids: np.ndarray  # (steps,) what was fed in
    layers: list[LayerTrace]
    running: np.ndarray | None  # (steps,) P(positive) after each token; None if not asked
    running_method: str  # "one pass" | "batched prefixes" | ""
    prediction: float  # P(positive) for the whole sequence, from the recomputation

    def lstm_layers(self) -> list[LayerTrace]:
        return [lt for lt in self.layers if lt.trace.kind == "lstm"]


@dataclass
class _Op:
    kind: str  # embedding | rnn | bi | dense | identity | avgpool | maxpool | activation
    name: str
    params: dict


IDENTITY = ("Dropout", "SpatialDropout1D", "GaussianNoise", "GaussianDropout",
            "AlphaDropout", "ActivityRegularization", "InputLayer", "Masking")


class ModelTracer:
    """A model's weights pulled out once; `trace(ids)` then runs in pure NumPy.

    Supports a chain of Embedding, LSTM/GRU/SimpleRNN (also Bidirectional and stacked),
    Dropout-like layers, Dense, Activation and global average/max pooling.
    """

    def __init__(self, model):
        import keras

        self.model = model
        self.ops: list[_Op] = []
        for layer in model.layers:
            name = type(layer).__name__
            if isinstance(layer, keras.layers.Embedding):
                self.ops.append(_Op("embedding", layer.name, {
                    "table": _numpy(layer.embeddings), "mask_zero": bool(layer.mask_zero)}))
            elif recurrent_kind(layer) is not None:
                self.ops.append(_Op("rnn", layer.name, {"w": CellWeights.from_layer(layer)}))
            elif _is_bidirectional(layer):
                if recurrent_kind(layer.forward_layer) is None:
                    raise UnsupportedModel(f"Bidirectional {layer.name} wraps {name}")
                self.ops.append(_Op("bi", layer.name, {
                    "forward": CellWeights.from_layer(layer.forward_layer),
                    "backward": CellWeights.from_layer(layer.backward_layer),
                    "merge": layer.merge_mode,
                    "return_sequences": bool(layer.return_sequences)}))
            elif isinstance(layer, keras.layers.Dense):
                bias = _numpy(layer.bias) if layer.use_bias else 0.0
                self.ops.append(_Op("dense", layer.name, {
                    "kernel": _numpy(layer.kernel), "bias": bias,
                    "act": activation(layer.activation),
                    "linear": getattr(layer.activation, "__name__", "") == "linear"}))
            elif isinstance(layer, keras.layers.Activation):
                self.ops.append(_Op("activation", layer.name,
                                    {"act": activation(layer.activation)}))
            elif isinstance(layer, keras.layers.GlobalAveragePooling1D):
                self.ops.append(_Op("avgpool", layer.name, {}))
            elif isinstance(layer, keras.layers.GlobalMaxPooling1D):
                self.ops.append(_Op("maxpool", layer.name, {}))
            elif name in IDENTITY:
                continue
            else:
                raise UnsupportedModel(
                    f"layer {layer.name} ({name}) cannot be traced; the gates page handles "
                    "Embedding, LSTM/GRU/SimpleRNN (also Bidirectional), Dropout, pooling "
                    "and Dense layers"
                )
        if not any(op.kind in ("rnn", "bi") for op in self.ops):
            raise UnsupportedModel("the model has no LSTM, GRU or SimpleRNN layer to trace")
        self.mask_zero = any(op.kind == "embedding" and op.params["mask_zero"]
                             for op in self.ops)
        self.causal = not any(  # a causal model's state at t depends on tokens <= t only
            op.kind == "bi" or (op.kind == "rnn" and op.params["w"].go_backwards)
            for op in self.ops
        )

    def trace(self, ids, running: bool = True) -> ModelTrace:
        """Trace every recurrent layer on one review's ids (steps,), and (if `running`) the
        prediction after each token. Ids must already be truncated/padded as the model
        expects (with mask_zero, padding changes nothing and can be left out)."""
        ids = np.asarray(ids, dtype=np.int64).reshape(-1)
        if ids.size == 0:
            raise ValueError("nothing to trace: the sequence is empty")
        x = ids[:, None].astype(np.float64)  # (steps, 1) until the Embedding
        mask = np.ones(len(ids), bool)
        seq = True  # x is per step; after the last recurrent layer it is per prefix
        final = None  # (1, d) the whole sequence's vector once seq is False
        layers: list[LayerTrace] = []
        position = 0
        for op in self.ops:
            p = op.params
            if op.kind == "embedding":
                table = p["table"]
                if ids.min() < 0 or ids.max() >= len(table):
                    raise ValueError(f"ids must lie in [0, {len(table)})")
                x = table[ids]  # (steps, embed_dim)
                if p["mask_zero"]:
                    mask = ids != 0
            elif op.kind == "rnn" and seq:
                position += 1
                t = trace_layer(p["w"], x, mask)
                layers.append(LayerTrace(op.name, position, "backward" if t.backwards
                                         else "forward", t))
                if p["w"].return_sequences:
                    # as Keras passes it on: a go_backwards layer's outputs stay reversed
                    x = t.keras_sequence(p["w"].zero_output_for_mask)
                else:
                    x, final, seq = t.h, t.final["h"][None, :], False
                    if t.backwards:
                        x = np.full_like(x, np.nan)  # a backward reader has no prefixes
            elif op.kind == "bi" and seq:
                position += 1
                tf_ = trace_layer(p["forward"], x, mask)
                tb = trace_layer(p["backward"], x, mask)
                layers.append(LayerTrace(op.name, position, "forward", tf_))
                layers.append(LayerTrace(op.name, position, "backward", tb))
                if p["return_sequences"]:
                    fwd = tf_.keras_sequence(True)  # Bidirectional zeroes masked outputs
                    bwd = tb.keras_sequence(True)[::-1]  # ... and flips the backward one
                    x = _merge(fwd, bwd, p["merge"])
                else:
                    final = _merge(tf_.final["h"][None], tb.final["h"][None], p["merge"])
                    x = np.full((len(ids), final.shape[1]), np.nan)  # no one-pass prefixes
                    seq = False
            elif op.kind in ("avgpool", "maxpool") and seq:
                x, final, seq = _pool(op.kind, x, mask)
            elif op.kind == "dense":
                x = p["act"](x @ p["kernel"] + p["bias"])
                if final is not None:
                    final = p["act"](final @ p["kernel"] + p["bias"])
            elif op.kind == "activation":
                x = p["act"](x)
                if final is not None:
                    final = p["act"](final)
            elif op.kind in ("rnn", "bi", "avgpool", "maxpool"):
                raise UnsupportedModel(f"{op.name} comes after the sequence was reduced")
        if seq or final is None:
            raise UnsupportedModel("the model returns a sequence, not one prediction")
        linear = self.ops[-1].kind == "dense" and self.ops[-1].params["linear"]
        prediction = float(_positive(final, linear)[0])
        run, method = None, ""
        if running:
            if self.causal and not np.isnan(x).any():
                run, method = _positive(x, linear), "one pass"
            else:
                run, method = prefix_predictions(self.model, ids), "batched prefixes"
        return ModelTrace(ids, layers, run, method, prediction)


def _merge(a: np.ndarray, b: np.ndarray, mode: str | None) -> np.ndarray:
    if mode == "concat":
        return np.concatenate([a, b], axis=-1)
    if mode == "sum":
        return a + b
    if mode == "ave":
        return (a + b) / 2.0
    if mode == "mul":
        return a * b
    raise UnsupportedModel(f"Bidirectional merge_mode={mode!r} is not supported")


def _pool(kind: str, x: np.ndarray, mask: np.ndarray):
    """Global pooling of the whole sequence, and of every prefix (running mean/max)."""
    weights = mask.astype(np.float64)[:, None]  # (steps, 1)
    if kind == "avgpool":
        sums = np.cumsum(x * weights, axis=0)  # (steps, d)
        counts = np.maximum(np.cumsum(weights, axis=0), 1.0)
        prefix = sums / counts
    else:
        prefix = np.maximum.accumulate(x, axis=0)  # Keras's max ignores the mask too
    return prefix, prefix[-1:].copy(), False


def _positive(out: np.ndarray, logits: bool) -> np.ndarray:
    """P(positive) from the model's output rows: sigmoid unit, or the 2nd of two classes."""
    if out.shape[-1] == 1:
        column = out[:, 0]
        return _sigmoid(column) if logits else column
    if out.shape[-1] == 2:
        return (_softmax(out) if logits else out)[:, 1]
    raise UnsupportedModel(f"the model has {out.shape[-1]} outputs; 1 or 2 are understood")


def prefix_predictions(model, ids, padding: str = "pre", batch: int = PREFIX_BATCH):
    """The model's own prediction after each token: every prefix padded to full length with
    <PAD> (0) and scored in batches. The slow reference that one pass replaces."""
    ids = np.asarray(ids, dtype=np.int32).reshape(-1)
    steps = len(ids)
    out = np.zeros(steps)
    for start in range(0, steps, batch):
        stop = min(start + batch, steps)
        rows = np.zeros((stop - start, steps), np.int32)  # (batch, steps)
        for r, t in enumerate(range(start, stop)):
            if padding == "pre":
                rows[r, steps - t - 1:] = ids[: t + 1]
            else:
                rows[r, : t + 1] = ids[: t + 1]
        pred = np.asarray(model(rows, training=False))  # (batch, 1)
        out[start:stop] = _positive(pred.astype(np.float64), logits=False)
    return out


# --------------------------------------------------------------------------- reviews in, model out

SHIPPED_MODEL = "lstm_sentiment.keras"  # made by scripts/train_lstm_sentiment.py
SHIPPED_VOCAB = "lstm_sentiment_vocab.json"
SHIPPED_META = "lstm_sentiment_meta.json"


def load_shipped(folder=None):
    """(model, vocabulary, metadata) of the shipped LSTM; Keras safe mode (no code runs)."""
    import json

    import keras

    from explainers import data, paths

    folder = paths.ASSETS if folder is None else folder
    model = keras.saving.load_model(folder / SHIPPED_MODEL, safe_mode=True)
    vocab = data.Vocabulary.from_file(folder / SHIPPED_VOCAB)
    meta = json.loads((folder / SHIPPED_META).read_text(encoding="utf-8"))
    return model, vocab, meta


@dataclass
class Prepared:
    """A review as the model sees it."""

    ids: np.ndarray  # (steps,) what to trace: maybe padded, see `first`
    tokens: list[str]  # (steps,) the model's view of each id: <START>, <UNK>, <PAD>, words
    first: int  # index of the first non-pad step (pads before it when padding is "pre")
    last: int  # one past the last non-pad step
    words: int  # words in the text
    unknown: int  # of which out of vocabulary (<UNK>)
    truncated: list[str]  # the words cut off by maxlen, in text order

    @property
    def real(self) -> slice:
        return slice(self.first, self.last)


def prepare_review(text: str, vocab, maxlen: int | None, padding: str = "pre",
                   truncating: str = "pre", pad: bool = False) -> Prepared:
    """Tokenise and encode a review as training did: <START> first, <UNK> for unknown words,
    cut to `maxlen` (keeping the end for truncating="pre"); padded to maxlen only with `pad`
    (needed when the model does not mask: the <PAD> steps then change its state)."""
    from explainers import data

    words = data.tokenize(text)
    ids = data.encode_tokens(words, vocab)  # [START, ...]
    unknown = sum(1 for i in ids[1:] if i == data.UNK)
    truncated: list[str] = []
    if maxlen is not None and len(ids) > maxlen:
        cut = len(ids) - maxlen
        if truncating == "pre":  # pad_sequences drops the start, <START> included
            truncated = ["<START>", *words][:cut]
            ids = ids[cut:]
        else:
            truncated = words[len(words) - cut:]
            ids = ids[:maxlen]
    first, last = 0, len(ids)
    if pad and maxlen is not None and len(ids) < maxlen:
        fill = [data.PAD] * (maxlen - len(ids))
        if padding == "pre":
            ids, first, last = fill + ids, len(fill), maxlen
        else:
            ids = ids + fill
    array = np.asarray(ids, dtype=np.int32)
    tokens = [vocab.token_of(int(i)) for i in array]
    return Prepared(array, tokens, first, last, len(words), unknown, truncated)


# --------------------------------------------------------------------------- checking input

MAX_UPLOAD_BYTES = 1_000_000  # the longest IMDB review is ~14 KB; 1 MB is a short book
MAX_TEXT_CHARS = 200_000  # typed or pasted text beyond this is not a review


class BadReview(ValueError):
    """Text the page cannot trace; the message says why, in words a student understands."""


def review_from_upload(payload: bytes) -> str:
    """The text of an uploaded .txt file, or BadReview: empty, huge, binary, not UTF-8."""
    if not payload or not payload.strip():
        raise BadReview("The file is empty: there is no review in it.")
    if len(payload) > MAX_UPLOAD_BYTES:
        raise BadReview(
            f"The file is {len(payload) / 1e6:.1f} MB; a review is a few KB and the limit "
            f"is {MAX_UPLOAD_BYTES / 1e6:.0f} MB. Upload one review, not a collection."
        )
    if b"\x00" in payload[:65536]:
        raise BadReview("This looks like a binary file (an image, a PDF, a Word file...), "
                        "not plain text. Save the review as a .txt file and upload that.")
    try:
        text = payload.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise BadReview(
            f"The file is not UTF-8 text (byte {error.start} cannot be read). Save it as "
            "UTF-8 (in most editors: Save As → Encoding: UTF-8) and upload it again."
        ) from error
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\n\r\t")
    if controls > 0.05 * len(text):
        raise BadReview("This file is mostly control characters, not a review.")
    return text


def check_review(text: str, vocab) -> tuple[int, int]:
    """(words, known words) of a review, or BadReview when there is nothing to trace."""
    from explainers import data

    if len(text) > MAX_TEXT_CHARS:
        raise BadReview(f"The text has {len(text):,} characters; paste one review "
                        f"(under {MAX_TEXT_CHARS:,} characters).")
    words = data.tokenize(text)
    if not words:
        raise BadReview("There are no words in this text (only spaces, punctuation or "
                        "markup), so there is nothing for the LSTM to read.")
    known = sum(1 for i in data.encode_tokens(words, vocab, add_start=False) if i != data.UNK)
    if known == 0:
        raise BadReview(
            f"None of the {len(words)} words is in the model's {vocab.size:,}-word "
            "vocabulary, so the model would see only <UNK> tokens. Try an English review."
        )
    return len(words), known
