"""The embedded model table, name resolution, install/join, the cache lock and cached loading."""

from __future__ import annotations

import hashlib
import json
import multiprocessing as mp
import os
import re
from pathlib import Path

import pytest
from tiny_model import tiny_model_dir

from toolproof.cli import main
from toolproof.trainer import models
from toolproof.trainer.models import EMBEDDED, EmbeddedModel, ModelError, WheelPart, resolve_model
from toolproof.validator.files import sha256_file


def test_embedded_table_pins_both_models() -> None:
    assert models.DEFAULT_MODEL == "smollm2-135m"
    smol, qwen = EMBEDDED["smollm2-135m"], EMBEDDED["qwen2.5-coder-0.5b"]
    assert not smol.native_tools_template and qwen.native_tools_template
    assert qwen.size == 491_400_064
    assert [p.file for p in qwen.parts] == [f"data/part{i:02d}.bin" for i in range(1, 7)]
    assert all(p.version == "0.9.0" and re.fullmatch(r"[0-9a-f]{64}", p.sha256) for p in qwen.parts)
    assert re.fullmatch(r"[0-9a-f]{64}", qwen.sha256) and re.fullmatch(r"[0-9a-f]{64}", smol.sha256)


def test_smollm2_gguf_is_found_in_its_wheel_and_matches_the_pin() -> None:
    m = EMBEDDED["smollm2-135m"]
    p = models.gguf_path(m)
    assert p is not None and p.name == m.gguf_name
    assert p.stat().st_size == m.size
    assert sha256_file(p) == m.sha256


def test_resolve_embedded_local_hub_and_unknown(tmp_path: Path) -> None:
    ref = resolve_model("smollm2-135m")
    assert ref.kind == "embedded" and ref.embedded is EMBEDDED["smollm2-135m"]
    d = tiny_model_dir()
    local = resolve_model(str(d))
    assert local.kind == "local" and local.path == str(d) and local.adapter is None
    assert resolve_model("Qwen/Qwen2.5-0.5B-Instruct").kind == "hub"
    with pytest.raises(ModelError, match="smollm2-135m"):
        resolve_model("no-such-model")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelError, match="not a model directory"):
        resolve_model(str(tmp_path / "empty"))


def test_resolve_adapter_dir_names_its_base(tmp_path: Path) -> None:
    a = tmp_path / "adapter"
    a.mkdir()
    (a / "adapter_config.json").write_text(json.dumps({"base_model_name_or_path": "/elsewhere"}))
    (a / "toolproof.json").write_text(json.dumps({"model": "smollm2-135m", "config": {"model": "smollm2-135m"}}))
    ref = resolve_model(str(a))
    assert ref.name == "smollm2-135m" and ref.kind == "embedded" and ref.adapter == str(a)
    (a / "toolproof.json").unlink()
    (a / "adapter_config.json").write_text("{}")
    with pytest.raises(ModelError, match="names no base model"):
        resolve_model(str(a))


def _fake_parts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, payloads: list[bytes]) -> EmbeddedModel:
    files = {}
    parts = []
    for i, data in enumerate(payloads, start=1):
        f = tmp_path / f"part{i:02d}.bin"
        f.write_bytes(data)
        part = WheelPart(dist=f"fake-part{i}", version="1", sha256="", package=f"fake_part{i}", file=f.name)
        files[part] = f
        parts.append(part)
    joined = b"".join(payloads)
    model = EmbeddedModel(
        name="fake", title="fake", hf_id="", gguf_name="fake.gguf", size=len(joined),
        sha256=hashlib.sha256(joined).hexdigest(), parts=tuple(parts), native_tools_template=False,
    )  # fmt: skip
    monkeypatch.setattr(models, "_part_path", lambda p: files.get(p))
    monkeypatch.setenv("TOOLPROOF_CACHE", str(tmp_path / "cache"))
    return model


def test_join_parts_in_order_and_verify(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model = _fake_parts(tmp_path, monkeypatch, [b"GGUF" + b"a" * 100, b"b" * 50, b"c" * 7])
    out = models._join_parts(model)
    assert out.read_bytes() == b"GGUF" + b"a" * 100 + b"b" * 50 + b"c" * 7
    assert models.gguf_path(model) == out
    assert not [p for p in out.parent.iterdir() if p.name.endswith(".part")]


def test_join_parts_refuses_a_wrong_hash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model = _fake_parts(tmp_path, monkeypatch, [b"x" * 10, b"y" * 10])
    bad = EmbeddedModel(**{**model.__dict__, "sha256": "0" * 64})
    with pytest.raises(ModelError, match="expected"):
        models._join_parts(bad)
    assert not (models.models_cache() / "gguf" / "fake.gguf").exists()
    assert not list((models.models_cache() / "gguf").glob("*.part"))


def test_install_unknown_model_is_an_error() -> None:
    with pytest.raises(ModelError, match="unknown embedded model"):
        models.install("nope")


def _build(root: str) -> str:
    return str(tiny_model_dir(root))


def test_concurrent_builders_share_one_atomic_build(tmp_path: Path) -> None:
    tiny_model_dir()  # make sure the SmolLM2 tokenizer source is warm
    ctx = mp.get_context("spawn")
    with ctx.Pool(2) as pool:
        out = pool.map(_build, [str(tmp_path)] * 2)
    assert out[0] == out[1] == str(tmp_path / "tiny-llama")
    assert (tmp_path / "tiny-llama" / "config.json").is_file()
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".tiny-llama.") and not p.name.endswith(".lock")]
    assert leftovers == []


def test_load_tiny_model_sets_template_padding_and_dtype() -> None:
    import torch

    from toolproof.trainer.templates import shipped_template

    model, tok = models.load(str(tiny_model_dir()), dtype="fp32")
    assert tok.chat_template == shipped_template()
    assert tok.padding_side == "left" and tok.pad_token is not None
    assert model.dtype == torch.float32 and not model.training
    model_bf16, _ = models.load(str(tiny_model_dir()), dtype="bf16")
    assert model_bf16.dtype == torch.bfloat16
    assert models.torch_dtype("auto") == (torch.bfloat16 if models.bf16_supported() else torch.float32)
    with pytest.raises(ModelError, match="unknown dtype"):
        models.torch_dtype("int3")


def test_models_command_lists_and_rejects(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    by = {r["name"]: r for r in rows}
    assert set(by) == set(EMBEDDED)
    assert by["smollm2-135m"]["installed"] is True and by["smollm2-135m"]["default"] is True
    assert by["qwen2.5-coder-0.5b"]["gguf_bytes"] == 491_400_064
    assert main(["models"]) == 0
    assert "smollm2-135m *" in capsys.readouterr().out
    assert main(["models", "install", "nope"]) == 2
    assert main(["models", "install"]) == 2
    assert "needs a model name" in capsys.readouterr().err


def test_missing_multi_part_model_says_how_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOOLPROOF_CACHE", str(tmp_path))
    monkeypatch.setattr(models, "_part_path", lambda p: None)
    with pytest.raises(models.ModelNotInstalled, match="toolproof models install qwen2.5-coder-0.5b"):
        models.model_dir("qwen2.5-coder-0.5b")
    assert os.listdir(tmp_path) in ([], ["models"])
