"""Resumable training: ``save_steps`` checkpoints and ``resume`` (a stopped CPU run loses at most N steps)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from test_train import write_records

from toolproof.trainer.config import ConfigError, TrainConfig

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def base(call_tags_untied: Path) -> Path:
    # untied, with the call tags as untrained single tokens: the trained rows must survive a resume too
    return call_tags_untied


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_records(tmp_path_factory.mktemp("data") / "train.jsonl", 12)


def _cfg(base: Path, data: Path, out: Path, **kw: Any) -> TrainConfig:
    settings: dict[str, Any] = dict(data=str(data), output=str(out), model=str(base), max_steps=4, save_steps=2,
                                    per_device_train_batch_size=2, max_length=320, disable_tqdm=True, dtype="fp32",
                                    lora_dropout=0.1)  # fmt: skip
    return TrainConfig(**(settings | kw))


class Stop(Exception):
    pass


def _stop_at(monkeypatch: pytest.MonkeyPatch, step: int) -> None:
    """Make the trainer die while computing step ``step + 1`` (as a killed process would)."""
    from trl import SFTTrainer

    real = SFTTrainer.training_step

    def training_step(self: Any, *a: Any, **kw: Any) -> Any:
        if self.state.global_step == step:
            raise Stop(f"stopped after step {step}")
        return real(self, *a, **kw)

    monkeypatch.setattr(SFTTrainer, "training_step", training_step)


def _weights(adapter: Path) -> dict[str, Any]:
    from safetensors.torch import load_file

    return {**load_file(str(adapter / "adapter_model.safetensors")), **{
        f"rows.{k}": v for k, v in load_file(str(adapter / "token_rows.safetensors")).items()}}  # fmt: skip


def test_a_stopped_run_resumes_from_its_checkpoint_and_ends_where_an_unbroken_run_ends(
    base: Path, data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import torch

    from toolproof.trainer.train import CHECKPOINT_PROGRESS, latest_checkpoint, train

    whole = train(_cfg(base, data, tmp_path / "whole"))
    assert whole.steps == 4
    assert not list((tmp_path / "whole").glob("checkpoint-*"))  # removed once the adapter is saved

    out = tmp_path / "broken"
    with monkeypatch.context() as m:
        _stop_at(m, 3)
        with pytest.raises(Stop):
            train(_cfg(base, data, out))
    ckpt = latest_checkpoint(out)
    assert ckpt is not None and ckpt.name == "checkpoint-2"
    assert (ckpt / "token_rows.safetensors").is_file() and (ckpt / "optimizer.pt").is_file()
    progress = json.loads((ckpt / CHECKPOINT_PROGRESS).read_text())
    assert progress["step"] == 2 and progress["train_time_s"] > 0
    at_checkpoint = _weights(ckpt)

    from trl import SFTTrainer

    events: list[str] = []
    computed: list[int] = []
    real = SFTTrainer.training_step

    def counting(self: Any, *a: Any, **kw: Any) -> Any:
        computed.append(self.state.global_step)
        return real(self, *a, **kw)

    with monkeypatch.context() as m:
        m.setattr(SFTTrainer, "training_step", counting)
        resumed = train(_cfg(base, data, out, resume=True), on_event=events.append)
    assert computed == [2, 3]  # only steps 3 and 4 were computed: 1 and 2 came from the checkpoint
    assert any("resuming from" in e and "checkpoint-2" in e for e in events)
    meta = json.loads((out / "toolproof.json").read_text())
    assert meta["resumed_from_step"] == 2 and meta["steps"] == 4 and resumed.steps == 4
    assert [p["step"] for p in meta["loss_curve"]] == [1.0, 2.0, 3.0, 4.0]  # the curve before the stop is kept
    assert meta["train_time_s"] >= progress["train_time_s"]
    assert resumed.train_loss == pytest.approx(whole.train_loss, abs=1e-3)  # over all 4 steps, not the last 2
    assert not list(out.glob("checkpoint-*"))

    # Same data order, dropout and optimizer state: the resumed run ends with the unbroken run's weights.
    a, b = _weights(tmp_path / "whole"), _weights(out)
    assert a.keys() == b.keys()
    for k in a:
        assert torch.allclose(a[k], b[k], atol=1e-6), k
    # ... and steps 3 and 4 did run after the resume: the weights moved on from the checkpoint's
    assert at_checkpoint.keys() == a.keys()
    assert not all(torch.allclose(a[k], at_checkpoint[k], atol=1e-6) for k in a)


def test_resume_refuses_a_checkpoint_made_with_other_settings(
    base: Path, data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from toolproof.trainer.train import TrainError, train

    out = tmp_path / "a"
    with monkeypatch.context() as m:
        _stop_at(m, 2)
        with pytest.raises(Stop):
            train(_cfg(base, data, out))
    with pytest.raises(TrainError, match=r"checkpoint-2 was made with other settings \(learning_rate: 0.0002 -> 0.001\)"):
        train(_cfg(base, data, out, resume=True, learning_rate=1e-3))
    other = tmp_path / "other.jsonl"
    other.write_text(data.read_text().replace("City", "Town"))
    with pytest.raises(TrainError, match="trained on other data"):
        train(_cfg(base, other, out, resume=True))
    # the same data under another path is the same data: it resumes
    moved = tmp_path / "moved.jsonl"
    moved.write_bytes(data.read_bytes())
    assert train(_cfg(base, moved, out, resume=True)).steps == 4
    assert json.loads((out / "toolproof.json").read_text())["resumed_from_step"] == 2
    # without --resume a checkpoint is ignored and the run starts over
    with monkeypatch.context() as m:
        _stop_at(m, 2)
        with pytest.raises(Stop):
            train(_cfg(base, data, out))
    assert (out / "checkpoint-2").is_dir()
    fresh = train(_cfg(base, data, out, save_steps=0))
    assert fresh.steps == 4
    assert json.loads((out / "toolproof.json").read_text())["resumed_from_step"] is None


def test_resume_without_a_checkpoint_starts_from_step_zero(base: Path, data: Path, tmp_path: Path) -> None:
    from toolproof.trainer.train import train

    res = train(_cfg(base, data, tmp_path / "new", resume=True, max_steps=2))
    assert res.steps == 2
    assert json.loads((tmp_path / "new" / "toolproof.json").read_text())["resumed_from_step"] is None


def test_save_steps_must_not_be_negative(data: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="save_steps"):
        TrainConfig(data=str(data), output=str(tmp_path), save_steps=-1).validate()


def test_cli_flags_reach_the_config(data: Path, tmp_path: Path) -> None:
    import argparse

    from toolproof.commands import train as train_cmd

    parser = argparse.ArgumentParser()
    train_cmd.register(parser.add_subparsers())
    cfg = train_cmd.build_config(parser.parse_args(["train", str(data), "-o", str(tmp_path), "--save-steps", "25", "--resume"]))
    assert cfg.save_steps == 25 and cfg.resume is True
    cfg = train_cmd.build_config(parser.parse_args(["train", str(data), "-o", str(tmp_path)]))
    assert cfg.save_steps == 0 and cfg.resume is False
