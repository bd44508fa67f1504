"""Training a char model on Shakespeare, with a sample of its writing after every epoch.

`train` fits a model on the tutorial's windows (Adam on sparse cross-entropy of the logits)
and writes a sample after each epoch, so a student watches gibberish turn into words,
names and lines; `train_live` is the same as a live job's work (`live.Job`): it reads the
text itself, builds the model and samples it once before training. Both report batches and
epochs through a `live.Reporter` and stop within a batch when it says so.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from explainers import chargen, charsample, data, live, paths

HELD_OUT = 0.05  # the last 5 % of the text: never trained on, it measures a held-out loss
LESSON_LEARNING_RATE = 1e-3  # the lesson's optimizer='adam': Keras's default rate
LESSON_RUN = paths.ASSETS / "lesson_runs" / "char"  # scripts/record_lesson_char.py writes:
LESSON_RECORD, LESSON_WEIGHTS = "run.json", "weights.npz"  # history + provenance; float16


def split_held_out(ids: np.ndarray, share: float = HELD_OUT) -> tuple[np.ndarray, np.ndarray]:
    """The text's ids cut in two: the first (1 - share) to train on, the rest held out."""
    cut = int(len(ids) * (1 - share))
    return ids[:cut], ids[cut:]  # (cut,), (n - cut,)


def held_out_dataset(ids: np.ndarray, seq_length: int, batch_size: int):
    """Windows of held-out text in order (no shuffling), full batches only (a stateful model
    takes exactly its batch size)."""
    import tensorflow as tf

    x, y = chargen.windows(ids, seq_length)  # (n, seq_length) each
    return tf.data.Dataset.from_tensor_slices((x, y)).batch(batch_size, drop_remainder=True)

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
    vocab: chargen.CharVocab,
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
        raise chargen.CharError("too_little_text", chars=len(ids), windows=n_windows,
                                window=config.seq_length + 1, batch=config.batch_size)
    dataset = chargen.make_dataset(ids, config.seq_length, config.batch_size, config.seed)
    prompt = sample_prompt(vocab, text, config)
    if not getattr(model, "compiled", False):
        chargen.compile_model(model, config.learning_rate)
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
            sample = write_sample(self.model, vocab, prompt, config, config.seed + epoch)
            result.samples.append(sample)
            result.seconds = time.perf_counter() - began
            reporter.epoch(epoch + 1, {"loss": loss}, note=sample)

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
    text_path: str  # a Shakespeare-like text file, as `data.locate_shakespeare` finds it


@dataclass(frozen=True, eq=False)
class LiveResult:
    vocab: chargen.CharVocab
    model: object = field(repr=False)  # the trained Keras model (this process only)
    result: TrainResult


def train_live(spec: LiveSpec, reporter: live.Reporter = live.QUIET) -> LiveResult:
    """Build, sample before training (epoch 0), train with a sample per epoch as its note."""
    text = data.load_shakespeare(spec.text_path, download=False)
    vocab = chargen.CharVocab.from_text(text)
    config = spec.train
    model = chargen.build_model(vocab.size, spec.model, config.seed)
    chargen.compile_model(model, config.learning_rate)
    before = write_sample(model, vocab, sample_prompt(vocab, text, config), config, config.seed)
    reporter.epoch(0, note=before)  # what random weights write
    result = train(model, vocab, text, config, reporter=reporter)
    return LiveResult(vocab, model, result)
