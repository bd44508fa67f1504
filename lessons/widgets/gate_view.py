"""The gates page's choices: an LSTM model (shipped or a lab run), a review from any source,
traced once per server (`model_picker.traced`), and which LSTM layer and direction to show;
each failure is said on the page and ends the choosing (None), never a traceback.

`View` is what the page's sections draw; `reset_with` restarts a keyed widget when the view
(or another context) changes, as an unkeyed widget would.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from explainers import cells, gates, reviews, runs, tracer
from lessons import ui
from lessons.charts import gates as draw
from lessons.i18n import _, explain
from lessons.widgets import model_picker, review_source


def reset_with(key: str, context, default) -> None:
    """Put a keyed widget back to `default` whenever `context` (the review, the step...)
    changes, as an unkeyed widget would be; a value a link set (no context yet) is kept."""
    marker = f"{key}_for"
    if key not in st.session_state or st.session_state.get(marker, context) != context:
        st.session_state[key] = default
    st.session_state[marker] = context


@dataclass
class View:
    """One review traced through one layer of one model: what every section draws."""

    key: str  # the model's picker key
    model: runs.TrainedModel
    review: reviews.Prepared
    result: tracer.ModelTrace
    trace: gates.Trace  # the LSTM layer (and direction) shown
    index: int  # its place in result.lstm_layers()
    real: slice  # the review's own steps in the traced ids (without any <PAD>)

    @property
    def values(self) -> dict[str, np.ndarray]:  # each (T, units)
        return {name: self.trace.values[name][self.real] for name in draw.QUANTITIES}

    @property
    def context(self) -> tuple:
        """Which model, review and layer: keyed widgets start afresh when it changes."""
        return self.key, hash(self.result.ids.tobytes()), self.index


def traced_review(prefix: str, model_key: str, layer_key: str, echo: int) -> View | None:
    """Pick a model (`model_key`), a review (widget keys from `prefix`) and, in a deeper
    model, a layer (`layer_key`), and trace it; None after saying what is missing. Error
    texts are echoed up to `echo` characters."""
    key = model_picker.pick_model(
        _("Model"), lambda run: run.body == cells.LSTM.kind, key=model_key,
        help=_("The shipped model, or any LSTM trained in the Sentiment lab."),
        no_runs=_("Train an LSTM in the Sentiment lab and it appears here too (stacked and "
                  "bidirectional ones included)."))
    if key is None:
        st.error(_("No LSTM model here: the shipped one is missing (rebuild it with "
                   "scripts/train_lstm_sentiment.py) and no lab run is an LSTM."))
        return None
    try:
        model, reader = model_picker.trained_model(key), model_picker.tracer_for(key)
    except Exception as error:  # a damaged run or asset: say so and stop, never a traceback
        st.error(_("This model cannot be opened: {why}",
                   why=explain(error, echo)))
        return None
    picked = review_source.choose_review(prefix)
    if picked is None:
        ui.notice(_("upload a plain-text review, or pick another source above."))
        return None
    try:
        review = reviews.check_review(picked[0], model.input_format)
    except reviews.BadReview as error:
        st.error(explain(error))
        ui.notice(_("the model only knows the {n:,} most frequent words of the training "
                    "reviews; everything else becomes <UNK>.",
                    n=model.input_format.vocabulary.size))
        return None
    ids, real = review.for_model(reader.mask_zero)
    with st.spinner(_("Tracing every gate…")):
        result = model_picker.traced(key, tuple(int(i) for i in ids))
    layers = result.lstm_layers()
    if not layers:
        st.warning(_("This model has no LSTM layer; the gates shown here are an LSTM's."))
        return None
    index = 0
    if len(layers) > 1:
        if st.session_state.get(layer_key, 0) >= len(layers):  # a link to a deeper model
            st.session_state[layer_key] = len(layers) - 1
        index = st.selectbox(_("Layer and direction"), range(len(layers)), key=layer_key,
                             format_func=[draw.layer_label(lt, _) for lt in layers].__getitem__)
    return View(key, model, review, result, layers[index].trace, index, real)
