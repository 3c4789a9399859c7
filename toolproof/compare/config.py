"""The comparison config (`toolproof compare CONFIG.yaml`): its schema and its loader."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from toolproof.compare.arms import BASE, arm_kind
from toolproof.validator.errors import ConfigError

_NAME_RE = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"

# Trainer settings the comparison sets itself (per arm or at the top of the config).
RESERVED_TRAIN_KEYS = ("model", "data", "output", "allow_dirty", "seed", "dtype", "eval", "eval_limit")


class CompareConfigError(ConfigError):
    """The comparison config is unreadable or invalid (the command turns it into exit 2)."""


def _refuse_duplicates(what: str, names: list[str]) -> None:
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ValueError(f"duplicate {what} names: {', '.join(dup)}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TestSetConfig(_Strict):
    """One test set: a canonical JSONL file (`path`) or one BFCL category (`bfcl`)."""

    __test__ = False  # not a pytest class

    name: str = Field(default="", pattern=r"^$|" + _NAME_RE)
    path: str | None = None
    bfcl: str | None = None
    limit: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _one_source(self) -> TestSetConfig:
        if (self.path is None) == (self.bfcl is None):
            raise ValueError("a test set needs exactly one of `path` or `bfcl`")
        if not self.name:
            self.name = f"bfcl-{self.bfcl}" if self.bfcl else Path(str(self.path)).stem
        return self


class EvalSettings(_Strict):
    test_sets: list[TestSetConfig] = Field(min_length=1)
    max_new_tokens: int = Field(default=128, ge=1)
    batch_size: int = Field(default=8, ge=1)
    # Passed through to the evaluator's EvalConfig as they are.
    options: dict[str, Any] = Field(default_factory=dict)

    @field_validator("test_sets")
    @classmethod
    def _unique(cls, v: list[TestSetConfig]) -> list[TestSetConfig]:
        _refuse_duplicates("test set", [t.name for t in v])
        return v


class DataConfig(_Strict):
    train: str
    # Options for the cleaner (e.g. {"unsafe_fixes": true}).
    clean: dict[str, Any] = Field(default_factory=dict)
    # Options for the balance repair that makes the `balanced` arms' data (e.g. {"share": 0.11}).
    balance: dict[str, Any] = Field(default_factory=dict)


def _check_train_keys(v: dict[str, Any]) -> dict[str, Any]:
    bad = sorted(k for k in v if k in RESERVED_TRAIN_KEYS)
    if bad:
        raise ValueError(
            f"{', '.join(bad)} cannot be set in `train`: the comparison sets them "
            "(use the top-level `model`, `seed`, `dtype`, `data` and each arm's `data`)"
        )
    return v


class ArmConfig(_Strict):
    """One fine-tune: which data it sees and how its training differs from the shared settings."""

    name: str = Field(pattern=_NAME_RE)
    data: str  # an arm kind (toolproof.compare.arms.ARM_KINDS)
    description: str = ""
    # Trainer settings for this arm only (TrainConfig field names), over the shared `train`.
    train: dict[str, Any] = Field(default_factory=dict)

    _train_keys = field_validator("train")(classmethod(lambda cls, v: _check_train_keys(v)))

    @field_validator("name")
    @classmethod
    def _not_base(cls, v: str) -> str:
        if v == BASE:
            raise ValueError("'base' is reserved for the base model")
        return v

    @field_validator("data")
    @classmethod
    def _known_kind(cls, v: str) -> str:
        return arm_kind(v).name


class CompareConfig(_Strict):
    name: str = Field(pattern=_NAME_RE)
    description: str = ""
    model: str
    device: str = "auto"
    dtype: str = "auto"
    seed: int = 0
    # Evaluate the base model too (without any fine-tune).
    base: bool = True
    data: DataConfig
    # Shared trainer settings (TrainConfig field names): the same for every arm.
    train: dict[str, Any] = Field(default_factory=dict)
    # Run each training as `LAUNCHER -m toolproof train --config ...` in a subprocess, e.g.
    # "accelerate launch --multi_gpu --num_processes 4" or "torchrun --nproc_per_node 4" (empty: in process).
    launcher: str = ""
    arms: list[ArmConfig] = Field(min_length=1)
    eval: EvalSettings
    # Other comparisons whose published steps (DIR/<name>/) this one may reuse by key, e.g. the seed's
    # clean arm as the dose-response experiment's 0% point: a step is reused only where its key matches.
    reuse_published: list[str] = Field(default_factory=list)

    _train_keys = field_validator("train")(classmethod(lambda cls, v: _check_train_keys(v)))

    @field_validator("arms")
    @classmethod
    def _unique_arms(cls, v: list[ArmConfig]) -> list[ArmConfig]:
        _refuse_duplicates("arm", [a.name for a in v])
        return v


def load_config(source: str | os.PathLike[str] | dict[str, Any]) -> CompareConfig:
    """Read and validate a comparison config (a YAML file or an already parsed mapping).

    Relative data paths are resolved against the current directory, or against the
    config file's folder (then its parent) when they do not exist there.
    """
    base_dirs: list[Path] = [Path.cwd()]
    if isinstance(source, dict):
        raw: Any = source
    else:
        p = Path(source)
        try:
            raw = yaml.safe_load(p.read_text(encoding="utf-8"))
        except OSError as e:
            raise CompareConfigError(f"cannot read {p}: {e.strerror or e}") from e
        except yaml.YAMLError as e:
            raise CompareConfigError(f"{p}: not valid YAML: {e}") from e
        base_dirs += [p.resolve().parent, p.resolve().parent.parent]
    if not isinstance(raw, dict):
        raise CompareConfigError("the config must be a mapping")
    try:
        cfg = CompareConfig.model_validate(raw)
    except ValidationError as e:
        msgs = []
        for err in e.errors():
            loc = ".".join(str(x) for x in err["loc"]) or "(top)"
            msgs.append(f"{loc}: {err['msg']}")
        raise CompareConfigError("invalid config: " + "; ".join(msgs)) from e

    def resolve(path: str) -> str:
        pp = Path(path).expanduser()
        if pp.is_absolute():
            return str(pp)
        for d in base_dirs:
            if (d / pp).exists():
                return str((d / pp).resolve())
        return str((base_dirs[0] / pp).resolve())

    _check_known_train_keys(cfg)
    cfg.data.train = resolve(cfg.data.train)
    for ts in cfg.eval.test_sets:
        if ts.path is not None:
            ts.path = resolve(ts.path)
    return cfg


def _check_known_train_keys(cfg: CompareConfig) -> None:
    """Every `train` key must be a TrainConfig field (checked up front: a typo is a usage error)."""
    try:
        from toolproof.trainer.config import TrainConfig  # noqa: PLC0415 - pure Python, no torch
    except ImportError:  # pragma: no cover - the trainer is part of the package
        return
    known = set(TrainConfig.fields())
    problems = []
    for where, keys in [("train", cfg.train), *((f"arms.{a.name}.train", a.train) for a in cfg.arms)]:
        unknown = sorted(set(keys) - known)
        if unknown:
            problems.append(f"{where}: unknown trainer settings {', '.join(unknown)}")
    if problems:
        raise CompareConfigError(
            "invalid config: " + "; ".join(problems) + f" (known: {', '.join(sorted(known - set(RESERVED_TRAIN_KEYS)))})"
        )
