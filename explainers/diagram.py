"""A built Keras model as a diagram (Keras's `plot_model`, without Graphviz), and its
recurrent layers unrolled over time steps.

`layers(model)` reads a built model into frozen boxes and edges: one box per layer with its
output shape and `count_params()`, an Input box first, and every `Bidirectional` wrapper
opened into the two layers it holds (`forward_layer`, `backward_layer`), each with its own
shape and count, grouped under the wrapper (its merged shape and total). The edges are the
layer graph as Keras records it (each layer's inbound nodes); rows run from the input down.
The counts are Keras's own, so the boxes add up to `model.count_params()` (a test checks it
for every model the app builds); `explainers.params` derives the same numbers from formulas.

`unroll(diagram, tokens)` draws what each time step reads, for the recurrent layers of a
chain: a forward direction at step t has read tokens 0..t, a backward one tokens t..T-1, and
a layer above reads, at step t, everything the layer below has output at t (both directions
when it is Bidirectional). A last layer without `return_sequences` hands on one vector: the
forward direction's state after the last token and the backward direction's after the first.
Keras is never imported here; the model passed in is only read.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

FORWARD, BACKWARD = "forward", "backward"  # the two reading orders of a recurrent layer
INPUT_CLASS = "InputLayer"


@dataclass(frozen=True)
class Box:
    """One layer (or one direction of a Bidirectional layer) of the diagram."""

    name: str  # the Keras layer name, unique in the model
    keras_class: str  # e.g. "LSTM", as model.summary() prints it
    output_shape: tuple[int | None, ...]  # batch first; None where any size is taken
    params: int  # count_params() of this layer alone
    row: int  # 0 = the input; a layer sits one row below the lowest layer it reads
    lane: int = 0  # left to right within the row
    direction: str = ""  # FORWARD / BACKWARD for a recurrent layer, "" for the others
    group: str = ""  # the Bidirectional wrapper's name for its two directions
    units: int = 0  # recurrent layers: the size of h
    return_sequences: bool = False  # recurrent layers: one output per step, or the last

    @property
    def recurrent(self) -> bool:
        return bool(self.direction)

    @property
    def shape_text(self) -> str:
        """As model.summary() prints it: "(None, 500, 16)"."""
        return "(" + ", ".join("None" if s is None else str(s) for s in self.output_shape) + ")"


@dataclass(frozen=True)
class Group:
    """A Bidirectional wrapper: its two directions' boxes, merged into one output."""

    name: str
    keras_class: str  # "Bidirectional"
    output_shape: tuple[int | None, ...]  # after merging (concat: twice the features)
    params: int  # the two directions together
    members: tuple[str, ...]  # the forward box's name, then the backward's
    merge_mode: str  # "concat", "sum", "mul", "ave" or None as Keras names it

    @property
    def shape_text(self) -> str:
        return Box("", "", self.output_shape, 0, 0).shape_text


@dataclass(frozen=True)
class Edge:
    source: str  # a box's name
    target: str


@dataclass(frozen=True)
class Diagram:
    name: str  # the model's name
    boxes: tuple[Box, ...]  # in row order
    edges: tuple[Edge, ...]
    groups: tuple[Group, ...]
    total: int  # model.count_params()

    def box(self, name: str) -> Box:
        return next(b for b in self.boxes if b.name == name)

    @property
    def rows(self) -> int:
        return 1 + max(b.row for b in self.boxes)

    @property
    def recurrent(self) -> bool:
        return any(b.recurrent for b in self.boxes)


def _shape(tensor_or_shape) -> tuple[int | None, ...]:
    shape = getattr(tensor_or_shape, "shape", tensor_or_shape)
    return tuple(None if s is None else int(s) for s in shape)


def _output_shape(layer, fallback: tuple) -> tuple[int | None, ...]:
    try:
        return _shape(layer.output)
    except (AttributeError, ValueError):  # a layer called more than once has no one output
        return _shape(layer.compute_output_shape(fallback))


def _sources(layer) -> list[str]:
    """The names of the layers whose outputs `layer` reads (Keras's inbound nodes)."""
    names = []
    for node in getattr(layer, "_inbound_nodes", []):
        for tensor in node.input_tensors:
            history = getattr(tensor, "_keras_history", None)
            if history is not None and history.operation.name not in names:
                names.append(history.operation.name)
    return names


def _recurrent(layer, shape: tuple, row: int, direction: str, group: str = "") -> Box:
    return Box(layer.name, type(layer).__name__, shape, int(layer.count_params()), row,
               direction=direction, group=group, units=int(layer.units),
               return_sequences=bool(layer.return_sequences))


def layers(model) -> Diagram:
    """The diagram of a built Keras model (Sequential or Functional); see the module doc."""
    entry = model.inputs[0]
    history = getattr(entry, "_keras_history", None)
    input_name = history.operation.name if history is not None else "input"
    boxes = {input_name: Box(input_name, INPUT_CLASS, _shape(entry), 0, 0)}
    heads = {input_name: (input_name,)}  # a layer's name -> the boxes its output leaves from
    edges, groups = [], []
    previous = input_name
    for layer in model.layers:
        if type(layer).__name__ == INPUT_CLASS:
            continue
        sources = [s for s in _sources(layer) if s in heads] or [previous]
        row = 1 + max(boxes[h].row for s in sources for h in heads[s])
        in_shape = boxes[heads[sources[0]][0]].output_shape
        if in_shape and boxes[heads[sources[0]][0]].group:  # read the wrapper's merged shape
            in_shape = next(g.output_shape for g in groups
                            if g.name == boxes[heads[sources[0]][0]].group)
        shape = _output_shape(layer, in_shape)
        if type(layer).__name__ == "Bidirectional":
            inner = [(layer.forward_layer, FORWARD), (layer.backward_layer, BACKWARD)]
            made = [_recurrent(part, _shape(part.compute_output_shape(in_shape)), row, way,
                               layer.name) for part, way in inner]
            groups.append(Group(layer.name, "Bidirectional", shape, int(layer.count_params()),
                                tuple(b.name for b in made), str(layer.merge_mode)))
        elif hasattr(layer, "return_sequences") and hasattr(layer, "units"):
            way = BACKWARD if getattr(layer, "go_backwards", False) else FORWARD
            made = [_recurrent(layer, shape, row, way)]
        else:
            made = [Box(layer.name, type(layer).__name__, shape, int(layer.count_params()),
                        row)]
        for box in made:
            boxes[box.name] = box
            edges += [Edge(h, box.name) for s in sources for h in heads[s]]
        heads[layer.name] = tuple(b.name for b in made)
        previous = layer.name
    lanes: dict[int, int] = {}
    placed = []
    for box in sorted(boxes.values(), key=lambda b: b.row):
        lane = lanes.get(box.row, 0)
        lanes[box.row] = lane + 1
        placed.append(replace(box, lane=lane))
    return Diagram(model.name, tuple(placed), tuple(edges), tuple(groups),
                   int(model.count_params()))


# --------------------------------------------------------------------------- over time


@dataclass(frozen=True)
class Level:
    """One recurrent layer in the unrolled picture (a row per direction)."""

    name: str  # the layer's name (the wrapper's for a Bidirectional layer)
    keras_class: str  # the recurrent cell's class, e.g. "LSTM"
    directions: tuple[str, ...]  # (FORWARD,), (BACKWARD,) or (FORWARD, BACKWARD)
    units: int
    return_sequences: bool


@dataclass(frozen=True)
class Spot:
    """A place in the unrolled grid: level 0 = the tokens, 1.. = recurrent layers, the last
    = the layer that reads the recurrent output (`head`)."""

    level: int
    direction: str  # FORWARD / BACKWARD on a recurrent level, "" on the tokens and the head
    t: int  # the time step (the head of a last layer without return_sequences: -1)


@dataclass(frozen=True)
class Step:
    spot: Spot
    reads: tuple[int, ...]  # the token positions whose information has reached this state


@dataclass(frozen=True)
class Arrow:
    source: Spot
    target: Spot
    kind: str  # "time" (the state carried to the next step), "up" (the layer above reads)


@dataclass(frozen=True)
class Unrolled:
    tokens: tuple[str, ...]
    levels: tuple[Level, ...]
    head: str  # the layer after the last recurrent one (e.g. "dense"), "" when none
    head_class: str
    steps: tuple[Step, ...]
    arrows: tuple[Arrow, ...]

    def step(self, spot: Spot) -> Step:
        return next(s for s in self.steps if s.spot == spot)


def recurrent_levels(diagram: Diagram) -> tuple[Level, ...]:
    """The recurrent layers in reading order, a Bidirectional wrapper as one level."""
    levels, seen = [], set()
    for box in diagram.boxes:
        if not box.recurrent or (box.group and box.group in seen):
            continue
        if box.group:
            seen.add(box.group)
            members = [diagram.box(n) for n in next(
                g for g in diagram.groups if g.name == box.group).members]
            levels.append(Level(box.group, box.keras_class,
                                tuple(m.direction for m in members), box.units,
                                box.return_sequences))
        else:
            levels.append(Level(box.name, box.keras_class, (box.direction,), box.units,
                                box.return_sequences))
    return tuple(levels)


def _head(diagram: Diagram, levels: tuple[Level, ...]) -> Box | None:
    """The first layer after the last recurrent level (what reads its output)."""
    last = levels[-1].name
    last_boxes = {b.name for b in diagram.boxes if b.name == last or b.group == last}
    after = [e.target for e in diagram.edges if e.source in last_boxes]
    return diagram.box(after[0]) if after else None


def unroll(diagram: Diagram, tokens: tuple[str, ...]) -> Unrolled:
    """What each step of each recurrent layer reads, over `tokens` (see the module doc).

    Raises ValueError when the model has no recurrent layer or no tokens are given."""
    levels = recurrent_levels(diagram)
    if not levels or not tokens:
        raise ValueError("unroll needs a recurrent layer and at least one token")
    n = len(tokens)
    reads: dict[Spot, frozenset[int]] = {Spot(0, "", t): frozenset((t,)) for t in range(n)}
    arrows: list[Arrow] = []
    below = [Spot(0, "", t) for t in range(n)]  # what level 1 reads at each step: one spot
    below_spots = [[spot] for spot in below]
    for number, level in enumerate(levels, start=1):
        for way in level.directions:
            order = range(n) if way == FORWARD else range(n - 1, -1, -1)
            carried: frozenset[int] = frozenset()
            before = None
            for t in order:
                spot = Spot(number, way, t)
                for source in below_spots[t]:
                    arrows.append(Arrow(source, spot, "up"))
                    carried = carried | reads[source]
                if before is not None:
                    arrows.append(Arrow(before, spot, "time"))
                reads[spot] = carried
                before = spot
        below_spots = [[Spot(number, way, t) for way in level.directions] for t in range(n)]
    head_box = _head(diagram, levels)
    top = len(levels) + 1
    if levels[-1].return_sequences:  # the head reads every step
        for t in range(n):
            spot = Spot(top, "", t)
            reads[spot] = frozenset().union(*(reads[s] for s in below_spots[t]))
            arrows += [Arrow(s, spot, "up") for s in below_spots[t]]
    else:  # one vector: each direction's state after the last token it read
        spot = Spot(top, "", -1)
        finals = [Spot(top - 1, way, n - 1 if way == FORWARD else 0)
                  for way in levels[-1].directions]
        reads[spot] = frozenset().union(*(reads[s] for s in finals))
        arrows += [Arrow(s, spot, "up") for s in finals]
    steps = tuple(Step(spot, tuple(sorted(seen))) for spot, seen in reads.items())
    return Unrolled(tuple(tokens), levels, head_box.name if head_box else "",
                    head_box.keras_class if head_box else "", steps, tuple(arrows))
