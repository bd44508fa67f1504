"""The lesson's mistakes: six places where the tutorial is wrong, each shown on real data.

The measurements live in `explainers.errata` (tested); the drawings in `charts.errata`.
Each erratum is an expander (all six titles on the first screen); a link says which are open.
"""

from __future__ import annotations

import streamlit as st

from explainers import data, errata, lesson, params, presets, runs
from lessons import figure_cache, links, ui
from lessons.charts import errata as charts
from lessons.i18n import N_, _, explain
from lessons.widgets import model_picker

OPEN_KEY = "errata_open"  # session state: the codes of the open errata, in page order
EVAL_SIZES = (500, 1_000, 2_000, 5_000)  # test reviews scored: seconds each on 2 cores
EVAL_KEY, END_REVIEW_KEY, TANH_REVIEW_KEY = "errata_reviews", "errata_end_k", "errata_tanh_k"
BATCH_KEY = "errata_batch"
MAX_BATCH = 100  # batches of the shuffled pipeline offered (of 172 per epoch)
LAST_REVIEW = 24_999  # the test split's last review
EVALUATED_KEY = "errata_evaluated"  # session state: {reviews: errata.EvalResult}


def expander_key(code: str) -> str:
    return f"errata_expander_{code}"


def _codes(text: str) -> tuple[str, ...]:
    """"evaluate,tanh" -> the codes in page order; ValueError on an unknown one."""
    wanted = set(text.split(","))
    if not wanted <= set(errata.CODES):
        raise ValueError(text)
    return tuple(c for c in errata.CODES if c in wanted)


LINK = links.Link(
    links.Field("open", OPEN_KEY, _codes, ",".join),
    links.choice("n", EVAL_KEY, EVAL_SIZES),
    links.number("review", END_REVIEW_KEY, 0, LAST_REVIEW),
    links.number("k", TANH_REVIEW_KEY, 0, LAST_REVIEW),
    links.number("batch", BATCH_KEY, 0, MAX_BATCH),
)
NOTICE = N_("each claim above is checked by running the lesson's own code, models or "
            "formulas; where the lesson and the measurement disagree, the measurement is shown "
            "beside the lesson's words, never instead of them.")


@st.cache_data(show_spinner=False, max_entries=8)
def evaluated(spec: errata.EvalSpec, _imdb: data.ImdbData) -> errata.EvalResult:
    """Both recorded models scored, once per server for each spec (IMDB is always the
    lesson's encoding, so it does not key the cache)."""
    return errata.evaluate_both(spec, _imdb)


@st.cache_data(show_spinner=False, max_entries=32)
def decays(k: int, _imdb: data.ImdbData) -> dict[str, errata.Decay]:
    """The recorded SimpleRNN's ||∂h_T/∂h_t|| on test review k, both paddings."""
    ids = _imdb.x_test[k][: int(_imdb.lengths["test"][k])]  # (words + START,) unpadded
    model = model_picker.lesson_model(lesson.SIMPLE_RNN.key).model
    return {padding: errata.state_decay(model, ids, padding) for padding in charts.PADDINGS}


@st.cache_data(show_spinner=False, max_entries=16)
def shuffled(where: str, batch: int) -> errata.ShuffledRows:
    return errata.shuffled_rows(data.load_shakespeare(where, download=False), batch)


def sync_open() -> None:
    """An expander was opened or closed: keep the linked list of open errata in step."""
    st.session_state[OPEN_KEY] = tuple(
        c for c in errata.CODES if st.session_state.get(expander_key(c)))


def what(erratum: errata.Erratum) -> None:
    """What the lesson says and what is true, before the demonstration."""
    st.markdown(_("**The lesson:** {says}", says=_(erratum.says)))
    st.markdown(_("**In fact:** {truth}", truth=_(erratum.truth)))


def lesson_imdb() -> data.ImdbData | None:
    return ui.available(ui.imdb, presets.lesson_imdb())


def evaluate_demo() -> None:
    scores = errata.recorded_scores()
    st.code("single_rnn_model.fit(x_train, y_train, epochs=30, batch_size=512,\n"
            "                     validation_split=0.2)\n"
            "model.evaluate(x_test, y_test)", language="python")
    if None in scores.values():
        st.info(_("A recorded lesson run is not on this machine (scripts/"
                  "record_lesson_runs.py makes them), so there is nothing to evaluate."))
        return
    a, b, c = st.columns(3)
    a.metric(_("model.evaluate(...) as the script wrote it"), f"{scores['pool']:.4f}",
             help=_("The recorded pooling model on all 25,000 test reviews."))
    b.metric(_("single_rnn_model.evaluate(...)"), f"{scores['simplernn']:.4f}",
             help=_("The recorded SimpleRNN on all 25,000 test reviews."))
    c.metric(_("What the lesson printed"), f"{lesson.SIMPLE_RNN.test_accuracy:.4f}")
    st.markdown(_(
        "Read the printed number honestly: had the line run as shown, it would have printed "
        "the pooling model's score, about 0.86 (the lesson printed {pool} for that model "
        "itself). It printed {printed}, a coin toss like our recorded SimpleRNN's {rnn:.4f}. "
        "So the printed output does not match the script as shown: it looks like the output "
        "of a different run, one that did evaluate the SimpleRNN. The lesson does not say "
        "which.", pool=lesson.POOL.test_accuracy, printed=lesson.SIMPLE_RNN.test_accuracy,
        rnn=scores["simplernn"]))
    left, right = st.columns([2, 3], vertical_alignment="bottom")
    st.session_state.setdefault(EVAL_KEY, errata.EvalSpec.reviews)
    n = left.selectbox(_("Test reviews to score"), EVAL_SIZES,
                       format_func=lambda v: f"{v:,}", key=EVAL_KEY)
    done: dict = st.session_state.setdefault(EVALUATED_KEY, {})
    if right.button(_("Evaluate both models on {n:,} test reviews", n=n), key="errata_eval",
                    disabled=n in done) and (imdb := lesson_imdb()) is not None:
        with st.spinner(_("Scoring {n:,} reviews with each model…", n=n)):
            try:
                done[n] = evaluated(errata.EvalSpec(reviews=n), imdb)
            except runs.RunDamaged as error:
                st.error(explain(error))
    if n in done:
        r = done[n]
        a, b, c = st.columns(3)
        a.metric(_("model.evaluate(...) → pooling model"), f"{r.as_written:.4f}")
        b.metric(_("single_rnn_model.evaluate(...) → SimpleRNN"), f"{r.intended:.4f}")
        c.metric(_("Took"), _("{seconds:.1f} s", seconds=r.seconds))


def end_demo() -> None:
    st.code('word_index = {k: (v + 3) for k, v in word_index.items()}\n'
            'word_index["<PAD>"] = 0\nword_index["<START>"] = 1\n'
            'word_index["<UNK>"] = 2\nword_index["<END>"] = 3', language="python")
    imdb = lesson_imdb()
    if imdb is None:
        return
    count = errata.end_marker_count(imdb)
    a, b = st.columns(2)
    a.metric(_("Times id 3 occurs in {n:,} encoded reviews", n=count.reviews), f"{count.id3:,}")
    b.metric(_("Ids that are not <PAD>, for scale"), f"{count.tokens:,}")
    k = int(st.columns(3)[0].number_input(
        _("Decode test review number (0-{last})", last=LAST_REVIEW), 0, LAST_REVIEW,
        key=END_REVIEW_KEY))
    decoded = errata.decode_like_lesson(imdb.x_test[k], imdb.word_index)
    shown = decoded.tokens[max(0, decoded.words - 12): decoded.words + 6]
    st.caption(_("The lesson's decode_review on it, where its words end ({words} ids, then "
                 "{pads} <PAD>; <END> appears {ends} times):", words=decoded.words,
                 pads=len(decoded.tokens) - decoded.words, ends=decoded.ends))
    st.code("… " + " ".join(shown) + " …", language=None, wrap_lines=True)


def embedding_demo() -> None:
    size = errata.embedding_size()
    a, b, c = st.columns(3)
    a.metric(_("Embedding: {formula}", formula=size.layer.formula), params.fmt(size.layer.params),
             help=size.layer.substituted)
    b.metric(_("model.summary() printed"), params.fmt(size.printed))
    c.metric(_("Share of one million"), f"{size.share_of_a_million:.0%}")
    st.caption(_("{formula} = {value}; the whole pooling model has {total} parameters.",
                 formula=size.layer.substituted, value=params.fmt(size.layer.params),
                 total=params.fmt(size.model_total)))


def tanh_demo() -> None:
    imdb = lesson_imdb()
    if imdb is None:
        return
    if runs.lesson_record(lesson.SIMPLE_RNN.key) is None:
        st.info(_("The recorded SimpleRNN run is not on this machine."))
        return
    k = int(st.columns(3)[0].number_input(_("Test review number (0-{last})", last=LAST_REVIEW),
                                          0, LAST_REVIEW, key=TANH_REVIEW_KEY))
    with st.spinner(_("Differentiating the final state…")):
        result = decays(k, imdb)
    figure_cache.chart(charts.decay_figure, result, height=380)
    post, pre = result["post"], result["pre"]
    st.caption(_(
        "The recorded SimpleRNN (tanh, trained as the lesson) on test review {k}. Each step "
        "back multiplies the gradient by about {factor:.2f}; at the review's first word it "
        "is {post:.1e} of its size at the last step with the lesson's padding, {pre:.1e} even "
        "with the words last.", k=k, factor=post.per_step, post=post.word_ratio,
        pre=pre.word_ratio))


def stateful_demo() -> None:
    found = data.locate_shakespeare()
    if found is None:
        ui.data_missing(data.shakespeare_missing_message())
        return
    batch = int(st.columns(3)[0].number_input(_("Batch k (0-{last})", last=MAX_BATCH), 0,
                                              MAX_BATCH, key=BATCH_KEY))
    with st.spinner(_("Running the lesson's tf.data pipeline…")):
        rows = shuffled(str(found), batch)
    a, b = st.columns(2)
    a.markdown(_("**Row 0 of batch {k}** (window {i:,} of {n:,})", k=batch,
                 i=int(rows.windows[0, 0]), n=rows.total_windows))
    a.code(rows.text[0], language=None, wrap_lines=True)
    b.markdown(_("**Row 0 of batch {k}**, which inherits its state (window {i:,})",
                 k=batch + 1, i=int(rows.windows[1, 0])))
    b.code(rows.text[1], language=None, wrap_lines=True)
    st.markdown(_("What would continue row 0 is window {i:,}:", i=int(rows.windows[0, 0]) + 1))
    st.code(rows.text[2], language=None, wrap_lines=True)
    st.caption(_("Rows of batch {k} that continue the same row of batch {prev}: {n} of {rows}.",
                 k=batch + 1, prev=batch, n=rows.continuing, rows=rows.windows.shape[1]))


def lstm_demo() -> None:
    layers, checks = errata.lstm_formula()
    st.markdown(_("`single_lstm_model`, layer by layer: two Bidirectional LSTM layers."))
    st.dataframe(charts.layers_table(layers), hide_index=True, width="stretch")
    st.dataframe(charts.formula_table(checks), hide_index=True, width="stretch")


DEMOS = {"evaluate": evaluate_demo, "end": end_demo, "embedding": embedding_demo,
         "tanh": tanh_demo, "stateful": stateful_demo, "lstm_formula": lstm_demo}


def errata_section() -> None:
    """The six errata as expanders; only the open ones compute their demonstration."""
    opened = st.session_state.setdefault(OPEN_KEY, ())
    for i, erratum in enumerate(errata.ERRATA, start=1):
        st.session_state[expander_key(erratum.code)] = erratum.code in opened
        box = st.expander(f"{i} · {_(erratum.title)}", key=expander_key(erratum.code),
                          on_change=sync_open)
        if not box.open:
            continue
        with box:
            what(erratum)
            DEMOS[erratum.code]()
            st.markdown(_("👀 **What to notice:** {text}", text=_(erratum.notice)))


LINK.restore()
st.title(_("The lesson's mistakes"))
st.caption(_("Six places where the tutorial's code or text is wrong, each checked on the real "
             "data, the lesson's recorded models or its formulas. Open one to see the proof."))
errata_section()
ui.notice(_(NOTICE))
