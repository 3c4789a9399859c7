"""The `toolproof` command: argument parsing only; every command calls the library.

Each subcommand lives in ``toolproof/commands/<name>.py`` and exposes
``register(subparsers) -> None`` which adds its parser and sets ``func`` to a
callable ``(args) -> int``. Exit codes: 0 ok, 1 findings / failure, 2 usage or
unreadable input (any :class:`~toolproof.validator.errors.ToolproofError` a command lets through).
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys
from collections.abc import Sequence

import toolproof.trainer.rules  # noqa: F401  (registers TP601-TP603, the template-aware rules, with the validator)
from toolproof import __version__
from toolproof.validator.errors import ToolproofError

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


class UsageError(ToolproofError):
    """Raised by commands for bad arguments or unreadable inputs (exit code 2, like every ToolproofError)."""


def add_deprecated_format(parser: argparse.ArgumentParser) -> None:
    """``--format`` on ``train`` / ``inspect``: the old name of ``--layout``, still accepted (with a warning).

    ``--format`` means the report format everywhere else (``lint``, ``rules``, ``data stats``).
    """
    from toolproof.trainer.config import TRAIN_LAYOUTS

    parser.add_argument("--format", dest="deprecated_format", choices=TRAIN_LAYOUTS, help=argparse.SUPPRESS)


def take_deprecated_format(args: argparse.Namespace, command: str) -> None:
    """Use a deprecated ``--format LAYOUT`` as ``--layout`` (unless ``--layout`` is given) and warn."""
    old = getattr(args, "deprecated_format", None)
    if old is None:
        return
    print(f"toolproof {command}: warning: --format is deprecated here, use --layout {old}", file=sys.stderr)
    if args.format is None:
        args.format = old


# Modules of the optional extras (pyproject's [project.optional-dependencies]) -> the extra to install.
EXTRA_OF = {
    **{m: "train" for m in ("torch", "transformers", "trl", "peft", "datasets", "accelerate", "gguf", "pandas",
                            "matplotlib", "safetensors", "tokenizers")},
    "pyarrow": "parquet",
}
TOKENIZER = ("transformers",)  # what rendering with a model's chat template needs
MODEL = ("torch", "transformers")  # loading and running a model
TRAINING = ("torch", "transformers", "trl", "peft", "datasets", "accelerate")


def _absent(module: str) -> bool:
    if module in sys.modules:
        return sys.modules[module] is None
    try:
        return importlib.util.find_spec(module) is None
    except (ImportError, ValueError):
        return True


def missing_extra_message(command: str, module: str) -> str:
    extra = EXTRA_OF.get(module.split(".")[0], "train")
    return (f"`toolproof {command}` needs the {extra} extra, which is not installed here (no module {module!r}); "
            f"install it with: pip install 'toolproof[{extra}]'")


def require_modules(command: str, modules: Sequence[str]) -> None:
    """Raise UsageError (exit 2) naming the extra to install when one of ``modules`` is missing."""
    for m in modules:
        if _absent(m):
            raise UsageError(missing_extra_message(command, m))


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
    except ToolproofError as e:  # UsageError, and any error of the library a command did not handle itself
        from toolproof.validator.safeio import escape_text

        print(f"toolproof {args.command}: error: {escape_text(str(e))}", file=sys.stderr)
        return int(getattr(e, "exit_code", 2))  # 2: usage; 3: a cluster that cannot be used (ClusterError)
    except ModuleNotFoundError as e:  # an optional extra that a command reached without checking first
        root = (e.name or "").split(".")[0]
        if root not in EXTRA_OF:
            raise
        print(f"toolproof {args.command}: error: {missing_extra_message(args.command, root)}", file=sys.stderr)
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
    # --hook: pre-commit may split the files into parallel batches, one run each; every run's
    # summary then names the files it checked, so each block of output stands on its own
    return main(["lint", "--hook", *(sys.argv[1:] if argv is None else argv)])


def fix_hook(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `toolproof-fix` pre-commit hook: `toolproof fix FILES...`."""
    return main(["fix", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
