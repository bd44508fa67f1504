"""Trace a whole trained model on one review: every recurrent layer's gates, and the model's
prediction after each token, in one NumPy pass.

`ModelTracer` pulls a model's weights out once, as one small op per layer: Embedding,
LSTM/GRU/SimpleRNN, Bidirectional, Dense, Activation and global average/max pooling (Dropout
and its kin do nothing at inference and are skipped). Each op type knows which Keras layer it
stands for, how to build itself from one, and how to apply itself to the running `Flow`.

What flows from op to op: one row per step while the model still reads a sequence; once a
recurrent or pooling layer has reduced it, the whole review's vector plus one row per prefix.
A causal layer's state at step t is exactly its state for the review cut after token t, so
the head applied to every row gives the running prediction in the same pass (a Bidirectional
or backward layer reads the future, so such models fall back to `prefix_predictions`: the
model itself on every prefix, in batches).

The cell maths is `gates`'; which Keras layer is which recurrent cell is `cells`'.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from explainers import cells, gates
from explainers.gates import CellWeights, Trace, UnsupportedModel

PREFIX_BATCH = 512  # prefixes per model call in the fallback: fewer, longer calls win
SKIPPED = ("Dropout", "SpatialDropout1D", "GaussianNoise", "GaussianDropout",
           "AlphaDropout", "ActivityRegularization", "InputLayer", "Masking")  # no-ops here


@dataclass
class LayerTrace:
    """One recurrent layer's trace inside a model, with what the page needs to name it."""

    layer: str  # the Keras layer's name
    position: int  # 1 = the first recurrent layer
    direction: str  # "forward" | "backward"
    trace: Trace  # its name on screen: lessons.charts.gates.layer_label


@dataclass
class ModelTrace:
    ids: np.ndarray  # (steps,) what was fed in
    layers: list[LayerTrace]
    running: np.ndarray | None  # (steps,) P(positive) after each token; None if not asked
    running_method: str  # "one pass" | "batched prefixes" | ""
    prediction: float  # P(positive) for the whole sequence, from the recomputation

    def lstm_layers(self) -> list[LayerTrace]:
        return [lt for lt in self.layers if lt.trace.kind == cells.LSTM.kind]


@dataclass
class Flow:
    """The running state that each op reads and updates."""

    ids: np.ndarray  # (steps,) the review's ids
    x: np.ndarray  # (steps, d): per step while `sequence`; then per prefix (NaN: unknown)
    mask: np.ndarray  # (steps,) True where a step is read (False at masked <PAD> steps)
    sequence: bool = True  # False once a recurrent or pooling layer has reduced the review
    final: np.ndarray | None = None  # (1, d) the whole review's vector, once reduced
    layers: list[LayerTrace] = field(default_factory=list)  # recurrent traces so far

    def next_position(self) -> int:
        return 1 + max((lt.position for lt in self.layers), default=0)

    def reduce(self, prefixes: np.ndarray, final: np.ndarray) -> None:
        self.x, self.final, self.sequence = prefixes, final, False

    def need_sequence(self, name: str) -> None:
        if not self.sequence:
            raise UnsupportedModel("after_reduction", name=name)


# --------------------------------------------------------------------------- one op per kind


@dataclass(frozen=True)
class EmbeddingOp:
    name: str
    table: np.ndarray  # (vocab, embed_dim)
    mask_zero: bool  # <PAD> (id 0) steps are skipped by every later layer
    causal: ClassVar[bool] = True
    keras_classes: ClassVar[tuple[str, ...]] = ("Embedding",)

    @classmethod
    def from_layer(cls, layer) -> EmbeddingOp:
        return cls(layer.name, gates.to_numpy(layer.embeddings), bool(layer.mask_zero))

    def apply(self, flow: Flow) -> None:
        ids = flow.ids
        if ids.min() < 0 or ids.max() >= len(self.table):
            raise ValueError(f"ids must lie in [0, {len(self.table)})")
        flow.x = self.table[ids]  # (steps, embed_dim)
        if self.mask_zero:
            flow.mask = ids != 0


@dataclass(frozen=True)
class RecurrentOp:
    name: str
    weights: CellWeights
    keras_classes: ClassVar[tuple[str, ...]] = tuple(c.name for c in cells.CELLS.values())

    @property
    def causal(self) -> bool:  # a backward reader's state at t depends on later tokens
        return not self.weights.go_backwards

    @classmethod
    def from_layer(cls, layer) -> RecurrentOp:
        return cls(layer.name, CellWeights.from_layer(layer))

    def apply(self, flow: Flow) -> None:
        flow.need_sequence(self.name)
        w = self.weights
        t = gates.trace_layer(w, flow.x, flow.mask)
        direction = "backward" if t.backwards else "forward"
        flow.layers.append(LayerTrace(self.name, flow.next_position(), direction, t))
        if w.return_sequences:
            # as Keras passes it on: a go_backwards layer's outputs stay reversed
            flow.x = t.keras_sequence(w.zero_output_for_mask)
            return
        prefixes = np.full_like(t.h, np.nan) if t.backwards else t.h  # no backward prefixes
        flow.reduce(prefixes, t.final["h"][None, :])


@dataclass(frozen=True)
class BidirectionalOp:
    name: str
    forward: CellWeights
    backward: CellWeights
    merge: str | None  # Keras's merge_mode
    return_sequences: bool
    causal: ClassVar[bool] = False  # the backward half reads the future
    keras_classes: ClassVar[tuple[str, ...]] = ("Bidirectional",)

    @classmethod
    def from_layer(cls, layer) -> BidirectionalOp:
        if cells.kind_of(layer.forward_layer) is None:
            raise UnsupportedModel("bidirectional_wraps", name=layer.name,
                                   kind=type(layer.forward_layer).__name__)
        return cls(layer.name, CellWeights.from_layer(layer.forward_layer),
                   CellWeights.from_layer(layer.backward_layer), layer.merge_mode,
                   bool(layer.return_sequences))

    def apply(self, flow: Flow) -> None:
        flow.need_sequence(self.name)
        forward = gates.trace_layer(self.forward, flow.x, flow.mask)
        backward = gates.trace_layer(self.backward, flow.x, flow.mask)
        position = flow.next_position()
        flow.layers.append(LayerTrace(self.name, position, "forward", forward))
        flow.layers.append(LayerTrace(self.name, position, "backward", backward))
        if self.return_sequences:
            fwd = forward.keras_sequence(True)  # Bidirectional zeroes masked outputs
            bwd = backward.keras_sequence(True)[::-1]  # ... and flips the backward one
            flow.x = _merge(fwd, bwd, self.merge)  # (steps, d)
            return
        final = _merge(forward.final["h"][None], backward.final["h"][None], self.merge)
        flow.reduce(np.full((len(flow.ids), final.shape[1]), np.nan), final)  # no prefixes


@dataclass(frozen=True)
class DenseOp:
    name: str
    kernel: np.ndarray  # (d_in, d_out)
    bias: np.ndarray | float  # (d_out,)
    act: object  # float64 NumPy activation
    linear: bool  # no activation: the outputs are logits
    causal: ClassVar[bool] = True
    keras_classes: ClassVar[tuple[str, ...]] = ("Dense",)

    @classmethod
    def from_layer(cls, layer) -> DenseOp:
        bias = gates.to_numpy(layer.bias) if layer.use_bias else 0.0
        linear = getattr(layer.activation, "__name__", "") == "linear"
        return cls(layer.name, gates.to_numpy(layer.kernel), bias,
                   gates.activation(layer.activation), linear)

    def apply(self, flow: Flow) -> None:
        flow.x = self.act(flow.x @ self.kernel + self.bias)  # (steps, d_out)
        if flow.final is not None:
            flow.final = self.act(flow.final @ self.kernel + self.bias)  # (1, d_out)


@dataclass(frozen=True)
class ActivationOp:
    name: str
    act: object
    causal: ClassVar[bool] = True
    keras_classes: ClassVar[tuple[str, ...]] = ("Activation",)

    @classmethod
    def from_layer(cls, layer) -> ActivationOp:
        return cls(layer.name, gates.activation(layer.activation))

    def apply(self, flow: Flow) -> None:
        flow.x = self.act(flow.x)
        if flow.final is not None:
            flow.final = self.act(flow.final)


@dataclass(frozen=True)
class PoolOp:
    """Global average or max pooling over the steps: the review's vector, and every
    prefix's (a running mean or max), so the head can score each prefix."""

    name: str
    how: str  # "mean" | "max"
    causal: ClassVar[bool] = True
    keras_classes: ClassVar[tuple[str, ...]] = ("GlobalAveragePooling1D", "GlobalMaxPooling1D")

    @classmethod
    def from_layer(cls, layer) -> PoolOp:
        return cls(layer.name, "mean" if _is_a(layer, "GlobalAveragePooling1D") else "max")

    def apply(self, flow: Flow) -> None:
        flow.need_sequence(self.name)
        if self.how == "mean":
            weights = flow.mask.astype(np.float64)[:, None]  # (steps, 1)
            sums = np.cumsum(flow.x * weights, axis=0)  # (steps, d)
            prefix = sums / np.maximum(np.cumsum(weights, axis=0), 1.0)
        else:
            prefix = np.maximum.accumulate(flow.x, axis=0)  # Keras's max ignores the mask too
        flow.reduce(prefix, prefix[-1:].copy())


OP_TYPES = (EmbeddingOp, RecurrentOp, BidirectionalOp, DenseOp, ActivationOp, PoolOp)
Op = EmbeddingOp | RecurrentOp | BidirectionalOp | DenseOp | ActivationOp | PoolOp


def _is_a(layer, *class_names: str) -> bool:
    """isinstance against the keras.layers classes of these names (Keras imported here)."""
    from keras import layers

    return isinstance(layer, tuple(getattr(layers, name) for name in class_names))


def op_for(layer) -> Op | None:
    """The op of a Keras layer; None for a layer that does nothing at inference."""
    for op_type in OP_TYPES:
        if _is_a(layer, *op_type.keras_classes):
            return op_type.from_layer(layer)
    if type(layer).__name__ in SKIPPED:
        return None
    raise UnsupportedModel("layer", name=layer.name, kind=type(layer).__name__)


def _merge(a: np.ndarray, b: np.ndarray, mode: str | None) -> np.ndarray:
    if mode == "concat":
        return np.concatenate([a, b], axis=-1)
    if mode == "sum":
        return a + b
    if mode == "ave":
        return (a + b) / 2.0
    if mode == "mul":
        return a * b
    raise UnsupportedModel("merge_mode", mode=repr(mode))


def _positive(out: np.ndarray, logits: bool) -> np.ndarray:
    """P(positive) from the model's output rows: sigmoid unit, or the 2nd of two classes."""
    if out.shape[-1] == 1:
        column = out[:, 0]
        return gates.sigmoid(column) if logits else column
    if out.shape[-1] == 2:
        return (gates.softmax(out) if logits else out)[:, 1]
    raise UnsupportedModel("outputs", outputs=out.shape[-1])


# --------------------------------------------------------------------------- the whole model


class ModelTracer:
    """A model's weights pulled out once; `trace(ids)` then runs in pure NumPy.

    Supports a chain of Embedding, LSTM/GRU/SimpleRNN (also Bidirectional and stacked),
    Dropout-like layers, Dense, Activation and global average/max pooling.
    """

    def __init__(self, model):
        self.model = model
        self.ops: list[Op] = [op for op in map(op_for, model.layers) if op is not None]
        if not any(isinstance(op, (RecurrentOp, BidirectionalOp)) for op in self.ops):
            raise UnsupportedModel("no_recurrent")
        self.mask_zero = any(isinstance(op, EmbeddingOp) and op.mask_zero for op in self.ops)
        self.causal = all(op.causal for op in self.ops)  # state at t sees tokens <= t only
        last = self.ops[-1]
        self.logits = isinstance(last, DenseOp) and last.linear

    def trace(self, ids, running: bool = True) -> ModelTrace:
        """Trace every recurrent layer on one review's ids (steps,), and (if `running`) the
        prediction after each token. Ids must already be truncated/padded as the model
        expects (with mask_zero, padding changes nothing and can be left out)."""
        ids = np.asarray(ids, dtype=np.int64).reshape(-1)
        if ids.size == 0:
            raise ValueError("nothing to trace: the sequence is empty")
        flow = Flow(ids, ids[:, None].astype(np.float64), np.ones(len(ids), bool))
        for op in self.ops:
            op.apply(flow)
        if flow.sequence or flow.final is None:
            raise UnsupportedModel("sequence_out")
        prediction = float(_positive(flow.final, self.logits)[0])
        run, method = None, ""
        if running:
            if self.causal and not np.isnan(flow.x).any():
                run, method = _positive(flow.x, self.logits), "one pass"
            else:
                run, method = prefix_predictions(self.model, ids), "batched prefixes"
        return ModelTrace(ids, flow.layers, run, method, prediction)

    def pooled(self, prepared: Iterable, lstm_layer: int = 0) -> Trace:
        """One LSTM layer's gates over many reviews as one long trace, e.g. to count gate
        saturation over a test set as Karpathy et al. did. Each `reviews.Prepared` review is
        fed as this model reads it; any <PAD> steps are left out."""
        traces, keep = [], []
        for review in prepared:
            ids, real = review.for_model(self.mask_zero)
            traces.append(self.trace(ids, running=False).lstm_layers()[lstm_layer].trace)
            keep.append(real)
        return gates.pooled(traces, keep)


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
