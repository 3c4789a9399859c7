"""What a `compare` run would do, without loading a model: ``toolproof compare CONFIG --plan``.

Before a run of hours a user wants to know which steps it reuses (finished here, or published under
``docs/results/``), which it continues (a training from its newest checkpoint, an evaluation from its
journal) and which it runs from the start, since a changed setting, data file or version changes a
step's key and with it every step after it. The plan computes the same keys as the run: it prepares
the data and test sets the way the run does (seconds; the run then reuses them) and reads the step
folders; it trains and evaluates nothing and writes no report.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from toolproof.compare.arms import BASE
from toolproof.compare.config import ArmConfig, CompareConfig, load_config
from toolproof.compare.data import kind_paths
from toolproof.compare.publish import Published
from toolproof.compare.results import PreparedTestSet
from toolproof.compare.run import _check_only, _prepare, _prepare_derived, local_training, resumable_checkpoint
from toolproof.compare.steps import MARKER, eval_key, read_marker, started_hash, train_key, train_settings

DONE = "done"  # finished in this output folder, key unchanged
PUBLISHED = "published"  # reused from the published results
UNDER_WAY = "under way"  # continues where it stopped
TO_RUN = "to run"
NOT_SELECTED = "not selected"  # would run, but --only leaves the model out
CANNOT_RUN = "cannot run"  # its data could not be made

#: states that cost no training or evaluation time
REUSED = (DONE, PUBLISHED)


@dataclass(frozen=True)
class PlannedStep:
    model: str
    step: str  # "train" or "eval <test set>"
    state: str
    detail: str = ""


@dataclass
class Plan:
    name: str
    out_dir: Path
    steps: list[PlannedStep]
    error: str | None = None  # the data or test sets cannot be prepared: the run would stop before any model

    def count(self, *states: str) -> int:
        return sum(s.state in states for s in self.steps)

    def to_do(self, *, trainings: bool) -> int:
        """Trainings (or evaluations) a run would run or continue."""
        return sum(s.state in (TO_RUN, UNDER_WAY) and (s.step == "train") == trainings for s in self.steps)


def _journal_rows(step_dir: Path) -> int:
    """Records generated so far by an evaluation under way (its journal beside ``results.csv``)."""
    from toolproof.evaluator.run import journal_path_for, read_journal  # noqa: PLC0415  (no torch at import)

    _, done = read_journal(journal_path_for(step_dir / "results.csv"))
    return sum(len(rows) for rows in done.values())


def _train_state(
    cfg: CompareConfig, arm: ArmConfig, key: str, out_dir: Path, published: Published | None, eval_keys: list[str]
) -> tuple[str, str]:
    if local_training(out_dir, arm, key) is not None:
        return DONE, ""
    if published is not None and published.training(key, eval_keys) is not None:
        return PUBLISHED, ""
    step_dir = out_dir / "arms" / arm.name / "train"
    ckpt = resumable_checkpoint(step_dir, key)
    if ckpt is not None:
        total = train_settings(cfg, arm).get("max_steps")
        return UNDER_WAY, f"from {ckpt.name}" + (f" of {total} steps" if total else "")
    if (step_dir / MARKER).is_file() or started_hash(step_dir) is not None:
        return TO_RUN, "its inputs, settings or versions changed since the last run"
    return TO_RUN, ""


def _eval_state(step_dir: Path, key: str, n: int, published: Published | None) -> tuple[str, str]:
    if read_marker(step_dir, key) is not None:
        return DONE, ""
    if published is not None and published.evaluation(key) is not None:
        return PUBLISHED, ""
    if started_hash(step_dir) == key:
        return UNDER_WAY, f"{_journal_rows(step_dir)} of {n} records generated"
    if (step_dir / MARKER).is_file():
        return TO_RUN, "its model, test set, settings or versions changed since the last run"
    return TO_RUN, ""


def plan_compare(
    config: CompareConfig | str | os.PathLike[str] | dict[str, Any],
    *,
    output_root: str | os.PathLike[str] = "reports",
    only: Iterable[str] | None = None,
    resume: bool = True,
    published_root: str | os.PathLike[str] | None = None,
) -> Plan:
    """The steps a `run_compare` with the same arguments would reuse, continue or run (with
    ``resume=False``: every step runs; the data and test sets are then not prepared either)."""
    cfg = config if isinstance(config, CompareConfig) else load_config(config)
    only_set = _check_only(cfg, only)
    out_dir = Path(output_root) / cfg.name
    if not resume:
        return Plan(cfg.name, out_dir, _everything_runs(cfg, only_set))
    published = Published.load_for(published_root, cfg) if published_root is not None else None
    if published is not None:
        published.check_precision(cfg)  # never pair steps of different precision
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        data, test_sets = _prepare(cfg, out_dir, True, lambda _m: None, {})
    except Exception as e:  # noqa: BLE001 - the run would stop here too: the plan says why
        return Plan(cfg.name, out_dir, [], error=f"{type(e).__name__}: {e}")
    paths = kind_paths(data)
    _, data_errors = _prepare_derived(cfg, out_dir, paths, True, lambda _m: None)
    steps: list[PlannedStep] = []
    models: list[tuple[str, ArmConfig | None]] = [(BASE, None)] if cfg.base else []
    models += [(a.name, a) for a in cfg.arms]
    for name, arm in models:
        selected = only_set is None or name in only_set
        steps += _plan_model(cfg, name, arm, out_dir, paths, data_errors, test_sets, published, selected)
    return Plan(cfg.name, out_dir, steps)


def _everything_runs(cfg: CompareConfig, only_set: set[str] | None) -> list[PlannedStep]:
    names = ([BASE] if cfg.base else []) + [a.name for a in cfg.arms]
    out: list[PlannedStep] = []
    for name in names:
        state, detail = (TO_RUN, "--no-resume") if only_set is None or name in only_set else (NOT_SELECTED, "")
        out += [PlannedStep(name, "train", state, detail)] if name != BASE else []
        out += [PlannedStep(name, f"eval {ts.name}", state, detail) for ts in cfg.eval.test_sets]
    return out


def _plan_model(
    cfg: CompareConfig,
    name: str,
    arm: ArmConfig | None,
    out_dir: Path,
    paths: dict[str, str],
    data_errors: dict[str, str],
    test_sets: list[PreparedTestSet],
    published: Published | None,
    selected: bool,
) -> list[PlannedStep]:
    def step(what: str, state: str, detail: str) -> PlannedStep:
        if not selected and state not in REUSED:
            state, detail = NOT_SELECTED, f"{state}{': ' + detail if detail else ''} (left out by --only)"
        return PlannedStep(name, what, state, detail)

    upstream = ""
    out: list[PlannedStep] = []
    if arm is not None:
        if arm.data in data_errors:
            return [PlannedStep(name, "train", CANNOT_RUN, f"its {arm.data} data could not be made: {data_errors[arm.data]}")]
        upstream = train_key(cfg, arm, paths[arm.data])
        keys = [eval_key(cfg, ts, upstream) for ts in test_sets]
        out.append(step("train", *_train_state(cfg, arm, upstream, out_dir, published, keys)))
    root = out_dir / (BASE if arm is None else f"arms/{name}") / "eval"
    for ts in test_sets:
        state, detail = _eval_state(root / ts.name, eval_key(cfg, ts, upstream), ts.n, published)
        out.append(step(f"eval {ts.name}", state, detail))
    return out


__all__ = ["Plan", "PlannedStep", "plan_compare"]
