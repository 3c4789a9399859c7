"""The documented Python API: ``toolproof.lint``, ``toolproof.clean``, ``toolproof.convert``,
``toolproof.score`` (docs/API.md). Loaded on first use of one of those names (``import toolproof``
stays light: no torch, no rules until asked).

``lint`` / ``clean`` / ``convert`` are the validator's (``toolproof.validator.api``: the engine and cleaner
the commands run); ``score`` joins the evaluator, which is why this module sits in the top layer. Importing
it also registers the template-aware rules (TP601-TP603, ``toolproof.trainer.rules``; no torch), so
``toolproof.lint(..., model=M)`` sees them as ``toolproof lint --model M`` does.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import toolproof.trainer.rules  # noqa: F401  (registers TP601-TP603 with the validator's registry)
from toolproof.evaluator.score import ScoredExample, ScoreSummary, load_predictions, load_records, score_predictions
from toolproof.validator.api import (
    CleanRun,
    ConvertRun,
    Data,
    as_paths,
    clean,
    convert,
    iter_objects,
    lint,
    write_jsonl,
)
from toolproof.validator.clean_result import CleanResult
from toolproof.validator.engine import LintResult
from toolproof.validator.errors import InputError, ToolproofError
from toolproof.validator.findings import Finding


def _load(data: Any, loader: Any, tmp: str, name: str) -> list[dict[str, Any]]:
    """Records through the same checks as the command's (``load_predictions`` / ``load_records``)."""
    paths = as_paths(data)
    if paths is not None:
        if len(paths) != 1:
            raise InputError(f"{name}: give one file, got {len(paths)}")
        return loader(paths[0])
    path = Path(tmp) / f"{name}.jsonl"
    write_jsonl(iter_objects(data), path)
    return loader(path)


def score(predictions: Data, data: Data, *, parser: str = "auto") -> ScoreSummary:
    """Grade predictions against a test set (``toolproof score``) and return the :class:`ScoreSummary`.

    ``predictions``: a JSONL path or an iterable of ``{"id", "output": raw text}`` / ``{"id", "calls":
    [...]}``; ``data``: a test set (path, records or ``datasets.Dataset``) with ``expected_calls`` or
    ``possible_answer``. ``summary.accuracy``, ``summary.per_category`` and ``summary.examples`` (one
    :class:`ScoredExample` per record) hold the result. Raises ``InputError`` for unusable input and for
    an empty test set (an accuracy of 0/0 would mean nothing).
    """
    with tempfile.TemporaryDirectory(prefix="toolproof-score-") as tmp:
        preds = _load(predictions, load_predictions, tmp, "predictions")
        records = _load(data, load_records, tmp, "data")
    if not records:
        raise InputError("data: no records in the test set; there is nothing to score")
    return score_predictions(preds, records, parser=parser)


__all__ = [
    "CleanResult",
    "CleanRun",
    "ConvertRun",
    "Finding",
    "InputError",
    "LintResult",
    "ScoreSummary",
    "ScoredExample",
    "ToolproofError",
    "clean",
    "convert",
    "lint",
    "score",
]
