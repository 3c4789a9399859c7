"""What a comparison produces, as data: per test set, per model, the prepared inputs, the whole run."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toolproof.compare.config import CompareConfig


@dataclass
class SetResult:
    """One model on one test set."""

    n: int
    correct: int
    eval_seconds: float = 0.0
    errors: dict[str, int] = field(default_factory=dict)  # error type -> count (wrong answers)
    results_csv: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # evaluator details (truncated, per category, ...)

    @property
    def accuracy(self) -> float:
        return self.correct / self.n if self.n else float("nan")

    @property
    def strict_correct(self) -> int | None:
        """Right answers counting only the calls a serving Hermes parser returns (no repairs)."""
        v = self.extra.get("strict_correct")
        return None if v is None else int(v)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SetResult:
        return cls(
            n=int(d["n"]),
            correct=int(d["correct"]),
            eval_seconds=float(d.get("eval_seconds", 0.0)),
            errors={str(k): int(v) for k, v in (d.get("errors") or {}).items()},
            results_csv=d.get("results_csv"),
            extra=dict(d.get("extra") or {}),
        )


@dataclass
class ModelOutcome:
    """The base model or one arm: its training (arms) and its results per test set."""

    name: str
    data: str = ""  # the arm's kind ("dirty", "clean", ...) | "" for the base model
    description: str = ""
    status: str = "ok"  # "ok" | "failed" | "not run"
    error: str | None = None
    failed_step: str | None = None  # "data" | "train" | "eval"
    train_records: int | None = None
    train_skipped: int | None = None  # records the trainer could not render (dirty data)
    train_data_errors: int | None = None  # lint errors in the data the arm was trained on
    train_with_errors: int | None = None  # trained records the validator reported errors in (None: not recorded)
    train_steps: int | None = None
    train_loss: float | None = None
    train_seconds: float | None = None
    adapter_dir: str | None = None
    results: dict[str, SetResult] = field(default_factory=dict)
    # steps reused from a previous run ("eval:x (published)": from the published results)
    resumed: list[str] = field(default_factory=list)
    # warnings in the data trained on, per rule family (None: not recorded)
    train_warnings: dict[str, int] | None = None

    @property
    def eval_seconds(self) -> float:
        return sum(r.eval_seconds for r in self.results.values())

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["results"] = {k: v.to_dict() for k, v in self.results.items()}
        return d


@dataclass
class PreparedData:
    dirty_path: str
    clean_path: str
    dirty_records: int
    clean_records: int
    quarantined: int
    findings: int
    errors: int
    by_code: dict[str, int]
    lint_report: str
    clean_report: str
    repaired: int = 0
    duplicates_dropped: int = 0
    seconds: float = 0.0
    resumed: bool = False
    dialects: dict[str, int] = field(default_factory=dict)  # records read as each dialect (validator.formats)


@dataclass
class DerivedData:
    """The training file of a derived arm kind (``ArmKind.derive``), made from another kind's file."""

    kind: str
    source: str  # the kind it was made from
    path: str
    records: int
    report: dict[str, Any] = field(default_factory=dict)  # what the backend reported (counts, settings)
    seconds: float = 0.0
    resumed: bool = False


@dataclass
class ModelSteps:
    """The keys of one model's finished steps in this run (what ``compare --publish`` records)."""

    train_key: str | None = None
    train: dict[str, Any] | None = None  # the training step's outcome
    eval_keys: dict[str, str] = field(default_factory=dict)  # test set -> key


@dataclass
class PreparedTestSet:
    name: str
    path: str
    n: int
    sha256: str


@dataclass
class CompareResult:
    name: str
    output_dir: Path
    config: CompareConfig
    data: PreparedData | None
    outcomes: list[ModelOutcome]
    test_sets: list[str]
    files: dict[str, str]
    seconds: float
    error: str | None = None  # a failure before any arm could run (data preparation)
    derived: list[DerivedData] = field(default_factory=list)  # derived kinds' data (balanced, ...)
    steps: dict[str, ModelSteps] = field(default_factory=dict)  # model -> its step keys
    published_from: str | None = None  # the folder of published results steps were reused from

    @property
    def failed(self) -> list[str]:
        return [o.name for o in self.outcomes if o.status == "failed"]

    @property
    def exit_code(self) -> int:
        return 1 if (self.failed or self.error) else 0
