"""Gated LoRA SFT end to end on the tiny random-init Llama (seconds per run)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from tiny_model import tiny_model_dir

from toolproof.cli import main
from toolproof.trainer.config import TrainConfig
from toolproof.trainer.train import DirtyDataError, TrainError, train

pytestmark = pytest.mark.slow

TOOLS = [
    {"type": "function", "function": {"name": "get_weather", "description": "Weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}, "unit": {"type": "string"}}, "required": ["city"]}}},
    {"type": "function", "function": {"name": "add", "description": "Add", "parameters": {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}, "required": ["a", "b"]}}},
]


def _rec(i: int) -> dict[str, Any]:
    if i % 2:
        name, args, q = "add", {"a": i, "b": 2 * i}, f"Add {i} and {2 * i}."
    else:
        name, args, q = "get_weather", {"city": f"City{i}"} | ({"unit": "c"} if i % 4 == 0 else {}), f"Weather in City{i}?"
    return {
        "id": f"r{i}",
        "messages": [
            {"role": "user", "content": q},
            {"role": "assistant", "content": None, "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": name, "arguments": args}}]},
        ],
        "tools": TOOLS,
        "expected_calls": [{"name": name, "arguments": args}],
    }


def write_records(path: Path, n: int) -> Path:
    """``n`` clean training records (``_rec(0)`` ...) as JSONL at ``path``."""
    path.write_text("".join(json.dumps(_rec(i)) + "\n" for i in range(n)))
    return path


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_records(tmp_path_factory.mktemp("data") / "train.jsonl", 8)


@pytest.fixture(scope="module")
def dirty(tmp_path_factory: pytest.TempPathFactory) -> Path:
    p = tmp_path_factory.mktemp("dirty") / "dirty.jsonl"
    lines = [json.dumps(_rec(i)) for i in range(4)]
    lines.append('{"messages": [')  # TP001
    lines.append(json.dumps({"messages": "not a list", "tools": TOOLS}))  # TP003: cannot render
    unknown = _rec(4)
    unknown["messages"][1]["tool_calls"][0]["function"]["arguments"]["country"] = "NO"  # TP302: renders, is trained
    lines.append(json.dumps(unknown))
    p.write_text("\n".join(lines) + "\n")
    return p


def _cfg(data: Path, out: Path, **kw: Any) -> TrainConfig:
    base = dict(data=str(data), output=str(out), model=str(tiny_model_dir()), max_steps=2,
                per_device_train_batch_size=2, max_length=320, disable_tqdm=True, dtype="fp32")  # fmt: skip
    base.update(kw)
    return TrainConfig(**base)


def test_end_to_end_writes_adapter_template_and_metadata(data: Path, tmp_path: Path) -> None:
    from toolproof.trainer.models import load
    from toolproof.trainer.templates import shipped_template

    out = tmp_path / "run"
    r = train(_cfg(data, out))
    assert r.steps == 2 and r.records_trained == 8 and r.records_skipped == 0
    assert [p["step"] for p in r.loss_curve] == [1.0, 2.0]
    assert all(p["loss"] > 0 for p in r.loss_curve)
    for f in ("adapter_model.safetensors", "adapter_config.json", "chat_template.jinja", "toolproof.json"):
        assert (out / f).is_file(), f
    assert (out / "chat_template.jinja").read_text() == shipped_template()
    meta = json.loads((out / "toolproof.json").read_text())
    assert meta["data"]["sha256"] == hashlib.sha256(data.read_bytes()).hexdigest()
    assert meta["validation"]["errors"] == 0 and meta["validation"]["records"] == 8
    assert meta["config"]["loss"] == "assistant_only" and meta["config"]["lora_r"] == 16
    assert meta["records_trained"] == 8 and meta["steps"] == 2 and len(meta["loss_curve"]) == 2
    assert 0 < meta["trainable_parameters"] < meta["parameters"]
    assert {"torch", "transformers", "trl", "peft"} <= set(meta["versions"])
    # the adapter loads back through the same entry point the evaluator uses, and generates
    model, tok = load(str(out), dtype="fp32")
    assert tok.chat_template == shipped_template()
    ids = tok(["<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n"], return_tensors="pt")
    gen = model.generate(**ids, max_new_tokens=3, do_sample=False)
    assert gen.shape[1] == ids["input_ids"].shape[1] + 3


@pytest.mark.parametrize(("loss", "fmt"), [("completion_only", "structured"), ("full", "structured"), ("assistant_only", "markup_in_content")])
def test_other_losses_and_the_markup_format_train(data: Path, tmp_path: Path, loss: str, fmt: str) -> None:
    r = train(_cfg(data, tmp_path / "run", loss=loss, format=fmt, max_steps=1))
    assert r.steps == 1 and r.records_trained == 8
    meta = json.loads((tmp_path / "run" / "toolproof.json").read_text())
    assert meta["config"]["loss"] == loss and meta["config"]["format"] == fmt
    assert meta["trained_tokens"] > 0
    if loss == "full":
        assert meta["trained_tokens"] == meta["tokens"]
    else:
        assert meta["trained_tokens"] < meta["tokens"]


def test_render_masks_match_what_trl_trains(data: Path, tmp_path: Path) -> None:
    """`toolproof inspect` and TP602 compute the mask the way SFTTrainer does: compare them."""
    from datasets import Dataset
    from trl import SFTConfig, SFTTrainer

    from toolproof.trainer.models import load
    from toolproof.trainer.templates import render

    model, tok = load(str(tiny_model_dir()), dtype="fp32", trainable=True)
    tok.padding_side = "right"
    cfg = _cfg(data, tmp_path / "x")
    from toolproof.trainer.train import prepare_rows

    for loss in ("assistant_only", "completion_only"):
        cfg.loss = loss
        prepared = prepare_rows(cfg, tok)
        ds = Dataset.from_list(prepared.rows, on_mixed_types="use_json")
        args = SFTConfig(output_dir=str(tmp_path / loss), assistant_only_loss=loss == "assistant_only",
                         completion_only_loss=True if loss == "completion_only" else None, max_length=cfg.max_length,
                         report_to="none", use_cpu=True)  # fmt: skip
        trainer = SFTTrainer(model=model, args=args, train_dataset=ds, processing_class=tok)
        recs = [json.loads(x) for x in data.read_text().splitlines()]
        for row, rec in zip(trainer.train_dataset, recs):
            r = render(tok, rec, loss=loss)
            assert row["input_ids"] == r.input_ids
            assert [int(label != -100) for label in row["labels"]] == r.trained
            assert 0 < r.n_trained < r.n_tokens


def test_dirty_data_is_refused_before_the_model_loads(dirty: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import toolproof.trainer.models  # noqa: F401  (makes trainer.models an attribute to patch)
    from toolproof import trainer

    def boom(*a: Any, **k: Any) -> Any:
        raise AssertionError("the model must not load for dirty data")

    monkeypatch.setattr(trainer.models, "load", boom)
    with pytest.raises(DirtyDataError) as e:
        train(_cfg(dirty, tmp_path / "run"))
    msg = str(e.value)
    assert "TP001 invalid-json x1" in msg and "toolproof clean" in msg and "--allow-dirty" in msg
    assert e.value.validation.error_codes.get("TP001") == 1
    assert not (tmp_path / "run").exists()


def test_cli_refuses_dirty_data_with_exit_1(dirty: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["train", str(dirty), "-m", str(tiny_model_dir()), "-o", str(tmp_path / "run")])
    assert rc == 1
    err = capsys.readouterr().err
    assert "refusing to train" in err and "TP001" in err
    assert not (tmp_path / "run").exists()


def test_allow_dirty_trains_and_skips_what_cannot_render(dirty: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["train", str(dirty), "-m", str(tiny_model_dir()), "-o", str(tmp_path / "run"), "--allow-dirty",
               "--max-steps", "1", "--batch-size", "2", "--max-length", "320", "--dtype", "fp32", "--no-progress"])  # fmt: skip
    assert rc == 0
    cap = capsys.readouterr()
    err = cap.err
    assert "WARNING: --allow-dirty" in err and "skipped 2 record(s)" in err
    assert "Trained 5 records (1 with errors, 2 skipped)" in cap.out
    meta = json.loads((tmp_path / "run" / "toolproof.json").read_text())
    assert meta["records_trained"] == 5 and sum(meta["records_skipped"].values()) == 2
    # The records that could not render are not in the dose; the one with an unknown argument is.
    assert meta["records_trained_with_errors"] == 1 and meta["trained_error_codes"] == {"TP302": 1}
    assert "training on 1 of 5 records with errors: TP302 x1" in err
    assert meta["validation"]["allowed_dirty"] is True and meta["validation"]["errors"] >= 1


def test_yaml_config_and_flag_overrides(data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "train.yaml"
    cfg.write_text(f"model: {tiny_model_dir()}\nlora_r: 4\nlora-alpha: 8\nmax_steps: 1\nper_device_train_batch_size: 2\n"
                   "max_length: 320\ndtype: fp32\ndisable_tqdm: true\nlearning_rate: 0.001\n")  # fmt: skip
    out = tmp_path / "run"
    assert main(["train", str(data), "-o", str(out), "--config", str(cfg), "--lora-r", "2"]) == 0
    meta = json.loads((out / "toolproof.json").read_text())
    assert meta["config"]["lora_r"] == 2 and meta["config"]["lora_alpha"] == 8 and meta["config"]["learning_rate"] == 0.001
    assert json.loads((out / "adapter_config.json").read_text())["r"] == 2
    bad = tmp_path / "bad.yaml"
    bad.write_text("lora_rank: 3\n")
    assert main(["train", str(data), "-o", str(out), "--config", str(bad)]) == 2
    assert "unknown config keys: lora_rank" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "msg"),
    [
        (["--loss", "half"], "invalid choice"),
        (["--lora-r", "0"], "lora_r must be positive"),
        (["--eval", "/nonexistent.jsonl"], "no such file"),
    ],
)
def test_usage_errors_exit_2(data: Path, tmp_path: Path, argv: list[str], msg: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", str(data), "-o", str(tmp_path / "o"), *argv]) == 2
    assert msg in capsys.readouterr().err


def test_no_trainable_record_is_a_clear_error(data: Path, tmp_path: Path) -> None:
    with pytest.raises(TrainError, match="no record can be trained"):
        train(_cfg(data, tmp_path / "run", max_length=16))


def test_eval_after_training_uses_the_evaluator(data: Path, tmp_path: Path) -> None:
    from toolproof.workflows import train_and_evaluate  # the pipeline (top layer): the trainer never evaluates

    out = tmp_path / "run"
    updates: list[Any] = []
    r = train_and_evaluate(_cfg(data, out, max_steps=1, eval=str(data), eval_limit=2), progress=updates.append)
    s = r.eval_summary
    assert s is not None and s.n == 2 and 0.0 <= s.accuracy <= 1.0
    assert Path(s.csv_path).is_file() and str(out) in s.csv_path
    assert updates and (updates[-1].done, updates[-1].total) == (2, 2)
    steps = [u for u in updates if u.label == "train"]
    assert steps and {(u.done, u.total) for u in steps} == {(1, 1)}
    assert steps[-1].info.startswith("loss ")  # the step's logged loss, shown in the bar


def test_dry_run_reports_what_train_would_train_and_writes_nothing(
    dirty: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["train", str(dirty), "-m", str(tiny_model_dir()), "--max-length", "320", "--dry-run"]
    assert main(argv) == 1  # the validation gate holds in a dry run too
    assert "refusing to train" in capsys.readouterr().err
    rc = main([*argv, "--allow-dirty", "-o", str(tmp_path / "run")])
    out = capsys.readouterr().out
    assert rc == 0, out
    assert not (tmp_path / "run").exists()
    assert f"Would train 5 records of {dirty}" in out
    assert "with errors: 1 of 5 (TP302 x1)" in out
    assert "skipped: 2 (unreadable record x2)" in out  # invalid JSON, messages not a list
    # The same numbers a real run (the full model, one step) records in toolproof.json.
    r = train(_cfg(dirty, tmp_path / "real", allow_dirty=True, max_steps=1))
    meta = json.loads(Path(r.metadata_path).read_text())
    assert f"tokens: {meta['tokens']}, of which trained (loss assistant_only): {meta['trained_tokens']}" in out
    assert r.records_trained_with_errors == 1 and r.records_trained == 5
