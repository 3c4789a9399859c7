"""`toolproof compare CONFIG.yaml`: base vs dirty-data vs clean-data fine-tunes on the same test sets."""

from __future__ import annotations

import argparse
import sys
import time


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "compare",
        help="train dirty/clean arms and compare their accuracy with the base model",
        description=(
            "Lint and clean the training data, train every arm of CONFIG on the same base "
            "model, evaluate the base model and every arm on the same test sets, and write "
            "summary.csv, summary.md, accuracy.png and compare.json under OUTPUT_ROOT/<name>/. "
            "Finished steps are reused when the command runs again with the same config. "
            "Exit 1 if any arm failed."
        ),
    )
    p.add_argument("config", metavar="CONFIG.yaml", help="comparison config (see experiments/demo.yaml)")
    p.add_argument("--output-root", default="reports", help="folder for the results (default: reports)")
    p.add_argument(
        "--no-resume",
        dest="resume",
        action="store_false",
        help="redo every step even when a previous run finished it",
    )
    p.add_argument(
        "--only",
        nargs="+",
        metavar="ARM",
        help="run only these arms (and/or 'base'); the summary keeps the others' finished results",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from toolproof.cli import UsageError  # noqa: PLC0415
    from toolproof.compare import CompareConfigError, load_config, run_compare  # noqa: PLC0415

    try:
        cfg = load_config(args.config)
    except CompareConfigError as e:
        raise UsageError(str(e)) from e
    t0 = time.perf_counter()

    def progress(msg: str) -> None:
        print(f"[{time.perf_counter() - t0:6.0f}s] {msg}", file=sys.stderr, flush=True)

    from toolproof.progress import progress_bars  # noqa: PLC0415

    try:
        with progress_bars() as bars:
            result = run_compare(
                cfg, output_root=args.output_root, resume=args.resume, only=args.only, progress=progress, bars=bars
            )
    except CompareConfigError as e:
        raise UsageError(str(e)) from e
    summary = result.output_dir / "summary.md"
    if summary.is_file():
        print(summary.read_text(encoding="utf-8"))
    print(f"results in {result.output_dir}/ ({result.seconds:.0f} s)")
    if result.error:
        print(f"toolproof compare: failed before training: {result.error}", file=sys.stderr)
    for name in result.failed:
        o = next(o for o in result.outcomes if o.name == name)
        print(f"toolproof compare: arm {name} failed in {o.failed_step}: {o.error}", file=sys.stderr)
    return result.exit_code
