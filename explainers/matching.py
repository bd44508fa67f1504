"""LSTMVis's match view (Strobelt et al., 2018): where else in the 25,000 IMDB test reviews do
the units chosen on a span behave as they do on it?

The index: a trained model's LSTM states (h and c) after every real token of every test review,
recomputed in NumPy from the exported weights (the cell maths of `gates.trace_lstm`, run on a
batch of reviews at once: at step t only the reviews longer than t move), stored as float16
memmaps of shape (units, positions) in a cache folder keyed by a hash of the weights and the
input format. The positions are the reviews' real tokens laid end to end, one NaN gap before
each review and after the last, so no window spans two reviews and a review's edges read "off".

A query is the chosen units' values over the span of L tokens plus one token either side (its
pattern, (L + 2, k); a margin outside the review is NaN and not compared). Every window of L
tokens in the corpus is scored by two numbers, ranked by the first, ties by the second:

    agreement = share of the pattern's cells (margin steps and span steps x units) whose
                on/off state (value > threshold) is the same in the window as in the query
    distance  = root mean square of (value - query value) over the span's L steps and k units

The query's own span has agreement 1 and distance 0 (its values are rounded to float16 as the
index's were), so when the review is in the corpus it comes first. Overlapping windows of one
review are merged: only the best of them is kept.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import secrets
import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from explainers import cells, data, gates, paths, runs
from explainers import tracer as tracing  # its _merge: Keras's merge modes, written once
from explainers.gates import CellWeights
from explainers.i18n import N_, Explained
from explainers.live import QUIET, Reporter
from explainers.tracer import BidirectionalOp, EmbeddingOp, ModelTracer, RecurrentOp

INDEX_VERSION = 1  # bump when the folder's layout changes, so old indexes are rebuilt
BATCH = 1_024  # reviews per NumPy batch: (1024, 4*units) per step, long enough to amortise
NAMES = gates.STATES  # the states kept: c and h
RESULTS = 20  # matches listed, as LSTMVis lists them
MAX_SPAN = 20  # longest span matched: a phrase, not a paragraph
MARGIN = 1  # tokens either side of the span that must be off as they are in the query
TIE = 1e-6  # below float16's resolution: distances this close are equal
GATHER_LIMIT = 400_000  # candidate windows whose distances are gathered one by one
TOP_WORDS = 12  # recurring words listed under the matches
KEEP_INDEXES = 4  # the least recently opened go beyond this: ~600 MB each for 32 units
STAGES = {"prepare": N_("preparing the test reviews"),  # then batches: reporter.batch
          "save": N_("writing the index")}
UNSUPPORTED = {  # UnsupportedMatch code -> the English message
    "layer": N_("the match view reads LSTM layers fed by the Embedding or by other LSTM "
                "layers; {name} ({kind}) stands in the way"),
    "backward_sequence": N_("{name} reads backwards and passes on a reversed sequence; the "
                            "match view does not follow it"),
    "span": N_("a span of {n} tokens: the match view matches spans of 1 to {limit} tokens"),
}


class UnsupportedMatch(Explained, ValueError):
    """A model or a query the match view cannot handle: `code` is a key of UNSUPPORTED."""

    def __init__(self, code: str, **params: Any):
        self.code = code
        super().__init__(UNSUPPORTED[code], **params)


@dataclass(frozen=True)
class IndexSpec:
    """What a match index is built from: plain settings, so a worker can build it alone."""

    model_folder: str  # a run folder (runs.load_run reads it)
    shipped: bool  # the shipped model (or a lesson run): its record is read as shipped
    layer: int  # the LSTM layer (and direction): its place in ModelTrace.lstm_layers()
    limit: int | None = None  # the first `limit` test reviews only (tests); None: all
    source: str = "auto"  # where the reviews come from (data.load_imdb_reviews)
    cache: str = ""  # the folder of indexes; "" = paths.cache_dir() / "match"


@dataclass(frozen=True)
class Match:
    """One matching window: test review `review`, its model tokens [start, stop)."""

    review: int  # the test review's number
    start: int  # the window's first token, counted in the model's tokens (<START> = 0)
    stop: int
    agreement: float  # 0..1, see the module docstring
    distance: float


@dataclass
class MatchIndex:
    """An index opened from its folder: the arrays are read-only memmaps."""

    folder: Path
    values: dict[str, np.ndarray]  # name -> (units, positions) float16, NaN in the gaps
    ids: np.ndarray  # (positions,) int32 token ids, -1 in the gaps
    starts: np.ndarray  # (reviews,) each review's first position
    reviews: np.ndarray  # (reviews,) its test review number (the index is sorted by length)
    meta: dict

    def position(self, review: int, token: int) -> int | None:
        """The flat position of a review's token, None when the review is not indexed."""
        found = np.flatnonzero(self.reviews == review)
        return None if not len(found) else int(self.starts[found[0]]) + token

    def review_ids(self, row: int) -> np.ndarray:
        """(tokens,) the ids of the index's `row`-th review (a gap follows each review)."""
        stop = self.starts[row + 1] - 1 if row + 1 < len(self.starts) else len(self.ids) - 1
        return np.asarray(self.ids[int(self.starts[row]):int(stop)])

    @functools.cached_property
    def gaps(self) -> np.ndarray:
        """(positions + 1,) how many gaps lie before each position, counted once."""
        return np.concatenate([[0], np.cumsum(np.asarray(self.ids) < 0, dtype=np.int32)])

    @functools.cached_property
    def gap_positions(self) -> np.ndarray:
        """(reviews + 1,) where the gaps are."""
        return np.flatnonzero(np.asarray(self.ids) < 0)


# --------------------------------------------------------------------------- the index


def _chain(tracer: ModelTracer, layer: int) -> tuple[EmbeddingOp, list, int]:
    """(the Embedding, the recurrent ops up to the one holding LSTM layer `layer`, and that
    layer's place among the traces of the last op: 0 forward, 1 backward)."""
    embedding, chain, seen = None, [], 0
    for op in tracer.ops:
        if isinstance(op, EmbeddingOp) and embedding is None:
            embedding = op
            continue
        kind = (op.forward.kind if isinstance(op, BidirectionalOp)
                else op.weights.kind if isinstance(op, RecurrentOp) else "")
        if embedding is None or kind != cells.LSTM.kind:
            raise UnsupportedMatch("layer", name=op.name, kind=type(op).__name__)
        chain.append(op)
        directions = 2 if isinstance(op, BidirectionalOp) else 1
        if layer < seen + directions:
            return embedding, chain, layer - seen
        if isinstance(op, RecurrentOp) and op.weights.go_backwards:
            raise UnsupportedMatch("backward_sequence", name=op.name)
        seen += directions
    raise IndexError(f"the model has no LSTM layer {layer}")


def index_key(tracer: ModelTracer, form, layer: int, limit: int | None = None) -> str:
    """The index's folder name: a hash of the weights up to the layer, the input format and
    the reviews used (raises UnsupportedMatch for a model the view cannot follow)."""
    embedding, chain, part = _chain(tracer, layer)
    digest = hashlib.sha256(json.dumps([INDEX_VERSION, layer, part, limit, form.spec(),
                                        tracer.mask_zero]).encode())
    digest.update("\n".join(form.vocabulary.words).encode())
    digest.update(np.ascontiguousarray(embedding.table).tobytes())
    for op in chain:
        for w in (op.forward, op.backward) if isinstance(op, BidirectionalOp) else (op.weights,):
            for array in (w.kernel, w.recurrent, w.bias):
                digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()[:20]


def cache_root(spec: IndexSpec) -> Path:
    return Path(spec.cache) if spec.cache else paths.cache_dir() / "match"


def _lstm_batch(w: CellWeights, x: np.ndarray, lengths: np.ndarray) -> dict[str, np.ndarray]:
    """c and h of an LSTM over a batch x (B, T, d), left-aligned, rows sorted by length
    (longest first); the same maths as `gates.trace_lstm`, run at once on every row still
    reading. A go_backwards reader reads each row's own tokens from its last to its first."""
    rows, steps, u = x.shape[0], x.shape[1], w.units
    if w.go_backwards:  # row b's step t reads its token lengths[b]-1-t
        order = np.clip(lengths[:, None] - 1 - np.arange(steps)[None, :], 0, None)  # (B, T)
        x = np.take_along_axis(x, order[:, :, None], axis=1)
    h, c = np.zeros((rows, u)), np.zeros((rows, u))
    out = {name: np.zeros((rows, steps, u)) for name in NAMES}
    sig, act = w.recurrent_activation, w.activation
    active = (lengths[None, :] > np.arange(steps)[:, None]).sum(axis=1)  # (T,) rows reading
    for t in range(steps):
        n = active[t]
        z = x[:n, t] @ w.kernel + w.bias + h[:n] @ w.recurrent  # (n, 4*units)
        i, f, o = sig(z[:, :u]), sig(z[:, u:2 * u]), sig(z[:, 3 * u:])
        c[:n] = f * c[:n] + i * act(z[:, 2 * u:3 * u])
        h[:n] = o * act(c[:n])
        out["c"][:n, t], out["h"][:n, t] = c[:n], h[:n]
    if w.go_backwards:  # back to token order: the state after reading tokens t..end
        for name in NAMES:
            out[name] = np.take_along_axis(out[name], order[:, :, None], axis=1)
    return out


def states_batch(tracer: ModelTracer, layer: int, ids: np.ndarray,
                 lengths: np.ndarray) -> dict[str, np.ndarray]:
    """c and h (B, T, units) of LSTM layer `layer` on left-aligned ids (B, T) whose rows are
    sorted by length, longest first: the Embedding, then each LSTM layer on the last's h."""
    embedding, chain, part = _chain(tracer, layer)
    x = embedding.table[ids]  # (B, T, embed_dim)
    for k, op in enumerate(chain):
        if isinstance(op, RecurrentOp):
            states = [_lstm_batch(op.weights, x, lengths)]
        else:
            states = [_lstm_batch(w, x, lengths) for w in (op.forward, op.backward)]
        if k == len(chain) - 1:
            return states[part]
        x = (states[0]["h"] if len(states) == 1
             else tracing._merge(states[0]["h"], states[1]["h"], op.merge))
    raise AssertionError("unreachable: _chain ends on the layer")


def open_index(folder: Path) -> MatchIndex | None:
    """The index in `folder`, or None when it is missing or incomplete."""
    folder = Path(folder)
    try:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        if meta.get("version") != INDEX_VERSION:
            return None
        values = {name: np.load(folder / f"{name}.npy", mmap_mode="r") for name in NAMES}
        ids = np.load(folder / "ids.npy", mmap_mode="r")
        starts, reviews = np.load(folder / "starts.npy"), np.load(folder / "reviews.npy")
        os.utime(folder / "meta.json")  # opened now: the last to be pruned
    except (OSError, ValueError, KeyError):
        return None
    return MatchIndex(folder, values, ids, starts, reviews, meta)


def prune(root: Path, keep: int = KEEP_INDEXES) -> None:
    """Delete all but the `keep` most recently opened indexes under `root` (an index open
    elsewhere stays readable: its memmaps hold the files until they are closed)."""
    found = sorted((meta.stat().st_mtime, meta.parent) for meta in root.glob("*/meta.json"))
    for _when, folder in found[:max(0, len(found) - keep)]:
        shutil.rmtree(folder, ignore_errors=True)


def build_index(spec: IndexSpec, reporter: Reporter = QUIET) -> str | None:
    """Trace the model's LSTM layer over the test reviews and write the index (once: an
    existing one is reused); returns its folder, or None when stopped. Written to a hidden
    folder first and renamed into place, so a reader never sees half an index."""
    trained = runs.load_run(Path(spec.model_folder), spec.shipped)
    tracer, form = ModelTracer(trained.model), trained.input_format
    target = cache_root(spec) / index_key(tracer, form, spec.layer, spec.limit)
    if open_index(target) is not None:
        return str(target)
    texts = data.load_imdb_reviews("test", spec.source)[0][:spec.limit]
    fed, real = [], []
    for r, text in enumerate(texts):
        ids, where = form.prepare(text).for_model(tracer.mask_zero)
        fed.append(ids)
        real.append(where)
        if r % 1_000 == 0:
            reporter.stage(STAGES["prepare"], r / len(texts))
    lengths = np.array([len(ids) for ids in fed])
    order = np.argsort(-lengths, kind="stable")  # longest first: batches of like lengths
    kept = np.array([real[r].stop - real[r].start for r in order])  # (R,) real tokens
    starts = 1 + np.concatenate([[0], np.cumsum(kept + 1)[:-1]])  # a gap before each review
    positions = int(starts[-1] + kept[-1] + 1)
    cache_root(spec).mkdir(parents=True, exist_ok=True)
    temporary = cache_root(spec) / f".{target.name}-{secrets.token_hex(3)}"
    temporary.mkdir()
    try:
        flat_ids = np.lib.format.open_memmap(temporary / "ids.npy", "w+", np.int32,
                                             (positions,))
        flat_ids[:], stores = -1, {}
        for a in range(0, len(order), BATCH):
            if reporter.should_stop():
                raise _Stopped
            rows = order[a:a + BATCH]
            batch = np.zeros((len(rows), lengths[rows[0]]), np.int64)  # (B, T) left-aligned
            for b, r in enumerate(rows):
                batch[b, :lengths[r]] = fed[r]
            states = states_batch(tracer, spec.layer, batch, lengths[rows])
            for name in NAMES if not stores else ():  # (units, positions) each, NaN gaps
                stores[name] = np.lib.format.open_memmap(
                    temporary / f"{name}.npy", "w+", np.float16,
                    (states[name].shape[2], positions))
                stores[name][:] = np.nan
            for b, r in enumerate(rows):
                start, where = starts[a + b], real[r]
                flat_ids[start:start + kept[a + b]] = fed[r][where]
                for name in NAMES:
                    stores[name][:, start:start + kept[a + b]] = states[name][b, where].T
            reporter.batch(a // BATCH + 1, -(-len(order) // BATCH))  # Stop works meanwhile
        reporter.stage(STAGES["save"], 0.5)
        for array in (*stores.values(), flat_ids):
            array.flush()
        np.save(temporary / "starts.npy", starts)
        np.save(temporary / "reviews.npy", order)
        meta = {"version": INDEX_VERSION, "reviews": len(order), "positions": positions,
                "units": stores["h"].shape[0], "layer": spec.layer, "limit": spec.limit}
        del stores, flat_ids
        (temporary / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
        try:
            os.replace(temporary, target)
        except OSError:  # another session finished the same index first: keep theirs
            shutil.rmtree(temporary, ignore_errors=True)
        prune(cache_root(spec), KEEP_INDEXES)
    except BaseException as error:
        shutil.rmtree(temporary, ignore_errors=True)
        if isinstance(error, _Stopped):
            return None
        raise
    return str(target)


class _Stopped(Exception):
    """Stop was asked for while the index was being built."""


# --------------------------------------------------------------------------- a query


def pattern(values: np.ndarray, start: int, stop: int, units) -> np.ndarray:
    """The query: (stop - start + 2*MARGIN, k) values of `units` over the span [start, stop)
    of one review's values (T, all units) and MARGIN tokens either side (NaN outside the
    review), rounded to float16 as the index stores them."""
    steps = values.shape[0]
    if not 1 <= stop - start <= MAX_SPAN:
        raise UnsupportedMatch("span", n=stop - start, limit=MAX_SPAN)
    rows = np.arange(start - MARGIN, stop + MARGIN)  # (L + 2,)
    inside = (rows >= 0) & (rows < steps)
    out = np.full((len(rows), len(units)), np.nan, np.float32)
    out[inside] = values[rows[inside]][:, list(units)]
    return out.astype(np.float16).astype(np.float32)


def find(index: MatchIndex, name: str, units, query: np.ndarray, threshold: float,
         top: int = RESULTS, prefer: int | None = None) -> list[Match]:
    """The `top` windows of the corpus whose `name` values over `units` best match the
    query pattern (L + 2, k) (see the module docstring), best first, not overlapping;
    among equals a window of review `prefer` (the query's own review) comes first.

    Agreement is a sum over the window's offsets: for each unit and offset, the corpus's
    on-states (0/1) shifted by the offset are added (on in the query) or taken away (off),
    plus the query's off cells: small-integer passes over the whole corpus. Distances are
    then needed only for the windows of the best agreement levels (see `_distances`)."""
    width, units = query.shape[0], tuple(units)
    span = width - 2 * MARGIN
    theta = np.float32(threshold)
    windows = index.ids.shape[0] - width + 1  # window i: margin at i, span at i+1 .. i+span
    agree = np.zeros(windows, np.int8 if width * len(units) < 128 else np.int16)  # (windows,)
    columns, compared = [], 0
    for k, u in enumerate(units):
        column = np.asarray(index.values[name][u], np.float32)  # (P,) NaN in the gaps
        seen, on = ~np.isnan(query[:, k]), query[:, k] > theta  # (width,) each
        compared += int(seen.sum())
        state = (column > theta).view(np.int8)  # (P,) 1 on, 0 off; NaN gaps read as off
        for j in np.flatnonzero(seen):  # the window's offset j agrees where it is as in q
            (np.add if on[j] else np.subtract)(agree, state[j:j + windows], out=agree)
        agree += int((~on & seen).sum())  # each off cell of q counted 1 - state above
        columns.append(column)
    gaps = index.gaps  # a window lies inside one review when both its ends see as many gaps
    whole = gaps[MARGIN + span:MARGIN + span + windows] == gaps[MARGIN:MARGIN + windows]
    levels = np.where(whole, agree, -1).astype(np.int32)  # (windows,) -1: across a gap
    counts = np.bincount(levels + 1)[::-1].cumsum()  # windows at or above each level, best
    rows = np.flatnonzero(index.reviews == prefer)  # its windows win exact ties, if indexed
    mine = (int(index.starts[rows[0]]), len(index.review_ids(int(rows[0])))) if len(rows) \
        else (0, 0)
    wanted = min(windows, top * (2 * span + 1))  # enough to survive merging overlaps
    while True:
        cut = len(counts) - 2 - int(np.searchsorted(counts, wanted))  # the lowest level kept
        chosen = np.flatnonzero(levels >= max(cut, 0))  # (C,) candidate windows
        distance = _distances(columns, query[MARGIN:MARGIN + span], chosen, windows)
        key = -levels[chosen] * (2 * float(distance.max(initial=0)) + 1) + distance  # (C,)
        key -= TIE * ((chosen + MARGIN >= mine[0]) & (chosen + MARGIN < mine[0] + mine[1]))
        best = np.argpartition(key, wanted - 1)[:wanted] if wanted < len(chosen) else None
        best = np.arange(len(chosen)) if best is None else best
        best = best[np.lexsort((chosen[best], key[best]))]  # (<= wanted,) best first
        found = _apart(index, chosen[best], span, top, levels / max(compared, 1),
                       dict(zip(chosen[best].tolist(), distance[best].tolist(), strict=True)))
        if len(found) == top or (cut <= 0 and wanted >= len(chosen)):
            return found
        wanted = min(windows, wanted * 4)


def _distances(columns: list[np.ndarray], query: np.ndarray, chosen: np.ndarray,
               windows: int) -> np.ndarray:
    """(C,) the root mean square of (window - query) over the span's steps and the units,
    for the windows `chosen`: gathered exactly when they are few; for a huge tie (a query
    all off, say) over every window at once, sum v^2 - 2 sum v q + sum q^2, a running sum
    and a correlation per unit."""
    span = query.shape[0]
    if len(chosen) <= GATHER_LIMIT:
        total = np.zeros(len(chosen))
        for k, column in enumerate(columns):
            for j in range(span):  # float16 values in float32: the own span's difference is 0
                total += (column[chosen + MARGIN + j] - query[j, k]) ** 2
    else:
        total = np.zeros(windows)
        for k, column in enumerate(columns):
            column, q = np.nan_to_num(column.astype(np.float64)), query[:, k].astype(np.float64)
            total += np.correlate(column[MARGIN:] ** 2, np.ones(span), "valid")[:windows]
            total -= 2 * np.correlate(column[MARGIN:], q, "valid")[:windows]
            total += float(q @ q)
        total = total[chosen]
    return np.sqrt(np.maximum(total, 0.0) / query.size)


def _apart(index: MatchIndex, ranked: np.ndarray, span: int, top: int, agreement: np.ndarray,
           distance: dict[int, float]) -> list[Match]:
    """The first `top` of the ranked windows that overlap no better one, as Matches."""
    found: list[Match] = []
    taken: list[int] = []
    for window in ranked:
        first = int(window) + MARGIN
        if any(abs(first - other) < span for other in taken):
            continue
        taken.append(first)
        row = int(np.searchsorted(index.starts, first, side="right")) - 1
        start = first - int(index.starts[row])
        found.append(Match(int(index.reviews[row]), start, start + span,
                           float(agreement[window]), float(distance[window])))
        if len(found) == top:
            break
    return found


def window_values(index: MatchIndex, name: str, units, match: Match,
                  context: int) -> tuple[np.ndarray, np.ndarray, int]:
    """(ids (n,), the units' values (n, k), where the match starts in them) for a match and
    up to `context` tokens either side of it, within its review."""
    row = int(np.flatnonzero(index.reviews == match.review)[0])
    first = int(index.starts[row])
    ids = index.review_ids(row)
    a, b = max(0, match.start - context), min(len(ids), match.stop + context)
    values = np.stack([np.asarray(index.values[name][u, first + a:first + b], np.float32)
                       for u in units], axis=1)  # (n, k)
    return ids[a:b], values, match.start - a


def recurring_words(index: MatchIndex, matches: list[Match], vocabulary,
                    top: int = TOP_WORDS) -> list[tuple[str, int]]:
    """The words inside the matched windows, most frequent first, with how many windows hold
    each (a word counts once per window)."""
    counts: Counter[str] = Counter()
    for m in matches:
        row = int(np.flatnonzero(index.reviews == m.review)[0])
        ids = index.review_ids(row)[m.start:m.stop]
        counts.update({vocabulary.token_of(int(i)) for i in ids})
    return counts.most_common(top)
