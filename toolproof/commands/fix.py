"""`toolproof fix PATH...`: apply the safe fixes in place (pre-commit fixer contract).

JSON Lines in and out. A record is rewritten only when the safe repairs leave it with no
error; every other line (unfixable records, broken JSON, blank lines) keeps its exact bytes and
its findings are printed. Prints ``Fixing PATH`` and exits 1 when it changed a file, 0 otherwise,
3 when toolproof itself failed on a record (an internal error; that line is left as it is).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from toolproof.commands._common import UsageError


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "fix",
        help="apply safe fixes to JSONL datasets in place (exit 1 when a file changed)",
        description="Apply the safe repairs in place. Exit 1 when a file was changed (re-stage it), 0 otherwise.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="JSONL dataset files")
    p.add_argument("--config", metavar="FILE", help="pyproject.toml or toolproof.toml")
    p.set_defaults(func=run)


def _print_unfixed(f: Any) -> None:
    """pre-commit's `path:line: problem`; the message is the one `lint` gives."""
    from toolproof.validator.safeio import escape_path, escape_text

    print(f"{escape_path(f.file)}:{f.line}: {f.code} [{f.name}] {escape_text(f.path)}: {escape_text(f.message)}")


def run(args: argparse.Namespace) -> int:
    from toolproof.validator.cleaner import FixFileError, RecordCleaner, fix_file
    from toolproof.validator.config import ConfigError, load_config
    from toolproof.validator.safeio import escape_path, escape_text

    try:
        config = load_config(args.config)
    except ConfigError as e:
        raise UsageError(str(e)) from None
    cleaner = RecordCleaner(config=config)
    changed_any = False
    for path in args.paths:
        if Path(path).suffix.lower() in (".csv", ".parquet", ".pq"):
            raise UsageError(f"{path}: fix rewrites JSON Lines in place; use `toolproof clean {path} -o OUT.jsonl`")
        try:  # streamed: the file is rewritten a line at a time and each unfixed error printed as found
            res = fix_file(Path(path), cleaner, on_unfixed=_print_unfixed, keep_changes=False)
        except FixFileError as e:
            raise UsageError(str(e)) from None
        other = {k: n for k, n in res.dialects.items() if k not in ("canonical", "unknown", "unread")}
        if other:
            read = ", ".join(f"{k} {n}" for k, n in sorted(res.dialects.items(), key=lambda kv: (-kv[1], kv[0])))
            print(f"{escape_path(path)}: read as {read} (records); fix repairs canonical records only, the others are left "
                  f"as they are (`toolproof convert {escape_text(path)} -o OUT.jsonl` converts them)")
        if res.changed:
            changed_any = True
            print(f"Fixing {escape_text(path)}")
    sys.stdout.flush()
    if cleaner.internal_errors:
        from toolproof.validator.engine import INTERNAL_ERROR_EXIT

        for e in cleaner.internal_errors[:20]:
            print(f"toolproof fix: internal error (please report): {escape_text(e)}", file=sys.stderr)
        print(f"toolproof fix: {len(cleaner.internal_errors)} internal error(s): those records were left as they are; "
              "exit 3", file=sys.stderr)
        return INTERNAL_ERROR_EXIT
    return 1 if changed_any else 0
