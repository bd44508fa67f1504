"""GloVe explorer: nearest neighbours, analogies, directions and PCA maps over 400,000 words."""

import html

import pandas as pd
import streamlit as st

from explainers import embeddings
from explainers.embeddings import UnknownWord
from lessons import ui
from lessons.charts import embeddings as draw

LIMITS = [1_000, 5_000, 10_000, 50_000, 100_000, 400_000]  # the frequency slider's stops
ANALOGIES = {  # preset -> the widgets it fills: a, b, c and the expected answer
    name: {"an_a": a, "an_b": b, "an_c": c, "an_expected": expected}
    for name, (a, b, c, expected) in {
        "man : king :: woman : ?": ("man", "king", "woman", "queen"),
        "paris : france :: tokyo : ?": ("paris", "france", "tokyo", "japan"),
        "good : better :: bad : ?": ("good", "better", "bad", "worse"),
        "The lesson's: man : woman :: king : ?": ("man", "woman", "king", "queen"),
    }.items()
}
DIRECTIONS = {  # preset -> the widgets it fills: positive end, negative end, words to place
    name: {"dir_pos": pos, "dir_neg": neg, "dir_words": words}
    for name, (pos, neg, words) in {
        "he – she": ("he", "she", "king queen doctor nurse engineer teacher actor actress "
                     "programmer homemaker father mother brilliant beautiful"),
        "good – bad": ("good", "bad", "great excellent fine okay mediocre boring awful "
                       "terrible masterpiece disaster movie plot"),
        "big – small": ("big large huge", "small little tiny", "elephant mouse whale ant "
                        "city village mountain pebble ocean pond"),
    }.items()
}


def show_unknown(error: UnknownWord, key: str) -> None:
    """The specific error, with a button per suggestion that fills the box in."""
    st.error(error.message(ui.inert))
    if error.suggestions:
        cols = st.columns(len(error.suggestions))
        for col, word in zip(cols, error.suggestions, strict=True):
            col.button(word, key=f"{key}-suggest-{word}", on_click=st.session_state.update,
                       kwargs={key: word})


# --------------------------------------------------------------------------- sections


def search_settings(glove) -> tuple[int, int]:
    """(limit: answers come from the N most frequent words, k: answers shown)."""
    top = st.columns([3, 1])
    limit = top[0].select_slider(
        "Search only the most frequent N words", LIMITS, value=400_000, key="glove_limit",
        format_func=lambda n: f"{n:,}",
        help="GloVe lists its words by frequency, so this keeps the first N rows.",
    )
    k = top[1].number_input("Answers (k)", 1, 50, 10, key="glove_k")
    st.markdown(
        f"Answers come from the **{limit:,}** most frequent words. "
        + ("Rare words (names, misspellings, foreign words) can no longer be answers, so the "
           "lists get cleaner and more everyday; a word outside the top N can still be asked "
           "about, but never appears as an answer."
           if limit < len(glove) else
           "With all 400,000 words, rare names and misspellings can crowd the answers; move "
           "the slider left to keep only everyday words.")
    )
    return limit, int(k)


def neighbours_section(glove, limit: int, k: int) -> None:
    st.session_state.setdefault("nb_word", "frog")
    left, right = st.columns([2, 3])
    word = left.text_input("Word", key="nb_word", max_chars=60)
    left.latex(r"\cos(u, v) = \frac{u \cdot v}{\lVert u \rVert \, \lVert v \rVert}")
    try:
        found = glove.neighbours(word, k, limit=limit)
    except UnknownWord as error:
        with left:
            show_unknown(error, "nb_word")
        found = None
    if found is not None:
        table = pd.DataFrame({
            "rank": range(1, len(found) + 1), "word": [m.word for m in found],
            "cosine": [round(m.score, 4) for m in found],
            "frequency rank": [m.row + 1 for m in found],
        })
        left.dataframe(table, hide_index=True, height=min(35 * (len(found) + 1) + 3, 420))
        if limit < len(glove):
            full = glove.neighbours(word, k)
            lost = [m.word for m in full if m.row >= limit]
            left.markdown(
                f"Over all 400,000 words, {len(lost)} of the top {k} are outside the top "
                f"{limit:,}" + (f": {html.escape(', '.join(lost))}." if lost else ".")
            )
        bars = draw.neighbours_figure(found, glove.words[glove.row(word)])
        with right:
            ui.chart(bars, height=120 + 32 * len(found))


def expected_verdict(glove, exp: str, inputs: tuple[str, str, str], limit: int) -> None:
    """Where the answer the user expected ranks among the analogy's answers."""
    if exp not in glove:
        st.warning(UnknownWord(exp, glove.suggest(exp)).message(ui.inert))
        return
    if exp in inputs:
        st.warning(f"'{html.escape(exp)}' is one of the three input words, which are "
                   "excluded from the answers.")
        return
    target = glove.analogy_target(*inputs)
    rank = glove.rank_of(exp, target, exclude=list(inputs), limit=limit)
    if rank is None:
        rank_all = glove.rank_of(exp, target, exclude=list(inputs))
        st.warning(f"'{html.escape(exp)}' is word #{glove.row(exp) + 1:,} by frequency, "
                   f"outside the top {limit:,}: it cannot be an answer here (over all words "
                   f"it ranks #{rank_all:,}).")
    else:
        verdict = "the top answer" if rank == 1 else f"ranked #{rank:,}"
        st.success(f"Your expected answer '{html.escape(exp)}' is {verdict}.")


def analogies_section(glove, limit: int, k: int) -> None:
    ui.preset_picker("Preset", "an_preset", ANALOGIES)
    cols = st.columns(4)
    a = cols[0].text_input("a", key="an_a", max_chars=60)
    b = cols[1].text_input("is to b", key="an_b", max_chars=60)
    c = cols[2].text_input("as c is to ?", key="an_c", max_chars=60)
    expected = cols[3].text_input("Expected answer (optional)", key="an_expected",
                                  max_chars=60)
    st.latex(r"\text{answer} = \arg\max_{w \notin \{a,b,c\}} "
             r"\cos\left(w,\; \hat b - \hat a + \hat c\right)")
    try:
        answers = glove.analogy(a, b, c, k, limit=limit)
    except UnknownWord as error:
        key = {"a": "an_a", "b": "an_b", "c": "an_c"}
        which = next((n for n, w in (("a", a), ("b", b), ("c", c))
                      if embeddings.normalise_word(w) not in glove), "a")
        show_unknown(error, key[which])
        answers = None
    if answers:
        na, nb, nc = (embeddings.normalise_word(w) for w in (a, b, c))
        best = answers[0]
        st.markdown(
            f"### {html.escape(na)} : {html.escape(nb)} :: {html.escape(nc)} : "
            f"**{html.escape(best.word)}** (cosine {best.score:.3f})"
        )
        exp = embeddings.normalise_word(expected)
        if exp:
            expected_verdict(glove, exp, (na, nb, nc), limit)
        if limit < len(glove):
            full = glove.analogy(na, nb, nc, 1)[0]
            same = "the same" if full.word == best.word else f"**{html.escape(full.word)}**"
            st.markdown(f"Over all 400,000 words the answer is {same} "
                        f"(here, in the top {limit:,}: **{html.escape(best.word)}**).")
        left, right = st.columns([2, 3])
        left.dataframe(pd.DataFrame({
            "rank": range(1, len(answers) + 1), "word": [m.word for m in answers],
            "cosine": [round(m.score, 4) for m in answers],
        }), hide_index=True, height=min(35 * (len(answers) + 1) + 3, 420))
        shown = [na, nb, nc, best.word] + [m.word for m in answers[1:6]]
        arrows = [(na, nb, "#2ca02c"), (nc, best.word, "#ff7f0e")]
        if exp and exp in glove and exp != best.word and exp not in (na, nb, nc):
            shown.append(exp)
            arrows.append((nc, exp, "#9467bd"))
        fig = draw.pca_figure(glove, shown, 2, ui.label_size(), ui.projector(),
                              highlight={na, nb, nc, best.word}, arrows=arrows,
                              title="a→b (green) and c→answer (orange)")
        with right:
            ui.chart(fig, height=520)
        st.markdown(
            "If the relation *a → b* is one direction in the space, *c → answer* runs "
            "parallel to it and the four words make a parallelogram. PCA is a linear map, "
            "so parallel arrows stay parallel in the plot (their lengths are squeezed by the "
            "dimensions PCA leaves out)."
        )


def directions_section(glove) -> None:
    ui.preset_picker("Preset", "dir_preset", DIRECTIONS)
    cols = st.columns(2)
    pos_text = cols[0].text_input("Positive end (words, averaged)", key="dir_pos", max_chars=200)
    neg_text = cols[1].text_input("Negative end (words, averaged)", key="dir_neg", max_chars=200)
    place_text = st.text_area("Words to place along it", key="dir_words", max_chars=2_000)
    pos, neg = embeddings.parse_words(pos_text, 10), embeddings.parse_words(neg_text, 10)
    place = embeddings.parse_words(place_text, 60)
    try:
        direction = glove.direction(pos, neg)
        missing = [w for w in place if w not in glove]
        for w in missing:
            st.warning(UnknownWord(w, glove.suggest(w)).message(ui.inert))
        place = [w for w in place if w in glove]
        if not place:
            st.warning("Type some words GloVe knows to place them on the direction.")
        else:
            score = glove.project(place, direction)  # (n,)
            fig = draw.direction_figure(place, score, pos, neg)
            ui.chart(fig, height=140 + 30 * len(place))
            st.markdown(
                "The direction is the difference of the two ends' average unit vectors; each "
                "word's bar is its cosine with that direction. Words that say nothing about "
                "the contrast sit near 0; the he–she preset shows the gender bias GloVe "
                "learned from its text (*nurse*, *homemaker* lean to *she*)."
            )
    except UnknownWord as error:
        st.error(error.message(ui.inert))
    except ValueError as error:
        st.warning(str(error))


def word_map_section(glove, limit: int) -> None:
    st.session_state.setdefault("map_words", "")
    mode = st.radio("Words", ["A word and its neighbours", "My own list"], horizontal=True,
                    key="map_mode")
    dims = st.radio("Dimensions", [2, 3], horizontal=True, format_func=lambda d: f"{d}D",
                    key="map_dims")
    words: list[str] = []
    centre = set()
    if mode == "A word and its neighbours":
        st.session_state.setdefault("map_centre", "king")
        centre_word = st.text_input("Word", key="map_centre", max_chars=60)
        n = st.slider("Neighbours", 5, 50, 20, key="map_n")
        try:
            near = glove.neighbours(centre_word, n, limit=limit)
            centre = {embeddings.normalise_word(centre_word)}
            words = [*centre, *[m.word for m in near]]
        except UnknownWord as error:
            show_unknown(error, "map_centre")
    else:
        typed = st.text_area(
            "Words (spaces or commas)", key="map_words", max_chars=3_000,
            placeholder="king queen man woman prince princess uncle aunt",
        )
        words = embeddings.parse_words(typed, 100)
        for w in [w for w in words if w not in glove]:
            st.warning(UnknownWord(w, glove.suggest(w)).message(ui.inert))
        words = [w for w in words if w in glove]
    if len(words) >= max(2, dims):
        fig = draw.pca_figure(glove, words, dims, ui.label_size(), ui.projector(),
                              highlight=centre, title=f"{len(words)} words")
        ui.chart(fig, height=620)
        st.markdown(
            "PCA is fitted on these words only, so the axes are the two (or three) directions "
            "along which *this* set varies most; the title says how much of the set's "
            "variance they keep. What is near in the plot is usually near in 50 dimensions, "
            "but not always: check the cosine in the Neighbours tab."
        )
    elif mode == "My own list":
        st.info(f"Type at least {max(2, dims)} words GloVe knows.")


# --------------------------------------------------------------------------- page

st.title("GloVe explorer · 词向量")
loaded = ui.available(ui.glove)
if loaded is None:
    st.stop()
glove = loaded.vectors
st.caption(
    f"{len(glove):,} real GloVe vectors (glove.6B.50d: Wikipedia 2014 + Gigaword 5, "
    f"{glove.dim} dimensions), loaded once per server in {loaded.seconds:.1f} s."
)
limit, k = search_settings(glove)
tab_nb, tab_an, tab_dir, tab_map = st.tabs([
    "Neighbours · 近邻", "Analogies · 类比", "Directions · 方向", "Word map · 词图",
])
with tab_nb:
    neighbours_section(glove, limit, k)
with tab_an:
    analogies_section(glove, limit, k)
with tab_dir:
    directions_section(glove)
with tab_map:
    word_map_section(glove, limit)
ui.notice(
    "cosine ranks words by direction, not length; the analogy arrows run nearly parallel "
    "when a relation is one direction in the space; and restricting to frequent words "
    "trades rare but correct answers for everyday ones."
)
