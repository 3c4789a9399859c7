"""``TrainConfig``: every knob of ``toolproof train``, a dataclass loadable from YAML (like TRL scripts).

Pure Python (no torch): the CLI builds it from arguments and/or ``--config FILE.yaml``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toolproof.validator.errors import ConfigError

LOSSES = ("assistant_only", "completion_only", "full")
#: Training layouts: how the calls appear in the text the model is trained on (TrainConfig.format).
TRAIN_LAYOUTS = ("structured", "markup_in_content")
DTYPES = ("auto", "bf16", "fp32")


@dataclass
class TrainConfig:
    data: str = field(default="", metadata={"help": "Training data (JSONL/JSON/CSV/Parquet of canonical records)."})
    output: str = field(default="", metadata={"help": "Output directory: adapter, chat_template.jinja, toolproof.json."})
    model: str = field(
        default="smollm2-135m",
        metadata={"help": "Embedded model name, local model directory, .gguf file or hub id."},
    )
    loss: str = field(
        default="assistant_only",
        metadata={"help": "assistant_only (assistant turns), completion_only (prompt/completion), full (every token)."},
    )
    format: str = field(
        default="structured",
        metadata={"help": "structured tool_calls, or markup_in_content: calls typed as <tool_call> text (the failure)."},
    )
    allow_dirty: bool = field(
        default=False, metadata={"help": "Train even when the validator reports errors (records that cannot render are skipped)."}
    )
    eval: str | None = field(default=None, metadata={"help": "Test set to evaluate the adapter on afterwards."})
    eval_limit: int | None = field(default=None, metadata={"help": "Evaluate on the first N test records only."})
    lora_r: int = field(default=16, metadata={"help": "LoRA rank."})
    lora_alpha: int = field(default=32, metadata={"help": "LoRA alpha."})
    lora_dropout: float = field(default=0.05, metadata={"help": "LoRA dropout."})
    target_modules: list[str] | str = field(
        default="all-linear", metadata={"help": "Modules to adapt: 'all-linear' (every linear projection) or names."}
    )
    train_tokens: list[str] | str = field(
        default="auto",
        metadata={
            "help": "Token rows to train besides LoRA: 'auto' (the <tool_call>/</tool_call> tags where they are "
            "single tokens), 'none', or a list of single tokens."
        },
    )
    train_tokens_lr: float = field(
        default=5e-3,
        metadata={
            "help": "Learning rate of the trained token rows of the output layer (the input-embedding rows use "
            "learning_rate). An untrained row starts ~20 nats below the tokens it must beat; at 2e-4 it is "
            "still 7 below after 20 steps (docs/RESULTS.md)."
        },
    )
    learning_rate: float = field(default=2e-4, metadata={"help": "Peak learning rate."})
    num_train_epochs: float = field(default=1.0, metadata={"help": "Epochs (ignored when max_steps > 0)."})
    max_steps: int = field(default=-1, metadata={"help": "Stop after this many optimizer steps (-1: use epochs)."})
    per_device_train_batch_size: int = field(default=4, metadata={"help": "Batch size per device."})
    gradient_accumulation_steps: int = field(default=1, metadata={"help": "Gradient accumulation steps."})
    max_length: int = field(default=1024, metadata={"help": "Truncate tokenised records to this many tokens."})
    warmup_steps: float = field(default=0, metadata={"help": "Warm-up steps (an int) or a fraction of all steps (a float < 1)."})
    lr_scheduler_type: str = field(default="linear", metadata={"help": "Learning-rate schedule (transformers names)."})
    seed: int = field(default=42, metadata={"help": "Random seed (data order, LoRA init, dropout)."})
    dtype: str = field(default="auto", metadata={"help": "auto (bf16 where the CPU/GPU supports it), bf16 or fp32."})
    activation_checkpointing: bool = field(default=True, metadata={"help": "Recompute activations to save memory."})
    logging_steps: int = field(default=1, metadata={"help": "Log the loss every N steps."})
    max_records: int | None = field(default=None, metadata={"help": "Use only the first N records of DATA."})
    save_steps: int = field(
        default=0,
        metadata={
            "help": "Save a resumable checkpoint (adapter, token rows, optimizer, schedule, RNG state) every N "
            "steps in OUTPUT/checkpoint-N, keeping the last two; 0: none. Removed once training finishes."
        },
    )
    resume: bool = field(
        default=False,
        metadata={"help": "Continue from the newest complete checkpoint in OUTPUT (see save_steps) when there is one."},
    )
    disable_tqdm: bool = field(default=False, metadata={"help": "Hide the progress bar."})

    def validate(self) -> TrainConfig:
        if not self.data:
            raise ConfigError("no training data given")
        if not self.output:
            raise ConfigError("no output directory given (--output DIR)")
        if self.loss not in LOSSES:
            raise ConfigError(f"unknown loss {self.loss!r}: use {', '.join(LOSSES)}")
        if self.format not in TRAIN_LAYOUTS:
            raise ConfigError(f"unknown format {self.format!r}: use {', '.join(TRAIN_LAYOUTS)}")
        if self.dtype not in DTYPES:
            raise ConfigError(f"unknown dtype {self.dtype!r}: use {', '.join(DTYPES)}")
        for name in ("lora_r", "lora_alpha", "per_device_train_batch_size", "gradient_accumulation_steps", "max_length"):
            if int(getattr(self, name)) <= 0:
                raise ConfigError(f"{name} must be positive, got {getattr(self, name)}")
        if not 0 <= self.lora_dropout < 1:
            raise ConfigError(f"lora_dropout must be in [0, 1), got {self.lora_dropout}")
        if isinstance(self.train_tokens, str):
            if not self.train_tokens.strip():
                raise ConfigError("train_tokens is empty: use auto, none or a list of tokens")
        elif not isinstance(self.train_tokens, list) or not all(isinstance(t, str) and t for t in self.train_tokens):
            raise ConfigError(f"train_tokens must be auto, none or a list of tokens, got {self.train_tokens!r}")
        if self.train_tokens_lr <= 0:
            raise ConfigError(f"train_tokens_lr must be positive, got {self.train_tokens_lr}")
        if int(self.save_steps) < 0:
            raise ConfigError(f"save_steps must be 0 (no checkpoints) or positive, got {self.save_steps}")
        if self.learning_rate <= 0:
            raise ConfigError(f"learning_rate must be positive, got {self.learning_rate}")
        if self.max_steps <= 0 and self.num_train_epochs <= 0:
            raise ConfigError("set num_train_epochs > 0 or max_steps > 0")
        if not Path(self.data).exists():
            raise ConfigError(f"{self.data}: no such file")
        if self.eval and not Path(self.eval).exists():
            raise ConfigError(f"{self.eval}: no such file (--eval)")
        return self

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def fields(cls) -> dict[str, dataclasses.Field[Any]]:
        return {f.name: f for f in dataclasses.fields(cls)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        known = cls.fields()
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise ConfigError(f"unknown config keys: {', '.join(unknown)} (known: {', '.join(known)})")
        return cls(**data)

    @classmethod
    def from_yaml(cls, path: str | Path, **overrides: Any) -> TrainConfig:
        """Read a YAML mapping of fields; ``overrides`` (not None) win over the file."""
        import yaml

        try:
            raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        except OSError as e:
            raise ConfigError(f"{path}: cannot read config: {e.strerror}") from None
        except yaml.YAMLError as e:
            raise ConfigError(f"{path}: invalid YAML: {e}") from None
        if not isinstance(raw, dict):
            raise ConfigError(f"{path}: a config file must hold a mapping of fields")
        raw = {str(k).replace("-", "_"): v for k, v in raw.items()}
        raw.update({k: v for k, v in overrides.items() if v is not None})
        return cls.from_dict(raw)


__all__ = ["DTYPES", "LOSSES", "TRAIN_LAYOUTS", "ConfigError", "TrainConfig"]
