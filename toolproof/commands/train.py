"""`toolproof train DATA --model M --output DIR`: validate, then LoRA fine-tune with TRL.

Any error-level finding in DATA stops the run before the model loads (exit 1) unless
--allow-dirty. Every TrainConfig field is a flag; --config FILE.yaml supplies defaults that
flags override.
"""

from __future__ import annotations

import argparse
import os
import sys

from toolproof.commands._common import UsageError, add_deprecated_format, take_deprecated_format

# flag -> (TrainConfig field, type, help override)
_KNOBS: list[tuple[str, str, type]] = [
    ("--lora-r", "lora_r", int),
    ("--lora-alpha", "lora_alpha", int),
    ("--lora-dropout", "lora_dropout", float),
    ("--learning-rate", "learning_rate", float),
    ("--train-tokens-lr", "train_tokens_lr", float),
    ("--epochs", "num_train_epochs", float),
    ("--max-steps", "max_steps", int),
    ("--batch-size", "per_device_train_batch_size", int),
    ("--grad-accum", "gradient_accumulation_steps", int),
    ("--max-length", "max_length", int),
    ("--warmup-steps", "warmup_steps", float),
    ("--lr-scheduler", "lr_scheduler_type", str),
    ("--seed", "seed", int),
    ("--logging-steps", "logging_steps", int),
    ("--max-records", "max_records", int),
    ("--eval-limit", "eval_limit", int),
    ("--save-steps", "save_steps", int),
]


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from toolproof.trainer.config import DTYPES, LOSSES, TRAIN_LAYOUTS, TrainConfig

    fields = TrainConfig.fields()
    p = sub.add_parser(
        "train",
        help="validate a dataset, then LoRA fine-tune a model on it (TRL SFTTrainer + PEFT)",
        description="Validate DATA (errors stop the run unless --allow-dirty), then LoRA fine-tune. "
        "Writes the adapter, chat_template.jinja and toolproof.json to --output.",
    )
    p.add_argument("data", nargs="?", metavar="DATA", help="training data (canonical records)")
    p.add_argument("--model", "-m", help="embedded name, model directory, .gguf or hub id (default smollm2-135m)")
    p.add_argument("--output", "-o", metavar="DIR", help="output directory")
    p.add_argument("--config", metavar="FILE.yaml", help="YAML file of TrainConfig fields (flags override it)")
    p.add_argument("--loss", choices=LOSSES, help=fields["loss"].metadata["help"])
    p.add_argument("--layout", dest="format", choices=TRAIN_LAYOUTS, help="training layout: " + fields["format"].metadata["help"])
    add_deprecated_format(p)
    p.add_argument("--allow-dirty", action="store_true", default=None, help=fields["allow_dirty"].metadata["help"])
    p.add_argument("--eval", metavar="TEST", help=fields["eval"].metadata["help"])
    p.add_argument("--dtype", choices=DTYPES, help=fields["dtype"].metadata["help"])
    p.add_argument("--target-modules", help="comma-separated module names, or all-linear (default)")
    p.add_argument(
        "--train-tokens", metavar="auto|none|TOK,TOK",
        help=fields["train_tokens"].metadata["help"] + " (default auto)",
    )  # fmt: skip
    p.add_argument(
        "--no-activation-checkpointing", dest="activation_checkpointing", action="store_false", default=None,
        help="keep activations (faster on GPU, more memory)",
    )  # fmt: skip
    p.add_argument("--resume", action="store_true", default=None, help=fields["resume"].metadata["help"])
    p.add_argument(
        "--dry-run", action="store_true",
        help="validate and render every record with the model's tokenizer and template, then report what would "
        "be trained (records, skipped, records with errors per rule, tokens) without loading the model or writing",
    )  # fmt: skip
    p.add_argument("--no-progress", dest="disable_tqdm", action="store_true", default=None, help="hide the progress bar")
    for flag, name, typ in _KNOBS:
        p.add_argument(flag, dest=name, type=typ, metavar="N" if typ is not str else "S", help=f"{fields[name].metadata['help']} (default {fields[name].default})")
    p.set_defaults(func=run)


def build_config(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from toolproof.trainer.config import ConfigError, TrainConfig

    take_deprecated_format(args, "train")
    over = {
        "data": args.data,
        "output": args.output or ("(dry run)" if args.dry_run else None),
        "model": args.model,
        "loss": args.loss,
        "format": args.format,
        "allow_dirty": args.allow_dirty,
        "eval": args.eval,
        "dtype": args.dtype,
        "activation_checkpointing": args.activation_checkpointing,
        "disable_tqdm": args.disable_tqdm,
        "resume": args.resume,
        **{name: getattr(args, name) for _, name, _ in _KNOBS},
    }
    for name, keywords in (("target_modules", ("all-linear",)), ("train_tokens", ("auto", "none"))):
        if getattr(args, name):
            items = [t.strip() for t in getattr(args, name).split(",") if t.strip()]
            over[name] = items[0] if len(items) == 1 and items[0] in keywords else items
    try:
        if args.config:
            cfg = TrainConfig.from_yaml(args.config, **over)
        else:
            cfg = TrainConfig.from_dict({k: v for k, v in over.items() if v is not None})
        return cfg.validate()
    except (ConfigError, TypeError) as e:
        raise UsageError(str(e)) from None


def run(args: argparse.Namespace) -> int:
    from toolproof.commands._common import TOKENIZER, TRAINING, require_modules

    require_modules("train" + (" --dry-run" if args.dry_run else ""), TOKENIZER if args.dry_run else TRAINING)
    from toolproof.trainer.train import DirtyDataError, TrainError, dry_run, is_main_process, validate_data

    cfg = build_config(args)
    if not is_main_process():  # under `accelerate launch` / torchrun: one process speaks for all
        sys.stdout = sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - for the life of this process
        sys.excepthook = lambda *exc: sys.__excepthook__(*exc) if sys.__stderr__ is None else __import__("traceback").print_exception(*exc, file=sys.__stderr__)  # a crash still shows
    print(f"Validating {cfg.data} ...", file=sys.stderr)
    try:
        validation = validate_data(cfg)
    except DirtyDataError as e:
        print(f"toolproof train: refusing to train: {e}", file=sys.stderr)
        return 1
    except TrainError as e:
        raise UsageError(str(e)) from None
    if validation.dialects:
        read = ", ".join(f"{k} {n}" for k, n in sorted(validation.dialects.items(), key=lambda kv: (-kv[1], kv[0])))
        print(f"  read as {read} (records)", file=sys.stderr)
    if validation.errors:
        bar = "!" * 72
        print(
            f"{bar}\nWARNING: --allow-dirty: training on data with {validation.errors} error(s) in "
            f"{validation.records_with_errors} of {validation.records} records:\n  {validation.describe_errors()}\n"
            f"The fine-tune will learn these mistakes. Clean it first: toolproof clean {cfg.data}\n{bar}",
            file=sys.stderr,
        )
    else:
        print(f"  {validation.records} records, no errors ({validation.warnings} warnings)", file=sys.stderr)
    if args.dry_run:
        try:
            prepared = dry_run(cfg, validation)
        except TrainError as e:
            print(f"toolproof train: {e}", file=sys.stderr)
            return 1
        print(describe_prepared(prepared, cfg))
        return 0
    from toolproof.progress import progress_bars
    from toolproof.workflows import train_and_evaluate

    try:
        with progress_bars(not cfg.disable_tqdm) as progress:
            result = train_and_evaluate(
                cfg, validation=validation, on_event=lambda m: print(m, file=sys.stderr), progress=progress
            )
    except TrainError as e:
        print(f"toolproof train: {e}", file=sys.stderr)
        return 1
    for w in result.warnings:
        print(f"warning: {w}", file=sys.stderr)
    curve = result.loss_curve
    first = f"{curve[0]['loss']:.3f}" if curve else "-"
    last = f"{curve[-1]['loss']:.3f}" if curve else "-"
    print(
        f"Trained {result.records_trained} records ("
        + (f"{result.records_trained_with_errors} with errors, " if result.records_trained_with_errors else "")
        + f"{result.records_skipped} skipped), {result.steps} steps, "
        f"loss {first} -> {last}, {result.wall_time_s:.1f} s"
    )
    print(f"Adapter, chat_template.jinja and toolproof.json in {result.output_dir}")
    if result.eval_summary is not None:
        s = result.eval_summary
        acc = getattr(s, "accuracy", None)
        print(f"Eval on {cfg.eval}: accuracy {acc:.3f}" if isinstance(acc, float) else f"Eval: {s}")
    return 0


def describe_prepared(prepared, cfg) -> str:  # type: ignore[no-untyped-def]
    """The dry run's report: what ``train`` would train on with ``cfg``'s model, loss and format."""
    from toolproof.trainer.train import describe_counts

    n = len(prepared.rows)
    lines = [f"Would train {n} records of {cfg.data} ({cfg.model}, loss {cfg.loss}, format {cfg.format}):"]
    codes, reasons = describe_counts(prepared.trained_error_codes), describe_counts(prepared.skipped)
    lines.append(f"  with errors: {prepared.trained_with_errors}" + (f" of {n} ({codes})" if codes else ""))
    lines.append(f"  skipped: {sum(prepared.skipped.values())}" + (f" ({reasons})" if reasons else ""))
    lines.append(f"  truncated to max_length={cfg.max_length}: {prepared.truncated}")
    lines.append(f"  tokens: {prepared.tokens}, of which trained (loss {cfg.loss}): {prepared.trained_tokens}")
    return "\n".join(lines)
