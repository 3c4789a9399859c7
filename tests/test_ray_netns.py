"""Runs the Ray test modules inside a loopback-only network and PID namespace (see tests/ray_netns.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from ray_netns import IN_NETNS, SETUP, UNSHARE, can_isolate

ROOT = Path(__file__).resolve().parent.parent
MODULES = ["tests/test_ray_engine.py", "tests/test_ray_storage.py", "tests/test_ray_cluster.py"]


@pytest.mark.skipif(IN_NETNS or not can_isolate(), reason="the Ray modules run in place (no namespace can be made)")
def test_the_ray_tests_pass_on_loopback_only() -> None:
    env = {**os.environ, "TOOLPROOF_IN_NETNS": "1", "RAY_USAGE_STATS_ENABLED": "0"}
    inner = f"{SETUP} && exec {sys.executable} -m pytest -q -p no:cacheprovider -p no:randomly {' '.join(MODULES)}"
    got = subprocess.run([*UNSHARE, "sh", "-c", inner], cwd=ROOT, env=env, capture_output=True, text=True, timeout=1500)
    tail = (got.stdout + got.stderr)[-6000:]
    assert got.returncode == 0, tail
    last = [ln for ln in got.stdout.splitlines() if ln.strip()][-1]
    assert " passed" in last and "skipped" not in last and "failed" not in last, tail
