"""Sampling from a char model one character at a time, and reading what its units track.

Sampling runs the RNN one character at a time with the state carried from step to step.
This module calls the trained layer's own cell (`layer.cell`) on one character at a time,
so a model trained on windows of any length (not `stateful`) generates text of any length,
and a test checks that its per-step logits equal the full-sequence model's outputs.

The lesson samples `tf.random.categorical(predictions)` from the raw logits: temperature
T = 1 (`lesson.CHAR.temperature`), the page's default. Here three ways to choose (MODES):
the lesson's draw from softmax(logits / T), greedy (always the argmax) and top-k (a draw
among the k likeliest only). Draws use the stateless twin `tf.random.stateless_categorical`
with the seed `(seed, step)`, so a seed gives the same text every time without touching
TensorFlow's global seed, which other sessions of the server share.

`units_tracking` finds the hidden units whose activation follows a feature of the text
(upper case, line position, ...), as Karpathy's char-RNN post reads its units.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from explainers import chargen, lesson, models
from explainers.i18n import N_

TOP_K = 5  # next-character candidates kept per step (the page's bar chart)
MAX_PROMPT = 2_000  # characters of seed text read before sampling (bounded work per request)
MAX_GENERATE = 2_000  # characters generated per request (0.2-1 s on a busy 2-core CPU)
MODES = {  # stable code (a widget's option) -> how the next character is chosen
    "sample": N_("sample from softmax(logits / T), as the lesson does"),
    "greedy": N_("greedy: always the likeliest character"),
    "top_k": N_("top-k: sample among the k likeliest only"),
}
DEFAULT_K = 10  # top-k's default: a handful of plausible letters, none of the absurd tail


# --------------------------------------------------------------------------- sampling


@dataclass
class Generation:
    """Text the model read (the prompt) and wrote, with what it predicted at each step.

    Position t is the t-th character of `text`; after reading it the model predicted the
    next character: `logits[t]` are its raw scores (T = 1), `top_ids[t]`/`top_probs[t]` its
    TOP_K best guesses, `hidden[t]` its hidden state (h) then. `prob[t]` is the probability
    the model gave to character t before seeing it (NaN for the very first character, which
    nothing predicted).
    """

    text: str
    n_prompt: int
    prob: np.ndarray  # (T,)
    top_ids: np.ndarray  # (T, TOP_K)
    top_probs: np.ndarray  # (T, TOP_K)
    hidden: np.ndarray | None  # (T, units), when asked for
    temperature: float
    seed: int
    mode: str = "sample"  # a code of MODES
    k: int | None = None  # top-k's k (None in the other modes)
    logits: np.ndarray | None = None  # (T, vocab)

    @property
    def generated(self) -> str:
        return self.text[self.n_prompt:]


def _choose(logits, temperature, k, greedy, seed_pair):
    """The next id from logits (1, vocab): argmax when `greedy`, else one seeded draw from
    softmax(logits / temperature) over the k likeliest (k = vocab: all, the lesson's way).
    TensorFlow ops, so the generating graph and `sample_next` draw the very same way."""
    import tensorflow as tf

    kth = tf.math.top_k(logits, k).values[:, -1:]  # (1, 1): the k-th largest logit
    kept = tf.where(logits >= kth, logits, tf.constant(-np.inf, logits.dtype))  # (1, vocab)
    draw = tf.random.stateless_categorical(kept / temperature, 1, seed=seed_pair)  # (1, 1)
    best = tf.argmax(logits, axis=1)  # (1,)
    return tf.cast(tf.where(greedy, best[0], draw[0, 0]), tf.int32)


class Writer:
    """Reads a prompt and writes characters in one compiled loop, the state carried along.

    One `tf.function` holds a `tf.while_loop` whose body calls the model's own Embedding,
    `rnn.cell` and Dense on one character, then `_choose`s the next (while the prompt lasts,
    its next character is read instead). One call writes 1,000 characters: no Python, and
    no TensorFlow call overhead, per character.
    """

    def __init__(self, model):
        import tensorflow as tf

        self._tf = tf
        self.embedding, self.rnn, self.dense = chargen.parts(model)
        self.cells = [layer.cell for layer in chargen.recurrent_layers(model)]  # bottom first
        self.splits = []  # how many state tensors each cell carries (LSTM: h and c)
        self.state_sizes = []
        for cell in self.cells:
            sizes = cell.state_size
            sizes = list(sizes) if isinstance(sizes, (list, tuple)) else [sizes]
            self.splits.append(len(sizes))
            self.state_sizes += sizes
        self.vocab = int(self.dense.units)
        self._run = tf.function(self._graph_run, reduce_retracing=True, autograph=False)

    def _graph_run(self, prompt, length, temperature, k, greedy, seed):
        tf = self._tf
        n = tf.shape(prompt)[0]
        total = n + length

        def body(t, char, state, ids, logits_seq, hidden_seq):
            h = self.embedding(tf.reshape(char, (1,)))  # (1, E)
            new_state, at = [], 0
            for cell, size in zip(self.cells, self.splits, strict=True):  # h feeds the next
                h, new = cell(h, list(state[at: at + size]), training=False)  # (1, units)
                new_state += list(new) if isinstance(new, (list, tuple)) else [new]
                at += size
            logits = self.dense(h)  # (1, vocab)
            seed_pair = tf.stack([seed, tf.cast(t, tf.int64)])
            drawn = _choose(logits, temperature, k, greedy, seed_pair)
            nxt = tf.where(t + 1 < n, prompt[tf.minimum(t + 1, n - 1)], drawn)
            return (t + 1, nxt, new_state, ids.write(t + 1, nxt), logits_seq.write(t, logits[0]),
                    hidden_seq.write(t, h[0]))

        state = [tf.zeros((1, size)) for size in self.state_sizes]
        ids = tf.TensorArray(tf.int32, size=total + 1).write(0, prompt[0])
        logits_seq = tf.TensorArray(tf.float32, size=total)
        hidden_seq = tf.TensorArray(tf.float32, size=total)
        loop = tf.while_loop(lambda t, *rest: t < total, body,
                             (tf.constant(0), prompt[0], state, ids, logits_seq, hidden_seq))
        return loop[3].stack()[:total], loop[4].stack(), loop[5].stack()

    def run(self, prompt_ids, length: int, temperature: float = 1.0, k: int | None = None,
            greedy: bool = False, seed: int = 0):
        """(ids (T,), logits (T, vocab), hidden (T, units)) for the prompt + `length` more."""
        tf = self._tf
        k = self.vocab if k is None else min(max(int(k), 1), self.vocab)
        ids, logits, hidden = self._run(
            tf.constant(np.asarray(prompt_ids).reshape(-1), tf.int32), tf.constant(length),
            tf.constant(temperature, tf.float32), tf.constant(k), tf.constant(greedy),
            tf.constant(seed, tf.int64))
        return ids.numpy(), logits.numpy(), hidden.numpy()


writer_for = models.PerModel(Writer)  # the model's Writer, traced once and reused


def stepwise_logits(model, ids: np.ndarray) -> np.ndarray:
    """Logits after each character of `ids`, computed one step at a time: (T, vocab)."""
    return writer_for(model).run(ids, 0)[1]


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """softmax(logits / temperature) over the last axis."""
    z = np.asarray(logits, np.float64) / temperature
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def distribution(logits: np.ndarray, temperature: float = 1.0, mode: str = "sample",
                 k: int = DEFAULT_K) -> np.ndarray:
    """What the next character is drawn from, (vocab,): softmax(logits / T); for top-k the
    same renormalised over the k likeliest; for greedy all on the argmax."""
    logits = np.asarray(logits, np.float64)  # (vocab,)
    if mode == "greedy" or temperature <= 0:
        return np.eye(len(logits))[np.argmax(logits)]
    if mode == "top_k":
        kth = np.sort(logits)[-min(max(k, 1), len(logits))]
        logits = np.where(logits >= kth, logits, -np.inf)
    return softmax(logits, temperature)


def sample_next(logits, temperature: float, seed: int, step: int, mode: str = "sample",
                k: int = DEFAULT_K) -> int:
    """One choice from `logits` (vocab,), exactly as `generate` makes it at `step`.

    Temperature divides the logits before the softmax: below 1 the likeliest characters
    grow likelier (safer, more repetitive text), above 1 the distribution flattens (more
    surprising, more misspelt). Greedy (or temperature <= 0) always takes the likeliest;
    top-k draws among the k likeliest only.
    """
    import tensorflow as tf

    check_mode(mode)
    row = tf.reshape(tf.cast(logits, tf.float32), (1, -1))  # (1, vocab)
    greedy = mode == "greedy" or temperature <= 0
    vocab = int(row.shape[1])
    kept = min(max(int(k), 1), vocab) if mode == "top_k" else vocab
    scale = tf.constant(1.0 if greedy else temperature, tf.float32)
    pair = tf.constant([seed, step], tf.int64)
    return int(_choose(row, scale, tf.constant(kept), tf.constant(greedy), pair))


def check_mode(mode: str) -> None:
    if mode not in MODES:
        raise ValueError(f"unknown sampling mode {mode!r}; one of {', '.join(MODES)}")


def generate(
    model,
    vocab: chargen.CharVocab,
    prompt: str,
    length: int = 300,
    temperature: float = lesson.CHAR.temperature,
    seed: int = 0,
    record_hidden: bool = True,
    mode: str = "sample",
    k: int = DEFAULT_K,
) -> Generation:
    """Read `prompt`, then write `length` characters one at a time (see the module docstring):
    `mode` is a code of MODES (temperature <= 0 also means greedy); `k` counts for top-k only.

    Raises chargen.CharError (a ValueError) for an empty prompt, unknown characters or
    lengths past the limits.
    """
    check_mode(mode)
    if not prompt:
        raise chargen.CharError("empty_prompt")
    if len(prompt) > MAX_PROMPT:
        raise chargen.CharError("long_prompt", chars=len(prompt), limit=MAX_PROMPT)
    if not 0 <= length <= MAX_GENERATE:
        raise chargen.CharError("bad_length", length=length, limit=MAX_GENERATE)
    greedy = mode == "greedy" or temperature <= 0
    ids, logits, hidden = writer_for(model).run(  # (T,), (T, vocab), (T, units)
        vocab.encode(prompt), length, 1.0 if greedy else temperature,
        k if mode == "top_k" else None, greedy, seed)
    p = softmax(logits)  # (T, vocab): the model's own probabilities, T = 1
    best = np.argsort(-p, axis=1, kind="stable")[:, :TOP_K]  # (T, TOP_K)
    came = p[np.arange(len(ids) - 1), ids[1:]]  # (T - 1,)
    return Generation(
        text=vocab.decode(ids), n_prompt=len(prompt), prob=np.concatenate([[np.nan], came]),
        top_ids=best, top_probs=np.take_along_axis(p, best, 1).astype(np.float32),
        hidden=hidden if record_hidden else None, temperature=temperature, seed=seed,
        mode="greedy" if greedy else mode, k=k if mode == "top_k" else None, logits=logits,
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
