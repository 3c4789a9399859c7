"""`toolproof eval --model M --data TEST -o results.csv`: generate, extract calls, grade."""

from __future__ import annotations

import argparse
import json


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "eval",
        help="generate answers with a model (+ adapter) on a test set and grade the tool calls",
        description="Batched greedy generation with the model's training chat template, call extraction "
        "from raw text (all common formats), BFCL-grade matching. Writes results.csv and "
        "results.summary.json.",
    )
    p.add_argument("--model", required=True, help="embedded name (smollm2-135m, qwen2.5-coder-0.5b), local path or hub id")
    p.add_argument("--adapter", help="PEFT adapter directory (its stored chat template is used)")
    p.add_argument("--data", required=True, help="test set JSONL")
    p.add_argument("-o", "--output", default="results.csv", help="results CSV (default: results.csv)")
    p.add_argument("--batch-size", type=int, default=8, help="prompts per generate() call (default: 8)")
    p.add_argument("--limit", type=int, help="evaluate the first N records only")
    p.add_argument("--dtype", default="auto", choices=["auto", "bf16", "fp32"], help="auto: bf16 when supported")
    p.add_argument("--max-new-tokens", type=int, default=256, help="generation budget per example (default: 256)")
    from toolproof.commands.score import add_parser_argument

    add_parser_argument(p)
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    p.add_argument("--no-resume", action="store_true",
                   help="generate every batch again (a stopped run of the same settings otherwise continues "
                        "from the batches in its journal, OUTPUT's .partial.jsonl)")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from toolproof.commands._common import MODEL, UsageError, require_modules
    from toolproof.commands.score import format_summary
    from toolproof.evaluator.run import EvalConfig, evaluate
    from toolproof.evaluator.score import InputError

    require_modules("eval", (*MODEL, "peft") if args.adapter else MODEL)
    if args.batch_size < 1 or args.max_new_tokens < 1 or (args.limit is not None and args.limit < 1):
        raise UsageError("--batch-size, --max-new-tokens and --limit must be at least 1")
    cfg = EvalConfig(
        model=args.model,
        data=args.data,
        output=args.output,
        adapter=args.adapter,
        batch_size=args.batch_size,
        limit=args.limit,
        dtype=args.dtype,
        max_new_tokens=args.max_new_tokens,
        parser=args.parser,
        reasoning_calls=args.reasoning_calls,
        resume=not args.no_resume,
    )
    try:
        from toolproof.trainer.models import ModelError
    except ImportError:  # pragma: no cover - the training extra is missing
        raise UsageError("toolproof eval needs the training extra: pip install 'toolproof[train]'") from None
    from toolproof.progress import progress_bars

    try:
        with progress_bars(not args.no_progress) as progress:
            s = evaluate(cfg, progress=progress)
    except (InputError, ModelError, ValueError) as e:
        raise UsageError(str(e)) from None
    if args.json:
        print(json.dumps(s.to_dict(), indent=2))
        return 0
    title = f"model: {s.model}" + (f" + {s.adapter}" if s.adapter else "") + f"  dtype: {s.dtype}"
    assert s.score is not None
    print(format_summary(s.score, title=title, strict_parser=args.parser))
    print(
        f"speed: {s.examples_per_s:.2f} examples/s, {s.generated_tokens_per_s:.1f} generated tokens/s "
        f"(batch {s.batch_size}, {s.generation_seconds:.1f} s)"
        + (f"; {s.truncated} output(s) hit --max-new-tokens" if s.truncated else "")
    )
    print(f"wrote {s.csv_path} and {s.summary_path}")
    return 0
