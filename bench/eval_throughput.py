"""Eval throughput: a naive generation loop vs `toolproof eval` defaults, on the same prompts.

Naive = batch 1, fp32, one ``model.generate`` per example in file order (what a first script does).
Defaults = ``evaluator.run.evaluate`` with ``EvalConfig`` defaults (batch 8, dtype auto -> bf16 on a
CPU with AVX512-BF16/AMX, prompts sorted by length, left padding). Both use greedy decoding, the
same chat template, the same ``--max-new-tokens`` and stop on ``<|im_end|>``; model loading is not
timed. Reports generated tokens/s, examples/s, the ratio, and each run's accuracy.

    .venv/bin/python bench/eval_throughput.py --n 64 --max-new-tokens 48 [--json-out FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def naive(model_name: str, records: list[dict], max_new_tokens: int) -> dict:
    import torch

    from toolproof.evaluator.run import load_model, render_prompts, stop_token_ids
    from toolproof.evaluator.score import record_id, score_predictions

    model, tok, dtype = load_model(model_name, dtype="fp32")
    prompts = render_prompts(tok, records)
    stops = stop_token_ids(tok)
    outputs, tokens = [], 0
    t0 = time.perf_counter()
    for k, p in enumerate(prompts):
        if k % 8 == 0:
            print(f"  naive {k}/{len(prompts)} {time.perf_counter() - t0:.0f}s load={os.getloadavg()[0]:.1f}", file=sys.stderr, flush=True)
        enc = tok(p, return_tensors="pt", add_special_tokens=False)
        with torch.inference_mode():
            out = model.generate(**enc, max_new_tokens=max_new_tokens, do_sample=False, eos_token_id=stops,
                                 pad_token_id=tok.pad_token_id)
        new = out[0, enc["input_ids"].shape[1]:].tolist()
        tokens += len(new)
        cut = next((k for k, t in enumerate(new) if t in stops), len(new))
        outputs.append(tok.decode(new[:cut]))
    dt = time.perf_counter() - t0
    s = score_predictions([{"id": record_id(r, i), "output": o} for i, (r, o) in enumerate(zip(records, outputs))], records)
    return {"name": "naive (batch 1, fp32, one generate per example)", "dtype": dtype, "batch_size": 1,
            "seconds": dt, "generated_tokens": tokens, "tokens_per_s": tokens / dt,
            "examples_per_s": len(records) / dt, "accuracy": s.accuracy, "outputs": outputs}


def defaults(model_name: str, data: str, n: int, max_new_tokens: int, batch_size: int | None = None) -> dict:
    from toolproof.evaluator.run import EvalConfig, evaluate, load_model
    from toolproof.progress import progress_bars

    cfg = EvalConfig(model=model_name, data=data, limit=n, max_new_tokens=max_new_tokens, progress=True,
                     output=str(Path(tempfile.mkdtemp()) / "results.csv"))
    if batch_size:
        cfg.batch_size = batch_size
    model, tok, dtype = load_model(model_name, dtype=cfg.dtype)
    with progress_bars() as progress:
        s = evaluate(cfg, model_and_tokenizer=(model, tok), progress=progress)
    import csv

    with open(s.csv_path, newline="", encoding="utf-8") as f:
        outputs = [r["raw_output"] for r in csv.DictReader(f)]
    return {"name": f"toolproof eval (batch {cfg.batch_size}, dtype {cfg.dtype} -> {dtype}, length-sorted)",
            "dtype": dtype, "batch_size": cfg.batch_size, "seconds": s.generation_seconds,
            "generated_tokens": s.generated_tokens, "tokens_per_s": s.generated_tokens_per_s,
            "examples_per_s": s.examples_per_s, "accuracy": s.accuracy, "outputs": outputs}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="smollm2-135m")
    ap.add_argument("--data", default=str(ROOT / "data" / "sample" / "test.jsonl"))
    ap.add_argument("--n", type=int, default=64)
    ap.add_argument("--max-new-tokens", type=int, default=48)
    ap.add_argument("--also-batch", type=int, nargs="*", default=[], help="extra default runs with these batch sizes")
    ap.add_argument("--json-out")
    args = ap.parse_args()

    from toolproof.evaluator.score import load_records

    records = load_records(args.data)[: args.n]
    import torch

    print(f"{len(records)} prompts from {args.data}, max_new_tokens={args.max_new_tokens}, "
          f"torch threads={torch.get_num_threads()}", file=sys.stderr)
    rows = []
    for fn in [lambda: naive(args.model, records, args.max_new_tokens),
               lambda: defaults(args.model, args.data, args.n, args.max_new_tokens),
               *[(lambda b=b: defaults(args.model, args.data, args.n, args.max_new_tokens, batch_size=b))
                 for b in args.also_batch]]:
        before = os.getloadavg()[0]
        rows.append(fn())
        rows[-1]["load_average"] = [round(before, 2), round(os.getloadavg()[0], 2)]
        print(f"  done: {rows[-1]['name']} {rows[-1]['seconds']:.0f}s {rows[-1]['tokens_per_s']:.1f} tok/s "
              f"load {rows[-1]['load_average']}", file=sys.stderr, flush=True)
    base = rows[0]["tokens_per_s"]
    ref = rows[0].pop("outputs")
    for r in rows[1:]:
        outs = r.pop("outputs")
        r["same_output_as_naive"] = sum(a.strip() == b.strip() for a, b in zip(ref, outs)) / len(ref)
    for r in rows:
        r["speedup_tokens_per_s"] = r["tokens_per_s"] / base
        r["speedup_examples_per_s"] = r["examples_per_s"] / rows[0]["examples_per_s"]
        print(f"{r['name']:<62} {r['tokens_per_s']:7.1f} tok/s  {r['examples_per_s']:6.2f} ex/s  "
              f"{r['seconds']:7.1f} s  x{r['speedup_tokens_per_s']:.2f} tok/s  x{r['speedup_examples_per_s']:.2f} ex/s  "
              f"acc {r['accuracy']:.1%}" + (f"  same output as naive {r['same_output_as_naive']:.0%}" if "same_output_as_naive" in r else ""))
    if args.json_out:
        Path(args.json_out).write_text(json.dumps({"model": args.model, "n": len(records),
                                                   "max_new_tokens": args.max_new_tokens, "runs": rows}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
