"""The `toolproof` command: argument parsing only; every command calls the library.

Each subcommand lives in ``toolproof/commands/<name>.py`` and exposes
``register(subparsers) -> None`` which adds its parser and sets ``func`` to a
callable ``(args) -> int``. Exit codes: 0 ok, 1 findings / failure, 2 usage or
unreadable input.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from toolproof import __version__

# Order here is the order in `toolproof --help`.
COMMANDS = [
    "lint",
    "rules",
    "clean",
    "fix",
    "convert",
    "data",
    "score",
    "eval",
    "parsers",
    "models",
    "train",
    "inspect",
    "compare",
]


class UsageError(Exception):
    """Raised by commands for bad arguments or unreadable inputs (exit code 2)."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="toolproof",
        description="Lint, repair, train on and evaluate tool-calling datasets.",
    )
    parser.add_argument("--version", action="version", version=f"toolproof {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        mod = importlib.import_module(f"toolproof.commands.{name}")
        mod.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(list(argv) if argv is not None else None)
    except SystemExit as e:  # argparse exits 2 on usage errors, 0 on --help
        return int(e.code or 0)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args))
    except UsageError as e:
        print(f"toolproof {args.command}: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `toolproof lint ... | head`: the reader went away, not an error of ours
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


def lint_hook(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `toolproof-lint` pre-commit hook: `toolproof lint FILES...`."""
    return main(["lint", *(sys.argv[1:] if argv is None else argv)])


def fix_hook(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `toolproof-fix` pre-commit hook: `toolproof fix FILES...`."""
    return main(["fix", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
