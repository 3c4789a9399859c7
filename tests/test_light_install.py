"""Light install (issue 17, item 16): without the training extra, every command that needs it says
once which extra to install and exits 2 (no traceback); `lint --model` never turns a missing
library into per-record TP601 findings. The missing library is simulated with
``sys.modules[name] = None`` (what an uninstalled package looks like to ``import``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from toolproof.cli import main

GOOD = {"id": "g", "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}
TEST = {"id": "t", "messages": [{"role": "user", "content": "hi"}], "expected_calls": []}


@pytest.fixture
def data(tmp_path: Path) -> Path:
    p = tmp_path / "d.jsonl"
    p.write_text(json.dumps(GOOD) + "\n" + json.dumps({**GOOD, "id": "h"}) + "\n")
    return p


@pytest.fixture
def test_set(tmp_path: Path) -> Path:
    p = tmp_path / "test.jsonl"
    p.write_text(json.dumps(TEST) + "\n")
    return p


def _argv(cmd: str, data: Path, test_set: Path, tmp: Path) -> list[str]:
    return {
        "train": ["train", str(data), "-o", str(tmp / "run")],
        "train-dry-run": ["train", str(data), "--dry-run"],
        "eval": ["eval", "--model", "smollm2-135m", "--data", str(test_set), "-o", str(tmp / "r.csv"), "--no-progress"],
        "inspect": ["inspect", str(data)],
        "models-check": ["models", "check", "smollm2-135m"],
        "lint-model": ["lint", "--model", "smollm2-135m", str(data)],
    }[cmd]


# inspect, lint --model and train --dry-run need only the tokenizer (transformers); the others torch too
CASES = [(c, "transformers") for c in ("train", "train-dry-run", "eval", "inspect", "models-check", "lint-model")]
CASES += [(c, "torch") for c in ("train", "eval", "models-check")] + [("train", "trl"), ("train", "peft")]


@pytest.mark.parametrize(("cmd", "missing"), CASES)
def test_missing_training_extra_is_one_clear_error(cmd: str, missing: str, data: Path, test_set: Path, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, missing, None)
    code = main(_argv(cmd, data, test_set, tmp_path))
    out, err = capsys.readouterr()
    assert code == 2, (out, err)
    assert "Traceback" not in out + err
    assert (out + err).count("pip install 'toolproof[train]'") == 1
    assert missing in err
    assert "TP601" not in out + err


def test_lint_without_model_needs_no_extra(data: Path, capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    for m in ("transformers", "torch", "trl", "peft"):
        monkeypatch.setitem(sys.modules, m, None)
    assert main(["lint", str(data)]) == 0
    capsys.readouterr()


def test_unknown_model_for_lint_is_a_usage_error_not_findings(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["lint", "--model", str(data.parent / "no-such-model"), str(data)])
    out, err = capsys.readouterr()
    assert code == 2 and "TP601" not in out and "--model" in err
