"""The GloVe explorer's word-algebra views: words placed on two axes that words define
(whatlies' custom projection) and free vector arithmetic (`king - man + woman`), one section
each, opened by the page's view switch. The maths is `explainers/algebra.py`, the figures
`lessons/charts/embeddings.py`; the page owns the link table and splices `FIELDS` into it.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from explainers import algebra, embeddings
from explainers.algebra import Expression, ExpressionError
from explainers.embeddings import UnknownWord
from lessons import figure_cache, links, ui
from lessons.charts import embeddings as draw
from lessons.i18n import N_, _, explain
from lessons.widgets.unknown_words import show_unknown, warn_unknown

EXPRESSION_CHARS = 200  # one typed expression: a dozen words at most (algebra.MAX_TERMS)
AXIS_WORDS_CHARS = 2_000  # the words placed on the axes, as the Directions view allows
AXIS_WORDS = 80  # words drawn at once: more would print on top of each other
AXES_FIGURE, ARITHMETIC_FIGURE = map(figure_cache.cached, (  # kept by their inputs
    draw.axes_figure, draw.arithmetic_figure))
AXES_PRESETS = {  # code -> x axis, y axis, words to place (all data: GloVe is English)
    "issue": ("woman - man", "king - queen", "king queen man woman prince princess boy girl "
              "father mother doctor nurse"),
    "royalty": ("woman - man", "king + queen - man - woman", "king queen prince princess "
                "man woman boy girl duke duchess emperor empress lord lady"),
    "wealth": ("woman - man", "rich - poor", "doctor nurse banker maid lawyer cleaner "
               "engineer secretary ceo receptionist farmer dancer"),
    "sentiment-size": ("good - bad", "big - small", "huge tiny great awful giant excellent "
                       "little terrible enormous wonderful"),
}
AXES = {code: dict(zip(("ax_x", "ax_y", "ax_words"), words, strict=True))
        for code, words in AXES_PRESETS.items()}  # preset -> widget values
ARITHMETIC_PRESETS = ("king - man + woman", "paris - france + japan", "better - good + bad",
                      "walking - walk + swim", "london - england + france")  # data
ARITHMETIC = {text: {"ar_expr": text} for text in ARITHMETIC_PRESETS}  # preset -> widgets
FIELDS = (  # this part's share of the page's link (URL name, widget key, what is valid)
    links.choice("axes", "ax_preset", tuple(AXES)),
    links.text("x", "ax_x", EXPRESSION_CHARS), links.text("y", "ax_y", EXPRESSION_CHARS),
    links.text("axis_words", "ax_words", AXIS_WORDS_CHARS),
    links.choice("sum", "ar_preset", ARITHMETIC_PRESETS),
    links.text("expr", "ar_expr", EXPRESSION_CHARS),
)
EXPRESSION_HELP = N_("Words joined by + and −, e.g. king - man + woman; a weight is allowed "
                     "(0.5*good). Put spaces around a minus: e-mail is one word.")


def defaults() -> dict[str, str]:
    """The chosen presets' widget values (the first presets on a first visit), for the page
    to set where a link has not put its own."""
    return {**AXES[st.session_state.setdefault("ax_preset", next(iter(AXES)))],
            **ARITHMETIC[st.session_state.setdefault("ar_preset", ARITHMETIC_PRESETS[0])]}


@st.cache_data(max_entries=512, show_spinner=False)
def solved(expression: Expression, k: int, limit: int, _glove) -> tuple[tuple, object]:
    """(the k nearest words with the typed ones left out, the nearest word of all): a search
    over 400,000 vectors, kept once per server by its inputs."""
    answers = algebra.solve(_glove, expression, k, limit)
    return tuple(answers), _glove.nearest(algebra.vector(_glove, expression), 1, limit=limit)[0]


def read(glove, text: str, key: str) -> Expression | None:
    """The expression typed in `key`, or None after saying what is wrong with it (an unknown
    word with buttons that put a close spelling into the expression)."""
    try:
        expression = algebra.parse(text)
        algebra.vector(glove, expression)  # checks every word and a zero sum
        return expression
    except UnknownWord as error:
        show_unknown(error, key, lambda word, bad=error.word: expression.replace(bad, word))
    except ExpressionError as error:
        st.error(explain(error))
    return None


def axes_section(glove) -> None:
    left, right = st.columns([2, 3])
    with left:
        ui.preset_picker(_("Preset"), "ax_preset", AXES,
                         format_func=lambda code: " × ".join(AXES_PRESETS[code][:2]))
        cols = st.columns(2)
        x_text = cols[0].text_input(_("x axis"), key="ax_x", max_chars=EXPRESSION_CHARS,
                                    help=_(EXPRESSION_HELP))
        y_text = cols[1].text_input(_("y axis"), key="ax_y", max_chars=EXPRESSION_CHARS,
                                    help=_(EXPRESSION_HELP))
        typed = st.text_area(_("Words to place"), key="ax_words", max_chars=AXIS_WORDS_CHARS)
        x, y = read(glove, x_text, "ax_x"), read(glove, y_text, "ax_y")
        words = warn_unknown(glove, embeddings.parse_words(typed, AXIS_WORDS))
        if x is None or y is None:
            return
        cosine = algebra.axes_cosine(glove, x, y)
        st.latex(r"x_w = \cos(\hat w,\ \vec x) \qquad y_w = \cos(\hat w,\ \vec y)")
        st.markdown(_(
            "The two axes have a cosine of **{cos:+.2f}** with each other. Near 0 they measure "
            "different things; near ±1 one axis repeats the other and the words fall on a "
            "diagonal (as with *king − queen*, which is mostly *man − woman* again).", cos=cosine))
    with right:
        ui.chart(AXES_FIGURE(x=x, y=y, words=tuple(words), font=ui.label_size(),
                             projector=ui.projector(), _glove=glove, _say=_), height=540)
        st.markdown(_(
            "Each word sits at its cosine with the x expression and with the y expression; the "
            "red words define the axes. This is whatlies' custom projection, on the cosine "
            "scale of the Directions view: words to the right lean to the x expression's + "
            "words, words to the left to its − words."))


def arithmetic_section(glove, limit: int, k: int) -> None:
    left, right = st.columns([2, 3])
    with left:
        ui.preset_picker(_("Preset"), "ar_preset", ARITHMETIC)
        text = st.text_input(_("Expression"), key="ar_expr", max_chars=EXPRESSION_CHARS,
                             help=_(EXPRESSION_HELP))
        expression = read(glove, text, "ar_expr")
        if expression is None:
            return
        answers, nearest = solved(expression, k, limit, glove)
        best, shown = answers[0], ui.inert(expression.shown())
        st.markdown(_("### {expression} ≈ **{answer}** (cosine {score:.3f})",
                      expression=shown, answer=ui.inert(best.word), score=best.score))
        st.latex(r"\text{answer} = \arg\max_{w \notin \text{typed}} "
                 r"\cos\Big(w,\ \sum_i c_i\, \hat w_i\Big)")
        st.markdown(_(
            "The typed words are left out of the answers, as gensim's `most_similar` does: "
            "counting them, the nearest word is **{word}** (cosine {score:.3f}).",
            word=ui.inert(nearest.word), score=nearest.score))
        st.dataframe(pd.DataFrame({
            _("rank"): range(1, len(answers) + 1), _("word"): [m.word for m in answers],
            _("cosine"): [round(m.score, 4) for m in answers],
        }), hide_index=True, height=min(35 * (len(answers) + 1) + 3, 420))
    with right:
        ui.chart(ARITHMETIC_FIGURE(expression=expression, answers=answers,
                                   font=ui.label_size(), projector=ui.projector(),
                                   _glove=glove, _say=_), height=520)
        st.markdown(_(
            "The arrows add the typed words' unit vectors one by one; the star is the sum, and "
            "the blue words are its nearest neighbours by cosine. PCA is fitted on these words "
            "and the sum only, so the map keeps the directions in which they differ most."))
