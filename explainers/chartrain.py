"""Training a char model on Shakespeare: per-epoch samples, held-out loss and checkpoints.

`train` fits a model on the tutorial's windows (Adam on sparse cross-entropy of the logits)
and after each epoch reports its loss and perplexity (exp(loss): the number of characters
the model is as unsure as if choosing evenly among), the same on held-out text it never
trained on, and a sample of its writing, so a student watches gibberish turn into words,
names and lines; it keeps each epoch's weights (`Checkpoints`, capped in bytes) to sample
from later. `train_live` is the same as a live job's work (`live.Job`): it reads the text
itself (Shakespeare, or your own: `owntext`), holds out its last 5 % (more for a short
text), builds the model (stateful like the lesson's if asked) and samples it once before
training. Both report through a `live.Reporter` and stop within a batch when it says so.

`estimate` says before a run how long it will take on this server, from three costs fitted
to measured batches (benchmarks/char_speed.py), and whether it may start (as the lab's
`Budget` does); `differences` lists where a set-up departs from the lesson's recipe.
`lesson_run` reads the recorded run of the lesson's exact model (scripts/record_lesson_char.py).
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from explainers import cells, chargen, charsample, data, lesson, live, params, paths
from explainers.i18n import N_

HELD_OUT = 0.05  # the last 5 % of the text: never trained on, it measures a held-out loss
LESSON_LEARNING_RATE = 1e-3  # the lesson's optimizer='adam': Keras's default rate
LESSON_RUN = paths.ASSETS / "lesson_runs" / "char"  # scripts/record_lesson_char.py writes:
LESSON_RECORD, LESSON_WEIGHTS = "run.json", "weights.npz"  # history + provenance; float16
MAX_CHECKPOINT_BYTES = 48_000_000  # weights kept per run: every epoch of a small model, 8 of
# the lesson's 5.6 MB one (a session's memory on a shared server)


def perplexity(loss: float) -> float:
    """exp(cross-entropy in nats): how many characters the model hesitates between."""
    return float(math.exp(loss)) if loss < 700 else math.inf


def split_held_out(ids: np.ndarray, share: float = HELD_OUT) -> tuple[np.ndarray, np.ndarray]:
    """The text's ids cut in two: the first (1 - share) to train on, the rest held out."""
    cut = int(len(ids) * (1 - share))
    return ids[:cut], ids[cut:]  # (cut,), (n - cut,)


def held_out_dataset(ids: np.ndarray, seq_length: int, batch_size: int):
    """Windows of held-out text in order (no shuffling), full batches only (a stateful model
    takes exactly its batch size); None when there is less than one batch."""
    import tensorflow as tf

    x, y = chargen.windows(ids, seq_length)  # (n, seq_length) each
    if len(x) < batch_size:
        return None
    return tf.data.Dataset.from_tensor_slices((x, y)).batch(batch_size, drop_remainder=True)


def held_out_loss(model, dataset) -> float:
    """Mean loss on held-out windows. A stateful model reads them from a zero state, and
    gets its training state back after (the lesson never resets it while training)."""
    layers = [x for x in chargen.recurrent_layers(model) if x.stateful]
    kept = [[s.numpy() for s in x.states] for x in layers]
    for x in layers:
        x.reset_states()
    loss = float(model.evaluate(dataset, verbose=0))
    for x, states in zip(layers, kept, strict=True):
        for variable, value in zip(x.states, states, strict=True):
            variable.assign(value)
    return loss


class Checkpoints:
    """Each epoch's weights (float32 copies), at most `limit` bytes: past it, the oldest go
    except the first epoch's, so "before and after" always stays."""

    def __init__(self, limit: int = MAX_CHECKPOINT_BYTES):
        self.limit, self._kept = limit, {}

    def add(self, epoch: int, weights: list[np.ndarray]) -> None:
        self._kept[epoch] = [np.array(w, dtype=np.float32) for w in weights]
        while self.bytes > self.limit and len(self._kept) > 1:
            order = sorted(self._kept)  # the newest stays; the first while two others do
            del self._kept[order[1] if len(order) > 2 else order[0]]

    @property
    def bytes(self) -> int:
        return sum(w.nbytes for ws in self._kept.values() for w in ws)

    @property
    def epochs(self) -> list[int]:
        return sorted(self._kept)

    def weights(self, epoch: int) -> list[np.ndarray]:
        return self._kept[epoch]


def model_at(vocab_size: int, config: chargen.CharModelConfig, weights: list[np.ndarray]):
    """A model with a checkpoint's weights, to sample from (stateless: sampling carries its
    own state, one character at a time)."""
    model = chargen.build_model(vocab_size, replace(config, stateful=False), seed=None)
    model.set_weights(weights)
    return model


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
    held_out_losses: list[float] = field(default_factory=list)  # per epoch, when held out
    checkpoints: Checkpoints = field(default_factory=Checkpoints)  # weights by epoch
    seconds: float = 0.0
    stopped: bool = False


def train(
    model,
    vocab: chargen.CharVocab,
    text: str,
    config: TrainConfig,
    *,
    reporter: live.Reporter = live.QUIET,
    held_out: str = "",
    keep_bytes: int = MAX_CHECKPOINT_BYTES,
) -> TrainResult:
    """Fit `model` on the first `config.text_chars` characters of `text`.

    Reports `batch(done, batches, loss=...)` after each batch and `epoch(number, {loss,
    perplexity, held_out_loss, held_out_perplexity}, note=sample)` after each epoch (the
    held-out pair when `held_out` text makes at least one batch); keeps each epoch's weights
    up to `keep_bytes`; stops after the current batch once `reporter.should_stop()` is
    true, keeping the weights trained so far.
    """
    import keras

    ids = vocab.encode(text[: config.text_chars])
    n_windows = len(ids) // (config.seq_length + 1)
    batches = n_windows // config.batch_size
    if batches < 1:
        raise chargen.CharError("too_little_text", chars=len(ids), windows=n_windows,
                                window=config.seq_length + 1, batch=config.batch_size)
    dataset = chargen.make_dataset(ids, config.seq_length, config.batch_size, config.seed)
    held = (held_out_dataset(vocab.encode(held_out), config.seq_length, config.batch_size)
            if held_out else None)
    prompt = sample_prompt(vocab, text, config)
    if not getattr(model, "compiled", False):
        chargen.compile_model(model, config.learning_rate)
    result = TrainResult(checkpoints=Checkpoints(keep_bytes))
    began = time.perf_counter()

    class Samples(keras.callbacks.Callback):
        """The first batch's loss, and a sample of text after every epoch."""

        def on_train_batch_end(self, batch, logs=None):
            if batch == 0 and not result.losses and np.isnan(result.first_batch_loss):
                result.first_batch_loss = float((logs or {}).get("loss", np.nan))

        def on_epoch_end(self, epoch, logs=None):
            loss = float((logs or {}).get("loss", np.nan))
            result.losses.append(loss)
            metrics = {"loss": loss, "perplexity": perplexity(loss)}
            if held is not None:
                result.held_out_losses.append(held_out_loss(self.model, held))
                metrics["held_out_loss"] = result.held_out_losses[-1]
                metrics["held_out_perplexity"] = perplexity(result.held_out_losses[-1])
            result.checkpoints.add(epoch + 1, self.model.get_weights())
            sample = write_sample(self.model, vocab, prompt, config, config.seed + epoch)
            result.samples.append(sample)
            result.seconds = time.perf_counter() - began
            reporter.epoch(epoch + 1, metrics, note=sample)

    bridge = live.keras_bridge(reporter, batches)  # after Samples: sample, then stop
    model.fit(dataset, epochs=config.epochs, verbose=0, shuffle=False,
              callbacks=[Samples(), bridge])
    result.seconds = time.perf_counter() - began
    result.stopped = bridge.stopped
    return result


def sample_prompt(vocab: chargen.CharVocab, text: str, config: TrainConfig) -> str:
    """The prompt of the per-epoch samples, or the text's first character when the
    configured one holds characters the text lacks."""
    prompt = config.sample_prompt
    return prompt if prompt and not vocab.unknown(prompt) else text[0]


def write_sample(model, vocab: chargen.CharVocab, prompt: str, config: TrainConfig,
                 seed: int) -> str:
    """The prompt and `config.sample_length` characters the model writes after it."""
    return charsample.generate(model, vocab, prompt, config.sample_length,
                               config.sample_temperature, seed, record_hidden=False).text


# --------------------------------------------------------------------------- live training


@dataclass(frozen=True)
class LiveSpec:
    """A live training: what to build, how to train, and where the text is (the work reads
    it itself, so it could run in another process)."""

    model: chargen.CharModelConfig
    train: TrainConfig
    text_path: str  # a UTF-8 text file: Shakespeare (`data.locate_shakespeare`) or your own
    held_out: float = HELD_OUT  # its last share, never trained on (more for a short text)


@dataclass(frozen=True, eq=False)
class LiveResult:
    vocab: chargen.CharVocab
    model: object = field(repr=False)  # the trained Keras model (this process only)
    result: TrainResult
    spec: LiveSpec | None = None

    def model_at(self, epoch: int):
        """A model with epoch `epoch`'s weights (one of `result.checkpoints.epochs`)."""
        weights = self.result.checkpoints.weights(epoch)
        return model_at(self.vocab.size, self.spec.model, weights)


def train_live(spec: LiveSpec, reporter: live.Reporter = live.QUIET) -> LiveResult:
    """Build, sample before training (epoch 0), train on the first 95 % of the text (its
    first `text_chars`), with the last 5 % (`spec.held_out`) held out; a sample per epoch as
    its note."""
    text = data.load_shakespeare(spec.text_path, download=False)
    vocab = chargen.CharVocab.from_text(text)
    config = spec.train
    cut = len(split_held_out(np.arange(len(text)), spec.held_out)[0])
    model = chargen.build_model(vocab.size, spec.model, config.seed, config.batch_size)
    chargen.compile_model(model, config.learning_rate)
    before = write_sample(model, vocab, sample_prompt(vocab, text, config), config, config.seed)
    reporter.epoch(0, note=before)  # what random weights write
    result = train(model, vocab, text[:cut], config, reporter=reporter, held_out=text[cut:])
    return LiveResult(vocab, model, result, spec)


# --------------------------------------------------------------------------- before a run

# Costs on this 2-core server, from benchmarks/char_speed.py: training batches of a GRU(32) to
# the lesson's SimpleRNN(1024) measured while other jobs shared the CPU (load 18-19; a
# quiet laptop is faster), fitted by non-negative least squares and rounded between two fits
# (0 / 3.0e-3 / 5.7e-11 with all six, 0.057 / 0 / 6.8e-11 without an outlier). One batch
# costs BATCH_COST + seq_length x layers x STEP_COST (the steps run one after another) +
# characters x 3 x MAC_COST per multiply-add of reading one character (forwards, backwards).
# Measured 0.074 / 0.164 / 1.891 s; estimated 0.097 / 0.124 / 1.73 s (GRU 32, GRU 128, lesson).
BATCH_COST = 0.03  # s per batch: Python, callbacks, the optimizer update
STEP_COST = 1.0e-3  # s per time step per recurrent layer: the loop's overhead
MAC_COST = 6.0e-11  # s per multiply-add
WARN_SECONDS = 2 * 60  # say so when a run will take more than two minutes
MAX_SECONDS = 20 * 60  # refuse one estimated over 20 minutes: the page's user waits for it
SAMPLE_STEP_SECONDS = 1e-3  # one character of a per-epoch sample (charsample.Writer)
VERDICTS = {  # verdict -> what the page says (the English template; minutes filled in)
    "warn": N_("This run will take about {minutes:.0f} minutes on this server; the page stays "
               "usable, and Stop keeps what it learned."),
    "refuse": N_("This run would take about {minutes:.0f} minutes on this server, over the "
                 "{limit:.0f}-minute limit: train on less text, for fewer epochs, or a "
                 "smaller model. The recorded run below shows the lesson's model for longer."),
}


def cost_terms(config: chargen.CharModelConfig, seq_length: int, batch_size: int,
               vocab: int = lesson.CHAR.vocab) -> list[float]:
    """One training batch's cost factors for (BATCH_COST, STEP_COST, MAC_COST)."""
    macs = chargen.multiply_adds_per_char(config.embedding_dim, config.units, vocab,
                                          config.cell, config.layers)
    return [1.0, seq_length * config.layers, seq_length * batch_size * 3.0 * macs]


def batch_seconds(config: chargen.CharModelConfig, seq_length: int, batch_size: int,
                  vocab: int = lesson.CHAR.vocab) -> float:
    """Estimated seconds of one training batch on this server."""
    terms = cost_terms(config, seq_length, batch_size, vocab)
    return float(np.dot(terms, (BATCH_COST, STEP_COST, MAC_COST)))


@dataclass(frozen=True)
class Estimate:
    """What a live run will cost before it starts, and whether it may start."""

    epoch_seconds: float  # one epoch: training, held-out loss and the sample
    seconds: float  # all epochs
    trained_chars: int  # characters trained on: the slice, within the first 95 %
    batches: int  # training batches per epoch
    checkpoint_bytes: int  # one epoch's weights
    kept_epochs: int  # how many epochs' weights the run can keep
    verdict: str  # "ok", "warn" or "refuse"

    @property
    def message(self) -> tuple[str, dict[str, float]] | None:
        """The verdict's sentence (English template) and its numbers; None when ok."""
        if self.verdict == "ok":
            return None
        return VERDICTS[self.verdict], {"minutes": self.seconds / 60,
                                        "limit": MAX_SECONDS / 60}


def estimate(spec: LiveSpec, text_chars: int = lesson.CHAR.text_chars,
             vocab: int = lesson.CHAR.vocab) -> Estimate:
    """The run's time on this server from the fitted costs, for a text of `text_chars`
    (95 % trains, up to `spec.train.text_chars`; 5 % measures the held-out loss)."""
    config, model = spec.train, spec.model
    trained = min(config.text_chars, int(text_chars * (1 - spec.held_out)))
    held = text_chars - int(text_chars * (1 - spec.held_out))
    window = config.seq_length + 1
    batches = trained // window // config.batch_size
    held_batches = held // window // config.batch_size
    one = batch_seconds(model, config.seq_length, config.batch_size, vocab)
    terms = cost_terms(model, config.seq_length, config.batch_size, vocab)
    forward = BATCH_COST + (terms[1] * STEP_COST + terms[2] * MAC_COST) / 3  # no gradients
    sample = (len(config.sample_prompt) + config.sample_length) * SAMPLE_STEP_SECONDS
    epoch = batches * one + held_batches * forward + sample
    total = epoch * config.epochs
    params_total = params.count_model(chargen.spec(vocab, model)).total
    weights = 4 * params_total  # float32
    verdict = ("refuse" if total > MAX_SECONDS else "warn" if total > WARN_SECONDS else "ok")
    return Estimate(epoch, total, trained, batches, weights,
                    min(config.epochs, max(1, MAX_CHECKPOINT_BYTES // weights)), verdict)


# --------------------------------------------------------------------------- the lesson's recipe


LESSON_TRAIN = TrainConfig(  # the lesson's training, on a slice of the text (live)
    seq_length=lesson.CHAR.seq_length, batch_size=lesson.CHAR.batch_size,
    learning_rate=LESSON_LEARNING_RATE, sample_temperature=lesson.CHAR.temperature,
    text_chars=100_000, epochs=3)  # 100,000 characters: about a minute an epoch here
DIFFERENCES = {  # a setting's code -> its name on screen (English source)
    "cell": N_("cell"), "units": N_("units"), "embedding_dim": N_("embedding size"),
    "layers": N_("layers"), "stateful": N_("stateful"),
    "recurrent_init": N_("recurrent initializer"), "seq_length": N_("sequence length"),
    "batch_size": N_("batch size"), "learning_rate": N_("learning rate"),
    "text_chars": N_("characters trained on"), "epochs": N_("epochs"),
}


def shown(value) -> str:
    """A setting's value as a sentence shows it: ✓ / ✗, 1,024, a cell's name, 0.001."""
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if isinstance(value, int):
        return f"{value:,}"
    return cells.display_name(value) if value in cells.KINDS else str(value)


def differences(spec: LiveSpec) -> list[tuple[str, str, str]]:
    """(setting code, this run's value, the lesson's), both as shown, for each setting that
    departs from the lesson's recipe (whose text is the whole of Shakespeare)."""
    ours = {**{k: getattr(spec.model, k) for k in
               ("cell", "units", "embedding_dim", "layers", "stateful", "recurrent_init")},
            **{k: getattr(spec.train, k) for k in
               ("seq_length", "batch_size", "learning_rate", "text_chars", "epochs")}}
    theirs = {**{k: getattr(chargen.LESSON_MODEL, k) for k in ours if k in
                 chargen.CharModelConfig.__dataclass_fields__},
              "seq_length": lesson.CHAR.seq_length, "batch_size": lesson.CHAR.batch_size,
              "learning_rate": LESSON_LEARNING_RATE, "text_chars": lesson.CHAR.text_chars,
              "epochs": lesson.CHAR.epochs}
    return [(k, shown(ours[k]), shown(theirs[k])) for k in DIFFERENCES if ours[k] != theirs[k]]


@dataclass(frozen=True)
class LessonRun:
    """The recorded run of the lesson's exact model (scripts/record_lesson_char.py)."""

    epochs: tuple[int, ...]  # 1, 2, ...
    loss: tuple[float, ...]  # training loss per epoch
    held_out_loss: tuple[float, ...]
    seconds: tuple[float, ...]  # per epoch
    samples: tuple[str, ...]  # written after each epoch at T = 1
    budget_minutes: float
    machine: str
    folder: Path

    @property
    def weights_file(self) -> Path:
        return self.folder / LESSON_WEIGHTS


def lesson_run(folder: Path = LESSON_RUN) -> LessonRun | None:
    """The recorded run, or None when assets/ lacks it (or its file is damaged)."""
    try:
        record = json.loads((Path(folder) / LESSON_RECORD).read_text(encoding="utf-8"))
        history = record["history"]
        return LessonRun(tuple(range(1, len(history["loss"]) + 1)), tuple(history["loss"]),
                         tuple(history["held_out_loss"]), tuple(history["seconds"]),
                         tuple(history["sample"]), float(record["budget_minutes"]),
                         str(record["machine"]), Path(folder))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def cold_and_warm(run: LessonRun, text: str, prompt: str, warm_up: int,
                  length: int = 150, seed: int = 42) -> tuple[str, str]:
    """What the recorded model writes after `prompt` from a zero state, and after first
    reading the last `warm_up` characters of `text` (held out), at the lesson's T = 1."""
    model, vocab = load_lesson_weights(run), chargen.CharVocab.from_text(text)
    return tuple(charsample.generate(model, vocab, start + prompt, length,
                                     lesson.CHAR.temperature, seed, record_hidden=False)
                 .generated for start in ("", text[-warm_up:]))


def load_lesson_weights(run: LessonRun, vocab_size: int = lesson.CHAR.vocab):
    """The recorded run's last weights (stored as float16) in a model to sample from."""
    with np.load(run.weights_file) as stored:
        weights = [stored[f"arr_{i}"].astype(np.float32) for i in range(len(stored.files))]
    return model_at(vocab_size, chargen.LESSON_MODEL, weights)
