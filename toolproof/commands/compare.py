"""`toolproof compare CONFIG.yaml`: base vs dirty-data vs clean-data fine-tunes on the same test sets."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from toolproof.compare.plan import Plan


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "compare",
        help="train dirty/clean arms and compare their accuracy with the base model",
        description=(
            "Lint and clean the training data, train every arm of CONFIG on the same base "
            "model, evaluate the base model and every arm on the same test sets, and write "
            "summary.csv, summary.md, accuracy.png and compare.json under OUTPUT_ROOT/<name>/. "
            "Finished steps are reused when the command runs again with the same config, and so are "
            "published ones (--publish, under --results-dir) whose inputs and versions match. "
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
    p.add_argument(
        "--results-dir",
        default="docs/results",
        metavar="DIR",
        help="published results: finished steps under DIR/<name>/ whose keys match (same inputs, settings "
        "and versions) are reused instead of re-run (default: docs/results, here or beside the config's "
        "folder)",
    )
    p.add_argument(
        "--publish",
        action="store_true",
        help="after the run, write its machine-readable results (compare.json, paired.csv, summaries, "
        "per-record verdicts, step keys) to DIR/<name>/ for committing",
    )
    p.add_argument(
        "--plan",
        action="store_true",
        help="print which steps a run would reuse (done here or published), continue (a training from its "
        "newest checkpoint, an evaluation from its journal) or run, and exit: nothing is trained or "
        "evaluated (the data and test sets are prepared as the run would, in seconds)",
    )
    p.set_defaults(func=run)


def _print_plan(plan: Plan) -> None:
    from toolproof.compare.plan import PUBLISHED, REUSED  # noqa: PLC0415

    width = max((len(f"{s.model} {s.step}") for s in plan.steps), default=0)
    for s in plan.steps:
        label = f"{s.model} {s.step}"
        print(f"{label:<{width}}  {s.state}" + (f"  ({s.detail})" if s.detail else ""))
    print(
        f"{plan.count(*REUSED)} of {len(plan.steps)} steps reused ({plan.count(PUBLISHED)} published); "
        f"to run or continue: {plan.to_do(trainings=True)} training(s), {plan.to_do(trainings=False)} "
        f"evaluation(s) (output folder {plan.out_dir}/)"
    )


def _results_dir(arg: str, config: str) -> Path:
    """``--results-dir`` as given, or, relative and missing here, the same path beside the config's
    folder (``experiments/../docs/results``), as the config's data paths are resolved."""
    root = Path(arg).expanduser()
    if root.is_absolute() or root.exists():
        return root
    beside = Path(config).resolve().parent.parent / root
    return beside if beside.exists() else root


def run(args: argparse.Namespace) -> int:
    from toolproof.commands._common import UsageError  # noqa: PLC0415
    from toolproof.compare import CompareConfigError, load_config, publish_results, run_compare  # noqa: PLC0415

    try:
        cfg = load_config(args.config)
    except CompareConfigError as e:
        raise UsageError(str(e)) from e
    results_dir = _results_dir(args.results_dir, args.config)
    if args.plan:
        from toolproof.compare.plan import plan_compare  # noqa: PLC0415

        if args.publish:
            raise UsageError("--plan runs nothing, so there is nothing to --publish")
        try:
            plan = plan_compare(
                cfg, output_root=args.output_root, only=args.only, resume=args.resume, published_root=results_dir,
            )  # fmt: skip
        except CompareConfigError as e:
            raise UsageError(str(e)) from e
        if plan.error is not None:
            print(f"toolproof compare: a run would stop before training: {plan.error}", file=sys.stderr)
            return 1
        _print_plan(plan)
        return 0
    t0 = time.perf_counter()

    def progress(msg: str) -> None:
        print(f"[{time.perf_counter() - t0:6.0f}s] {msg}", file=sys.stderr, flush=True)

    from toolproof.progress import progress_bars  # noqa: PLC0415

    try:
        with progress_bars() as bars:
            result = run_compare(
                cfg, output_root=args.output_root, resume=args.resume, only=args.only, progress=progress,
                published_root=results_dir, bars=bars,
            )  # fmt: skip
    except CompareConfigError as e:
        raise UsageError(str(e)) from e
    summary = result.output_dir / "summary.md"
    if summary.is_file():
        print(summary.read_text(encoding="utf-8"))
    print(f"results in {result.output_dir}/ ({result.seconds:.0f} s)")
    if args.publish:
        print(f"published: {publish_results(result, results_dir)}/")
    if result.error:
        print(f"toolproof compare: failed before training: {result.error}", file=sys.stderr)
    for name in result.failed:
        o = next(o for o in result.outcomes if o.name == name)
        print(f"toolproof compare: arm {name} failed in {o.failed_step}: {o.error}", file=sys.stderr)
    return result.exit_code
