"""How much each input token moved a model's output: integrated gradients (Sundararajan, Taly
& Yan, 2017, "Axiomatic Attribution for Deep Networks"), with the model's exact gradients.

A token enters the model as its embedding row e_t. Integrated gradients walks a straight path
from a baseline (every attributed token's embedding set to zero: "no word there") to the real
input and adds up, for each token, the gradient of the output along the way times how far
that token moved:

    a_t = sum_d (e_td - b_td) * integral_0^1 df(b + alpha (e - b)) / de_td  d alpha

approximated by the trapezoid rule over `steps` intervals (all points of the path go through
the model as one batch). Completeness: sum_t a_t = f(e) - f(b), up to that rule's error, which
`Attribution.gap` reports. Tokens not attributed (a model's <PAD>s, characters before a
window) keep their real embedding on the whole path, so they get exactly zero.

Two uses: a sentiment model's P(positive) for one review (`review`), and a char model's
probability of the character it wrote at one position, attributed to the characters before it
(`next_char`). The model is never changed: its layers after the Embedding are called on the
path's vectors (`_Chain`), and the output at the end of the path is checked against the model's
own prediction. TensorFlow is imported inside the functions that need it.
"""

from __future__ import annotations

import inspect
import weakref
from dataclasses import dataclass

import numpy as np

from explainers import charsample, models
from explainers.i18n import N_, Explained

STEPS = 64  # trapezoid intervals: the shipped LSTM's completeness gap stays below ~1 %
BATCH = 64  # path points per model call: bounds memory for long reviews and wide models
WINDOW = 80  # characters before a written one that get a score: about one line of verse
CHECK = 1e-3  # |f(path end) - model(ids)|: the chain must reproduce the model's own output
SKIPPED = ("Dropout", "SpatialDropout1D", "GaussianNoise", "GaussianDropout", "AlphaDropout",
           "ActivityRegularization", "InputLayer", "Masking")  # nothing at inference

MESSAGES = {  # AttributionError code -> the English message, filled with its parameters
    "no_embedding": N_("Attribution needs a model that starts with an Embedding layer; this "
                       "one starts with {layer}."),
    "mismatch": N_("The attribution's own pass gives {ours:.6f}, the model {model:.6f}: this "
                   "model has a layer the attribution does not reproduce, so no scores are "
                   "shown."),
    "no_next": N_("Position {position} has no next character in a text of {length}."),
}


class AttributionError(Explained, ValueError):
    """A model or position attribution cannot explain: `code` says why (`MESSAGES`)."""

    def __init__(self, code: str, **params):
        self.code = code
        super().__init__(MESSAGES[code], **params)


@dataclass(frozen=True, eq=False)
class Attribution:
    """Each token's share of f(input) - f(baseline), and the two ends of the path."""

    scores: np.ndarray  # (T,) a_t; zero where a token is not attributed
    output: float  # f at the real input (the model's own prediction)
    baseline: float  # f with every attributed token's embedding set to zero
    steps: int  # trapezoid intervals used

    @property
    def change(self) -> float:
        """f(input) - f(baseline): what the scores must add up to."""
        return self.output - self.baseline

    @property
    def gap(self) -> float:
        """Completeness error: sum of the scores minus `change` (0 for exact integration)."""
        return float(self.scores.sum()) - self.change


class _Chain:
    """A model's layers after its Embedding, callable on embedded vectors (B, T, E), with
    its gradients compiled once (`chain_for`: one per model object).

    Covers the models this app builds and ships: Embedding, then recurrent layers (also
    Bidirectional and stacked), pooling, Dropout-like layers, Dense, Activation. The padding
    mask the Embedding would make (`mask_zero`) is passed to each layer that takes one.
    """

    def __init__(self, model):
        import keras
        import tensorflow as tf

        layers = [x for x in model.layers if type(x).__name__ not in SKIPPED]
        if not layers or not isinstance(layers[0], keras.layers.Embedding):
            raise AttributionError("no_embedding", layer=type(layers[0]).__name__ if layers
                                   else "-")
        self.embedding, self.rest = layers[0], layers[1:]  # no reference to the model itself:
        # `chain_for` keys chains weakly by model, so a model the server drops can go
        self.masks = [("mask" in inspect.signature(x.call).parameters) for x in self.rest]
        last = self.rest[-1]
        self.logits = getattr(getattr(last, "activation", None), "__name__", "") == "linear"
        self.twins = [  # each recurrent layer's own cell (its weights), also giving its state
            keras.layers.RNN(x.cell, return_sequences=True, return_state=True)
            for x in self.rest if isinstance(x, keras.layers.RNN)]
        # compiled once per model: every length, batch and target goes through one trace
        path = tf.TensorSpec((None, None, self.embedding.output_dim), tf.float32)
        ids = tf.TensorSpec((1, None), tf.int32)
        states = [[tf.TensorSpec((1, n), tf.float32) for n in _state_sizes(t.cell)]
                  for t in self.twins]
        owner = weakref.ref(model)

        def compiled(function, *signature):  # plain Python here: no AutoGraph rewriting
            return tf.function(function, input_signature=list(signature), autograph=False)

        if self.embedding.mask_zero:
            masks = tf.TensorSpec((None, None), tf.bool)
            self._review = compiled(self._review_gradient, path, masks)
        else:
            self._review = compiled(lambda p: self._review_gradient(p, None), path)
        self.char_gradient = compiled(self._char_gradient, path, states,
                                      tf.TensorSpec((), tf.int32))
        self.states_after = compiled(self._states_after, ids)
        self.predict = compiled(lambda x: owner()(x, training=False), ids)

    def review_gradient(self, path, mask):
        """(P(positive) (B,), its gradient (B, T, E)); `mask` (B, T) counts with mask_zero."""
        return self._review(path, mask) if self.embedding.mask_zero else self._review(path)

    def table(self) -> np.ndarray:
        return np.asarray(self.embedding.embeddings, np.float32)  # (vocab, E)

    def __call__(self, x, mask=None, states=None):
        """The model's output for embedded vectors x (B, T, E); `mask` (B, T) or None;
        `states`: each recurrent layer's initial state (from `states_after`), or None."""
        import keras

        if not self.embedding.mask_zero:
            mask = None
        given, states = states is not None, iter(states if states is not None else ())
        for layer, takes_mask in zip(self.rest, self.masks, strict=True):
            kwargs = {"training": False}
            if takes_mask and mask is not None:
                kwargs["mask"] = mask
            if given and isinstance(layer, keras.layers.RNN):
                kwargs["initial_state"] = [
                    keras.ops.repeat(s, keras.ops.shape(x)[0], axis=0) for s in next(states)]
            x = layer(x, **kwargs)
            if isinstance(layer, (keras.layers.RNN, keras.layers.Bidirectional)):
                if not getattr(layer, "return_sequences", False):
                    mask = None  # the sequence is reduced: nothing left to mask
            elif len(x.shape) < 3:
                mask = None
        return x

    def _review_gradient(self, path, mask):
        """(P(positive) (B,), its gradient (B, T, E)) at path points (B, T, E)."""
        import tensorflow as tf

        with tf.GradientTape() as tape:
            tape.watch(path)
            out = self(path, mask)  # (B, 1) or (B, 2)
            if out.shape[-1] == 2:
                p = (tf.nn.softmax(out) if self.logits else out)[:, 1]
            else:
                p = tf.sigmoid(out[:, 0]) if self.logits else out[:, 0]
        return p, tape.gradient(p, path)

    def _char_gradient(self, path, states, target):
        """(P(target) after the last step (B,), its gradient (B, W, E)) from `states`."""
        import tensorflow as tf

        with tf.GradientTape() as tape:
            tape.watch(path)
            p = tf.nn.softmax(self(path, states=states)[:, -1])[:, target]  # (B,)
        return p, tape.gradient(p, path)

    def _states_after(self, ids):
        """Each recurrent layer's states after reading ids (1, T) from zero: one list of
        (1, units) tensors per layer (a char model: a chain of RNN layers)."""
        x, found = self.embedding(ids), []  # (1, T, E)
        for twin in self.twins:
            x, *state = twin(x, training=False)  # (1, T, units), states (1, units)
            found.append(state)
        return found

    def zero_states(self) -> list:
        """Each recurrent layer's state before reading anything."""
        import tensorflow as tf

        return [[tf.zeros((1, n)) for n in _state_sizes(t.cell)] for t in self.twins]


def _state_sizes(cell) -> list[int]:
    """The sizes of a recurrent cell's state tensors (an LSTM's h and c: two)."""
    size = cell.state_size
    return [int(n) for n in size] if isinstance(size, (list, tuple)) else [int(size)]


chain_for = models.PerModel(_Chain)  # the model's chain, compiled once and reused (only read)


def _integrate(gradient, x: np.ndarray, attributed: np.ndarray, steps: int) -> Attribution:
    """Integrated gradients at x (T, E), with `gradient` mapping path points (B, T, E) to
    (outputs (B,), their gradient (B, T, E)); only the rows of `attributed` (T,) bool move,
    from zero to their value."""
    import tensorflow as tf

    if steps < 1:
        raise ValueError("steps must be at least 1")
    alphas = np.linspace(0.0, 1.0, steps + 1, dtype=np.float32)  # (S,)
    weights = np.full(steps + 1, 1.0 / steps)  # trapezoid: half weight at both ends
    weights[[0, -1]] /= 2
    moved = np.where(attributed[:, None], x, 0.0).astype(np.float32)  # (T, E)
    fixed = x.astype(np.float32) - moved  # (T, E)
    grads, outputs = [], []
    for start in range(0, len(alphas), BATCH):
        a = alphas[start:start + BATCH, None, None]  # (B, 1, 1)
        out, grad = gradient(tf.constant(fixed[None] + a * moved[None]))  # (B,), (B, T, E)
        grads.append(grad.numpy().astype(np.float64))
        outputs.append(out.numpy().astype(np.float64))
    mean_grad = np.tensordot(weights, np.concatenate(grads), axes=1)  # (T, E)
    scores = (moved * mean_grad).sum(-1)  # (T,)
    out = np.concatenate(outputs)  # (S,)
    return Attribution(scores, float(out[-1]), float(out[0]), steps)


def _check(ours: float, model: float) -> None:
    """The path's end must be the model's own output: else a layer was not reproduced."""
    if abs(ours - model) > CHECK:
        raise AttributionError("mismatch", ours=ours, model=model)


def positive_of(out: np.ndarray, logits: bool) -> np.ndarray:
    """P(positive) from output rows (B, 1) or (B, 2), as the model's head gives them."""
    out = np.asarray(out, np.float64)
    if out.shape[-1] == 2:
        e = np.exp(out - out.max(-1, keepdims=True))
        return (e / e.sum(-1, keepdims=True) if logits else out)[:, 1]
    return 1.0 / (1.0 + np.exp(-out[:, 0])) if logits else out[:, 0]


def review(model, ids, real: slice | None = None, steps: int = STEPS) -> Attribution:
    """Each token's share of a sentiment model's P(positive) for one review.

    `ids` (T,) are fed as the model reads them (see `reviews.Prepared.for_model`); `real`
    says which are the review's own tokens (the rest, <PAD>s, get zero). An output of one
    sigmoid unit (or logits, or two softmax classes) becomes P(positive) as in `tracer`.
    """
    import tensorflow as tf

    chain = chain_for(model)
    ids = np.asarray(ids, np.int32).reshape(-1)  # (T,)
    attributed = np.zeros(len(ids), bool)
    attributed[real if real is not None else slice(None)] = True
    mask = tf.constant((ids != 0)[None]) if chain.embedding.mask_zero else None  # (1, T)

    def gradient(path):  # (B, T, E) -> (B,), (B, T, E)
        rows = None if mask is None else tf.repeat(mask, path.shape[0], axis=0)  # (B, T)
        return chain.review_gradient(path, rows)

    result = _integrate(gradient, chain.table()[ids], attributed, steps)
    own = chain.predict(tf.constant(ids[None]))  # (1, 1) or (1, 2)
    _check(result.output, float(positive_of(own.numpy(), chain.logits)[0]))
    return result


def next_char(model, ids, position: int, window: int = WINDOW,
              steps: int = STEPS) -> Attribution:
    """Each character's share of the probability a char model gave to ids[position + 1]
    after reading ids[: position + 1]; only the last `window` characters read are scored
    (the earlier ones are read first, as they were, and their state is the window's start).

    scores (position + 1,): zero before the window.
    """
    import tensorflow as tf

    ids = np.asarray(ids, np.int32).reshape(-1)
    if not 0 <= position < len(ids) - 1:
        raise AttributionError("no_next", position=position, length=len(ids))
    chain, target = chain_for(model), tf.constant(int(ids[position + 1]), tf.int32)
    start = max(0, position + 1 - window)  # the window is ids[start: position + 1]
    states = (chain.states_after(tf.constant(ids[None, :start])) if start
              else chain.zero_states())  # the real state where the window starts

    def gradient(path):  # (B, W, E) -> (B,), (B, W, E)
        return chain.char_gradient(path, states, target)

    read = ids[start: position + 1]  # (W,)
    result = _integrate(gradient, chain.table()[read], np.ones(len(read), bool), steps)
    own = charsample.stepwise_logits(model, ids[: position + 1])[-1]  # (vocab,)
    e = np.exp(own - own.max())
    _check(result.output, float(e[int(target)] / e.sum()))
    scores = np.zeros(position + 1)  # (position + 1,)
    scores[start:] = result.scores
    return Attribution(scores, result.output, result.baseline, steps)
