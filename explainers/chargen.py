"""Character-level text generation: the lesson's Shakespeare char-RNN, small enough to train here.

Follows TensorFlow's text_generation tutorial (and Karpathy's "The Unreasonable Effectiveness
of Recurrent Neural Networks"): the text's distinct characters are the vocabulary (65 for
Shakespeare); the text is cut into windows of `seq_length + 1` characters, and a window
"First Citizen" becomes input "First Citize" and target "irst Citizen" (the target is the
input shifted by one); the model is Embedding -> RNN(return_sequences) -> Dense(vocab) and
predicts, at every position, logits for the next character.

Sampling runs the RNN one character at a time with the state carried from step to step. This
module calls the trained layer's own cell (`layer.cell`) on one character at a time, so a
model trained on windows of any length (not `stateful`) generates text of any length, and a
test checks that its per-step logits equal the full-sequence model's outputs. The lesson
samples with `tf.random.categorical(logits)`, that is at temperature 1; here the stateless
twin `tf.random.stateless_categorical` draws from softmax(logits / temperature) with the seed
`(seed, step)` (at temperature 1 the lesson's distribution), so a seed gives the same text
every time without touching TensorFlow's global seed, which other sessions of the server
share.
"""

from __future__ import annotations

import html
import json
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from explainers import cells, data, lesson, live, params, paths

TOP_K = 5  # next-character candidates kept per step (the page's bar chart)
MAX_PROMPT = 2_000  # characters of seed text read before sampling (bounded work per request)
MAX_GENERATE = 2_000  # characters generated per request (about 2 s on a laptop CPU)


# --------------------------------------------------------------------------- vocabulary


@dataclass(frozen=True)
class CharVocab:
    """The distinct characters of a text, sorted; a character's id is its place in the list."""

    chars: tuple[str, ...]

    @classmethod
    def from_text(cls, text: str) -> CharVocab:
        return cls(tuple(sorted(set(text))))

    @classmethod
    def from_file(cls, path: str | Path) -> CharVocab:
        spec = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls(tuple(spec["chars"]))

    def save(self, path: str | Path) -> None:
        payload = json.dumps({"chars": list(self.chars)}, ensure_ascii=False, indent=1)
        paths.atomic_write_bytes(Path(path), payload.encode("utf-8"))

    @property
    def size(self) -> int:
        return len(self.chars)

    @property
    def index(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.chars)}

    def unknown(self, text: str) -> list[str]:
        """Characters of `text` the model never saw, in order of first appearance."""
        known = set(self.chars)
        return list(dict.fromkeys(c for c in text if c not in known))

    def encode(self, text: str) -> np.ndarray:
        """Text -> ids (int32); raises ValueError naming any unknown characters."""
        missing = self.unknown(text)
        if missing:
            raise ValueError(f"characters not in the vocabulary: {missing!r}")
        index = self.index
        return np.fromiter((index[c] for c in text), dtype=np.int32, count=len(text))

    def decode(self, ids) -> str:
        return "".join(self.chars[int(i)] for i in np.asarray(ids).reshape(-1))


# --------------------------------------------------------------------------- data


def windows(ids: np.ndarray, seq_length: int) -> tuple[np.ndarray, np.ndarray]:
    """Cut ids into non-overlapping windows of seq_length + 1; split each into input/target.

    The same cut as the tutorial's `batch(seq_length + 1, drop_remainder=True)` followed by
    `split_input_target`; NumPy, for tests and inspection.
    """
    n = len(ids) // (seq_length + 1)
    chunks = np.asarray(ids[: n * (seq_length + 1)]).reshape(n, seq_length + 1)
    return chunks[:, :-1], chunks[:, 1:]  # (n, seq_length) each


def make_dataset(ids: np.ndarray, seq_length: int, batch_size: int, seed: int = 0):
    """The tutorial's tf.data pipeline: windows -> (input, target) -> shuffled batches."""
    import tensorflow as tf

    def split_input_target(chunk):
        return chunk[:-1], chunk[1:]

    return (
        tf.data.Dataset.from_tensor_slices(np.asarray(ids, dtype=np.int32))
        .batch(seq_length + 1, drop_remainder=True)
        .map(split_input_target)
        .shuffle(10_000, seed=seed, reshuffle_each_iteration=True)
        .batch(batch_size, drop_remainder=True)
        .prefetch(2)
    )


# --------------------------------------------------------------------------- models


@dataclass(frozen=True)
class CharModelConfig:
    cell: str = "gru"  # trains fastest to readable text on a CPU (SimpleRNN forgets sooner)
    units: int = 256  # a quarter of the lesson's 1024: 16x fewer recurrent weights
    embedding_dim: int = 64  # 65 characters need far fewer than the lesson's 256 dimensions

    def __post_init__(self) -> None:
        cells.cell(self.cell)  # ValueError for an unknown cell
        if self.units < 1 or self.embedding_dim < 1:
            raise ValueError("units and embedding_dim must be positive")


LESSON_MODEL = CharModelConfig(lesson.CHAR.cell, lesson.CHAR.units, lesson.CHAR.embedding)


def spec(vocab_size: int, config: CharModelConfig) -> params.ModelSpec:
    """The model's layers for `params` (parameter counts without building it)."""
    return params.ModelSpec((
        params.LayerSpec("embedding", units=config.embedding_dim, vocab=vocab_size),
        params.LayerSpec(config.cell, config.units, return_sequences=True),
        params.LayerSpec("dense", vocab_size),
    ), seq_len=None)


def build_model(vocab_size: int, config: CharModelConfig, seed: int | None = 0):
    """Embedding(vocab, E) -> cell(units, return_sequences) -> Dense(vocab) logits.

    The seed goes into each initializer (not TensorFlow's global seed, which sessions share).
    """
    import keras

    init = keras.initializers
    layer = cells.keras_class(config.cell)
    return keras.Sequential([
        keras.Input(shape=(None,), dtype="int32"),  # (batch, T) character ids
        keras.layers.Embedding(  # (batch, T, E)
            vocab_size, config.embedding_dim,
            embeddings_initializer=init.RandomUniform(-0.05, 0.05, seed=seed)),
        layer(  # (batch, T, units)
            config.units, return_sequences=True,
            kernel_initializer=init.GlorotUniform(seed=seed),
            recurrent_initializer=init.Orthogonal(seed=None if seed is None else seed + 1)),
        keras.layers.Dense(  # (batch, T, vocab) logits for the next character
            vocab_size, kernel_initializer=init.GlorotUniform(
                seed=None if seed is None else seed + 2)),
    ], name=f"char_{config.cell}_{config.units}")


def build_lesson_model():
    """The lesson's model exactly (stateful, batch 64), built only to show its summary."""
    import keras

    recipe = lesson.CHAR
    return keras.Sequential([
        keras.Input(batch_shape=(recipe.batch_size, None), dtype="int32"),
        keras.layers.Embedding(recipe.vocab, recipe.embedding),
        cells.keras_class(recipe.cell)(recipe.units, return_sequences=True, stateful=True),
        keras.layers.Dense(recipe.vocab),
    ], name="lesson_char_rnn")


def lesson_parameter_counts() -> params.ModelCount:
    """The lesson's three layers by formula (a test checks them against count_params())."""
    return params.count_model(spec(lesson.CHAR.vocab, LESSON_MODEL))


def compile_model(model, learning_rate: float = 3e-3) -> None:
    """Adam on the tutorial's loss: sparse cross-entropy on logits."""
    import keras

    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )


def _parts(model):
    """The model's Embedding, recurrent layer and Dense, found by type."""
    import keras

    embedding = next(x for x in model.layers if isinstance(x, keras.layers.Embedding))
    rnn = next(x for x in model.layers if isinstance(x, keras.layers.RNN))
    dense = next(x for x in model.layers if isinstance(x, keras.layers.Dense))
    return embedding, rnn, dense


def units_of(model) -> int:
    return int(_parts(model)[1].cell.units)


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
        self.embedding, self.rnn, self.dense = _parts(model)
        self.cell = self.rnn.cell
        sizes = self.cell.state_size
        self.state_sizes = list(sizes) if isinstance(sizes, (list, tuple)) else [sizes]
        self._step = tf.function(self._graph_step, reduce_retracing=True, autograph=False)

    def _graph_step(self, char_id, state, temperature, seed):
        tf = self._tf
        x = self.embedding(tf.reshape(char_id, (1,)))  # (1, E)
        h, new_state = self.cell(x, state, training=False)  # (1, units)
        if not isinstance(new_state, (list, tuple)):
            new_state = [new_state]
        logits = self.dense(h)  # (1, vocab)
        draw = tf.random.stateless_categorical(logits / temperature, 1, seed=seed)  # (1, 1)
        return logits[0], h[0], list(new_state), draw[0, 0]

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
    vocab: CharVocab,
    prompt: str,
    length: int = 300,
    temperature: float = 0.8,
    seed: int = 0,
    record_hidden: bool = True,
    on_step: Callable[[int, int], None] | None = None,
) -> Generation:
    """Read `prompt`, then write `length` characters one at a time (see the module docstring).

    Raises ValueError for an empty prompt, unknown characters or lengths past the limits.
    """
    if not prompt:
        raise ValueError("the prompt is empty: give the model at least one character")
    if len(prompt) > MAX_PROMPT:
        raise ValueError(f"the prompt is longer than {MAX_PROMPT:,} characters")
    if not 0 <= length <= MAX_GENERATE:
        raise ValueError(f"length must be between 0 and {MAX_GENERATE:,}")
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


UNIT_FEATURES = {  # what a hidden unit might track, measured on each character (Karpathy)
    "upper-case letter (speaker names)": lambda c, col: float(c.isupper()),
    "space or new line (word ends)": lambda c, col: float(c in " \n"),
    "position in the line": lambda c, col: float(col),
    "vowel": lambda c, col: float(c.lower() in "aeiou"),
    "punctuation": lambda c, col: float(c in ".,;:!?'-"),
}


def feature_values(text: str, feature: str) -> np.ndarray:
    fn, col, out = UNIT_FEATURES[feature], 0, []
    for c in text:
        out.append(fn(c, col))
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


# --------------------------------------------------------------------------- drawing


def shown_char(c: str) -> str:
    """A character as a label: space and new line made visible."""
    return {" ": "␣", "\n": "↵", "\t": "⇥"}.get(c, c)


def colour_html(
    text: str,
    values: np.ndarray,
    signed: bool,
    n_prompt: int = 0,
    highlight: int | None = None,
) -> str:
    """Text as coloured characters, Karpathy style; every character is HTML-escaped.

    `signed=False`: values are probabilities in [0, 1], red (0) through yellow to green (1).
    `signed=True`: values are activations in [-1, 1], blue below zero, red above.
    Prompt characters are underlined; `highlight` gets a frame.
    """
    spans = []
    for t, c in enumerate(text):
        v = float(values[t])
        if np.isnan(v):
            background = "transparent"
        elif signed:
            a = 0.8 * min(abs(v), 1.0)  # never fully opaque: the letter stays readable
            background = (f"rgba(214,39,40,{a:.2f})" if v > 0 else f"rgba(31,119,180,{a:.2f})")
        else:
            background = f"hsla({120 * min(max(v, 0.0), 1.0):.0f},80%,55%,0.6)"
        style = f"background:{background}"
        if t < n_prompt:
            style += ";text-decoration:underline dotted"
        if t == highlight:
            style += ";outline:2px solid #111;outline-offset:-1px"
        tip = html.escape(f"#{t} {shown_char(c)} {v:.2f}", quote=True)
        body = html.escape("↵\n" if c == "\n" else c)
        spans.append(f'<span title="{tip}" style="{style}">{body}</span>')
    return (
        '<div style="font-family:ui-monospace,Menlo,Consolas,monospace;white-space:pre-wrap;'
        'line-height:1.7;font-size:1.05em;padding:0.6em;border:1px solid #ddd;'
        f'border-radius:6px">{"".join(spans)}</div>'
    )


# --------------------------------------------------------------------------- the lesson's cost


def multiply_adds_per_char(embedding_dim: int, units: int, vocab: int, cell: str) -> int:
    """Multiply-adds to read one character forwards (backwards costs about twice that)."""
    blocks = cells.cell(cell).blocks
    return blocks * (embedding_dim * units + units * units) + units * vocab


# --------------------------------------------------------------------------- training


@dataclass(frozen=True)
class TrainConfig:
    seq_length: int = 64  # long enough for words and short lines; shorter steps run faster
    batch_size: int = 32  # small batches = more updates per second on a 2-core CPU
    epochs: int = 6  # each epoch prints a sample, so students watch it improve
    text_chars: int = 200_000  # a fifth of the play text: one epoch ~ 100 updates
    learning_rate: float = 3e-3  # above Adam's 1e-3 default: fewer steps to readable text
    seed: int = 0  # weights, shuffling and samples all follow it
    sample_prompt: str = "ROMEO:"  # a speaker name: the text's own way of starting a speech
    sample_length: int = 200  # characters printed after each epoch
    sample_temperature: float = 0.8  # the tutorial's sampling is at 1.0; 0.8 reads better

    def __post_init__(self) -> None:
        if self.seq_length < 2 or self.batch_size < 1 or self.epochs < 1:
            raise ValueError("seq_length >= 2, batch_size >= 1 and epochs >= 1 are needed")


@dataclass
class TrainResult:
    losses: list[float] = field(default_factory=list)  # mean loss per finished epoch
    first_batch_loss: float = float("nan")
    samples: list[str] = field(default_factory=list)
    seconds: float = 0.0
    stopped: bool = False


def train(
    model,
    vocab: CharVocab,
    text: str,
    config: TrainConfig,
    *,
    reporter: live.Reporter = live.QUIET,
) -> TrainResult:
    """Fit `model` on the first `config.text_chars` characters of `text`.

    Reports `batch(done, batches, loss=...)` after each batch and `epoch(number, {loss},
    note=sample)` after each epoch; stops after the current batch once
    `reporter.should_stop()` is true, keeping the weights trained so far.
    """
    import keras

    ids = vocab.encode(text[: config.text_chars])
    n_windows = len(ids) // (config.seq_length + 1)
    batches = n_windows // config.batch_size
    if batches < 1:
        raise ValueError(
            f"{len(ids):,} characters make {n_windows} windows of {config.seq_length + 1}: "
            f"fewer than one batch of {config.batch_size}; use more text or smaller sizes"
        )
    dataset = make_dataset(ids, config.seq_length, config.batch_size, config.seed)
    prompt = sample_prompt(vocab, text, config)
    if not getattr(model, "compiled", False):
        compile_model(model, config.learning_rate)
    result = TrainResult()
    began = time.perf_counter()

    class Samples(keras.callbacks.Callback):
        """The first batch's loss, and a sample of text after every epoch."""

        def on_train_batch_end(self, batch, logs=None):
            if batch == 0 and not result.losses and np.isnan(result.first_batch_loss):
                result.first_batch_loss = float((logs or {}).get("loss", np.nan))

        def on_epoch_end(self, epoch, logs=None):
            loss = float((logs or {}).get("loss", np.nan))
            result.losses.append(loss)
            sample = generate(
                self.model, vocab, prompt, config.sample_length,
                config.sample_temperature, seed=config.seed + epoch, record_hidden=False,
            ).text
            result.samples.append(sample)
            result.seconds = time.perf_counter() - began
            reporter.epoch(epoch + 1, {"loss": loss}, note=sample)

    bridge = live.keras_bridge(reporter, batches)  # after Samples: sample, then stop
    model.fit(dataset, epochs=config.epochs, verbose=0, shuffle=False,
              callbacks=[Samples(), bridge])
    result.seconds = time.perf_counter() - began
    result.stopped = bridge.stopped
    return result


def sample_prompt(vocab: CharVocab, text: str, config: TrainConfig) -> str:
    """The prompt of the per-epoch samples, or the text's first character when the
    configured one holds characters the text lacks."""
    prompt = config.sample_prompt
    return prompt if prompt and not vocab.unknown(prompt) else text[0]


# --------------------------------------------------------------------------- live training


@dataclass(frozen=True)
class LiveSpec:
    """A live training: what to build, how to train, and where the text is (the work reads
    it itself, so it could run in another process)."""

    model: CharModelConfig
    train: TrainConfig
    text_path: str  # a Shakespeare-like text file, as `data.locate_shakespeare` finds it


@dataclass(frozen=True, eq=False)
class LiveResult:
    vocab: CharVocab
    model: object = field(repr=False)  # the trained Keras model (this process only)
    result: TrainResult


def train_live(spec: LiveSpec, reporter: live.Reporter = live.QUIET) -> LiveResult:
    """Build, sample before training (epoch 0), train with a sample per epoch as its note."""
    text = data.load_shakespeare(spec.text_path, download=False)
    vocab = CharVocab.from_text(text)
    config = spec.train
    model = build_model(vocab.size, spec.model, config.seed)
    compile_model(model, config.learning_rate)
    prompt = config.sample_prompt
    if prompt and not vocab.unknown(prompt):  # what random weights write
        before = generate(model, vocab, prompt, config.sample_length,
                          config.sample_temperature, config.seed, record_hidden=False).text
        reporter.epoch(0, note=before)
    result = train(model, vocab, text, config, reporter=reporter)
    return LiveResult(vocab, model, result)


def config_dict(*configs) -> dict:
    return {type(c).__name__: asdict(c) for c in configs}
