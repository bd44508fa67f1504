"""What every page shares: the page list, the sidebar, projector mode and chart styling.

Pages import this module (`from lessons import ui`); it is never a page itself.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import streamlit as st

from explainers import corpus, data, embeddings, lesson
from lessons import links
from lessons.charts.frozen import Frozen
from lessons.echo import ECHO_LIMIT, inert  # noqa: F401 (pages echo user text as ui.inert)
from lessons.i18n import LANG_KEY, LANGUAGES, N_, _, explain, language

T = TypeVar("T")
PROJECTOR_KEY = "projector_mode"  # session-state key of the sidebar toggle
CURRENT_RUN_KEY = "current_run_id"  # session-state key: the lab run other pages inspect
CHART_FONT = 14  # Plotly font size on a laptop screen
PROJECTOR_FONT = 22  # ... and on a classroom projector, readable from the back row
PROJECTOR_CSS = """<style>
[data-testid='stMain'] {font-size: 22px;}
[data-testid='stMain'] [data-testid='stMarkdownContainer'] p,
[data-testid='stMain'] [data-testid='stMarkdownContainer'] li {font-size: 1.35rem;}
[data-testid='stMain'] h1 {font-size: 3.2rem;}
[data-testid='stMain'] h2, [data-testid='stMain'] h3 {font-size: 2.2rem;}
[data-testid='stMain'] h4 {font-size: 1.8rem;}
[data-testid='stMain'] code {font-size: 1.2rem;}
[data-testid='stMetricValue'] {font-size: 2.8rem;}
[data-testid='stMain'] [data-testid='stCaptionContainer'] {font-size: 1.1rem;}
[data-testid='stMainBlockContainer'] {max-width: 100%; padding-left: 2rem; padding-right: 2rem;}
</style>"""  # main area only: the sidebar keeps its size so the page list stays readable


@dataclass(frozen=True)
class Lesson:
    path: str  # the page script, relative to app.py
    title: str  # English source (N_), shown in the reader's language; names the URL too
    icon: str
    summary: str  # one line for the home page's lesson list


SECTIONS: dict[str, list[Lesson]] = {
    "": [Lesson("lessons/home.py", N_("Home"), "🏠", N_("What the app teaches and what is here"))],
    N_("Embeddings"): [
        Lesson("lessons/text_to_numbers.py", N_("From text to numbers"), "🔤",
               N_("One review's words, ranks, ids and padded row; a character window")),
        Lesson("lessons/embeddings_why.py", N_("Why embeddings"), "🧮",
               N_("One-hot vs ids vs an Embedding lookup: memory and similarity")),
        Lesson("lessons/glove_explorer.py", N_("GloVe explorer"), "🧭",
               N_("Nearest neighbours, analogies and directions in 400,000 real vectors")),
        Lesson("lessons/learned_embeddings.py", N_("Learned embeddings"), "🎯",
               N_("What a sentiment model's own embedding learned, beside GloVe")),
        Lesson("lessons/transfer_learning.py", N_("Transfer learning"), "🔁",
               N_("Random vs frozen vs fine-tuned GloVe when reviews are scarce")),
    ],
    N_("Recurrent networks"): [
        Lesson("lessons/word_order.py", N_("Why word order matters"), "🔀",
               N_("Shuffle a review: average pooling does not notice, an LSTM does")),
        Lesson("lessons/sentiment_lab.py", N_("Sentiment lab: train live"), "🧪",
               N_("Build, train and compare models on the real IMDB reviews")),
        Lesson("lessons/rnn_inside.py", N_("Inside a SimpleRNN"), "🔬",
               N_("One step in numbers, vanishing gradients, and why the lesson's RNN failed")),
        Lesson("lessons/parameters.py", N_("Parameter counts"), "🔢",
               N_("Every layer's formula beside model.summary()")),
    ],
    N_("LSTM"): [
        Lesson("lessons/lstm_step.py", N_("One LSTM step by hand"), "✍️",
               N_("The gate equations on a toy cell, every product shown, checked against Keras")),
        Lesson("lessons/lstm_gates.py", N_("LSTM gates, token by token"), "🚪",
               N_("Step through forget, input, candidate and output gates on any review")),
    ],
    N_("Text generation"): [
        Lesson("lessons/text_generation.py", N_("Char-RNN on Shakespeare"), "✒️",
               N_("Sample from a character model one character at a time")),
        Lesson("lessons/char_training.py", N_("Train a char-RNN"), "🏋️",
               N_("Train the lesson's char model or a faster one live, epoch by epoch")),
    ],
    N_("Reference"): [
        Lesson("lessons/glossary.py", N_("Glossary & lesson numbers"), "📖",
               N_("Every term in English and Chinese, every number the lesson printed")),
        Lesson("lessons/errata.py", N_("The lesson's mistakes"), "🩹",
               N_("Six things the tutorial gets wrong, each shown on the real data")),
    ],
}


def lessons() -> list[Lesson]:
    """Every lesson page except home, in reading order."""
    return [lesson for section, items in SECTIONS.items() if section for lesson in items]


def url_path(lesson: Lesson) -> str:
    """The page's address, from its English title ("Parameter counts" -> parameter-counts).

    The scripts live in lessons/, not pages/: beside a folder called pages/, Streamlit 1.67
    treats a fresh server's first session as an old-style multipage app, so a first visit to
    a page's address showed "Page not found" over the right page (streamlit#8860).
    """
    english = lesson.title.split(" · ")[0].lower()
    return re.sub(r"[^a-z0-9]+", "-", english).strip("-")


def navigation_pages() -> dict[str, list[st.Page]]:
    return {
        _(section) if section else "": [
            st.Page(lesson.path, title=_(lesson.title), icon=lesson.icon,
                    url_path=url_path(lesson), default=lesson.path == "lessons/home.py")
            for lesson in items
        ]
        for section, items in SECTIONS.items()
    }


def projector() -> bool:
    """True when the user switched on projector mode (bigger text and charts)."""
    return bool(st.session_state.get(PROJECTOR_KEY, False))


PROJECTOR_FIELD = links.flag("projector", PROJECTOR_KEY)  # ?projector=1 in a link
COMMON = (links.LANGUAGE_FIELD, PROJECTOR_FIELD)  # linked on every page (app.py)


def sidebar() -> None:
    """The language switch and projector mode, restored from a link first."""
    links.restore_fields(COMMON)
    st.session_state.setdefault(LANG_KEY, language())
    with st.sidebar:
        st.segmented_control(
            "Language · 语言", list(LANGUAGES), format_func=LANGUAGES.get, key=LANG_KEY,
            required=True,
        )
        st.toggle(
            _("Projector mode"), key=PROJECTOR_KEY,
            help=_("Larger text, thicker lines and bigger chart labels for a classroom screen."),
        )
    links.publish_now(COMMON)
    if projector():
        st.markdown(PROJECTOR_CSS, unsafe_allow_html=True)


def share_view() -> None:
    """Write this view into the address bar and offer its link (app.py, after the page)."""
    params = links.publish(COMMON)
    with st.sidebar.popover(_("🔗 Link to this view"), width="stretch"):
        st.code(links.address(params), language=None, wrap_lines=True)
        st.caption(_("Copy it with the button beside it. Whoever opens it sees this page as it "
                     "is now, in this language (a running training is not part of a link)."))


def style(fig, height: int | None = None):
    """Apply the app's Plotly styling (projector-aware) and return the figure."""
    size = PROJECTOR_FONT if projector() else CHART_FONT
    fig.update_layout(
        font={"size": size},
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        legend={"font": {"size": size}},
        template="plotly_white",
    )
    if height is not None:
        fig.update_layout(height=int(height * (1.3 if projector() else 1.0)))
    if projector():
        fig.update_traces(selector={"type": "scatter"}, line={"width": 4})
    return fig


TEMPLATE = "plotly_white"  # every chart's Plotly template


@functools.cache
def template_spec() -> dict[str, Any]:
    """The `TEMPLATE` as the dict Plotly writes into a figure (built once per process)."""
    import plotly.graph_objects as go

    return go.Figure(layout={"template": TEMPLATE}).to_dict()["layout"]["template"]


def _merged(old: Any, new: dict[str, Any]) -> dict[str, Any]:
    """`old` (a dict or nothing) updated by `new`, nested dicts merged, as Plotly's `update`."""
    out = dict(old) if isinstance(old, dict) else {}
    for key, value in new.items():
        out[key] = _merged(out.get(key), value) if isinstance(value, dict) else value
    return out


def styled(fig, height: int | None = None, projector_mode: bool | None = None) -> Frozen:
    """`style(fig, height)` done on the figure's dict: the same spec, without Plotly's
    validating object model (a template set through `update_layout` is deep-copied each
    time). `fig` is a Plotly figure or a `Frozen`; a Frozen's shared dict is copied, not
    changed."""
    big = projector() if projector_mode is None else projector_mode
    spec = fig.to_dict()
    size = PROJECTOR_FONT if big else CHART_FONT
    layout = _merged(spec.get("layout"), {
        "font": {"size": size}, "margin": {"l": 10, "r": 10, "t": 50, "b": 10},
        "legend": {"font": {"size": size}},
    })
    layout["template"] = template_spec()
    if height is not None:
        layout["height"] = int(height * (1.3 if big else 1.0))
    data = spec.get("data", [])
    if big:
        data = [_merged(trace, {"line": {"width": 4}}) if trace.get("type") == "scatter"
                else trace for trace in data]
    return Frozen({**spec, "data": data, "layout": layout})


def label_size() -> int:
    """Font size of text drawn inside a chart (word labels)."""
    return PROJECTOR_FONT if projector() else CHART_FONT


def available(load: Callable[..., T], *args) -> T | None:
    """`load(*args)`, or None after saying which data set is missing and how to get it."""
    try:
        return load(*args)
    except data.DataUnavailable as error:  # GloVe's GloveUnavailable is one too
        data_missing(error)
        return None


def preset_picker(label: str, key: str, presets: Mapping[str, Mapping[str, object]],
                  **kwargs) -> str:
    """A selectbox of presets, each of which fills several widgets at once.

    `presets[name]` maps widget keys to the values that preset gives them. On the first
    visit the first preset fills them; choosing another preset refills them; in between the
    widgets keep whatever the user changed.
    """
    def fill() -> None:
        st.session_state.update(presets[st.session_state[key]])

    st.session_state.setdefault(key, next(iter(presets)))
    if any(k not in st.session_state for k in presets[st.session_state[key]]):
        fill()
    return st.selectbox(label, list(presets), key=key, on_change=fill, **kwargs)


def chart(fig, height: int | None = None, **kwargs) -> None:
    """Draw a Plotly figure (or a `figure_cache.cached` one) with the app's styling, full width.
    In projector mode without Streamlit's chart theme, which would shrink the ticks and
    titles back to laptop size."""
    theme = None if projector() else "streamlit"
    st.plotly_chart(styled(fig, height), width="stretch", theme=theme, **kwargs)


def lesson_says(saying: str) -> None:
    """The lesson's own sentence for this view (a key of `lesson.SAYINGS`), as a quote."""
    st.markdown(_("> 📘 **The lesson:** {text}", text=_(lesson.SAYINGS[saying])))


NOTICE_KEY = "notice"  # the closing note's container: browser tests wait for .st-key-notice


def notice(text: str) -> None:
    """The short 'what to notice' note that ends every page (`text` already translated).

    It also writes the page's state into the address bar, for pages run alone (tests); in
    the app, app.py does it after every page, also after one that stopped early."""
    with st.container(key=NOTICE_KEY):
        st.info(_("**What to notice** — {text}", text=text), icon="👀")
    links.publish(COMMON)


def data_missing(error: Exception) -> None:
    """Say clearly that a data set is missing and how to get it (never a traceback)."""
    st.warning(_("**Data not available on this machine.** {why}", why=explain(error)),
               icon="📦")


def imdb(config: data.ImdbConfig) -> data.ImdbData:
    """IMDB prepared once per server for each config (raises data.DataUnavailable)."""
    with st.spinner(_("Loading the IMDB reviews…")):
        return _imdb(config)


@st.cache_resource(show_spinner=False, max_entries=4)
def _imdb(config: data.ImdbConfig) -> data.ImdbData:
    return data.load_imdb(config)


def imdb_reviews(split: str = "test") -> tuple[list[str], np.ndarray]:
    """Raw review texts and labels of a split, in `data.load_imdb`'s order: one copy per
    server for each place they are read from, so data that appears later is seen (raises
    data.DataUnavailable)."""
    with st.spinner(_("Loading the test reviews…")):
        return _imdb_reviews(split, str(corpus.locate_imdb()))


@st.cache_resource(show_spinner=False, max_entries=2)
def _imdb_reviews(split: str, location: str) -> tuple[list[str], np.ndarray]:
    return data.load_imdb_reviews(split)  # `location` only keys the cache


def glove():
    """GloVe 6B 50d as `embeddings.GloveLoad`, once per server (raises GloveUnavailable)."""
    with st.spinner(_("Loading 400,000 GloVe vectors…")):
        return _glove()


@st.cache_resource(show_spinner=False)
def _glove():
    return embeddings.load_glove()


def glove_search(method: str, *args, **kwargs):
    """`ui.glove().vectors.<method>(*args, **kwargs)` (neighbours, analogy, rank_of...): a
    search over 400,000 vectors, kept once per server by its arguments. An UnknownWord is
    raised again on every call (errors are not kept)."""
    return _glove_search(method, args, kwargs)


@st.cache_data(max_entries=1_024, show_spinner=False)
def _glove_search(method: str, args: tuple, kwargs: dict):
    return getattr(_glove().vectors, method)(*args, **kwargs)
