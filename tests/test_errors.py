"""One error base class: every deliberate error is a ToolproofError; the CLI turns one into exit 2."""

from __future__ import annotations

import argparse

import pytest

from toolproof.cli import main
from toolproof.commands._common import UsageError
from toolproof.compare import CompareConfigError
from toolproof.evaluator import score
from toolproof.evaluator.bfcl import BfclError
from toolproof.trainer import config as train_config
from toolproof.trainer.models import ModelError, ModelNotInstalled
from toolproof.trainer.train import DirtyDataError, TrainError
from toolproof.validator import config as lint_config
from toolproof.validator import io
from toolproof.validator.cleaner import CleanError, FixFileError
from toolproof.validator.errors import ConfigError, InputError, ToolproofError


@pytest.mark.parametrize(
    "cls",
    [UsageError, CompareConfigError, BfclError, ModelError, ModelNotInstalled, TrainError, DirtyDataError,
     CleanError, FixFileError, InputError, ConfigError],
)  # fmt: skip
def test_every_error_kind_is_a_toolproof_error(cls: type) -> None:
    assert issubclass(cls, ToolproofError)


def test_one_input_error_and_one_config_error() -> None:
    assert io.InputError is score.InputError is InputError
    assert lint_config.ConfigError is train_config.ConfigError is ConfigError
    assert issubclass(CompareConfigError, ConfigError)
    # callers that caught the old ValueError-based classes still catch them
    assert issubclass(InputError, ValueError) and issubclass(ConfigError, ValueError)


def test_unreadable_test_set_raises_the_shared_input_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "t.jsonl"
    bad.write_text('{"id": 1, "expected_calls": []}\nnot json\n', encoding="utf-8")
    with pytest.raises(ToolproofError, match=r"t\.jsonl:2: invalid JSON"):
        score.load_records(bad)
    with pytest.raises(InputError, match="no such file"):
        list(io.iter_records(tmp_path / "missing.jsonl"))


def test_cli_turns_an_unhandled_toolproof_error_into_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import toolproof.commands.rules as rules_cmd

    def boom(args: argparse.Namespace) -> int:
        raise ModelError("model 'nope' is not an embedded name, a directory or a hub id")

    monkeypatch.setattr(rules_cmd, "run", boom)
    assert main(["rules"]) == 2
    err = capsys.readouterr().err
    assert err == "toolproof rules: error: model 'nope' is not an embedded name, a directory or a hub id\n"


def test_cli_turns_other_exceptions_into_exit_3(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """A bug of ours fails closed (issue 30): exit 3, distinct from findings (1) and usage (2), one line
    naming the exception; the traceback only with TOOLPROOF_DEBUG=1."""
    import toolproof.commands.rules as rules_cmd

    def bug(args: argparse.Namespace) -> int:
        raise KeyError("a bug, not a user error")

    monkeypatch.setattr(rules_cmd, "run", bug)
    monkeypatch.delenv("TOOLPROOF_DEBUG", raising=False)
    assert main(["rules"]) == 3
    err = capsys.readouterr().err
    assert err.startswith("toolproof rules: internal error (please report): KeyError: 'a bug, not a user error' at ")
    assert "Traceback" not in err
    monkeypatch.setenv("TOOLPROOF_DEBUG", "1")
    assert main(["rules"]) == 3
    assert "Traceback" in capsys.readouterr().err
