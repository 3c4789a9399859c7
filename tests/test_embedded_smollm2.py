"""The real embedded model: SmolLM2-135M-Instruct from its wheel, one LoRA step, then generation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from toolproof.trainer.models import EMBEDDED, is_cached, load, model_dir
from toolproof.trainer.templates import render_prompt, shipped_template
from toolproof.trainer.train import TrainConfig, train

pytestmark = pytest.mark.slow

REC = {
    "messages": [
        {"role": "user", "content": "What's the weather in Oslo?"},
        {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": {"city": "Oslo"}}}]},
    ],
    "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Current weather for a city", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}],
}


def test_smollm2_loads_from_its_wheel_trains_one_step_and_generates(tmp_path: Path) -> None:
    d = Path(model_dir("smollm2-135m"))  # dequantizes the GGUF into the cache on first use
    assert is_cached("smollm2-135m") and (d / "config.json").is_file()
    cfg = json.loads((d / "config.json").read_text())
    assert cfg["model_type"] == "llama" and cfg["hidden_size"] == 576 and cfg["num_hidden_layers"] == 30

    data = tmp_path / "train.jsonl"
    data.write_text((json.dumps(REC) + "\n") * 2)
    out = tmp_path / "run"
    r = train(TrainConfig(data=str(data), output=str(out), model="smollm2-135m", max_steps=1,
                          per_device_train_batch_size=2, max_length=384, disable_tqdm=True))  # fmt: skip
    assert r.steps == 1 and r.records_trained == 2
    assert 0 < r.loss_curve[0]["loss"] < 20
    meta = json.loads((out / "toolproof.json").read_text())
    assert meta["model_ref"]["kind"] == "embedded" and meta["parameters"] > 100_000_000
    assert (out / "chat_template.jinja").read_text() == shipped_template()

    model, tok = load(str(out))
    assert tok.padding_side == "left" and tok.pad_token == "<|im_end|>"
    prompt = render_prompt(tok, REC)
    assert "<tools>" in prompt and prompt.endswith("<|im_start|>assistant\n")
    ids = tok([prompt], return_tensors="pt")
    gen = model.generate(**ids, max_new_tokens=8, do_sample=False, eos_token_id=tok.convert_tokens_to_ids("<|im_end|>"))
    text = tok.decode(gen[0, ids["input_ids"].shape[1]:], skip_special_tokens=True)
    assert gen.shape[1] > ids["input_ids"].shape[1] and text.strip()
    assert EMBEDDED["smollm2-135m"].default
