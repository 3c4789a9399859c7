"""`toolproof clean INPUT... -o OUTPUT`: repair what is safely repairable, quarantine the rest.

Every input record ends in exactly one place: OUTPUT (canonical JSONL, unchanged or repaired),
the quarantine file (with the findings that kept it out), or the dropped-duplicate count. Each
record is read through the dialect registry (``validator.formats``); the summary says which
dialects were read and how many records of each were quarantined.
Exit 0 when the run completed (records quarantined for their findings included), 1 when some
record could not be read at all (invalid JSON, a shape its dialect does not allow, not a record:
TP001 / TP012 / TP013 / TP002 / TP003; ``--allow-unread`` makes that 0), 1 when the output is empty
or keeps less than ``--min-kept`` (``min-kept`` in ``[tool.toolproof]``) of the records (the message
names the top reasons for quarantine; ``--allow-unread`` does not change that), 2 for usage errors, 3
when toolproof itself failed on a record (an internal error; the record is quarantined with the reason).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from toolproof.commands._common import UsageError


def _codes(value: str) -> list[str]:
    return [c.strip() for c in value.split(",") if c.strip()]


def share_arg(value: str) -> float:
    """``--min-kept``: a share between 0 and 1 (argparse turns the ValueError into a usage error)."""
    from toolproof.validator.keep import check_share

    try:
        share = float(value)
    except ValueError:
        share = None
    try:
        return check_share(share, "--min-kept")
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a share between 0 and 1 (e.g. 0.9), got {value!r}") from None


def add_min_kept(p: argparse.ArgumentParser) -> None:
    p.add_argument("--min-kept", type=share_arg, default=None, metavar="SHARE",
                   help="exit 1 when less than SHARE (0-1) of the records is kept (default: `min-kept` in "
                        "[tool.toolproof], else only an empty output fails)")


def add_split(p: argparse.ArgumentParser) -> None:
    p.add_argument("--split", default=None, metavar="SPLIT",
                   help="the split of a datasets folder / hub id to read (the same as PATH@SPLIT); a dataset with "
                        "several splits needs one, they are never merged")


def split_paths(paths: list[str], split: str | None) -> list[str]:
    """``--split`` applied to every path (``PATH@SPLIT``), as a usage error when a path names another."""
    from toolproof.validator.io import with_split

    try:
        return [with_split(p, split) for p in paths]
    except ValueError as e:
        raise UsageError(str(e)) from None


def kept_check(command: str, records_in: int, kept: int, reasons: Any, flag: float | None, config: Any) -> int:
    """Print why the output should not be used (stderr) and return 1, or return 0 when it may."""
    from toolproof.validator.keep import kept_problem
    from toolproof.validator.safeio import escape_text

    min_kept = flag if flag is not None else getattr(config, "min_kept", None)
    problem = kept_problem(records_in, kept, reasons, min_kept)
    if problem is None:
        return 0
    print(f"toolproof {command}: error: {escape_text(problem)}", file=sys.stderr)
    return 1


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "clean",
        help="repair tool-calling datasets (safe fixes) and quarantine what cannot be repaired",
        description=(
            "Write a clean canonical JSONL dataset: safe repairs applied (unsafe ones with --unsafe-fixes), "
            "exact duplicates dropped, everything else that is still an error moved to a quarantine file "
            "with its findings."
        ),
    )
    p.add_argument("inputs", nargs="+", metavar="INPUT",
                   help="dataset files (.jsonl, .json, .csv, .parquet), a datasets save_to_disk folder or .arrow file (@split picks a split)")
    p.add_argument("-o", "--output", required=True, metavar="OUTPUT", help="clean JSONL to write")
    p.add_argument("--quarantine", metavar="FILE", help="quarantine JSONL (default: <output stem>.quarantine.jsonl)")
    p.add_argument("--unsafe-fixes", action="store_true", help="also coerce unambiguous types and drop unknown arguments")
    p.add_argument("--report", metavar="PATH", help="write a report to PATH: .html, .md or .json")
    p.add_argument("--no-dedupe", action="store_true", help="keep exact duplicate records")
    p.add_argument("--input-format", metavar="F", help="container (jsonl, json, csv, parquet) and/or record dialect (auto: detect each record; "
                   "canonical, openai, anthropic, llamafactory-v1, sharegpt, hermes, toolace, xlam, glaive, alpaca, conversation-key), e.g. csv:sharegpt")
    p.add_argument("--select", type=_codes, action="extend", metavar="CODES", help="rules to run (codes, prefixes, names)")
    p.add_argument("--ignore", type=_codes, action="extend", metavar="CODES", help="rules to skip")
    p.add_argument("--config", metavar="FILE", help="pyproject.toml or toolproof.toml (default: the nearest pyproject.toml)")
    p.add_argument("--quiet", "-q", action="store_true", help="print only the one-line summary")
    p.add_argument("--allow-unread", action="store_true",
                   help="exit 0 even when some records could not be read (they are still quarantined)")
    add_min_kept(p)
    add_split(p)
    p.add_argument("--balance", nargs="?", type=float, const=-1.0, default=None, metavar="SHARE",
                   help="then add near-miss decline records made from the output's own records until they are SHARE "
                        "of it (default 0.15; see `toolproof data balance`)")
    p.add_argument("--seed", type=int, default=0, help="random seed for --balance")
    p.add_argument("--engine", choices=["local", "ray"], default="local",
                   help="local (default) or Ray Data (pip install 'toolproof[ray]'; JSON Lines on storage every worker reads): "
                        "then OUTPUT is a new or empty folder that gets cleaned/, quarantine/ and findings/ part files and summary.json")
    p.add_argument("--ray-address", metavar="ADDR", help="Ray cluster to use with --engine ray (default: RAY_ADDRESS, else a local Ray)")
    p.set_defaults(func=run)


def read_as_line(read_as: Any, quarantined: Any) -> str:
    """``read as: sharegpt 300 (12 quarantined), canonical 2``: records read per dialect."""
    parts = []
    for name, n in sorted(read_as.items(), key=lambda kv: (-kv[1], kv[0])):
        q = quarantined.get(name, 0) if name != "unread" else 0
        parts.append(f"{name} {n}" + (f" ({q} quarantined)" if q else ""))
    return "read as: " + ", ".join(parts)


def format_summary(result: Any, quiet: bool = False) -> str:
    """The printed summary of a clean run (same numbers as the report's summary)."""
    from toolproof.validator.safeio import escape_text as e_

    lines = [
        f"{result.records_in} records in: {result.unchanged} passed unchanged, {result.repaired} repaired, "
        f"{result.quarantined} quarantined, {result.duplicates_dropped} duplicates dropped"
    ]
    if getattr(result, "unread", 0):
        lines[0] += f" ({result.unread} could not be read)"
    if quiet:
        return lines[0]
    if getattr(result, "read_as", None):
        lines.append(read_as_line(result.read_as, result.quarantined_by_dialect))
    if getattr(result, "unread", 0):
        lines.append(f"could not read {result.unread} record(s): quarantined with the reason, never counted as converted")
    if result.repairs:
        lines.append("repairs (places changed, by rule and repair):")
        width = max(len(k) for k in result.repairs)
        for key, n in sorted(result.repairs.items()):
            lines.append(f"  {key:<{width}}  {n}")
    if result.quarantined_by_rule:
        lines.append("quarantined (records, by rule, most frequent first):")
        from toolproof.validator.keep import top_reasons
        from toolproof.validator.rules.base import REGISTRY

        for code, n in top_reasons(result.quarantined_by_rule, len(result.quarantined_by_rule)):
            name = REGISTRY[code].name if code in REGISTRY else ""
            lines.append(f"  {code} {name:<32} {n}")
    if result.converted:
        lines.append("converted to canonical: " + ", ".join(f"{k} {n}" for k, n in sorted(result.converted.items())))
    if result.ids_derived:
        lines.append(f"ids derived from file:line: {result.ids_derived}")
    lines.append(f"wrote {result.written} records to {e_(result.output)}")
    lines.append(f"wrote {result.quarantined} records to {e_(result.quarantine)}")
    if result.report:
        lines.append(f"report: {e_(result.report)}")
    if result.internal_errors:
        lines.append(f"{len(result.internal_errors)} internal rule errors (see the report); first: {e_(result.internal_errors[0])}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from toolproof.validator.cleaner import CleanError, clean
    from toolproof.validator.config import ConfigError, load_config
    from toolproof.validator.io import InputError, split_format

    try:
        split_format(args.input_format)
    except ValueError as e:
        raise UsageError(str(e)) from None
    try:
        config = load_config(args.config)
    except ConfigError as e:
        raise UsageError(str(e)) from None
    args.inputs = split_paths(args.inputs, args.split)
    if args.engine == "ray":
        return _clean_ray(args, config)
    from toolproof.validator.uris import is_uri

    for p in (*args.inputs, args.output):
        if is_uri(p) and not p.startswith("hf://"):
            raise UsageError(f"{p}: object storage is read and written by --engine ray (or use a local path)")
    try:
        result = clean(
            args.inputs,
            args.output,
            args.quarantine,
            unsafe_fixes=args.unsafe_fixes,
            dedupe=not args.no_dedupe,
            report=args.report,
            input_format=args.input_format,
            select=args.select,
            ignore=args.ignore,
            config=config,
        )
    except (CleanError, InputError, ValueError) as e:
        raise UsageError(str(e)) from None
    except OSError as e:
        raise UsageError(f"{e.filename or ''}: {e.strerror or e}") from None
    balanced = _balance(result, args.balance, args.seed) if args.balance is not None else None
    print(format_summary(result, args.quiet), file=sys.stdout)
    if balanced is not None and not args.quiet:
        print(balanced, file=sys.stdout)
    return _exit_code(result, args, config)


def _exit_code(result: Any, args: argparse.Namespace, config: Any) -> int:
    """3 when toolproof failed on a record (it is quarantined, but the run is not a pass), 1 when the
    output is empty or keeps less than ``--min-kept``, 1 for unread records (unless allowed), else 0."""
    from toolproof.validator.engine import INTERNAL_ERROR_EXIT

    if result.internal_errors:
        print(f"toolproof clean: {len(result.internal_errors)} internal error(s) (please report); the records they "
              "concern are quarantined with the reason; exit 3", file=sys.stderr)
        return INTERNAL_ERROR_EXIT
    if _kept_check(result, args, config):
        return 1
    return 1 if result.unread and not args.allow_unread else 0


def _kept_check(result: Any, args: argparse.Namespace, config: Any) -> int:
    """The empty-output / ``--min-kept`` check of a clean run: dropped duplicates are not lost records."""
    distinct = result.records_in - result.duplicates_dropped
    return kept_check("clean", distinct, result.written, result.quarantined_by_rule, args.min_kept, config)


def _clean_ray(args: argparse.Namespace, config: Any) -> int:
    """``clean --engine ray``: OUTPUT is a folder of part files; the summary adds the per-file conservation check."""
    from toolproof.validator.cleaner import CleanError, resolve_report_path
    from toolproof.validator.io import InputError, split_format
    from toolproof.validator.safeio import OutputError, escape_text, refuse_overwrite

    for flag, given in (("--quarantine", args.quarantine), ("--balance", args.balance is not None)):
        if given:
            raise UsageError(f"{flag} does not go with --engine ray (the quarantine is OUTPUT/quarantine/)")
    if split_format(args.input_format)[0] not in (None, "jsonl"):
        raise UsageError("--engine ray reads JSON Lines only; --input-format may name a record dialect (e.g. sharegpt)")
    try:
        from toolproof.validator.ray_clean import ConservationError, clean_files_ray, conservation
    except ImportError as e:
        raise UsageError(str(e)) from None
    try:
        report = resolve_report_path(args.report) if args.report else None
        refuse_overwrite([("--report", report)], args.inputs)
        result = clean_files_ray(args.inputs, args.output, unsafe_fixes=args.unsafe_fixes, dedupe=not args.no_dedupe,
                                 input_format=args.input_format, select=args.select, ignore=args.ignore, config=config,
                                 address=args.ray_address)
    except (CleanError, InputError, OutputError, ValueError, ImportError) as e:
        raise UsageError(str(e)) from None
    except ConservationError as e:
        print(f"toolproof clean: error: {escape_text(str(e))}", file=sys.stderr)
        return 1
    if report is not None:
        from toolproof.validator.reporters.clean_report import write_report

        result.report = str(report)
        write_report(result, report)
    print(format_summary(result, args.quiet), file=sys.stdout)
    if result.faults and any(result.faults.values()):
        from toolproof.validator.reporters.text import fault_line

        print(f"ray: {fault_line(result.faults)}", file=sys.stdout)
    if not args.quiet:
        rows = conservation(result)
        print("records in = written + quarantined + duplicates dropped, per file: " + ", ".join(
            f"{escape_text(r['file'])} {r['records_in']} = {r['written']} + {r['quarantined']} + {r['duplicates_dropped']}" for r in rows))
    return _exit_code(result, args, config)


def _balance(result: Any, share: float, seed: int) -> str:
    """``clean --balance``: balance the written output in place (it is this run's own file, never an
    input) and rewrite the report with the balanced output's statistics and the balance report."""
    import os
    from pathlib import Path

    from toolproof.validator.balance import DEFAULT_SHARE, BalanceError, balance_file, format_balance_result

    share = DEFAULT_SHARE if share < 0 else share
    if not 0.0 <= share < 1.0:
        raise UsageError("--balance must be at least 0 and below 1")
    out = Path(result.output)
    tmp = out.with_name(out.name + ".balance.tmp")
    try:
        res = balance_file(out, tmp, share=share, seed=seed)
        os.replace(tmp, out)
    except BalanceError as e:
        raise UsageError(str(e)) from None
    finally:
        if tmp.exists():
            tmp.unlink()
    res.input = res.output = os.fspath(out)
    result.balance = res.to_dict()
    if result.report:
        from toolproof.validator.cleaner import _iter_jsonl, _stats_func
        from toolproof.validator.reporters.clean_report import write_report

        stats = _stats_func()
        if stats is not None:
            result.stats = stats(_iter_jsonl(out))
        write_report(result, result.report)
    return format_balance_result(res) + f"\nwrote {res.records_out} records to {out} ({len(res.added)} added by --balance)"
