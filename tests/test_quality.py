"""The code-quality gates run with the suite, so CI fails on a lint or type error like on a broken test."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from tests.conftest import ROOT


@pytest.mark.parametrize("command", [["ruff", "check", "dedup", "tests", "scripts"], ["mypy", "dedup"]],
                         ids=["ruff", "mypy"])
def test_static_checks_pass(command: list[str]) -> None:
    if shutil.which(command[0]) is None:
        pytest.skip(f"{command[0]} is not installed (pip install -e '.[test]')")
    result = subprocess.run([sys.executable, "-m", *command], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
