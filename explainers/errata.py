"""The lesson's mistakes, each one measured on the real data, models and formulas.

Six places where the tutorial's code or text is wrong, each with what shows it:

1. `evaluate`: its SimpleRNN script calls `model.evaluate(...)`, and `model` is still the
   earlier pooling model, not `single_rnn_model`; `evaluate_both` scores both recorded
   lesson runs (`runs.load_lesson_run`) on the same test reviews.
2. `end`: `word_index['<END>'] = 3`; Keras reserves id 3 as unused and nothing marks a
   review's end: `end_marker_count` counts id 3 in the encoded reviews (none), and
   `decode_like_lesson` decodes one with the lesson's own word_index and decode_review.
3. `embedding`: "millions of parameters"; `embedding_size` counts Embedding(10000, 16) with
   `params` (the formula is V × d).
4. `tanh`: "tanh avoids exploding or vanishing gradients"; `state_decay` computes
   ||∂h_T/∂h_t|| of the recorded SimpleRNN on a review, in float64 from the layer's weights:
   h_k = tanh(x_k K + h_{k-1} U + b), so ∂h_k/∂h_{k-1} = diag(1 − h_k²) Uᵀ, and ∂h_T/∂h_t
   is the product of those factors from k = T down to t + 1 (each |1 − h²| ≤ 1 shrinks it).
5. `stateful`: `stateful=True` while training on shuffled windows, state never reset;
   `shuffled_rows` runs the lesson's tf.data pipeline (`chargen.make_dataset`) and finds
   which window of the text each batch row is.
6. `lstm_formula`: the LSTM code's comment reuses the SimpleRNN formula h(h+x)+h, and the
   two-layer BiLSTM is named `single_lstm_model`; `lstm_formula` counts both with `params`.

The English texts are N_ templates; a page shows them in the reader's language.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from explainers import chargen, data, lesson, live, models, params, presets, runs, training
from explainers.i18n import N_


@dataclass(frozen=True)
class Erratum:
    code: str  # stable: links and tests name an erratum by it
    title: str  # N_: the mistake in a few words
    says: str  # N_: what the lesson says or does
    truth: str  # N_: what is true instead
    notice: str  # N_: the one thing to notice in the demonstration


ERRATA: tuple[Erratum, ...] = (
    Erratum(
        "evaluate", N_("The SimpleRNN is scored with the wrong model"),
        N_("After training `single_rnn_model`, the script's line for its test score is "
           "`model.evaluate(x_test, y_test)`."),
        N_("`model` is still the pooling model trained earlier in the lesson, so that line "
           "scores the pooling model again; the SimpleRNN is never evaluated."),
        N_("the line as written prints the pooling model's score (~0.87); only "
           "`single_rnn_model.evaluate` gives the SimpleRNN's coin toss (~0.5).")),
    Erratum(
        "end", N_("There is no <END> token"),
        N_("The lesson's word_index sets `word_index['<END>'] = 3`, as if id 3 marked the end "
           "of a review."),
        N_("Keras reserves id 3 as unused (`<UNUSED>`): `load_data(index_from=3)` gives words "
           "ids from 4 up, no review contains id 3, and nothing marks where a review ends; "
           "after the last word come only <PAD> zeros."),
        N_("id 3 occurs zero times in all 50,000 encoded reviews, so the lesson's decoder can "
           "never print <END>.")),
    Erratum(
        "embedding", N_("The embedding does not have millions of parameters"),
        N_("“The embedding layer has millions of parameters.”"),
        N_("Embedding(10000, 16) has 10,000 × 16 = 160,000 parameters, as the lesson's own "
           "model.summary() printed."),
        N_("an Embedding holds one row of d numbers per word: V × d, here 160,000.")),
    Erratum(
        "tanh", N_("tanh does not stop gradients from vanishing"),
        N_("“tanh avoids exploding or vanishing gradients.”"),
        N_("tanh keeps h between −1 and 1, but its slope 1 − h² is at most 1, so every step "
           "back through time multiplies the gradient by diag(1 − h²)·Uᵀ, and it shrinks "
           "step after step; this is the vanishing gradient itself (the LSTM's gated cell "
           "state is the fix)."),
        N_("the gradient reaching a step falls by orders of magnitude per handful of steps: "
           "the words of a post-padded review get almost nothing.")),
    Erratum(
        "stateful", N_("stateful=True on shuffled windows, never reset"),
        N_("The char-RNN is built with `stateful=True`, trained on windows shuffled by "
           "`shuffle(10000)` in batches of 64, and its state is never reset."),
        N_("A stateful layer hands row i's final state to row i of the next batch, which "
           "helps only if that row continues the same text. After shuffling it is an "
           "unrelated window, so the carried state comes from other text."),
        N_("row 0 of the next batch is not the window that follows row 0 of this one: the "
           "state it inherits describes some other passage.")),
    Erratum(
        "lstm_formula", N_("The LSTM's parameter formula, and `single_lstm_model`"),
        N_("The BiLSTM code's comment counts an LSTM's parameters with the SimpleRNN's "
           "formula h(h+x)+h, and the model with two Bidirectional LSTM layers is named "
           "`single_lstm_model`."),
        N_("An LSTM has four such blocks (input, forget, candidate, output): 4(h(h+x)+h) per "
           "direction, twice that for Bidirectional; and that model stacks two recurrent "
           "layers."),
        N_("only the four-block formula gives the 41,472 and 98,816 that model.summary() "
           "printed.")),
)
CODES: tuple[str, ...] = tuple(e.code for e in ERRATA)
BY_CODE: dict[str, Erratum] = {e.code: e for e in ERRATA}


# --------------------------------------------------------------------------- 1. evaluate


RECORDED = (lesson.POOL.key, lesson.SIMPLE_RNN.key)  # the two recorded runs compared


@dataclass(frozen=True)
class EvalSpec:
    """Which test reviews both models are scored on; frozen, so it keys a cache."""

    reviews: int = 2_000  # a few seconds for both; the accuracies are within ~±0.02
    seed: int = 0  # the random subset (the test set is ordered by label)


@dataclass(frozen=True)
class EvalResult:
    reviews: int
    as_written: float  # model.evaluate(...): the pooling model's accuracy
    intended: float  # single_rnn_model.evaluate(...): the SimpleRNN's accuracy
    seconds: float


def recorded_scores() -> dict[str, float | None]:
    """Each recorded run's accuracy on all 25,000 test reviews (None where it is absent)."""
    records = {key: runs.lesson_record(key) for key in RECORDED}
    return {key: None if r is None else r.test_accuracy for key, r in records.items()}


def scored_rows(labels: np.ndarray, spec: EvalSpec) -> np.ndarray:
    """Indices of `spec.reviews` test reviews, drawn at random (seeded), sorted."""
    n = min(spec.reviews, len(labels))
    rng = np.random.default_rng(spec.seed)
    return np.sort(rng.choice(len(labels), size=n, replace=False))  # (n,)


def evaluate_both(spec: EvalSpec, imdb: data.ImdbData | None = None,
                  reporter: live.Reporter = live.QUIET) -> EvalResult:
    """Both recorded models on the same test reviews, encoded as the lesson did (post).

    Raises DataUnavailable without IMDB and RunDamaged (FileNotFoundError inside) when a
    recorded run is missing. A worker can run it alone: it loads the data itself.
    """
    began = time.perf_counter()
    imdb = imdb if imdb is not None else data.load_imdb(presets.lesson_imdb())
    rows = scored_rows(imdb.y_test, spec)
    x, y = imdb.x_test[rows], imdb.y_test[rows]  # (n, 500), (n,)
    scores = [training.evaluate(runs.load_lesson_run(key).model, x, y, bucketing=False,
                                reporter=reporter)["accuracy"] for key in RECORDED]
    return EvalResult(len(rows), scores[0], scores[1], time.perf_counter() - began)


# --------------------------------------------------------------------------- 2. <END>


LESSON_RESERVED = {"<PAD>": 0, "<START>": 1, "<UNK>": 2, "<END>": 3}  # the lesson's names
END_ID = LESSON_RESERVED["<END>"]


@dataclass(frozen=True)
class EndCount:
    id3: int  # how often id 3 occurs in every encoded review, train and test
    tokens: int  # ids that are not <PAD>, for scale
    reviews: int


def end_marker_count(imdb: data.ImdbData) -> EndCount:
    """Count id 3 (the lesson's <END>) in all encoded reviews of both splits."""
    both = (imdb.x_train, imdb.x_test)
    return EndCount(
        id3=sum(int(np.count_nonzero(x == END_ID)) for x in both),
        tokens=sum(int(np.count_nonzero(x != data.PAD)) for x in both),
        reviews=sum(len(x) for x in both),
    )


def lesson_word_index(word_index: dict[str, int]) -> dict[str, int]:
    """The lesson's word_index: every rank shifted by 3, then its four reserved names."""
    shifted = {word: rank + data.INDEX_FROM for word, rank in word_index.items()}
    return {**shifted, **LESSON_RESERVED}


@dataclass(frozen=True)
class Decoded:
    tokens: tuple[str, ...]  # the lesson's decode_review, one token per id (pads included)
    ends: int  # how many of them are "<END>"
    words: int  # ids before the first <PAD> (with <START>)


def decode_like_lesson(ids: np.ndarray, word_index: dict[str, int]) -> Decoded:
    """The lesson's `decode_review`: ' '.join(reverse_word_index.get(i, '?') for i in ids)."""
    reverse = {i: word for word, i in lesson_word_index(word_index).items()}
    tokens = tuple(reverse.get(int(i), "?") for i in ids)
    pads = np.flatnonzero(np.asarray(ids) == data.PAD)
    words = int(pads[0]) if len(pads) else len(tokens)
    return Decoded(tokens, tokens.count("<END>"), words)


# --------------------------------------------------------------------------- 3. embedding


MILLION = 1_000_000


@dataclass(frozen=True)
class EmbeddingSize:
    layer: params.LayerCount  # Embedding(10000, 16): formula, numbers, count
    printed: int  # what the lesson's model.summary() printed for it
    model_total: int  # the whole pooling model

    @property
    def share_of_a_million(self) -> float:
        return self.layer.params / MILLION


def printed_count(model: str, layer: int) -> int:
    return next(c.value for c in lesson.PRINTED_COUNTS if (c.model, c.layer) == (model, layer))


def embedding_size() -> EmbeddingSize:
    """The lesson's pooling model counted from its sizes (`params`), its Embedding first."""
    count = params.count_model(models.spec(presets.lesson_model(lesson.POOL), lesson.IMDB.maxlen))
    return EmbeddingSize(count.layers[0], printed_count(lesson.POOL.key, 0), count.total)


# --------------------------------------------------------------------------- 4. tanh


@dataclass(frozen=True)
class Decay:
    padding: str  # where the pads went: 'post' (as the model was trained) or 'pre'
    ids: np.ndarray  # (T,) the padded review
    norms: np.ndarray  # (T,) ||∂h_T/∂h_t||_F in float64, t = 1..T (the last is ||I|| = √h)
    words: tuple[int, int]  # 0-based [first, last] step holding a real id (not <PAD>)

    @property
    def per_step(self) -> float:
        """The mean factor one step back multiplies the gradient by (geometric mean)."""
        positive = self.norms[self.norms > 0]
        if len(positive) < 2:
            return math.nan
        return float((positive[0] / positive[-1]) ** (1 / (len(positive) - 1)))

    @property
    def word_ratio(self) -> float:
        """||∂h_T/∂h_t|| at the review's first word over its value at the last step."""
        return float(self.norms[self.words[0]] / self.norms[-1])


def simple_rnn_steps(x: np.ndarray, kernel: np.ndarray, recurrent: np.ndarray,
                     bias: np.ndarray) -> np.ndarray:
    """h_t = tanh(x_t K + h_{t-1} U + b) for every step, in float64: (T, h)."""
    h = np.zeros(recurrent.shape[0])  # (h,)
    states = np.zeros((len(x), len(h)))  # (T, h)
    for t, x_t in enumerate(np.asarray(x, dtype=np.float64)):
        h = np.tanh(x_t @ kernel + h @ recurrent + bias)  # (h,)
        states[t] = h
    return states


def state_jacobians(states: np.ndarray, recurrent: np.ndarray) -> np.ndarray:
    """||∂h_T/∂h_t||_F for t = 1..T: (T,), the product of diag(1 − h_k²) Uᵀ for k > t."""
    units = recurrent.shape[0]
    product = np.eye(units)  # (h, h): ∂h_T/∂h_T
    norms = np.zeros(len(states))  # (T,)
    for t in range(len(states) - 1, -1, -1):
        norms[t] = np.linalg.norm(product)
        product = product * (1.0 - states[t] ** 2) @ recurrent.T  # (h, h) · diag · Uᵀ
    return norms


def input_jacobians(states: np.ndarray, kernel: np.ndarray, recurrent: np.ndarray
                    ) -> np.ndarray:
    """||∂h_T/∂x_t||_F for every t: (T,), what `rnn_inside.state_jacobian_norms` measures
    with Keras (∂h_T/∂x_t = ∂h_T/∂h_t · diag(1 − h_t²) Kᵀ); a test compares the two."""
    units = recurrent.shape[0]
    product = np.eye(units)  # (h, h)
    norms = np.zeros(len(states))  # (T,)
    for t in range(len(states) - 1, -1, -1):
        local = product * (1.0 - states[t] ** 2)  # (h, h): ∂h_T/∂a_t
        norms[t] = np.linalg.norm(local @ kernel.T)
        product = local @ recurrent.T
    return norms


def state_decay(model, ids: np.ndarray, padding: str = "post",
                maxlen: int = lesson.IMDB.maxlen) -> Decay:
    """||∂h_T/∂h_t|| of a model's SimpleRNN (Embedding -> SimpleRNN -> ...) on one review.

    `ids` are the review's ids (START first, unpadded); they are padded to `maxlen` on the
    `padding` side, embedded by the model's own Embedding and run through the layer's
    weights in NumPy (float64, so nothing underflows to 0 before 1e-308).
    """
    from explainers import reviews
    from explainers.padding import recurrent_layer

    padded = reviews.pad_row(np.asarray(ids), maxlen, padding)  # (T,)
    vectors = np.asarray(model.get_layer("embedding")(padded[None]))[0]  # (T, d)
    kernel, recurrent, bias = (np.asarray(w, np.float64)
                               for w in recurrent_layer(model).get_weights())
    states = simple_rnn_steps(vectors, kernel, recurrent, bias)  # (T, h)
    real = np.flatnonzero(padded != data.PAD)
    words = (int(real[0]), int(real[-1])) if len(real) else (0, 0)
    return Decay(padding, padded, state_jacobians(states, recurrent), words)


# --------------------------------------------------------------------------- 5. stateful


@dataclass(frozen=True)
class ShuffledRows:
    batch: int  # k: rows of batch k and batch k + 1 are compared
    windows: np.ndarray  # (2, batch_size) which window of the text each row is
    text: tuple[str, str, str]  # row 0 of batch k, row 0 of batch k + 1, the window after
    total_windows: int

    @property
    def continuing(self) -> int:
        """Rows i of batch k + 1 that are the window right after row i of batch k."""
        return int(np.count_nonzero(self.windows[1] == self.windows[0] + 1))


def shuffled_rows(text: str, batch: int, seed: int = 0) -> ShuffledRows:
    """Batches k and k + 1 of the lesson's pipeline (windows of 101, shuffle(10000),
    batch 64) on `text`, each row found among the text's windows by its characters."""
    vocab = chargen.CharVocab.from_text(text)
    ids = vocab.encode(text)
    inputs, _targets = chargen.windows(ids, lesson.CHAR.seq_length)  # (n, 100)
    where = {row.tobytes(): i for i, row in enumerate(inputs)}
    dataset = chargen.make_dataset(ids, lesson.CHAR.seq_length, lesson.CHAR.batch_size, seed)
    pair = [x.numpy().astype(np.int32) for x, _y in dataset.skip(batch).take(2)]
    found = np.array([[where[row.tobytes()] for row in x] for x in pair])  # (2, batch)
    after = min(int(found[0, 0]) + 1, len(inputs) - 1)
    shown = (vocab.decode(inputs[found[0, 0]]), vocab.decode(inputs[found[1, 0]]),
             vocab.decode(inputs[after]))
    return ShuffledRows(batch, found, shown, len(inputs))


# --------------------------------------------------------------------------- 6. LSTM


@dataclass(frozen=True)
class FormulaCheck:
    name: str  # the layer's name in model.summary()
    inputs: int  # x: features each step reads
    comment: int  # the comment's h(h+x)+h, for both directions
    true: int  # 2 × 4 × (h(h+x)+h), from `params`
    printed: int  # what the lesson's model.summary() printed


def lstm_formula() -> tuple[tuple[params.LayerCount, ...], tuple[FormulaCheck, ...]]:
    """The lesson's BiLSTM layer by layer, and its two Bidirectional(LSTM) layers counted
    with the comment's formula (a SimpleRNN's) and with the LSTM's own."""
    spec = models.spec(presets.lesson_model(lesson.BILSTM), lesson.IMDB.maxlen)
    counted = params.count_model(spec).layers
    checks, shape = [], (lesson.IMDB.maxlen,)
    for i, (layer_spec, count) in enumerate(zip(spec.layers, counted, strict=True)):
        if layer_spec.kind == "lstm":
            inputs = int(shape[-1])
            one = params.LayerSpec("simplernn", layer_spec.units)
            comment, _shape = params.count_layer(one, (lesson.IMDB.maxlen, inputs))
            checks.append(FormulaCheck(count.name, inputs, 2 * comment.params, count.params,
                                       printed_count(lesson.BILSTM.key, i)))
        _count, shape = params.count_layer(layer_spec, shape)
    return counted, tuple(checks)
