"""The compute core stays free of Streamlit, the home page free of TensorFlow, and only the
live runners start threads."""

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


def test_figure_builders_draw_without_streamlit():
    """lessons/charts/ builds figures from arrays; reading widgets is the page's job."""
    offenders = [
        path.name for path in sorted((ROOT / "lessons" / "charts").rglob("*.py"))
        if "streamlit" in _imported_modules(path)
    ]
    assert offenders == [], f"lessons/charts/ must not import streamlit: {offenders}"


def test_the_check_above_would_catch_a_nested_import(tmp_path):
    sample = tmp_path / "bad.py"
    sample.write_text("def f():\n    from streamlit import session_state\n", encoding="utf-8")
    assert "streamlit" in _imported_modules(sample)


THREAD_NAMES = {"Thread", "ThreadPoolExecutor", "Timer"}  # what starts a thread
THREAD_HOMES = (ROOT / "explainers" / "live.py",  # the live-job runner (a thread per job)
                ROOT / "explainers" / "cluster.py",  # its Dask twin (one keeper thread)
                ROOT / "explainers" / "workers.py")  # the cluster's warm-up (one, in the back)


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
    files = sorted([*(ROOT / "explainers").rglob("*.py"), *(ROOT / "lessons").rglob("*.py"),
                    ROOT / "app.py"])
    offenders = [use for path in files if path not in THREAD_HOMES for use in _thread_uses(path)]
    assert offenders == [], f"only the live runners may start threads: {offenders}"
    for home in THREAD_HOMES:
        assert _thread_uses(home), f"the runner {home.name} should be found by the check"


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
        "import explainers.resources, explainers.data, lessons.ui\n"
        "heavy = [m for m in ('tensorflow', 'keras') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    assert out.stdout.strip() == ""


def test_every_page_in_the_navigation_exists_and_is_not_a_stub():
    sys.path.insert(0, str(ROOT))
    from lessons import ui

    for lesson in [*ui.SECTIONS[""], *ui.lessons()]:
        source = (ROOT / lesson.path).read_text(encoding="utf-8")
        assert "Being built" not in source and "coming soon" not in source.lower(), lesson.path
        assert "ui.notice(" in source, f"{lesson.path} lacks its closing 'what to notice' note"


COMPOSITION_LIMIT = 15  # top-level statements after the last function: a table of contents
PAGE_LINES = 300  # a page is a short story; the maths lives in explainers/
EXPLAINER_LINES = 450  # one idea per module


def _page_shape_problems(source: str) -> list[str]:
    """What keeps a page script from the house shape: docstring, imports and constants,
    functions (cached loaders, figure builders, sections), then a short composition at the
    bottom ending in the 'what to notice' note."""
    tree = ast.parse(source)
    body, problems = tree.body, []
    if ast.get_docstring(tree) is None:
        problems.append("no docstring")
    defs = [i for i, node in enumerate(body)
            if isinstance(node, (ast.FunctionDef, ast.ClassDef))]
    first, last = (defs[0], defs[-1]) if defs else (len(body), -1)
    for node in body[1:first]:
        targets = (node.targets if isinstance(node, ast.Assign)
                   else [node.target] if isinstance(node, ast.AnnAssign) else None)
        names = [n.id for t in targets or [] for n in ast.walk(t) if isinstance(n, ast.Name)]
        constant = targets is not None and all(name.isupper() for name in names)
        if not (constant or isinstance(node, (ast.Import, ast.ImportFrom))):
            problems.append(f"line {node.lineno}: code before the first function")
    if any(isinstance(body[i], ast.FunctionDef) and body[i].name == "main" for i in defs):
        problems.append("a main() wrapper instead of a composition")
    tail = body[last + 1:]
    if len(tail) > COMPOSITION_LIMIT:
        problems.append(f"a composition of {len(tail)} statements")
    end = tail[-1] if tail else None
    if not (isinstance(end, ast.Expr) and isinstance(end.value, ast.Call)
            and ast.unparse(end.value.func) == "ui.notice"):
        problems.append("the page does not end with ui.notice(...)")
    return problems


def test_every_page_has_the_house_shape():
    sys.path.insert(0, str(ROOT))
    from lessons import ui

    for lesson in [*ui.SECTIONS[""], *ui.lessons()]:
        source = (ROOT / lesson.path).read_text(encoding="utf-8")
        assert _page_shape_problems(source) == [], lesson.path
        lines = len(source.splitlines())
        assert lines <= PAGE_LINES, f"{lesson.path}: {lines} lines, over {PAGE_LINES}"


def test_explainer_modules_hold_one_idea_each():
    """No module of explainers/ grows past one idea's length."""
    sizes = {p.name: len(p.read_text(encoding="utf-8").splitlines())
             for p in (ROOT / "explainers").glob("*.py")}
    assert {name: n for name, n in sizes.items() if n > EXPLAINER_LINES} == {}


def test_the_shape_check_catches_a_main_wrapper_and_a_missing_note():
    page = ('"""A page."""\nimport streamlit as st\nx = 1\n\n'
            'def main():\n    st.write(x)\n\nmain()\n')
    assert _page_shape_problems(page) == [
        "line 3: code before the first function",
        "a main() wrapper instead of a composition",
        "the page does not end with ui.notice(...)",
    ]
