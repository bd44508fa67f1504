"""GloVe explorer: neighbours, analogies, arithmetic, directions, word-defined axes and PCA
maps over 400,000 words.

The words are GloVe's (English data) and stay English; all said around them is translated.
Each view has its controls on the left and its picture on the right, on the first screen.
"""

import pandas as pd
import streamlit as st

from explainers import embeddings
from explainers.embeddings import UnknownWord
from lessons import figure_cache, links, ui
from lessons.charts import embeddings as draw
from lessons.i18n import N_, _, catalogue, explain
from lessons.widgets import word_algebra
from lessons.widgets.unknown_words import show_unknown, warn_unknown
from lessons.widgets.word_map import WordMap

LIMITS = [1_000, 5_000, 10_000, 50_000, 100_000, 400_000]  # the frequency slider's stops
WORD_CHARS = 60  # one typed word: GloVe's longest everyday words are far shorter
VIEW_KEY = "glove_view"  # session state: the open tab's label (st.tabs keeps labels)
NEIGHBOURS, ANALOGY, DIRECTION = map(figure_cache.cached, (  # kept by their inputs
    draw.neighbours_figure, draw.analogy_figure, draw.direction_figure))
MAP_VIEW = WordMap("map", "map_dims")  # the word map: method, knobs, search, clicked word
VIEWS = {"neighbours": N_("Neighbours"), "analogies": N_("Analogies"),
         "arithmetic": N_("Arithmetic"), "directions": N_("Directions"),
         "axes": N_("Word axes"), "map": N_("Word map")}  # tab code -> its name
ANALOGY_PRESETS = {  # code -> label (words are data), a, b, c and the expected answer
    "king": ("man : king :: woman : ?", "man", "king", "woman", "queen"),
    "capital": ("paris : france :: tokyo : ?", "paris", "france", "tokyo", "japan"),
    "comparative": ("good : better :: bad : ?", "good", "better", "bad", "worse"),
    "lesson": (N_("The lesson's: man : woman :: king : ?"), "man", "woman", "king", "queen"),
}
ANALOGIES = {code: dict(zip(("an_a", "an_b", "an_c", "an_expected"), words, strict=True))
             for code, (_label, *words) in ANALOGY_PRESETS.items()}  # preset -> widget values
DIRECTION_PRESETS = {  # code -> positive end, negative end, words to place (all data)
    "he-she": ("he", "she", "king queen doctor nurse engineer teacher actor actress "
                 "programmer homemaker father mother brilliant beautiful"),
    "good-bad": ("good", "bad", "great excellent fine okay mediocre boring awful terrible "
                   "masterpiece disaster movie plot"),
    "big-small": ("big large huge", "small little tiny", "elephant mouse whale ant city "
                    "village mountain pebble ocean pond"),
}
DIRECTIONS = {code: dict(zip(("dir_pos", "dir_neg", "dir_words"), words, strict=True))
              for code, words in DIRECTION_PRESETS.items()}  # preset -> widget values
MAP_MODES = {"neighbours": N_("A word and its neighbours"), "list": N_("My own list")}
DEFAULTS = {"glove_limit": LIMITS[-1], "glove_k": 10, "nb_word": "frog", "map_centre": "king",
            "map_n": 20, "map_words": "", "map_mode": "neighbours", "map_dims": 2}  # 1st values
VIEW_FIELD = links.Field(  # the open tab: its code in the URL, its label in session state
    "view", VIEW_KEY, lambda code: _(VIEWS[code]), lambda label: next(
        (code for code, name in VIEWS.items() if label in (name, catalogue().get(name))),
        "neighbours"))
LINK = links.Link(
    VIEW_FIELD,
    links.choice("limit", "glove_limit", LIMITS), links.number("k", "glove_k", 1, 50),
    links.text("word", "nb_word", WORD_CHARS),
    links.choice("analogy", "an_preset", tuple(ANALOGIES)),
    *(links.text(name, f"an_{name}", WORD_CHARS) for name in ("a", "b", "c", "expected")),
    links.choice("direction", "dir_preset", tuple(DIRECTIONS)),
    links.text("pos", "dir_pos", 200), links.text("neg", "dir_neg", 200),
    links.text("place", "dir_words", 2_000), links.text("words", "map_words", 3_000),
    links.choice("map", "map_mode", tuple(MAP_MODES)), *MAP_VIEW.fields(),
    links.text("centre", "map_centre", WORD_CHARS), links.number("n", "map_n", 5, 50),
    *word_algebra.FIELDS,
)


# --------------------------------------------------------------------------- sections


def search_settings(glove) -> tuple[int, int]:
    """(limit: answers come from the N most frequent words, k: answers shown), folded away
    on a projector, where the pictures need the first screen."""
    label = _("⚙️ Search: answers from the {limit:,} most frequent words, {k} shown",
              limit=st.session_state["glove_limit"], k=st.session_state["glove_k"])
    with st.expander(label, expanded=not ui.projector()):
        top = st.columns([3, 1])
        limit = top[0].select_slider(
            _("Search only the most frequent N words"), LIMITS, key="glove_limit",
            format_func=lambda n: f"{n:,}",
            help=_("GloVe lists its words by frequency, so this keeps the first N rows."))
        k = top[1].number_input(_("Answers (k)"), 1, 50, key="glove_k")
        st.markdown(_(
            "Answers come from the **{limit:,}** most frequent words. Rare words (names, "
            "misspellings, foreign words) can no longer be answers, so the lists get cleaner and "
            "more everyday; a word outside the top N can still be asked about, but never "
            "appears as an answer.", limit=limit) if limit < len(glove) else _(
            "Answers come from the **{limit:,}** most frequent words. With all 400,000 words, "
            "rare names and misspellings can crowd the answers; move the slider left to keep "
            "only everyday words.", limit=limit))
    return limit, int(k)


def neighbours_section(glove, limit: int, k: int) -> None:
    left, right = st.columns([2, 3])
    word = left.text_input(_("Word"), key="nb_word", max_chars=WORD_CHARS)
    left.latex(r"\cos(u, v) = \frac{u \cdot v}{\lVert u \rVert \, \lVert v \rVert}")
    try:
        found = ui.glove_search("neighbours", word, k, limit=limit)
    except UnknownWord as error:
        with left:
            show_unknown(error, "nb_word")
        return
    left.dataframe(pd.DataFrame({
        _("rank"): range(1, len(found) + 1), _("word"): [m.word for m in found],
        _("cosine"): [round(m.score, 4) for m in found],
        _("frequency rank"): [m.row + 1 for m in found],
    }), hide_index=True, height=min(35 * (len(found) + 1) + 3, 420))
    if limit < len(glove):
        lost = [m.word for m in ui.glove_search("neighbours", word, k) if m.row >= limit]
        said = dict(lost=len(lost), k=k, limit=limit, words=ui.inert(", ".join(lost)))
        left.markdown(_("Over all 400,000 words, {lost} of the top {k} are outside the top "
                        "{limit:,}: {words}.", **said) if lost else _(
            "Over all 400,000 words, {lost} of the top {k} are outside the top {limit:,}.",
            **said))
    with right:
        ui.chart(NEIGHBOURS(found, glove.words[glove.row(word)], _say=_), 120 + 32 * len(found))


def expected_verdict(glove, exp: str, inputs: tuple[str, str, str], limit: int) -> None:
    """Where the answer the user expected ranks among the analogy's answers."""
    if not warn_unknown(glove, [exp]):
        return
    word = ui.inert(exp)
    if exp in inputs:
        st.warning(_("'{word}' is one of the three input words, which are excluded from the "
                     "answers.", word=word))
        return
    target = glove.analogy_target(*inputs)
    rank = ui.glove_search("rank_of", exp, target, exclude=list(inputs), limit=limit)
    if rank is None:
        st.warning(_("'{word}' is word #{row:,} by frequency, outside the top {limit:,}: it "
                     "cannot be an answer here (over all words it ranks #{rank:,}).", word=word,
                     row=glove.row(exp) + 1, limit=limit,
                     rank=ui.glove_search("rank_of", exp, target, exclude=list(inputs))))
    elif rank == 1:
        st.success(_("Your expected answer '{word}' is the top answer.", word=word))
    else:
        st.success(_("Your expected answer '{word}' is ranked #{rank:,}.", word=word, rank=rank))


def analogies_section(glove, limit: int, k: int) -> None:
    left, right = st.columns([2, 3])
    with left:
        ui.preset_picker(_("Preset"), "an_preset", ANALOGIES,
                         format_func=lambda code: _(ANALOGY_PRESETS[code][0]))
        cols = st.columns(2)
        a = cols[0].text_input(_("a"), key="an_a", max_chars=WORD_CHARS)
        b = cols[1].text_input(_("is to b"), key="an_b", max_chars=WORD_CHARS)
        c = cols[0].text_input(_("as c is to ?"), key="an_c", max_chars=WORD_CHARS)
        expected = cols[1].text_input(_("Expected answer (optional)"), key="an_expected",
                                      max_chars=WORD_CHARS)
        try:
            answers = ui.glove_search("analogy", a, b, c, k, limit=limit)
        except UnknownWord as error:
            which = next((key for key, w in (("an_a", a), ("an_b", b), ("an_c", c))
                          if embeddings.normalise_word(w) not in glove), "an_a")
            show_unknown(error, which)
            return
        na, nb, nc = (embeddings.normalise_word(w) for w in (a, b, c))
        best = answers[0]
        st.markdown(_("### {a} : {b} :: {c} : **{answer}** (cosine {score:.3f})",
                      a=ui.inert(na), b=ui.inert(nb), c=ui.inert(nc),
                      answer=ui.inert(best.word), score=best.score))
        exp = embeddings.normalise_word(expected)
        if exp:
            expected_verdict(glove, exp, (na, nb, nc), limit)
        if limit < len(glove):
            full = ui.glove_search("analogy", na, nb, nc, 1)[0].word
            said = dict(full=ui.inert(full), limit=limit, word=ui.inert(best.word))
            st.markdown(_("Over all 400,000 words the answer is the same (here, in the top "
                          "{limit:,}: **{word}**).", **said) if full == best.word else _(
                "Over all 400,000 words the answer is **{full}** (here, in the top {limit:,}: "
                "**{word}**).", **said))
        st.latex(r"\text{answer} = \arg\max_{w \notin \{a,b,c\}} "
                 r"\cos\left(w,\; \hat b - \hat a + \hat c\right)")
        st.dataframe(pd.DataFrame({
            _("rank"): range(1, len(answers) + 1), _("word"): [m.word for m in answers],
            _("cosine"): [round(m.score, 4) for m in answers],
        }), hide_index=True, height=min(35 * (len(answers) + 1) + 3, 420))
    with right:
        ui.chart(ANALOGY(inputs=(na, nb, nc), answers=answers, expected=exp, font=ui.label_size(),
                         projector=ui.projector(), _glove=glove, _say=_), height=520)
        st.markdown(_(
            "If the relation *a → b* is one direction in the space, *c → answer* runs parallel "
            "to it and the four words make a parallelogram. PCA is a linear map, so parallel "
            "arrows stay parallel in the plot (their lengths are squeezed by the dimensions PCA "
            "leaves out)."))


def directions_section(glove) -> None:
    left, right = st.columns([2, 3])
    with left:
        ui.preset_picker(_("Preset"), "dir_preset", DIRECTIONS,
                         format_func=lambda code: code.replace("-", " – "))
        pos_text = st.text_input(_("Positive end (words, averaged)"), key="dir_pos", max_chars=200)
        neg_text = st.text_input(_("Negative end (words, averaged)"), key="dir_neg", max_chars=200)
        place_text = st.text_area(_("Words to place along it"), key="dir_words", max_chars=2_000)
        pos, neg = embeddings.parse_words(pos_text, 10), embeddings.parse_words(neg_text, 10)
        place = warn_unknown(glove, embeddings.parse_words(place_text, 60))
        try:
            direction = glove.direction(pos, neg)
        except UnknownWord as error:
            st.error(error.message(ui.inert, _))
            return
        except ValueError as error:  # embeddings.WordsError: an empty end, or the same ends
            st.warning(explain(error))
            return
        if not place:
            st.warning(_("Type some words GloVe knows to place them on the direction."))
            return
    with right:
        score = glove.project(place, direction)  # (n,)
        ui.chart(DIRECTION(place, score, pos, neg, _say=_), height=140 + 30 * len(place))
        st.markdown(_(
            "The direction is the difference of the two ends' average unit vectors; each word's "
            "bar is its cosine with that direction. Words that say nothing about the contrast "
            "sit near 0; the he–she preset shows the gender bias GloVe learned from its text "
            "(*nurse*, *homemaker* lean to *she*)."))


def word_map_section(glove, limit: int) -> None:
    left, right = st.columns([1, 3])
    with left:
        mode = st.radio(_("Words"), tuple(MAP_MODES), key="map_mode", horizontal=True,
                        format_func=lambda code: _(MAP_MODES[code]))
        words, centre = [], ()
        if mode == "neighbours":
            centre_word = st.text_input(_("Word"), key="map_centre", max_chars=WORD_CHARS)
            n = st.slider(_("Number of neighbours"), 5, 50, key="map_n")
            try:
                near = ui.glove_search("neighbours", centre_word, n, limit=limit)
                centre = (embeddings.normalise_word(centre_word),)
                words = [*centre, *[m.word for m in near]]
            except UnknownWord as error:
                show_unknown(error, "map_centre")
        else:
            typed = st.text_area(_("Words (spaces or commas)"), key="map_words", max_chars=3_000,
                                 placeholder="king queen man woman prince princess uncle aunt")
            words = warn_unknown(glove, embeddings.parse_words(typed, 100))
        settings = MAP_VIEW.settings()  # method, dimensions, its knob, the search box
        if len(words) < settings.least_words() and mode == "list":
            st.info(_("Type at least {n} words GloVe knows.", n=settings.least_words()))
    if len(words) >= settings.least_words():
        with right:
            MAP_VIEW.show(("glove",), words, settings, glove, 540, centre)
            if settings.method == "pca":
                st.markdown(_(
                    "PCA is fitted on these words only, so the axes are the two (or three) "
                    "directions along which *this* set varies most; the title says how much of "
                    "the set's variance they keep. What is near in the plot is usually near in 50 "
                    "dimensions, but not always: check the cosine in the Neighbours tab."))


def views(glove) -> None:
    """The views as tabs, only the open one built; a link opens one by its code."""
    for key, value in {**DEFAULTS, **ANALOGIES[st.session_state.setdefault("an_preset", "king")],
                       **DIRECTIONS[st.session_state.setdefault("dir_preset", "he-she")],
                       **word_algebra.defaults()}.items():
        st.session_state.setdefault(key, value)  # a link's words kept, the preset's around them
    labels = {code: _(name) for code, name in VIEWS.items()}
    st.session_state[VIEW_KEY] = labels[VIEW_FIELD.write(st.session_state.get(VIEW_KEY))]
    limit, k = search_settings(glove)
    sections = {"neighbours": lambda: neighbours_section(glove, limit, k),
                "analogies": lambda: analogies_section(glove, limit, k),
                "arithmetic": lambda: word_algebra.arithmetic_section(glove, limit, k),
                "directions": lambda: directions_section(glove),
                "axes": lambda: word_algebra.axes_section(glove),
                "map": lambda: word_map_section(glove, limit)}  # tab code -> its section
    for tab, code in zip(st.tabs(list(labels.values()), key=VIEW_KEY, on_change="rerun"),
                         labels, strict=True):
        if tab.open is not False:  # only the open tab is built (a click reruns the page)
            with tab:
                sections[code]()


# --------------------------------------------------------------------------- page

LINK.restore(keep=True)  # the closed tabs' widgets keep their values
st.title(_("GloVe explorer"))
loaded = ui.available(ui.glove)
if loaded is None:
    st.stop()
st.caption(_("{n:,} real GloVe vectors (glove.6B.50d: Wikipedia 2014 + Gigaword 5, {dim} "
             "dimensions), loaded once per server in {seconds:.1f} s.", n=len(loaded.vectors),
             dim=loaded.vectors.dim, seconds=loaded.seconds))
views(loaded.vectors)
ui.notice(_(
    "cosine ranks words by direction, not length; the analogy arrows run nearly parallel when "
    "a relation is one direction in the space; and restricting to frequent words trades rare "
    "but correct answers for everyday ones."))
