"""The calls into the validator, the trainer and the evaluator: the only code here that does the work.

Each derived arm kind's ``derive`` names a function here (``balance``, ``inject``) called as ``f(src, dst, options, seed)``.

The step runners (``toolproof.compare.data`` and ``toolproof.compare.run``) call these through the
module (``backends.train(...)``), so the tests swap them for small fakes that do real file work.
"""

from __future__ import annotations

import dataclasses
import gc
from pathlib import Path
from typing import Any

from toolproof.compare.arms import arm_kind
from toolproof.compare.config import ArmConfig, CompareConfig
from toolproof.compare.results import PreparedData, PreparedTestSet, SetResult
from toolproof.compare.steps import CHECKPOINT_STEPS, train_settings
from toolproof.validator.progress import ProgressFn

Progress = Any  # Callable[[str], None] | None


def lint_and_clean(src: str, step_dir: Path, clean_options: dict[str, Any]) -> PreparedData:
    """Lint the training data (``lint.json``) and clean it (``train.clean.jsonl``, its quarantine, ``clean.html``)."""
    from toolproof.validator.api import lint  # noqa: PLC0415
    from toolproof.validator.cleaner import clean  # noqa: PLC0415
    from toolproof.validator.reporters import render  # noqa: PLC0415

    result = lint(src)
    if result.errors:
        raise ValueError("cannot read the training data: " + "; ".join(result.errors))
    lint_report = step_dir / "lint.json"
    lint_report.write_text(render(result, "json"), encoding="utf-8")
    clean_path = step_dir / "train.clean.jsonl"
    clean_report = step_dir / "clean.html"
    res = clean(
        src,
        clean_path,
        quarantine=step_dir / "train.quarantine.jsonl",
        report=clean_report,
        **clean_options,
    )
    return PreparedData(
        dirty_path=src,
        clean_path=str(clean_path),
        dirty_records=result.records,
        clean_records=int(res.written),
        quarantined=int(res.quarantined),
        findings=len(result.findings),
        errors=int(result.error_count),
        by_code=dict(result.by_code),
        lint_report=str(lint_report),
        clean_report=str(clean_report),
        repaired=int(res.repaired),
        duplicates_dropped=int(res.duplicates_dropped),
        dialects={k: v for fs in result.files for k, v in (getattr(fs, "dialects", None) or {}).items()},
    )


def train(
    cfg: CompareConfig,
    arm: ArmConfig,
    train_path: str,
    step_dir: Path,
    say: Progress = None,
    *,
    continuing: bool = False,
    bars: ProgressFn | None = None,
) -> dict[str, Any]:
    """Train one arm into `step_dir` (continuing its newest checkpoint when `continuing`); the
    outcome the training step's marker keeps."""
    from toolproof.trainer.train import TrainConfig  # noqa: PLC0415
    from toolproof.trainer.train import train as run_training  # noqa: PLC0415

    settings = {"save_steps": CHECKPOINT_STEPS, **train_settings(cfg, arm)}
    fixed = {
        "resume": continuing,
        "model": cfg.model,
        "data": train_path,
        "output": str(step_dir),
        "allow_dirty": arm_kind(arm.data).allow_dirty,
        "seed": cfg.seed,
        "dtype": cfg.dtype,
    }
    kwargs = fit_fields(TrainConfig, {**settings, **fixed}, fixed_keys=set(fixed))
    if cfg.launcher:
        return train_launched(cfg.launcher, TrainConfig(**kwargs), step_dir)
    on_event = (lambda m: say(f"{arm.name}: {m}")) if say else None
    if bars is None:
        res = run_training(TrainConfig(**kwargs), on_event=on_event)
    else:
        res = run_training(TrainConfig(**kwargs), on_event=on_event, progress=bars)
    return {
        "adapter_dir": str(res.output_dir),
        "train_records": int(res.records_trained),
        "records_skipped": int(res.records_skipped),
        "skipped_reasons": dict(res.skipped_reasons),
        "data_errors": int(res.validation.errors),
        "records_trained_with_errors": int(res.records_trained_with_errors),
        "steps": int(res.steps),
        "train_loss": res.train_loss,
        "train_seconds": float(res.wall_time_s),
        "warnings": list(res.warnings),
        "warnings_by_family": warnings_by_family(res.validation.by_code, res.validation.error_codes),
    }


def train_launched(launcher: str, tc: Any, step_dir: Path) -> dict[str, Any]:
    """One training under ``launcher`` (accelerate launch, torchrun): the settings go in a YAML file,
    the outcome comes back from the run's toolproof.json (written by the main process)."""
    import json  # noqa: PLC0415
    import shlex  # noqa: PLC0415
    import subprocess  # noqa: PLC0415
    import time  # noqa: PLC0415

    import yaml  # noqa: PLC0415

    from toolproof.trainer.train import TOOLPROOF_JSON  # noqa: PLC0415

    step_dir.mkdir(parents=True, exist_ok=True)
    settings = step_dir / "train_config.yaml"
    settings.write_text(yaml.safe_dump(tc.to_dict(), sort_keys=True), encoding="utf-8")
    cmd = [*shlex.split(launcher), "-m", "toolproof", "train", "--config", str(settings)]
    t0 = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{shlex.join(cmd)} exited {done.returncode}: {done.stderr.strip()[-2000:]}")
    meta = json.loads((Path(tc.output) / TOOLPROOF_JSON).read_text(encoding="utf-8"))
    skipped = dict(meta.get("records_skipped") or {})
    val = meta.get("validation") or {}
    return {
        "adapter_dir": str(tc.output),
        "train_records": int(meta["records_trained"]),
        "records_skipped": sum(skipped.values()),
        "skipped_reasons": skipped,
        "data_errors": int(val.get("errors", 0)),
        "records_trained_with_errors": int(meta.get("records_trained_with_errors", 0)),
        "steps": int(meta["steps"]),
        "train_loss": meta.get("train_loss"),
        "train_seconds": float(meta.get("wall_time_s") or time.perf_counter() - t0),
        "warnings": list(meta.get("warnings") or []),
        "warnings_by_family": warnings_by_family(val.get("by_code") or {}, val.get("error_codes") or {}),
    }


def warnings_by_family(by_code: dict[str, int], error_codes: dict[str, int]) -> dict[str, int]:
    """Warning findings per rule family (``by_code`` counts every severity; ``error_codes`` the errors)."""
    from toolproof.validator.findings import Severity  # noqa: PLC0415
    from toolproof.validator.rules.base import get_rule  # noqa: PLC0415

    out: dict[str, int] = {}
    for code, n in by_code.items():
        rule = get_rule(code)
        k = n - error_codes.get(code, 0)
        if rule is not None and rule.severity is Severity.WARNING and k > 0:
            out[rule.family] = out.get(rule.family, 0) + k
    return dict(sorted(out.items()))


def balance(src: str, dst: Path, options: dict[str, Any], seed: int) -> dict[str, Any]:
    """Write `src` with near-miss no-call records added (the validator's balance repair) to `dst`; the
    repair's report as a dict. `options` are the config's ``data.balance`` (e.g. ``share``)."""
    try:
        from toolproof.validator.balance import balance_file  # noqa: PLC0415
    except ImportError as e:
        raise RuntimeError(
            "the `balanced` arm kind needs the balance repair (toolproof.validator.balance.balance_file), "
            f"which this installation lacks: {e}"
        ) from e
    return as_dict(balance_file(src, dst, seed=seed, **options))


def inject(src: str, dst: Path, options: dict[str, Any], seed: int) -> dict[str, Any]:
    """Write `src` (the cleaned data) with one defect kind in a share of its records to `dst`, for the
    ``inject-KIND-PCT`` arm kinds; `options` holds ``kind`` and ``rate`` (from the kind's name)."""
    from toolproof.validator.synth.dose import inject_file  # noqa: PLC0415

    return as_dict(inject_file(src, dst, str(options["kind"]), float(options["rate"]), seed=seed))


def as_dict(report: Any) -> dict[str, Any]:
    """A backend's report as a plain dict (a mapping, an object's ``to_dict()``, or a dataclass)."""
    if report is None:
        return {}
    if isinstance(report, dict):
        return dict(report)
    to_dict = getattr(report, "to_dict", None)
    if callable(to_dict):
        return dict(to_dict())
    if dataclasses.is_dataclass(report) and not isinstance(report, type):
        return dataclasses.asdict(report)
    return {"report": str(report)}


def fit_fields(cls: Any, values: dict[str, Any], *, fixed_keys: set[str]) -> dict[str, Any]:
    """Keep the keys `cls` accepts; an unknown user setting is an error, an unknown fixed one is dropped."""
    if dataclasses.is_dataclass(cls):
        names = {f.name for f in dataclasses.fields(cls)}
    elif hasattr(cls, "model_fields"):
        names = set(cls.model_fields)
    else:  # pragma: no cover - unknown config class
        return values
    unknown = sorted(k for k in values if k not in names and k not in fixed_keys)
    if unknown:
        raise ValueError(f"unknown {cls.__name__} settings: {', '.join(unknown)}")
    return {k: v for k, v in values.items() if k in names}


class LazyModel:
    """Loads the model (and adapter) on first use, so one load serves every test set of a model."""

    def __init__(self, cfg: CompareConfig, adapter_dir: str | None) -> None:
        self.cfg = cfg
        self.adapter_dir = adapter_dir
        self._mt: tuple[Any, Any] | None = None

    def get(self) -> tuple[Any, Any]:
        if self._mt is None:
            from toolproof.evaluator.run import load_model  # noqa: PLC0415

            model, tok, _ = load_model(
                self.cfg.model, adapter=self.adapter_dir, dtype=self.cfg.dtype, device=self.cfg.device
            )
            self._mt = (model, tok)
        return self._mt

    def close(self) -> None:
        self._mt = None
        gc.collect()


def evaluate(
    cfg: CompareConfig,
    ts: PreparedTestSet,
    step_dir: Path,
    adapter_dir: str | None,
    model: LazyModel | None = None,
    progress: ProgressFn | None = None,
) -> SetResult:
    """Evaluate the base model (`adapter_dir` None) or an adapter on one test set into `step_dir`."""
    from toolproof.evaluator.run import EvalConfig  # noqa: PLC0415
    from toolproof.evaluator.run import evaluate as run_evaluation  # noqa: PLC0415

    fixed = {
        "model": cfg.model,
        "adapter": adapter_dir,
        "data": ts.path,
        "output_dir": str(step_dir),
        "max_new_tokens": cfg.eval.max_new_tokens,
        "batch_size": cfg.eval.batch_size,
        "device": cfg.device,
        "dtype": cfg.dtype,
    }
    kwargs = fit_fields(EvalConfig, {**cfg.eval.options, **fixed}, fixed_keys=set(fixed))
    lazy = model or LazyModel(cfg, adapter_dir)
    summary = run_evaluation(EvalConfig(**kwargs), model_and_tokenizer=lazy.get(), progress=progress)
    extra = {
        "hermes_only_accuracy": summary.hermes_only_accuracy,
        "strict_correct": summary.score.strict_correct if summary.score is not None else None,
        "truncated": summary.truncated,
        "generated_tokens": summary.generated_tokens,
        "generated_tokens_per_s": round(summary.generated_tokens_per_s, 2),
        "per_category": summary.per_category,
        "summary_json": summary.summary_path,
    }
    return SetResult(
        n=int(summary.n),
        correct=int(summary.correct),
        errors={str(k): int(v) for k, v in (summary.errors or {}).items() if v},
        results_csv=str(summary.csv_path),
        extra=extra,
    )
