"""The project's own code passes ``ruff check`` with pyproject's ``[tool.ruff]`` settings.

The rule set is small on purpose (pyflakes, bugbear, pyupgrade, sorted imports): it catches real
mistakes, such as ``rstrip("\\\\r\\\\n")`` stripping the letters r and n instead of a line ending.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"


def ruff(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "ruff", "check", "--no-cache", "--output-format", "concise", *args]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=120)


def test_the_repository_passes_ruff() -> None:
    got = ruff(".")
    assert got.returncode == 0, got.stdout + got.stderr


def test_the_settings_catch_a_misleading_strip(tmp_path: Path) -> None:
    # The same settings on a file with the mistakes they exist for: the check is not vacuous.
    bad = tmp_path / "bad.py"
    bad.write_text('import os\n\n\ndef f(s: str) -> str:\n    return s.rstrip("\\\\r\\\\n")\n', encoding="utf-8")
    got = ruff("--config", str(PYPROJECT), str(bad), cwd=tmp_path)
    assert got.returncode == 1
    assert "F401" in got.stdout and "B005" in got.stdout
