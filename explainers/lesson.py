"""The lesson's own numbers, recipes and vocabulary, in one place, so every page quotes them alike.

Numbers are as the (Chinese-language) tutorial printed them. The recipes are its code: the
sentiment models all read IMDB as `keras.datasets.imdb.load_data(num_words=10000)` (ids from
`index_from=3`), padded with `pad_sequences(value=0, padding='post', maxlen=500)`, embedded in
16 dimensions and trained with adam and `validation_split=0.2`; the char-RNN is TensorFlow's
text_generation tutorial with a SimpleRNN. Presets, pages and tests import these; nothing
else writes them down. Each printed number names the page of this app that recomputes it.
"""

from __future__ import annotations

from dataclasses import dataclass

from explainers.i18n import N_


@dataclass(frozen=True)
class ImdbRecipe:
    """How every sentiment model of the lesson reads IMDB and is trained."""

    num_words: int = 10_000  # load_data(num_words=10000)
    index_from: int = 3  # ids 0-3 are <PAD>, <START>, <UNK>, <UNUSED>
    maxlen: int = 500  # pad_sequences(maxlen=500)
    padding: str = "post"  # pad_sequences(padding='post'): the pads come after the words
    truncating: str = "pre"  # not set by the lesson: pad_sequences' default
    embed_dim: int = 16  # Embedding(10000, 16)
    dense_units: int = 64  # Dense(64, relu) before the output
    validation_split: float = 0.2  # model.fit(..., validation_split=0.2)
    learning_rate: float = 1e-3  # optimizer='adam': Keras's default rate


@dataclass(frozen=True)
class SentimentModel:
    """One of the lesson's three IMDB models, with what it printed."""

    key: str  # how the app refers to it
    body: str  # "pool" (GlobalAveragePooling1D) or a recurrent cell kind
    units: int  # recurrent units (0 for pooling)
    layers: int  # stacked recurrent layers
    bidirectional: bool
    batch_size: int
    epochs: int
    test_accuracy: float  # model.evaluate on the 25,000 test reviews, as printed
    test_loss: float | None = None  # where the lesson printed it


@dataclass(frozen=True)
class CharRecipe:
    """The lesson's character model on Shakespeare (TensorFlow's text_generation tutorial)."""

    text_chars: int = 1_115_394  # characters in shakespeare.txt
    vocab: int = 65  # distinct characters in it
    embedding: int = 256  # Embedding(65, 256)
    cell: str = "simplernn"  # SimpleRNN(1024, return_sequences=True, stateful=True)
    units: int = 1024
    seq_length: int = 100  # windows of 101 characters: input and target shifted by one
    shuffle_buffer: int = 10_000  # dataset.shuffle(10000)
    batch_size: int = 64
    epochs: int = 100
    first_loss: float = 2.79  # loss after the first epoch, as printed
    final_loss: float = 1.04  # loss after the 100th epoch, as printed
    temperature: float = 1.0  # it samples tf.random.categorical(predictions): T = 1


@dataclass(frozen=True)
class PrintedEpoch:
    """One epoch's line of a training log the lesson printed (None where it printed nothing)."""

    model: str  # a SentimentModel's key, or "char"
    epoch: int  # 1-based
    loss: float | None = None
    accuracy: float | None = None
    val_loss: float | None = None
    val_accuracy: float | None = None


PRINTED_EPOCHS: tuple[PrintedEpoch, ...] = (  # what the lesson's fit() logs showed
    PrintedEpoch("pool", 1, val_loss=0.6340, val_accuracy=0.7632),
    PrintedEpoch("pool", 30, 0.0198, 0.9969, 0.6016, 0.8756),
    PrintedEpoch("bilstm", 30, accuracy=0.9868, val_accuracy=0.8732),
    PrintedEpoch("char", 1, 2.79),
    PrintedEpoch("char", 100, 1.04),
)


def printed_epochs(model: str) -> tuple[PrintedEpoch, ...]:
    """The epochs the lesson printed for one model (key), in order."""
    return tuple(p for p in PRINTED_EPOCHS if p.model == model)


IMDB = ImdbRecipe()
POOL = SentimentModel("pool", "pool", 0, 1, False, 128, 30, 0.8586, 0.6545)
SIMPLE_RNN = SentimentModel("simplernn", "simplernn", 64, 1, False, 512, 30, 0.4993)
BILSTM = SentimentModel("bilstm", "lstm", 64, 2, True, 512, 30, 0.8441)
SENTIMENT_MODELS: tuple[SentimentModel, ...] = (POOL, SIMPLE_RNN, BILSTM)
CHAR = CharRecipe()


@dataclass(frozen=True)
class PrintedCount:
    """A parameter count the lesson printed in a model.summary()."""

    value: int
    model: str  # a SentimentModel's key, or "char"
    layer: int  # the layer's place in that model (0 = the Embedding)


PRINTED_COUNTS: tuple[PrintedCount, ...] = (
    PrintedCount(160_000, "pool", 0),  # Embedding(10000, 16)
    PrintedCount(5_184, "simplernn", 1),  # SimpleRNN(64) on 16 features
    PrintedCount(4_160, "simplernn", 2),  # Dense(64) on 64
    PrintedCount(41_472, "bilstm", 1),  # Bidirectional(LSTM(64)) on 16
    PrintedCount(98_816, "bilstm", 2),  # Bidirectional(LSTM(64)) on 128
    PrintedCount(16_640, "char", 0),  # Embedding(65, 256)
    PrintedCount(1_311_744, "char", 1),  # SimpleRNN(1024) on 256
    PrintedCount(66_625, "char", 2),  # Dense(65) on 1024
)
POOL_TOTAL = "161,153 (629.50 KB)"  # the pooling model's "Total params" line


def _printed(model: str, layer: int) -> str:
    return next(f"{c.value:,}" for c in PRINTED_COUNTS if (c.model, c.layer) == (model, layer))


@dataclass(frozen=True)
class LessonNumber:
    value: str
    what: str
    where: str  # the page of this app that reproduces it


NUMBERS: tuple[LessonNumber, ...] = (
    LessonNumber(f"{IMDB.num_words:,}", N_("IMDB vocabulary (num_words)"), N_("Sentiment lab")),
    LessonNumber(str(IMDB.index_from),
                 N_("index_from: ids 0-3 are <PAD>, <START>, <UNK>, <UNUSED>"),
                 N_("Sentiment lab, LSTM gates (tokens as the model sees them)")),
    LessonNumber(str(IMDB.maxlen), N_("every review padded or truncated to 500 tokens"),
                 N_("Sentiment lab")),
    LessonNumber(_printed("pool", 0),
                 N_("Embedding(10000, 16) parameters = 10,000 × 16"), N_("Parameter counts")),
    LessonNumber(POOL_TOTAL, N_("Embedding + pooling model, total parameters"),
                 N_("Parameter counts")),
    LessonNumber(str(POOL.test_accuracy),
                 N_("test accuracy, Embedding + average pooling, 30 epochs, batch 128"),
                 N_("Sentiment lab (preset)")),
    LessonNumber(_printed("simplernn", 1),
                 N_("SimpleRNN(64) on 16-d input = 64 × (16 + 64) + 64"), N_("Parameter counts")),
    LessonNumber(str(SIMPLE_RNN.test_accuracy),
                 N_("test accuracy of the SimpleRNN with padding='post' (a coin toss)"),
                 N_("Sentiment lab (preset), Inside a SimpleRNN")),
    LessonNumber(_printed("bilstm", 1),
                 N_("Bidirectional(LSTM(64)) on 16-d input = 2 × 4 × (64 × 80 + 64)"),
                 N_("Parameter counts")),
    LessonNumber(_printed("bilstm", 2),
                 N_("Bidirectional(LSTM(64)) on 128-d input = 2 × 4 × (64 × 192 + 64)"),
                 N_("Parameter counts")),
    LessonNumber(str(BILSTM.test_accuracy),
                 N_("test accuracy, two stacked Bidirectional(LSTM(64))"),
                 N_("Sentiment lab (preset)")),
    LessonNumber(str(CHAR.vocab), N_("distinct characters in the Shakespeare text"),
                 N_("Char-RNN on Shakespeare")),
    LessonNumber(_printed("char", 0),
                 N_("Embedding(65, 256) = 65 × 256"), N_("Parameter counts, Char-RNN")),
    LessonNumber(_printed("char", 1),
                 N_("SimpleRNN(1024) on 256-d input = 1024 × (256 + 1024) + 1024"),
                 N_("Parameter counts, Char-RNN")),
    LessonNumber(_printed("char", 2), N_("Dense(65) on 1024 inputs = 1024 × 65 + 65"),
                 N_("Parameter counts, Char-RNN")),
    LessonNumber(str(CHAR.final_loss), N_("char-RNN training loss after 100 epochs"),
                 N_("Train a char-RNN")),
)

# (English, 中文, one line of meaning): the terms a reader meets in this app, in lesson order
GLOSSARY: tuple[tuple[str, str, str], ...] = (
    ("one-hot encoding", "独热编码", N_("a vector of vocabulary length with a single 1; no notion "
     "of similarity")),
    ("integer encoding / sparse ids", "整数编码", N_("each word replaced by its id in the "
     "vocabulary")),
    ("vocabulary", "词汇表", N_("the words the model knows; the rest become <UNK>")),
    ("tokenisation", "分词", N_("splitting text into words (or characters)")),
    ("padding ('pre' / 'post')", "填充（前 / 后）", N_("adding id 0 so every review has the same "
     "length, before or after the words")),
    ("truncating", "截断", N_("cutting reviews longer than maxlen, at the start or the end")),
    ("masking", "掩码", N_("telling later layers to skip the padded steps")),
    ("word embedding", "词嵌入", N_("a short dense vector for each word, learned or pretrained")),
    ("embedding matrix", "嵌入矩阵", N_("the (vocabulary × dimension) table an Embedding layer "
     "looks rows up in")),
    ("cosine similarity", "余弦相似度", N_("u·v / (|u||v|): 1 same direction, 0 unrelated")),
    ("analogy", "类比", N_("a is to b as c is to ?, answered by b − a + c")),
    ("principal component analysis (PCA)", "主成分分析", N_("a linear projection to 2 or 3 axes "
     "that keep the most variance")),
    ("GloVe", "GloVe 全局词向量", N_("pretrained vectors from global word co-occurrence counts")),
    ("global average pooling", "全局平均池化", N_("the mean over time steps: order is ignored")),
    ("recurrent neural network (RNN)", "循环神经网络", N_("a layer that reads a sequence one step "
     "at a time, carrying a hidden state")),
    ("hidden state", "隐藏状态", N_("h_t, the RNN's memory after step t")),
    ("time step", "时间步", N_("one position in the sequence")),
    ("weight sharing", "权值共享", N_("the same W and b at every time step")),
    ("backpropagation through time", "随时间反向传播", N_("gradients flowing back through "
     "every step")),
    ("vanishing gradient", "梯度消失",
     N_("gradients shrinking step after step, so early words stop "
     "mattering")),
    ("exploding gradient", "梯度爆炸", N_("gradients growing step after step")),
    ("long short-term memory (LSTM)", "长短期记忆网络", N_("an RNN with a cell state and gates")),
    ("cell state (the conveyor belt)", "细胞状态（传送带）",
     N_("c_t, carried along with only small "
     "gated edits")),
    ("forget gate", "遗忘门", N_("f_t: how much of the old cell state to keep")),
    ("input gate", "输入门", N_("i_t: how much of the candidate to write")),
    ("candidate", "候选值", N_("g_t (often c̃_t): the new content proposed by tanh; the lesson "
                              "calls it 更新门 / 当前状态门, a name this app keeps for the GRU")),
    ("output gate", "输出门", N_("o_t: how much of tanh(c_t) to show as h_t")),
    ("gated recurrent unit (GRU)", "门控循环单元", N_("a lighter gated RNN with update and reset "
     "gates")),
    ("update gate / reset gate", "更新门 / 重置门", N_("the GRU's two gates (the lesson's "
                                                  "更新门 for the LSTM is the candidate here)")),
    ("bidirectional", "双向", N_("one RNN reads forwards, another backwards; outputs joined")),
    ("stacked layers", "堆叠", N_("an RNN reading the sequence of another's outputs")),
    ("return_sequences", "返回完整序列", N_("output h at every step, not only the last")),
    ("stateful", "有状态", N_("keep the state between batches (used to generate text)")),
    ("parameters", "参数", N_("the trainable numbers; model.summary() counts them")),
    ("epoch / batch", "轮次 / 批次", N_("one pass over the data / the reviews in one update")),
    ("learning rate", "学习率", N_("the step size of each update")),
    ("loss / accuracy", "损失 / 准确率", N_("what training lowers / the share classified right")),
    ("validation set", "验证集", N_("held-out reviews to watch for overfitting")),
    ("overfitting", "过拟合", N_("training accuracy climbing while validation stalls or falls")),
    ("early stopping", "提前停止", N_("stop when validation has not improved for a few epochs")),
    ("dropout", "随机失活", N_("zeroing random units while training, against overfitting")),
    ("transfer learning", "迁移学习", N_("starting from vectors learned on other data")),
    ("freezing / fine-tuning", "冻结 / 微调",
     N_("keep pretrained weights fixed / let them train")),
    ("sigmoid / tanh / softmax", "sigmoid / tanh / softmax",
     N_("squash to (0, 1) / (−1, 1) / a "
     "probability distribution")),
    ("logits", "logits（未归一化得分）", N_("scores before softmax")),
    ("temperature", "温度", N_("divides logits before sampling: low = safe, high = surprising")),
    ("character-level model", "字符级模型", N_("predicts the next character instead of the next "
     "word")),
    ("sentiment analysis", "情感分析", N_("is this review positive or negative?")),
    # the lesson's mistakes, each shown on the page "The lesson's mistakes" (explainers.errata)
    ("erratum: evaluating the wrong model", "勘误：评估了错误的模型",
     N_("the lesson's SimpleRNN script calls model.evaluate, which is still the pooling model "
        "(~0.87); only single_rnn_model.evaluate scores the SimpleRNN (~0.5)")),
    ("erratum: <END> (id 3)", "勘误：<END>（编号 3）",
     N_("Keras reserves id 3 as unused; no review contains it and nothing marks a review's "
        "end: after the last word come only <PAD> zeros")),
    ("erratum: embedding size", "勘误：嵌入层参数量",
     N_("Embedding(10000, 16) has 10,000 × 16 = 160,000 parameters, not millions")),
    ("erratum: tanh and vanishing gradients", "勘误：tanh 与梯度消失",
     N_("tanh's slope is at most 1, so it does not prevent vanishing gradients; the gradient "
        "still shrinks at every step back")),
    ("erratum: stateful on shuffled windows", "勘误：打乱窗口上的有状态训练",
     N_("stateful=True carries each row's state to the next batch, but after shuffle(10000) "
        "that row is unrelated text, and the state is never reset")),
    ("erratum: LSTM parameter formula", "勘误：LSTM 参数公式",
     N_("an LSTM has 4(h(h+x)+h) parameters per direction, not the SimpleRNN's h(h+x)+h; "
        "and single_lstm_model stacks two Bidirectional LSTM layers")),
)

# The lesson's sentences for the views that show them, so a reader can put the tutorial and
# the page side by side: what it says there, in its terms and images (the goldfish, the
# conveyor belt), shown in the reader's language. Its exact wording is not shipped with this
# app; these say the same, and the Chinese uses the tutorial's terms. The lesson
# names the candidate g the 更新门 / 当前状态门; this app calls it the candidate (候选值)
# and keeps 更新门 for the GRU's update gate, as the glossary says.
SAYINGS: dict[str, str] = {
    "fish_memory": N_("A plain RNN remembers like a goldfish with a seven-second memory: by the "
                      "end of a long review, what it read at the start has faded."),
    "conveyor_belt": N_("The cell state runs through the whole chain like a conveyor belt: "
                        "information rides along it almost unchanged, and the gates only take "
                        "things off it or put things on it."),
    "forget_gate": N_("The forget gate decides what to throw away from the cell state: 0 "
                      "means forget it completely, 1 means keep it completely."),
    "input_gate": N_("The input gate decides which new information is written to the cell "
                     "state; the candidate (the lesson's 更新门 / 当前状态门) proposes it."),
    "output_gate": N_("The output gate decides which part of the cell state is output as the "
                      "hidden state h."),
    "one_hot": N_("A one-hot vector is as long as the vocabulary and says nothing about which "
                  "words are alike; an embedding gives every word a short dense vector learned "
                  "from the data."),
    "weight_sharing": N_("An RNN uses the same weights at every time step, so its number of "
                         "parameters does not grow with the length of the text."),
    "parameter_formula": N_("A SimpleRNN layer has h(h+x)+h parameters; an LSTM has four such "
                            "blocks, 4(h(h+x)+h)."),
    "bidirectional": N_("A bidirectional RNN reads the sequence forwards and backwards and "
                        "joins what the two directions saw."),
    "transfer": N_("Transfer learning puts pretrained word vectors into the Embedding layer, "
                   "then freezes them or lets them keep training."),
    "ids": N_("Every word becomes its id in the vocabulary, counted from 3: 0 is kept for "
              "padding, 1 marks the start of a review and 2 stands for a word outside the "
              "vocabulary; then every review is padded to the same length of 500."),
    "word_order": N_("Averaging the word vectors throws the order of the words away, so the "
                     "model cannot tell \"not good, bad\" from \"not bad, good\": the lesson "
                     "turns to recurrent networks, which read the words one after another."),
    "sampling": N_("To generate text the lesson samples the next character from the model's "
                   "prediction with tf.random.categorical, feeds it back in, and repeats."),
}
