"""A word map as the TensorFlow Embedding Projector has it: PCA, t-SNE or UMAP, in 2-D or 3-D,
a search box that highlights the matching words, and a click on a word that lists its nearest
words (cosine, all dimensions) and highlights them on the map.

One `WordMap` per page, named by the prefix of its session-state keys; its `fields` go into
the page's `links.Link`. A map is computed once per server for each set of words and settings
and kept (`_placed`): PCA at once, t-SNE and UMAP as a live job on a worker
(`projection.map_words`: a progress bar that names the stage, Stop), the PCA map of the same
words drawn meanwhile, and again with a line saying so if the job is stopped. A later view,
another session, a language switch or a link opens a kept map without a job. A click is kept
in session state (`<prefix>_pick`), so it survives the redraw of the map with its highlights,
and a link can carry it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import streamlit as st

from explainers import live, projection
from explainers.embeddings import Projection, WordVectors
from explainers.projection import METHODS, NEIGHBOUR_COUNTS, PERPLEXITIES, STAGES, Settings
from lessons import figure_cache, links, ui
from lessons.charts import embeddings as draw
from lessons.charts.embeddings import Marks
from lessons.i18n import N_, _
from lessons.widgets import jobs

NEAR_WORDS = 10  # nearest words listed and highlighted for a clicked word
FIND_CHARS = 60  # the search box: a word or part of one
WORD_CHARS = 60  # a clicked word in a link
WORD_MAP = figure_cache.cached(draw.word_map_figure)  # kept by its inputs, language, projector
NOTES = {  # method -> what its knob (or its axes) mean, in one sentence
    "pca": N_("PCA is linear: its axes are the directions along which these words vary most, "
              "so what is far apart here is far apart in the vectors too."),
    "tsne": N_("Perplexity is roughly how many neighbours each word pays attention to: low "
               "values make many small clumps, high values fewer, larger groups."),
    "umap": N_("Neighbours is how many nearest words UMAP ties each word to: few keep the "
               "local detail, many keep more of the overall shape."),
}
WARNINGS = {  # method -> why its distances are not to be read
    "tsne": N_("t-SNE keeps each word's neighbours near and gives up everything else: the "
               "distance between two groups and the size of a group mean nothing, and another "
               "seed or perplexity moves the groups around."),
    "umap": N_("UMAP keeps each word's neighbours near and some of the overall layout, but the "
               "distances between groups are still not to be read as similarities."),
}


def clicked(points: Sequence[dict]) -> str:
    """The word of the first clicked point (each point carries its word as customdata), or
    "" when the selection is empty (a double click clears it)."""
    for point in points:
        data = point.get("customdata")
        data = data[0] if isinstance(data, list) and data else data
        if isinstance(data, str) and data:
            return data
    return ""


@dataclass(eq=False)
class Kept:
    """One map's place in the server's cache: empty until PCA or a job has filled it."""

    projection: Projection | None = None


@st.cache_resource(show_spinner=False, max_entries=32)
def _placed(name: tuple, words: tuple[str, ...], settings: Settings) -> Kept:
    """The map of `words` by `settings` (fitted) for the vectors called `name`, once per
    server: filled at once for PCA, by the session's job that placed them for t-SNE or UMAP."""
    return Kept()


@dataclass(frozen=True)
class Asked:
    """What this session's map job is placing: where its result goes, how many words, how."""

    kept: Kept
    n: int
    method: str


def job_label(asked: Asked) -> Callable[[live.Snapshot], str]:
    """The progress bar's words for a map job: how many words, how, and what it is doing
    (its stage, then its iterations: t-SNE's with the KL loss it lowers, UMAP's epochs)."""
    place = {"n": f"{asked.n:,}", "method": _(METHODS[asked.method])}
    head = _("Placing {n} words by {method}", **place)

    def label(snap: live.Snapshot) -> str:
        if snap.phase == live.Phase.QUEUED:
            return jobs.waiting_label(snap)
        if snap.stage == STAGES["compile"] and not snap.batch:
            return _("Placing {n} words by UMAP. The first UMAP on this server compiles its "
                     "code (numba): 10-60 s once, then a map takes about a second…", **place)
        if not snap.batch:
            return (_("{head}: {stage}…", head=head, stage=_(snap.stage)) if snap.stage
                    else _("Placing {n} words by {method}…", **place))
        where = {"head": head, "stage": _(STAGES["layout"]), "done": snap.batch,
                 "total": snap.batches}
        if asked.method == "umap":
            return _("{head}: {stage} · epoch {done} of {total}", **where)
        return _("{head}: {stage} · iteration {done} of {total} · KL divergence {kl:.3f}",
                 kl=snap.batch_metrics.get("kl"), **where)

    return label


@st.cache_resource(show_spinner=False, max_entries=64)
def _neighbourhood(name: tuple, words: tuple[str, ...], settings: Settings, word: str, *,
                   _vectors: WordVectors, _projection: Projection) -> projection.Neighbourhood:
    return projection.neighbourhood(_vectors, _projection, word, NEAR_WORDS)


@dataclass(frozen=True)
class WordMap:
    """The map's widgets on one page: their session-state keys start with `prefix`."""

    prefix: str
    dims_key: str  # the 2-D / 3-D radio's key (the GloVe explorer's `map_dims` predates this)

    def key(self, name: str) -> str:
        return f"{self.prefix}_{name}"

    def fields(self) -> tuple[links.Field, ...]:
        """The map's state in a link: method, dimensions, knobs, search and clicked word."""
        return (links.choice("method", self.key("method"), tuple(METHODS)),
                links.choice("dims", self.dims_key, (2, 3)),
                links.choice("perplexity", self.key("perplexity"), PERPLEXITIES),
                links.choice("nn", self.key("nn"), NEIGHBOUR_COUNTS),
                links.text("find", self.key("find"), FIND_CHARS),
                links.text("pick", self.key("pick"), WORD_CHARS))

    def settings(self, cells: Sequence | None = None) -> Settings:
        """Method, dimensions, the method's knob (its sentence in the help, and again under
        the map with why t-SNE and UMAP distances are not to be read), then the search box:
        in the current container, or in four `cells` side by side."""
        default = Settings()
        for name, value in (("method", default.method), ("perplexity", default.perplexity),
                            ("nn", default.n_neighbors), ("find", ""), ("pick", "")):
            st.session_state.setdefault(self.key(name), value)
        st.session_state.setdefault(self.dims_key, default.dims)
        first, dims, knob, find = cells or (st.container(),) * 4
        method = first.segmented_control(
            _("Projection"), tuple(METHODS), key=self.key("method"), required=True,
            format_func=lambda code: _(METHODS[code]))
        dims.radio(_("Dimensions"), (2, 3), horizontal=True, key=self.dims_key,
                   format_func=lambda d: _("{d}-D", d=d))
        if method == "tsne":
            knob.select_slider(_("Perplexity"), PERPLEXITIES, key=self.key("perplexity"),
                               help=_(NOTES["tsne"]))
        elif method == "umap":
            knob.select_slider(_("Neighbours"), NEIGHBOUR_COUNTS, key=self.key("nn"),
                               help=_(NOTES["umap"]))
        with find:
            self.search()
        return Settings(method=method, dims=int(st.session_state[self.dims_key]),
                        perplexity=st.session_state[self.key("perplexity")],
                        n_neighbors=int(st.session_state[self.key("nn")]))

    def placed(self, name: tuple, words: Sequence[str], settings: Settings,
               vectors: WordVectors) -> tuple[Projection, Settings]:
        """The words placed by `settings` (fitted to their number) and those settings, once
        per server. A t-SNE or UMAP map not kept yet is a job (started here, its live panel
        drawn), and the words' PCA map is returned meanwhile with the PCA settings."""
        words = tuple(words)
        fitted = settings.fitted(len(words))
        kept = _placed(name, words, fitted)
        if kept.projection is None and fitted.method == "pca":
            kept.projection = projection.place(vectors, words, fitted)
        self._collect()
        if kept.projection is not None:
            return kept.projection, fitted
        self._job(Asked(kept, len(words), fitted.method),
                  lambda: projection.map_spec(vectors, words, fitted))
        return self.placed(name, words, Settings(dims=settings.dims), vectors)

    def _collect(self) -> None:
        """A map job of this session that has ended: its map kept for the server, or (stopped
        or failed) its place marked as halted, so it does not start again unasked."""
        job = st.session_state.get(self.key("job"))
        if job is None or job.running:
            return
        asked = st.session_state.pop(self.key("asked"), None)
        result = jobs.ended(self.key("job"), N_("Placing the words failed: {why}"))
        if asked is not None and result is not None:
            asked.kept.projection = result
        elif asked is not None:
            st.session_state[self.key("halted")] = asked.kept

    def _job(self, asked: Asked, spec: Callable[[], projection.MapSpec]) -> None:
        """The live panel of this session's map job; or, for a map whose job was stopped, a
        line saying so and a button to start it again; else start the job."""
        job = st.session_state.get(self.key("job"))
        if job is not None and job.running:
            running = st.session_state.get(self.key("asked"), asked)
            if running.kept is not asked.kept:  # the words or settings changed meanwhile
                job.stop()
            jobs.live_panel(job, self.key("job"), label=job_label(running), stop_help=_(
                "Ends the layout within a few iterations; the PCA map stays."))
            st.caption(_("Until then, the PCA map of the same words:"))
            return
        method = _(METHODS[asked.method])
        if st.session_state.get(self.key("halted")) is asked.kept:
            cell, again = st.columns([4, 1], vertical_alignment="center")
            cell.info(_("{method} was stopped before it had placed these words: this is their "
                        "PCA map.", method=method))
            again.button(_("Place them with {method}", method=method), key=self.key("again"),
                         on_click=st.session_state.pop, args=(self.key("halted"),))
        elif jobs.start_job(self.key("job"), projection.map_words, spec(), epochs=1):
            st.session_state[self.key("asked")] = asked
            st.rerun()
        else:
            st.info(_("{method} will place these words once your other job has ended; "
                      "meanwhile, their PCA map.", method=method))

    def search(self) -> str:
        """The search box (drawn where the page calls it)."""
        return st.text_input(_("Find words on the map"), key=self.key("find"),
                             max_chars=FIND_CHARS, placeholder=_("e.g. king"),
                             help=_("Every word on the map that contains these letters is "
                                    "highlighted in orange."))

    def marks(self, name: tuple, placed: Projection, settings: Settings, vectors: WordVectors,
              centre: Sequence[str] = ()) -> tuple[Marks, projection.Neighbourhood | None]:
        """What to highlight: the search box's matches, and the clicked word (if it is on this
        map) with its nearest words."""
        found = projection.matching(placed.words, st.session_state.get(self.key("find"), ""))
        pick = st.session_state.get(self.key("pick"), "")
        if pick not in placed.words:
            return Marks(centre=tuple(centre), found=found), None
        near = _neighbourhood(name, placed.words, settings.fitted(len(placed.words)), pick,
                              _vectors=vectors, _projection=placed)
        return Marks(tuple(centre), found, pick, tuple(m.word for m in near.near)), near

    def show(self, name: tuple, words: Sequence[str], settings: Settings, vectors: WordVectors,
             height: int, centre: Sequence[str] = (),
             build: Callable[[Projection, Settings, Marks], Any] | None = None) -> Projection:
        """Place the words (once; PCA until a t-SNE or UMAP job has), draw `build(placed, fitted
        settings, marks)` (a cached figure; by default every word labelled,
        `draw.word_map_figure`), whose clicks keep the clicked word, and the line under it;
        returns the placed words."""
        placed, fitted = self.placed(name, words, settings, vectors)
        marks, near = self.marks(name, placed, fitted, vectors, centre)
        ui.chart(WORD_MAP(placed, fitted, ui.label_size(), ui.projector(), marks,
                          title=_("{n} words", n=len(placed.words)), _say=_) if build is None
                 else build(placed, fitted, marks), height,
                 on_select=self._on_select, selection_mode="points", key=self.key("chart"))
        self.explain(marks, near, vectors.dim, fitted)
        return placed

    def _on_select(self) -> None:
        event = st.session_state.get(self.key("chart")) or {}
        st.session_state[self.key("pick")] = clicked(event.get("selection", {}).get("points", []))

    def explain(self, marks: Marks, near: projection.Neighbourhood | None, dim: int,
                settings: Settings) -> None:
        """The lines under the map: what the method's knob does and why its distances are not
        to be read; how many words the search found; the clicked word's nearest words and how
        many of them the map keeps near (or how to click one)."""
        method = settings.method
        st.caption(_(NOTES[method]) + (" " + _(WARNINGS[method]) if method in WARNINGS else ""))
        query = st.session_state.get(self.key("find"), "").strip()
        if query:
            st.caption(_("'{query}': {n} of the map's words contain it (orange).",
                         query=ui.inert(query, FIND_CHARS), n=len(marks.found)))
        if near is None:
            st.caption(_("Click a word on the map to list its nearest words and see where the "
                         "map puts them.") + ("" if settings.method == "pca" else " " + _(
                "{method} is fitted on these words only, from the same seed each time, so the "
                "same words and settings give the same map; where a word's nearest words land "
                "far from it, the map has bent the {dim} dimensions.",
                method=_(METHODS[settings.method]), dim=dim)))
            return
        cell, clear = st.columns([6, 1], vertical_alignment="center")
        cell.markdown(_(
            "**{word}**'s nearest words by cosine in {dim} dimensions (green): {listing}. "
            "{kept} of these {k} are also its {k} nearest on this map.", word=ui.inert(near.word),
            dim=dim, listing=", ".join(f"{ui.inert(m.word)} {m.score:.2f}" for m in near.near),
            kept=near.kept, k=len(near.near)))
        clear.button(_("Clear"), key=self.key("clear"), on_click=st.session_state.update,
                     kwargs={self.key("pick"): ""})
