"""Sampling from a char model one character at a time, and reading what its units track.

Sampling runs the RNN one character at a time with the state carried from step to step.
This module calls the trained layer's own cell (`layer.cell`) on one character at a time,
so a model trained on windows of any length (not `stateful`) generates text of any length,
and a test checks that its per-step logits equal the full-sequence model's outputs. The
lesson samples with `tf.random.categorical(logits)`, that is at temperature 1; here the
stateless twin `tf.random.stateless_categorical` draws from softmax(logits / temperature)
with the seed `(seed, step)` (at temperature 1 the lesson's distribution), so a seed gives
the same text every time without touching TensorFlow's global seed, which other sessions of
the server share.

`units_tracking` finds the hidden units whose activation follows a feature of the text
(upper case, line position, ...), as Karpathy's char-RNN post reads its units.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from explainers import chargen
from explainers.i18n import N_

TOP_K = 5  # next-character candidates kept per step (the page's bar chart)
MAX_PROMPT = 2_000  # characters of seed text read before sampling (bounded work per request)
MAX_GENERATE = 2_000  # characters generated per request (about 2 s on a laptop CPU)


# --------------------------------------------------------------------------- sampling


@dataclass
class Generation:
    """Text the model read (the prompt) and wrote, with what it predicted at each step.

    Position t is the t-th character of `text`; after reading it the model predicted the
    next character: `top_ids[t]`/`top_probs[t]` are its TOP_K best guesses, `hidden[t]` its
    hidden state (h) then. `prob[t]` is the probability the model gave to character t
    before seeing it (NaN for the very first character, which nothing predicted).
    """

    text: str
    n_prompt: int
    prob: np.ndarray  # (T,)
    top_ids: np.ndarray  # (T, TOP_K)
    top_probs: np.ndarray  # (T, TOP_K)
    hidden: np.ndarray | None  # (T, units), when asked for
    temperature: float
    seed: int

    @property
    def generated(self) -> str:
        return self.text[self.n_prompt:]


class Stepper:
    """One character in, logits for the next out, the recurrent state carried in between.

    Calls the model's own Embedding, `rnn.cell` and Dense inside one `tf.function` (about
    0.3 ms a step on a CPU, against 20 ms eagerly), and draws the next character in the same
    call with `tf.random.stateless_categorical(logits / temperature, seed=(seed, step))`.
    """

    def __init__(self, model):
        import tensorflow as tf

        self._tf = tf
        self.embedding, self.rnn, self.dense = chargen.parts(model)
        self.cell = self.rnn.cell
        self.cells = [layer.cell for layer in chargen.recurrent_layers(model)]  # bottom first
        self.splits = []  # how many state tensors each cell carries (LSTM: h and c)
        self.state_sizes = []
        for cell in self.cells:
            sizes = cell.state_size
            sizes = list(sizes) if isinstance(sizes, (list, tuple)) else [sizes]
            self.splits.append(len(sizes))
            self.state_sizes += sizes
        self._step = tf.function(self._graph_step, reduce_retracing=True, autograph=False)

    def _graph_step(self, char_id, state, temperature, seed):
        tf = self._tf
        h = self.embedding(tf.reshape(char_id, (1,)))  # (1, E)
        new_states, at = [], 0
        for cell, n in zip(self.cells, self.splits, strict=True):  # a stack: h feeds the next
            h, new = cell(h, list(state[at: at + n]), training=False)  # (1, units)
            new_states += list(new) if isinstance(new, (list, tuple)) else [new]
            at += n
        logits = self.dense(h)  # (1, vocab)
        draw = tf.random.stateless_categorical(logits / temperature, 1, seed=seed)  # (1, 1)
        return logits[0], h[0], new_states, draw[0, 0]

    def initial_state(self) -> list:
        return [self._tf.zeros((1, n)) for n in self.state_sizes]

    def step(self, char_id: int, state: list, temperature: float = 1.0, seed: int = 0,
             step: int = 0):
        """(logits (vocab,), hidden h (units,), new state, sampled next id)."""
        tf = self._tf
        logits, h, new_state, draw = self._step(
            tf.constant(char_id, tf.int32), state, tf.constant(temperature, tf.float32),
            tf.constant([seed, step], tf.int64),
        )
        return logits, h, new_state, int(draw)


_STEPPERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # model -> its Stepper
_STEPPERS_LOCK = threading.Lock()


def stepper_for(model) -> Stepper:
    """The model's Stepper, traced once and reused (per model object, so per session)."""
    with _STEPPERS_LOCK:
        if model not in _STEPPERS:
            _STEPPERS[model] = Stepper(model)
        return _STEPPERS[model]


def stepwise_logits(model, ids: np.ndarray) -> np.ndarray:
    """Logits after each character of `ids`, computed one step at a time: (T, vocab)."""
    stepper = stepper_for(model)
    state, out = stepper.initial_state(), []
    for i in np.asarray(ids).reshape(-1):
        logits, _, state, _ = stepper.step(int(i), state)
        out.append(logits.numpy())
    return np.stack(out)


def _softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max()
    e = np.exp(z)
    return e / e.sum()


def sample_next(logits, temperature: float, seed: int, step: int) -> int:
    """One draw from softmax(logits / temperature), as `generate` draws it at `step`.

    Temperature divides the logits before the softmax: below 1 the likeliest characters
    grow likelier (safer, more repetitive text), above 1 the distribution flattens (more
    surprising, more misspelt); temperature <= 0 means always the likeliest (argmax).
    """
    import tensorflow as tf

    if temperature <= 0:
        return int(np.argmax(np.asarray(logits)))
    scaled = tf.reshape(tf.cast(logits, tf.float32), (1, -1)) / temperature  # (1, vocab)
    seed_pair = tf.constant([seed, step], tf.int64)
    return int(tf.random.stateless_categorical(scaled, 1, seed=seed_pair)[0, 0])


def generate(
    model,
    vocab: chargen.CharVocab,
    prompt: str,
    length: int = 300,
    temperature: float = 0.8,
    seed: int = 0,
    record_hidden: bool = True,
    on_step: Callable[[int, int], None] | None = None,
) -> Generation:
    """Read `prompt`, then write `length` characters one at a time (see the module docstring).

    Raises chargen.CharError (a ValueError) for an empty prompt, unknown characters or
    lengths past the limits.
    """
    if not prompt:
        raise chargen.CharError("empty_prompt")
    if len(prompt) > MAX_PROMPT:
        raise chargen.CharError("long_prompt", chars=len(prompt), limit=MAX_PROMPT)
    if not 0 <= length <= MAX_GENERATE:
        raise chargen.CharError("bad_length", length=length, limit=MAX_GENERATE)
    ids = list(vocab.encode(prompt))
    stepper = stepper_for(model)
    state = stepper.initial_state()
    greedy = temperature <= 0
    total = len(ids) + length
    probs, tops, top_p, hidden = [np.nan], [], [], []
    t = 0
    while t < total:
        logits, h, state, draw = stepper.step(
            ids[t], state, 1.0 if greedy else temperature, seed, t)
        logits = logits.numpy()  # (vocab,)
        p = _softmax(logits)  # (vocab,)
        best = np.argsort(-p)[:TOP_K]
        tops.append(best)
        top_p.append(p[best])
        if record_hidden:
            hidden.append(h.numpy())
        if t + 1 < total:
            if t + 1 >= len(ids):
                ids.append(int(np.argmax(logits)) if greedy else draw)
            probs.append(float(p[ids[t + 1]]))
        t += 1
        if on_step is not None:
            on_step(t, total)
    return Generation(
        text=vocab.decode(ids), n_prompt=len(prompt), prob=np.asarray(probs),
        top_ids=np.asarray(tops), top_probs=np.asarray(top_p, dtype=np.float32),
        hidden=np.asarray(hidden, dtype=np.float32) if record_hidden else None,
        temperature=temperature, seed=seed,
    )


# --------------------------------------------------------------------------- reading units


@dataclass(frozen=True)
class UnitFeature:
    """Something a hidden unit might track, measured on each character (Karpathy)."""

    label: str  # English source (N_), shown in the reader's language
    measure: Callable[[str, int], float]  # (character, its column in the line) -> value


UNIT_FEATURES = {  # stable code (a widget's option) -> the feature
    "upper": UnitFeature(N_("upper-case letter (speaker names)"), lambda c, col: c.isupper()),
    "space": UnitFeature(N_("space or new line (word ends)"), lambda c, col: c in " \n"),
    "column": UnitFeature(N_("position in the line"), lambda c, col: col),
    "vowel": UnitFeature(N_("vowel"), lambda c, col: c.lower() in "aeiou"),
    "punctuation": UnitFeature(N_("punctuation"), lambda c, col: c in ".,;:!?'-"),
}


def feature_values(text: str, feature: str) -> np.ndarray:
    """A feature's value at each character of `text` (`feature`: a code of UNIT_FEATURES)."""
    measure, col, out = UNIT_FEATURES[feature].measure, 0, []
    for c in text:
        out.append(float(measure(c, col)))
        col = 0 if c == "\n" else col + 1
    return np.asarray(out)  # (T,)


def units_tracking(hidden: np.ndarray, text: str, feature: str, k: int = 5):
    """The k units whose activation correlates most (by |Pearson r|) with a feature."""
    f = feature_values(text, feature)  # (T,)
    hs = hidden - hidden.mean(0)  # (T, units)
    fs = f - f.mean()
    denom = np.sqrt((hs**2).sum(0) * (fs**2).sum()) + 1e-12  # (units,)
    r = (hs * fs[:, None]).sum(0) / denom  # (units,)
    order = np.argsort(-np.abs(r))[:k]
    return [(int(u), float(r[u])) for u in order]
