"""The lesson's own numbers and vocabulary, in one place, so every page quotes them alike.

Numbers are as the (Chinese-language) tutorial printed them; each names the page of this
app where the same number is recomputed from a real Keras model or a real training run.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LessonNumber:
    value: str
    what: str
    where: str  # the page of this app that reproduces it


NUMBERS: tuple[LessonNumber, ...] = (
    LessonNumber("10,000", "IMDB vocabulary (num_words)", "Sentiment lab"),
    LessonNumber("3", "index_from: ids 0-3 are <PAD>, <START>, <UNK>, <UNUSED>",
                 "Sentiment lab, LSTM gates (tokens as the model sees them)"),
    LessonNumber("500", "every review padded or truncated to 500 tokens", "Sentiment lab"),
    LessonNumber("160,000", "Embedding(10000, 16) parameters = 10,000 × 16", "Parameter counts"),
    LessonNumber("161,153 (629.50 KB)", "Embedding + pooling model, total parameters",
                 "Parameter counts"),
    LessonNumber("0.8586", "test accuracy, Embedding + average pooling, 30 epochs, batch 128",
                 "Sentiment lab (preset)"),
    LessonNumber("5,184", "SimpleRNN(64) on 16-d input = 64 × (16 + 64) + 64", "Parameter counts"),
    LessonNumber("0.4993", "test accuracy of the SimpleRNN with padding='post' (a coin toss)",
                 "Sentiment lab (preset), Inside a SimpleRNN"),
    LessonNumber("41,472", "Bidirectional(LSTM(64)) on 16-d input = 2 × 4 × (64 × 80 + 64)",
                 "Parameter counts"),
    LessonNumber("98,816", "Bidirectional(LSTM(64)) on 128-d input = 2 × 4 × (64 × 192 + 64)",
                 "Parameter counts"),
    LessonNumber("0.8441", "test accuracy, two stacked Bidirectional(LSTM(64))",
                 "Sentiment lab (preset)"),
    LessonNumber("65", "distinct characters in the Shakespeare text", "Char-RNN on Shakespeare"),
    LessonNumber("16,640", "Embedding(65, 256) = 65 × 256", "Parameter counts, Char-RNN"),
    LessonNumber("1,311,744", "SimpleRNN(1024) on 256-d input = 1024 × (256 + 1024) + 1024",
                 "Parameter counts, Char-RNN"),
    LessonNumber("66,625", "Dense(65) on 1024 inputs = 1024 × 65 + 65",
                 "Parameter counts, Char-RNN"),
    LessonNumber("1.04", "char-RNN training loss after 100 epochs", "Char-RNN on Shakespeare"),
)

# (English, 中文, one line of meaning): the terms a reader meets in this app, in lesson order
GLOSSARY: tuple[tuple[str, str, str], ...] = (
    ("one-hot encoding", "独热编码", "a vector of vocabulary length with a single 1; no notion "
     "of similarity"),
    ("integer encoding / sparse ids", "整数编码", "each word replaced by its id in the "
     "vocabulary"),
    ("vocabulary", "词汇表", "the words the model knows; the rest become <UNK>"),
    ("tokenisation", "分词", "splitting text into words (or characters)"),
    ("padding ('pre' / 'post')", "填充（前 / 后）", "adding id 0 so every review has the same "
     "length, before or after the words"),
    ("truncating", "截断", "cutting reviews longer than maxlen, at the start or the end"),
    ("masking", "掩码", "telling later layers to skip the padded steps"),
    ("word embedding", "词嵌入", "a short dense vector for each word, learned or pretrained"),
    ("embedding matrix", "嵌入矩阵", "the (vocabulary × dimension) table an Embedding layer "
     "looks rows up in"),
    ("cosine similarity", "余弦相似度", "u·v / (|u||v|): 1 same direction, 0 unrelated"),
    ("analogy", "类比", "a is to b as c is to ?, answered by b − a + c"),
    ("principal component analysis (PCA)", "主成分分析", "a linear projection to 2 or 3 axes "
     "that keep the most variance"),
    ("GloVe", "GloVe 全局词向量", "pretrained vectors from global word co-occurrence counts"),
    ("global average pooling", "全局平均池化", "the mean over time steps: order is ignored"),
    ("recurrent neural network (RNN)", "循环神经网络", "a layer that reads a sequence one step "
     "at a time, carrying a hidden state"),
    ("hidden state", "隐藏状态", "h_t, the RNN's memory after step t"),
    ("time step", "时间步", "one position in the sequence"),
    ("weight sharing", "权值共享", "the same W and b at every time step"),
    ("backpropagation through time", "随时间反向传播", "gradients flowing back through "
     "every step"),
    ("vanishing gradient", "梯度消失", "gradients shrinking step after step, so early words stop "
     "mattering"),
    ("exploding gradient", "梯度爆炸", "gradients growing step after step"),
    ("long short-term memory (LSTM)", "长短期记忆网络", "an RNN with a cell state and gates"),
    ("cell state (the conveyor belt)", "细胞状态（传送带）", "c_t, carried along with only small "
     "gated edits"),
    ("forget gate", "遗忘门", "f_t: how much of the old cell state to keep"),
    ("input gate", "输入门", "i_t: how much of the candidate to write"),
    ("candidate", "候选值", "g_t (often c̃_t): the new content proposed by tanh"),
    ("output gate", "输出门", "o_t: how much of tanh(c_t) to show as h_t"),
    ("gated recurrent unit (GRU)", "门控循环单元", "a lighter gated RNN with update and reset "
     "gates"),
    ("update gate / reset gate", "更新门 / 重置门", "the GRU's two gates"),
    ("bidirectional", "双向", "one RNN reads forwards, another backwards; outputs joined"),
    ("stacked layers", "堆叠", "an RNN reading the sequence of another's outputs"),
    ("return_sequences", "返回完整序列", "output h at every step, not only the last"),
    ("stateful", "有状态", "keep the state between batches (used to generate text)"),
    ("parameters", "参数", "the trainable numbers; model.summary() counts them"),
    ("epoch / batch", "轮次 / 批次", "one pass over the data / the reviews in one update"),
    ("learning rate", "学习率", "the step size of each update"),
    ("loss / accuracy", "损失 / 准确率", "what training lowers / the share classified right"),
    ("validation set", "验证集", "held-out reviews to watch for overfitting"),
    ("overfitting", "过拟合", "training accuracy climbing while validation stalls or falls"),
    ("early stopping", "提前停止", "stop when validation has not improved for a few epochs"),
    ("dropout", "随机失活", "zeroing random units while training, against overfitting"),
    ("transfer learning", "迁移学习", "starting from vectors learned on other data"),
    ("freezing / fine-tuning", "冻结 / 微调", "keep pretrained weights fixed / let them train"),
    ("sigmoid / tanh / softmax", "sigmoid / tanh / softmax", "squash to (0, 1) / (−1, 1) / a "
     "probability distribution"),
    ("logits", "logits（未归一化得分）", "scores before softmax"),
    ("temperature", "温度", "divides logits before sampling: low = safe, high = surprising"),
    ("character-level model", "字符级模型", "predicts the next character instead of the next "
     "word"),
    ("sentiment analysis", "情感分析", "is this review positive or negative?"),
)
