"""Helpers shared by ``toolproof.cli`` and every ``toolproof/commands/*`` module.

Kept apart from ``cli.py`` so that the commands, which ``cli`` loads by name, never import ``cli``
back (that was a hidden import cycle, issue 37): both sides import this small module instead.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from collections.abc import Sequence

from toolproof.validator.errors import ToolproofError


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
