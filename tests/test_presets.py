"""The lesson's models as presets: every printed number recomputed, every recipe the lesson's."""

from __future__ import annotations

from dataclasses import replace

import pytest

from explainers import lab, lesson, models, params, presets

TITLES = list(presets.PARAMETER_MODELS)


@pytest.mark.parametrize("count", lesson.PRINTED_COUNTS, ids=lambda c: f"{c.model}-{c.value}")
def test_every_count_the_lesson_printed_is_the_formulas_and_keras(count):
    title, index = presets.LESSON_COUNTS[count.value]
    spec = presets.PARAMETER_MODELS[title]
    assert params.count_model(spec).layers[index].params == count.value
    keras_model = params.keras_model(spec)
    weighted = [layer for layer in keras_model.layers if type(layer).__name__ != "InputLayer"]
    assert weighted[index].count_params() == count.value


def test_lesson_totals_and_memory_as_summary_prints_them():
    expected = {
        TITLES[0]: lesson.POOL_TOTAL,
        TITLES[1]: "169,409 (661.75 KB)",
        TITLES[2]: "308,609 (1.18 MB)",
        presets.CHAR_TITLE: "1,395,009 (5.32 MB)",
    }
    for title, text in expected.items():
        assert params.count_model(presets.PARAMETER_MODELS[title]).total_text == text
    assert params.model_summary(presets.PARAMETER_MODELS[TITLES[2]]).total == (
        "308,609 (1.18 MB)")


def test_presets_are_valid_and_lesson_recipes_are_the_lessons():
    lessons = [p for p in presets.PRESETS.values() if p.lesson]
    assert [p.lesson_accuracy for p in lessons] == [0.8586, 0.4993, 0.8441]
    for preset in presets.PRESETS.values():
        assert preset.why and preset.imdb.padding in ("pre", "post")
        assert preset.imdb.num_words == preset.model.vocab_size == lesson.IMDB.num_words
        if preset.lesson:  # unchanged: full-width batches of 500, no masking
            assert preset.imdb.maxlen == lesson.IMDB.maxlen and not preset.train.bucketing
            assert not preset.model.mask_zero
            assert preset.train.batch_size == preset.lesson.batch_size  # 128 / 512 / 512
            assert preset.train.epochs == preset.lesson.epochs == 30
            assert preset.imdb.padding == lesson.IMDB.padding == "post"
            assert preset.train.validation_split == lesson.IMDB.validation_split
            assert preset.train.early_stopping_patience == 0
            assert preset.model.embed_dim == lesson.IMDB.embed_dim
            assert preset.model.dense_units == lesson.IMDB.dense_units
        else:
            assert presets.PRESETS[preset.compare_with].lesson
            assert presets.lesson_accuracy_for(preset) == (
                presets.PRESETS[preset.compare_with].lesson_accuracy)
    assert presets.LESSON_RNN.imdb.padding == "post"
    assert presets.LESSON_POOL.train.epochs == lesson.POOL.epochs
    assert models.parameter_count(presets.LESSON_BILSTM.model) == 308_609


def test_a_preset_matches_only_its_own_settings():
    preset = presets.FAST_LSTM
    imdb, model, train = preset.imdb, preset.model, preset.train
    assert preset.matches(imdb, model, train)
    assert preset.matches(replace(imdb, source="/elsewhere"), model, replace(train, seed=7))
    assert not preset.matches(replace(imdb, maxlen=300), model, train)
    assert not preset.matches(imdb, replace(model, units=64), train)
    assert not preset.matches(imdb, model, replace(train, batch_size=32))


def test_the_lesson_presets_are_the_lessons_table():
    table = {"pool": (128, 30), "simplernn": (512, 30), "bilstm": (512, 30)}  # the table
    for key, (batch, epochs) in table.items():
        preset = presets.LESSON_PRESETS[key]
        assert (preset.train.batch_size, preset.train.epochs) == (batch, epochs)
        assert preset.imdb.padding == "post" and preset.imdb.maxlen == 500
        assert preset.train.learning_rate == 1e-3 and preset.train.validation_split == 0.2


def test_a_recipe_entered_by_hand_is_recognised_as_its_preset():
    lesson_rnn = presets.LESSON_RNN
    typed = (replace(lesson_rnn.imdb), replace(lesson_rnn.model),
             replace(lesson_rnn.train, seed=99, time_limit=3600.0))  # as the lab's form builds it
    assert presets.recognise(*typed) is lesson_rnn
    assert presets.recognise(lesson_rnn.imdb, lesson_rnn.model,
                             replace(lesson_rnn.train, batch_size=128)) is None
    changed = lab.differences(lesson_rnn, lesson_rnn.imdb, lesson_rnn.model,
                              replace(lesson_rnn.train, epochs=10, batch_size=128, seed=5))
    assert [(d.field, d.preset, d.value) for d in changed] == [
        ("epochs", 30, 10), ("batch_size", 512, 128)]  # the seed is not a change of recipe
