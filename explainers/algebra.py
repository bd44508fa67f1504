"""Word algebra: typed expressions such as `king - man + woman`, their nearest words, and
scatter plots on axes that words define (whatlies' custom projection).

An expression is a sum of words with signs and optional weights (`king - man + woman`,
`paris - france + japan`, `0.5*good + 0.5*great - bad`). It is evaluated on unit vectors,
as gensim's `most_similar(positive=[...], negative=[...])` does: target = Σ wᵢ ŵᵢ (gensim
takes the mean, which points the same way, so the cosine ranking is the same). Its nearest
words leave out the words typed, as gensim does, so `king - man + woman` can answer `queen`
rather than `king` itself. A `-` is an operator at the start of a word or beside a space;
inside a word (`e-mail`) it is part of the word.

Word-defined axes place each word at (cos(ŵ, x), cos(ŵ, y)), where x and y are expressions
(`woman - man`, `king - queen`): the cosine the Directions view uses. whatlies draws the same
picture with the scalar projection w·x / |x|²; the cosine keeps both axes on one scale, -1..1.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from explainers.embeddings import EPS, Match, UnknownWord, WordVectors, normalise_word
from explainers.i18n import N_, Echo, Explained

MAX_TERMS = 12  # words in one expression: plenty for arithmetic, short enough to read
MAX_WEIGHT = 100.0  # a typed weight beyond this is a typo, not a question
MAP_ANSWERS = 6  # answers drawn on the arithmetic's map beside the typed words
MINUS = "\u2212"  # the minus sign the page prints (and a reader may paste back)
STOP = r"\s+*\-\u2212"  # characters that end a word (space, +, *, -, −)
TOKEN = re.compile(
    rf"(?P<space>\s+)"
    rf"|(?P<weight>\d+(?:\.\d+)?|\.\d+)\s*\*"  # a weight is a number before '*'
    rf"|(?P<op>[+\-{MINUS}])"
    rf"|(?P<word>[^{STOP}](?:[^{STOP}]|-(?=[^{STOP}]))*)"  # a hyphen inside a word stays
    rf"|(?P<other>.)"
)

MESSAGES = {  # error code -> the English message, filled with the error's parameters
    "empty": N_("Type an expression, such as king - man + woman."),
    "too_long": N_("An expression holds at most {n} words."),
    "two_operators": N_("Two signs in a row at '{sign}': keep one + or −."),
    "no_operator": N_("Between '{before}' and '{word}' put + or −, e.g. {before} + {word}."),
    "dangling": N_("The expression ends with '{sign}': add a word after it."),
    "stray": N_("'{char}' cannot stand there: write words joined by + and −, with an "
                "optional weight such as 0.5*good."),
    "weight": N_("A weight must be a number up to {limit:g}, written before a word: "
                 "0.5*good."),
    "hyphen": N_("'{word}' is not in the vocabulary. To subtract, put spaces around the "
                 "minus: {spaced}."),
    "zero": N_("The words cancel out: '{text}' is the zero vector, which points nowhere."),
}


class ExpressionError(Explained, ValueError):
    """An expression that cannot be read or evaluated: `code` names the message, `at` is
    where in the typed text it went wrong (-1 when nowhere in particular)."""

    def __init__(self, code: str, at: int = -1, **params):
        self.code = code
        self.at = at
        super().__init__(MESSAGES[code], **params)


@dataclass(frozen=True)
class Term:
    word: str  # lower case, as GloVe's words
    weight: float  # +1 or -1 for a sign, or the typed weight with its sign
    start: int  # where the word stands in the typed text ...
    end: int  # ... and where it ends (text[start:end] is the word as typed)


@dataclass(frozen=True)
class Expression:
    """A parsed expression: the typed text and its terms, in order."""

    text: str
    terms: tuple[Term, ...]

    @property
    def words(self) -> tuple[str, ...]:
        """The distinct words, in the order typed."""
        return tuple(dict.fromkeys(term.word for term in self.terms))

    def shown(self) -> str:
        """The expression written out: `king − man + woman`, `0.5·good + 0.5·great − bad`."""
        out = []
        for i, term in enumerate(self.terms):
            sign = MINUS if term.weight < 0 else "+"
            size = abs(term.weight)
            word = term.word if size == 1 else f"{size:g}·{term.word}"
            out.append((f"{MINUS}{word}" if sign == MINUS else word) if i == 0
                       else f"{sign} {word}")
        return " ".join(out)

    def replace(self, word: str, new: str) -> str:
        """The typed text with every occurrence of `word` replaced by `new` (a suggestion)."""
        text = self.text
        for term in sorted(self.terms, key=lambda t: -t.start):
            if term.word == word:
                text = text[:term.start] + new + text[term.end:]
        return text


def parse(text: str) -> Expression:
    """Read `king - man + woman` into terms; ExpressionError (with a code) when it cannot."""
    terms: list[Term] = []
    sign: tuple[float, str, int] | None = None  # a pending + or − (value, as typed, where)
    weight: tuple[float, int] | None = None  # a pending weight (value, where)
    for token in TOKEN.finditer(str(text)):
        kind, value, at = token.lastgroup, token.group(), token.start()
        if kind == "space":
            continue
        if kind == "op":
            if sign is not None or weight is not None:
                raise ExpressionError("two_operators", at, sign=Echo(value))
            sign = (-1.0 if value in ("-", MINUS) else 1.0, value, at)
        elif kind == "weight":
            number = float(token.group("weight"))
            if weight is not None or number > MAX_WEIGHT:
                raise ExpressionError("weight", at, limit=MAX_WEIGHT)
            if terms and sign is None:
                raise ExpressionError("no_operator", at, before=Echo(terms[-1].word),
                                      word=Echo(value))
            weight = (number, at)
        elif kind == "word":
            if terms and sign is None and weight is None:
                raise ExpressionError("no_operator", at, before=Echo(terms[-1].word),
                                      word=Echo(value))
            size = 1.0 if weight is None else weight[0]
            terms.append(Term(normalise_word(value), size * (1.0 if sign is None else sign[0]),
                              at, token.end()))
            if len(terms) > MAX_TERMS:
                raise ExpressionError("too_long", at, n=MAX_TERMS)
            sign = weight = None
        else:  # a '*' with no number before it, or any other stray character
            raise ExpressionError("stray", at, char=Echo(value))
    if weight is not None:
        raise ExpressionError("weight", weight[1], limit=MAX_WEIGHT)
    if sign is not None:
        raise ExpressionError("dangling", sign[2], sign=Echo(sign[1]))
    if not terms:
        raise ExpressionError("empty")
    return Expression(str(text), tuple(terms))


def rows(vectors: WordVectors, expression: Expression) -> list[int]:
    """The row of each distinct word; UnknownWord with suggestions for a word the vectors lack
    (ExpressionError "hyphen" for `king-man` typed without spaces)."""
    out = []
    for word in expression.words:
        if word not in vectors:
            parts = [p for p in word.split("-") if p]
            if len(parts) > 1 and all(p in vectors for p in parts):
                raise ExpressionError("hyphen", word=Echo(word),
                                      spaced=Echo(f" {MINUS} ".join(parts)))
            raise UnknownWord(word, vectors.suggest(word))
        out.append(vectors.index[word])
    return out


def vector(vectors: WordVectors, expression: Expression) -> np.ndarray:
    """Σ wᵢ ŵᵢ over the terms (unit vectors, as gensim): where the expression points."""
    at = dict(zip(expression.words, rows(vectors, expression), strict=True))
    target = np.zeros(vectors.dim, dtype=np.float32)  # (dim,)
    for term in expression.terms:
        target += term.weight * vectors.unit[at[term.word]]  # (dim,)
    if float(np.linalg.norm(target)) < 1e-6:
        raise ExpressionError("zero", text=Echo(expression.shown()))
    return target


def solve(vectors: WordVectors, expression: Expression, k: int = 10,
          limit: int | None = None) -> list[Match]:
    """The k words nearest in cosine to the expression, the words typed left out (gensim)."""
    target = vector(vectors, expression)
    return vectors.nearest(target, k, exclude=rows(vectors, expression), limit=limit)


# --------------------------------------------------------------------------- pictures


@dataclass(frozen=True)
class AxesPlot:
    """Words placed on two word-defined axes: x[i], y[i] are words[i]'s cosines."""

    words: tuple[str, ...]
    x: np.ndarray  # (n_words,) cos(word, x axis)
    y: np.ndarray  # (n_words,) cos(word, y axis)
    anchors: tuple[str, ...]  # the words that define the axes (drawn apart)
    axes_cosine: float  # cos(x axis, y axis): near ±1, the two axes say the same thing


def axis(vectors: WordVectors, expression: Expression) -> np.ndarray:
    """The expression's unit vector: the direction an axis measures."""
    target = vector(vectors, expression)  # (dim,)
    return target / max(float(np.linalg.norm(target)), EPS)


def axes_cosine(vectors: WordVectors, x: Expression, y: Expression) -> float:
    """cos(x axis, y axis): 0 when the axes measure unrelated things, near ±1 when one axis
    repeats the other (the scatter then falls on a diagonal)."""
    return float(axis(vectors, x) @ axis(vectors, y))


def axes(vectors: WordVectors, x: Expression, y: Expression, words: Sequence[str],
         anchors: bool = True) -> AxesPlot:
    """`words` (those the vectors know; with the axes' own words when `anchors`) placed at
    their cosines with the x and y expressions."""
    ux, uy = axis(vectors, x), axis(vectors, y)  # (dim,) each
    defining = tuple(dict.fromkeys((*x.words, *y.words))) if anchors else ()
    shown = [w for w in dict.fromkeys((*map(normalise_word, words), *defining)) if w in vectors]
    unit = vectors.unit[[vectors.index[w] for w in shown]]  # (n_words, dim)
    return AxesPlot(tuple(shown), unit @ ux, unit @ uy, defining, float(ux @ uy))


@dataclass(frozen=True)
class ArithmeticMap:
    """The arithmetic on a 2-D PCA map: the words typed, the answers, and the running sum
    (ŵ₁, ŵ₁ + w₂ŵ₂, ...) whose last point is the result; PCA is fitted on the words' unit
    vectors and the result's, so the result sits among the words it is compared with."""

    words: tuple[str, ...]  # the typed words, then the answers
    kinds: tuple[str, ...]  # "plus", "minus" (a typed word and its sign) or "answer"
    coords: np.ndarray  # (n_words, 2)
    path: np.ndarray  # (n_terms, 2) the running sum after each term; path[-1] is the result
    variance: tuple[float, float]  # share of the fitted points' variance each axis keeps


def arithmetic_map(vectors: WordVectors, expression: Expression, answers: Sequence[Match],
                   shown: int = MAP_ANSWERS) -> ArithmeticMap:
    """The typed words and the first `shown` answers on a PCA map, with the running sum."""
    from sklearn.decomposition import PCA

    at = dict(zip(expression.words, rows(vectors, expression), strict=True))
    signs = {}
    for term in expression.terms:
        signs[term.word] = signs.get(term.word, 0.0) + term.weight
    top = [m for m in answers if m.word not in at][:shown]
    words = (*expression.words, *(m.word for m in top))
    kinds = (*("minus" if signs[w] < 0 else "plus" for w in expression.words),
             *("answer" for _m in top))
    unit = vectors.unit[[*at.values(), *(m.row for m in top)]]  # (n_words, dim)
    steps = np.cumsum([t.weight * vectors.unit[at[t.word]] for t in expression.terms],
                      axis=0)  # (n_terms, dim) the running sum
    result = steps[-1] / max(float(np.linalg.norm(steps[-1])), EPS)  # (dim,)
    pca = PCA(n_components=2, random_state=0).fit(np.vstack([unit, result]))
    ratio = pca.explained_variance_ratio_
    return ArithmeticMap(words, kinds, pca.transform(unit).astype(np.float32),
                         pca.transform(steps).astype(np.float32), (float(ratio[0]),
                                                                   float(ratio[1])))
