"""The `toolproof` command: argument parsing only; every command calls the library.

Each subcommand lives in ``toolproof/commands/<name>.py`` and exposes
``register(subparsers) -> None`` which adds its parser and sets ``func`` to a
callable ``(args) -> int``. Exit codes: 0 ok, 1 findings / failure, 2 usage or
unreadable input (any :class:`~toolproof.validator.errors.ToolproofError` a command lets through),
3 an internal error (a rule, reader or reporter raised: the run fails closed, never a pass).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

import toolproof.trainer.rules  # noqa: F401  (registers TP601-TP603, the template-aware rules, with the validator)
from toolproof import __version__
from toolproof.commands._common import EXTRA_OF, missing_extra_message
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


INTERNAL_ERROR_EXIT = 3  # = toolproof.validator.engine.INTERNAL_ERROR_EXIT (kept here: no import before parsing)


def _internal_error(command: str, e: BaseException) -> int:
    """An exception no command expected: one line naming it and where it was raised, exit 3 (fail
    closed: a crash is never a pass, nor "findings"); TOOLPROOF_DEBUG=1 prints the traceback."""
    import os
    import traceback

    from toolproof.validator.safeio import escape_text

    if os.environ.get("TOOLPROOF_DEBUG"):
        traceback.print_exception(e)
    tb = traceback.extract_tb(e.__traceback__)
    where = f" at {os.path.basename(tb[-1].filename)}:{tb[-1].lineno}" if tb else ""
    print(f"toolproof {command}: internal error (please report): {type(e).__name__}: {escape_text(str(e))}{where}; "
          "nothing was passed; exit 3 (TOOLPROOF_DEBUG=1 shows the traceback)", file=sys.stderr)
    return INTERNAL_ERROR_EXIT


def _discard_pending() -> None:
    """An interrupt may land between creating an output's temporary file and the ``with`` that
    removes it on failure: remove what is left (the outputs themselves are never half-written)."""
    from toolproof.validator.safeio import discard_pending

    discard_pending()


class _Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread like Ctrl-C: the same clean-up (temporary files removed)."""


_MAIN_PID: list[int] = []


def _on_sigterm(signum: int, frame: object) -> None:
    import os
    import signal

    if _MAIN_PID and os.getpid() != _MAIN_PID[-1]:  # a forked worker (--jobs): die as SIGTERM says
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)
        return
    raise _Terminated()


def _install_sigterm() -> object:
    """Route SIGTERM through KeyboardInterrupt while a command runs (main thread only); returns the
    previous handler (None when it could not be set)."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return None
    import os

    _MAIN_PID.append(os.getpid())
    try:
        return signal.signal(signal.SIGTERM, _on_sigterm)
    except (ValueError, OSError):
        return None


def main(argv: Sequence[str] | None = None) -> int:
    previous = _install_sigterm()
    try:
        return _main(argv)
    finally:
        if previous is not None:
            import signal

            signal.signal(signal.SIGTERM, previous)  # type: ignore[arg-type]


def _main(argv: Sequence[str] | None = None) -> int:
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
    except _Terminated:
        _discard_pending()
        print("terminated", file=sys.stderr)
        return 143
    except KeyboardInterrupt:
        _discard_pending()
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `toolproof lint ... | head`: the reader went away, not an error of ours
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except Exception as e:  # a bug of ours (RecursionError included): fail closed, no traceback
        return _internal_error(args.command, e)


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
