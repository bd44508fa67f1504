"""Step through a sequence in the browser: Plotly's own slider and Play / Pause on a figure
that holds one frame per step, so a step never waits for the server.

A figure builder gives each step a frame named by its number (`frame_name`); `controls`
returns the layout's slider and buttons over those frames, labelled in the reader's
language, starting on `start`. The step a link restores (`link_field`, `?step=12`) is kept in
session state under `step_key`: the page draws it as a Streamlit slider (`slider`) that
marks the step in the page's other charts and is where the figure starts; a step beyond
the sequence is clamped to its last.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from lessons import links
from lessons.i18n import _

MAX_LINKED_STEP = 1_000_000  # a link's step is read up to here, then clamped to the sequence
STEP_NOW = {"mode": "immediate", "frame": {"duration": 0, "redraw": False},
            "transition": {"duration": 0}}  # a slider step: straight to the frame


def frame_name(step: int) -> str:
    """A step's frame name (Plotly names frames by strings)."""
    return str(step)


@dataclass(frozen=True)
class Player:
    """One player's settings; its session-state keys all start with `prefix`."""

    prefix: str  # e.g. "gates": the step's key is gates_step
    seconds: float = 0.08  # per step while playing: 12 a second, 10 once each is drawn

    @property
    def step_key(self) -> str:  # the Streamlit slider, and the link's step
        return f"{self.prefix}_step"

    def link_field(self, name: str = "step") -> links.Field:
        """The step as a link field (`?step=12`); the sequence's length clamps it later."""
        return links.number(name, self.step_key, 0, MAX_LINKED_STEP)

    def start(self, steps: int) -> int:
        """The step the figure starts on (a link's, the slider's), clamped to 0..steps-1."""
        current = int(np.clip(st.session_state.get(self.step_key, 0), 0, steps - 1))
        st.session_state[self.step_key] = current
        return current

    def slider(self, steps: int, label: str, **kwargs) -> int:
        """A Streamlit slider over steps 0..steps-1 on the same step (a server rerun)."""
        self.start(steps)
        step = st.slider(label, 0, max(steps - 1, 1), key=self.step_key,
                         disabled=steps < 2, **kwargs)
        return min(step, steps - 1)

    def controls(self, steps: int, start: int, label: str, buttons_y: float) -> dict:
        """The layout's slider over frames 0..steps-1 (`label` before the step's number)
        along the figure's bottom, and Play / Pause above its left end at `buttons_y` (of
        the plotting height). Frames change traces only: Plotly moves to one without a
        redraw."""
        play = {"frame": {"duration": int(self.seconds * 1000), "redraw": False},
                "transition": {"duration": 0}, "fromcurrent": True, "mode": "immediate"}
        pause = {"frame": {"duration": 0, "redraw": False}, "transition": {"duration": 0},
                 "mode": "immediate"}
        buttons = [{"label": "▶ " + _("Play"), "method": "animate", "args": [None, play]},
                   {"label": "❚❚ " + _("Pause"), "method": "animate", "args": [[None], pause]}]
        return {
            "updatemenus": [{"type": "buttons", "direction": "left", "showactive": False,
                             "x": 0, "xanchor": "left", "y": buttons_y, "yanchor": "bottom",
                             "pad": {"t": 0, "b": 0}, "buttons": buttons}],
            "sliders": [{"active": start, "x": 0, "len": 1, "y": 0, "yanchor": "bottom",
                         "pad": {"t": 0, "b": 0},
                         "minorticklen": 0,  # Plotly labels every few steps: tick those
                         "currentvalue": {"prefix": f"{label} ", "xanchor": "left"},
                         "transition": {"duration": 0},
                         "steps": [{"label": frame_name(t), "method": "animate",
                                    "args": [[frame_name(t)], STEP_NOW]}
                                   for t in range(steps)]}],
        }
