"""One model diagram for every page that shows a model: the layers as boxes (Keras's
`plot_model`, drawn with Plotly), or, for a recurrent model, what each time step reads;
with the model's `model.summary()` under it (full width: its table is 76 characters wide).

    model_diagram.show("p", spec, lambda: params.keras_model(spec), summary=True)

`key` names the model's architecture (a frozen config, or a tuple naming a file and its
date): the diagram is read from the model once per key and server (`st.cache_data`; `build`
is called only then), and each figure is built once per key and language (`figure_cache`),
so a rerun builds nothing. The view switch is a fragment: it reruns only this widget. Its
state is `<prefix>_diagram`, linked with `link_field` (add it to the page's `LINK`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Hashable
from dataclasses import dataclass

import streamlit as st

from explainers import diagram, models
from lessons import figure_cache, links, ui
from lessons.charts import diagram as charts
from lessons.i18n import N_, _

VIEWS = {"layers": N_("Layer by layer"), "steps": N_("Time steps")}  # view code -> its label
WORDS = ("this", "film", "is", "not", "bad")  # five tokens: "not" only means much with "bad"
MAX_TOKENS = 12  # steps drawn: enough to see the pattern, few enough to read every arrow
LAYERS_NOTE = N_("Every box is one layer with the shape it outputs (None = any size: the "
                 "batch, or a sequence length left free) and its parameters, as "
                 "`model.summary()` counts them; a Bidirectional layer is opened into the "
                 "forward and backward layers it holds, each with its own weights.")
STEPS_NOTE = N_("Each token is one column (a review has up to 500); {n} are drawn here. A "
                "forward layer at step t has read the tokens up to t, a backward one those "
                "from t to the end; a layer above reads, at each step, what the layer below "
                "output there. A last layer with return_sequences passes on every step (a "
                "char-RNN predicts after each character); without it, one vector: the "
                "forward state after the last token and the backward state after the first.")


def link_field(name: str, prefix: str) -> links.Field:
    """The view (layers or time steps) as a page's link field."""
    return links.choice(name, f"{prefix}_diagram", tuple(VIEWS))


@dataclass(frozen=True)
class Drawn:
    diagram: diagram.Diagram
    summary: str  # the built model's model.summary()
    tag: str  # a digest of the diagram: keys its figures cheaply (no dataclass to hash)


@st.cache_resource(show_spinner=False, max_entries=64)  # frozen: shared, never copied
def read(key: Hashable, _build: Callable[[], object]) -> Drawn:
    """The diagram and the printed summary of `_build()`'s model, once per `key`."""
    model = _build()
    drawn = diagram.layers(model)
    return Drawn(drawn, models.summary_text(model),
                 hashlib.sha256(repr(drawn).encode()).hexdigest())


def show(prefix: str, key: Hashable, build: Callable[[], object], *,
         summary: str | bool = False, tokens: tuple[str, ...] = WORDS) -> None:
    """The view switch and the diagram, with a model.summary() under it: `summary` is its
    text, or True for the built model's own, or False for none (the page shows it)."""
    try:
        with st.spinner(_("Drawing the model…")):
            drawn = read(key, build)
    except (ValueError, TypeError, AttributeError, MemoryError) as error:  # Keras cannot
        st.error(_("This model cannot be drawn: {why}", why=ui.inert(str(error))))
        return
    text = drawn.summary if summary is True else summary or None
    views(prefix, drawn, text, tuple(tokens)[:MAX_TOKENS] or WORDS)


@st.fragment
def views(prefix: str, drawn: Drawn, summary: str | None, tokens: tuple[str, ...]) -> None:
    key, model = f"{prefix}_diagram", drawn.diagram
    options = tuple(VIEWS) if model.recurrent else ("layers",)
    if st.session_state.get(key) not in options:  # a link asked for steps of a pooling model
        st.session_state[key] = options[0]
    st.subheader(_("The model as a diagram"))
    view = st.segmented_control(_("Draw"), options, key=key, label_visibility="collapsed",
                                format_func=lambda code: _(VIEWS[code])) or options[0]
    if view == "steps":
        figure_cache.keyed(("diagram_steps", drawn.tag, tokens), lambda: charts.steps_figure(
            diagram.unroll(model, tokens), _), charts.steps_height(model))
        st.caption(_(STEPS_NOTE, n=len(tokens)))
    else:
        figure_cache.keyed(("diagram_layers", drawn.tag), lambda: charts.layers_figure(
            model, _), charts.layers_height(model))
        st.caption(_(LAYERS_NOTE))
    if summary:  # under the picture, full width: its table is 76 characters wide
        st.code(summary, language=None)
