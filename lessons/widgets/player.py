"""Step through a sequence in the browser: Plotly's own slider and Play / Pause on a figure
that holds one frame per step, so a step never waits for the server.

A figure builder gives each step a frame named by its number (`frame_name`); `controls`
returns the layout's slider and buttons over those frames, labelled in the reader's
language, starting on `start` (`play_help` says what Play does). The step a link restores
(`link_field`, `?step=12`) is kept in session state under `step_key`: the page draws it as
Previous / Next buttons and a Streamlit slider in one row (`slider`, a server rerun) that
mark the step in the page's other charts and set where the figure starts. The buttons never
write the slider's state themselves (Streamlit forbids changing a widget's value after it is
drawn); they leave the wanted step under `next_key`, applied before the slider is drawn. A
step beyond the sequence is clamped to its last.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from lessons import links
from lessons.i18n import N_, _

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
    seconds: float = 0.06  # per step while playing: ~16 a second, >= 10 on a busy laptop
    noun: str = N_("step")  # one step in `play_help`: an N_ string ("token"...)

    @property
    def step_key(self) -> str:  # the Streamlit slider, and the link's step
        return f"{self.prefix}_step"

    @property
    def next_key(self) -> str:  # a step set by a button, applied before the slider
        return f"{self.prefix}_step_next"

    def link_field(self, name: str = "step") -> links.Field:
        """The step as a link field (`?step=12`); the sequence's length clamps it later."""
        return links.number(name, self.step_key, 0, MAX_LINKED_STEP)

    def start(self, steps: int) -> int:
        """The step the figure starts on (a link's, the slider's, a button's), clamped to
        0..steps-1."""
        if self.next_key in st.session_state:
            st.session_state[self.step_key] = int(st.session_state.pop(self.next_key))
        current = int(np.clip(st.session_state.get(self.step_key, 0), 0, steps - 1))
        st.session_state[self.step_key] = current
        return current

    def _move(self, to: int) -> None:
        st.session_state[self.next_key] = to

    def slider(self, steps: int, label: str, **kwargs) -> int:
        """Previous, Next and a Streamlit slider over steps 0..steps-1 in one row: the
        step the page marks (a server rerun); each button as wide as its words."""
        current, last = self.start(steps), steps - 1
        row = st.container(horizontal=True, vertical_alignment="bottom")
        row.button(_("Previous"), icon=":material/chevron_left:", key=f"{self.prefix}_prev",
                   on_click=self._move, args=(max(current - 1, 0),), disabled=current == 0)
        row.button(_("Next"), icon=":material/chevron_right:", key=f"{self.prefix}_next",
                   on_click=self._move, args=(min(current + 1, last),),
                   disabled=current >= last)
        step = row.slider(label, 0, max(last, 1), key=self.step_key, disabled=steps < 2,
                          **kwargs)
        return min(step, last)

    def play_help(self) -> str:
        """What Play does, in a sentence (Plotly's buttons have no tooltip)."""
        return _("One {noun} every {seconds:g} s; from the start again when at the end.",
                 noun=_(self.noun), seconds=self.seconds)

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
