"""Clean-vs-dirty comparison runs (`toolproof compare`).

One config names a base model, the training data, the shared training settings, the
arms (each = which data, dirty or cleaned, plus trainer overrides) and the test sets.
`run_compare` then

1. lints the training data and cleans it (lint report JSON, clean report HTML kept);
2. writes every test set once to ``test_sets/`` so that every model sees the same records;
3. evaluates the base model and trains + evaluates every arm;
4. writes ``summary.csv``, ``summary.md``, ``accuracy.png``, ``compare.json`` and ``paired.csv``
   (each arm against the base, each clean-data arm against each dirty-data arm, record by record).

Each step (data, base evaluation, an arm's training, an arm's evaluation) writes a
completion marker (``.done.json``) holding a hash of everything that step depends on (config,
input files, library versions and the ``RESULTS_VERSION`` of the toolproof packages it runs);
a later run reuses a step whose marker matches and redoes one whose inputs changed.
A failing arm is recorded with its error and does not stop the others.

The step functions and the report writers are separate so they can be tested with
results given as data. The library never prints: pass ``progress`` to hear about steps.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as _dt
import gc
import hashlib
import json
import math
import os
import platform
import shutil
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

__all__ = [
    "ArmConfig",
    "CompareConfig",
    "CompareConfigError",
    "CompareResult",
    "ModelOutcome",
    "SetResult",
    "load_config",
    "mcnemar_p",
    "paired_changes",
    "run_compare",
    "summary_rows",
    "wilson_interval",
    "write_summary_csv",
    "write_summary_md",
    "plot_accuracy",
]

Z95 = 1.959963984540054  # two-sided 95% normal quantile
MARKER = ".done.json"
PARTIAL = ".started.json"  # a training step under way: its hash, so a re-run can resume its checkpoints
CHECKPOINT_STEPS = 10  # compare's training steps save a resumable checkpoint this often (train: save_steps)
_NOT_HASHED = frozenset({"save_steps"})  # trainer settings that do not change what is trained
BASE = "base"
_NAME_RE = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"

Progress = Callable[[str], None]


class CompareConfigError(ValueError):
    """The comparison config is unreadable or invalid (the command turns it into exit 2)."""


# --------------------------------------------------------------------------- config


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


# Trainer settings the comparison sets itself (per arm or at the top of the config).
RESERVED_TRAIN_KEYS = ("model", "data", "output", "allow_dirty", "seed", "dtype", "eval", "eval_limit")


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
    data: Literal["dirty", "clean"]
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


# --------------------------------------------------------------------------- results as data


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
    data: str = ""  # "dirty" | "clean" | "" for the base model
    description: str = ""
    status: str = "ok"  # "ok" | "failed" | "not run"
    error: str | None = None
    failed_step: str | None = None  # "train" | "eval"
    train_records: int | None = None
    train_skipped: int | None = None  # records the trainer could not render (dirty data)
    train_data_errors: int | None = None  # lint errors in the data the arm was trained on
    train_with_errors: int | None = None  # trained records the validator reported errors in (None: not recorded)
    train_steps: int | None = None
    train_loss: float | None = None
    train_seconds: float | None = None
    adapter_dir: str | None = None
    results: dict[str, SetResult] = field(default_factory=dict)
    resumed: list[str] = field(default_factory=list)  # steps reused from a previous run

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

    @property
    def failed(self) -> list[str]:
        return [o.name for o in self.outcomes if o.status == "failed"]

    @property
    def exit_code(self) -> int:
        return 1 if (self.failed or self.error) else 0


# --------------------------------------------------------------------------- statistics


def wilson_interval(correct: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (95% by default).

    Returns ``(nan, nan)`` for ``n == 0``.
    """
    if n <= 0:
        return (float("nan"), float("nan"))
    if not 0 <= correct <= n:
        raise ValueError(f"correct={correct} outside 0..{n}")
    p = correct / n
    z2 = z * z
    denom = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom
    lo, hi = max(0.0, centre - half), min(1.0, centre + half)
    # Exact ends at 0 and n (floating point leaves ~1e-17 otherwise).
    if correct == 0:
        lo = 0.0
    if correct == n:
        hi = 1.0
    return (lo, hi)


def mcnemar_p(b: int, c: int) -> float:
    """Two-sided exact McNemar p: of the ``b + c`` records on which two models disagree, one got
    ``b`` right and the other ``c``; the chance of a split at least this uneven if neither model
    were the better one (each disagreement a fair coin)."""
    if b < 0 or c < 0:
        raise ValueError(f"counts must be >= 0, got {b}, {c}")
    n = b + c
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, i) for i in range(min(b, c) + 1))
    return min(1.0, 2 * tail / 2**n)


@dataclass
class PairedChange:
    """``model`` against ``reference`` on the same records of one test set."""

    model: str
    reference: str
    test_set: str
    n: int
    gained: int  # right for `model`, wrong for `reference`
    lost: int  # wrong for `model`, right for `reference`

    @property
    def delta(self) -> float:
        """Accuracy of `model` minus that of `reference` (a fraction)."""
        return (self.gained - self.lost) / self.n if self.n else float("nan")

    @property
    def p(self) -> float:
        return mcnemar_p(self.gained, self.lost)

    def to_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "delta": round(self.delta, 4), "p": float(f"{self.p:.4g}")}


def paired_change(
    model: str, reference: str, test_set: str, mine: list[tuple[str, bool]], theirs: list[tuple[str, bool]]
) -> PairedChange:
    """Compare two models' ``(id, correct)`` verdicts on the same test set record by record.

    Raises ValueError when they do not hold the same records in the same order."""
    if [i for i, _ in mine] != [i for i, _ in theirs]:
        raise ValueError(f"{model} and {reference} were not scored on the same records in the same order ({test_set})")
    gained = lost = 0
    for (_, x), (_, y) in zip(mine, theirs, strict=True):
        gained += x and not y
        lost += y and not x
    return PairedChange(model, reference, test_set, len(mine), gained, lost)


def paired_changes(outcomes: Sequence[ModelOutcome], test_sets: Sequence[str]) -> list[PairedChange]:
    """Every arm against the base model, then every clean-data arm against every dirty-data arm, on
    each test set both were evaluated on (from their results CSVs, each read once; a pair whose files
    are missing or do not match is left out)."""
    from toolproof.evaluator.run import read_verdicts  # noqa: PLC0415  (the CSV's reader lives beside its writer)

    by_name = {o.name: o for o in outcomes}
    pairs = [(o.name, BASE) for o in outcomes if o.name != BASE and BASE in by_name]
    clean = [o.name for o in outcomes if o.data == "clean"]
    dirty = [o.name for o in outcomes if o.data == "dirty"]
    pairs += [(c, d) for c in clean for d in dirty]

    def read(name: str, ts: str) -> list[tuple[str, bool]] | None:
        r = by_name[name].results.get(ts)
        try:
            return read_verdicts(r.results_csv) if r and r.results_csv else None
        except (OSError, KeyError):
            return None

    verdicts = {(name, ts): read(name, ts) for name in {n for pair in pairs for n in pair} for ts in test_sets}
    out = []
    for model, ref in pairs:
        for ts in test_sets:
            mine, theirs = verdicts[model, ts], verdicts[ref, ts]
            if not mine or not theirs:
                continue
            try:
                out.append(paired_change(model, ref, ts, mine, theirs))
            except ValueError:
                continue
    return out


def _p_text(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p {p:.3f}" if p < 0.01 else f"p {p:.2f}"


def _paired_cell(c: PairedChange) -> str:
    """``"-13.0 (+5 / -18, p 0.011)"``: points, records gained / lost, exact McNemar p."""
    return f"{100 * c.delta:+.1f} (+{c.gained} / -{c.lost}, {_p_text(c.p)})"


# --------------------------------------------------------------------------- hashing / markers


def _canon(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str)


def _hash(obj: Any) -> str:
    return hashlib.sha256(_canon(obj).encode()).hexdigest()[:16]


def file_sha256(path: str | os.PathLike[str]) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_marker(step_dir: Path, step_hash: str) -> dict[str, Any] | None:
    """The outcome stored by a finished step whose hash matches, else None."""
    m = step_dir / MARKER
    try:
        data = json.loads(m.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("hash") != step_hash:
        return None
    out = data.get("outcome")
    return out if isinstance(out, dict) else None


def write_marker(step_dir: Path, step_hash: str, outcome: dict[str, Any], seconds: float) -> None:
    step_dir.mkdir(parents=True, exist_ok=True)
    tmp = step_dir / (MARKER + ".tmp")
    tmp.write_text(
        json.dumps(
            {
                "hash": step_hash,
                "finished_at": _now(),
                "seconds": round(seconds, 3),
                "outcome": outcome,
            },
            indent=2,
            default=str,
        ),
        encoding="utf-8",
    )
    os.replace(tmp, step_dir / MARKER)


def _fresh_dir(d: Path) -> None:
    """Empty a step folder before (re)running the step."""
    if d.exists():
        shutil.rmtree(d)
    d.mkdir(parents=True)


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


# --------------------------------------------------------------------------- steps


def _count_lines(path: str | os.PathLike[str]) -> int:
    with open(path, "rb") as f:
        return sum(1 for line in f if line.strip())


def prepare_data(cfg: CompareConfig, out_dir: Path, *, resume: bool = True) -> PreparedData:
    """Lint the training data and clean it, keeping both reports (resumable step)."""
    step_dir = out_dir / "data"
    src = cfg.data.train
    if not Path(src).is_file():
        raise FileNotFoundError(f"training data not found: {src}")
    step_hash = _hash(
        {"step": "data", "train": file_sha256(src), "clean": cfg.data.clean, "code": _results_versions("validator")}
    )
    if resume:
        got = read_marker(step_dir, step_hash)
        if got is not None and Path(got.get("clean_path", "")).is_file():
            got["resumed"] = True
            got["dirty_path"] = src
            return PreparedData(**got)
    _fresh_dir(step_dir)
    t0 = time.perf_counter()
    prepared = _lint_and_clean(src, step_dir, cfg.data.clean)
    prepared.seconds = time.perf_counter() - t0
    outcome = dataclasses.asdict(prepared)
    outcome.pop("resumed")
    write_marker(step_dir, step_hash, outcome, prepared.seconds)
    return prepared


def _lint_and_clean(src: str, step_dir: Path, clean_options: dict[str, Any]) -> PreparedData:
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
    )


@dataclass
class PreparedTestSet:
    name: str
    path: str
    n: int
    sha256: str


def prepare_test_sets(cfg: CompareConfig, out_dir: Path) -> list[PreparedTestSet]:
    """Write each test set (limited) to ``test_sets/<name>.jsonl``: every model reads these files."""
    d = out_dir / "test_sets"
    d.mkdir(parents=True, exist_ok=True)
    out: list[PreparedTestSet] = []
    for ts in cfg.eval.test_sets:
        records = _load_test_records(ts)
        if ts.limit is not None:
            records = records[: ts.limit]
        if not records:
            raise ValueError(f"test set {ts.name!r} is empty")
        text = "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in records)
        path = d / f"{ts.name}.jsonl"
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        out.append(
            PreparedTestSet(ts.name, str(path), len(records), hashlib.sha256(text.encode()).hexdigest())
        )
    return out


def _load_test_records(ts: TestSetConfig) -> list[dict[str, Any]]:
    """The records of one test set: a BFCL category, or a JSONL file read by the scorer's loader
    (the same checks and file:line errors as `toolproof score` / `toolproof eval`)."""
    if ts.bfcl is not None:
        from toolproof.evaluator.bfcl import load_bfcl  # noqa: PLC0415

        return [dict(r) for r in load_bfcl([ts.bfcl], ts.limit)]
    from toolproof.evaluator.score import load_records  # noqa: PLC0415

    records = load_records(str(ts.path), need_messages=True)
    return records if ts.limit is None else records[: ts.limit]


def _train_settings(cfg: CompareConfig, arm: ArmConfig) -> dict[str, Any]:
    """The merged trainer settings of one arm (shared, then the arm's own)."""
    return {**cfg.train, **arm.train}


def _train_hash(cfg: CompareConfig, arm: ArmConfig, train_path: str) -> str:
    return _hash(
        {
            "step": "train",
            "model": cfg.model,
            "device": cfg.device,
            "dtype": cfg.dtype,
            "seed": cfg.seed,
            "data": arm.data,
            "data_sha": file_sha256(train_path),
            "train": {k: v for k, v in _train_settings(cfg, arm).items() if k not in _NOT_HASHED},
            "v": _versions_key(),
            "code": _results_versions("trainer"),
        }
    )


def train_arm(
    cfg: CompareConfig,
    arm: ArmConfig,
    data: PreparedData,
    out_dir: Path,
    *,
    resume: bool = True,
    say: Progress | None = None,
) -> tuple[dict[str, Any], bool, str]:
    """Train one arm (resumable: a finished arm is reused, a stopped one continues from its newest
    checkpoint). Returns (outcome dict, resumed?, step hash)."""
    from toolproof.trainer.train import latest_checkpoint  # noqa: PLC0415  (no torch at import)

    step_dir = out_dir / "arms" / arm.name / "train"
    train_path = data.dirty_path if arm.data == "dirty" else data.clean_path
    step_hash = _train_hash(cfg, arm, train_path)
    if resume:
        got = read_marker(step_dir, step_hash)
        if got is not None and Path(got.get("adapter_dir", "")).exists():
            return got, True, step_hash
    partial = step_dir / PARTIAL
    try:
        started = json.loads(partial.read_text(encoding="utf-8")).get("hash")
    except (OSError, ValueError, AttributeError):
        started = None
    continuing = resume and started == step_hash and latest_checkpoint(step_dir) is not None
    if not continuing:
        _fresh_dir(step_dir)
        partial.write_text(json.dumps({"hash": step_hash, "started_at": _now()}) + "\n", encoding="utf-8")
    t0 = time.perf_counter()
    got = _train(cfg, arm, train_path, step_dir, say, continuing=continuing)
    seconds = time.perf_counter() - t0
    got.setdefault("train_seconds", seconds)
    write_marker(step_dir, step_hash, got, seconds)
    partial.unlink(missing_ok=True)
    return got, False, step_hash


def _train(
    cfg: CompareConfig,
    arm: ArmConfig,
    train_path: str,
    step_dir: Path,
    say: Progress | None = None,
    *,
    continuing: bool = False,
) -> dict[str, Any]:
    from toolproof.trainer.train import TrainConfig, train  # noqa: PLC0415

    settings = {"save_steps": CHECKPOINT_STEPS, **_train_settings(cfg, arm)}
    fixed = {
        "resume": continuing,
        "model": cfg.model,
        "data": train_path,
        "output": str(step_dir),
        "allow_dirty": arm.data == "dirty",
        "seed": cfg.seed,
        "dtype": cfg.dtype,
    }
    kwargs = _fit_fields(TrainConfig, {**settings, **fixed}, fixed_keys=set(fixed))
    if cfg.launcher:
        return _train_launched(cfg.launcher, TrainConfig(**kwargs), step_dir)
    res = train(TrainConfig(**kwargs), on_event=(lambda m: say(f"{arm.name}: {m}")) if say else None)
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
    }


def _train_launched(launcher: str, tc: Any, step_dir: Path) -> dict[str, Any]:
    """One training under ``launcher`` (accelerate launch, torchrun): the settings go in a YAML file,
    the outcome comes back from the run's toolproof.json (written by the main process)."""
    import shlex  # noqa: PLC0415
    import subprocess  # noqa: PLC0415

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
    return {
        "adapter_dir": str(tc.output),
        "train_records": int(meta["records_trained"]),
        "records_skipped": sum(skipped.values()),
        "skipped_reasons": skipped,
        "data_errors": int(meta["validation"]["errors"]),
        "records_trained_with_errors": int(meta.get("records_trained_with_errors", 0)),
        "steps": int(meta["steps"]),
        "train_loss": meta.get("train_loss"),
        "train_seconds": float(meta.get("wall_time_s") or time.perf_counter() - t0),
        "warnings": list(meta.get("warnings") or []),
    }


def _fit_fields(cls: Any, values: dict[str, Any], *, fixed_keys: set[str]) -> dict[str, Any]:
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


def evaluate_model(
    cfg: CompareConfig,
    name: str,
    test_sets: Sequence[PreparedTestSet],
    out_dir: Path,
    *,
    adapter_dir: str | None = None,
    upstream_hash: str = "",
    resume: bool = True,
    run: bool = True,
) -> tuple[dict[str, SetResult], list[str]]:
    """Evaluate the base model (adapter_dir None) or an arm's adapter on every test set.

    Each test set is its own resumable step. Returns (results, names of reused steps).
    With ``run=False`` nothing is evaluated: only finished steps are collected.
    """
    root = out_dir / (BASE if name == BASE else f"arms/{name}") / "eval"
    lazy: _LazyModel | None = None
    results: dict[str, SetResult] = {}
    reused: list[str] = []
    for ts in test_sets:
        step_dir = root / ts.name
        step_hash = _hash(
            {
                "step": "eval",
                "model": cfg.model,
                "device": cfg.device,
                "dtype": cfg.dtype,
                "adapter": upstream_hash if adapter_dir else None,
                "test_set": ts.sha256,
                "max_new_tokens": cfg.eval.max_new_tokens,
                "batch_size": cfg.eval.batch_size,
                "options": cfg.eval.options,
                "v": _versions_key(),
                "code": _results_versions("evaluator", "trainer"),
            }
        )
        if resume:
            got = read_marker(step_dir, step_hash)
            if got is not None:
                results[ts.name] = SetResult.from_dict(got)
                reused.append(f"eval:{ts.name}")
                continue
        if not run:
            continue
        _fresh_dir(step_dir)
        if lazy is None:
            lazy = _LazyModel(cfg, adapter_dir)
        t0 = time.perf_counter()
        try:
            res = _evaluate(cfg, ts, step_dir, adapter_dir, model=lazy)
        except BaseException:
            lazy.close()
            raise
        # Wall time of the step: the first set of a model includes loading it.
        res.eval_seconds = time.perf_counter() - t0
        write_marker(step_dir, step_hash, res.to_dict(), res.eval_seconds)
        results[ts.name] = res
    if lazy is not None:
        lazy.close()
    return results, reused


class _LazyModel:
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


def _evaluate(
    cfg: CompareConfig,
    ts: PreparedTestSet,
    step_dir: Path,
    adapter_dir: str | None,
    model: _LazyModel | None = None,
) -> SetResult:
    from toolproof.evaluator.run import EvalConfig, evaluate  # noqa: PLC0415

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
    kwargs = _fit_fields(EvalConfig, {**cfg.eval.options, **fixed}, fixed_keys=set(fixed))
    lazy = model or _LazyModel(cfg, adapter_dir)
    summary = evaluate(EvalConfig(**kwargs), model_and_tokenizer=lazy.get())
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


# --------------------------------------------------------------------------- the pipeline


def run_compare(
    config: CompareConfig | str | os.PathLike[str] | dict[str, Any],
    *,
    output_root: str | os.PathLike[str] = "reports",
    resume: bool = True,
    only: Iterable[str] | None = None,
    progress: Progress | None = None,
) -> CompareResult:
    """Run (or resume) a comparison and write its reports under ``output_root/<name>/``.

    ``only`` restricts which models are run this time (arm names, or ``base``); the
    summary still shows the others when a previous run finished them.
    """
    cfg = config if isinstance(config, CompareConfig) else load_config(config)
    say = progress or (lambda _msg: None)
    only_set = set(only) if only else None
    if only_set:
        known = {a.name for a in cfg.arms} | {BASE}
        unknown = sorted(only_set - known)
        if unknown:
            raise CompareConfigError(
                f"--only names unknown arms: {', '.join(unknown)} (known: {', '.join(sorted(known))})"
            )
    out_dir = Path(output_root) / cfg.name
    out_dir.mkdir(parents=True, exist_ok=True)
    started = _now()
    t0 = time.perf_counter()
    timings: dict[str, float] = {}

    outcomes: list[ModelOutcome] = []
    data: PreparedData | None = None
    test_sets: list[PreparedTestSet] = []
    error: str | None = None
    try:
        say("data: lint and clean " + cfg.data.train)
        data = prepare_data(cfg, out_dir, resume=resume)
        timings["data"] = data.seconds
        say(
            f"data: {data.dirty_records} records, {data.findings} findings "
            f"({data.errors} errors); clean: {data.clean_records} records, {data.quarantined} quarantined"
            + (" (reused)" if data.resumed else "")
        )
        t1 = time.perf_counter()
        test_sets = prepare_test_sets(cfg, out_dir)
        timings["test_sets"] = time.perf_counter() - t1
        say("test sets: " + ", ".join(f"{t.name} ({t.n})" for t in test_sets))
    except Exception as e:  # noqa: BLE001 - recorded, reported, exit 1
        error = f"{type(e).__name__}: {e}"
        (out_dir / "error.txt").write_text(traceback.format_exc(), encoding="utf-8")
        say("data preparation failed: " + error)

    if error is None and data is not None:
        models: list[tuple[str, ArmConfig | None]] = []
        if cfg.base:
            models.append((BASE, None))
        models += [(a.name, a) for a in cfg.arms]
        for name, arm in models:
            run_it = only_set is None or name in only_set
            t1 = time.perf_counter()
            outcome = _run_model(cfg, name, arm, data, test_sets, out_dir, resume=resume, run_it=run_it, say=say)
            timings[name] = time.perf_counter() - t1
            outcomes.append(outcome)
            gc.collect()

    seconds = time.perf_counter() - t0
    result = CompareResult(
        name=cfg.name,
        output_dir=out_dir,
        config=cfg,
        data=data,
        outcomes=outcomes,
        test_sets=[t.name for t in test_sets],
        files={},
        seconds=seconds,
        error=error,
    )
    result.files = write_reports(result, started=started, timings=timings, test_sets=test_sets)
    return result


def _run_model(
    cfg: CompareConfig,
    name: str,
    arm: ArmConfig | None,
    data: PreparedData,
    test_sets: Sequence[PreparedTestSet],
    out_dir: Path,
    *,
    resume: bool,
    run_it: bool,
    say: Progress,
) -> ModelOutcome:
    o = ModelOutcome(
        name=name,
        data=arm.data if arm else "",
        description=arm.description if arm else f"{cfg.model} without fine-tuning",
    )
    step = "train"
    try:
        adapter: str | None = None
        upstream = ""
        if arm is not None:
            if run_it:
                say(f"{name}: training on {arm.data} data")
                got, reused, upstream = train_arm(cfg, arm, data, out_dir, resume=resume, say=say)
            else:
                got, reused, upstream = _finished_train(cfg, arm, data, out_dir)
                if got is None:
                    o.status = "not run"
                    return o
            if reused:
                o.resumed.append("train")
            adapter = got["adapter_dir"]
            o.adapter_dir = adapter
            o.train_records = int(got.get("train_records") or 0)
            o.train_seconds = float(got.get("train_seconds") or 0.0)
            o.train_skipped = _opt_int(got.get("records_skipped"))
            o.train_data_errors = _opt_int(got.get("data_errors"))
            o.train_with_errors = _opt_int(got.get("records_trained_with_errors"))
            o.train_steps = _opt_int(got.get("steps"))
            o.train_loss = None if got.get("train_loss") is None else float(got["train_loss"])
            if run_it:
                say(
                    f"{name}: trained on {o.train_records} records in {o.train_seconds:.0f}s"
                    + (" (reused)" if reused else "")
                )
        step = "eval"
        if run_it:
            say(f"{name}: evaluating on {', '.join(t.name for t in test_sets)}")
            o.results, reused_evals = evaluate_model(
                cfg, name, test_sets, out_dir, adapter_dir=adapter, upstream_hash=upstream, resume=resume
            )
            o.resumed += reused_evals
            for ts_name, r in o.results.items():
                say(f"{name}: {ts_name}: {r.correct}/{r.n} = {r.accuracy:.1%} ({r.eval_seconds:.0f}s)")
        else:
            o.results, reused_evals = evaluate_model(
                cfg, name, test_sets, out_dir, adapter_dir=adapter, upstream_hash=upstream, run=False
            )
            if len(o.results) < len(test_sets):
                o.status = "not run"
            o.resumed += reused_evals
    except Exception as e:  # noqa: BLE001 - one arm failing must not lose the others
        o.status = "failed"
        o.failed_step = step
        o.error = f"{type(e).__name__}: {e}"
        err_dir = out_dir / (BASE if arm is None else f"arms/{name}")
        err_dir.mkdir(parents=True, exist_ok=True)
        (err_dir / "error.txt").write_text(traceback.format_exc(), encoding="utf-8")
        say(f"{name}: FAILED in {step}: {o.error}")
    return o


def _opt_int(v: Any) -> int | None:
    return None if v is None else int(v)


def _finished_train(
    cfg: CompareConfig, arm: ArmConfig, data: PreparedData, out_dir: Path
) -> tuple[dict[str, Any] | None, bool, str]:
    """A previous run's training of `arm` when it is still valid (used for arms left out by --only)."""
    step_dir = out_dir / "arms" / arm.name / "train"
    if not (step_dir / MARKER).is_file():
        return None, False, ""
    # Recompute the hash exactly as train_arm does, without running anything.
    train_path = data.dirty_path if arm.data == "dirty" else data.clean_path
    step_hash = _train_hash(cfg, arm, train_path)
    got = read_marker(step_dir, step_hash)
    return got, got is not None, step_hash


# --------------------------------------------------------------------------- reports


def summary_rows(outcomes: Sequence[ModelOutcome], test_sets: Sequence[str]) -> list[dict[str, Any]]:
    """One row per (model, test set); a failed or not-run model gets rows with empty results."""
    error_types = sorted({k for o in outcomes for r in o.results.values() for k in r.errors})
    rows: list[dict[str, Any]] = []
    for o in outcomes:
        for ts in test_sets:
            r = o.results.get(ts)
            row: dict[str, Any] = {
                "arm": o.name,
                "data": o.data,
                "status": o.status,
                "test_set": ts,
                "n": r.n if r else None,
                "correct": r.correct if r else None,
                "accuracy": None,
                "ci_low": None,
                "ci_high": None,
                "train_records": o.train_records,
                "train_skipped": o.train_skipped,
                "train_data_errors": o.train_data_errors,
                "train_records_with_errors": o.train_with_errors,
                "train_steps": o.train_steps,
                "train_loss": None if o.train_loss is None else round(o.train_loss, 4),
                "train_seconds": _round(o.train_seconds),
                "eval_seconds": _round(r.eval_seconds) if r else None,
            }
            if r and r.n:
                lo, hi = wilson_interval(r.correct, r.n)
                row.update(accuracy=round(r.accuracy, 4), ci_low=round(lo, 4), ci_high=round(hi, 4))
            row.update(strict_correct=None, strict_accuracy=None, strict_ci_low=None, strict_ci_high=None)
            if r and r.n and r.strict_correct is not None:
                lo, hi = wilson_interval(r.strict_correct, r.n)
                row.update(strict_correct=r.strict_correct, strict_accuracy=round(r.strict_correct / r.n, 4),
                           strict_ci_low=round(lo, 4), strict_ci_high=round(hi, 4))  # fmt: skip
            for et in error_types:
                row[f"errors_{et}"] = r.errors.get(et, 0) if r else None
            row["error"] = o.error or ""
            rows.append(row)
    return rows


def _round(x: float | None, nd: int = 1) -> float | None:
    return None if x is None else round(float(x), nd)


def write_summary_csv(rows: Sequence[dict[str, Any]], path: Path) -> Path:
    cols: list[str] = []
    for r in rows:
        for k in r:
            if k not in cols:
                cols.append(k)
    if not cols:
        cols = ["arm", "test_set", "n", "accuracy", "ci_low", "ci_high"]
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=cols)
        w.writeheader()
        for r in rows:
            w.writerow({k: ("" if r.get(k) is None else r.get(k)) for k in cols})
    return path


def _pct(x: float | None) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:.1f}%"


def _secs(x: float | None) -> str:
    if x is None:
        return "–"
    x = float(x)
    return f"{x:.0f} s" if x < 120 else f"{x / 60:.1f} min"


def write_summary_md(
    result: CompareResult,
    path: Path,
    *,
    machine: dict[str, Any] | None = None,
    paired: Sequence[PairedChange] | None = None,
) -> Path:
    cfg = result.config
    ts_names = result.test_sets
    if paired is None:
        paired = paired_changes(result.outcomes, ts_names)
    lines: list[str] = [f"# Comparison `{cfg.name}`", ""]
    if cfg.description:
        lines += [cfg.description.strip(), ""]
    lines.append(f"- base model: `{cfg.model}`; device `{cfg.device}`, dtype `{cfg.dtype}`, seed {cfg.seed}")
    if machine:
        lines.append(
            f"- machine: {machine.get('cpu_count')} CPU cores, "
            f"{machine.get('accelerator') or 'no GPU'}; {machine.get('platform', '')}"
        )
    steps = sum((o.train_seconds or 0.0) + o.eval_seconds for o in result.outcomes)
    steps += result.data.seconds if result.data is not None else 0.0
    lines.append(
        f"- time: {_secs(steps)} for all steps as each was measured when it ran; "
        f"this invocation {_secs(result.seconds)} (reused steps are not re-run)"
    )
    d = result.data
    if d is not None:
        top = ", ".join(f"{k} x{v}" for k, v in sorted(d.by_code.items(), key=lambda kv: -kv[1])[:8])
        lines += [
            f"- training data `{_rel(d.dirty_path)}`: {d.dirty_records} records, {d.findings} findings "
            f"({d.errors} errors){': ' + top if top else ''}",
            f"- cleaned: {d.clean_records} records kept, {d.quarantined} quarantined "
            f"(reports: `data/lint.json`, `data/clean.html`)",
        ]
    if result.error:
        lines += ["", f"**The run failed before training:** `{result.error}`"]
    lines += ["", "## Accuracy (95% Wilson interval)", ""]
    head = ["model", "data", "train records"] + ts_names + ["train time", "eval time", "status"]
    lines.append("| " + " | ".join(head) + " |")
    lines.append("|" + "---|" * len(head))
    for o in result.outcomes:
        cells = [f"`{o.name}`", o.data or "–", _train_cell(o)]
        for ts in ts_names:
            r = o.results.get(ts)
            if r is None or not r.n:
                cells.append("–")
            else:
                cells.append(_accuracy_cell(r.correct, r.n))
        cells += [
            _secs(o.train_seconds),
            _secs(o.eval_seconds) if o.results else "–",
            o.status + (f" ({o.failed_step})" if o.failed_step else ""),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    if any(r.strict_correct is not None for o in result.outcomes for r in o.results.values()):
        lines += [
            "",
            "## Strict accuracy: the calls a serving stack returns (95% Wilson interval)",
            "",
            "Only calls that vLLM's `hermes` tool parser would hand to a client count: every `<tool_call>` body "
            "a JSON object with a `name` and an `arguments` object, nothing repaired (no Python literals, no "
            "arguments as strings, no bare or fenced JSON). The table above scores leniently "
            "(`evaluator.extract.extract_calls`, every common format).",
            "",
        ]
        head = ["model", "data", *ts_names]
        lines.append("| " + " | ".join(head) + " |")
        lines.append("|" + "---|" * len(head))
        for o in result.outcomes:
            cells = [f"`{o.name}`", o.data or "–"]
            for ts in ts_names:
                r = o.results.get(ts)
                k = r.strict_correct if r is not None else None
                cells.append("–" if r is None or not r.n or k is None else _accuracy_cell(k, r.n))
            lines.append("| " + " | ".join(cells) + " |")
    if paired:
        lines += [
            "",
            "## Paired changes: the same test records",
            "",
            "Each cell: the first model's accuracy minus the second's, in points; the records only the first "
            "got right (+) and only the second (-); the two-sided exact McNemar p, the chance of a split at "
            "least this uneven if neither model were the better one. Both models answer the same records, so "
            "this test sees differences that the overlap of the intervals above hides (lenient scores).",
            "",
        ]
        head = ["model vs reference", *ts_names]
        lines.append("| " + " | ".join(head) + " |")
        lines.append("|" + "---|" * len(head))
        cells_by_pair: dict[tuple[str, str], dict[str, str]] = {}
        for c in paired:
            cells_by_pair.setdefault((c.model, c.reference), {})[c.test_set] = _paired_cell(c)
        for (model, ref), cells in cells_by_pair.items():
            lines.append(
                "| " + " | ".join([f"`{model}` vs `{ref}`"] + [cells.get(ts, "–") for ts in ts_names]) + " |"
            )
    # Error breakdown.
    error_types = sorted({k for o in result.outcomes for r in o.results.values() for k in r.errors})
    if error_types:
        lines += ["", "## Errors (wrong answers by kind)", ""]
        head = ["model", "test set", *error_types]
        lines.append("| " + " | ".join(head) + " |")
        lines.append("|" + "---|" * len(head))
        for o in result.outcomes:
            for ts in ts_names:
                r = o.results.get(ts)
                if r is None:
                    continue
                lines.append(
                    "| "
                    + " | ".join([f"`{o.name}`", ts] + [str(r.errors.get(et, 0)) for et in error_types])
                    + " |"
                )
    arms_desc = [(a.name, a) for a in cfg.arms]
    adapters = {o.name: o.adapter_dir for o in result.outcomes}
    lines += ["", "## Arms", ""]
    for name, a in arms_desc:
        over = ", ".join(f"{k}={v}" for k, v in a.train.items()) or "shared settings"
        desc = f"{a.description.strip()} " if a.description else ""
        lines.append(f"- `{name}`: {desc}({a.data} data; {over}){_token_rows_note(adapters.get(name))}")
    shared = ", ".join(f"{k}={v}" for k, v in cfg.train.items())
    if shared:
        lines.append(f"- shared training settings: {shared}")
    lines.append(
        f"- evaluation: max_new_tokens={cfg.eval.max_new_tokens}, batch_size={cfg.eval.batch_size}"
        + "".join(f", {k}={v}" for k, v in cfg.eval.options.items())
    )
    failed = [o for o in result.outcomes if o.status == "failed"]
    if failed:
        lines += ["", "## Failures", ""]
        for o in failed:
            where = "base" if o.name == BASE else f"arms/{o.name}"
            lines.append(f"- `{o.name}` failed in {o.failed_step}: `{o.error}` (traceback: `{where}/error.txt`)")
    lines += ["", "## Files", ""]
    lines.append(
        "- `summary.csv`, `accuracy.png`, `compare.json`"
        + (", `paired.csv`" if paired else "")
        + "; test sets as evaluated in `test_sets/`"
    )
    for o in result.outcomes:
        for ts, r in o.results.items():
            if r.results_csv:
                lines.append(f"- `{o.name}` on {ts}: `{_rel(r.results_csv, result.output_dir)}`")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _token_rows_note(adapter_dir: str | None) -> str:
    """``"; token rows trained: <tool_call>, </tool_call>"`` from the adapter's toolproof.json, or
    the trainer's warning that the call tags' rows were left untrained."""
    from toolproof.trainer.train import TOOLPROOF_JSON  # noqa: PLC0415  (no torch at import)

    if not adapter_dir:
        return ""
    try:
        meta = json.loads((Path(adapter_dir) / TOOLPROOF_JSON).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    trained = meta.get("trained_token_rows") or {}
    if trained:
        return "; token rows trained: " + ", ".join(trained)
    untrained = [r["token"] for r in meta.get("token_rows_before") or [] if r.get("indistinct")]
    return f"; untrained token rows left as they were: {', '.join(untrained)}" if untrained else ""


def _accuracy_cell(correct: int, n: int) -> str:
    """``"75.0% [53.1%, 88.8%] (15/20)"``: accuracy, 95% Wilson interval, counts."""
    lo, hi = wilson_interval(correct, n)
    return f"{_pct(correct / n)} [{_pct(lo)}, {_pct(hi)}] ({correct}/{n})"


def _train_cell(o: ModelOutcome) -> str:
    if o.train_records is None:
        return "–"
    cell = str(o.train_records)
    if o.train_with_errors is not None:  # how many of the trained records the validator reported errors in
        cell += f" ({o.train_with_errors} with errors)"
    elif o.train_data_errors is not None:  # a run from before that was recorded: errors in the whole data
        cell += f" ({o.train_data_errors} errors in the data)"
    if o.train_skipped:
        cell += f", {o.train_skipped} skipped"
    return cell


def _rel(p: str | os.PathLike[str], root: str | os.PathLike[str] | None = None) -> str:
    try:
        return str(Path(p).resolve().relative_to(Path(root or Path.cwd()).resolve()))
    except ValueError:
        return str(p)


def plot_accuracy(
    outcomes: Sequence[ModelOutcome],
    test_sets: Sequence[str],
    path: Path,
    *,
    title: str = "",
) -> Path:
    """Grouped bars: one group per test set, one bar per model, 95% Wilson whiskers; a black
    diamond marks the strict accuracy (the calls a serving parser returns) where it is known."""
    import matplotlib  # noqa: PLC0415

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt  # noqa: PLC0415

    shown = [o for o in outcomes if o.results]
    n_models = max(1, len(shown))
    width = 0.8 / n_models
    fig_w = max(6.0, 1.2 + len(test_sets) * (0.5 + 0.45 * n_models))
    fig, ax = plt.subplots(figsize=(fig_w, 4.2), dpi=120)
    cmap = plt.get_cmap("tab10")
    strict_x: list[float] = []
    strict_y: list[float] = []
    for i, o in enumerate(shown):
        xs, ys, lo_err, hi_err = [], [], [], []
        for j, ts in enumerate(test_sets):
            r = o.results.get(ts)
            if r is None or not r.n:
                continue
            lo, hi = wilson_interval(r.correct, r.n)
            xs.append(j - 0.4 + width * (i + 0.5))
            ys.append(r.accuracy)
            lo_err.append(r.accuracy - lo)
            hi_err.append(hi - r.accuracy)
            if r.strict_correct is not None:
                strict_x.append(xs[-1])
                strict_y.append(r.strict_correct / r.n)
        color = _color(o.name, i, cmap)
        bars = ax.bar(xs, ys, width * 0.92, label=o.name, color=color, yerr=[lo_err, hi_err], capsize=3,
                      error_kw={"elinewidth": 1, "ecolor": "0.2"})
        for b, y in zip(bars, ys, strict=True):
            ax.annotate(f"{100 * y:.0f}", (b.get_x() + b.get_width() / 2, 0.01), ha="center", va="bottom",
                        fontsize=7, color="white" if y > 0.08 else "0.2")
    if strict_x:
        ax.scatter(strict_x, strict_y, marker="D", s=14, color="black", zorder=3, label="strict (serving parser)")
    not_shown = [o.name + (" (failed)" if o.status == "failed" else " (not run)") for o in outcomes if not o.results]
    ax.set_xticks(range(len(test_sets)))
    ax.set_xticklabels(list(test_sets))
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("call accuracy")
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    t = title + (f"\nnot shown: {', '.join(not_shown)}" if not_shown else "")
    if t:
        ax.set_title(t, fontsize=10)
    if shown:
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def _color(name: str, i: int, cmap: Any) -> Any:
    """Grey for the base model, green for `clean`, red for `dirty`, tab10 for the others."""
    fixed = {BASE: "0.6", "clean": "tab:green", "dirty": "tab:red"}
    if name in fixed:
        return fixed[name]
    palette = [c for k, c in enumerate(cmap.colors) if k not in (2, 3, 7)]  # not green/red/grey
    return palette[i % len(palette)]


def machine_info() -> dict[str, Any]:
    info: dict[str, Any] = {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "accelerator": None,
    }
    try:
        import torch  # noqa: PLC0415

        info["torch_threads"] = torch.get_num_threads()
        if torch.cuda.is_available():
            info["accelerator"] = torch.cuda.get_device_name(0)
    except Exception:  # noqa: BLE001 - torch is optional for the report
        pass
    return info


def versions() -> dict[str, str | None]:
    from importlib.metadata import PackageNotFoundError, version  # noqa: PLC0415

    out: dict[str, str | None] = {}
    for pkg in ("toolproof", "torch", "transformers", "trl", "peft", "datasets", "accelerate"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = None
    return out


_VERSIONS_KEY: str | None = None


def _versions_key() -> str:
    """Library versions that change results: a new version re-runs the steps."""
    global _VERSIONS_KEY  # noqa: PLW0603
    if _VERSIONS_KEY is None:
        v = versions()
        _VERSIONS_KEY = _hash({k: v[k] for k in ("torch", "transformers", "trl", "peft")})
    return _VERSIONS_KEY


def _results_versions(*packages: str) -> str:
    """The ``RESULTS_VERSION`` of each of toolproof's packages a step runs (bumped by hand when a
    change alters results), so code edits that change nothing keep finished steps reusable."""
    import importlib  # noqa: PLC0415

    return ",".join(f"{pkg}={getattr(importlib.import_module('toolproof.' + pkg), 'RESULTS_VERSION', 0)}" for pkg in packages)


def write_reports(
    result: CompareResult,
    *,
    started: str = "",
    timings: dict[str, float] | None = None,
    test_sets: Sequence[PreparedTestSet] = (),
) -> dict[str, str]:
    """Write summary.csv, summary.md, accuracy.png, compare.json and paired.csv into the output folder."""
    out = result.output_dir
    machine = machine_info()
    files: dict[str, str] = {}
    rows = summary_rows(result.outcomes, result.test_sets)
    files["summary_csv"] = str(write_summary_csv(rows, out / "summary.csv"))
    paired = paired_changes(result.outcomes, result.test_sets)
    if paired:
        files["paired_csv"] = str(write_summary_csv([c.to_dict() for c in paired], out / "paired.csv"))
    files["summary_md"] = str(write_summary_md(result, out / "summary.md", machine=machine, paired=paired))
    if result.test_sets and any(o.results for o in result.outcomes):
        files["accuracy_png"] = str(
            plot_accuracy(
                result.outcomes,
                result.test_sets,
                out / "accuracy.png",
                title=f"{result.config.name}: {result.config.model}",
            )
        )
    if result.data is not None:
        files["lint_report"] = result.data.lint_report
        files["clean_report"] = result.data.clean_report
    compare_json = out / "compare.json"
    files["compare_json"] = str(compare_json)
    doc = {
        "name": result.config.name,
        "started": started,
        "finished": _now(),
        "seconds": round(result.seconds, 2),
        "exit_code": result.exit_code,
        "error": result.error,
        "config": result.config.model_dump(mode="json"),
        "versions": versions(),
        "machine": machine,
        "timings": {k: round(v, 2) for k, v in (timings or {}).items()},
        "data": dataclasses.asdict(result.data) if result.data else None,
        "test_sets": [dataclasses.asdict(t) for t in test_sets],
        "models": [o.to_dict() for o in result.outcomes],
        "paired": [c.to_dict() for c in paired],
        "files": files,
    }
    compare_json.write_text(json.dumps(doc, indent=2, default=str), encoding="utf-8")
    return files


