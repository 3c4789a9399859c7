"""Untrained call-tag token rows: found, warned about, and trained (``train_tokens``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from test_train import write_records
from tiny_model import tiny_model_dir

from toolproof.trainer.config import ConfigError, TrainConfig
from toolproof.trainer.tokens import TOKEN_ROWS_FILE, attach_trainable_rows, check_rows, resolve_train_tokens

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def untied(call_tags_untied: Path) -> Path:
    return call_tags_untied


@pytest.fixture(scope="module")
def tied(call_tags_tied: Path) -> Path:
    return call_tags_tied


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_records(tmp_path_factory.mktemp("data") / "train.jsonl", 8)


def _load(path: Path) -> tuple[Any, Any]:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    return AutoModelForCausalLM.from_pretrained(str(path), dtype=torch.float32), AutoTokenizer.from_pretrained(str(path))


def test_auto_picks_the_call_tags_only_where_they_are_single_tokens(untied: Path) -> None:
    from transformers import AutoTokenizer

    with_tags = AutoTokenizer.from_pretrained(str(untied))
    auto = resolve_train_tokens("auto", with_tags)
    assert set(auto) == {"<tool_call>", "</tool_call>"}
    assert auto["<tool_call>"] != auto["</tool_call>"]
    pieces = AutoTokenizer.from_pretrained(str(tiny_model_dir()))  # SmolLM2's vocabulary: tags in 5 pieces
    assert resolve_train_tokens("auto", pieces) == {}
    assert resolve_train_tokens("none", with_tags) == {}
    assert resolve_train_tokens(["</tool_call>"], with_tags) == {"</tool_call>": auto["</tool_call>"]}
    with pytest.raises(ConfigError, match=r"'<tool_call>' is 5 tokens"):
        resolve_train_tokens(["<tool_call>"], pieces)


@pytest.mark.parametrize("value", ["", ["ok", ""], [3], {"a": 1}])
def test_config_rejects_malformed_train_tokens(data: Path, tmp_path: Path, value: Any) -> None:
    with pytest.raises(ConfigError, match="train_tokens"):
        TrainConfig(data=str(data), output=str(tmp_path), train_tokens=value).validate()


def test_check_rows_finds_copied_rows_and_passes_distinct_ones(untied: Path) -> None:
    model, tok = _load(untied)
    ids = resolve_train_tokens("auto", tok)
    rows = {r.token: r for r in check_rows(model, tok, ids)}
    assert rows["<tool_call>"].indistinct and rows["</tool_call>"].indistinct
    assert rows["<tool_call>"].nearest_id in (ids["</tool_call>"], tok.convert_tokens_to_ids("<|im_start|>"))
    assert rows["<tool_call>"].cosine > 0.999
    # ordinary tokens of a random-init model point in unrelated directions
    ordinary = {t: tok.convert_tokens_to_ids(t) for t in ("hello", "world")}
    assert not any(r.indistinct for r in check_rows(model, tok, ordinary))


def test_attached_rows_start_equal_to_the_base_and_share_one_parameter_when_tied(untied: Path, tied: Path) -> None:
    import torch

    for path, n_params in ((untied, 2), (tied, 1)):
        model, tok = _load(path)
        ids = list(resolve_train_tokens("auto", tok).values())
        x = torch.tensor([[1, 2, ids[0], ids[1], 3]])
        before = model(x).logits.detach()
        params = attach_trainable_rows(model, ids)
        assert len(params) == n_params and all(p.shape == (2, 64) for p in params)
        assert torch.allclose(model(x).logits, before, atol=1e-5)  # nothing changes until trained
        with torch.no_grad():
            params[-1][0] += 1.0  # the output rows (the only rows when tied)
        logits = model(x).logits.detach()
        changed = (logits - before).abs().amax(dim=(0, 1)) > 1e-4
        if n_params == 2:  # untied: the output row moved, so only that token's logit moves
            assert changed.nonzero().flatten().tolist() == [ids[0]]
        else:  # tied: the same row is also the token's input embedding
            assert changed[ids[0]]


def _rows(model: Any, ids: list[int]) -> tuple[Any, Any]:
    return model.get_input_embeddings().weight[ids].detach().clone(), model.get_output_embeddings().weight[ids].detach().clone()


@pytest.mark.parametrize("which", ["untied", "tied"])
def test_training_moves_the_tag_rows_and_the_adapter_carries_them(
    which: str, untied: Path, tied: Path, data: Path, tmp_path: Path
) -> None:
    import torch

    from toolproof.trainer.models import load
    from toolproof.trainer.train import train

    base = untied if which == "untied" else tied
    out = tmp_path / "adapter"
    cfg = TrainConfig(data=str(data), output=str(out), model=str(base), max_steps=3, per_device_train_batch_size=2,
                      max_length=320, disable_tqdm=True, dtype="fp32")  # fmt: skip
    result = train(cfg)
    meta = json.loads((out / "toolproof.json").read_text())
    ids = list(meta["trained_token_rows"].values())
    assert set(meta["trained_token_rows"]) == {"<tool_call>", "</tool_call>"}
    assert (out / TOKEN_ROWS_FILE).is_file()
    assert all(r["indistinct"] for r in meta["token_rows_before"])
    assert not any("untrained token row" in w for w in result.warnings)  # trained, so nothing to warn about
    assert meta["config"]["train_tokens_lr"] == 5e-3

    before_model, _ = _load(base)
    emb0, out0 = _rows(before_model, ids)
    tuned, tok = load(str(out), dtype="fp32")  # adapter dir -> base + adapter, as the evaluator loads it
    merged = tuned.merge_and_unload()
    emb1, out1 = _rows(merged, ids)
    assert not torch.allclose(emb0, emb1) and not torch.allclose(out0, out1)
    # the two tags no longer share one row: the model can now tell them apart
    cos = torch.nn.functional.cosine_similarity(out1[0], out1[1], dim=0)
    assert cos < torch.nn.functional.cosine_similarity(out0[0], out0[1], dim=0)
    # every other row is untouched
    other = [5, 100, 2000]
    assert torch.equal(_rows(before_model, other)[1], _rows(merged, other)[1])


def test_without_train_tokens_the_untrained_rows_are_a_warning(untied: Path, data: Path, tmp_path: Path) -> None:
    from toolproof.trainer.train import train

    cfg = TrainConfig(data=str(data), output=str(tmp_path / "a"), model=str(untied), max_steps=1,
                      per_device_train_batch_size=2, max_length=320, disable_tqdm=True, dtype="fp32",
                      train_tokens="none")  # fmt: skip
    result = train(cfg)
    warned = [w for w in result.warnings if w.startswith("untrained token row")]
    assert len(warned) == 2 and "train_tokens: auto" in warned[0]
    assert json.loads((tmp_path / "a" / "toolproof.json").read_text())["trained_token_rows"] == {}
    assert not (tmp_path / "a" / TOKEN_ROWS_FILE).exists()


def test_the_output_rows_train_at_their_own_learning_rate(untied: Path) -> None:
    import torch

    from toolproof.trainer.tokens import give_rows_their_lr

    model, tok = _load(untied)
    in_rows, out_rows = attach_trainable_rows(model, list(resolve_train_tokens("auto", tok).values()))
    other = torch.nn.Parameter(torch.zeros(3))
    opt = torch.optim.AdamW([{"params": [other, in_rows, out_rows], "weight_decay": 0.01}], lr=2e-4)
    give_rows_their_lr(opt, out_rows, 5e-3)
    groups = [(g["lr"], g["weight_decay"], [id(p) for p in g["params"]]) for g in opt.param_groups]
    assert groups == [(2e-4, 0.01, [id(other), id(in_rows)]), (5e-3, 0.0, [id(out_rows)])]
    torch.optim.lr_scheduler.LambdaLR(opt, lambda step: 0.5)  # the schedule scales both groups
    assert [g["lr"] for g in opt.param_groups] == [1e-4, 2.5e-3]


def test_cli_train_tokens_flags_reach_the_config(tmp_path: Path, data: Path) -> None:
    import argparse

    from toolproof.commands import train as train_cmd

    parser = argparse.ArgumentParser()
    train_cmd.register(parser.add_subparsers())
    for flag, want in (("none", "none"), ("auto", "auto"), ("<a>,<b>", ["<a>", "<b>"])):
        args = parser.parse_args(["train", str(data), "-o", str(tmp_path), "--train-tokens", flag, "--train-tokens-lr", "1e-3"])
        cfg = train_cmd.build_config(args)
        assert cfg.train_tokens == want and cfg.train_tokens_lr == 1e-3


def test_models_check_flags_untrained_tag_rows_and_passes_spelled_out_tags(
    untied: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from toolproof.cli import main

    assert main(["models", "check", str(untied)]) == 1
    out = capsys.readouterr().out
    assert "<tool_call> (id " in out and "UNTRAINED (indistinct)" in out and "train_tokens: auto" in out
    assert main(["models", "check", str(tiny_model_dir())]) == 0  # SmolLM2 vocabulary: tags are text
    assert "<tool_call>: 5 tokens (spelled out" in capsys.readouterr().out
    assert main(["models", "check", str(untied), "--json"]) == 1
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert [r["token"] for r in rows] == ["<tool_call>", "</tool_call>"] and all(r["indistinct"] for r in rows)
