"""The README's quick start is what CI runs."""

import re

from conftest import ROOT


def _readme_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Quick start.*?```bash\n(.*?)```", readme, re.S)
    assert block, "README needs a Quick start bash block"
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_quick_start_is_exactly_two_commands():
    install_and_run, test = _readme_commands()
    assert "streamlit run app.py" in install_and_run and "requirements.txt" in install_and_run
    assert "pytest" in test


def test_ci_runs_the_readmes_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    test_command = _readme_commands()[1]
    assert test_command in ci.splitlines()
    assert "RNN_EXPLAINER_DATA" in ci and "chromium" in ci


def test_every_requirement_is_pinned():
    for name in ("requirements.txt", "requirements-dev.txt"):
        for line in (ROOT / name).read_text(encoding="utf-8").splitlines():
            spec = line.split("#")[0].strip()
            if spec and not spec.startswith("-r"):
                assert "==" in spec, f"{name}: {spec} is not pinned"
