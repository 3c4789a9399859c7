"""How fast an untrained call-tag row learns, by learning rate: where ``train_tokens_lr`` comes from.

Takes the first N records with calls from a cleaned dataset, renders them as the trainer does
(completion-only loss, Qwen's own template), runs the base model once and keeps the final hidden
states at the trained positions. Then it optimises only the output-layer rows of ``<tool_call>`` /
``</tool_call>`` (the hidden states do not depend on them, so every other logit stays fixed) with
full-batch Adam for S steps at each learning rate, and prints: the mean log-probability of the tags
where they are the target, how often a tag is the top token there, how many other positions now
predict a tag, and the loss.

    .venv/bin/python bench/tag_rows_lr.py reports/seed-cpu/data/train.clean.jsonl   # docs/RESULTS.md, run 2
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", nargs="?", default="data/sample/train.clean.jsonl")
    ap.add_argument("--model", default="qwen2.5-coder-0.5b")
    ap.add_argument("--records", type=int, default=24)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--lrs", default="2e-4,1e-3,5e-3,2e-2")
    a = ap.parse_args()

    import torch

    from toolproof.trainer.models import load
    from toolproof.trainer.templates import render
    from toolproof.trainer.tokens import call_marker_ids
    from toolproof.validator.io import iter_records

    model, tok = load(a.model, dtype="bf16")
    ids = list(call_marker_ids(tok).values())
    if not ids:
        raise SystemExit(f"{a.model}: the call tags are not single tokens; nothing to measure")
    recs = [r.obj for r in iter_records(a.data) if any(m.get("tool_calls") for m in r.obj["messages"])][: a.records]
    hidden, labels = [], []
    with torch.no_grad():
        for rec in recs:
            r = render(tok, rec, loss="completion_only", fmt="structured")
            h = model.model(input_ids=torch.tensor([r.input_ids])).last_hidden_state[0, :-1].float()
            keep = torch.tensor(r.trained[1:], dtype=torch.bool)
            hidden.append(h[keep])
            labels.append(torch.tensor(r.input_ids[1:])[keep])
    H, L = torch.cat(hidden), torch.cat(labels)
    tags = torch.tensor(ids)
    is_tag = torch.isin(L, tags)
    W = model.lm_head.weight.detach().float()
    base = H @ W.T
    print(f"{len(recs)} records, {len(L)} trained tokens, {int(is_tag.sum())} of them tags")

    def report(name: str, logits: torch.Tensor) -> None:
        lp = logits.log_softmax(-1)
        top = logits.argmax(-1)
        print(
            f"{name:<28} tag log-prob {lp[is_tag, L[is_tag]].mean():7.2f}  tag top-1 {(top[is_tag] == L[is_tag]).float().mean():.0%}"
            f"  other positions predicting a tag {int(torch.isin(top[~is_tag], tags).sum())}/{int((~is_tag).sum())}"
            f"  loss {torch.nn.functional.cross_entropy(logits, L):.3f}"
        )

    report("base", base)
    rest = base.clone()
    rest[:, ids] = -float("inf")
    target = L.clone()
    for k, i in enumerate(ids):  # the tags' columns move to the end of the logits
        target[L == i] = W.shape[0] + k
    for lr in (float(x) for x in a.lrs.split(",")):
        rows = torch.nn.Parameter(W[ids].clone())
        opt = torch.optim.AdamW([rows], lr=lr, weight_decay=0.0)
        for _ in range(a.steps):
            loss = torch.nn.functional.cross_entropy(torch.cat([rest, H @ rows.T], 1), target)
            opt.zero_grad()
            loss.backward()
            opt.step()
        tuned = base.clone()
        tuned[:, ids] = H @ rows.detach().T
        report(f"lr {lr:g}, {a.steps} steps", tuned)


if __name__ == "__main__":
    main()
