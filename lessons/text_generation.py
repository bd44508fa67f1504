"""Char-RNN on Shakespeare: sample from the shipped model.

The shipped model is loaded once per server (st.cache_resource on its folder and date) and
only read; generations are cached by their settings. Training one live, and the lesson's
recipe, are the next page (lessons/char_training.py).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from explainers import cells, chargen, charsample, paths
from lessons import links, ui
from lessons.charts import text as charts
from lessons.i18n import N_, _, explain
from lessons.widgets import attribution_view, model_diagram, sampler

DEFAULT_PROMPT = "ROMEO:"
SAMPLING = {"gen_prompt": DEFAULT_PROMPT, "gen_len": 300, "gen_seed": 42,
            "gen_mode": "confidence"}  # the shipped model's other widgets: key -> default
LENGTHS = (20, 1_000)  # characters to write: a line to a page
SEEDS = (0, 2**31 - 1)
COLOURINGS = {"confidence": N_("confidence"), "unit": N_("a hidden unit")}  # colour the text by
LINK = links.Link(  # the prompt: all the text area takes, so every view has a working link
    links.text("prompt", "gen_prompt", charsample.MAX_PROMPT),
    links.number("len", "gen_len", *LENGTHS),
    links.number("seed", "gen_seed", *SEEDS), links.choice("colour", "gen_mode", (*COLOURINGS,)),
    *sampler.link_fields("gen"),  # how each next character is chosen: mode, temp, k
    attribution_view.link_field(attribution_view.CHAR_KEY),
    model_diagram.link_field("diagram", "gen"))  # the shipped model: layers or time steps


@st.cache_resource(show_spinner=False)
def shipped(folder: str, version: float) -> chargen.ShippedModel:
    """The shipped model (read only), its vocabulary and metadata; `version` is its date."""
    return chargen.load_shipped(Path(folder))


@st.cache_data(show_spinner=False, max_entries=16)  # ≤ 3 MB each
def shipped_generation(prompt: str, length: int, seed: int, folder: str, version: float,
                       how: sampler.Choice) -> charsample.Generation:
    loaded = shipped(folder, version)
    return charsample.generate(loaded.model, loaded.vocab, prompt, length, how.temperature,
                               seed, mode=how.mode, k=how.k)


def show_generation(gen: charsample.Generation, vocab: chargen.CharVocab) -> int:
    """Coloured text (the main picture), the colouring choice and the top-5 chart; returns
    the position inspected."""
    shown = st.container()  # the text and its legend, drawn once the widgets below are read
    mode = st.radio(_("Colour the text by"), tuple(COLOURINGS), horizontal=True,
                    format_func=lambda code: _(COLOURINGS[code]), key="gen_mode")
    units, unit = gen.hidden.shape[1], None
    if mode == "confidence":
        values, signed = gen.prob, False
    else:
        a, b = st.columns([2, 1])
        feature = a.selectbox(_("Suggest units that track…"), tuple(charsample.UNIT_FEATURES),
                              format_func=lambda f: _(charsample.UNIT_FEATURES[f].label),
                              key="gen_feature")
        suggestions = charsample.units_tracking(gen.hidden, gen.text, feature)
        best = ", ".join(_("unit {unit} (r = {r:+.2f})", unit=u, r=r) for u, r in suggestions)
        a.caption(_("Best matches on this text (correlation r): {units}", units=best))
        unit = b.number_input(_("Hidden unit (0-{last})", last=units - 1), 0, units - 1,
                              value=suggestions[0][0], key=f"gen_unit_{feature}")
        values, signed = gen.hidden[:, int(unit)], True
    position = st.slider(_("Position to inspect"), 0, max(len(gen.text) - 2, 1),
                         max(gen.n_prompt - 1, 0), key=f"gen_pos_{len(gen.text)}",  # new range
                         help=_("The framed character: after reading it, what did the model "
                                "expect next?"))
    shown.html(charts.colour_html(gen.text, values, signed, gen.n_prompt, highlight=position))
    shown.caption(charts.colour_legend(unit, _))
    context = repr(gen.text[max(0, position - 39): position + 1])  # the last 40 characters
    st.markdown(_("After reading {context} the model expects:",
                  context=charts.code_span("…" + context)))
    ui.chart(charts.top_k_figure(gen, vocab.chars, position, _), height=320)
    return position


def controls(loaded: chargen.ShippedModel) -> tuple[str, int, int, sampler.Choice]:
    """The seed text and sampling settings, the lesson's sentence and the model with every
    character it knows; returns (prompt, length, seed, how each character is chosen)."""
    for key, value in SAMPLING.items():
        st.session_state.setdefault(key, value)
    prompt = st.text_area(_("Seed text"), max_chars=charsample.MAX_PROMPT, height=100,
                          key="gen_prompt")
    how = sampler.choose("gen")
    length = st.slider(_("Characters to write"), *LENGTHS, step=10, key="gen_len")
    seed = st.number_input(_("Seed"), *SEEDS, key="gen_seed",
                           help=_("The same seed, prompt and settings write the same text."))
    ui.lesson_says("sampling")
    vocab, info = loaded.vocab, loaded.info
    st.markdown(_("A **{cell}** with **{units} units**, trained on the Shakespeare text for "
                  "{epochs} epochs (loss {loss}; on held-out text {held_out}). It knows "
                  "**{size} characters**:", cell=cells.display_name(loaded.config.cell),
                  units=loaded.config.units, epochs=info.epochs_finished or "?",
                  loss=info.final_loss or "?", held_out=info.held_out_loss or "?",
                  size=vocab.size))
    st.code("".join(charts.shown_char(c) for c in vocab.chars), language=None, wrap_lines=True)
    st.caption(_("Show, then explain: those are all the symbols it can read or write, sorted; a "
                 "character's id is its place in that list (↵ = new line, ␣ = space)."))
    return prompt, int(length), int(seed), how


def shipped_section() -> chargen.ShippedModel | None:
    """Write with the shipped model, its settings and description beside the text; returns
    the model (None when it is missing)."""
    st.header(_("1 · Generate with the shipped model"))
    version = chargen.shipped_version()
    if version is None:
        st.warning(_("The shipped model (assets/{file}) is missing. Rebuild it with `python "
                     "scripts/train_char_rnn.py` (about 15 minutes on 2 CPU cores).",
                     file=chargen.MODEL_FILE))
        return None
    try:
        with st.spinner(_("Loading the shipped model…")):
            loaded = shipped(str(paths.ASSETS), version)
    except Exception as error:  # a damaged asset: say so, keep the rest of the page
        st.error(_("The shipped model could not be loaded: {error}", error=ui.inert(str(error))))
        return None
    picture, beside = st.columns([2, 1], gap="large")
    with beside:
        prompt, length, seed, how = controls(loaded)
    with picture:
        try:
            with st.spinner(_("Writing, one character at a time…")):
                gen = shipped_generation(prompt, length, seed, str(paths.ASSETS), version, how)
        except chargen.CharError as error:
            (st.warning if error.code == "empty_prompt" else st.error)(explain(error))
            return loaded
        position = show_generation(gen, loaded.vocab)
    st.subheader(_("Temperature, greedy and top-k"))
    ui.chart(charts.temperature_figure(gen, loaded.vocab.chars, position, _=_), height=340)
    sampler.side_by_side(lambda choice: shipped_generation(  # same prompt and seed, T varies
        prompt, sampler.SIDE_CHARS, seed, str(paths.ASSETS), version, choice).text, how)
    attribution_view.char_section(loaded.model, (str(paths.ASSETS), version), gen.text,
                                  loaded.vocab.encode(gen.text), position)
    model_diagram.show("gen", ("shipped", version), lambda: loaded.model, summary=True,
                       tokens=tuple(map(charts.shown_char, prompt[:6])))  # the seed's first
    return loaded


# --------------------------------------------------------------------------- page

st.title(_("Char-RNN on Shakespeare"))
LINK.restore()
st.markdown(_(
    "A character-level model reads text one character at a time and, after each one, gives a "
    "probability for every possible next character. To write, it samples one character, feeds "
    "it back in, and repeats — carrying its hidden state along, so it remembers what it wrote a "
    "few lines ago."))
shipped_section()
ui.notice(_(
    "confidence is high inside words and low at their starts (many words could follow a space); "
    "the model learned speaker names in capitals, line breaks and punctuation on its own, from "
    "nothing but next-character prediction."))
