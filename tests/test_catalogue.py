"""The Chinese catalogue matches the English source strings: none missing, none extra, the
same placeholders, and no string the extractor cannot see."""

from __future__ import annotations

import ast
import string

import pytest
from babel.messages.extract import extract, extract_from_dir
from conftest import ROOT

from lessons import i18n

SOURCES = ("app.py", "lessons", "explainers")
KEYWORDS = {"_": None, "N_": None}  # the two markers (lessons/i18n.py, explainers/i18n.py)


def source_strings() -> dict[str, str]:
    """English source string -> where it is, extracted by Babel as `pybabel extract` would."""
    found: dict[str, str] = {}
    for source in SOURCES:
        path = ROOT / source
        if path.is_file():
            with path.open("rb") as handle:
                items = [(path.name, *item) for item in extract("python", handle, KEYWORDS)]
        else:
            items = [(f"{source}/{name}", line, message, comments, context)
                     for name, line, message, comments, context in extract_from_dir(
                         str(path), [("**.py", "python")], keywords=KEYWORDS)]
        for where, line, message, *_ in items:
            if isinstance(message, str):
                found.setdefault(message, f"{where}:{line}")
    return found


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


@pytest.fixture(scope="module")
def english() -> dict[str, str]:
    return source_strings()


def test_every_source_string_is_translated(english):
    chinese = i18n.catalogue()
    missing = [f"{where}: {text[:70]}" for text, where in english.items() if text not in chinese]
    assert missing == [], f"{len(missing)} strings have no Chinese:\n" + "\n".join(missing)


def test_the_catalogue_holds_nothing_the_app_does_not_say(english):
    extra = [text[:70] for text in i18n.catalogue() if text not in english]
    assert extra == [], f"{len(extra)} catalogue entries no code uses:\n" + "\n".join(extra)


def test_placeholders_are_the_same_in_both_languages():
    differ = [
        f"{english[:60]!r}: {sorted(placeholders(english))} vs {sorted(placeholders(chinese))}"
        for english, chinese in i18n.catalogue().items()
        if placeholders(english) != placeholders(chinese)
    ]
    assert differ == [], "\n".join(differ)


def test_no_marked_string_is_built_at_run_time():
    """_(f"...") or _("a" + b) cannot be in the catalogue: placeholders instead."""
    offenders = []
    for path in [ROOT / "app.py", *(ROOT / "lessons").rglob("*.py"),
                 *(ROOT / "explainers").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in KEYWORDS and node.args
                    and isinstance(node.args[0], ast.JoinedStr | ast.BinOp)):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == [], offenders


def test_a_missing_translation_falls_back_to_english(monkeypatch):
    monkeypatch.setattr(i18n, "is_chinese", lambda: True)
    assert i18n._("Projector mode") == "投影模式"
    assert i18n._("No such sentence {n}", n=3) == "No such sentence 3"
