"""What every page shares: the page list, the sidebar, projector mode and chart styling.

Pages import this module (`from pages import ui`); it is never a page itself.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import streamlit as st

from explainers import corpus, data, embeddings, live, runs

T = TypeVar("T")
PROJECTOR_KEY = "projector_mode"  # session-state key of the sidebar toggle
CURRENT_RUN_KEY = "current_run_id"  # session-state key: the lab run other pages inspect
LIVE_REFRESH_SECONDS = 2.0  # a live panel's redraw; each one takes CPU from the training
STOPPABLE = (live.Phase.STARTING, live.Phase.RUNNING)  # not while scoring or saving
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
    title: str  # English first; the Chinese term follows for readers of the tutorial
    icon: str
    summary: str  # one line for the home page's lesson list


SECTIONS: dict[str, list[Lesson]] = {
    "": [Lesson("pages/home.py", "Home · 首页", "🏠", "What the app teaches and what is here")],
    "Embeddings · 词嵌入": [
        Lesson("pages/embeddings_why.py", "Why embeddings · 为什么要嵌入", "🧮",
               "One-hot vs ids vs an Embedding lookup: memory and similarity"),
        Lesson("pages/glove_explorer.py", "GloVe explorer · 词向量", "🧭",
               "Nearest neighbours, analogies and directions in 400,000 real vectors"),
        Lesson("pages/learned_embeddings.py", "Learned embeddings · 学到的嵌入", "🎯",
               "What a sentiment model's own embedding learned, beside GloVe"),
        Lesson("pages/transfer_learning.py", "Transfer learning · 迁移学习", "🔁",
               "Random vs frozen vs fine-tuned GloVe when reviews are scarce"),
    ],
    "Recurrent networks · 循环神经网络": [
        Lesson("pages/sentiment_lab.py", "Sentiment lab: train live · 实时训练", "🧪",
               "Build, train and compare models on the real IMDB reviews"),
        Lesson("pages/rnn_inside.py", "Inside a SimpleRNN · RNN 内部", "🔬",
               "One step in numbers, vanishing gradients, and why the lesson's RNN failed"),
        Lesson("pages/parameters.py", "Parameter counts · 参数量", "🔢",
               "Every layer's formula beside model.summary()"),
    ],
    "LSTM · 长短期记忆网络": [
        Lesson("pages/lstm_gates.py", "LSTM gates, token by token · 门控", "🚪",
               "Step through forget, input, candidate and output gates on any review"),
    ],
    "Text generation · 文本生成": [
        Lesson("pages/text_generation.py", "Char-RNN on Shakespeare · 字符级生成", "✒️",
               "Train a character model and sample from it one character at a time"),
    ],
    "Reference · 参考": [
        Lesson("pages/glossary.py", "Glossary & lesson numbers · 术语表", "📖",
               "Every term in English and Chinese, every number the lesson printed"),
    ],
}


def lessons() -> list[Lesson]:
    """Every lesson page except home, in reading order."""
    return [lesson for section, items in SECTIONS.items() if section for lesson in items]


def url_path(lesson: Lesson) -> str:
    """The page's address, from its English title ("Parameter counts" -> parameter-counts).

    It must differ from the file's stem: for /stem Streamlit would run pages/stem.py alone,
    skipping app.py (no navigation, no sidebar), because the folder is called pages/.
    """
    english = lesson.title.split(" · ")[0].lower()
    return re.sub(r"[^a-z0-9]+", "-", english).strip("-")


def navigation_pages() -> dict[str, list[st.Page]]:
    return {
        section: [
            st.Page(lesson.path, title=lesson.title, icon=lesson.icon,
                    url_path=url_path(lesson), default=lesson.path == "pages/home.py")
            for lesson in items
        ]
        for section, items in SECTIONS.items()
    }


def projector() -> bool:
    """True when the user switched on projector mode (bigger text and charts)."""
    return bool(st.session_state.get(PROJECTOR_KEY, False))


def sidebar() -> None:
    with st.sidebar:
        st.toggle(
            "Projector mode · 投影模式", key=PROJECTOR_KEY,
            help="Larger text, thicker lines and bigger chart labels for a classroom screen.",
        )
    if projector():
        st.markdown(PROJECTOR_CSS, unsafe_allow_html=True)


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


MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")  # every ASCII punctuation mark
ECHO_LIMIT = 200  # characters of user text echoed back in a message


def inert(text: str, limit: int = ECHO_LIMIT) -> str:
    """User text made safe to echo inside Markdown (st.markdown, st.warning, st.error...).

    Every ASCII punctuation mark is backslash-escaped, so no image, link, HTML tag, LaTeX
    ($), emoji shortcode, emphasis or heading can form, and line breaks become spaces; the
    reader sees exactly the characters that were typed, cut to `limit`.
    """
    text = " ".join(str(text).split())
    if len(text) > limit:
        text = text[:limit] + "…"
    return MARKDOWN_PUNCTUATION.sub(r"\\\1", text)


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


def ended(key: str) -> Any:
    """The result of this session's live job under `key` once it has ended, else None.

    The ended job leaves the session, so its result is taken once (the caller keeps it); a
    job that failed is reported ("Training failed: ...") and gives None.
    """
    job = st.session_state.get(key)
    if job is None or job.running:
        return None
    del st.session_state[key]
    if job.error is not None:
        st.error(f"Training failed: {job.error}")
        return None
    return job.result


def chart(fig, height: int | None = None, **kwargs) -> None:
    """Draw a Plotly figure with the app's styling, full width."""
    st.plotly_chart(style(fig, height), width="stretch", **kwargs)


def notice(text: str) -> None:
    """The short 'what to notice' note that ends every page."""
    st.info(f"**What to notice · 注意** — {text}", icon="👀")


def live_label(snap: live.Snapshot) -> str:
    """The progress bar's words for a live job: its phase, epoch, batch and latest loss."""
    if snap.phase == live.Phase.FINISHING:
        return f"{snap.stage[:1].upper()}{snap.stage[1:]}…"
    if snap.phase == live.Phase.STARTING:
        return "Building the model and the input pipeline…"
    if not snap.batches:
        return "Preparing the first batch (TensorFlow compiles the model once)…"
    epochs = f" of {snap.epochs}" if snap.epochs else ""
    label = (f"Epoch {min(snap.epoch + 1, snap.epochs or snap.epoch + 1)}{epochs} · batch "
             f"{snap.batch} of {snap.batches}")
    loss = snap.batch_metrics.get("loss")
    return label if math.isnan(loss) else f"{label} · loss {loss:.3f}"


def live_panel(job: live.Job, key: str,
               draw: Callable[[live.Snapshot], None] | None = None,
               label: Callable[[live.Snapshot], str] = live_label,
               refresh: float = LIVE_REFRESH_SECONDS) -> None:
    """One live job's panel, redrawn every `refresh` seconds while the job runs.

    The progress bar with `label(snapshot)`, Elapsed, Time left, a Stop button (cooperative:
    the job ends within a batch and keeps what it learned; disabled once asked) and the
    page's own `draw(snapshot)` (its live chart). When the job has ended the whole page
    reruns, so it can show the results. `key` keeps two panels' Stop buttons apart.
    """

    def panel() -> None:
        snap = job.snapshot()
        st.progress(snap.progress, text=label(snap))
        left = snap.remaining_seconds
        a, b, c = st.columns(3)
        a.metric("Elapsed · 已用时间", f"{snap.elapsed:.0f} s")
        b.metric("Time left · 剩余时间", "…" if left is None else f"{left:.0f} s")
        with c:
            st.button("⏹ Stop · 停止", key=f"{key}_stop", on_click=job.stop,
                      disabled=snap.stopping or snap.phase not in STOPPABLE,
                      help="Ends training within a batch and keeps what it learned so far.")
            if snap.stopping and snap.running:
                st.caption("Stopping after this batch…")
        if draw is not None:
            draw(snap)
        if not snap.running:
            st.rerun()

    st.fragment(run_every=refresh)(panel)()


def start_job(key: str, work: Callable[[Any, live.Reporter], Any], spec: Any,
              epochs: int) -> bool:
    """Start `work(spec, reporter)` as this session's live job under `key`, unless one is
    still running there (a second click, say); True when it started. Call `st.rerun()`
    after it, so the page is drawn again with the job and its buttons disabled. (Not as a
    button's `on_click`: its arguments would be those of the previous run, before the
    user's last change of a setting.)"""
    job = st.session_state.get(key)
    if job is not None and job.running:
        return False
    st.session_state[key] = live.Job(work, spec, epochs=epochs, name=key).start()
    return True


def data_missing(error: Exception) -> None:
    """Say clearly that a data set is missing and how to get it (never a traceback)."""
    st.warning(f"**Data not available on this machine.** {error}", icon="📦")


@st.cache_resource(show_spinner="Loading the IMDB reviews…", max_entries=4)
def imdb(config: data.ImdbConfig) -> data.ImdbData:
    """IMDB prepared once per server for each config (raises data.DataUnavailable)."""
    return data.load_imdb(config)


def imdb_reviews(split: str = "test") -> tuple[list[str], np.ndarray]:
    """Raw review texts and labels of a split, in `data.load_imdb`'s order: one copy per
    server for each place they are read from, so data that appears later is seen (raises
    data.DataUnavailable)."""
    return _imdb_reviews(split, str(corpus.locate_imdb()))


@st.cache_resource(show_spinner="Loading the test reviews…", max_entries=2)
def _imdb_reviews(split: str, location: str) -> tuple[list[str], np.ndarray]:
    return data.load_imdb_reviews(split)  # `location` only keys the cache


@st.cache_resource(show_spinner="Loading 400,000 GloVe vectors…")
def glove():
    """GloVe 6B 50d as `embeddings.GloveLoad`, once per server (raises GloveUnavailable)."""
    return embeddings.load_glove()


# --------------------------------------------------------------------------- model picker

SHIPPED_MODEL_KEY = "shipped"  # the picker's key of the shipped model; a lab run's "run:<id>"
RUN_KEY_PREFIX = "run:"


def _any_run(record: runs.RunRecord) -> bool:
    return True


def model_choices(
    usable: Callable[[runs.RunRecord], bool] = _any_run,
) -> tuple[dict[str, str], list[str]]:
    """(picker key -> label for the shipped model and each lab run that `usable` accepts,
    newest run first; one sentence per damaged run, which is left out)."""
    labels: dict[str, str] = {}
    problems: list[str] = []
    try:
        shipped = runs.shipped_record()
    except runs.RunDamaged as error:
        shipped = None
        problems.append(str(error))
    if shipped is not None and usable(shipped):
        labels[SHIPPED_MODEL_KEY] = (f"Shipped {shipped.name} · test accuracy "
                                     f"{shipped.test_accuracy:.4f} · 预训练模型")
    try:
        records, damaged = runs.RunStore().list()
    except OSError as error:  # the runs folder cannot be read: the shipped model still works
        records, damaged = [], [str(error)]
    problems += damaged
    labels |= {f"{RUN_KEY_PREFIX}{r.run_id}": f"Lab run · {r.label()}"
               for r in records if usable(r)}
    return labels, problems


def pick_model(
    label: str,
    usable: Callable[[runs.RunRecord], bool] = _any_run,
    *,
    key: str,
    extra: dict[str, str] | None = None,
    no_runs: str = "",
    help: str | None = None,
) -> str | None:
    """One selectbox for "the shipped model or one of your runs", filtered by `usable`.

    Starts on the session's current run (set in the Sentiment lab) when it qualifies, else
    on the shipped model; `extra` adds the page's own choices (key -> label) at the end;
    `no_runs` is said when no run qualifies; damaged runs are reported, never fatal.
    Returns the chosen key (None when there is nothing to choose); `trained_model(key)`
    loads a shipped or run key.
    """
    labels, problems = model_choices(usable)
    for problem in problems:
        st.warning(f"A damaged run was skipped: {problem}")
    has_runs = any(k.startswith(RUN_KEY_PREFIX) for k in labels)
    labels |= extra or {}
    if not labels:
        return None
    keys = list(labels)
    current = f"{RUN_KEY_PREFIX}{st.session_state.get(CURRENT_RUN_KEY)}"
    default = (current if current in labels
               else SHIPPED_MODEL_KEY if SHIPPED_MODEL_KEY in labels else keys[0])
    choice = st.selectbox(label, keys, index=keys.index(default), format_func=labels.get,
                          key=key, help=help)
    if not has_runs and no_runs:
        st.caption(no_runs)
    return choice


def is_trained_model(key: str | None) -> bool:
    """True for the keys `trained_model` loads (not a page's `extra` choices)."""
    return key is not None and (key == SHIPPED_MODEL_KEY or key.startswith(RUN_KEY_PREFIX))


@st.cache_resource(show_spinner="Loading the model…", max_entries=4)
def trained_model(key: str) -> runs.TrainedModel:
    """The shipped model or a lab run, loaded once per server by picker key; shared by
    every session, so only read it (raises runs.RunDamaged, KeyError)."""
    if key == SHIPPED_MODEL_KEY:
        return runs.load_shipped()
    return runs.RunStore().load_run(key.removeprefix(RUN_KEY_PREFIX))
