"""Step through a sequence: Previous, Next and Play/Pause buttons over a step slider.

The buttons never write the slider's state themselves (Streamlit forbids changing a widget's
value after it is drawn); they leave the wanted step under `next_key`, which the next run
applies before the slider is drawn. Play advances one step per run: the page calls
`keep_playing` once everything is drawn, which pauses and reruns until the last step.
The buttons and the slider share one row; a link restores the step (`link_field`), and a step
beyond the sequence is clamped to its last.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import streamlit as st

from lessons import links
from lessons.i18n import N_, _

MAX_LINKED_STEP = 1_000_000  # a link's step is read up to here, then clamped to the sequence


@dataclass(frozen=True)
class Player:
    """One player's settings; its session-state keys all start with `prefix`."""

    prefix: str  # e.g. "gates": keys gates_step, gates_step_next, gates_playing, gates_play...
    seconds: float = 0.6  # pause between steps while playing: long enough to read a chart
    noun: str = N_("step")  # one step in the Play button's help: an N_ string ("token"...)

    @property
    def step_key(self) -> str:  # the slider
        return f"{self.prefix}_step"

    @property
    def next_key(self) -> str:  # a step set by a button or by play, applied before the slider
        return f"{self.prefix}_step_next"

    @property
    def playing_key(self) -> str:
        return f"{self.prefix}_playing"

    def link_field(self, name: str = "step") -> links.Field:
        """The step as a link field (`?step=12`); the sequence's length clamps it later."""
        return links.number(name, self.step_key, 0, MAX_LINKED_STEP)

    def playing(self) -> bool:
        return bool(st.session_state.get(self.playing_key, False))

    def _move(self, to: int) -> None:
        st.session_state[self.next_key] = to

    def _toggle(self, at_end: bool) -> None:
        st.session_state[self.playing_key] = not self.playing()
        if self.playing() and at_end:
            self._move(0)

    def controls(self, steps: int, label: str) -> int:
        """The three buttons and the slider over steps 0..steps-1; the step to show."""
        if self.next_key in st.session_state:
            st.session_state[self.step_key] = int(st.session_state.pop(self.next_key))
        current = int(np.clip(st.session_state.get(self.step_key, 0), 0, steps - 1))
        st.session_state[self.step_key] = current
        playing, last = self.playing(), steps - 1
        # one row: each button as wide as its words (in either language), the slider the rest
        row = st.container(horizontal=True, vertical_alignment="bottom")
        row.button(_("Previous"), icon=":material/chevron_left:", key=f"{self.prefix}_prev",
                   on_click=self._move, args=(max(current - 1, 0),),
                   disabled=current == 0 or playing)
        row.button(_("Next"), icon=":material/chevron_right:", key=f"{self.prefix}_next",
                   on_click=self._move, args=(min(current + 1, last),),
                   disabled=current >= last or playing)
        row.button(_("Pause") if playing else _("Play"), key=f"{self.prefix}_play",
                   icon=":material/pause:" if playing else ":material/play_arrow:",
                   on_click=self._toggle, args=(current >= last,), disabled=steps < 2,
                   help=_("One {noun} every {seconds:g} s; from the start again when at "
                          "the end.", noun=_(self.noun), seconds=self.seconds))
        step = row.slider(label, 0, max(last, 1), key=self.step_key, disabled=steps < 2)
        return min(step, last)

    def keep_playing(self, step: int, steps: int) -> None:
        """While playing: one step per rerun until the last (or Pause). Call it once the page
        is drawn: the rerun ends this run."""
        if not self.playing():
            return
        if step >= steps - 1:
            st.session_state[self.playing_key] = False
        else:
            time.sleep(self.seconds)
            st.session_state[self.next_key] = step + 1
            st.rerun()
