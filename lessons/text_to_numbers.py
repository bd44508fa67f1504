"""From text to numbers: one review's raw text -> words -> frequency ranks -> ids -> the padded
row, the shape change of the whole training set, the ids read back; and the char model's ids.

The lesson calls `imdb.load_data(num_words=10000)` and `pad_sequences(maxlen=500,
padding='post')` and shows only the result. Every step here is done by the functions that made
the app's training arrays (`explainers.steps` over `data` and `reviews`), so the row drawn for
a test review is checked against that review's row of the real `x_test`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from explainers import chargen, data, lesson, paths, presets, reviews, steps
from lessons import links, ui
from lessons.charts import steps as draw
from lessons.charts import text as text_chart
from lessons.i18n import N_, _, explain
from lessons.widgets import review_source

KEYS = "t2n"  # every widget key starts with it
PADDING_KEY, MAXLEN_KEY, CHARS_KEY = "t2n_padding", "t2n_maxlen", "t2n_chars"
MAX_MAXLEN = 3_000  # the longest IMDB review has about 2,500 words
CHAR_LIMIT = 200  # characters of the char example: a line or two of a play
WORDS_SHOWN = 60  # rows of the word table; the rest are counted, not listed
ROW_ENDS = 10  # ids shown at each end of the padded row
IMDB_CONFIG = presets.lesson_imdb()  # the lesson's arrays: 10,000 words, 500 steps, 'post'
LINK = links.Link(*review_source.link_fields(KEYS),
                  links.choice("padding", PADDING_KEY, reviews.SIDES),
                  links.number("maxlen", MAXLEN_KEY, 1, MAX_MAXLEN),
                  links.text("chars", CHARS_KEY, CHAR_LIMIT))
TITLE = N_("From text to numbers")
INTRO = N_("The lesson goes from `imdb.load_data(num_words=10000)` straight to "
           "`pad_sequences(maxlen=500, padding='post')`. Here is what happens in between, for "
           "one review: words, their frequency ranks, ids, and the padded row the model reads.")
RESERVED = {data.PAD: N_("padding: fills the row up to maxlen"),
            data.START: N_("start: put before every review"),
            data.UNK: N_("unknown: a word outside the 10,000 kept"),
            data.UNUSED: N_("unused: Keras reserves it, nothing marks the end of a review")}
NOTICE = N_("the ids are frequency ranks shifted by 3, so the commonest words (the, and, a) "
            "get the smallest ids, the dark end of the colours; a short review is mostly grey "
            "<PAD>, on the right with 'post' and on the left with 'pre'. Reading the ids back "
            "loses every word past the 10,000 most frequent (<UNK>), and the capitals and "
            "punctuation too: that is all the model ever knows of the text.")


# --------------------------------------------------------------------------- cached loaders


@st.cache_resource(show_spinner=False)
def char_vocab(version: float | None) -> chargen.CharVocab:
    """The shipped char model's 65 characters (`version` only keys the cache)."""
    return chargen.CharVocab.from_file(paths.ASSETS / chargen.VOCAB_FILE)


# --------------------------------------------------------------------------- sections


def choices() -> tuple[str, int | None, str, int] | None:
    """(text, test review number or None, padding side, maxlen); None if there is no text."""
    picked = review_source.choose_review(KEYS)
    st.session_state.setdefault(PADDING_KEY, lesson.IMDB.padding)
    st.session_state.setdefault(MAXLEN_KEY, lesson.IMDB.maxlen)
    cols = st.columns(2)
    padding = cols[0].radio(_("Padding side"), reviews.SIDES, horizontal=True, key=PADDING_KEY,
                            help=_("Where the <PAD> ids go: before the words or after them."))
    maxlen = int(cols[1].number_input(_("Row length (maxlen)"), 1, MAX_MAXLEN, step=50,
                                      key=MAXLEN_KEY, help=_("The lesson uses {n}.",
                                                             n=lesson.IMDB.maxlen)))
    if picked is None:
        return None
    number = st.session_state.get(f"{KEYS}_review") if picked[1] is not None else None
    return picked[0], number, padding, maxlen


def picture_section(imdb: data.ImdbData, text: str, padding: str, maxlen: int):
    """The main picture: the review's row padded 'pre' and 'post'; returns the chosen one."""
    forms = {side: reviews.InputFormat(imdb.vocabulary, maxlen, side, lesson.IMDB.truncating)
             for side in reviews.SIDES}
    prepared = {side: form.prepare(text) for side, form in forms.items()}
    ui.chart(draw.padded_rows([prepared[s].row for s in reviews.SIDES], reviews.SIDES,
                              imdb.vocabulary, _), height=260)
    chosen = prepared[padding]
    cols = st.columns(4)
    cols[0].metric(_("words"), chosen.words)
    cols[1].metric(_("ids kept"), len(chosen.ids), help=_("<START> and the words"))
    cols[2].metric(_("<PAD> added"), maxlen - len(chosen.ids))
    cols[3].metric(_("cut off"), len(chosen.truncated),
                   help=_("truncating='pre': a long review keeps its end"))
    return chosen


def words_section(imdb: data.ImdbData, text: str) -> tuple[steps.Token, ...]:
    st.subheader(_("1 · Words → frequency ranks → ids"))
    tokens = steps.token_steps(text, imdb.word_index, imdb.vocabulary)
    st.markdown("> " + ui.inert(text, 400))
    st.caption(_("The raw text (first 400 characters). Lower case, `<br />` and punctuation "
                 "removed, it splits into {n:,} words.", n=len(tokens)))
    back = steps.round_trip(tokens, imdb.vocabulary)
    table = pd.DataFrame({
        _("word"): [t.word for t in tokens],
        _("rank"): [t.rank if t.rank is not None else "—" for t in tokens],
        _("rank + 3"): [t.rank + imdb.config.index_from if t.rank else "—" for t in tokens],
        _("id the model reads"): [t.id for t in tokens],
        _("read back"): list(back)}).astype(str)
    st.dataframe(table.head(WORDS_SHOWN), hide_index=True, width="stretch", height=320)
    if len(tokens) > WORDS_SHOWN:
        st.caption(_("The first {shown} of {n:,} words.", shown=WORDS_SHOWN, n=len(tokens)))
    st.markdown(_("A word's **rank** is its place when the 25,000 training reviews' words are "
                  "counted (1 = the most frequent). The id is the rank + {k}, because ids 0–3 "
                  "are reserved; a rank past {last:,} becomes id 2, <UNK>, since "
                  "`num_words={n:,}` keeps ids below {n:,}.", k=imdb.config.index_from,
                  last=imdb.config.num_words - imdb.config.index_from - 1,
                  n=imdb.config.num_words))
    st.dataframe(pd.DataFrame({_("id"): list(RESERVED), _("token"): [
        data.RESERVED[i] for i in RESERVED], _("meaning"): [_(m) for m in RESERVED.values()]}),
        hide_index=True)
    return tokens


def row_section(imdb: data.ImdbData, review: reviews.Prepared, number: int | None,
                padding: str, maxlen: int) -> None:
    st.subheader(_("2 · The padded row"))
    row = review.row  # (maxlen,)
    ends = row if maxlen <= 2 * ROW_ENDS else None
    shown = (" ".join(map(str, ends)) if ends is not None else
             " ".join(map(str, row[:ROW_ENDS])) + " … " + " ".join(map(str, row[-ROW_ENDS:])))
    st.code(f"row.shape = ({maxlen},)\n{shown}", language=None, wrap_lines=True)
    lesson_way = (padding, maxlen) == (IMDB_CONFIG.padding, IMDB_CONFIG.maxlen)
    if number is not None and lesson_way and number < len(imdb.x_test):
        same = bool(np.array_equal(row, imdb.x_test[number]))
        st.markdown(_("{mark} This row is **{verdict}** row {i:,} of the lesson's `x_test`, "
                      "the array the models were tested on.", mark="✅" if same else "❌",
                      verdict=_("identical to") if same else _("different from"), i=number))
    elif number is not None:
        st.caption(_("With the lesson's settings (padding='{padding}', maxlen={maxlen}) this "
                     "row would be compared with the real `x_test`.",
                     padding=IMDB_CONFIG.padding, maxlen=IMDB_CONFIG.maxlen))


def shape_section(imdb: data.ImdbData, maxlen: int) -> None:
    st.subheader(_("3 · Every review at once: ({n:,},) → ({n:,}, {maxlen})",
                   n=len(imdb.lengths["train"]), maxlen=maxlen))
    change = steps.shape_change(imdb.lengths["train"], maxlen)
    cols = st.columns(4)
    cols[0].metric(_("reviews cut"), f"{change.truncated:,}")
    cols[1].metric(_("reviews padded"), f"{change.padded:,}")
    cols[2].metric(_("ids cut off"), f"{change.cut:,}")
    cols[3].metric(_("share of <PAD>"), f"{change.pad_share:.0%}")
    st.markdown(_("`load_data` gives an array of {n:,} lists of different lengths: shape "
                  "({n:,},). `pad_sequences` makes it a table, shape ({n:,}, {maxlen}), by "
                  "cutting the {cut:,} longest reviews and filling the others with {pads:,} "
                  "<PAD> ids. Only a table of one width can go through the model in batches.",
                  n=change.reviews, maxlen=maxlen, cut=change.truncated, pads=change.pads))


def decode_section(imdb: data.ImdbData, tokens: tuple[steps.Token, ...],
                   review: reviews.Prepared) -> None:
    st.subheader(_("4 · And back: the ids read as words"))
    st.markdown("> " + ui.inert(imdb.vocabulary.decode(review.row), 600))
    lost = sorted({t.word for t in tokens if t.unknown})
    st.caption(_("`vocabulary.decode(row)`, <PAD> left out. {n} distinct words came back as "
                 "<UNK>: {words}", n=len(lost), words=ui.inert(", ".join(lost) or "—", 400)))


def chars_section() -> None:
    st.subheader(_("5 · Characters: the char-RNN's ids and one window"))
    vocab = char_vocab(chargen.shipped_version())
    st.session_state.setdefault(CHARS_KEY, "All: ")
    text = st.text_input(_("Characters"), key=CHARS_KEY, max_chars=CHAR_LIMIT,
                         help=_("The lesson's example is “All: ”."))
    try:
        window = steps.char_window(text, vocab)
    except chargen.CharError as error:
        st.error(explain(error))
        return
    except ValueError:
        st.warning(_("Type at least two characters."))
        return
    ids = [*window.input_ids, window.target_ids[-1]]
    st.code(f"{text!r} -> {ids}", language=None, wrap_lines=True)
    st.markdown(_("Each character's id is its place in the sorted list of the {n} characters "
                  "of the Shakespeare text (`\\n` = 0, space = 1, `A` = 13, `a` = 39).",
                  n=vocab.size))
    shown = [text_chart.shown_char(c) for c in window.input_text + window.target_text[-1]]
    st.dataframe(pd.DataFrame({_("input"): shown[:-1], _("id"): window.input_ids,
                               _("target"): shown[1:],
                               _("target id"): window.target_ids}).T.astype(str))
    st.caption(_("One training window: the target is the input shifted by one character, so "
                 "at every step the model learns to predict the next one. The lesson cuts the "
                 "text into windows of {n} + 1 characters this way.", n=lesson.CHAR.seq_length))


# --------------------------------------------------------------------------- the page

st.title(_(TITLE))
st.write(_(INTRO))
ui.lesson_says("ids")
LINK.restore()
panel, stage = st.columns([1, 2], gap="large")
with panel:
    picked = choices()
imdb = ui.available(ui.imdb, IMDB_CONFIG)
if picked is not None and imdb is not None:
    text, number, padding, maxlen = picked
    with stage:
        review = picture_section(imdb, text, padding, maxlen)
    tokens = words_section(imdb, text)
    row_section(imdb, review, number, padding, maxlen)
    shape_section(imdb, maxlen)
    decode_section(imdb, tokens, review)
chars_section()
ui.notice(_(NOTICE))
