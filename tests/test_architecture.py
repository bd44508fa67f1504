"""The compute core stays free of Streamlit, and the home page stays free of TensorFlow."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_no_module_in_explainers_imports_streamlit():
    offenders = [
        path.name for path in sorted((ROOT / "explainers").rglob("*.py"))
        if "streamlit" in _imported_modules(path)
    ]
    assert offenders == [], f"explainers/ must not import streamlit: {offenders}"


def test_the_check_above_would_catch_a_nested_import(tmp_path):
    sample = tmp_path / "bad.py"
    sample.write_text("def f():\n    from streamlit import session_state\n", encoding="utf-8")
    assert "streamlit" in _imported_modules(sample)


def test_home_page_modules_do_not_import_tensorflow():
    """The first screen must not pay for TensorFlow's import (several seconds)."""
    probe = (
        f"import sys; sys.path.insert(0, {str(ROOT)!r})\n"
        "import explainers.resources, explainers.data, pages.ui\n"
        "heavy = [m for m in ('tensorflow', 'keras') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    assert out.stdout.strip() == ""


def test_every_page_in_the_navigation_exists_and_is_not_a_stub():
    sys.path.insert(0, str(ROOT))
    from pages import ui

    for lesson in [*ui.SECTIONS[""], *ui.lessons()]:
        source = (ROOT / lesson.path).read_text(encoding="utf-8")
        assert "Being built" not in source and "coming soon" not in source.lower(), lesson.path
        assert "ui.notice(" in source, f"{lesson.path} lacks its closing 'what to notice' note"
