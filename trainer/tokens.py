"""Token rows that LoRA cannot move: finding them, and choosing which ones to train.

Imports torch: only training, model loading and ``toolproof models check`` import this module (inside
their functions), so ``import trainer`` stays light.

A model whose vocabulary has ``<tool_call>`` / ``</tool_call>`` as single added tokens emits each
tag as one token, chosen by that token's row of the output layer. When those rows were never
trained (Qwen2.5-Coder-0.5B-Instruct in the embedded GGUF: the two tag rows are identical to each
other, cosine 1.000, and close to ``<|im_start|>``), the model cannot prefer one tag over the other
or over its neighbour, and LoRA on the linear layers does not change those rows. A fine-tune then
learns "a tag goes here" and writes the neighbour with the larger norm (measured:
``<|im_start|>`` in place of both tags; docs/RESULTS.md).

- ``call_marker_ids(tokenizer)``: the call tags that are single tokens of the vocabulary.
- ``check_rows(model, tokenizer, ids)``: each row's nearest other row of the output layer (cosine).
- ``resolve_train_tokens(spec, tokenizer)``: ``TrainConfig.train_tokens`` -> token ids.
- ``attach_trainable_rows(model, ids)``: make those rows trainable in the input embedding *and* the
  output layer (one set of rows when the two are tied); ``save_trainable_rows`` writes them next to
  the adapter (``token_rows.safetensors``) and ``apply_token_rows`` puts them into a loaded base model.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from toolproof.trainer.config import ConfigError
from toolproof.validator.callsyntax.base import CLOSE_TAG, OPEN_TAG

CALL_MARKERS = (OPEN_TAG, CLOSE_TAG)
# Two rows this close give the same logit (to within a few percent of its size) for any hidden state.
INDISTINCT_COSINE = 0.99


def single_token_id(tokenizer: Any, text: str) -> int | None:
    """The id of ``text`` when the tokenizer encodes it as exactly one token, else None."""
    ids = tokenizer.encode(text, add_special_tokens=False)
    return int(ids[0]) if len(ids) == 1 else None


def call_marker_ids(tokenizer: Any) -> dict[str, int]:
    """``{tag: id}`` for the call tags (``<tool_call>``, ``</tool_call>``) that are single tokens."""
    out = {}
    for tag in CALL_MARKERS:
        i = single_token_id(tokenizer, tag)
        if i is not None:
            out[tag] = i
    return out


def resolve_train_tokens(spec: str | list[str] | None, tokenizer: Any) -> dict[str, int]:
    """``TrainConfig.train_tokens`` -> ``{token: id}``.

    ``auto``: the call tags that are single tokens (none for a model that spells them out in
    pieces, e.g. SmolLM2); ``none`` (or an empty list): nothing; a list: those tokens, each of
    which must be one token of the vocabulary.
    """
    if spec is None or spec == "none" or spec == []:
        return {}
    if spec == "auto":
        return call_marker_ids(tokenizer)
    if isinstance(spec, str):
        spec = [s.strip() for s in spec.split(",") if s.strip()]
    out = {}
    for tok in spec:
        i = single_token_id(tokenizer, tok)
        if i is None:
            pieces = tokenizer.encode(tok, add_special_tokens=False)
            raise ConfigError(
                f"train_tokens: {tok!r} is {len(pieces)} tokens in this model's vocabulary, not one: "
                "only single tokens have a row of their own to train"
            )
        out[tok] = i
    return out


@dataclass
class TokenRow:
    token: str
    id: int
    norm: float
    nearest: str  # the other vocabulary entry whose output row is closest in direction
    nearest_id: int
    cosine: float

    @property
    def indistinct(self) -> bool:
        """The row is (nearly) a copy of another: the model cannot prefer this token over that one."""
        return self.cosine >= INDISTINCT_COSINE

    def describe(self) -> str:
        return f"{self.token} (id {self.id}): nearest {self.nearest} (id {self.nearest_id}), cosine {self.cosine:.3f}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "token": self.token,
            "id": self.id,
            "norm": round(self.norm, 4),
            "nearest": self.nearest,
            "nearest_id": self.nearest_id,
            "cosine": round(self.cosine, 4),
            "indistinct": self.indistinct,
        }


def _output_weight(model: Any) -> Any:
    out = model.get_output_embeddings()
    w = getattr(out, "weight", None) if out is not None else None
    if w is None:
        w = model.get_input_embeddings().weight
    return w


def check_rows(model: Any, tokenizer: Any, tokens: dict[str, int], *, chunk: int = 16384) -> list[TokenRow]:
    """For each token, the closest other row of the output layer (cosine) and its own row's norm."""
    if not tokens:
        return []
    w = _output_weight(model).detach()
    ids = list(tokens.values())
    with torch.no_grad():
        q = w[ids].float()
        qn = q / q.norm(dim=1, keepdim=True).clamp_min(1e-12)
        best = torch.full((len(ids),), -2.0)
        best_id = torch.zeros(len(ids), dtype=torch.long)
        for start in range(0, w.shape[0], chunk):
            block = w[start : start + chunk].float()
            bn = block / block.norm(dim=1, keepdim=True).clamp_min(1e-12)
            sims = qn @ bn.T  # (len(ids), chunk)
            for k, i in enumerate(ids):
                if start <= i < start + block.shape[0]:
                    sims[k, i - start] = -2.0  # not itself
            val, idx = sims.max(dim=1)
            better = val > best
            best = torch.where(better, val, best)
            best_id = torch.where(better, idx + start, best_id)
    rows = []
    for k, (tok, i) in enumerate(tokens.items()):
        j = int(best_id[k])
        rows.append(
            TokenRow(
                token=tok,
                id=i,
                norm=float(q[k].norm()),
                nearest=str(tokenizer.convert_ids_to_tokens(j)),
                nearest_id=j,
                cosine=float(best[k]),
            )
        )
    return rows


TOKEN_ROWS_FILE = "token_rows.safetensors"


class TrainableRows(nn.Module):
    """A stand-in for an embedding or output layer: every row comes from the frozen base weight except
    the rows of ``ids``, which come from the trainable ``rows`` parameter (float32).

    Why not PEFT's ``trainable_token_indices``: TRL's SFTTrainer computes the loss from
    ``get_output_embeddings().weight`` directly (its fused LM head), so PEFT's wrapper on the output
    layer is bypassed (and crashes on ``.bias``). This layer's ``weight`` *is* the patched matrix, so
    every path that reads it (the fused loss, generation) trains and uses the new rows. The base
    weight is held as a parameter, not as an inner ``nn.Linear``: "all-linear" LoRA must not adapt
    the output layer.
    """

    def __init__(
        self, base_weight: Any, ids: Any, rows: Any, kind: str, padding_idx: int | None = None, embed_scale: Any = None
    ) -> None:
        super().__init__()
        self.embed_scale = embed_scale
        self.base_weight = base_weight  # the frozen original (shared when input and output are tied)
        self.rows = rows  # trainable, shared when tied
        self.register_buffer("ids", ids, persistent=False)
        self.kind = kind
        self.padding_idx = padding_idx

    @property
    def weight(self) -> Any:
        return self.base_weight.index_copy(0, self.ids.to(self.base_weight.device), self.rows.to(self.base_weight.dtype))

    @property
    def bias(self) -> None:
        return None

    @property
    def num_embeddings(self) -> int:
        return int(self.base_weight.shape[0])

    @property
    def embedding_dim(self) -> int:
        return int(self.base_weight.shape[1])

    def forward(self, x: Any) -> Any:
        if self.kind == "linear":
            return F.linear(x, self.weight)
        # Look up the frozen table, then put the trained rows where their tokens are: no patched
        # copy of the whole table, and no dense gradient the size of the vocabulary.
        out = F.embedding(x, self.base_weight, padding_idx=self.padding_idx)
        match = x.unsqueeze(-1) == self.ids.to(x.device)  # (..., n_rows)
        rows = self.rows.to(out.dtype)[match.to(torch.int64).argmax(-1)]
        out = torch.where(match.any(-1).unsqueeze(-1), rows, out)
        scale = self.embed_scale  # scaled embeddings (Gemma) scale inside their own forward
        if scale is not None:
            out = out * (scale.to(out.device, out.dtype) if torch.is_tensor(scale) else scale)
        return out


def _is_tied(model: Any) -> bool:
    inp, out = model.get_input_embeddings(), model.get_output_embeddings()
    return out is None or getattr(out, "weight", None) is getattr(inp, "weight", None)


def attach_trainable_rows(model: Any, ids: list[int]) -> list[Any]:
    """Swap the model's input embedding and output layer for ``TrainableRows`` over ``ids``; returns the
    trainable row parameters: ``[input rows, output rows]``, or ``[rows]`` when the two layers are tied."""
    ids = sorted(set(ids))
    if not ids:
        return []
    idx = torch.tensor(ids, dtype=torch.long)
    inp, out = model.get_input_embeddings(), model.get_output_embeddings()
    tied = _is_tied(model)
    in_w = inp.weight
    in_w.requires_grad_(False)
    in_rows = nn.Parameter(in_w.detach()[idx].float().clone())
    model.set_input_embeddings(TrainableRows(in_w, idx, in_rows, "embedding", getattr(inp, "padding_idx", None), getattr(inp, "embed_scale", None)))
    params = [in_rows]
    if out is not None:
        if tied:
            out_w, out_rows = in_w, in_rows
        else:
            out_w = out.weight
            out_w.requires_grad_(False)
            out_rows = nn.Parameter(out_w.detach()[idx].float().clone())
            params.append(out_rows)
        model.set_output_embeddings(TrainableRows(out_w, idx, out_rows, "linear"))
    return params


def give_rows_their_lr(optimizer: Any, rows: Any, lr: float) -> None:
    """Move ``rows`` out of the optimizer's groups into a group of its own at learning rate ``lr`` (no
    weight decay). Call before the first step: the scheduler then scales this group like the others."""
    for group in optimizer.param_groups:
        group["params"] = [p for p in group["params"] if p is not rows]
    optimizer.add_param_group({"params": [rows], "lr": lr, "weight_decay": 0.0})


def save_trainable_rows(model: Any, directory: str | Path) -> Path | None:
    """Write the trained rows (``ids``, ``embed``, ``output``) to ``DIR/token_rows.safetensors``."""
    from safetensors.torch import save_file

    inp, out = _unwrap(model).get_input_embeddings(), _unwrap(model).get_output_embeddings()
    if not isinstance(inp, TrainableRows):
        return None
    tensors = {"ids": inp.ids.detach().cpu().clone(), "embed": inp.rows.detach().float().cpu().clone()}
    if out is not None and isinstance(out, TrainableRows):
        tensors["output"] = out.rows.detach().float().cpu().clone()
    path = Path(directory) / TOKEN_ROWS_FILE
    save_file(tensors, str(path))
    return path


def load_trainable_rows(model: Any, directory: str | Path) -> bool:
    """Put the rows saved in ``DIR/token_rows.safetensors`` back into the model's ``TrainableRows``
    (resuming a checkpoint). False when the file is missing or holds other token ids."""
    from safetensors.torch import load_file

    path = Path(directory) / TOKEN_ROWS_FILE
    inp, out = _unwrap(model).get_input_embeddings(), _unwrap(model).get_output_embeddings()
    if not path.is_file() or not isinstance(inp, TrainableRows):
        return False
    t = load_file(str(path))
    if not torch.equal(t["ids"].long().cpu(), inp.ids.long().cpu()):
        return False
    with torch.no_grad():
        inp.rows.copy_(t["embed"].to(inp.rows.dtype))
        if isinstance(out, TrainableRows) and out.rows is not inp.rows:
            if "output" not in t:
                return False
            out.rows.copy_(t["output"].to(out.rows.dtype))
    return True


def apply_token_rows(model: Any, directory: str | Path) -> list[int]:
    """Write the rows saved in ``DIR/token_rows.safetensors`` (if any) into the model's own input embedding
    and output layer, in place (the base model's other rows are untouched). Returns the ids written."""
    from safetensors.torch import load_file

    path = Path(directory) / TOKEN_ROWS_FILE
    if not path.is_file():
        return []
    t = load_file(str(path))
    ids = t["ids"].long()
    inp, out = model.get_input_embeddings(), model.get_output_embeddings()
    with torch.no_grad():
        inp.weight[ids] = t["embed"].to(inp.weight.dtype)
        if "output" in t and not _is_tied(model):
            out.weight[ids] = t["output"].to(out.weight.dtype)
    return [int(i) for i in ids]


def _unwrap(model: Any) -> Any:
    get = getattr(model, "get_base_model", None)
    return get() if callable(get) else model


__all__ = [
    "CALL_MARKERS",
    "INDISTINCT_COSINE",
    "TokenRow",
    "TrainableRows",
    "call_marker_ids",
    "check_rows",
    "load_trainable_rows",
    "TOKEN_ROWS_FILE",
    "apply_token_rows",
    "attach_trainable_rows",
    "give_rows_their_lr",
    "save_trainable_rows",
    "resolve_train_tokens",
    "single_token_id",
]
