"""The Ray engine on a real two-node cluster (a head and a worker raylet on loopback, token auth on, as
`ray start` sets it up in current Ray), driven from another working folder (issue 38): relative paths
resolve on the driver, findings and cleaned output are the local engine's, and a missing cluster or
token is a clear error with exit 3. Runs only in the isolated namespace (tests/ray_netns.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from ray_netns import closed_port, free_port, own_cluster
from test_scale import awkward_file

from toolproof.cli import main

pytestmark = own_cluster
RAY = [sys.executable, "-m", "ray.scripts.scripts"]


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "RAY_AUTH_MODE": "token", "RAY_USAGE_STATS_ENABLED": "0"}
    subprocess.run([*RAY, "start", "--head", f"--port={port}", "--num-cpus=1", "--include-dashboard=false",
                    "--disable-usage-stats"], env=env, check=True, capture_output=True, timeout=300)
    subprocess.run([*RAY, "start", f"--address=127.0.0.1:{port}", "--num-cpus=1"], env=env, check=True,
                   capture_output=True, timeout=300)
    os.environ["RAY_AUTH_MODE"] = "token"
    yield f"127.0.0.1:{port}"
    import ray

    ray.shutdown()
    subprocess.run([*RAY, "stop", "--force"], capture_output=True, timeout=120)  # this PID namespace only


def test_two_nodes_from_another_folder_give_the_local_results(
    cluster: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import ray

    data = tmp_path / "data"
    data.mkdir()
    awkward_file(data / "a.jsonl", n=60)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    rel = os.path.join("..", "data", "a.jsonl")
    assert main(["lint", rel, "--format", "json"]) == 1
    local = capsys.readouterr().out
    assert main(["lint", rel, "--format", "json", "--engine", "ray", "--ray-address", cluster]) == 1
    remote = capsys.readouterr().out
    assert remote == local and json.loads(remote)["findings"]
    assert len([n for n in ray.nodes() if n["Alive"]]) == 2  # both raylets took part in the cluster
    # clean: a relative -o lands under the driver's folder, parts and summary together
    assert main(["clean", rel, "-o", "local.jsonl", "--quarantine", "local.q.jsonl"]) in (0, 1)
    assert main(["clean", rel, "-o", "out", "--engine", "ray", "--ray-address", cluster]) in (0, 1)
    parts = sorted((elsewhere / "out" / "cleaned").glob("part-*.jsonl"))
    assert parts and (elsewhere / "out" / "summary.json").is_file()
    assert b"".join(p.read_bytes() for p in parts) == (elsewhere / "local.jsonl").read_bytes()


def test_a_missing_token_and_a_missing_cluster_are_clear_errors(cluster: str, tmp_path: Path) -> None:
    f = tmp_path / "a.jsonl"
    f.write_text('{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}\n')
    env = {**os.environ, "RAY_AUTH_MODE": "disabled", "TOOLPROOF_RAY_CONNECT_TIMEOUT": "3"}
    cmd = [sys.executable, "-m", "toolproof", "lint", str(f), "--engine", "ray", "--ray-address"]
    got = subprocess.run([*cmd, cluster], env=env, capture_output=True, text=True, timeout=300)
    assert got.returncode == 3, got.stderr[-2000:]
    assert f"the Ray cluster at {cluster} wants a token: set RAY_AUTH_MODE=token and RAY_AUTH_TOKEN" in got.stderr
    t0 = time.monotonic()
    with closed_port() as port:
        got = subprocess.run([*cmd, f"127.0.0.1:{port}"], env=env, capture_output=True, text=True, timeout=300)
    assert got.returncode == 3 and "no Ray cluster at 127.0.0.1:" in got.stderr and "Connection refused" in got.stderr
    assert time.monotonic() - t0 < 60  # not Ray's 14 minutes of retries
