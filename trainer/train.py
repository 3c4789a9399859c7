"""Gated LoRA SFT: validate the data, then a thin TRL ``SFTTrainer`` + PEFT LoRA run.

``train(TrainConfig) -> TrainResult`` writes into ``config.output``: the LoRA adapter
(``adapter_model.safetensors`` + ``adapter_config.json``), the tokenizer, ``chat_template.jinja``
(the template used, which evaluation picks up) and ``toolproof.json`` (data path + sha256,
validation summary, full config, versions, loss curve, wall time, records trained/skipped).

Validation runs first (``validator.api.lint``): any error-level finding stops the run before the
model loads (``DirtyDataError``) unless ``allow_dirty``. Works under ``accelerate launch``: only the
main process writes metadata.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toolproof.trainer.config import ConfigError, TrainConfig
from toolproof.validator.errors import ToolproofError
from toolproof.validator.files import sha256_file
from toolproof.validator.progress import ProgressFn, ProgressUpdate

TOOLPROOF_JSON = "toolproof.json"
CHECKPOINT_PROGRESS = "toolproof_progress.json"  # written last into a checkpoint: it is complete
_CHECKPOINT = re.compile(r"checkpoint-(\d+)")
# Settings that may change between a checkpoint and its resumption (they do not change what is trained;
# the data is compared by its sha256, so a moved or copied file still resumes).
_RESUMABLE_CHANGES = frozenset(
    {"data", "output", "resume", "save_steps", "disable_tqdm", "eval", "eval_limit", "logging_steps"}
)


class TrainError(ToolproofError):
    """A training run that cannot go ahead (a user-facing message)."""


class DirtyDataError(TrainError):
    """The validator found errors in the training data."""

    def __init__(self, message: str, validation: ValidationSummary) -> None:
        super().__init__(message)
        self.validation = validation


@dataclass
class ValidationSummary:
    records: int
    errors: int
    warnings: int
    records_with_errors: int
    by_code: dict[str, int]  # error + warning counts per rule
    error_codes: dict[str, int]  # error counts per rule
    allowed_dirty: bool = False
    # record index -> the rules it breaks (errors only); not in to_dict: prepare_rows counts the trained ones
    record_errors: dict[int, tuple[str, ...]] = field(default_factory=dict, repr=False)
    # dialect -> records read as it (validator.formats; "unread": records that could not be read)
    dialects: dict[str, int] = field(default_factory=dict, repr=False)

    @property
    def clean(self) -> bool:
        return self.errors == 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "records": self.records,
            "errors": self.errors,
            "warnings": self.warnings,
            "records_with_errors": self.records_with_errors,
            "by_code": self.by_code,
            "error_codes": self.error_codes,
            "allowed_dirty": self.allowed_dirty,
        }

    def describe_errors(self) -> str:
        from toolproof.validator.rules.base import get_rule

        parts = []
        for code, n in sorted(self.error_codes.items(), key=lambda kv: (-kv[1], kv[0])):
            r = get_rule(code)
            parts.append(f"{code} {r.name if r else ''} x{n}".replace("  ", " "))
        return ", ".join(parts)


@dataclass
class TrainResult:
    output_dir: str
    records_trained: int
    records_skipped: int
    skipped_reasons: dict[str, int]
    steps: int
    train_loss: float | None
    loss_curve: list[dict[str, float]]
    wall_time_s: float
    validation: ValidationSummary
    metadata_path: str
    warnings: list[str] = field(default_factory=list)
    eval_summary: Any = None  # set by the caller that evaluates afterwards (``toolproof.workflows``)
    main_process: bool = True  # False in the other processes of a multi-process run
    records_trained_with_errors: int = 0  # trained records the validator reported errors in
    trained_error_codes: dict[str, int] = field(default_factory=dict)  # those records, per rule


# --------------------------------------------------------------------------- validation gate


def validate_data(config: TrainConfig) -> ValidationSummary:
    """Lint the training data; raise ``DirtyDataError`` on errors unless ``allow_dirty``."""
    from toolproof.validator.api import lint

    result = lint(config.data)
    if result.errors:
        raise TrainError("cannot read the training data: " + "; ".join(result.errors))
    errors: Counter[str] = Counter()
    per_record: dict[int, set[str]] = {}
    for f in (f for f in result.findings if f.is_error):
        errors[f.code] += 1
        per_record.setdefault(f.record, set()).add(f.code)
    summary = ValidationSummary(
        records=result.records,
        errors=result.error_count,
        warnings=result.warning_count,
        records_with_errors=result.records_with_errors,
        by_code=result.by_code,
        error_codes=dict(sorted(errors.items())),
        allowed_dirty=bool(config.allow_dirty and errors),
        record_errors={i: tuple(sorted(c)) for i, c in sorted(per_record.items())},
        dialects=dict(sum((Counter(getattr(fs, "dialects", {}) or {}) for fs in result.files), Counter())),
    )
    if summary.errors and not config.allow_dirty:
        raise DirtyDataError(
            f"{config.data}: {summary.errors} error(s) in {summary.records_with_errors} of {summary.records} "
            f"records ({summary.describe_errors()}). Not training on it: repair it with "
            f"`toolproof clean {config.data} -o CLEAN.jsonl` (see `toolproof lint {config.data}`), "
            "or pass --allow-dirty to train anyway.",
            summary,
        )
    return summary


# --------------------------------------------------------------------------- dataset


@dataclass
class PreparedData:
    rows: list[dict[str, Any]]
    skipped: Counter[str]
    truncated: int
    tokens: int
    trained_tokens: int
    trained_with_errors: int = 0  # rows made from records the validator reported errors in
    trained_error_codes: Counter[str] = field(default_factory=Counter)  # those records, per rule


def prepare_rows(config: TrainConfig, tokenizer: Any, validation: ValidationSummary | None = None) -> PreparedData:
    """Records -> TRL rows (``messages`` or ``prompt``/``completion``, plus ``tools`` as JSON text).

    Each record is rendered once with the template first; records it cannot render, or that would
    train zero tokens, are skipped and counted by reason. With ``validation`` (``--allow-dirty``), the
    records that are trained although the validator reported errors in them are counted, in all and
    per rule: the dose of defects the model actually sees, which the skipped records do not add to.
    """
    from toolproof.trainer.templates import record_tools, render, split_prompt_completion
    from toolproof.validator.io import iter_records

    rows: list[dict[str, Any]] = []
    skipped: Counter[str] = Counter()
    truncated = tokens = trained_tokens = trained_with_errors = 0
    trained_error_codes: Counter[str] = Counter()
    record_errors = validation.record_errors if validation is not None else {}
    for raw in iter_records(config.data):
        if config.max_records is not None and len(rows) >= config.max_records:
            break
        rec = raw.obj
        if not isinstance(rec, dict) or not isinstance(rec.get("messages"), list):
            skipped["unreadable record"] += 1
            continue
        try:
            r = render(tokenizer, rec, loss=config.loss, fmt=config.format)
        except Exception as e:  # jinja TemplateError, TypeError, ValueError, KeyError...: dirty records
            skipped[f"template cannot render ({type(e).__name__})"] += 1
            continue
        if r.n_trained == 0:
            skipped["no trained tokens"] += 1
            continue
        kept = sum(r.trained[: config.max_length])
        if kept == 0:
            skipped[f"nothing trained within max_length={config.max_length}"] += 1
            continue
        if r.n_tokens > config.max_length:
            truncated += 1
        tokens += min(r.n_tokens, config.max_length)
        trained_tokens += kept
        codes = record_errors.get(raw.index)
        if codes:
            trained_with_errors += 1
            trained_error_codes.update(codes)
        messages = r.messages  # as given (nothing repaired), in the chosen format: what was just rendered
        tools = json.dumps(record_tools(rec))
        if config.loss == "completion_only":
            prompt, completion = split_prompt_completion(messages)
            rows.append({"prompt": prompt, "completion": completion, "tools": tools})
        else:
            rows.append({"messages": messages, "tools": tools})
    return PreparedData(rows, skipped, truncated, tokens, trained_tokens, trained_with_errors, trained_error_codes)


def describe_counts(counts: Counter[str]) -> str:
    """``"TP105 x55, TP203 x26"``: a tally, most common first, ties by name."""
    return ", ".join(f"{k} x{v}" for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _base_model(config: TrainConfig) -> Any:
    """The ModelRef to train from; TrainError for an unknown model or an adapter directory (before loading)."""
    from toolproof.trainer.models import ModelError, resolve_model

    try:
        ref = resolve_model(config.model)
    except ModelError as e:
        raise TrainError(str(e)) from None
    if ref.adapter:
        raise TrainError(f"{config.model} is an adapter directory: train from its base model instead")
    return ref


def dry_run(config: TrainConfig, validation: ValidationSummary | None = None) -> PreparedData:
    """What ``train`` would train on, without loading the model or writing anything: the tokenizer
    renders every record with the template, loss and format of ``config`` (``toolproof train --dry-run``)."""
    from toolproof.trainer.models import ModelError, load_tokenizer

    if validation is None:
        validation = validate_data(config)
    ref = _base_model(config)
    try:
        tokenizer = load_tokenizer(ref)
    except ModelError as e:
        raise TrainError(str(e)) from None
    return prepare_rows(config, tokenizer, validation)


def _versions() -> dict[str, str]:
    from toolproof.validator.versions import library_versions

    return {"python": platform.python_version(), **{k: v for k, v in library_versions().items() if v is not None}}


# --------------------------------------------------------------------------- checkpoints


def latest_checkpoint(output: str | Path) -> Path | None:
    """The newest complete ``checkpoint-N`` folder in ``output`` (one holding its progress file)."""
    d = Path(output)
    if not d.is_dir():
        return None
    found = [
        (int(m.group(1)), c)
        for c in d.iterdir()
        if (m := _CHECKPOINT.fullmatch(c.name)) and (c / CHECKPOINT_PROGRESS).is_file()
    ]
    return max(found, key=lambda nc: nc[0])[1] if found else None


def _checkpoint_key(config: TrainConfig, data_sha: str) -> dict[str, Any]:
    return {
        "config": {k: v for k, v in config.to_dict().items() if k not in _RESUMABLE_CHANGES},
        "data_sha256": data_sha,
    }


def _read_progress(checkpoint: Path, config: TrainConfig, data_sha: str) -> float:
    """Train time spent before ``checkpoint``; TrainError when it was made with other settings or data."""
    try:
        progress = json.loads((checkpoint / CHECKPOINT_PROGRESS).read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise TrainError(f"{checkpoint}: cannot read {CHECKPOINT_PROGRESS}: {e}") from None
    want = _checkpoint_key(config, data_sha)
    if progress.get("data_sha256") != want["data_sha256"]:
        raise TrainError(
            f"{checkpoint} was trained on other data than {config.data}: remove it, or train without --resume"
        )
    had = progress.get("config") or {}
    changed = sorted(k for k in want["config"] if had.get(k) != want["config"][k])
    if changed:
        diffs = ", ".join(f"{k}: {had.get(k)!r} -> {want['config'].get(k)!r}" for k in changed)
        raise TrainError(f"{checkpoint} was made with other settings ({diffs}): remove it, or train without --resume")
    return float(progress.get("train_time_s") or 0.0)


def _remove_checkpoints(output: Path) -> None:
    for c in output.iterdir() if output.is_dir() else ():
        if _CHECKPOINT.fullmatch(c.name) and c.is_dir() and (
            (c / CHECKPOINT_PROGRESS).exists() or (c / "trainer_state.json").exists()
        ):
            shutil.rmtree(c, ignore_errors=True)


def _checkpoint_callback(config: TrainConfig, data_sha: str, train_time: Callable[[], float]) -> Any:
    """A callback that completes each checkpoint the Trainer saves: the trained token rows (PEFT saves
    only the adapter), then the progress file (settings, data hash, train time so far) last."""
    from transformers import TrainerCallback
    from transformers.trainer_utils import PREFIX_CHECKPOINT_DIR

    from toolproof.trainer.tokens import save_trainable_rows

    class _CompleteCheckpoint(TrainerCallback):  # type: ignore[misc]
        def on_save(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
            d = Path(args.output_dir) / f"{PREFIX_CHECKPOINT_DIR}-{state.global_step}"
            if not state.is_world_process_zero or not d.is_dir():
                return
            save_trainable_rows(kw["model"], d)
            progress = {**_checkpoint_key(config, data_sha), "step": state.global_step, "train_time_s": train_time()}
            (d / CHECKPOINT_PROGRESS).write_text(json.dumps(progress, indent=2, default=str) + "\n", encoding="utf-8")

    return _CompleteCheckpoint()


# --------------------------------------------------------------------------- training


def is_main_process() -> bool:
    """False in the processes other than rank 0 of a distributed launch (``accelerate launch``,
    ``torchrun``: they set RANK), without starting torch.distributed."""
    return os.environ.get("RANK", "0") == "0"


def _progress_callback(progress: ProgressFn) -> Any:
    """A callback that reports each optimizer step (and the last logged loss) to ``progress``."""
    from transformers import TrainerCallback

    class _Progress(TrainerCallback):  # type: ignore[misc]
        loss = ""

        def _report(self, state: Any) -> None:
            if state.is_world_process_zero:
                progress(ProgressUpdate("train", int(state.global_step), int(state.max_steps), info=self.loss))

        def on_step_end(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
            self._report(state)

        def on_log(self, args: Any, state: Any, control: Any, logs: dict[str, Any] | None = None, **kw: Any) -> None:
            if logs and isinstance(logs.get("loss"), (int, float)):  # logged after the step ended
                self.loss = f"loss {logs['loss']:.4g}"
                self._report(state)

    return _Progress()


def train(
    config: TrainConfig,
    *,
    validation: ValidationSummary | None = None,
    on_event: Callable[[str], None] | None = None,
    progress: ProgressFn | None = None,
) -> TrainResult:
    """Validate, load, train LoRA with TRL, save adapter + template + toolproof.json.

    ``config.eval`` is not read here: evaluating afterwards is the pipeline's step
    (``toolproof.workflows.train_and_evaluate``), so the trainer never imports the evaluator.
    ``progress`` hears each optimizer step (with the last logged loss) instead of transformers'
    own progress bar; without it that bar stays (``config.disable_tqdm`` hides it).
    """
    try:
        config.validate()
    except ConfigError as e:
        raise TrainError(str(e)) from None
    say = on_event or (lambda _msg: None)
    t0 = time.perf_counter()
    if validation is None:
        validation = validate_data(config)
    warnings: list[str] = []
    if validation.errors:
        warnings.append(
            f"TRAINING ON DIRTY DATA: {validation.errors} error(s) in {validation.records_with_errors} records "
            f"({validation.describe_errors()})"
        )

    # A checkpoint to resume is checked against these settings and data before the model loads.
    data_sha = sha256_file(config.data)
    resume_from = latest_checkpoint(config.output) if config.resume else None
    time_before = _read_progress(resume_from, config, data_sha) if resume_from is not None else 0.0

    import torch
    from datasets import Dataset
    from peft import LoraConfig
    from transformers import set_seed
    from trl import SFTConfig, SFTTrainer

    from toolproof.trainer.models import ModelError, load, model_dir, torch_dtype
    from toolproof.trainer.templates import TEMPLATE_FILE

    set_seed(config.seed)
    ref = _base_model(config)
    say(f"loading {ref.display}")
    try:
        model, tokenizer = load(ref, dtype=config.dtype, trainable=True)
    except ModelError as e:
        raise TrainError(str(e)) from None
    tokenizer.padding_side = "right"
    template = str(tokenizer.chat_template)

    prepared = prepare_rows(config, tokenizer, validation)
    if prepared.skipped:
        warnings.append(
            f"skipped {sum(prepared.skipped.values())} record(s): {describe_counts(prepared.skipped)}"
        )
    if prepared.trained_with_errors:
        warnings.append(
            f"training on {prepared.trained_with_errors} of {len(prepared.rows)} records with errors: "
            f"{describe_counts(prepared.trained_error_codes)}"
        )
    if prepared.truncated:
        warnings.append(f"{prepared.truncated} record(s) longer than max_length={config.max_length} are truncated")
    if not prepared.rows:
        raise TrainError(f"{config.data}: no record can be trained on ({dict(prepared.skipped)})")
    dataset = Dataset.from_list(prepared.rows, on_mixed_types="use_json")

    from toolproof.trainer.tokens import (
        attach_trainable_rows,
        call_marker_ids,
        check_rows,
        give_rows_their_lr,
        resolve_train_tokens,
        save_trainable_rows,
    )

    try:
        train_tokens = resolve_train_tokens(config.train_tokens, tokenizer)
    except ConfigError as e:
        raise TrainError(str(e)) from None
    # Rows of the call tags (and any token asked for), as the base model has them: an indistinct row is
    # one LoRA alone cannot make the model tell apart from its neighbour.
    marker_rows = check_rows(model, tokenizer, {**call_marker_ids(tokenizer), **train_tokens})
    for row in marker_rows:
        if row.indistinct and row.token not in train_tokens:
            warnings.append(
                f"untrained token row: {row.describe()}. LoRA cannot move it; the fine-tune may write "
                f"another token where {row.token} belongs. Train it with train_tokens: auto."
            )

    dtype = torch_dtype(config.dtype)
    out = Path(config.output)
    args = SFTConfig(
        output_dir=str(out),
        assistant_only_loss=config.loss == "assistant_only",
        completion_only_loss=True if config.loss == "completion_only" else None,
        max_length=config.max_length,
        per_device_train_batch_size=config.per_device_train_batch_size,
        gradient_accumulation_steps=config.gradient_accumulation_steps,
        learning_rate=config.learning_rate,
        num_train_epochs=config.num_train_epochs,
        max_steps=config.max_steps,
        warmup_steps=config.warmup_steps,
        lr_scheduler_type=config.lr_scheduler_type,
        seed=config.seed,
        data_seed=config.seed,
        bf16=dtype == torch.bfloat16,
        use_cpu=not torch.cuda.is_available(),
        activation_checkpointing=config.activation_checkpointing,
        logging_steps=config.logging_steps,
        save_strategy="steps" if config.save_steps else "no",
        save_steps=config.save_steps or 500,
        save_total_limit=2,  # the newest may be incomplete when the run was stopped while saving it
        report_to="none",
        disable_tqdm=config.disable_tqdm,
        dataloader_num_workers=0,
    )
    peft_config = LoraConfig(
        r=config.lora_r,
        lora_alpha=config.lora_alpha,
        lora_dropout=config.lora_dropout,
        target_modules=config.target_modules,
        task_type="CAUSAL_LM",
    )
    say(
        f"training on {len(prepared.rows)} records ({config.loss} loss, {config.format}, {dtype})"
        + (f", token rows {', '.join(train_tokens)}" if train_tokens else "")
    )
    row_params = attach_trainable_rows(model, list(train_tokens.values()))
    trainer = SFTTrainer(
        model=model, args=args, train_dataset=dataset, processing_class=tokenizer, peft_config=peft_config
    )
    for p in row_params:  # PEFT froze every non-LoRA parameter
        p.requires_grad_(True)
    resumed_step = int(resume_from.name.rsplit("-", 1)[1]) if resume_from is not None else None
    if resume_from is not None:
        from toolproof.trainer.tokens import load_trainable_rows

        if row_params and not load_trainable_rows(trainer.model, resume_from):
            raise TrainError(f"{resume_from}: the checkpoint does not hold the trained token rows {sorted(train_tokens)}")
        of = f" of {config.max_steps}" if config.max_steps > 0 else ""
        say(f"resuming from {resume_from} (step {resumed_step}{of})")
    t_train = time.perf_counter()
    if progress is not None:
        from transformers.trainer_callback import ProgressCallback

        trainer.remove_callback(ProgressCallback)
        trainer.add_callback(_progress_callback(progress))
    if config.save_steps:
        trainer.add_callback(
            _checkpoint_callback(config, data_sha, lambda: round(time_before + time.perf_counter() - t_train, 2))
        )
    if row_params:
        # The output rows start ~20 nats below the tokens they must beat: they get their own, larger
        # learning rate (the input rows, which every later layer reads, keep the LoRA one; a tied model
        # has one set of rows for both, at the larger rate).
        give_rows_their_lr(trainer.create_optimizer(), row_params[-1], config.train_tokens_lr)
    output = trainer.train(resume_from_checkpoint=str(resume_from) if resume_from is not None else None)
    train_time = time_before + time.perf_counter() - t_train

    curve = [
        {"step": float(h["step"]), "loss": float(h["loss"])}
        for h in trainer.state.log_history
        if "loss" in h and "step" in h
    ]
    train_loss = float(output.training_loss) if output.training_loss is not None else None
    if resume_from is not None and curve:  # the Trainer's figure covers only the steps since the checkpoint
        train_loss = sum(p["loss"] for p in curve) / len(curve)
    meta_path = out / TOOLPROOF_JSON
    if trainer.accelerator.is_main_process:
        trainer.save_model(str(out))
        save_trainable_rows(trainer.model, out)
        tokenizer.padding_side = "left"
        tokenizer.save_pretrained(str(out))
        (out / TEMPLATE_FILE).write_text(template, encoding="utf-8")
        n_params = sum(p.numel() for p in trainer.model.parameters())
        n_trainable = sum(p.numel() for p in trainer.model.parameters() if p.requires_grad)
        meta = {
            "toolproof": "train",
            "model": config.model,
            "model_ref": {"name": ref.name, "kind": ref.kind, "path": ref.path},
            "base_model_dir": model_dir(ref),
            "data": {"path": str(Path(config.data).resolve()), "sha256": data_sha},
            "validation": validation.to_dict(),
            "config": config.to_dict(),
            "dtype": str(dtype).replace("torch.", ""),
            "versions": _versions(),
            "records_trained": len(prepared.rows),
            "records_skipped": dict(prepared.skipped),
            "records_trained_with_errors": prepared.trained_with_errors,
            "trained_error_codes": dict(sorted(prepared.trained_error_codes.items())),
            "records_truncated": prepared.truncated,
            "tokens": prepared.tokens,
            "trained_tokens": prepared.trained_tokens,
            "parameters": n_params,
            "trainable_parameters": n_trainable,
            "trained_token_rows": train_tokens,
            "token_rows_before": [r.to_dict() for r in marker_rows],
            "steps": int(trainer.state.global_step),
            # processes that trained (accelerate launch / torchrun), and the batch of one optimizer step
            "processes": int(trainer.accelerator.num_processes),
            "global_batch": config.per_device_train_batch_size * config.gradient_accumulation_steps * int(trainer.accelerator.num_processes),
            "written_by_process": int(trainer.accelerator.process_index),
            "train_loss": train_loss,
            "loss_curve": curve,
            "resumed_from_step": resumed_step,
            "train_time_s": round(train_time, 2),
            "wall_time_s": round(time_before + time.perf_counter() - t0, 2),
            "warnings": warnings,
            "argv": sys.argv,
        }
        meta_path.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
        _remove_checkpoints(out)  # the finished adapter supersedes them

    result = TrainResult(
        output_dir=str(out),
        records_trained=len(prepared.rows),
        records_skipped=sum(prepared.skipped.values()),
        skipped_reasons=dict(prepared.skipped),
        records_trained_with_errors=prepared.trained_with_errors,
        trained_error_codes=dict(sorted(prepared.trained_error_codes.items())),
        steps=int(trainer.state.global_step),
        train_loss=train_loss,
        loss_curve=curve,
        wall_time_s=time_before + time.perf_counter() - t0,
        validation=validation,
        metadata_path=str(meta_path),
        warnings=warnings,
        main_process=bool(trainer.accelerator.is_main_process),
    )
    return result


__all__ = [
    "DirtyDataError",
    "PreparedData",
    "TrainConfig",
    "TrainError",
    "TrainResult",
    "ValidationSummary",
    "latest_checkpoint",
    "prepare_rows",
    "describe_counts",
    "dry_run",
    "train",
    "validate_data",
]
