"""Pipelines that join the layers for one command: ``train`` then evaluate (``toolproof train --eval``).

The trainer never imports the evaluator; the step that evaluates a freshly trained adapter lives
here, in the top layer.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

from toolproof.trainer.config import TrainConfig
from toolproof.trainer.train import TrainResult, ValidationSummary, train
from toolproof.validator.progress import ProgressFn


def evaluate_adapter(
    config: TrainConfig, adapter_dir: str, *, progress: ProgressFn | None = None
) -> Any:
    """Evaluate the adapter in ``adapter_dir`` on ``config.eval``; results go to ``DIR/eval/``."""
    from toolproof.evaluator.run import EvalConfig, evaluate

    kwargs: dict[str, Any] = {
        "model": config.model,
        "adapter": adapter_dir,
        "data": config.eval,
        "output": str(Path(adapter_dir) / "eval" / "results.csv"),
        "dtype": config.dtype,
        "limit": config.eval_limit,
    }
    names = {f.name for f in dataclasses.fields(EvalConfig)}
    return evaluate(EvalConfig(**{k: v for k, v in kwargs.items() if k in names and v is not None}), progress=progress)


def train_and_evaluate(
    config: TrainConfig,
    *,
    validation: ValidationSummary | None = None,
    on_event: Callable[[str], None] | None = None,
    progress: ProgressFn | None = None,
) -> TrainResult:
    """``trainer.train.train``, then, when ``config.eval`` names a test set, evaluate the adapter on it
    (in the main process only) and keep the summary in ``result.eval_summary``. ``progress`` hears
    the training steps and the records evaluated."""
    result = train(config, validation=validation, on_event=on_event, progress=progress)
    if config.eval and result.main_process:
        if on_event is not None:
            on_event(f"evaluating {result.output_dir} on {config.eval}")
        result.eval_summary = evaluate_adapter(config, result.output_dir, progress=progress)
    return result


__all__ = ["evaluate_adapter", "train_and_evaluate"]
