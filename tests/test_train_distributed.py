"""`toolproof train` under `accelerate launch` with 2 CPU processes (gloo) on the tiny test model.

The 2-process run (batch 2 per process) and a 1-process run with the same global batch (4) start
from the same seed and see the same records in each step (accelerate hands consecutive per-process
batches of one shuffled order to the ranks), so they must end at the same adapter up to float rounding. LoRA
dropout is off: each rank draws its own dropout masks, which alone moved the trained weights by
~36% here. (With the assistant-only loss each rank averages over its own tokens before the ranks
average their gradients; these records have equal token counts, so that does not differ either.)
Tolerance: the trained LoRA weights (lora_B, zero before training) within 1e-3 relative L2 (measured
6e-6), the training loss within 1e-4 relative.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from test_train import write_records
from tiny_model import tiny_model_dir

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]


def _args(data: Path, out: Path, batch: int) -> list[str]:
    return ["-m", "toolproof", "train", str(data), "--output", str(out), "--model", str(tiny_model_dir()),
            "--max-steps", "2", "--batch-size", str(batch), "--max-length", "320", "--dtype", "fp32", "--no-progress",
            "--lora-dropout", "0"]  # fmt: skip


def test_two_processes_match_one_with_the_same_global_batch(tmp_path: Path) -> None:
    import torch
    from safetensors.torch import load_file

    data = write_records(tmp_path / "train.jsonl", 8)
    one, two = tmp_path / "one", tmp_path / "two"
    r1 = subprocess.run([sys.executable, *_args(data, one, 4)], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert r1.returncode == 0, r1.stderr[-3000:]
    launch = [sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes", "2", "--num_machines", "1",
              "--mixed_precision", "no", "--dynamo_backend", "no"]  # fmt: skip
    r2 = subprocess.run([*launch, *_args(data, two, 2)], cwd=REPO, capture_output=True, text=True, timeout=600,
                        env={**__import__("os").environ, "CUDA_VISIBLE_DEVICES": ""})  # fmt: skip
    assert r2.returncode == 0, r2.stderr[-3000:]
    # one process speaks: the summary is printed once, not once per rank
    assert r2.stdout.count("Adapter, chat_template.jinja and toolproof.json in") == 1, r2.stdout
    m1 = json.loads((one / "toolproof.json").read_text())
    m2 = json.loads((two / "toolproof.json").read_text())
    assert (m1["processes"], m1["global_batch"]) == (1, 4)
    assert (m2["processes"], m2["global_batch"], m2["written_by_process"]) == (2, 4, 0)
    assert m1["steps"] == m2["steps"] == 2 and m1["records_trained"] == m2["records_trained"] == 8
    assert not list(two.glob("checkpoint-*")) and not list(two.glob("*.tmp"))
    w1 = load_file(str(one / "adapter_model.safetensors"))
    w2 = load_file(str(two / "adapter_model.safetensors"))
    assert w1.keys() == w2.keys() and w1
    # lora_B starts at zero: its value after 2 steps is what training did (lora_A is the random init)
    moved = [k for k in w1 if "lora_B" in k]
    assert moved
    num = sum(float(torch.linalg.vector_norm(w1[k] - w2[k]) ** 2) for k in moved) ** 0.5
    den = sum(float(torch.linalg.vector_norm(w1[k]) ** 2) for k in moved) ** 0.5
    assert den > 0 and num / den < 1e-3, f"trained LoRA weights differ by {num / den:.2e}"
    assert abs(m1["train_loss"] - m2["train_loss"]) / m1["train_loss"] < 1e-4


def test_compare_launcher_runs_training_in_a_subprocess(tmp_path: Path) -> None:
    """compare's `launcher` setting: the settings go through a YAML file, the outcome comes back from toolproof.json."""
    import shlex

    from toolproof.compare.backends import train_launched as _train_launched
    from toolproof.trainer.config import TrainConfig

    data = write_records(tmp_path / "train.jsonl", 4)
    tc = TrainConfig(data=str(data), output=str(tmp_path / "arm"), model=str(tiny_model_dir()), max_steps=1,
                     per_device_train_batch_size=2, max_length=320, dtype="fp32", disable_tqdm=True)  # fmt: skip
    got = _train_launched(shlex.quote(sys.executable), tc, tmp_path / "arm")
    meta = json.loads((tmp_path / "arm" / "toolproof.json").read_text())
    assert got["steps"] == meta["steps"] == 1 and got["train_records"] == 4 and got["adapter_dir"] == str(tmp_path / "arm")
    assert meta["config"] == tc.to_dict() and meta["processes"] == 1
    with pytest.raises(RuntimeError, match="exited 2"):
        _train_launched(shlex.quote(sys.executable), TrainConfig(**{**tc.to_dict(), "data": str(tmp_path / "missing.jsonl")}), tmp_path / "x")
