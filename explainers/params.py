"""Count a Keras layer's parameters from its configuration alone, and read model.summary().

Every formula is derived from the layer's sizes (never from `count_params`), then checked
against Keras (tests/test_params.py builds hundreds of random layers):

- Embedding(V, d):       V × d                       one d-vector per vocabulary id
- Dense(u) on x:         x × u + u                   a weight per (input, unit), a bias per unit
- SimpleRNN(h) on x:     h × (h + x) + h             W acts on [h_{t-1}, x_t]; one bias per unit
- LSTM(h) on x:          4 × [h × (h + x) + h]       the same block for the i, f, c, o gates
- GRU(h), reset_after:   3 × [h × (h + x) + 2h]      z, r, h̃ blocks; two biases each (input
                                                     and recurrent), as cuDNN lays them out
- GRU(h), reset_before:  3 × [h × (h + x) + h]       the original GRU: one bias per block
- Bidirectional(R):      2 × R                       a forward and a backward copy of R
- pooling, Dropout, Flatten: 0                       they move numbers, they learn none

Totals and memory are formatted the way `model.summary()` prints them: "161,153 (629.50 KB)"
(4 bytes per float32 parameter, 1 KB = 1024 B, as Keras's `readable_memory_size`).
The sentences on the terms (`WHY`), the directions' names and the errors (`BadStack`) are
English `N_` templates that a page shows in the reader's language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from explainers import cells
from explainers.i18n import N_, Explained

BYTES_PER_PARAM = 4  # float32 weights, what Keras counts in the summary's memory column
RNN_KINDS = cells.KINDS
ZERO_KINDS = ("globalaveragepooling1d", "globalmaxpooling1d", "dropout", "flatten")
KINDS = ("embedding", "dense", *RNN_KINDS, *ZERO_KINDS)
KERAS_CLASS = {  # our kind -> the class name model.summary() prints
    "embedding": "Embedding", "dense": "Dense", "globalaveragepooling1d": "GlobalAveragePooling1D",
    "globalmaxpooling1d": "GlobalMaxPooling1D", "dropout": "Dropout", "flatten": "Flatten",
    **{kind: c.name for kind, c in cells.CELLS.items()},
}
KERAS_NAME = {  # our kind -> Keras's default layer name (snake case of the class)
    "embedding": "embedding", "dense": "dense", "globalaveragepooling1d":
    "global_average_pooling1d", "globalmaxpooling1d": "global_max_pooling1d",
    "dropout": "dropout", "flatten": "flatten",
    **{kind: c.keras_name for kind, c in cells.CELLS.items()},
}

WHY = {  # a sentence on each formula's terms, shown under the formula
    "embedding": N_(
        "An Embedding is a lookup table: one row of d numbers for each of the V ids, and "
        "nothing else (no bias), so V × d."
    ),
    "dense": N_(
        "Every one of the u units has a weight for each of the x inputs (x × u), plus "
        "one bias per unit (+ u)."
    ),
    "simplernn": N_(
        "Each step computes h_t = tanh([h_{t-1}, x_t] · W + b). W has one row per entry of "
        "the concatenation (h + x rows) and one column per unit (h columns): h × (h + x). "
        "The bias adds one number per unit: + h. The same W is reused at every time step, "
        "so the count does not depend on the sequence length."
    ),
    "lstm": N_(
        "An LSTM runs four SimpleRNN-shaped blocks side by side, one each for the input "
        "gate i, forget gate f, candidate c̃ and output gate o; each has its own "
        "h × (h + x) weights and h biases, hence × 4."
    ),
    "gru_after": N_(
        "A GRU has three blocks (update z, reset r, candidate h̃), hence × 3. With "
        "reset_after=True (Keras's default, the cuDNN layout) the reset gate is applied "
        "after the recurrent product, so the input part and the recurrent part each keep "
        "their own bias: 2h biases per block."
    ),
    "gru_before": N_(
        "A GRU has three blocks (update z, reset r, candidate h̃), hence × 3. With "
        "reset_after=False (the original 2014 GRU) the reset gate acts before the "
        "recurrent product and each block has a single bias of h."
    ),
    "bidirectional": N_(
        "Bidirectional keeps two independent copies of the layer, one reading left to "
        "right and one right to left, so it has exactly twice the parameters. By default "
        "their outputs are concatenated, so the next layer sees 2h features."
    ),
    "zero": N_(
        "Pooling, Dropout and Flatten only average, drop or reshape numbers; they have no "
        "weights, so 0."
    ),
}
DIRECTIONS = {  # the two copies inside a Bidirectional layer, named in the layer table
    "forward": N_("forward {cell}"), "backward": N_("backward {cell}"),
}


class BadStack(Explained, ValueError):
    """A layer that cannot take what the layer before it returns (said in the reader's
    language: an `N_` template and its parameters)."""


@dataclass(frozen=True)
class LayerSpec:
    """One layer of a Sequential model, by the sizes that decide its parameter count."""

    kind: str  # one of KINDS
    units: int = 0  # Embedding: output_dim; Dense / recurrent: units; others: unused
    vocab: int = 0  # Embedding only: input_dim, the number of ids
    bidirectional: bool = False  # recurrent only: wrap in keras.layers.Bidirectional
    return_sequences: bool = False  # recurrent only: pass every step on (for stacking)
    reset_after: bool = True  # GRU only; Keras's default (True) has 2h biases per block
    use_bias: bool = True  # Dense / recurrent: Keras's default
    activation: str = "linear"  # Dense only; does not change the count
    merge_mode: str = "concat"  # Bidirectional only: concat doubles the output features

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown layer kind {self.kind!r}; choose one of {KINDS}")


@dataclass(frozen=True)
class Direction:
    """One direction of a Bidirectional layer, counted on its own."""

    way: str  # "forward" or "backward", a key of DIRECTIONS
    cell: str  # the wrapped layer's class, e.g. "LSTM"
    formula: str
    substituted: str
    params: int


@dataclass(frozen=True)
class LayerCount:
    """A layer's parameter count, as a general formula and with this layer's numbers."""

    name: str  # the Keras layer name this spec is built with, e.g. "simple_rnn"
    keras_class: str  # what model.summary() prints in brackets
    formula: str  # e.g. "h × (h + x) + h"
    substituted: str  # e.g. "64 × (64 + 16) + 64"
    params: int  # e.g. 5184
    why: tuple[str, ...]  # sentences on the terms (WHY's N_ texts, translated by the page)
    output_shape: str  # as summary prints it, e.g. "(None, 500, 16)"
    directions: tuple[Direction, ...] = field(default=())  # Bidirectional: forward, backward


def fmt(n: int) -> str:
    """An integer with thousands commas, as model.summary() prints it."""
    return f"{n:,}"


def readable_memory(n_bytes: float) -> str:
    """Bytes -> "629.50 KB", the same rule as Keras's summary_utils.readable_memory_size."""
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if n_bytes / 1024 < 1:
            return f"{n_bytes:.2f} {unit}"
        n_bytes /= 1024
    return f"{n_bytes:.2f} PB"


def total_text(params: int) -> str:
    """A total as summary prints it: "161,153 (629.50 KB)"."""
    return f"{fmt(params)} ({readable_memory(params * BYTES_PER_PARAM)})"


def _shape_text(shape: tuple[int | None, ...]) -> str:
    return "(" + ", ".join("None" if s is None else str(s) for s in (None, *shape)) + ")"


def _cell_count(spec: LayerSpec, x: int) -> tuple[str, str, int, tuple[str]]:
    """(formula, substituted, params, why) of one direction of a recurrent layer."""
    h, gates = spec.units, cells.cell(spec.kind).blocks
    weights = f"{h} × ({h} + {x})"
    n_weights = h * (h + x)
    if spec.kind == "gru" and spec.reset_after and spec.use_bias:
        block, sub, n_block = "h × (h + x) + 2h", f"{weights} + 2×{h}", n_weights + 2 * h
    elif spec.use_bias:
        block, sub, n_block = "h × (h + x) + h", f"{weights} + {h}", n_weights + h
    else:
        block, sub, n_block = "h × (h + x)", weights, n_weights
    why = (WHY[spec.kind] if spec.kind != "gru" else WHY[
        "gru_after" if spec.reset_after else "gru_before"],)
    if gates == 1:
        return block, sub, n_block, why
    return f"{gates} × [{block}]", f"{gates} × [{sub}]", gates * n_block, why


def count_layer(spec: LayerSpec, in_shape: tuple[int | None, ...]) -> tuple[LayerCount, tuple]:
    """Count one layer's parameters from its spec and input shape (batch excluded).

    Returns the count and the layer's output shape, so a model can be walked layer by layer.
    Raises BadStack (a ValueError) when the layer cannot take that input (e.g. an RNN
    after pooling).
    """
    kind = spec.kind
    name, cls = KERAS_NAME[kind], KERAS_CLASS[kind]
    if kind == "embedding":
        if len(in_shape) != 1:
            raise BadStack(N_("An Embedding must come first: it takes a sequence of ids."))
        out = (in_shape[0], spec.units)
        n = spec.vocab * spec.units
        count = LayerCount(name, cls, "V × d", f"{spec.vocab} × {spec.units}", n,
                           (WHY["embedding"],), _shape_text(out))
        return count, out
    if kind == "dense":
        x = in_shape[-1]
        out = (*in_shape[:-1], spec.units)
        u = spec.units
        if spec.use_bias:
            formula, sub, n = "x × u + u", f"{x} × {u} + {u}", x * u + u
        else:
            formula, sub, n = "x × u", f"{x} × {u}", x * u
        return LayerCount(name, cls, formula, sub, n, (WHY["dense"],), _shape_text(out)), out
    if kind in RNN_KINDS:
        if len(in_shape) != 2:
            raise BadStack(N_(
                "{cls} needs a sequence (timesteps, features) as input; the layer before it "
                "returns one vector per review. Set return_sequences on the recurrent layer "
                "before it, or remove the pooling/Flatten."), cls=cls)
        x = int(in_shape[-1])
        formula, sub, n, why = _cell_count(spec, x)
        features = spec.units
        if not spec.bidirectional:
            out = (in_shape[0], features) if spec.return_sequences else (features,)
            return LayerCount(name, cls, formula, sub, n, why, _shape_text(out)), out
        if spec.merge_mode == "concat":
            features *= 2
        out = (in_shape[0], features) if spec.return_sequences else (features,)
        directions = tuple(Direction(way, cls, formula, sub, n) for way in DIRECTIONS)
        if cells.cell(kind).blocks == 1:  # brackets, so "2 ×" visibly multiplies the whole count
            formula, sub = f"[{formula}]", f"[{sub}]"
        count = LayerCount(
            "bidirectional", "Bidirectional", f"2 × {formula}", f"2 × {sub}", 2 * n,
            (*why, WHY["bidirectional"]), _shape_text(out), directions,
        )
        return count, out
    if kind in ("globalaveragepooling1d", "globalmaxpooling1d"):
        if len(in_shape) != 2:
            raise BadStack(N_("{cls} needs a sequence (timesteps, features) as input."),
                           cls=cls)
        out = (in_shape[-1],)
    elif kind == "flatten":
        if any(s is None for s in in_shape):
            raise BadStack(N_("Flatten needs a fixed sequence length."))
        size = 1
        for s in in_shape:
            size *= int(s)
        out = (size,)
    else:  # dropout
        out = in_shape
    return LayerCount(name, cls, "0", "0", 0, (WHY["zero"],), _shape_text(out)), out


@dataclass(frozen=True)
class ModelSpec:
    """A Sequential model: an input of `seq_len` ids, then the layers in order."""

    layers: tuple[LayerSpec, ...]
    seq_len: int | None = 500  # the lesson pads every review to 500; None = any length
    title: str = ""  # what the lesson called it, for presets: an N_ template...
    facts: tuple[tuple[str, object], ...] = ()  # ...and the numbers for its {placeholders}

    def named(self) -> tuple[str, ...]:
        """Keras-style unique names: dense, dense_1, bidirectional, bidirectional_1, ..."""
        seen: dict[str, int] = {}
        names = []
        for spec in self.layers:
            base = "bidirectional" if spec.bidirectional and spec.kind in RNN_KINDS else (
                KERAS_NAME[spec.kind])
            k = seen.get(base, 0)
            seen[base] = k + 1
            names.append(base if k == 0 else f"{base}_{k}")
        return tuple(names)


@dataclass(frozen=True)
class ModelCount:
    layers: tuple[LayerCount, ...]
    total: int

    @property
    def total_text(self) -> str:
        return total_text(self.total)


def count_model(model: ModelSpec) -> ModelCount:
    """Walk the layers, feeding each one's output shape to the next; sum the counts."""
    if not model.layers:
        raise BadStack(N_("The model has no layers."))
    shape: tuple = (model.seq_len,)
    counts = []
    for spec, name in zip(model.layers, model.named(), strict=True):
        count, shape = count_layer(spec, shape)
        counts.append(replace(count, name=name))
    return ModelCount(tuple(counts), sum(c.params for c in counts))


# --------------------------------------------------------------------------- Keras side


def keras_layer(spec: LayerSpec, name: str | None = None):
    """The real Keras layer for a spec (imported lazily: building it needs TensorFlow)."""
    from keras import layers

    if spec.kind == "embedding":
        return layers.Embedding(spec.vocab, spec.units, name=name)
    if spec.kind == "dense":
        return layers.Dense(spec.units, activation=spec.activation, use_bias=spec.use_bias,
                            name=name)
    if spec.kind in RNN_KINDS:
        options = {"return_sequences": spec.return_sequences, "use_bias": spec.use_bias}
        if spec.kind == "gru":
            options["reset_after"] = spec.reset_after
        cell_class = cells.keras_class(spec.kind)
        if spec.bidirectional:
            return layers.Bidirectional(cell_class(spec.units, **options),
                                        merge_mode=spec.merge_mode, name=name)
        return cell_class(spec.units, name=name, **options)
    simple = {
        "globalaveragepooling1d": layers.GlobalAveragePooling1D,
        "globalmaxpooling1d": layers.GlobalMaxPooling1D, "flatten": layers.Flatten,
    }
    if spec.kind == "dropout":
        return layers.Dropout(0.5, name=name)
    return simple[spec.kind](name=name)


def keras_model(model: ModelSpec):
    """Build the real Keras Sequential model (built, so summary shows real counts)."""
    import keras

    built = [keras_layer(s, n) for s, n in zip(model.layers, model.named(), strict=True)]
    return keras.Sequential([keras.Input((model.seq_len,), dtype="int32"), *built])


# --------------------------------------------------------------------------- summary


@dataclass(frozen=True)
class SummaryRow:
    name: str
    keras_class: str
    output_shape: str
    params: int


@dataclass(frozen=True)
class Summary:
    rows: tuple[SummaryRow, ...]
    total: str  # e.g. "161,153 (629.50 KB)"
    trainable: str
    non_trainable: str
    text: str  # the whole printed summary

    def row(self, name: str) -> SummaryRow | None:
        return next((r for r in self.rows if r.name == name), None)


_TOTAL = re.compile(r"^\s*(Total|Trainable|Non-trainable) params:\s*(.+?)\s*$")
_NAME = re.compile(r"^(.+?)\s*\((\w+)\)$")
SUMMARY_WIDTH = 76  # what model.summary() prints in an 80-column terminal


def _table_rows(lines: list[str]) -> list[list[str]]:
    """Cells of the summary table's body rows; a row wrapped over several lines is joined."""
    rows, current = [], None
    for line in lines:
        if line.startswith(("├", "└", "┡")):
            if current:
                rows.append(current)
            current = [] if not line.startswith("└") else None
            continue
        if current is not None and line.startswith("│"):
            cells = [c.strip() for c in line.strip().strip("│").split("│")]
            current.append(cells)
    return [
        ["".join(c[0] for c in row), " ".join(c[1] for c in row if c[1]),
         "".join(c[2] for c in row)]
        for row in rows if row and all(len(c) >= 3 for c in row)
    ]


def parse_summary(text: str) -> Summary:
    """Per-layer rows and totals from the text of `model.summary()`.

    The table is drawn with box characters; a long layer name or shape wraps onto a second
    line, so the cells of a row are joined before they are read.
    """
    lines = text.splitlines()
    rows = []
    for name_cell, shape, params in _table_rows(lines):
        match = _NAME.match(name_cell)
        if match and re.fullmatch(r"[\d,]+", params):
            rows.append(SummaryRow(match.group(1), match.group(2), shape,
                                   int(params.replace(",", ""))))
    totals = {}
    for line in lines:
        match = _TOTAL.match(line)
        if match:
            totals[match.group(1)] = match.group(2)
    return Summary(tuple(rows), totals.get("Total", ""), totals.get("Trainable", ""),
                   totals.get("Non-trainable", ""), text)


def summary_of(model) -> Summary:
    """Capture `model.summary()` through print_fn and parse it."""
    chunks: list[str] = []
    model.summary(line_length=SUMMARY_WIDTH, print_fn=lambda text, **_: chunks.append(text))
    return parse_summary("\n".join(chunks))


def model_summary(model: ModelSpec) -> Summary:
    """Build the spec as a real Keras model and parse its summary."""
    return summary_of(keras_model(model))
