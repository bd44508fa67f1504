"""A model diagram drawn with Plotly (no Graphviz): layers as boxes, and the recurrent layers
unrolled over time steps.

`layers_figure` draws an `explainers.diagram.Diagram` from the input down: a box per layer
with its output shape and parameter count, a Bidirectional layer as a dashed frame holding its
forward and backward layers side by side. `steps_figure` draws `diagram.unroll`: the tokens
along x, the recurrent layers above them (a row per direction), an arrow where a state is
carried to the next step and where a layer reads the one below; hovering a cell says which
tokens have reached it. Layer names, classes, shapes and numbers are Keras's and stay as they
are; every other word goes through the builder's `_`. Tokens are user text: escaped.
"""

from __future__ import annotations

import html

import plotly.graph_objects as go

from explainers import diagram, params
from explainers.i18n import N_, Say, english

ROW_PIXELS = 100  # one layer's row in the layer diagram: three lines of text, even projected
GROUP_EXTRA = 0.5  # a Bidirectional row is this much taller: room for the wrapper's label
BOX_HEIGHT = 0.74  # of a row; the rest is room for the arrows
STEP_PIXELS = 62  # one row of the unrolled grid
FILLS = {  # box fill by what the layer does
    diagram.FORWARD: "#d8f0ed", diagram.BACKWARD: "#e9e0f5", "Embedding": "#fdebd3",
    "Dense": "#e3eefa", diagram.INPUT_CLASS: "#ffffff"}
OTHER_FILL = "#f2f2f2"  # pooling, dropout: no weights
EDGES = {diagram.FORWARD: "#2a9d8f", diagram.BACKWARD: "#7b52ab"}  # a direction's colour
ARROW = "#666"
READS = {  # what a direction reads, in its box and its hover
    diagram.FORWARD: N_("reads left to right →"), diagram.BACKWARD: N_("← reads right to left")}
RETURNS = {True: N_("returns every step"), False: N_("returns its last state only")}
ROLES = {diagram.FORWARD: N_("forward"), diagram.BACKWARD: N_("backward")}


def _params(n: int, _: Say) -> str:
    return _("{n} params", n=params.fmt(n))


def _box_rows(drawn: diagram.Diagram) -> dict[int, tuple[float, float]]:
    """Each row's (top, bottom) in the figure's y units (a row is 1, a Bidirectional
    row 1 + GROUP_EXTRA), from the input at 0 going down."""
    grouped = {b.row for b in drawn.boxes if b.group}
    spans, top = {}, 0.0
    for row in range(drawn.rows):
        height = 1 + (GROUP_EXTRA if row in grouped else 0)
        spans[row] = (-top, -top - height)
        top += height
    return spans


def layers_height(drawn: diagram.Diagram) -> int:
    grouped = len({b.row for b in drawn.boxes if b.group})
    return int(ROW_PIXELS * (drawn.rows + GROUP_EXTRA * grouped)) + 70


def _centre(box: diagram.Box, lanes: int) -> float:
    return (box.lane + 0.5) / lanes


def layers_figure(drawn: diagram.Diagram, _: Say = english) -> go.Figure:
    """The layer diagram (see the module doc)."""
    fig = go.Figure()
    spans = _box_rows(drawn)
    lanes = {row: sum(b.row == row for b in drawn.boxes) for row in spans}
    width = {1: 0.62, 2: 0.44}  # a box's width by how many share its row
    where = {}
    hover_x, hover_y, hover_text = [], [], []
    for box in drawn.boxes:
        top, bottom = spans[box.row]
        low = bottom + (1 - BOX_HEIGHT) / 2  # a Bidirectional row's label sits above
        high = low + BOX_HEIGHT
        x = _centre(box, lanes[box.row])
        half = width.get(lanes[box.row], 0.9 / lanes[box.row]) / 2
        where[box.name] = (x, high, low)
        fill = FILLS.get(box.direction or box.keras_class, OTHER_FILL)
        line = EDGES.get(box.direction, "#888")
        fig.add_shape(type="rect", x0=x - half, x1=x + half, y0=low, y1=high, fillcolor=fill,
                      line={"color": line, "width": 2 if box.recurrent else 1}, layer="below")
        shown = _(ROLES[box.direction]) if box.group else html.escape(box.name)
        title = f"<b>{shown}</b> ({box.keras_class})"  # a wrapper's layers: by direction
        detail = (box.shape_text if box.keras_class == diagram.INPUT_CLASS
                  else f"{box.shape_text} · {_params(box.params, _)}")
        lines = [title, detail]
        if box.recurrent:
            lines.append(f"<i>{_(READS[box.direction])}</i>")
        fig.add_annotation(x=x, y=(high + low) / 2, text="<br>".join(lines), showarrow=False)
        hover_x.append(x)
        hover_y.append((high + low) / 2)
        what = [title, _("output shape {shape}", shape=box.shape_text), _params(box.params, _)]
        if box.recurrent:
            what += [_(READS[box.direction]), _(RETURNS[box.return_sequences])]
        hover_text.append("<br>".join(what))
    for edge in drawn.edges:
        (xs, _top, ys), (xt, yt, _bottom) = where[edge.source], where[edge.target]
        fig.add_annotation(x=xt, y=yt, ax=xs, ay=ys, xref="x", yref="y", axref="x", ayref="y",
                           showarrow=True, arrowhead=2, arrowsize=1, arrowwidth=1.5,
                           arrowcolor=ARROW, text="")
    for group in drawn.groups:
        members = [drawn.box(n) for n in group.members]
        top, bottom = spans[members[0].row]
        x0 = min(where[m.name][0] for m in members) - 0.25
        x1 = max(where[m.name][0] for m in members) + 0.25
        fig.add_shape(type="rect", x0=x0, x1=x1, y0=bottom + 0.06, y1=top - 0.06,
                      line={"color": "#555", "dash": "dash", "width": 1}, layer="below")
        fig.add_annotation(x=0.5, y=top - 0.06, yanchor="top", showarrow=False,
                           bgcolor="white", text=_(  # over the arrows that pass behind it
            "<b>{name}</b> (Bidirectional, {merge}) → {shape} · {count}",
            name=html.escape(group.name), merge=group.merge_mode, shape=group.shape_text,
            count=_params(group.params, _)))
    fig.add_trace(go.Scatter(x=hover_x, y=hover_y, mode="markers", hoverinfo="text",
                             hovertext=hover_text, marker={"size": 30, "opacity": 0},
                             showlegend=False))
    lowest = min(bottom for _top, bottom in spans.values())
    fig.update_xaxes(visible=False, range=[-0.02, 1.02], fixedrange=True)
    fig.update_yaxes(visible=False, range=[lowest - 0.05, 0.05], fixedrange=True)
    fig.update_layout(title=_("{total} parameters (count_params()): the boxes add up to it",
                              total=params.fmt(drawn.total)),
                      hovermode="closest", plot_bgcolor="white")
    return fig


# --------------------------------------------------------------------------- over time


def _rows(unrolled: diagram.Unrolled) -> dict[tuple[int, str], float]:
    """(level, direction) -> y: the tokens at 0, each direction a row, a gap between layers."""
    rows, y = {(0, ""): 0.0}, 0.0
    for number, level in enumerate(unrolled.levels, start=1):
        y += 0.4
        for way in level.directions:
            y += 1
            rows[number, way] = y
    rows[len(unrolled.levels) + 1, ""] = y + 1.4
    return rows


def steps_height(drawn: diagram.Diagram) -> int:
    """The unrolled grid's height: a row per direction of each recurrent layer."""
    rows = sum(len(level.directions) + 0.4 for level in diagram.recurrent_levels(drawn))
    return int(STEP_PIXELS * (rows + 3)) + 60


def _x(unrolled: diagram.Unrolled, spot: diagram.Spot) -> float:
    return (len(unrolled.tokens) - 1) / 2 if spot.t < 0 else spot.t


def _said(unrolled: diagram.Unrolled, reads: tuple[int, ...]) -> str:
    return html.escape(" ".join(unrolled.tokens[t] for t in reads))


def _name(unrolled: diagram.Unrolled, spot: diagram.Spot, _: Say) -> str:
    """A row's name: "tokens", "bidirectional · forward LSTM", or the head layer."""
    if spot.level == 0:
        return _("tokens")
    if spot.level > len(unrolled.levels):
        return f"{html.escape(unrolled.head)} ({unrolled.head_class})"
    level = unrolled.levels[spot.level - 1]
    return f"{html.escape(level.name)} · {_(ROLES[spot.direction])} {level.keras_class}"


def steps_figure(unrolled: diagram.Unrolled, _: Say = english) -> go.Figure:
    """The unrolled grid (see the module doc)."""
    rows, n = _rows(unrolled), len(unrolled.tokens)
    fig = go.Figure()
    for arrow in unrolled.arrows:
        source, target = arrow.source, arrow.target
        colour = EDGES.get(target.direction, ARROW) if arrow.kind == "time" else "#aaa"
        fig.add_annotation(
            x=_x(unrolled, target), y=rows[target.level, target.direction] - (
                0.22 if arrow.kind == "up" else 0),
            ax=_x(unrolled, source), ay=rows[source.level, source.direction] + (
                0.22 if arrow.kind == "up" else 0),
            xref="x", yref="y", axref="x", ayref="y", showarrow=True, arrowhead=2,
            arrowwidth=2.5 if arrow.kind == "time" else 1, arrowcolor=colour, standoff=14,
            startstandoff=10 if arrow.kind == "time" else 0, text="")
    tokens = [s for s in unrolled.steps if s.spot.level == 0]
    fig.add_trace(go.Scatter(
        x=[s.spot.t for s in tokens], y=[0.0] * len(tokens), mode="text",
        text=[f"<b>{html.escape(unrolled.tokens[s.spot.t])}</b>" for s in tokens],
        hoverinfo="text", hovertext=[_("token {t}: {token}", t=s.spot.t,
                                       token=html.escape(unrolled.tokens[s.spot.t]))
                                     for s in tokens], showlegend=False))
    for way, symbol in ((diagram.FORWARD, "→"), (diagram.BACKWARD, "←"), ("", "")):
        cells = [s for s in unrolled.steps if s.spot.level > 0 and s.spot.direction == way]
        if not cells:
            continue
        fig.add_trace(go.Scatter(
            x=[_x(unrolled, s.spot) for s in cells],
            y=[rows[s.spot.level, way] for s in cells], mode="markers+text",
            text=[symbol] * len(cells), textfont={"color": "white"},
            marker={"symbol": "square", "size": 30, "cmin": 0, "cmax": 1,
                    "color": [len(s.reads) / n for s in cells],
                    "colorscale": [[0, "#d9d9d9"], [1, EDGES.get(way, "#4d4d4d")]],
                    "line": {"color": EDGES.get(way, "#4d4d4d"), "width": 1}},
            hoverinfo="text", showlegend=False, hovertext=[_(
                "{row}, step {t}: has read “{words}” ({n} of {total} tokens)",
                row=_name(unrolled, s.spot, _), t=s.spot.t if s.spot.t >= 0 else n - 1,
                words=_said(unrolled, s.reads), n=len(s.reads), total=n) for s in cells]))
    ticks = {y: _name(unrolled, diagram.Spot(level, way, 0), _)
             for (level, way), y in rows.items()}
    fig.update_yaxes(tickvals=list(ticks), ticktext=list(ticks.values()), fixedrange=True,
                     range=[-0.6, max(rows.values()) + 0.6], showgrid=False, zeroline=False)
    fig.update_xaxes(title=_("time step t (one token each)"), tickvals=list(range(n)),
                     range=[-0.6, n - 0.4], fixedrange=True, showgrid=False, zeroline=False)
    fig.update_layout(title=_("What each time step reads: a darker cell has read more of the "
                              "tokens"), plot_bgcolor="white", hovermode="closest")
    return fig
