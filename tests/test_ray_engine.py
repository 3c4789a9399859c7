"""The Ray Data engine (`toolproof[ray]`) on a local Ray with 2 CPUs: the same findings as the local engine.

One Ray per module (starting it costs seconds); one small file with every kind of finding the
engine handles: broken lines, a BOM, blank lines, record-rule errors, exact duplicates (TP501),
duplicate ids (TP502) and near duplicates (TP503), cut into many byte ranges.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import ray

from test_scale import awkward_file, record
from toolproof.cli import main
from toolproof.validator.engine import lint_paths
from toolproof.validator.ray_engine import lint_files_ray


@pytest.fixture(scope="module", autouse=True)
def local_ray() -> Iterator[None]:
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, ignore_reinit_error=True)
    yield
    ray.shutdown()


def key(f: Any) -> tuple[str, int, str, str]:
    return (f.file, f.line, f.code, f.path)


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    d = tmp_path_factory.mktemp("ray")
    a = awkward_file(d / "a.jsonl", n=150)
    near = record(1)
    near["messages"][0]["content"] = "Look up, thing 1!"  # TP503: same prompt once punctuation and case go
    near["id"] = "n1"
    b = d / "b.jsonl"
    b.write_text("\n".join(json.dumps(r) for r in (record(1), near, record(2), record(2))) + "\n", encoding="utf-8")
    return a, b


def test_same_findings_as_the_local_engine(data: tuple[Path, Path]) -> None:
    local = lint_paths(list(data))
    remote = lint_files_ray(list(data), range_bytes=2000, partitions=2)
    assert {f.code for f in local.findings} >= {"TP001", "TP010", "TP501", "TP502", "TP503"}
    assert set(map(key, remote.findings)) == set(map(key, local.findings))
    assert len(remote.findings) == len(local.findings)
    assert [(f.path, f.records) for f in remote.files] == [(f.path, f.records) for f in local.files]
    assert remote.findings == local.findings  # messages, ids and report order too
    assert remote.internal_errors == local.internal_errors == []


def test_cli_engine_ray_prints_the_local_report(data: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    code_l = main(["lint", *map(str, data), "--format", "json"])
    local = capsys.readouterr().out
    code_r = main(["lint", *map(str, data), "--format", "json", "--engine", "ray"])
    remote = capsys.readouterr().out
    assert code_l == code_r == 1 and remote == local
