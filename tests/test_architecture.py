"""The compute core stays free of Streamlit, the home page free of TensorFlow, and only the
live runner starts threads."""

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


THREAD_NAMES = {"Thread", "ThreadPoolExecutor", "Timer"}  # what starts a thread
THREAD_HOME = ROOT / "explainers" / "live.py"  # the one live-job runner


def _thread_uses(path: Path) -> list[str]:
    """Where a file names threading.Thread (or a pool or timer), as 'file:line'."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
    found = []
    for node in ast.walk(tree):
        name = (node.attr if isinstance(node, ast.Attribute)
                else node.id if isinstance(node, ast.Name) else None)
        if name in THREAD_NAMES:
            found.append(f"{where}:{node.lineno}")
        elif isinstance(node, ast.ImportFrom) and any(
                alias.name in THREAD_NAMES for alias in node.names):
            found.append(f"{where}:{node.lineno}")
    return found


def test_only_the_live_runner_creates_threads():
    files = sorted([*(ROOT / "explainers").rglob("*.py"), *(ROOT / "pages").rglob("*.py"),
                    ROOT / "app.py"])
    offenders = [use for path in files if path != THREAD_HOME for use in _thread_uses(path)]
    assert offenders == [], f"only explainers/live.py may start threads: {offenders}"
    assert _thread_uses(THREAD_HOME), "the runner itself should be found by the check"


def test_the_thread_check_would_catch_each_spelling(tmp_path):
    for source, line in (("import threading\nthreading.Thread(target=print).start()\n", 2),
                         ("from threading import Thread as T\n", 1),
                         ("from concurrent.futures import ThreadPoolExecutor\n", 1),
                         ("import threading\nlock = threading.Lock()\n", None)):
        sample = tmp_path / "bad.py"
        sample.write_text(source, encoding="utf-8")
        assert _thread_uses(sample) == ([] if line is None else [f"bad.py:{line}"]), source


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
