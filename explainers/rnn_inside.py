"""Inside a recurrent layer: one SimpleRNN step in numbers, gradients through time, padding.

- `walkthrough`: a SimpleRNN with x of 3 and h of 4, its weights rounded to one decimal so a
  student can redo the arithmetic. Each step is h_t = tanh([h_{t-1}, x_t] · W + b), where
  W stacks Keras's recurrent_kernel (h × h) on top of its kernel (x × h); the result equals
  the Keras layer's own output (a test checks it).
- `gradient_profile`: |∂h_T/∂x_t| (the Frobenius norm of the Jacobian block of the final
  state with respect to input t) for SimpleRNN, LSTM and GRU, untrained or after a few
  seconds of training on a synthetic task (`train_memory`: the three as one live job);
  computed with GradientTape (one backward pass: the input is copied once per unit, and
  unit i of copy i is differentiated).
- What padding does to the final state, and the quick trainings that show it, are in
  `explainers.padding` (it measures with `state_jacobian_norms`).

The maths of vanishing gradients: ∂h_T/∂x_t = (∏_{k=t+1..T} ∂h_k/∂h_{k-1}) · ∂h_t/∂x_t, and
for a SimpleRNN each factor is diag(1 - h_k²) · W_hᵀ, usually shrinking the product every
step; the LSTM's cell state is updated additively (c_k = f ⊙ c_{k-1} + ...), so with forget
gates near 1 the product along the cell path stays near 1 (Hochreiter & Schmidhuber, 1997).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from explainers import cells, data, live
from explainers.i18n import N_, Explained

WALK_X, WALK_H = 3, 4  # tiny sizes: every number of a step fits on the screen
WALK_MAX_TOKENS = 12  # steps shown in the walkthrough
WEIGHT_DECIMALS = 1  # weights rounded so the arithmetic can be redone by hand


class NoWords(Explained, ValueError):
    """A sentence with no word to step through (a page says it in the reader's language)."""


# --------------------------------------------------------------------------- one step


@dataclass
class Step:
    token: str
    x: np.ndarray  # (x,) this word's vector
    h_prev: np.ndarray  # (h,)
    concat: np.ndarray  # (h + x,) [h_{t-1}, x_t]
    product: np.ndarray  # (h,) [h_{t-1}, x_t] · W
    z: np.ndarray  # (h,) product + b
    h: np.ndarray  # (h,) tanh(z)


@dataclass
class Walkthrough:
    tokens: list[str]
    embedding: dict[str, np.ndarray]  # word -> (x,) vector
    kernel: np.ndarray  # (x, h) Keras's input weights W_x
    recurrent_kernel: np.ndarray  # (h, h) Keras's recurrent weights W_h
    bias: np.ndarray  # (h,)
    W: np.ndarray  # (h + x, h) = [W_h; W_x], acting on [h_{t-1}, x_t]
    steps: list[Step]
    keras_h: np.ndarray  # (T, h) the Keras SimpleRNN's own outputs for the same inputs

    @property
    def max_difference(self) -> float:
        ours = np.stack([s.h for s in self.steps])  # (T, h)
        return float(np.max(np.abs(ours - self.keras_h)))


def _rounded(rng: np.random.Generator, shape: tuple, scale: float) -> np.ndarray:
    return np.round(rng.uniform(-scale, scale, size=shape), WEIGHT_DECIMALS)


def walkthrough(text: str, seed: int = 0, x_dim: int = WALK_X, h_dim: int = WALK_H,
                max_tokens: int = WALK_MAX_TOKENS) -> Walkthrough:
    """Run a sentence through a tiny SimpleRNN by hand, then through Keras, and keep both."""
    import keras

    tokens = data.tokenize(text)[:max_tokens]
    if not tokens:
        raise NoWords(N_("The sentence has no words to step through: type a sentence with "
                         "at least one word."))
    rng = np.random.default_rng(seed)
    vocab = sorted(set(tokens))
    embedding = {w: _rounded(rng, (x_dim,), 1.0) for w in vocab}  # word -> (x,)
    kernel = _rounded(rng, (x_dim, h_dim), 0.8)  # (x, h)
    recurrent = _rounded(rng, (h_dim, h_dim), 0.8)  # (h, h)
    bias = _rounded(rng, (h_dim,), 0.3)  # (h,)
    W = np.concatenate([recurrent, kernel], axis=0)  # (h + x, h)

    h = np.zeros(h_dim)  # (h,) the state before the first word
    steps = []
    for token in tokens:
        x = embedding[token]  # (x,)
        concat = np.concatenate([h, x])  # (h + x,)
        product = concat @ W  # (h,)
        z = product + bias  # (h,)
        new_h = np.tanh(z)  # (h,)
        steps.append(Step(token, x, h, concat, product, z, new_h))
        h = new_h

    layer = keras.layers.SimpleRNN(h_dim, return_sequences=True, dtype="float64")
    layer.build((None, len(tokens), x_dim))
    layer.set_weights([kernel, recurrent, bias])
    X = np.stack([embedding[t] for t in tokens])[None]  # (1, T, x)
    keras_h = np.asarray(layer(X))[0]  # (T, h)
    return Walkthrough(tokens, embedding, kernel, recurrent, bias, W, steps, keras_h)


# --------------------------------------------------------------------------- gradients


def state_jacobian_norms(rnn, x: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    """|∂h_T/∂x_t| for every step t: (T,), the Frobenius norm of each (h, x) Jacobian block.

    `rnn` is a Keras recurrent layer returning its final state (return_sequences=False);
    `x` is one sequence (T, features). The sequence is copied once per unit, so a single
    backward pass of sum_i h_T[copy i, unit i] gives row i of the Jacobian in copy i.
    """
    import tensorflow as tf

    x = np.asarray(x)
    units = int(rnn.units if hasattr(rnn, "units") else rnn.cell.units)
    dtype = rnn.compute_dtype
    batch = tf.constant(np.repeat(x[None], units, axis=0), dtype=dtype)  # (units, T, f)
    kwargs = {}
    if mask is not None:
        kwargs["mask"] = tf.constant(np.repeat(np.asarray(mask)[None], units, axis=0))
    with tf.GradientTape() as tape:
        tape.watch(batch)
        h_T = rnn(batch, **kwargs)  # (units, units): row i is copy i's final state
        picked = tf.reduce_sum(tf.linalg.diag_part(h_T))
    grads = tape.gradient(picked, batch).numpy()  # (units, T, f): copy i holds ∂h_T[i]/∂x
    return np.sqrt(np.sum(grads.astype(np.float64) ** 2, axis=(0, 2)))  # (T,)


@dataclass(frozen=True)
class MemoryConfig:
    """The 'memory like a fish' experiment; frozen so a page can cache by it."""

    steps: int = 60  # sequence length: long enough to see SimpleRNN's gradient vanish
    input_dim: int = 8  # features per step
    units: int = 32  # state size of every cell
    cue_steps: int | None = None  # the label sums feature 0 over the first steps; None = all
    train_samples: int = 2048  # enough to learn the task a little in a few seconds
    epochs: int = 4  # a few seconds per cell on a laptop CPU
    batch_size: int = 64  # 32 updates per epoch
    seed: int = 0  # weights, data and the probe sequence


def synthetic_task(config: MemoryConfig, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Random sequences whose label is the sign of feature 0 summed over the cue steps.

    With every step counting (the default) a model must carry the early inputs to the end,
    exactly what a short memory cannot do; the other features are noise.
    """
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, config.steps, config.input_dim)).astype("float32")  # (n, T, f)
    cue = config.steps if config.cue_steps is None else config.cue_steps
    y = (x[:, :cue, 0].sum(axis=1) > 0).astype("float32")  # (n,)
    return x, y


def cell_model(cell: str, config: MemoryConfig, seed: int):
    """Input (T, f) -> cell(units) -> Dense(1, sigmoid), seeded and compiled."""
    import keras
    from keras import initializers, layers

    rnn = cells.keras_class(cell)(
        config.units, name="rnn",
        kernel_initializer=initializers.GlorotUniform(seed=seed + 1),
        recurrent_initializer=initializers.Orthogonal(seed=seed + 2),
    )
    model = keras.Sequential([
        keras.Input((config.steps, config.input_dim)), rnn,
        layers.Dense(1, activation="sigmoid",
                     kernel_initializer=initializers.GlorotUniform(seed=seed + 3)),
    ])
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="binary_crossentropy",
                  metrics=["accuracy"])
    return model


@dataclass
class MemoryProfile:
    cell: str
    trained: bool
    norms: np.ndarray  # (T,) |∂h_T/∂x_t|
    accuracy: float  # on fresh sequences of the synthetic task (0.5 = chance)
    seconds: float
    epochs_run: int = 0  # epochs trained (the last one cut short when Stop ended it)
    stopped: bool = False  # Stop ended its training; measured as trained so far

    @property
    def ratio(self) -> float:
        """How much weaker the first step's gradient is than the last step's."""
        return float(self.norms[0] / self.norms[-1]) if self.norms[-1] > 0 else 0.0


def gradient_profile(cell: str, trained: bool, config: MemoryConfig = MemoryConfig(),
                     reporter: live.Reporter = live.QUIET) -> MemoryProfile:
    """|∂h_T/∂x_t| of one probe sequence, before or after a short training on the task.

    The training reports its batches and epochs to `reporter` and stops within a batch when
    it says so; the profile is then measured on the model as trained so far.
    """
    import keras
    import tensorflow as tf

    cells.cell(cell)  # ValueError naming the cells there are
    began = time.perf_counter()
    model = cell_model(cell, config, config.seed * 10)
    x_test, y_test = synthetic_task(config, 512, config.seed + 2)
    epochs_run, stopped = 0, False
    if trained:
        x, y = synthetic_task(config, config.train_samples, config.seed + 1)
        batches = (tf.data.Dataset.from_tensor_slices((x, y))  # shuffled by its own seed:
                   .shuffle(len(x), seed=config.seed)  # TensorFlow's global seed is the
                   .batch(config.batch_size))  # server's, shared by every session
        epochs = keras.callbacks.LambdaCallback(
            on_epoch_end=lambda epoch, logs: reporter.epoch(epoch + 1, dict(logs or {})))
        bridge = live.keras_bridge(reporter, math.ceil(len(x) / config.batch_size))
        history = model.fit(batches, epochs=config.epochs, verbose=0, shuffle=False,
                            callbacks=[epochs, bridge])
        epochs_run, stopped = len(history.history.get("loss", [])), bridge.stopped
    probs = np.asarray(model.predict_on_batch(x_test)).reshape(-1)  # (512,)
    accuracy = float(np.mean((probs > 0.5) == (y_test > 0.5)))
    probe = x_test[0]  # (T, f): the same sequence for every cell
    norms = state_jacobian_norms(model.get_layer("rnn"), probe)
    return MemoryProfile(cell, trained, norms, accuracy, time.perf_counter() - began,
                         epochs_run, stopped)


def train_memory(config: MemoryConfig, reporter: live.Reporter = live.QUIET
                 ) -> dict[str, MemoryProfile]:
    """Each cell trained on the memory task in turn, then profiled: a live job's work.

    Epochs are numbered on across the cells (`live.Part`; each epoch's note is its cell).
    A Stop ends the cell in training, which is profiled as trained so far, and skips the rest.
    """
    profiles = {}
    for i, cell in enumerate(cells.KINDS):
        if i and reporter.should_stop():
            break
        part = live.Part(reporter, i * config.epochs, cell)
        profiles[cell] = gradient_profile(cell, True, config, part)
    return profiles


def trained_fully(profiles: dict[str, MemoryProfile]) -> bool:
    """True when `train_memory` trained every cell for all its epochs (no Stop)."""
    return list(profiles) == list(cells.KINDS) and not any(p.stopped for p in profiles.values())
