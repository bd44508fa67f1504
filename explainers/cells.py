"""What each recurrent cell is, written once: its Keras class, names, weight blocks and gates.

Every other module asks here instead of keeping its own table. The facts are Keras 3's:

- SimpleRNN: one block, h_t = tanh(x_t W + h_{t-1} U + b).
- LSTM: four blocks side by side in the kernel, in Keras's order i, f, c, o (the candidate
  is called g in this app, as in most papers, so it is not mistaken for the cell state c).
- GRU: three blocks z (update), r (reset), h~ (candidate, g here); with `reset_after=True`
  (Keras's default, the cuDNN layout) each block has two biases, input and recurrent.

`kept_per_step` is how many (batch, units) arrays one step of the layer keeps for
backpropagation (its gates and states); the lab's memory estimate multiplies by it.
Nothing here imports Keras until a function that needs a Keras class is called.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Cell:
    kind: str  # the app's key: "simplernn" | "lstm" | "gru"
    name: str  # the Keras class, also how every page names it ("SimpleRNN")
    keras_name: str  # Keras's default layer name, as model.summary() prints it
    blocks: int  # weight blocks side by side in the kernel (the "× 4" of an LSTM)
    gates: tuple[str, ...]  # the gate arrays a trace holds, in Keras's kernel order
    kept_per_step: int  # activations kept per unit and step for backpropagation


SIMPLE_RNN = Cell("simplernn", "SimpleRNN", "simple_rnn", 1, (), 2)
LSTM = Cell("lstm", "LSTM", "lstm", 4, ("i", "f", "g", "o"), 7)
GRU = Cell("gru", "GRU", "gru", 3, ("z", "r", "g"), 6)
CELLS: dict[str, Cell] = {c.kind: c for c in (SIMPLE_RNN, LSTM, GRU)}
KINDS: tuple[str, ...] = tuple(CELLS)  # in the order the lessons meet them


def cell(kind: str) -> Cell:
    """The cell of a kind; ValueError naming the kinds there are."""
    try:
        return CELLS[kind]
    except KeyError:
        raise ValueError(f"unknown recurrent cell {kind!r}; choose one of {KINDS}") from None


def display_name(kind: str) -> str:
    """"SimpleRNN", "LSTM", "GRU"."""
    return cell(kind).name


def keras_class(kind: str):
    """The Keras layer class of a kind (imports Keras)."""
    from keras import layers

    return getattr(layers, cell(kind).name)


def kind_of(layer) -> str | None:
    """"lstm", "gru" or "simplernn" for those Keras layers (not Bidirectional), else None."""
    from keras import layers

    for kind, spec in CELLS.items():
        if isinstance(layer, getattr(layers, spec.name)):
            return kind
    return None
