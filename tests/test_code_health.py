"""Code health, checked with the tests: lint, types, one-way layers, and rooms of a readable size."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from plugin.paths import ROOT

MAX_MODULES_PER_FOLDER = 16
MAX_MODULE_LINES = 450  # "about 400": a module past this is split by role


def run(*command: str) -> subprocess.CompletedProcess[str]:
    """Run a checker from the project root."""
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize("command", [
    ("ruff", "check", "plugin", "tests", "bench"),
    (sys.executable, "-m", "mypy"),
    ("lint-imports",),
], ids=["ruff", "mypy", "import-linter"])
def test_checkers_are_clean(command: tuple[str, ...]) -> None:
    if shutil.which(command[0]) is None:
        pytest.fail(f"{command[0]} is not installed: python -m pip install -e '.[test]'")
    result = run(*command)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


def test_every_folder_and_module_stays_small() -> None:
    folders = {path.parent for path in (ROOT / "plugin").rglob("*.py")}
    for folder in folders:
        modules = [p for p in folder.glob("*.py") if p.name != "__init__.py"]
        assert len(modules) <= MAX_MODULES_PER_FOLDER, f"{folder}: {len(modules)} modules"
    for path in (ROOT / "plugin").rglob("*.py"):
        lines = len(path.read_text(encoding="utf-8").splitlines())
        assert lines <= MAX_MODULE_LINES, f"{path.relative_to(ROOT)}: {lines} lines"
    for path in [*(ROOT / "admin" / "js").glob("*.js"), *(ROOT / "overlay" / "js").glob("*.js")]:
        lines = len(path.read_text(encoding="utf-8").splitlines())
        assert lines <= MAX_MODULE_LINES, f"{path.relative_to(ROOT)}: {lines} lines"


def test_one_helper_owns_background_tasks() -> None:
    spawners = [p.relative_to(ROOT) for p in (ROOT / "plugin").rglob("*.py")
                if "create_task(" in p.read_text(encoding="utf-8")]
    assert spawners == [Path("plugin/tasks.py")], spawners
