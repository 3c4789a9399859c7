"""toolproof: trustworthy tool-calling fine-tuning data.

One import name for the whole product: ``toolproof.validator`` (records, call syntax, rules,
cleaner, reporters; pure Python), ``toolproof.trainer`` (models, templates, training),
``toolproof.evaluator`` (model-output parsing, matching, scoring) and ``toolproof.schemas``. In the
repository those parts are the top-level folders ``validator/``, ``trainer/``, ``evaluator/`` and
``schemas/``; the wheel installs them under ``toolproof/`` (pyproject's package-dir mapping).
This package itself holds the ``toolproof`` command and the pipelines that join the parts.
"""

from __future__ import annotations

from pathlib import Path as _Path

# Run from a source checkout (tests, an editable install, a helper's worktree), the parts sit beside
# this folder rather than inside it: search the checkout's root for them, so that the checkout that
# is running is the one imported. An installed wheel has them inside and never takes this branch.
_root = _Path(__file__).resolve().parent.parent
if not (_Path(__file__).resolve().parent / "validator").is_dir() and (_root / "validator" / "__init__.py").is_file() and (
    _root / "pyproject.toml"
).is_file():
    __path__.append(str(_root))  # type: ignore[name-defined]  # noqa: F821

from toolproof.validator import __version__  # noqa: E402  (after the parts are findable)

#: The documented Python API (docs/API.md), loaded from ``toolproof.api`` on first use so that
#: ``import toolproof`` stays light (no rules, no evaluator, never torch).
_API = ("lint", "clean", "convert", "score", "LintResult", "CleanRun", "CleanResult", "ConvertRun", "ScoreSummary",
        "ScoredExample", "Finding", "ToolproofError", "InputError")

__all__ = ["__version__", *_API]


def __getattr__(name: str) -> object:
    if name in _API:
        import importlib

        value = getattr(importlib.import_module("toolproof.api"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'toolproof' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_API})
