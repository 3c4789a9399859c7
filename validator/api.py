"""The library entry: ``lint(paths, **opts) -> LintResult``; the CLI only calls this."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from toolproof.validator.config import Config, load_config
from toolproof.validator.engine import (
    FileSummary,
    LintResult,
    check_record,
    lint_objects,
    lint_paths,
    lint_records,
    select_rules,
)
from toolproof.validator.findings import Finding
from toolproof.validator.io import InputError, RawRecord, iter_records


def lint(
    paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    *,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] | None = None,
    config: Config | str | os.PathLike[str] | None = None,
    jobs: int = 1,
    input_format: str | None = None,
    options: dict[str, Any] | None = None,
    **option_kw: Any,
) -> LintResult:
    """Lint one path or several.

    ``config`` is a :class:`Config`, a path to a pyproject.toml / toolproof.toml, or None to
    use the nearest pyproject.toml with ``[tool.toolproof]`` (from the current folder up).
    Extra keyword arguments (``against=``, ``model=``, ``max_length=``, ``loss=``) go into
    the rule options. Unreadable files end up in ``result.errors``.
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    cfg = config if isinstance(config, Config) else load_config(config)
    opts = dict(options or {})
    opts.update({k: v for k, v in option_kw.items() if v is not None})
    return lint_paths(paths, select=select, ignore=ignore, config=cfg, jobs=jobs, options=opts, input_format=input_format)


__all__ = [
    "Config",
    "FileSummary",
    "Finding",
    "InputError",
    "LintResult",
    "RawRecord",
    "check_record",
    "iter_records",
    "lint",
    "lint_objects",
    "lint_records",
    "load_config",
    "select_rules",
]
