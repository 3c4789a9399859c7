"""toolproof: trustworthy tool-calling fine-tuning data.

One import name for the whole product: ``toolproof.validator`` (records, call syntax, rules,
cleaner, reporters; pure Python), ``toolproof.trainer`` (models, templates, training),
``toolproof.evaluator`` (model-output parsing, matching, scoring) and ``toolproof.schemas``. In the
repository those parts are the top-level folders ``validator/``, ``trainer/``, ``evaluator/`` and
``schemas/``; pyproject's package-dir mapping installs them under ``toolproof/``, in a wheel and in an
editable install alike (``pip install -e .``), so importing them needs no path edits at run time.
This package itself holds the ``toolproof`` command and the pipelines that join the parts.
"""

from __future__ import annotations

from toolproof.validator import __version__

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
