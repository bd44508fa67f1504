"""One LSTM step by hand: a toy cell small enough that every product fits on the screen.

The SimpleRNN's one step (`rnn_inside.walkthrough`) done for an LSTM. A sentence's words get
small rounded vectors of x numbers; a cell of h units gets rounded weights in Keras's layout
(`cells.LSTM`: kernel (x, 4h) and recurrent kernel (h, 4h), blocks in the order i, f, c, o,
the candidate called g). Each step is written out the long way, gate by gate:

    z_k = x_t · W_k + h_{t-1} · U_k + b_k          for k in f, i, g, o       (h,) each
    f = σ(z_f)   i = σ(z_i)   g = tanh(z_g)   o = σ(z_o)
    c_t = f ⊙ c_{t-1} + i ⊙ g                      the conveyor belt (一带)
    h_t = o ⊙ tanh(c_t)

The gate equations themselves are `gates.trace_lstm`'s (Hochreiter & Schmidhuber 1997, with
Gers et al.'s forget gate, as Keras 3's LSTMCell): every hand step is checked against that
trace (`trace_difference`), and against a real `keras.layers.LSTM` given the same weights by
`keras_difference` (float64; a page calls it on demand, it imports TensorFlow). The parameter
count is `params.count_layer`'s 4 × [h × (h + x) + h].
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from explainers import cells, data, gates, params
from explainers.i18n import N_
from explainers.rnn_inside import NoWords, _rounded

MAX_X, MAX_H = 4, 4  # the sliders' ends: a 4 × 16 kernel still fits on one screen
MAX_TOKENS = 8  # words stepped through: the step slider stays short
EMBED_SCALE, WEIGHT_SCALE, BIAS_SCALE = 1.0, 0.8, 0.3  # as the SimpleRNN walkthrough's
ORDER = ("f", "i", "g", "o")  # the order the lesson tells the gates: forget, input, candidate,
# output (Keras stores them i, f, c, o: `cells.LSTM.gates`)


@dataclass(frozen=True)
class ToyCell:
    """The toy cell's settings; frozen so a page can cache by them."""

    x_dim: int = 2  # numbers per word: two rows of W per gate, easy to follow by hand
    h_dim: int = 3  # units: three columns per gate, the products still fit one line
    seed: int = 0  # the words' vectors and the weights

    def __post_init__(self) -> None:
        if not (1 <= self.x_dim <= MAX_X and 1 <= self.h_dim <= MAX_H):
            raise ValueError(f"sizes must be 1-{MAX_X} (x) and 1-{MAX_H} (h)")


@dataclass
class GateStep:
    """One gate at one step: its weight blocks and every vector on the way to its value."""

    gate: str  # "f" | "i" | "g" | "o"
    W: np.ndarray  # (x, h) this gate's block of the kernel
    U: np.ndarray  # (h, h) this gate's block of the recurrent kernel
    b: np.ndarray  # (h,) this gate's biases
    wx: np.ndarray  # (h,) x_t · W
    uh: np.ndarray  # (h,) h_{t-1} · U
    z: np.ndarray  # (h,) wx + uh + b, the pre-activation
    value: np.ndarray  # (h,) σ(z), or tanh(z) for the candidate g

    @property
    def squash(self) -> str:
        return "tanh" if self.gate == "g" else "σ"


@dataclass
class LstmStep:
    token: str
    x: np.ndarray  # (x,) this word's vector
    h_prev: np.ndarray  # (h,)
    c_prev: np.ndarray  # (h,)
    gates: dict[str, GateStep]  # by gate name, in ORDER
    kept: np.ndarray  # (h,) f ⊙ c_{t-1}: what stays on the belt
    written: np.ndarray  # (h,) i ⊙ g: what is put on it
    c: np.ndarray  # (h,) kept + written
    tanh_c: np.ndarray  # (h,)
    h: np.ndarray  # (h,) o ⊙ tanh(c_t)


@dataclass
class LstmWalk:
    cell: ToyCell
    tokens: list[str]
    embedding: dict[str, np.ndarray]  # word -> (x,) vector
    weights: gates.CellWeights  # kernel (x, 4h), recurrent (h, 4h), bias (4h,), Keras's order
    steps: list[LstmStep]
    trace: gates.Trace  # gates.trace_lstm on the same inputs and weights

    @property
    def inputs(self) -> np.ndarray:
        return np.stack([s.x for s in self.steps])  # (T, x)

    @property
    def trace_difference(self) -> float:
        """Largest |hand - trace_lstm| over every gate and state of every step."""
        return max(float(np.max(np.abs(np.stack([_value(s, name) for s in self.steps])
                                        - self.trace.values[name])))
                   for name in (*cells.LSTM.gates, "c", "h"))


def _value(step: LstmStep, name: str) -> np.ndarray:
    return step.gates[name].value if name in step.gates else getattr(step, name)


def block(matrix: np.ndarray, gate: str) -> np.ndarray:
    """A gate's columns of a kernel (rows, 4h) or bias (4h,), from Keras's i, f, c, o order."""
    k = cells.LSTM.gates.index(gate)
    units = matrix.shape[-1] // cells.LSTM.blocks
    return matrix[..., k * units:(k + 1) * units]


def toy_weights(cell: ToyCell) -> gates.CellWeights:
    """Rounded weights of one decimal (the seed's generator after the words' vectors)."""
    rng = np.random.default_rng((cell.seed, cell.x_dim, cell.h_dim))
    width = cells.LSTM.blocks * cell.h_dim
    kernel = _rounded(rng, (cell.x_dim, width), WEIGHT_SCALE)  # (x, 4h)
    recurrent = _rounded(rng, (cell.h_dim, width), WEIGHT_SCALE)  # (h, 4h)
    bias = _rounded(rng, (width,), BIAS_SCALE)  # (4h,)
    return gates.CellWeights("lstm", kernel + 0.0, recurrent + 0.0, bias + 0.0)  # -0.0 -> 0


def word_vectors(tokens: list[str], cell: ToyCell) -> dict[str, np.ndarray]:
    """A rounded (x,) vector per distinct word: a tiny embedding, the same word the same."""
    rng = np.random.default_rng((cell.seed, cell.x_dim, cell.h_dim, 1))
    return {w: _rounded(rng, (cell.x_dim,), EMBED_SCALE) + 0.0  # -0.0 -> 0
            for w in sorted(set(tokens))}


def one_step(x: np.ndarray, h_prev: np.ndarray, c_prev: np.ndarray,
             w: gates.CellWeights, token: str = "") -> LstmStep:
    """One step, every product kept: the four gates, then the belt and the hidden state."""
    parts = {}
    for gate in ORDER:
        W, U, b = block(w.kernel, gate), block(w.recurrent, gate), block(w.bias, gate)
        wx, uh = x @ W, h_prev @ U  # (h,), (h,)
        z = wx + uh + b  # (h,)
        squash = w.activation if gate == "g" else w.recurrent_activation
        parts[gate] = GateStep(gate, W, U, b, wx, uh, z, squash(z))
    f, i, g, o = (parts[k].value for k in ORDER)
    kept, written = f * c_prev, i * g  # (h,), (h,)
    c = kept + written  # (h,)
    tanh_c = w.activation(c)  # (h,)
    return LstmStep(token, x, h_prev, c_prev, parts, kept, written, c, tanh_c, o * tanh_c)


def walk(text: str, cell: ToyCell = ToyCell(), max_tokens: int = MAX_TOKENS) -> LstmWalk:
    """Step a sentence's first words through the toy cell by hand, and trace it with gates."""
    tokens = data.tokenize(text)[:max_tokens]
    if not tokens:
        raise NoWords(N_("The sentence has no words to step through: type a sentence with "
                         "at least one word."))  # rnn_inside's sentence, already translated
    embedding = word_vectors(tokens, cell)
    w = toy_weights(cell)
    h = c = np.zeros(cell.h_dim)  # (h,) the states before the first word
    steps = []
    for token in tokens:
        step = one_step(embedding[token], h, c, w, token)
        steps.append(step)
        h, c = step.h, step.c
    trace = gates.trace_lstm(w, np.stack([embedding[t] for t in tokens]))  # (T, ...) values
    return LstmWalk(cell, tokens, embedding, w, steps, trace)


def keras_difference(text: str, cell: ToyCell = ToyCell()) -> float:
    """Largest |hand - keras.layers.LSTM| over h at every step and the final c (imports Keras).

    The layer is float64 and gets the toy weights with `set_weights`, so the two agree to
    rounding (about 1e-16); 1e-6 is what a test demands.
    """
    import keras

    w = walk(text, cell)
    layer = keras.layers.LSTM(cell.h_dim, return_sequences=True, return_state=True,
                              dtype="float64")
    layer.build((None, len(w.tokens), cell.x_dim))
    layer.set_weights([w.weights.kernel, w.weights.recurrent, w.weights.bias])
    sequence, _h, c = (np.asarray(a)[0] for a in layer(w.inputs[None]))  # (T, h), (h,), (h,)
    ours = np.stack([s.h for s in w.steps])  # (T, h)
    return float(max(np.max(np.abs(ours - sequence)), np.max(np.abs(w.steps[-1].c - c))))


def parameter_count(cell: ToyCell) -> params.LayerCount:
    """The toy cell's parameters as `params` counts them: 4 × [h × (h + x) + h]."""
    count, _shape = params.count_layer(params.LayerSpec("lstm", units=cell.h_dim),
                                       (None, cell.x_dim))
    return count
