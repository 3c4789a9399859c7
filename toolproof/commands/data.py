"""`toolproof data`: build datasets.

- ``toolproof data synth --n N --n-test M --seed S --defect-rate R -o DIR``: synthetic clean/dirty
  training sets, the defect ledger and a test set (see ``validator.synth``).
- ``toolproof data bfcl CATEGORY... -o FILE [--limit N]``: BFCL categories as canonical test records
  (see ``evaluator.bfcl``).
- ``toolproof data stats PATH [--json]``: dataset balance (see ``validator.stats``).
- ``toolproof data balance IN -o OUT [--share S] [--seed N]``: add near-miss decline records made
  from the data's own records (see ``validator.balance``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("data", help="build datasets: synthetic clean/dirty sets, BFCL import")
    dsub = p.add_subparsers(dest="data_command", metavar="SUBCOMMAND")

    s = dsub.add_parser("synth", help="generate synthetic clean + dirty training sets and a test set")
    s.add_argument("--n", type=int, default=400, help="training records (default 400)")
    s.add_argument("--n-test", type=int, default=150, help="test records (default 150)")
    s.add_argument("--seed", type=int, default=0, help="random seed (output is deterministic for a seed)")
    s.add_argument("--defect-rate", type=float, default=0.35, help="share of training records made defective")
    s.add_argument("-o", "--output", required=True, help="output directory")
    s.set_defaults(func=run_synth)

    b = dsub.add_parser("bfcl", help="import BFCL categories (from the installed bfcl-eval) as test records")
    b.add_argument("categories", nargs="+", metavar="CATEGORY",
                   help="e.g. simple_python multiple parallel parallel_multiple live_simple irrelevance")
    b.add_argument("-o", "--output", required=True, help="output JSONL file")
    b.add_argument("--limit", type=int, default=None, help="at most N records per category")
    b.set_defaults(func=run_bfcl)

    st = dsub.add_parser("stats", help="balance of a dataset: calls per tool, no-call share, parallel calls, turns")
    st.add_argument("path", metavar="PATH", help="dataset file (any format `toolproof lint` reads)")
    st.add_argument("--json", action="store_true", help="print the statistics as JSON")
    st.add_argument("--input-format", default=None, help="as for `toolproof lint`")
    st.add_argument("--allow-unread", action="store_true", help="exit 0 even when some records could not be read")
    from toolproof.commands.clean import add_split

    add_split(st)
    st.set_defaults(func=run_stats)

    bal = dsub.add_parser(
        "balance",
        help="add near-miss decline records (a called tool dropped, a short decline) up to a share of the data",
        description=(
            "Write IN's records followed by near-miss irrelevance records made from IN's own calling records "
            "(the xlam-irrelevance method: drop the called tool, keep the others, answer with a decline that names "
            "what is missing) until near-miss declines make up --share of the training records. Added records carry "
            "\"origin\": \"balance\" and \"source_id\". Deterministic for a seed; re-running on the output adds nothing."
        ),
    )
    bal.add_argument("input", metavar="IN", help="dataset file (any format `toolproof lint` reads)")
    bal.add_argument("-o", "--output", required=True, metavar="OUT", help="balanced JSONL to write (never IN)")
    bal.add_argument("--share", type=float, default=None, metavar="S",
                     help="target share of near-miss decline records among training records (default 0.15)")
    bal.add_argument("--seed", type=int, default=0, help="random seed (which sources and decline texts)")
    bal.add_argument("--input-format", default=None, help="as for `toolproof lint`")
    bal.add_argument("--json", action="store_true", help="print the balance report as JSON")
    bal.set_defaults(func=run_balance)
    p.set_defaults(func=lambda args: _no_sub(p))


def _no_sub(p: argparse.ArgumentParser) -> int:
    p.print_help()
    return 2


def run_synth(args: argparse.Namespace) -> int:
    from toolproof.commands._common import UsageError
    from toolproof.validator.synth import generate, write

    if args.n < 0 or args.n_test < 0:
        raise UsageError("--n and --n-test must be >= 0")
    if not 0.0 <= args.defect_rate <= 1.0:
        raise UsageError("--defect-rate must be between 0 and 1")
    try:
        result = generate(args.n, seed=args.seed, defect_rate=args.defect_rate, n_test=args.n_test)
        paths = write(result, args.output)
    except OSError as e:
        raise UsageError(f"cannot write to {args.output}: {e}") from e
    except ValueError as e:
        raise UsageError(str(e)) from e
    kinds = Counter(d["kind"] for d in result.defects)
    cats = Counter(r["category"] for r in result.test)
    print(f"wrote {len(result.train_clean)} records to {paths['train_clean']}")
    print(f"wrote {len(result.train_dirty)} records to {paths['train_dirty']} "
          f"({len(result.defects)} defective: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())) + ")")
    print(f"wrote {len(result.defects)} defects to {paths['defects']}")
    print(f"wrote {len(result.test)} records to {paths['test']} ("
          + ", ".join(f"{k} {v}" for k, v in sorted(cats.items())) + ")")
    return 0


def run_bfcl(args: argparse.Namespace) -> int:
    from toolproof.commands._common import UsageError
    from toolproof.evaluator.bfcl import BfclError, load_bfcl

    if args.limit is not None and args.limit < 1:
        raise UsageError("--limit must be >= 1")
    try:
        records = load_bfcl(args.categories, limit=args.limit)
    except BfclError as e:
        raise UsageError(str(e)) from e
    from toolproof.validator.safeio import atomic_writer

    out = Path(args.output)
    try:
        with atomic_writer(out, "w") as f:
            for rec in records:
                f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    except OSError as e:
        raise UsageError(f"cannot write {out}: {e}") from e
    cats = Counter(r["category"] for r in records)
    print(f"wrote {len(records)} records to {out} (" + ", ".join(f"{k} {v}" for k, v in cats.items()) + ")")
    return 0


def run_stats(args: argparse.Namespace) -> int:
    from toolproof.commands._common import UsageError
    from toolproof.commands.clean import split_paths
    from toolproof.validator.io import InputError, iter_records
    from toolproof.validator.safeio import escape_text
    from toolproof.validator.stats import dataset_balance, format_balance

    (args.path,) = split_paths([args.path], args.split)
    records = []
    bad: list[str] = []
    read_as: Counter[str] = Counter()
    try:
        for r in iter_records(args.path, args.input_format):
            if r.ok and r.obj is not None:
                records.append(r.obj)
                read_as[r.source_format or "unknown"] += 1
            else:
                read_as["unread"] += 1
                msg = r.error.message if r.error is not None else "not read"
                bad.append(f"{r.file}:{r.line}: {r.code or 'TP001'} {msg}")
    except InputError as e:
        raise UsageError(str(e)) from e
    stats = dataset_balance(records, unread=len(bad), read_as=dict(read_as))
    stats["unparseable_records"] = len(bad)
    if args.json:
        stats["unparseable_examples"] = bad[:5]
        print(json.dumps(stats, indent=2))
    else:
        print(format_balance(stats))
        if bad:
            print(f"unparseable records (not counted above): {len(bad)}")
    for line in bad[:5]:
        print(f"toolproof data stats: {escape_text(line)}", file=sys.stderr)
    if bad:
        more = f" (first {min(5, len(bad))} shown)" if len(bad) > 5 else ""
        print(f"toolproof data stats: warning: {len(bad)} record(s) did not parse and are not in these "
              f"statistics{more}; `toolproof lint {escape_text(args.path)}` lists them", file=sys.stderr)
    if not records and not bad:
        print(f"toolproof data stats: warning: {escape_text(args.path)}: no records (empty file)", file=sys.stderr)
    if stats["records"] == 0 and (bad or stats["not_records"]):
        return 1  # nothing was read: no statistics, never "0 calls"
    return 1 if (bad or stats["not_records"]) and not args.allow_unread else 0


def run_balance(args: argparse.Namespace) -> int:
    from toolproof.commands._common import UsageError
    from toolproof.validator.balance import DEFAULT_SHARE, BalanceError, balance_file, format_balance_result

    share = DEFAULT_SHARE if args.share is None else args.share
    if not 0.0 <= share < 1.0:
        raise UsageError("--share must be at least 0 and below 1")
    try:
        res = balance_file(args.input, args.output, share=share, seed=args.seed, input_format=args.input_format)
    except BalanceError as e:
        raise UsageError(str(e)) from None
    except OSError as e:
        raise UsageError(f"{e.filename or args.output}: {e.strerror or e}") from None
    if args.json:
        print(json.dumps(res.to_dict(), indent=2))
    else:
        print(format_balance_result(res))
        print(f"wrote {res.records_out} records to {res.output} ({res.records_in} in, {len(res.added)} added)")
    return 0
