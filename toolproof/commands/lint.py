"""`toolproof lint PATH...`: check datasets and report findings.

Exit 0 when no error-level finding, 1 when there are, 2 for usage errors or
unreadable files, 3 when toolproof itself failed on a record (an internal error: fail closed).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import sys
from collections.abc import Iterator
from typing import IO

from toolproof.commands._common import UsageError


def _codes(value: str) -> list[str]:
    return [c.strip() for c in value.split(",") if c.strip()]


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from toolproof.validator.reporters import REPORT_FORMATS

    p = sub.add_parser(
        "lint",
        help="check tool-calling datasets (JSONL, JSON, CSV, Parquet) and report findings",
        description="Check tool-calling datasets and report findings. Exit 0: no errors; 1: errors; 2: usage error or unreadable file; 3: internal error (not all checks ran).",
    )
    p.add_argument("paths", nargs="*", metavar="PATH", help="dataset files (.jsonl, .json, .csv, .parquet), a datasets save_to_disk folder or .arrow file, or hf://org/name (@split picks a split)")
    p.add_argument("--hf-dataset", action="append", metavar="NAME", help="a dataset on the Hugging Face hub (org/name[@split]), streamed; same as the PATH hf://NAME")
    p.add_argument("--format", choices=list(REPORT_FORMATS), default="text", help="report format (default: text)")
    p.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE instead of stdout")
    p.add_argument("--select", type=_codes, action="extend", metavar="CODES", help="comma-separated codes, prefixes or names to run (replaces the config's select)")
    p.add_argument("--ignore", type=_codes, action="extend", metavar="CODES", help="comma-separated codes, prefixes or names to skip (added to the config's ignore)")
    p.add_argument("--jobs", "-j", type=int, default=1, metavar="N", help="worker processes (default 1)")
    p.add_argument("--input-format", metavar="F", help="container (jsonl, json, csv, parquet) and/or record dialect (auto: detect each record; "
                   "canonical, openai, anthropic, llamafactory-v1, sharegpt, hermes, toolace, xlam, glaive, alpaca, conversation-key), e.g. csv:sharegpt")
    p.add_argument("--config", metavar="FILE", help="pyproject.toml or toolproof.toml to read instead of the nearest pyproject.toml")
    p.add_argument("--against", metavar="TEST", help="test set to check leakage against (enables TP504)")
    p.add_argument("--model", metavar="M", help="model whose chat template to check (enables TP601-TP603)")
    p.add_argument("--max-length", type=int, metavar="N", help="token limit for TP603 (with --model)")
    p.add_argument("--loss", metavar="L", help="loss mode for TP602 (with --model), e.g. assistant_only")
    p.add_argument("--no-color", action="store_true", help="plain text even on a terminal")
    p.add_argument("--hook", action="store_true", help=argparse.SUPPRESS)  # set by the pre-commit hook entry
    p.add_argument("--fail-on-empty", action="store_true",
                   help="exit 1 when a file holds no records (empty, or blank lines only); without it an empty "
                   "file is only a warning")
    p.add_argument("--baseline", metavar="FILE",
                   help="accept the findings listed in FILE (by rule, file, record id or content, and path): only new "
                   "findings are reported and counted; with --write-baseline, write FILE from this run's findings instead")
    p.add_argument("--write-baseline", action="store_true",
                   help="write every finding of this run to the --baseline FILE (exit 0) and report them as usual")
    p.add_argument("--engine", choices=["local", "ray"], default="local", help="local processes (default) or Ray Data (pip install 'toolproof[ray]'; JSON Lines on storage every worker reads)")
    p.add_argument("--ray-address", metavar="ADDR", help="Ray cluster to use with --engine ray (default: RAY_ADDRESS, else a local Ray)")
    p.add_argument("--findings-dir", metavar="DIR", help="with --engine ray: write the findings as part files DIR/part-G.jsonl (one per "
                   "byte range, in report order; a new or empty folder) instead of gathering them; the report then has the counts only")
    from toolproof.commands.clean import add_split

    add_split(p)
    p.set_defaults(func=run)


@contextlib.contextmanager
def _report_file(output: str | None) -> Iterator[IO[str]]:
    """stdout, or a text file written atomically (nothing is left behind when the run fails)."""
    if not output:
        yield sys.stdout
        return
    from toolproof.validator.safeio import atomic_writer

    try:
        with atomic_writer(output, "w", encoding="utf-8", newline="") as out:
            yield out
    except OSError as e:
        raise UsageError(f"{output}: cannot write ({e.strerror or e})") from None


def _lint_ray(args: argparse.Namespace, config: object, options: dict[str, object]) -> object:
    from toolproof.validator.io import InputError

    try:
        from toolproof.validator.ray_engine import lint_files_ray
    except ImportError as e:
        raise UsageError(str(e)) from None
    if args.input_format:
        raise UsageError("--engine ray reads JSON Lines only; leave out --input-format")
    if args.findings_dir:
        from toolproof.validator.uris import check_output_folder, locate

        try:  # stale part files would join the findings
            check_output_folder(locate(args.findings_dir), [locate(p) for p in args.paths], "--findings-dir")
        except InputError as e:
            raise UsageError(str(e)) from None
    try:
        return lint_files_ray(args.paths, select=args.select, ignore=args.ignore, config=config, options=options,  # type: ignore[arg-type]
                              address=args.ray_address, findings_dir=args.findings_dir)
    except ImportError as e:
        raise UsageError(str(e)) from None


def _baseline(args: argparse.Namespace) -> object:
    """The --baseline filter: a Baseline to apply, a BaselineWriter to fill (--write-baseline), or None."""
    if not args.baseline:
        return None
    from toolproof.validator.baseline import Baseline, BaselineWriter

    if args.write_baseline:
        from toolproof.validator.safeio import OutputError, refuse_overwrite

        try:
            refuse_overwrite([("--baseline", args.baseline)], [*args.paths, args.against, args.config])
        except OutputError as e:
            raise UsageError(str(e)) from None
        return BaselineWriter(input_format=args.input_format)
    return Baseline.load(args.baseline, input_format=args.input_format)


def _baseline_done(args: argparse.Namespace, baseline: object) -> None:
    from toolproof.validator.safeio import escape_text

    if args.write_baseline:
        try:
            n = baseline.write(args.baseline)  # type: ignore[attr-defined]
        except OSError as e:
            raise UsageError(f"{args.baseline}: cannot write ({e.strerror or e})") from None
        print(f"toolproof lint: wrote the baseline {escape_text(args.baseline)}: {n} finding(s) accepted from now on",
              file=sys.stderr)
    elif baseline.accepted:  # type: ignore[attr-defined]
        print(f"toolproof lint: {baseline.accepted} finding(s) accepted by the baseline {escape_text(args.baseline)} "  # type: ignore[attr-defined]
              "(not reported)", file=sys.stderr)


def check_input(path: str, engine: str) -> None:
    """InputError when an input cannot be read: a local path checked in place; a URI (``s3://``, ...)
    resolved and reached for ``--engine ray``, which alone reads object storage."""
    from toolproof.validator.io import InputError, check_readable, hf_source
    from toolproof.validator.uris import is_uri

    if engine == "ray" and is_uri(path):
        from toolproof.validator.uris import locate, stat

        stat(locate(path))
    elif hf_source(path) is None:
        if is_uri(path):
            raise InputError(f"{path}: object storage is read by --engine ray (or copy the file to a local path)")
        check_readable(path)


def run(args: argparse.Namespace) -> int:
    from toolproof.validator.config import ConfigError, load_config
    from toolproof.validator.engine import lint_paths
    from toolproof.validator.io import InputError, check_readable, split_format
    from toolproof.validator.reporters import open_stream
    from toolproof.validator.safeio import escape_text

    if args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    if args.findings_dir and args.engine != "ray":
        raise UsageError("--findings-dir goes with --engine ray")
    if args.write_baseline and not args.baseline:
        raise UsageError("--write-baseline needs --baseline FILE (where to write it)")
    if args.baseline and args.engine == "ray":
        raise UsageError("--baseline goes with the local engine")
    try:
        split_format(args.input_format)
    except ValueError as e:
        raise UsageError(str(e)) from None
    from toolproof.commands.clean import split_paths

    args.paths = split_paths(list(args.paths) + [f"hf://{name}" for name in args.hf_dataset or []], args.split)
    if not args.paths:
        raise UsageError("give at least one PATH (or --hf-dataset NAME)")
    for p in args.paths:  # a missing path is a usage error: fail before doing any work
        try:
            check_input(p, args.engine)
        except InputError as e:
            raise UsageError(str(e)) from None
    if args.against:
        try:
            check_readable(args.against)
        except InputError as e:
            raise UsageError(f"--against: {e}") from None
    if args.output:
        from toolproof.validator.safeio import OutputError, refuse_overwrite

        try:
            refuse_overwrite([("-o", args.output)], [*args.paths, args.against, args.config])
        except OutputError as e:
            raise UsageError(str(e)) from None
    if args.model:  # the template rules need the tokenizer: an environment problem is not a data finding
        from toolproof.commands._common import TOKENIZER, require_modules
        from toolproof.trainer.rules import load_model_error

        require_modules("lint --model", TOKENIZER)
        problem = load_model_error(args.model)
        if problem:
            raise UsageError(f"--model {args.model}: {problem}")
    try:
        config = load_config(args.config)
        baseline = _baseline(args)
    except ConfigError as e:
        raise UsageError(str(e)) from None
    options = {
        k: v
        for k, v in {"against": args.against, "model": args.model, "max_length": args.max_length, "loss": args.loss}.items()
        if v is not None
    }
    color = args.format == "text" and not args.output and not args.no_color and sys.stdout.isatty()
    # The report is written as the findings come (memory stays flat however many there are);
    # with -o it goes to a temporary file beside the target, renamed over it at the end.
    with _report_file(args.output) as out:
        kw = {"fail_on_empty": True} if args.fail_on_empty and args.format == "text" else {}
        stream = open_stream(args.format, out, color=color, batch=args.hook, **kw)
        try:
            if args.engine == "ray":
                result = _lint_ray(args, config, options)
                for f in result.findings:
                    stream.finding(f)
            else:
                # Everything imported so far (rules, schemas, jsonschema's metaschemas) lives to the end:
                # kept out of the collector's way while linting, so its passes over the records'
                # objects stay short (~3% of the CPU time of a run; forked workers inherit it).
                # Unfrozen after: a caller of main() (tests) keeps a normal collector.
                gc.freeze()
                try:
                    result = lint_paths(
                        args.paths,
                        select=args.select,
                        ignore=args.ignore,
                        config=config,
                        jobs=args.jobs,
                        options=options,
                        input_format=args.input_format,
                        on_finding=stream.finding,
                        keep=baseline.keep if baseline is not None else None,
                    )
                finally:
                    gc.unfreeze()
        except ValueError as e:  # unknown selector
            raise UsageError(str(e)) from None
        stream.close(result)
    if baseline is not None:
        _baseline_done(args, baseline)
        if args.write_baseline:
            return 2 if result.errors else 0
    if args.findings_dir:
        print(f"toolproof lint: {result.finding_count} finding(s) written as part files to {escape_text(args.findings_dir)}", file=sys.stderr)
    if args.output:
        print(f"toolproof lint: {result.error_count} error(s), {result.warning_count} warning(s); report written to {args.output}", file=sys.stderr)
    else:
        sys.stdout.flush()
    if args.format != "text":
        for e in result.errors:
            print(f"toolproof lint: error: {escape_text(e)}", file=sys.stderr)
    for e in result.internal_errors[:20]:
        print(f"toolproof lint: internal error (please report): {escape_text(e)}", file=sys.stderr)
    if result.internal_errors:
        print(f"toolproof lint: {len(result.internal_errors)} internal error(s): not all checks ran; exit 3 "
              "(the data is not known to be clean)", file=sys.stderr)
    empty = [f.path for f in result.files if f.records == 0]
    for path in empty if (args.format != "text" or args.output) else []:  # the text report says it itself
        print(f"toolproof lint: warning: {escape_text(path)}: no records (empty file)"
              + ("" if args.fail_on_empty else "; --fail-on-empty makes this an error"), file=sys.stderr)
    code = result.exit_code
    if empty and args.fail_on_empty and code == 0:
        code = 1
    return code
